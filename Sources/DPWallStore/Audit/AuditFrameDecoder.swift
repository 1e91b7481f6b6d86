internal import CZstd
import Foundation

/// The one decoder of audit data frames, shared by ``AuditVerifier`` and ``AuditReader``.
enum AuditFrameDecoder {
    /// Decompresses one zstd frame into `content` (reused storage: one buffer for every frame, so that its pages
    /// are faulted in once). Of an unfinished frame (`complete` false, what a crash leaves), as much as decodes,
    /// cut to its whole lines. False when the bytes do not decode (a complete frame that ends early included).
    static func decompress(_ frame: UnsafeRawBufferPointer, complete: Bool, into content: inout [UInt8]) -> Bool {
        content.removeAll(keepingCapacity: true)
        guard let context = ZSTD_createDCtx() else { return false }
        defer { ZSTD_freeDCtx(context) }
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: ZSTD_DStreamOutSize(), alignment: 16)
        defer { chunk.deallocate() }
        var source = ZSTD_inBuffer(src: frame.baseAddress, size: frame.count, pos: 0)
        var ok = true
        while true {
            var sink = ZSTD_outBuffer(dst: chunk.baseAddress, size: chunk.count, pos: 0)
            let status = ZSTD_decompressStream(context, &sink, &source)
            if ZSTD_isError(status) != 0 {
                ok = false
                break
            }
            content.append(contentsOf: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(chunk)[0..<sink.pos]))
            if status == 0 { break }
            if source.pos == source.size && sink.pos < sink.size {
                ok = !complete  // input ran out inside the frame
                break
            }
        }
        if !complete {
            if let end = content.lastIndex(of: 0x0A) {
                content.removeSubrange((end + 1)...)
            } else {
                content.removeAll(keepingCapacity: true)
            }
        }
        return ok
    }

    /// Calls `body` with each `\n`-terminated line of `content`, without its newline (found with `memchr`).
    static func forEachLine(
        _ content: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) throws -> Void
    ) rethrows {
        guard let base = content.baseAddress else { return }
        var start = 0
        while start < content.count {
            let end = memchr(base + start, 0x0A, content.count - start).map { base.distance(to: $0) } ?? content.count
            try body(UnsafeRawBufferPointer(rebasing: content[start..<end]))
            start = end + 1
        }
    }
}
