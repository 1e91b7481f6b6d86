import Crypto
import DPWallStore
import Foundation
import Testing

/// Property tests of exactly once under redelivery and of event time (docs/privacy.md, "Exactly once under
/// redelivery"; docs/records.md, "Event time"), end to end through the real binary, over random interleavings drawn
/// from fixed seeds: records redelivered within a run and across runs on one ledger, with `budget grant` and
/// `budget reset` between runs; records far behind the watermark; a client stamping its records on past days and
/// future years to open fresh budget windows.
@Suite("Exactly once under redelivery: random interleavings")
struct RedeliveryPropertyTests {
    typealias R = RedeliveryTests

    // MARK: - The policy and the records

    /// A tier's request limits and privacy budget (ε, window in milliseconds).
    struct Tier {
        var name: String
        var yaml: String
        var epsilon: Double
        var window: Int64
    }

    static let hour: Int64 = 3_600_000
    static let day: Int64 = 86_400_000

    /// Three tiers with different rates, quotas and budget windows; a client holds keys of two or three of them.
    static let tiers = [
        Tier(
            name: "hourly",
            yaml: "{ models: \"*\", rate: 6/m, burst: 2, quota: 3/hour, "
                + "budget: { epsilon: 2, delta: 1.0e-5, window: 1h } }", epsilon: 2, window: hour),
        Tier(
            name: "daily",
            yaml: "{ models: \"*\", rate: 20/m, burst: 4, quota: 25/day, "
                + "budget: { epsilon: 6, delta: 1.0e-5, window: 1d } }", epsilon: 6, window: day),
        Tier(
            name: "mixed",
            yaml: "{ models: \"*\", rate: 2/m, burst: 3, quota: 15/day, "
                + "budget: { epsilon: 4, delta: 1.0e-5, window: 1h } }", epsilon: 4, window: hour),
    ]

    static func tier(_ name: String) -> Tier { tiers.first { $0.name == name }! }

    /// Client `k<client>`'s API key of `tier`.
    static func apiKey(_ client: Int, _ tier: String) -> String { "dpw_TEST_property_k\(client)_\(tier)_7d2e" }

    /// api_key auth, each client with a key per tier in `keys[client]`; basic accounting (positions are exact sums
    /// of the rows' ε = 0.5); one model with a Gaussian output.
    static func policy(keys: [[String]], limits: String) -> String {
        var entries = ""
        for (client, tiers) in keys.enumerated() {
            for tier in tiers {
                let digest = Hex.encode(SHA256.hash(data: Data(apiKey(client, tier).utf8)))
                entries += "    - { client: k\(client), tier: \(tier), sha256: \(digest) }\n"
            }
        }
        return """
            version: 1
            \(limits)
            auth:
              mode: api_key
              api_keys:
            \(entries)
            tiers:
            \(tiers.map { "  \($0.name): \($0.yaml)" }.joined(separator: "\n"))
            accounting: basic
            models:
              m:
                inputs:
                  - { name: x, datatype: FP32, shape: [-1, 1], range: [0, 1] }
                outputs:
                  - name: p
                    datatype: FP32
                    shape: [-1, 2]
                    privacy: { mechanism: gaussian, epsilon: 0.5, delta: 1.0e-7, clamp: [0, 1], round: 3 }

            """
    }

    /// One input record and what the test knows of it.
    struct Record {
        var id: String
        var client: Int
        var tier: String
        var ms: Int64
        var rows: Int
        var line: Data

        /// The record as a short text for messages.
        var summary: String { "\(id) (k\(client), \(tier), \(LimitTests.timestamp(ms)), \(rows) rows)" }
    }

