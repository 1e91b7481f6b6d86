import DPWallRecords
import Foundation

/// The HTML form: one self-contained file (XHTML-compatible markup, no external asset or URL, no script needed to
/// read it), with inline SVG charts and a table that a few lines of inline script make sortable.
extension BudgetReport {
    /// Clients listed in the HTML table at most (the most used); the CSV and JSON forms hold them all.
    static let htmlRows = 1000

    /// Line colours and dash patterns: told apart on screen and on a black-and-white print.
    static let palette = ["#1f5fa8", "#c2410c", "#15803d", "#7e22ce", "#a16207", "#0f766e", "#be123c", "#4b5563"]
    static let dashes = ["", "6 3", "2 2", "8 3 2 3", "1 3", "10 4", "4 2 1 2", "3 3"]

    func writeHTML(title: String, to sink: (String) -> Void) {
        let e = Self.escape
        var head = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8"/>
            <meta name="viewport" content="width=device-width, initial-scale=1"/>
            <title>\(e(title))</title>
            <style>
            \(Self.css)
            </style>
            </head>
            <body>
            <h1>\(e(title))</h1>

            """
        let summary = summaryLines(title: title)
        head += "<p class=\"meta\">\(e(summary[1]))</p>\n"
        head += "<section id=\"fleet\">\n<h2>Fleet</h2>\n<ul>\n"
        for line in summary.dropFirst(2) { head += "<li>\(e(line))</li>\n" }
        head += "</ul>\n"
        let near = nearExhaustion
        if !near.isEmpty {
            head += "<h3>Near exhaustion</h3>\n<table class=\"small\"><thead><tr><th>client</th><th>tier</th>"
            head += "<th class=\"num\">used %</th><th>projected exhaustion</th></tr></thead><tbody>\n"
            for client in near.prefix(20) {
                head += "<tr><td>\(e(client.client))</td><td>\(e(client.tier))</td>"
                head += "<td class=\"num\">\(Self.tenths(client.usedPercent))</td>"
                head += "<td>\(e(projectedExhaustion(client).map(Self.time) ?? "not this window"))</td></tr>\n"
            }
            head += "</tbody></table>\n"
        }
        head += "</section>\n"
        head += "<section>\n<h2>Cumulative ε of the biggest spenders</h2>\n"
        if epsilonSeries.isEmpty {
            head += "<p>No client has releases in this period.</p>\n"
        } else {
            head += epsilonChart()
            head +=
                "<p class=\"note\">"
                + (epsilonSeriesExact
                    ? "The client's position after each release (dashed: its budget)."
                    : "The sum of each release's ε, an upper bound of the spend under this accountant "
                        + "(give --audit for the accountant's own positions); dashed: the budget.") + "</p>\n"
        }
        head += "</section>\n<section>\n<h2>Denials by code over time</h2>\n"
        if !denialsFromAudit {
            head += "<p>Needs --audit: the ledger does not record denials over time.</p>\n"
        } else if denialSeries.isEmpty {
            head += "<p>No denials in this period.</p>\n"
        } else {
            head += lineChart(id: "denials-chart", series: denialSeries, yLabel: "denials")
            let minutes = denialBins.count > 1 ? (denialBins[1] - denialBins[0]) / 60_000 : 1
            let width =
                minutes % 1440 == 0
                ? "\(minutes / 1440) d"
                : minutes % 60 == 0 ? "\(minutes / 60) h" : minutes == 1 ? "minute" : "\(minutes) min"
            head += "<p class=\"note\">Denials per \(width) of event time.</p>\n"
        }
        head += "</section>\n<section>\n<h2>Budget use across clients</h2>\n"
        head += histogramChart()
        head += "</section>\n"
        sink(head)
        writeClientTable(to: sink)
        sink("<script>//<![CDATA[\n\(Self.script)\n//]]></script>\n</body>\n</html>\n")
    }

    private func writeClientTable(to sink: (String) -> Void) {
        let e = Self.escape
        var text = "<section>\n<h2>Clients</h2>\n"
        if clients.count > Self.htmlRows {
            text += "<p class=\"note\">The \(Self.htmlRows) most used of \(clients.count) clients; "
            text += "the CSV and JSON forms hold every client.</p>\n"
        }
        text += "<p class=\"note screen\">Click a column's heading to sort by it.</p>\n"
        text += "<table id=\"clients\" class=\"sortable\"><thead><tr>"
        let columns = [0, 1, 4, 5, 6, 9, 10, 11, 12, 13, 14, 15]
        for column in columns {
            let name = Self.clientHeader[column]
            let numeric = Self.numericColumns.contains(name)
            text += "<th\(numeric ? " class=\"num\"" : "")>\(e(name.replacingOccurrences(of: "_", with: " ")))</th>"
        }
        text += "</tr></thead>\n<tbody>\n"
        for client in clients.prefix(Self.htmlRows) {
            let row = fields(client)
            text += "<tr class=\"\(state(client))\">"
            for column in columns {
                let numeric = Self.numericColumns.contains(Self.clientHeader[column])
                text += "<td\(numeric ? " class=\"num\"" : "")>\(e(Self.tableCell(row, column)))</td>"
            }
            text += "</tr>\n"
            if text.utf8.count >= 1 << 20 {
                sink(text)
                text = ""
            }
        }
        sink(text + "</tbody></table>\n</section>\n")
    }

    // MARK: Charts

    /// The cumulative-ε chart: small multiples, a panel per client with its own scale and its budget line
    /// (dashed), so that a client with a small budget is as readable as one with a large one.
    func epsilonChart() -> String {
        let columns = 2
        let (panelWidth, panelHeight) = (380.0, 210.0)
        let rows = (epsilonSeries.count + columns - 1) / columns
        let (width, height) = (panelWidth * Double(columns), panelHeight * Double(rows))
        let (low, high) = Self.timeRange(epsilonSeries)
        var svg = "<svg id=\"epsilon-chart\" class=\"chart\" role=\"img\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" "
        svg += "width=\"\(Int(width))\" height=\"\(Int(height))\">\n<title>cumulative ε over event time</title>\n"
        for (k, line) in epsilonSeries.enumerated() {
            let peak = max(line.points.map(\.value).max() ?? 0, line.limit ?? 0)
            let frame = Frame(
                x: Double(k % columns) * panelWidth + 56, y: Double(k / columns) * panelHeight + 26,
                width: panelWidth - 76, height: panelHeight - 70, low: low, high: high,
                yMax: Self.niceCeiling(peak > 0 ? peak * 1.05 : 1))
            svg += "<text class=\"panel-title\" x=\"\(Self.f(frame.x))\" y=\"\(Self.f(frame.y - 10))\">"
            svg += "\(Self.escape(Self.clip(line.name, 40)))</text>\n"
            svg += axes(frame, yLabel: "ε")
            if let limit = line.limit {
                svg += "<line class=\"budget\" data-name=\"\(Self.escape(line.name))\" x1=\"\(Self.f(frame.x))\" "
                svg += "y1=\"\(Self.f(frame.py(limit)))\" x2=\"\(Self.f(frame.x + frame.width))\" "
                svg += "y2=\"\(Self.f(frame.py(limit)))\" stroke=\"#b91c1c\"/>\n"
            }
            svg += polyline(line, frame, style: 0, step: true)
        }
        return svg + "</svg>\n"
    }

    /// A chart of several series on one scale, with a legend (the denials by code).
    func lineChart(id: String, series: [Series], yLabel: String) -> String {
        let (width, height) = (760.0, 300.0)
        let (low, high) = Self.timeRange(series)
        let peak = series.flatMap { $0.points.map(\.value) }.max() ?? 0
        let frame = Frame(
            x: 64, y: 12, width: width - 64 - 170, height: height - 12 - 44, low: low, high: high,
            yMax: Self.niceCeiling(peak > 0 ? peak * 1.05 : 1))
        var svg = "<svg id=\"\(id)\" class=\"chart\" role=\"img\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" "
        svg += "width=\"\(Int(width))\" height=\"\(Int(height))\">\n"
        svg += "<title>\(Self.escape(yLabel)) over event time</title>\n"
        svg += axes(frame, yLabel: yLabel)
        for (k, line) in series.enumerated() {
            svg += polyline(line, frame, style: k, step: false)
            let legendY = frame.y + 14 + Double(k) * 18
            let legendX = frame.x + frame.width + 12
            svg += "<line x1=\"\(Self.f(legendX))\" y1=\"\(Self.f(legendY - 4))\" x2=\"\(Self.f(legendX + 24))\" "
            svg += "y2=\"\(Self.f(legendY - 4))\" \(Self.style(k)) stroke-width=\"2\"/>"
            svg += "<text class=\"legend\" x=\"\(Self.f(legendX + 30))\" y=\"\(Self.f(legendY))\">"
            svg += "\(Self.escape(Self.clip(line.name, 18)))</text>\n"
        }
        return svg + "</svg>\n"
    }

    /// Where a plot sits in its SVG, and the scales of its axes.
    struct Frame {
        var x: Double, y: Double, width: Double, height: Double
        var low: Int64, high: Int64, yMax: Double

        func px(_ time: Int64) -> Double { x + (Double(time) - Double(low)) / (Double(high) - Double(low)) * width }
        func py(_ value: Double) -> Double { y + height - value / yMax * height }
    }

    /// The event-time range of `series`, widened when it is a single instant.
    static func timeRange(_ series: [Series]) -> (Int64, Int64) {
        let times = series.flatMap { $0.points.map(\.time) }
        var low = times.min() ?? 0
        var high = times.max() ?? 0
        if high <= low {
            low = low &- 1_800_000
            high = high &+ 1_800_000
            if high <= low { (low, high) = (0, 3_600_000) }
        }
        return (low, high)
    }

    /// Grid lines, tick labels and axis titles of `frame`.
    func axes(_ frame: Frame, yLabel: String) -> String {
        let f = Self.f
        var svg = "<g class=\"axes\">\n"
        for k in 0...5 {
            let value = frame.yMax * Double(k) / 5
            svg += "<line class=\"grid\" x1=\"\(f(frame.x))\" y1=\"\(f(frame.py(value)))\" "
            svg += "x2=\"\(f(frame.x + frame.width))\" y2=\"\(f(frame.py(value)))\"/>"
            svg += "<text x=\"\(f(frame.x - 6))\" y=\"\(f(frame.py(value) + 4))\" text-anchor=\"end\">"
            svg += "\(Self.escape(Self.short(value)))</text>\n"
        }
        for k in 0...2 {
            let time = Self.clamped(Double(frame.low) + (Double(frame.high) - Double(frame.low)) * Double(k) / 2)
            let anchor = ["start", "middle", "end"][k]
            svg += "<text x=\"\(f(frame.px(time)))\" y=\"\(f(frame.y + frame.height + 16))\" text-anchor=\"\(anchor)\">"
            svg += "\(Self.escape(Self.axisTime(time)))</text>\n"
        }
        let bottom = frame.y + frame.height
        svg += "<line class=\"axis\" x1=\"\(f(frame.x))\" y1=\"\(f(bottom))\" x2=\"\(f(frame.x + frame.width))\" "
        svg += "y2=\"\(f(bottom))\"/><line class=\"axis\" x1=\"\(f(frame.x))\" y1=\"\(f(frame.y))\" "
        svg += "x2=\"\(f(frame.x))\" y2=\"\(f(bottom))\"/>\n"
        let middle = frame.y + frame.height / 2
        svg +=
            "<text x=\"\(f(frame.x - 44))\" y=\"\(f(middle))\" transform=\"rotate(-90 \(f(frame.x - 44)) \(f(middle)))\" "
        svg += "text-anchor=\"middle\">\(Self.escape(yLabel))</text>\n"
        svg += "<text x=\"\(f(frame.x + frame.width / 2))\" y=\"\(f(bottom + 32))\" text-anchor=\"middle\">"
        svg += "event time (UTC)</text>\n"
        return svg + "</g>\n"
    }

    /// A series as a polyline (as steps when `step`: a cumulative value holds until the next release), with a
    /// marker on a lone point.
    func polyline(_ line: Series, _ frame: Frame, style: Int, step: Bool) -> String {
        let f = Self.f
        var coordinates: [String] = []
        var previous: Double?
        for point in line.points {
            let x = frame.px(point.time)
            if step, let previous { coordinates.append("\(f(x)),\(f(frame.py(previous)))") }
            coordinates.append("\(f(x)),\(f(frame.py(point.value)))")
            previous = point.value
        }
        var svg =
            "<polyline class=\"series\" data-name=\"\(Self.escape(line.name))\" data-points=\"\(line.points.count)\" "
        svg += "points=\"\(coordinates.joined(separator: " "))\" fill=\"none\" \(Self.style(style))/>\n"
        if line.points.count == 1, let point = line.points.first {
            svg += "<circle cx=\"\(f(frame.px(point.time)))\" cy=\"\(f(frame.py(point.value)))\" r=\"3\" "
            svg += "fill=\"\(Self.palette[style % Self.palette.count])\"/>\n"
        }
        return svg
    }

    static func style(_ k: Int) -> String {
        let dash = dashes[k % dashes.count]
        return "stroke=\"\(palette[k % palette.count])\"" + (dash.isEmpty ? "" : " stroke-dasharray=\"\(dash)\"")
    }

    static func f(_ value: Double) -> String { String(format: "%.1f", value) }

    /// A time in milliseconds from a Double, clamped to what Int64 holds.
    static func clamped(_ value: Double) -> Int64 {
        guard value.isFinite else { return 0 }
        return value >= 9.2e18 ? Int64.max : value <= -9.2e18 ? Int64.min : Int64(value.rounded())
    }

    /// Bars of ``histogram``: clients per tenth of budget used.
    func histogramChart() -> String {
        let (width, height) = (760.0, 240.0)
        let (left, top, bottom) = (64.0, 20.0, 44.0)
        let plotWidth = width - left - 20
        let plotHeight = height - top - bottom
        let peak = Double(max(1, histogram.max() ?? 1))
        let barWidth = plotWidth / Double(histogram.count)
        let f = Self.f
        var svg = "<svg id=\"histogram\" class=\"chart\" role=\"img\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" "
        svg += "width=\"\(Int(width))\" height=\"\(Int(height))\">\n<title>clients per tenth of budget used</title>\n"
        for (k, count) in histogram.enumerated() {
            let barHeight = Double(count) / peak * plotHeight
            let x = left + Double(k) * barWidth
            svg +=
                "<rect class=\"bar\" data-count=\"\(count)\" x=\"\(f(x + 4))\" y=\"\(f(top + plotHeight - barHeight))\" "
            svg += "width=\"\(f(barWidth - 8))\" height=\"\(f(barHeight))\"/>"
            svg += "<text x=\"\(f(x + barWidth / 2))\" y=\"\(f(top + plotHeight - barHeight - 4))\" "
            svg += "text-anchor=\"middle\">\(count)</text>"
            svg += "<text x=\"\(f(x + barWidth / 2))\" y=\"\(f(top + plotHeight + 18))\" text-anchor=\"middle\">"
            svg += "\(k * 10)–\(k * 10 + 10)%</text>\n"
        }
        svg += "<line class=\"axis\" x1=\"\(f(left))\" y1=\"\(f(top + plotHeight))\" x2=\"\(f(left + plotWidth))\" "
        svg += "y2=\"\(f(top + plotHeight))\"/>\n"
        svg += "<text x=\"\(f(left + plotWidth / 2))\" y=\"\(f(height - 6))\" text-anchor=\"middle\">"
        svg += "share of the budget used (clients per bar)</text>\n"
        return svg + "</svg>\n"
    }

    /// The smallest of 1, 2, 2.5, 5 times a power of ten at or above `value`.
    static func niceCeiling(_ value: Double) -> Double {
        let power = pow(10, floor(log10(value)))
        for step in [1, 2, 2.5, 5, 10] where step * power >= value { return step * power }
        return 10 * power
    }

    static func short(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e9 ? String(Int(value)) : String(format: "%.3g", value)
    }

    /// `MM-DD HH:MM` (UTC).
    static func axisTime(_ time: Int64) -> String {
        let text = EventTime.format(milliseconds: time)
        guard text.count >= 16 else { return text }
        let characters = Array(text)
        return String(characters[5..<10]) + " " + String(characters[11..<16])
    }

    static func clip(_ name: String, _ limit: Int) -> String {
        name.count > limit ? String(name.prefix(limit - 1)) + "…" : name
    }

    /// Text for XML and HTML alike (``SafeText/html(_:)``): nothing hidden or bidirectional reaches the page raw.
    static func escape(_ text: String) -> String { SafeText.html(text) }

    static let css = """
        body { font: 14px/1.45 system-ui, sans-serif; color: #111; background: #fff; margin: 2em auto; max-width: 1100px; padding: 0 1em; }
        h1 { font-size: 1.5em; margin-bottom: 0.2em; }
        h2 { font-size: 1.15em; border-bottom: 1px solid #ccc; padding-bottom: 0.2em; margin-top: 1.6em; }
        .meta, .note { color: #444; }
        table { border-collapse: collapse; font-size: 12px; }
        th, td { border-bottom: 1px solid #ddd; padding: 2px 8px; text-align: left; white-space: nowrap; }
        th { background: #f3f4f6; cursor: pointer; }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
        tr.exhausted td { background: #fde2e2; }
        tr.near td { background: #fdf3d8; }
        svg.chart { max-width: 100%; height: auto; font-size: 11px; }
        svg .grid { stroke: #e5e7eb; }
        svg .axis { stroke: #333; }
        svg .series { stroke-width: 1.8; }
        svg .budget { stroke-dasharray: 5 4; stroke-width: 1; opacity: 0.8; }
        svg .bar { fill: #1f5fa8; }
        @media print {
          body { margin: 0; max-width: none; font-size: 11px; }
          section { page-break-inside: avoid; }
          th { cursor: auto; background: none; }
          .screen { display: none; }
          tr.exhausted td, tr.near td { background: none; font-weight: bold; }
        }
        """

    /// Sorts the table on a heading's click. Written without `<` and `&`, and in a CDATA section, so the file
    /// is well-formed XML too.
    static let script = """
        document.querySelectorAll("table.sortable th").forEach(function (th, column) {
          th.addEventListener("click", function () {
            var body = th.closest("table").tBodies[0];
            var rows = Array.prototype.slice.call(body.rows);
            var direction = th.getAttribute("data-direction") === "up" ? -1 : 1;
            th.setAttribute("data-direction", direction === 1 ? "up" : "down");
            var numeric = th.classList.contains("num");
            rows.sort(function (a, b) {
              var x = a.cells[column].textContent, y = b.cells[column].textContent;
              if (numeric) { return direction * ((parseFloat(x) || 0) - (parseFloat(y) || 0)); }
              return direction * x.localeCompare(y);
            });
            rows.forEach(function (row) { body.appendChild(row); });
          });
        });
        """
}
