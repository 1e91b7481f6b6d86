import DPWallPrivacy
import Foundation
import Testing

@testable import DPWallStore

/// The SQLite ledger on real files: schema, WAL, durability of a committed batch across reopening, atomic
/// batches, the one-writer lock, and `:memory:`.
@Suite(.serialized) struct SQLiteLedgerTests {
    /// A fresh directory for one test's ledger files.
    static func directory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("dpwall-ledger-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func batch(client: String, ids: Range<Int>, window: Int64 = 0) -> LedgerBatch {
        var batch = LedgerBatch()
        var account = PrivacyAccount()
        for n in ids {
            batch.charges.append(
                ChargedRecord(
                    client: client, id: "r-\(n)", digest: Array(repeating: UInt8(n % 256), count: 32),
                    eventTime: Int64(n), windowStart: window, epsilon: 0.5, delta: 0))
            account.add(.laplace(epsilon: 0.5))
            account.add(.gaussian(mu: 0.1, epsilon: 0.2, delta: 1e-9))
        }
        batch.windows.append(WindowState(client: client, windowStart: window, account: account))
        return batch
    }

    @Test("a committed batch is there after reopening, in WAL mode, and the file passes integrity_check")
    func durable() throws {
        let path = try Self.directory().appendingPathComponent("dpwall.db").path
        do {
            let ledger = try SQLiteLedger(path: path)
            #expect(try ledger.journalMode() == "wal")
            try ledger.commit(Self.batch(client: "acme", ids: 0..<100))
        }
        let reopened = try SQLiteLedger(path: path)
        let totals = try reopened.totals(client: "acme")
        #expect(totals.charges == 100 && totals.epsilon == 50)
        let account = try #require(try reopened.window(client: "acme", windowStart: 0))
        var expected = PrivacyAccount()
        expected.add(.laplace(epsilon: 0.5), count: 100)
        expected.add(.gaussian(mu: 0.1, epsilon: 0.2, delta: 1e-9), count: 100)
        #expect(account.releases == 200 && account.laplaceCounts == expected.laplaceCounts)
        #expect(abs(account.sumMuSquared - expected.sumMuSquared) < 1e-12)
        let charge = try #require(try reopened.charge(client: "acme", id: "r-7"))
        #expect(charge.digest == Array(repeating: 7, count: 32) && charge.eventTime == 7)
        #expect(try reopened.charge(client: "acme", id: "r-100") == nil)
        #expect(try reopened.integrityCheck() == "ok")
    }

    @Test("a batch with a duplicate (client, id) is rejected whole: nothing of it is charged")
    func atomicBatch() throws {
        let ledger = try SQLiteLedger(path: ":memory:")
        try ledger.commit(Self.batch(client: "c", ids: 0..<10))
        var bad = Self.batch(client: "c", ids: 10..<20)
        bad.charges.append(bad.charges[0])
        #expect(throws: LedgerError.self) { try ledger.commit(bad) }
        #expect(try ledger.totals(client: "c").charges == 10)
        #expect(try ledger.charge(client: "c", id: "r-11") == nil)
    }

    @Test("a second writer on the same file is refused with the owner's pid, and gets it once the first closes")
    func oneWriter() throws {
        let path = try Self.directory().appendingPathComponent("dpwall.db").path
        var first: SQLiteLedger? = try SQLiteLedger(path: path)
        do {
            _ = try SQLiteLedger(path: path)
            Issue.record("a second writer opened the ledger")
        } catch let error as LedgerError {
            #expect(error.exitStatus == 75)
            #expect(error.message.contains("\(getpid())") && error.message.contains(".lock"), "\(error.message)")
        }
        _ = first
        first = nil
        let second = try SQLiteLedger(path: path)
        #expect(try second.integrityCheck() == "ok")
    }

    @Test("Laplace groups round-trip through their text form")
    func laplaceText() {
        let groups = [PrivacyAccount.LaplaceGroup(epsilon: 0.1, count: 3), .init(epsilon: 1e-7, count: 12_345)]
        #expect(SQLiteLedger.decode(SQLiteLedger.encode(groups)) == groups)
        #expect(SQLiteLedger.decode("").isEmpty)
    }
}
