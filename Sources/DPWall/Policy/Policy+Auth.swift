extension Policy {
    /// How clients prove who they are, and the tier of a client the policy does not place otherwise.
    public struct Auth: Sendable, Equatable {
        /// The authentication mode.
        public var mode: AuthMode
        /// The tier of a client that neither its credentials nor `clients` place in one.
        public var defaultTier: String?
        /// The accepted API keys (as SHA-256 digests), for mode ``AuthMode/apiKey``.
        public var apiKeys: [APIKeyEntry]
        /// JWT verification settings, for mode ``AuthMode/jwt``.
        public var jwt: JWTSettings?
        /// Client certificate settings, for mode ``AuthMode/clientCert``.
        public var clientCert: ClientCertSettings?

        /// Creates auth settings; the defaults are those of an absent `auth` section (trusted, no tier).
        public init(
            mode: AuthMode = .trusted,
            defaultTier: String? = nil,
            apiKeys: [APIKeyEntry] = [],
            jwt: JWTSettings? = nil,
            clientCert: ClientCertSettings? = nil
        ) {
            self.mode = mode
            self.defaultTier = defaultTier
            self.apiKeys = apiKeys
            self.jwt = jwt
            self.clientCert = clientCert
        }
    }

    /// The authentication modes (`auth.mode`).
    public enum AuthMode: String, CaseIterable, Sendable {
        /// The record's `client` field is believed (a gateway already authenticated it).
        case trusted
        /// `credentials.api_key`, compared by SHA-256 digest in constant time.
        case apiKey = "api_key"
        /// `credentials.bearer`, a JWT verified offline against a local JWKS file.
        case jwt
        /// `credentials.client_cert`, a PEM certificate verified against a CA file.
        case clientCert = "client_cert"
    }

    /// One accepted API key.
    public struct APIKeyEntry: Sendable, Equatable {
        /// The client the key identifies.
        public var client: String
        /// The SHA-256 digest of the key, 32 bytes.
        public var sha256: [UInt8]
        /// The tier of this client, overriding `default_tier`.
        public var tier: String?

        /// Creates an entry.
        public init(client: String, sha256: [UInt8], tier: String? = nil) {
            self.client = client
            self.sha256 = sha256
            self.tier = tier
        }
    }

    /// Offline JWT verification settings (`auth.jwt`).
    public struct JWTSettings: Sendable, Equatable {
        /// The path of the JWKS file holding the public keys.
        public var jwks: String
        /// The path of the shared secret for HS256/384/512, if HMAC tokens are accepted.
        public var hmacKeyFile: String?
        /// The required `iss` claim, if any.
        public var issuer: String?
        /// The required `aud` claim, if any.
        public var audience: String?
        /// The claim naming the client (default `sub`).
        public var clientClaim: String
        /// The claim naming the client's tier, if any.
        public var tierClaim: String?
        /// The tolerance on `exp` and `nbf`, in seconds, checked against the record's `ts` (at most
        /// ``longestLeewaySeconds``).
        public var leewaySeconds: Double

        /// The largest leeway a policy may set, in seconds (about 31 years): a token's times moved by it stay
        /// far inside the milliseconds event time is counted in.
        public static let longestLeewaySeconds = 1e9

        /// Creates JWT settings.
        public init(
            jwks: String,
            hmacKeyFile: String? = nil,
            issuer: String? = nil,
            audience: String? = nil,
            clientClaim: String = "sub",
            tierClaim: String? = nil,
            leewaySeconds: Double = 0
        ) {
            self.jwks = jwks
            self.hmacKeyFile = hmacKeyFile
            self.issuer = issuer
            self.audience = audience
            self.clientClaim = clientClaim
            self.tierClaim = tierClaim
            self.leewaySeconds = leewaySeconds
        }
    }

    /// Client certificate settings (`auth.client_cert`).
    public struct ClientCertSettings: Sendable, Equatable {
        /// Which part of the certificate names the client.
        public enum Identity: String, CaseIterable, Sendable {
            /// The subject's common name.
            case subjectCN = "subject_cn"
            /// The first DNS subject alternative name.
            case sanDNS = "san_dns"
            /// The first URI subject alternative name.
            case sanURI = "san_uri"
        }

        /// The path of the PEM file of the CA that signs client certificates.
        public var ca: String
        /// Which part of the certificate names the client (default `subject_cn`).
        public var identity: Identity

        /// Creates client certificate settings.
        public init(ca: String, identity: Identity = .subjectCN) {
            self.ca = ca
            self.identity = identity
        }
    }
}
