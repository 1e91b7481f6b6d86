import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The stop signal received, or 0. Written from the signal handler (a lock-free store is async-signal-safe).
private let receivedSignal = Atomic<Int32>(0)

/// SIGINT and SIGTERM ask the pipeline to drain and stop; SIGPIPE is ignored so a closed stdout is seen as EPIPE.
public enum SignalTrap {
    /// Installs the handlers. Reads are not restarted, so a blocked `read(2)` returns and the drain starts.
    public static func install() {
        for signal in [SIGINT, SIGTERM] {
            var action = sigaction()
            #if canImport(Glibc)
                action.__sigaction_handler.sa_handler = { received in
                    receivedSignal.store(received, ordering: .relaxed)
                }
            #else
                action.__sigaction_u.__sa_handler = { received in
                    receivedSignal.store(received, ordering: .relaxed)
                }
            #endif
            sigemptyset(&action.sa_mask)
            action.sa_flags = 0
            sigaction(signal, &action, nil)
        }
        _ = signal(SIGPIPE, SIG_IGN)
    }

    /// The signal that asked to stop, or nil.
    public static var pending: Int32? {
        let value = receivedSignal.load(ordering: .relaxed)
        return value == 0 ? nil : value
    }
}
