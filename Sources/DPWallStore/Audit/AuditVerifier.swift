internal import CZstd
internal import Crypto
import DPWallRecords
import Dispatch
import Foundation
import Synchronization

/// What `dpwall audit verify` found.
public struct AuditReport: Sendable {
    /// The problems (tampering, loss, corruption), in the order found: the archive cannot be trusted where they
    /// point.
    public var problems: [AuditProblem] = []
    /// Facts that are not problems: a crash tail, unchecked signatures, an archive that starts mid-chain.
    public var notes: [String] = []
    /// Counts.
    public var segments = 0, frames = 0, entries = 0, bytes = 0
    /// The last seal's chain and the `seq` after the last entry read (crash tail included).
    public var head = AuditHead()
    /// The `seq` of the last sealed entry (0 when none).
    public var lastSealedSeq: UInt64 = 0
    /// The `seq` of the first entry read (nil when none), and the `prev` of the first seal read.
    public var firstSeq: UInt64?
    public var firstPrev: [UInt8]?
    /// Whether the first segment read starts with a recovery seal: the crash tail it seals, and where `seq` goes
    /// on after it, are in the segment before.
    public var startsWithRecovery = false
    /// The last segment's crash tail, when it ends in one with whole entries: what the next run seals.
    public var crashTail: AuditCrashTail?
    /// The `seq` ranges that recovery seals say were written but never committed (their lines were never
    /// released): `audit verify --ledger` does not look for their charges.
    public var uncommitted: [ClosedRange<UInt64>] = []

    /// Whether `seq` lies in a range that was never committed.
    public func isUncommitted(_ seq: UInt64) -> Bool { uncommitted.contains { $0.contains(seq) } }

    /// Whether everything holds.
    public var isIntact: Bool { problems.isEmpty }
}

/// The entries a crash left after a segment's last seal: an unsealed or unfinished data frame's whole lines.
public struct AuditCrashTail: Sendable, Equatable {
    /// The segment's file name and the frame's index among its data frames.
    public var segment: String, frame: Int
    /// The first and last `seq` of its whole entries, and how many.
    public var first: UInt64, last: UInt64, entries: Int
    /// After each whole entry: the `seq`, the SHA-256 of the entries up to it (each with its newline) and their
    /// event-time range.
    public var prefixes: [Prefix]

    /// The digest and event-time range of a tail's entries up to one.
    public struct Prefix: Sendable, Equatable {
        public var seq: UInt64
        public var sha256: [UInt8]
        public var from: Int64?, to: Int64?
    }

    /// What a recovery seal that seals the tail's entries up to `last` covers: how many, their digest (that of
    /// no bytes for none) and event-time range; nil when `last` is past the tail or names no entry of it.
    public func through(_ last: UInt64) -> (entries: Int, sha256: [UInt8], from: Int64?, to: Int64?)? {
        if last &+ 1 == first { return (0, Array(SHA256.hash(data: [UInt8]())), nil, nil) }
        guard last >= first, last <= self.last, let k = prefixes.firstIndex(where: { $0.seq == last }) else {
            return nil
        }
        return (k + 1, prefixes[k].sha256, prefixes[k].from, prefixes[k].to)
    }
}

/// Checks audit segments (docs/audit.md, "dpwall audit verify"): every data frame against its seal, the seal's chain link and
/// signature, `seq` continuity within and across segments, the segments' order and seek tables. A segment that
/// ends in an unsealed or unfinished frame is what a crash leaves: it is read and reported as a crash tail, not as
/// tampering, since the next run continues the chain from the last seal and the seq after the tail, so a cut
/// anywhere but at the archive's very end still breaks one of them (and the ledger's head finds that one).
/// Anything else that does not hold is a problem.
public struct AuditVerifier {
    private let publicKey: Curve25519.Signing.PublicKey?
    private let requiresSignatures: Bool

