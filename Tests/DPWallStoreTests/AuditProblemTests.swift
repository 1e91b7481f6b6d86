import DPWallStore
import Testing

/// `audit verify`'s problems are values; their descriptions are the lines it prints, whose words users and
/// docs/audit.md ("dpwall audit verify") rely on: each is pinned here, word for word.
@Suite("Audit problems")
struct AuditProblemTests {
    static let segment = "audit-20261126T100000Z-000002.zst"
    static let before = "audit-20261126T100000Z-000001.zst"

    static let segmentProblems: [(AuditProblem, String)] = [
        (
            .segmentsMissing(segment: segment, number: 4, previous: 2),
            "\(segment): segment 4 follows segment 2: segments are missing"
        ),
        (
            .segmentsOutOfOrder(segment: segment, number: 1, previous: 2),
            "\(segment): segment 1 follows segment 2: segments are out of order"
        ),
        (.unreadableSegment(segment: segment), "\(segment): cannot be read (not a regular file, or no permission)"),
        (.firstSealNotGenesis, "the first seal does not start the chain (its prev is not zero)"),
        (
            .startDeleted(before: 3),
            "the archive starts mid-chain: its directory has no segment before 3 (segments were deleted from its start)"
        ),
        (.bytesAfterSeekTable(segment: segment, bytes: 17), "\(segment) has 17 bytes after its seek table"),
        (
            .skippableFrameTruncated(segment: segment, frame: 2),
            "\(segment) frame 2: a skippable frame runs past the end of the file: truncated"
        ),
        (.noSealBeforeSeekTable(segment: segment, frame: 2), "\(segment) frame 2 has no seal before the seek table"),
        (
            .sealWithoutDataFrame(segment: segment, frame: 2),
            "\(segment) frame 2: a seal without a data frame before it (a frame was deleted)"
        ),
        (
            .unknownSkippableFrame(segment: segment, frame: 2, magic: 0x184D_2A53),
            "\(segment) frame 2: an unknown skippable frame (magic 184d2a53)"
        ),
        (
            .missingSeal(segment: segment, frame: 2),
            "\(segment) frame 2 has no seal (a seal was deleted, or frames were moved)"
        ),
        (
            .oversizedEntry(segment: segment, frame: 2),
            "\(segment) frame 2: an entry is longer than 16777216 bytes (altered)"
        ),
        (
            .seqJump(segment: segment, frame: 2, from: 40, to: 61),
            "\(segment) frame 2: seq jumps from 40 to 61: entries are missing or reordered"
        ),
        (
            .entryWithoutSeq(segment: segment, frame: 2, entry: 5),
            "\(segment) frame 2: entry 5 does not start with its seq (altered)"
        ),
        (
            .tooManyEntries(segment: segment, frame: 2),
            "\(segment) frame 2: holds more than 1048576 entries (altered)"
        ),
        (
            .dataFrameCutShort(segment: segment, frame: 2),
            "\(segment) frame 2: the data frame is cut short or corrupt"
        ),
        (
            .dataFrameCorrupt(segment: segment, frame: 2),
            "\(segment) frame 2: the data frame does not decompress (corrupt or altered)"
        ),
        (
            .crashTailNotRecovered(segment: before, frame: 3, first: 85, last: 95, next: segment),
            "\(before) frame 3: a crash left it unsealed (seq 85–95), and \(segment) does not start with the recovery "
                + "seal that seals it: its entries could be changed unnoticed (a recovery seal was removed, or a "
                + "dpwall before ledger schema v5 resumed this archive)"
        ),
    ]

