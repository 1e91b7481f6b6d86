import DPWallPrivacy
import DPWallRecords

/// The policy's API keys by SHA-256 digest (policy.md, `auth.api_keys`).
///
/// Constant time by construction: the presented key is hashed first, so what is looked up and compared is its
/// digest, which an attacker cannot steer byte by byte (finding a key whose digest shares a prefix with a stored
/// one is a preimage search); the table is keyed by Swift's per-process randomly seeded hash of the digest; and
/// the comparison of the 32 bytes reads all of them with no early exit (``Digest``'s `==`).
/// How much of a key matches therefore changes no branch and no memory access.
public struct APIKeyTable: Sendable {
    /// A SHA-256 digest as four words: hashed and compared without an allocation.
    struct Digest: Hashable, Sendable {
        var words: (UInt64, UInt64, UInt64, UInt64)

        init(_ bytes: UnsafeRawBufferPointer) {
            words = (
                bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self),
                bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
                bytes.loadUnaligned(fromByteOffset: 16, as: UInt64.self),
                bytes.loadUnaligned(fromByteOffset: 24, as: UInt64.self)
            )
        }

        static func == (a: Digest, b: Digest) -> Bool {
            // All four words, whatever they hold (no early exit).
            ((a.words.0 ^ b.words.0) | (a.words.1 ^ b.words.1) | (a.words.2 ^ b.words.2) | (a.words.3 ^ b.words.3)) == 0
        }

        func hash(into hasher: inout Hasher) {
            hasher.combine(words.0)
            hasher.combine(words.1)
            hasher.combine(words.2)
            hasher.combine(words.3)
        }
    }

    private var byDigest: [Digest: Policy.APIKeyEntry] = [:]

    /// The table of `entries` (the policy's `auth.api_keys`).
    public init(_ entries: [Policy.APIKeyEntry]) {
        for entry in entries where entry.sha256.count == 32 {
            let digest = entry.sha256.withUnsafeBytes(Digest.init)
            if byDigest[digest] == nil { byDigest[digest] = entry }
        }
    }

    /// The client (and tier) of the presented key, or nil when the policy does not accept it.
    public func client(presented key: UnsafeRawBufferPointer) -> (client: String, tier: String?)? {
        guard case .success(let identity) = identity(presented: key) else { return nil }
        return (identity.client, identity.tier)
    }

    func identity(presented key: UnsafeRawBufferPointer) -> Result<Identity, RecordError> {
        if let entry = byDigest[KeyedNoise.withDigest(key, Digest.init)] {
            return .success(Identity(client: entry.client, tier: entry.tier))
        }
        return .failure(RecordError(.unauthenticated, "credentials.api_key is not a key the policy accepts"))
    }
}
