public import DPWallPrivacy
public import DPWallRecords

/// One charged record, as the ledger keeps it: enough to recognise a retry and to audit the spend.
public struct ChargedRecord: Sendable, Equatable {
    /// The client charged.
    public var client: String
    /// The record's id (unique per client).
    public var id: String
    /// SHA-256 of the record's model, request and raw response (32 bytes).
    public var digest: [UInt8]
    /// Event time, in milliseconds since 1970 (UTC).
    public var eventTime: Int64
    /// The start of the budget window charged, in milliseconds since 1970.
    public var windowStart: Int64
    /// The record's cost under basic composition of its rows.
    public var epsilon: Double, delta: Double
    /// Whether it was released with consistent noise (`--noise-key`): a repeat of its content in the same window
    /// is then answered identically and not charged again.
    public var keyed: Bool
    /// The record's own accounting state (its rows): a span's spend is the sum of these over the charges in it.
    public var account: PrivacyAccount
    /// The client's position after the charge, and what a dry run of the limits found: what its output line
    /// said, so that a redelivery is answered with the same line (privacy.md, "Exactly once under redelivery").
    public var position: ReleasePosition?
    public var dryRun: RecordError?

    /// Creates a charged record.
    public init(
        client: String, id: String, digest: [UInt8], eventTime: Int64, windowStart: Int64, epsilon: Double,
        delta: Double, keyed: Bool = false, account: PrivacyAccount = PrivacyAccount()
    ) {
        self.account = account
        self.client = client
        self.id = id
        self.digest = digest
        self.eventTime = eventTime
        self.windowStart = windowStart
        self.epsilon = epsilon
        self.delta = delta
        self.keyed = keyed
    }
}

/// A client's position in its budget window after a release, as the release's `privacy` annotation states it:
/// ε spent (at the δ limit) and δ spent, and the limit in force.
public struct ReleasePosition: Sendable, Equatable {
    public var spentEpsilon: Double, spentDelta: Double
    public var limitEpsilon: Double, limitDelta: Double

    /// Creates a position.
    public init(spentEpsilon: Double, spentDelta: Double, limitEpsilon: Double, limitDelta: Double) {
        self.spentEpsilon = spentEpsilon
        self.spentDelta = spentDelta
        self.limitEpsilon = limitEpsilon
        self.limitDelta = limitDelta
    }
}

/// A decision the ledger remembers for a client's record id (privacy.md, "Exactly once under redelivery"): a
/// redelivered record is answered with it instead of being decided again.
public struct StoredDecision: Sendable, Equatable {
    /// What was decided.
    public enum Kind: Int64, Sendable {
        /// Released and charged (a row of the budget's charges).
        case charged = 0
        /// Released without a charge: nothing privatized, or a keyed repeat of content already charged.
        case released = 1
        /// Denied.
        case denied = 2
    }

    public var kind: Kind
    /// The record's content digest (ContentDigest; empty for a denial), event time, and the cost charged.
    public var digest: [UInt8]
    public var eventTime: Int64
    public var epsilon: Double, delta: Double
    /// Whether it was released with keyed noise (a charge or keyed repeat).
    public var keyed: Bool
    /// The position its annotation showed (a release with a privacy annotation; nil for charges written before
    /// ledger schema v6).
    public var position: ReleasePosition?
    /// The denial (``Kind/denied``), and what a dry run of the limits found.
    public var problem: RecordError?
    public var dryRun: RecordError?

    /// Creates a stored decision.
    public init(
        kind: Kind, digest: [UInt8] = [], eventTime: Int64, epsilon: Double = 0, delta: Double = 0,
        keyed: Bool = false, position: ReleasePosition? = nil, problem: RecordError? = nil, dryRun: RecordError? = nil
    ) {
        self.kind = kind
        self.digest = digest
        self.eventTime = eventTime
        self.epsilon = epsilon
        self.delta = delta
        self.keyed = keyed
        self.position = position
        self.problem = problem
        self.dryRun = dryRun
    }
}

/// A client's budget window as stored: its span, its accounting state, and what `budget show` reports.
public struct WindowState: Sendable, Equatable {
    /// The client.
    public var client: String
    /// The window's start, in milliseconds since 1970 (UTC); `Int64.min` for a lifetime budget.
    public var windowStart: Int64
    /// The window's end (exclusive), in milliseconds since 1970; `Int64.max` for a lifetime budget.
    public var windowEnd: Int64
    /// The accounting state.
    public var account: PrivacyAccount
    /// The client's tier when last charged ("" when it has none).
    public var tier = ""
    /// The policy's limit for the client when last charged.
    public var limitEpsilon = 0.0, limitDelta = 0.0
    /// What `budget grant` added to the limit of this window.
    public var grantedEpsilon = 0.0, grantedDelta = 0.0
    /// The client's position after its last charge, in the policy's accounting.
    public var spentEpsilon = 0.0, spentDelta = 0.0
    /// Records denied `budget_exhausted` or `duplicate_id` in the window.
    public var denials = 0
    /// Event times of the first and last record decided in the window (milliseconds; 0 when none).
    public var firstSeen: Int64 = 0, lastSeen: Int64 = 0

    /// Creates a window state.
    public init(client: String, windowStart: Int64, windowEnd: Int64 = .max, account: PrivacyAccount) {
        self.client = client
        self.windowStart = windowStart
        self.windowEnd = windowEnd
        self.account = account
    }

    /// The limit in force: the policy's plus what was granted.
    public var effectiveLimit: (epsilon: Double, delta: Double) {
        (limitEpsilon + grantedEpsilon, limitDelta + grantedDelta)
    }
}

/// What one group commit writes: the records charged and the windows they changed, in one transaction.
public struct LedgerBatch: Sendable {
    /// Records charged.
    public var charges: [ChargedRecord] = []
    /// The latest state of every window the charges touched.
    public var windows: [WindowState] = []

    /// An empty batch.
    public init() {}
}

/// A change an operator made to a client's budget (`budget grant`, `budget reset`), kept for the record.
public struct BudgetAdjustment: Sendable, Equatable {
    /// Which change.
    public enum Kind: String, Sendable {
        /// The limit of a window was raised.
        case grant
        /// A new window was started.
        case reset
    }

    /// Which change.
    public var kind: Kind
    /// The client.
    public var client: String
    /// The window changed (for a reset: the instant from which spans start anew).
    public var windowStart: Int64
    /// The end of the window a grant raised (exclusive; `Int64.max` for a reset and for a lifetime window).
    public var windowEnd: Int64
    /// What a grant added (0 for a reset).
    public var epsilon: Double, delta: Double
    /// Wall-clock time of the change, in milliseconds since 1970.
    public var at: Int64
    /// Who made it (the operating-system user unless `--by` says otherwise).
    public var by: String
    /// Why (`--reason`).
    public var reason: String

    /// Creates an adjustment.
    public init(
        kind: Kind, client: String, windowStart: Int64, windowEnd: Int64 = .max, epsilon: Double, delta: Double,
        at: Int64, by: String, reason: String
    ) {
        self.windowEnd = windowEnd
        self.kind = kind
        self.client = client
        self.windowStart = windowStart
        self.epsilon = epsilon
        self.delta = delta
        self.at = at
        self.by = by
        self.reason = reason
    }
}
