import DPWallRecords

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One writer per ledger file: an exclusive `flock` on `dpwall-ledger-INODE.lock`, a file beside the ledger
/// (in the directory of its real path) named after the ledger's inode number, which holds the owner's pid.
///
/// - **Per file, not per path.** Every path to one ledger, through a symbolic link or a bind mount, leads to one
///   directory and one inode, so to one lock file. A ledger with more than one hard link is refused: a link in
///   another directory cannot be found from this one, and SQLite cannot be used safely through one anyway, as
///   it names its journal and WAL after the path it was given. The inode alone names the lock: the lock file is
///   on the ledger's file system, and NFS clients agree on inode numbers but not on device numbers.
/// - **Not the database file itself.** SQLite holds POSIX (`fcntl`) locks on it, and closing any descriptor of a
///   file drops all of the process's `fcntl` locks on that file, so a descriptor of our own would have to outlive
///   every connection the process has to it; on NFS, Linux also emulates `flock` with `fcntl` locks, which would
///   collide with SQLite's. The ledger is opened here only to create it when it is missing (a file that did not
///   exist holds no lock), so that it has an inode; once locked, the path must still lead to that inode.
/// - **Never through a planted link.** The lock file is opened relative to the directory, with `O_NOFOLLOW`, and
///   used only if it is a regular file of this user with one link; anything else (a symbolic or hard link to
///   another file, a FIFO, a file of another user) is refused with ``LedgerError`` (`.unusable`) and left as it
///   is, never written to.
/// - **Nothing stale.** The kernel drops the lock when the process dies, `kill -9` included. The holder removes
///   the file while it still holds it, when it lets go; a process that locks a file that was removed meanwhile
///   finds the name no longer leads to it and starts over. Only a crash leaves the file behind, and the next
///   writer takes it over.
final class LedgerLock {
    /// The lock file's path.
    let path: String
    private let directory: Int32
    private let name: String
    private let descriptor: Int32

    /// How often the lock is tried again when the ledger or its lock file changes while being locked.
    private static let attempts = 8

    /// Takes the lock of the ledger at `ledgerPath`, creating an empty ledger there when there is none; throws
    /// ``LedgerError``: `.locked` naming the holder, `.unusable` when the ledger or its lock file cannot be used.
    init(ledgerPath: String) throws {
        try Self.createIfMissing(ledgerPath)
        var held: Held?
        for _ in 0..<Self.attempts where held == nil {
            held = try Self.attempt(ledgerPath)
        }
        guard let held else {
            throw LedgerError(
                kind: .locked,
                message: "ledger \(ledgerPath) kept changing (replaced, or its lock taken and let go) while dpwall "
                    + "locked it; try again")
        }
        path = held.path
        directory = held.directory
        name = held.name
        descriptor = held.descriptor
        // The pid is for messages only: a lock file it could not be written to still locks.
        try? SystemCall.ftruncate(descriptor, 0)
        Array("\(getpid())\n".utf8).withUnsafeBytes { pid in try? SystemCall.pwriteAll(descriptor, pid, at: 0) }
    }

    deinit {
        // Removed while still held, and only if the name still leads to this file.
        if let own = Self.identity(descriptor), Self.identity(directory, name) == own {
            _ = unlinkat(directory, name, 0)
        }
        try? SystemCall.close(descriptor)
        try? SystemCall.close(directory)
    }

    private struct Held {
        var path: String
        var directory: Int32
        var name: String
        var descriptor: Int32
    }

    /// A file's device and inode numbers.
    private struct FileID: Equatable {
        var device: UInt64
        var inode: UInt64

        init(_ status: stat) {
            device = UInt64(status.st_dev)
            inode = UInt64(status.st_ino)
        }
    }

    private static func errorText(_ code: Int32) -> String {
        String(cString: strerror(code))
    }

    private static func unusable(_ message: String) -> LedgerError {
        LedgerError(kind: .unusable, message: message)
    }

    /// Creates an empty ledger (an empty file is an empty SQLite database) at `ledgerPath` when nothing is there,
    /// following a symbolic link as SQLite would.
    private static func createIfMissing(_ ledgerPath: String) throws {
        var status = stat()
        if stat(ledgerPath, &status) == 0 { return }
        let code = errno
        guard code == ENOENT else { throw unusable("ledger \(ledgerPath): \(errorText(code))") }
        do throws(SystemCallError) {
            let fd = try SystemCall.open(
                ledgerPath, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, mode: 0o644)
            try? SystemCall.close(fd)
        } catch {
            throw unusable("ledger \(ledgerPath): cannot create it: \(error.reason)")
        }
    }