    static let sealProblems: [(AuditProblem, String)] = [
        (.sealUnreadable(segment: segment, frame: 2), "\(segment) frame 2: the seal is not readable (altered)"),
        (
            .sealNamesOtherSegment(segment: segment, frame: 2, named: before),
            "\(segment) frame 2: the seal names segment \(before): renamed or moved"
        ),
        (
            .sealOfOtherFrame(segment: segment, frame: 2, sealed: 3),
            "\(segment) frame 2: the seal is frame 3's: frames were moved"
        ),
        (.contentMismatch(segment: segment, frame: 2), "\(segment) frame 2: content does not match its seal"),
        (
            .storedBytesMismatch(segment: segment, frame: 2),
            "\(segment) frame 2: the stored bytes do not match their seal (altered or corrupt)"
        ),
        (
            .sealEntriesMismatch(
                segment: segment, frame: 2, sealed: AuditProblem.Entries(first: 41, last: 60, count: 20),
                held: AuditProblem.Entries(first: 41, last: 59, count: 19)),
            "\(segment) frame 2: the seal covers seq 41–60 (20 entries), the frame holds 41–59 (19)"
        ),
        (
            .eventTimeMismatch(segment: segment, frame: 2),
            "\(segment) frame 2: the seal's event-time range does not match its entries (altered)"
        ),
        (
            .recoverySealAfterDataFrame(segment: segment, frame: 2),
            "\(segment) frame 2: a recovery seal after a data frame (altered)"
        ),
        (
            .chainBroken(segment: segment, seal: .frame(2)),
            "\(segment) frame 2: the chain is broken (prev is not the previous seal's chain): frames or segments were "
                + "removed, reordered or replaced"
        ),
        (
            .chainBroken(segment: segment, seal: .recovery),
            "\(segment) recovery seal: the chain is broken (prev is not the previous seal's chain)"
        ),
        (
            .sealChainMismatch(segment: segment, seal: .frame(2)),
            "\(segment) frame 2: the seal's chain is not SHA-256(prev ‖ sha256 ‖ first ‖ last): the seal was altered"
        ),
        (
            .sealChainMismatch(segment: segment, seal: .recovery),
            "\(segment) recovery seal: its chain is not SHA-256(prev ‖ sha256 ‖ first ‖ last ‖ committed): altered"
        ),
        (
            .signatureInvalid(segment: segment, seal: .frame(2)),
            "\(segment) frame 2: the signature does not verify: the seal was made without the signing key"
        ),
        (
            .signatureInvalid(segment: segment, seal: .recovery),
            "\(segment) recovery seal: the signature does not verify: the seal was made without the signing key"
        ),
        (.sealUnsigned(segment: segment, seal: .frame(2)), "\(segment) frame 2: the seal is not signed"),
        (.sealUnsigned(segment: segment, seal: .recovery), "\(segment) recovery seal: the seal is not signed"),
        (
            .recoverySealMismatch(segment: segment, tailSegment: before, frame: 3, first: 85, last: 95),
            "\(segment) recovery seal: does not match \(before) frame 3's crash tail (seq 85–95): the tail or the "
                + "seal was altered"
        ),
        (
            .recoverySealsUncommitted(segment: segment, committed: 90),
            "\(segment) recovery seal: seals entries from seq 90 on, which it says were never committed (altered)"
        ),
        (
            .recoverySealWithoutCrashTail(segment: segment),
            "\(segment) recovery seal: seals entries, but the segment before ends without a crash tail (altered)"
        ),
        (.seekTableFormat(segment: segment), "\(segment) the seek table is not in the zstd seekable format"),
        (
            .seekTableReservedBits(segment: segment),
            "\(segment) the seek table's descriptor has reserved bits set (altered)"
        ),
        (
            .seekTableFrameCount(segment: segment, listed: 6, actual: 8),
            "\(segment) the seek table lists 6 frames, the segment has 8"
        ),
        (
            .seekTableEntryMismatch(segment: segment, entry: 4),
            "\(segment) the seek table's entry 4 does not match the frame"
        ),
    ]

