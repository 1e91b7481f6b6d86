import DPWallPrivacy
import DPWallRecords

/// Who sent a record: the client its credentials (or, in `trusted` mode, its `client` field) name, and the tier
/// the credentials carry, if any.
struct Identity: Equatable {
    var client: String
    var tier: String?
}

/// The authentication check of records.md (`unauthenticated`), in the policy's `auth.mode`.
///
/// One per worker thread; the verifiers it shares (``JWTVerifier``, ``CertificateVerifier``) are thread-safe.
/// Messages say which check failed and never echo a secret.
final class Authenticator {
    private let mode: Policy.AuthMode
    private let apiKeys: APIKeyTable
    private let jwt: JWTVerifier?
    private let certificates: CertificateVerifier?
    /// The API keys this worker accepted, by a keyed hash of the key (Swift's `Hasher`, SipHash under a random
    /// per-process seed), each confirmed by comparing every byte (``sameBytes(_:_:)``): a known key costs a short
    /// keyed hash instead of SHA-256. The lookup's timing depends only on the hash's value, a pseudo-random
    /// function of the whole key under a secret seed, and on whether the key equals an accepted one exactly,
    /// never on how much of a key matches. Bounded (``workerKeyLimit``); keys refused are not kept.
    private var acceptedKeys: [Int: (key: [UInt8], identity: Identity)] = [:]
    static let workerKeyLimit = 4096
    /// This worker's tokens, found by a fingerprint (their length and last 16 bytes, part of the signature) and
    /// confirmed by comparing every byte: no hash over the whole token, no lock. Bounded like the shared cache.
    private var tokens: [TokenFingerprint: (token: [UInt8], claims: Result<JWTVerifier.Claims, RecordError>)] = [:]
    private var tokenBytes = 0
    static let workerTokenLimit = 4096, workerTokenBytes = 8 << 20

    /// Whether the record's `client` field is believed (`trusted` mode).
    var isTrusted: Bool { mode == .trusted }

    init(policy: Policy, jwt: JWTVerifier?, certificates: CertificateVerifier?) {
        mode = policy.auth.mode
        apiKeys = APIKeyTable(policy.auth.apiKeys)
        self.jwt = jwt
        self.certificates = certificates
    }

    /// The record's identity, or why it is `unauthenticated`. `eventTime` is the record's `ts` (milliseconds),
    /// against which token and certificate validity are checked.
    func authenticate(_ view: JSONView, _ envelope: Envelope, eventTime: Int64) -> Result<Identity, RecordError> {
        if mode == .trusted {
            // The envelope decoder already required `client` in this mode.
            return .success(Identity(client: view.string(envelope.client), tier: nil))
        }
        let name: StaticString
        switch mode {
        case .trusted, .apiKey: name = "api_key"
        case .jwt: name = "bearer"
        case .clientCert: name = "client_cert"
        }
        guard envelope.credentials >= 0, let node = view.member(of: envelope.credentials, name) else {
            return .failure(
                RecordError(
                    .unauthenticated, "credentials.\(name) is missing (the policy's auth mode is \(mode.rawValue))"))
        }
        let found: Result<Identity, RecordError>
        switch mode {
        case .trusted, .apiKey:
            found = view.withUnescapedString(node) { key in
                var hasher = Hasher()
                hasher.combine(bytes: key)
                let keyed = hasher.finalize()
                if let known = acceptedKeys[keyed], Self.sameBytes(key, known.key) { return .success(known.identity) }
                let found = apiKeys.identity(presented: key)
                if case .success(let identity) = found {
                    if acceptedKeys.count >= Self.workerKeyLimit { acceptedKeys.removeAll(keepingCapacity: true) }
                    acceptedKeys[keyed] = (Array(key), identity)
                }
                return found
            }
        case .jwt:
            guard let jwt else { return .failure(RecordError(.unauthenticated, "no JWT verifier is loaded")) }
            let claims = view.withUnescapedString(node) { token in
                let fingerprint = TokenFingerprint(token)
                if let known = tokens[fingerprint], Self.sameBytes(token, known.token) { return known.claims }
                let claims = jwt.claims(token: String(decoding: token, as: UTF8.self))
                if tokens.count >= Self.workerTokenLimit || tokenBytes + token.count > Self.workerTokenBytes {
                    tokens.removeAll(keepingCapacity: true)
                    tokenBytes = 0
                }
                if tokens.updateValue((Array(token), claims), forKey: fingerprint) == nil { tokenBytes += token.count }
                return claims
            }
            found = jwt.check(claims, eventTime: eventTime)
        case .clientCert:
            guard let certificates else {
                return .failure(RecordError(.unauthenticated, "no client certificate verifier is loaded"))
            }
            found = certificates.identity(pem: view.string(node), eventTime: eventTime)
        }
        guard case .success(let identity) = found else { return found }
        if envelope.client >= 0 && !view.stringEquals(envelope.client, identity.client) {
            return .failure(
                RecordError(.unauthenticated, "the record's client field names another client than its credentials"))
        }
        return found
    }
}

/// A bearer token's length and last 16 bytes: where a worker looks it up before comparing it whole.
struct TokenFingerprint: Hashable {
    var count: Int
    var tail: (UInt64, UInt64)

    init(_ token: UnsafeRawBufferPointer) {
        count = token.count
        tail =
            token.count >= 16
            ? (
                token.loadUnaligned(fromByteOffset: token.count - 16, as: UInt64.self),
                token.loadUnaligned(fromByteOffset: token.count - 8, as: UInt64.self)
            ) : (0, 0)
    }

    static func == (a: Self, b: Self) -> Bool { a.count == b.count && a.tail == b.tail }

    func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        hasher.combine(tail.0)
        hasher.combine(tail.1)
    }
}

extension String {
    /// The text for a message: at most 64 bytes of it (a longer text is cut at a character and ends in `…`).
    var clippedForMessage: String {
        guard utf8.count > 64 else { return self }
        var end = index(startIndex, offsetBy: 0)
        var bytes = 0
        for character in self {
            bytes += character.utf8.count
            if bytes > 64 { break }
            end = index(after: end)
        }
        return String(self[..<end]) + "…"
    }
}

extension Authenticator {
    /// Whether `a` and `b` hold the same bytes, reading all of them when their lengths agree (no early exit).
    static func sameBytes(_ a: UnsafeRawBufferPointer, _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return b.withUnsafeBytes { b in
            var difference: UInt64 = 0
            var offset = 0
            while offset + 8 <= a.count {
                difference |=
                    a.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                    ^ b.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                offset += 8
            }
            while offset < a.count {
                difference |= UInt64(a[offset] ^ b[offset])
                offset += 1
            }
            return difference == 0
        }
    }
}

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
