/// The verifiers an `auth` section needs, loaded when the filter starts (a JWKS and HMAC secret for `jwt`, a CA
/// bundle for `client_cert`), shared by every worker thread.
public final class CredentialVerifiers: Sendable {
    let jwt: JWTVerifier?
    let certificates: CertificateVerifier?

    /// Loads what `policy`'s auth mode needs; relative paths are taken from `policyPath`'s directory. Throws
    /// ``PolicyError`` (exit 78) when a file is missing, unreadable, or not what it should be.
    public init(policy: Policy, policyPath: String) throws(PolicyError) {
        let directory = policyPath.contains("/") ? String(policyPath[..<policyPath.lastIndex(of: "/")!]) : "."
        jwt =
            try policy.auth.mode == .jwt
            ? policy.auth.jwt.map { settings throws(PolicyError) in
                try JWTVerifier(settings: settings, directory: directory)
            } : nil
        certificates =
            try policy.auth.mode == .clientCert
            ? policy.auth.clientCert.map { settings throws(PolicyError) in
                try CertificateVerifier(settings: settings, directory: directory)
            } : nil
    }

    /// No verifiers (modes `trusted` and `api_key` need none).
    public init() {
        jwt = nil
        certificates = nil
    }
}
