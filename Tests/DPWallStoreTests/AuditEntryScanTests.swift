import Testing

@testable import DPWallStore

/// The verifier's scan of one entry: its `seq` and event time, read past the writer's `at` and `id` without a
/// search when they are laid out as the writer lays them out, and found by the search from the start otherwise.
@Suite("Audit entry scan")
struct AuditEntryScanTests {
    /// Entries with their `seq` and event time (ms since 1970, nil for none).
    static let cases: [(entry: String, seq: UInt64?, time: Int64?)] = [
        (
            #"{"seq":7,"at":1796596153819,"id":"r-1","ts":"2026-11-26T10:00:00.768Z","client":"a"}"#, 7,
            1_795_687_200_768
        ),
        (#"{"seq":8,"at":1,"id":"a\"b","ts":"2026-11-26T10:00:01Z"}"#, 8, 1_795_687_201_000),
        // The id ends in an escaped backslash: its closing quote follows a backslash.
        (#"{"seq":9,"at":1,"id":"a\\","ts":"2026-11-26T10:00:02Z"}"#, 9, 1_795_687_202_000),
        // An id that holds the text of a `ts` member: the real one follows.
        (
            #"{"seq":10,"at":1,"id":"\"ts\":\"2020-01-01T00:00:00Z\"","ts":"2026-11-26T10:00:03Z"}"#, 10,
            1_795_687_203_000
        ),
        (
            #"{"seq":11,"at":1,"id":"x\"ts\":\"2020-01-01T00:00:00Z","ts":"2026-11-26T10:00:04Z"}"#, 11,
            1_795_687_204_000
        ),
        // No id, an id that is not a string, and ids that are not closed.
        (#"{"seq":12,"at":1,"ts":"2026-11-26T10:00:05Z"}"#, 12, 1_795_687_205_000),
        (#"{"seq":13,"at":1,"id":17,"ts":"2026-11-26T10:00:06Z"}"#, 13, 1_795_687_206_000),
        (#"{"seq":14,"at":1,"id":"#, 14, nil),
        (#"{"seq":15,"at":1,"id":"open"#, 15, nil),
        (#"{"seq":16,"at":"#, 16, nil),
        // No ts, a ts that is not a time, a ts after other members, and members in another order.
        (#"{"seq":17,"at":1,"id":"r","decision":"deny"}"#, 17, nil),
        (#"{"seq":18,"at":1,"id":"r","ts":"yesterday"}"#, 18, nil),
        (#"{"seq":19,"at":1,"id":"r","client":"c","ts":"2026-11-26T10:00:07Z"}"#, 19, 1_795_687_207_000),
        (#"{"seq":20,"id":"r","at":1,"ts":"2026-11-26T10:00:08Z"}"#, 20, 1_795_687_208_000),
        (#"{"at":1,"seq":21,"ts":"2026-11-26T10:00:09Z"}"#, nil, 1_795_687_209_000),
        (#"{"seq":,"ts":"2026-11-26T10:00:10Z"}"#, nil, 1_795_687_210_000),
        (#"{"seq":22,"at":1,"id":"","ts":"2026-11-26T10:00:11Z"}"#, 22, 1_795_687_211_000),
        // Not JSON, found by a reviewer's fuzzing: a `"ts":"` at the id's opening or closing quote, which a search
        // that started past the id's first closing quote missed.
        (#"{"seq":23,"at":1,"id":"ts":"2026-11-26T10:00:12Z"}"#, 23, 1_795_687_212_000),
        (#"{"seq":24,"at":1,"id":"x"ts":"2026-11-26T10:00:13Z"}"#, 24, 1_795_687_213_000),
        (#"{"seq":25,"at":1,"id":"a\"ts":"2026-11-26T10:00:14Z"}"#, 25, 1_795_687_214_000),
    ]

    @Test("seq and event time of entries in and out of the writer's layout")
    func scansEveryLayout() {
        for (entry, seq, time) in Self.cases {
            Array(entry.utf8).withUnsafeBytes { line in
                let (leading, end) = AuditVerifier.leadingSeq(line)
                #expect(leading == seq, "\(entry)")
                #expect(AuditVerifier.eventTime(line, from: AuditVerifier.pastPrefix(line, end)) == time, "\(entry)")
                #expect(AuditVerifier.eventTime(line) == time, "\(entry)")
                var scan = AuditVerifier.Scan()
                AuditVerifier.scan(line, into: &scan)
                #expect(scan.count == 1 && scan.from == time && scan.to == time, "\(entry)")
                #expect((scan.problem == nil) == (seq != nil), "\(entry)")
            }
        }
    }

    @Test("200,000 random entries, JSON or not: the search past the prefix finds what the search from the start finds")
    func agreesWithTheFullSearch() {
        // Pieces that make quotes, escapes, `ts` members and ends of members collide in every order.
        let pieces = [
            #"""#, #"\"#, "ts", ":", ",", "}", "x", #""ts":""#, "2026-11-26T10:00:00Z", #"\""#, #"\\"#, "id",
            #""ts":"2026-11-26T10:00:01Z""#,
        ]
        let prefixes = [#"{"seq":1,"at":12,"id":""#, #"{"seq":1,"at":12,"#, #"{"seq":1,"#, #"{"seq":1,"at":"#]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        var found = 0
        for _ in 0..<200_000 {
            var entry = prefixes[next(prefixes.count)]
            for _ in 0..<next(9) { entry += pieces[next(pieces.count)] }
            Array(entry.utf8).withUnsafeBytes { line in
                let fast = AuditVerifier.eventTime(
                    line, from: AuditVerifier.pastPrefix(line, AuditVerifier.leadingSeq(line).end))
                let full = AuditVerifier.eventTime(line)
                if fast != full {
                    Issue.record("\(entry): \(String(describing: fast)) against \(String(describing: full))")
                }
                if full != nil { found += 1 }
            }
        }
        // The pieces make a readable ts often enough for the comparison to mean something.
        #expect(found > 10_000)
    }

    @Test("the search skips the writer's at and id: it starts right after the id's closing quote")
    func skipsThePrefix() {
        let entry = #"{"seq":7,"at":1796596153819,"id":"r-1","ts":"2026-11-26T10:00:00.768Z"}"#
        Array(entry.utf8).withUnsafeBytes { line in
            let start = AuditVerifier.pastPrefix(line, AuditVerifier.leadingSeq(line).end)
            #expect(start == entry.utf8.count - #","ts":"2026-11-26T10:00:00.768Z"}"#.utf8.count)
        }
    }
}
