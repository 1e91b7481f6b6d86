import Foundation
import Testing

/// Policies and records that made the real binary trap (SIGILL, exit 132) or hang: each is now a policy error
/// (exit 78, with its key path) or an ordinary output line.
@Suite("Policy inputs that trapped")
struct PolicyTrapTests {
    typealias P = TestPolicy

    /// Trusted auth, every client in tier `t` (with `tier`'s extra keys), one model `m` whose output `y` (FP32,
    /// `shape`) has `privacy`.
    static func policy(tier: String, privacy: String, accounting: String = "rdp", shape: String = "[-1, 3]") -> String {
        """
        version: 1
        auth: { mode: trusted, default_tier: t }
        accounting: \(accounting)
        tiers:
          t: { models: "*"\(tier) }
        models:
          m:
            inputs: [{ name: x, datatype: FP32, shape: [-1, 2] }]
            outputs: [{ name: y, datatype: FP32, shape: \(shape), privacy: \(privacy) }]
        """
    }

    static let gaussian = "{ mechanism: gaussian, epsilon: 1, delta: 1.0e-6, clamp: [0, 1] }"
    static let laplace = "{ mechanism: laplace, epsilon: 1, clamp: [0, 1] }"

    /// One record of model `m` with response row `row` (three FP32 values).
    static func record(_ row: String = "[0.1,0.2,0.3]") -> Data {
        Data(
            (P.record(
                id: "r1", client: "c", model: "m", request: P.v2Request(P.tensor("x", "[1,2]", "FP32", "[0.1,0.2]")),
                response: P.v2Response("m", P.tensor("y", "[1,3]", "FP32", row))) + "\n").utf8)
    }

    static func filter(_ policy: String, _ scratch: TemporaryDirectory, input: Data = record()) throws -> DPWallResult {
        try DPWall.run(
            ["filter", "--policy", policy, "--ledger", ":memory:", "--no-audit", "--quiet"], stdin: input,
            in: scratch)
    }

