import DPWallRecords
import DPWallStore

/// The limit stage (records.md, `rate_limited` and `quota_exceeded`; policy.md, `rate`, `burst`, `quota`): per
/// client an nginx leaky bucket on event time (``LeakyBucket``) and a request count per tumbling UTC quota window,
/// and optionally one bucket across all clients (`limits.global_rate`).
///
/// It runs in the filter's writing turn, in input order, on every record that got past `forbidden`. A value type,
/// held by the ordered stage: its state is mutated in place, with no exclusivity check per access. State lives
/// in memory; a client's state is read from the ledger when it is first seen, and what changed is written into
/// the group's transaction at its commit, so quotas (and buckets) survive a restart. After a commit, when more
/// than ``clientLimit`` clients are held, all are forgotten and reloaded on their next record.
struct LimitStage {
    struct ClientLimits {
        var state: LimitState
        var bucket: LeakyBucket?
        var quota: Policy.Quota?
        var isDirty = false
        /// The end of the month counted in `state` (calendar arithmetic, kept rather than redone per record).
        var monthEnd: Int64 = .min
    }

    /// Clients held before a save forgets them all (``save(_:)``).
    let clientLimit: Int
    private let policy: Policy
    /// Would-be denials are reported but not enforced (`--limits-dry-run`, nginx `limit_req_dry_run`).
    let dryRun: Bool
    /// The clients' entries, and where each client's is. An array and not the dictionary's values: an entry is
    /// read and updated in place by position, where the values of a dictionary were copied out and back (their
    /// strings retained and released) several times per record.
    private var entries: [ClientLimits] = []
    private var slots: [String: Int] = [:]
    /// Positions of the entries changed since the last save.
    private var dirty: [Int] = []
    private var global: ClientLimits?
    private var globalLoaded = false
    /// The position of the last admitted request's entry, and its event time.
    private var lastAdmitted: Int?
    private var lastAdmittedTime: Int64 = 0
    /// The admitted client's entry and the global bucket as they were before the last admission.
    private var before: (slot: Int, entry: ClientLimits, global: ClientLimits?)?
    /// The client's entry under its previous tier, when the admission being made replaced it.
    private var replaced: ClientLimits?
    /// The last client looked up and its position: traffic repeats its clients, and this skips hashing the name.
    private var lastClient = ""
    private var lastSlot = -1

    init(policy: Policy, dryRun: Bool, clientLimit: Int = 1 << 20) {
        self.policy = policy
        self.dryRun = dryRun
        self.clientLimit = clientLimit
    }

    /// Admits a request of `client` (in tier `tierName`) at event time `time`: nil when it passes every limit,
    /// else the denial. A request that passes moves the buckets (all of them, or none); a denied one changes
    /// nothing but the denial counts.
    mutating func admit(client: String, tierName: String, at time: Int64, _ writer: inout LedgerWriter) throws
        -> RecordError?
    {
        lastAdmitted = nil
        replaced = nil
        let slot = try load(client, tierName: tierName, writer: &writer)
        lastAdmitted = slot
        lastAdmittedTime = time
        if !entries[slot].isDirty {
            entries[slot].isDirty = true
            dirty.append(slot)
        }
        if !globalLoaded { try loadGlobal(&writer) }
        // What the request is judged on, kept until the next admission: a redelivered record found only after
        // this one (privacy.md, "Exactly once under redelivery") takes it back with ``revertLast()``.
        before = (slot, replaced ?? entries[slot], global)
        replaced = nil
        // In place: the client's entry is not copied out and back.
        return Self.check(&entries[slot], &global, at: time)
    }

    /// Takes back everything the last ``admit(client:tierName:at:_:)`` moved (buckets, counts, denial counts):
    /// the record was decided before, and gets that decision again without touching a limit.
    mutating func revertLast() {
        guard let (slot, entry, global) = before else { return }
        let dirty = entries[slot].isDirty
        entries[slot] = entry
        entries[slot].isDirty = dirty
        let globalDirty = self.global?.isDirty ?? false
        self.global = global
        self.global?.isDirty = globalDirty
        before = nil
        lastAdmitted = nil
    }

