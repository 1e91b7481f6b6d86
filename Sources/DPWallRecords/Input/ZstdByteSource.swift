import CZstd

/// A `.zst` file decompressed on the fly with libzstd's streaming API, in bounded memory.
///
/// Memory is the input buffer (`ZSTD_DStreamInSize`, about 128 KiB) plus the decoder's window, which is capped at
/// 2^27 bytes (libzstd's default `ZSTD_d_windowLogMax`): a hostile frame asking for a larger window is refused as
/// corrupt rather than allowed to allocate.
package final class ZstdByteSource: ByteSource {
    /// Largest window, as log2 bytes, that a frame may ask for.
    package static let windowLogMax: Int32 = 27

    private let file: any ByteSource
    private let context: OpaquePointer
    private let input: UnsafeMutableRawBufferPointer
    private var inputPosition = 0
    private var inputEnd = 0
    private var frameOpen = false
    private var finished = false
    private var decompressedBytes = 0

    package var name: String { file.name }
    package var totalBytes: Int? { file.totalBytes }
    package var consumedBytes: Int { file.consumedBytes }

    /// Wraps a source of compressed bytes.
    package init(_ file: any ByteSource) throws(InputError) {
        guard let dctx = ZSTD_createDCtx() else {
            throw InputError(.readFailed, "\(file.name): cannot create a zstd decoder (out of memory)")
        }
        let set = ZSTD_DCtx_setParameter(dctx, ZSTD_d_windowLogMax, Self.windowLogMax)
        if ZSTD_isError(set) != 0 {
            ZSTD_freeDCtx(dctx)
            throw InputError(.readFailed, "\(file.name): cannot configure the zstd decoder")
        }
        self.file = file
        self.context = dctx
        self.input = .allocate(byteCount: ZSTD_DStreamInSize(), alignment: 16)
    }

    deinit {
        ZSTD_freeDCtx(context)
        input.deallocate()
    }

    package func isReady() -> Bool { finished || inputPosition < inputEnd || file.isReady() }

    package func read(into buffer: UnsafeMutableRawBufferPointer) throws(InputError) -> Int {
        if finished || buffer.count == 0 { return 0 }
        while true {
            if inputPosition == inputEnd {
                let n = try file.read(into: input)
                if n == 0 {
                    finished = true
                    if frameOpen {
                        throw InputError(
                            .corruptData,
                            "\(name): truncated zstd stream (ends inside a frame after \(decompressedBytes) "
                                + "decompressed bytes)")
                    }
                    return 0
                }
                inputPosition = 0
                inputEnd = n
            }
            let produced: Int
            let result: Int
            var inBuffer = ZSTD_inBuffer(src: input.baseAddress, size: inputEnd, pos: inputPosition)
            var outBuffer = ZSTD_outBuffer(dst: buffer.baseAddress, size: buffer.count, pos: 0)
            result = ZSTD_decompressStream(context, &outBuffer, &inBuffer)
            inputPosition = inBuffer.pos
            produced = outBuffer.pos
            if ZSTD_isError(result) != 0 {
                finished = true
                let reason = String(cString: ZSTD_getErrorName(result))
                throw InputError(
                    .corruptData, "\(name): corrupt zstd data after \(decompressedBytes) decompressed bytes: \(reason)")
            }
            // result == 0: a frame was completely decoded and flushed.
            frameOpen = result != 0
            decompressedBytes += produced
            if produced > 0 { return produced }
        }
    }
}
