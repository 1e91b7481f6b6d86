/// A client's request limits as the ledger keeps them (policy.md, `rate`, `burst`, `quota`): the state of its
/// nginx-style leaky bucket and its request count in the current quota window.
///
/// The global limit across clients is kept under ``globalKey``, which no client can be named (client names are
/// 1–128 bytes).
public struct LimitState: Sendable, Equatable {
    /// The key of the global limit's state.
    public static let globalKey = ""

    /// The client.
    public var client: String
    /// The bucket's excess in milli-requests (nginx `lr->excess`), and the event time it was last moved at
    /// (milliseconds since 1970; nginx `lr->last`). `rateSeen` is false until the first request.
    public var rateExcess: Int64 = 0, rateLast: Int64 = 0, rateSeen = false
    /// The current quota window's start (milliseconds since 1970) and the allowed requests counted in it.
    public var quotaWindowStart: Int64 = .min, quotaCount: Int64 = 0
    /// Requests denied `rate_limited` and `quota_exceeded` (since the state was created).
    public var rateDenials: Int64 = 0, quotaDenials: Int64 = 0
    /// The client's tier when last seen, and the quota in force then (0: none).
    public var tier = "", quotaLimit: Int64 = 0
    /// The quota window's end (exclusive), in milliseconds since 1970.
    public var quotaWindowEnd: Int64 = .min
    /// The client's allowed requests in its current hour, day and month (UTC), under whichever tier: a quota of any
    /// unit is judged on these, so a change of tier (and of unit) never starts a count afresh. Each is the start
    /// of its window (`Int64.min`: none yet) and the count in it.
    public var hourStart: Int64 = .min, hourCount: Int64 = 0
    public var dayStart: Int64 = .min, dayCount: Int64 = 0
    public var monthStart: Int64 = .min, monthCount: Int64 = 0

    /// Creates the state of a client never seen.
    public init(client: String) { self.client = client }
}
