import DPWallRecords
import Foundation
import JWTKit
import Synchronization

/// Offline JWT verification (policy.md, `auth.jwt`) with vapor/jwt-kit against a local JWKS file and an optional
/// HMAC secret file; no network.
///
/// Before jwt-kit sees a token, its header is read here and the algorithm is pinned: `alg` must be one of
/// HS256/384/512, RS256/384/512, PS256/384/512, ES256/384/512 or EdDSA (`none` is refused); HS* tokens are
/// verified only with the HMAC secret, and every other algorithm only with a JWKS key of its own family (RSA for
/// RS/PS, EC for ES, OKP for EdDSA) named by `kid` (or the only key, when the set holds one). An HS256 token made
/// with an RSA public key as its secret (algorithm confusion) therefore meets the real secret and fails.
///
/// Signature, `iss`, `aud` and the client and tier claims are checked once per distinct token and cached
/// (``VerificationCache``); `exp` (required) and `nbf` are checked on every record,
/// against its `ts` with `leeway`.
final class JWTVerifier: Sendable {
    /// What a token proved, apart from time.
    struct Claims: Sendable {
        var identity: Identity
        /// `exp` and `nbf` in milliseconds since 1970.
        var expires: Int64
        var notBefore: Int64?
    }

    /// Longer bearer strings are refused before any parsing.
    static let maxTokenBytes = 16_384
    static let algorithms: [String: String] = [
        "HS256": "oct", "HS384": "oct", "HS512": "oct", "RS256": "RSA", "RS384": "RSA", "RS512": "RSA",
        "PS256": "RSA", "PS384": "RSA", "PS512": "RSA", "ES256": "EC", "ES384": "EC", "ES512": "EC", "EdDSA": "OKP",
    ]

    private let settings: Policy.JWTSettings
    /// jwt-kit's verifying key per kid (``keyID(_:_:)``; `HS256`, `HS384`, `HS512` for the HMAC secret), taken
    /// out of its key collection once at load, so that verifying a token is synchronous.
    private let verifiers: [String: any JWTAlgorithm]
    /// The JWKS keys' types by `kid`.
    private let keyTypes: [String: String]
    /// The kids jwt-kit holds (``keyID(_:_:)``): a lookup of any other would fall back to its default key.
    private let keyIDs: Set<String>
    private let leeway: Int64
    private let cache = VerificationCache<Result<Claims, RecordError>>()
    /// Tokens verified (cache misses), for tests and metrics.
    private let verified = Atomic<Int>(0)
    var verifications: Int { verified.load(ordering: .relaxed) }

    /// What the files hold, read and checked: the JWKS given to jwt-kit, the key types and ids, the HMAC secret.
    struct Material: Sendable {
        var jwksPath: String
        var expandedText: String
        var keyTypes: [String: String]
        var keyIDs: [String]
        var secret: [UInt8]?
    }

    /// Loads the JWKS (and the HMAC secret) named by `settings`, with relative paths taken from `directory`.
    /// Blocks while jwt-kit's key collection (an actor) builds the keys: call it from synchronous code only (the
    /// filter's start); async code uses ``load(settings:directory:)``.
    convenience init(settings: Policy.JWTSettings, directory: String) throws(PolicyError) {
        let material = try Self.material(settings, directory: directory)
        let keys = AsyncBridge.run { () -> Result<[String: any JWTAlgorithm], PolicyError> in
            do throws(PolicyError) {
                return .success(try await Self.keys(material))
            } catch {
                return .failure(error)
            }
        }
        try self.init(settings: settings, material: material, verifiers: keys.get())
    }

    /// ``init(settings:directory:)`` for async code.
    static func load(settings: Policy.JWTSettings, directory: String) async throws(PolicyError) -> JWTVerifier {
        let material = try material(settings, directory: directory)
        return JWTVerifier(settings: settings, material: material, verifiers: try await keys(material))
    }

