import DPWallPrivacy
import DPWallRecords
import DPWallStore

/// Every client's privacy budget as the writing turn decides it (privacy.md, "Budgets and the ledger"): one
/// budget per client, whose window and limit follow the tier in force for the record being decided.
///
/// A record of client `c` under tier `T` at event time `t` is judged in `T`'s tumbling window that holds `t`,
/// cut where a `budget reset` of `c` falls inside it (its *span*). What was spent in the span is everything
/// charged to `c` with event time in it, under whichever tier it was charged. The ledger keeps what a client
/// spent per hour (a *bucket*: an hour cut where a reset falls), and every window is whole hours aligned to
/// hours, so a span is the sum of its buckets (``LedgerWriter/spent(client:in:)``); a secondary index on the
/// charges by time, the other way to sum a span, made every charge's insert a quarter slower. The limit is
/// `T`'s budget (with `c`'s overrides) plus the grants made for spans inside this one. So no sequence of tier
/// changes, resets or grants lets a record pass the limit of the tier it is released under, counting all that
/// the client got in that tier's window; switching from a short window to a long one and back never forgets.
///
/// Per client it keeps the spans it has loaded this run, each with its account, and adds every charge to every
/// kept span that holds it and to its bucket; a span is summed from the ledger once, when a record first needs
/// it, and a bucket is stored at the group's commit (or before a span is summed). One tier per
/// client (the common case) keeps one span, and deciding costs what it did before spans could overlap. After a
/// commit, when more than ``clientLimit`` clients are held, it forgets them all and reloads each from the ledger.
final class BudgetBook {
    /// One span of a client's budget, as loaded and charged this run.
    struct Span {
        /// The snapshot the ledger keeps of the span (`budget show`): its bounds, account, tier and limit of the
        /// last record decided in it, grants, position, denials and event times.
        var state: WindowState
        /// The tier window the span was cut from (`[aligned start, aligned end)`).
        var aligned: Range<Int64>
        /// The tier whose budget last judged a record in it, and that budget.
        var tierName: String
        var budget: Policy.Budget
        /// Whether the snapshot changed since it was saved, and whether its position (`spentEpsilon`,
        /// `spentDelta`) lags its account (a charge under another span's tier).
        var isDirty = false
        var spentIsStale = false

        func holds(_ time: Int64) -> Bool { state.windowStart <= time && time < state.windowEnd }
    }

    /// One of a client's hourly buckets (an hour, cut where a reset falls), as loaded and charged this run: the
    /// ledger's record of what was spent when, from which every span is summed.
    struct Bucket {
        var span: Range<Int64>
        var account: PrivacyAccount
        var isDirty = false
    }

    /// A client's kept spans, the one that decided its last record, its kept buckets, and whether it is in
    /// ``dirty``.
    struct Client {
        var spans: [Span]
        var current: Int
        var buckets: [Bucket] = []
        var isListed = false
        /// Whether the ledger held nothing of the client when it was first seen this run (no snapshot: it never
        /// had a decision, so no bucket, grant or reset either), until a bucket of its is stored and let go.
        var isNew = false
    }

    /// Every budget window is a whole number of hours, aligned to hours (policy.md), so a span is a union of
    /// hourly buckets.
    static let bucketWindow = Policy.BudgetWindow.seconds(3_600)

    static let clientLimit = 1 << 20

    private let policy: Policy
    private let accountant: Accountant
    private let keyed: Bool
    private var clients: [String: Client] = [:]
    private var dirty: [String] = []
    /// The span that judged the last record ``decide`` denied (where in ``clients``, and which span).
    private var lastDenial: (key: Dictionary<String, Client>.Index, position: Int)?

    init(policy: Policy, accountant: Accountant, keyed: Bool) {
        self.policy = policy
        self.accountant = accountant
        self.keyed = keyed
    }

    /// Relative slack of the limit comparison, for floating-point rounding of sums (privacy-wise negligible).
    static let slack = 1e-12

