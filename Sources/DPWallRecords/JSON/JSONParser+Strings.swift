extension JSONParser {
    /// Scans a string body from `start` (just after the opening quote); returns the offset of the closing quote and
    /// the node flags (``JSONNode/hasEscapes``).
    ///
    /// Control characters (< 0x20) and bad escapes are `malformed_json`; lone or mis-paired surrogate escapes are
    /// `invalid_utf8`. Non-ASCII bytes are checked to be well-formed UTF-8 here (strings are the only place valid
    /// JSON has them), so that a line needs no separate validation pass; an ill-formed one throws `invalid_utf8`,
    /// which ``parse(_:)`` replaces with the line's first ill-formed byte.
    @inline(__always)
    static func scanString(_ p: UnsafeRawPointer, _ start: Int, _ n: Int) throws(JSONError) -> (Int, UInt8) {
        var i = start
        var flags: UInt8 = 0
        while true {
            // 8 bytes at a time: find the first '"', '\\', control character or non-ASCII byte.
            while i &+ 8 <= n {
                let w = p.loadUnaligned(fromByteOffset: i, as: UInt64.self).littleEndian
                let quote = w ^ 0x2222_2222_2222_2222
                let backslash = w ^ 0x5C5C_5C5C_5C5C_5C5C
                let found =
                    ((quote &- 0x0101_0101_0101_0101) & ~quote | (backslash &- 0x0101_0101_0101_0101) & ~backslash
                        | (w &- 0x2020_2020_2020_2020) & ~w | w) & 0x8080_8080_8080_8080
                if found != 0 {
                    i &+= found.trailingZeroBitCount >> 3
                    break
                }
                i &+= 8
            }
            guard i < n else { throw unterminatedString(start &- 1) }
            let c = p.load(fromByteOffset: i, as: UInt8.self)
            if c == UInt8(ascii: "\"") { return (i, flags) }
            if c == UInt8(ascii: "\\") {
                flags = JSONNode.hasEscapes
                i = try scanEscape(p, i, n)
            } else if c < 0x20 {
                throw JSONError(
                    code: .malformedJSON, offset: i,
                    message: "control character U+\(hexDigits(UInt32(c), width: 4)) in a string at byte \(i)")
            } else if c >= 0x80 {
                let length = UTF8Validation.sequenceLength(p, i, n, c)
                guard length > 0 else {
                    throw JSONError(code: .invalidUTF8, offset: i, message: "invalid UTF-8 at byte \(i)")
                }
                i &+= length
            } else {
                i &+= 1
            }
        }
    }

    /// Checks the escape whose backslash is at `i`; returns the offset after it (after both halves of a pair).
    static func scanEscape(_ p: UnsafeRawPointer, _ i: Int, _ n: Int) throws(JSONError) -> Int {
        guard i &+ 1 < n else { throw unexpectedEnd(i &+ 1, expected: "an escape character") }
        switch p.load(fromByteOffset: i &+ 1, as: UInt8.self) {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
            UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            return i &+ 2
        case UInt8(ascii: "u"):
            let unit = try hex4(p, i, n)
            switch unit {
            case 0xD800...0xDBFF:
                if i &+ 7 < n, p.load(fromByteOffset: i &+ 6, as: UInt8.self) == UInt8(ascii: "\\"),
                    p.load(fromByteOffset: i &+ 7, as: UInt8.self) == UInt8(ascii: "u")
                {
                    let low = try hex4(p, i &+ 6, n)
                    if (0xDC00...0xDFFF).contains(low) { return i &+ 12 }
                }
                throw loneSurrogate(unit, i)
            case 0xDC00...0xDFFF:
                throw loneSurrogate(unit, i)
            default:
                return i &+ 6
            }
        default:
            throw JSONError(
                code: .malformedJSON, offset: i,
                message: "invalid escape '\\' followed by \(describe(p, i &+ 1, n)) at byte \(i)")
        }
    }

    /// The code unit of the `\uXXXX` escape whose backslash is at `i`.
    @inline(__always)
    static func hex4(_ p: UnsafeRawPointer, _ i: Int, _ n: Int) throws(JSONError) -> UInt32 {
        var unit: UInt32 = 0
        for k in 2..<6 {
            guard i &+ k < n else { throw unexpectedEnd(i &+ k, expected: "4 hexadecimal digits after '\\u'") }
            let c = p.load(fromByteOffset: i &+ k, as: UInt8.self)
            guard let digit = hexValue(c) else {
                throw JSONError(
                    code: .malformedJSON, offset: i &+ k,
                    message:
                        "invalid \\u escape: \(describe(p, i &+ k, n)) is not a hexadecimal digit at byte \(i &+ k)"
                )
            }
            unit = unit << 4 | digit
        }
        return unit
    }

    /// The value of a hexadecimal digit, or nil.
    @inline(__always)
    static func hexValue(_ c: UInt8) -> UInt32? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(c &- UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(c &- UInt8(ascii: "a") &+ 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(c &- UInt8(ascii: "A") &+ 10)
        default: nil
        }
    }

    /// A string that is not closed before the end of the input.
    static func unterminatedString(_ quote: Int) -> JSONError {
        JSONError(code: .malformedJSON, offset: quote, message: "unterminated string starting at byte \(quote)")
    }

    /// A `\uD800`-style escape that is not half of a surrogate pair.
    static func loneSurrogate(_ unit: UInt32, _ i: Int) -> JSONError {
        JSONError(
            code: .invalidUTF8, offset: i,
            message: "lone surrogate escape \\u\(hexDigits(unit, width: 4)) at byte \(i)")
    }
}
