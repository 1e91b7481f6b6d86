import DPWallRecords

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why output could not be written.
public struct OutputError: Error, Sendable, CustomStringConvertible {
    /// True when the reader went away (EPIPE): the pipeline stops quietly.
    public var closed: Bool
    /// What failed.
    public var message: String

    public var description: String { message }
}

/// A file descriptor written with `write(2)`, retrying short writes and EINTR.
final class OutputSink {
    let name: String
    private let fd: Int32
    private let owns: Bool

    /// Standard output.
    init(standardOutput: ()) {
        name = "standard output"
        fd = 1
        owns = false
    }

    /// Creates or truncates `path` with `mode` (the rejects file holds raw inputs, so it is private: 0600).
    init(path: String, mode: mode_t = 0o600) throws(OutputError) {
        let opened = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard opened >= 0 else {
            throw OutputError(closed: false, message: "\(path): cannot create: \(String(cString: strerror(errno)))")
        }
        // O_CREAT's mode applies only to a new file: make an existing one private too.
        guard fchmod(opened, mode) == 0 else {
            let reason = String(cString: strerror(errno))
            close(opened)
            throw OutputError(closed: false, message: "\(path): cannot set mode \(String(mode, radix: 8)): \(reason)")
        }
        name = path
        fd = opened
        owns = true
    }

    deinit { if owns { close(fd) } }

    /// Writes all of `bytes`.
    func write(_ bytes: WriterBuffer) throws(OutputError) {
        var failure: Int32 = 0
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                #if canImport(Glibc)
                    let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                #else
                    let n = Darwin.write(fd, raw.baseAddress! + offset, raw.count - offset)
                #endif
                if n > 0 {
                    offset += n
                } else if n < 0 && errno == EINTR {
                    continue
                } else {
                    failure = n < 0 ? errno : EIO
                    return
                }
            }
        }
        if failure == EPIPE { throw OutputError(closed: true, message: "\(name) was closed") }
        if failure != 0 {
            throw OutputError(closed: false, message: "\(name): write failed: \(String(cString: strerror(failure)))")
        }
    }
}
