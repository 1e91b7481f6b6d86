import DPWallRecords

/// A client's tier, and which models it may call: its `clients` override, else its tier's `models` (policy.md,
/// `tiers`). The tier is the client's `clients` entry's, else the one its credentials carry, else
/// `auth.default_tier`.
///
/// Decisions are cached per client; the cache is cleared when it reaches ``cacheLimit`` entries, so a flood of
/// distinct client names cannot grow memory without bound.
final class TierResolver {
    static let cacheLimit = 65_536
    private struct Resolved {
        var credentialTier: String?
        var tierName: String
        var models: Policy.ModelSelection?
    }

    private let policy: Policy
    private var cache: [String: Resolved] = [:]

    init(policy: Policy) { self.policy = policy }

    /// The client's tier name ("" when none), and nil when `client` may call `model`, else a `forbidden` problem
    /// saying why.
    func check(client: String, credentialTier: String?, model: String) -> (tierName: String, problem: RecordError?) {
        let resolved: Resolved
        if let cached = cache[client], cached.credentialTier == credentialTier {
            resolved = cached
        } else {
            resolved = resolve(client, credentialTier)
            if cache.count >= Self.cacheLimit { cache.removeAll(keepingCapacity: true) }
            cache[client] = resolved
        }
        guard !policy.tiers.isEmpty else { return (resolved.tierName, nil) }
        guard let models = resolved.models else {
            let problem =
                resolved.tierName.isEmpty
                ? RecordError(
                    .forbidden, "client is in no tier (set auth.default_tier, or a tier under clients in the policy)")
                : RecordError(
                    .forbidden, "the client's tier \(resolved.tierName.quotedForMessage) is not in the policy")
            return (resolved.tierName, problem)
        }
        return (
            resolved.tierName,
            models.contains(model) ? nil : RecordError(.forbidden, "model \"\(model)\" is not in the client's tier")
        )
    }

    private func resolve(_ client: String, _ credentialTier: String?) -> Resolved {
        let tierName = policy.tierName(forClient: client, credentialTier: credentialTier)
        let models = policy.clientOverride(named: client)?.models ?? policy.tier(named: tierName)?.models
        return Resolved(credentialTier: credentialTier, tierName: tierName, models: models)
    }
}
