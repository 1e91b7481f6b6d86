import Crypto
import CryptoExtras
import DPWallRecords
import Foundation
import SwiftASN1
import Testing
import X509

@testable import DPWall

/// A scratch directory for key files, removed when the value goes away.
final class KeyDirectory: Sendable {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "dpwall-auth-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `bytes` to `name` with `mode`; returns the path.
    @discardableResult
    func write(_ name: String, _ bytes: [UInt8], mode: Int = 0o600) throws -> String {
        let file = path + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: file)
        return file
    }
}

func base64URL(_ bytes: some DataProtocol) -> String {
    Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        .replacingOccurrences(of: "=", with: "")
}

/// Keys generated for the test, a JWKS of their public halves, and tokens signed here with swift-crypto (not
/// with jwt-kit, which the verifier uses: the two sides are independent).
struct JWTFixture: Sendable {
    let rsa: _RSA.Signing.PrivateKey
    let ec = P256.Signing.PrivateKey()
    let ed = Curve25519.Signing.PrivateKey()
    let secret = (0..<64).map { UInt8($0 * 7 & 0xFF) }
    let directory: KeyDirectory
    /// The record's event time, in milliseconds: 2026-11-27T00:00:00Z.
    static let ts: Int64 = 1_795_737_600_000

    init() throws {
        rsa = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        directory = try KeyDirectory()
        let primitives = try rsa.publicKey.getKeyPrimitives()
        let point = ec.publicKey.x963Representation.dropFirst()
        let jwks: [String: Any] = [
            "keys": [
                [
                    "kty": "RSA", "kid": "rsa-1", "n": base64URL(primitives.modulus),
                    "e": base64URL(primitives.publicExponent),
                ],
                [
                    "kty": "EC", "kid": "ec-1", "crv": "P-256", "x": base64URL(point.prefix(32)),
                    "y": base64URL(point.suffix(32)),
                ],
                ["kty": "OKP", "kid": "ed-1", "crv": "Ed25519", "x": base64URL(ed.publicKey.rawRepresentation)],
            ]
        ]
        try directory.write("jwks.json", Array(try JSONSerialization.data(withJSONObject: jwks)), mode: 0o644)
        try directory.write("jwt.hmac", secret)
    }

    func settings(hmac: Bool = true) -> Policy.JWTSettings {
        Policy.JWTSettings(
            jwks: "jwks.json", hmacKeyFile: hmac ? "jwt.hmac" : nil, issuer: "https://auth.example/",
            audience: "inference", clientClaim: "sub", tierClaim: "tier", leewaySeconds: 30)
    }

    /// The verifier, loaded without blocking (tests run on Swift's cooperative pool, which jwt-kit's key
    /// collection, an actor, needs).
    func verifier(hmac: Bool = true) async throws -> JWTVerifier {
        try await JWTVerifier.load(settings: settings(hmac: hmac), directory: directory.path)
    }

    /// Claims valid at ``ts``: issuer, audience, subject `alice`, tier `pro`, an hour either side.
    static func claims(_ changes: [String: Any?] = [:]) -> [String: Any] {
        var claims: [String: Any] = [
            "iss": "https://auth.example/", "aud": ["inference", "other"], "sub": "alice", "tier": "pro",
            "exp": Double(ts / 1000 + 3600), "nbf": Double(ts / 1000 - 3600),
        ]
        for (key, value) in changes { claims[key] = value }
        return claims
    }

    /// A token of `claims` signed with `alg` (header `kid` when given); `hmacKey` replaces the HMAC secret.
    func token(_ alg: String, kid: String? = nil, claims: [String: Any] = claims(), hmacKey: [UInt8]? = nil) throws
        -> String
    {
        var header: [String: Any] = ["alg": alg, "typ": "JWT"]
        if let kid { header["kid"] = kid }
        let input =
            base64URL(try JSONSerialization.data(withJSONObject: header)) + "."
            + base64URL(try JSONSerialization.data(withJSONObject: claims))
        let bytes = Data(input.utf8)
        let key = SymmetricKey(data: hmacKey ?? secret)
        let signature: Data
        switch alg {
        case "HS256": signature = Data(HMAC<SHA256>.authenticationCode(for: bytes, using: key))
        case "HS384": signature = Data(HMAC<SHA384>.authenticationCode(for: bytes, using: key))
        case "HS512": signature = Data(HMAC<SHA512>.authenticationCode(for: bytes, using: key))
        case "RS256":
            signature = try rsa.signature(for: SHA256.hash(data: bytes), padding: .insecurePKCS1v1_5).rawRepresentation
        case "PS256": signature = try rsa.signature(for: SHA256.hash(data: bytes), padding: .PSS).rawRepresentation
        case "ES256": signature = try ec.signature(for: bytes).rawRepresentation
        case "EdDSA": signature = try ed.signature(for: bytes)
        case "none": signature = Data()
        default: throw CocoaError(.featureUnsupported)
        }
        return input + "." + base64URL(signature)
    }
}

