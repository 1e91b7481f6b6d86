import Crypto
import Foundation
import Testing

/// Client names through the real binary (docs/auth.md, "Client names"): a look-alike spelling of a client, or a
/// name with NUL or a bidirectional control, is refused where it enters, so it can neither take another client's
/// tier and budget in memory nor start a ledger row of its own.
@Suite("Client names end to end")
struct ClientNameEndToEndTests {
    /// `Kodak` and `wonka` are gold (ε 100 a day, every model); everyone else is basic (ε 1 a day, model `m`
    /// only). Each release of `m` or `vip` costs ε 0.5 (basic accounting: positions are exact sums).
    static let yaml = """
        version: 1
        auth: { mode: trusted, default_tier: basic }
        tiers:
          basic: { models: [m], budget: { epsilon: 1, window: 1d } }
          gold: { models: "*", budget: { epsilon: 100, window: 1d } }
        clients:
          Kodak: { tier: gold }
          wonka: { tier: gold }
        accounting: basic
        models:
          m:
            inputs: [{ name: x, datatype: FP32, shape: [-1, 1] }]
            outputs:
              - { name: p, datatype: FP32, shape: [-1, 2], privacy: { mechanism: laplace, epsilon: 0.5, clamp: [0, 1] } }
          vip:
            inputs: [{ name: x, datatype: FP32, shape: [-1, 1] }]
            outputs:
              - { name: p, datatype: FP32, shape: [-1, 2], privacy: { mechanism: laplace, epsilon: 0.5, clamp: [0, 1] } }

        """

    /// A record of `client` (JSON string content, escapes allowed) calling `model`, with its response.
    static func record(_ id: String, client: String, model: String = "m") -> String {
        #"{"id":"\#(id)","ts":"2026-11-26T10:00:00Z","client":"\#(client)","model":"\#(model)","request":"#
            + #"{"inputs":[{"name":"x","shape":[1,1],"datatype":"FP32","data":[[0.5]]}]},"response":"#
            + #"{"model_name":"\#(model)","outputs":[{"name":"p","shape":[1,2],"datatype":"FP32","data":[[0.25,0.75]]}]}}"#
            + "\n"
    }

    /// Per output line: its id, its code ("ok" when allowed) and the client's ε spent after it.
    static func decisions(_ result: DPWallResult) -> [(id: String?, code: String, spent: Double?)] {
        result.lines.compactMap(OutputLine.init).map { line in
            let spent = ((line.object["privacy"] as? [String: Any])?["spent"] as? [String: Any])?["epsilon"] as? Double
            return (line.id, line.code ?? "ok", spent)
        }
    }

    /// `budget show --format json`: ε spent per client (by ``key(_:)``).
    static func spent(in scratch: TemporaryDirectory) throws -> [String: Double] {
        let show = try DPWall.run(["budget", "show", "--format", "json"], in: scratch)
        #expect(show.status == 0, "\(show.stderrText)")
        let rows = try #require(try JSONSerialization.jsonObject(with: show.stdout) as? [[String: Any]])
        var spent: [String: Double] = [:]
        for row in rows {
            let client = try #require(row["client"] as? String)
            spent[key(client)] = row["spent_epsilon"] as? Double
        }
        return spent
    }

    /// A name's code points in hex: a dictionary key by the name's exact text, not by Swift's canonical
    /// equivalence, so that look-alike rows stay apart.
    static func key(_ name: String) -> String {
        name.unicodeScalars.map { String($0.value, radix: 16) }.joined(separator: " ")
    }