    /// A record of model m with `rows` rows asking `x`, presenting `key`; without its newline.
    static func line(id: String, key: String, ms: Int64, rows: Int, x: String, answer: String) -> Data {
        let text = BudgetTests.record(
            id: id, client: "CLIENT", ts: LimitTests.timestamp(ms), rows: rows, x: x, answer: answer
        ).replacingOccurrences(of: #""client":"CLIENT","#, with: #""credentials":{"api_key":"\#(key)"},"#)
        return Data(text.dropLast().utf8)
    }

    /// A random record of a random client (or of `client`), each with its own question, out of range (`x` = 1.5)
    /// with `outOfRange` percent, with an unknown key with `unknown` percent.
    static func randomRecord(
        _ id: String, number: Int, ms: Int64, client: Int, keys: [[String]], outOfRange: Int, unknown: Int,
        random: inout SplitMix
    ) -> Record {
        let tier = keys[client][random.below(keys[client].count)]
        let rows = 1 + random.below(3)
        let roll = random.below(100)
        let key = roll < unknown ? "dpw_TEST_property_unknown_\(id)" : apiKey(client, tier)
        let x = roll >= unknown && roll < unknown + outOfRange ? "1.5" : String(format: "0.%05d", number + 1)
        let answer = "[0.\(random.below(90) + 10),0.5]"
        return Record(
            id: id, client: client, tier: tier, ms: ms, rows: rows,
            line: line(id: id, key: key, ms: ms, rows: rows, x: x, answer: answer))
    }

    /// Two or three distinct tiers for each of `count` clients.
    static func randomKeys(_ count: Int, random: inout SplitMix) -> [[String]] {
        (0..<count).map { _ in
            var names = tiers.map(\.name)
            shuffle(&names, &random)
            return Array(names.prefix(2 + random.below(2)))
        }
    }

    /// Fisher–Yates with SplitMix.
    static func shuffle<T>(_ array: inout [T], _ random: inout SplitMix) {
        guard array.count > 1 else { return }
        for index in stride(from: array.count - 1, to: 0, by: -1) {
            array.swapAt(index, random.below(index + 1))
        }
    }

    // MARK: - Running dpwall

    /// The lines joined with newlines.
    static func input(_ lines: [Data]) -> Data {
        lines.reduce(into: Data()) {
            $0 += $1
            $0.append(0x0A)
        }
    }

    /// One `filter` run on `ledger` with the noise key: one output line per input line (the run must succeed).
    static func filter(
        _ lines: [Data], policy: String, ledger: String, key: String, in scratch: TemporaryDirectory, what: String
    ) throws -> [Data] {
        let result = try DPWall.run(
            ["filter", "--policy", policy, "--ledger", scratch.file(ledger).path, "--no-audit", "--noise-key", key],
            stdin: input(lines), in: scratch)
        try #require(result.status == 0, "\(what): filter exited \(result.status): \(result.stderrText)")
        try #require(
            result.lines.count == lines.count,
            "\(what): \(result.lines.count) output lines for \(lines.count) records: \(result.stderrText)")
        return result.lines
    }

    /// `budget` and `quota show --format json` of `ledger`.
    static func shows(_ ledger: String, in scratch: TemporaryDirectory) throws -> (
        budget: [[String: Any]], quota: [[String: Any]]
    ) {
        let path = scratch.file(ledger).path
        return (try R.show("budget", ledger: path, in: scratch), try R.show("quota", ledger: path, in: scratch))
    }

    /// Fails when two ledgers' `budget show` or `quota show` differ, naming the first differing row.
    static func compareShows(
        _ got: (budget: [[String: Any]], quota: [[String: Any]]),
        _ want: (budget: [[String: Any]], quota: [[String: Any]]), _ context: String, lagKnown: Bool = false,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        // With `lagKnown`, a span's printed position may lag after a restart (see restartAndBudgetShow): every
        // other field must agree, and the position's difference is a known issue.
        let lagging: Set<String> = ["spent_epsilon", "spent_delta", "used_percent"]
        func strip(_ rows: [[String: Any]]) -> [[String: Any]] {
            lagKnown ? rows.map { $0.filter { !lagging.contains($0.key) } } : rows
        }
        for (what, actual, expected) in [
            ("budget", strip(got.budget), strip(want.budget)), ("quota", got.quota, want.quota),
        ] {
            if let difference = R.rowDifference(actual, expected) {
                R.fail("\(context): \(what) show differs; \(difference)", sourceLocation: sourceLocation)
            }
        }
        guard lagKnown else { return }
        withKnownIssue("budget show's span position lags after a restart", isIntermittent: true) {
            if let difference = R.rowDifference(got.budget, want.budget) {
                R.fail("\(context): budget show's positions differ; \(difference)", sourceLocation: sourceLocation)
            }
        }
    }

    /// An operator's action between two runs.
    enum Action: CustomStringConvertible {
        case grant(client: Int, epsilon: Int)
        case reset(client: Int, at: Int64)

        var arguments: [String] {
            switch self {
            case .grant(let client, let epsilon):
                ["budget", "grant", "k\(client)", "--epsilon", "\(epsilon)", "--reason", "property test"]
            case .reset(let client, let at):
                [
                    "budget", "reset", "k\(client)", "--yes", "--reason", "property test", "--at",
                    LimitTests.timestamp(at),
                ]
            }
        }

        var description: String { "dpwall " + arguments.joined(separator: " ") }
    }

    static func apply(_ action: Action, ledger: String, in scratch: TemporaryDirectory, _ context: String) throws {
        let result = try DPWall.run(action.arguments + ["--ledger", scratch.file(ledger).path], in: scratch)
        try #require(result.status == 0, "\(context): \(action) exited \(result.status): \(result.stderrText)")
    }

    /// The `privacy` annotation's cost, spent ε and limit ε of a released line.
    static func privacy(_ raw: Data) -> (cost: Double, spent: Double, limit: Double)? {
        OutputLine(raw).flatMap(BudgetTests.privacy)
    }

