import DPWallStore
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Release-after-commit under `kill -9` (docs/privacy.md, "Budgets and the ledger"): real processes, a real SQLite file, real
/// signals.
@Suite("Crash safety of the ledger")
struct CrashTests {
    static let records = 20_000

    /// `records` records of 1–3 rows from 100 clients, each with its own question (so no two share content), a
    /// second apart.
    static func input() -> String {
        var random = SplitMix(state: 2026)
        var text = ""
        for n in 0..<records {
            let client = "k\(random.below(100))"
            let rows = 1 + random.below(3)
            let ts =
                "2026-11-26T\(10 + n / 3600 % 10):\(String(format: "%02d", n / 60 % 60)):"
                + "\(String(format: "%02d", n % 60))Z"
            text += BudgetTests.record(
                id: "c\(n)", client: client, ts: ts, rows: rows, x: "\(n)",
                answer: "[0.\(random.below(90) + 10),0.5]")
        }
        return text
    }

    /// Writes slices to a pipe on its own thread, pausing a millisecond between them; stops at a broken pipe. The
    /// caller closes the pipe after ``finish()``.
    final class Feeder: @unchecked Sendable {
        private let done = DispatchSemaphore(value: 0)

        init(_ descriptor: Int32, _ slices: [Data]) {
            Thread.detachNewThread { [done] in
                defer { done.signal() }
                for slice in slices {
                    let ok = slice.withUnsafeBytes { bytes -> Bool in
                        var offset = 0
                        while offset < bytes.count {
                            let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                            if written <= 0 { return false }
                            offset += written
                        }
                        return true
                    }
                    if !ok { return }
                    usleep(1000)
                }
            }
        }

        func finish() { done.wait() }
    }

    /// What the released lines of all runs so far say, checked against the ledger after each kill.
    struct Released {
        /// (client, id) → the cost of its first, charged release.
        var charged: [String: Double] = [:]
        /// Every (client, id) released, charged or answered again.
        var answered: Set<String> = []
        /// Allowed lines released per client and UTC hour (`client/2026-11-26T10`), against the hourly quota.
        var perHour: [String: Int] = [:]
        /// Lines denied `quota_exceeded`.
        var quotaDenied = 0
        /// Every (client, id) denied by a request limit (`quota_exceeded`, `rate_limited`).
        var limitDenied: Set<String> = []
    }

    /// The free tier's request quota per hour: about 36 records per client and hour arrive, so it runs out.
    static let quota = 25