    static let ledgerProblems: [(AuditProblem, String)] = [
        (.ledgerWithoutAnchor, "the ledger holds no audit anchor: it was not written with this archive"),
        (
            .committedTailAltered(first: 85, last: 90),
            "the entries seq 85–90, which the ledger committed after the last seal, do not match the ledger's digest "
                + "of them: they were altered"
        ),
        (
            .ledgerHeadMissing(chain: [0xAB, 0x01] + [UInt8](repeating: 0x22, count: 30)),
            "the ledger's chain head ab01222222222222… is not in the archive: its tail was cut or replaced"
        ),
        (
            .tailCut(ledgerLast: 200, archiveLast: 180),
            "the ledger has entries up to seq 200, the archive only to 180: its tail was cut"
        ),
        (
            .ledgerOlderThanArchive(archiveCommitted: 200, ledgerCommitted: 120),
            "the ledger is older than its archive: the archive's seals say entries up to seq 200 were committed, the "
                + "ledger's anchor only up to seq 120 (it was rolled back, restored from a copy, or replaced)"
        ),
        (
            .originMissing(before: 41),
            "the archive does not reach back to where the ledger's archive began (before seq 41): its start was cut, "
                + "or this is another archive"
        ),
        (
            .anchorSignatureInvalid,
            "the ledger's anchor of the archive is not signed by this key: the ledger was edited"
        ),
        (
            .anchorUnsigned(sealsSigned: true),
            "the ledger's anchor of the archive is not signed, though the archive's seals are: the ledger was edited, "
                + "or written by a run without --signing-key"
        ),
        (
            .anchorUnsigned(sealsSigned: false),
            "the ledger's anchor of the archive is not signed, though nothing in the archive shows it was written "
                + "without a key: the ledger was edited, or written by a run without --signing-key"
        ),
        (
            .chargedTwice(client: "acme", id: "r-7", first: 12, second: 140),
            "client acme, id r-7 was charged twice in the archive (seq 12 and 140): the ledger lost the first charge "
                + "(it was deleted, or the ledger was replaced)"
        ),
        (.chargeWithoutEntry(client: "acme", id: "r-7"), "charge of client acme, id r-7 has no audit entry"),
        (
            .chargeCostMismatch(
                client: "acme", id: "r-7", seq: 12, ledgerEpsilon: 0.0, ledgerDelta: 0.0, archiveEpsilon: 0.5,
                archiveDelta: 1e-06),
            "charge of client acme, id r-7 is ε 0.0, δ 0.0 in the ledger and ε 0.5, δ 1e-06 in the archive (seq 12): "
                + "the ledger was edited"
        ),
        (
            .chargeTimeMismatch(client: "acme", id: "r-7", seq: 12, ledger: 1_000, archive: 2_000),
            "charge of client acme, id r-7 is at 1000 ms in the ledger and 2000 ms in the archive (seq 12): the "
                + "ledger was edited (a charge moved in time leaves its window)"
        ),
        (
            .chargeAccountMismatch(client: "acme", id: "r-7", seq: 12),
            "charge of client acme, id r-7's accounting state (rows, ρ, Σμ², Laplace groups) differs from what the "
                + "archive says (seq 12): the ledger was edited"
        ),
        (
            .releaseWithoutCharge(client: "acme", id: "r-7", seq: 12),
            "the archive's charged release of client acme, id r-7 (seq 12) has no charge in the ledger: the charge "
                + "was deleted"
        ),
        (
            .bucketNotWithinHour(client: "acme", start: 0, end: 7_200_000),
            "client acme's spend bucket from 0 to 7200000 ms is not within one hour: the ledger was edited"
        ),
        (
            .chargeOutsideBuckets(client: "acme", id: "r-7"),
            "charge of client acme, id r-7 lies in no spend bucket: the ledger was edited"
        ),
        (
            .bucketSumMismatch(
                client: "acme", start: 0, end: 3_600_000, ledgerEpsilon: 0.0, ledgerRows: 3, chargedEpsilon: 1.5,
                chargedRows: 3),
            "client acme's spend from 0 to 3600000 ms is ε 0.0 over 3 rows in the ledger, but its charges add up to "
                + "ε 1.5 over 3 rows: the ledger was edited"
        ),
    ]

    @Test(
        "a problem prints as audit verify has always printed it",
        arguments: segmentProblems + sealProblems + ledgerProblems)
    func description(problem: AuditProblem, text: String) {
        #expect(problem.description == text)
    }
}
