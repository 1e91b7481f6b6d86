import Foundation
import Testing

@testable import DPWall

/// A given `sensitivity` below what the clamp implies (a release charged far less than it costs) needs a
/// `sensitivity_reason`; `policy check` prints both numbers and the reason.
@Suite("Policy sensitivity")
struct PolicySensitivityTests {
    typealias T = PolicyTexts
    static let privacy = "models.m.outputs[0].privacy"

    /// The problems of `yaml`, as `path: message` lines.
    static func problems(_ yaml: String, sourceLocation: SourceLocation = #_sourceLocation) -> [String] {
        policyError(yaml, sourceLocation: sourceLocation)?.problems.map(\.description) ?? []
    }

    @Test("a given sensitivity below the clamp's bound is refused with both numbers")
    func belowTheClamp() {
        // Ten values in [0, 1]: the clamp bounds L1 at 10; 0.001 would make every release cost 10,000 times its
        // charge.
        let yaml = T.privacy("{mechanism: laplace, epsilon: 1, sensitivity: 0.001, clamp: [0, 1]}", shape: "[-1, 10]")
        #expect(
            Self.problems(yaml) == [
                "\(Self.privacy).sensitivity: L1 0.001 is below the L1 10 that the clamp implies (d·(hi−lo), d = 10): "
                    + "noise calibrated to it is too small for what a row can change. Omit sensitivity to use the "
                    + "clamp's bound, or add sensitivity_reason saying why it holds"
            ])
        let gaussian = T.privacy(
            "{mechanism: gaussian, epsilon: 1, delta: 1.0e-6, sensitivity: 1, clamp: [-1, 1]}", shape: "[-1, 4]")
        #expect(
            Self.problems(gaussian).first?.hasPrefix(
                "\(Self.privacy).sensitivity: L2 1 is below the L2 4 that the clamp implies (√d·(hi−lo), d = 4)")
                == true)
    }

    @Test("the bound of a row of no fixed length counts the most elements a record holds")
    func variableRow() {
        let yaml =
            "version: 1\nlimits: {max_record_bytes: 4096}\n"
            + T.privacy("{mechanism: laplace, epsilon: 1, sensitivity: 1, clamp: [0, 1]}", shape: "[-1, -1]")
            .replacingOccurrences(of: "version: 1\n", with: "")
        #expect(
            Self.problems(yaml).first?.hasPrefix(
                "\(Self.privacy).sensitivity: L1 1 is below the L1 2048 that the clamp implies (d·(hi−lo), d = 2048, "
                    + "the most a record holds)") == true)
    }

    @Test("with normalize, the simplex bound is the clamp's bound")
    func simplex() throws {
        let below = T.privacy(
            "{mechanism: laplace, epsilon: 1, sensitivity: 1.5, clamp: [0, 1], normalize: true}", shape: "[-1, 10]")
        #expect(
            Self.problems(below).first?.hasPrefix(
                "\(Self.privacy).sensitivity: L1 1.5 is below the L1 2 that the clamp implies (the probability simplex "
                    + "bound of normalize)") == true)
        // At the simplex bound: accepted, and raw rows are projected onto the simplex, which is what makes it true.
        let at = T.privacy(
            "{mechanism: laplace, epsilon: 1, sensitivity: 2, clamp: [0, 1], normalize: true}", shape: "[-1, 10]")
        let policy = try Policy.parse(yaml: at, source: "simplex.yaml")
        let report = PolicyReport(policy: policy).text()
        #expect(report.contains("    sensitivity: L1 2 (given)\n"))
        #expect(
            report.contains(
                "    sensitivity the clamp implies: L1 2 (derived from clamp and normalize: the probability simplex "
                    + "bound)\n"))
    }

    @Test("sensitivity_reason lets a smaller sensitivity through, and policy check prints both numbers and why")
    func reason() throws {
        let yaml = T.privacy(
            "{mechanism: laplace, epsilon: 1, sensitivity: 0.001, sensitivity_reason: \"one value of a row changes "
                + "per person, by at most 0.001\", clamp: [0, 1]}",
            shape: "[-1, 10]")
        let policy = try Policy.parse(yaml: yaml, source: "reason.yaml")
        let privacy = try #require(policy.model(named: "m")?.outputs[0].privacy)
        #expect(privacy.sensitivity == 0.001)
        #expect(privacy.sensitivityReason == "one value of a row changes per person, by at most 0.001")
        let report = PolicyReport(policy: policy)
        let text = report.text()
        #expect(
            text.contains(
                "    sensitivity: L1 0.001 (given)\n"
                    + "    sensitivity the clamp implies: L1 10 (derived from clamp: d·(hi−lo))\n"
                    + "    sensitivity reason: one value of a row changes per person, by at most 0.001\n"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(report.json().utf8)) as? [String: Any])
        let models = try #require(json["models"] as? [[String: Any]])
        let outputs = try #require(models.first?["outputs"] as? [[String: Any]])
        let described = try #require(outputs.first?["privacy"] as? [String: Any])
        let sensitivity = try #require(described["sensitivity"] as? [String: Any])
        #expect(sensitivity["value"] as? Double == 0.001)
        #expect(sensitivity["source"] as? String == "given")
        #expect(sensitivity["reason"] as? String == "one value of a row changes per person, by at most 0.001")
        let implied = try #require(sensitivity["implied_by_clamp"] as? [String: Any])
        #expect(implied["value"] as? Double == 10)
        #expect(implied["norm"] as? String == "L1")
        #expect(implied["source"] as? String == "clamp")
    }

    @Test("a sensitivity at or above the clamp's bound needs no reason, and one without a clamp is not compared")
    func atOrAbove() throws {
        for privacy in [
            "{mechanism: laplace, epsilon: 1, sensitivity: 10, clamp: [0, 1]}",
            "{mechanism: laplace, epsilon: 1, sensitivity: 12, clamp: [0, 1]}",
            "{mechanism: gaussian, epsilon: 1, delta: 1.0e-6, sensitivity: 3.1622776601683795, clamp: [0, 1]}",
            "{mechanism: laplace, epsilon: 1, sensitivity: 0.001}",
        ] {
            _ = try Policy.parse(yaml: T.privacy(privacy, shape: "[-1, 10]"), source: "at.yaml")
        }
    }

    /// The simplex bound holds only between probability vectors: a given sensitivity that relies on it (below
    /// the clamp's own bound) gets the projection the derived one gets.
    @Test("raw rows are projected onto the simplex when the sensitivity used relies on it")
    func projection() {
        let row = TensorSpec(name: "p", datatype: .fp32, shape: [-1, 10])
        func projects(_ sensitivity: Double?, normalize: Bool = true, clamp: ClosedRange<Double> = 0...1) -> Bool {
            PrivacySpec(mechanism: .laplace, epsilon: 1, sensitivity: sensitivity, clamp: clamp, normalize: normalize)
                .privatizer(for: row, maxRowElements: 512).projectToSimplex
        }
        #expect(projects(nil))
        #expect(projects(2))
        #expect(projects(0.5))
        #expect(!projects(10))
        #expect(!projects(2, normalize: false))
        #expect(!projects(2, clamp: -1...1))
    }

    static let invalid: [InvalidPolicyCase] = [
        .init(
            "reason without sensitivity",
            T.privacy("{mechanism: laplace, epsilon: 1, clamp: [0, 1], sensitivity_reason: because}"),
            "\(privacy).sensitivity_reason", "only with sensitivity"),
        .init(
            "empty reason",
            T.privacy("{mechanism: laplace, epsilon: 1, sensitivity: 1, clamp: [0, 1], sensitivity_reason: \"\"}"),
            "\(privacy).sensitivity_reason", "must not be empty"),
        .init(
            "blank reason",
            T.privacy("{mechanism: laplace, epsilon: 1, sensitivity: 1, clamp: [0, 1], sensitivity_reason: \"  \"}"),
            "\(privacy).sensitivity_reason", "must say why the sensitivity holds"),
        .init(
            "reason not a string",
            T.privacy("{mechanism: laplace, epsilon: 1, sensitivity: 1, clamp: [0, 1], sensitivity_reason: [a]}"),
            "\(privacy).sensitivity_reason", "expected a string, got a list"),
        .init(
            "reason with mechanism none", T.privacy("{mechanism: none, sensitivity_reason: because}"),
            "\(privacy).sensitivity_reason", "not allowed with mechanism none"),
        .init(
            "reason on a tensor", T.input("{name: x, datatype: FP32, shape: [1], sensitivity_reason: because}"),
            "models.m.inputs[0].sensitivity_reason", "unknown key"),
        .init(
            "reason in a budget",
            T.policy("tiers: { t: { models: [m], budget: { epsilon: 1, sensitivity_reason: because } } }"),
            "tiers.t.budget.sensitivity_reason", "unknown key"),
        .init(
            "reason at the top", T.policy("sensitivity_reason: because"), "sensitivity_reason", "unknown key"),
    ]

    @Test("sensitivity_reason is checked, and accepted only beside sensitivity in privacy", arguments: invalid)
    func invalidReason(_ testCase: InvalidPolicyCase) throws {
        let error = try #require(policyError(testCase.yaml))
        let first = try #require(error.problems.first)
        #expect(first.path == testCase.path, "\(error)")
        #expect(first.message.contains(testCase.message), "\(error)")
    }

    /// The content digest's context reflects the outputs (`String(reflecting:)`); a reason changes no release, so
    /// it must not change that text: redelivered records decided before it was added are still retries.
    @Test("a sensitivity_reason leaves the reflected declaration as it was")
    func reflectionWithoutReason() {
        var spec = PrivacySpec(
            mechanism: .gaussian, epsilon: 0.1, delta: 1e-7, sensitivity: 1.5, clamp: 0...1, normalize: true,
            round: 2, topK: 1)
        let before = String(reflecting: spec)
        spec.sensitivityReason = "why"
        #expect(String(reflecting: spec) == before)
        #expect(
            before
                == "DPWall.PrivacySpec(mechanism: DPWall.PrivacySpec.Mechanism.gaussian, epsilon: Optional(0.1), "
                + "delta: Optional(1e-07), sensitivity: Optional(1.5), clamp: Optional(ClosedRange(0.0...1.0)), "
                + "normalize: true, round: Optional(2), topK: 1, labelOnly: false)")
    }
}
