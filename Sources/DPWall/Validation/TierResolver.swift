import DPWallRecords

/// Which models a client may call: its `clients` override, else its tier's `models` (policy.md, `tiers`).
///
/// Decisions are cached per client; the cache is cleared when it reaches ``cacheLimit`` entries, so a flood of
/// distinct client names cannot grow memory without bound.
final class TierResolver {
    static let cacheLimit = 65_536
    private let policy: Policy
    private var cache: [String: Policy.ModelSelection?] = [:]

    init(policy: Policy) { self.policy = policy }

    /// nil when `client` may call `model`; else a `forbidden` problem saying why.
    func check(client: String, model: String) -> RecordError? {
        guard !policy.tiers.isEmpty else { return nil }
        let selection: Policy.ModelSelection?
        if let cached = cache[client] {
            selection = cached
        } else {
            selection = resolve(client)
            if cache.count >= Self.cacheLimit { cache.removeAll(keepingCapacity: true) }
            cache[client] = selection
        }
        guard let selection else {
            return RecordError(
                .forbidden, "client is in no tier (set auth.default_tier, or a tier under clients in the policy)")
        }
        return selection.contains(model)
            ? nil : RecordError(.forbidden, "model \"\(model)\" is not in the client's tier")
    }

    private func resolve(_ client: String) -> Policy.ModelSelection? {
        let override = policy.clientOverride(named: client)
        if let models = override?.models { return models }
        guard let tierName = override?.tier ?? policy.auth.defaultTier, let tier = policy.tier(named: tierName) else {
            return nil
        }
        return tier.models
    }
}
