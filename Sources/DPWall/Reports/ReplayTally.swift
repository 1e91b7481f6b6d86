import DPWallRecords

/// What one policy decided over a replay, tallied in input order.
public struct LaneTally: Sendable {
    /// Per client: how many of its records were allowed, what they were charged, and its denials.
    public struct Client: Sendable {
        public var tier = ""
        public var allowed = 0
        public var chargedEpsilon = 0.0, chargedDelta = 0.0
        public var rateLimited = 0, quotaExceeded = 0, budgetExhausted = 0
        /// The event time and line of its first `budget_exhausted` denial.
        public var exhaustedAt: Int64?
        public var exhaustedLine = 0
    }

    /// Per tier: records allowed, what they were charged, and budget denials.
    public struct Tier: Sendable {
        public var allowed = 0
        public var chargedEpsilon = 0.0, chargedDelta = 0.0
        public var budgetExhausted = 0, rateLimited = 0, quotaExceeded = 0
    }

    public var records = 0, allowed = 0
    /// Per ``DenialCode/index``: denials, and what `--limits-dry-run` would have denied.
    public var denied = [Int](repeating: 0, count: DenialCode.all.count)
    public var dryRun = [Int](repeating: 0, count: DenialCode.all.count)
    public var clients: [String: Client] = [:]
    public var tiers: [String: Tier] = [:]

    /// Counts one outcome.
    public mutating func add(_ outcome: RecordOutcome) {
        records += 1
        if let code = outcome.dryRun { dryRun[code.index] += 1 }
        guard let code = outcome.code else {
            allowed += 1
            guard !outcome.client.isEmpty || !outcome.tier.isEmpty else { return }
            update(outcome) { client, tier in
                client.allowed += 1
                client.chargedEpsilon += outcome.epsilon
                client.chargedDelta += outcome.delta
                tier.allowed += 1
                tier.chargedEpsilon += outcome.epsilon
                tier.chargedDelta += outcome.delta
            }
            return
        }
        denied[code.index] += 1
        switch code {
        case .budgetExhausted:
            update(outcome) { client, tier in
                client.budgetExhausted += 1
                if client.exhaustedAt == nil {
                    client.exhaustedAt = outcome.eventTime ?? 0
                    client.exhaustedLine = outcome.line
                }
                tier.budgetExhausted += 1
            }
        case .rateLimited:
            update(outcome) { client, tier in
                client.rateLimited += 1
                tier.rateLimited += 1
            }
        case .quotaExceeded:
            update(outcome) { client, tier in
                client.quotaExceeded += 1
                tier.quotaExceeded += 1
            }
        default: break
        }
    }

    /// Updates the outcome's client and tier in place (one hash each, no copy of the entries).
    private mutating func update(_ outcome: RecordOutcome, _ body: (inout Client, inout Tier) -> Void) {
        Self.update(&clients[outcome.client, default: Client()], &tiers[outcome.tier, default: Tier()], outcome, body)
    }

    private static func update(
        _ client: inout Client, _ tier: inout Tier, _ outcome: RecordOutcome, _ body: (inout Client, inout Tier) -> Void
    ) {
        if !outcome.tier.isEmpty && client.tier != outcome.tier { client.tier = outcome.tier }
        body(&client, &tier)
    }
}

/// The tallies of a replay: the primary policy's, the shadow's (`--against`), and how their decisions differ,
/// record by record. A ``DecisionObserver``: it sees the batches in input order in the writing turn.
///
/// `@unchecked Sendable`: only the writing turn touches it while the run goes on (one batch at a time), and the
/// caller reads it after the run.
public final class ReplayTally: DecisionObserver, @unchecked Sendable {
    /// A client some of whose records were decided differently.
    public struct ChangedClient: Sendable {
        public var records = 0
        /// The first few changed records' ids (or `line N` for a record without id).
        public var examples: [String] = []
    }

    /// How many example ids are kept per changed client.
    public static let examplesPerClient = 3

    public private(set) var primary = LaneTally()
    public private(set) var shadow: LaneTally?
    /// Records decided differently, by (from, to): 0 is a release, `index + 1` a denial code.
    public private(set) var transitions: [Int: Int] = [:]
    public private(set) var changedRecords = 0
    public private(set) var changedClients: [String: ChangedClient] = [:]

    /// A tally; `comparing` when a shadow lane runs too.
    public init(comparing: Bool) {
        shadow = comparing ? LaneTally() : nil
    }

    public func observe(_ outcomes: [RecordOutcome], shadow shadowOutcomes: [RecordOutcome]?) {
        for outcome in outcomes { primary.add(outcome) }
        // Taken out of the property, so that the updates below change the only copy (no copy of every client).
        guard var lane = shadow.take(), let shadowOutcomes else { return }
        defer { shadow = lane }
        precondition(outcomes.count == shadowOutcomes.count, "the lanes decided different lines")
        for (before, after) in zip(outcomes, shadowOutcomes) {
            lane.add(after)
            guard before.code != after.code else { continue }
            let key = Self.slot(before.code) << 8 | Self.slot(after.code)
            transitions[key, default: 0] += 1
            changedRecords += 1
            // The client the primary policy named; else the shadow's (an auth change may prove only one).
            let client = before.client.isEmpty ? after.client : before.client
            var changed = changedClients[client, default: ChangedClient()]
            changed.records += 1
            if changed.examples.count < Self.examplesPerClient {
                changed.examples.append(before.id.isEmpty ? "line \(before.line)" : before.id)
            }
            changedClients[client] = changed
        }
    }

    /// 0 for a release, `index + 1` for a denial.
    static func slot(_ code: DenialCode?) -> Int { code.map { $0.index + 1 } ?? 0 }

    /// The decision a slot stands for: `allow` or a code's name.
    public static func decisionName(slot: Int) -> String { slot == 0 ? "allow" : DenialCode.all[slot - 1].name }
}
