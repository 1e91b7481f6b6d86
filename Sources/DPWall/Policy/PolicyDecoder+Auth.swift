import Yams

extension PolicyDecoder {
    static let authKeys = ["mode", "default_tier", "api_keys", "jwt", "client_cert"]
    static let apiKeyKeys = ["client", "sha256", "tier"]
    static let jwtKeys = ["jwks", "hmac_key_file", "issuer", "audience", "client_claim", "tier_claim", "leeway"]
    static let clientCertKeys = ["ca", "identity"]

    func decodeAuth(_ value: YAMLValue) -> Policy.Auth {
        var auth = Policy.Auth()
        guard let map = value.mapping(allowed: Self.authKeys) else { return auth }
        if let mode = map["mode"]?.choice(Policy.AuthMode.self) { auth.mode = mode }
        if let tierValue = map["default_tier"], let tier = checkedName(tierValue, kind: "tier") {
            auth.defaultTier = tier
            tierReferences.append((tierValue.path, tier))
        }
        if let keys = map["api_keys"] {
            auth.apiKeys = decodeAPIKeys(keys)
            if auth.mode == .apiKey, case .sequence(let sequence) = keys.node, sequence.isEmpty {
                keys.report("must list at least one key when auth.mode is api_key")
            }
        }
        if let jwt = map["jwt"] { auth.jwt = decodeJWT(jwt) }
        if let clientCert = map["client_cert"] { auth.clientCert = decodeClientCert(clientCert) }

        let mode = auth.mode.rawValue
        switch auth.mode {
        case .trusted: break
        case .apiKey where map["api_keys"] == nil:
            diagnostics.report(map.path.key("api_keys"), "required when auth.mode is \(mode)")
        case .jwt where map["jwt"] == nil:
            diagnostics.report(map.path.key("jwt"), "required when auth.mode is \(mode)")
        case .clientCert where map["client_cert"] == nil:
            diagnostics.report(map.path.key("client_cert"), "required when auth.mode is \(mode)")
        default: break
        }
        return auth
    }

    private func decodeAPIKeys(_ value: YAMLValue) -> [Policy.APIKeyEntry] {
        guard let elements = value.list() else { return [] }
        var entries: [Policy.APIKeyEntry] = []
        var digests: [[UInt8]: PolicyPath] = [:]
        for element in elements {
            guard let map = element.mapping(allowed: Self.apiKeyKeys) else { continue }
            let client = map.required("client", "the client this key identifies").flatMap {
                checkedName($0, kind: "client")
            }
            var digest: [UInt8]?
            if let digestValue = map.required("sha256", "the SHA-256 of the key, 64 hex digits"),
                let text = digestValue.scalarText()
            {
                if let bytes = PolicyValueSyntax.sha256Digest(text) {
                    if let first = digests[bytes] {
                        digestValue.report("the same digest as \(first)")
                    } else {
                        digests[bytes] = digestValue.path
                        digest = bytes
                    }
                } else {
                    digestValue.report("must be exactly 64 hex digits, got \(digestValue.summary)")
                }
            }
            var tier: String?
            if let tierValue = map["tier"], let name = checkedName(tierValue, kind: "tier") {
                tier = name
                tierReferences.append((tierValue.path, name))
            }
            if let client, let digest {
                entries.append(Policy.APIKeyEntry(client: client, sha256: digest, tier: tier))
            }
        }
        return entries
    }

    private func decodeJWT(_ value: YAMLValue) -> Policy.JWTSettings? {
        guard let map = value.mapping(allowed: Self.jwtKeys) else { return nil }
        let jwks = map.required("jwks", "the path of the JWKS file")?.nonEmptyString()
        var settings = Policy.JWTSettings(jwks: jwks ?? "")
        settings.hmacKeyFile = map["hmac_key_file"]?.nonEmptyString()
        settings.issuer = map["issuer"]?.nonEmptyString()
        settings.audience = map["audience"]?.nonEmptyString()
        if let claim = map["client_claim"]?.nonEmptyString() { settings.clientClaim = claim }
        settings.tierClaim = map["tier_claim"]?.nonEmptyString()
        if let leeway = map["leeway"] {
            if leeway.isNumber, let seconds = leeway.number(">= 0", { $0 >= 0 }) {
                settings.leewaySeconds = seconds
            } else if !leeway.isNumber, let text = leeway.scalarText() {
                if let seconds = PolicyValueSyntax.duration(text) {
                    settings.leewaySeconds = seconds
                } else {
                    leeway.report("expected a duration such as 30s, 2m or a number of seconds, got \(leeway.summary)")
                }
            }
        }
        return jwks == nil ? nil : settings
    }

    private func decodeClientCert(_ value: YAMLValue) -> Policy.ClientCertSettings? {
        guard let map = value.mapping(allowed: Self.clientCertKeys) else { return nil }
        let ca = map.required("ca", "the path of the PEM file of the client CA")?.nonEmptyString()
        var settings = Policy.ClientCertSettings(ca: ca ?? "")
        if let identity = map["identity"]?.choice(Policy.ClientCertSettings.Identity.self) {
            settings.identity = identity
        }
        return ca == nil ? nil : settings
    }
}
