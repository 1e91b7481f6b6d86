import Synchronization

/// Verification results by credential (a token, a PEM), shared by the worker threads: each distinct credential
/// is verified once. Bounded: at ``limit`` entries or ``byteLimit`` bytes of credentials it starts over, so a
/// flood of distinct (or huge) credentials costs verifications, never unbounded memory.
final class VerificationCache<Value: Sendable>: Sendable {
    static var limit: Int { 65_536 }
    static var byteLimit: Int { 64 << 20 }
    private let entries = Mutex<(values: [String: Value], bytes: Int)>(([:], 0))

    /// The cached value for `key`, or `compute()`'s (computed outside the lock, then cached).
    func value(for key: String, _ compute: () -> Value) -> Value {
        if let cached = entries.withLock({ $0.values[key] }) { return cached }
        let value = compute()
        entries.withLock { entries in
            if entries.values.count >= Self.limit || entries.bytes + key.utf8.count > Self.byteLimit {
                entries.values.removeAll(keepingCapacity: true)
                entries.bytes = 0
            }
            if entries.values.updateValue(value, forKey: key) == nil { entries.bytes += key.utf8.count }
        }
        return value
    }
}
