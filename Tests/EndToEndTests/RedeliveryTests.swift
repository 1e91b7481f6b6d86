import Crypto
import DPWallStore
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Exactly once under redelivery (docs/privacy.md; issue 22): a record whose `(client, id)` was decided and committed
/// gets that decision again, whatever it was, and touches no rate bucket, quota or budget a second time. With
/// `--noise-key`, crashes and redeliveries of already-seen input change no byte of the output and no client's spend.
@Suite("Exactly once under redelivery")
struct RedeliveryTests {
    // MARK: - Comparing outputs and ledgers

    /// A line for a failure message: the text, cut at 400 bytes.
    static func shown(_ line: Data?) -> String {
        guard let line else { return "(no line)" }
        let text = String(decoding: line.prefix(400), as: UTF8.self)
        return line.count > 400 ? text + "… (\(line.count) bytes)" : text
    }

    /// nil when `actual` is `expected[offset...]` line for line (as far as `actual` goes, or exactly when `whole`);
    /// otherwise the first differing line (1-based, in the input) with both versions.
    static func firstDifference(_ actual: [Data], _ expected: [Data], offset: Int = 0, whole: Bool = false) -> String? {
        for (index, line) in actual.enumerated() {
            let number = offset + index
            guard number < expected.count else {
                return "line \(number + 1): an output line past the \(expected.count) of the reference: \(shown(line))"
            }
            if line != expected[number] {
                return "line \(number + 1) differs (\(actual.count) lines compared from line \(offset + 1)):\n"
                    + "  got:      \(shown(line))\n  expected: \(shown(expected[number]))"
            }
        }
        if whole && offset + actual.count != expected.count {
            return "\(actual.count) lines from line \(offset + 1), the reference has \(expected.count); the first "
                + "missing one: \(shown(expected[offset + actual.count]))"
        }
        return nil
    }

