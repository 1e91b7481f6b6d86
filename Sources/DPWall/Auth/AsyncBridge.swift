import Dispatch
import Synchronization

/// Runs async library calls (jwt-kit's key collection is an actor; swift-certificates' verifier is async) from
/// the pipeline's worker threads, which are Dispatch threads outside Swift's cooperative pool: the caller blocks
/// while a detached task does the work on the pool. Verifications are cached per token or certificate, so this
/// happens once per distinct credential, never per record.
enum AsyncBridge {
    private final class Box<T>: @unchecked Sendable {
        var value: T?
    }

    /// `body`'s result; never call it from inside a task (it would block a thread of the pool it waits for).
    static func run<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T {
        let box = Box<T>()
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            box.value = await body()
            done.signal()
        }
        done.wait()
        return box.value!
    }
}

/// Verification results by credential (a token, a PEM), shared by the worker threads: each distinct credential
/// is verified once. Bounded: at ``limit`` entries it starts over, so a flood of distinct credentials costs
/// verifications, never unbounded memory.
final class VerificationCache<Value: Sendable>: Sendable {
    static var limit: Int { 65_536 }
    private let entries = Mutex<[String: Value]>([:])

    /// The cached value for `key`, or `compute()`'s (computed outside the lock, then cached).
    func value(for key: String, _ compute: () -> Value) -> Value {
        if let cached = entries.withLock({ $0[key] }) { return cached }
        let value = compute()
        entries.withLock { entries in
            if entries.count >= Self.limit { entries.removeAll(keepingCapacity: true) }
            entries[key] = value
        }
        return value
    }
}
