import DPWallPrivacy
import DPWallRecords
import DPWallStore
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension KeyFile {
    /// Makes a new key of `kind` (`.signing` or `.noise`) at `path`, mode 0600, from 32 bytes of the operating
    /// system; a signing key's public half goes to `path.pub` (0644). An existing file is never overwritten.
    /// Returns the files written.
    public static func create(_ path: String, kind: KeyKind) throws(KeyFileError) -> [String] {
        precondition(kind != .verifying, "a public key is derived from its signing key")
        var key = [UInt8](repeating: 0, count: keyBytes)
        do {
            try KeystreamGenerator.operatingSystemEntropy(&key)
        } catch {
            throw KeyFileError(message: "keygen: \(error)", exitStatus: 71)
        }
        defer { for k in key.indices { key[k] = 0 } }
        let replacing =
            kind == .noise
            ? "a new key changes every consistent answer"
            : "a new signing key starts a new trust root, and seals already made verify only against the old key's "
                + ".pub"
        try writeNew(path, try encode(key, as: kind), mode: 0o600, replacing: replacing)
        guard kind == .signing else { return [path] }
        do throws(KeyFileError) {
            guard let publicKey = AuditSigning.publicKey(privateKey: key) else {
                throw KeyFileError(message: "keygen: cannot derive the Ed25519 public key", exitStatus: 70)
            }
            try writeNew(path + ".pub", try encode(publicKey, as: .verifying), mode: 0o644, replacing: replacing)
        } catch {
            unlink(path)
            throw error
        }
        return [path, path + ".pub"]
    }

    /// Rewrites the raw 32-byte key of an earlier version at `path` as a key file of `kind`, in place: through a
    /// new file in the same directory renamed over it, so that a crash leaves the old file or the new one, with
    /// the old file's mode. A signing key is rewritten only when `path.pub` holds its public half (so that a noise
    /// key is not taken for one), and that `.pub` is rewritten too. Returns one line per file, what was done.
    public static func upgrade(_ path: String, as kind: KeyKind) throws(KeyFileError) -> [String] {
        var done = try upgradeOne(path, as: kind)
        if kind == .signing {
            done += try upgradeOne(path + ".pub", as: .verifying)
        }
        return done
    }

    private static func upgradeOne(_ path: String, as kind: KeyKind) throws(KeyFileError) -> [String] {
        func refuse(_ reason: String) -> KeyFileError {
            KeyFileError(message: "keygen --upgrade \(kind.flag) \(path) \(reason)", exitStatus: 78)
        }
        var file = try KeyFileReader.load(
            path, flag: "keygen --upgrade", followLinks: false, limit: readLimit, advice: nil)
        defer { file.wipe() }
        switch decode(file.bytes) {
        case .key(let found, _):
            guard found == kind else { throw refuse("is \(found.noun) already (\(found.belongs))") }
            return ["\(path) is already \(kind.noun) in PEM form; left as it is"]
        case .unknown(let reason):
            throw refuse(reason)
        case .legacy:
            break
        }
        if let mistaken = legacyMistake(path, as: kind) { throw refuse(mistaken) }
        let derived = AuditSigning.publicKey(privateKey: file.bytes)
        let neighbour = try? load(path + ".pub", as: .verifying).bytes
        switch kind {
        case .signing:
            guard let neighbour, neighbour == derived else {
                throw refuse(
                    "has no public half beside it (\(path).pub is missing, or is not the public key of \(path)): "
                        + "only a signing key whose .pub is next to it is rewritten as one; a noise key is rewritten "
                        + "with: " + KeyKind.noise.upgradeCommand(path))
            }
        case .noise:
            if let neighbour, neighbour == derived {
                throw refuse(
                    "has its Ed25519 public half in \(path).pub: it is a signing key; rewrite it with: "
                        + KeyKind.signing.upgradeCommand(path))
            }
        case .verifying:
            break
        }
        guard file.info.st_uid == geteuid() else {
            throw refuse(
                "is owned by uid \(file.info.st_uid): run the upgrade as its owner, so that it keeps its owner")
        }
        let mode = file.info.st_mode & 0o7777
        try replace(path, with: try encode(file.bytes, as: kind), mode: mode)
        return ["rewrote \(path) as \(kind.noun) in PEM form (\(kind.label)), mode 0\(String(mode, radix: 8)) kept"]
    }

    /// Creates `path` (never over an existing file) holding `contents`, with `mode`, durably.
    static func writeNew(_ path: String, _ contents: [UInt8], mode: mode_t, replacing: String) throws(KeyFileError) {
        let fd: Int32
        do throws(SystemCallError) {
            fd = try SystemCall.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode: mode)
        } catch {
            let reason =
                error.code == EEXIST
                ? "exists; \(replacing), so remove the file first if you mean it"
                : error.reason
            throw KeyFileError(message: "keygen: \(path): \(reason)", exitStatus: 73)
        }
        defer { try? SystemCall.close(fd) }
        try? SystemCall.fchmod(fd, mode)
        do throws(SystemCallError) {
            try SystemCall.writeAll(fd, contents)
            try SystemCall.fsync(fd)
        } catch {
            unlink(path)
            throw KeyFileError(message: "keygen: \(path): \(error.reason)", exitStatus: 74)
        }
    }

    /// Replaces `path` with a file of `contents` and `mode`, atomically: written beside it, fsynced, renamed over
    /// it, and the directory fsynced.
    static func replace(_ path: String, with contents: [UInt8], mode: mode_t) throws(KeyFileError) {
        let temporary = path + ".upgrade-\(getpid())"
        let fd: Int32
        do throws(SystemCallError) {
            fd = try SystemCall.open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode: 0o600)
        } catch {
            throw KeyFileError(message: "keygen: \(temporary): \(error.reason)", exitStatus: 73)
        }
        var failure: String?
        do throws(SystemCallError) {
            try SystemCall.fchmod(fd, mode)
            try SystemCall.writeAll(fd, contents)
            try SystemCall.fsync(fd)
        } catch {
            failure = error.reason
        }
        try? SystemCall.close(fd)
        if failure == nil && rename(temporary, path) != 0 { failure = String(cString: strerror(errno)) }
        if let failure {
            unlink(temporary)
            throw KeyFileError(message: "keygen: \(path): \(failure); the old file is unchanged", exitStatus: 74)
        }
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        SystemCall.syncDirectory(directory)
    }
}
