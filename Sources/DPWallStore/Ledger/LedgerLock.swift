import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One writer per ledger file: an exclusive `flock` on `PATH.lock`, which holds the owner's pid. The kernel
/// drops the lock when the process dies, `kill -9` included, so a crash never leaves a stale lock behind.
final class LedgerLock {
    let path: String
    private let descriptor: Int32

    /// Takes the lock of the ledger at `ledgerPath`, or throws ``LedgerError`` (`.locked`) naming the holder.
    init(ledgerPath: String) throws {
        path = ledgerPath + ".lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw LedgerError(
                kind: .unusable, message: "ledger lock \(path): \(String(cString: strerror(errno)))")
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            var buffer = [UInt8](repeating: 0, count: 32)
            let count = read(fd, &buffer, buffer.count)
            close(fd)
            let text = count > 0 ? String(decoding: buffer[0..<count], as: UTF8.self) : ""
            let pid = text.trimmingCharacters(in: .whitespacesAndNewlines)
            let holder = pid.isEmpty ? "another process" : "process \(pid)"
            throw LedgerError(
                kind: .locked,
                message: "ledger \(ledgerPath) is in use by \(holder) (lock file \(path)); one writer per ledger: "
                    + "wait for it to finish, or use another --ledger")
        }
        descriptor = fd
        let pid = "\(getpid())\n"
        _ = ftruncate(fd, 0)
        _ = pid.withCString { pwrite(fd, $0, strlen($0), 0) }
    }

    deinit {
        _ = flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
