#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One input line, without its `\n` or `\r\n`.
package struct InputLine {
    /// The line's bytes; valid only during the callback. For a too-large line, its first ``rawPrefixLimit`` bytes.
    package var bytes: UnsafeRawBufferPointer
    /// The line number, 1-based, counted across all inputs in order (so output line N answers input line N).
    package var number: Int
    /// Index of the input (file argument) the line came from.
    package var inputIndex: Int
    /// The line number within its own input, 1-based.
    package var inputLine: Int
    /// The full length in bytes when the line was longer than the limit (then `bytes` is only a prefix), else nil.
    package var oversizeLength: Int?

    /// Makes a line description.
    package init(
        bytes: UnsafeRawBufferPointer, number: Int, inputIndex: Int, inputLine: Int, oversizeLength: Int?
    ) {
        self.bytes = bytes
        self.number = number
        self.inputIndex = inputIndex
        self.inputLine = inputLine
        self.oversizeLength = oversizeLength
    }
}

/// Splits a sequence of inputs into lines, never holding more than `maxRecordBytes` of one line.
///
/// Each call to ``next(_:)`` does one `read(2)` (or one decompression step), then hands every complete line in
/// the buffer to the callback, so a slow pipe is answered line by line while a fast file is handled in large
/// chunks. Memory is fixed at construction: `maxRecordBytes + chunkBytes` plus a 4 KiB prefix buffer. A line
/// longer than the limit is skipped to its newline and reported with ``InputLine/oversizeLength`` set.
package final class LineReader {
    /// How many bytes of an over-long line are kept (for `--rejects`).
    package static let rawPrefixLimit = 4096

    private let paths: [String]
    private let maxRecordBytes: Int
    private let chunkBytes: Int
    private let storage: UnsafeMutableRawBufferPointer
    private let prefix: UnsafeMutableRawBufferPointer
    private var prefixCount = 0
    private var source: (any ByteSource)?
    private var inputIndex = -1
    private var inputLine = 0
    private var lineNumber = 0
    private var fill = 0
    private var skipping = false
    private var skippedBytes = 0
    private var closedInputsBytes = 0

    /// Checked before each read and when a read is interrupted; returning true ends the input early.
    package var shouldStop: () -> Bool = { false }
    /// A descriptor that becomes readable when ``shouldStop`` turns true (a signal self-pipe), or -1: waits on
    /// pipes and terminals poll it too, so they end at once.
    package var wakeDescriptor: Int32 = -1

    /// Makes a reader over `paths` in order (`-` is standard input; names ending in `.zst` are decompressed).
    package init(paths: [String], maxRecordBytes: Int, chunkBytes: Int = 256 * 1024) {
        precondition(maxRecordBytes > 0 && chunkBytes > 0)
        self.paths = paths.isEmpty ? ["-"] : paths
        self.maxRecordBytes = maxRecordBytes
        self.chunkBytes = chunkBytes
        storage = .allocate(byteCount: maxRecordBytes + 2 + chunkBytes, alignment: 16)
        prefix = .allocate(byteCount: Self.rawPrefixLimit, alignment: 16)
    }

    deinit {
        storage.deallocate()
        prefix.deallocate()
    }

    /// The name of input `index` as given on the command line.
    package func inputName(_ index: Int) -> String { paths[index] }

    /// Bytes consumed from the inputs so far (compressed bytes for `.zst`), for progress.
    package var consumedBytes: Int { closedInputsBytes + (source?.consumedBytes ?? 0) }

    /// Whether the next ``next(_:)`` would not wait for input: more is buffered or ready, or an input ended.
    package var isReady: Bool { source?.isReady() ?? true }

    /// The current input's size when it is a regular file, for progress (nil on pipes).
    package var currentInputSize: Int? { source?.totalBytes }

    /// Opens the source for `path`, decompressing `.zst` names.
    /// `interrupted` is asked whether to end the stream when a read is interrupted by a signal.
    package static func open(
        _ path: String, interrupted: @escaping () -> Bool = { false }, wake: Int32 = -1
    ) throws(InputError) -> any ByteSource {
        let file = try FileByteSource(path: path)
        file.interrupted = interrupted
        file.wakeDescriptor = wake
        return path.hasSuffix(".zst") ? try ZstdByteSource(file) : file
    }

    /// Reads once and calls `body` for each complete line; returns false when every input is consumed or
    /// ``shouldStop`` said so. Errors thrown by `body` pass through; read failures are ``InputError``.
    package func next(_ body: (InputLine) throws -> Void) throws -> Bool {
        if shouldStop() { return false }
        if source == nil {
            inputIndex += 1
            if inputIndex >= paths.count { return false }
            source = try Self.open(
                paths[inputIndex], interrupted: { [unowned self] in self.shouldStop() }, wake: wakeDescriptor)
            inputLine = 0
        }
        guard let current = source else { return false }
        let readStart = fill
        let room = UnsafeMutableRawBufferPointer(rebasing: storage[fill..<min(storage.count, fill + chunkBytes)])
        let n = try current.read(into: room)
        if n == 0 {
            try finishInput(body)
            closedInputsBytes += current.consumedBytes
            source = nil
            return !shouldStop()
        }
        fill += n
        try splitLines(scanFrom: readStart, body)
        return true
    }

    private func splitLines(scanFrom: Int, _ body: (InputLine) throws -> Void) throws {
        let base = storage.baseAddress!
        var lineStart = 0
        var scan = scanFrom
        while scan < fill, let hit = memchr(base + scan, 0x0A, fill - scan) {
            let newline = base.distance(to: hit)
            try emit(from: lineStart, to: newline, body)
            lineStart = newline + 1
            scan = lineStart
        }
        // Keep the partial line at the front of the buffer, or start skipping it when it is already too long.
        let partial = fill - lineStart
        if skipping {
            skippedBytes += partial
            fill = 0
        } else if partial > maxRecordBytes + 1 {  // +1: a final '\r' may still belong to "\r\n"
            startSkipping(from: lineStart, count: partial)
            fill = 0
        } else {
            if lineStart > 0 && partial > 0 { memmove(base, base + lineStart, partial) }
            fill = partial
        }
    }

    private func startSkipping(from start: Int, count: Int) {
        prefixCount = min(count, Self.rawPrefixLimit)
        prefix.baseAddress!.copyMemory(from: storage.baseAddress! + start, byteCount: prefixCount)
        skipping = true
        skippedBytes = count
    }

    private func emit(from start: Int, to end: Int, _ body: (InputLine) throws -> Void) throws {
        lineNumber += 1
        inputLine += 1
        let base = storage.baseAddress!
        if skipping {
            var total = skippedBytes + (end - start)
            if end > start, storage[end - 1] == 0x0D { total -= 1 }
            skipping = false
            skippedBytes = 0
            try body(
                InputLine(
                    bytes: UnsafeRawBufferPointer(start: prefix.baseAddress, count: prefixCount), number: lineNumber,
                    inputIndex: inputIndex, inputLine: inputLine, oversizeLength: total))
            return
        }
        var stop = end
        if stop > start, storage[stop - 1] == 0x0D { stop -= 1 }
        let length = stop - start
        let line = UnsafeRawBufferPointer(start: base + start, count: length)
        if length > maxRecordBytes {
            try body(
                InputLine(
                    bytes: UnsafeRawBufferPointer(rebasing: line.prefix(Self.rawPrefixLimit)), number: lineNumber,
                    inputIndex: inputIndex, inputLine: inputLine, oversizeLength: length))
        } else {
            try body(
                InputLine(
                    bytes: line, number: lineNumber, inputIndex: inputIndex, inputLine: inputLine,
                    oversizeLength: nil))
        }
    }

    /// At the end of one input, a last line without a newline is still a record.
    private func finishInput(_ body: (InputLine) throws -> Void) throws {
        if shouldStop() {
            fill = 0
            skipping = false
            return
        }
        if fill > 0 || skipping {
            try emit(from: 0, to: fill, body)
        }
        fill = 0
    }
}
