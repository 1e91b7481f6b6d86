extension Policy {
    /// A client's tier and privacy budget: its tier's budget with the client's overrides applied (policy.md,
    /// `clients`). The budget is `nil` when neither gives an epsilon: nothing privatized may be released to it.
    /// `tierName` is the client's tier as authentication resolved it (``tierName(forClient:credentialTier:)``).
    public func budget(forClient client: String, tierName: String? = nil) -> (tier: String, budget: Budget?) {
        let override = clientOverride(named: client)
        let tierName = tierName ?? self.tierName(forClient: client)
        var budget = tier(named: tierName)?.budget
        if let changes = override?.budget {
            if budget == nil, let epsilon = changes.epsilon { budget = Budget(epsilon: epsilon) }
            if let epsilon = changes.epsilon { budget?.epsilon = epsilon }
            if let delta = changes.delta { budget?.delta = delta }
            if let window = changes.window { budget?.window = window }
        }
        return (tierName, budget)
    }
}

extension Policy.BudgetWindow {
    /// The tumbling window holding event time `time` (milliseconds since 1970), aligned to UTC:
    /// `[⌊time / L⌋·L, ⌊time / L⌋·L + L)`; the whole time line for `lifetime`.
    public func span(containing time: Int64) -> (start: Int64, end: Int64) {
        switch self {
        case .lifetime:
            return (.min, .max)
        case .seconds(let seconds):
            let length = Int64(seconds) * 1000
            var start = time / length * length
            if start > time { start -= length }
            return (start, start + length)
        }
    }
}
