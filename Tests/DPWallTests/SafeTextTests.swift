import Testing

@testable import DPWall

/// The one place report writers escape through (issue 21, item 5), and the numbers they print for people.
@Suite("Safe text and numbers for people")
struct SafeTextTests {
    @Test(
        "hidden characters become visible escapes; printable text, U+FFFD and other scripts stay",
        arguments: [
            ("acme", "acme"), ("a\u{1B}[2J\u{7}", "a\\u{1B}[2J\\u{7}"), ("\u{202E}gpj.exe", "\\u{202E}gpj.exe"),
            ("x\u{200B}\u{200F}\u{2066}\u{2069}\u{FEFF}", "x\\u{200B}\\u{200F}\\u{2066}\\u{2069}\\u{FEFF}"),
            ("c1\u{85}\u{9B}del\u{7F}", "c1\\u{85}\\u{9B}del\\u{7F}"), ("line\u{2028}", "line\\u{2028}"),
            ("nul\u{0}\t\r\n", "nul\\u{0}\\u{9}\\u{D}\\u{A}"), ("名前 é \u{FFFD}", "名前 é \u{FFFD}"),
            ("non\u{FFFF}", "non\\u{FFFF}"),
        ])
    func visible(_ raw: String, _ shown: String) {
        #expect(SafeText.visible(raw) == shown)
    }

    @Test(
        "CSV text cells: a formula's start gets a quote in front and quotes around; commas and quotes are quoted",
        arguments: [
            ("acme", "acme"), ("=1+2", "\"'=1+2\""), ("+1", "\"'+1\""), ("-2", "\"'-2\""),
            ("@SUM(A1)", "\"'@SUM(A1)\""),
            ("\tx", "\"'\\u{9}x\""), ("\rx", "\"'\\u{D}x\""), ("  =x", "\"'  =x\""),
            (#"=HYPERLINK("http://x","y")"#, #""'=HYPERLINK(""http://x"",""y"")""#), ("a,b", "\"a,b\""),
            ("say \"hi\"", "\"say \"\"hi\"\"\""), ("a-b=c", "a-b=c"), ("e\u{1B}x", "e\\u{1B}x"),
        ])
    func csv(_ raw: String, _ cell: String) {
        #expect(SafeText.csv(raw) == cell)
    }

    @Test("numeric CSV cells stay numbers; text in a numeric column is still text")
    func csvNumbers() {
        for number in ["-1.5", "0", "20", "1e-05", "-2.5E+3", "19.985815434724387"] {
            #expect(SafeText.csvNumber(number) == number)
        }
        #expect(SafeText.csvNumber("") == "")
        #expect(SafeText.csvNumber("-1+1") == "\"'-1+1\"")
        #expect(SafeText.csvNumber("-inf") == "\"'-inf\"")
        #expect(SafeText.csvNumber("null") == "null")
    }

    @Test("HTML: markup escaped, hidden characters visible")
    func html() {
        #expect(SafeText.html("<b>\"x\"&'\u{202E}\u{1B}") == "&lt;b&gt;&quot;x&quot;&amp;&#39;\\u{202E}\\u{1B}")
    }

    @Test(
        "numbers for people: four significant digits, never inside the integer part; integers as they are",
        arguments: [
            (19.985815434724387, "19.99"), (0.016666666666666666, "0.01667"), (30.472859052202125, "30.47"),
            (123456.7, "123457"), (20, "20"), (0.0004123456, "0.0004123"), (-1.23456, "-1.235"), (0, "0"),
            (1e-7, "1e-07"), (0.1, "0.1"), (9.99996, "10"), (2.5e20, "2.5e+20"),
        ])
    func human(_ value: Double, _ text: String) {
        #expect(TextTable.human(value) == text)
    }

    @Test("a table's numeric cells are shown for people, its CSV and JSON keep every digit")
    func tableForms() {
        let header = ["name", "spent"]
        let rows = [["=x", "19.985815434724387"], ["b", "99.9"], ["c", "-1.5"]]
        let table = TextTable.render(header: header, rows: rows, numeric: ["spent"], format: .table)
        #expect(table == "name  spent\n=x    19.99\nb     99.9\nc     -1.5\n")
        let csv = TextTable.render(header: header, rows: rows, numeric: ["spent"], format: .csv)
        #expect(csv == "name,spent\n\"'=x\",19.985815434724387\nb,99.9\nc,-1.5\n")
        let json = TextTable.render(header: header, rows: rows, numeric: ["spent"], format: .json)
        #expect(json.contains("\"spent\":19.985815434724387"))
    }
}

/// The summary line of `filter`: a run shorter than a millisecond still says how long it took.
@Suite("Filter summary")
struct FilterSummaryTests {
    @Test("the elapsed time has four significant digits, not 0.0")
    func elapsed() {
        var counts = DecisionCounts()
        counts.records = 3
        counts.allowed = 3
        let summary = FilterResult(ending: .completed, counts: counts, seconds: 0.000412345).summary
        #expect(summary.contains(" in 0.0004123 s, "), "\(summary)")
        #expect(FilterResult(ending: .completed, counts: counts, seconds: 12.34567).summary.contains(" in 12.35 s, "))
    }
}
