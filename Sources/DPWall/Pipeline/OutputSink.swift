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

/// A file descriptor written with `write(2)` through `SystemCall.writeAll` (short writes and EINTR retried).
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
        let opened: Int32
        do throws(SystemCallError) {
            opened = try SystemCall.open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode: mode)
        } catch {
            throw OutputError(closed: false, message: "\(path): cannot create: \(error.reason)")
        }
        // O_CREAT's mode applies only to a new file: make an existing one private too.
        do throws(SystemCallError) {
            try SystemCall.fchmod(opened, mode)
        } catch {
            try? SystemCall.close(opened)
            throw OutputError(
                closed: false, message: "\(path): cannot set mode \(String(mode, radix: 8)): \(error.reason)")
        }
        name = path
        fd = opened
        owns = true
    }

    deinit { if owns { try? SystemCall.close(fd) } }

    /// Writes all of `bytes`.
    func write(_ bytes: WriterBuffer) throws(OutputError) {
        var failure: SystemCallError?
        bytes.withUnsafeBytes { raw in
            do throws(SystemCallError) { try SystemCall.writeAll(fd, raw) } catch { failure = error }
        }
        guard let failure else { return }
        if failure.code == EPIPE { throw OutputError(closed: true, message: "\(name) was closed") }
        throw OutputError(closed: false, message: "\(name): write failed: \(failure.reason)")
    }
}
