import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Key files through the real binary: `keygen` writes PEM files whose label says what they hold (the Ed25519 ones
/// in the standard forms openssl reads), every option that takes a key refuses a key of another kind by naming
/// the file meant, raw 32-byte files of earlier versions still work with a note, and `keygen --upgrade` rewrites
/// them in place.
@Suite("Key files")
struct KeyFileTests {
    /// The DER of a PKCS#8 Ed25519 private key before its 32-byte seed (RFC 8410, section 7).
    static let privatePrefix: [UInt8] = [
        0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
    ]
    /// The DER of an Ed25519 SubjectPublicKeyInfo before its 32-byte key (RFC 8410, section 4).
    static let publicPrefix: [UInt8] = [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]

    /// The label and the decoded bytes of the one PEM block of `path`.
    static func pem(_ path: String) throws -> (label: String, bytes: [UInt8]) {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let lines = text.split(separator: "\n").map(String.init)
        try #require(lines.count >= 3, "\(text)")
        let label = try #require(lines.first?.firstMatch(of: #/^-----BEGIN (.+)-----$/#)?.output.1)
        #expect(lines.last == "-----END \(label)-----")
        let body = try #require(Data(base64Encoded: lines.dropFirst().dropLast().joined()))
        return (String(label), Array(body))
    }

    static func mode(_ path: String) throws -> Int {
        try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
    }

    /// Runs a shell command in `scratch`; (status, standard output).
    static func shell(_ command: String, in scratch: TemporaryDirectory) throws -> (Int32, String) {
        try AuditTests.shell(command, in: scratch)
    }

    @Test("keygen writes PKCS#8 and SubjectPublicKeyInfo PEM files that openssl reads, and a labelled noise key")
    func keygenForms() throws {
        let scratch = try TemporaryDirectory()
        let made = try DPWall.run(["keygen", "--signing-key", "sign.key"], in: scratch)
        #expect(made.status == 0, "\(made.stderrText)")
        let signing = try Self.pem(scratch.file("sign.key").path)
        #expect(signing.label == "PRIVATE KEY")
        #expect(signing.bytes.count == 48 && signing.bytes.starts(with: Self.privatePrefix), "\(signing.bytes)")
        let verifying = try Self.pem(scratch.file("sign.key.pub").path)
        #expect(verifying.label == "PUBLIC KEY")
        #expect(verifying.bytes.count == 44 && verifying.bytes.starts(with: Self.publicPrefix), "\(verifying.bytes)")
        #expect(try Self.mode(scratch.file("sign.key").path) == 0o600)
        #expect(try Self.mode(scratch.file("sign.key.pub").path) == 0o644)
        let noise = try DPWall.run(["keygen", "--noise-key", "noise.key"], in: scratch)
        #expect(noise.status == 0, "\(noise.stderrText)")
        let noiseKey = try Self.pem(scratch.file("noise.key").path)
        #expect(noiseKey.label == "DPWALL NOISE KEY" && noiseKey.bytes.count == 32)
        #expect(try Self.mode(scratch.file("noise.key").path) == 0o600)

        // openssl, where installed, reads both halves and derives the same public key.
        let (found, _) = try Self.shell("command -v openssl", in: scratch)
        if found == 0 {
            let (privateStatus, _) = try Self.shell("openssl pkey -in sign.key -noout", in: scratch)
            #expect(privateStatus == 0)
            let (publicStatus, _) = try Self.shell("openssl pkey -pubin -in sign.key.pub -noout", in: scratch)
            #expect(publicStatus == 0)
            let (_, derived) = try Self.shell("openssl pkey -in sign.key -pubout", in: scratch)
            #expect(derived == (try String(contentsOfFile: scratch.file("sign.key.pub").path, encoding: .utf8)))
        }
    }

    @Test("a key of another kind is refused (78) with the file meant, before any chmod advice, with nothing made")
    func mixUps() throws {
        let scratch = try TemporaryDirectory()
        let policy = try scratch.write("policy.yaml", BudgetTests.yaml)
        _ = try DPWall.run(["keygen", "--signing-key", "sign.key"], in: scratch)
        _ = try DPWall.run(["keygen", "--noise-key", "noise.key"], in: scratch)
        let input = Data(BudgetTests.record(id: "x").utf8)
        func filter(_ option: String, _ file: String) throws -> DPWallResult {
            try DPWall.run(["filter", "--policy", policy, option, file], stdin: input, in: scratch)
        }
        // The public half as the signing key, even once someone ran the chmod the old message asked for.
        chmod(scratch.file("sign.key.pub").path, 0o600)
        let publicAsSigning = try filter("--signing-key", "sign.key.pub")
        #expect(publicAsSigning.status == 78)
        #expect(
            publicAsSigning.stderrText.contains(
                "--signing-key sign.key.pub is an Ed25519 public key (it goes to audit verify --public-key)"),
            "\(publicAsSigning.stderrText)")
        #expect(publicAsSigning.stderrText.contains("here that is sign.key\n"), "\(publicAsSigning.stderrText)")
        #expect(!publicAsSigning.stderrText.contains("chmod"))
        chmod(scratch.file("sign.key.pub").path, 0o644)
        let noiseAsSigning = try filter("--signing-key", "noise.key")
        #expect(noiseAsSigning.status == 78 && noiseAsSigning.stderrText.contains("noise.key is a dpwall noise key"))
        let signingAsNoise = try filter("--noise-key", "sign.key")
        #expect(signingAsNoise.status == 78)
        #expect(signingAsNoise.stderrText.contains("--noise-key sign.key is an Ed25519 private key"))
        let publicAsNoise = try filter("--noise-key", "sign.key.pub")
        #expect(publicAsNoise.status == 78 && !publicAsNoise.stderrText.contains("chmod"))
        for refused in [publicAsSigning, noiseAsSigning, signingAsNoise, publicAsNoise] {
            #expect(refused.stdout.isEmpty)
        }
        #expect(!FileManager.default.fileExists(atPath: scratch.file("dpwall.db").path), "a ledger was created")
        #expect(!FileManager.default.fileExists(atPath: scratch.file("dpwall-audit").path), "an archive was started")

        let privateAsPublic = try DPWall.run(["audit", "verify", ".", "--public-key", "sign.key"], in: scratch)
        #expect(privateAsPublic.status == 78)
        #expect(
            privateAsPublic.stderrText.contains("--public-key sign.key is an Ed25519 private key")
                && privateAsPublic.stderrText.contains("here that is sign.key.pub"), "\(privateAsPublic.stderrText)")
        let noiseAsPublic = try DPWall.run(["audit", "verify", ".", "--public-key", "noise.key"], in: scratch)
        #expect(noiseAsPublic.status == 78 && noiseAsPublic.stderrText.contains("is a dpwall noise key"))
        // Another PEM key is named for what it is.
        let certificate = try scratch.write(
            "cert.pem", "-----BEGIN CERTIFICATE-----\nMCowBQYDK2VwAyEA\n-----END CERTIFICATE-----\n")
        let other = try DPWall.run(["audit", "verify", ".", "--public-key", certificate], in: scratch)
        #expect(other.status == 78 && other.stderrText.contains("labelled CERTIFICATE"), "\(other.stderrText)")
    }

    /// Writes the raw 32-byte files an earlier `keygen --signing-key` wrote for the PEM pair `sign.key`: the seed
    /// to `name` (0600) and the public key to `name.pub` (0644).
    static func legacyPair(_ scratch: TemporaryDirectory, _ name: String) throws {
        let seed = try Self.pem(scratch.file("sign.key").path).bytes.suffix(32)
        let publicKey = try Self.pem(scratch.file("sign.key.pub").path).bytes.suffix(32)
        #expect(
            FileManager.default.createFile(
                atPath: scratch.file(name).path, contents: Data(seed), attributes: [.posixPermissions: 0o600]))
        #expect(
            FileManager.default.createFile(
                atPath: scratch.file(name + ".pub").path, contents: Data(publicKey),
                attributes: [.posixPermissions: 0o644]))
    }

    @Test("raw keys of earlier versions still work with an upgrade note; a raw .pub is never a signing key")
    func legacyFiles() throws {
        let scratch = try TemporaryDirectory()
        let policy = try scratch.write("policy.yaml", BudgetTests.yaml)
        _ = try DPWall.run(["keygen", "--signing-key", "sign.key"], in: scratch)
        try Self.legacyPair(scratch, "old.key")
        let input = Data(BudgetTests.record(id: "x").utf8)

        let signed = try DPWall.run(
            ["filter", "--policy", policy, "--signing-key", "old.key"], stdin: input, in: scratch)
        #expect(signed.status == 0, "\(signed.stderrText)")
        #expect(
            signed.stderrText.contains("dpwall keygen --upgrade --signing-key old.key"), "\(signed.stderrText)")
        // The raw public half as the signing key: refused whatever its mode, so it never becomes a seed.
        chmod(scratch.file("old.key.pub").path, 0o600)
        let publicAsSigning = try DPWall.run(
            ["filter", "--policy", policy, "--ledger", "other.db", "--signing-key", "old.key.pub"], stdin: input,
            in: scratch)
        #expect(publicAsSigning.status == 78, "\(publicAsSigning.stderrText)")
        #expect(publicAsSigning.stderrText.contains("raw 32-byte key named .pub"), "\(publicAsSigning.stderrText)")
        #expect(publicAsSigning.stderrText.contains("here that is old.key\n"), "\(publicAsSigning.stderrText)")
        chmod(scratch.file("old.key.pub").path, 0o644)
        // The raw private key as --public-key: its .pub beside it gives it away.
        let privateAsPublic = try DPWall.run(
            ["audit", "verify", "dpwall-audit", "--public-key", "old.key"], in: scratch)
        #expect(privateAsPublic.status == 78 && privateAsPublic.stderrText.contains("here that is old.key.pub"))
        let verified = try DPWall.run(
            ["audit", "verify", "dpwall-audit", "--public-key", "old.key.pub", "--ledger", "dpwall.db"], in: scratch)
        #expect(verified.status == 0, "\(verified.stdoutText)")
        #expect(verified.stderrText.contains("dpwall keygen --upgrade --public-key old.key.pub"))
        // The same seals verify with the PEM public key of the same pair.
        let pem = try DPWall.run(["audit", "verify", "dpwall-audit", "--public-key", "sign.key.pub"], in: scratch)
        #expect(pem.status == 0 && pem.stderr.isEmpty, "\(pem.stdoutText)\(pem.stderrText)")
    }

    @Test("keygen --upgrade rewrites a raw key in place, keeping its mode, and refuses to guess a key's kind")
    func upgrade() throws {
        let scratch = try TemporaryDirectory()
        _ = try DPWall.run(["keygen", "--signing-key", "sign.key"], in: scratch)
        try Self.legacyPair(scratch, "old.key")
        let noisePath = scratch.file("old.noise").path
        let noiseBytes = Data((0..<32).map { UInt8($0 * 7 + 1) })
        #expect(
            FileManager.default.createFile(
                atPath: noisePath, contents: noiseBytes, attributes: [.posixPermissions: 0o400]))

        // A noise key is not taken for a signing key (no .pub beside it), nor a signing key for a noise key.
        let noiseAsSigning = try DPWall.run(["keygen", "--upgrade", "--signing-key", "old.noise"], in: scratch)
        #expect(noiseAsSigning.status == 78 && noiseAsSigning.stderrText.contains("--upgrade --noise-key old.noise"))
        let signingAsNoise = try DPWall.run(["keygen", "--upgrade", "--noise-key", "old.key"], in: scratch)
        #expect(signingAsNoise.status == 78 && signingAsNoise.stderrText.contains("it is a signing key"))
        let publicAsSigning = try DPWall.run(["keygen", "--upgrade", "--signing-key", "old.key.pub"], in: scratch)
        #expect(publicAsSigning.status == 78)
        #expect(try Data(contentsOf: scratch.file("old.key")).count == 32, "a refused upgrade changed the file")

        let upgraded = try DPWall.run(["keygen", "--upgrade", "--signing-key", "old.key"], in: scratch)
        #expect(upgraded.status == 0, "\(upgraded.stderrText)")
        // The same key pair, in the form keygen writes today, with each file's mode.
        #expect(try Data(contentsOf: scratch.file("old.key")) == (try Data(contentsOf: scratch.file("sign.key"))))
        #expect(
            try Data(contentsOf: scratch.file("old.key.pub")) == (try Data(contentsOf: scratch.file("sign.key.pub"))))
        #expect(try Self.mode(scratch.file("old.key").path) == 0o600)
        #expect(try Self.mode(scratch.file("old.key.pub").path) == 0o644)
        let again = try DPWall.run(["keygen", "--upgrade", "--signing-key", "old.key"], in: scratch)
        #expect(again.status == 0 && again.stderrText.contains("already"), "\(again.stderrText)")

        let noise = try DPWall.run(["keygen", "--upgrade", "--noise-key", "old.noise"], in: scratch)
        #expect(noise.status == 0, "\(noise.stderrText)")
        let rewritten = try Self.pem(noisePath)
        #expect(rewritten.label == "DPWALL NOISE KEY" && Data(rewritten.bytes) == noiseBytes)
        #expect(try Self.mode(noisePath) == 0o400)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: scratch.url.path).filter {
            $0.contains(".upgrade-")
        }
        #expect(leftovers.isEmpty, "\(leftovers)")
        let noFile = try DPWall.run(["keygen", "--public-key", "x.pub"], in: scratch)
        #expect(noFile.status == 64, "--public-key is only for --upgrade")
    }
}
