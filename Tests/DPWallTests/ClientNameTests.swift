import Crypto
import DPWallRecords
import Foundation
import Testing
import X509

@testable import DPWall

/// Client names where credentials produce them (a token's claims, a certificate's name) and where the policy
/// declares them: one exact byte string everywhere (docs/auth.md, "Client names").
@Suite("Client names from credentials")
struct CredentialClientNameTests {
    static let jwt = Result { try JWTFixture() }
    static let certificates = Result { try CertificateFixture() }

    /// The verifier's answer for an HS256 token with these claim changes.
    static func identity(_ changes: [String: Any?]) async throws -> Result<Identity, RecordError> {
        let fixture = try jwt.get()
        let verifier = try await fixture.verifier()
        return verifier.identity(
            token: try fixture.token("HS256", claims: JWTFixture.claims(changes)), eventTime: JWTFixture.ts)
    }

    @Test("a sub in NFC is the client, byte for byte; José in NFD, a KELVIN SIGN, controls and bidi marks are refused")
    func tokenSubjects() async throws {
        let accepted = try await Self.identity(["sub": "Jos\u{E9}"]).get()
        #expect(Array(accepted.client.utf8) == Array("Jos\u{E9}".utf8))
        for sub in [
            "Jose\u{301}", "\u{212A}odak", "wonka\u{0}x", "ali\u{202E}ce", "\u{FEFF}alice", "",
            String(repeating: "a", count: 129),
        ] {
            let message = try await Self.identity(["sub": sub]).failureMessage
            #expect(
                message?.contains("claim sub (the client) is not a valid client name") == true,
                "\(ClientName.printable(sub)): \(message ?? "accepted")")
        }
        let nfd = try await Self.identity(["sub": "Jose\u{301}"]).failureMessage
        #expect(nfd?.contains("Normalization Form C") == true)
    }

    @Test("a tier claim follows the same rule, so that it names a tier of the policy byte for byte")
    func tokenTiers() async throws {
        let message = try await Self.identity(["tier": "pr\u{200B}o"]).failureMessage
        #expect(message?.contains("claim tier (the tier) is not a valid tier name") == true, "\(message ?? "")")
        #expect(try await Self.identity(["tier": "\u{212A}"]).failureMessage != nil)
    }

    /// A leaf of the fixture's CA whose subject CN is `name`.
    static func leaf(_ fixture: CertificateFixture, commonName name: String) throws -> String {
        let key = Certificate.PrivateKey(P256.Signing.PrivateKey())
        let leaf = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: key.publicKey,
            notValidBefore: CertificateFixture.date("2026-06-01T00:00:00Z"),
            notValidAfter: CertificateFixture.date("2027-06-01T00:00:00Z"),
            issuer: fixture.ca.subject, subject: try DistinguishedName { CommonName(name) },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions { Critical(BasicConstraints.notCertificateAuthority) },
            issuerPrivateKey: fixture.caKey)
        return try leaf.serializeAsPEM().pemString
    }

    /// The authenticator's answer, in `client_cert` mode, for a record presenting `pem`.
    static func authenticate(pem: String) throws -> Result<Identity, RecordError> {
        let fixture = try certificates.get()
        var policy = Policy()
        policy.auth.mode = .clientCert
        policy.auth.clientCert = .init(ca: "ca.pem")
        let authenticator = Authenticator(policy: policy, jwt: nil, certificates: try fixture.verifier())
        let escaped = pem.replacingOccurrences(of: "\n", with: "\\n")
        let line = Array(
            (#"{"id":"r1","ts":"2026-11-27T00:00:00Z","model":"m","credentials":{"client_cert":""# + escaped
                + #""},"request":{}}"#).utf8)
        var parser = JSONParser()
        return try line.withUnsafeBytes { bytes in
            try parser.parse(bytes)
            return try parser.nodes.withUnsafeBufferPointer { nodes in
                let view = JSONView(nodes: nodes, bytes: bytes)
                var envelope = Envelope()
                try EnvelopeDecoder(passthrough: [], clientRequired: false).decode(view, into: &envelope)
                return authenticator.authenticate(view, envelope, eventTime: envelope.eventTimeMilliseconds)
            }
        }
    }

    @Test("a certificate's CN in NFC names the client; one in NFD, or with a bidirectional control, is refused")
    func certificateNames() throws {
        let fixture = try Self.certificates.get()
        let accepted = try Self.authenticate(pem: try Self.leaf(fixture, commonName: "Jos\u{E9}")).get()
        #expect(Array(accepted.client.utf8) == Array("Jos\u{E9}".utf8))
        for name in ["Jose\u{301}", "ali\u{202E}ecil", "\u{212A}odak"] {
            let message = try Self.authenticate(pem: try Self.leaf(fixture, commonName: name)).failureMessage
            #expect(
                message?.contains("client certificate: its subject_cn is not a valid client name") == true,
                "\(ClientName.printable(name)): \(message ?? "accepted")")
        }
    }
}

