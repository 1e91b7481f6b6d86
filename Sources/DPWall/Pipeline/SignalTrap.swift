import DPWallRecords
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The stop signal received, or 0. Written from the signal handler (a lock-free store is async-signal-safe).
private let receivedSignal = Atomic<Int32>(0)

/// The write end of the self-pipe the handler writes one byte to, or -1 (`write(2)` is async-signal-safe).
private let wakeWriteEnd = Atomic<Int32>(-1)

/// SIGINT, SIGTERM and SIGHUP (a closed terminal) ask the pipeline to drain, seal the audit archive and stop;
/// SIGPIPE is ignored so a closed stdout is seen as EPIPE.
public enum SignalTrap {
    /// The read end of the self-pipe that becomes readable when a stop signal arrives, or -1 before ``install()``.
    /// Input waits poll it together with the input, so a signal that lands just before a wait still ends it.
    public private(set) nonisolated(unsafe) static var wakeDescriptor: Int32 = -1

    /// Installs the handlers and unblocks SIGINT, SIGTERM and SIGHUP (a parent may have started dpwall with them
    /// blocked). Call once, before reading input.
    public static func install() {
        var ends: [Int32] = [-1, -1]
        if pipe(&ends) == 0 {
            for end in ends {
                _ = fcntl(end, F_SETFD, FD_CLOEXEC)
                _ = fcntl(end, F_SETFL, O_NONBLOCK)
            }
            wakeDescriptor = ends[0]
            wakeWriteEnd.store(ends[1], ordering: .relaxed)
        }
        var unblock = sigset_t()
        sigemptyset(&unblock)
        sigaddset(&unblock, SIGINT)
        sigaddset(&unblock, SIGTERM)
        sigaddset(&unblock, SIGHUP)
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
        for signal in [SIGINT, SIGTERM, SIGHUP] {
            var action = sigaction()
            #if canImport(Glibc)
                action.__sigaction_handler.sa_handler = { received in
                    receivedSignal.store(received, ordering: .relaxed)
                    // A raw `write(2)`, not `SystemCall`: in a signal handler only async-signal-safe calls may
                    // run (no allocation, no `strerror`), and a lost byte of a full pipe needs no retry.
                    var byte: UInt8 = 1
                    _ = write(wakeWriteEnd.load(ordering: .relaxed), &byte, 1)
                }
            #else
                action.__sigaction_u.__sa_handler = { received in
                    receivedSignal.store(received, ordering: .relaxed)
                    // Raw, as above: async-signal-safe.
                    var byte: UInt8 = 1
                    _ = write(wakeWriteEnd.load(ordering: .relaxed), &byte, 1)
                }
            #endif
            sigemptyset(&action.sa_mask)
            action.sa_flags = 0
            sigaction(signal, &action, nil)
        }
        _ = signal(SIGPIPE, SIG_IGN)
    }

    /// Wakes every wait on ``wakeDescriptor`` (for a stop that is not a signal, such as a closed output).
    public static func wake() {
        // A full pipe (EAGAIN) is awake already; before ``install()`` there is no pipe (EBADF) and nothing waits.
        let byte: [UInt8] = [1]
        try? SystemCall.writeAll(wakeWriteEnd.load(ordering: .relaxed), byte)
    }

    /// The signal that asked to stop, or nil.
    public static var pending: Int32? {
        let value = receivedSignal.load(ordering: .relaxed)
        return value == 0 ? nil : value
    }
}
