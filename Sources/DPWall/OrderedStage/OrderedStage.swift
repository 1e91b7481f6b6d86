import DPWallPrivacy
import DPWallRecords
import DPWallStore

/// The ordered stage (the README's "limit → budget → audit → commit → release"): decides, in input order, every
/// record the record stage left to it, and holds the output until its decisions are durable.
///
/// It runs in the filter's writing turn, one batch at a time (``settle(_:now:wall:)``). For each pending record
/// (``PendingCharge``) it checks the event time against the watermark (records.md, "Event time"), applies the
/// request limits (``LimitStage``), charges a privatized release to its client's budget (``BudgetBook``: one
/// `INSERT` into the group's open transaction) or denies it, and remembers the decision under the record's
/// `(client, id)`; a record decided before gets its first decision again and moves nothing (privacy.md,
/// "Exactly once under redelivery"). A record is atomic: all its rows are charged, or none. The batch's output goes
/// into a held buffer and its audit entries to the archive; ``commit(wall:)`` makes the group durable, after which
/// ``releaseHeld(_:)`` hands over what was held. Nothing is released before its decision is committed.
///
/// The files of this folder follow those steps: `OrderedStage+Decision.swift` (event time, limits, budget,
/// redelivery), `OrderedStage+AuditEntries.swift`, `OrderedStage+Commit.swift`, `OrderedStage+Release.swift`.
///
/// Per client it keeps the current window in memory (a few hundred bytes); after a commit, when more than
/// ``clientLimit`` clients are held, it forgets them all and reloads each from the ledger on its next record.
final class OrderedStage {
    static let clientLimit = BudgetBook.clientLimit
    /// Held output beyond which a group commits whatever the interval says.
    static let heldLimit = 8 << 20

    let ledger: SQLiteLedger
    let policy: Policy
    let accountant: Accountant
    let keyed: Bool
    let annotate: Bool
    /// Every client's budget: the spans loaded this run, charged in input order.
    let book: BudgetBook
    /// Output and rejects lines settled but not yet committed, in input order.
    var held = JSONWriter(capacity: 1 << 20)
    var heldRejects = JSONWriter(capacity: 0)
    /// Clock time of the oldest held line's batch, if any is held.
    var heldSince: Double?
    /// The audit archive's compressor (nil with `--no-audit`), the buffer entries are completed in before they are
    /// handed to it, and the next entry's `seq`.
    let archive: AuditCompressor?
    var entryBuffer = JSONWriter(capacity: 0)
    var nextSeq: UInt64
    /// What the writing turn decides a batch with and into, moved into a local for the batch.
    var turn: Turn

    /// `helpers` is how many other threads will compress the archive's entries while they wait (``AuditCompressor``):
    /// with none, the archive runs its own thread. `workArrived` wakes them.
    init(
        ledger: SQLiteLedger, policy: Policy, options: ProcessorOptions, archive: AuditSegmentWriter?, helpers: Int = 0,
        workArrived: (@Sendable () -> Void)? = nil
    ) {
        self.ledger = ledger
        self.archive = archive.map { AuditCompressor($0, ownThread: helpers == 0, workArrived: workArrived) }
        nextSeq = archive?.head.nextSeq ?? 1
        self.policy = policy
        self.keyed = options.noise.needsRequestDigest
        self.annotate = options.annotate
        turn = Turn(
            limits: policy.hasRequestLimits ? LimitStage(policy: policy, dryRun: options.limitsDryRun) : nil,
            clock: EventClock(lateness: policy.limits.allowedLateness, isLive: options.boundsFutureEvents))
        var epsilons: [Double] = []
        for model in policy.models {
            for output in model.outputs {
                if let calibration = output.privacy?.calibration(
                    for: output.tensor, maxRowElements: policy.maxRowElements),
                    case .laplace(let epsilon) = calibration.rowCost
                {
                    epsilons.append(epsilon)
                }
            }
        }
        var deltas = policy.tiers.compactMap { $0.budget?.delta }
        deltas += policy.clients.compactMap { $0.budget?.delta }
        accountant = Accountant(method: policy.accounting, laplaceEpsilons: epsilons, deltas: deltas)
        book = BudgetBook(policy: policy, accountant: accountant, keyed: keyed)
    }

