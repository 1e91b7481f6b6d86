extension JSONParser {
    /// Scans a number token starting at `start` (a `-` or a digit) by the RFC 8259 grammar; returns the offset after
    /// it and its node flags. The value is converted later, on access (``JSONView/double(_:)``).
    @inline(__always)
    static func scanNumber(_ p: UnsafeRawPointer, _ start: Int, _ n: Int) throws(JSONError) -> (Int, UInt8) {
        var i = start
        var flags = JSONNode.isInteger
        var c = p.load(fromByteOffset: i, as: UInt8.self)
        if c == UInt8(ascii: "-") {
            flags |= JSONNode.isNegative
            i &+= 1
            guard i < n else { throw unexpectedEnd(i, expected: "a digit after '-'") }
            c = p.load(fromByteOffset: i, as: UInt8.self)
        }
        if c == UInt8(ascii: "0") {
            i &+= 1
            if i < n && isDigit(p.load(fromByteOffset: i, as: UInt8.self)) {
                throw JSONError(
                    code: .malformedJSON, offset: start, message: "number with a leading zero at byte \(start)")
            }
        } else if c &- UInt8(ascii: "1") < 9 {
            i = skipDigits(p, i &+ 1, n)
        } else {
            if let token = nonFiniteToken(p, start, n) {
                throw JSONError(code: .nonFinite, offset: start, message: "non-finite number \(token) at byte \(start)")
            }
            throw expectedDigit(p, i, n, after: "'-'")
        }
        guard i < n else { return (i, flags) }
        c = p.load(fromByteOffset: i, as: UInt8.self)
        if c == UInt8(ascii: ".") {
            flags &= ~JSONNode.isInteger
            i &+= 1
            guard i < n && isDigit(p.load(fromByteOffset: i, as: UInt8.self)) else {
                throw expectedDigit(p, i, n, after: "'.'")
            }
            i = skipDigits(p, i &+ 1, n)
            guard i < n else { return (i, flags) }
            c = p.load(fromByteOffset: i, as: UInt8.self)
        }
        if c | 0x20 == UInt8(ascii: "e") {
            flags &= ~JSONNode.isInteger
            i &+= 1
            if i < n {
                let sign = p.load(fromByteOffset: i, as: UInt8.self)
                if sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { i &+= 1 }
            }
            guard i < n && isDigit(p.load(fromByteOffset: i, as: UInt8.self)) else {
                throw expectedDigit(p, i, n, after: "the exponent mark")
            }
            i = skipDigits(p, i &+ 1, n)
        }
        return (i, flags)
    }

    /// Whether `c` is an ASCII digit.
    @inline(__always)
    static func isDigit(_ c: UInt8) -> Bool { c &- UInt8(ascii: "0") < 10 }

    /// The offset of the first non-digit at or after `i` (or `n`), 8 bytes at a time.
    @inline(__always)
    static func skipDigits(_ p: UnsafeRawPointer, _ i: Int, _ n: Int) -> Int {
        var i = i
        while i &+ 8 <= n {
            let w = p.loadUnaligned(fromByteOffset: i, as: UInt64.self).littleEndian
            // A byte is a digit when its high nibble is 3 and stays 3 after adding 6. A carry out of a non-digit
            // byte can only disturb the bytes above it, so the lowest flagged byte is exact.
            let high = 0xF0F0_F0F0_F0F0_F0F0 as UInt64
            let threes = 0x3030_3030_3030_3030 as UInt64
            let nonDigits = ((w & high) ^ threes) | (((w &+ 0x0606_0606_0606_0606) & high) ^ threes)
            if nonDigits != 0 { return i &+ nonDigits.trailingZeroBitCount >> 3 }
            i &+= 8
        }
        while i < n && isDigit(p.load(fromByteOffset: i, as: UInt8.self)) { i &+= 1 }
        return i
    }

    /// A number token missing its digits at `i`.
    static func expectedDigit(_ p: UnsafeRawPointer, _ i: Int, _ n: Int, after: String) -> JSONError {
        guard i < n else { return unexpectedEnd(i, expected: "a digit after \(after)") }
        return JSONError(
            code: .malformedJSON, offset: i,
            message: "unexpected \(describe(p, i, n)) at byte \(i), expected a digit after \(after)")
    }
}
