import DPWallRecords
import Foundation

extension BudgetReport {
    /// An output format of `dpwall report`.
    public enum Format: String, CaseIterable, Sendable {
        case table, json, csv, html
    }

    /// Writes the report in `format` to `sink`, a piece at a time: the per-client rows are never held as text all
    /// at once (a million clients is a few hundred MB of text).
    public func write(_ format: Format, title: String, to sink: (String) -> Void) {
        switch format {
        case .table: writeTable(title: title, to: sink)
        case .csv: writeCSV(to: sink)
        case .json: writeJSON(title: title, to: sink)
        case .html: writeHTML(title: title, to: sink)
        }
    }

    static let clientHeader = [
        "client", "tier", "window_start", "window_end", "spent_epsilon", "limit_epsilon", "used_percent",
        "spent_delta", "limit_delta", "releases", "denials", "first_seen", "last_seen", "epsilon_per_hour",
        "projected_exhaustion", "state",
    ]
    static let numericColumns: Set<String> = [
        "spent_epsilon", "limit_epsilon", "used_percent", "spent_delta", "limit_delta", "releases",
        "epsilon_per_hour",
    ]

    /// A client's row, as text fields under ``clientHeader``.
    func fields(_ client: Client) -> [String] {
        let n = TextTable.number
        return [
            client.client, client.tier, Self.time(client.windowStart), Self.time(client.windowEnd),
            n(client.spentEpsilon), n(client.limitEpsilon), Self.tenths(client.usedPercent),
            n(client.spentDelta), n(client.limitDelta), "\(client.releases)",
            client.denials.map { "\($0.code.name) \($0.count)" }.joined(separator: "; "),
            client.firstSeen == 0 ? "" : Self.time(client.firstSeen),
            client.lastSeen == 0 ? "" : Self.time(client.lastSeen),
            client.ratePerHour.map(n) ?? "",
            projectedExhaustion(client).map(Self.time) ?? "", state(client),
        ]
    }

    func state(_ client: Client) -> String {
        if client.exhausted { return "exhausted" }
        return client.usedPercent >= options.nearExhaustion * 100 ? "near" : "ok"
    }

    static func time(_ milliseconds: Int64) -> String { EventTime.format(milliseconds: milliseconds) }

    /// `value` with one decimal (`%.1f`, without Foundation's formatter: a report formats millions).
    static func tenths(_ value: Double) -> String {
        guard value.isFinite, abs(value) < 1e15 else { return TextTable.number(value) }
        let scaled = value * 10
        // Near a half the product may have rounded up or down: the exact decimal decides, as printf does.
        if abs(abs(scaled - scaled.rounded(.down)) - 0.5) < 1e-6 { return String(format: "%.1f", value) }
        let tenths = Int(scaled.rounded())
        let sign = tenths < 0 ? "-" : ""
        return "\(sign)\(abs(tenths) / 10).\(abs(tenths) % 10)"
    }

    /// A cell of ``clientHeader``'s `column` for people: text made visible, numbers to four significant digits.
    static func tableCell(_ row: [String], _ column: Int) -> String {
        numericColumns.contains(clientHeader[column])
            ? TextTable.humanCell(row[column]) : SafeText.visible(row[column])
    }

    /// The fleet's lines of the table form.
    func summaryLines(title: String) -> [String] {
        summaryText(title: title).map(SafeText.visible)
    }

    private func summaryText(title: String) -> [String] {
        var lines = [title]
        var period = "as of \(asOf.map(Self.time) ?? "no charges yet") (event time)"
        if let since = options.since { period += ", from \(Self.time(since))" }
        if let until = options.until { period += ", until \(Self.time(until))" }
        lines.append(period)
        lines.append(
            "clients: \(clients.count), \(exhaustedCount) exhausted, \(nearExhaustion.count) near exhaustion "
                + "(at least \(Int(options.nearExhaustion * 100))% used)")
        let denials = DenialCode.all.filter { denialsByCode[$0.index] > 0 }.map {
            "\($0.name) \(denialsByCode[$0.index])"
        }
        lines.append(
            "denials by code (\(denialsFromAudit ? "audit archive, \(auditEntries) entries" : "ledger")): "
                + (denials.isEmpty ? "none" : denials.joined(separator: ", ")))
        if denialsFromAudit {
            lines.append(
                "releases per model: "
                    + (modelReleases.isEmpty
                        ? "none"
                        : modelReleases.map { "\($0.model) \($0.allowed) (\($0.privatized) privatized)" }
                            .joined(separator: ", ")))
        } else {
            lines.append("releases per model: needs --audit (the ledger does not record models)")
        }
        lines.append(
            "epsilon spent per tier: "
                + tiers.map {
                    "\($0.tier.isEmpty ? "(none)" : $0.tier) \(TextTable.human($0.spentEpsilon)) "
                        + "over \($0.clients) clients"
                }.joined(separator: ", "))
        return lines
    }