    @Test("kill -9 at 20 random moments: lines are charged once, no quota is overrun, and the audit verifies")
    func killNine() throws {
        let scratch = try TemporaryDirectory()
        let yaml = BudgetTests.yaml.replacingOccurrences(
            of: "free: { models: \"*\", budget: { epsilon: 3, window: 1h } }",
            with: "free: { models: \"*\", quota: \(Self.quota)/hour, budget: { epsilon: 40, window: 1h } }")
        let policy = try scratch.write("policy.yaml", yaml)
        let key = scratch.file("noise.key").path
        _ = try DPWall.run(["keygen", "--noise-key", key], in: scratch)
        let inputPath = try scratch.write("input.jsonl", Self.input())
        let ledgerPath = scratch.file("crash.db").path
        // Standard input, fed in slices of 50 lines with short pauses: each slice is its own group commit, so a
        // kill often lands between a commit and the write of its lines, or in the middle of a commit. Each run
        // resumes where the released lines end, as a client re-sending what it got no answer for: the records
        // of a batch lost to the kill come again (some already charged, and answered again without a charge).
        let arguments = ["filter", "--policy", policy, "--ledger", ledgerPath, "--noise-key", key]
        let inputLines = splitLines(try Data(contentsOf: URL(fileURLWithPath: inputPath))).map { $0 + Data([0x0A]) }
        var resumeAt = 0
        signal(SIGPIPE, SIG_IGN)

        var random = SplitMix(state: 9)
        var released = Released()
        var killedMidway = 0
        for round in 0...20 {
            let outputURL = scratch.file("out-\(round).jsonl")
            _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
            let output = try FileHandle(forWritingTo: outputURL)
            let process = try DPWall.process(arguments, directory: scratch.url)
            let pipe = Pipe()
            process.standardInput = pipe
            process.standardOutput = output
            let errorURL = scratch.file("stderr-\(round)")
            _ = FileManager.default.createFile(atPath: errorURL.path, contents: nil)
            process.standardError = try FileHandle(forWritingTo: errorURL)
            try DPWall.spawn(process)
            try pipe.fileHandleForReading.close()
            let slices = stride(from: resumeAt, to: inputLines.count, by: 50).map { first in
                inputLines[first..<min(first + 50, inputLines.count)].reduce(Data(), +)
            }
            let feeder = Feeder(pipe.fileHandleForWriting.fileDescriptor, slices)
            let finalRound = round == 20
            if finalRound {
                feeder.finish()
                try pipe.fileHandleForWriting.close()
                process.waitUntilExit()
            } else {
                usleep(UInt32(50_000 + random.below(1_500_000)))
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                feeder.finish()
                try pipe.fileHandleForWriting.close()
            }
            try output.close()
            if !finalRound && process.terminationReason == .uncaughtSignal { killedMidway += 1 }
            let errors = (try? String(contentsOf: errorURL, encoding: .utf8)) ?? ""
            if finalRound { #expect(process.terminationStatus == 0, "the last run did not finish cleanly: \(errors)") }
            #expect(process.terminationStatus != 65, "round \(round) refused to start: \(errors)")
            resumeAt += try check(outputURL, ledgerPath, &released, round: round)
            // The audit archive survives too: verify accepts it (a crash tail is a note), its chain reaches the
            // ledger's head, and every committed charge has its entry.
            let audit = try DPWall.run(["audit", "verify", "dpwall-audit", "--ledger", ledgerPath], in: scratch)
            #expect(audit.status == 0, "round \(round): \(audit.stdoutText)")
        }
        #expect(resumeAt == Self.records, "the runs released \(resumeAt) lines for \(Self.records) records")
        #expect(killedMidway >= 15, "only \(killedMidway) of 20 runs were killed before finishing")

        // After a complete run every record was answered: the ledger holds exactly the released records, each once,
        // and its spend is the sum of their costs.
        let ledger = try SQLiteLedger(path: ledgerPath, readOnly: true)
        let totals = try ledger.totals()
        // One case charges a record that is never released: a group commits (its charges, and its records counted
        // against the quota), the kill comes before its lines are written, and when the records come again the
        // quota, which counted them the first time, denies one before the budget stage could answer it again at
        // no cost. Each such charge is a record whose every later line was a limit's denial.
        var deniedAfterCharge: Set<String> = []
        for key in released.limitDenied.subtracting(released.answered) {
            let parts = key.split(separator: "/")
            if try ledger.charge(client: String(parts[0]), id: String(parts[1])) != nil {
                deniedAfterCharge.insert(key)
            }
        }
        #expect(
            totals.charges == released.answered.count + deniedAfterCharge.count,
            "charges without a released line, or the reverse (\(deniedAfterCharge.count) denied by a limit after their charge)"
        )
        let spend = released.charged.values.reduce(0, +)
        var chargedSpend = 0.0
        for key in released.answered.union(deniedAfterCharge) {
            let parts = key.split(separator: "/")
            chargedSpend += try ledger.charge(client: String(parts[0]), id: String(parts[1]))?.epsilon ?? .nan
        }
        #expect(abs(totals.epsilon - chargedSpend) < 1e-9, "ledger spend \(totals.epsilon) vs \(chargedSpend)")
        #expect(spend <= totals.epsilon + 1e-9)
        // Quotas: some ran out, no client got more than its quota in any hour whatever the kills, and the ledger
        // counted at least what was released (a group committed and then lost to a kill is counted, not released).
        #expect(released.quotaDenied > 0, "the quota never ran out")
        #expect(released.perHour.values.allSatisfy { $0 <= Self.quota }, "a client got more than its quota")
        for state in try ledger.limitStates() where state.quotaWindowStart != .min {
            let hour = String(LimitTests.timestamp(state.quotaWindowStart).prefix(13))
            let shown = released.perHour["\(state.client)/\(hour)"] ?? 0
            #expect(state.quotaCount >= Int64(shown), "\(state.client): counted \(state.quotaCount), released \(shown)")
            #expect(state.quotaCount <= Int64(Self.quota))
        }
    }

    /// After a run (killed or not): the ledger opens and is sound, every complete released line has its charge,
    /// and no record was charged twice. Returns the number of complete lines.
    private func check(_ output: URL, _ ledgerPath: String, _ released: inout Released, round: Int) throws -> Int {
        let ledger = try SQLiteLedger(path: ledgerPath, readOnly: true)
        #expect(try ledger.integrityCheck() == "ok", "round \(round): integrity_check failed")
        let data = try Data(contentsOf: output)
        var lines = splitLines(data)
        if data.last != 0x0A, !lines.isEmpty { lines.removeLast() }  // a line cut by the kill was not released
        for raw in lines {
            guard let line = OutputLine(raw) else {
                Issue.record("round \(round): an output line does not parse: \(String(decoding: raw, as: UTF8.self))")
                continue
            }
            if line.code == "quota_exceeded" { released.quotaDenied += 1 }
            if line.code == "quota_exceeded" || line.code == "rate_limited",
                let client = line.object["client"] as? String, let id = line.id
            {
                released.limitDenied.insert("\(client)/\(id)")
            }
            guard line.isAllowed, let client = line.object["client"] as? String, let id = line.id,
                let (cost, _, _) = BudgetTests.privacy(line)
            else { continue }
            if let ts = line.object["ts"] as? String { released.perHour["\(client)/\(ts.prefix(13))", default: 0] += 1 }
            let key = "\(client)/\(id)"
            let charge = try ledger.charge(client: client, id: id)
            #expect(charge != nil, "round \(round): \(key) was released without a committed charge")
            if cost > 0 {
                #expect(released.charged[key] == nil, "round \(round): \(key) was charged twice")
                #expect(charge?.epsilon == cost, "round \(round): \(key) released at \(cost), charged otherwise")
                released.charged[key] = cost
            }
            released.answered.insert(key)
        }
        return lines.count
    }
}
