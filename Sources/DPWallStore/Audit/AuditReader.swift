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
        for file in try AuditVerifier.segments(paths) {
            guard let mapped = MappedFile(path: file) else { throw AuditError(message: "\(file): cannot be read") }
            let bytes = mapped.bytes
            let frames = AuditSegmentLayout.frames(bytes)
            var consumed = 0
            for (k, frame) in frames.enumerated() {
                consumed = frame.range.upperBound
                guard frame.kind == .data else { continue }
                if k + 1 < frames.count, frames[k + 1].kind == .seal,
                    let seal = AuditSeal(
                        json: bytes[(frames[k + 1].range.lowerBound + 8)..<frames[k + 1].range.upperBound]),
                    !wanted(seal)
                {
                    framesSkipped += 1
                    continue
                }
                framesRead += 1
                let outcome = try decoder.decode(
                    UnsafeRawBufferPointer(rebasing: bytes[frame.range]), complete: true, bytes: { _ in }, line: body)
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
                    UnsafeRawBufferPointer(rebasing: bytes[consumed...]), complete: false, bytes: { _ in }, line: body)
            }
        }
    }
}
