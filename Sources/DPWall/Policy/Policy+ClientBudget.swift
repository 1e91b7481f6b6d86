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
    ///
    /// A bound beyond the Int64 milliseconds stops at `Int64.min` or `Int64.max` (only a window longer than a
    /// policy may set, or a time at the ends of the range, gets there), so no time makes the arithmetic trap.
    public func span(containing time: Int64) -> (start: Int64, end: Int64) {
        switch self {
        case .lifetime:
            return (.min, .max)
        case .seconds(let seconds):
            let (length, overflow) = Int64(clamping: seconds).multipliedReportingOverflow(by: 1000)
            guard !overflow, length > 0 else { return (.min, .max) }
            return Self.aligned(time, length: length)
        }
    }

    /// `[⌊time / length⌋·length, … + length)`, each bound saturating at the ends of Int64.
    static func aligned(_ time: Int64, length: Int64) -> (start: Int64, end: Int64) {
        var start = time / length * length
        if start > time {
            let (earlier, overflow) = start.subtractingReportingOverflow(length)
            start = overflow ? .min : earlier
        }
        let (end, overflow) = start.addingReportingOverflow(length)
        return (start, overflow ? .max : end)
    }
}
