import DPWallPrivacy
import Foundation

/// What `dpwall policy check` prints: the policy in plain words and numbers, as text or as JSON.
public struct PolicyReport: Sendable {
    /// The policy described.
    public let policy: Policy

    /// Creates the report of a (validated) policy.
    public init(policy: Policy) {
        self.policy = policy
    }

    /// Things an operator should look at, one sentence each (outputs released without noise, unused sections).
    public var warnings: [String] {
        var result: [String] = []
        for model in policy.models {
            for (index, output) in model.outputs.enumerated() {
                let place = "models.\(model.name).outputs[\(index)] (\(output.tensor.name))"
                switch output.privacy?.mechanism {
                case .none?: result.append("\(place) releases raw model outputs without noise (mechanism none)")
                case nil: result.append("\(place) releases raw \(output.tensor.datatype.rawValue) outputs as they are")
                default:
                    guard let privacy = output.privacy,
                        let calibration = privacy.calibration(for: output.tensor, maxRowElements: policy.maxRowElements)
                    else { break }
                    if privacy.clamp == nil {
                        let cap = Self.number(OutputPrivatizer.largestSteps * calibration.grid)
                        result.append(
                            "\(place) has no clamp: its sensitivity is a promise nothing enforces, and raw values "
                                + "beyond ±\(cap) (2^52 grid steps) are cut there before noise; declare a clamp")
                    }
                    if let swamped = Self.swamped(calibration, clamp: privacy.clamp) {
                        result.append("\(place): \(swamped)")
                    }
                    if calibration.gridRelativeExponent > -20 {
                        result.append(
                            "\(place): the clamp range is so wide next to the noise scale that the grid is "
                                + "2^\(calibration.gridRelativeExponent) of the scale (coarser than 2^-20); the "
                                + "sensitivity is inflated for it, so privacy holds, but utility suffers")
                    }
                }
            }
        }
        let auth = policy.auth
        if auth.mode != .apiKey, !auth.apiKeys.isEmpty {
            result.append("auth.api_keys is not used: auth.mode is \(auth.mode.rawValue)")
        }
        if auth.mode != .jwt, auth.jwt != nil {
            result.append("auth.jwt is not used: auth.mode is \(auth.mode.rawValue)")
        }
        if auth.mode != .clientCert, auth.clientCert != nil {
            result.append("auth.client_cert is not used: auth.mode is \(auth.mode.rawValue)")
        }
        return result
    }