    // MARK: - 1. Random redelivery across runs, with grants and resets

    /// 2026-01-10T18:00:00Z: in the past, so the wall clock's future bound never bites; the stream crosses
    /// midnight.
    static let start: Int64 = 1_768_068_000_000

    @Test(
        "random redelivery within and across runs, with grants and resets: first lines, the deduplicated run, limits",
        arguments: [11, 23, 42, 77, 136] as [UInt64])
    func randomRedelivery(seed: UInt64) throws {
        let scratch = try TemporaryDirectory()
        var random = SplitMix(state: seed)
        let keys = Self.randomKeys(5 + random.below(6), random: &random)
        let policy = try scratch.write("policy.yaml", Self.policy(keys: keys, limits: ""))
        let key = scratch.file("noise.key").path
        _ = try DPWall.run(["keygen", "--noise-key", key], in: scratch)

        // First deliveries in increasing event time: a third come in bursts from the previous record's client a
        // fraction of a second later, the others 0.5–4 minutes later from any client (about 15 hours in all).
        let count = 400 + random.below(200)
        var records: [Record] = []
        var ms = Self.start
        var client = 0
        for n in 0..<count {
            let burst = n > 0 && random.below(100) < 35
            ms += burst ? Int64(100 + random.below(3_000)) : Int64(30_000 + random.below(210_000))
            if !burst { client = random.below(keys.count) }
            records.append(
                Self.randomRecord(
                    "s\(seed)-r\(n)", number: n, ms: ms, client: client, keys: keys, outOfRange: 3, unknown: 2,
                    random: &random))
        }

        // 2–4 runs on one ledger; each run after the first starts with a random earlier slice again, and every
        // run repeats some of what it already sent at random later positions.
        let runs = 2 + random.below(3)
        var cuts = Set<Int>()
        while cuts.count < runs - 1 { cuts.insert(20 + random.below(count - 40)) }
        let bounds = [0] + cuts.sorted() + [count]
        var plan: [[Int]] = []
        for run in 0..<runs {
            var sequence: [Int] = []
            if run > 0 {
                let from = random.below(bounds[run])
                sequence += Array(from..<(from + 1 + random.below(min(100, bounds[run] - from))))
            }
            sequence += Array(bounds[run]..<bounds[run + 1])
            for _ in 0..<((bounds[run + 1] - bounds[run]) / 8) {
                let source = random.below(sequence.count)
                sequence.insert(sequence[source], at: source + 1 + random.below(sequence.count - source))
            }
            plan.append(sequence)
        }
        var log = ["seed \(seed): \(count) records of \(keys.count) clients (tiers \(keys)), \(runs) runs"]
        func context() -> String { log.joined(separator: "\n  ") }

        // The redelivered ledger: every redelivery must be the line of the first delivery.
        var first: [Int: Data] = [:]
        var firstInOrder: [Data] = []
        var actions: [Int: [Action]] = [:]  // by the number of first deliveries before them
        var showsBefore: [Int: (budget: [[String: Any]], quota: [[String: Any]])] = [:]
        var redelivered = 0
        var mismatches = 0
        for run in 0..<runs {
            let lines = try Self.filter(
                plan[run].map { records[$0].line }, policy: policy, ledger: "redelivered.db", key: key,
                in: scratch, what: "seed \(seed), run \(run + 1)")
            var again = 0
            for (position, index) in plan[run].enumerated() {
                if let firstLine = first[index] {
                    again += 1
                    if lines[position] != firstLine {
                        mismatches += 1
                        if mismatches <= 3 {
                            R.fail(
                                "seed \(seed), run \(run + 1), input line \(position + 1): the redelivery of "
                                    + "\(records[index].summary) is not its first line:\n"
                                    + "  got:   \(R.shown(lines[position]))\n  first: \(R.shown(firstLine))\n  "
                                    + context())
                        }
                    }
                } else {
                    first[index] = lines[position]
                    firstInOrder.append(lines[position])
                }
            }
            redelivered += again
            let codes = Dictionary(grouping: R.codes(lines), by: { $0 }).mapValues(\.count)
            log.append("run \(run + 1): \(plan[run].count) lines, \(again) redelivered, codes \(codes)")
            guard run < runs - 1 else { continue }
            // Between runs: sometimes a grant, a reset (just after the last first delivery), or both, for a client
            // that was released something.
            let released = (0..<bounds[run + 1]).filter { OutputLine(first[$0]!)?.isAllowed == true }
            guard !released.isEmpty else { continue }
            let roll = random.below(4)
            var these: [Action] = []
            if roll & 1 != 0 {
                these.append(
                    .grant(client: records[released[random.below(released.count)]].client, epsilon: 1 + random.below(3))
                )
            }
            if roll & 2 != 0 {
                these.append(
                    .reset(
                        client: records[released[random.below(released.count)]].client,
                        at: records[bounds[run + 1] - 1].ms + 1))
            }
            guard !these.isEmpty else { continue }
            showsBefore[bounds[run + 1]] = try Self.shows("redelivered.db", in: scratch)
            for action in these {
                try Self.apply(action, ledger: "redelivered.db", in: scratch, "seed \(seed)")
                log.append("after run \(run + 1): \(action)")
            }
            actions[bounds[run + 1]] = these
        }
        #expect(
            mismatches == 0, "seed \(seed): \(mismatches) of \(redelivered) redeliveries differ from their first line")
        #expect(redelivered > 0, "seed \(seed): nothing was redelivered")

