public import DPWallPrivacy
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
    /// 78 (EX_CONFIG) for a missing, malformed or exposed key; 73 (EX_CANTCREAT) when `keygen` cannot create.
    public var exitStatus: Int32

    /// A failure described by `message`, exiting with `exitStatus`.
    public init(message: String, exitStatus: Int32) {
        self.message = message
        self.exitStatus = exitStatus
    }
}

/// The `--noise-key` file: exactly 32 random bytes, mode 0600 or stricter (privacy.md, "Randomness").
public enum NoiseKeyFile {
    /// Reads and checks the key at `path` (``SecretKeyFile/load(_:flag:)``).
    public static func load(_ path: String) throws(KeyFileError) -> KeyedNoise {
        var key = try SecretKeyFile.load(path, flag: "--noise-key")
        defer { for k in key.indices { key[k] = 0 } }
        return KeyedNoise(key: key)
    }

    /// Writes a new key of 32 bytes from the operating system to `path`, mode 0600; an existing file is kept.
    public static func create(_ path: String) throws(KeyFileError) {
        try SecretKeyFile.create(path) { _ in }
    }
}

/// A secret key file of 32 bytes (the `--noise-key`, the `--signing-key`'s Ed25519 seed), mode 0600 or stricter.
public enum SecretKeyFile {
    /// The size of a key file, in bytes.
    public static let keyBytes = 32

    /// Reads and checks the key at `path`; `flag` names it in messages (`--noise-key`).
    ///
    /// The file is opened once, without following a symbolic link, and every check is made on that open file
    /// (no window between checking and reading): a regular file, owned by this user, with no group or other
    /// permission bit, of exactly 32 bytes. Anyone who can read or plant the key can use it.
    /// `sizes` are the lengths accepted (a key file is 32 bytes; a shared JWT secret may be longer).
    public static func load(_ path: String, flag: String, sizes: ClosedRange<Int> = keyBytes...keyBytes)
        throws(KeyFileError) -> [UInt8]
    {
        func refuse(_ reason: String) -> KeyFileError {
            KeyFileError(message: "\(flag) \(path): \(reason)", exitStatus: 78)
        }
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else {
            let reason =
                errno == ELOOP
                ? "is a symbolic link; name the key file itself"
                : "\(String(cString: strerror(errno))); make one with: dpwall keygen \(flag) \(path)"
            throw refuse(reason)
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw refuse(String(cString: strerror(errno))) }
        guard info.st_mode & S_IFMT == S_IFREG else { throw refuse("is not a regular file") }
        guard info.st_uid == geteuid() else {
            throw refuse(
                "is owned by uid \(info.st_uid), not by this user (uid \(geteuid())); a key someone else "
                    + "controls is a key someone else knows")
        }
        let mode = info.st_mode & 0o777
        guard mode & 0o077 == 0 else {
            throw KeyFileError(
                message: "\(flag) \(path) is readable by group/others (mode "
                    + String(mode, radix: 8).leftPadded(4)
                    + "); run: chmod 600 \(path)",
                exitStatus: 78)
        }
        var key = [UInt8](repeating: 0, count: sizes.upperBound + 1)
        var filled = 0
        while filled < key.count {
            let got = key.withUnsafeMutableBytes { read(fd, $0.baseAddress! + filled, $0.count - filled) }
            if got < 0 && errno == EINTR { continue }
            guard got >= 0 else { throw refuse(String(cString: strerror(errno))) }
            if got == 0 { break }
            filled += got
        }
        guard sizes.contains(filled) else {
            let expected = sizes.count == 1 ? "\(keyBytes) bytes" : "\(sizes.lowerBound) to \(sizes.upperBound) bytes"
            throw refuse(
                "a key file is \(expected), this file has " + (filled > sizes.upperBound ? "more" : "\(filled)")
                    + (sizes.count == 1 ? "; make one with: dpwall keygen \(flag) NEWFILE" : ""))
        }
        defer { for k in key.indices { key[k] = 0 } }
        return Array(key[0..<filled])
    }

    /// Writes a new key of 32 bytes from the operating system to `path`, mode 0600; an existing file is kept, and
    /// the refusal says `replacing` (what a new key would break). `written` sees the key after it is durable
    /// (keygen derives the signing key's public half from it).
    public static func create(
        _ path: String, replacing: String = "a new key changes every consistent answer",
        _ written: ([UInt8]) throws(KeyFileError) -> Void
    ) throws(KeyFileError) {
        var key = [UInt8](repeating: 0, count: keyBytes)
        do {
            try KeystreamGenerator.operatingSystemEntropy(&key)
        } catch {
            throw KeyFileError(message: "keygen: \(error)", exitStatus: 71)
        }
        defer { for k in key.indices { key[k] = 0 } }
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            let reason =
                errno == EEXIST
                ? "exists; \(replacing), so remove the file first if you mean it"
                : String(cString: strerror(errno))
            throw KeyFileError(message: "keygen: \(path): \(reason)", exitStatus: 73)
        }
        defer { close(fd) }
        fchmod(fd, 0o600)
        let count = key.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard count == key.count, fsync(fd) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(path)
            throw KeyFileError(message: "keygen: \(path): \(reason)", exitStatus: 74)
        }
        try written(key)
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
