public import DPWallPrivacy

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

    /// Creates a charged record.
    public init(
        client: String, id: String, digest: [UInt8], eventTime: Int64, windowStart: Int64, epsilon: Double,
        delta: Double
    ) {
        self.client = client
        self.id = id
        self.digest = digest
        self.eventTime = eventTime
        self.windowStart = windowStart
        self.epsilon = epsilon
        self.delta = delta
    }
}

/// A client's window as stored: its start and its accounting state after the batch.
public struct WindowState: Sendable, Equatable {
    /// The client.
    public var client: String
    /// The window's start, in milliseconds since 1970 (UTC).
    public var windowStart: Int64
    /// The accounting state.
    public var account: PrivacyAccount

    /// Creates a window state.
    public init(client: String, windowStart: Int64, account: PrivacyAccount) {
        self.client = client
        self.windowStart = windowStart
        self.account = account
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
