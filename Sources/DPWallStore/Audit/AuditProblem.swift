/// One problem that `dpwall audit verify` found (tampering, loss, corruption): the archive, or the ledger checked
/// against it, cannot be trusted where it points (docs/audit.md, "dpwall audit verify").
///
/// `segment` is a segment's file name, `frame` the index of a data frame among its segment's data frames (a seal
/// is named by the frame it seals), `seq` an entry's sequence number, times are milliseconds since the epoch.
/// ``description`` is the line `audit verify` prints.
public enum AuditProblem: Sendable, Equatable {
    /// Which seal of a segment: that of a data frame, or the recovery seal that starts the segment.
    public enum Seal: Sendable, Equatable {
        /// The seal of the data frame with this index.
        case frame(Int)
        /// The recovery seal at the start of the segment.
        case recovery
    }

    /// What a seal says its frame holds, or what the frame holds: its first and last `seq`, and how many entries.
    public struct Entries: Sendable, Equatable {
        /// The first and last `seq`.
        public var first: UInt64, last: UInt64
        /// How many entries.
        public var count: Int

        /// The entries `first` to `last`, `count` of them.
        public init(first: UInt64, last: UInt64, count: Int) {
            self.first = first
            self.last = last
            self.count = count
        }
    }

    // The archive's segments.

    /// The segment numbered `number` follows `previous` with segments between them missing.
    case segmentsMissing(segment: String, number: Int, previous: Int)
    /// The segment numbered `number` follows `previous`, which is not before it.
    case segmentsOutOfOrder(segment: String, number: Int, previous: Int)
    /// The segment is not a regular file, or cannot be opened.
    case unreadableSegment(segment: String)
    /// The archive's first segment (number 1, or none before it) starts with a seal whose `prev` is not zero.
    case firstSealNotGenesis
    /// The archive's directory has no segment before segment `before`, whose first seal continues a chain.
    case startDeleted(before: Int)

    // Frames of a segment.

    /// Bytes follow the segment's seek table.
    case bytesAfterSeekTable(segment: String, bytes: Int)
    /// A skippable frame (not a seal's, or a seal after no data frame) runs past the end of the file; `frame` is
    /// the index the next data frame would have.
    case skippableFrameTruncated(segment: String, frame: Int)
    /// The data frame before the seek table has no seal.
    case noSealBeforeSeekTable(segment: String, frame: Int)
    /// A seal follows no data frame; `frame` is the index the next data frame would have.
    case sealWithoutDataFrame(segment: String, frame: Int)
    /// A skippable frame with a magic number that is neither a seal's nor a seek table's.
    case unknownSkippableFrame(segment: String, frame: Int, magic: UInt32)
    /// A data frame is followed by another data frame, not by its seal.
    case missingSeal(segment: String, frame: Int)
    /// An entry of the data frame is longer than the decoder's limit (16 MiB).
    case oversizedEntry(segment: String, frame: Int)
    /// An entry's `seq` is not the one after `from` (within the frame, or after the frames before it).
    case seqJump(segment: String, frame: Int, from: UInt64, to: UInt64)
    /// The data frame's entry with index `entry` does not start with its `seq`.
    case entryWithoutSeq(segment: String, frame: Int, entry: Int)
    /// The data frame holds more entries than any writer puts in a frame.
    case tooManyEntries(segment: String, frame: Int)
    /// The segment's last data frame is cut short or corrupt, with no readable entries.
    case dataFrameCutShort(segment: String, frame: Int)
    /// The data frame does not decompress.
    case dataFrameCorrupt(segment: String, frame: Int)
    /// A crash left the data frame unsealed (seq `first`–`last`), and `next`, the segment after, does not start
    /// with the recovery seal that seals it.
    case crashTailNotRecovered(segment: String, frame: Int, first: UInt64, last: UInt64, next: String)

    // Seals.

