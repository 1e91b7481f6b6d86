import DPWallPrivacy
import DPWallRecords
import DPWallStore

/// Deciding one pending record, in input order: event time against the watermark, the limits, the budget, and
/// the decision remembered in the ledger, or the first decision of a redelivered record.
extension OrderedStage {
    /// Decides a pending record in input order (records.md's order): its event time against the watermark, the
    /// limits, then what its kind needs; remembers the decision in the ledger with the same insert that finds a
    /// redelivery, which is answered with its first decision instead and moves nothing (privacy.md, "Exactly once
    /// under redelivery"). Returns the decision, what a dry run of the limits found, and whether it is a
    /// redelivery.
    func settle(
        _ charge: PendingCharge, _ pending: PendingCharges, _ limits: inout LimitStage?, _ clock: inout EventClock,
        _ writer: inout LedgerWriter
    ) throws -> (Decision, RecordError?, Bool) {
        if !clock.loaded {
            clock.watermark = try writer.watermark()
            clock.loaded = true
        }
        if clock.isLate(charge.eventTime) {
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
        clock.advance(charge.eventTime)
        return (decided.0, decided.1, false)
    }

    /// Decides a record seen for the first time (unless the charge finds it was not): the limits first, then
    /// what its kind needs.
    func decide(
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
            return (.allow, dryRun)
        case .charge:
            let decision = try book.decide(
                client: charge.client, tierName: charge.tierName, id: charge.id, eventTime: charge.eventTime,
                digest: Array(pending.digest(charge.digestAt)!),
                costs: pending.costs[charge.costs], epsilon: charge.epsilon, delta: charge.delta, dryRun: dryRun,
                &writer)
            return (decision, dryRun)
        }
    }

    /// Remembers a decision that is not a charge; false when the record was decided before.
    func remember(
        _ charge: PendingCharge, _ pending: PendingCharges, position: Position?, problem: RecordError?,
        dryRun: RecordError?, _ writer: inout LedgerWriter
    ) throws -> Bool {
        let digest = pending.digest(charge.digestAt).map(Array.init) ?? []
        return try writer.remember(
            client: charge.client, id: charge.id, eventTime: charge.eventTime, digest: problem == nil ? digest : [],
            keyed: keyed && position != nil, position: position, problem: problem, dryRun: dryRun)
    }

    /// The answer to a redelivered record from the decision the ledger holds for it (privacy.md, "Exactly once
    /// under redelivery"): a denial again; a release again when the record is the same content and its answer
    /// can be given again (nothing privatized, or keyed noise then and now); otherwise `duplicate_id`, as
    /// records.md has it. Nothing is charged or moved.
    func answer(
        _ stored: StoredDecision, _ charge: PendingCharge, _ pending: PendingCharges, _ writer: inout LedgerWriter
    ) throws -> (Decision, RecordError?, Bool) {
        if stored.kind == .denied, let problem = stored.problem { return (.deny(problem), stored.dryRun, true) }
        if case .denial(let problem) = charge.kind {
            // Its content differs from the released record's: its own denial stands.
            return (.keep(problem), nil, true)
        }
        let same =
            pending.digest(charge.digestAt).map { stored.digest.elementsEqual($0) } ?? false
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
    func lateProblem(_ time: Int64) -> RecordError {
        RecordError(
            .lateEvent,
            "ts \(EventTime.format(milliseconds: time)) is more than limits.allowed_lateness "
                + "(\(policy.limits.allowedLateness) s) behind the latest event time accepted (the watermark): a "
                + "record cannot go back to a window the stream has left")
    }
}
