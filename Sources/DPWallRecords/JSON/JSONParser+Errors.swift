extension JSONParser {
    /// The input ended where `expected` should be.
    static func unexpectedEnd(_ i: Int, expected: String) -> JSONError {
        JSONError(
            code: .malformedJSON, offset: i, message: "unexpected end of input at byte \(i), expected \(expected)")
    }

    /// The error for a byte at `i` that cannot start a value: `non_finite` for `NaN`, `Infinity` and their signed
    /// forms, `malformed_json` otherwise (with a hint for a byte order mark, `+` and `.`).
    static func badValueStart(_ p: UnsafeRawPointer, _ i: Int, _ n: Int) -> JSONError {
        if let token = nonFiniteToken(p, i, n) {
            return JSONError(code: .nonFinite, offset: i, message: "non-finite number \(token) at byte \(i)")
        }
        let c = p.load(fromByteOffset: i, as: UInt8.self)
        let what: String
        switch c {
        case 0xEF
        where i &+ 2 < n && p.load(fromByteOffset: i &+ 1, as: UInt8.self) == 0xBB
            && p.load(fromByteOffset: i &+ 2, as: UInt8.self) == 0xBF:
            what = "byte order mark"
        case UInt8(ascii: "+"):
            what = "'+' (a number may not start with '+')"
        case UInt8(ascii: "."):
            what = "'.' (a number must start with a digit)"
        default:
            what = describe(p, i, n)
        }
        return JSONError(
            code: .malformedJSON, offset: i, message: "unexpected \(what) at byte \(i), expected a JSON value")
    }

    /// `NaN`, `Infinity` or one of them signed, when the bytes at `i` spell it.
    static func nonFiniteToken(_ p: UnsafeRawPointer, _ i: Int, _ n: Int) -> String? {
        var k = i
        var sign = ""
        switch p.load(fromByteOffset: i, as: UInt8.self) {
        case UInt8(ascii: "-"): sign = "-"; k &+= 1
        case UInt8(ascii: "+"): sign = "+"; k &+= 1
        default: break
        }
        for word: StaticString in ["NaN", "Infinity"] {
            let length = word.utf8CodeUnitCount
            guard k &+ length <= n else { continue }
            var same = true
            for j in 0..<length where p.load(fromByteOffset: k &+ j, as: UInt8.self) != word.utf8Start[j] {
                same = false
                break
            }
            if same { return sign + "\(word)" }
        }
        return nil
    }

    /// A short, safe description of the character at `i`: `'x'` for printable ASCII, else its code point or byte.
    static func describe(_ p: UnsafeRawPointer, _ i: Int, _ n: Int) -> String {
        let c = p.load(fromByteOffset: i, as: UInt8.self)
        if c >= 0x21 && c <= 0x7E { return "'\(Character(Unicode.Scalar(c)))'" }
        if c < 0x80 { return "character U+" + hexDigits(UInt32(c), width: 4) }
        let length = UTF8Validation.sequenceLength(p, i, n, c)
        guard length > 0 else { return "byte \(hex(c))" }
        var scalar = UInt32(c) & (0x7F >> UInt32(length))
        for k in 1..<length {
            scalar = scalar << 6 | UInt32(p.load(fromByteOffset: i &+ k, as: UInt8.self) & 0x3F)
        }
        return "character U+" + hexDigits(scalar, width: 4)
    }

    /// `0xAB`.
    static func hex(_ b: UInt8) -> String { "0x" + hexDigits(UInt32(b), width: 2) }

    /// Upper-case hexadecimal digits of `v`, zero-padded to `width`.
    static func hexDigits(_ v: UInt32, width: Int) -> String {
        let digits = String(v, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