    /// A verifier; with `publicKey` (32 bytes, Ed25519) every seal must carry a valid signature, or, with
    /// `requiresSignatures` false, every signature present must be valid (a run that starts signing an archive
    /// whose earlier seals are unsigned), and the ledger's anchor must be signed once any seal is.
    public init(publicKey: [UInt8]? = nil, requiresSignatures: Bool = true) throws {
        self.requiresSignatures = requiresSignatures
        if let publicKey {
            guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey) else {
                throw AuditError(message: "the public key is not an Ed25519 public key (32 bytes)")
            }
            self.publicKey = key
        } else {
            self.publicKey = nil
        }
    }

    /// The segment files of `paths` (files, or directories holding segments), in archive order (their counters).
    public static func segments(_ paths: [String]) throws -> [String] {
        var files: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw AuditError(message: "\(path): no such file or directory")
            }
            if isDirectory.boolValue {
                let names = try FileManager.default.contentsOfDirectory(atPath: path)
                files += names.filter { AuditSegmentWriter.segmentNumber($0) != nil }.map { path + "/" + $0 }
            } else {
                files.append(path)
            }
        }
        return files.sorted { a, b in
            let (x, y) = (Self.number(a), Self.number(b))
            return x != y ? x < y : a < b
        }
    }

    private static func number(_ path: String) -> Int {
        AuditSegmentWriter.segmentNumber((path as NSString).lastPathComponent) ?? Int.max
    }

    /// Verifies the segments of `paths` as one archive. With `anchor`, the ledger's record of the archive: the
    /// archive must reach its head (a cut tail shows there) and, when it has one, its origin (a cut start shows
    /// there); the committed entries after the head's seal must match its digest; with a public key, the anchor
    /// must be signed. `visit` sees every entry in archive order.
    /// `checksOrigin` false skips the origin (a check of the archive's last segments only).
    public func verify(
        _ paths: [String], anchor: AuditAnchor? = nil, checksOrigin: Bool = true,
        entries visit: ((UnsafeRawBufferPointer) -> Void)? = nil
    ) throws -> AuditReport {
        let files = try Self.segments(paths)
        var report = AuditReport()
        var state = ChainState()
        var previousNumber: Int?
        // The committed entries after the anchor's last seal, hashed as they are read (audit.md, "The ledger's
        // anchor"): a rewritten crash tail shows against the ledger.
        var tailHasher = SHA256()
        var tailEntries: UInt64 = 0
        var visitor = visit
        if let anchor, let tail = anchor.head.tail, tail.first < anchor.head.nextSeq {
            let range = tail.first..<anchor.head.nextSeq
            visitor = { line in
                if let seq = Self.leadingSeq(line).0, range.contains(seq) {
                    tailHasher.update(bufferPointer: line)
                    tailHasher.update(data: [0x0A])
                    tailEntries += 1
                }
                visit?(line)
            }
        }
        for (k, file) in files.enumerated() {
            let name = (file as NSString).lastPathComponent
            let number = AuditSegmentWriter.segmentNumber(name)
            // Counters are never negative (digits after the name's last dash), so their difference cannot overflow,
            // where `previousNumber + 1` did for a name ending in Int.max.
            if let previousNumber, let number, number - previousNumber != 1 {
                report.problems.append(
                    number - previousNumber > 1
                        ? .segmentsMissing(segment: name, number: number, previous: previousNumber)
                        : .segmentsOutOfOrder(segment: name, number: number, previous: previousNumber))
            }
            previousNumber = number ?? previousNumber
            guard let mapped = MappedFile(path: file) else {
                report.problems.append(.unreadableSegment(segment: name))
                continue
            }
            report.segments += 1
            report.bytes += mapped.bytes.count
            verifySegment(
                name, mapped.bytes, isFirst: k == 0, isLast: k == files.count - 1, &state, &report, visitor)
        }
        if let first = state.firstPrev, first != AuditSeal.genesis {
            let earliest = files.first.map { Self.number($0) } ?? 0
            if earliest <= 1 {
                report.problems.append(.firstSealNotGenesis)
            } else if try Self.namesDirectory(paths) {
                report.problems.append(.startDeleted(before: earliest))
            } else {
                report.notes.append("the archive starts mid-chain: segments before \(earliest) were not given")
            }
        }
        if publicKey == nil && state.signedSeals > 0 {
            report.notes.append("\(state.signedSeals) seals are signed, but no --public-key was given to check them")
        }
        report.head = AuditHead(chain: state.chain ?? AuditSeal.genesis, nextSeq: state.nextSeq ?? 1)
        report.lastSealedSeq = state.lastSealedSeq
        report.firstSeq = state.firstSeq
        report.firstPrev = state.firstPrev
        if let anchor {
            // Entries after the ledger's last commit were written but not (yet) committed: a crash left them, and
            // the next run's recovery seal will say so.
            if anchor.head.nextSeq < report.head.nextSeq {
                report.uncommitted.append(anchor.head.nextSeq...(report.head.nextSeq - 1))
            }
            check(anchor, checksOrigin: checksOrigin, state, &report)
            if let tail = anchor.head.tail, tail.first < anchor.head.nextSeq, report.problems.isEmpty {
                if tailEntries != anchor.head.nextSeq - tail.first || Array(tailHasher.finalize()) != tail.sha256 {
                    report.problems.append(.committedTailAltered(first: tail.first, last: anchor.head.nextSeq - 1))
                }
            }
        }
        return report
    }

    /// Whether `paths` name a directory (an archive given whole, rather than chosen segments).
    private static func namesDirectory(_ paths: [String]) throws -> Bool {
        paths.contains { path in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
        }
    }

    /// The archive against the ledger's anchor: its head reached, its origin kept, its signature.
    private func check(
        _ anchor: AuditAnchor, checksOrigin: Bool, _ state: ChainState, _ report: inout AuditReport
    ) {
        let head = anchor.head
        func reaches(_ chain: [UInt8]) -> Bool {
            chain == report.head.chain || state.seenChains.contains(chain)
                || (chain == AuditSeal.genesis && (state.firstPrev.map { $0 == AuditSeal.genesis } ?? true))
                || chain == state.firstPrev
        }
        if !reaches(head.chain) {
            report.problems.append(.ledgerHeadMissing(chain: head.chain))
        } else if head.nextSeq > report.head.nextSeq {
            report.problems.append(.tailCut(ledgerLast: head.nextSeq - 1, archiveLast: report.head.nextSeq - 1))
        }
        if head.nextSeq < state.maxCommitted {
            report.problems.append(
                .ledgerOlderThanArchive(archiveCommitted: state.maxCommitted - 1, ledgerCommitted: head.nextSeq - 1))
        }
        if let origin = anchor.origin, checksOrigin {
            let reached =
                origin.chain == AuditSeal.genesis
                ? state.firstPrev.map { $0 == AuditSeal.genesis } ?? ((state.firstSeq ?? 1) <= origin.nextSeq)
                : reaches(origin.chain)
            if !reached {
                report.problems.append(.originMissing(before: origin.nextSeq))
            }
        }
        if let publicKey {
            if anchor.signature != nil {
                if !anchor.isSigned(by: Array(publicKey.rawRepresentation)) {
                    report.problems.append(.anchorSignatureInvalid)
                }
            } else if state.signedSeals > 0 || state.unsignedSeals == 0 {
                // Unsigned is an anchor's honest state only where the archive shows it was written without a key
                // (its seals unsigned); an anchor whose signature was set to NULL is otherwise an edited one.
                report.problems.append(.anchorUnsigned(sealsSigned: state.signedSeals > 0))
            }
        }
    }

    /// The running chain across segments.
    private struct ChainState {
        var chain: [UInt8]?
        var firstPrev: [UInt8]?
        var firstSeq: UInt64?
        var nextSeq: UInt64?
        /// The crash tail the previous segment ended in, which a recovery seal must seal.
        var crashTail: AuditCrashTail?
        /// Seals read without a signature.
        var unsignedSeals = 0
        /// The largest `committed` of the seals read.
        var maxCommitted: UInt64 = 0
        var lastSealedSeq: UInt64 = 0
        var signedSeals = 0
        var seenChains = Set<[UInt8]>()
    }

    /// A data frame read and waiting for its seal.
    private struct Pending {
        var index: Int
        var sha256: [UInt8]
        var first: UInt64, last: UInt64, entries: Int
        var compressed: Int, decompressed: Int
        var from: Int64?, to: Int64?
        var stored: [UInt8] = []
        var prefixes: [AuditCrashTail.Prefix] = []
    }

    private func verifySegment(
        _ name: String, _ bytes: UnsafeRawBufferPointer, isFirst: Bool, isLast: Bool, _ state: inout ChainState,
        _ report: inout AuditReport, _ visit: ((UnsafeRawBufferPointer) -> Void)?
    ) {
        let frames = Self.dataFrames(bytes)
        // Only a last data frame that no seal follows can be a crash tail, whose per-entry digests a recovery
        // seal needs.
        let lastUnsealed =
            frames.last.map { !$0.complete } == true || AuditSegmentLayout.frames(bytes).last?.kind == .data
        let checks = Self.checkFrames(frames, lastUnsealed: lastUnsealed, visit)
        // The previous segment's crash tail: the next run seals it with a recovery seal, this segment's first frame.
        let tailBefore = state.crashTail
        state.crashTail = nil
        var recovered = false
        var tail: AuditCrashTail?
        var offset = 0
        var dataIndex = 0
        var pending: Pending?
        var sizes: [(compressed: Int, decompressed: Int)] = []
        var sawSeekTable = false
        var problems: [AuditProblem] = []
        func problem(_ found: AuditProblem) { problems.append(found) }
        defer { report.problems += problems }
        while offset < bytes.count {
            let rest = UnsafeRawBufferPointer(rebasing: bytes[offset...])
            if sawSeekTable {
                problem(.bytesAfterSeekTable(segment: name, bytes: rest.count))
                break
            }
            guard rest.count >= 8 else {
                report.notes.append("\(name): crash tail: \(rest.count) bytes of an unfinished frame at the end")
                break
            }
            let magic = rest.loadUnaligned(as: UInt32.self).littleEndian
            if magic & 0xFFFF_FFF0 == 0x184D_2A50 {
                let size = Int(rest.loadUnaligned(fromByteOffset: 4, as: UInt32.self).littleEndian)
                guard rest.count >= 8 + size else {
                    if magic == AuditSegmentWriter.sealMagic && pending != nil {
                        report.notes.append("\(name): crash tail: frame \(pending!.index)'s seal was cut short")
                    } else {
                        problem(.skippableFrameTruncated(segment: name, frame: dataIndex))
                    }
                    break
                }
                let payload = UnsafeRawBufferPointer(rebasing: rest[8..<(8 + size)])
                if magic == AuditSegmentWriter.seekTableMagic {
                    sawSeekTable = true
                    if let pending {
                        problem(.noSealBeforeSeekTable(segment: name, frame: pending.index))
                    }
                    checkSeekTable(payload, sizes, name, problem)
                } else if magic == AuditSegmentWriter.sealMagic {
                    guard let frame = pending else {
                        if offset == 0, let seal = AuditSeal(json: payload), seal.isRecovery {
                            checkRecovery(seal, after: tailBefore, isFirst: isFirst, name, &state, &report, problem)
                            recovered = true
                            sizes.append((8 + size, 0))
                        } else {
                            problem(.sealWithoutDataFrame(segment: name, frame: dataIndex))
                        }
                        offset += 8 + size
                        continue
                    }
                    checkSeal(payload, frame, name, &state, &report, problem)
                    sizes.append((frame.compressed, frame.decompressed))
                    sizes.append((8 + size, 0))
                    pending = nil
                } else {
                    problem(.unknownSkippableFrame(segment: name, frame: dataIndex, magic: magic))
                }
                offset += 8 + size
                continue
            }
            if let frame = pending {
                problem(.missingSeal(segment: name, frame: frame.index))
                pending = nil
            }
            let length = ZSTD_findFrameCompressedSize(rest.baseAddress, rest.count)
            let complete = ZSTD_isError(length) == 0
            // The same walk as dataFrames, so the check of this frame is there.
            let check = dataIndex < checks.count ? checks[dataIndex] : FrameCheck()
            let scan = check.scan
            let readable = check.outcome == .complete || check.outcome == .cut
            var frame = Pending(
                index: dataIndex, sha256: check.sha256, first: scan.first, last: scan.last, entries: scan.count,
                compressed: complete ? length : rest.count, decompressed: check.decompressed)
            frame.stored = check.stored
            frame.prefixes = check.prefixes
            frame.from = scan.from
            frame.to = scan.to
            if check.outcome == .oversizedEntry {
                problem(.oversizedEntry(segment: name, frame: dataIndex))
            }
            if readable {
                if scan.count > 0, let want = state.nextSeq, scan.first != want {
                    problem(.seqJump(segment: name, frame: dataIndex, from: want == 0 ? 0 : want - 1, to: scan.first))
                }
                if let bad = scan.problem { problem(bad.problem(segment: name, frame: dataIndex)) }
                if scan.count > 0 {
                    state.nextSeq = scan.last + 1
                    if state.firstSeq == nil { state.firstSeq = scan.first }
                }
                report.entries += scan.count
            }
            report.frames += 1
            if !complete {
                if readable && frame.entries > 0 {
                    tail = AuditCrashTail(
                        segment: name, frame: dataIndex, first: frame.first, last: frame.last, entries: frame.entries,
                        prefixes: check.prefixes)
                }
                if readable {
                    report.notes.append(
                        "\(name): crash tail: frame \(dataIndex) was never finished; its \(frame.entries) entries "
                            + "(seq \(frame.first)–\(frame.last)) are readable but unsealed")
                } else {
                    problem(.dataFrameCutShort(segment: name, frame: dataIndex))
                }
                break
            }
            if !readable { problem(.dataFrameCorrupt(segment: name, frame: dataIndex)) }
            pending = frame
            dataIndex += 1
            offset += length
        }
        // A segment that ends without its seal or seek table is what a crash leaves (the next run starts a new
        // segment). What a cut would remove, the chain and seq checks across segments (or the ledger's head for
        // the last one) find.
        if let frame = pending {
            report.notes.append(
                "\(name): crash tail: frame \(frame.index) (seq \(frame.first)–\(frame.last)) has no seal")
            if frame.entries > 0 {
                tail = AuditCrashTail(
                    segment: name, frame: frame.index, first: frame.first, last: frame.last, entries: frame.entries,
                    prefixes: frame.prefixes)
            }
        }
        if let tailBefore, !recovered {
            problems.append(
                .crashTailNotRecovered(
                    segment: tailBefore.segment, frame: tailBefore.frame, first: tailBefore.first,
                    last: tailBefore.last,
                    next: name))
        }
        state.crashTail = tail
        if isLast { report.crashTail = tail }
        if !sawSeekTable && pending == nil {
            report.notes.append("\(name): \(isLast ? "still open" : "never closed") (no seek table)")
        }
    }

    /// A recovery seal (the first frame of a segment): it must seal `tail`, the previous segment's crash tail (or
    /// seal nothing when there was none), and continue the chain.
    private func checkRecovery(
        _ seal: AuditSeal, after tail: AuditCrashTail?, isFirst: Bool, _ name: String, _ state: inout ChainState,
        _ report: inout AuditReport, _ problem: (AuditProblem) -> Void
    ) {
        if let tail {
            // It seals the tail's entries that the ledger committed (up to `committed` - 1), no more: the rest were
            // never committed, so never released, and are left outside the chain.
            let covered = tail.through(seal.last)
            let matches =
                seal.segment == tail.segment && seal.frame == tail.frame && seal.first == tail.first
                && covered.map { $0.entries == seal.entries && $0.sha256 == seal.sha256 } == true
                && covered.map { $0.from == seal.from && $0.to == seal.to } == true
            if !matches {
                problem(
                    .recoverySealMismatch(
                        segment: name, tailSegment: tail.segment, frame: tail.frame, first: tail.first,
                        last: tail.last))
            } else if seal.last < tail.last {
                report.notes.append(
                    "\(tail.segment) frame \(tail.frame): its entries seq \(seal.last + 1)–\(tail.last) were written "
                        + "by a run that crashed before committing them: never released, and not sealed")
                report.uncommitted.append((seal.last + 1)...tail.last)
            }
            if seal.entries > 0, let committed = seal.committed, committed <= seal.last {
                problem(.recoverySealsUncommitted(segment: name, committed: committed))
            }
        } else if isFirst {
            report.startsWithRecovery = true
            report.notes.append(
                "\(name): starts with a recovery seal of \(seal.segment), which was not given: its tail is not checked")
        } else if seal.entries != 0 || seal.segment != name || seal.first != (state.nextSeq ?? seal.first)
            || seal.last &+ 1 != seal.first
        {
            problem(.recoverySealWithoutCrashTail(segment: name))
        }
        if let chain = state.chain, seal.prev != chain {
            problem(.chainBroken(segment: name, seal: .recovery))
        }
        if seal.computedChain != seal.chain { problem(.sealChainMismatch(segment: name, seal: .recovery)) }
        checkSignature(seal, name, .recovery, &state, problem)
        if let committed = seal.committed, committed <= seal.last {
            report.uncommitted.append(committed...seal.last)
        }
        state.maxCommitted = max(state.maxCommitted, seal.committed ?? 0)
        if state.firstPrev == nil { state.firstPrev = seal.prev }
        // Given from here on (the segment before not given), the tail's unsealed rest is unknown: the next frame
        // says where `seq` goes on.
        if state.nextSeq == nil && !isFirst { state.nextSeq = seal.last &+ 1 }
        if seal.entries > 0 {
            if state.firstSeq == nil { state.firstSeq = seal.first }
            state.lastSealedSeq = seal.last
        }
        state.chain = seal.chain
        state.seenChains.insert(seal.chain)
    }

    /// Counts a signed seal; with a public key, its signature must verify.
    private func checkSignature(
        _ seal: AuditSeal, _ name: String, _ which: AuditProblem.Seal, _ state: inout ChainState,
        _ problem: (AuditProblem) -> Void
    ) {
        if seal.signature != nil { state.signedSeals += 1 } else { state.unsignedSeals += 1 }
        guard let publicKey else { return }
        if let signature = seal.signature {
            if !publicKey.isValidSignature(signature, for: seal.chain) {
                problem(.signatureInvalid(segment: name, seal: which))
            }
        } else if requiresSignatures {
            problem(.sealUnsigned(segment: name, seal: which))
        }
    }

    private func checkSeal(
        _ payload: UnsafeRawBufferPointer, _ frame: Pending, _ name: String, _ state: inout ChainState,
        _ report: inout AuditReport, _ problem: (AuditProblem) -> Void
    ) {
        let index = frame.index
        guard let seal = AuditSeal(json: payload) else {
            problem(.sealUnreadable(segment: name, frame: index))
            return
        }
        if seal.segment != name { problem(.sealNamesOtherSegment(segment: name, frame: index, named: seal.segment)) }
        if seal.frame != index { problem(.sealOfOtherFrame(segment: name, frame: index, sealed: seal.frame)) }
        if seal.sha256 != frame.sha256 { problem(.contentMismatch(segment: name, frame: index)) }
        if let stored = seal.stored, stored != frame.stored {
            problem(.storedBytesMismatch(segment: name, frame: index))
        }
        if seal.first != frame.first || seal.last != frame.last || seal.entries != frame.entries {
            problem(
                .sealEntriesMismatch(
                    segment: name, frame: index,
                    sealed: AuditProblem.Entries(first: seal.first, last: seal.last, count: seal.entries),
                    held: AuditProblem.Entries(first: frame.first, last: frame.last, count: frame.entries)))
        }
        if (seal.from, seal.to) != (frame.from, frame.to) { problem(.eventTimeMismatch(segment: name, frame: index)) }
        if let chain = state.chain, seal.prev != chain { problem(.chainBroken(segment: name, seal: .frame(index))) }
        if seal.isRecovery { problem(.recoverySealAfterDataFrame(segment: name, frame: index)) }
        if seal.computedChain != seal.chain { problem(.sealChainMismatch(segment: name, seal: .frame(index))) }
        checkSignature(seal, name, .frame(index), &state, problem)
        state.maxCommitted = max(state.maxCommitted, seal.committed ?? 0)
        if state.firstPrev == nil { state.firstPrev = seal.prev }
        state.chain = seal.chain
        state.seenChains.insert(seal.chain)
        state.lastSealedSeq = seal.last
    }

    private func checkSeekTable(
        _ payload: UnsafeRawBufferPointer, _ sizes: [(compressed: Int, decompressed: Int)], _ name: String,
        _ problem: (AuditProblem) -> Void
    ) {
        guard payload.count >= 9,
            payload.loadUnaligned(fromByteOffset: payload.count - 4, as: UInt32.self).littleEndian
                == AuditSegmentWriter.seekFooterMagic
        else {
            problem(.seekTableFormat(segment: name))
            return
        }
        let count = Int(payload.loadUnaligned(fromByteOffset: payload.count - 9, as: UInt32.self).littleEndian)
        let descriptor = payload[payload.count - 5]
        guard descriptor & 0x7F == 0 else {
            problem(.seekTableReservedBits(segment: name))
            return
        }
        let width = descriptor & 0x80 != 0 ? 12 : 8
        guard count * width == payload.count - 9, count == sizes.count else {
            problem(.seekTableFrameCount(segment: name, listed: count, actual: sizes.count))
            return
        }
        for k in 0..<count {
            let compressed = Int(payload.loadUnaligned(fromByteOffset: k * width, as: UInt32.self).littleEndian)
            let decompressed = Int(payload.loadUnaligned(fromByteOffset: k * width + 4, as: UInt32.self).littleEndian)
            if compressed != sizes[k].compressed || decompressed != sizes[k].decompressed {
                problem(.seekTableEntryMismatch(segment: name, entry: k))
                return
            }
        }
    }

    /// The event time (milliseconds) of an entry's `"ts"`, if it has one; the search for it starts at byte
    /// `start`, which must not be past it.
    public static func eventTime(_ line: UnsafeRawBufferPointer, from start: Int = 0) -> Int64? {
        precondition(start >= 0, "a search cannot start before the entry")
        let key: StaticString = "\"ts\":\""
        let length = key.utf8CodeUnitCount
        guard line.count > length, let base = line.baseAddress else { return nil }
        // Glibc's module has no memmem: hop from quote to quote with memchr.
        var at = start
        var found: Int?
        while at + length <= line.count, let quote = memchr(base + at, Int32(UInt8(ascii: "\"")), line.count - at) {
            let i = base.distance(to: UnsafeRawPointer(quote))
            if i + length <= line.count && memcmp(base + i, key.utf8Start, length) == 0 {
                found = i
                break
            }
            at = i + 1
        }
        guard let found else { return nil }
        let start = found + length
        guard let close = memchr(base + start, Int32(UInt8(ascii: "\"")), line.count - start) else { return nil }
        let end = base.distance(to: UnsafeRawPointer(close))
        return EventTime.parseMilliseconds(UnsafeRawBufferPointer(rebasing: line[start..<end]))
    }

    /// What one pass over a frame's entries found.
    struct Scan {
        var first: UInt64 = 0, last: UInt64 = 0, count = 0
        /// The first break in `seq` continuity, an entry without a leading `seq`, or too many entries.
        var problem: Problem?
        /// The earliest and latest event time of the entries that have one.
        var from: Int64?, to: Int64?

        /// What is wrong with a frame's entries, before the frame is placed in its segment.
        enum Problem: Equatable {
            case seqJump(from: UInt64, to: UInt64)
            /// The entry with this index.
            case entryWithoutSeq(Int)
            case tooManyEntries

            /// The problem of data frame `frame` of `segment`.
            func problem(segment: String, frame: Int) -> AuditProblem {
                switch self {
                case .seqJump(let from, let to): .seqJump(segment: segment, frame: frame, from: from, to: to)
                case .entryWithoutSeq(let entry): .entryWithoutSeq(segment: segment, frame: frame, entry: entry)
                case .tooManyEntries: .tooManyEntries(segment: segment, frame: frame)
                }
            }
        }
    }

    /// Takes in one entry: `seq` continuity within the frame, the count, the event-time range.
    static func scan(_ line: UnsafeRawBufferPointer, into result: inout Scan) {
        let (leading, seqEnd) = leadingSeq(line)
        if let seq = leading {
            if result.count == 0 {
                result.first = seq
            } else if seq != result.last &+ 1, result.problem == nil {
                result.problem = .seqJump(from: result.last, to: seq)
            }
            result.last = seq
        } else if result.problem == nil {
            result.problem = .entryWithoutSeq(result.count)
        }
        if let time = eventTime(line, from: pastPrefix(line, seqEnd)) {
            result.from = min(result.from ?? time, time)
            result.to = max(result.to ?? time, time)
        }
        result.count += 1
    }

    /// Thrown from an entry's visit to stop decoding a frame that is already known to be altered.
    struct StopDecoding: Error {}

    /// The most entries a data frame may hold: the writer seals at 8,192 (and a group commit can add one more
    /// group's before the seal), so a frame of a million is not one of its own.
    static let maxFrameEntries = 1 << 20

    /// One data frame as a worker checks it: its digests and what its entries hold.
    struct FrameCheck {
        var sha256: [UInt8] = [], stored: [UInt8] = []
        /// Of a segment's last data frame (the one a crash can leave unsealed): after each whole entry, the digest
        /// and event-time range of the entries up to it, which a recovery seal may cover.
        var prefixes: [AuditCrashTail.Prefix] = []
        var outcome = AuditFrameDecoder.Outcome.corrupt
        var scan = Scan()
        var decompressed = 0
    }

    /// The data frames of a segment in the order the check walks them, each with whether it is complete: the
    /// frames ``AuditSegmentLayout/frames(_:)`` parses, then, where it stops before the end at what is not a
    /// skippable frame, a crash tail running to the end of the file.
    static func dataFrames(_ bytes: UnsafeRawBufferPointer) -> [(bytes: UnsafeRawBufferPointer, complete: Bool)] {
        let layout = AuditSegmentLayout.frames(bytes)
        var frames = layout.filter { $0.kind == .data }.map {
            (UnsafeRawBufferPointer(rebasing: bytes[$0.range]), true)
        }
        let consumed = layout.last?.range.upperBound ?? 0
        if consumed + 8 <= bytes.count {
            let magic = bytes.loadUnaligned(fromByteOffset: consumed, as: UInt32.self).littleEndian
            if magic & 0xFFFF_FFF0 != 0x184D_2A50 {
                frames.append((UnsafeRawBufferPointer(rebasing: bytes[consumed...]), false))
            }
        }
        return frames
    }

    /// Checks one data frame with `decoder`; `visit` sees its entries.
    /// `keepsPrefixes`: keep the digest after every entry (a segment's last data frame).
    static func checkFrame(
        _ frame: (bytes: UnsafeRawBufferPointer, complete: Bool), _ decoder: AuditFrameDecoder,
        keepsPrefixes: Bool, _ visit: ((UnsafeRawBufferPointer) -> Void)?
    ) -> FrameCheck {
        var result = FrameCheck()
        // A frame cut short has no seal to compare its stored bytes with (and, planted, it can be a sparse file of
        // any length): only a complete frame's are hashed.
        if frame.complete { result.stored = Array(SHA256.hash(data: frame.bytes)) }
        var hasher = SHA256()
        // A crash tail is sealed by the next run as its whole entries up to where the ledger committed (each with
        // its newline): the digest after every entry is kept, for the one the recovery seal names.
        var lines = SHA256()
        var from: Int64?, to: Int64?
        var decompressed = 0
        var scan = Scan()
        var stopped = false
        result.outcome = decoder.decodeStopping(
            frame.bytes, complete: frame.complete, stopped: &stopped,
            bytes: { chunk in
                hasher.update(bufferPointer: chunk)
                decompressed += chunk.count
            },
            line: { line in
                Self.scan(line, into: &scan)
                // A frame is altered once an entry does not read as the next one, or once it holds more entries
                // than any writer puts in a frame: decoding stops there, so that a small frame that expands to a
                // gigabyte of empty lines costs no more than its first bad line.
                if scan.problem != nil { throw StopDecoding() }
                if scan.count > Self.maxFrameEntries {
                    scan.problem = .tooManyEntries
                    throw StopDecoding()
                }
                if keepsPrefixes {
                    lines.update(bufferPointer: line)
                    lines.update(data: [0x0A])
                    if let time = Self.eventTime(line) {
                        from = min(from ?? time, time)
                        to = max(to ?? time, time)
                    }
                    let copy = lines
                    result.prefixes.append(
                        AuditCrashTail.Prefix(seq: scan.last, sha256: Array(copy.finalize()), from: from, to: to))
                }
                visit?(line)
            })
        result.sha256 = Array(hasher.finalize())
        if stopped { result.outcome = frame.complete ? .complete : .cut }
        result.decompressed = decompressed
        result.scan = scan
        return result
    }

    /// Checks data frames: decodes each in bounded memory, hashing its stored and decoded bytes and scanning its
    /// entries. The frames are independent, so they are spread over the cores; with `visit`, which sees every
    /// entry in archive order, they are checked in order on this thread.
    static func checkFrames(
        _ frames: [(bytes: UnsafeRawBufferPointer, complete: Bool)], lastUnsealed: Bool = false,
        _ visit: ((UnsafeRawBufferPointer) -> Void)?
    ) -> [FrameCheck] {
        let workers = visit == nil ? min(frames.count, ProcessInfo.processInfo.activeProcessorCount, 8) : 1
        guard workers > 1 else {
            let decoder = AuditFrameDecoder()
            return frames.indices.map {
                checkFrame(frames[$0], decoder, keepsPrefixes: lastUnsealed && $0 == frames.count - 1, visit)
            }
        }
        let results = UnsafeMutableBufferPointer<FrameCheck>.allocate(capacity: frames.count)
        results.initialize(repeating: FrameCheck())
        defer { results.deallocate() }
        let next = Mutex(0)
        nonisolated(unsafe) let shared = (frames: frames, results: results)
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            let decoder = AuditFrameDecoder()
            while true {
                let k = next.withLock { value in
                    defer { value += 1 }
                    return value
                }
                guard k < shared.frames.count else { break }
                shared.results[k] = checkFrame(
                    shared.frames[k], decoder, keepsPrefixes: lastUnsealed && k == shared.frames.count - 1, nil)
            }
        }
        return Array(results)
    }

    /// The `seq` an entry starts with (`{"seq":N`), if it does, and where its digits end (0 when it does not).
    static func leadingSeq(_ line: UnsafeRawBufferPointer) -> (UInt64?, end: Int) {
        let prefix: StaticString = "{\"seq\":"
        let length = prefix.utf8CodeUnitCount
        guard line.count > length, memcmp(line.baseAddress!, prefix.utf8Start, length) == 0 else { return (nil, 0) }
        let (value, end) = digits(line, from: length, atMost: 19)
        return end > length ? (value, end) : (nil, 0)
    }

    /// The decimal digits of `line` from `start` (at most `limit` of them): their value and where they end.
    private static func digits(_ line: UnsafeRawBufferPointer, from start: Int, atMost limit: Int) -> (UInt64, Int) {
        var value: UInt64 = 0
        var k = start
        while k < line.count, k - start < limit, line[k] >= 0x30, line[k] <= 0x39 {
            value = value * 10 + UInt64(line[k] - 0x30)
            k += 1
        }
        return (value, k)
    }

    /// Where the search for an entry's `"ts"` can start, given that its `seq` ends at `k`: past `,"at":M` and a
    /// `,"id":"…"` when they follow in the writer's order, so that the search (one quote to hop instead of nine)
    /// skips them; else where the writer's order stops.
    static func pastPrefix(_ line: UnsafeRawBufferPointer, _ k: Int) -> Int {
        let at: StaticString = ",\"at\":", id: StaticString = ",\"id\":\""
        guard k > 0, let base = line.baseAddress, k + at.utf8CodeUnitCount < line.count,
            memcmp(base + k, at.utf8Start, at.utf8CodeUnitCount) == 0
        else { return k }
        let afterAt = digits(line, from: k + at.utf8CodeUnitCount, atMost: 19).1
        let open = afterAt + id.utf8CodeUnitCount
        guard open < line.count, memcmp(base + afterAt, id.utf8Start, id.utf8CodeUnitCount) == 0,
            let quote = memchr(base + open, Int32(UInt8(ascii: "\"")), line.count - open)
        else { return afterAt }
        // The quote must end the id where a member ends (`,` or `}` next): what is not JSON (`"id":"ts":"…"`)
        // could hold a `"ts":"` at or before it, which the search from `afterAt` finds as the search from the start
        // would. An id with an escaped quote makes this start inside the id: still before its `ts`, and the
        // search's `"ts":"` cannot lie inside a string, whose quotes are all escaped.
        let close = base.distance(to: UnsafeRawPointer(quote))
        guard close + 1 < line.count, line[close + 1] == UInt8(ascii: ",") || line[close + 1] == UInt8(ascii: "}")
        else { return afterAt }
        return close + 1
    }
}

