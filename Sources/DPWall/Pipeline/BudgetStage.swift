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
        privacyTexts.removeAll()
        privacyRanges.removeAll(keepingCapacity: true)
        var written = EntriesWritten()
        if !pending.charges.isEmpty {
            // Into locals for the loop: the stage's own properties would cost an exclusivity check per access.
            var decisions: [Decision] = []
            var dryRuns: [RecordError?] = []
            var limits: LimitStage? = nil
            var privacyTexts = JSONWriter(capacity: 0)
            var privacyRanges: [Range<Int>] = []
            swap(&decisions, &self.decisions)
            swap(&dryRuns, &self.dryRuns)
            swap(&limits, &self.limits)
            swap(&privacyTexts, &self.privacyTexts)
            swap(&privacyRanges, &self.privacyRanges)
            defer {
                swap(&decisions, &self.decisions)
                swap(&dryRuns, &self.dryRuns)
                swap(&limits, &self.limits)
                swap(&privacyTexts, &self.privacyTexts)
                swap(&privacyRanges, &self.privacyRanges)
            }
            let formatPrivacy = annotate || archive != nil
            try ledger.withWriter { writer in
                try writer.begin()
                for (index, charge) in pending.charges.enumerated() {
                    let (decision, dryRun) = try settle(charge, pending, &limits, &writer)
                    decisions.append(decision)
                    dryRuns.append(dryRun)
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
                                processor.audit, through: charge.auditStub + 1, pending, decisions, dryRuns, texts,
                                privacyRanges, &written, now: wall)
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
                case .keep:
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
                    processor.audit, through: processor.audit.count, pending, decisions, dryRuns, texts,
                    privacyRanges, &written, now: wall)
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
            case .allow: outcome.code = nil
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
        guard book.hasChanges || heldSince != nil || limits?.hasChanges == true else { return }
        let anchor = try archive?.flush()
        try ledger.withWriter { writer in
            if !book.hasChanges && !writer.inTransaction && archive == nil && limits?.hasChanges != true { return }
            try writer.begin()
            try limits?.save(&writer)
            try book.save(&writer)
            if let anchor { try writer.saveAuditAnchor(anchor) }
            try writer.commit()
        }
        if let anchor { archive?.committed(through: anchor.head.nextSeq) }
        book.trim()
        try archive?.sealIfDue(now: now)
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
        _ dryRuns: [RecordError?], _ privacyTexts: UnsafeRawBufferPointer, _ privacyRanges: [Range<Int>],
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
                            if cost.epsilon > 0 || cost.delta > 0 {
                                Self.appendAccount(pending.costs[charges[next].costs], &entries)
                            }
                            charges[next].noise.withUnsafeBytes { entries.append(raw: $0) }
                            entries.append(raw: ",\"output_sha256\":")
                            AuditStubs.appendHex(
                                UnsafeRawBufferPointer(rebasing: digests[outputDigestAt..<outputDigestAt + 32]),
                                &entries)
                        case .allow:
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
    struct Position {
        var spentEpsilon: Double, spentDelta: Double
        var limitEpsilon: Double, limitDelta: Double
    }

    enum Decision {
        /// A charge went through (or a retry or repeat was answered again at no cost).
        case release(cost: (epsilon: Double, delta: Double), Position)
        /// A release with nothing privatized passed the limits.
        case allow
        /// The record stage's own denial stands.
        case keep(RecordError)
        /// Denied here (limits, budget, duplicate id).
        case deny(RecordError)
    }

    /// Decides a pending record in input order: the limits first (records.md's order), then what its kind needs;
    /// returns the decision and what a dry run of the limits found.
    private func settle(
        _ charge: PendingCharge, _ pending: PendingCharges, _ limits: inout LimitStage?, _ writer: inout LedgerWriter
    ) throws -> (Decision, RecordError?) {
        var dryRun: RecordError?
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
            limits?.countAllowed()
            return (.allow, dryRun)
        case .charge:
            let decision = try decide(charge, pending, &writer)
            if case .release = decision { limits?.countAllowed() }
            return (decision, dryRun)
        }
    }

    private func decide(_ charge: PendingCharge, _ pending: PendingCharges, _ writer: inout LedgerWriter) throws
        -> Decision
    {
        try book.decide(
            client: charge.client, tierName: charge.tierName, id: charge.id, eventTime: charge.eventTime,
            digest: Array(pending.digests[charge.digestAt..<charge.digestAt + 32]), costs: pending.costs[charge.costs],
            epsilon: charge.epsilon, delta: charge.delta, &writer)
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