/// Names in the policy follow the clients' rule, each refused with its path.
@Suite("Client names in the policy")
struct PolicyClientNameTests {
    private typealias T = PolicyTexts
    static let digest = String(repeating: "ab", count: 32)

    static let cases: [InvalidPolicyCase] = [
        .init(
            "client override with a KELVIN SIGN", T.policy(#"clients: { "\u212Aodak": { rate: 1/s } }"#),
            #"clients.\u{212A}odak"#, "not a valid client name"),
        .init(
            "client override José in NFD", T.policy(#"clients: { "Jose\u0301": { rate: 1/s } }"#),
            #"clients.Jose\u{301}"#, "Normalization Form C"),
        .init(
            "client override with NUL", T.policy(#"clients: { "evil\0x": { rate: 1/s } }"#), #"clients.evil\u{0}x"#,
            "U+0000 (a control character) at byte 4"),
        .init(
            "client override over 128 bytes",
            T.policy("clients: { \(String(repeating: "x", count: 129)): { rate: 1/s } }"),
            "clients." + String(repeating: "x", count: 64) + "…", "129 bytes long"),
        .init(
            "tier with a right-to-left override", T.policy(#"tiers: { "gold\u202E": { models: "*" } }"#),
            #"tiers.gold\u{202E}"#, "not a valid tier name"),
        .init(
            "API key's client in NFD",
            T.policy(#"auth: { mode: api_key, api_keys: [{ client: "Jose\u0301", sha256: \#(digest) }] }"#),
            "auth.api_keys[0].client", "not a valid client name"),
        .init(
            "API key's tier with a zero-width space",
            T.policy(#"auth: { mode: api_key, api_keys: [{ client: a, sha256: \#(digest), tier: "pro\u200B" }] }"#),
            "auth.api_keys[0].tier", "not a valid tier name"),
        .init(
            "default tier with a KELVIN SIGN", T.policy(#"auth: { mode: trusted, default_tier: "\u212A" }"#),
            "auth.default_tier", "not a valid tier name"),
        .init(
            "a client's tier in NFD", T.policy(#"clients: { acme: { tier: "Jose\u0301" } }"#), "clients.acme.tier",
            "not a valid tier name"),
        .init(
            "a tier's model not in NFC", T.policy(#"tiers: { t: { models: ["m\u0307"] } }"#), "tiers.t.models[0]",
            "not a valid model name"),
        .init(
            "a model name over 128 bytes",
            T.model.replacingOccurrences(of: "\n  m:", with: "\n  " + String(repeating: "m", count: 129) + ":"),
            "models." + String(repeating: "m", count: 64) + "…", "129 bytes long"),
    ]

    @Test("a name that breaks the rule is a policy error at its path", arguments: cases)
    func refused(_ testCase: InvalidPolicyCase) throws {
        let yaml = testCase.yaml.hasPrefix("version") ? testCase.yaml : "version: 1\n" + testCase.yaml
        let error = try #require(policyError(yaml))
        let first = try #require(error.problems.first)
        #expect(first.path == testCase.path, "\(error)")
        #expect(first.message.contains(testCase.message), "\(error)")
    }

    @Test("names in NFC are kept byte for byte, and names differing in case are two clients")
    func accepted() throws {
        let policy = try Policy.parse(
            yaml: T.policy(
                #"""
                tiers: { "gold": { models: "*" }, "Gold": { models: [m] } }
                clients: { "Jos\u00e9": { tier: gold }, "Kodak": { tier: gold }, "kodak": { tier: Gold } }
                """#), source: "test.yaml")
        #expect(
            policy.clients.map { Array($0.name.utf8) } == [
                Array("Jos\u{E9}".utf8), Array("Kodak".utf8), Array("kodak".utf8),
            ])
        #expect(policy.tierName(forClient: "Kodak") == "gold")
        #expect(policy.tierName(forClient: "kodak") == "Gold")
    }
}
