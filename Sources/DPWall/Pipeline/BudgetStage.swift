import DPWallPrivacy
import DPWallRecords
import DPWallStore

/// The budget stage (docs/privacy.md, "Budgets and the ledger"): charges every privatized release to its
/// client's window in input order, and holds the output until the charges are durable.
///
/// It runs in the filter's writing turn, one batch at a time. For each pending charge it finds the client's
/// window (tumbling, UTC, on event time; split where `budget reset` started a new one), composes the record's
/// rows with what the window holds under the policy's accountant, and charges the record with one `INSERT`
/// into the group's open transaction, or denies it `budget_exhausted` or `duplicate_id`. A record is atomic: all
/// its rows are charged, or none. The batch's output goes into a held buffer; ``commit()`` makes the group
/// durable, after which the caller writes what was held. Nothing is released before its charge is committed.
///
/// Per client it keeps the current window in memory (a few hundred bytes); after a commit, when more than
/// ``clientLimit`` clients are held, it forgets them all and reloads each from the ledger on its next record.
final class BudgetStage {
    static let clientLimit = BudgetBook.clientLimit
    /// Held output beyond which a group commits whatever the interval says.
    static let heldLimit = 8 << 20

    let ledger: SQLiteLedger
    private let policy: Policy
    private let accountant: Accountant
    private let keyed: Bool
    private let annotate: Bool
    /// Every client's budget: the spans loaded this run, charged in input order.
    private let book: BudgetBook
    /// Output and rejects lines settled but not yet committed, in input order.
    private(set) var held = JSONWriter(capacity: 1 << 20)
    private(set) var heldRejects = JSONWriter(capacity: 0)
    /// Clock time of the oldest held line's batch, if any is held.
    private(set) var heldSince: Double?
    /// The audit archive's compressor (nil with `--no-audit`), the buffer entries are completed in before they are
    /// handed to it, and the next entry's `seq`.
    let archive: AuditCompressor?
    private var entryBuffer = JSONWriter(capacity: 0)
    private var nextSeq: UInt64
    /// The request limits (nil when the policy sets none).
    private var limits: LimitStage?
    /// The decisions of the batch being settled, one per pending record, what the limits would have denied in a
    /// dry run, and each release's privacy members.
    private var decisions: [Decision] = []
    private var dryRuns: [RecordError?] = []
    private var privacyTexts = JSONWriter(capacity: 0)
    private var privacyRanges: [Range<Int>] = []
    /// Which of the batch's pending records were redeliveries answered with their first decision.
    private var redeliveries: [Bool] = []
    /// The stream's watermark (records.md, "Event time"): the latest event time accepted, loaded from the ledger
    /// on the first record, saved with each group; `allowed_lateness` in milliseconds; the wall clock it may not
    /// pass (milliseconds; `Int64.max` in replay, whose clock is the capture's own).
    private var watermark: Int64?
    private var watermarkLoaded = false
    private var watermarkChanged = false
    private let lateness: Int64
    private var watermarkCeiling = Int64.max
    private let boundsWatermark: Bool
    /// The watermark when decisions were last forgotten (``forgetDecisions(_:)``).
    private var forgottenAt: Int64?

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
        limits = policy.hasRequestLimits ? LimitStage(policy: policy, dryRun: options.limitsDryRun) : nil
        lateness = Int64(policy.limits.allowedLateness * 1000)
        boundsWatermark = options.boundsFutureEvents
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
        decisions.removeAll(keepingCapacity: true)
        dryRuns.removeAll(keepingCapacity: true)
        redeliveries.removeAll(keepingCapacity: true)
        privacyTexts.removeAll()
        privacyRanges.removeAll(keepingCapacity: true)
        if boundsWatermark { watermarkCeiling = Int64(wall * 1000) }
        var written = EntriesWritten()
        if !pending.charges.isEmpty {
            // Into locals for the loop: the stage's own properties would cost an exclusivity check per access.
            var decisions: [Decision] = []
            var dryRuns: [RecordError?] = []
            var redeliveries: [Bool] = []
            var limits: LimitStage? = nil
            var privacyTexts = JSONWriter(capacity: 0)
            var privacyRanges: [Range<Int>] = []
            swap(&decisions, &self.decisions)
            swap(&dryRuns, &self.dryRuns)
            swap(&redeliveries, &self.redeliveries)
            swap(&limits, &self.limits)
            swap(&privacyTexts, &self.privacyTexts)
            swap(&privacyRanges, &self.privacyRanges)
            defer {
                swap(&decisions, &self.decisions)
                swap(&dryRuns, &self.dryRuns)
                swap(&redeliveries, &self.redeliveries)
                swap(&limits, &self.limits)
                swap(&privacyTexts, &self.privacyTexts)
                swap(&privacyRanges, &self.privacyRanges)
            }
            let formatPrivacy = annotate || archive != nil
            try ledger.withWriter { writer in
                try writer.begin()
                for (index, charge) in pending.charges.enumerated() {
                    let (decision, dryRun, redelivered) = try settle(charge, pending, &limits, &writer)
                    decisions.append(decision)
                    dryRuns.append(dryRun)
                    redeliveries.append(redelivered)
                    // A release's privacy members, formatted once for the output's annotation and the entry.
                    let start = privacyTexts.bytes.count
                    if formatPrivacy, case .release(let cost, let position) = decision {
                        Self.writePrivacy(cost: cost, position, into: &privacyTexts)
                    }
                    privacyRanges.append(start..<privacyTexts.bytes.count)
                    // The archive gets the entries decided so far every `entryChunk` records: it compresses them
                    // while this turn decides the rest, and the group's commit finds little left to wait for.
                    if archive != nil && index % Self.entryChunk == Self.entryChunk - 1 {
                        privacyTexts.bytes.withUnsafeBytes { texts in
                            writeEntries(
                                processor.audit, through: charge.auditStub + 1, pending, decisions, dryRuns,
                                redeliveries, texts, privacyRanges, &written, now: wall)
                        }
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
                switch decisions[index] {
                case .keep,
                    .allow where dryRuns[index] == nil || !annotate:
                    // The worker's line stands: it is copied with its neighbours in one piece.
                    continue
                default: break
                }
                held.append(raw: UnsafeRawBufferPointer(rebasing: bytes[cursor..<charge.lineStart]))
                cursor = charge.tailAt
                let line = UnsafeRawBufferPointer(rebasing: bytes[charge.lineStart..<charge.tailAt])
                switch decisions[index] {
                case .release:
                    held.append(raw: line)
                    writeTail(privacyRanges[index], dryRun: dryRuns[index])
                case .allow:
                    // With a dry-run finding to annotate (the others were passed over above): the complete line
                    // ends in "}\n", and the member goes before its last brace.
                    held.append(raw: UnsafeRawBufferPointer(rebasing: line[..<(line.endIndex - 2)]))
                    writeDryRun(dryRuns[index]!)
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
            privacyTexts.bytes.withUnsafeBytes { texts in
                writeEntries(
                    processor.audit, through: processor.audit.count, pending, decisions, dryRuns, redeliveries,
                    texts, privacyRanges, &written, now: wall)
            }
        }
    }

    /// Completes the outcomes of the batch's pending records with what this stage decided.
    private func completeOutcomes(_ processor: RecordProcessor, _ pending: PendingCharges) {
        for (index, charge) in pending.charges.enumerated() where charge.outcome >= 0 {
            var outcome = processor.outcomes[charge.outcome]
            switch decisions[index] {
            case .release(let cost, _):
                outcome.code = nil
                outcome.epsilon = cost.epsilon
                outcome.delta = cost.delta
            case .allow, .redelivered: outcome.code = nil
            case .keep(let problem), .deny(let problem): outcome.code = problem.code
            }
            outcome.dryRun = dryRuns[index]?.code
            processor.outcomes[charge.outcome] = outcome
        }
    }

    /// Whether the held group must commit now: when no later batch has been read (its turn might never come
    /// without waiting for input), when the input ended, when the oldest held line has waited `interval`
    /// seconds, or when the held output is large.
    func commitIsDue(now: Double, laterBatchRead: Bool, interval: Double) -> Bool {
        guard let since = heldSince else { return false }
        return !laterBatchRead || now - since >= interval || held.bytes.count >= Self.heldLimit
    }

    /// Makes the group durable, in audit.md's order: its audit entries are written and fsynced, then the ledger
    /// commits its charges with the archive's head, then (``releaseHeld(_:)``) its lines may be released. The open
    /// audit frame is sealed when it is due.
    func commit(wall now: Double) throws {
        guard book.hasChanges || heldSince != nil || limits?.hasChanges == true || watermarkChanged else { return }
        let anchor = try archive?.flush()
        try ledger.withWriter { writer in
            if !book.hasChanges && !writer.inTransaction && archive == nil && limits?.hasChanges != true
                && !watermarkChanged
            {
                return
            }
            try writer.begin()
            try limits?.save(&writer)
            try book.save(&writer)
            try saveWatermark(&writer)
            if let anchor { try writer.saveAuditAnchor(anchor) }
            try writer.commit()
        }
        if let anchor { archive?.committed(through: anchor.head.nextSeq) }
        book.trim()
        try archive?.sealIfDue(now: now)
    }

    /// How long decisions other than charges are kept behind the watermark: a day, or `allowed_lateness` if
    /// longer. A record redelivered later than that is `late_event` (privacy.md, "Exactly once under
    /// redelivery").
    static let decisionRetention: Int64 = 86_400_000

    /// Saves a moved watermark into the open transaction, and forgets the decisions other than charges that fell
    /// out of ``decisionRetention`` (when the watermark moved an hour since it last did, and on the first group).
    private func saveWatermark(_ writer: inout LedgerWriter) throws {
        guard watermarkChanged, let watermark else { return }
        try writer.saveWatermark(watermark)
        watermarkChanged = false
        if let forgottenAt, watermark < forgottenAt.addingSaturating(3_600_000) { return }
        forgottenAt = watermark
        try writer.forgetDecisions(
            before: watermark.subtractingSaturating(max(Self.decisionRetention, lateness)))
    }

    /// Seals the open audit frame, closes the segment, and records the final head in the ledger (at the end of a
    /// run), so that `audit verify --ledger` knows exactly where the archive ends.
    func closeArchive() throws {
        guard let archive else { return }
        let anchor = try archive.close()
        try ledger.withWriter { writer in
            try writer.begin()
            try writer.saveAuditAnchor(anchor)
            try writer.commit()
        }
    }

    /// How far a batch's audit stubs have been completed and handed to the archive: the next stub, and the next
    /// pending charge to look at.
    struct EntriesWritten {
        var stub = 0
        var charge = 0
    }

    /// How many decided records the writing turn gathers before it hands their entries to the archive.
    static let entryChunk = 256

    /// Completes the batch's audit stubs from `written` up to (not including) `end` into entries, in order, and
    /// hands them to the archive: `seq` and `at` first, then the stub; for a pending record, its decision and,
    /// for a release it charged, the cost, position, noise and released body's digest. Every pending record of
    /// those stubs must be decided (`decisions`, `dryRuns` and `privacyRanges` into `privacyTexts`, by pending
    /// index).
    private func writeEntries(
        _ stubs: AuditStubs, through end: Int, _ pending: PendingCharges, _ decisions: [Decision],
        _ dryRuns: [RecordError?], _ redeliveries: [Bool], _ privacyTexts: UnsafeRawBufferPointer,
        _ privacyRanges: [Range<Int>],
        _ written: inout EntriesWritten, now: Double
    ) {
        guard let archive, end > written.stub else { return }
        // Into locals for the loop, as in settle(_:now:wall:): the stage's own properties would cost an
        // exclusivity check per access, a dozen per entry.
        var entries = JSONWriter(capacity: 0)
        swap(&entries, &entryBuffer)
        defer { swap(&entries, &entryBuffer) }
        let charges = pending.charges
        let firstSeq = nextSeq
        var seq = firstSeq
        var times: (Int64, Int64)?
        let at = Int64(now * 1000)
        var next = written.charge
        stubs.text.bytes.withUnsafeBytes { text in
            pending.digests.withUnsafeBytes { digests in
                var start = written.stub == 0 ? 0 : stubs.ends[written.stub - 1]
                for index in written.stub..<end {
                    let end = stubs.ends[index]
                    entries.append(raw: "{\"seq\":")
                    entries.append(seq)
                    entries.append(raw: ",\"at\":")
                    entries.append(at)
                    if end > start { entries.appendByte(UInt8(ascii: ",")) }
                    entries.append(raw: UnsafeRawBufferPointer(rebasing: text[start..<end]))
                    while next < charges.count && charges[next].auditStub < index { next += 1 }
                    if next < charges.count && charges[next].auditStub == index {
                        let outputDigestAt = charges[next].outputDigestAt
                        switch decisions[next] {
                        case .release(let cost, _):
                            entries.append(raw: ",\"decision\":\"allow\",")
                            entries.append(raw: UnsafeRawBufferPointer(rebasing: privacyTexts[privacyRanges[next]]))
                            if redeliveries[next] {
                                // Its first decision's cost, charged then (AuditLedgerCheck skips it).
                                entries.append(raw: ",\"redelivery\":true")
                            } else if cost.epsilon > 0 || cost.delta > 0 {
                                Self.appendAccount(pending.costs[charges[next].costs], &entries)
                            }
                            charges[next].noise.withUnsafeBytes { entries.append(raw: $0) }
                            entries.append(raw: ",\"output_sha256\":")
                            AuditStubs.appendHex(
                                UnsafeRawBufferPointer(rebasing: digests[outputDigestAt..<outputDigestAt + 32]),
                                &entries)
                        case .allow, .redelivered:
                            entries.append(raw: ",\"decision\":\"allow\"")
                            if outputDigestAt >= 0 {
                                entries.append(raw: ",\"output_sha256\":")
                                AuditStubs.appendHex(
                                    UnsafeRawBufferPointer(rebasing: digests[outputDigestAt..<outputDigestAt + 32]),
                                    &entries)
                            }
                        case .deny(let problem), .keep(let problem):
                            entries.append(raw: ",\"decision\":\"deny\",\"code\":")
                            entries.appendString(problem.code.name)
                            // audit.md: every denial names its input line. The record stage's own denials have
                            // it in their stub already.
                            if case .denial = charges[next].kind {
                            } else {
                                entries.append(raw: ",\"line\":")
                                entries.append(charges[next].line)
                            }
                        }
                        if redeliveries[next], case .release = decisions[next] {
                        } else if redeliveries[next] {
                            entries.append(raw: ",\"redelivery\":true")
                        }
                        if let problem = dryRuns[next] {
                            entries.append(raw: ",\"dry_run\":")
                            entries.appendString(problem.code.name)
                        }
                    }
                    entries.append(raw: "}\n")
                    // The seal's event-time range (AuditStubs.times: as verify reads it from this entry).
                    let time = stubs.times[index]
                    if time != .min { times = (min(times?.0 ?? time, time), max(times?.1 ?? time, time)) }
                    seq += 1
                    start = end
                }
            }
        }
        nextSeq = seq
        written = EntriesWritten(stub: end, charge: next)
        archive.submit(&entries.bytes, count: Int(seq - firstSeq), now: now, eventTimes: times)
    }

    /// `,"account":{"rows":…,"rho":…,"mu_squared":…,"laplace":"…"}`: a charge's own accounting state, as the
    /// ledger stores it with the charge (audit.md, "Entries"). The sealed entry then says what each charge must
    /// hold, so clearing a charge's ρ, Σμ² or Laplace groups in the ledger (which refunds budget under `zcdp` and
    /// `rdp`) shows in `audit verify --ledger`.
    static func appendAccount(_ costs: ArraySlice<(cost: RowCost, rows: Int)>, _ entries: inout JSONWriter) {
        var own = PrivacyAccount()
        for group in costs { own.add(group.cost, count: group.rows) }
        entries.append(raw: ",\"account\":{\"rows\":")
        entries.append(own.releases)
        entries.append(raw: ",\"rho\":")
        entries.append(own.rho)
        entries.append(raw: ",\"mu_squared\":")
        entries.append(own.sumMuSquared)
        entries.append(raw: ",\"laplace\":")
        entries.appendString(SQLiteLedger.encode(own.laplaceCounts))
        entries.appendByte(UInt8(ascii: "}"))
    }

    /// Hands the held output and rejects to `write`, then empties them.
    func releaseHeld(_ write: (WriterBuffer, WriterBuffer) throws -> Void) rethrows {
        defer {
            held.removeAll()
            heldRejects.removeAll()
            heldSince = nil
        }
        try write(held.bytes, heldRejects.bytes)
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

    /// Decides a pending record in input order (records.md's order): its event time against the watermark, the
    /// limits, then what its kind needs; remembers the decision in the ledger with the same insert that finds a
    /// redelivery, which is answered with its first decision instead and moves nothing (privacy.md, "Exactly once
    /// under redelivery"). Returns the decision, what a dry run of the limits found, and whether it is a
    /// redelivery.
    private func settle(
        _ charge: PendingCharge, _ pending: PendingCharges, _ limits: inout LimitStage?, _ writer: inout LedgerWriter
    ) throws -> (Decision, RecordError?, Bool) {
        if !watermarkLoaded {
            watermark = try writer.watermark()
            watermarkLoaded = true
        }
        if let watermark, charge.eventTime < watermark.subtractingSaturating(lateness) {
            // Late: the first decision of a record seen before, else late_event (nothing is charged or moved).
            if let stored = try writer.decision(client: charge.client, id: charge.id) {
                return try answer(stored, charge, pending, &writer)
            }
            if case .denial(let earlier) = charge.kind, earlier.code.index < DenialCode.lateEvent.index {
                return (.keep(earlier), nil, false)
            }
            return (.deny(lateProblem(charge.eventTime)), nil, false)
        }
        let decided = try decide(charge, pending, &limits, &writer)
        let remembered: Bool
        switch decided.0 {
        case .redelivered: remembered = false
        case .release(let cost, _) where cost.epsilon > 0 || cost.delta > 0: remembered = true  // the charge
        case .release(_, let position):
            remembered = try remember(charge, pending, position: position, problem: nil, dryRun: decided.1, &writer)
        case .allow:
            remembered = try remember(charge, pending, position: nil, problem: nil, dryRun: decided.1, &writer)
        case .keep(let problem), .deny(let problem):
            remembered = try remember(charge, pending, position: nil, problem: problem, dryRun: decided.1, &writer)
        }
        guard remembered else {
            // Decided before: whatever this decision moved is taken back, and the first one answers.
            limits?.revertLast()
            book.forgetDenial()
            guard let stored = try writer.decision(client: charge.client, id: charge.id) else {
                throw LedgerError(
                    kind: .io,
                    message: "ledger \(ledger.path): client \(charge.client)'s record \(charge.id) is taken, but "
                        + "its decision cannot be read")
            }
            return try answer(stored, charge, pending, &writer)
        }
        switch decided.0 {
        case .release, .allow: limits?.countAllowed()
        case .deny: book.countDenial()
        case .keep, .redelivered: break
        }
        advanceWatermark(charge.eventTime)
        return (decided.0, decided.1, false)
    }

    /// Decides a record seen for the first time (unless the charge finds it was not): the limits first, then
    /// what its kind needs.
    private func decide(
        _ charge: PendingCharge, _ pending: PendingCharges, _ limits: inout LimitStage?, _ writer: inout LedgerWriter
    ) throws -> (Decision, RecordError?) {
        var dryRun: RecordError?
        // Only a denial the book returns for this record counts in its span.
        book.forgetDenial()
        if limits != nil,
            let problem = try limits!.admit(
                client: charge.client, tierName: charge.tierName, at: charge.eventTime, &writer)
        {
            if case .denial(let earlier) = charge.kind, earlier.code.index < problem.code.index {
                // A code that comes first in records.md's order (a broken body's invalid_field) stands.
                return (.keep(earlier), nil)
            }
            guard limits!.dryRun else { return (.deny(problem), nil) }
            dryRun = problem
        }
        switch charge.kind {
        case .denial(let problem):
            return (.keep(problem), dryRun)
        case .release:
            return (.allow, dryRun)
        case .charge:
            let decision = try book.decide(
                client: charge.client, tierName: charge.tierName, id: charge.id, eventTime: charge.eventTime,
                digest: Array(pending.digests[charge.digestAt..<charge.digestAt + 32]),
                costs: pending.costs[charge.costs], epsilon: charge.epsilon, delta: charge.delta, dryRun: dryRun,
                &writer)
            return (decision, dryRun)
        }
    }

    /// Remembers a decision that is not a charge; false when the record was decided before.
    private func remember(
        _ charge: PendingCharge, _ pending: PendingCharges, position: Position?, problem: RecordError?,
        dryRun: RecordError?, _ writer: inout LedgerWriter
    ) throws -> Bool {
        let digest = charge.digestAt >= 0 ? Array(pending.digests[charge.digestAt..<charge.digestAt + 32]) : []
        return try writer.remember(
            client: charge.client, id: charge.id, eventTime: charge.eventTime, digest: problem == nil ? digest : [],
            keyed: keyed && position != nil, position: position, problem: problem, dryRun: dryRun)
    }

    /// The answer to a redelivered record from the decision the ledger holds for it (privacy.md, "Exactly once
    /// under redelivery"): a denial again; a release again when the record is the same content and its answer
    /// can be given again (nothing privatized, or keyed noise then and now); otherwise `duplicate_id`, as
    /// records.md has it. Nothing is charged or moved.
    private func answer(
        _ stored: StoredDecision, _ charge: PendingCharge, _ pending: PendingCharges, _ writer: inout LedgerWriter
    ) throws -> (Decision, RecordError?, Bool) {
        if stored.kind == .denied, let problem = stored.problem { return (.deny(problem), stored.dryRun, true) }
        if case .denial(let problem) = charge.kind {
            // Its content differs from the released record's: its own denial stands.
            return (.keep(problem), nil, true)
        }
        let same =
            charge.digestAt >= 0 && stored.digest.elementsEqual(pending.digests[charge.digestAt..<charge.digestAt + 32])
        switch charge.kind {
        case .release where same && stored.kind == .released && stored.position == nil:
            return (.allow, stored.dryRun, true)
        case .charge where same && stored.keyed && keyed:
            if let position = stored.position {
                return (.release(cost: (stored.epsilon, stored.delta), position), stored.dryRun, true)
            }
            // A charge from before ledger schema v6 keeps no position: answered at no cost, at today's.
            let position = try book.position(
                client: charge.client, tierName: charge.tierName, at: charge.eventTime, &writer)
            return (.release(cost: (0, 0), position), nil, true)
        default:
            break
        }
        let when = EventTime.format(milliseconds: stored.eventTime)
        let what = stored.kind == .charged ? "charged to" : "released to"
        return (
            .deny(
                RecordError(
                    .duplicateID,
                    same && stored.kind == .charged
                        ? "this id was already charged to the client (event time \(when)); a retry is answered "
                            + "again only under the --noise-key that answered it"
                        : "this id was already \(what) the client (event time \(when)) with different content")),
            nil, true
        )
    }

    /// `late_event`'s denial of a record at event time `time`. It does not name the watermark, which moves: a
    /// redelivery of the record is denied with the same line.
    private func lateProblem(_ time: Int64) -> RecordError {
        RecordError(
            .lateEvent,
            "ts \(EventTime.format(milliseconds: time)) is more than limits.allowed_lateness "
                + "(\(policy.limits.allowedLateness) s) behind the latest event time accepted (the watermark): a "
                + "record cannot go back to a window the stream has left")
    }

    /// Moves the watermark to a record's event time, when later; in `filter`, never past the wall clock, so that
    /// a record stamped ahead (within `max_event_skew`) cannot make the records of others late.
    private func advanceWatermark(_ time: Int64) {
        let time = min(time, watermarkCeiling)
        if watermark == nil || time > watermark! {
            watermark = time
            watermarkChanged = true
        }
    }

    // MARK: Output

    /// `,"privacy":{…}}` (the members at `range` of ``privacyTexts``) and the newline, or just `}` and the
    /// newline with `--no-annotate`.
    private func writeTail(_ range: Range<Int>, dryRun: RecordError?) {
        if annotate {
            held.append(raw: ",\"privacy\":{")
            privacyTexts.bytes.withUnsafeBytes { held.append(raw: UnsafeRawBufferPointer(rebasing: $0[range])) }
            held.appendByte(UInt8(ascii: "}"))
            if let dryRun { writeDryRun(dryRun) }
        }
        held.append(raw: "}\n")
    }

    /// `,"dry_run":{"code":…,"status":…,"message":…}`: what `--limits-dry-run` let through.
    private func writeDryRun(_ problem: RecordError) {
        held.append(raw: ",\"dry_run\":{")
        RecordProcessor.writeProblem(problem, &held)
        held.appendByte(UInt8(ascii: "}"))
    }

    /// `"epsilon":…,"delta":…,"spent":{…},"limit":{…}`.
    private static func writePrivacy(
        cost: (epsilon: Double, delta: Double), _ position: Position, into out: inout JSONWriter
    ) {
        func pair(_ epsilon: Double, _ delta: Double) {
            out.append(raw: "\"epsilon\":")
            out.append(epsilon)
            out.append(raw: ",\"delta\":")
            out.append(delta)
        }
        pair(cost.epsilon, cost.delta)
        out.append(raw: ",\"spent\":{")
        pair(position.spentEpsilon, position.spentDelta)
        out.append(raw: "},\"limit\":{")
        pair(position.limitEpsilon, position.limitDelta)
        out.appendByte(UInt8(ascii: "}"))
    }

    private func writeDenial(
        _ charge: PendingCharge, _ pending: PendingCharges, _ problem: RecordError, output: UnsafeRawBufferPointer
    ) {
        pending.text.bytes.withUnsafeBytes { text in
            let envelope =
                charge.outputEnvelopeEnd >= 0
                ? UnsafeRawBufferPointer(rebasing: output[charge.lineStart..<charge.outputEnvelopeEnd])
                : UnsafeRawBufferPointer(rebasing: text[charge.textStart..<charge.envelopeEnd])
            held.append(raw: envelope)
            if envelope.count > 1 { held.appendByte(UInt8(ascii: ",")) }
            held.append(raw: "\"error\":{")
            RecordProcessor.writeProblem(problem, &held)
            held.append(raw: "}}\n")
            if charge.textEnd > charge.envelopeEnd {
                heldRejects.append(
                    raw: UnsafeRawBufferPointer(rebasing: text[charge.envelopeEnd..<charge.rejectsSplit]))
                RecordProcessor.writeProblem(problem, &heldRejects)
                heldRejects.append(raw: UnsafeRawBufferPointer(rebasing: text[charge.rejectsSplit..<charge.textEnd]))
            }
        }
    }
}