    /// The report as readable text, one fact per line, ending with a newline.
    public func text() -> String {
        var lines: [String] = []
        lines.append("policy version \(policy.version)")
        lines.append("accounting: \(policy.accounting.rawValue)")
        lines.append(authLine())
        let limits = policy.limits
        lines.append(
            "limits: max_record_bytes \(limits.maxRecordBytes) bytes, max_depth \(limits.maxDepth), "
                + "max_batch \(limits.maxBatch) rows, global rate "
                + (limits.globalRate.map { "\(Self.text($0)), burst \(limits.globalBurst)" } ?? "unlimited")
        )
        lines.append(
            "passthrough: " + (policy.passthrough.isEmpty ? "none" : policy.passthrough.joined(separator: ", ")))
        for tier in policy.tiers {
            lines.append("")
            lines.append("tier \(tier.name)")
            lines.append("  models: \(Self.text(tier.models))")
            lines.append("  rate: \(tier.rate.map(Self.text) ?? "unlimited"), burst \(tier.burst)")
            lines.append("  quota: \(tier.quota.map(Self.text) ?? "unlimited")")
            if let budget = tier.budget {
                lines.append(
                    "  budget: epsilon \(Self.number(budget.epsilon)), delta \(Self.number(budget.delta)), "
                        + "window \(budget.window.text)"
                )
            } else {
                lines.append("  budget: none (no privatized output can be released to this tier)")
            }
        }
        for client in policy.clients {
            lines.append("")
            lines.append("client \(client.name)")
            lines.append(contentsOf: clientLines(client).map { "  " + $0 })
        }
        for model in policy.models {
            lines.append("")
            lines.append("model \(model.name)")
            lines.append("  protocol: \(model.wireProtocol.rawValue), max_batch \(model.maxBatch) rows")
            for input in model.inputs {
                lines.append("  input \(input.name): \(Self.text(input))")
            }
            for output in model.outputs {
                lines.append("  output \(output.tensor.name): \(Self.text(output.tensor))")
                lines.append(contentsOf: privacyLines(output).map { "    " + $0 })
                if let privacy = output.privacy,
                    let calibration = privacy.calibration(for: output.tensor, maxRowElements: policy.maxRowElements)
                {
                    lines.append(
                        contentsOf: calibrationLines(
                            calibration, model: model.name, fixedRow: output.tensor.rowElementCount != nil
                        ).map {
                            "    " + $0
                        })
                }
            }
        }
        let warnings = warnings
        if !warnings.isEmpty {
            lines.append("")
            lines.append(contentsOf: warnings.map { "WARNING: \($0)" })
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private func authLine() -> String {
        let auth = policy.auth
        var parts = ["auth: \(auth.mode.rawValue)"]
        switch auth.mode {
        case .trusted: break
        case .apiKey: parts.append("\(auth.apiKeys.count) API key\(auth.apiKeys.count == 1 ? "" : "s")")
        case .jwt:
            if let jwt = auth.jwt {
                parts.append("jwks \(jwt.jwks)")
                if let file = jwt.hmacKeyFile { parts.append("hmac_key_file \(file)") }
                if let issuer = jwt.issuer { parts.append("issuer \(issuer)") }
                if let audience = jwt.audience { parts.append("audience \(audience)") }
                parts.append("client_claim \(jwt.clientClaim)")
                if let claim = jwt.tierClaim { parts.append("tier_claim \(claim)") }
                parts.append("leeway \(Self.number(jwt.leewaySeconds)) s")
            }
        case .clientCert:
            if let cert = auth.clientCert { parts.append("ca \(cert.ca), identity \(cert.identity.rawValue)") }
        }
        parts.append("default tier \(auth.defaultTier ?? "none")")
        return parts.joined(separator: ", ")
    }

    private func clientLines(_ client: Policy.ClientOverride) -> [String] {
        var lines: [String] = []
        if let tier = client.tier { lines.append("tier: \(tier)") }
        if let models = client.models { lines.append("models: \(Self.text(models))") }
        if let rate = client.rate { lines.append("rate: \(Self.text(rate))") }
        if let burst = client.burst { lines.append("burst: \(burst)") }
        if let quota = client.quota { lines.append("quota: \(Self.text(quota))") }
        if let budget = client.budget {
            var parts: [String] = []
            if let epsilon = budget.epsilon { parts.append("epsilon \(Self.number(epsilon))") }
            if let delta = budget.delta { parts.append("delta \(Self.number(delta))") }
            if let window = budget.window { parts.append("window \(window.text)") }
            lines.append("budget: " + (parts.isEmpty ? "as the tier" : parts.joined(separator: ", ")))
        }
        return lines.isEmpty ? ["as the tier"] : lines
    }

    private func privacyLines(_ output: OutputSpec) -> [String] {
        guard let privacy = output.privacy else {
            return ["privacy: none declared (\(output.tensor.datatype.rawValue) is not privatized)"]
        }
        var lines: [String] = []
        var head = "privacy: \(privacy.mechanism.rawValue)"
        if let epsilon = privacy.epsilon { head += ", epsilon \(Self.number(epsilon)) per row" }
        if let delta = privacy.delta { head += ", delta \(Self.number(delta)) per row" }
        lines.append(head)
        if let sensitivity = privacy.resolvedSensitivity(for: output.tensor) {
            lines.append("sensitivity: " + Self.text(sensitivity))
        }
        if privacy.sensitivity != nil,
            let implied = privacy.impliedSensitivity(for: output.tensor, maxRowElements: policy.maxRowElements)
        {
            let variable = output.tensor.rowElementCount == nil && implied.source == .clamp
            let rows = variable ? ", d = \(policy.maxRowElements), the most a record holds" : ""
            lines.append("sensitivity the clamp implies: " + Self.text(implied) + rows)
        }
        if let reason = privacy.sensitivityReason {
            lines.append("sensitivity reason: " + reason)
        }
        var post: [String] = []
        post.append(
            "clamp "
                + (privacy.clamp.map { "[\(Self.number($0.lowerBound)), \(Self.number($0.upperBound))]" } ?? "none"))
        if privacy.mechanism != .none {
            post.append("normalize \(privacy.normalize)")
        }
        post.append("round " + (privacy.round.map { "\($0) decimals" } ?? "none"))
        if privacy.mechanism != .none {
            post.append("top_k \(privacy.topK)")
            post.append("label_only \(privacy.labelOnly)")
        }
        lines.append(post.joined(separator: ", "))
        return lines
    }

    /// When the noise's standard deviation is larger than the clamp range, what it does to the output: a
    /// sentence, or nil. Such releases are mostly noise: values pile up at the clamp's ends, and among the equal
    /// values `top_k` keeps the first ones, so rows look alike whatever the model said.
    static func swamped(_ calibration: NoiseCalibration, clamp: ClosedRange<Double>?) -> String? {
        guard let clamp, clamp.upperBound > clamp.lowerBound else { return nil }
        let laplace = calibration.mechanism == .laplace
        // Laplace of scale b has standard deviation b·√2; the Gaussian's is σ.
        let deviation = laplace ? calibration.scale * 2.0.squareRoot() : calibration.scale
        let range = clamp.upperBound - clamp.lowerBound
        guard deviation > range else { return nil }
        let scale = laplace ? "b = \(significant(calibration.scale))" : "sigma"
        return "the noise swamps the output: its standard deviation is \(significant(deviation)) (\(scale)), "
            + "\(significant(deviation / range * 100))% of the clamp range [\(number(clamp.lowerBound)), "
            + "\(number(clamp.upperBound))], so released values are mostly noise (they pile up at the clamp's ends, "
            + "and top_k keeps the first of equal values); a larger epsilon per row shrinks it (as 1/epsilon)"
    }

    /// `value` to three significant digits, for sentences (the JSON report keeps every digit).
    static func significant(_ value: Double) -> String {
        guard value.isFinite, value != 0 else { return number(value) }
        let decimals = min(max(2 - Int(log10(value.magnitude).rounded(.down)), 0), 22)
        return number(PostProcessing.round(value, decimals: decimals))
    }

    /// For every tier with a budget that may call `model` (itself, or through a client of it whose `models` names
    /// the model), how many single-row releases of `calibration` fit one window under the policy's accounting.
    ///
    /// The RDP and zCDP conversions need a delta in (0, 1). Under a budget of delta 0 only pure epsilon-DP
    /// composes, by the sum (basic composition), and no Gaussian release fits at all (validation keeps such a
    /// tier from calling a Gaussian output, but every tier is listed).
    func releasesPerBudget(_ calibration: NoiseCalibration, model: String) -> [(tier: String, releases: Int)] {
        let accountant = Accountant(method: policy.accounting)
        return policy.tiers.compactMap { tier in
            guard let budget = tier.budget, mayCall(model, tier: tier.name) else { return nil }
            let cost = calibration.rowCost
            guard budget.delta > 0 else {
                let fit =
                    calibration.mechanism == .gaussian
                    ? 0 : Accountant(method: .basic).releasesThatFit(cost, epsilon: budget.epsilon, delta: 0)
                return (tier.name, fit)
            }
            return (tier.name, accountant.releasesThatFit(cost, epsilon: budget.epsilon, delta: budget.delta))
        }
    }

    /// Whether a client of `tier` may call `model`: the tier's `models`, or a client override in the tier.
    func mayCall(_ model: String, tier: String) -> Bool {
        if policy.tiers.first(where: { $0.name == tier })?.models.contains(model) == true { return true }
        return policy.clients.contains { client in
            (client.tier ?? policy.auth.defaultTier) == tier && client.models?.contains(model) == true
        }
    }

    /// The numbers of the noise: scale, grid, inflated sensitivity, cost per row, sampler error, rows per budget.
    private func calibrationLines(_ calibration: NoiseCalibration, model: String, fixedRow: Bool) -> [String] {
        var lines: [String] = []
        let scale =
            calibration.mechanism == .laplace
            ? "b \(Self.number(calibration.scale)) (\(Self.number(calibration.stepsScale)) grid steps)"
            : "sigma \(Self.number(calibration.scale)) (\(Self.number(calibration.stepsScale)) grid steps, analytic "
                + "Gaussian of Balle & Wang)"
        lines.append("noise: discrete \(calibration.mechanism.rawValue), \(scale)")
        lines.append(
            "grid: 2^\(calibration.gridExponent) = \(Self.number(calibration.grid)) "
                + "(2^\(calibration.gridRelativeExponent) of the scale)")
        let norm = calibration.mechanism == .laplace ? "L1" : "L2"
        let growth = calibration.mechanism == .laplace ? "d·g" : "√d·g"
        lines.append(
            "sensitivity inflated for the grid: \(norm) \(Self.number(calibration.inflatedSensitivity)) "
                + "(+ \(growth), d = \(calibration.rowLength)\(fixedRow ? "" : ", the most a record can hold"))")
        lines.append(
            "cost per row: epsilon \(Self.number(calibration.epsilon)), delta \(Self.number(calibration.delta)); "
                + "sampler error at most 2^-90 total variation per value (below 2^-60: no delta added)")
        let fits = releasesPerBudget(calibration, model: model)
        if fits.isEmpty { lines.append("no tier with a budget may call this model") }
        for (tier, fit) in fits {
            let window = policy.tiers.first { $0.name == tier }?.budget?.window.text ?? ""
            lines.append(
                "tier \(tier): \(fit) single-row release\(fit == 1 ? "" : "s") per \(window) under "
                    + "\(policy.accounting.rawValue) accounting")
        }
        return lines
    }

    static func text(_ selection: Policy.ModelSelection) -> String {
        switch selection {
        case .all: "* (every model)"
        case .only(let names): names.isEmpty ? "none" : names.joined(separator: ", ")
        }
    }

    /// The rate as the limiter enforces it and its denials say it (whole milli-requests per second, as nginx keeps
    /// it: `1/m` is 0.016), with the policy's own rate to four digits when that differs.
    static func text(_ rate: Policy.Rate) -> String {
        let enforced = Double(LeakyBucket(requestsPerSecond: rate.requestsPerSecond, burst: 0).rate) / 1000
        var text = "\(number(enforced)) requests/s"
        if enforced != rate.requestsPerSecond {
            text +=
                " (\(TextTable.human(rate.requestsPerSecond)) in the policy, counted in milli-requests as nginx does)"
        }
        return text
    }

    static func text(_ quota: Policy.Quota) -> String {
        "\(quota.requests) requests/\(quota.window.rawValue) (UTC)"
    }

    static func text(_ tensor: TensorSpec) -> String {
        var text = "\(tensor.datatype.rawValue) [\(tensor.shape.map(String.init).joined(separator: ", "))]"
        if let range = tensor.range { text += ", range [\(number(range.lowerBound)), \(number(range.upperBound))]" }
        if let length = tensor.maxLength { text += ", max_length \(length) bytes" }
        if !tensor.deny.isEmpty { text += ", \(tensor.deny.count) deny pattern\(tensor.deny.count == 1 ? "" : "s")" }
        return text
    }

    static func text(_ sensitivity: ResolvedSensitivity) -> String {
        let value = "\(sensitivity.norm.rawValue) \(number(sensitivity.value))"
        switch sensitivity.source {
        case .given: return "\(value) (given)"
        case .clamp: return "\(value) (derived from clamp: \(sensitivity.norm == .l1 ? "d·(hi−lo)" : "√d·(hi−lo)"))"
        case .simplex: return "\(value) (derived from clamp and normalize: the probability simplex bound)"
        }
    }

    /// A number in its shortest round-tripping form, without a trailing `.0` for integers.
    static func number(_ value: Double) -> String {
        PolicyValueSyntax.format(value)
    }
}
