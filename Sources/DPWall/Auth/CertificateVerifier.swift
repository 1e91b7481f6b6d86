import DPWallRecords
import Foundation
import SwiftASN1
@_spi(DisableValidityCheck) import X509

/// Client certificate authentication (policy.md, `auth.client_cert`) with swift-certificates: the PEM that the
/// TLS-terminating gateway forwarded (a leaf, optionally followed by intermediates) must chain to the policy's CA
/// bundle under RFC 5280, and every certificate of the chain must be valid at the record's `ts`.
///
/// The chain is built and checked once per distinct PEM and cached (``VerificationCache``) with its validity
/// window, the latest `notBefore` and the earliest `notAfter` of the chain; the window is checked on every record
/// against its event time, never against the wall clock (so the library's own clock check is turned off and
/// replaced by this one). The identity is the leaf's subject common name, first DNS SAN, or first URI SAN.
///
/// The work per PEM is bounded before the chain is built. swift-certificates searches depth first through every
/// presented intermediate whose subject is the current certificate's issuer, and its loop check tells apart
/// certificates that differ only in their SAN; so K intermediates sharing one subject name and one key (each a
/// valid issuer of the others) make K! candidate chains: 4 s for one 3 KB record at K = 7, an hour at K = 10, on
/// the one queue every worker's verifications share. Two rules make the search a single path of at most
/// ``maxIntermediates`` + 1 steps, whatever is presented: at most ``maxIntermediates`` intermediates, and no two
/// with the same subject name (the intermediate store is keyed by subject name, so one certificate per name gives
/// each step at most one candidate among the presented ones; the CA bundle's are the operator's).
final class CertificateVerifier: Sendable {
    struct Verified: Sendable {
        var identity: Identity
        var notBefore: Int64, notAfter: Int64
    }

    /// Longer PEM strings are refused before parsing.
    static let maxPEMBytes = 65_536

    /// The most intermediates a PEM may present after its leaf. Real client chains have one to three (a root
    /// signs an issuing CA, sometimes through a policy CA); one more leaves room for a gateway that forwards the
    /// root as well. With one certificate per subject name the search is linear, so this bounds the parsing and
    /// signature checks of one record to a handful.
    static let maxIntermediates = 4

    private let roots: CertificateStore
    private let identitySource: Policy.ClientCertSettings.Identity
    private let cache = VerificationCache<Result<Verified, RecordError>>()

    /// Loads the CA bundle named by `settings`, a relative path taken from `directory`.
    init(settings: Policy.ClientCertSettings, directory: String) throws(PolicyError) {
        let path = AuthFiles.resolve(settings.ca, in: directory)
        let text = try AuthFiles.readText(path, key: "auth.client_cert.ca")
        let certificates: [Certificate]
        do {
            certificates = try PEMDocument.parseMultiple(pemString: text).map { try Certificate(pemDocument: $0) }
        } catch {
            throw PolicyError(path: "auth.client_cert.ca", message: "\(path): not a PEM certificate bundle: \(error)")
        }
        guard !certificates.isEmpty else {
            throw PolicyError(path: "auth.client_cert.ca", message: "\(path): holds no certificate")
        }
        roots = CertificateStore(certificates)
        identitySource = settings.identity
    }

    /// The identity of the record whose certificate is `pem`, at event time `eventTime` (milliseconds).
    func identity(pem: String, eventTime: Int64) -> Result<Identity, RecordError> {
        switch cache.value(for: pem, { verify(pem) }) {
        case .failure(let problem):
            return .failure(problem)
        case .success(let chain):
            if eventTime < chain.notBefore {
                return .failure(CredentialMessages.notYetValid("client certificate", before: chain.notBefore))
            }
            if eventTime > chain.notAfter {
                return .failure(CredentialMessages.expired("client certificate", at: chain.notAfter))
            }
            return .success(chain.identity)
        }
    }

    private func failure(_ message: String) -> Result<Verified, RecordError> {
        .failure(RecordError(.unauthenticated, "client certificate: " + message))
    }

    private func verify(_ pem: String) -> Result<Verified, RecordError> {
        guard pem.utf8.count <= Self.maxPEMBytes else { return failure("longer than \(Self.maxPEMBytes) bytes") }
        let presented: [Certificate]
        do {
            presented = try PEMDocument.parseMultiple(pemString: pem).map { try Certificate(pemDocument: $0) }
        } catch {
            return failure("not a PEM certificate")
        }
        guard let leaf = presented.first else { return failure("holds no certificate") }
        // A client presents an end-entity certificate for client authentication, never a CA's.
        if case .isCertificateAuthority = try? leaf.extensions.basicConstraints {
            return failure("is a CA certificate, not a client's")
        }
        if let usages = try? leaf.extensions.extendedKeyUsage,
            !usages.contains(.clientAuth) && !usages.contains(.any)
        {
            return failure("its extended key usage does not include client authentication")
        }
        let presentedIntermediates = presented.dropFirst()
        guard presentedIntermediates.count <= Self.maxIntermediates else {
            return failure(
                "presents \(presentedIntermediates.count) intermediates; at most \(Self.maxIntermediates) are accepted")
        }
        var subjects = Set<DistinguishedName>()
        for certificate in presentedIntermediates where !subjects.insert(certificate.subject).inserted {
            return failure("presents two intermediates with the same subject name; at most one per name is accepted")
        }
        let roots = self.roots
        let intermediates = CertificateStore(presentedIntermediates)
        let result = AsyncBridge.run { () -> CertificateValidationResult in
            var verifier = Verifier(rootCertificates: roots) { RFC5280Policy.withValidityCheckDisabled() }
            return await verifier.validate(leaf: leaf, intermediates: intermediates)
        }
        guard case .validCertificate(let chain) = result else {
            return failure("does not chain to the policy's CA (auth.client_cert.ca)")
        }
        let certificates = Array(chain)
        let notBefore = certificates.map(\.notValidBefore).max()!
        let notAfter = certificates.map(\.notValidAfter).min()!
        guard let client = name(of: leaf), !client.isEmpty, client.utf8.count <= 128 else {
            return failure("has no \(identitySource.rawValue) of 1-128 bytes to name the client")
        }
        return .success(
            Verified(
                identity: Identity(client: client, tier: nil),
                notBefore: Int64((notBefore.timeIntervalSince1970 * 1000).rounded(.up)),
                notAfter: Int64((notAfter.timeIntervalSince1970 * 1000).rounded(.down))))
    }

    private func name(of leaf: Certificate) -> String? {
        switch identitySource {
        case .subjectCN:
            for relative in leaf.subject {
                for attribute in relative where attribute.type == .RDNAttributeType.commonName {
                    return String(attribute.value)
                }
            }
            return nil
        case .sanDNS, .sanURI:
            guard let names = try? leaf.extensions.subjectAlternativeNames else { return nil }
            for name in names {
                switch (identitySource, name) {
                case (.sanDNS, .dnsName(let text)), (.sanURI, .uniformResourceIdentifier(let text)): return text
                default: continue
                }
            }
            return nil
        }
    }
}
