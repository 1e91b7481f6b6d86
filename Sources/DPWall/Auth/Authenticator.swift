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
            found = view.withUnescapedString(node) { apiKeys.identity(presented: $0) }
        case .jwt:
            guard let jwt else { return .failure(RecordError(.unauthenticated, "no JWT verifier is loaded")) }
            found = jwt.identity(token: view.string(node), eventTime: eventTime)
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

/// The policy's API keys by SHA-256 digest (policy.md, `auth.api_keys`).
///
/// Constant time by construction: the presented key is hashed first, so what is looked up and compared is its
/// digest, which an attacker cannot steer byte by byte (finding a key whose digest shares a prefix with a stored
/// one is a preimage search); the table is keyed by Swift's per-process randomly seeded hash of the digest; and
/// the final comparison of the 32 bytes reads all of them with no early exit (``constantTimeEqual(_:_:)``).
/// How much of a key matches therefore changes no branch and no memory access.
struct APIKeyTable {
    private var byDigest: [[UInt8]: Policy.APIKeyEntry] = [:]

    init(_ entries: [Policy.APIKeyEntry]) {
        for entry in entries where byDigest[entry.sha256] == nil { byDigest[entry.sha256] = entry }
    }

    func identity(presented key: UnsafeRawBufferPointer) -> Result<Identity, RecordError> {
        let digest = KeyedNoise.digest(key)
        if let entry = byDigest[digest], Self.constantTimeEqual(entry.sha256, digest) {
            return .success(Identity(client: entry.client, tier: entry.tier))
        }
        return .failure(RecordError(.unauthenticated, "credentials.api_key is not a key the policy accepts"))
    }

    /// Whether `a` and `b` are equal, reading every byte of both whatever they hold (no early exit).
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
