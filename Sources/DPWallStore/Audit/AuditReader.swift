import Foundation

/// Reads an archive's entries for `dpwall audit cat`, frame by frame, skipping the frames whose seal says they
/// hold nothing wanted (the seal's event-time range), without decompressing them.
public struct AuditReader {
    /// Frames read and skipped so far.
    public private(set) var framesRead = 0, framesSkipped = 0

    /// A reader.
    public init() {}

    /// Calls `body` with every entry (one JSON line, without its newline) of the segments of `paths` in archive
    /// order, except those of data frames whose seal `wanted` rejects (an unsealed frame is always read).
    public mutating func forEachEntry(
        _ paths: [String], wanted: (AuditSeal) -> Bool, _ body: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        let decoder = AuditFrameDecoder()
        let files = try AuditVerifier.segments(paths)
        for (index, file) in files.enumerated() {
            guard let mapped = MappedFile(path: file) else { throw AuditError(message: "\(file): cannot be read") }
            let bytes = mapped.bytes
            let frames = AuditSegmentLayout.frames(bytes)
            // A crash tail's entries after what the next run's recovery seal covers were never committed (their
            // lines were never released, and anyone who could write the archive could have put them there): they
            // are not entries of the archive.
            let sealedUpTo = index + 1 < files.count ? Self.recoveredUpTo(files[index + 1], of: file) : nil
            // An entry that does not start with its `seq` is not one of the writer's: reading stops there, so a
            // planted frame of a gigabyte of empty lines costs one line (audit verify names it).
            func entry(_ line: UnsafeRawBufferPointer) throws {
                guard AuditVerifier.leadingSeq(line).0 != nil else {
                    throw AuditError(
                        message: "\(file): an entry does not start with its seq (altered); run dpwall audit verify",
                        exitStatus: 65)
                }
                try body(line)
            }
            func tailBody(_ line: UnsafeRawBufferPointer) throws {
                if let sealedUpTo, let seq = AuditVerifier.leadingSeq(line).0, seq > sealedUpTo { return }
                try entry(line)
            }
            var consumed = 0
            for (k, frame) in frames.enumerated() {
                consumed = frame.range.upperBound
                guard frame.kind == .data else { continue }
                let unsealed = k + 1 >= frames.count || frames[k + 1].kind != .seal
                if k + 1 < frames.count, frames[k + 1].kind == .seal,
                    let seal = AuditSeal(json: AuditSegmentLayout.payload(bytes, frames[k + 1].range)),
                    !wanted(seal)
                {
                    framesSkipped += 1
                    continue
                }
                framesRead += 1
                let outcome = try decoder.decode(
                    UnsafeRawBufferPointer(rebasing: bytes[frame.range]), complete: true, bytes: { _ in },
                    line: unsealed ? tailBody : entry)
                switch outcome {
                case .complete: break
                case .oversizedEntry:
                    throw AuditError(
                        message: "\(file): a data frame holds an entry over \(AuditFrameDecoder.maxEntryBytes) bytes "
                            + "(run audit verify)")
                case .cut, .corrupt:
                    throw AuditError(message: "\(file): a data frame does not decompress (run audit verify)")
                }
            }
            // A crash tail: an unfinished frame at the end; its whole lines are entries too.
            if consumed < bytes.count {
                framesRead += 1
                _ = try decoder.decode(
                    UnsafeRawBufferPointer(rebasing: bytes[consumed...]), complete: false, bytes: { _ in },
                    line: tailBody)
            }
        }
    }

    /// The last `seq` that the recovery seal starting segment `next` seals of `file`'s crash tail, if it starts
    /// with one for it.
    static func recoveredUpTo(_ next: String, of file: String) -> UInt64? {
        guard let mapped = MappedFile(path: next), let first = AuditSegmentLayout.frames(mapped.bytes).first,
            first.kind == .seal,
            let seal = AuditSeal(json: AuditSegmentLayout.payload(mapped.bytes, first.range)),
            seal.isRecovery, seal.segment == (file as NSString).lastPathComponent
        else { return nil }
        return seal.last
    }
}