    /// Charges a record of `client` under `tierName` at `eventTime`, whose released rows are `costs` (their
    /// basic sums `epsilon` and `delta`), into the writer's open transaction; or denies it `budget_exhausted`
    /// or `duplicate_id`, or answers a retry or repeat again at no cost.
    func decide(
        client: String, tierName: String, id: String, eventTime: Int64, digest: [UInt8],
        costs: ArraySlice<(cost: RowCost, rows: Int)>, epsilon: Double, delta: Double, dryRun: RecordError? = nil,
        _ writer: inout LedgerWriter
    ) throws -> OrderedStage.Decision {
        // `lastDenial` is nil here: the stage counts or forgets every denial this returns before the next record.
        guard let (key, position) = try load(client, tierName: tierName, at: eventTime, &writer) else {
            return .deny(
                RecordError(
                    .budgetExhausted,
                    "the client has no privacy budget (its tier sets none): nothing privatized can be released to it"))
        }
        // By index: one hash of the client's name per record (no insertion happens until the write-back).
        // Moved out of the table and back (not copied): the entry's arrays stay uniquely referenced, so that
        // writing a span back does not copy them.
        var entry = Client(spans: [], current: 0)
        swap(&entry, &clients.values[key])
        defer { swap(&entry, &clients.values[key]) }
        var span = entry.spans[position]
        defer { entry.spans[position] = span }
        if span.state.firstSeen == 0 { span.state.firstSeen = eventTime }
        span.state.lastSeen = max(span.state.lastSeen, eventTime)
        if !entry.isListed {
            entry.isListed = true
            dirty.append(client)
        }
        span.isDirty = true
        let limit = span.state.effectiveLimit
        if span.spentIsStale { refresh(&span) }
        // A denial counts in the span once it stands (``countDenial()``): a redelivered record is not one.
        if let problem = Self.outOfRange(limit) {
            lastDenial = (key, position)
            return .deny(problem)
        }
        var account = span.state.account
        for group in costs { account.add(group.cost, count: group.rows) }
        let spent = accountant.epsilon(account, delta: limit.delta, previous: span.state.spentEpsilon)
        // `spent` must be finite: an exhausted δ makes it +∞, which a limit near the largest double would let
        // through once multiplied by the slack.
        if spent.isFinite && spent <= limit.epsilon * (1 + Self.slack) {
            var own = PrivacyAccount()
            for group in costs { own.add(group.cost, count: group.rows) }
            let after = OrderedStage.Position(
                spentEpsilon: spent, spentDelta: spentDelta(account, limit: limit.delta), limitEpsilon: limit.epsilon,
                limitDelta: limit.delta)
            var record = ChargedRecord(
                client: client, id: id, digest: digest, eventTime: eventTime, windowStart: span.state.windowStart,
                epsilon: epsilon, delta: delta, keyed: keyed, account: own)
            record.position = after
            record.dryRun = dryRun
            switch try writer.insert(record) {
            case .inserted:
                span.state.account = account
                span.state.spentEpsilon = after.spentEpsilon
                span.state.spentDelta = after.spentDelta
                try Self.addToBucket(&entry, client, at: eventTime, own, &writer)
                // The charge counts in every other kept span that holds it (another tier's window).
                for other in entry.spans.indices where other != position && entry.spans[other].holds(eventTime) {
                    entry.spans[other].state.account.add(own)
                    entry.spans[other].isDirty = true
                    entry.spans[other].spentIsStale = true
                }
                return .release(cost: (epsilon, delta), after)
            case .contentTaken:
                return .release(cost: (0, 0), Self.position(span.state))
            case .idTaken:
                // Decided before: the caller answers with that decision.
                return .redelivered
            }
        }
        // Over the limit: a repeat of content already charged in the window is answered again at no cost.
        if keyed,
            try writer.keyedCharge(client: client, windowStart: span.state.windowStart, digest: digest) != nil
        {
            return .release(cost: (0, 0), Self.position(span.state))
        }
        lastDenial = (key, position)
        if limit.delta == 0 && account.sumDelta > 0 {
            return .deny(
                RecordError(
                    .budgetExhausted,
                    "this record's release has a delta (\(Self.number(delta))), and the client's delta limit is 0: "
                        + "only releases without one (Laplace) can fit its budget"))
        }
        return .deny(
            RecordError(
                .budgetExhausted,
                "releasing this record (epsilon \(Self.number(epsilon))) would take the client to epsilon "
                    + "\(Self.number(spent)) of its limit \(Self.number(limit.epsilon)) (delta "
                    + "\(Self.number(limit.delta)), \(policy.accounting.rawValue)) in the window from "
                    + "\(EventTime.format(milliseconds: span.state.windowStart)) to "
                    + "\(EventTime.format(milliseconds: span.state.windowEnd))"))
    }

    /// Forgets the denial the last ``decide`` returned: it does not stand (a redelivery), or it was not the
    /// book's.
    func forgetDenial() { lastDenial = nil }

