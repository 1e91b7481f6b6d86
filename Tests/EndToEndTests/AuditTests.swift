import Foundation
import Testing

/// The audit archive through the real binary and the real zstd tools: `filter --audit`, `keygen --signing-key`,
/// `audit verify` (signatures, ledger) and `audit cat` (filters, frames skipped).
@Suite("Audit archive end to end")
struct AuditTests {
    static func shell(_ command: String, in scratch: TemporaryDirectory) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        process.currentDirectoryURL = scratch.url
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    @Test(
        "each entry is its output line's decision, in order, across the batches the writing turn hands over",
        // One worker: the archive compresses on its own thread; more: the waiting workers compress.
        arguments: ["1", "2", "4"])
    func entriesMatchTheirLines(threads: String) throws {
        // The strict sample policy rate-limits the free tier, so the 2,000 sample records (several times the
        // writing turn's hand-over of 256 decided records) mix charges, limit denials, budget denials and the
        // record stage's own denials.
        let scratch = try TemporaryDirectory()
        let run = try DPWall.run(
            [
                "filter", "--policy", DPWall.sample("policy-strict.yaml").path, "--seed", "1", "--ledger", ":memory:",
                "--threads", threads, "--audit", "audit", DPWall.sample("traffic.jsonl").path,
            ], in: scratch)
        #expect(run.status == 0, "\(run.stderrText)")
        let lines = run.lines.compactMap(OutputLine.init)
        let entries = try DPWall.run(["audit", "cat", "audit"], in: scratch).lines.compactMap(OutputLine.init)
        #expect(lines.count == 2000)
        #expect(entries.count == lines.count)
        var mismatches: [String] = []
        for (index, (line, entry)) in zip(lines, entries).enumerated() {
            let seq = (entry.object["seq"] as? NSNumber)?.intValue
            let decision = entry.object["decision"] as? String
            let privacy = line.object["privacy"] as? [String: Any]
            let spent = (privacy?["spent"] as? [String: Any])?["epsilon"] as? NSNumber
            let entrySpent = (entry.object["spent"] as? [String: Any])?["epsilon"] as? NSNumber
            if seq != index + 1 || entry.id != line.id || decision != (line.isAllowed ? "allow" : "deny")
                || entry.object["code"] as? String != line.code || entrySpent != spent
            {
                mismatches.append("line \(index + 1): \(line.text.prefix(120)) / \(entry.text.prefix(160))")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(3))")
        // The mix the test is for.
        let codes = Set(lines.compactMap(\.code))
        #expect(codes.isSuperset(of: ["rate_limited", "budget_exhausted", "malformed_json"]), "\(codes)")
        #expect(lines.filter { $0.object["privacy"] != nil }.count > 500)
    }

    @Test("filter writes a signed archive that zstd reads, verify accepts with the ledger, and that holds no raw data")
    func archiveOfTheSamples() throws {
        let scratch = try TemporaryDirectory()
        let policy = DPWall.sample("policy.yaml").path
        let traffic = DPWall.sample("traffic.jsonl").path
        let keygen = try DPWall.run(["keygen", "--signing-key", "audit.key"], in: scratch)
        #expect(keygen.status == 0, "\(keygen.stderrText)")
        // A second keygen keeps the file and says what a new signing key would break (not the noise key's words).
        let second = try DPWall.run(["keygen", "--signing-key", "audit.key"], in: scratch)
        #expect(second.status == 73)
        #expect(second.stderrText.contains("trust root") && !second.stderrText.contains("consistent answer"))
        let run = try DPWall.run(["filter", "--policy", policy, "--signing-key", "audit.key", traffic], in: scratch)
        #expect(run.status == 0, "\(run.stderrText)")
        let records = run.lines.count

        let (tested, _) = try Self.shell("zstd -t -q dpwall-audit/*.zst", in: scratch)
        #expect(tested == 0)
        let (_, count) = try Self.shell("zstdcat dpwall-audit/*.zst | wc -l", in: scratch)
        #expect(Int(count.trimmingCharacters(in: .whitespacesAndNewlines)) == records, "one entry per decision")
        // Digests only: neither a request's text nor a raw output appears.
        let (_, archive) = try Self.shell("zstdcat dpwall-audit/*.zst", in: scratch)
        #expect(!archive.contains("The camera was"), "a request's text reached the archive")
        #expect(!archive.contains("\"response\""), "a response reached the archive")
        #expect(archive.contains("\"input_sha256\""))
        let mode =
            try FileManager.default.attributesOfItem(atPath: scratch.file("dpwall-audit").path)[
                .posixPermissions] as? Int
        #expect(mode == 0o750)

        let verify = try DPWall.run(
            ["audit", "verify", "dpwall-audit", "--public-key", "audit.key.pub", "--ledger", "dpwall.db"], in: scratch)
        #expect(verify.status == 0, "\(verify.stdoutText)")
        #expect(verify.stdoutText.contains("\(records) entries"), "\(verify.stdoutText)")
        #expect(verify.stdoutText.hasSuffix("intact\n"))

        // A second run continues the archive in a new segment; the chain holds across both.
        let again = try DPWall.run(["filter", "--policy", policy, "--signing-key", "audit.key", traffic], in: scratch)
        #expect(again.status == 0)
        let both = try DPWall.run(
            ["audit", "verify", "dpwall-audit", "--public-key", "audit.key.pub", "--ledger", "dpwall.db"], in: scratch)
        #expect(both.status == 0, "\(both.stdoutText)")
        #expect(both.stdoutText.contains("2 segments"), "\(both.stdoutText)")

        // Another key does not verify; neither does a cut tail against the ledger.
        _ = try DPWall.run(["keygen", "--signing-key", "other.key"], in: scratch)
        let wrongKey = try DPWall.run(
            ["audit", "verify", "dpwall-audit", "--public-key", "other.key.pub"], in: scratch)
        #expect(wrongKey.status == 1)
        #expect(wrongKey.stdoutText.contains("signature does not verify"))
        let segments = try FileManager.default.contentsOfDirectory(atPath: scratch.file("dpwall-audit").path).sorted()
        try FileManager.default.removeItem(atPath: scratch.file("dpwall-audit/" + segments.last!).path)
        let cut = try DPWall.run(["audit", "verify", "dpwall-audit", "--ledger", "dpwall.db"], in: scratch)
        #expect(cut.status == 1, "\(cut.stdoutText)")
        #expect(cut.stdoutText.contains("tail was cut"), "\(cut.stdoutText)")
        // A filter refuses to extend an archive that lost its tail.
        let refused = try DPWall.run(["filter", "--policy", policy, traffic], in: scratch)
        #expect(refused.status == 65, "\(refused.stderrText)")
        #expect(refused.stdout.isEmpty)

        let none = try TemporaryDirectory()
        let plain = try DPWall.run(["filter", "--policy", policy, "--no-audit", traffic], in: none)
        #expect(plain.status == 0)
        #expect(!FileManager.default.fileExists(atPath: none.file("dpwall-audit").path))
    }

    @Test("bad paths and key files end in their exit status and a message, with nothing written")
    func badInput() throws {
        let scratch = try TemporaryDirectory()
        let missing = try DPWall.run(["audit", "verify", "no-such-dir"], in: scratch)
        #expect(missing.status == 66 && missing.stderrText.contains("no-such-dir"), "\(missing.stderrText)")
        let cat = try DPWall.run(["audit", "cat", "no-such-dir"], in: scratch)
        #expect(cat.status == 66 && cat.stdout.isEmpty)
        let shortKey = try scratch.write("short.pub", "not a key")
        let badKey = try DPWall.run(["audit", "verify", ".", "--public-key", shortKey], in: scratch)
        #expect(badKey.status == 78 && badKey.stderrText.contains("32-byte"), "\(badKey.stderrText)")
        let badTime = try DPWall.run(["audit", "cat", ".", "--since", "yesterday"], in: scratch)
        #expect(badTime.status == 64)
        let policy = try scratch.write("policy.yaml", BudgetTests.yaml)
        let exposed = try scratch.write("signing.key", String(repeating: "k", count: 32))
        chmod(exposed, 0o644)
        let filter = try DPWall.run(
            ["filter", "--policy", policy, "--signing-key", exposed], stdin: Data(BudgetTests.record(id: "x").utf8),
            in: scratch)
        #expect(filter.status == 78 && filter.stderrText.contains("chmod 600"), "\(filter.stderrText)")
        #expect(filter.stdout.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: scratch.file("dpwall-audit").path), "an archive was started")
        #expect(!FileManager.default.fileExists(atPath: scratch.file("dpwall.db").path), "a ledger was created")
    }

    @Test("audit cat returns exactly the entries asked for, and reads only the frames that may hold them")
    func catFilters() throws {
        let scratch = try TemporaryDirectory()
        let policy = try scratch.write("policy.yaml", BudgetTests.yaml)
        // One record per line, one minute apart; each is committed (and, with --audit-flush 0s, sealed) alone.
        let dpwall = try StreamingProcess(["filter", "--policy", policy, "--audit-flush", "0s"], in: scratch)
        for n in 0..<120 {
            let ts = String(format: "2026-11-26T%02d:%02d:00Z", 10 + n / 60, n % 60)
            try dpwall.write(Data(BudgetTests.record(id: "t\(n)", client: n % 2 == 0 ? "big" : "c", ts: ts).utf8))
            _ = try dpwall.readOutputLine()
        }
        try dpwall.closeStdin()
        #expect(dpwall.wait().status == 0)

        let window = try DPWall.run(
            [
                "audit", "cat", "dpwall-audit", "--since", "2026-11-26T10:20:00Z", "--until", "2026-11-26T10:30:00Z",
                "--stats",
            ], in: scratch)
        #expect(window.status == 0, "\(window.stderrText)")
        let ids = window.lines.compactMap(OutputLine.init).compactMap(\.id)
        #expect(ids == (20..<30).map { "t\($0)" }, "\(ids)")
        let stats = window.stderrText.firstMatch(of: #/frames read (\d+), skipped (\d+)/#)
        let read = stats.flatMap { Int($0.output.1) } ?? -1
        let skipped = stats.flatMap { Int($0.output.2) } ?? -1
        #expect(read >= 10 && read <= 12, "read \(read) frames for 10 entries: \(window.stderrText)")
        #expect(skipped >= 100, "skipped \(skipped)")

        let denied = try DPWall.run(
            ["audit", "cat", "dpwall-audit", "--decision", "deny", "--code", "budget_exhausted", "--client", "c"],
            in: scratch)
        let deniedLines = denied.lines.compactMap(OutputLine.init)
        // Client c has ε 3 per hour at 1 per record: 3 released per hour, 27 + 27 denied over the two hours.
        #expect(deniedLines.count == 54, "\(deniedLines.count)")
        #expect(deniedLines.allSatisfy { ($0.object["client"] as? String) == "c" })
        let everything = try DPWall.run(["audit", "cat", "dpwall-audit"], in: scratch)
        #expect(everything.lines.count == 120)
    }
}
