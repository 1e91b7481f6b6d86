/// A batch of input lines copied out of the reader's buffer, so that it can be decided on another thread.
package struct LineBatch {
    /// The lines' bytes, back to back.
    package private(set) var bytes: [UInt8] = []
    /// Per line: offset and length in ``bytes``, and the line's description.
    package private(set) var lines:
        [(offset: Int, length: Int, number: Int, inputIndex: Int, inputLine: Int, oversize: Int?)] =
            []

    /// An empty batch.
    package init() {}

    /// Bytes held.
    package var byteCount: Int { bytes.count }

    /// Whether the batch holds no line.
    package var isEmpty: Bool { lines.isEmpty }

    /// Empties the batch, keeping its capacity.
    package mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        lines.removeAll(keepingCapacity: true)
    }

    /// Copies `line` in.
    package mutating func append(_ line: InputLine) {
        let offset = bytes.count
        bytes.append(contentsOf: line.bytes)
        lines.append((offset, line.bytes.count, line.number, line.inputIndex, line.inputLine, line.oversizeLength))
    }

    /// Calls `body` with each line, in order.
    package func forEach(_ body: (InputLine) throws -> Void) rethrows {
        try bytes.withUnsafeBytes { raw in
            for line in lines {
                try body(
                    InputLine(
                        bytes: UnsafeRawBufferPointer(rebasing: raw[line.offset..<(line.offset + line.length)]),
                        number: line.number, inputIndex: line.inputIndex, inputLine: line.inputLine,
                        oversizeLength: line.oversize))
            }
        }
    }
}
