import Benchmark
import DPWallPrivacy
import DPWallStore
import Foundation

/// The ledger alone (issue 4: ≥ 250k charged records/s with batched commits): one iteration commits 10,000
/// charged records to a real WAL file with `synchronous = FULL`, in group commits of 1,000 records (each with
/// the window states of the 100 clients it touched).
func ledgerBenchmarks() {
    Benchmark("ledger commit (10k records in batches of 1000, WAL, synchronous FULL)") { benchmark in
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dpwall-bench-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let ledger = try SQLiteLedger(path: directory.appendingPathComponent("dpwall.db").path)
        var next = 0
        var accounts = [PrivacyAccount](repeating: PrivacyAccount(), count: 100)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            for _ in 0..<10 {
                var batch = LedgerBatch()
                for _ in 0..<1000 {
                    let client = next % 100
                    accounts[client].add(.gaussian(mu: 0.05, epsilon: 0.1, delta: 1e-9))
                    batch.charges.append(
                        ChargedRecord(
                            client: "client-\(client)", id: "r-\(next)", digest: [UInt8](repeating: 7, count: 32),
                            eventTime: Int64(next), windowStart: 0, epsilon: 0.1, delta: 1e-9))
                    next += 1
                }
                for client in 0..<100 {
                    batch.windows.append(
                        WindowState(client: "client-\(client)", windowStart: 0, account: accounts[client]))
                }
                try ledger.commit(batch)
            }
        }
    }
}