    private init(settings: Policy.JWTSettings, material: Material, verifiers: [String: any JWTAlgorithm]) {
        self.settings = settings
        leeway = Int64((settings.leewaySeconds * 1000).rounded())
        keyTypes = material.keyTypes
        keyIDs = Set(material.keyIDs)
        self.verifiers = verifiers
    }

    private static func material(_ settings: Policy.JWTSettings, directory: String) throws(PolicyError) -> Material {
        let jwksPath = AuthFiles.resolve(settings.jwks, in: directory)
        let jwksText = try AuthFiles.readText(jwksPath, key: "auth.jwt.jwks")
        // The key types, to pin each algorithm to its family; and the set given to jwt-kit, where each key appears
        // once per algorithm it may verify, under the kid "KID␟ALG" with its alg set (jwt-kit fixes a JWK
        // without alg to the first algorithm it is used with).
        var types: [String: String] = [:]
        var expanded: [[String: Any]] = []
        guard let object = try? JSONSerialization.jsonObject(with: Data(jwksText.utf8)) as? [String: Any],
            let list = object["keys"] as? [[String: Any]]
        else {
            throw PolicyError(path: "auth.jwt.jwks", message: "\(jwksPath): not a JWK set ({\"keys\": [...]})")
        }
        for key in list {
            guard let kid = key["kid"] as? String, let kty = key["kty"] as? String else {
                throw PolicyError(path: "auth.jwt.jwks", message: "\(jwksPath): every key needs a kid and a kty")
            }
            guard kty != "oct" else {
                throw PolicyError(
                    path: "auth.jwt.jwks",
                    message: "\(jwksPath): key \"\(kid)\" is a shared secret (kty oct); HMAC secrets go in "
                        + "auth.jwt.hmac_key_file, never in a JWKS")
            }
            types[kid] = kty
            let algorithms: [String]
            if let alg = key["alg"] as? String {
                algorithms = [alg]
            } else {
                switch (kty, key["crv"] as? String) {
                case ("RSA", _): algorithms = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"]
                case ("EC", "P-256"): algorithms = ["ES256"]
                case ("EC", "P-384"): algorithms = ["ES384"]
                case ("EC", "P-521"): algorithms = ["ES512"]
                case ("OKP", "Ed25519"): algorithms = ["EdDSA"]
                default: algorithms = []
                }
            }
            for alg in algorithms where Self.algorithms[alg] == kty {
                var copy = key
                copy["alg"] = alg
                copy["kid"] = Self.keyID(kid, alg)
                expanded.append(copy)
            }
        }
        let expandedText = String(
            decoding: (try? JSONSerialization.data(withJSONObject: ["keys": expanded])) ?? Data(), as: UTF8.self)
        var secret: [UInt8]?
        if let file = settings.hmacKeyFile {
            let path = AuthFiles.resolve(file, in: directory)
            secret = try AuthFiles.readSecret(path, key: "auth.jwt.hmac_key_file", minimumBytes: 32)
        }
        return Material(
            jwksPath: jwksPath, expandedText: expandedText, keyTypes: types,
            keyIDs: expanded.compactMap { $0["kid"] as? String }, secret: secret)
    }

    /// jwt-kit's verifying keys for `material`, by kid.
    private static func keys(_ material: Material) async throws(PolicyError) -> [String: any JWTAlgorithm] {
        let collection = JWTKeyCollection()
        do {
            _ = try await collection.add(jwksJSON: material.expandedText)
            // Each HS algorithm is its own signer, found by the (pinned) algorithm's name, and only with a secret at
            // least as long as its hash (RFC 7518 §3.2): 32 bytes for HS256, 48 for HS384, 64 for HS512.
            var hmacIDs: [String] = []
            if let secret = material.secret {
                let key = HMACKey(from: secret)
                await collection.add(hmac: key, digestAlgorithm: .sha256, kid: "HS256")
                hmacIDs.append("HS256")
                if secret.count >= 48 {
                    await collection.add(hmac: key, digestAlgorithm: .sha384, kid: "HS384")
                    hmacIDs.append("HS384")
                }
                if secret.count >= 64 {
                    await collection.add(hmac: key, digestAlgorithm: .sha512, kid: "HS512")
                    hmacIDs.append("HS512")
                }
            }
            var found: [String: any JWTAlgorithm] = [:]
            for id in material.keyIDs + hmacIDs {
                found[id] = try await collection.getKey(for: JWKIdentifier(string: id))
            }
            return found
        } catch {
            throw PolicyError(
                path: "auth.jwt.jwks", message: "\(material.jwksPath): cannot load the JWK set: \(error)")
        }
    }

