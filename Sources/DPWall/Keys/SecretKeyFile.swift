import DPWallRecords
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A key file could not be used or made; `exitStatus` is what the command exits with.
public struct KeyFileError: Error {
    /// What went wrong, where, and what to do.
    public var message: String
    /// 78 (EX_CONFIG) for a missing, malformed, mistaken or exposed key; 73 (EX_CANTCREAT) when `keygen` cannot
    /// create.
    public var exitStatus: Int32

    /// A failure described by `message`, exiting with `exitStatus`.
    public init(message: String, exitStatus: Int32) {
        self.message = message
        self.exitStatus = exitStatus
    }
}

/// A file of secret bytes read as they are (a JWT's shared HMAC secret), mode 0600 or stricter.
public enum SecretKeyFile {
    /// Reads and checks the secret at `path`; `flag` names it in messages (`auth.jwt.hmac_key_file`).
    ///
    /// The file is opened once, without following a symbolic link, and every check is made on that open file
    /// (no window between checking and reading): a regular file, owned by this user, with no group or other
    /// permission bit, of a length in `sizes`. Anyone who can read or plant the secret can use it.
    public static func load(_ path: String, flag: String, sizes: ClosedRange<Int>) throws(KeyFileError) -> [UInt8] {
        var file = try KeyFileReader.load(path, flag: flag, followLinks: false, limit: sizes.upperBound, advice: nil)
        defer { file.wipe() }
        try file.checkPrivate(path, flag: flag)
        guard sizes.contains(file.bytes.count) else {
            throw KeyFileError(
                message: "\(flag) \(path): a secret file is \(sizes.lowerBound) to \(sizes.upperBound) bytes, this "
                    + "file has " + (file.bytes.count > sizes.upperBound ? "more" : "\(file.bytes.count)"),
                exitStatus: 78)
        }
        return file.bytes
    }
}

/// A key file opened once (without following a symbolic link unless asked) and read whole, with the `stat` of
/// that open file: the checks and the read see the same file.
struct KeyFileReader {
    /// The file's bytes (at most `limit` + 1 of them); ``wipe()`` zeroes them.
    var bytes: [UInt8]
    /// The open file's status.
    var info: stat

    /// Reads the file at `path`; `flag` names it in messages. More than `limit` bytes are not read: the caller
    /// sees `limit + 1` bytes and refuses the file. `advice` follows the reason when the file cannot be opened.
    static func load(
        _ path: String, flag: String, followLinks: Bool, limit: Int, advice: String?
    ) throws(KeyFileError) -> KeyFileReader {
        func refuse(_ reason: String) -> KeyFileError {
            KeyFileError(message: "\(flag) \(path): \(reason)", exitStatus: 78)
        }
        let fd: Int32
        do throws(SystemCallError) {
            fd = try SystemCall.open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | (followLinks ? 0 : O_NOFOLLOW))
        } catch {
            throw refuse(
                error.code == ELOOP
                    ? "is a symbolic link; name the key file itself"
                    : error.reason + (advice.map { "; " + $0 } ?? ""))
        }
        defer { try? SystemCall.close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw refuse(String(cString: strerror(errno))) }
        guard info.st_mode & S_IFMT == S_IFREG else { throw refuse("is not a regular file") }
        var bytes = [UInt8](repeating: 0, count: limit + 1)
        var filled = 0
        while filled < bytes.count {
            let got: Int
            do throws(SystemCallError) {
                got = try bytes.withUnsafeMutableBytes { raw in
                    Result { () throws(SystemCallError) in
                        try SystemCall.read(fd, into: UnsafeMutableRawBufferPointer(rebasing: raw[filled...]))
                    }
                }.get()
            } catch {
                for k in bytes.indices { bytes[k] = 0 }
                throw refuse(error.reason)
            }
            if got == 0 { break }
            filled += got
        }
        let result = KeyFileReader(bytes: Array(bytes[0..<filled]), info: info)
        for k in bytes.indices { bytes[k] = 0 }
        return result
    }

    /// Refuses a secret that someone else owns or can read (with the `chmod` that fixes it).
    func checkPrivate(_ path: String, flag: String) throws(KeyFileError) {
        guard info.st_uid == geteuid() else {
            throw KeyFileError(
                message: "\(flag) \(path): is owned by uid \(info.st_uid), not by this user (uid \(geteuid())); a key "
                    + "someone else controls is a key someone else knows",
                exitStatus: 78)
        }
        let mode = info.st_mode & 0o777
        guard mode & 0o077 == 0 else {
            let octal = String(mode, radix: 8)
            throw KeyFileError(
                message: "\(flag) \(path) is readable by group/others (mode "
                    + String(repeating: "0", count: max(0, 4 - octal.count)) + octal + "); run: chmod 600 \(path)",
                exitStatus: 78)
        }
    }

    /// Zeroes the bytes read.
    mutating func wipe() {
        for k in bytes.indices { bytes[k] = 0 }
    }
}
