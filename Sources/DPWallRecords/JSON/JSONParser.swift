/// A strict RFC 8259 parser from bytes to a flat tape of ``JSONNode``s, reusing its storage between calls.
///
/// The whole input is first checked to be UTF-8 (``DenialCode/invalidUTF8`` at the first bad byte), then parsed
/// left to right; the first problem met wins: ``DenialCode/nonFinite`` for bare `NaN`/`Infinity` tokens,
/// ``DenialCode/duplicateKey`` for a key seen twice in one object (compared unescaped), and
/// ``DenialCode/malformedJSON`` for everything else, nesting deeper than ``maxDepth`` included.
/// Numbers are only validated here; ``JSONView`` converts them on access.
package struct JSONParser {
    /// The deepest nesting of arrays and objects accepted (a bare scalar has depth 0, `[]` depth 1).
    package let maxDepth: Int
    /// The tape of the last successful ``parse(_:)`` (node 0 is the root), as a copy. The hot path reads
    /// ``tape`` instead, which copies nothing.
    package var nodes: [JSONNode] { Array(tape) }
    /// Nodes on the tape after the last parse (0 after a failure).
    private var tapeCount = 0
    /// The tape of the last successful ``parse(_:)``, in the parser's own storage: valid until the next call and
    /// as long as this parser is not copied.
    package var tape: UnsafeBufferPointer<JSONNode> {
        UnsafeBufferPointer(start: tapeStorage.base, count: tapeCount)
    }
    /// Keys of objects with many members, for duplicate detection in O(1) per key.
    var keyTable: KeyTable
    /// Scratch buffers for unescaping keys (duplicate detection only).
    var scratchA: [UInt8]
    /// Second scratch buffer for unescaping keys.
    var scratchB: [UInt8]
    /// Where the tape is written during a parse and read from after it (copy-on-parse: a parser whose
    /// storage is shared with a copy of itself allocates its own before writing).
    var tapeStorage: JSONTapeStorage

    /// An open array or object.
    struct Frame {
        /// Its node index.
        var node: UInt32
        /// Elements or members completed so far.
        var count: UInt32
        /// Whether it is an object.
        var isObject: Bool
        /// Objects: a filter of the keys seen by length and first byte (bit `(7 × length + first byte) % 64`), so
        /// that a key whose length and first byte no earlier key has cannot be a duplicate and needs no comparison.
        /// (Records' keys often share lengths, `id`/`ts`, `name`/`data`, but rarely also their first byte.)
        var keyLengths: UInt64 = 0
        /// Objects: whether a key seen had escapes (its raw length is then not its length, and the filter is off).
        var escapedKey = false
    }

    /// Makes a parser that rejects nesting deeper than `maxDepth` arrays and objects.
    package init(maxDepth: Int = 64) {
        self.maxDepth = maxDepth
        self.keyTable = KeyTable()
        self.scratchA = []
        self.scratchB = []
        self.tapeStorage = JSONTapeStorage(capacity: 256)
    }

    /// Parses exactly one RFC 8259 JSON text (any value, surrounding whitespace allowed) covering all of `bytes`.
    ///
    /// On success the tape is returned, and is in ``tape`` (and ``nodes``) until the next call. Storage is reused: no allocation per call in
    /// steady state. On failure ``nodes`` is empty.
    @discardableResult
    package mutating func parse(_ bytes: UnsafeRawBufferPointer) throws(JSONError) -> UnsafeBufferPointer<JSONNode> {
        tapeCount = 0
        keyTable.reset()
        guard let p = bytes.baseAddress, !bytes.isEmpty else {
            throw JSONError(code: .malformedJSON, offset: 0, message: "empty input at byte 0, expected a JSON value")
        }
        guard bytes.count < Int(UInt32.max) else {
            throw JSONError(code: .malformedJSON, offset: 0, message: "input of 4 GiB or more at byte 0")
        }
        if !isKnownUniquelyReferenced(&tapeStorage) { tapeStorage = JSONTapeStorage(capacity: 256) }
        tapeStorage.shrink(to: 1 << 16)
        var tape = JSONTapeWriter(tapeStorage)
        do {
            try run(p, bytes.count, &tape)
        } catch {
            // invalid_utf8 comes first (records.md), wherever the line has an ill-formed byte: a parse that
            // succeeds has checked every non-ASCII byte (all in strings), and one that fails checks the line.
            if let bad = UTF8Validation.firstInvalidOffset(bytes) {
                throw JSONError(
                    code: .invalidUTF8, offset: bad,
                    message: "invalid UTF-8 byte \(Self.hex(bytes[bad])) at byte \(bad)")
            }
            throw error
        }
        tapeCount = tape.count
        return UnsafeBufferPointer(start: tape.base, count: tape.count)
    }

    /// The state machine over the bytes `p[0..<n]`; their UTF-8 is checked in strings (``scanString(_:_:_:)``).
    private mutating func run(_ p: UnsafeRawPointer, _ n: Int, _ tape: inout JSONTapeWriter) throws(JSONError) {
        var i = Self.skipWhitespace(p, 0, n)
        // The innermost open container lives in locals; the outer ones are on the storage's frame stack (explicit:
        // no recursion), `depth - 1` of them.
        var top = Frame(node: 0, count: 0, isObject: false)
        var depth = 0
        let storage = tape.storage
        var frames = storage.frames
        var frameCapacity = storage.frameCapacity
        while true {
            // A value is expected at i.
            guard i < n else { throw Self.unexpectedEnd(i, expected: "a JSON value") }
            let c = p.load(fromByteOffset: i, as: UInt8.self)
            switch c {
            case UInt8(ascii: "\""):
                let (end, _) = try Self.appendString(p, i, n, &tape)
                i = end &+ 1
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                // Tensor data is mostly arrays of numbers: inside an array, a number followed by a bare comma and
                // another number is taken here, without the round through the value dispatch for each element.
                let inArray = depth > 0 && !top.isObject
                while true {
                    // The common short decimal is scanned inline; anything else takes the general path.
                    let scanned: (end: Int, flags: UInt8, short: UInt32)
                    if let short = Self.scanShortNumber(p, i, n) {
                        scanned = short
                    } else {
                        scanned = try Self.scanNumber(p, i, n)
                    }
                    let (end, flags, short) = scanned
                    let index = UInt32(truncatingIfNeeded: tape.count)
                    tape.append(
                        JSONNode(
                            kind: .number, flags: flags, start: UInt32(truncatingIfNeeded: i),
                            end: UInt32(truncatingIfNeeded: end), count: short, next: index &+ 1))
                    i = end
                    guard inArray, i &+ 1 < n, p.load(fromByteOffset: i, as: UInt8.self) == UInt8(ascii: ","),
                        Self.startsNumber(p.load(fromByteOffset: i &+ 1, as: UInt8.self))
                    else { break }
                    top.count &+= 1
                    i &+= 1
                }
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                let isObject = c == UInt8(ascii: "{")
                guard depth < maxDepth else {
                    throw JSONError(
                        code: .malformedJSON, offset: i, message: "nesting deeper than \(maxDepth) at byte \(i)")
                }
                let index = UInt32(truncatingIfNeeded: tape.count)
                tape.append(
                    JSONNode(
                        kind: isObject ? .object : .array, flags: 0, start: UInt32(truncatingIfNeeded: i), end: 0,
                        next: 0))
                i = Self.skipWhitespace(p, i &+ 1, n)
                let close = isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")
                if i < n, p.load(fromByteOffset: i, as: UInt8.self) == close {
                    i &+= 1
                    tape[Int(index)].end = UInt32(truncatingIfNeeded: i)
                    tape[Int(index)].next = index &+ 1
                } else {
                    if depth > 0 {
                        if depth > frameCapacity {
                            storage.growFrames(keeping: depth &- 1)
                            frames = storage.frames
                            frameCapacity = storage.frameCapacity
                        }
                        (frames + (depth &- 1)).initialize(to: top)
                    }
                    top = Frame(node: index, count: 0, isObject: isObject)
                    depth &+= 1
                    if isObject { i = try scanKey(p, i, n, &top, &tape) }
                    continue
                }
            case UInt8(ascii: "t"):
                i = try literal(p, i, n, &tape, "true", .true)
            case UInt8(ascii: "f"):
                i = try literal(p, i, n, &tape, "false", .false)
            case UInt8(ascii: "n"):
                i = try literal(p, i, n, &tape, "null", .null)
            default:
                throw Self.badValueStart(p, i, n)
            }
            // After a complete value: close containers or move to the next element or member.
            while true {
                i = Self.skipWhitespace(p, i, n)
                guard depth > 0 else {
                    guard i == n else {
                        throw JSONError(
                            code: .malformedJSON, offset: i,
                            message: "unexpected \(Self.describe(p, i, n)) after the JSON value at byte \(i)")
                    }
                    return
                }
                guard i < n else {
                    throw Self.unexpectedEnd(i, expected: top.isObject ? "',' or '}'" : "',' or ']'")
                }
                let c = p.load(fromByteOffset: i, as: UInt8.self)
                top.count &+= 1
                if c == UInt8(ascii: ",") {
                    i = Self.skipWhitespace(p, i &+ 1, n)
                    if top.isObject { i = try scanKey(p, i, n, &top, &tape) }
                    break
                }
                if c == (top.isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                    let index = Int(top.node)
                    i &+= 1
                    tape[index].end = UInt32(truncatingIfNeeded: i)
                    tape[index].count = top.count
                    tape[index].next = UInt32(truncatingIfNeeded: tape.count)
                    depth &-= 1
                    if depth > 0 { top = frames[depth &- 1] }
                    continue
                }
                throw JSONError(
                    code: .malformedJSON, offset: i,
                    message: "unexpected \(Self.describe(p, i, n)) at byte \(i), expected "
                        + (top.isObject ? "',' or '}'" : "',' or ']'"))
            }
        }
    }

    /// Parses a key of the object `frame`, its duplicate check, and the `:` after it; returns the offset of the value.
    @inline(__always)
    private mutating func scanKey(
        _ p: UnsafeRawPointer, _ i: Int, _ n: Int, _ frame: inout Frame, _ tape: inout JSONTapeWriter
    ) throws(JSONError) -> Int {
        guard i < n else { throw Self.unexpectedEnd(i, expected: "a string key") }
        guard p.load(fromByteOffset: i, as: UInt8.self) == UInt8(ascii: "\"") else {
            throw JSONError(
                code: .malformedJSON, offset: i,
                message: "unexpected \(Self.describe(p, i, n)) at byte \(i), expected a string key")
        }
        let (end, flags) = try Self.appendString(p, i, n, &tape)
        let index = UInt32(truncatingIfNeeded: tape.count &- 1)
        // Without escapes (else the filter is off) raw and unescaped keys have the same length and first byte; an
        // empty key's "first byte" is its closing quote, the same for every empty key.
        let firstByte = Int(p.load(fromByteOffset: i &+ 1, as: UInt8.self))
        let lengthBit: UInt64 = 1 &<< UInt64(truncatingIfNeeded: ((end &- i &- 1) &* 7 &+ firstByte) & 63)
        let escaped = flags & JSONNode.hasEscapes != 0
        if frame.count > 0
            && (frame.count >= Self.linearKeyLimit || escaped || frame.escapedKey || frame.keyLengths & lengthBit != 0)
        {
            try checkDuplicate(p, tape, container: frame.node, members: frame.count, key: index)
        }
        frame.keyLengths |= lengthBit
        frame.escapedKey = frame.escapedKey || escaped
        var j = Self.skipWhitespace(p, end &+ 1, n)
        guard j < n else { throw Self.unexpectedEnd(j, expected: "':'") }
        guard p.load(fromByteOffset: j, as: UInt8.self) == UInt8(ascii: ":") else {
            throw JSONError(
                code: .malformedJSON, offset: j,
                message: "unexpected \(Self.describe(p, j, n)) at byte \(j), expected ':' after the key")
        }
        j = Self.skipWhitespace(p, j &+ 1, n)
        return j
    }

    /// Scans the string whose opening quote is at `i` and appends its node (a value or a key); returns the offset
    /// of its closing quote and its flags.
    @inline(__always)
    private static func appendString(
        _ p: UnsafeRawPointer, _ i: Int, _ n: Int, _ tape: inout JSONTapeWriter
    ) throws(JSONError) -> (end: Int, flags: UInt8) {
        let (end, flags) = try scanString(p, i &+ 1, n)
        let index = UInt32(truncatingIfNeeded: tape.count)
        tape.append(
            JSONNode(
                kind: .string, flags: flags, start: UInt32(truncatingIfNeeded: i &+ 1),
                end: UInt32(truncatingIfNeeded: end), next: index &+ 1))
        return (end, flags)
    }

    /// Appends a literal node after checking the bytes spell `word`; returns the offset after it.
    @inline(__always)
    private mutating func literal(
        _ p: UnsafeRawPointer, _ i: Int, _ n: Int, _ tape: inout JSONTapeWriter, _ word: StaticString,
        _ kind: JSONKind
    ) throws(JSONError) -> Int {
        let length = word.utf8CodeUnitCount
        var k = 1
        while k < length {
            guard i &+ k < n else { throw Self.unexpectedEnd(i &+ k, expected: "'\(word)'") }
            guard p.load(fromByteOffset: i &+ k, as: UInt8.self) == word.utf8Start[k] else {
                throw JSONError(
                    code: .malformedJSON, offset: i &+ k,
                    message: "unexpected \(Self.describe(p, i &+ k, n)) at byte \(i &+ k), expected '\(word)'")
            }
            k &+= 1
        }
        let index = UInt32(truncatingIfNeeded: tape.count)
        tape.append(
            JSONNode(
                kind: kind, flags: 0, start: UInt32(truncatingIfNeeded: i),
                end: UInt32(truncatingIfNeeded: i &+ length), next: index &+ 1))
        return i &+ length
    }

    /// Whether `c` can start a number token (`-` or a digit).
    @inline(__always)
    static func startsNumber(_ c: UInt8) -> Bool { c == UInt8(ascii: "-") || c &- UInt8(ascii: "0") < 10 }

    /// Skips JSON whitespace (space, tab, line feed, carriage return) from `i`.
    @inline(__always)
    static func skipWhitespace(_ p: UnsafeRawPointer, _ i: Int, _ n: Int) -> Int {
        var i = i
        while i < n {
            let c = p.load(fromByteOffset: i, as: UInt8.self)
            guard c <= 0x20, c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 else { break }
            i &+= 1
        }
        return i
    }
}
