import ArgumentParser
import DPWall

/// `dpwall keygen`: makes key files, and rewrites those of earlier versions in the current form.
struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Make a key file: --noise-key (32 random bytes) or --signing-key (Ed25519, public half in FILE.pub).",
        discussion: """
            Key files are PEM text whose label says what they hold: the signing key is an Ed25519 PRIVATE KEY \
            (PKCS#8, mode 0600), FILE.pub its PUBLIC KEY (0644, what audit verify checks seals with), the noise \
            key a DPWALL NOISE KEY (0600); openssl pkey reads the Ed25519 ones. Every option that takes a key \
            checks its label. An existing file is never overwritten: a new noise key changes every consistent \
            answer, and a new signing key starts a new trust root. --upgrade rewrites a raw 32-byte key of an \
            earlier version in place (a signing key together with its FILE.pub; a lone FILE.pub with \
            --public-key), keeping its mode. Exit status: 0 written, 64 bad usage, 73 a file exists or cannot be \
            created, 74 an I/O error, 78 --upgrade of a file that is not a key of that kind.
            """
    )

    @Option(name: .customLong("noise-key"), help: ArgumentHelp("The noise key file to create.", valueName: "FILE"))
    var noiseKey: String?

    @Option(
        name: .customLong("signing-key"),
        help: ArgumentHelp("The audit signing key file to create (and FILE.pub).", valueName: "FILE"))
    var signingKey: String?

    @Option(
        name: .customLong("public-key"),
        help: ArgumentHelp("With --upgrade: a public key file (FILE.pub) to rewrite alone.", valueName: "FILE"))
    var publicKey: String?

    @Flag(help: "Rewrite the given raw 32-byte key file of an earlier version as a PEM key file, in place.")
    var upgrade = false

    func validate() throws {
        let given = [noiseKey, signingKey, publicKey].compactMap { $0 }.count
        guard given == 1 else {
            throw ValidationError("give exactly one of --noise-key FILE, --signing-key FILE (and --public-key FILE)")
        }
        if publicKey != nil && !upgrade {
            throw ValidationError("keygen makes a public key with its signing key: --public-key goes with --upgrade")
        }
    }

    func run() throws {
        let (path, kind): (String, KeyKind) =
            if let noiseKey { (noiseKey, .noise) } else if let signingKey { (signingKey, .signing) } else {
                (publicKey!, .verifying)
            }
        do {
            if upgrade {
                for line in try KeyFile.upgrade(path, as: kind) { FileHandleStderr.write("dpwall: \(line)\n") }
                return
            }
            let written = try KeyFile.create(path, kind: kind)
            if kind == .noise {
                FileHandleStderr.write("dpwall: wrote a 32-byte noise key to \(path) (mode 0600)\n")
            } else {
                FileHandleStderr.write(
                    "dpwall: wrote an Ed25519 signing key to \(path) (mode 0600) and its public key to "
                        + "\(written[1])\n")
            }
        } catch {
            FileHandleStderr.write("dpwall: \(error.message)\n")
            throw ExitCode(error.exitStatus)
        }
    }
}
