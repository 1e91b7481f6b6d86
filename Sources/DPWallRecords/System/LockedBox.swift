#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A value reachable only with its lock held, and a condition variable to wait on for changes to it: the lock is
/// part of the type (as in swift-nio's `NIOLockedValueBox` and the standard library's `Mutex`), so the compiler,
/// not a comment, says what it guards. `Mutex` is the choice when no thread waits for the value to change.
///
/// ``withLock(_:)`` hands its body a ``Locked`` view: the value, and waiting and waking on the condition (a POSIX
/// mutex and condition variable, as `NSCondition` uses).
package final class LockedBox<Value> {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    private var value: Value

    /// A box holding `value`.
    package init(_ value: Value) {
        self.value = value
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        condition = .allocate(capacity: 1)
        condition.initialize(to: pthread_cond_t())
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        condition.deinitialize(count: 1)
        condition.deallocate()
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    /// Runs `body` with the lock held.
    package func withLock<Result, Failure: Error>(
        _ body: (borrowing Locked) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(Locked(box: self))
    }

    /// Runs `body` with the lock held if no other thread holds it; nil at once if one does.
    package func withLockIfAvailable<Result, Failure: Error>(
        _ body: (borrowing Locked) throws(Failure) -> Result
    ) throws(Failure) -> Result? {
        guard pthread_mutex_trylock(mutex) == 0 else { return nil }
        defer { pthread_mutex_unlock(mutex) }
        return try body(Locked(box: self))
    }

    /// Wakes every thread waiting in ``Locked/wait()``, taking the lock for the moment.
    package func broadcast() {
        pthread_mutex_lock(mutex)
        pthread_cond_broadcast(condition)
        pthread_mutex_unlock(mutex)
    }

    /// The box with its lock held, as ``LockedBox/withLock(_:)`` lends it to its body (not copyable, so the body
    /// cannot keep it).
    package struct Locked: ~Copyable {
        fileprivate let box: LockedBox

        /// The guarded value, read and changed in place.
        package var value: Value {
            _read { yield box.value }
            nonmutating _modify { yield &box.value }
        }

        /// Releases the lock until another thread calls ``broadcast()`` (or the system wakes this one spuriously:
        /// check again what was waited for), then takes it again.
        package func wait() {
            pthread_cond_wait(box.condition, box.mutex)
        }

        /// Wakes every thread waiting in ``wait()``.
        package func broadcast() {
            pthread_cond_broadcast(box.condition)
        }

        /// Runs `body` with the lock released, then takes it again: for work other threads must not wait behind.
        /// The value may have changed meanwhile.
        package func unlocked<Result, Failure: Error>(_ body: () throws(Failure) -> Result) throws(Failure) -> Result {
            pthread_mutex_unlock(box.mutex)
            defer { pthread_mutex_lock(box.mutex) }
            return try body()
        }
    }
}

/// Every access to the value is under the lock.
extension LockedBox: @unchecked Sendable where Value: Sendable {}
