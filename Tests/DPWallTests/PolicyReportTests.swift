import DPWall
import Foundation
import Testing

@Suite("policy check report")
struct PolicyReportTests {
    let policy: Policy
    init() throws {
        policy = try Policy.parse(yaml: PolicyTexts.full, source: "full.yaml")
    }

    @Test("text names accounting, auth, limits, tiers and models")
    func textSummary() {
        let text = PolicyReport(policy: policy).text()
        #expect(text.contains("accounting: rdp"))
        #expect(text.contains("auth: api_key, 2 API keys, default tier free"))
        #expect(text.contains("limits: max_record_bytes 1048576 bytes, max_depth 64, max_batch 64 rows"))
        #expect(text.contains("passthrough: trace_id, latency_ms"))
        #expect(text.contains("tier free\n  models: digits, sentiment\n  rate: 10 requests/s, burst 20"))
        #expect(text.contains("  quota: 10000 requests/day (UTC)"))
        #expect(text.contains("  budget: epsilon 1, delta 1e-06, window 1d"))
        #expect(text.contains("tier pro\n  models: * (every model)"))
        #expect(text.contains("client acme\n  budget: epsilon 20"))
        #expect(text.contains("model fraud\n  protocol: auto, max_batch 16 rows"))
        #expect(text.contains("  input features: FP32 [-1, 30], range [-5, 5]"))
        #expect(text.contains("  input text: BYTES [-1, 1], max_length 2000 bytes, 1 deny pattern"))
        #expect(text.hasSuffix("\n"))
    }

