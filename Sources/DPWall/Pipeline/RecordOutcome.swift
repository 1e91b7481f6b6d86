public import DPWallRecords

/// One record's decision as the pipeline settled it, in input order: what `dpwall replay` tallies and compares.
///
/// Filled only when a run has a ``DecisionObserver``; the ordinary `filter` path builds none.
public struct RecordOutcome: Sendable, Equatable {
    /// The line number, counted across all inputs from 1.
    public var line: Int
    /// The denial's code; nil when the record was released.
    public var code: DenialCode?
    /// The client as the output line names it ("" when none is known, or in an auth mode, none is proven yet).
    public var client: String
    /// The client's tier ("" until the record got past `forbidden`).
    public var tier: String
    /// The model named and the record's id ("" when absent or unreadable).
    public var model: String, id: String
    /// The record's event time in milliseconds since 1970; nil when it has none.
    public var eventTime: Int64?
    /// What was charged to the client's budget (0 when nothing was).
    public var epsilon: Double, delta: Double
    /// What `--limits-dry-run` would have denied.
    public var dryRun: DenialCode?

    /// An outcome with nothing charged.
    public init(
        line: Int, code: DenialCode?, client: String = "", tier: String = "", model: String = "", id: String = "",
        eventTime: Int64? = nil
    ) {
        self.line = line
        self.code = code
        self.client = client
        self.tier = tier
        self.model = model
        self.id = id
        self.eventTime = eventTime
        epsilon = 0
        delta = 0
    }
}

/// Sees every batch's outcomes in input order, in the writing turn (one batch at a time, never concurrently):
/// the primary policy's, and with a shadow lane (``ShadowLane``), the shadow policy's for the same lines.
public protocol DecisionObserver: AnyObject, Sendable {
    /// One batch: `primary[i]` and `shadow?[i]` are the same input line.
    func observe(_ primary: [RecordOutcome], shadow: [RecordOutcome]?)
}
