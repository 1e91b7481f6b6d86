import Crypto
import CryptoExtras
import DPWallPrivacy
import Foundation
import SwiftASN1

/// A key read from its file: the 32 bytes its reader uses, and, for a raw file of an earlier version, a note that
/// says how to rewrite it in the form that names its kind.
public struct LoadedKey {
    /// The key: the Ed25519 seed, the Ed25519 public key, or the noise key.
    public var bytes: [UInt8]
    /// For a raw 32-byte file of an earlier version: what it is taken for and the `keygen --upgrade` that
    /// rewrites it (the command prints it on stderr).
    public var upgradeNote: String?
}

/// The key files of `dpwall keygen`: PEM blocks whose label says what they hold, read by every option that takes a
/// key with a check of that label, so that a public key given as `--signing-key` (or any other mix-up) is refused
/// with the name of the file that was meant.
///
/// The Ed25519 keys are the standard forms (`openssl pkey` reads them): PKCS#8 `PRIVATE KEY` and
/// SubjectPublicKeyInfo `PUBLIC KEY`, through swift-crypto's `pemRepresentation`. The noise key is its 32 bytes
/// under the label `DPWALL NOISE KEY`. Raw 32-byte files of earlier versions are still read, with a note.
public enum KeyFile {
    /// The size of every key, in bytes (and of a whole key file of an earlier version).
    public static let keyBytes = 32

    /// The most bytes a key file is read to (a PEM key is about 120).
    static let readLimit = 4096

    /// What a key file's bytes are.
    enum Content {
        /// A PEM key of a known kind, and its 32 bytes.
        case key(KeyKind, [UInt8])
        /// Exactly 32 raw bytes: a key of an earlier version, whose kind nothing says.
        case legacy
        /// Anything else, and what it is.
        case unknown(String)
    }

    /// Reads the key of `kind` at `path`, refusing a file of another kind with the file that was meant.
    ///
    /// A secret (signing or noise key) is opened without following a symbolic link, and must be a regular file of
    /// this user with no group or other permission bit (checked after its kind, so that a public key given as a
    /// private one is named as such, not answered with a `chmod`).
    public static func load(_ path: String, as kind: KeyKind) throws(KeyFileError) -> LoadedKey {
        let advice =
            kind == .verifying
            ? "give the FILE.pub that dpwall keygen --signing-key FILE wrote"
            : "make one with: dpwall keygen \(kind.flag) \(path)"
        var file = try KeyFileReader.load(
            path, flag: kind.flag, followLinks: !kind.isSecret, limit: readLimit, advice: advice)
        defer { file.wipe() }
        func refuse(_ reason: String) -> KeyFileError {
            KeyFileError(message: "\(kind.flag) \(path) \(reason)", exitStatus: 78)
        }
        switch decode(file.bytes) {
        case .key(let found, let bytes):
            guard found == kind else {
                throw refuse("is \(found.noun) (\(found.belongs)); \(kind.wanted(instead: path, found: found))")
            }
            if kind.isSecret { try file.checkPrivate(path, flag: kind.flag) }
            return LoadedKey(bytes: bytes, upgradeNote: nil)
        case .legacy:
            if let mistaken = legacyMistake(path, as: kind) { throw refuse(mistaken) }
            if kind.isSecret { try file.checkPrivate(path, flag: kind.flag) }
            let also = kind == .signing ? " (and \(path).pub with it)" : ""
            let note =
                "\(kind.flag) \(path) is a raw 32-byte key of an earlier dpwall, read as \(kind.noun) though nothing "
                + "in it says so; rewrite it\(also) in the form that does, in place, with: "
                + kind.upgradeCommand(path)
            return LoadedKey(bytes: file.bytes, upgradeNote: note)
        case .unknown(let reason):
            let fix =
                kind == .verifying
                ? "give the FILE.pub that dpwall keygen --signing-key FILE wrote"
                : "make one with: dpwall keygen \(kind.flag) NEWFILE"
            throw refuse("\(reason); \(fix)")
        }
    }