    @Test("text gives the privacy of every output and where the sensitivity comes from")
    func textPrivacy() {
        let text = PolicyReport(policy: policy).text()
        #expect(text.contains("    privacy: gaussian, epsilon 0.1 per row, delta 1e-07 per row"))
        #expect(text.contains("    sensitivity: L2 1.4142135623730951 (given)"))
        #expect(text.contains("    clamp [0, 1], normalize true, round 2 decimals, top_k 0, label_only false"))
        #expect(text.contains("    privacy: laplace, epsilon 0.5 per row\n"))
        #expect(
            text.contains("    sensitivity: L1 2 (derived from clamp and normalize: the probability simplex bound)"))
        // Every noised output prints its calibration (two here), none for mechanism none.
        #expect(text.components(separatedBy: "    noise: discrete ").count == 3)
        #expect(text.contains("    noise: discrete gaussian, sigma "))
        #expect(text.contains("    noise: discrete laplace, b 4.0000000"))
        #expect(text.contains("    cost per row: epsilon 0.1, delta 1e-07; sampler error at most 2^-90"))
        #expect(text.contains("    cost per row: epsilon 0.5, delta 0; sampler error at most 2^-90"))
        #expect(text.contains("    sensitivity inflated for the grid: L2 1.414213"))
    }

    @Test("text warns, once each, about outputs released without noise and unused auth sections")
    func textWarnings() {
        let text = PolicyReport(policy: policy).text()
        #expect(text.contains("    privacy: none\n    clamp none, round 3 decimals\n  output label"))
        #expect(text.contains("WARNING: models.digits.outputs[0] (logits) releases raw model outputs without noise"))
        #expect(text.contains("WARNING: models.digits.outputs[1] (label) releases raw INT64 outputs as they are"))
        #expect(text.contains("WARNING: auth.jwt is not used: auth.mode is api_key"))
        #expect(text.contains("WARNING: auth.client_cert is not used: auth.mode is api_key"))
        // Every warning is printed once, in the list at the end.
        let lines = text.split(separator: "\n").filter { $0.contains("WARNING") }
        #expect(lines.count == PolicyReport(policy: policy).warnings.count, "\(lines)")
        #expect(Set(lines).count == lines.count, "\(lines)")
    }

    @Test("releases per budget are counted only for the tiers that may call the model")
    func releasesOnlyForTiersOfTheModel() throws {
        // The full policy's free tier calls digits and sentiment, not fraud; pro calls every model.
        let report = PolicyReport(policy: policy)
        let text = report.text()
        let fraud = try #require(text.range(of: "model fraud\n")).upperBound
        let fraudSection = text[fraud...].components(separatedBy: "\nmodel ")[0]
        #expect(!fraudSection.contains("tier free:"), "\(fraudSection)")
        #expect(fraudSection.contains("tier pro:"), "\(fraudSection)")
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(report.json().utf8)) as? [String: Any])
        let models = try #require(object["models"] as? [[String: Any]])
        let outputs = try #require(models.first { $0["name"] as? String == "fraud" }?["outputs"] as? [[String: Any]])
        let privacy = try #require(outputs.first?["privacy"] as? [String: Any])
        let fits = try #require((privacy["calibration"] as? [String: Any])?["releases_per_budget"] as? [String: Any])
        #expect(Set(fits.keys) == ["pro"], "\(fits)")
        // A client of the free tier granted fraud makes the free tier's count appear.
        let granted = try Policy.parse(
            yaml: PolicyTexts.full.replacingOccurrences(
                of: "clients:\n", with: "clients:\n  wonka: { tier: free, models: [fraud] }\n"),
            source: "granted.yaml")
        let grantedText = PolicyReport(policy: granted).text()
        let grantedFraud = try #require(grantedText.range(of: "model fraud\n")).upperBound
        #expect(grantedText[grantedFraud...].components(separatedBy: "\nmodel ")[0].contains("tier free:"))
    }

    @Test("an output whose noise is wider than its clamp range is flagged, with the deviation and its share")
    func swampedOutput() throws {
        // Laplace, L1 sensitivity 3 (d = 3 on [0, 1]), epsilon 1: b = 3, standard deviation 3·√2 ≈ 4.24.
        let report = PolicyReport(policy: try Policy.parse(yaml: PolicyTexts.policy(), source: "t.yaml"))
        let swamped = report.warnings.filter { $0.contains("the noise swamps the output") }
        #expect(swamped.count == 1, "\(report.warnings)")
        #expect(
            swamped.first?.contains(
                "models.m.outputs[0] (y): the noise swamps the output: its standard deviation is 4.24 (b = 3), "
                    + "424% of the clamp range [0, 1]") == true, "\(swamped)")
        let gaussian = PolicyReport(
            policy: try Policy.parse(
                yaml: PolicyTexts.privacy(
                    "{mechanism: gaussian, epsilon: 1, delta: 1.0e-6, clamp: [0, 2], normalize: false}"),
                source: "g.yaml"))
        #expect(gaussian.warnings.contains { $0.contains("(sigma)") && $0.contains("of the clamp range [0, 2]") })
    }

    @Test("a policy without warnings prints none")
    func noWarnings() throws {
        // Epsilon 5 per row: b = 0.6, a standard deviation of 0.85 on a clamp range of 1.
        let policy = try Policy.parse(
            yaml: PolicyTexts.privacy("{mechanism: laplace, epsilon: 5, clamp: [0, 1]}"), source: "t.yaml")
        let report = PolicyReport(policy: policy)
        #expect(report.warnings.isEmpty)
        #expect(!report.text().contains("WARNING"))
        #expect(report.text().contains("sensitivity: L1 3 (derived from clamp: d·(hi−lo))"))
    }

    @Test("json parses back with the same facts")
    func jsonRoundTrip() throws {
        let json = PolicyReport(policy: policy).json()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["accounting"] as? String == "rdp")
        #expect(object["version"] as? Int == 1)
        let limits = try #require(object["limits"] as? [String: Any])
        #expect(limits["max_record_bytes"] as? Int == 1_048_576)
        let auth = try #require(object["auth"] as? [String: Any])
        #expect(auth["mode"] as? String == "api_key")
        #expect(auth["default_tier"] as? String == "free")
        let tiers = try #require(object["tiers"] as? [[String: Any]])
        #expect(tiers.map { $0["name"] as? String } == ["free", "pro"])
        #expect(tiers[0]["rate_per_second"] as? Double == 10)
        #expect(tiers[1]["models"] as? String == "*")
        let budget = try #require(tiers[0]["budget"] as? [String: Any])
        #expect(budget["window"] as? String == "1d")
        #expect(budget["delta"] as? Double == 1e-6)
        let models = try #require(object["models"] as? [[String: Any]])
        #expect(models.map { $0["name"] as? String } == ["fraud", "sentiment", "digits"])
        let outputs = try #require(models[1]["outputs"] as? [[String: Any]])
        let privacy = try #require(outputs[0]["privacy"] as? [String: Any])
        #expect(privacy["mechanism"] as? String == "laplace")
        let calibration = try #require(privacy["calibration"] as? [String: Any])
        #expect(calibration["mechanism"] as? String == "discrete_laplace")
        let b = try #require(calibration["b"] as? Double)
        let grid = try #require(calibration["grid"] as? Double)
        // b = t·g ≥ (Δ1 + d·g)/ε with Δ1 = 2 (simplex), d = 3, ε = 0.5, and within one step of it (1e-15:
        // Foundation's JSON parser may round the last digit differently).
        let least = (2 + 3 * grid) / 0.5
        #expect(b >= least * (1 - 1e-15) && b < least + grid)
        let cost = try #require(calibration["cost_per_row"] as? [String: Any])
        #expect(cost["epsilon"] as? Double == 0.5)
        // Releases per budget under the policy's accounting, from the accountant.
        let fits = try #require(calibration["releases_per_budget"] as? [String: Any])
        #expect(!fits.isEmpty)
        #expect(fits.values.allSatisfy { ($0 as? Int ?? -1) >= 0 }, "\(fits)")
        let sensitivity = try #require(privacy["sensitivity"] as? [String: Any])
        #expect(sensitivity["value"] as? Double == 2)
        #expect(sensitivity["norm"] as? String == "L1")
        #expect(sensitivity["source"] as? String == "simplex")
        let warnings = try #require(object["warnings"] as? [String])
        #expect(warnings.contains { $0.contains("releases raw model outputs without noise") })
    }

    @Test("json is deterministic")
    func jsonDeterministic() {
        #expect(PolicyReport(policy: policy).json() == PolicyReport(policy: policy).json())
        #expect(PolicyReport(policy: policy).json().contains("\"accounting\" : \"rdp\""))
    }
}

