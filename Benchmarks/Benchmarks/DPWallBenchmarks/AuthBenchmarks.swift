import Benchmark
import Crypto
import DPWall

/// API key lookups: the exact key, a near miss (every byte but the last equal) and an unrelated key of the same
/// length. The three cost the same up to noise, since what is looked up and compared is the SHA-256 digest of the
/// presented key (docs/auth.md, "Constant time, by construction"). One iteration is 100,000 lookups in a table
/// of 1,000 keys.
func authBenchmarks() {
    var entries: [Policy.APIKeyEntry] = []
    for index in 0..<1000 {
        let key = Array("dpw_live_\(index)_0123456789abcdef0123456789abcdef".utf8)
        entries.append(Policy.APIKeyEntry(client: "client-\(index)", sha256: Array(SHA256.hash(data: key))))
    }
    let table = APIKeyTable(entries)
    let exact = Array("dpw_live_500_0123456789abcdef0123456789abcdef".utf8)
    var near = exact
    near[near.count - 1] ^= 1
    let unrelated = Array(repeating: UInt8(ascii: "z"), count: exact.count)
    for (name, key) in [("exact key", exact), ("near miss", near), ("unrelated key", unrelated)] {
        Benchmark("api key lookup, \(name) (100k lookups, 1000 keys)") { benchmark in
            var found = 0
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                for _ in 0..<100_000 {
                    key.withUnsafeBytes { if table.client(presented: $0) != nil { found += 1 } }
                }
            }
            benchmark.stopMeasurement()
            blackHole(found)
        }
    }
}
