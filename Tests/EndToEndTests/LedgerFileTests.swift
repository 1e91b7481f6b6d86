import Foundation
import Testing

/// The ledger as a file (issue 21, items 4 and 7): created whole and 0640, refused when a newer dpwall wrote it,
/// left without `-wal` and `-shm` by readers, and its adjustments signed with the account's name.
@Suite("The ledger file")
struct LedgerFileTests {
    @Test("a new ledger is 0640, readers leave no -wal or -shm, and a grant records the account's name")
    func createdAndRead() throws {
        let scratch = try TemporaryDirectory()
        let policy = try scratch.write("policy.yaml", BudgetTests.yaml)
        let run = try DPWall.run(["filter", "--policy", policy], stdin: AuditIntegrityTests.records(2), in: scratch)
        #expect(run.status == 0, "\(run.stderrText)")
        let mode = try FileManager.default.attributesOfItem(atPath: scratch.file("dpwall.db").path)[.posixPermissions]
        #expect(mode as? Int == 0o640)
        let names = try FileManager.default.contentsOfDirectory(atPath: scratch.url.path)
        #expect(!names.contains { $0.contains(".creating-") }, "\(names)")
        for command in [["budget", "show"], ["quota", "show"], ["report"]] {
            let read = try DPWall.run(command, in: scratch)
            #expect(read.status == 0, "\(command): \(read.stderrText)")
            for suffix in ["-wal", "-shm"] {
                #expect(
                    !FileManager.default.fileExists(atPath: scratch.file("dpwall.db" + suffix).path),
                    "\(command) left dpwall.db\(suffix) behind")
            }
        }
        // USER and LOGNAME are whatever the caller sets: the grant names the account, not them.
        let executable = try DPWall.requireExecutable().path
        let (granted, _) = try AuditTests.shell(
            "USER=mallory LOGNAME=mallory '\(executable)' budget grant c --epsilon 1 --reason test", in: scratch)
        #expect(granted == 0)
        let (_, user) = try AuditTests.shell("id -un", in: scratch)
        try #require(AuditIntegrityTests.hasSQLite, "sqlite3 CLI needed")
        let (_, by) = try AuditTests.shell("sqlite3 dpwall.db 'SELECT by FROM adjustments'", in: scratch)
        #expect(by == user, "recorded \(by), the account is \(user)")
    }

    @Test("a ledger a newer dpwall migrated is refused (65) by every command, not opened and written")
    func newerLedgerRefused() throws {
        try #require(AuditIntegrityTests.hasSQLite, "sqlite3 CLI needed")
        let scratch = try TemporaryDirectory()
        let policy = try scratch.write("policy.yaml", BudgetTests.yaml)
        let run = try DPWall.run(["filter", "--policy", policy], stdin: AuditIntegrityTests.records(1), in: scratch)
        #expect(run.status == 0)
        let (status, _) = try AuditTests.shell(
            "sqlite3 dpwall.db \"INSERT INTO grdb_migrations VALUES ('v99: from the future')\"", in: scratch)
        #expect(status == 0)
        for command in [
            ["filter", "--policy", policy], ["budget", "show"],
            ["budget", "grant", "c", "--epsilon", "1", "--reason", "r"],
        ] {
            let result = try DPWall.run(command, stdin: AuditIntegrityTests.records(1, prefix: "z"), in: scratch)
            #expect(result.status == 65, "\(command): \(result.stderrText)")
            #expect(result.stderrText.contains("written by a newer dpwall"), "\(result.stderrText)")
            #expect(result.stdout.isEmpty)
        }
    }
}

extension LedgerFileTests {
    /// A new ledger beside another ledger's archive is refused (65); the empty ledger the refused run created was
    /// left behind, and a second try then met a ledger file that looked used.
    @Test("a run refused at the archive leaves no new ledger file behind; an existing ledger stays")
    func refusedRunLeavesNoLedger() throws {
        let scratch = try TemporaryDirectory()
        let policy = try scratch.write("policy.yaml", BudgetTests.yaml)
        let record = Data(BudgetTests.record(id: "a1").utf8)
        let first = try DPWall.run(
            ["filter", "--policy", policy, "--ledger", "a.db", "--audit", "audit"], stdin: record, in: scratch)
        #expect(first.status == 0, "\(first.stderrText)")
        let refused = try DPWall.run(
            ["filter", "--policy", policy, "--ledger", "b.db", "--audit", "audit"], stdin: record, in: scratch)
        #expect(refused.status == 65, "\(refused.stderrText)")
        let left = try FileManager.default.contentsOfDirectory(atPath: scratch.url.path).filter {
            $0.hasPrefix("b.db")
        }
        #expect(left.isEmpty, "the refused run left \(left)")
        #expect(FileManager.default.fileExists(atPath: scratch.file("a.db").path))
    }
}
