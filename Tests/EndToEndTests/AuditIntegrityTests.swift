import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Issue 21's ways past the archive's promise, each done as an attacker who can write the archive or the ledger
/// but holds no signing key would do it, through the real binary, `sqlite3`-free edits (GRDB is not at hand here:
/// the ledger is edited with the `sqlite3` CLI when installed, else the test is skipped), and the zstd CLI.
@Suite("Audit archive integrity against someone who can write it")
struct AuditIntegrityTests {
    /// BudgetTests' policy, with a day of lateness: these tests run records of the same minutes again under new
    /// ids, which the default minute would deny `late_event`.
    static let policy = BudgetTests.yaml.replacingOccurrences(
        of: "version: 1\n", with: "version: 1\nlimits: { allowed_lateness: 1d }\n")

    /// `count` records of client `client` (ids `prefix0`…), one minute apart from 10:00.
    static func records(_ count: Int, client: String = "c", prefix: String = "r") -> Data {
        Data(
            (0..<count).map { n in
                BudgetTests.record(
                    id: "\(prefix)\(n)", client: client, ts: String(format: "2026-11-26T10:%02d:00Z", n % 60))
            }.joined().utf8)
    }

    static func shell(_ command: String, in scratch: TemporaryDirectory) throws -> (Int32, String) {
        try AuditTests.shell(command, in: scratch)
    }

    static var hasSQLite: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/sqlite3") }

    /// Starts a filter that commits every record (the test reads each answer) but never seals a frame, sends
    /// `count` records and reads their lines, then kills it with SIGKILL: the archive ends in a crash tail whose
    /// entries were committed.
    static func crash(
        _ scratch: TemporaryDirectory, policy: String, count: Int, extra: [String] = []
    ) throws {
        let dpwall = try StreamingProcess(
            ["filter", "--policy", policy, "--audit-flush", "1h", "--commit-interval", "0"] + extra, in: scratch)
        for n in 0..<count {
            try dpwall.write(
                Data(
                    BudgetTests.record(id: "k\(n)", ts: String(format: "2026-11-26T11:%02d:00Z", n % 60)).utf8))
            _ = try dpwall.readOutputLine()
        }
        dpwall.send(SIGKILL)
        _ = dpwall.wait()
    }

    @Test("a crash tail is sealed by the next run (a recovery seal), and a tail rewritten before it is refused")
    func crashTailSealed() throws {
        let scratch = try TemporaryDirectory()
        let policy = try scratch.write("policy.yaml", Self.policy)
        _ = try DPWall.run(["keygen", "--signing-key", "sign.key"], in: scratch)
        try Self.crash(scratch, policy: policy, count: 8, extra: ["--signing-key", "sign.key"])
        let before = try DPWall.run(
            ["audit", "verify", "dpwall-audit", "--ledger", "dpwall.db", "--public-key", "sign.key.pub"], in: scratch)
        #expect(before.status == 0, "\(before.stdoutText)")
        #expect(before.stdoutText.contains("crash tail"), "\(before.stdoutText)")

        // A copy to tamper with: the tail's denials (client c has ε 3 an hour) turned into allows, recompressed.
        try FileManager.default.copyItem(at: scratch.file("dpwall-audit"), to: scratch.file("forged"))
        // The ledger whole: after a kill -9 its last commits are in its write-ahead log.
        for suffix in ["", "-wal", "-shm"]
        where FileManager.default.fileExists(atPath: scratch.file("dpwall.db" + suffix).path) {
            try FileManager.default.copyItem(
                at: scratch.file("dpwall.db" + suffix), to: scratch.file("forged.db" + suffix))
        }
        let (status, _) = try Self.shell(
            "f=$(ls forged/*.zst | tail -1) && zstdcat \"$f\" 2>/dev/null | sed 's/\"decision\":\"deny\"/"
                + "\"decision\":\"allow\"/' | zstd -q -c > t && mv t \"$f\"", in: scratch)
        #expect(status == 0)
        let refused = try DPWall.run(
            ["filter", "--policy", policy, "--ledger", "forged.db", "--audit", "forged", "--signing-key", "sign.key"],
            stdin: Self.records(1, prefix: "z"), in: scratch)
        #expect(refused.status == 65, "\(refused.stderrText)")
        #expect(refused.stderrText.contains("do not match the ledger's digest"), "\(refused.stderrText)")
        #expect(refused.stdout.isEmpty)
        let forgedVerify = try DPWall.run(
            ["audit", "verify", "forged", "--ledger", "forged.db", "--public-key", "sign.key.pub"], in: scratch)
        #expect(forgedVerify.status == 1 && forgedVerify.stdoutText.contains("altered"), "\(forgedVerify.stdoutText)")

        // The untouched archive: the next run seals the tail first, and from then on no crash tail is left.
        let next = try DPWall.run(
            ["filter", "--policy", policy, "--signing-key", "sign.key"], stdin: Self.records(3, prefix: "n"),
            in: scratch)
        #expect(next.status == 0, "\(next.stderrText)")
        let after = try DPWall.run(
            ["audit", "verify", "dpwall-audit", "--ledger", "dpwall.db", "--public-key", "sign.key.pub"], in: scratch)
        #expect(after.status == 0, "\(after.stdoutText)")
        #expect(after.stdoutText.contains("11 entries"), "\(after.stdoutText)")
        let (_, recovery) = try Self.shell("grep -ac '\"recovery\":true' dpwall-audit/*-000002.zst", in: scratch)
        #expect(recovery.trimmingCharacters(in: .whitespacesAndNewlines) == "1", "no recovery seal: \(recovery)")
    }

