internal import CZstd
import Foundation

/// The one decoder of audit data frames, shared by ``AuditVerifier`` and ``AuditReader``: it streams a frame
/// through libzstd into one small reused buffer and hands out its whole lines, so that a frame of any size (a
/// hostile one that expands to gigabytes included) is read in bounded memory, and its bytes are hashed and scanned
/// while they are still in the cache.
final class AuditFrameDecoder {
    /// The longest entry a frame may hold, in bytes. dpwall's own entries are a few hundred bytes (their longest
    /// parts, the record's id and client, are cut by the input's line limit); a longer line is not one of them.
    static let maxEntryBytes = 16 << 20

    /// What decoding a frame found.
    enum Outcome: Equatable {
        /// The frame decoded to its end.
        case complete
        /// The input ran out inside the frame (a crash tail); the whole lines before the cut were handed out.
        case cut
        /// The bytes do not decode (or a complete frame ends early).
        case corrupt
        /// A line longer than ``maxEntryBytes``.
        case oversizedEntry
    }

    private let context: OpaquePointer
    private let chunk: UnsafeMutableRawBufferPointer
    /// The start of a line that runs past the current chunk.
    private var carry: [UInt8] = []

    /// A decoder with its own libzstd context and buffer (one per thread).
    init() {
        context = ZSTD_createDCtx()!
        chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: ZSTD_DStreamOutSize(), alignment: 64)
    }

    deinit {
        ZSTD_freeDCtx(context)
        chunk.deallocate()
    }

    /// Decodes one zstd frame. `bytes` sees every decompressed chunk, in order (for a digest); `line` sees each
    /// `\n`-terminated line without its newline, and, for a frame that decodes to its end, a last line without
    /// one. Of a frame cut short (`complete` false, what a crash leaves), the lines before the cut are handed out
    /// and the part line after the last newline is not.
    func decode(
        _ frame: UnsafeRawBufferPointer, complete: Bool, bytes: (UnsafeRawBufferPointer) -> Void,
        line: (UnsafeRawBufferPointer) throws -> Void
    ) rethrows -> Outcome {
        ZSTD_DCtx_reset(context, ZSTD_reset_session_only)
        carry.removeAll(keepingCapacity: true)
        defer { if carry.capacity > 1 << 20 { carry = [] } }
        var source = ZSTD_inBuffer(src: frame.baseAddress, size: frame.count, pos: 0)
        while true {
            var sink = ZSTD_outBuffer(dst: chunk.baseAddress, size: chunk.count, pos: 0)
            let status = ZSTD_decompressStream(context, &sink, &source)
            if ZSTD_isError(status) != 0 { return .corrupt }
            let out = UnsafeRawBufferPointer(start: chunk.baseAddress, count: sink.pos)
            bytes(out)
            if try !split(out, line) { return .oversizedEntry }
            if status == 0 { break }
            if source.pos == source.size && sink.pos < sink.size {
                // The input ran out inside the frame.
                return complete ? .corrupt : .cut
            }
        }
        if !carry.isEmpty {
            try carry.withUnsafeBytes { try line($0) }
            carry.removeAll(keepingCapacity: true)
        }
        return .complete
    }

    /// ``decode(_:complete:bytes:line:)`` whose `line` may throw ``AuditVerifier/StopDecoding`` to stop early:
    /// then `stopped` is set and the outcome is what was decoded so far (a frame that is known to be altered need
    /// not be decoded to its end).
    func decodeStopping(
        _ frame: UnsafeRawBufferPointer, complete: Bool, stopped: inout Bool, bytes: (UnsafeRawBufferPointer) -> Void,
        line: (UnsafeRawBufferPointer) throws -> Void
    ) -> Outcome {
        do {
            return try decode(frame, complete: complete, bytes: bytes, line: line)
        } catch {
            stopped = true
            return .corrupt
        }
    }

    /// Hands out the whole lines of `out`, the carried start of a line first; keeps the part line at its end.
    /// False when a line grows past ``maxEntryBytes``.
    private func split(_ out: UnsafeRawBufferPointer, _ line: (UnsafeRawBufferPointer) throws -> Void) rethrows -> Bool
    {
        guard let base = out.baseAddress else { return true }
        var start = 0
        while start < out.count {
            guard let newline = memchr(base + start, 0x0A, out.count - start) else {
                guard carry.count + out.count - start <= Self.maxEntryBytes else { return false }
                carry.append(contentsOf: UnsafeRawBufferPointer(rebasing: out[start...]))
                return true
            }
            let end = base.distance(to: UnsafeRawPointer(newline))
            if carry.isEmpty {
                try line(UnsafeRawBufferPointer(rebasing: out[start..<end]))
            } else {
                guard carry.count + end - start <= Self.maxEntryBytes else { return false }
                carry.append(contentsOf: UnsafeRawBufferPointer(rebasing: out[start..<end]))
                try carry.withUnsafeBytes { try line($0) }
                carry.removeAll(keepingCapacity: true)
            }
            start = end + 1
        }
        return true
    }
}