/// The frames of a segment, as byte ranges: what tools (and tests) need to find, skip or cut a frame.
public enum AuditSegmentLayout {
    /// What a frame is.
    public enum Kind: Sendable, Equatable {
        case data, seal, seekTable, other
    }

    /// The frames of `bytes` in order; stops at the first frame that does not parse (a crash tail).
    public static func frames(_ bytes: [UInt8]) -> [(range: Range<Int>, kind: Kind)] {
        bytes.withUnsafeBytes { frames($0) }
    }

    /// The payload of a skippable frame at `range` of `all` (a seal's JSON): the bytes after its magic and size.
    static func payload(_ all: UnsafeRawBufferPointer, _ range: Range<Int>) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: all[(range.lowerBound + 8)..<range.upperBound])
    }

    /// The frames of `all` in order; stops at the first frame that does not parse (a crash tail).
    static func frames(_ all: UnsafeRawBufferPointer) -> [(range: Range<Int>, kind: Kind)] {
        var frames: [(range: Range<Int>, kind: Kind)] = []
        var offset = 0
        while offset + 8 <= all.count {
            let rest = UnsafeRawBufferPointer(rebasing: all[offset...])
            let magic = rest.loadUnaligned(as: UInt32.self).littleEndian
            var length: Int
            let kind: Kind
            if magic & 0xFFFF_FFF0 == 0x184D_2A50 {
                length = 8 + Int(rest.loadUnaligned(fromByteOffset: 4, as: UInt32.self).littleEndian)
                kind =
                    magic == AuditSegmentWriter.sealMagic
                    ? .seal : magic == AuditSegmentWriter.seekTableMagic ? .seekTable : .other
            } else {
                let size = ZSTD_findFrameCompressedSize(rest.baseAddress, rest.count)
                guard ZSTD_isError(size) == 0 else { break }
                length = size
                kind = .data
            }
            guard length <= rest.count else { break }
            frames.append((offset..<(offset + length), kind))
            offset += length
        }
        return frames
    }
}

