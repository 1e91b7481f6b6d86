import Dispatch
import Synchronization

/// Runs async library calls (jwt-kit's key collection is an actor; swift-certificates' verifier is async) from
/// synchronous code: the caller blocks while a task does the work.
///
/// The task prefers a task executor of its own, a serial Dispatch queue, so that its jobs (and those of the
/// default actors it calls) never wait for a thread of Swift's cooperative pool: a caller that blocks a pool
/// thread (a test, or a future async server) cannot starve the work it waits for. Verifications are cached per
/// token or certificate, so this happens once per distinct credential, never per record.
enum AsyncBridge {
    private final class Box<T>: @unchecked Sendable {
        var value: T?
    }

    private final class QueueExecutor: TaskExecutor {
        let queue = DispatchQueue(label: "dpwall.auth-bridge")

        func enqueue(_ job: consuming ExecutorJob) {
            let job = UnownedJob(job)
            let executor = asUnownedTaskExecutor()
            queue.async { job.runSynchronously(on: executor) }
        }
    }

    private static let executor = QueueExecutor()

    /// `body`'s result.
    static func run<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T {
        let box = Box<T>()
        let done = DispatchSemaphore(value: 0)
        Task(executorPreference: executor) {
            box.value = await body()
            done.signal()
        }
        done.wait()
        return box.value!
    }
}
