import DPWallRecords

extension Policy {
    /// A client's request limits: its tier's `rate`, `burst` and `quota` with its `clients` overrides applied.
    public struct RequestLimits: Sendable, Equatable {
        /// The sustained rate; nil: no rate limit.
        public var rate: Rate?
        /// The burst above the rate, in requests.
        public var burst: Int
        /// The request quota; nil: none.
        public var quota: Quota?

        /// Whether nothing is limited.
        public var isEmpty: Bool { rate == nil && quota == nil }
    }

    /// The tier of `client`: its `clients` entry's tier, else the tier its credentials carry (an API key's
    /// `tier`, a JWT's tier claim), else `auth.default_tier`; "" when none applies.
    public func tierName(forClient client: String, credentialTier: String? = nil) -> String {
        clientOverride(named: client)?.tier ?? credentialTier ?? auth.defaultTier ?? ""
    }

    /// The request limits of `client` in tier `tierName`.
    public func requestLimits(forClient client: String, tierName: String) -> RequestLimits {
        let override = clientOverride(named: client)
        let tier = tier(named: tierName)
        return RequestLimits(
            rate: override?.rate ?? tier?.rate, burst: override?.burst ?? tier?.burst ?? 0,
            quota: override?.quota ?? tier?.quota)
    }

    /// Whether any tier or client sets a rate or a quota, or a global rate is set: only then do records that
    /// release nothing privatized pass through the limit stage.
    public var hasRequestLimits: Bool {
        limits.globalRate != nil || tiers.contains { $0.rate != nil || $0.quota != nil }
            || clients.contains { $0.rate != nil || $0.quota != nil }
    }
}

extension Policy.QuotaWindow {
    /// Whether a window of `length` milliseconds is one of this unit (an hour, a day, 28 to 31 days).
    func fits(length: Int64) -> Bool {
        switch self {
        case .hour: length == 3_600_000
        case .day: length == 86_400_000
        case .month: (28 * 86_400_000...31 * 86_400_000).contains(length)
        }
    }

    /// The tumbling UTC window holding event time `time` (milliseconds since 1970).
    public func span(containing time: Int64) -> (start: Int64, end: Int64) {
        switch self {
        case .hour, .day:
            return Policy.BudgetWindow.aligned(time, length: self == .hour ? 3_600_000 : 86_400_000)
        case .month:
            return EventTime.monthSpan(containing: time)
        }
    }
}
