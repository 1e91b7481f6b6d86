internal import CZstd
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
        for file in try AuditVerifier.segments(paths) {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw AuditError(message: "\(file): cannot be read")
            }
            let bytes = [UInt8](data)
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
                let content = try Self.decompress(bytes[frame.range], complete: true)
                try content.withUnsafeBytes { try Self.forEachLine($0, body) }
            }
            // A crash tail: an unfinished frame at the end; its whole lines are entries too.
            if consumed < bytes.count {
                framesRead += 1
                let content = try Self.decompress(bytes[consumed...], complete: false)
                try content.withUnsafeBytes { try Self.forEachLine($0, body) }
            }
        }
    }

    private static func forEachLine(
        _ content: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        var start = 0
        while start < content.count {
            var end = start
            while end < content.count && content[end] != 0x0A { end += 1 }
            if end < content.count || end > start { try body(UnsafeRawBufferPointer(rebasing: content[start..<end])) }
            start = end + 1
        }
    }

    /// The content of one zstd frame; of an unfinished one (`complete` false), its whole lines.
    static func decompress(_ frame: ArraySlice<UInt8>, complete: Bool) throws -> [UInt8] {
        guard let context = ZSTD_createDCtx() else { throw AuditError(message: "cannot create a zstd decoder") }
        defer { ZSTD_freeDCtx(context) }
        var content: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: ZSTD_DStreamOutSize())
        try frame.withUnsafeBytes { input in
            var source = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
            while true {
                let (status, produced) = chunk.withUnsafeMutableBytes { out -> (Int, Int) in
                    var sink = ZSTD_outBuffer(dst: out.baseAddress, size: out.count, pos: 0)
                    let status = ZSTD_decompressStream(context, &sink, &source)
                    return (status, sink.pos)
                }
                if ZSTD_isError(status) != 0 {
                    if complete { throw AuditError(message: "a data frame does not decompress (run audit verify)") }
                    break
                }
                content.append(contentsOf: chunk[0..<produced])
                if status == 0 || (source.pos == source.size && produced < chunk.count) { break }
            }
        }
        if !complete {
            if let end = content.lastIndex(of: 0x0A) { content.removeSubrange((end + 1)...) } else { content = [] }
        }
        return content
    }
}
