internal import Crypto
import Foundation

/// Where an archive's chain stands: the last seal's `chain`, the next `seq` to write, and the entries written
/// after the last seal.
public struct AuditHead: Sendable, Equatable {
    /// The last seal's chain (``AuditSeal/genesis`` for a new archive).
    public var chain: [UInt8]
    /// The `seq` of the next entry.
    public var nextSeq: UInt64
    /// The entries after the last seal (the open frame), when there are any.
    public var tail: AuditTail?

    /// A head.
    public init(chain: [UInt8] = AuditSeal.genesis, nextSeq: UInt64 = 1, tail: AuditTail? = nil) {
        self.chain = chain
        self.nextSeq = nextSeq
        self.tail = tail
    }
}

/// The entries of an archive's open frame up to a head: the `seq` of the first, and the SHA-256 of their bytes
/// (each entry with its newline), which is what the frame's seal will cover up to there.
public struct AuditTail: Sendable, Equatable {
    /// The `seq` of the first entry after the last seal.
    public var first: UInt64
    /// SHA-256 of the entries from `first` to the head's `nextSeq - 1`.
    public var sha256: [UInt8]

    /// A tail.
    public init(first: UInt64, sha256: [UInt8]) {
        self.first = first
        self.sha256 = sha256
    }
}

/// What the ledger keeps of its audit archive (audit.md, "The ledger's anchor"), stored in the same transaction
/// as the charges it covers:
/// - `origin`: where the archive stood when the ledger first met it (the chain before its first entry, and that
///   entry's `seq`): `audit verify --ledger` requires the archive to reach back to it, so cutting the archive's
///   start shows;
/// - `head`: where it stood at the last commit, with the digest of the committed entries after the last seal, so
///   that a crash tail can be checked against what was committed before the next run seals it;
/// - with a signing key, `signature`: Ed25519 over all of it, so that someone who can write the ledger but holds
///   no key cannot move the anchor to match an archive they cut or rewrote.
public struct AuditAnchor: Sendable, Equatable {
    /// Nil for a ledger that recorded its head before origins were kept (schema v4).
    public var origin: AuditHead?
    public var head: AuditHead
    public var signature: [UInt8]?

    /// An anchor.
    public init(origin: AuditHead?, head: AuditHead, signature: [UInt8]? = nil) {
        self.origin = origin
        self.head = head
        self.signature = signature
    }

    /// The bytes the signature covers: a fixed label, the origin's chain and `seq` (zeros when unknown), the head's chain and `seq`,
    /// the tail's first `seq` (0 when none) and digest (32 zero bytes when none); integers 8-byte big endian.
    public var signedMessage: [UInt8] {
        var message = Array("dpwall audit anchor v1\n".utf8)
        func append(_ value: UInt64) { withUnsafeBytes(of: value.bigEndian) { message.append(contentsOf: $0) } }
        message += origin?.chain ?? AuditSeal.genesis
        append(origin?.nextSeq ?? 0)
        message += head.chain
        append(head.nextSeq)
        append(head.tail?.first ?? 0)
        message += head.tail?.sha256 ?? AuditSeal.genesis
        return message
    }

    /// Whether `signature` is a valid Ed25519 signature of ``signedMessage`` by `publicKey` (32 bytes).
    public func isSigned(by publicKey: [UInt8]) -> Bool {
        guard let signature, let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey) else {
            return false
        }
        return key.isValidSignature(signature, for: signedMessage)
    }
}
