extension AuditProblem: CustomStringConvertible {
    /// The line `audit verify` prints: what is wrong, where, and what it means (docs/audit.md quotes these words).
    public var description: String {
        switch self {
        case .segmentsMissing(let segment, let number, let previous):
            "\(segment): segment \(number) follows segment \(previous): segments are missing"
        case .segmentsOutOfOrder(let segment, let number, let previous):
            "\(segment): segment \(number) follows segment \(previous): segments are out of order"
        case .unreadableSegment(let segment):
            "\(segment): cannot be read (not a regular file, or no permission)"
        case .firstSealNotGenesis:
            "the first seal does not start the chain (its prev is not zero)"
        case .startDeleted(let before):
            "the archive starts mid-chain: its directory has no segment before \(before) (segments were deleted from "
                + "its start)"
        case .bytesAfterSeekTable(let segment, let bytes):
            "\(segment) has \(bytes) bytes after its seek table"
        case .skippableFrameTruncated(let segment, let frame):
            "\(segment) frame \(frame): a skippable frame runs past the end of the file: truncated"
        case .noSealBeforeSeekTable(let segment, let frame):
            "\(segment) frame \(frame) has no seal before the seek table"
        case .sealWithoutDataFrame(let segment, let frame):
            "\(segment) frame \(frame): a seal without a data frame before it (a frame was deleted)"
        case .unknownSkippableFrame(let segment, let frame, let magic):
            "\(segment) frame \(frame): an unknown skippable frame (magic \(String(magic, radix: 16)))"
        case .missingSeal(let segment, let frame):
            "\(segment) frame \(frame) has no seal (a seal was deleted, or frames were moved)"
        case .oversizedEntry(let segment, let frame):
            "\(segment) frame \(frame): an entry is longer than \(AuditFrameDecoder.maxEntryBytes) bytes (altered)"
        case .seqJump(let segment, let frame, let from, let to):
            "\(segment) frame \(frame): seq jumps from \(from) to \(to): entries are missing or reordered"
        case .entryWithoutSeq(let segment, let frame, let entry):
            "\(segment) frame \(frame): entry \(entry) does not start with its seq (altered)"
        case .tooManyEntries(let segment, let frame):
            "\(segment) frame \(frame): holds more than \(AuditVerifier.maxFrameEntries) entries (altered)"
        case .dataFrameCutShort(let segment, let frame):
            "\(segment) frame \(frame): the data frame is cut short or corrupt"
        case .dataFrameCorrupt(let segment, let frame):
            "\(segment) frame \(frame): the data frame does not decompress (corrupt or altered)"
        case .crashTailNotRecovered(let segment, let frame, let first, let last, let next):
            "\(segment) frame \(frame): a crash left it unsealed (seq \(first)–\(last)), and \(next) does not start "
                + "with the recovery seal that seals it: its entries could be changed unnoticed (a recovery seal was "
                + "removed, or a dpwall before ledger schema v5 resumed this archive)"
        case .sealUnreadable(let segment, let frame):
            "\(segment) frame \(frame): the seal is not readable (altered)"
        case .sealNamesOtherSegment(let segment, let frame, let named):
            "\(segment) frame \(frame): the seal names segment \(named): renamed or moved"
        case .sealOfOtherFrame(let segment, let frame, let sealed):
            "\(segment) frame \(frame): the seal is frame \(sealed)'s: frames were moved"
        case .contentMismatch(let segment, let frame):
            "\(segment) frame \(frame): content does not match its seal"
        case .storedBytesMismatch(let segment, let frame):
            "\(segment) frame \(frame): the stored bytes do not match their seal (altered or corrupt)"
        case .sealEntriesMismatch(let segment, let frame, let sealed, let held):
            "\(segment) frame \(frame): the seal covers seq \(sealed.first)–\(sealed.last) (\(sealed.count) entries), "
                + "the frame holds \(held.first)–\(held.last) (\(held.count))"
        case .eventTimeMismatch(let segment, let frame):
            "\(segment) frame \(frame): the seal's event-time range does not match its entries (altered)"
        case .recoverySealAfterDataFrame(let segment, let frame):
            "\(segment) frame \(frame): a recovery seal after a data frame (altered)"
        case .chainBroken(let segment, .frame(let frame)):
            "\(segment) frame \(frame): the chain is broken (prev is not the previous seal's chain): frames or "
                + "segments were removed, reordered or replaced"
        case .chainBroken(let segment, .recovery):
            "\(segment) recovery seal: the chain is broken (prev is not the previous seal's chain)"
        case .sealChainMismatch(let segment, .frame(let frame)):
            "\(segment) frame \(frame): the seal's chain is not SHA-256(prev ‖ sha256 ‖ first ‖ last): the seal was "
                + "altered"
        case .sealChainMismatch(let segment, .recovery):
            "\(segment) recovery seal: its chain is not SHA-256(prev ‖ sha256 ‖ first ‖ last ‖ committed): altered"
        case .signatureInvalid(let segment, let seal):
            "\(segment) \(seal): the signature does not verify: the seal was made without the signing key"
        case .sealUnsigned(let segment, let seal):
            "\(segment) \(seal): the seal is not signed"
        case .recoverySealMismatch(let segment, let tailSegment, let frame, let first, let last):
            "\(segment) recovery seal: does not match \(tailSegment) frame \(frame)'s crash tail (seq \(first)–"
                + "\(last)): the tail or the seal was altered"
        case .recoverySealsUncommitted(let segment, let committed):
            "\(segment) recovery seal: seals entries from seq \(committed) on, which it says were never committed "
                + "(altered)"
        case .recoverySealWithoutCrashTail(let segment):
            "\(segment) recovery seal: seals entries, but the segment before ends without a crash tail (altered)"
        case .seekTableFormat(let segment):
            "\(segment) the seek table is not in the zstd seekable format"
        case .seekTableReservedBits(let segment):
            "\(segment) the seek table's descriptor has reserved bits set (altered)"
        case .seekTableFrameCount(let segment, let listed, let actual):
            "\(segment) the seek table lists \(listed) frames, the segment has \(actual)"
        case .seekTableEntryMismatch(let segment, let entry):
            "\(segment) the seek table's entry \(entry) does not match the frame"
        case .ledgerWithoutAnchor:
            "the ledger holds no audit anchor: it was not written with this archive"
        case .committedTailAltered(let first, let last):
            "the entries seq \(first)–\(last), which the ledger committed after the last seal, do not match the "
                + "ledger's digest of them: they were altered"
        case .ledgerHeadMissing(let chain):
            "the ledger's chain head \(Hex.encode(chain.prefix(8)))… is not in the archive: its tail was cut or "
                + "replaced"
        case .tailCut(let ledgerLast, let archiveLast):
            "the ledger has entries up to seq \(ledgerLast), the archive only to \(archiveLast): its tail was cut"
        case .ledgerOlderThanArchive(let archiveCommitted, let ledgerCommitted):
            "the ledger is older than its archive: the archive's seals say entries up to seq \(archiveCommitted) "
                + "were committed, the ledger's anchor only up to seq \(ledgerCommitted) (it was rolled back, "
                + "restored from a copy, or replaced)"
        case .originMissing(let before):
            "the archive does not reach back to where the ledger's archive began (before seq \(before)): its start "
                + "was cut, or this is another archive"
        case .anchorSignatureInvalid:
            "the ledger's anchor of the archive is not signed by this key: the ledger was edited"
        case .anchorUnsigned(let sealsSigned):
            "the ledger's anchor of the archive is not signed, though "
                + (sealsSigned
                    ? "the archive's seals are" : "nothing in the archive shows it was written without a key")
                + ": the ledger was edited, or written by a run without --signing-key"
        case .chargedTwice(let client, let id, let first, let second):
            "client \(client), id \(id) was charged twice in the archive (seq \(first) and \(second)): the ledger "
                + "lost the first charge (it was deleted, or the ledger was replaced)"
        case .chargeWithoutEntry(let client, let id):
            "charge of client \(client), id \(id) has no audit entry"
        case .chargeCostMismatch(
            let client, let id, let seq, let ledgerEpsilon, let ledgerDelta, let archiveEpsilon, let archiveDelta):
            "charge of client \(client), id \(id) is ε \(ledgerEpsilon), δ \(ledgerDelta) in the ledger and ε "
                + "\(archiveEpsilon), δ \(archiveDelta) in the archive (seq \(seq)): the ledger was edited"
        case .chargeTimeMismatch(let client, let id, let seq, let ledger, let archive):
            "charge of client \(client), id \(id) is at \(ledger) ms in the ledger and \(archive) ms in the archive "
                + "(seq \(seq)): the ledger was edited (a charge moved in time leaves its window)"
        case .chargeAccountMismatch(let client, let id, let seq):
            "charge of client \(client), id \(id)'s accounting state (rows, ρ, Σμ², Laplace groups) differs from "
                + "what the archive says (seq \(seq)): the ledger was edited"
        case .releaseWithoutCharge(let client, let id, let seq):
            "the archive's charged release of client \(client), id \(id) (seq \(seq)) has no charge in the ledger: "
                + "the charge was deleted"
        case .bucketNotWithinHour(let client, let start, let end):
            "client \(client)'s spend bucket from \(start) to \(end) ms is not within one hour: the ledger was edited"
        case .chargeOutsideBuckets(let client, let id):
            "charge of client \(client), id \(id) lies in no spend bucket: the ledger was edited"
        case .bucketSumMismatch(
            let client, let start, let end, let ledgerEpsilon, let ledgerRows, let chargedEpsilon, let chargedRows):
            "client \(client)'s spend from \(start) to \(end) ms is ε \(ledgerEpsilon) over \(ledgerRows) rows in the "
                + "ledger, but its charges add up to ε \(chargedEpsilon) over \(chargedRows) rows: the ledger was "
                + "edited"
        }
    }
}

extension AuditProblem.Seal: CustomStringConvertible {
    /// `frame N` or `recovery seal`, as a problem names the seal.
    public var description: String {
        switch self {
        case .frame(let index): "frame \(index)"
        case .recovery: "recovery seal"
        }
    }
}
