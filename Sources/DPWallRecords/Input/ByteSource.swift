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
            do throws(SystemCallError) {
                fd = try SystemCall.open(path, O_RDONLY | O_CLOEXEC)
            } catch {
                throw InputError(.cannotOpen, "\(path): cannot open: \(error.reason)")
            }
            ownsDescriptor = true
        }
        var info = stat()
        if fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG {
            totalBytes = Int(info.st_size)
        } else {
            totalBytes = nil
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            if ownsDescriptor { try? SystemCall.close(fd) }
            throw InputError(.cannotOpen, "\(path): is a directory")
        }
        if (info.st_mode & S_IFMT) == S_IFIFO { SystemCall.widenPipe(fd) }
    }

    deinit {
        if ownsDescriptor { try? SystemCall.close(fd) }
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
                    throw InputError(.readFailed, "\(name): poll failed: \(String(cString: strerror(err)))")
                }
                if interrupted() { return 0 }
                if ready <= 0 || waits[0].revents == 0 { continue }
            }
            do throws(SystemCallError) {
                // Interrupted (EINTR): read again, unless the stream is to end.
                let n = try SystemCall.read(fd, into: buffer, stopRetrying: interrupted)
                consumedBytes += n
                return n
            } catch let error where error.code == EINTR {
                return 0
            } catch {
                throw InputError(.readFailed, "\(name): read failed: \(error.reason)")
            }
        }
    }
}