    private func writeTable(title: String, to sink: (String) -> Void) {
        sink(summaryLines(title: title).joined(separator: "\n") + "\n")
        let near = nearExhaustion
        if !near.isEmpty {
            sink("near exhaustion:\n")
            sink(
                TextTable.render(
                    header: ["client", "tier", "used_percent", "projected_exhaustion"],
                    rows: near.prefix(20).map {
                        [
                            $0.client, $0.tier, Self.tenths($0.usedPercent),
                            projectedExhaustion($0).map(Self.time) ?? "not this window",
                        ]
                    }, numeric: [], format: .table))
        }
        sink("\n")
        // Two passes over the clients: the widths, then the rows.
        let columns = [0, 1, 2, 4, 5, 6, 9, 10, 13, 14, 15]
        var widths = columns.map { Self.clientHeader[$0].unicodeScalars.count }
        for client in clients {
            let row = fields(client)
            for (k, column) in columns.enumerated() {
                widths[k] = max(widths[k], Self.tableCell(row, column).unicodeScalars.count)
            }
        }
        func line(_ row: [String]) -> String {
            var text = ""
            for (k, column) in columns.enumerated() {
                let value = Self.tableCell(row, column)
                if k > 0 { text += "  " }
                text += value
                if k < columns.count - 1 {
                    text += String(repeating: " ", count: widths[k] - value.unicodeScalars.count)
                }
            }
            while text.last == " " { text.removeLast() }
            return text + "\n"
        }
        var buffer = line(Self.clientHeader)
        for client in clients {
            buffer += line(fields(client))
            if buffer.utf8.count >= 1 << 20 {
                sink(buffer)
                buffer = ""
            }
        }
        sink(buffer)
    }

    private func writeCSV(to sink: (String) -> Void) {
        var buffer = Self.clientHeader.joined(separator: ",") + "\n"
        for client in clients {
            buffer +=
                zip(Self.clientHeader, fields(client)).map { key, value in
                    Self.numericColumns.contains(key) ? SafeText.csvNumber(value) : SafeText.csv(value)
                }.joined(separator: ",") + "\n"
            if buffer.utf8.count >= 1 << 20 {
                sink(buffer)
                buffer = ""
            }
        }
        sink(buffer)
    }

    private func writeJSON(title: String, to sink: (String) -> Void) {
        let n = TextTable.number
        let q = TextTable.json
        func series(_ list: [Series]) -> String {
            "["
                + list.map { line in
                    "{\"name\":\(q(line.name)),\"limit\":\(line.limit.map(n) ?? "null"),\"points\":["
                        + line.points.map { "[\(q(Self.time($0.time))),\(n($0.value))]" }.joined(separator: ",") + "]}"
                }.joined(separator: ",") + "]"
        }
        var head = "{\"title\":\(q(title)),\"as_of\":\(asOf.map { q(Self.time($0)) } ?? "null"),"
        head += "\"since\":\(options.since.map { q(Self.time($0)) } ?? "null"),"
        head += "\"until\":\(options.until.map { q(Self.time($0)) } ?? "null"),"
        head += "\"fleet\":{\"clients\":\(clients.count),\"exhausted\":\(exhaustedCount),"
        head += "\"near_exhaustion\":[" + nearExhaustion.map { q($0.client) }.joined(separator: ",") + "],"
        head += "\"denials_source\":\(q(denialsFromAudit ? "audit" : "ledger")),\"denials_by_code\":{"
        head +=
            DenialCode.all.filter { denialsByCode[$0.index] > 0 }.map { "\(q($0.name)):\(denialsByCode[$0.index])" }
            .joined(separator: ",") + "},"
        head +=
            "\"models\":"
            + (denialsFromAudit
                ? "["
                    + modelReleases.map {
                        "{\"model\":\(q($0.model)),\"allowed\":\($0.allowed),\"privatized\":\($0.privatized)}"
                    }.joined(separator: ",") + "]" : "null") + ","
        head +=
            "\"tiers\":["
            + tiers.map { "{\"tier\":\(q($0.tier)),\"clients\":\($0.clients),\"spent_epsilon\":\(n($0.spentEpsilon))}" }
            .joined(separator: ",") + "],"
        head += "\"histogram\":[" + histogram.map(String.init).joined(separator: ",") + "]},"
        head += "\"series\":{\"epsilon\":\(series(epsilonSeries)),\"epsilon_exact\":\(epsilonSeriesExact),"
        head += "\"denials\":\(series(denialSeries))},\"clients\":["
        sink(head)
        var buffer = ""
        for (k, client) in clients.enumerated() {
            let row = fields(client)
            var object = k == 0 ? "\n" : ",\n"
            object += "{"
            object += zip(Self.clientHeader, row).map { key, value in
                if key == "denials" {
                    return "\"denials\":{"
                        + client.denials.map { "\(q($0.code.name)):\($0.count)" }.joined(separator: ",") + "}"
                }
                return "\(q(key)):" + (Self.numericColumns.contains(key) && !value.isEmpty ? value : q(value))
            }.joined(separator: ",")
            object += "}"
            buffer += object
            if buffer.utf8.count >= 1 << 20 {
                sink(buffer)
                buffer = ""
            }
        }
        sink(buffer + "\n]}\n")
    }
}