@Suite("derived sensitivity")
struct SensitivityTests {
    static let row4 = TensorSpec(name: "p", datatype: .fp32, shape: [-1, 4])

    @Test("laplace from clamp: L1 = d·(hi−lo)")
    func laplaceClamp() {
        let spec = PrivacySpec(mechanism: .laplace, epsilon: 1, clamp: -1...1)
        #expect(spec.resolvedSensitivity(for: Self.row4) == ResolvedSensitivity(value: 8, norm: .l1, source: .clamp))
    }

    @Test("gaussian from clamp: L2 = √d·(hi−lo)")
    func gaussianClamp() {
        let spec = PrivacySpec(mechanism: .gaussian, epsilon: 1, delta: 1e-6, clamp: 0...3)
        #expect(spec.resolvedSensitivity(for: Self.row4) == ResolvedSensitivity(value: 6, norm: .l2, source: .clamp))
    }

    @Test("a row is every axis after the batch axis")
    func rank3() {
        let tensor = TensorSpec(name: "p", datatype: .fp32, shape: [-1, 2, 3])
        let spec = PrivacySpec(mechanism: .laplace, epsilon: 1, clamp: 0...1)
        #expect(spec.resolvedSensitivity(for: tensor)?.value == 6)
        #expect(tensor.fixedLastAxis == 3)
        #expect(TensorSpec(name: "s", datatype: .fp32, shape: [-1]).rowElementCount == 1)
    }

    @Test("normalize with clamp [0, 1]: the simplex bound when smaller")
    func simplex() {
        let spec = PrivacySpec(mechanism: .gaussian, epsilon: 1, delta: 1e-6, clamp: 0...1, normalize: true)
        #expect(
            spec.resolvedSensitivity(for: Self.row4)
                == ResolvedSensitivity(value: Double(2).squareRoot(), norm: .l2, source: .simplex)
        )
        let variable = TensorSpec(name: "p", datatype: .fp32, shape: [-1, -1])
        #expect(spec.resolvedSensitivity(for: variable)?.source == .simplex)
        let one = TensorSpec(name: "p", datatype: .fp32, shape: [-1, 1])
        #expect(spec.resolvedSensitivity(for: one) == ResolvedSensitivity(value: 1, norm: .l2, source: .clamp))
    }

    @Test("given sensitivity wins; none has none")
    func givenAndNone() {
        let given = PrivacySpec(mechanism: .laplace, epsilon: 1, sensitivity: 0.5, clamp: 0...1)
        #expect(given.resolvedSensitivity(for: Self.row4)?.source == .given)
        #expect(PrivacySpec(mechanism: .none).resolvedSensitivity(for: Self.row4) == nil)
    }
}