extension Result where Failure == RecordError {
    /// The failure's message, or nil on success.
    var failureMessage: String? {
        if case .failure(let problem) = self { return problem.code == .unauthenticated ? problem.message : "?" }
        return nil
    }
}

@Suite("JWT authentication")
struct JWTAuthTests {
    static let fixture = Result { try JWTFixture() }

    @Test(
        "every accepted algorithm verifies, and gives the client and tier claims",
        arguments: [
            ("HS256", nil), ("HS384", nil), ("HS512", nil), ("RS256", "rsa-1"), ("PS256", "rsa-1"),
            ("ES256", "ec-1"), ("EdDSA", "ed-1"),
        ] as [(String, String?)])
    func algorithms(alg: String, kid: String?) async throws {
        let fixture = try Self.fixture.get()
        let verifier = try await fixture.verifier()
        let result = verifier.identity(token: try fixture.token(alg, kid: kid), eventTime: JWTFixture.ts)
        #expect(try result.get() == Identity(client: "alice", tier: "pro"))
    }

    @Test("wrong issuer, audience or signature, and a missing or malformed claim, are each named")
    func claimsAndSignatures() async throws {
        let fixture = try Self.fixture.get()
        let verifier = try await fixture.verifier()
        func message(_ token: String) -> String? {
            verifier.identity(token: token, eventTime: JWTFixture.ts).failureMessage
        }
        #expect(
            message(try fixture.token("ES256", kid: "ec-1", claims: JWTFixture.claims(["iss": "https://evil/"])))?
                .contains("iss is not") == true)
        #expect(
            message(try fixture.token("ES256", kid: "ec-1", claims: JWTFixture.claims(["aud": "elsewhere"])))?
                .contains("aud does not name inference") == true)
        var forged = try fixture.token("RS256", kid: "rsa-1")
        forged = String(forged.dropLast(4)) + (forged.hasSuffix("AAAA") ? "BBBB" : "AAAA")
        #expect(message(forged)?.contains("signature does not verify") == true)
        let otherKey = try fixture.token("HS256", hmacKey: Array(repeating: 9, count: 48))
        #expect(message(otherKey)?.contains("signature does not verify") == true)
        #expect(
            message(try fixture.token("EdDSA", kid: "ed-1", claims: JWTFixture.claims(["sub": nil])))?
                .contains("claim sub (the client) is missing") == true)
        #expect(
            message(try fixture.token("EdDSA", kid: "ed-1", claims: JWTFixture.claims(["sub": 42])))?
                .contains("claim sub (the client) is missing or not a string") == true)
        #expect(
            message(try fixture.token("EdDSA", kid: "ed-1", claims: JWTFixture.claims(["tier": ["pro"]])))?
                .contains("claim tier (the tier) is not a string") == true)
        #expect(
            message(try fixture.token("EdDSA", kid: "ed-1", claims: JWTFixture.claims(["exp": nil])))?
                .contains("no numeric exp") == true)
        #expect(message(try fixture.token("ES256", kid: "nope"))?.contains("no key of this kid") == true)
        #expect(message("not.a-token")?.contains("malformed") == true)
        // An alg of 3000 bytes is quoted in 64 at most; a list-valued iss is not the issuer.
        let longAlg = base64URL(Data(#"{"alg":"\#(String(repeating: "X", count: 3000))"}"#.utf8)) + ".e30.sig"
        #expect(message(longAlg).map { $0.utf8.count < 200 } == true)
        #expect(
            message(
                try fixture.token("ES256", kid: "ec-1", claims: JWTFixture.claims(["iss": ["https://auth.example/"]])))?
                .contains("iss is not") == true)
        #expect(message(String(repeating: "a", count: 20_000))?.contains("longer than") == true)
        // No message echoes the token or the secret.
        let token = try fixture.token("HS256", claims: JWTFixture.claims(["iss": "x"]))
        #expect(message(token).map { !$0.contains(token.prefix(20)) } == true)
    }

    @Test("exp and nbf are checked against the record's ts with the leeway, never the wall clock")
    func timeAgainstEventTime() async throws {
        let fixture = try Self.fixture.get()
        let verifier = try await fixture.verifier()
        let second: Int64 = 1000
        let expired = try fixture.token(
            "ES256", kid: "ec-1", claims: JWTFixture.claims(["exp": Double(JWTFixture.ts / 1000)]))
        #expect(verifier.identity(token: expired, eventTime: JWTFixture.ts + 29 * second).failureMessage == nil)
        #expect(
            verifier.identity(token: expired, eventTime: JWTFixture.ts + 30 * second).failureMessage?.contains(
                "expired") == true)
        let early = try fixture.token(
            "ES256", kid: "ec-1", claims: JWTFixture.claims(["nbf": Double(JWTFixture.ts / 1000)]))
        #expect(verifier.identity(token: early, eventTime: JWTFixture.ts - 30 * second).failureMessage == nil)
        #expect(
            verifier.identity(token: early, eventTime: JWTFixture.ts - 31 * second).failureMessage?.contains(
                "not valid before") == true)
        // A token long expired by the wall clock is still good for a record of its time (offline replay).
        let old = JWTFixture.ts - 400 * 86_400 * second
        let replayed = try fixture.token(
            "EdDSA", kid: "ed-1",
            claims: JWTFixture.claims(["exp": Double(old / 1000 + 60), "nbf": Double(old / 1000)]))
        #expect(verifier.identity(token: replayed, eventTime: old).failureMessage == nil)
    }

    @Test("alg none and algorithm confusion are refused")
    func noneAndConfusion() async throws {
        let fixture = try Self.fixture.get()
        let verifier = try await fixture.verifier()
        #expect(
            verifier.identity(token: try fixture.token("none"), eventTime: JWTFixture.ts).failureMessage?.contains(
                "alg none") == true)
        #expect(
            verifier.identity(token: try fixture.token("none", kid: "rsa-1"), eventTime: JWTFixture.ts)
                .failureMessage?.contains("alg none") == true)
        // HS256 with the RSA public key (as PEM, and as DER) for the secret: the classic confusion attack.
        for publicKey in [
            Array(fixture.rsa.publicKey.pemRepresentation.utf8), Array(fixture.rsa.publicKey.derRepresentation),
        ] {
            for kid in ["rsa-1", nil] as [String?] {
                let token = try fixture.token("HS256", kid: kid, hmacKey: publicKey)
                #expect(
                    verifier.identity(token: token, eventTime: JWTFixture.ts).failureMessage?.contains(
                        "signature does not verify") == true)
            }
        }
        // Without an HMAC secret, no HS token is accepted at all.
        let noHMAC = try await fixture.verifier(hmac: false)
        let confused = try fixture.token(
            "HS256", kid: "rsa-1", hmacKey: Array(fixture.rsa.publicKey.pemRepresentation.utf8))
        #expect(
            noHMAC.identity(token: confused, eventTime: JWTFixture.ts).failureMessage?.contains("not accepted") == true)
        // An algorithm of another family than the key its kid names.
        #expect(
            verifier.identity(token: try fixture.token("ES256", kid: "rsa-1"), eventTime: JWTFixture.ts)
                .failureMessage?.contains("algorithm confusion") == true)
        #expect(
            verifier.identity(token: try fixture.token("RS256", kid: "ed-1"), eventTime: JWTFixture.ts)
                .failureMessage?.contains("algorithm confusion") == true)
    }

    @Test("a repeated token is verified once, and a flood of distinct tokens keeps the cache bounded")
    func cache() async throws {
        let fixture = try Self.fixture.get()
        let verifier = try await fixture.verifier()
        let token = try fixture.token("PS256", kid: "rsa-1")
        for offset in 0..<100 { _ = verifier.identity(token: token, eventTime: JWTFixture.ts + Int64(offset)) }
        #expect(verifier.verifications == 1)
        #expect(VerificationCache<Int>.limit == 65_536)
    }

    @Test("the JWKS and the HMAC secret are checked when loaded")
    func loading() async throws {
        let fixture = try JWTFixture()
        try fixture.directory.write("short.hmac", Array(repeating: 1, count: 16))
        try fixture.directory.write("open.hmac", Array(repeating: 1, count: 32), mode: 0o644)
        try fixture.directory.write("oct.json", Array(#"{"keys":[{"kty":"oct","kid":"k","k":"AAAA"}]}"#.utf8))
        func problem(_ settings: Policy.JWTSettings) async -> String {
            do {
                _ = try await JWTVerifier.load(settings: settings, directory: fixture.directory.path)
                return "loaded"
            } catch {
                return error.description
            }
        }
        // A 32-byte secret serves HS256 only (RFC 7518: a key at least as long as the hash).
        try fixture.directory.write("32.hmac", Array(fixture.secret.prefix(32)))
        var settings = fixture.settings()
        settings.hmacKeyFile = "32.hmac"
        let short = try await JWTVerifier.load(settings: settings, directory: fixture.directory.path)
        let hs256 = try fixture.token("HS256", hmacKey: Array(fixture.secret.prefix(32)))
        #expect(short.identity(token: hs256, eventTime: JWTFixture.ts).failureMessage == nil)
        let hs512 = try fixture.token("HS512", hmacKey: Array(fixture.secret.prefix(32)))
        #expect(
            short.identity(token: hs512, eventTime: JWTFixture.ts).failureMessage?.contains("shorter than 512 bits")
                == true)
        settings.hmacKeyFile = "short.hmac"
        #expect(await problem(settings).contains("32 to 65536 bytes"))
        settings.hmacKeyFile = "open.hmac"
        #expect(await problem(settings).contains("chmod 600"))
        settings.hmacKeyFile = nil
        settings.jwks = "oct.json"
        #expect(await problem(settings).contains("never in a JWKS"))
        settings.jwks = "missing.json"
        #expect(await problem(settings).contains("cannot be read"))
    }
}

