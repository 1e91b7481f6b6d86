/// Turns a composed policy document into a ``Policy``, reporting every problem with its key path.
final class PolicyDecoder {
    static let topLevelKeys = [
        "version", "passthrough", "limits", "auth", "tiers", "clients", "accounting", "models",
    ]
    static let limitsKeys = [
        "max_record_bytes", "max_depth", "max_batch", "global_rate", "global_burst", "max_event_skew",
        "allowed_lateness",
    ]

    let diagnostics: PolicyDiagnostics
    /// Tier names used somewhere, checked once all tiers are known.
    var tierReferences: [(path: PolicyPath, name: String)] = []
    /// Model names used somewhere, checked once all models are known.
    var modelReferences: [(path: PolicyPath, name: String)] = []
    /// The policy's `limits`, decoded before the models (a row's most elements depend on them).
    var limits = Policy.Limits()

    init(diagnostics: PolicyDiagnostics) {
        self.diagnostics = diagnostics
    }

    /// The policy of the document at `root`; meaningful only when no problem was reported.
    func decodePolicy(_ root: YAMLValue) -> Policy {
        var policy = Policy()
        guard let map = root.mapping(allowed: Self.topLevelKeys) else { return policy }
        if let value = map.required("version", "the policy format version: 1"), let version = value.integer() {
            if version == 1 {
                policy.version = version
            } else {
                value.report("unsupported version; must be 1, got \(value.summary)")
            }
        }
        if let value = map["passthrough"] { policy.passthrough = decodePassthrough(value) }
        if let value = map["limits"] { policy.limits = decodeLimits(value) }
        limits = policy.limits
        if let value = map["auth"] { policy.auth = decodeAuth(value) }
        if let value = map["tiers"] { policy.tiers = decodeTiers(value) }
        if let value = map["clients"] { policy.clients = decodeClients(value) }
        if let value = map["accounting"], let accounting = value.choice(Policy.Accounting.self) {
            policy.accounting = accounting
        }
        if let value = map.required("models", "a mapping of model names to their declarations") {
            policy.models = decodeModels(value, limits: policy.limits)
        }
        checkReferences(policy)
        checkBudgets(policy)
        return policy
    }

    private func decodePassthrough(_ value: YAMLValue) -> [String] {
        guard let elements = value.list() else { return [] }
        var names: [String] = []
        for element in elements {
            guard let name = element.nonEmptyString() else { continue }
            if Policy.envelopeFieldNames.contains(name) {
                element.report("\(YAMLValue.quoted(name)) is an envelope field and cannot be passed through")
            } else if names.contains(name) {
                element.report("\(YAMLValue.quoted(name)) is listed twice")
            } else {
                names.append(name)
            }
        }
        return names
    }

    private func decodeLimits(_ value: YAMLValue) -> Policy.Limits {
        var limits = Policy.Limits()
        guard let map = value.mapping(allowed: Self.limitsKeys) else { return limits }
        let bytes = Policy.Limits.maxRecordBytesRange
        let depth = Policy.Limits.maxDepthRange
        if let number = map["max_record_bytes"]?.integer("in \(bytes.lowerBound)...\(bytes.upperBound)", bytes.contains)
        {
            limits.maxRecordBytes = number
        }
        if let number = map["max_depth"]?.integer("in \(depth.lowerBound)...\(depth.upperBound)", depth.contains) {
            limits.maxDepth = number
        }
        if let number = map["max_batch"]?.integer(">= 1", { $0 >= 1 }) {
            limits.maxBatch = number
        }
        limits.globalRate = map["global_rate"].flatMap(decodeRate)
        if let burst = map["global_burst"].flatMap(decodeBurst) { limits.globalBurst = burst }
        if let seconds = eventTimeBound(map["max_event_skew"]) { limits.maxEventSkew = seconds }
        if let seconds = eventTimeBound(map["allowed_lateness"]) { limits.allowedLateness = seconds }
        return limits
    }

    /// A bound of records.md's "Event time" (`max_event_skew`, `allowed_lateness`): a duration from 0 s to ten
    /// years, as seconds or with a unit (days too, `7d`, as budget windows take them); nil (reported) otherwise.
    private func eventTimeBound(_ node: YAMLValue?) -> Double? {
        guard let node else { return nil }
        let seconds: Double? =
            node.isNumber
            ? node.number(">= 0", { $0 >= 0 })
            : node.scalarText().flatMap { text in
                text.hasSuffix("d")
                    ? Double(text.dropLast()).flatMap { $0 >= 0 && $0.isFinite ? $0 * 86_400 : nil }
                    : PolicyValueSyntax.duration(text)
            }
        if let seconds, seconds <= Policy.Limits.maxEventSkewLimit { return seconds }
        if seconds != nil || !node.isNumber {
            node.report("expected a duration from 0s to 3652d such as 1m or 30s, got \(node.summary)")
        }
        return nil
    }

    /// Checks that every referenced tier and model exists.
    private func checkReferences(_ policy: Policy) {
        for (path, name) in tierReferences where policy.tier(named: name) == nil {
            let known = policy.tiers.isEmpty ? "none" : policy.tiers.map(\.name).joined(separator: ", ")
            diagnostics.report(path, "no tier named \(YAMLValue.quoted(name)) (tiers: \(known))")
        }
        for (path, name) in modelReferences where policy.model(named: name) == nil {
            let known = policy.models.isEmpty ? "none" : policy.models.map(\.name).joined(separator: ", ")
            diagnostics.report(path, "no model named \(YAMLValue.quoted(name)) (models: \(known))")
        }
    }
}