    /// Whether nothing is held.
    var isEmpty: Bool { heldSince == nil }

    /// Settles `processor`'s batch: charges or denies each pending record, and appends the batch's finished
    /// output, rejects and audit entries to the held buffers. Denials move the processor's counts from allowed
    /// to denied.
    /// `now` is the monotonic clock of the commit interval; `wall` the wall clock of the audit (seconds since 1970).
    func settle(_ processor: RecordProcessor, now: Double, wall: Double) throws {
        let output = processor.output.bytes
        if heldSince == nil { heldSince = now }
        let pending = processor.pending
        turn.startBatch()
        if turn.clock.isLive { turn.clock.ceiling = Int64(wall * 1000) }
        var written = EntriesWritten()
        if !pending.charges.isEmpty {
            // Into a local for the loop: the stage's own properties would cost an exclusivity check per access.
            var turn = Turn(limits: nil, clock: EventClock(lateness: 0, isLive: false))
            swap(&turn, &self.turn)
            defer { swap(&turn, &self.turn) }
            let formatPrivacy = annotate || archive != nil
            try ledger.withWriter { writer in
                try writer.begin()
                for (index, charge) in pending.charges.enumerated() {
                    let (decision, dryRun, redelivered) = try settle(
                        charge, pending, &turn.limits, &turn.clock, &writer)
                    turn.decisions.append(decision)
                    turn.dryRuns.append(dryRun)
                    turn.redeliveries.append(redelivered)
                    // A release's privacy members, formatted once for the output's annotation and the entry.
                    let start = turn.privacyTexts.bytes.count
                    if formatPrivacy, case .release(let cost, let position) = decision {
                        Self.writePrivacy(cost: cost, position, into: &turn.privacyTexts)
                    }
                    turn.privacyRanges.append(start..<turn.privacyTexts.bytes.count)
                    // The archive gets the entries decided so far every `entryChunk` records: it compresses them
                    // while this turn decides the rest, and the group's commit finds little left to wait for.
                    if archive != nil && index % Self.entryChunk == Self.entryChunk - 1 {
                        writeEntries(
                            processor.audit, through: charge.auditStub.index! + 1, pending, turn, &written, now: wall)
                    }
                }
            }
        }
        if !processor.outcomes.isEmpty { completeOutcomes(processor, pending) }
        // The worker's rejects lines are copied up to each denied charge's place, so the rejects file stays in
        // input order.
        var rejectsCursor = 0
        output.withUnsafeBytes { bytes in
            var cursor = 0
            for (index, charge) in pending.charges.enumerated() {
                switch turn.decisions[index] {
                case .keep,
                    .allow where turn.dryRuns[index] == nil || !annotate:
                    // The worker's line stands: it is copied with its neighbours in one piece.
                    continue
                default: break
                }
                held.append(raw: UnsafeRawBufferPointer(rebasing: bytes[cursor..<charge.lineStart]))
                cursor = charge.tailAt
                let line = UnsafeRawBufferPointer(rebasing: bytes[charge.lineStart..<charge.tailAt])
                switch turn.decisions[index] {
                case .release:
                    held.append(raw: line)
                    writeTail(turn.privacyRanges[index], dryRun: turn.dryRuns[index])
                case .allow:
                    // With a dry-run finding to annotate (the others were passed over above): the complete line
                    // ends in "}\n", and the member goes before its last brace.
                    held.append(raw: UnsafeRawBufferPointer(rebasing: line[..<(line.endIndex - 2)]))
                    writeDryRun(turn.dryRuns[index]!)
                    held.append(raw: "}\n")
                case .keep, .redelivered:
                    held.append(raw: line)
                case .deny(let problem):
                    processor.rejects.bytes.withUnsafeBytes { rejects in
                        heldRejects.append(
                            raw: UnsafeRawBufferPointer(rebasing: rejects[rejectsCursor..<charge.rejectsAt]))
                    }
                    if case .denial(let earlier) = charge.kind {
                        // The limits came first: the record stage's denial line and rejects line are dropped.
                        processor.moveDenied(from: earlier.code, to: problem.code)
                        rejectsCursor = charge.rejectsEnd
                    } else {
                        processor.moveToDenied(problem.code)
                        rejectsCursor = charge.rejectsAt
                    }
                    writeDenial(charge, pending, problem, output: bytes)
                }
            }
            held.append(raw: UnsafeRawBufferPointer(rebasing: bytes[cursor..<bytes.count]))
        }
        processor.rejects.bytes.withUnsafeBytes { rejects in
            heldRejects.append(raw: UnsafeRawBufferPointer(rebasing: rejects[rejectsCursor..<rejects.count]))
        }
        if archive != nil {
            // The rest of the batch's entries: the other worker compresses them (AuditCompressor) while this
            // one decides its next batch.
            writeEntries(processor.audit, through: processor.audit.count, pending, turn, &written, now: wall)
        }
    }

