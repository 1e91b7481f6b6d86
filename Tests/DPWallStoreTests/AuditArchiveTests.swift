import Crypto
import DPWallRecords
import DPWallStore
import Foundation
import Synchronization
import Testing

/// The audit archive's format: real files, real zstd (library and CLI), and one test per kind of tampering.
@Suite("Audit archive")
struct AuditArchiveTests {
    /// A fresh directory under /tmp, removed at the end.
    final class Directory {
        let path: String
        init() throws {
            path = NSTemporaryDirectory() + "dpwall-audit-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
        deinit { try? FileManager.default.removeItem(atPath: path) }

        var segments: [String] { (try? AuditVerifier.segments([path])) ?? [] }
    }

    static let signingKey = Curve25519.Signing.PrivateKey()
    /// 2026-11-26T10:00:00Z in milliseconds; entry `seq` has event time `base + seq` seconds.
    static let base: Int64 = 1_795_687_200_000

    /// Writes `entries` entries in batches of 7, frames of at most 20 entries, segments of at most 4 KiB
    /// uncompressed; returns the writer's final head. `crash` leaves the last frame unsealed and the segment open.
    @discardableResult
    static func write(
        _ directory: Directory, entries: Int = 200, signed: Bool = true, crash: Bool = false,
        head: AuditHead = AuditHead(), recovery: AuditResumePoint? = nil, committed: UInt64? = nil
    ) throws -> AuditHead {
        var options = AuditSegmentWriter.Options()
        options.frameEntries = 20
        options.segmentBytes = 4096
        let writer = try AuditSegmentWriter(
            directory: directory.path, head: head, options: options,
            signingKey: signed ? Array(signingKey.rawRepresentation) : nil)
        if let recovery {
            try writer.writeRecoverySeal(
                tail: recovery.crashTail, committed: committed ?? recovery.head.nextSeq, now: 0)
        }
        var written = 0
        while written < entries {
            let count = min(7, entries - written)
            var text = ""
            for k in 0..<count {
                let seq = writer.head.nextSeq + UInt64(k)
                let ts = String(format: "2026-11-26T10:%02d:%02dZ", Int(seq / 60), Int(seq % 60))
                text += #"{"seq":\#(seq),"ts":"\#(ts)","client":"c\#(seq % 5)","decision":"allow"}"# + "\n"
            }
            let first = Int64(writer.head.nextSeq)
            let times = (Self.base + first * 1000, Self.base + (first + Int64(count) - 1) * 1000)
            try Array(text.utf8).withUnsafeBytes { try writer.append($0, count: count, now: 0, eventTimes: times) }
            try writer.flush()
            if writer.sealIsDue(now: 0) { try writer.seal() }
            written += count
        }
        if !crash { try writer.closeSegment() }
        return writer.head
    }

    static func verify(_ directory: Directory, publicKey: Bool = true, head: AuditHead? = nil) throws -> AuditReport {
        try AuditVerifier(publicKey: publicKey ? Array(signingKey.publicKey.rawRepresentation) : nil)
            .verify(
                [directory.path],
                anchor: head.map { head in
                    var anchor = AuditAnchor(origin: nil, head: head)
                    if publicKey { anchor.signature = Array(try signingKey.signature(for: anchor.signedMessage)) }
                    return anchor
                })
    }

    /// Writes the archive of ``write(_:entries:signed:crash:head:)``; returns its second segment, that segment's
    /// bytes, and the range of its first data frame in them.
    static func firstDataFrame(_ directory: Directory) throws -> (segment: String, bytes: [UInt8], data: Range<Int>) {
        try write(directory)
        let segment = directory.segments[1]
        let bytes = try Self.bytes(segment)
        return (segment, bytes, AuditSegmentLayout.frames(bytes).first { $0.kind == .data }!.range)
    }