    /// `dpwall budget show` or `dpwall quota show` (`what`) of `ledger` as JSON rows.
    static func show(_ what: String, ledger: String, in scratch: TemporaryDirectory) throws -> [[String: Any]] {
        let result = try DPWall.run([what, "show", "--ledger", ledger, "--format", "json"], in: scratch)
        try #require(result.status == 0, "\(what) show --ledger \(ledger): \(result.stderrText)")
        return try #require(
            try JSONSerialization.jsonObject(with: result.stdout) as? [[String: Any]],
            "\(what) show is not a JSON array: \(result.stdoutText)")
    }

    /// A row as JSON text with sorted keys, for messages.
    static func text(_ row: [String: Any]?) -> String {
        guard let row, let data = try? JSONSerialization.data(withJSONObject: row, options: [.sortedKeys]) else {
            return "(no row)"
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// nil when both lists hold the same rows; otherwise the first row that differs, in both versions.
    static func rowDifference(_ actual: [[String: Any]], _ expected: [[String: Any]]) -> String? {
        // Sums to 12 significant digits: a span summed from the ledger's hourly buckets after a restart adds the
        // same charges in another order than one run does, which can move the last bits of a δ sum.
        func rounded(_ row: [String: Any]) -> NSDictionary {
            NSDictionary(
                dictionary: row.mapValues { value -> Any in
                    guard let number = value as? Double, number != number.rounded() else { return value }
                    return String(format: "%.12g", number)
                })
        }
        for index in 0..<max(actual.count, expected.count) {
            let got = index < actual.count ? actual[index] : nil
            let want = index < expected.count ? expected[index] : nil
            if got.map(rounded) != want.map(rounded) {
                return "row \(index + 1) of \(expected.count) differs:\n  got:      \(text(got))\n"
                    + "  expected: \(text(want))"
            }
        }
        return nil
    }

    /// A `budget show` row's client, window, spend and limit.
    static func spend(_ row: [String: Any]) -> [String: Any] {
        row.filter { ["client", "window_start", "spent_epsilon", "spent_delta", "limit_epsilon"].contains($0.key) }
    }

    /// Records a test failure with this message.
    static func fail(_ message: String, sourceLocation: SourceLocation = #_sourceLocation) {
        Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
    }

    /// Each line's code, `ok` for an allowed one.
    static func codes(_ lines: [Data]) -> [String] {
        lines.map { OutputLine($0).map { $0.code ?? "ok" } ?? "not JSON" }
    }

    // MARK: - 1. Crash and redelivery

    static let records = 4_000
    static let clients = 40
    /// 2026-11-26T10:00:00Z, in the past: the wall clock's future bound never bites.
    static let start: Int64 = 1_795_687_200_000

    /// Client `k<n>`'s API key.
    static func apiKey(_ client: Int) -> String { "dpw_TEST_redelivery_k\(client)_5f1c0a" }

    /// The four tiers, by client number: rates, quotas and budgets that bind for some clients.
    static let tiers = ["slow", "capped", "thrifty", "open"]

    /// api_key auth, 40 clients over four tiers (a rate of 2 a minute, a quota of 15 an hour, a budget of ε 2 an
    /// hour, and none of them binding), one model with a Gaussian output.
    static func crashPolicy() -> String {
        var keys = ""
        for client in 0..<clients {
            let digest = Hex.encode(SHA256.hash(data: Data(apiKey(client).utf8)))
            keys += "    - { client: k\(client), tier: \(tiers[client % 4]), sha256: \(digest) }\n"
        }
        return """
            version: 1
            auth:
              mode: api_key
              default_tier: open
              api_keys:
            \(keys)
            tiers:
              slow: { models: "*", rate: 2/m, burst: 1, budget: { epsilon: 100, delta: 1.0e-3, window: 1h } }
              capped: { models: "*", quota: 15/hour, budget: { epsilon: 100, delta: 1.0e-3, window: 1h } }
              thrifty: { models: "*", rate: 30/m, burst: 3, budget: { epsilon: 2, delta: 1.0e-5, window: 1h } }
              open: { models: "*", budget: { epsilon: 1000, delta: 1.0e-2, window: 1d } }
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

    /// `records` records of 1–3 rows, each with its own question, 0–0.8 s apart (about 27 minutes, one hour's
    /// window), from random clients; 2 % out of range. (No record fails its authentication: such a record cannot be
    /// recognised when it comes again, privacy.md.)
    static func crashInput() -> [Data] {
        var random = SplitMix(state: 22)
        var ms = start
        var lines: [Data] = []
        for n in 0..<records {
            ms += Int64(random.below(800))
            let client = random.below(clients)
            let rows = 1 + random.below(3)
            let roll = random.below(100)
            let x = roll < 2 ? "1.5" : "0.\(String(format: "%04d", n))"
            let line = BudgetTests.record(
                id: "r\(n)", client: "k\(client)", ts: LimitTests.timestamp(ms), rows: rows, x: x,
                answer: "[0.\(random.below(90) + 10),0.5]"
            ).replacingOccurrences(
                of: #""client":"k\#(client)","#, with: #""credentials":{"api_key":"\#(apiKey(client))"},"#)
            lines.append(Data(line.dropLast().utf8))  // without its newline
        }
        return lines
    }

    /// What one delivery wrote: the complete output lines, from input line `start` (0-based).
    struct Delivery {
        var start: Int
        var lines: [Data]
        var killed: Bool
        var status: Int32
        var stderr: String
    }

    /// Starts a filter and feeds it `input[start...]` through a pipe, in slices of 25 lines with short pauses
    /// (CrashTests.Feeder); then either closes its input and waits for it to finish, or, with `killAfter`, sends it
    /// SIGKILL that many microseconds after the start.
    static func deliver(
        _ input: [Data], from start: Int, arguments: [String], in scratch: TemporaryDirectory, name: String,
        killAfter: UInt32?
    ) throws -> Delivery {
        let outputURL = scratch.file("\(name).jsonl")
        let errorURL = scratch.file("\(name).stderr")
        _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errorURL.path, contents: nil)
        let output = try FileHandle(forWritingTo: outputURL)
        let errors = try FileHandle(forWritingTo: errorURL)
        let process = try DPWall.process(arguments, directory: scratch.url)
        let pipe = Pipe()
        process.standardInput = pipe
        process.standardOutput = output
        process.standardError = errors
        try DPWall.spawn(process)
        try pipe.fileHandleForReading.close()
        let watchdog = Watchdog(pid: process.processIdentifier, seconds: 120)
        let slices = stride(from: start, to: input.count, by: 25).map { first in
            input[first..<min(first + 25, input.count)].reduce(Data()) { $0 + $1 + Data([0x0A]) }
        }
        let feeder = CrashTests.Feeder(pipe.fileHandleForWriting.fileDescriptor, slices)
        if let killAfter {
            usleep(killAfter)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            feeder.finish()
        } else {
            feeder.finish()
            try pipe.fileHandleForWriting.close()
            process.waitUntilExit()
        }
        watchdog.cancel()
        try? pipe.fileHandleForWriting.close()
        try output.close()
        try errors.close()
        #expect(!watchdog.fired, "\(name): dpwall did not finish within 120 s")
        let data = try Data(contentsOf: outputURL)
        var lines = splitLines(data)
        if data.last != 0x0A, !lines.isEmpty { lines.removeLast() }  // a line cut by the kill was not released
        return Delivery(
            start: start, lines: lines, killed: process.terminationReason == .uncaughtSignal,
            status: DPWall.exitStatus(process),
            stderr: (try? String(contentsOf: errorURL, encoding: .utf8)) ?? "")
    }

    @Test("kill -9 and redelivery: every line as one uninterrupted run wrote it, the same ledger, the audit verifies")
    func crashAndRedelivery() throws {
        signal(SIGPIPE, SIG_IGN)
        let scratch = try TemporaryDirectory()
        let policy = try scratch.write("policy.yaml", Self.crashPolicy())
        let key = scratch.file("noise.key").path
        _ = try DPWall.run(["keygen", "--noise-key", key], in: scratch)
        let input = Self.crashInput()
        func arguments(_ ledger: String, _ audit: String) -> [String] {
            [
                "filter", "--policy", policy, "--ledger", scratch.file(ledger).path, "--audit",
                scratch.file(audit).path, "--noise-key", key, "--commit-interval", "1",
            ]
        }

        // The reference: one uninterrupted run into a fresh ledger, fed as the others are, and timed: the kills
        // below come at random moments within its duration.
        let started = Date()
        let reference = try Self.deliver(
            input, from: 0, arguments: arguments("reference.db", "reference-audit"), in: scratch, name: "reference",
            killAfter: nil)
        let duration = max(Int(Date().timeIntervalSince(started) * 1_000_000), 100_000)
        try #require(reference.status == 0, "the reference run failed: \(reference.stderr)")
        try #require(reference.lines.count == Self.records, "the reference run wrote \(reference.lines.count) lines")
        let expected = reference.lines
        let tally = Dictionary(grouping: Self.codes(expected), by: { $0 }).mapValues(\.count)
        for code in ["ok", "rate_limited", "quota_exceeded", "budget_exhausted", "out_of_range"] {
            #expect((tally[code] ?? 0) > 0, "no \(code) line in the reference run: the limits must bind (\(tally))")
        }

        // Five deliveries into a second fresh ledger, each killed at a random moment; after each, the input comes
        // again: alternately all of it, and from a random line no later than where the killed run's output ended.
        let crashed = arguments("crash.db", "crash-audit")
        var random = SplitMix(state: 20_261_126)
        var from = 0
        var killedMidway = 0
        var written = 0
        var log: [String] = []
        for round in 0..<5 {
            let killAfter = UInt32(duration / 20 + random.below(duration * 7 / 10))
            let delivery = try Self.deliver(
                input, from: from, arguments: crashed, in: scratch, name: "round-\(round)", killAfter: killAfter)
            #expect(delivery.status != 65 && delivery.status != 75, "round \(round): \(delivery.stderr)")
            let reached = from + delivery.lines.count
            log.append(
                "round \(round): fed from line \(from + 1), \(delivery.lines.count) lines, "
                    + (delivery.killed ? "killed after \(killAfter / 1000) ms" : "exit \(delivery.status)")
                    + " (the uninterrupted run took \(duration / 1000) ms)")
            if delivery.killed && reached < Self.records { killedMidway += 1 }
            written += delivery.lines.count
            if let difference = Self.firstDifference(delivery.lines, expected, offset: from) {
                Self.fail(
                    "round \(round) (killed, fed from line \(from + 1)): not what the uninterrupted run wrote; "
                        + difference)
            }
            from = round % 2 == 0 ? 0 : random.below(reached + 1)
        }
        #expect(killedMidway >= 2, "only \(killedMidway) of 5 runs were killed before the end of their input")
        #expect(written > 0, "the killed runs released nothing: no kill came after a commit")

        // The last delivery: the whole input, to its end.
        let final = try Self.deliver(input, from: 0, arguments: crashed, in: scratch, name: "final", killAfter: nil)
        #expect(final.status == 0, "the final run did not finish cleanly: \(final.stderr)")
        if let difference = Self.firstDifference(final.lines, expected, whole: true) {
            let finalTally = Dictionary(grouping: Self.codes(final.lines), by: { $0 }).mapValues(\.count)
            Self.fail(
                "after 5 kills and redeliveries the output is not the uninterrupted run's; \(difference)\n"
                    + "  codes: \(finalTally)\n  reference: \(tally)\n  " + log.joined(separator: "\n  "))
        }

        // The ledgers agree: every client's spend and window, its quota and rate state, the charges.
        for what in ["budget", "quota"] {
            let got = try Self.show(what, ledger: scratch.file("crash.db").path, in: scratch)
            let want = try Self.show(what, ledger: scratch.file("reference.db").path, in: scratch)
            #expect(
                Self.rowDifference(got, want) == nil,
                "\(what) show of the crashed ledger is not the reference's: \(Self.rowDifference(got, want) ?? "")")
        }
        let crashTotals = try SQLiteLedger(path: scratch.file("crash.db").path, readOnly: true).totals()
        let referenceTotals = try SQLiteLedger(path: scratch.file("reference.db").path, readOnly: true).totals()
        #expect(
            crashTotals.charges == referenceTotals.charges && crashTotals.epsilon == referenceTotals.epsilon,
            "charges: crashed \(crashTotals), reference \(referenceTotals)")

        // The crashed ledger's archive verifies against it.
        let audit = try DPWall.run(
            ["audit", "verify", scratch.file("crash-audit").path, "--ledger", scratch.file("crash.db").path],
            in: scratch)
        #expect(audit.status == 0, "audit verify: \(audit.stdoutText) \(audit.stderrText)")
    }

    // MARK: - 2. and 3. Denials, releases without a key, duplicates within a run

    /// Trusted auth. Client c: 1 a second with a burst of 1, ε 2 a day (ε 1 a row), model m only; client d: a
    /// quota of `quota` an hour. Model m's input is in [0, 1]; model secret is no tier's.
    static func limitPolicy(quota: Int) -> String {
        """
        version: 1
        auth: { mode: trusted, default_tier: t }
        tiers:
          t: { models: [m], rate: 1/s, burst: 1, budget: { epsilon: 2, window: 1d } }
          q: { models: [m], quota: \(quota)/hour, budget: { epsilon: 100, window: 1d } }
        clients:
          c: { tier: t }
          d: { tier: q }
        accounting: basic
        models:
          m:
            inputs:
              - { name: x, datatype: FP32, shape: [-1, 1], range: [0, 1] }
            outputs:
              - name: p
                datatype: FP32
                shape: [-1, 2]
                privacy: { mechanism: laplace, epsilon: 1, clamp: [0, 1], round: 2 }
          secret:
            inputs:
              - { name: x, datatype: FP32, shape: [-1, 1] }
            outputs:
              - name: p
                datatype: FP32
                shape: [-1, 2]
                privacy: { mechanism: laplace, epsilon: 1, clamp: [0, 1], round: 2 }

        """
    }

    /// A one-row record of model m (or `model`) on 2026-11-26 at `time` (`HH:MM:SS`).
    static func line(_ id: String, _ client: String, _ time: String, x: String = "0.5", model: String = "m")
        -> String
    {
        BudgetTests.record(id: id, client: client, ts: "2026-11-26T\(time)Z", x: x)
            .replacingOccurrences(of: #""model":"m""#, with: #""model":"\#(model)""#)
            .replacingOccurrences(of: #""model_name":"m""#, with: #""model_name":"\#(model)""#)
    }

    /// Runs `filter` on `ledger` with `input`; the output lines (the run must succeed).
    static func filter(
        _ policy: String, _ ledger: String, _ input: String, key: String?, in scratch: TemporaryDirectory
    ) throws -> [Data] {
        var arguments = ["filter", "--policy", policy, "--ledger", scratch.file(ledger).path, "--no-audit"]
        if let key { arguments += ["--noise-key", key] }
        let result = try DPWall.run(arguments, stdin: Data(input.utf8), in: scratch)
        try #require(result.status == 0, "filter on \(ledger): \(result.stderrText)")
        return result.lines
    }

    @Test("redelivered denials get their first decision; without a key a release is duplicate_id; nothing moves")
    func redeliveredDenials() throws {
        let scratch = try TemporaryDirectory()
        let policy = try scratch.write("policy.yaml", Self.limitPolicy(quota: 1))
        let key = scratch.file("noise.key").path
        _ = try DPWall.run(["keygen", "--noise-key", key], in: scratch)
        // c1 and c2 fill c's bucket and its budget; c3 comes at the same millisecond; c4 passes the bucket (ten
        // seconds later) and then fails its tensor check; c5 finds the budget spent; c6 asks for a model its tier
        // does not have. d1 uses d's quota of the hour; d2 finds it used.
        let first = [
            Self.line("c1", "c", "10:00:00"), Self.line("c2", "c", "10:00:00", x: "0.25"),
            Self.line("c3", "c", "10:00:00", x: "0.75"), Self.line("d1", "d", "10:00:00"),
            Self.line("d2", "d", "10:00:05", x: "0.25"), Self.line("c4", "c", "10:00:10", x: "1.5"),
            Self.line("c5", "c", "10:00:20", x: "0.125"), Self.line("c6", "c", "10:00:30", model: "secret"),
        ].joined()
        let denied = [2, 4, 5, 6, 7]
        let firstRun = try Self.filter(policy, "keyed.db", first, key: key, in: scratch)
        try #require(
            Self.codes(firstRun) == [
                "ok", "ok", "rate_limited", "ok", "quota_exceeded", "out_of_range", "budget_exhausted", "forbidden",
            ],
            "the first run's decisions: \(Self.codes(firstRun))")

        // A grant for c, then later records: c's bucket has long refilled, d's next hour has a fresh quota, and
        // c7 spends one of the granted ε.
        let grant = try DPWall.run(
            ["budget", "grant", "c", "--epsilon", "5", "--reason", "redelivery test", "--ledger", "keyed.db"],
            in: scratch)
        #expect(grant.status == 0, "\(grant.stderrText)")
        let later = Self.line("c7", "c", "11:30:00", x: "0.375") + Self.line("d3", "d", "11:30:00", x: "0.375")
        #expect(Self.codes(try Self.filter(policy, "keyed.db", later, key: key, in: scratch)) == ["ok", "ok"])
        let quotaBefore = try Self.show("quota", ledger: "keyed.db", in: scratch)
        let budgetBefore = try Self.show("budget", ledger: "keyed.db", in: scratch)

        // The first input again: every denial is its first line, byte for byte; every release the same answer.
        let again = try Self.filter(policy, "keyed.db", first, key: key, in: scratch)
        try #require(again.count == firstRun.count, "\(again.count) lines for \(firstRun.count) records")
        for index in denied where again[index] != firstRun[index] {
            Self.fail(
                "redelivered \(Self.codes([firstRun[index]])[0]) record (line \(index + 1)) did not get its first "
                    + "decision:\n  got:   \(Self.shown(again[index]))\n  first: \(Self.shown(firstRun[index]))")
        }
        for index in Set(0..<firstRun.count).subtracting(denied).sorted() {
            let before = try #require(OutputLine(firstRun[index]))
            let after = try #require(OutputLine(again[index]))
            #expect(
                after.isAllowed
                    && (after.object["response"] as? NSDictionary) == (before.object["response"] as? NSDictionary),
                "a redelivered release (line \(index + 1)) was not answered again:\n  got:   \(after.text)\n  first: \(before.text)"
            )
        }
        // Nothing moved: the grant is still unspent (c5 stays budget_exhausted), no bucket, quota or count.
        let budgetAfter = try Self.show("budget", ledger: "keyed.db", in: scratch)
        let quotaAfter = try Self.show("quota", ledger: "keyed.db", in: scratch)
        #expect(
            Self.rowDifference(budgetAfter, budgetBefore) == nil,
            "the redelivery moved a budget: \(Self.rowDifference(budgetAfter, budgetBefore) ?? "")")
        #expect(
            Self.rowDifference(quotaAfter, quotaBefore) == nil,
            "the redelivery moved a bucket or quota: \(Self.rowDifference(quotaAfter, quotaBefore) ?? "")")

        // Without a key: a redelivered release cannot be answered again; it is duplicate_id and moves nothing.
        // A redelivered denial is still its first line.
        let plain = [
            Self.line("c1", "c", "10:00:00"), Self.line("c2", "c", "10:00:00", x: "0.25"),
            Self.line("c3", "c", "10:00:00", x: "0.75"), Self.line("d1", "d", "10:00:00"),
            Self.line("d2", "d", "10:00:05", x: "0.25"),
        ].joined()
        let plainRun = try Self.filter(policy, "plain.db", plain, key: nil, in: scratch)
        try #require(Self.codes(plainRun) == ["ok", "ok", "rate_limited", "ok", "quota_exceeded"])
        let plainQuota = try Self.show("quota", ledger: "plain.db", in: scratch)
        let plainBudget = try Self.show("budget", ledger: "plain.db", in: scratch).map(Self.spend)
        let plainAgain = try Self.filter(policy, "plain.db", plain, key: nil, in: scratch)
        try #require(plainAgain.count == plainRun.count)
        #expect(
            Self.codes(plainAgain) == [
                "duplicate_id", "duplicate_id", "rate_limited", "duplicate_id", "quota_exceeded",
            ],
            "without a key: \(Self.codes(plainAgain)); expected duplicate_id for the releases, first decisions for the denials"
        )
        for index in [2, 4] where plainAgain[index] != plainRun[index] {
            Self.fail(
                "without a key, a redelivered denial (line \(index + 1)) is not its first line:\n"
                    + "  got:   \(Self.shown(plainAgain[index]))\n  first: \(Self.shown(plainRun[index]))")
        }
        let plainQuotaAfter = try Self.show("quota", ledger: "plain.db", in: scratch)
        let plainBudgetAfter = try Self.show("budget", ledger: "plain.db", in: scratch).map(Self.spend)
        #expect(
            Self.rowDifference(plainQuotaAfter, plainQuota) == nil,
            "without a key, the redelivery moved a bucket or quota: \(Self.rowDifference(plainQuotaAfter, plainQuota) ?? "")"
        )
        #expect(
            Self.rowDifference(plainBudgetAfter, plainBudget) == nil,
            "without a key, the redelivery moved a spend: \(Self.rowDifference(plainBudgetAfter, plainBudget) ?? "")")
    }

    @Test("the same record twice in one run: the second line is the first, and rate and quota move once")
    func duplicateWithinARun() throws {
        let scratch = try TemporaryDirectory()
        let policy = try scratch.write("policy.yaml", Self.limitPolicy(quota: 2))
        let key = scratch.file("noise.key").path
        _ = try DPWall.run(["keygen", "--noise-key", key], in: scratch)
        // c's bucket holds two at one instant and d's quota two an hour: counted twice, c1 or d1 would leave no
        // room for c2 or d2.
        let c1 = Self.line("c1", "c", "10:00:00")
        let d1 = Self.line("d1", "d", "10:00:00")
        let rest = [Self.line("c2", "c", "10:00:00", x: "0.25"), Self.line("d2", "d", "10:00:01", x: "0.25")]
        let twice = try Self.filter(policy, "twice.db", c1 + c1 + d1 + d1 + rest.joined(), key: key, in: scratch)
        let once = try Self.filter(policy, "once.db", c1 + d1 + rest.joined(), key: key, in: scratch)
        try #require(twice.count == 6 && once.count == 4)
        #expect(Self.codes(once) == ["ok", "ok", "ok", "ok"], "without the duplicates: \(Self.codes(once))")
        for (index, name) in [(0, "c1"), (2, "d1")] where twice[index + 1] != twice[index] {
            Self.fail(
                "\(name) twice in one run: the second line is not the first:\n"
                    + "  second: \(Self.shown(twice[index + 1]))\n  first:  \(Self.shown(twice[index]))")
        }
        // Without its duplicates, the run is the run that never had them, byte for byte.
        let deduplicated = [twice[0], twice[2], twice[4], twice[5]]
        if let difference = Self.firstDifference(deduplicated, once, whole: true) {
            Self.fail(
                "with each duplicate left out, the output is not that of the run without them (codes "
                    + "\(Self.codes(twice)), lines counted without the duplicates); \(difference)")
        }
        let quotaTwice = try Self.show("quota", ledger: "twice.db", in: scratch)
        let quotaOnce = try Self.show("quota", ledger: "once.db", in: scratch)
        #expect(
            Self.rowDifference(quotaTwice, quotaOnce) == nil,
            "a duplicate moved a bucket or quota a second time: \(Self.rowDifference(quotaTwice, quotaOnce) ?? "")")
        let budgetTwice = try Self.show("budget", ledger: "twice.db", in: scratch)
        let budgetOnce = try Self.show("budget", ledger: "once.db", in: scratch)
        #expect(
            Self.rowDifference(budgetTwice, budgetOnce) == nil,
            "a duplicate moved a budget a second time: \(Self.rowDifference(budgetTwice, budgetOnce) ?? "")")
    }
}
