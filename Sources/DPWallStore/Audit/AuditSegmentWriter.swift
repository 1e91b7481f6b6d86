internal import CZstd
internal import Crypto
import DPWallRecords
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An audit archive failed to be written or read.
public struct AuditError: Error, CustomStringConvertible {
    /// What went wrong, where, and what to do.
    public var message: String
    /// The exit status it maps to: 74 (an input/output error) unless the archive's content is at fault (65).
    public var exitStatus: Int32
    /// The message.
    public var description: String { message }

    /// An error.
    public init(message: String, exitStatus: Int32 = 74) {
        self.message = message
        self.exitStatus = exitStatus
    }
}

/// Writes audit segments (audit.md, "Layout"): zstd data frames of JSON Lines entries, each followed by a
/// skippable frame holding its seal, and, when a segment closes, a seek table in the zstd seekable format.
///
/// Entries are compressed as they come. ``flush()`` makes everything appended durable (`ZSTD_e_flush`, `write`,
/// `fsync`) without ending the frame: the filter calls it before the ledger commits a batch. ``seal()`` ends the
/// frame and writes its seal; it happens every `flushInterval` or `frameEntries` entries, and when a segment
/// closes. A crash leaves at most the entries after the last seal as an unsealed, still readable, tail.
///
/// Segments are `DIR/audit-YYYYMMDDTHHMMSSZ-NNNNNN.zst`, where NNNNNN counts the directory's segments: the
/// order of the archive, whatever the clock does. Files are created 0640 and never overwritten; the directory 0750.
/// `@unchecked Sendable`: one thread at a time uses it (the filter's writing turn).
public final class AuditSegmentWriter: @unchecked Sendable {
    /// Rotation and sealing.
    public struct Options: Sendable {
        /// Rotate when a segment holds this many uncompressed bytes (default 256 MiB).
        public var segmentBytes = 256 << 20
        /// Rotate when a segment is this old, in seconds (default 1 h).
        public var segmentAge = 3600.0
        /// Seal the open frame when it is this old, in seconds (default 1 s), or holds `frameEntries` entries.
        public var flushInterval = 1.0
        /// Seal the open frame at this many entries.
        public var frameEntries = 8_192
        /// The zstd level: 1, the fastest, because compression runs in the filter's ordered stage. On 183 MB of
        /// fraud-traffic entries it gave 19.8 MB, no larger than level 3 (about 21 MB).
        public var level: Int32 = 1

        /// Defaults from audit.md.
        public init() {}
    }

    public let directory: String
    private let options: Options
    private let signer: Curve25519.Signing.PrivateKey?
    private(set) public var head: AuditHead
    /// Where the ledger first met this archive (``AuditAnchor/origin``): where the writer started, unless the
    /// ledger already knows an earlier origin.
    public var origin: AuditHead
    /// The ledger's next `seq` as of its last commit (``AuditSeal/committed``): set by the writing turn after each
    /// commit, read when a seal is written (on whichever thread compresses).
    private let committedSeq: Atomic<UInt64>
    private let context: OpaquePointer
    private var output: UnsafeMutableRawBufferPointer

    // The open segment.
    private var descriptor: Int32 = -1
    private(set) public var segmentName = ""
    private var segmentNumber = 0
    private var segmentOpened = 0.0
    private var segmentUncompressed = 0
    private var seekEntries: [(compressed: UInt32, decompressed: UInt32)] = []

    // The open frame.
    private var frameIndex = 0
    private var frameFirst: UInt64 = 0
    private var frameEntries = 0
    private var frameOpened = 0.0
    private var frameHasher = SHA256()
    private var storedHasher = SHA256()
    private var frameCompressed = 0
    private var frameUncompressed = 0
    private var frameFrom: Int64?, frameTo: Int64?

