#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A system call that failed: which one, and the `errno` it set.
package struct SystemCallError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The call's name (`open`, `write`, `fsync`, ...).
    package var call: String
    /// The `errno` value, such as `EBADF`.
    package var code: Int32

    /// A failure of `call` with `code`.
    package init(_ call: String, code: Int32) {
        self.call = call
        self.code = code
    }

    /// The failure of `call` that `errno` describes now.
    static func last(_ call: String) -> SystemCallError {
        SystemCallError(call, code: errno)
    }

    /// The system's text for ``code`` (`strerror`), as the messages show it: `Bad file descriptor`.
    package var reason: String { String(cString: strerror(code)) }

    package var description: String { "\(call): \(reason)" }
}
