import Foundation
import Testing

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// `dpwall report` on a ledger and archive built by a real run: the numbers are the ledger's (as `budget show`
/// prints them), the HTML is well-formed XML with the right charts and no external reference, and the period
/// and client filters hold.
@Suite("Budget reports")
struct ReportTests {
    /// A ledger and archive from `filter`: c spends 3 of 3 (two more denied), big 4 of 1000, d 1 of 3 in each of
    /// two hourly windows; one malformed line and one unknown model.
    static func makeLedger(_ scratch: TemporaryDirectory) throws -> (ledger: String, audit: String) {
        let policy = try scratch.write("policy.yaml", BudgetTests.yaml)
        var input = ""
        for k in 0..<5 { input += BudgetTests.record(id: "c\(k)", ts: "2026-11-26T10:00:0\(k)Z") }
        for k in 0..<4 { input += BudgetTests.record(id: "b\(k)", client: "big", ts: "2026-11-26T10:01:0\(k)Z") }
        input += BudgetTests.record(id: "d0", client: "d", ts: "2026-11-26T10:02:00Z")
        // d's next hour: a second window, which is the one reported (the ledger's latest).
        input += BudgetTests.record(id: "d1", client: "d", ts: "2026-11-26T11:30:00Z")
        input += "{not json\n"
        input += #"{"id":"u","ts":"2026-11-26T10:03:00Z","client":"d","model":"nope","request":{}}"# + "\n"
        let ledger = scratch.file("ledger.db").path
        let audit = scratch.file("audit").path
        let result = try DPWall.run(
            ["filter", "--policy", policy, "--ledger", ledger, "--audit", audit], stdin: Data(input.utf8),
            in: scratch)
        #expect(result.status == 0, "\(result.stderrText)")
        return (ledger, audit)
    }

    static func json(_ result: DPWallResult) throws -> [String: Any] {
        #expect(result.status == 0, "\(result.stderrText)")
        return try #require(JSONSerialization.jsonObject(with: result.stdout) as? [String: Any], "\(result.stdoutText)")
    }