extension AuditVerifier {
    /// Whether any seal of the segments `files` carries a signature: frame headers are walked, data frames skipped
    /// unread.
    static func anySealSigned(_ files: [String]) -> Bool {
        let member = Array(#","sig":""#.utf8)
        for file in files {
            guard let mapped = MappedFile(path: file) else { continue }
            for frame in AuditSegmentLayout.frames(mapped.bytes) where frame.kind == .seal {
                let payload = AuditSegmentLayout.payload(mapped.bytes, frame.range)
                if AuditEntryText.find(payload, member) != nil { return true }
            }
        }
        return false
    }
}

/// Where a run continues an existing archive (``AuditVerifier/resume(directory:anchor:publicKey:)``).
public struct AuditResumePoint: Sendable {
    /// The head to continue from: the last seal's chain, and the `seq` after the last entry (a crash tail
    /// included).
    public var head: AuditHead
    /// The last segment's crash tail, which the run must seal first.
    public var crashTail: AuditCrashTail?
    /// Whether the run must start with a recovery seal: a crash tail, or entries after the ledger's last commit.
    public var needsRecovery: Bool
}

extension AuditVerifier {
    /// Where a run continues the archive in `directory`, checked against the ledger's `anchor`: after its last
    /// entry (a crash tail included), chained to its last seal. Verifies the last segments, back to the one that
    /// holds the anchor's seal (or the last seal), with `publicKey` (the signing key's) every signature present
    /// and the anchor's, which must be signed once the archive's seals are (an anchor whose signature was set to
    /// NULL does not make it an unsigned one).
    /// Nil when the directory holds no segment (and the ledger expects none).
    ///
    /// Throws (``AuditError/exitStatus`` 65) when the archive's end does not verify, when the anchor's head is not
    /// in it or is past its end (a cut or replaced tail, or another archive), when the committed entries after the
    /// anchor's seal do not match its digest (a rewritten crash tail), or when the anchor is not signed by the key:
    /// a run never extends a chain it cannot vouch for.
    public static func resume(directory: String, anchor: AuditAnchor?, publicKey: [UInt8]? = nil) throws
        -> AuditResumePoint?
    {
        func refuse(_ reason: String) -> AuditError {
            AuditError(
                message: "audit archive \(directory) does not verify at its end (\(reason)); run dpwall audit verify "
                    + "\(directory)\(anchor == nil ? "" : " --ledger LEDGER"), and give --audit a new directory (with "
                    + "a new ledger) to start a new archive",
                exitStatus: 65)
        }
        let files = FileManager.default.fileExists(atPath: directory) ? try segments([directory]) : []
        guard !files.isEmpty else {
            if let anchor, anchor.head.nextSeq > 1 {
                throw refuse(
                    "the ledger recorded entries up to seq \(anchor.head.nextSeq - 1), but it holds no segment: the "
                        + "archive was removed, or --audit names the wrong directory")
            }
            return nil
        }
        // An unsigned anchor is an honest one only for an archive written without a key: with a key, one signed
        // seal anywhere (not only at the end, whose signatures someone could strip) shows it was signed.
        if let anchor, anchor.signature == nil, publicKey != nil, Self.anySealSigned(files) {
            throw refuse(AuditProblem.anchorUnsigned(sealsSigned: true).description)
        }
        // The seal the anchor's head names ends just before this seq.
        let anchored = anchor.map { $0.head.tail?.first ?? $0.head.nextSeq } ?? 1
        let verifier = try AuditVerifier(publicKey: publicKey, requiresSignatures: false)
        var first = files.count - 1
        while true {
            // The origin is checked by a whole verify; here the end is what matters.
            let report = try verifier.verify(Array(files[first...]), anchor: anchor, checksOrigin: false)
            let reachesAnchor =
                anchored <= 1
                ? report.firstPrev.map { $0 == AuditSeal.genesis } ?? true
                : (report.firstSeq ?? .max) < anchored
            if first == 0 || (report.lastSealedSeq > 0 && reachesAnchor && !report.startsWithRecovery) {
                if let problem = report.problems.first { throw refuse(problem.description) }
                let committed = anchor?.head.nextSeq ?? report.head.nextSeq
                return AuditResumePoint(
                    head: AuditHead(chain: report.head.chain, nextSeq: report.head.nextSeq),
                    crashTail: report.crashTail,
                    needsRecovery: report.crashTail != nil || committed < report.head.nextSeq)
            }
            first -= 1
        }
    }
}
