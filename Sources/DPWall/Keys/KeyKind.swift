/// The three kinds of key file `dpwall keygen` makes, each a PEM block whose label says what it is, so that no
/// reader can take one for another (a public key is never used as a signing seed).
public enum KeyKind: Sendable, CaseIterable {
    /// The audit signing key: Ed25519, PEM `PRIVATE KEY` (PKCS#8), mode 0600.
    case signing
    /// Its public half, `FILE.pub`: PEM `PUBLIC KEY` (SubjectPublicKeyInfo), for `audit verify --public-key`.
    case verifying
    /// The `--noise-key`: 32 random bytes, PEM `DPWALL NOISE KEY`, mode 0600.
    case noise

    /// The PEM label of the kind.
    var label: String {
        switch self {
        case .signing: "PRIVATE KEY"
        case .verifying: "PUBLIC KEY"
        case .noise: "DPWALL NOISE KEY"
        }
    }

    /// The option that takes the kind (`--signing-key`).
    public var flag: String {
        switch self {
        case .signing: "--signing-key"
        case .verifying: "--public-key"
        case .noise: "--noise-key"
        }
    }

    /// Whether the file is a secret (mode 0600, owned by the user, never read through a symbolic link).
    var isSecret: Bool { self != .verifying }

    /// What the kind is, for a sentence: "an Ed25519 public key".
    var noun: String {
        switch self {
        case .signing: "an Ed25519 private key"
        case .verifying: "an Ed25519 public key"
        case .noise: "a dpwall noise key"
        }
    }

    /// What the option wants, and where that file comes from, said about the mistaken file at `path`; `found` is
    /// what that file is (the other half of a signing key names the file meant).
    func wanted(instead path: String, found: KeyKind) -> String {
        let halves: Set<KeyKind> = [.signing, .verifying]
        let pair = halves.contains(found) && halves.contains(self)
        let base = pair && path.hasSuffix(".pub") ? String(path.dropLast(4)) : nil
        switch self {
        case .signing:
            return "--signing-key wants the private key that dpwall keygen --signing-key FILE wrote to FILE (FILE.pub "
                + "is its public half)" + (base.map { "; here that is \($0)" } ?? "")
        case .verifying:
            return "--public-key wants the public half that dpwall keygen --signing-key FILE wrote to FILE.pub"
                + (pair && !path.hasSuffix(".pub") ? "; here that is \(path).pub" : "")
        case .noise:
            return "--noise-key wants the key that dpwall keygen --noise-key FILE wrote"
        }
    }

    /// Where a file of this kind goes, said to someone who gave it to another option.
    var belongs: String {
        switch self {
        case .signing: "the audit signing key, for filter --signing-key; keep it secret"
        case .verifying: "it goes to audit verify --public-key"
        case .noise: "it goes to --noise-key"
        }
    }

    /// The command that rewrites a raw key of an earlier version at `path` in this kind's form.
    func upgradeCommand(_ path: String) -> String {
        "dpwall keygen --upgrade \(flag) \(path)"
    }
}
