#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A stream of input bytes: a file, standard input, or a decompressed `.zst` file.
package protocol ByteSource: AnyObject {
    /// The name used in messages (`-` for standard input).
    var name: String { get }
    /// Reads up to `buffer.count` bytes; returns 0 at the end of the stream. Blocks until at least one byte is ready.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(InputError) -> Int
    /// Size of the underlying file in bytes when known (for progress), else nil.
    var totalBytes: Int? { get }
    /// Bytes of the underlying file consumed so far (compressed bytes for `.zst`).
    var consumedBytes: Int { get }
    /// Whether a read now would return without waiting (data is buffered or ready, or the stream is at its end).
    func isReady() -> Bool
}

/// Thin wrappers over the system calls, so that tests can see exactly which calls are made.
enum SystemCalls {
    /// The pipe buffer ``widenPipe(_:)`` asks for: 1 MiB, the most an unprivileged process may set by default
    /// (`/proc/sys/fs/pipe-max-size`).
    static let pipeBytes: Int32 = 1 << 20

    /// Gives the input pipe `fd` a buffer of ``pipeBytes`` instead of Linux's default 64 KiB: the writer then
    /// fills it in fewer, larger steps and each `read(2)` drains more, with fewer wake-ups on both sides
    /// (`cat FILE | dpwall filter` 1.73 s -> 1.37 s on 500 MB). A larger pipe is not shrunk. Failing (a lower
    /// limit, a user past `pipe-user-pages-soft`, another system) changes nothing else. Input only: each widened
    /// pipe takes 1 MiB of the user's pipe allowance, and widening standard output gained nothing measurable.
    static func widenPipe(_ fd: Int32) {
        #if os(Linux)
            // F_GETPIPE_SZ and F_SETPIPE_SZ (fcntl.h, _GNU_SOURCE), which Swift's Glibc module does not import. A
            // pipe that is already as large (its writer widened it) is left as it is.
            let getPipeSize: Int32 = 1032
            let setPipeSize: Int32 = 1031
            guard fcntl(fd, getPipeSize) < pipeBytes else { return }
            _ = fcntl(fd, setPipeSize, pipeBytes)
        #endif
    }

    static func read(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer) -> Int {
        #if canImport(Glibc)
            Glibc.read(fd, buffer.baseAddress, buffer.count)
        #else
            Darwin.read(fd, buffer.baseAddress, buffer.count)
        #endif
    }

    static func errorText(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}

/// A file descriptor read with `read(2)`: a regular file, a pipe or a terminal.
package final class FileByteSource: ByteSource {
    package let name: String
    package let totalBytes: Int?
    package private(set) var consumedBytes = 0
    private let fd: Int32
    private let ownsDescriptor: Bool
    /// Called when `read(2)` is interrupted (EINTR); returning true ends the stream early.
    package var interrupted: () -> Bool = { false }

    /// Opens `path` for reading (`-` is standard input).
    package init(path: String) throws(InputError) {
        name = path
        if path == "-" {
            fd = 0
            ownsDescriptor = false
        } else {
            let opened = open(path, O_RDONLY | O_CLOEXEC)
            if opened < 0 {
                let err = errno
                throw InputError(.cannotOpen, "\(path): cannot open: \(SystemCalls.errorText(err))")
            }
            fd = opened
            ownsDescriptor = true
        }
        var info = stat()
        if fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG {
            totalBytes = Int(info.st_size)
        } else {
            totalBytes = nil
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            if ownsDescriptor { close(fd) }
            throw InputError(.cannotOpen, "\(path): is a directory")
        }
        if (info.st_mode & S_IFMT) == S_IFIFO { SystemCalls.widenPipe(fd) }
    }

    deinit {
        if ownsDescriptor { close(fd) }
    }

    package func isReady() -> Bool {
        if totalBytes != nil { return true }  // regular files never block
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, 0) > 0
    }

    /// A descriptor that becomes readable when reading should stop (the signal self-pipe), or -1.
    package var wakeDescriptor: Int32 = -1

    package func read(into buffer: UnsafeMutableRawBufferPointer) throws(InputError) -> Int {
        while true {
            if totalBytes == nil && wakeDescriptor >= 0 {
                // Wait for input or for a stop signal, whichever comes first: no window where a signal that
                // arrives just before the wait is missed.
                var waits = [
                    pollfd(fd: fd, events: Int16(POLLIN), revents: 0),
                    pollfd(fd: wakeDescriptor, events: Int16(POLLIN), revents: 0),
                ]
                let ready = poll(&waits, 2, -1)
                if ready < 0 && errno != EINTR {
                    let err = errno
                    throw InputError(.readFailed, "\(name): poll failed: \(SystemCalls.errorText(err))")
                }
                if interrupted() { return 0 }
                if ready <= 0 || waits[0].revents == 0 { continue }
            }
            let n = SystemCalls.read(fd, buffer)
            if n >= 0 {
                consumedBytes += n
                return n
            }
            let err = errno
            if err == EINTR {
                if interrupted() { return 0 }
                continue
            }
            throw InputError(.readFailed, "\(name): read failed: \(SystemCalls.errorText(err))")
        }
    }
}
