import DPWallPrivacy
import Foundation

extension PolicyReport {
    /// The report as one JSON object with sorted keys (deterministic), ending without a newline.
    public func json() -> String {
        let object = jsonObject()
        guard
            let data = try? JSONSerialization.data(
                withJSONObject: object,
                options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            )
        else {
            return "{}"
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// The facts of ``json()`` as JSON-compatible values.
    func jsonObject() -> [String: Any] {
        let limits = policy.limits
        return [
            "version": policy.version,
            "accounting": policy.accounting.rawValue,
            "passthrough": policy.passthrough,
            "limits": [
                "max_record_bytes": limits.maxRecordBytes,
                "max_depth": limits.maxDepth,
                "max_batch": limits.maxBatch,
                "global_rate_per_second": limits.globalRate.map { $0.requestsPerSecond as Any } ?? NSNull(),
                "global_burst": limits.globalBurst,
            ],
            "auth": authJSON(),
            "tiers": policy.tiers.map(tierJSON),
            "clients": policy.clients.map(clientJSON),
            "models": policy.models.map(modelJSON),
            "warnings": warnings,
        ]
    }

    private func authJSON() -> [String: Any] {
        let auth = policy.auth
        var object: [String: Any] = [
            "mode": auth.mode.rawValue,
            "api_keys": auth.apiKeys.map { entry -> [String: Any] in
                var key: [String: Any] = ["client": entry.client]
                if let tier = entry.tier { key["tier"] = tier }
                return key
            },
        ]
        if let tier = auth.defaultTier { object["default_tier"] = tier }
        if let jwt = auth.jwt {
            var settings: [String: Any] = [
                "jwks": jwt.jwks,
                "client_claim": jwt.clientClaim,
                "leeway_seconds": jwt.leewaySeconds,
            ]
            if let file = jwt.hmacKeyFile { settings["hmac_key_file"] = file }
            if let issuer = jwt.issuer { settings["issuer"] = issuer }
            if let audience = jwt.audience { settings["audience"] = audience }
            if let claim = jwt.tierClaim { settings["tier_claim"] = claim }
            object["jwt"] = settings
        }
        if let cert = auth.clientCert {
            object["client_cert"] = ["ca": cert.ca, "identity": cert.identity.rawValue]
        }
        return object
    }

    private func tierJSON(_ tier: Policy.Tier) -> [String: Any] {
        var object: [String: Any] = [
            "name": tier.name,
            "models": Self.json(tier.models),
            "burst": tier.burst,
        ]
        if let rate = tier.rate { object["rate_per_second"] = rate.requestsPerSecond }
        if let quota = tier.quota { object["quota"] = Self.json(quota) }
        if let budget = tier.budget {
            var limit: [String: Any] = [
                "epsilon": budget.epsilon, "delta": budget.delta, "window": budget.window.text,
            ]
            if case .seconds(let seconds) = budget.window { limit["window_seconds"] = seconds }
            object["budget"] = limit
        }
        return object
    }

    private func clientJSON(_ client: Policy.ClientOverride) -> [String: Any] {
        var object: [String: Any] = ["name": client.name]
        if let tier = client.tier { object["tier"] = tier }
        if let models = client.models { object["models"] = Self.json(models) }
        if let rate = client.rate { object["rate_per_second"] = rate.requestsPerSecond }
        if let burst = client.burst { object["burst"] = burst }
        if let quota = client.quota { object["quota"] = Self.json(quota) }
        if let budget = client.budget {
            var override: [String: Any] = [:]
            if let epsilon = budget.epsilon { override["epsilon"] = epsilon }
            if let delta = budget.delta { override["delta"] = delta }
            if let window = budget.window {
                override["window"] = window.text
                if case .seconds(let seconds) = window { override["window_seconds"] = seconds }
            }
            object["budget"] = override
        }
        return object
    }

    private func modelJSON(_ model: ModelSpec) -> [String: Any] {
        [
            "name": model.name,
            "protocol": model.wireProtocol.rawValue,
            "max_batch": model.maxBatch,
            "inputs": model.inputs.map(Self.json),
            "outputs": model.outputs.map { output -> [String: Any] in
                var object = Self.json(output.tensor)
                if let privacy = output.privacy {
                    var described = Self.json(privacy, tensor: output.tensor, maxRowElements: policy.maxRowElements)
                    if let calibration = privacy.calibration(for: output.tensor, maxRowElements: policy.maxRowElements)
                    {
                        var numbers = Self.json(calibration)
                        var fits: [String: Any] = [:]
                        for (tier, releases) in releasesPerBudget(calibration, model: model.name) {
                            fits[tier] = releases
                        }
                        numbers["releases_per_budget"] = fits
                        described["calibration"] = numbers
                    }
                    object["privacy"] = described
                }
                return object
            },
        ]
    }

    private static func json(_ selection: Policy.ModelSelection) -> Any {
        switch selection {
        case .all: "*"
        case .only(let names): names
        }
    }

    private static func json(_ quota: Policy.Quota) -> [String: Any] {
        ["requests": quota.requests, "window": quota.window.rawValue]
    }

    private static func json(_ tensor: TensorSpec) -> [String: Any] {
        var object: [String: Any] = [
            "name": tensor.name,
            "datatype": tensor.datatype.rawValue,
            "shape": tensor.shape,
        ]
        if let range = tensor.range { object["range"] = [range.lowerBound, range.upperBound] }
        if let length = tensor.maxLength { object["max_length"] = length }
        if !tensor.deny.isEmpty { object["deny"] = tensor.deny }
        return object
    }

    private static func json(_ privacy: PrivacySpec, tensor: TensorSpec, maxRowElements: Int) -> [String: Any] {
        var object: [String: Any] = ["mechanism": privacy.mechanism.rawValue]
        if let epsilon = privacy.epsilon { object["epsilon"] = epsilon }
        if let delta = privacy.delta { object["delta"] = delta }
        func json(_ sensitivity: ResolvedSensitivity) -> [String: Any] {
            ["value": sensitivity.value, "norm": sensitivity.norm.rawValue, "source": sensitivity.source.rawValue]
        }
        if let sensitivity = privacy.resolvedSensitivity(for: tensor) {
            var described = json(sensitivity)
            if privacy.sensitivity != nil,
                let implied = privacy.impliedSensitivity(for: tensor, maxRowElements: maxRowElements)
            {
                var bound = json(implied)
                if tensor.rowElementCount == nil, implied.source == .clamp { bound["row_length"] = maxRowElements }
                described["implied_by_clamp"] = bound
            }
            if let reason = privacy.sensitivityReason { described["reason"] = reason }
            object["sensitivity"] = described
        }
        if let clamp = privacy.clamp { object["clamp"] = [clamp.lowerBound, clamp.upperBound] }
        if let round = privacy.round { object["round"] = round }
        if privacy.mechanism == .none {
            object["warning"] = "releases raw model outputs without noise"
        } else {
            object["normalize"] = privacy.normalize
            object["top_k"] = privacy.topK
            object["label_only"] = privacy.labelOnly
        }
        return object
    }

    private static func json(_ calibration: NoiseCalibration) -> [String: Any] {
        [
            "mechanism": "discrete_\(calibration.mechanism.rawValue)",
            calibration.mechanism == .laplace ? "b" : "sigma": calibration.scale,
            "scale_in_grid_steps": calibration.stepsScale,
            "grid": calibration.grid,
            "grid_exponent": calibration.gridExponent,
            "grid_relative_exponent": calibration.gridRelativeExponent,
            "row_length": calibration.rowLength,
            "inflated_sensitivity": calibration.inflatedSensitivity,
            "cost_per_row": ["epsilon": calibration.epsilon, "delta": calibration.delta],
            "sampler_total_variation_per_value": NoiseCalibration.samplerTotalVariation,
            "sampler_delta_added": 0,
        ]
    }
}