    private static func check(_ entry: inout ClientLimits, _ global: inout ClientLimits?, at time: Int64)
        -> RecordError?
    {
        let look = entry.bucket.map { $0.look(entry.state, now: time) }
        if let bucket = entry.bucket, let look, !look.passes {
            entry.state.rateDenials = entry.state.rateDenials.addingSaturating(1)
            let wait = bucket.retryAfter(entry.state, now: time)
            return RecordError(
                .rateLimited,
                "over the client's rate of \(PolicyReport.number(Double(bucket.rate) / 1000)) requests/s with burst "
                    + "\(bucket.burst / 1000) (event time); a retry under a new id passes after \(Self.seconds(wait)) s"
            )
        }
        let globalLook = global.flatMap { limits in limits.bucket.map { $0.look(limits.state, now: time) } }
        if let bucket = global?.bucket, let globalLook, !globalLook.passes {
            global!.state.rateDenials = global!.state.rateDenials.addingSaturating(1)
            global!.isDirty = true
            let wait = bucket.retryAfter(global!.state, now: time)
            return RecordError(
                .rateLimited,
                "over the global rate of \(PolicyReport.number(Double(bucket.rate) / 1000)) requests/s with burst "
                    + "\(bucket.burst / 1000) across all clients (event time); a retry under a new id passes after "
                    + "\(Self.seconds(wait)) s")
        }
        if let bucket = entry.bucket, let look { bucket.accept(look, now: time, into: &entry.state) }
        if let bucket = global?.bucket, let globalLook {
            bucket.accept(globalLook, now: time, into: &global!.state)
            global!.isDirty = true
        }
        guard let quota = entry.quota else { return nil }
        // The count is the client's, whatever its tier: its allowed requests in the window of the quota's unit
        // that holds `time` (a record from before the current window, out of order, counts against the current
        // one, which can only be stricter).
        let (start, count) = Self.counter(&entry, quota.window, at: time)
        // The window shown by `quota show`, worked out again only when it moved (a month's is calendar work).
        if start != entry.state.quotaWindowStart
            || !quota.window.fits(
                length: entry.state.quotaWindowEnd.subtractingSaturating(entry.state.quotaWindowStart))
        {
            let span = quota.window.span(containing: start)
            entry.state.quotaWindowStart = span.start
            entry.state.quotaWindowEnd = span.end
        }
        entry.state.quotaCount = count
        entry.state.quotaLimit = Int64(quota.requests)
        if count >= Int64(quota.requests) {
            entry.state.quotaDenials = entry.state.quotaDenials.addingSaturating(1)
            return RecordError(
                .quotaExceeded,
                "the client's quota of \(quota.requests) requests per \(quota.window.rawValue) is used up in the "
                    + "window from \(EventTime.format(milliseconds: entry.state.quotaWindowStart)) to "
                    + "\(EventTime.format(milliseconds: entry.state.quotaWindowEnd)); a retry under a new id passes after "
                    + "\(Self.seconds(entry.state.quotaWindowEnd - max(time, entry.state.quotaWindowStart))) s")
        }
        return nil
    }

    /// The client's count for `unit` at `time`, its window moved on (and its count emptied) when `time` is past
    /// it: the window's start and the count.
    private static func counter(_ entry: inout ClientLimits, _ unit: Policy.QuotaWindow, at time: Int64) -> (
        start: Int64, count: Int64
    ) {
        switch unit {
        case .hour:
            if entry.state.hourStart == .min || time >= entry.state.hourStart.addingSaturating(3_600_000) {
                entry.state.hourStart = unit.span(containing: time).start
                entry.state.hourCount = 0
            }
            return (entry.state.hourStart, entry.state.hourCount)
        case .day:
            if entry.state.dayStart == .min || time >= entry.state.dayStart.addingSaturating(86_400_000) {
                entry.state.dayStart = unit.span(containing: time).start
                entry.state.dayCount = 0
            }
            return (entry.state.dayStart, entry.state.dayCount)
        case .month:
            if entry.monthEnd == .min && entry.state.monthStart != .min {
                entry.monthEnd = unit.span(containing: entry.state.monthStart).end
            }
            if entry.state.monthStart == .min || time >= entry.monthEnd {
                let span = unit.span(containing: time)
                entry.state.monthStart = span.start
                entry.monthEnd = span.end
                entry.state.monthCount = 0
            }
            return (entry.state.monthStart, entry.state.monthCount)
        }
    }

    /// Counts the request that ``admit(client:tierName:at:_:)`` passed last against its client's quota, once
    /// the request is allowed (before any other is admitted).
    mutating func countAllowed() {
        guard let slot = lastAdmitted else { return }
        Self.count(&entries[slot], at: lastAdmittedTime)
    }

