extension PolicyDecoder {
    /// Checks what a budget makes possible once the whole policy is known: windows and the JWT leeway stay
    /// within event time's range, and no client can be sent a Gaussian release under a budget whose delta is 0.
    ///
    /// The reach of budgets is checked only on a policy without other problems: a budget whose delta did not
    /// decode reads as delta 0 here, and would be reported twice.
    func checkBudgets(_ policy: Policy) {
        checkWindows(policy)
        checkLeeway(policy)
        if diagnostics.problems.isEmpty { checkGaussianReach(policy) }
    }

    /// Every budget window is at most ``Policy/BudgetWindow/longestSeconds``: longer ones hold all of event time
    /// (`lifetime` says so), and their length in milliseconds would overflow window arithmetic.
    private func checkWindows(_ policy: Policy) {
        func check(_ window: Policy.BudgetWindow?, _ path: PolicyPath) {
            guard case .seconds(let seconds)? = window, seconds > Policy.BudgetWindow.longestSeconds else { return }
            diagnostics.report(
                path,
                "must be at most \(Policy.BudgetWindow.longestSeconds / 86_400)d (10000 years, all of event time); "
                    + "use lifetime for a budget that never resets, got \(Policy.BudgetWindow.seconds(seconds).text)")
        }
        for tier in policy.tiers {
            check(tier.budget?.window, PolicyPath.root.key("tiers").key(tier.name).key("budget").key("window"))
        }
        for client in policy.clients {
            check(client.budget?.window, PolicyPath.root.key("clients").key(client.name).key("budget").key("window"))
        }
    }

    /// The JWT leeway is at most ``Policy/JWTSettings/longestLeewaySeconds``, so that a token's times moved by it
    /// stay within the milliseconds event time is counted in.
    private func checkLeeway(_ policy: Policy) {
        guard let jwt = policy.auth.jwt, jwt.leewaySeconds > Policy.JWTSettings.longestLeewaySeconds else { return }
        diagnostics.report(
            PolicyPath.root.key("auth").key("jwt").key("leeway"),
            "must be at most \(PolicyValueSyntax.format(Policy.JWTSettings.longestLeewaySeconds)) seconds, got "
                + PolicyValueSyntax.format(jwt.leewaySeconds))
    }

    /// No tier, and no client override, whose budget has delta 0 may call a model with a Gaussian output: every
    /// Gaussian row costs a delta > 0, which no budget of delta 0 holds (the accountants convert at the budget's
    /// delta, which must be in (0, 1)). The problem is reported where it is made: the tier's `budget.delta`, or the
    /// override's `budget.delta` or `models` when the override makes it.
    private func checkGaussianReach(_ policy: Policy) {
        var tiersReported: Set<String> = []
        for tier in policy.tiers {
            guard let budget = tier.budget, budget.delta == 0 else { continue }
            let outputs = Self.gaussianOutputs(policy, tier.models)
            guard !outputs.isEmpty else { continue }
            tiersReported.insert(tier.name)
            diagnostics.report(
                PolicyPath.root.key("tiers").key(tier.name).key("budget").key("delta"),
                "is 0 (the default when omitted), but the tier can call \(outputs); a gaussian row costs a delta > 0, "
                    + "which no budget of delta 0 holds. Give the budget a delta in (0, 1), or leave those models out "
                    + "of the tier's models")
        }
        for client in policy.clients {
            checkGaussianReach(client, policy, tiersReported: tiersReported)
        }
    }

    private func checkGaussianReach(_ client: Policy.ClientOverride, _ policy: Policy, tiersReported: Set<String>) {
        // Without budget or models of its own the client is exactly its tier, already checked.
        guard client.budget != nil || client.models != nil else { return }
        let path = PolicyPath.root.key("clients").key(client.name)
        var reported: Set<PolicyPath> = []
        for tierName in Self.possibleTiers(of: client, policy) {
            let tier = policy.tier(named: tierName)
            // With tiers declared, a client in none of them is forbidden every model; without any, it may call all.
            if !policy.tiers.isEmpty && tier == nil { continue }
            guard let budget = policy.budget(forClient: client.name, tierName: tierName).budget, budget.delta == 0
            else { continue }
            let models: Policy.ModelSelection = policy.tiers.isEmpty ? .all : client.models ?? tier?.models ?? .only([])
            let outputs = Self.gaussianOutputs(policy, models)
            guard !outputs.isEmpty else { continue }
            let at: PolicyPath
            let cause: String
            if client.budget?.delta != nil || tier?.budget == nil {
                at = path.key("budget").key("delta")
                cause = client.budget?.delta != nil ? "is 0" : "is 0 in the budget this override gives (the default)"
            } else if tiersReported.contains(tierName) {
                continue
            } else {
                at = path.key("models")
                cause =
                    "lets the client call models its tier \(Self.quoted(tierName)) does not, under that tier's delta 0"
            }
            guard reported.insert(at).inserted else { continue }
            diagnostics.report(
                at,
                "\(cause), and the client can call \(outputs)"
                    + (client.tier == nil && tier != nil ? " in tier \(Self.quoted(tierName))" : "")
                    + "; a gaussian row costs a delta > 0, which no budget of delta 0 holds. Give the client's "
                    + "budget a delta in (0, 1), or leave those models out of its models")
        }
    }

    /// The tiers `client` can be in: its override's `tier`; else the tier its credentials can carry under the
    /// auth mode (an API key's `tier`, any tier through a JWT's tier claim), else `auth.default_tier` ("" for
    /// none), as ``Policy/tierName(forClient:credentialTier:)`` resolves them.
    private static func possibleTiers(of client: Policy.ClientOverride, _ policy: Policy) -> [String] {
        if let tier = client.tier { return [tier] }
        let fallback = policy.auth.defaultTier ?? ""
        switch policy.auth.mode {
        case .trusted, .clientCert:
            return [fallback]
        case .apiKey:
            return policy.auth.apiKeys.filter { $0.client == client.name }.map { $0.tier ?? fallback }
        case .jwt:
            guard policy.auth.jwt?.tierClaim != nil else { return [fallback] }
            return [fallback] + policy.tiers.map(\.name)
        }
    }

    /// The Gaussian outputs of the models in `selection`, as `models.m.outputs[i] (name)`, the first three named.
    private static func gaussianOutputs(_ policy: Policy, _ selection: Policy.ModelSelection) -> String {
        var found: [String] = []
        for model in policy.models where selection.contains(model.name) {
            for (index, output) in model.outputs.enumerated() where output.privacy?.mechanism == .gaussian {
                found.append("models.\(model.name).outputs[\(index)] (\(output.tensor.name))")
            }
        }
        guard !found.isEmpty else { return "" }
        let shown = found.prefix(3).joined(separator: ", ")
        let more = found.count > 3 ? " and \(found.count - 3) more" : ""
        return "the gaussian output\(found.count == 1 ? "" : "s") \(shown)\(more)"
    }

    private static func quoted(_ name: String) -> String {
        YAMLValue.quoted(name)
    }
}