    @Test("a KELVIN SIGN Kodak is refused and Kodak's override and budget stay its own; kodak is another client")
    func lookalikes() throws {
        let scratch = try TemporaryDirectory()
        let policy = try scratch.write("policy.yaml", Self.yaml)
        var input = Self.record("k1", client: "Kodak")
        // KELVIN SIGN + "odak", raw and escaped: Kodak to Swift's String, another name to SQLite.
        input += Self.record("x1", client: "\u{212A}odak", model: "vip")
        input += Self.record("x2", client: #"\u212Aodak"#)
        input += Self.record("k2", client: "Kodak")
        // Names that differ only in case are two clients: kodak is basic, with a budget of its own.
        input += Self.record("l1", client: "kodak")
        input += Self.record("l2", client: "kodak")
        input += Self.record("l3", client: "kodak")
        input += Self.record("l4", client: "kodak", model: "vip")
        input += Self.record("k3", client: "Kodak")
        let result = try DPWall.run(["filter", "--policy", policy, "--no-audit"], stdin: Data(input.utf8), in: scratch)
        #expect(result.status == 0, "\(result.stderrText)")
        let decisions = Self.decisions(result)
        #expect(
            decisions.map(\.code) == [
                "ok", "invalid_field", "invalid_field", "ok", "ok", "ok", "budget_exhausted", "forbidden", "ok",
            ], "\(result.stdoutText)")
        #expect(decisions.map(\.spent) == [0.5, nil, nil, 1, 0.5, 1, nil, nil, 1.5])
        let lines = result.lines.compactMap(OutputLine.init)
        try #require(lines.count == 9)
        let denied = lines[1]
        #expect(denied.message?.contains("not a valid client name") == true, "\(denied.text)")
        // The denial names no client.
        #expect(denied.object["client"] == nil)

        // The ledger holds Kodak and kodak, and no row for the look-alike.
        #expect(try Self.spent(in: scratch) == [Self.key("Kodak"): 1.5, Self.key("kodak"): 1])
        // After a restart Kodak goes on from what it spent, and the look-alike is still refused.
        let again = try DPWall.run(
            ["filter", "--policy", policy, "--no-audit"],
            stdin: Data((Self.record("k4", client: "Kodak") + Self.record("x3", client: "\u{212A}odak")).utf8),
            in: scratch)
        #expect(Self.decisions(again).map(\.code) == ["ok", "invalid_field"], "\(again.stdoutText)")
        #expect(Self.decisions(again).first?.spent == 2)
    }