    /// The position of `client` under `tierName` at `time` (no charge), as a release's annotation shows it;
    /// zero for a client without a budget.
    func position(client: String, tierName: String, at time: Int64, _ writer: inout LedgerWriter) throws
        -> OrderedStage.Position
    {
        guard let (key, position) = try load(client, tierName: tierName, at: time, &writer) else {
            return OrderedStage.Position(spentEpsilon: 0, spentDelta: 0, limitEpsilon: 0, limitDelta: 0)
        }
        var span = clients.values[key].spans[position]
        if span.spentIsStale {
            refresh(&span)
            clients.values[key].spans[position] = span
        }
        return Self.position(span.state)
    }

    /// Counts the denial the last ``decide`` returned in the span that judged it, once it stands (`budget show`'s
    /// denials).
    func countDenial() {
        defer { lastDenial = nil }
        guard let (key, position) = lastDenial else { return }
        let denials = clients.values[key].spans[position].state.denials
        clients.values[key].spans[position].state.denials =
            denials.addingReportingOverflow(1).overflow ? .max : denials + 1
    }

    /// A limit that no release can be judged against: a δ of 1 or more is no guarantee, and an ε that is not
    /// finite is what a hand-edited ledger gives (``SQLiteLedger/grant(client:epsilon:delta:at:by:reason:)``
    /// keeps grants within ``SQLiteLedger/maxEpsilonLimit``; a policy may set a larger ε of its own).
    static func outOfRange(_ limit: (epsilon: Double, delta: Double)) -> RecordError? {
        if limit.delta >= 0 && limit.delta < 1 && limit.epsilon >= 0 && limit.epsilon.isFinite { return nil }
        return RecordError(
            .budgetExhausted,
            "the client's limit in force (epsilon \(number(limit.epsilon)), delta \(number(limit.delta)), grants "
                + "included) is not a privacy guarantee (delta must be below 1 and epsilon finite): nothing "
                + "privatized is released until an operator fixes the ledger's grants")
    }

    /// Makes the span of `client`'s budget that judges a record under `tierName` at `time` current; returns
    /// where the client is in ``clients`` and the span's position among its kept spans, or nil when the client
    /// has no budget.
    private func load(_ client: String, tierName: String, at time: Int64, _ writer: inout LedgerWriter) throws
        -> (key: [String: Client].Index, span: Int)?
    {
        let key = clients.index(forKey: client)
        if let key {
            // Read in place: the common case (the span of the client's last record) copies nothing.
            let current = clients.values[key].current
            if clients.values[key].spans[current].holds(time) && clients.values[key].spans[current].tierName == tierName
            {
                return (key, current)
            }
        }
        let (tier, found) = policy.budget(forClient: client, tierName: tierName)
        guard let budget = found else { return nil }
        let aligned = budget.window.span(containing: time)
        var entry = key.map { clients.values[$0] } ?? Client(spans: [], current: 0)
        if let kept = entry.spans.firstIndex(where: {
            $0.holds(time) && $0.aligned == aligned.start..<aligned.end
        }) {
            entry.spans[kept].tierName = tierName
            entry.spans[kept].budget = budget
            entry.spans[kept].state.tier = tier
            entry.spans[kept].state.limitEpsilon = budget.epsilon
            entry.spans[kept].state.limitDelta = budget.delta
            entry.current = kept
        } else {
            // Spans that do not hold this record's time are left behind (stored first if changed, so that the
            // ledger's snapshot is current); a record that returns to one sums it from the ledger again.
            var kept: [Span] = []
            for span in entry.spans {
                if span.holds(time) {
                    kept.append(span)
                } else if span.isDirty {
                    var span = span
                    if span.spentIsStale { refresh(&span) }
                    try writer.save(span.state)
                }
            }
            var state: WindowState
            if key == nil, try !writer.hasAccount(client: client) {
                // A client the ledger holds no spend of: nothing to sum (one lookup instead of six).
                entry.isNew = true
                state = WindowState(
                    client: client, windowStart: aligned.start, windowEnd: aligned.end, account: PrivacyAccount())
            } else {
                // The span is summed from the ledger's buckets: this client's changed ones are stored first.
                try Self.saveBuckets(&entry, client, &writer)
                let bounds = try writer.span(
                    client: client, at: time, alignedStart: aligned.start, alignedEnd: aligned.end)
                state =
                    try writer.snapshot(client: client, span: bounds)
                    ?? WindowState(
                        client: client, windowStart: bounds.lowerBound, windowEnd: bounds.upperBound,
                        account: PrivacyAccount())
                state.account = try writer.spent(client: client, in: bounds)
                // Grants are capped here as well as at `budget grant`: grants for many short spans all count in a
                // long span that holds them, and their sum must not pass the caps either.
                let granted = try writer.granted(client: client, in: bounds)
                state.grantedEpsilon = min(granted.epsilon, max(0, SQLiteLedger.maxEpsilonLimit - budget.epsilon))
                state.grantedDelta = min(granted.delta, max(0, SQLiteLedger.maxDeltaLimit - budget.delta))
            }
            state.tier = tier
            state.limitEpsilon = budget.epsilon
            state.limitDelta = budget.delta
            kept.append(
                Span(
                    state: state, aligned: aligned.start..<aligned.end, tierName: tierName, budget: budget,
                    isDirty: false))
            entry.spans = kept
            entry.current = kept.count - 1
        }
        if let key {
            clients.values[key] = entry
            return (key, entry.current)
        }
        clients[client] = entry
        return (clients.index(forKey: client)!, entry.current)
    }

