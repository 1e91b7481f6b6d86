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
}

/// The `--noise-key` file: exactly 32 random bytes, mode 0600 or stricter (privacy.md, "Randomness").
public enum NoiseKeyFile {
    /// Reads and checks the key at `path`.
    public static func load(_ path: String) throws(KeyFileError) -> KeyedNoise {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw KeyFileError(
                message: "--noise-key \(path): \(String(cString: strerror(errno))); "
                    + "make one with: dpwall keygen --noise-key \(path)",
                exitStatus: 78)
        }
        let mode = info.st_mode & 0o777
        guard mode & 0o077 == 0 else {
            throw KeyFileError(
                message:
                    "--noise-key \(path) is readable by group/others (mode \(String(mode, radix: 8, uppercase: false).leftPadded(4))); run: chmod 600 \(path)",
                exitStatus: 78)
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw KeyFileError(message: "--noise-key \(path): cannot be read", exitStatus: 78)
        }
        guard data.count == KeyedNoise.keyBytes else {
            throw KeyFileError(
                message:
                    "--noise-key \(path): a noise key is \(KeyedNoise.keyBytes) bytes, this file has \(data.count); "
                    + "make one with: dpwall keygen --noise-key NEWFILE",
                exitStatus: 78)
        }
        return KeyedNoise(key: Array(data))
    }

    /// Writes a new key of 32 bytes from the operating system to `path`, mode 0600; an existing file is kept.
    public static func create(_ path: String) throws(KeyFileError) {
        var key = [UInt8](repeating: 0, count: KeyedNoise.keyBytes)
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
                ? "exists; a new key changes every consistent answer, so remove the file first if you mean it"
                : String(cString: strerror(errno))
            throw KeyFileError(message: "keygen: \(path): \(reason)", exitStatus: 73)
        }
        defer { close(fd) }
        fchmod(fd, 0o600)
        let written = key.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == key.count, fsync(fd) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(path)
            throw KeyFileError(message: "keygen: \(path): \(reason)", exitStatus: 74)
        }
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
