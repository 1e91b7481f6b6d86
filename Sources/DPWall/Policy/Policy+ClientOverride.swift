extension Policy {
    /// Per-client changes to its tier (`clients.<name>`); every field left `nil` keeps the tier's value.
    public struct ClientOverride: Sendable, Equatable {
        /// The client's name (its key under `clients`).
        public var name: String
        /// The client's tier, overriding `default_tier` and the credentials' tier.
        public var tier: String?
        /// The models the client may call instead of its tier's.
        public var models: ModelSelection?
        /// The client's request rate instead of its tier's.
        public var rate: Rate?
        /// The client's burst instead of its tier's, in requests.
        public var burst: Int?
        /// The client's quota instead of its tier's.
        public var quota: Quota?
        /// Changes to the tier's budget for this client.
        public var budget: BudgetOverride?

        /// Creates an override.
        public init(
            name: String,
            tier: String? = nil,
            models: ModelSelection? = nil,
            rate: Rate? = nil,
            burst: Int? = nil,
            quota: Quota? = nil,
            budget: BudgetOverride? = nil
        ) {
            self.name = name
            self.tier = tier
            self.models = models
            self.rate = rate
            self.burst = burst
            self.quota = quota
            self.budget = budget
        }
    }

    /// Per-client changes to a tier's budget; `nil` fields keep the tier's value.
    public struct BudgetOverride: Sendable, Equatable {
        /// The client's epsilon limit per window, in nats.
        public var epsilon: Double?
        /// The client's delta limit per window.
        public var delta: Double?
        /// The client's window.
        public var window: BudgetWindow?

        /// Creates a budget override.
        public init(epsilon: Double? = nil, delta: Double? = nil, window: BudgetWindow? = nil) {
            self.epsilon = epsilon
            self.delta = delta
            self.window = window
        }
    }
}
