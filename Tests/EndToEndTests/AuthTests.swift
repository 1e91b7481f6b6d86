import Crypto
import DPWallStore
import Foundation
import Testing

/// The three credential modes through the real binary on samples/auth (keys, certificates and tokens made by
/// scripts/gen-auth-samples.py with Python's `cryptography`, independently of dpwall).
@Suite("Authentication end to end")
struct AuthEndToEndTests {
    /// `(id, client, code or "ok", limit epsilon)` per output line of a filter run over a sample.
    static func run(_ mode: String, _ extra: [String] = []) throws -> (
        DPWallResult, [(String?, String?, String, Double?)]
    ) {
        let scratch = try TemporaryDirectory()
        let result = try DPWall.run(
            [
                "filter", "--policy", DPWall.sample("auth/\(mode).yaml").path, "--ledger", ":memory:", "--no-audit",
                DPWall.sample("auth/\(mode).jsonl").path,
            ] + extra, in: scratch)
        let rows = result.lines.compactMap(OutputLine.init).map { line in
            (
                line.id, line.object["client"] as? String, line.code ?? "ok",
                ((line.object["privacy"] as? [String: Any])?["limit"] as? [String: Any])?["epsilon"] as? Double
            )
        }
        return (result, rows)
    }

    @Test("api_key: keys by digest, the key's tier, wrong and missing keys, and a client field naming another client")
    func apiKeys() throws {
        let (result, rows) = try Self.run("api-key")
        #expect(result.status == 0, "\(result.stderrText)")
        #expect(
            rows.map(\.2) == ["ok", "ok", "ok", "ok", "ok", "unauthenticated", "unauthenticated", "unauthenticated"])
        #expect(rows.prefix(5).map(\.1) == ["acme", "globex", "wonka", "acme", "wonka"])
        // Tiers from the keys (acme pro, globex internal), and the default tier for wonka's.
        #expect(rows.prefix(3).map(\.3) == [10, 100, 1])
        // A denied record never names a client it could not prove, not even one its own client field names.
        #expect(rows[5].1 == nil && rows[6].1 == nil && rows[7].1 == nil)
        let messages = result.lines.compactMap(OutputLine.init).compactMap { $0.error?["message"] as? String }
        #expect(messages.allSatisfy { !$0.contains("dpw_SAMPLE") }, "a message echoes a key: \(messages)")
    }

    @Test("jwt: ES256 and EdDSA tokens with their tier claims; expired, unsigned and wrong-audience tokens refused")
    func jwt() throws {
        let (result, rows) = try Self.run("jwt")
        #expect(result.status == 0, "\(result.stderrText)")
        #expect(rows.map(\.2) == ["ok", "ok", "ok", "unauthenticated", "unauthenticated", "unauthenticated", "ok"])
        #expect(rows.map(\.3) == [10, 100, 1, nil, nil, nil, 10])
        let messages = result.lines.compactMap(OutputLine.init).compactMap { $0.error?["message"] as? String }
        #expect(messages.count == 3)
        #expect(messages[0].contains("expired at 2026-01-01T01:00:00Z"))
        #expect(messages[1].contains("alg none"))
        #expect(messages[2].contains("aud does not name inference"))
    }

    @Test("client_cert: certificates of the CA named by CN; another CA's, and one expired at ts, refused")
    func clientCertificates() throws {
        let (result, rows) = try Self.run("client-cert")
        #expect(result.status == 0, "\(result.stderrText)")
        #expect(rows.map(\.2) == ["ok", "ok", "ok", "unauthenticated", "unauthenticated"])
        #expect(rows.prefix(3).map(\.1) == ["acme", "globex", "wonka"])
        #expect(rows.prefix(3).map(\.3) == [10, 100, 1])
    }

    @Test("keyed noise and budgets follow the authenticated client and tier, not the record's own fields")
    func authenticatedClientDrivesNoiseAndBudget() throws {
        let scratch = try TemporaryDirectory()
        let key = scratch.file("noise.key").path
        _ = try DPWall.run(["keygen", "--noise-key", key], in: scratch)
        let policy = try String(contentsOf: DPWall.sample("auth/api-key.yaml"), encoding: .utf8)
        // A second key for acme, in the free tier (epsilon 1 a day instead of pro's 10 a month).
        let second = "dpw_SAMPLE_acme_second_key_0000"
        let digest = Hex.encode(SHA256.hash(data: Data(second.utf8)))
        let policyPath = try scratch.write(
            "policy.yaml",
            policy.replacingOccurrences(
                of: "    - { client: wonka,",
                with: "    - { client: acme, tier: free, sha256: \(digest) }\n    - { client: wonka,"))
        let sample = try String(contentsOf: DPWall.sample("auth/api-key.jsonl"), encoding: .utf8)
        let first = try #require(sample.split(separator: "\n").first.map(String.init))
        // The same question twice, once without and once with a client field: one answer, one charge.
        let withClient = first.replacingOccurrences(of: #""id":"r0","#, with: #""id":"r1","client":"acme","#)
        // Then three questions under the free-tier key: the free budget (epsilon 1 per day, 0.5 a row) counts
        // what acme got that day under its pro key (0.5), so one more fits (privacy.md, one budget per client).
        var input = first + "\n" + withClient + "\n"
        let acmeKey = "dpw_SAMPLE_acme_8c1f6d2e9b7a4c3d"
        for n in 2..<5 {
            input +=
                first.replacingOccurrences(of: #""id":"r0""#, with: #""id":"r\#(n)""#)
                .replacingOccurrences(of: acmeKey, with: second)
                .replacingOccurrences(of: "[[0.5,0.25]]", with: "[[0.5,0.\(n)]]") + "\n"
        }
        let result = try DPWall.run(
            [
                "filter", "--policy", policyPath, "--ledger", scratch.file("l.db").path, "--no-audit", "--noise-key",
                key,
            ],
            stdin: Data(input.utf8), in: scratch)
        #expect(result.status == 0, "\(result.stderrText)")
        let lines = result.lines.compactMap(OutputLine.init)
        try #require(lines.count == 5)
        #expect(
            (lines[0].object["response"] as? NSDictionary) == (lines[1].object["response"] as? NSDictionary),
            "the repeat got other noise")
        #expect(((lines[1].object["privacy"] as? [String: Any])?["epsilon"] as? Double) == 0)
        #expect(
            lines.map { $0.code ?? "ok" } == ["ok", "ok", "ok", "budget_exhausted", "budget_exhausted"],
            "\(result.stdoutText)")
    }

    @Test("a policy whose JWKS or CA file is missing or wrong stops the filter with 78 before it creates anything")
    func badKeyFiles() throws {
        let scratch = try TemporaryDirectory()
        let jwt = try String(contentsOf: DPWall.sample("auth/jwt.yaml"), encoding: .utf8)
        let missing = try scratch.write("jwt.yaml", jwt.replacingOccurrences(of: "keys/jwks.json", with: "nope.json"))
        var result = try DPWall.run(["filter", "--policy", missing, "--ledger", "made.db"], in: scratch)
        #expect(result.status == 78)
        #expect(result.stderrText.contains("auth.jwt.jwks") && result.stderrText.contains("nope.json"))
        #expect(!FileManager.default.fileExists(atPath: scratch.file("made.db").path))
        #expect(!FileManager.default.fileExists(atPath: scratch.file("dpwall-audit").path))
        result = try DPWall.run(["policy", "check", missing], in: scratch)
        #expect(result.status == 78 && result.stderrText.contains("nope.json"), "\(result.stderrText)")
        let cert = try String(contentsOf: DPWall.sample("auth/client-cert.yaml"), encoding: .utf8)
        _ = try scratch.write("notca.pem", "not a certificate\n")
        let wrong = try scratch.write(
            "cert.yaml", cert.replacingOccurrences(of: "keys/clients-ca.pem", with: "notca.pem"))
        result = try DPWall.run(["filter", "--policy", wrong, "--ledger", ":memory:"], in: scratch)
        #expect(result.status == 78)
        #expect(result.stderrText.contains("auth.client_cert.ca"), "\(result.stderrText)")
    }
}