    /// Stores the snapshot of every span changed since the last save, in the writer's open transaction; after
    /// it, forgets every client when more than ``clientLimit`` are held.
    func save(_ writer: inout LedgerWriter) throws {
        for client in dirty {
            guard var entry = clients[client] else { continue }
            for index in entry.spans.indices where entry.spans[index].isDirty {
                if entry.spans[index].spentIsStale { refresh(&entry.spans[index]) }
                try writer.save(entry.spans[index].state)
                entry.spans[index].isDirty = false
            }
            try Self.saveBuckets(&entry, client, &writer)
            entry.isListed = false
            clients[client] = entry
        }
        dirty.removeAll(keepingCapacity: true)
    }

    /// Adds a charge's own account at `time` to `client`'s bucket holding it, loading the bucket from the ledger
    /// when it is not kept (buckets that do not hold `time` are stored and left behind past a few).
    private static func addToBucket(
        _ entry: inout Client, _ client: String, at time: Int64, _ own: PrivacyAccount, _ writer: inout LedgerWriter
    ) throws {
        if let kept = entry.buckets.firstIndex(where: { $0.span.contains(time) }) {
            entry.buckets[kept].account.add(own)
            entry.buckets[kept].isDirty = true
            return
        }
        if entry.buckets.count >= 4 {
            try saveBuckets(&entry, client, &writer)
            entry.buckets.removeAll(keepingCapacity: true)
            entry.isNew = false  // a bucket of its is now only in the ledger
        }
        let hour = bucketWindow.span(containing: time)
        var account = PrivacyAccount()
        var span = hour.start..<hour.end
        if !entry.isNew {
            span = try writer.span(client: client, at: time, alignedStart: hour.start, alignedEnd: hour.end)
            account = try writer.bucket(client: client, start: span.lowerBound) ?? PrivacyAccount()
        }
        account.add(own)
        entry.buckets.append(Bucket(span: span, account: account, isDirty: true))
    }

    /// Stores `client`'s changed buckets in the writer's open transaction.
    private static func saveBuckets(_ entry: inout Client, _ client: String, _ writer: inout LedgerWriter) throws {
        for index in entry.buckets.indices where entry.buckets[index].isDirty {
            try writer.saveBucket(client: client, span: entry.buckets[index].span, entry.buckets[index].account)
            entry.buckets[index].isDirty = false
        }
    }

    /// Forgets every client when more than ``clientLimit`` are held (call after a commit).
    func trim() {
        lastDenial = nil
        if clients.count > Self.clientLimit { clients.removeAll() }
    }

    /// Whether a snapshot changed since the last save.
    var hasChanges: Bool { !dirty.isEmpty }

    /// Brings a span's position up to date with its account (it was charged under another span's tier).
    private func refresh(_ span: inout Span) {
        let limit = span.state.effectiveLimit
        if Self.outOfRange(limit) == nil {
            span.state.spentEpsilon = accountant.epsilon(
                span.state.account, delta: limit.delta, previous: span.state.spentEpsilon)
            span.state.spentDelta = spentDelta(span.state.account, limit: limit.delta)
        }
        span.spentIsStale = false
    }

    private func spentDelta(_ account: PrivacyAccount, limit: Double) -> Double {
        guard account.releases > 0 else { return 0 }
        return policy.accounting == .basic ? account.sumDelta : limit
    }

    private static func position(_ state: WindowState) -> OrderedStage.Position {
        let limit = state.effectiveLimit
        return OrderedStage.Position(
            spentEpsilon: state.spentEpsilon, spentDelta: state.spentDelta, limitEpsilon: limit.epsilon,
            limitDelta: limit.delta)
    }

    /// `value` in its shortest round-tripping form, for messages; `infinity` or `nan` when not finite (the
    /// JSON writer takes finite numbers only, and an exhausted δ makes ε infinite).
    static func number(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-infinity" : "infinity" }
        var writer = JSONWriter(capacity: 32)
        writer.append(value)
        return writer.bytes.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
    }
}