    /// Completes the outcomes of the batch's pending records with what this stage decided.
    func completeOutcomes(_ processor: RecordProcessor, _ pending: PendingCharges) {
        for (index, charge) in pending.charges.enumerated() {
            guard let at = charge.outcome.index else { continue }
            var outcome = processor.outcomes[at]
            switch turn.decisions[index] {
            case .release(let cost, _):
                outcome.code = nil
                outcome.epsilon = cost.epsilon
                outcome.delta = cost.delta
            case .allow, .redelivered: outcome.code = nil
            case .keep(let problem), .deny(let problem): outcome.code = problem.code
            }
            outcome.dryRun = turn.dryRuns[index]?.code
            processor.outcomes[at] = outcome
        }
    }

    // MARK: Deciding a charge

    /// A client's position in its window: ε spent (at its δ limit) and δ, and the limit in force.
    typealias Position = ReleasePosition

    enum Decision {
        /// A charge went through (or a retry or repeat was answered again at no cost).
        case release(cost: (epsilon: Double, delta: Double), Position)
        /// A release with nothing privatized passed the limits.
        case allow
        /// The record stage's own denial stands.
        case keep(RecordError)
        /// Denied here (event time, limits, budget, duplicate id).
        case deny(RecordError)
        /// The ledger holds a decision for the record's (client, id) already (privacy.md, "Exactly once under
        /// redelivery"): the stage answers with it. Never left in a settled batch.
        case redelivered
    }

    /// What the writing turn decides a batch with (the limits, the event clock) and into (per pending record: its
    /// decision, what a dry run of the limits found, whether it was a redelivery, and the range of its privacy
    /// members in `privacyTexts`). One value, moved into a local for a batch: its accesses in the loop cost no
    /// exclusivity check.
    struct Turn {
        var decisions: [Decision] = []
        var dryRuns: [RecordError?] = []
        var redeliveries: [Bool] = []
        var privacyTexts = JSONWriter(capacity: 0)
        var privacyRanges: [Range<Int>] = []
        var limits: LimitStage?
        var clock: EventClock

        init(limits: LimitStage?, clock: EventClock) {
            self.limits = limits
            self.clock = clock
        }

        /// Empties the batch's decisions, keeping the storage.
        mutating func startBatch() {
            decisions.removeAll(keepingCapacity: true)
            dryRuns.removeAll(keepingCapacity: true)
            redeliveries.removeAll(keepingCapacity: true)
            privacyTexts.removeAll()
            privacyRanges.removeAll(keepingCapacity: true)
        }
    }
}