    static func bytes(_ path: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path))) }
    static func store(_ bytes: [UInt8], _ path: String) throws { try Data(bytes).write(to: URL(fileURLWithPath: path)) }

    /// Runs a command; returns its status and standard output.
    static func run(_ command: String) throws -> (Int32, String) {
        let (status, output) = try runBytes(command)
        return (status, String(decoding: output, as: UTF8.self))
    }

    static func runBytes(_ command: String) throws -> (Int32, [UInt8]) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, Array(output))
    }

    @Test("an intact archive verifies, and the real zstd tools read it: zstd -t passes, zstdcat gives every entry")
    func intact() throws {
        let directory = try Directory()
        let head = try Self.write(directory)
        let report = try Self.verify(directory, head: head)
        #expect(report.isIntact, "\(report.problems)")
        #expect(report.entries == 200)
        #expect(report.segments > 3, "the archive did not rotate: \(report.segments) segments")
        #expect(report.head == head)
        #expect(report.notes.isEmpty, "\(report.notes)")
        let (tested, _) = try Self.run("zstd -t -q '\(directory.path)'/*.zst")
        #expect(tested == 0, "zstd -t rejected a segment")
        let (status, lines) = try Self.run("zstdcat '\(directory.path)'/*.zst | wc -l")
        #expect(status == 0 && lines.trimmingCharacters(in: .whitespacesAndNewlines) == "200")
        for segment in directory.segments {
            let attributes = try FileManager.default.attributesOfItem(atPath: segment)
            #expect((attributes[.posixPermissions] as? Int) == 0o640)
        }
        let mode = try FileManager.default.attributesOfItem(atPath: directory.path)[.posixPermissions] as? Int
        #expect(mode == 0o750 || mode == 0o755, "directory mode \(String(mode ?? 0, radix: 8))")
    }

    @Test(
        "the compressor keeps the order of what is handed over, whoever compresses it: racing helpers, or its thread",
        arguments: [false, true])
    func compressorOrder(ownThread: Bool) throws {
        let directory = try Directory()
        var options = AuditSegmentWriter.Options()
        options.frameEntries = 50
        let writer = try AuditSegmentWriter(directory: directory.path, head: AuditHead(), options: options)
        let compressor = AuditCompressor(writer, ownThread: ownThread)
        final class Flag: Sendable { let raised = Atomic<Bool>(false) }
        let stop = Flag()
        let helpers = (0..<2).map { _ in
            Thread {
                while !stop.raised.load(ordering: .relaxed) { if !compressor.help() { sched_yield() } }
            }
        }
        for helper in helpers { helper.start() }
        var seq: UInt64 = 1
        var lines = WriterBuffer(capacity: 1 << 12)
        for batch in 0..<300 {
            let count = batch % 9 + 1
            for _ in 0..<count {
                let text = #"{"seq":\#(seq),"ts":"2026-11-26T10:00:00Z"}"# + "\n"
                Array(text.utf8).withUnsafeBytes { lines.append(contentsOf: $0) }
                seq += 1
            }
            compressor.submit(&lines, count: count, now: 0, eventTimes: (Self.base, Self.base))
            #expect(lines.isEmpty)
            if batch % 37 == 0 {
                let head = try compressor.flush().head
                #expect(head.nextSeq == seq, "a flush returned before everything handed over was written")
                try compressor.sealIfDue(now: 0)
            }
        }
        let head = try compressor.close().head
        stop.raised.store(true, ordering: .relaxed)
        #expect(head.nextSeq == seq)
        #expect(throws: AuditError.self) { try compressor.close() }
        let report = try Self.verify(directory, publicKey: false, head: head)
        #expect(report.isIntact, "\(report.problems)")
        #expect(report.entries == Int(seq - 1))
        let (status, text) = try Self.run("zstdcat '\(directory.path)'/*.zst")
        let numbers = text.split(separator: "\n").map { line in
            Int(line.dropFirst(7).prefix { $0.isNumber }) ?? -1
        }
        #expect(status == 0 && numbers == Array(1..<Int(seq)), "entries out of order or lost")
    }

    @Test("segments rotate by age, and frames are sealed by age, on the clock the writer is given")
    func rotationByAge() throws {
        let directory = try Directory()
        var options = AuditSegmentWriter.Options()
        options.segmentAge = 60
        options.flushInterval = 10
        let writer = try AuditSegmentWriter(directory: directory.path, head: AuditHead(), options: options)
        for (k, now) in [0.0, 5, 12, 30, 61, 62, 200].enumerated() {
            let line = Array(#"{"seq":\#(k + 1),"ts":"2026-11-26T10:00:0\#(k)Z"}"#.utf8) + [0x0A]
            let time = Self.base + Int64(k) * 1000
            try line.withUnsafeBytes { try writer.append($0, count: 1, now: now, eventTimes: (time, time)) }
            try writer.flush()
            if writer.sealIsDue(now: now) { try writer.seal() }
        }
        try writer.closeSegment()
        // Segments opened at 0, 61 and 200. Frames: [0, 5, 12] sealed at 12 (10 s old), [30] sealed when its
        // segment rotated at 61, [61, 62] when the next rotated at 200, and [200] at the close.
        #expect(directory.segments.count == 3, "\(directory.segments)")
        let report = try Self.verify(directory, publicKey: false)
        #expect(report.isIntact, "\(report.problems)")
        #expect(report.entries == 7)
        #expect(report.frames == 4, "\(report.frames) frames")
    }

    @Test("1000 random bit flips anywhere in a closed segment: verify never crashes, and names every one")
    func randomFlips() throws {
        let directory = try Directory()
        try Self.write(directory)
        let segment = directory.segments[1]
        let original = try Self.bytes(segment)
        var state: UInt64 = 20_261_127
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        var missed: [Int] = []
        var differ: [Int] = []
        let verifier = try AuditVerifier(publicKey: Array(Self.signingKey.publicKey.rawRepresentation))
        for _ in 0..<1000 {
            var bytes = original
            let at = Int(next() % UInt64(bytes.count))
            bytes[at] ^= UInt8(1 << (next() % 8))
            try Self.store(bytes, segment)
            let report = try Self.verify(directory)
            if report.isIntact { missed.append(at) }
            // With a visitor the frames are checked in order on one thread; without, in parallel: same findings.
            let inOrder = try verifier.verify([directory.path], entries: { _ in })
            if inOrder.problems != report.problems || inOrder.notes != report.notes { differ.append(at) }
        }
        try Self.store(original, segment)
        // Seals carry the SHA-256 of the stored bytes too, and hex is lower case only: every flip is named, even
        // one in a zstd header bit that would decode to the same content.
        #expect(missed.isEmpty, "undetected flips at offsets \(missed) of \(original.count)")
        #expect(differ.isEmpty, "the parallel and in-order checks differ for flips at \(differ)")
        #expect(try Self.verify(directory).frames > directory.segments.count, "one frame per segment: not parallel")
    }

    @Test("a flipped byte in a data frame is named")
    func flippedDataByte() throws {
        let directory = try Directory()
        var (segment, bytes, data) = try Self.firstDataFrame(directory)
        bytes[data.lowerBound + data.count / 2] ^= 0x20
        try Self.store(bytes, segment)
        let report = try Self.verify(directory)
        #expect(!report.isIntact)
        #expect(
            report.problems.contains {
                switch $0 {
                case .dataFrameCorrupt(_, frame: 0), .contentMismatch(_, frame: 0): true
                default: false
                }
            }, "\(report.problems)")
    }

    @Test("a data frame that expands to 1 GiB without a newline is named, and read in bounded memory")
    func decompressionBomb() throws {
        let directory = try Directory()
        var (segment, bytes, data) = try Self.firstDataFrame(directory)
        let (status, bomb) = try Self.runBytes("head -c 1073741824 /dev/zero | zstd -1 -q -c")
        #expect(status == 0 && bomb.count < 1 << 20, "zstd made \(bomb.count) bytes")
        bytes.replaceSubrange(data, with: bomb)
        try Self.store(bytes, segment)
        let before = Self.peakResidentBytes()
        let report = try Self.verify(directory)
        let grown = Self.peakResidentBytes() - before
        #expect(
            report.problems.contains { if case .oversizedEntry(_, frame: 0) = $0 { true } else { false } },
            "\(report.problems)")
        // The decoder stops at the 16 MiB entry limit; one that decompressed the frame whole would take 1 GiB.
        #expect(grown < 256 << 20, "verify's peak memory grew by \(grown >> 20) MiB")
        var reader = AuditReader()
        #expect(throws: AuditError.self) { try reader.forEachEntry([directory.path], wanted: { _ in true }) { _ in } }
        #expect(Self.peakResidentBytes() - before < 256 << 20)
    }

    /// This process's peak resident memory so far (Linux reports `ru_maxrss` in KiB).
    static func peakResidentBytes() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss * 1024
    }

    @Test("a flipped byte in a seal is named")
    func flippedSealByte() throws {
        let directory = try Directory()
        try Self.write(directory)
        let segment = directory.segments[1]
        var bytes = try Self.bytes(segment)
        let seal = AuditSegmentLayout.frames(bytes).first { $0.kind == .seal }!
        // Inside the sha256 hex digits: still JSON, but a different digest.
        let text = String(decoding: bytes[seal.range], as: UTF8.self)
        let at = text.utf8.distance(
            from: text.utf8.startIndex, to: text.range(of: "\"sha256\":\"")!.upperBound.samePosition(in: text.utf8)!)
        bytes[seal.range.lowerBound + at] = bytes[seal.range.lowerBound + at] == UInt8(ascii: "0") ? 0x31 : 0x30
        try Self.store(bytes, segment)
        let report = try Self.verify(directory)
        #expect(
            report.problems.contains { if case .contentMismatch = $0 { true } else { false } }, "\(report.problems)")
        #expect(
            report.problems.contains {
                switch $0 {
                case .sealChainMismatch(_, seal: .frame), .signatureInvalid: true
                default: false
                }
            })
    }

    @Test("a deleted frame (with its seal) breaks the chain and the seq")
    func deletedFrame() throws {
        let directory = try Directory()
        try Self.write(directory)
        let segment = directory.segments[1]
        var bytes = try Self.bytes(segment)
        let frames = AuditSegmentLayout.frames(bytes)
        bytes.removeSubrange(frames[0].range.lowerBound..<frames[1].range.upperBound)
        try Self.store(bytes, segment)
        let report = try Self.verify(directory)
        #expect(report.problems.contains { if case .chainBroken = $0 { true } else { false } }, "\(report.problems)")
        #expect(report.problems.contains { if case .seqJump = $0 { true } else { false } })
    }

    @Test("two swapped frames are named")
    func swappedFrames() throws {
        let directory = try Directory()
        try Self.write(directory)
        let segment = directory.segments[0]
        let bytes = try Self.bytes(segment)
        let frames = AuditSegmentLayout.frames(bytes)
        try #require(frames.count >= 5 && frames[2].kind == .data)
        let first = Array(bytes[frames[0].range.lowerBound..<frames[1].range.upperBound])
        let second = Array(bytes[frames[2].range.lowerBound..<frames[3].range.upperBound])
        let swapped = second + first + Array(bytes[frames[3].range.upperBound...])
        try Self.store(swapped, segment)
        let report = try Self.verify(directory)
        #expect(
            report.problems.contains { if case .sealOfOtherFrame = $0 { true } else { false } }, "\(report.problems)")
        #expect(report.problems.contains { if case .seqJump = $0 { true } else { false } })
    }

    @Test("a truncated last segment is a crash tail on its own, and a cut tail against the ledger's head")
    func truncatedTail() throws {
        let directory = try Directory()
        let head = try Self.write(directory)
        let segment = directory.segments.last!
        let bytes = try Self.bytes(segment)
        let frames = AuditSegmentLayout.frames(bytes)
        let lastData = frames.last { $0.kind == .data }!
        try Self.store(Array(bytes[..<(lastData.range.lowerBound + lastData.range.count / 2)]), segment)
        let alone = try Self.verify(directory)
        #expect(alone.isIntact, "\(alone.problems)")
        #expect(alone.notes.contains { $0.contains("crash tail") }, "\(alone.notes)")
        let withLedger = try Self.verify(directory, head: head)
        // The last seal went with the cut: the ledger's head names a chain the archive no longer has.
        #expect(
            withLedger.problems.contains { if case .ledgerHeadMissing = $0 { true } else { false } },
            "\(withLedger.problems)")
    }

    @Test(
        "a crash (frame flushed, never sealed) leaves a readable tail that verify accepts, and the next run continues the chain"
    )
    func crashTail() throws {
        let directory = try Directory()
        let crashed = try Self.write(directory, entries: 95, crash: true)
        let report = try Self.verify(directory)
        #expect(report.isIntact, "\(report.problems)")
        #expect(report.entries == 95, "the unsealed tail's entries are readable")
        #expect(report.notes.contains { $0.contains("crash tail") }, "\(report.notes)")
        let (status, lines) = try Self.run("zstdcat '\(directory.path)'/*.zst 2>/dev/null | wc -l")
        _ = status
        #expect(lines.trimmingCharacters(in: .whitespacesAndNewlines) == "95", "zstdcat reads the tail too")
        // Resume: a new segment that starts with a recovery seal of the tail, chained to the last seal, seq
        // after the tail.
        let point = try #require(try AuditVerifier.resume(directory: directory.path, anchor: nil))
        #expect(point.needsRecovery)
        #expect(point.crashTail?.first == 85 && point.crashTail?.last == 95, "\(String(describing: point.crashTail))")
        #expect(point.head.nextSeq == crashed.nextSeq)
        let unsealed = try Directory()
        try FileManager.default.removeItem(atPath: unsealed.path)
        try FileManager.default.copyItem(atPath: directory.path, toPath: unsealed.path)
        try Self.write(directory, entries: 30, head: point.head, recovery: point, committed: 90)
        let after = try Self.verify(directory)
        #expect(after.isIntact, "\(after.problems)")
        #expect(after.entries == 125)
        #expect(after.uncommitted == [90...95], "the recovery seal says what was never committed")
        // Resumed the old way, chained to the last seal but without sealing the tail: the tail stays open to edits,
        // which verify names.
        try Self.write(unsealed, entries: 30, head: point.head)
        let old = try Self.verify(unsealed)
        #expect(
            old.problems.contains { if case .crashTailNotRecovered = $0 { true } else { false } }, "\(old.problems)")
    }

    @Test("a seal that a JSON reader takes for the same one but is not the writer's bytes is unreadable")
    func nonCanonicalSeal() throws {
        for (from, to) in [
            (#""first":1,"#, #""first":1.0,"#), (#""frame":0,"#, #""frame":0 ,"#),
            (#""first":1,"#, #""first":1,"first":1,"#), (#""entries":"#, #" "entries":"#),
        ] {
            let directory = try Directory()
            try Self.write(directory)
            let segment = directory.segments[0]
            let bytes = try Self.bytes(segment)
            let seal = try #require(AuditSegmentLayout.frames(bytes).first { $0.kind == .seal })
            let text = String(decoding: bytes[(seal.range.lowerBound + 8)..<seal.range.upperBound], as: UTF8.self)
            #expect(text.contains(from))
            let edited = AuditSegmentWriter.skippableFrame(
                magic: AuditSegmentWriter.sealMagic, payload: Array(text.replacingOccurrences(of: from, with: to).utf8))
            try Self.store(Array(bytes[..<seal.range.lowerBound]) + edited + bytes[seal.range.upperBound...], segment)
            let report = try Self.verify(directory)
            #expect(
                report.problems.contains { if case .sealUnreadable = $0 { true } else { false } }, "\(from) → \(to)")
        }
    }

    @Test("a planted frame of a gigabyte of empty lines, or a sparse file of 100 GiB, is named without reading it all")
    func decompressionBombs() throws {
        let directory = try Directory()
        try Self.write(directory)
        // A zstd frame of 8,192 RLE blocks of 128 KiB of newlines: 24 KiB stored, 1 GiB decoded.
        var bomb: [UInt8] = [0x28, 0xB5, 0x2F, 0xFD, 0x04, 0x58]
        let header = (131_072 << 3) | (1 << 1)
        let block: [UInt8] = [UInt8(header & 255), UInt8((header >> 8) & 255), UInt8((header >> 16) & 255), 0x0A]
        for _ in 0..<8192 { bomb += block }
        let planted = directory.path + "/audit-20991231T000000Z-000099.zst"
        try Self.store(bomb, planted)
        let report = try Self.verify(directory)
        #expect(
            report.problems.contains { if case .entryWithoutSeq = $0 { true } else { false } }, "\(report.problems)")
        // audit cat and report read without verifying, and stop at the first line that is no entry.
        var reader = AuditReader()
        var read = 0
        #expect(throws: AuditError.self) {
            try reader.forEachEntry([directory.path], wanted: { _ in true }) { _ in read += 1 }
        }
        #expect(read == 200, "read \(read) entries before the planted frame's first line")
        try FileManager.default.removeItem(atPath: planted)
        // A sparse file: 0 bytes stored.
        #expect(FileManager.default.createFile(atPath: planted, contents: nil))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: planted))
        try handle.truncate(atOffset: 100 << 30)
        try handle.close()
        let sparse = try Self.verify(directory)
        #expect(
            sparse.problems.contains { if case .dataFrameCutShort = $0 { true } else { false } }, "\(sparse.problems)")
    }

    @Test("with the key, an unsigned anchor is refused when any seal of the archive is signed, not only the last ones")
    func unsignedAnchorOnSignedArchive() throws {
        let directory = try Directory()
        // Segments signed at first, then (signatures stripped, or a run without the key) unsigned at the end.
        let signedHead = try Self.write(directory, entries: 60)
        let head = try Self.write(directory, entries: 60, signed: false, head: signedHead)
        let publicKey = Array(Self.signingKey.publicKey.rawRepresentation)
        let unsigned = AuditAnchor(origin: AuditHead(), head: head)
        #expect(throws: AuditError.self) {
            try AuditVerifier.resume(directory: directory.path, anchor: unsigned, publicKey: publicKey)
        }
        // An archive that was never signed may start being signed.
        let plain = try Directory()
        let plainHead = try Self.write(plain, entries: 60, signed: false)
        let point = try AuditVerifier.resume(
            directory: plain.path, anchor: AuditAnchor(origin: AuditHead(), head: plainHead), publicKey: publicKey)
        #expect(point?.head.nextSeq == plainHead.nextSeq)
    }

    @Test("a deleted middle segment is named")
    func deletedSegment() throws {
        let directory = try Directory()
        try Self.write(directory)
        try FileManager.default.removeItem(atPath: directory.segments[1])
        let report = try Self.verify(directory)
        #expect(
            report.problems.contains { if case .segmentsMissing = $0 { true } else { false } }, "\(report.problems)")
        #expect(report.problems.contains { if case .chainBroken = $0 { true } else { false } })
    }

    @Test("renamed or reordered segments are named")
    func reorderedSegments() throws {
        let directory = try Directory()
        try Self.write(directory)
        let segments = directory.segments
        let a = segments[0]
        let b = segments[1]
        try FileManager.default.moveItem(atPath: a, toPath: a + ".tmp")
        try FileManager.default.moveItem(atPath: b, toPath: a)
        try FileManager.default.moveItem(atPath: a + ".tmp", toPath: b)
        let report = try Self.verify(directory)
        #expect(
            report.problems.contains { if case .sealNamesOtherSegment = $0 { true } else { false } },
            "\(report.problems)")
        #expect(report.problems.contains { if case .chainBroken = $0 { true } else { false } })
    }

    @Test("seals recomputed without the signing key pass the chain but not --public-key")
    func forgedSeals() throws {
        let directory = try Directory()
        try Self.write(directory)
        // The attacker rewrites an entry of the first frame and recomputes every seal after it, consistently,
        // but cannot sign: the forged seals carry no signature, or a signature from another key.
        let forger = Curve25519.Signing.PrivateKey()
        var chain = AuditSeal.genesis
        var edited = false
        for segment in directory.segments {
            let bytes = try Self.bytes(segment)
            var out: [UInt8] = []
            var content: [UInt8] = []
            for frame in AuditSegmentLayout.frames(bytes) {
                switch frame.kind {
                case .data:
                    var text = String(decoding: try Self.decompress(Array(bytes[frame.range])), as: UTF8.self)
                    if !edited {
                        text = text.replacingOccurrences(of: "\"decision\":\"allow\"", with: "\"decision\":\"deny\"")
                        edited = true
                    }
                    content = Array(text.utf8)
                    out += try Self.compress(content)
                case .seal:
                    var seal = AuditSeal(json: bytes[(frame.range.lowerBound + 8)..<frame.range.upperBound])!
                    seal.sha256 = Array(SHA256.hash(data: content))
                    seal.prev = chain
                    seal.chain = seal.computedChain
                    seal.signature = Array(try forger.signature(for: seal.chain))
                    chain = seal.chain
                    out += AuditSegmentWriter.skippableFrame(magic: AuditSegmentWriter.sealMagic, payload: seal.json)
                case .seekTable, .other:
                    break
                }
            }
            try Self.store(out, segment)
        }
        let unchecked = try Self.verify(directory, publicKey: false)
        #expect(
            unchecked.problems.allSatisfy {
                switch $0 {
                case .contentMismatch, .chainBroken, .sealChainMismatch, .firstSealNotGenesis, .startDeleted,
                    .ledgerHeadMissing:
                    false
                default: true
                }
            }, "\(unchecked.problems)")
        let checked = try Self.verify(directory)
        #expect(
            checked.problems.contains { if case .signatureInvalid = $0 { true } else { false } }, "\(checked.problems)")
    }

    @Test("an entry edited and its own seal recomputed breaks the chain at the next seal, and the signature")
    func editedEntry() throws {
        let directory = try Directory()
        try Self.write(directory)
        let segment = directory.segments[0]
        let bytes = try Self.bytes(segment)
        let frames = AuditSegmentLayout.frames(bytes)
        let text = String(decoding: try Self.decompress(Array(bytes[frames[0].range])), as: UTF8.self)
        let content = Array(text.replacingOccurrences(of: "\"client\":\"c1\"", with: "\"client\":\"cX\"").utf8)
        var seal = AuditSeal(json: bytes[(frames[1].range.lowerBound + 8)..<frames[1].range.upperBound])!
        seal.sha256 = Array(SHA256.hash(data: content))
        seal.chain = AuditSeal.chain(prev: seal.prev, sha256: seal.sha256, first: seal.first, last: seal.last)
        let forged =
            try Self.compress(content)
            + AuditSegmentWriter.skippableFrame(magic: AuditSegmentWriter.sealMagic, payload: seal.json)
            + Array(bytes[frames[1].range.upperBound...])
        try Self.store(forged, segment)
        let report = try Self.verify(directory)
        #expect(
            report.problems.contains { if case .chainBroken(_, seal: .frame(1)) = $0 { true } else { false } },
            "\(report.problems)")
        #expect(
            report.problems.contains { if case .signatureInvalid(_, seal: .frame(0)) = $0 { true } else { false } })
    }

    /// A zstd frame decoded, and content encoded, by the zstd command-line tool.
    static func decompress(_ frame: [UInt8]) throws -> [UInt8] { try zstd("-d", frame) }

    static func compress(_ content: [UInt8]) throws -> [UInt8] { try zstd("", content) }

    static func zstd(_ flags: String, _ input: [UInt8]) throws -> [UInt8] {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("z-\(UUID().uuidString)")
        try Data(input).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let (status, output) = try runBytes("zstd \(flags) -q -c '\(file.path)'")
        #expect(status == 0, "zstd \(flags) failed")
        return output
    }
}