    /// The identity of the record whose bearer token is `token` at event time `eventTime` (milliseconds).
    func identity(token: String, eventTime: Int64) -> Result<Identity, RecordError> {
        check(claims(token: token), eventTime: eventTime)
    }

    /// What `token` proves apart from time (cached per token).
    func claims(token: String) -> Result<Claims, RecordError> {
        cache.value(for: token, { verify(token) })
    }

    /// The identity `verified` gives a record at event time `eventTime`, after the `exp` and `nbf` checks.
    func check(_ verified: Result<Claims, RecordError>, eventTime: Int64) -> Result<Identity, RecordError> {
        switch verified {
        case .failure(let problem):
            return .failure(problem)
        case .success(let claims):
            let note = " (leeway \(PolicyReport.number(settings.leewaySeconds)) s)"
            if eventTime >= claims.expires + leeway {
                return .failure(CredentialMessages.expired("bearer token", at: claims.expires, note: note))
            }
            if let notBefore = claims.notBefore, eventTime < notBefore - leeway {
                return .failure(CredentialMessages.notYetValid("bearer token", before: notBefore, note: note))
            }
            return .success(claims.identity)
        }
    }

    private func failure(_ message: String) -> Result<Claims, RecordError> {
        .failure(RecordError(.unauthenticated, "bearer token: " + message))
    }

    /// Verifies everything but time.
    private func verify(_ token: String) -> Result<Claims, RecordError> {
        verified.add(1, ordering: .relaxed)
        guard token.utf8.count <= Self.maxTokenBytes else {
            return failure("longer than \(Self.maxTokenBytes) bytes")
        }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerBytes = Self.base64URLDecode(parts[0]),
            let header = try? JSONSerialization.jsonObject(with: headerBytes) as? [String: Any]
        else { return failure("malformed (expected three base64url parts and a JSON header)") }
        guard let alg = header["alg"] as? String else { return failure("the header has no alg") }
        guard let family = Self.algorithms[alg] else {
            return failure(
                alg.lowercased() == "none"
                    ? "alg none (an unsigned token) is never accepted"
                    : "algorithm \(alg.quotedForMessage) is not accepted")
        }
        let kid: String?
        if family == "oct" {
            guard verifiers[alg] != nil else {
                return failure(
                    verifiers["HS256"] == nil
                        ? "\(alg) tokens are not accepted: the policy sets no auth.jwt.hmac_key_file"
                        : "\(alg) tokens are not accepted: the HMAC secret is shorter than \(alg.dropFirst(2)) bits "
                            + "(RFC 7518 section 3.2)")
            }
            kid = alg
        } else {
            if let named = header["kid"] as? String {
                guard let type = keyTypes[named] else { return failure("no key of this kid in the JWKS") }
                guard type == family else {
                    return failure("algorithm \(alg) does not fit the key's type \(type) (algorithm confusion)")
                }
                kid = named
            } else {
                guard keyTypes.count == 1, let only = keyTypes.first else {
                    return failure("the header has no kid and the JWKS holds several keys")
                }
                guard only.value == family else {
                    return failure("algorithm \(alg) does not fit the key's type \(only.value) (algorithm confusion)")
                }
                kid = only.key
            }
        }
        let keyID = family == "oct" ? alg : Self.keyID(kid ?? "", alg)
        guard let key = verifiers[keyID] else {
            return failure("algorithm \(alg) is not one this key verifies (its JWK names another alg)")
        }
        // A JWK that names its own alg is used only for that alg.
        guard key.name == alg else {
            return failure("algorithm \(alg) does not fit the key, which is for \(key.name) (algorithm confusion)")
        }
        let outcome = Result { try Self.verifySignature(token, key: key) }
        let claims: ClaimSet
        switch outcome {
        case .failure: return failure("the signature does not verify")
        case .success(let set): claims = set
        }
        if let issuer = settings.issuer, claims.values["iss"]?.isString != true || claims.strings("iss") != [issuer] {
            return failure("iss is not \(issuer)")
        }
        if let audience = settings.audience, !claims.strings("aud").contains(audience) {
            return failure("aud does not name \(audience)")
        }
        guard let expires = claims.time("exp") else { return failure("the token has no numeric exp claim") }
        let notBefore = claims.time("nbf")
        if claims.values["nbf"] != nil && notBefore == nil { return failure("nbf is not a number") }
        guard let client = claims.strings(settings.clientClaim).first,
            claims.values[settings.clientClaim]?.isString == true
        else { return failure("claim \(settings.clientClaim) (the client) is missing or not a string") }
        // The client is one exact byte string everywhere (docs/auth.md, "Client names"): nothing is normalized.
        if let problem = ClientName.problem(client) {
            return failure("claim \(settings.clientClaim) (the client) is not a valid client name: \(problem)")
        }
        var tier: String?
        if let tierClaim = settings.tierClaim, let value = claims.values[tierClaim] {
            guard value.isString, let name = claims.strings(tierClaim).first else {
                return failure("claim \(tierClaim) (the tier) is not a string")
            }
            // Tier names follow the clients' rule, so that the claim names a tier of the policy byte for byte.
            if let problem = ClientName.problem(name) {
                return failure("claim \(tierClaim) (the tier) is not a valid tier name: \(problem)")
            }
            tier = name
        }
        return .success(Claims(identity: Identity(client: client, tier: tier), expires: expires, notBefore: notBefore))
    }