    /// A data frame's seal is not the writer's JSON.
    case sealUnreadable(segment: String, frame: Int)
    /// A data frame's seal names another segment.
    case sealNamesOtherSegment(segment: String, frame: Int, named: String)
    /// A data frame's seal names another frame, `sealed`.
    case sealOfOtherFrame(segment: String, frame: Int, sealed: Int)
    /// A data frame's decompressed content does not match its seal's digest.
    case contentMismatch(segment: String, frame: Int)
    /// A data frame's stored (compressed) bytes do not match its seal's digest.
    case storedBytesMismatch(segment: String, frame: Int)
    /// A data frame's seal covers other entries than the frame holds.
    case sealEntriesMismatch(segment: String, frame: Int, sealed: Entries, held: Entries)
    /// A data frame's seal states another event-time range than its entries have.
    case eventTimeMismatch(segment: String, frame: Int)
    /// A recovery seal follows a data frame.
    case recoverySealAfterDataFrame(segment: String, frame: Int)
    /// A seal's `prev` is not the previous seal's chain.
    case chainBroken(segment: String, seal: Seal)
    /// A seal's chain is not the hash of what it seals.
    case sealChainMismatch(segment: String, seal: Seal)
    /// A seal's signature does not verify with the public key.
    case signatureInvalid(segment: String, seal: Seal)
    /// A seal carries no signature, though a public key requires one.
    case sealUnsigned(segment: String, seal: Seal)
    /// The recovery seal does not seal the crash tail of `frame` of `tailSegment` (seq `first`–`last`).
    case recoverySealMismatch(segment: String, tailSegment: String, frame: Int, first: UInt64, last: UInt64)
    /// The recovery seal seals entries from seq `committed` on, which it says were never committed.
    case recoverySealsUncommitted(segment: String, committed: UInt64)
    /// The recovery seal seals entries, but the segment before ends without a crash tail.
    case recoverySealWithoutCrashTail(segment: String)

    // Seek tables.

    /// The seek table is not in the zstd seekable format.
    case seekTableFormat(segment: String)
    /// The seek table's descriptor has reserved bits set.
    case seekTableReservedBits(segment: String)
    /// The seek table lists `listed` frames, the segment has `actual` (seals and data frames).
    case seekTableFrameCount(segment: String, listed: Int, actual: Int)
    /// The seek table's entry with index `entry` does not match its frame's sizes.
    case seekTableEntryMismatch(segment: String, entry: Int)

    // The archive against the ledger's anchor.

    /// The ledger holds no anchor, though the archive holds entries.
    case ledgerWithoutAnchor
    /// The committed entries after the anchor's seal, seq `first`–`last`, do not match the anchor's digest.
    case committedTailAltered(first: UInt64, last: UInt64)
    /// The anchor's chain head (`chain`, 32 bytes) is in no seal of the archive.
    case ledgerHeadMissing(chain: [UInt8])
    /// The ledger has entries up to seq `ledgerLast`, the archive only up to `archiveLast`.
    case tailCut(ledgerLast: UInt64, archiveLast: UInt64)
    /// The archive's seals say entries up to seq `archiveCommitted` were committed, the anchor only up to
    /// `ledgerCommitted`.
    case ledgerOlderThanArchive(archiveCommitted: UInt64, ledgerCommitted: UInt64)
    /// The archive does not reach back to the anchor's origin (before seq `before`).
    case originMissing(before: UInt64)
    /// The anchor's signature does not verify with the public key.
    case anchorSignatureInvalid
    /// The anchor is not signed, though the archive's seals are (`sealsSigned`), or nothing in the archive shows
    /// it was written without a key.
    case anchorUnsigned(sealsSigned: Bool)

    // The ledger's charges and buckets against the archive's entries.

    /// Client `client`'s record `id` has two charged entries (seq `first` and `second`).
    case chargedTwice(client: String, id: String, first: UInt64, second: UInt64)
    /// A charge has no charged entry.
    case chargeWithoutEntry(client: String, id: String)
    /// A charge's cost (ε and δ) differs from its entry's (seq `seq`).
    case chargeCostMismatch(
        client: String, id: String, seq: UInt64, ledgerEpsilon: Double, ledgerDelta: Double, archiveEpsilon: Double,
        archiveDelta: Double)
    /// A charge's event time differs from its entry's (seq `seq`), in milliseconds.
    case chargeTimeMismatch(client: String, id: String, seq: UInt64, ledger: Int64, archive: Int64)
    /// A charge's accounting state (rows, ρ, Σμ², Laplace groups) differs from its entry's (seq `seq`).
    case chargeAccountMismatch(client: String, id: String, seq: UInt64)
    /// A charged entry the ledger committed (seq `seq`) has no charge.
    case releaseWithoutCharge(client: String, id: String, seq: UInt64)
    /// A spend bucket (`start` to `end`, milliseconds) is not within one aligned hour.
    case bucketNotWithinHour(client: String, start: Int64, end: Int64)
    /// A charge (with its own accounting state) lies in no spend bucket.
    case chargeOutsideBuckets(client: String, id: String)
    /// A spend bucket's sums (`start` to `end`, milliseconds) are not those of its charges: ε and rows as stored,
    /// and as the charges add up.
    case bucketSumMismatch(
        client: String, start: Int64, end: Int64, ledgerEpsilon: Double, ledgerRows: Int, chargedEpsilon: Double,
        chargedRows: Int)
}