/// A CA, an intermediate and leaves made for the test with swift-certificates.
struct CertificateFixture: Sendable {
    let directory: KeyDirectory
    let caKey = Certificate.PrivateKey(P256.Signing.PrivateKey())
    let otherCAKey = Certificate.PrivateKey(P256.Signing.PrivateKey())
    let intermediateKey = Certificate.PrivateKey(P256.Signing.PrivateKey())
    let ca: Certificate
    let otherCA: Certificate
    let intermediate: Certificate
    static func date(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }
    static func ms(_ text: String) -> Int64 { Int64(date(text).timeIntervalSince1970 * 1000) }

    static func authority(
        _ name: String, key: Certificate.PrivateKey, issuer: String? = nil, signer: Certificate.PrivateKey? = nil
    )
        throws -> Certificate
    {
        try Certificate(
            version: .v3, serialNumber: .init(), publicKey: key.publicKey,
            notValidBefore: date("2026-01-01T00:00:00Z"), notValidAfter: date("2028-01-01T00:00:00Z"),
            issuer: try DistinguishedName { CommonName(issuer ?? name) },
            subject: try DistinguishedName { CommonName(name) },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
            },
            issuerPrivateKey: signer ?? key)
    }

    init() throws {
        directory = try KeyDirectory()
        ca = try Self.authority("dpwall test CA", key: caKey)
        otherCA = try Self.authority("another CA", key: otherCAKey)
        intermediate = try Self.authority(
            "dpwall test intermediate", key: intermediateKey, issuer: "dpwall test CA", signer: caKey)
        try directory.write("ca.pem", Array(try ca.serializeAsPEM().pemString.utf8), mode: 0o644)
    }

    /// A leaf for `alice` (CN, DNS SAN, URI SAN) valid from June 2026 to June 2027, signed by `issuer`.
    func leaf(issuer: Certificate, issuerKey: Certificate.PrivateKey) throws -> String {
        let key = Certificate.PrivateKey(P256.Signing.PrivateKey())
        let leaf = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: key.publicKey,
            notValidBefore: Self.date("2026-06-01T00:00:00Z"), notValidAfter: Self.date("2027-06-01T00:00:00Z"),
            issuer: issuer.subject, subject: try DistinguishedName { CommonName("alice") },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                SubjectAlternativeNames([
                    .dnsName("alice.clients.example"), .uniformResourceIdentifier("spiffe://example/alice"),
                ])
            },
            issuerPrivateKey: issuerKey)
        return try leaf.serializeAsPEM().pemString
    }

    func verifier(_ identity: Policy.ClientCertSettings.Identity = .subjectCN) throws -> CertificateVerifier {
        try CertificateVerifier(settings: .init(ca: "ca.pem", identity: identity), directory: directory.path)
    }
}

