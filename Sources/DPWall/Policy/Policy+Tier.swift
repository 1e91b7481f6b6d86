extension Policy {
    /// A class of clients: which models they may call, how often, and how much privacy budget they get.
    public struct Tier: Sendable, Equatable {
        /// The tier's name (its key under `tiers`).
        public var name: String
        /// The models the tier may call.
        public var models: ModelSelection
        /// The sustained request rate of the token bucket; `nil`: no rate limit.
        public var rate: Rate?
        /// Requests allowed above the rate at once (nginx `burst`), in requests.
        public var burst: Int
        /// The number of requests per tumbling UTC window; `nil`: no quota.
        public var quota: Quota?
        /// The privacy budget of each client of the tier; `nil`: nothing privatized may be released to them.
        public var budget: Budget?

        /// Creates a tier.
        public init(
            name: String,
            models: ModelSelection,
            rate: Rate? = nil,
            burst: Int = 0,
            quota: Quota? = nil,
            budget: Budget? = nil
        ) {
            self.name = name
            self.models = models
            self.rate = rate
            self.burst = burst
            self.quota = quota
            self.budget = budget
        }
    }

    /// The models a tier or client may call.
    public enum ModelSelection: Sendable, Equatable {
        /// Every model of the policy (`"*"`).
        case all
        /// Only the named models, in file order.
        case only([String])

        /// Whether the selection includes the model named `name`.
        public func contains(_ name: String) -> Bool {
            switch self {
            case .all: true
            case .only(let names): names.contains(name)
            }
        }
    }

    /// A sustained request rate (`10/s`, `600/m`, `3600/h`).
    public struct Rate: Sendable, Equatable {
        /// The rate in requests per second (finite, > 0).
        public var requestsPerSecond: Double
        /// The slowest and fastest rates a policy may set: the bucket counts milli-requests per second.
        public static let slowest = 0.001, fastest = 1e9

        /// Creates a rate of `requestsPerSecond` requests per second.
        public init(requestsPerSecond: Double) {
            self.requestsPerSecond = requestsPerSecond
        }
    }

    /// A request quota per tumbling UTC window (`10000/day`).
    public struct Quota: Sendable, Equatable {
        /// The number of requests allowed per window (> 0).
        public var requests: Int
        /// The window.
        public var window: QuotaWindow

        /// Creates a quota.
        public init(requests: Int, window: QuotaWindow) {
            self.requests = requests
            self.window = window
        }
    }

    /// The tumbling UTC windows of a quota.
    public enum QuotaWindow: String, CaseIterable, Sendable {
        /// From hh:00:00 UTC to the next hour.
        case hour
        /// From 00:00:00 UTC to the next midnight.
        case day
        /// From the first of the month 00:00:00 UTC to the first of the next month.
        case month
    }

    /// A privacy budget `(epsilon, delta)` per window.
    public struct Budget: Sendable, Equatable {
        /// The largest total epsilon per window, in nats (> 0).
        public var epsilon: Double
        /// The largest total delta per window (in [0, 1); default 0).
        public var delta: Double
        /// The window (default ``BudgetWindow/lifetime``).
        public var window: BudgetWindow

        /// Creates a budget.
        public init(epsilon: Double, delta: Double = 0, window: BudgetWindow = .lifetime) {
            self.epsilon = epsilon
            self.delta = delta
            self.window = window
        }
    }

    /// The tumbling window of a budget, aligned to UTC on event time.
    public enum BudgetWindow: Sendable, Equatable {
        /// The budget never resets.
        case lifetime
        /// Windows of this many seconds (`1h` = 3600, `1d` = 86400, `30d` = 2592000), at most
        /// ``longestSeconds``.
        case seconds(Int)

        /// The longest window a policy may set, in seconds: 3652425 days, 10000 Gregorian years, all the event
        /// times a record's `ts` can name (years 0000 to 9999).
        public static let longestSeconds = 3_652_425 * 86_400

        /// The window as written in a policy: `lifetime`, `12h`, `7d`.
        public var text: String {
            switch self {
            case .lifetime: "lifetime"
            case .seconds(let seconds) where seconds % 86_400 == 0: "\(seconds / 86_400)d"
            case .seconds(let seconds) where seconds % 3_600 == 0: "\(seconds / 3_600)h"
            case .seconds(let seconds): "\(seconds)s"
            }
        }
    }
}