    /// Counts an allowed request at `time` in every unit, quota or not, so that a later tier of another unit
    /// finds it (policy.md, `quota`). One access to the entry: each `entries[slot]` is a uniqueness check.
    private static func count(_ entry: inout ClientLimits, at time: Int64) {
        _ = counter(&entry, .hour, at: time)
        _ = counter(&entry, .day, at: time)
        _ = counter(&entry, .month, at: time)
        entry.state.hourCount = entry.state.hourCount.addingSaturating(1)
        entry.state.dayCount = entry.state.dayCount.addingSaturating(1)
        entry.state.monthCount = entry.state.monthCount.addingSaturating(1)
        if entry.quota != nil { entry.state.quotaCount = entry.state.quotaCount.addingSaturating(1) }
    }

    /// Writes what changed into the open transaction.
    mutating func save(_ writer: inout LedgerWriter) throws {
        for slot in dirty where entries[slot].isDirty {
            try writer.save(entries[slot].state)
            entries[slot].isDirty = false
        }
        dirty.removeAll(keepingCapacity: true)
        if let global, global.isDirty {
            try writer.save(global.state)
            self.global?.isDirty = false
        }
        if entries.count > clientLimit {
            entries.removeAll()
            slots.removeAll()
            before = nil
            lastAdmitted = nil
            lastSlot = -1
        }
    }

    /// Whether anything is waiting to be saved.
    var hasChanges: Bool { !dirty.isEmpty || global?.isDirty == true }

    /// The position of the client's entry for `tierName`: the held one, or a new one (with the held state, else the
    /// ledger's) when the client is new or its tier changed.
    private mutating func load(_ client: String, tierName: String, writer: inout LedgerWriter) throws -> Int {
        if lastSlot >= 0, client == lastClient, entries[lastSlot].state.tier == tierName { return lastSlot }
        let held = slots[client]
        if let held, entries[held].state.tier == tierName {
            lastClient = client
            lastSlot = held
            return held
        }
        let limits = policy.requestLimits(forClient: client, tierName: tierName)
        var state =
            try held.map { entries[$0].state } ?? writer.limitState(client: client) ?? LimitState(client: client)
        if state.hourStart == .min && state.dayStart == .min && state.monthStart == .min
            && state.quotaCount > 0 && (-62_167_219_200_000...253_402_300_800_000).contains(state.quotaWindowStart)
        {
            // A count from a ledger before per-unit counts (one unit only): every unit starts from it, in the
            // window holding its start.
            state.hourStart = Policy.QuotaWindow.hour.span(containing: state.quotaWindowStart).start
            state.dayStart = Policy.QuotaWindow.day.span(containing: state.quotaWindowStart).start
            state.monthStart = Policy.QuotaWindow.month.span(containing: state.quotaWindowStart).start
            (state.hourCount, state.dayCount, state.monthCount) = (state.quotaCount, state.quotaCount, state.quotaCount)
        }
        if held == nil && state.tier != tierName {
            // The ledger's state under its own tier, kept as the replaced entry: a redelivered record's admission
            // takes back the tier it would otherwise write over.
            let previous = policy.requestLimits(forClient: client, tierName: state.tier)
            replaced = ClientLimits(
                state: state,
                bucket: previous.rate.map {
                    LeakyBucket(requestsPerSecond: $0.requestsPerSecond, burst: previous.burst)
                }, quota: previous.quota)
        }
        state.tier = tierName
        let entry = ClientLimits(
            state: state,
            bucket: limits.rate.map { LeakyBucket(requestsPerSecond: $0.requestsPerSecond, burst: limits.burst) },
            quota: limits.quota, isDirty: held.map { entries[$0].isDirty } ?? false,
            monthEnd: held.map { entries[$0].monthEnd } ?? .min)
        let slot: Int
        if let held {
            // Another tier: the entry is replaced where it is (and stays on the dirty list if it was there).
            // Kept, so that a redelivered record's admission takes back its tier too.
            replaced = entries[held]
            entries[held] = entry
            slot = held
        } else {
            slot = entries.count
            entries.append(entry)
            slots[client] = slot
        }
        lastClient = client
        lastSlot = slot
        return slot
    }

    private mutating func loadGlobal(_ writer: inout LedgerWriter) throws {
        globalLoaded = true
        guard let rate = policy.limits.globalRate else { return }
        let state = try writer.limitState(client: LimitState.globalKey) ?? LimitState(client: LimitState.globalKey)
        global = ClientLimits(
            state: state,
            bucket: LeakyBucket(requestsPerSecond: rate.requestsPerSecond, burst: policy.limits.globalBurst),
            quota: nil)
    }

    /// Milliseconds as seconds with three decimals.
    static func seconds(_ milliseconds: Int64) -> String {
        let millis = max(0, milliseconds)
        return "\(millis / 1000).\(String(String(millis % 1000 + 1000).dropFirst()))"
    }
}
