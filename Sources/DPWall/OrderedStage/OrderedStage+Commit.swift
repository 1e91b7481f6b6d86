import DPWallPrivacy
import DPWallRecords
import DPWallStore

/// Making a group durable: the audit entries flushed, then the ledger's transaction (limits, budgets, watermark,
/// the archive's anchor) committed (docs/audit.md's order).
extension OrderedStage {
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
        guard book.hasChanges || heldSince != nil || turn.limits?.hasChanges == true || turn.clock.changed else {
            return
        }
        let anchor = try archive?.flush()
        try ledger.withWriter { writer in
            if !book.hasChanges && !writer.inTransaction && archive == nil && turn.limits?.hasChanges != true
                && !turn.clock.changed
            {
                return
            }
            try writer.begin()
            try turn.limits?.save(&writer)
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
    func saveWatermark(_ writer: inout LedgerWriter) throws {
        guard turn.clock.changed || turn.clock.forgetting, let watermark = turn.clock.watermark else { return }
        turn.clock.changed = false
        // A replay's watermark follows its capture, which may hold any time (filter would have refused a future
        // one): it is not the stream's, and stays out of the ledger, where it would make every later record late.
        guard turn.clock.isLive else { return }
        try writer.saveWatermark(watermark)
        if let forgottenAt = turn.clock.forgottenAt, watermark < forgottenAt.addingSaturating(3_600_000),
            !turn.clock.forgetting
        {
            return
        }
        turn.clock.forgottenAt = watermark
        // A few thousand rows a group, so that a day of a flood is forgotten over many groups, not in one stall.
        let forgotten = try writer.forgetDecisions(
            before: watermark.subtractingSaturating(max(Self.decisionRetention, turn.clock.lateness)),
            limit: Self.forgetLimit)
        turn.clock.forgetting = forgotten == Self.forgetLimit
    }

    /// The most decisions one group forgets.
    static let forgetLimit = 4096

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
}