    @Test("a client with NUL, a bidirectional control or over 128 bytes is invalid_field, and starts no ledger row")
    func controlCharacters() throws {
        let scratch = try TemporaryDirectory()
        let policy = try scratch.write("policy.yaml", Self.yaml)
        var input = Self.record("w1", client: "wonka")
        input += Self.record("e1", client: #"evil\u0000x"#)
        input += Self.record("e2", client: #"wonka\u0000x"#)
        input += Self.record("e3", client: #"wonka\u0000x"#, model: "vip")
        input += Self.record("e4", client: #"\u202Eakdow"#)
        input += Self.record("e5", client: "\u{202E}akdow")
        input += Self.record("e6", client: String(repeating: "w", count: 129))
        input += Self.record("w2", client: "wonka")
        let result = try DPWall.run(["filter", "--policy", policy, "--no-audit"], stdin: Data(input.utf8), in: scratch)
        #expect(result.status == 0, "\(result.stderrText)")
        let decisions = Self.decisions(result)
        #expect(decisions.map(\.code) == ["ok"] + Array(repeating: "invalid_field", count: 6) + ["ok"])
        #expect(decisions.last?.spent == 1, "wonka's budget was charged for another name")
        let messages = result.lines.compactMap(OutputLine.init).compactMap(\.message)
        try #require(messages.count == 6, "\(messages)")
        #expect(messages.first?.contains("U+0000 (a control character) at byte 4") == true, "\(messages)")
        #expect(messages[3].contains("U+202E") == true, "\(messages)")
        #expect(try Self.spent(in: scratch) == [Self.key("wonka"): 1])
    }

    /// A 32-byte HMAC secret for HS256 tokens, written 0600 as the policy requires.
    static let secret = (0..<32).map { UInt8($0 * 11 & 0xFF) }

    /// An HS256 token for `sub`, valid around the records' event time.
    static func token(sub: String) throws -> String {
        func base64URL(_ data: Data) -> String {
            data.base64EncodedString().replacingOccurrences(of: "+", with: "-")
                .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        }
        let header = try JSONSerialization.data(withJSONObject: ["alg": "HS256", "typ": "JWT"])
        let claims = try JSONSerialization.data(withJSONObject: [
            "iss": "https://auth.example/", "aud": "inference", "sub": sub, "exp": 1_800_000_000,
        ])
        let input = base64URL(header) + "." + base64URL(claims)
        let signature = HMAC<SHA256>.authenticationCode(for: Data(input.utf8), using: SymmetricKey(data: secret))
        return input + "." + base64URL(Data(signature))
    }

    @Test("a JWT sub of José in NFD is unauthenticated, and José in NFC keeps its own budget")
    func tokenSubjects() throws {
        let scratch = try TemporaryDirectory()
        let hmac = try scratch.write("jwt.hmac", Data(Self.secret))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: hmac)
        let jwks = DPWall.sample("auth/keys/jwks.json").path
        let policy = try scratch.write(
            "policy.yaml",
            Self.yaml.replacingOccurrences(
                of: "auth: { mode: trusted, default_tier: basic }",
                with: """
                    auth:
                      mode: jwt
                      default_tier: basic
                      jwt: { jwks: \(jwks), hmac_key_file: jwt.hmac, issuer: https://auth.example/, audience: inference }
                    """))
        func record(_ id: String, sub: String) throws -> String {
            Self.record(id, client: "x").replacingOccurrences(
                of: #""client":"x""#, with: #""credentials":{"bearer":"\#(try Self.token(sub: sub))"}"#)
        }
        let input =
            try record("n1", sub: "Jos\u{E9}") + record("d1", sub: "Jose\u{301}") + record("n2", sub: "Jos\u{E9}")
        let result = try DPWall.run(["filter", "--policy", policy, "--no-audit"], stdin: Data(input.utf8), in: scratch)
        #expect(result.status == 0, "\(result.stderrText)")
        let decisions = Self.decisions(result)
        #expect(decisions.map(\.code) == ["ok", "unauthenticated", "ok"], "\(result.stdoutText)")
        #expect(decisions.map(\.spent) == [0.5, nil, 1])
        let lines = result.lines.compactMap(OutputLine.init)
        try #require(lines.count == 3)
        #expect((lines.first?.object["client"] as? String).map { Array($0.utf8) } == Array("Jos\u{E9}".utf8))
        #expect(lines[1].message?.contains("claim sub (the client) is not a valid client name") == true)
        #expect(try Self.spent(in: scratch) == [Self.key("Jos\u{E9}"): 1])
    }

    @Test("budget, quota, report and audit refuse a CLIENT that is not a valid client name with a usage error")
    func commandLine() throws {
        let scratch = try TemporaryDirectory()
        let long = String(repeating: "x", count: 129)
        let commands: [[String]] = [
            ["budget", "show", "\u{212A}odak"],
            ["budget", "show", "Kodak", "Jose\u{301}"],
            ["budget", "grant", "Jose\u{301}", "--epsilon", "1", "--reason", "test"],
            ["budget", "reset", "Kodak\u{202E}", "--yes", "--reason", "test"],
            ["budget", "reset", long, "--yes", "--reason", "test"],
            ["quota", "show", "\u{212A}odak"],
            ["report", "--client", "\u{200B}Kodak"],
            ["audit", "cat", scratch.url.path, "--client", "\u{212A}odak"],
        ]
        for arguments in commands {
            let result = try DPWall.run(arguments, in: scratch)
            #expect(result.status == 64, "\(arguments): \(result.status) \(result.stderrText)")
            #expect(result.stderrText.contains("is not a valid client name"), "\(arguments): \(result.stderrText)")
        }
    }

    @Test("a policy whose client override is not in NFC is refused with the override's path")
    func policyNames() throws {
        let scratch = try TemporaryDirectory()
        let policy = try scratch.write(
            "policy.yaml",
            Self.yaml.replacingOccurrences(of: "  Kodak: { tier: gold }", with: "  \"\\u212Aodak\": { tier: gold }"))
        let result = try DPWall.run(["policy", "check", policy], in: scratch)
        #expect(result.status == 78, "\(result.stdoutText) \(result.stderrText)")
        #expect(result.stderrText.contains(#"clients.\u{212A}odak"#), "\(result.stderrText)")
        #expect(result.stderrText.contains("not a valid client name"), "\(result.stderrText)")
    }
}