    private static func identity(_ fd: Int32) -> FileID? {
        var status = stat()
        return fstat(fd, &status) == 0 ? FileID(status) : nil
    }

    private static func identity(_ directory: Int32, _ name: String) -> FileID? {
        var status = stat()
        return fstatat(directory, name, &status, AT_SYMLINK_NOFOLLOW) == 0 ? FileID(status) : nil
    }

    /// One try: the lock, or nil when the ledger or its lock file changed meanwhile (then try again).
    private static func attempt(_ ledgerPath: String) throws -> Held? {
        guard let resolved = realpath(ledgerPath, nil) else {
            throw unusable("ledger \(ledgerPath): \(errorText(errno))")
        }
        let real = String(cString: resolved)
        free(resolved)
        let slash = real.lastIndex(of: "/") ?? real.startIndex
        let folder = slash == real.startIndex ? "/" : String(real[..<slash])
        let base = String(real[real.index(after: slash)...])
        let directory: Int32
        do throws(SystemCallError) {
            directory = try SystemCall.open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        } catch {
            throw unusable("ledger \(ledgerPath): folder \(folder): \(error.reason)")
        }
        var kept = false
        defer { if !kept { try? SystemCall.close(directory) } }

        var status = stat()
        guard fstatat(directory, base, &status, AT_SYMLINK_NOFOLLOW) == 0 else { return nil }
        guard status.st_mode & S_IFMT == S_IFREG else {
            throw unusable("ledger \(ledgerPath) (\(real)) is not a regular file")
        }
        // A hard link elsewhere would have its own lock here, and SQLite names its journal and WAL after the path
        // it is given: two writers through two links each committed into their own WAL, and charges of released
        // lines were lost. A ledger has exactly one name (a symbolic link to it is fine).
        guard status.st_nlink == 1 else {
            throw unusable(
                "ledger \(ledgerPath) (\(real)) has \(status.st_nlink) hard links: SQLite keeps its journal and WAL "
                    + "by path, so writers through two links would each commit into their own and lose charges; "
                    + "remove the extra links (a symbolic link is fine)")
        }
        let ledger = FileID(status)
        let name = "dpwall-ledger-\(ledger.inode).lock"
        let path = (folder == "/" ? "" : folder) + "/" + name

        let fd: Int32
        do throws(SystemCallError) {
            fd = try SystemCall.openat(
                directory, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, mode: 0o600)
        } catch {
            if error.code == ELOOP {
                throw unusable(
                    "ledger lock \(path) is a symbolic link; dpwall never follows one there: remove it, then retry")
            }
            throw unusable("ledger lock \(path): \(error.reason)")
        }
        var locked = false
        defer { if !locked { try? SystemCall.close(fd) } }
        guard fstat(fd, &status) == 0 else { throw unusable("ledger lock \(path): \(errorText(errno))") }
        if status.st_nlink == 0 { return nil }  // removed by the holder that just let go
        guard status.st_mode & S_IFMT == S_IFREG, status.st_uid == geteuid(), status.st_nlink == 1 else {
            throw unusable(
                "ledger lock \(path) is not a regular file of this user with one link (a link to another file?); "
                    + "dpwall leaves it as it is and will not write through it: remove it, then retry")
        }
        let lockFile = FileID(status)
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            guard code == EWOULDBLOCK else { throw unusable("ledger lock \(path): \(errorText(code))") }
            var buffer = [UInt8](repeating: 0, count: 32)
            let count = buffer.withUnsafeMutableBytes { (try? SystemCall.pread(fd, into: $0, at: 0)) ?? 0 }
            let text = String(decoding: buffer[0..<count], as: UTF8.self)
            let pid = text.filter(\.isNumber)
            let holder = pid.isEmpty ? "another process" : "process \(pid)"
            throw LedgerError(
                kind: .locked,
                message: "ledger \(ledgerPath) is in use by \(holder) (lock file \(path)); one writer per ledger: "
                    + "wait for it to finish, or use another --ledger")
        }
        // The lock file may have been removed (its holder let go) between the open and the lock.
        guard identity(directory, name) == lockFile else { return nil }
        // The ledger may have been replaced, or the link to it changed, since it was resolved.
        var current = stat()
        guard stat(ledgerPath, &current) == 0, FileID(current) == ledger, identity(directory, base) == ledger else {
            _ = unlinkat(directory, name, 0)
            return nil
        }
        locked = true
        kept = true
        return Held(path: path, directory: directory, name: name, descriptor: fd)
    }
}