    @Test("a Gaussian output under a budget without delta: policy check and filter exit 78 naming the path")
    func gaussianWithoutDelta() throws {
        let scratch = try TemporaryDirectory()
        for accounting in ["rdp", "zcdp"] {
            let yaml = Self.policy(
                tier: ", budget: { epsilon: 5, window: 1d }", privacy: Self.gaussian, accounting: accounting)
            let policy = try scratch.write("gaussian-\(accounting).yaml", yaml)
            for result in [try DPWall.run(["policy", "check", policy], in: scratch), try Self.filter(policy, scratch)] {
                #expect(result.status == 78, "\(result.stderrText)")
                #expect(result.stdout.isEmpty)
                #expect(
                    result.stderrText.contains(
                        "tiers.t.budget.delta: is 0 (the default when omitted), but the tier can call the gaussian "
                            + "output models.m.outputs[0] (y)"), "\(result.stderrText)")
            }
        }
    }

    @Test("policy check of a Laplace output under zcdp and a budget without delta prints its releases")
    func zcdpWithoutDelta() throws {
        let scratch = try TemporaryDirectory()
        let yaml = Self.policy(tier: ", budget: { epsilon: 5, window: 1d }", privacy: Self.laplace, accounting: "zcdp")
        let result = try DPWall.run(["policy", "check", try scratch.write("zcdp.yaml", yaml)], in: scratch)
        #expect(result.status == 0, "\(result.stderrText)")
        #expect(result.stdoutText.contains("    tier t: 5 single-row releases per 1d under zcdp accounting"))
    }

    @Test("a budget window past Int64 milliseconds is a policy error, not a trap on the first record")
    func hugeWindow() throws {
        let scratch = try TemporaryDirectory()
        let yaml = Self.policy(
            tier: ", budget: { epsilon: 5, delta: 1.0e-5, window: 999999999999d }", privacy: Self.laplace)
        let result = try Self.filter(try scratch.write("window.yaml", yaml), scratch)
        #expect(result.status == 78, "\(result.stderrText)")
        #expect(result.stderrText.contains("tiers.t.budget.window: must be at most 3652425d"), "\(result.stderrText)")
    }

    @Test(
        "noise that cannot be calibrated is a policy error, not a trap or a hang",
        arguments: [
            "{ mechanism: gaussian, epsilon: 1.0e-320, delta: 1.0e-6, clamp: [0, 1] }",
            "{ mechanism: laplace, epsilon: 1, clamp: [-1.0e308, 1.0e308] }",
            "{ mechanism: laplace, epsilon: 1, sensitivity: 1.0e308 }",
            "{ mechanism: laplace, epsilon: 1, clamp: [0, 1.0e-320] }",
        ])
    func uncalibrated(_ privacy: String) throws {
        let scratch = try TemporaryDirectory()
        let policy = try scratch.write(
            "noise.yaml", Self.policy(tier: ", budget: { epsilon: 5, delta: 1.0e-5 }", privacy: privacy))
        for result in [try DPWall.run(["policy", "check", policy], in: scratch), try Self.filter(policy, scratch)] {
            #expect(result.status == 78, "\(result.stderrText)")
            #expect(
                result.stderrText.contains("models.m.outputs[0].privacy: cannot calibrate the noise: "),
                "\(result.stderrText)")
        }
    }

    /// FP32 releases were narrowed with `Float(_:)`: a clamp beyond FP32's range gave an infinity, and the JSON
    /// writer's precondition trapped.
    @Test(
        "an FP32 release beyond FP32's range is written at its largest finite value",
        arguments: [
            "{ mechanism: none, clamp: [1.0e39, 2.0e39] }",
            "{ mechanism: laplace, epsilon: 1, clamp: [0, 1.0e39] }",
        ])
    func fp32Saturates(_ privacy: String) throws {
        let scratch = try TemporaryDirectory()
        let policy = try scratch.write(
            "fp32.yaml", Self.policy(tier: ", budget: { epsilon: 5, delta: 1.0e-5 }", privacy: privacy))
        let result = try Self.filter(policy, scratch, input: Self.record("[3.0e38,3.0e38,3.0e38]"))
        #expect(result.status == 0, "\(result.stderrText)")
        let line = try #require(result.lines.first)
        let object = try #require(try JSONSerialization.jsonObject(with: line) as? [String: Any])
        let response = try #require(object["response"] as? [String: Any], "\(object)")
        let outputs = try #require(response["outputs"] as? [[String: Any]])
        let data = try #require(outputs.first?["data"] as? [Double])
        // The shortest text of an FP32 reads back as that FP32.
        let values = data.map { Float($0) }
        #expect(values.count == 3 && values.allSatisfy(\.isFinite), "\(data)")
        if privacy.contains("none") { #expect(values == Array(repeating: .greatestFiniteMagnitude, count: 3)) }
    }

    @Test("a JWT leeway past Int64 milliseconds is a policy error, not a trap when the verifier loads")
    func hugeLeeway() throws {
        let scratch = try TemporaryDirectory()
        let jwks = try Data(contentsOf: DPWall.sample("auth/keys/jwks.json"))
        try scratch.write("jwks.json", jwks)
        let yaml = Self.policy(tier: "", privacy: Self.laplace)
            .replacingOccurrences(
                of: "auth: { mode: trusted, default_tier: t }",
                with: "auth: { mode: jwt, default_tier: t, jwt: { jwks: jwks.json, leeway: 1.0e300 } }")
        let result = try DPWall.run(["policy", "check", try scratch.write("jwt.yaml", yaml)], in: scratch)
        #expect(result.status == 78, "\(result.stderrText)")
        #expect(
            result.stderrText.contains("auth.jwt.leeway: must be at most 1000000000 seconds, got 1e+300"),
            "\(result.stderrText)")
    }
}