    @Test("per-client numbers are the ledger's, as budget show prints them")
    func numbersMatchBudgetShow() throws {
        let scratch = try TemporaryDirectory()
        let (ledger, audit) = try Self.makeLedger(scratch)
        let shown = try DPWall.run(["budget", "show", "--ledger", ledger, "--format", "json"], in: scratch)
        let windows = try #require(JSONSerialization.jsonObject(with: shown.stdout) as? [[String: Any]])
        #expect(windows.count == 3)
        for arguments in [["--ledger", ledger], ["--ledger", ledger, "--audit", audit]] {
            let report = try Self.json(try DPWall.run(["report", "--format", "json"] + arguments, in: scratch))
            let clients = try #require(report["clients"] as? [[String: Any]])
            #expect(clients.count == windows.count)
            for window in windows {
                let name = try #require(window["client"] as? String)
                let row = try #require(clients.first { $0["client"] as? String == name })
                for key in ["tier", "window_start", "window_end", "first_seen", "last_seen"] {
                    #expect(row[key] as? String == window[key] as? String, "\(name) \(key)")
                }
                for key in ["spent_epsilon", "limit_epsilon", "spent_delta", "limit_delta", "used_percent"] {
                    #expect(row[key] as? Double == window[key] as? Double, "\(name) \(key)")
                }
                #expect(row["releases"] as? Int == window["releases"] as? Int, "\(name)")
            }
            let d = try #require(clients.first { $0["client"] as? String == "d" })
            #expect(d["window_start"] as? String == "2026-11-26T11:00:00Z")
            let c = try #require(clients.first { $0["client"] as? String == "c" })
            #expect(c["state"] as? String == "exhausted")
            #expect((c["denials"] as? [String: Int])?["budget_exhausted"] == 2)
            let fleet = try #require(report["fleet"] as? [String: Any])
            #expect(fleet["exhausted"] as? Int == 1)
            #expect(fleet["histogram"] as? [Int] == [1, 0, 0, 1, 0, 0, 0, 0, 0, 1])
        }
        // The archive tells the codes and models apart; the ledger alone knows only budget denials.
        let withAudit = try Self.json(
            try DPWall.run(["report", "--format", "json", "--ledger", ledger, "--audit", audit], in: scratch))
        let fleet = try #require(withAudit["fleet"] as? [String: Any])
        #expect(
            fleet["denials_by_code"] as? [String: Int]
                == ["budget_exhausted": 2, "malformed_json": 1, "unknown_model": 1])
        let models = try #require(fleet["models"] as? [[String: Any]])
        #expect(models.first?["model"] as? String == "m")
        #expect(models.first?["allowed"] as? Int == 9)
        #expect(models.first?["privatized"] as? Int == 9)
        // CSV: a header and a row per client.
        let csv = try DPWall.run(["report", "--format", "csv", "--ledger", ledger], in: scratch)
        #expect(csv.lines.count == 4)
        #expect(csv.stdoutText.hasPrefix("client,tier,window_start,"))
    }

    /// Elements of an XML document: name and attributes, in document order.
    final class Elements: NSObject, XMLParserDelegate {
        var elements: [(name: String, attributes: [String: String])] = []

        func parser(
            _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
            attributes: [String: String] = [:]
        ) {
            elements.append((name, attributes))
        }
    }

    @Test("the HTML is one well-formed file: the charts hold the right series and points, and nothing is external")
    func html() throws {
        let scratch = try TemporaryDirectory()
        let (ledger, audit) = try Self.makeLedger(scratch)
        let path = scratch.file("report.html").path
        let result = try DPWall.run(
            ["report", "--format", "html", "--ledger", ledger, "--audit", audit, "-o", path], in: scratch)
        #expect(result.status == 0, "\(result.stderrText)")
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let text = String(decoding: data, as: UTF8.self)
        // `<!DOCTYPE html>` is a document type declaration without DTD to XML: the whole file parses.
        let parser = XMLParser(data: data)
        let elements = Elements()
        parser.delegate = elements
        #expect(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
        for reference in ["http:", "https:", "src=", "href=", "url(", "@import", "//cdn"] {
            #expect(!text.contains(reference), "\(reference)")
        }
        // The charts: series and points per chart, in document order.
        var chart = ""
        var series: [String: [(String, Int)]] = [:]
        var bars: [Int] = []
        for element in elements.elements {
            if element.name == "svg" { chart = element.attributes["id"] ?? "" }
            if element.name == "polyline", element.attributes["class"] == "series" {
                let coordinates = (element.attributes["points"] ?? "").split(separator: " ").count
                let points = try #require(Int(element.attributes["data-points"] ?? ""))
                // Cumulative ε is drawn as steps: a corner between two releases.
                #expect(coordinates == (chart == "epsilon-chart" ? 2 * points - 1 : points))
                series[chart, default: []].append((element.attributes["data-name"] ?? "", points))
            }
            if element.name == "rect", element.attributes["class"] == "bar" {
                bars.append(Int(element.attributes["data-count"] ?? "") ?? -1)
            }
        }
        // Biggest spenders first: big (4 releases), c (3), d (1); a point per release.
        #expect(series["epsilon-chart"]?.map(\.0) == ["big", "c", "d"])
        #expect(series["epsilon-chart"]?.map(\.1) == [4, 3, 1])
        // Two codes with event times (the malformed line has none), over minutes 10:00 to 10:03: four bins.
        #expect(series["denials-chart"]?.map(\.0) == ["budget_exhausted", "unknown_model"])
        #expect(series["denials-chart"]?.map(\.1) == [4, 4])
        let report = try Self.json(
            try DPWall.run(["report", "--format", "json", "--ledger", ledger, "--audit", audit], in: scratch))
        let denials = try #require((report["series"] as? [String: Any])?["denials"] as? [[String: Any]])
        let values = denials.map { ($0["points"] as? [[Any]] ?? []).map { $0.last as? Double ?? -1 } }
        #expect(values == [[2, 0, 0, 0], [0, 0, 0, 1]])
        #expect(bars == [1, 0, 0, 1, 0, 0, 0, 0, 0, 1])
        let rows = elements.elements.filter { $0.name == "tr" }.count
        #expect(rows == 1 + 3, "the heading and three clients (none near exhaustion: no table of them)")
        // Without the archive there is no denial chart, and the page says why.
        let plain = try DPWall.run(["report", "--format", "html", "--ledger", ledger], in: scratch)
        #expect(!plain.stdoutText.contains("id=\"denials-chart\""))
        #expect(plain.stdoutText.contains("Needs --audit"))
    }

    @Test("--since, --until and --client narrow the report")
    func filters() throws {
        let scratch = try TemporaryDirectory()
        let (ledger, audit) = try Self.makeLedger(scratch)
        let report = try Self.json(
            try DPWall.run(
                [
                    "report", "--format", "json", "--ledger", ledger, "--audit", audit, "--since",
                    "2026-11-26T10:00:02Z", "--until", "2026-11-26T10:01:02Z",
                ], in: scratch))
        let series = try #require((report["series"] as? [String: Any])?["epsilon"] as? [[String: Any]])
        // In range: c's releases at :02 (its third) and big's at 10:01:00 and :01.
        let points = Dictionary(
            uniqueKeysWithValues: series.map { ($0["name"] as! String, ($0["points"] as! [Any]).count) })
        #expect(points == ["big": 2, "c": 1, "d": 0])
        // d's window in the period is its first one, not its latest.
        let clients = try #require(report["clients"] as? [[String: Any]])
        #expect(clients.first { $0["client"] as? String == "d" }?["window_start"] as? String == "2026-11-26T10:00:00Z")
        let denials = try #require((report["fleet"] as? [String: Any])?["denials_by_code"] as? [String: Int])
        #expect(denials == ["budget_exhausted": 2])
        let one = try Self.json(
            try DPWall.run(["report", "--format", "json", "--ledger", ledger, "--client", "d"], in: scratch))
        #expect((one["clients"] as? [[String: Any]])?.map { $0["client"] as? String } == ["d"])
        // A client the ledger does not know is 65, as for budget show; a missing archive is 66, as for audit verify.
        let nobody = try DPWall.run(["report", "--ledger", ledger, "--client", "nobody"], in: scratch)
        #expect(nobody.status == 65, "\(nobody.stderrText)")
        #expect(nobody.stderrText.contains("nobody"), "\(nobody.stderrText)")
        let missing = try DPWall.run(["report", "--ledger", ledger, "--audit", "no-such-dir"], in: scratch)
        #expect(missing.status == 66, "\(missing.stderrText)")
    }

    @Test("hostile client names stay text: the HTML still parses, and markup in a name is escaped")
    func hostileNames() throws {
        let scratch = try TemporaryDirectory()
        let policy = try scratch.write("policy.yaml", BudgetTests.yaml)
        // JSON escapes: markup and quotes, and markup beyond ASCII. Names with a newline, a tab, U+FFFF (allowed in
        // JSON, not in XML) or a bell are not client names (docs/auth.md, "Client names"): the filter refuses them,
        // and they reach neither the ledger nor the report.
        let names = [#"<b>x</b>&amp;\"'"#, #"\u540D<i>&lt;"#]
        let refused = [#"new\nline\ttab"#, #"odd\uffffname\u0007"#]
        var input = ""
        for (k, name) in (names + refused).enumerated() {
            input += BudgetTests.record(id: "h\(k)", client: name, ts: "2026-11-26T10:00:0\(k)Z")
        }
        let ledger = scratch.file("ledger.db").path
        let audit = scratch.file("audit").path
        let filtered = try DPWall.run(
            ["filter", "--policy", policy, "--ledger", ledger, "--audit", audit], stdin: Data(input.utf8),
            in: scratch)
        #expect(filtered.status == 0, "\(filtered.stderrText)")
        let codes = filtered.lines.compactMap(OutputLine.init).map { $0.code ?? "ok" }
        #expect(codes == ["ok", "ok", "invalid_field", "invalid_field"], "\(filtered.stdoutText)")
        let result = try DPWall.run(
            ["report", "--format", "html", "--ledger", ledger, "--audit", audit], in: scratch)
        #expect(result.status == 0, "\(result.stderrText)")
        let parser = XMLParser(data: result.stdout)
        let elements = Elements()
        parser.delegate = elements
        #expect(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
        #expect(!elements.elements.contains { $0.name == "b" })
        // Characters XML forbids are replaced (libxml2 lets U+FFFF through, stricter parsers do not).
        let forbidden = result.stdoutText.unicodeScalars.filter {
            ($0.value < 0x20 && $0 != "\n") || $0.value == 0xFFFE || $0.value == 0xFFFF
        }
        #expect(forbidden.isEmpty, "\(forbidden.map(\.value))")
        #expect(result.stdoutText.contains("&lt;b&gt;x&lt;/b&gt;&amp;amp;&quot;&#39;"))
        let seriesNames = elements.elements.compactMap { $0.attributes["data-name"] }
        #expect(seriesNames.contains("\u{540D}<i>&lt;"), "\(seriesNames)")
        #expect(!seriesNames.contains { $0.contains("line") || $0.contains("odd") }, "\(seriesNames)")
    }

    /// Milliseconds since 1970 of an RFC 3339 time as the report writes it (with or without a fraction).
    static func milliseconds(_ text: String) throws -> Int64 {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let plain = ISO8601DateFormatter()
        let date = try #require(formatter.date(from: text) ?? plain.date(from: text), "\(text)")
        return Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    @Test(
        "without --audit the report agrees with itself and with --audit on the samples: refused for budget is exhausted"
    )
    func samplesWithAndWithoutAudit() throws {
        let scratch = try TemporaryDirectory()
        let ledger = scratch.file("s.db").path
        let audit = scratch.file("s-audit").path
        let run = try DPWall.run(
            [
                "filter", "--quiet", "--policy", DPWall.sample("policy.yaml").path, "--ledger", ledger, "--audit",
                audit,
                DPWall.sample("traffic.jsonl").path,
            ], in: scratch)
        #expect(run.status == 0, "\(run.stderrText)")
        var states: [[String: String]] = []
        var fleets: [[String: Any]] = []
        for arguments in [[String](), ["--audit", audit]] {
            let report = try Self.json(
                try DPWall.run(["report", "--format", "json", "--ledger", ledger] + arguments, in: scratch))
            let clients = try #require(report["clients"] as? [[String: Any]])
            var state: [String: String] = [:]
            for client in clients {
                let name = try #require(client["client"] as? String)
                state[name] = client["state"] as? String
                // A client its own row shows refused for budget is exhausted, never near or ok.
                if ((client["denials"] as? [String: Int])?["budget_exhausted"] ?? 0) > 0 {
                    #expect(client["state"] as? String == "exhausted", "\(name) \(arguments)")
                }
            }
            states.append(state)
            fleets.append(try #require(report["fleet"] as? [String: Any]))
        }
        #expect(states[0] == states[1])
        #expect(fleets[0]["exhausted"] as? Int == 34)
        #expect(fleets[1]["exhausted"] as? Int == 34)
        #expect((fleets[0]["near_exhaustion"] as? [String])?.isEmpty == true, "\(fleets[0])")
        // The table says the same.
        let table = try DPWall.run(["report", "--ledger", ledger], in: scratch)
        #expect(table.stdoutText.contains("clients: 39, 34 exhausted, 0 near exhaustion"), "\(table.stdoutText)")
    }

    @Test("a projected exhaustion never falls before the report's as of")
    func projectionAfterAsOf() throws {
        let scratch = try TemporaryDirectory()
        let policy = try scratch.write("policy.yaml", BudgetTests.yaml)
        // big spends 100 of 1000 in a minute (6000 an hour: the rest in 9 minutes, by 10:10); c is charged at
        // 10:30, the report's as of. big had not run out by then: at its rate from then on, it runs out at 10:39.
        var input = BudgetTests.record(id: "b0", client: "big", ts: "2026-11-26T10:00:00Z", rows: 50)
        input += BudgetTests.record(id: "b1", client: "big", ts: "2026-11-26T10:01:00Z", rows: 50)
        input += BudgetTests.record(id: "c0", ts: "2026-11-26T10:30:00Z")
        let ledger = scratch.file("ledger.db").path
        let run = try DPWall.run(
            ["filter", "--policy", policy, "--ledger", ledger, "--no-audit", "--quiet"], stdin: Data(input.utf8),
            in: scratch)
        #expect(run.status == 0, "\(run.stderrText)")
        for format in ["json", "csv"] {
            let result = try DPWall.run(["report", "--format", format, "--ledger", ledger], in: scratch)
            #expect(result.status == 0, "\(result.stderrText)")
            #expect(!result.stdoutText.contains("2026-11-26T10:10"), "\(result.stdoutText)")
        }
        let report = try Self.json(try DPWall.run(["report", "--format", "json", "--ledger", ledger], in: scratch))
        let asOf = try Self.milliseconds(try #require(report["as_of"] as? String))
        #expect(asOf == (try Self.milliseconds("2026-11-26T10:30:00Z")))
        let clients = try #require(report["clients"] as? [[String: Any]])
        let big = try #require(clients.first { $0["client"] as? String == "big" })
        let projected = try Self.milliseconds(try #require(big["projected_exhaustion"] as? String))
        #expect(abs(projected - (try Self.milliseconds("2026-11-26T10:39:00Z"))) <= 1, "\(big)")
        for client in clients {
            if let text = client["projected_exhaustion"] as? String, !text.isEmpty {
                #expect(try Self.milliseconds(text) >= asOf, "\(client)")
            }
        }
    }
}
