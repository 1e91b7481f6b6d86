import ArgumentParser
import DPWall
import DPWallStore

#if canImport(Glibc)
    import Glibc
#endif

/// `dpwall keygen`: makes key files.
struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Make a key file: --noise-key (32 random bytes) or --signing-key (Ed25519, public half in FILE.pub).",
        discussion: """
            Key files are written with mode 0600; FILE.pub (the public key that audit verify checks seals \
            with, 32 bytes) with 0644. An existing file is never overwritten: a new noise key changes every \
            consistent answer, and a new signing key starts a new trust root. Exit status: 0 written, 64 bad \
            usage, 73 a file exists or cannot be created, 74 an I/O error.
            """
    )

    @Option(name: .customLong("noise-key"), help: ArgumentHelp("The noise key file to create.", valueName: "FILE"))
    var noiseKey: String?

    @Option(
        name: .customLong("signing-key"),
        help: ArgumentHelp("The audit signing key file to create (and FILE.pub).", valueName: "FILE"))
    var signingKey: String?

    func validate() throws {
        guard (noiseKey == nil) != (signingKey == nil) else {
            throw ValidationError("give exactly one of --noise-key FILE and --signing-key FILE")
        }
    }

    func run() throws {
        do {
            if let noiseKey {
                try NoiseKeyFile.create(noiseKey)
                FileHandleStderr.write("dpwall: wrote a 32-byte noise key to \(noiseKey) (mode 0600)\n")
            } else if let signingKey {
                let publicPath = signingKey + ".pub"
                try SecretKeyFile.create(
                    signingKey,
                    replacing: "a new signing key starts a new trust root, and seals already made verify "
                        + "only against the old key's .pub"
                ) { seed throws(KeyFileError) in
                    guard let publicKey = AuditSigning.publicKey(privateKey: seed) else {
                        throw KeyFileError(message: "keygen: cannot derive the Ed25519 public key", exitStatus: 70)
                    }
                    let fd = open(publicPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
                    guard fd >= 0 else {
                        let reason = String(cString: strerror(errno))
                        unlink(signingKey)
                        throw KeyFileError(message: "keygen: \(publicPath): \(reason)", exitStatus: 73)
                    }
                    defer { close(fd) }
                    let count = publicKey.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                    guard count == publicKey.count, fsync(fd) == 0 else {
                        throw KeyFileError(message: "keygen: \(publicPath): write failed", exitStatus: 74)
                    }
                }
                FileHandleStderr.write(
                    "dpwall: wrote an Ed25519 signing key to \(signingKey) (mode 0600) and its public key to "
                        + "\(publicPath)\n")
            }
        } catch {
            FileHandleStderr.write("dpwall: \(error.message)\n")
            throw ExitCode(error.exitStatus)
        }
    }
}
