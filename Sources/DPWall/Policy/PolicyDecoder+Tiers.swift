import Yams

extension PolicyDecoder {
    static let tierKeys = ["models", "rate", "burst", "quota", "budget"]
    static let clientKeys = ["tier", "models", "rate", "burst", "quota", "budget"]
    static let budgetKeys = ["epsilon", "delta", "window"]

    func decodeTiers(_ value: YAMLValue) -> [Policy.Tier] {
        guard let entries = value.entries() else { return [] }
        var tiers: [Policy.Tier] = []
        for (name, tierValue) in entries {
            guard !name.isEmpty else {
                tierValue.report("tier names must not be empty")
                continue
            }
            guard checkNameKey(name, of: value, kind: "tier") else { continue }
            guard let map = tierValue.mapping(allowed: Self.tierKeys) else { continue }
            var tier = Policy.Tier(name: name, models: .only([]))
            if let models = map.required("models", "a list of model names, or \"*\" for every model"),
                let selection = decodeModelSelection(models)
            {
                tier.models = selection
            }
            tier.rate = map["rate"].flatMap(decodeRate)
            if let burst = map["burst"].flatMap(decodeBurst) { tier.burst = burst }
            tier.quota = map["quota"].flatMap(decodeQuota)
            tier.budget = map["budget"].flatMap(decodeBudget)
            tiers.append(tier)
        }
        return tiers
    }

    func decodeClients(_ value: YAMLValue) -> [Policy.ClientOverride] {
        guard let entries = value.entries() else { return [] }
        var clients: [Policy.ClientOverride] = []
        for (name, clientValue) in entries {
            guard !name.isEmpty else {
                clientValue.report("client names must not be empty")
                continue
            }
            guard checkNameKey(name, of: value, kind: "client") else { continue }
            guard let map = clientValue.mapping(allowed: Self.clientKeys) else { continue }
            var client = Policy.ClientOverride(name: name)
            if let tierValue = map["tier"], let tier = checkedName(tierValue, kind: "tier") {
                client.tier = tier
                tierReferences.append((tierValue.path, tier))
            }
            client.models = map["models"].flatMap(decodeModelSelection)
            client.rate = map["rate"].flatMap(decodeRate)
            client.burst = map["burst"].flatMap(decodeBurst)
            client.quota = map["quota"].flatMap(decodeQuota)
            client.budget = map["budget"].flatMap(decodeBudgetOverride)
            clients.append(client)
        }
        return clients
    }

    private func decodeModelSelection(_ value: YAMLValue) -> Policy.ModelSelection? {
        if case .scalar = value.node, value.tagName == .str, value.node.string == "*" {
            return .all
        }
        guard case .sequence = value.node, let elements = value.list() else {
            value.report("expected a list of model names or \"*\", got \(value.summary)")
            return nil
        }
        var names: [String] = []
        for element in elements {
            guard let name = checkedName(element, kind: "model") else { continue }
            modelReferences.append((element.path, name))
            names.append(name)
        }
        return .only(names)
    }

    func decodeRate(_ value: YAMLValue) -> Policy.Rate? {
        guard let text = value.scalarText() else { return nil }
        guard let perSecond = PolicyValueSyntax.rate(text) else {
            value.report("expected a rate > 0 such as 10/s, 600/m or 3600/h, got \(value.summary)")
            return nil
        }
        // The bucket counts milli-requests per second in integers, as nginx does.
        guard perSecond >= Policy.Rate.slowest && perSecond <= Policy.Rate.fastest else {
            value.report("a rate must be between 0.001/s (3.6/h) and 1000000000/s, got \(value.summary)")
            return nil
        }
        return Policy.Rate(requestsPerSecond: perSecond)
    }

    func decodeBurst(_ value: YAMLValue) -> Int? {
        value.integer("in 0...1000000000", { (0...1_000_000_000).contains($0) })
    }

    private func decodeQuota(_ value: YAMLValue) -> Policy.Quota? {
        guard let text = value.scalarText() else { return nil }
        guard let quota = PolicyValueSyntax.quota(text) else {
            value.report(
                "expected <requests>/hour, <requests>/day or <requests>/month with requests > 0, "
                    + "got \(value.summary)"
            )
            return nil
        }
        return quota
    }

    private func decodeBudget(_ value: YAMLValue) -> Policy.Budget? {
        guard let map = value.mapping(allowed: Self.budgetKeys) else { return nil }
        let epsilon = map.required("epsilon", "the epsilon limit per window, > 0").flatMap(decodeBudgetEpsilon)
        var budget = Policy.Budget(epsilon: epsilon ?? 1)
        if let delta = map["delta"].flatMap(decodeBudgetDelta) { budget.delta = delta }
        if let window = map["window"].flatMap(decodeWindow) { budget.window = window }
        return epsilon == nil ? nil : budget
    }

    private func decodeBudgetOverride(_ value: YAMLValue) -> Policy.BudgetOverride? {
        guard let map = value.mapping(allowed: Self.budgetKeys) else { return nil }
        return Policy.BudgetOverride(
            epsilon: map["epsilon"].flatMap(decodeBudgetEpsilon),
            delta: map["delta"].flatMap(decodeBudgetDelta),
            window: map["window"].flatMap(decodeWindow)
        )
    }

    private func decodeBudgetEpsilon(_ value: YAMLValue) -> Double? {
        value.number("> 0", { $0 > 0 })
    }

    private func decodeBudgetDelta(_ value: YAMLValue) -> Double? {
        value.number("in [0, 1)", { $0 >= 0 && $0 < 1 })
    }

    private func decodeWindow(_ value: YAMLValue) -> Policy.BudgetWindow? {
        guard let text = value.scalarText() else { return nil }
        guard let window = PolicyValueSyntax.budgetWindow(text) else {
            value.report("expected lifetime, <n>h or <n>d (1h, 1d, 7d, 30d), got \(value.summary)")
            return nil
        }
        return window
    }
}