        // The reference: the deduplicated stream into a fresh ledger, stopped only where grants and resets came.
        let stops = actions.keys.sorted() + [count]
        var reference: [Data] = []
        var from = 0
        for stop in stops {
            reference += try Self.filter(
                records[from..<stop].map(\.line), policy: policy, ledger: "reference.db", key: key, in: scratch,
                what: "seed \(seed), reference run of records \(from + 1)–\(stop)")
            if let these = actions[stop] {
                Self.compareShows(
                    showsBefore[stop]!, try Self.shows("reference.db", in: scratch),
                    "seed \(seed), before the actions after record \(stop) (redelivered vs reference)\n  " + context(),
                    lagKnown: true)
                for action in these { try Self.apply(action, ledger: "reference.db", in: scratch, "seed \(seed)") }
            }
            from = stop
        }
        if let difference = R.firstDifference(firstInOrder, reference, whole: true) {
            R.fail(
                "seed \(seed): the output without its redeliveries is not the deduplicated run's; \(difference)\n  "
                    + context())
        }
        let finalShows = try Self.shows("redelivered.db", in: scratch)
        Self.compareShows(
            finalShows, try Self.shows("reference.db", in: scratch),
            "seed \(seed), at the end (redelivered vs reference)\n  " + context(), lagKnown: true)

        // The limits bound: the input must have exercised them.
        let tally = Dictionary(grouping: R.codes(reference), by: { $0 }).mapValues(\.count)
        for code in ["ok", "rate_limited", "quota_exceeded", "budget_exhausted"] {
            #expect((tally[code] ?? 0) > 0, "seed \(seed): no \(code) in the deduplicated run (\(tally))")
        }