@Suite("Client certificate authentication")
struct CertificateAuthTests {
    static let fixture = Result { try CertificateFixture() }
    static let inside = CertificateFixture.ms("2026-11-27T00:00:00Z")

    @Test("a certificate of the CA names the client by CN, DNS SAN or URI SAN")
    func identities() throws {
        let fixture = try Self.fixture.get()
        let pem = try fixture.leaf(issuer: fixture.ca, issuerKey: fixture.caKey)
        #expect(try fixture.verifier(.subjectCN).identity(pem: pem, eventTime: Self.inside).get().client == "alice")
        #expect(
            try fixture.verifier(.sanDNS).identity(pem: pem, eventTime: Self.inside).get().client
                == "alice.clients.example")
        #expect(
            try fixture.verifier(.sanURI).identity(pem: pem, eventTime: Self.inside).get().client
                == "spiffe://example/alice")
        // Through an intermediate that the gateway forwards after the leaf.
        let chained = try fixture.leaf(issuer: fixture.intermediate, issuerKey: fixture.intermediateKey)
        let bundle = chained + "\n" + (try fixture.intermediate.serializeAsPEM().pemString)
        #expect(try fixture.verifier().identity(pem: bundle, eventTime: Self.inside).get().client == "alice")
        #expect(
            try fixture.verifier().identity(pem: chained, eventTime: Self.inside).failureMessage?.contains(
                "does not chain") == true)
    }

    @Test("validity is checked at the record's ts; another CA, garbage and oversize are refused")
    func refusals() throws {
        let fixture = try Self.fixture.get()
        let verifier = try fixture.verifier()
        let pem = try fixture.leaf(issuer: fixture.ca, issuerKey: fixture.caKey)
        #expect(
            verifier.identity(pem: pem, eventTime: CertificateFixture.ms("2027-06-02T00:00:00Z")).failureMessage?
                .contains("expired") == true)
        #expect(
            verifier.identity(pem: pem, eventTime: CertificateFixture.ms("2026-05-31T00:00:00Z")).failureMessage?
                .contains("not valid before") == true)
        let foreign = try fixture.leaf(issuer: fixture.otherCA, issuerKey: fixture.otherCAKey)
        #expect(
            verifier.identity(pem: foreign, eventTime: Self.inside).failureMessage?.contains("does not chain") == true)
        #expect(
            verifier.identity(
                pem: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----", eventTime: Self.inside
            )
            .failureMessage?.contains("not a PEM certificate") == true)
        #expect(
            verifier.identity(pem: String(repeating: "x", count: 70_000), eventTime: Self.inside).failureMessage?
                .contains("longer than") == true)
        // A CA's own certificate is not a client's.
        let caPEM = try fixture.ca.serializeAsPEM().pemString
        #expect(verifier.identity(pem: caPEM, eventTime: Self.inside).failureMessage != nil)
    }
}

@Suite("API keys")
struct APIKeyTests {
    @Test("keys are found by digest and compared in full; a key differing in any byte is refused")
    func lookup() throws {
        let key = Array("dpw_live_0123456789abcdef0123456789abcdef".utf8)
        let entry = Policy.APIKeyEntry(client: "acme", sha256: Array(SHA256.hash(data: key)), tier: "pro")
        let table = APIKeyTable([entry])
        #expect(
            try key.withUnsafeBytes { table.identity(presented: $0) }.get() == Identity(client: "acme", tier: "pro"))
        for position in key.indices {
            var near = key
            near[position] ^= 1
            #expect(near.withUnsafeBytes { table.identity(presented: $0) }.failureMessage != nil)
        }
        #expect(Array(key.dropLast()).withUnsafeBytes { table.identity(presented: $0) }.failureMessage != nil)
        let digest = entry.sha256.withUnsafeBytes(APIKeyTable.Digest.init)
        #expect(digest == digest)
        for position in 0..<32 {
            var other = entry.sha256
            other[position] ^= 0x80
            #expect(other.withUnsafeBytes(APIKeyTable.Digest.init) != digest)
        }
    }
}
