import DPWallPrivacy
import DPWallRecords
import DPWallStore

/// Completing the batch's audit stubs into entries with their decisions, and handing them to the archive.
extension OrderedStage {
    /// How far a batch's audit stubs have been completed and handed to the archive: the next stub, and the next
    /// pending charge to look at.
    struct EntriesWritten {
        var stub = 0
        var charge = 0
    }

    /// How many decided records the writing turn gathers before it hands their entries to the archive.
    static let entryChunk = 256

    /// Completes the batch's audit stubs from `written` up to (not including) `end` into entries with the
    /// decisions of `turn`, and hands them to the archive (``writeEntries(_:through:_:_:_:_:_:_:_:now:)``).
    func writeEntries(
        _ stubs: AuditStubs, through end: Int, _ pending: PendingCharges, _ turn: Turn,
        _ written: inout EntriesWritten, now: Double
    ) {
        turn.privacyTexts.bytes.withUnsafeBytes { texts in
            writeEntries(
                stubs, through: end, pending, turn.decisions, turn.dryRuns, turn.redeliveries, texts,
                turn.privacyRanges, &written, now: now)
        }
    }

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
                    // With an archive, every pending record has its stub.
                    while next < charges.count && charges[next].auditStub.index! < index { next += 1 }
                    if next < charges.count && charges[next].auditStub.index! == index {
                        let outputDigestAt = charges[next].outputDigestAt.index
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
                            // A release has its released body.
                            AuditStubs.appendHex(
                                UnsafeRawBufferPointer(rebasing: digests[outputDigestAt!..<outputDigestAt! + 32]),
                                &entries)
                        case .allow, .redelivered:
                            entries.append(raw: ",\"decision\":\"allow\"")
                            if let outputDigestAt {
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
}