        // No window passes its limit plus grants: each release's position is the sum of what the client was
        // released in its tier's window (from the client's last reset, when the window holds it), and stays within
        // the tier's limit plus every grant the client got so far; budget show's spend within its limit.
        var grants: [Int: Double] = [:]
        var resets: [Int: Int64] = [:]
        var released: [Int: [(ms: Int64, cost: Double)]] = [:]
        var overruns = 0
        for index in 0..<count {
            for action in actions[index] ?? [] {
                switch action {
                case .grant(let client, let epsilon): grants[client, default: 0] += Double(epsilon)
                case .reset(let client, let at): resets[client] = at
                }
            }
            guard let line = OutputLine(first[index]!), line.isAllowed else { continue }
            let record = records[index]
            guard let position = Self.privacy(first[index]!) else {
                R.fail("seed \(seed): a release without its privacy annotation: \(R.shown(first[index]))")
                continue
            }
            let tier = Self.tier(record.tier)
            let cost = 0.5 * Double(record.rows)
            let windowStart = record.ms / tier.window * tier.window
            var from = windowStart
            if let reset = resets[record.client], reset <= record.ms, reset > from { from = reset }
            let spent =
                released[record.client, default: []].filter { $0.ms >= from && $0.ms < windowStart + tier.window }
                .map(\.cost).reduce(0, +) + cost
            released[record.client, default: []].append((record.ms, cost))
            let bound = tier.epsilon + grants[record.client, default: 0]
            let consistent =
                position.cost == cost && abs(position.spent - spent) < 1e-9 && spent <= bound + 1e-9
                && position.spent <= position.limit * (1 + 1e-12)
            if !consistent {
                overruns += 1
                if overruns <= 3 {
                    R.fail(
                        "seed \(seed): the release of \(record.summary) (cost \(cost)) should show spent ε \(spent) "
                            + "of at most \(bound) (the tier's \(tier.epsilon) plus grants) in the window from "
                            + "\(LimitTests.timestamp(from)); its annotation: cost \(position.cost), spent "
                            + "\(position.spent), limit \(position.limit)\n  line: \(R.shown(first[index]))\n  "
                            + context())
                }
            }
        }
        // budget show's last span of each client: its spend is no more than what the client was released with event
        // time in it (a snapshot, docs/operations.md), its limit the tier's plus what was granted, no more than the
        // grants the client got. (Its spend may pass its limit: a client released under a shorter window after
        // its longer window was spent, docs/privacy.md, "Budgets and the ledger".)
        for row in finalShows.budget {
            let client = Int((row["client"] as? String ?? "").dropFirst()) ?? -1
            let spent = (row["spent_epsilon"] as? NSNumber)?.doubleValue ?? .nan
            let limit = (row["limit_epsilon"] as? NSNumber)?.doubleValue ?? .nan
            let granted = (row["granted_epsilon"] as? NSNumber)?.doubleValue ?? .nan
            guard let tier = Self.tiers.first(where: { $0.name == row["tier"] as? String }),
                let from = (row["window_start"] as? String).flatMap(Self.milliseconds),
                let to = (row["window_end"] as? String).flatMap(Self.milliseconds)
            else {
                R.fail("seed \(seed): a budget show row without its tier or window: \(R.text(row))")
                continue
            }
            let inWindow = released[client, default: []].filter { $0.ms >= from && $0.ms < to }
            let total = inWindow.map(\.cost).reduce(0, +)
            let cut = resets[client].map { $0 > from && $0 < to } ?? false
            #expect(
                spent <= total + 1e-9,
                "seed \(seed): budget show's spend is more than the \(inWindow.count) releases (ε \(total)) in its span\(cut ? ", cut by a reset" : ""): \(R.text(row))"
            )
            #expect(
                abs(limit - tier.epsilon - granted) < 1e-9 && granted <= grants[client, default: 0] + 1e-9,
                "seed \(seed): budget show's limit is not the tier's ε \(tier.epsilon) plus what was granted (grants to the client: \(grants[client, default: 0])): \(R.text(row))"
            )
        }
    }

    /// Milliseconds since 1970 of an RFC 3339 time, with or without fractional seconds.
    static func milliseconds(_ text: String) -> Int64? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return Int64((date.timeIntervalSince1970 * 1_000).rounded()) }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text).map { Int64(($0.timeIntervalSince1970 * 1_000).rounded()) }
    }

    /// The smallest case the random streams found (seed 11): a client with two keys; a redelivery of its record
    /// under its other key rewrites the `tier` of its `quota show` row (the `limits` table), within a run and
    /// across runs, with and without a noise key, though nothing else moves.
    @Test("a redelivery under another tier's key leaves quota show as the run without it")
    func redeliveryUnderAnotherTier() throws {
        let scratch = try TemporaryDirectory()
        let policy = try scratch.write("policy.yaml", Self.policy(keys: [["hourly", "daily"]], limits: ""))
        let key = scratch.file("noise.key").path
        _ = try DPWall.run(["keygen", "--noise-key", key], in: scratch)
        let r1 = Self.line(
            id: "r1", key: Self.apiKey(0, "hourly"), ms: Self.start, rows: 1, x: "0.1", answer: "[0.3,0.5]")
        let r2 = Self.line(
            id: "r2", key: Self.apiKey(0, "daily"), ms: Self.start + 60_000, rows: 1, x: "0.2", answer: "[0.3,0.5]")
        let once = try Self.filter([r1, r2], policy: policy, ledger: "once.db", key: key, in: scratch, what: "once")
        let twice = try Self.filter(
            [r1, r2, r1], policy: policy, ledger: "twice.db", key: key, in: scratch, what: "twice")
        #expect(R.codes(once) == ["ok", "ok"] && twice == once + [once[0]], "\(R.codes(twice))")
        _ = try Self.filter([r1, r2], policy: policy, ledger: "across.db", key: key, in: scratch, what: "across")
        _ = try Self.filter([r1], policy: policy, ledger: "across.db", key: key, in: scratch, what: "across, again")
        let reference = try Self.shows("once.db", in: scratch)
        Self.compareShows(
            try Self.shows("twice.db", in: scratch), reference,
            "r1, r2, r1 in one run vs r1, r2 (k0's keys: hourly, daily)")
        Self.compareShows(
            try Self.shows("across.db", in: scratch), reference, "r1, r2 then r1 in a second run vs r1, r2")
    }

    /// The smallest case seed 136 found, with no redelivery at all: a client with a 1d key and a 1h key; the same
    /// seven records in one run, or in two runs split after the fourth, make the same decisions (the last one
    /// `budget_exhausted` at ε 6 spent in the day), but after the restart `budget show`'s day span says 3.5, not 6:
    /// the releases under the 1h key after the restart never reach the day span's snapshot.
    @Test("a restart leaves budget show as one uninterrupted run")
    func restartAndBudgetShow() throws {
        let scratch = try TemporaryDirectory()
        let policy = try scratch.write("policy.yaml", Self.policy(keys: [["daily", "mixed"]], limits: ""))
        let key = scratch.file("noise.key").path
        _ = try DPWall.run(["keygen", "--noise-key", key], in: scratch)
        let day = Self.start + 6 * Self.hour  // 2026-01-11T00:00:00Z
        let records = [
            ("daily", 153, 2), ("daily", 162, 3), ("daily", 171, 1), ("mixed", 204, 1), ("mixed", 278, 2),
            ("mixed", 311, 3), ("daily", 318, 1),
        ].enumerated().map { n, record in
            Self.line(
                id: "r\(n)", key: Self.apiKey(0, record.0), ms: day + Int64(record.1) * 60_000, rows: record.2,
                x: "0.\(n + 1)", answer: "[0.5,0.5]")
        }
        let once = try Self.filter(records, policy: policy, ledger: "once.db", key: key, in: scratch, what: "one run")
        let split =
            try Self.filter(
                Array(records[..<4]), policy: policy, ledger: "split.db", key: key, in: scratch, what: "run 1 of 2")
            + Self.filter(
                Array(records[4...]), policy: policy, ledger: "split.db", key: key, in: scratch, what: "run 2 of 2")
        #expect(R.codes(once) == ["ok", "ok", "ok", "ok", "ok", "ok", "budget_exhausted"], "\(R.codes(once))")
        #expect(R.firstDifference(split, once, whole: true) == nil, "\(R.firstDifference(split, once) ?? "")")
        // Known and open: the decisions and lines agree, but the day span's snapshot that `budget show` prints
        // lags after the restart (its spend is summed from the buckets when loaded, its position is not worked
        // out again until a release under its own tier). Refreshing it on load moves the exact Gaussian
        // composition's starting point, and with it the last bits of later annotations.
        let shows = (try Self.shows("split.db", in: scratch), try Self.shows("once.db", in: scratch))
        withKnownIssue("budget show's span position lags after a restart (snapshot only; decisions agree)") {
            Self.compareShows(shows.0, shows.1, "seven records in two runs vs in one")
        }
    }

    // MARK: - 2. Late events

    /// One delivery in the late-event test: an in-order record's first delivery or redelivery, a late record's.
    enum Item {
        case inOrder(Int)
        case late(Int)
    }

    @Test(
        "late records are late_event and move nothing; decided ones get their first decision; a restart keeps the mark",
        arguments: [5, 17, 29, 61] as [UInt64])
    func lateEvents(seed: UInt64) throws {
        let scratch = try TemporaryDirectory()
        var random = SplitMix(state: seed)
        let keys = Self.randomKeys(5 + random.below(6), random: &random)
        let limits = "limits: { allowed_lateness: 5m }"
        let policy = try scratch.write("policy.yaml", Self.policy(keys: keys, limits: limits))
        let key = scratch.file("noise.key").path
        _ = try DPWall.run(["keygen", "--noise-key", key], in: scratch)

        // In-order records 0.1 s to 90 s apart; among them, new records 10 minutes to 3 hours behind the latest
        // event time so far (far more than 5 minutes behind the watermark, which can only lag it by denials),
        // redeliveries of earlier in-order records and of late ones. Two runs; the second starts with a new late
        // record and redelivers some of the first run's.
        let count = 150 + random.below(60)
        let cut = 50 + random.below(count - 100)
        var inOrder: [Record] = []
        var late: [Record] = []
        var runs: [[Item]] = [[], []]
        var ms = Self.start
        var client = 0
        func lateRecord(_ run: Int) {
            let behind = Int64(600_000 + random.below(10_200_000))
            late.append(
                Self.randomRecord(
                    "s\(seed)-late\(late.count)", number: 1_000 + late.count, ms: ms - behind,
                    client: random.below(keys.count), keys: keys, outOfRange: 0, unknown: 0, random: &random))
            runs[run].append(.late(late.count - 1))
        }
        for n in 0..<count {
            let run = n < cut ? 0 : 1
            if n == cut { lateRecord(1) }
            let burst = n > 0 && random.below(100) < 30
            ms += burst ? Int64(100 + random.below(3_000)) : Int64(1_000 + random.below(89_000))
            if !burst { client = random.below(keys.count) }
            inOrder.append(
                Self.randomRecord(
                    "s\(seed)-r\(n)", number: n, ms: ms, client: client, keys: keys, outOfRange: 3, unknown: 0,
                    random: &random))
            runs[run].append(.inOrder(n))
            let roll = random.below(100)
            if roll < 12 && n > 10 {
                lateRecord(run)
            } else if roll < 22 {
                runs[run].append(.inOrder(random.below(n + 1)))
            } else if roll < 26 && !late.isEmpty {
                runs[run].append(.late(random.below(late.count)))
            }
        }

        var first: [Int: Data] = [:]
        var firstInOrder: [Data] = []
        var afterRun: [(budget: [[String: Any]], quota: [[String: Any]])] = []
        var problems = 0
        var lateSeen = 0
        func problem(_ message: String) {
            problems += 1
            if problems <= 4 { R.fail("seed \(seed): " + message) }
        }
        for (run, items) in runs.enumerated() {
            let lines = try Self.filter(
                items.map {
                    switch $0 {
                    case .inOrder(let index): inOrder[index].line
                    case .late(let index): late[index].line
                    }
                }, policy: policy, ledger: "late.db", key: key, in: scratch, what: "seed \(seed), run \(run + 1)")
            for (position, item) in items.enumerated() {
                let got = lines[position]
                switch item {
                case .late(let index):
                    lateSeen += 1
                    let code = R.codes([got])[0]
                    if code != "late_event" {
                        problem(
                            "run \(run + 1), input line \(position + 1): \(late[index].summary), behind the "
                                + "watermark by more than 10 minutes (allowed_lateness 5m), is \(code), not "
                                + "late_event:\n  got: \(R.shown(got))")
                    }
                case .inOrder(let index):
                    if let firstLine = first[index] {
                        if got != firstLine {
                            problem(
                                "run \(run + 1), input line \(position + 1): the redelivery of "
                                    + "\(inOrder[index].summary), now behind the watermark, is not its first line:\n"
                                    + "  got:   \(R.shown(got))\n  first: \(R.shown(firstLine))")
                        }
                    } else {
                        first[index] = got
                        firstInOrder.append(got)
                    }
                }
            }
            afterRun.append(try Self.shows("late.db", in: scratch))
        }
        #expect(problems == 0, "seed \(seed): \(problems) problems (the first ones are recorded above)")
        #expect(lateSeen >= 10, "seed \(seed): only \(lateSeen) late deliveries")

        // A run without the late records and the redeliveries, in the same two runs: the same lines for the
        // in-order records, and the same budgets, quotas and buckets after each run.
        let firstRun = try Self.filter(
            inOrder[..<cut].map(\.line), policy: policy, ledger: "reference.db", key: key, in: scratch,
            what: "seed \(seed), reference run 1")
        let firstShows = try Self.shows("reference.db", in: scratch)
        let secondRun = try Self.filter(
            inOrder[cut...].map(\.line), policy: policy, ledger: "reference.db", key: key, in: scratch,
            what: "seed \(seed), reference run 2")
        if let difference = R.firstDifference(firstInOrder, firstRun + secondRun, whole: true) {
            R.fail(
                "seed \(seed): with late records and redeliveries left out, the output is not that of the run "
                    + "without them; \(difference)")
        }
        Self.compareShows(afterRun[0], firstShows, "seed \(seed), after run 1 (with late records vs without)")
        Self.compareShows(
            afterRun[1], try Self.shows("reference.db", in: scratch),
            "seed \(seed), after run 2 (with late records vs without)")
    }

    // MARK: - 3. The 40-record trick

    /// Trusted auth; client z has ε = 1 a day, every row costs ε = 1 (basic accounting), so each of z's day
    /// windows holds at most one release. Default event-time bounds (a minute either way).
    static let trickPolicy = """
        version: 1
        auth: { mode: trusted, default_tier: busy }
        tiers:
          busy: { models: "*", budget: { epsilon: 1000, delta: 1.0e-3, window: 1d } }
          one: { models: "*", budget: { epsilon: 1, delta: 1.0e-5, window: 1d } }
        clients:
          z: { tier: one }
        accounting: basic
        models:
          m:
            inputs:
              - { name: x, datatype: FP32, shape: [-1, 1], range: [0, 1] }
            outputs:
              - name: p
                datatype: FP32
                shape: [-1, 2]
                privacy: { mechanism: gaussian, epsilon: 1, delta: 1.0e-7, clamp: [0, 1], round: 3 }

        """

    /// A one-row record of `client` at `ms` asking `x`; without its newline.
    static func trickLine(_ id: String, _ client: String, _ ms: Int64, x: Int) -> Data {
        Data(BudgetTests.record(id: id, client: client, ts: LimitTests.timestamp(ms), x: "0.\(x)").dropLast().utf8)
    }

    /// Current traffic: 20 records of a, b and c (and one of z when `withZ`) stamped in the last 30 seconds.
    static func currentTraffic(now: Int64, withZ: Bool) -> [Data] {
        var lines = (0..<20).map { n in
            trickLine("now\(n)", ["a", "b", "c"][n % 3], now - 30_000 + Int64(n) * 1_000, x: 100 + n)
        }
        if withZ { lines.append(trickLine("now-z", "z", now - 5_000, x: 200)) }
        return lines
    }

    /// z's 40 records: one on each of the 30 past days (`now` less 1–30 days) and one on each of the next 10
    /// years (`now` plus 1–10 times 365 days), in ascending order of time.
    static func fortyRecords(now: Int64) -> [(id: String, ms: Int64, line: Data)] {
        let past = (1...30).reversed().map { days in ("past\(days)", now - Int64(days) * day) }
        let future = (1...10).map { years in ("future\(years)", now + Int64(years) * 365 * day) }
        return (past + future).enumerated().map { n, record in
            (record.0, record.1, trickLine(record.0, "z", record.1, x: 300 + n))
        }
    }

    /// Checks z's releases over one or more deliveries of its 40 records (`lines[k]` answers `records[k]`): at most
    /// 2 distinct records released, in at most two day windows together with z's current release; the past ones
    /// late_event, the future ones future_event.
    static func checkTrick(
        _ lines: [Data], _ records: [(id: String, ms: Int64, line: Data)], zNow: Int64?, _ context: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        var releasedDays = Set(zNow.map { [$0 / day] } ?? [])
        var released = Set<String>()
        for (line, record) in zip(lines, records) {
            let code = R.codes([line])[0]
            if code == "ok" {
                released.insert(record.id)
                releasedDays.insert(record.ms / day)
            }
            let expected = record.id.hasPrefix("past") ? "late_event" : "future_event"
            #expect(
                code == expected || code == "ok",
                Comment(
                    rawValue: "\(context): \(record.id) (\(LimitTests.timestamp(record.ms))) is \(code), expected "
                        + "\(expected): " + R.shown(line)), sourceLocation: sourceLocation)
        }
        #expect(
            released.count <= 2 && releasedDays.count <= 2,
            Comment(
                rawValue: "\(context): z (ε = 1 a day) got \(released.count) of its 40 records released "
                    + "(\(released.sorted())), in \(releasedDays.count) day windows with its current traffic; at most "
                    + "2 may be (its window and one neighbour)"), sourceLocation: sourceLocation)
    }

    /// Runs current traffic, then z's 40 records in `order` (in the same run or a second one), then the 40 again
    /// reshuffled in a further run; checks z's releases after each.
    static func trick(
        _ order: [(id: String, ms: Int64, line: Data)], now: Int64, withZ: Bool, sameRun: Bool, context: String,
        random: inout SplitMix
    ) throws {
        let scratch = try TemporaryDirectory()
        let policy = try scratch.write("policy.yaml", trickPolicy)
        let key = scratch.file("noise.key").path
        _ = try DPWall.run(["keygen", "--noise-key", key], in: scratch)
        let traffic = currentTraffic(now: now, withZ: withZ)
        var lines: [Data]
        if sameRun {
            let all = try filter(
                traffic + order.map(\.line), policy: policy, ledger: "trick.db", key: key, in: scratch, what: context)
            #expect(
                R.codes(Array(all.prefix(traffic.count))).allSatisfy { $0 == "ok" },
                "\(context): the current traffic: \(R.codes(Array(all.prefix(traffic.count))))")
            lines = Array(all.dropFirst(traffic.count))
        } else {
            let trafficLines = try filter(
                traffic, policy: policy, ledger: "trick.db", key: key, in: scratch, what: context)
            #expect(
                R.codes(trafficLines).allSatisfy { $0 == "ok" },
                "\(context): the current traffic: \(R.codes(trafficLines))")
            lines = try filter(
                order.map(\.line), policy: policy, ledger: "trick.db", key: key, in: scratch, what: context)
        }
        checkTrick(lines, order, zNow: withZ ? now : nil, context)
        // Sent again in a new run, reshuffled: nothing more.
        var again = order
        shuffle(&again, &random)
        let againLines = try filter(
            again.map(\.line), policy: policy, ledger: "trick.db", key: key, in: scratch, what: context + ", again")
        checkTrick(lines + againLines, order + again, zNow: withZ ? now : nil, context + ", then sent again")
    }

    @Test(
        "40 records on 30 past days and 10 future years, in random order after current traffic: at most 2 released",
        arguments: [3, 8, 13, 21] as [UInt64])
    func fortyRecordTrick(seed: UInt64) throws {
        var random = SplitMix(state: seed)
        let now = Int64(Date().timeIntervalSince1970 * 1_000)
        let withZ = seed % 2 == 1
        let sameRun = seed % 4 >= 2
        var forty = Self.fortyRecords(now: now)
        Self.shuffle(&forty, &random)
        let context =
            "seed \(seed) (\(withZ ? "z in the current traffic" : "z not in it"), "
            + "\(sameRun ? "in its run" : "in a second run")), order \(forty.map(\.id))"
        try Self.trick(forty, now: now, withZ: withZ, sameRun: sameRun, context: context, random: &random)
    }

    @Test(
        "40 records on 30 past days and 10 future years, ascending after current traffic: at most 2 released",
        arguments: [false, true])
    func fortyRecordsAscending(sameRun: Bool) throws {
        var random = SplitMix(state: 40)
        let now = Int64(Date().timeIntervalSince1970 * 1_000)
        try Self.trick(
            Self.fortyRecords(now: now), now: now, withZ: false, sameRun: sameRun,
            context: "ascending, \(sameRun ? "in the run of the current traffic" : "in a second run")", random: &random)
    }
}
