// `package`: `mode_t` is in the signatures.
#if canImport(Glibc)
    package import Glibc
#elseif canImport(Darwin)
    package import Darwin
#endif

/// The system calls dpwall's files go through, in one place (as swift-nio's `SystemCallHelpers.swift`): each
/// retries when a signal interrupts it (EINTR), writes loop until every byte is written, and a failure is thrown as
/// a ``SystemCallError`` naming the call and its `errno`.
///
/// `close` is the exception to retrying: on Linux the descriptor is released even when `close` reports EINTR, and
/// a retry could close a descriptor another thread has just been given, so EINTR counts as closed.
package enum SystemCall {
    /// Opens `path` (`open(2)`) with `flags` and, when they create the file, `mode`; returns the descriptor.
    package static func open(_ path: String, _ flags: Int32, mode: mode_t = 0) throws(SystemCallError) -> Int32 {
        try retrying("open") {
            #if canImport(Glibc)
                Glibc.open(path, flags, mode)
            #else
                Darwin.open(path, flags, mode)
            #endif
        }
    }

    /// Opens `name` relative to the directory `directory` (`openat(2)`); returns the descriptor.
    package static func openat(
        _ directory: Int32, _ name: String, _ flags: Int32, mode: mode_t = 0
    ) throws(SystemCallError) -> Int32 {
        try retrying("openat") {
            #if canImport(Glibc)
                Glibc.openat(directory, name, flags, mode)
            #else
                Darwin.openat(directory, name, flags, mode)
            #endif
        }
    }

    /// Reads up to `buffer.count` bytes (`read(2)`); returns how many, 0 at the end of the file.
    ///
    /// After an interruption `stopRetrying` is asked whether to give up: when it returns true, the read throws
    /// EINTR instead of trying again (a stop signal ends a read that waits on a pipe).
    package static func read(
        _ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, stopRetrying: () -> Bool = { false }
    ) throws(SystemCallError) -> Int {
        while true {
            #if canImport(Glibc)
                let count = Glibc.read(fd, buffer.baseAddress, buffer.count)
            #else
                let count = Darwin.read(fd, buffer.baseAddress, buffer.count)
            #endif
            if count >= 0 { return count }
            let code = errno
            if code != EINTR || stopRetrying() { throw SystemCallError("read", code: code) }
        }
    }

    /// Reads up to `buffer.count` bytes from `offset` bytes into the file (`pread(2)`); returns how many.
    package static func pread(
        _ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int
    ) throws(SystemCallError) -> Int {
        try retrying("pread") {
            #if canImport(Glibc)
                Glibc.pread(fd, buffer.baseAddress, buffer.count, off_t(offset))
            #else
                Darwin.pread(fd, buffer.baseAddress, buffer.count, off_t(offset))
            #endif
        }
    }

    /// Writes every byte of `bytes` (`write(2)`, again after a short write). A write that takes no byte fails
    /// with EIO rather than loop.
    package static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws(SystemCallError) {
        var offset = 0
        while offset < bytes.count {
            let count = try retrying("write") {
                #if canImport(Glibc)
                    Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                #else
                    Darwin.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                #endif
            }
            guard count > 0 else { throw SystemCallError("write", code: EIO) }
            offset += count
        }
    }

    /// Writes every byte of `bytes` (`write(2)`, again after a short write).
    package static func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws(SystemCallError) {
        try bytes.withUnsafeBytes { raw in Result { () throws(SystemCallError) in try writeAll(fd, raw) } }.get()
    }

    /// Writes every byte of `bytes` from `offset` bytes into the file (`pwrite(2)`, again after a short write).
    package static func pwriteAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int) throws(SystemCallError)
    {
        var done = 0
        while done < bytes.count {
            let count = try retrying("pwrite") {
                #if canImport(Glibc)
                    Glibc.pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done))
                #else
                    Darwin.pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done))
                #endif
            }
            guard count > 0 else { throw SystemCallError("pwrite", code: EIO) }
            done += count
        }
    }

    /// Flushes the file's data and metadata to stable storage (`fsync(2)`).
    package static func fsync(_ fd: Int32) throws(SystemCallError) {
        _ = try retrying("fsync") {
            #if canImport(Glibc)
                Glibc.fsync(fd)
            #else
                Darwin.fsync(fd)
            #endif
        }
    }

    /// Cuts or extends the file to `length` bytes (`ftruncate(2)`).
    package static func ftruncate(_ fd: Int32, _ length: Int) throws(SystemCallError) {
        _ = try retrying("ftruncate") {
            #if canImport(Glibc)
                Glibc.ftruncate(fd, off_t(length))
            #else
                Darwin.ftruncate(fd, off_t(length))
            #endif
        }
    }

    /// Sets the file's permission bits (`fchmod(2)`).
    package static func fchmod(_ fd: Int32, _ mode: mode_t) throws(SystemCallError) {
        _ = try retrying("fchmod") {
            #if canImport(Glibc)
                Glibc.fchmod(fd, mode)
            #else
                Darwin.fchmod(fd, mode)
            #endif
        }
    }

    /// Releases the descriptor (`close(2)`), once: EINTR counts as closed (see ``SystemCall``).
    package static func close(_ fd: Int32) throws(SystemCallError) {
        #if canImport(Glibc)
            let result = Glibc.close(fd)
        #else
            let result = Darwin.close(fd)
        #endif
        if result != 0 && errno != EINTR { throw SystemCallError.last("close") }
    }

    /// Opens the directory at `path` and fsyncs it, so that a name just created or renamed in it survives a crash;
    /// best effort: a directory that cannot be opened or synced is left as it is.
    package static func syncDirectory(_ path: String) {
        guard let directory = try? open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) else { return }
        try? fsync(directory)
        try? close(directory)
    }

    /// Runs `call` until it is not interrupted; throws the `errno` of a result below 0.
    @inline(__always)
    private static func retrying<Count: BinaryInteger>(
        _ name: String, _ call: () -> Count
    ) throws(SystemCallError) -> Count {
        while true {
            let result = call()
            if result >= 0 { return result }
            let code = errno
            if code != EINTR { throw SystemCallError(name, code: code) }
        }
    }
}
