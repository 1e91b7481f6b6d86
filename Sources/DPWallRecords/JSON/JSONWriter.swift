/// Appends JSON text to a growable byte buffer, for output lines.
package struct JSONWriter {
    /// The text written so far (UTF-8). A writer that is appended to must not be copied (see ``WriterBuffer``).
    package var bytes: WriterBuffer

    /// Makes an empty writer with room for `capacity` bytes.
    package init(capacity: Int = 4096) {
        bytes = WriterBuffer(capacity: capacity)
    }

    /// Empties the buffer, keeping its capacity.
    package mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
    }

    /// Appends bytes as they are (they must already be JSON text).
    package mutating func append(raw: UnsafeRawBufferPointer) {
        bytes.append(contentsOf: raw)
    }

    /// Appends a literal as it is, e.g. `{"id":`.
    package mutating func append(raw: StaticString) {
        raw.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// Appends one byte.
    package mutating func appendByte(_ b: UInt8) {
        bytes.append(b)
    }

    /// Appends `s` quoted and escaped per RFC 8259.
    package mutating func appendString(_ s: String) {
        var s = s
        s.withUTF8 { appendString(bytes: UnsafeRawBufferPointer($0)) }
    }

    /// Appends the UTF-8 bytes `raw` quoted and escaped per RFC 8259: `"` and `\` with a backslash, control
    /// characters as `\n`, `\r`, `\t`, `\b`, `\f` or `\u00XX`. The bytes are copied as they are otherwise.
    package mutating func appendString(bytes raw: UnsafeRawBufferPointer) {
        bytes.append(UInt8(ascii: "\""))
        var run = 0
        for (k, c) in raw.enumerated() where c < 0x20 || c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") {
            if run < k { bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[run..<k])) }
            appendEscaped(c)
            run = k &+ 1
        }
        if run < raw.count { bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[run...])) }
        bytes.append(UInt8(ascii: "\""))
    }

    /// Appends a quoted string of at most `limit` bytes of the possibly-invalid UTF-8 `raw`, cut at a character
    /// boundary, each invalid byte written as U+FFFD, and `…` added inside the quotes when cut.
    ///
    /// Used to quote input safely in messages.
    package mutating func appendStringTruncating(bytes raw: UnsafeRawBufferPointer, limit: Int) {
        bytes.append(UInt8(ascii: "\""))
        var i = 0
        let n = raw.count
        while i < n {
            let c = raw[i]
            var length = 1
            if c >= 0x80 {
                length = raw.baseAddress.map { UTF8Validation.sequenceLength($0, i, n, c) } ?? 0
            }
            if i &+ max(length, 1) > limit { break }
            if length == 0 {
                bytes.append(contentsOf: [0xEF, 0xBF, 0xBD])
                i &+= 1
            } else if length == 1 && (c < 0x20 || c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\")) {
                appendEscaped(c)
                i &+= 1
            } else {
                bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[i..<(i &+ length)]))
                i &+= length
            }
        }
        if i < n { bytes.append(contentsOf: [0xE2, 0x80, 0xA6]) }
        bytes.append(UInt8(ascii: "\""))
    }

    /// Appends the escape of `"`, `\` or a control character.
    private mutating func appendEscaped(_ c: UInt8) {
        bytes.append(UInt8(ascii: "\\"))
        switch c {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(c)
        case 0x0A: bytes.append(UInt8(ascii: "n"))
        case 0x0D: bytes.append(UInt8(ascii: "r"))
        case 0x09: bytes.append(UInt8(ascii: "t"))
        case 0x08: bytes.append(UInt8(ascii: "b"))
        case 0x0C: bytes.append(UInt8(ascii: "f"))
        default:
            let digits: StaticString = "0123456789abcdef"
            bytes.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
            bytes.append(digits.utf8Start[Int(c >> 4)])
            bytes.append(digits.utf8Start[Int(c & 0xF)])
        }
    }
}
