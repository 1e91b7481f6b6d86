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
    /// Which part of a client certificate names the client (`subject_cn`, `san_dns`, `san_uri`), for messages.
    private let certificateIdentity: String
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
        certificateIdentity = (policy.auth.clientCert?.identity ?? .subjectCN).rawValue
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
            // The certificate's name is one exact byte string everywhere (docs/auth.md, "Client names").
            if case .success(let identity) = found, let problem = ClientName.problem(identity.client) {
                return .failure(
                    RecordError(
                        .unauthenticated,
                        "client certificate: its \(certificateIdentity) is not a valid client name: \(problem)"))
            }
        }
        guard case .success(let identity) = found else { return found }
        if envelope.client >= 0 && !view.stringEquals(envelope.client, identity.client) {
            return .failure(
                RecordError(.unauthenticated, "the record's client field names another client than its credentials"))
        }
        return found
    }
}