    @Test("entries planted after the ledger's last commit are never sealed, read or counted: the next run seals none")
    func plantedTail() throws {
        let scratch = try TemporaryDirectory()
        let policy = try scratch.write("policy.yaml", Self.policy)
        _ = try DPWall.run(["keygen", "--signing-key", "sign.key"], in: scratch)
        let run = try DPWall.run(
            ["filter", "--policy", policy, "--signing-key", "sign.key"], stdin: Self.records(5), in: scratch)
        #expect(run.status == 0)
        // A segment holding one unsealed frame of made-up decisions, numbered on from the archive's end: what a
        // crash tail looks like.
        let forged =
            (6...7).map { seq in
                #"{"seq":\#(seq),"at":0,"id":"x\#(seq)","ts":"2026-11-26T10:10:00Z","client":"victim","model":"m","decision":"allow"}"#
            }.joined(separator: "\n") + "\n"
        _ = try scratch.write("forged.jsonl", forged)
        #expect(
            try Self.shell("zstd -q -c forged.jsonl > dpwall-audit/audit-20261126T101000Z-000002.zst", in: scratch).0
                == 0)
        let next = try DPWall.run(
            ["filter", "--policy", policy, "--signing-key", "sign.key"], stdin: Self.records(1, prefix: "n"),
            in: scratch)
        #expect(next.status == 0, "\(next.stderrText)")
        let verify = try DPWall.run(
            ["audit", "verify", "dpwall-audit", "--ledger", "dpwall.db", "--public-key", "sign.key.pub"], in: scratch)
        #expect(verify.status == 0, "\(verify.stdoutText)")
        #expect(verify.stdoutText.contains("seq 6–7 were written by a run that crashed"), "\(verify.stdoutText)")
        let cat = try DPWall.run(["audit", "cat", "dpwall-audit", "--client", "victim"], in: scratch)
        #expect(cat.status == 0 && cat.stdout.isEmpty, "\(cat.stdoutText)")
        let all = try DPWall.run(["audit", "cat", "dpwall-audit"], in: scratch)
        #expect(all.lines.count == 6, "\(all.stdoutText)")
    }

    @Test("filter refuses an archive whose chain the ledger does not know, and a ledger anchor not signed by the key")
    func forgedChainRefused() throws {
        let scratch = try TemporaryDirectory()
        let policy = try scratch.write("policy.yaml", Self.policy)
        let first = try DPWall.run(["filter", "--policy", policy], stdin: Self.records(5), in: scratch)
        #expect(first.status == 0, "\(first.stderrText)")
        // A chain made without the ledger (another run's archive, as seals recomputed without any key are) put in
        // the archive's place.
        let other = try DPWall.run(
            ["filter", "--policy", policy, "--ledger", "other.db", "--audit", "other"],
            stdin: Self.records(5, client: "big"), in: scratch)
        #expect(other.status == 0)
        _ = try Self.shell("rm dpwall-audit/*.zst && cp other/*.zst dpwall-audit/", in: scratch)
        let refused = try DPWall.run(["filter", "--policy", policy], stdin: Self.records(1, prefix: "z"), in: scratch)
        #expect(refused.status == 65, "\(refused.stderrText)")
        #expect(refused.stderrText.contains("is not in the archive"), "\(refused.stderrText)")

        // Signed: the anchor edited with sqlite3 (here its origin, which only a whole verify checks against the
        // archive); the key's signature no longer covers it.
        try #require(Self.hasSQLite, "sqlite3 CLI needed")
        let signed = try TemporaryDirectory()
        let signedPolicy = try signed.write("policy.yaml", Self.policy)
        _ = try DPWall.run(["keygen", "--signing-key", "sign.key"], in: signed)
        let run = try DPWall.run(
            ["filter", "--policy", signedPolicy, "--signing-key", "sign.key"], stdin: Self.records(5), in: signed)
        #expect(run.status == 0)
        let (edited, _) = try Self.shell(
            "sqlite3 dpwall.db \"UPDATE audit_head SET origin_seq = origin_seq + 1\"", in: signed)
        #expect(edited == 0)
        let again = try DPWall.run(
            ["filter", "--policy", signedPolicy, "--signing-key", "sign.key"], stdin: Self.records(1, prefix: "z"),
            in: signed)
        #expect(again.status == 65, "\(again.stderrText)")
        #expect(again.stderrText.contains("not signed by this key"), "\(again.stderrText)")
    }

    @Test("an anchor whose signature was set to NULL is an edited one, after a clean run and after a crash")
    func nullSignature() throws {
        try #require(Self.hasSQLite, "sqlite3 CLI needed")
        for crashed in [false, true] {
            let scratch = try TemporaryDirectory()
            let policy = try scratch.write("policy.yaml", Self.policy)
            _ = try DPWall.run(["keygen", "--signing-key", "sign.key"], in: scratch)
            if crashed {
                // No seal at all yet: only the anchor says the archive was signed.
                try Self.crash(scratch, policy: policy, count: 3, extra: ["--signing-key", "sign.key"])
            } else {
                let run = try DPWall.run(
                    ["filter", "--policy", policy, "--signing-key", "sign.key"], stdin: Self.records(3), in: scratch)
                #expect(run.status == 0)
            }
            let edit = "UPDATE audit_head SET sig = NULL, origin_chain = chain, origin_seq = seq; DELETE FROM charges"
            #expect(try Self.shell("sqlite3 dpwall.db '\(edit)'", in: scratch).0 == 0)
            let refused = try DPWall.run(
                ["filter", "--policy", policy, "--signing-key", "sign.key"], stdin: Self.records(1, prefix: "z"),
                in: scratch)
            #expect(refused.status == 65, "crashed \(crashed): \(refused.stderrText)")
            #expect(refused.stderrText.contains("anchor of the archive is not signed"), "\(refused.stderrText)")
            #expect(refused.stdout.isEmpty)
        }
        // An archive written without a key may start being signed.
        let scratch = try TemporaryDirectory()
        let policy = try scratch.write("policy.yaml", Self.policy)
        _ = try DPWall.run(["keygen", "--signing-key", "sign.key"], in: scratch)
        #expect(try DPWall.run(["filter", "--policy", policy], stdin: Self.records(2), in: scratch).status == 0)
        let signing = try DPWall.run(
            ["filter", "--policy", policy, "--signing-key", "sign.key"], stdin: Self.records(1, prefix: "s"),
            in: scratch)
        #expect(signing.status == 0, "\(signing.stderrText)")
    }

    @Test("a new, deleted or emptied ledger is refused on an archive that holds entries (every budget would restart)")
    func foreignLedger() throws {
        try #require(Self.hasSQLite, "sqlite3 CLI needed")
        let scratch = try TemporaryDirectory()
        let policy = try scratch.write("policy.yaml", Self.policy)
        #expect(try DPWall.run(["filter", "--policy", policy], stdin: Self.records(3), in: scratch).status == 0)
        for edit in [
            "rm dpwall.db*", "sqlite3 dpwall.db 'DELETE FROM audit_head; DELETE FROM charges; DELETE FROM buckets'",
        ] {
            let copy = try TemporaryDirectory()
            _ = try Self.shell("cp -r '\(scratch.url.path)'/. '\(copy.url.path)'/", in: copy)
            #expect(try Self.shell(edit, in: copy).0 == 0)
            let refused = try DPWall.run(
                ["filter", "--policy", policy], stdin: Self.records(3, prefix: "again"), in: copy)
            #expect(refused.status == 65, "\(edit): \(refused.stderrText)")
            #expect(refused.stderrText.contains("has no record of the audit archive"), "\(refused.stderrText)")
            #expect(refused.stdout.isEmpty)
        }
    }

    @Test("a ledger restored from an earlier copy of itself (a refund of everything spent since) is refused")
    func rolledBackLedger() throws {
        try #require(Self.hasSQLite, "sqlite3 CLI needed")
        let scratch = try TemporaryDirectory()
        let policy = try scratch.write("policy.yaml", Self.policy)
        let first = try DPWall.run(["filter", "--policy", policy], stdin: Self.records(3), in: scratch)
        #expect(first.status == 0)
        #expect(try Self.shell("sqlite3 dpwall.db '.backup old.db'", in: scratch).0 == 0)
        let second = try DPWall.run(["filter", "--policy", policy], stdin: Self.records(3, prefix: "s"), in: scratch)
        #expect(second.status == 0)
        // Client c's hour is spent (ε 3); the old copy has ε 3 spent too, but the archive's seals say more was
        // committed since.
        _ = try Self.shell("rm -f dpwall.db-wal dpwall.db-shm && cp old.db dpwall.db", in: scratch)
        let verify = try DPWall.run(["audit", "verify", "dpwall-audit", "--ledger", "dpwall.db"], in: scratch)
        #expect(verify.status == 1 && verify.stdoutText.contains("older than its archive"), "\(verify.stdoutText)")
        let refused = try DPWall.run(["filter", "--policy", policy], stdin: Self.records(1, prefix: "z"), in: scratch)
        #expect(refused.status == 65 && refused.stderrText.contains("older than its archive"), "\(refused.stderrText)")
        #expect(refused.stdout.isEmpty)
    }

    @Test("deleting the archive's first segment is a problem, with the ledger and without it")
    func cutStart() throws {
        let scratch = try TemporaryDirectory()
        let policy = try scratch.write("policy.yaml", Self.policy)
        for round in 0..<2 {
            let run = try DPWall.run(
                ["filter", "--policy", policy], stdin: Self.records(4, prefix: "r\(round)-"), in: scratch)
            #expect(run.status == 0)
        }
        _ = try Self.shell("rm dpwall-audit/*-000001.zst", in: scratch)
        let withLedger = try DPWall.run(["audit", "verify", "dpwall-audit", "--ledger", "dpwall.db"], in: scratch)
        #expect(withLedger.status == 1)
        #expect(withLedger.stdoutText.contains("its start was cut"), "\(withLedger.stdoutText)")
        let alone = try DPWall.run(["audit", "verify", "dpwall-audit"], in: scratch)
        #expect(alone.status == 1 && alone.stdoutText.contains("deleted from its start"), "\(alone.stdoutText)")
        // Segments given one by one may legitimately leave out the older ones: a note, not a problem.
        let (_, name) = try Self.shell("ls dpwall-audit/*.zst", in: scratch)
        let chosen = try DPWall.run(
            ["audit", "verify", name.trimmingCharacters(in: .whitespacesAndNewlines)], in: scratch)
        #expect(chosen.status == 0 && chosen.stdoutText.contains("mid-chain"), "\(chosen.stdoutText)")
    }

    @Test("a charge deleted and a spend zeroed in the ledger are found by verify --ledger, and so is the charge again")
    func ledgerEdits() throws {
        try #require(Self.hasSQLite, "sqlite3 CLI needed")
        let scratch = try TemporaryDirectory()
        let policy = try scratch.write("policy.yaml", Self.policy)
        let input = Self.records(6)
        let run = try DPWall.run(["filter", "--policy", policy], stdin: input, in: scratch)
        #expect(run.status == 0)
        let intact = try DPWall.run(["audit", "verify", "dpwall-audit", "--ledger", "dpwall.db"], in: scratch)
        #expect(intact.status == 0, "\(intact.stdoutText)")
        let (edited, _) = try Self.shell(
            "sqlite3 dpwall.db \"DELETE FROM charges WHERE id = 'r0'; UPDATE buckets SET sum_epsilon = 0, "
                + "releases = 0, laplace = ''; UPDATE windows SET sum_epsilon = 0, spent_epsilon = 0\"", in: scratch)
        #expect(edited == 0)
        let found = try DPWall.run(["audit", "verify", "dpwall-audit", "--ledger", "dpwall.db"], in: scratch)
        #expect(found.status == 1)
        #expect(found.stdoutText.contains("id r0 (seq 1) has no charge"), "\(found.stdoutText)")
        #expect(found.stdoutText.contains("the ledger was edited"), "\(found.stdoutText)")
        // The freed id is charged again and answered anew: the archive now holds two charged releases of it.
        let again = try DPWall.run(["filter", "--policy", policy], stdin: input, in: scratch)
        #expect(again.status == 0)
        let twice = try DPWall.run(["audit", "verify", "dpwall-audit", "--ledger", "dpwall.db"], in: scratch)
        #expect(twice.status == 1)
        #expect(twice.stdoutText.contains("id r0 was charged twice"), "\(twice.stdoutText)")
    }

    @Test(
        "a charge moved in time, a bucket stretched, a charge's accounting state cleared: verify --ledger names each",
        arguments: [
            (
                "UPDATE charges SET event_time = event_time - 86400000, window_start = window_start - 86400000",
                "is at"
            ),
            ("UPDATE buckets SET bucket_start = bucket_start - 86400000", "is not within one hour"),
            (
                "UPDATE charges SET laplace = '', rho = 0, mu_squared = 0; UPDATE buckets SET laplace = '', rho = 0, "
                    + "sum_mu_squared = 0", "accounting state"
            ),
        ])
    func ledgerStateEdits(edit: String, named: String) throws {
        try #require(Self.hasSQLite, "sqlite3 CLI needed")
        let scratch = try TemporaryDirectory()
        let policy = try scratch.write("policy.yaml", Self.policy)
        let run = try DPWall.run(["filter", "--policy", policy], stdin: Self.records(2), in: scratch)
        #expect(run.status == 0)
        #expect(try Self.shell("sqlite3 dpwall.db \"\(edit)\"", in: scratch).0 == 0)
        let verify = try DPWall.run(["audit", "verify", "dpwall-audit", "--ledger", "dpwall.db"], in: scratch)
        #expect(verify.status == 1 && verify.stdoutText.contains(named), "\(verify.stdoutText)")
    }

    @Test("a client's snapshot rows deleted do not make it new: its buckets still count")
    func snapshotDeleted() throws {
        try #require(Self.hasSQLite, "sqlite3 CLI needed")
        let scratch = try TemporaryDirectory()
        let policy = try scratch.write("policy.yaml", Self.policy)
        // Client c: ε 3 an hour at 1 a record.
        let run = try DPWall.run(["filter", "--policy", policy], stdin: Self.records(3), in: scratch)
        #expect(run.lines.compactMap(OutputLine.init).filter(\.isAllowed).count == 3)
        #expect(try Self.shell("sqlite3 dpwall.db \"DELETE FROM windows WHERE client = 'c'\"", in: scratch).0 == 0)
        let again = try DPWall.run(["filter", "--policy", policy], stdin: Self.records(3, prefix: "s"), in: scratch)
        let codes = again.lines.compactMap(OutputLine.init).map { $0.code ?? "allow" }
        #expect(codes == ["budget_exhausted", "budget_exhausted", "budget_exhausted"], "\(codes)")
    }

    @Test("a ledger whose anchor row was deleted is not re-anchored at the archive's end: filter refuses")
    func anchorDeleted() throws {
        try #require(Self.hasSQLite, "sqlite3 CLI needed")
        let scratch = try TemporaryDirectory()
        let policy = try scratch.write("policy.yaml", Self.policy)
        let run = try DPWall.run(["filter", "--policy", policy], stdin: Self.records(2), in: scratch)
        #expect(run.status == 0)
        #expect(try Self.shell("sqlite3 dpwall.db 'DELETE FROM audit_head'", in: scratch).0 == 0)
        let refused = try DPWall.run(["filter", "--policy", policy], stdin: Self.records(1, prefix: "z"), in: scratch)
        #expect(
            refused.status == 65 && refused.stderrText.contains("has no record of the audit archive"),
            "\(refused.stderrText)")
        #expect(refused.stdout.isEmpty)
    }

    @Test("a crash between a group's flush and its commit leaves entries that verify does not count against the ledger")
    func uncommittedEntries() throws {
        // kill -9 at random moments is CrashTests' job; here the next run's recovery seal must record what was
        // never committed, so that the record sent again and charged then is not a double charge.
        let scratch = try TemporaryDirectory()
        let policy = try scratch.write("policy.yaml", Self.policy)
        try Self.crash(scratch, policy: policy, count: 3)
        let next = try DPWall.run(["filter", "--policy", policy], stdin: Self.records(2, prefix: "n"), in: scratch)
        #expect(next.status == 0, "\(next.stderrText)")
        let verify = try DPWall.run(["audit", "verify", "dpwall-audit", "--ledger", "dpwall.db"], in: scratch)
        #expect(verify.status == 0, "\(verify.stdoutText)")
    }

    @Test("every denial's entry names its input line, budget_exhausted and duplicate_id included")
    func denialsHaveLines() throws {
        let scratch = try TemporaryDirectory()
        let policy = try scratch.write("policy.yaml", Self.policy)
        // Client c has ε 3 an hour: r0–r2 are released, r3 and r4 exhausted; r0 again with other content is a
        // duplicate id.
        var input = Self.records(5)
        input.append(Data(BudgetTests.record(id: "r0", ts: "2026-11-26T12:00:00Z", x: "0.25").utf8))
        let run = try DPWall.run(["filter", "--policy", policy], stdin: input, in: scratch)
        #expect(run.status == 0)
        let entries = try DPWall.run(["audit", "cat", "dpwall-audit", "--decision", "deny"], in: scratch)
            .lines.compactMap(OutputLine.init)
        let found = entries.map {
            "\($0.object["code"] as? String ?? "?") \(($0.object["line"] as? NSNumber)?.intValue ?? 0)"
        }
        #expect(found == ["budget_exhausted 4", "budget_exhausted 5", "duplicate_id 6"], "\(found)")
        // Every entry of the sample's mix (the record stage's denials the writing turn settles too) has one line.
        let sample = try DPWall.run(
            [
                "filter", "--policy", DPWall.sample("policy.yaml").path, "--ledger", "s.db", "--audit", "s",
                DPWall.sample("traffic.jsonl").path,
            ], in: scratch)
        #expect(sample.status == 0)
        let all = try DPWall.run(["audit", "cat", "s", "--decision", "deny"], in: scratch).lines
        #expect(all.count > 250)
        let wrong = all.map { String(decoding: $0, as: UTF8.self) }.filter {
            $0.components(separatedBy: "\"line\":").count != 2
        }
        #expect(wrong.isEmpty, "\(wrong.prefix(2))")
    }

    @Test("a FIFO named like a segment is a problem, not a hang; --no-audit on a ledger with an archive is refused")
    func filesThatAreNotWhatTheySeem() throws {
        let scratch = try TemporaryDirectory()
        let policy = try scratch.write("policy.yaml", Self.policy)
        let run = try DPWall.run(["filter", "--policy", policy], stdin: Self.records(2), in: scratch)
        #expect(run.status == 0)
        let noAudit = try DPWall.run(
            ["filter", "--policy", policy, "--no-audit"], stdin: Self.records(1, prefix: "z"), in: scratch)
        #expect(noAudit.status == 65, "\(noAudit.stderrText)")
        #expect(noAudit.stderrText.contains("was written with an audit archive"), "\(noAudit.stderrText)")
        #expect(noAudit.stdout.isEmpty)

        #expect(mkfifo(scratch.file("dpwall-audit/audit-20991231T000000Z-000002.zst").path, 0o644) == 0)
        let verify = try DPWall.run(["audit", "verify", "dpwall-audit"], in: scratch)
        #expect(verify.status == 1 && verify.stdoutText.contains("cannot be read"), "\(verify.stdoutText)")
        let filter = try DPWall.run(["filter", "--policy", policy], stdin: Self.records(1, prefix: "y"), in: scratch)
        #expect(filter.status == 65, "\(filter.stderrText)")
        let cat = try DPWall.run(["audit", "cat", "dpwall-audit"], in: scratch)
        #expect(cat.status != 0, "\(cat.stderrText)")
    }
}
