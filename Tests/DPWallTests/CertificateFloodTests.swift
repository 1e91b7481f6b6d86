import Crypto
import Foundation
import Testing
import X509

@testable import DPWall

/// Chains built to make swift-certificates' path search explode (issue 20), and the bounds that refuse them.
@Suite("Client certificate chain bounds")
struct CertificateFloodTests {
    static let fixture = Result { try CertificateFixture() }
    static let inside = CertificateFixture.ms("2026-11-27T00:00:00Z")

    /// A PEM of a leaf and `count` intermediates that share one subject name and one key, each self-issued with a
    /// SAN of its own: each is a valid issuer of the leaf and of every other one, and the library's loop check
    /// tells them apart by their SAN, so the old search tried every ordering (count! chains).
    static func flood(count: Int) throws -> String {
        let key = Certificate.PrivateKey(P256.Signing.PrivateKey())
        let name = try DistinguishedName { CommonName("flood CA") }
        var pem = ""
        let leafKey = Certificate.PrivateKey(P256.Signing.PrivateKey())
        let leaf = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: leafKey.publicKey,
            notValidBefore: CertificateFixture.date("2026-06-01T00:00:00Z"),
            notValidAfter: CertificateFixture.date("2027-06-01T00:00:00Z"),
            issuer: name, subject: try DistinguishedName { CommonName("mallory") },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions { Critical(BasicConstraints.notCertificateAuthority) },
            issuerPrivateKey: key)
        pem += try leaf.serializeAsPEM().pemString + "\n"
        for index in 0..<count {
            let intermediate = try Certificate(
                version: .v3, serialNumber: .init(), publicKey: key.publicKey,
                notValidBefore: CertificateFixture.date("2026-01-01T00:00:00Z"),
                notValidAfter: CertificateFixture.date("2028-01-01T00:00:00Z"),
                issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                    SubjectAlternativeNames([.dnsName("ca\(index).flood.example")])
                },
                issuerPrivateKey: key)
            pem += try intermediate.serializeAsPEM().pemString + "\n"
        }
        return pem
    }

    /// A leaf under `depth` intermediates of distinct names below the fixture's CA: the leaf, then the
    /// intermediates from its issuer up.
    static func chain(depth: Int, fixture: CertificateFixture) throws -> String {
        var issuer = fixture.ca
        var issuerName = "dpwall test CA"
        var issuerKey = fixture.caKey
        var intermediates: [Certificate] = []
        for level in 0..<depth {
            let key = Certificate.PrivateKey(P256.Signing.PrivateKey())
            let name = "dpwall test intermediate \(level)"
            issuer = try CertificateFixture.authority(name, key: key, issuer: issuerName, signer: issuerKey)
            intermediates.append(issuer)
            issuerName = name
            issuerKey = key
        }
        var pem = try fixture.leaf(issuer: issuer, issuerKey: issuerKey)
        for certificate in intermediates.reversed() {
            pem += "\n" + (try certificate.serializeAsPEM().pemString)
        }
        return pem
    }

    // Small counts on purpose: without the bound, 6 took seconds and 16 would never end; a regression fails here
    // instead of hanging the run.
    @Test("more intermediates than the bound are refused before any chain is built", arguments: [5, 6])
    func tooMany(count: Int) throws {
        let fixture = try Self.fixture.get()
        let message = try fixture.verifier().identity(pem: Self.flood(count: count), eventTime: Self.inside)
            .failureMessage
        #expect(
            message
                == "client certificate: presents \(count) intermediates; at most "
                + "\(CertificateVerifier.maxIntermediates) are accepted")
    }

    @Test("two intermediates with one subject name are refused", arguments: [2, 3, 4])
    func sameSubject(count: Int) throws {
        let fixture = try Self.fixture.get()
        let message = try fixture.verifier().identity(pem: Self.flood(count: count), eventTime: Self.inside)
            .failureMessage
        #expect(
            message
                == "client certificate: presents two intermediates with the same subject name; at most one per "
                + "name is accepted")
    }

    @Test("a chain through as many intermediates as accepted still authenticates; one more is refused")
    func deepChains() throws {
        let fixture = try Self.fixture.get()
        let verifier = try fixture.verifier()
        for depth in 1...CertificateVerifier.maxIntermediates {
            let pem = try Self.chain(depth: depth, fixture: fixture)
            #expect(try verifier.identity(pem: pem, eventTime: Self.inside).get().client == "alice")
        }
        let deeper = try Self.chain(depth: CertificateVerifier.maxIntermediates + 1, fixture: fixture)
        #expect(verifier.identity(pem: deeper, eventTime: Self.inside).failureMessage?.contains("at most") == true)
    }
}