    /// Verifies `token`'s signature with `key` (jwt-kit's algorithm for the pinned kid) and decodes its claims.
    private static func verifySignature(_ token: String, key: any JWTAlgorithm) throws -> ClaimSet {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let signature = base64URLDecode(parts[2]), let payload = base64URLDecode(parts[1])
        else { throw JWTError.malformedToken(reason: "parts") }
        let input = Array((parts[0] + "." + parts[1]).utf8)
        guard try key.verify(signature, signs: input) else { throw JWTError.signatureVerificationFailed }
        return try JSONDecoder().decode(ClaimSet.self, from: payload)
    }

    /// The kid under which jwt-kit holds key `kid` for algorithm `alg`.
    static func keyID(_ kid: String, _ alg: String) -> String { kid + "\u{1F}" + alg }

    static func base64URLDecode(_ text: Substring) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        guard !base64.contains("=") else { return nil }
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64)
    }
}

/// A token's claims, whatever their names (the client and tier claims are named by the policy).
struct ClaimSet: Decodable, Sendable {
    enum Value: Decodable, Sendable {
        case string(String), number(Double), strings([String]), other

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self) {
                self = .string(text)
            } else if let number = try? container.decode(Double.self) {
                self = .number(number)
            } else if let list = try? container.decode([String].self) {
                self = .strings(list)
            } else {
                self = .other
            }
        }

        var isString: Bool {
            if case .string = self { return true }
            return false
        }
    }

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    var values: [String: Value] = [:]

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        for key in container.allKeys { values[key.stringValue] = try container.decode(Value.self, forKey: key) }
    }

    /// A string claim as one string, a list claim as its strings; empty otherwise.
    func strings(_ name: String) -> [String] {
        switch values[name] {
        case .string(let text): [text]
        case .strings(let list): list
        default: []
        }
    }

    /// A NumericDate claim in milliseconds since 1970.
    func time(_ name: String) -> Int64? {
        guard case .number(let seconds) = values[name], seconds.isFinite, abs(seconds) < 1e14 else { return nil }
        return Int64((seconds * 1000).rounded(.down))
    }
}