    /// Opens an archive in `directory` (created 0750 when missing), continuing from `head`.
    public init(directory: String, head: AuditHead, options: Options = Options(), signingKey: [UInt8]? = nil) throws {
        self.directory = directory
        self.head = head
        origin = AuditHead(chain: head.chain, nextSeq: head.nextSeq)
        committedSeq = Atomic(head.nextSeq)
        self.options = options
        if let signingKey {
            guard let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: signingKey) else {
                throw AuditError(message: "the signing key is not an Ed25519 private key (32 bytes)")
            }
            signer = key
        } else {
            signer = nil
        }
        guard let cctx = ZSTD_createCCtx() else { throw AuditError(message: "cannot create a zstd encoder") }
        context = cctx
        ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, options.level)
        ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1)
        output = .allocate(byteCount: ZSTD_CStreamOutSize(), alignment: 16)
        if mkdir(directory, 0o750) != 0 && errno != EEXIST {
            throw AuditError(message: "audit directory \(directory): \(String(cString: strerror(errno)))")
        }
        segmentNumber = Self.segmentNumbers(in: directory).max() ?? 0
    }

    deinit {
        if descriptor >= 0 { try? SystemCall.close(descriptor) }
        ZSTD_freeCCtx(context)
        output.deallocate()
    }

    /// The counters of the segments in `directory`.
    public static func segmentNumbers(in directory: String) -> [Int] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).compactMap(segmentNumber)
    }

    /// The counter of a segment's file name (`audit-…-NNNNNN.zst`: decimal digits, never negative), or nil for
    /// another name.
    public static func segmentNumber(_ name: String) -> Int? {
        guard name.hasPrefix("audit-"), name.hasSuffix(".zst") else { return nil }
        let stem = name.dropLast(4)
        guard let dash = stem.lastIndex(of: "-") else { return nil }
        let digits = stem[stem.index(after: dash)...]
        guard digits.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        return Int(digits)
    }

    /// Appends entries (JSON Lines, each `\n`-terminated, numbered from `head.nextSeq` on) to the open frame,
    /// rotating the segment first when it is full or old.
    /// `eventTimes` is the earliest and latest event time of the entries (milliseconds), when any has one.
    public func append(
        _ lines: UnsafeRawBufferPointer, count: Int, now: Double, eventTimes: (Int64, Int64)? = nil
    ) throws {
        guard count > 0 else { return }
        if descriptor >= 0
            && (segmentUncompressed >= options.segmentBytes || now - segmentOpened >= options.segmentAge)
        {
            try closeSegment()
        }
        if descriptor < 0 { try openSegment(now: now) }
        if frameEntries == 0 {
            frameFirst = head.nextSeq
            frameOpened = now
        }
        if let (low, high) = eventTimes {
            frameFrom = min(frameFrom ?? low, low)
            frameTo = max(frameTo ?? high, high)
        }
        frameHasher.update(bufferPointer: lines)
        frameUncompressed += lines.count
        segmentUncompressed += lines.count
        frameEntries += count
        head.nextSeq += UInt64(count)
        try compress(lines, ZSTD_e_continue)
    }

    /// Whether the open frame is due for its seal.
    public func sealIsDue(now: Double) -> Bool {
        frameEntries > 0 && (now - frameOpened >= options.flushInterval || frameEntries >= options.frameEntries)
    }

    /// Makes every appended entry durable, without ending the frame.
    public func flush() throws {
        guard descriptor >= 0, frameEntries > 0 else { return }
        try compress(UnsafeRawBufferPointer(start: nil, count: 0), ZSTD_e_flush)
        try sync()
    }

    /// Records that the ledger committed every entry before `nextSeq`: later seals say so.
    public func committed(through nextSeq: UInt64) {
        committedSeq.store(nextSeq, ordering: .releasing)
    }

    /// What the ledger stores with the charges of a commit: the origin, the head with the digest of the open
    /// frame's entries so far, signed with the signing key.
    public func anchor() throws -> AuditAnchor {
        var current = AuditHead(chain: head.chain, nextSeq: head.nextSeq)
        if frameEntries > 0 {
            // A copy of the running hash, finalized: the frame's own hash goes on.
            let copy = frameHasher
            current.tail = AuditTail(first: frameFirst, sha256: Array(copy.finalize()))
        }
        var anchor = AuditAnchor(origin: origin, head: current)
        if let signer { anchor.signature = Array(try signer.signature(for: anchor.signedMessage)) }
        return anchor
    }

    /// Writes a recovery seal (audit.md, "Durability and crashes") as the first frame of a new segment: it seals
    /// the previous run's crash tail (`tail`, nil when there was none) and records `committed`, the ledger's next
    /// `seq`, so that the entries from there on, written but never committed, are known as such. The chain
    /// continues from it. Call it before any entry is appended.
    public func writeRecoverySeal(tail: AuditCrashTail?, committed: UInt64, now: Double) throws {
        precondition(frameEntries == 0, "a recovery seal comes before any entry of the run")
        if descriptor < 0 { try openSegment(now: now) }
        // Of the tail, only what the ledger committed is sealed: the entries after were never committed (their
        // lines never released), and whoever can write the archive could have planted them.
        let first = tail?.first ?? head.nextSeq
        let last = tail.map { min($0.last, max(committed, $0.first) - 1) } ?? head.nextSeq - 1
        guard let covered = tail.map({ $0.through(last) }) ?? (0, Array(SHA256.hash(data: [UInt8]())), nil, nil)
        else { throw AuditError(message: "the crash tail holds no entry seq \(last) to seal up to", exitStatus: 65) }
        let chain = AuditSeal.chain(
            prev: head.chain, sha256: covered.sha256, first: first, last: last, committed: committed)
        var seal = AuditSeal(
            segment: tail?.segment ?? segmentName, frame: tail?.frame ?? 0, first: first, last: last,
            entries: covered.entries, sha256: covered.sha256, prev: head.chain, chain: chain,
            signature: try signer.map { try Array($0.signature(for: chain)) })
        seal.from = covered.from
        seal.to = covered.to
        seal.committed = committed
        seal.isRecovery = true
        committedSeq.store(committed, ordering: .releasing)
        let frame = Self.skippableFrame(magic: Self.sealMagic, payload: seal.json)
        try write(frame)
        seekEntries.append((UInt32(frame.count), 0))
        try sync()
        head.chain = chain
    }

    /// Ends the open frame and writes its seal (durably).
    public func seal() throws {
        guard descriptor >= 0, frameEntries > 0 else { return }
        try compress(UnsafeRawBufferPointer(start: nil, count: 0), ZSTD_e_end)
        let sha256 = Array(frameHasher.finalize())
        let last = head.nextSeq - 1
        let committed = committedSeq.load(ordering: .acquiring)
        let chain = AuditSeal.chain(
            prev: head.chain, sha256: sha256, first: frameFirst, last: last, committed: committed)
        let signature = try signer.map { try Array($0.signature(for: chain)) }
        var seal = AuditSeal(
            segment: segmentName, frame: frameIndex, first: frameFirst, last: last, entries: frameEntries,
            sha256: sha256, prev: head.chain, chain: chain, signature: signature)
        seal.from = frameFrom
        seal.to = frameTo
        seal.committed = committed
        seal.stored = Array(storedHasher.finalize())
        let frame = Self.skippableFrame(magic: Self.sealMagic, payload: seal.json)
        try write(frame)
        seekEntries.append((UInt32(frameCompressed), UInt32(frameUncompressed)))
        seekEntries.append((UInt32(frame.count), 0))
        try sync()
        head.chain = chain
        frameIndex += 1
        frameEntries = 0
        frameHasher = SHA256()
        storedHasher = SHA256()
        frameCompressed = 0
        frameUncompressed = 0
        frameFrom = nil
        frameTo = nil
    }

    /// Seals the open frame, writes the segment's seek table and closes it.
    public func closeSegment() throws {
        guard descriptor >= 0 else { return }
        try seal()
        try write(Self.seekTable(seekEntries))
        try sync()
        try? SystemCall.close(descriptor)
        descriptor = -1
        seekEntries.removeAll()
        frameIndex = 0
    }

    // MARK: Format

    /// The skippable-frame magic of seals (`0x184D2A50`) and of the seek table (`0x184D2A5E`, zstd seekable
    /// format), and the seek table's footer magic.
    public static let sealMagic: UInt32 = 0x184D_2A50
    public static let seekTableMagic: UInt32 = 0x184D_2A5E
    public static let seekFooterMagic: UInt32 = 0x8F92_EAB1

    /// A skippable frame: magic, payload size (both little endian), payload.
    public static func skippableFrame(magic: UInt32, payload: [UInt8]) -> [UInt8] {
        var frame: [UInt8] = []
        frame.reserveCapacity(payload.count + 8)
        withUnsafeBytes(of: magic.littleEndian) { frame.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt32(payload.count).littleEndian) { frame.append(contentsOf: $0) }
        frame.append(contentsOf: payload)
        return frame
    }

    /// The seek table of a segment's frames (zstd seekable format, without checksums): per frame its compressed
    /// and decompressed size (a seal is a frame of 0 decompressed bytes), then the footer.
    public static func seekTable(_ entries: [(compressed: UInt32, decompressed: UInt32)]) -> [UInt8] {
        var payload: [UInt8] = []
        for entry in entries {
            withUnsafeBytes(of: entry.compressed.littleEndian) { payload.append(contentsOf: $0) }
            withUnsafeBytes(of: entry.decompressed.littleEndian) { payload.append(contentsOf: $0) }
        }
        withUnsafeBytes(of: UInt32(entries.count).littleEndian) { payload.append(contentsOf: $0) }
        payload.append(0)  // descriptor: no checksums
        withUnsafeBytes(of: seekFooterMagic.littleEndian) { payload.append(contentsOf: $0) }
        return skippableFrame(magic: seekTableMagic, payload: payload)
    }

    // MARK: Files

    private func openSegment(now: Double) throws {
        // The counter continues from the largest one in the directory, whatever file gave it.
        let (next, overflow) = segmentNumber.addingReportingOverflow(1)
        guard !overflow else {
            throw AuditError(
                message: "audit directory \(directory) holds a segment numbered \(segmentNumber), the last a counter "
                    + "can reach: no segment can follow it; move that file away, or use another --audit directory")
        }
        segmentNumber = next
        var time = time_t(now)
        var parts = tm()
        gmtime_r(&time, &parts)
        let stamp = String(
            format: "%04d%02d%02dT%02d%02d%02dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
            Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
        segmentName = String(format: "audit-%@-%06d.zst", stamp, segmentNumber)
        let path = directory + "/" + segmentName
        let fd: Int32
        do throws(SystemCallError) {
            fd = try SystemCall.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode: 0o640)
        } catch {
            throw AuditError(message: "audit segment \(path): \(error.reason)")
        }
        try? SystemCall.fchmod(fd, 0o640)
        descriptor = fd
        segmentOpened = now
        segmentUncompressed = 0
        frameIndex = 0
        // The new file's directory entry must survive a crash too.
        SystemCall.syncDirectory(directory)
    }

    private func compress(_ input: UnsafeRawBufferPointer, _ directive: ZSTD_EndDirective) throws {
        var source = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
        while true {
            var sink = ZSTD_outBuffer(dst: output.baseAddress, size: output.count, pos: 0)
            let remaining = ZSTD_compressStream2(context, &sink, &source, directive)
            if ZSTD_isError(remaining) != 0 {
                throw AuditError(message: "zstd: \(String(cString: ZSTD_getErrorName(remaining)))")
            }
            if sink.pos > 0 {
                let produced = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(output)[0..<sink.pos])
                try write(produced)
                storedHasher.update(bufferPointer: produced)
                frameCompressed += sink.pos
            }
            let done = directive == ZSTD_e_continue ? source.pos == source.size : remaining == 0
            if done { return }
        }
    }

    private func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    private func write(_ bytes: UnsafeRawBufferPointer) throws {
        do throws(SystemCallError) {
            try SystemCall.writeAll(descriptor, bytes)
        } catch {
            throw AuditError(message: "audit segment \(segmentName): \(error.reason)")
        }
    }

    private func sync() throws {
        do throws(SystemCallError) {
            try SystemCall.fsync(descriptor)
        } catch {
            throw AuditError(message: "audit segment \(segmentName): fsync: \(error.reason)")
        }
    }
}
