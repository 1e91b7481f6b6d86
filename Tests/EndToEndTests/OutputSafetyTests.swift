import DPWallStore
import Foundation
import Testing

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Output that would attack its reader (issue 21, item 5): names written into a ledger by hand (the filter refuses
/// them at the edge) reach `report`, `budget show` and `quota show` as they are stored. CSV cells a spreadsheet
/// would evaluate get OWASP's `'` and quotes, and no control, bidirectional or invisible character is written
/// raw into CSV, a table or the HTML.
@Suite("Output safe for its reader")
struct OutputSafetyTests {
    /// Formulas, a terminal escape sequence with a bell, a right-to-left override and invisible characters, C1 and
    /// DEL; the last is an ordinary name with a negative spend.
    static let hostile = [
        #"=HYPERLINK("http://x","y")"#, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tTAB", " =spaced",
        "evil\u{1B}[31m\u{7}\u{202E}x\u{200B}\u{FEFF}\u{85}\u{7F}\u{2066}",
    ]

    /// A ledger where `c` and `big` were charged by a real filter, plus a window and a limit state for each hostile
    /// name (its tier hostile too), and `neg` with ε spent −1.5.
    static func makeLedger(_ scratch: TemporaryDirectory) throws -> String {
        let policy = try scratch.write("policy.yaml", BudgetTests.yaml)
        let input =
            BudgetTests.record(id: "c0") + BudgetTests.record(id: "b0", client: "big", ts: "2026-11-26T10:01:00Z")
        let ledger = scratch.file("ledger.db").path
        let run = try DPWall.run(
            ["filter", "--policy", policy, "--ledger", ledger, "--no-audit", "--quiet"], stdin: Data(input.utf8),
            in: scratch)
        #expect(run.status == 0, "\(run.stderrText)")
        let opened = try SQLiteLedger(path: ledger)
        let template = try #require(try opened.latestWindows(clients: ["big"]).first)
        try opened.withWriter { writer in
            try writer.begin()
            for name in hostile {
                var window = template
                window.client = name
                window.tier = "=tier\u{202E}"
                try writer.save(window)
                var limits = LimitState(client: name)
                limits.tier = "@tier\u{1B}"
                limits.rateDenials = 2
                try writer.save(limits)
            }
            var negative = template
            negative.client = "neg"
            negative.spentEpsilon = -1.5
            try writer.save(negative)
            try writer.commit()
        }
        return ledger
    }

    /// Fields of RFC 4180 CSV (quoted fields with doubled quotes; no line break inside a field).
    static func csv(_ text: String) -> [[String]] {
        text.split(separator: "\n").map { line in
            var fields: [String] = []
            var field = ""
            var quoted = false
            var characters = Array(line)[...]
            while let character = characters.popFirst() {
                if quoted {
                    if character == "\"" {
                        if characters.first == "\"" {
                            field.append("\"")
                            characters.removeFirst()
                        } else {
                            quoted = false
                        }
                    } else {
                        field.append(character)
                    }
                } else if character == "\"" {
                    quoted = true
                } else if character == "," {
                    fields.append(field)
                    field = ""
                } else {
                    field.append(character)
                }
            }
            return fields + [field]
        }
    }

    /// The code points that must never be written raw: controls but the line feed, format characters
    /// (bidirectional controls, zero-width ones, the BOM), line and paragraph separators, noncharacters.
    static func hidden(_ text: String) -> [UInt32] {
        text.unicodeScalars.filter { scalar in
            guard scalar != "\n" else { return false }
            switch scalar.properties.generalCategory {
            case .control, .format, .lineSeparator, .paragraphSeparator, .unassigned: return true
            default: return false
            }
        }.map(\.value)
    }

    /// Checks a CSV output: nothing hidden, every hostile name's cell escaped and prefixed, numbers kept.
    static func checkCSV(_ result: DPWallResult, numeric: [String]) throws {
        #expect(result.status == 0, "\(result.stderrText)")
        #expect(hidden(result.stdoutText).isEmpty, "\(hidden(result.stdoutText))")
        let rows = csv(result.stdoutText)
        let header = try #require(rows.first)
        for row in rows.dropFirst() {
            #expect(row.count == header.count, "\(row)")
            for (key, cell) in zip(header, row) {
                if numeric.contains(key), !cell.isEmpty {
                    #expect(Double(cell) != nil, "\(key) \(cell)")
                } else if let first = cell.first {
                    #expect(!"=+-@\t\r".contains(first), "\(key) \(cell)")
                }
            }
        }
        let names = Set(rows.dropFirst().map { $0[0] })
        #expect(names.contains(#"'=HYPERLINK("http://x","y")"#), "\(names)")
        #expect(names.contains("'+1+cmd|' /C calc'!A0"))
        #expect(names.contains("'-2+3"))
        #expect(names.contains("'@SUM(A1)"))
        #expect(names.contains("'\\u{9}TAB"))
        #expect(names.contains("' =spaced"))
        #expect(
            names.contains("evil\\u{1B}[31m\\u{7}\\u{202E}x\\u{200B}\\u{FEFF}\\u{85}\\u{7F}\\u{2066}"), "\(names)")
        // The cells are quoted as written: a spreadsheet reads the `'` as text, not as the start of a formula.
        #expect(result.stdoutText.contains(#""'=HYPERLINK(""http://x"",""y"")""#))
    }

    @Test("budget show, quota show and report write CSV a spreadsheet cannot run, and numbers stay numbers")
    func csvCells() throws {
        let scratch = try TemporaryDirectory()
        let ledger = try Self.makeLedger(scratch)
        let budget = try DPWall.run(["budget", "show", "--ledger", ledger, "--format", "csv"], in: scratch)
        try Self.checkCSV(budget, numeric: ["spent_epsilon", "limit_epsilon", "used_percent", "releases", "denials"])
        // A negative number is a number: no quote, no prefix.
        #expect(budget.stdoutText.contains("\nneg,free,"), "\(budget.stdoutText)")
        #expect(budget.stdoutText.contains(",-1.5,1000,"), "\(budget.stdoutText)")
        let report = try DPWall.run(["report", "--ledger", ledger, "--format", "csv"], in: scratch)
        try Self.checkCSV(report, numeric: ["spent_epsilon", "limit_epsilon", "used_percent", "releases"])
        #expect(report.stdoutText.contains(",-1.5,1000,"), "\(report.stdoutText)")
        #expect(report.stdoutText.contains(#","'=tier\u{202E}","#), "\(report.stdoutText)")
        let quota = try DPWall.run(["quota", "show", "--ledger", ledger, "--format", "csv"], in: scratch)
        try Self.checkCSV(quota, numeric: ["rate_denials", "quota_denials"])
        #expect(quota.stdoutText.contains(#""'@tier\u{1B}""#), "\(quota.stdoutText)")
    }

    @Test("tables and the HTML report show hidden characters as visible escapes, never raw")
    func tablesAndHTML() throws {
        let scratch = try TemporaryDirectory()
        let ledger = try Self.makeLedger(scratch)
        for arguments in [["budget", "show"], ["quota", "show"], ["report"]] {
            let result = try DPWall.run(arguments + ["--ledger", ledger], in: scratch)
            #expect(result.status == 0, "\(arguments) \(result.stderrText)")
            #expect(Self.hidden(result.stdoutText).isEmpty, "\(arguments) \(Self.hidden(result.stdoutText))")
            #expect(result.stdoutText.contains("evil\\u{1B}[31m\\u{7}\\u{202E}x"), "\(arguments)")
        }
        let html = try DPWall.run(["report", "--ledger", ledger, "--format", "html"], in: scratch)
        #expect(html.status == 0, "\(html.stderrText)")
        #expect(Self.hidden(html.stdoutText).isEmpty, "\(Self.hidden(html.stdoutText))")
        #expect(html.stdoutText.contains("evil\\u{1B}[31m\\u{7}\\u{202E}x\\u{200B}\\u{FEFF}\\u{85}\\u{7F}\\u{2066}"))
        #expect(html.stdoutText.contains("=tier\\u{202E}"))
        let parser = XMLParser(data: html.stdout)
        #expect(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
    }

    @Test("replay's summary shows a policy path's hidden characters escaped")
    func replayHeading() throws {
        let scratch = try TemporaryDirectory()
        let policy = try scratch.write("p\u{202E}lmth.yaml", BudgetTests.yaml)
        let result = try DPWall.run(
            ["replay", "--policy", policy], stdin: Data(BudgetTests.record(id: "r0").utf8), in: scratch)
        #expect(result.status == 0, "\(result.stderrText)")
        #expect(Self.hidden(result.stdoutText).isEmpty, "\(Self.hidden(result.stdoutText))")
        #expect(result.stdoutText.contains("p\\u{202E}lmth.yaml"), "\(result.stdoutText)")
    }
}