    /// Why a raw 32-byte file at `path` cannot be the key of `kind` its option wants, as far as its name and its
    /// neighbour tell: earlier versions wrote the signing key to FILE and its public half to FILE.pub.
    static func legacyMistake(_ path: String, as kind: KeyKind) -> String? {
        if kind != .verifying, path.hasSuffix(".pub") {
            return "is a raw 32-byte key named .pub: the public half that an earlier dpwall keygen --signing-key "
                + "wrote (\(KeyKind.verifying.belongs)); \(kind.wanted(instead: path, found: .verifying))"
        }
        if kind == .verifying, !path.hasSuffix(".pub"), FileManager.default.fileExists(atPath: path + ".pub") {
            return "is a raw 32-byte key with \(path).pub beside it: the private key that an earlier dpwall keygen "
                + "--signing-key wrote (\(KeyKind.signing.belongs)); \(kind.wanted(instead: path, found: .signing))"
        }
        return nil
    }

    /// What `bytes` hold.
    static func decode(_ bytes: [UInt8]) -> Content {
        guard bytes.starts(with: Array("-----BEGIN ".utf8)) else {
            if bytes.count == keyBytes { return .legacy }
            let size = bytes.count > readLimit ? "more than \(readLimit) bytes" : "\(bytes.count) bytes"
            return .unknown(
                "is not a key file of dpwall keygen: neither a PEM key (-----BEGIN …) nor a raw 32-byte key of an "
                    + "earlier version (it has \(size))")
        }
        guard let document = try? PEMDocument(pemString: String(decoding: bytes, as: UTF8.self)) else {
            return .unknown("is not a readable PEM file (one block, base64 between its BEGIN and END lines)")
        }
        let der = document.derBytes
        switch document.discriminator {
        case KeyKind.signing.label:
            guard let key = try? Curve25519.Signing.PrivateKey(derRepresentation: der),
                Array(key.derRepresentation) == der
            else { return .unknown("holds a PRIVATE KEY that is not an Ed25519 key in PKCS#8 form") }
            return .key(.signing, Array(key.rawRepresentation))
        case KeyKind.verifying.label:
            guard let key = try? Curve25519.Signing.PublicKey(derRepresentation: der),
                Array(key.derRepresentation) == der
            else { return .unknown("holds a PUBLIC KEY that is not an Ed25519 key") }
            return .key(.verifying, Array(key.rawRepresentation))
        case KeyKind.noise.label:
            guard der.count == keyBytes else {
                return .unknown("holds a DPWALL NOISE KEY of \(der.count) bytes, not 32")
            }
            return .key(.noise, der)
        case let other:
            return .unknown("holds a PEM block labelled \(other), not a key that dpwall keygen makes")
        }
    }

    /// The file text of the key of `kind` whose 32 bytes are `key` (the seed of a signing key).
    static func encode(_ key: [UInt8], as kind: KeyKind) throws(KeyFileError) -> [UInt8] {
        let text: String
        do {
            switch kind {
            case .signing: text = try Curve25519.Signing.PrivateKey(rawRepresentation: key).pemRepresentation
            case .verifying: text = try Curve25519.Signing.PublicKey(rawRepresentation: key).pemRepresentation
            case .noise: text = PEMDocument(type: kind.label, derBytes: key).pemString
            }
        } catch {
            throw KeyFileError(message: "keygen: not a valid Ed25519 key: \(error)", exitStatus: 65)
        }
        return Array((text.hasSuffix("\n") ? text : text + "\n").utf8)
    }
}

extension NoiseMode {
    /// Consistent noise keyed by a `--noise-key` file read with ``KeyFile/load(_:as:)``.
    public static func keyed(_ key: LoadedKey) -> NoiseMode {
        var bytes = key.bytes
        defer { for k in bytes.indices { bytes[k] = 0 } }
        return .keyed(KeyedNoise(key: bytes))
    }
}
