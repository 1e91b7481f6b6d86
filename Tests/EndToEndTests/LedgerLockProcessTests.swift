import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The one-writer lock across real processes (issue 20): a filter holding the ledger through a symbolic link
/// locks out a grant through the real path, and once it is killed with -9 nothing it left behind blocks.
@Suite("Ledger lock across processes")
struct LedgerLockProcessTests {
    @Test("a filter killed with -9 leaves no lock behind that blocks; every path to the ledger shares its lock")
    func killedHolder() throws {
        let scratch = try TemporaryDirectory()
        let policy = try scratch.write("policy.yaml", BudgetTests.yaml)
        try #require(symlink(scratch.file("ledger.db").path, scratch.file("link.db").path) == 0)
        let holder = try StreamingProcess(["filter", "--policy", policy, "--ledger", "link.db"], in: scratch)
        try holder.write(Data(BudgetTests.record(id: "h1", client: "big").utf8))
        let line = try holder.readOutputLine()
        #expect(line.isAllowed, "\(line.raw)")

        let grant = ["budget", "grant", "big", "--epsilon", "1", "--reason", "test", "--ledger", "ledger.db"]
        let locked = try DPWall.run(grant, in: scratch)
        #expect(locked.status == 75, "\(locked.stderrText)")
        #expect(locked.stderrText.contains("process \(holder.pid)"), "\(locked.stderrText)")

        kill(holder.pid, SIGKILL)
        holder.process.waitUntilExit()
        let lockFiles = {
            try FileManager.default.contentsOfDirectory(atPath: scratch.url.path).filter { $0.hasSuffix(".lock") }
        }
        #expect(try lockFiles().count == 1, "the killed holder's lock file (with its pid) stays behind")

        let granted = try DPWall.run(grant, in: scratch)
        #expect(granted.status == 0, "\(granted.stderrText)")
        let left = try lockFiles()
        #expect(left.isEmpty, "\(left)")
    }
}
