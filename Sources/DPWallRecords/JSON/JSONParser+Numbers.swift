extension JSONParser {
    /// Scans a number token starting at `start` (a `-` or a digit) by the RFC 8259 grammar; returns the offset after
    /// it, its node flags, and for a short plain decimal its digits (see ``shortValue``). Other values are converted
    /// later, on access (``JSONView/double(_:)``).
    @inline(never)
    static func scanNumber(
        _ p: UnsafeRawPointer, _ start: Int, _ n: Int
    ) throws(JSONError) -> (end: Int, flags: UInt8, short: UInt32) {
        var i = start
        var flags = JSONNode.isInteger
        var c = p.load(fromByteOffset: i, as: UInt8.self)
        if c == UInt8(ascii: "-") {
            flags |= JSONNode.isNegative
            i &+= 1
            guard i < n else { throw unexpectedEnd(i, expected: "a digit after '-'") }
            c = p.load(fromByteOffset: i, as: UInt8.self)
        }
        let intStart = i
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
        let intEnd = i
        guard i < n else {
            return (i, flags, shortValue(p, n, intStart: intStart, intEnd: intEnd, fracStart: i, fracEnd: i, &flags))
        }
        c = p.load(fromByteOffset: i, as: UInt8.self)
        var fracStart = i
        var fracEnd = i
        if c == UInt8(ascii: ".") {
            flags &= ~JSONNode.isInteger
            i &+= 1
            guard i < n && isDigit(p.load(fromByteOffset: i, as: UInt8.self)) else {
                throw expectedDigit(p, i, n, after: "'.'")
            }
            fracStart = i
            i = skipDigits(p, i &+ 1, n)
            fracEnd = i
            guard i < n else {
                let short = shortValue(
                    p, n, intStart: intStart, intEnd: intEnd, fracStart: fracStart, fracEnd: fracEnd, &flags)
                return (i, flags, short)
            }
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
            return (i, flags, 0)
        }
        let short = shortValue(p, n, intStart: intStart, intEnd: intEnd, fracStart: fracStart, fracEnd: fracEnd, &flags)
        return (i, flags, short)
    }

    /// The common case of ``scanNumber(_:_:_:)`` in one pass: `-?[1-9]d*(.d+)?` or `-?0(.d+)?` with fewer than 8
    /// digits on each side of the point and at most 9 in all, no exponent, and 16 readable bytes. Each side is
    /// classified and valued from one 8-byte load. Returns nil for anything else, which the general path handles
    /// (including every malformed number, so errors come from one place).
    @inline(__always)
    static func scanShortNumber(_ p: UnsafeRawPointer, _ start: Int, _ n: Int) -> (
        end: Int, flags: UInt8, short: UInt32
    )? {
        guard start &+ 18 <= n else { return nil }
        var i = start
        var flags = JSONNode.isInteger
        if p.load(fromByteOffset: i, as: UInt8.self) == UInt8(ascii: "-") {
            flags |= JSONNode.isNegative
            i &+= 1
        }
        let intWord = p.loadUnaligned(fromByteOffset: i, as: UInt64.self).littleEndian
        // The most common shape in tensors (standardised features, probabilities) is one digit and a point: its
        // integer part is that digit, with no scan and no SWAR valuation.
        let units = intWord & 0xFF &- 0x30
        if units < 10 && (intWord >> 8) & 0xFF == UInt64(UInt8(ascii: ".")) {
            return shortFraction(p, i &+ 2, integer: units, integerDigits: 1, flags)
        }
        let intDigits = leadingDigitCount(intWord)
        guard intDigits >= 1 && intDigits < 8 else { return nil }
        // A leading zero must stand alone.
        if intWord & 0xFF == 0x30 && intDigits > 1 { return nil }
        let end = i &+ intDigits
        let value = swarValue(intWord, intDigits)
        let after = p.load(fromByteOffset: end, as: UInt8.self)
        if after == UInt8(ascii: ".") {
            return shortFraction(p, end &+ 1, integer: value, integerDigits: intDigits, flags)
        }
        if after | 0x20 == UInt8(ascii: "e") { return nil }
        return (end, flags | JSONNode.hasShortValue, UInt32(truncatingIfNeeded: value))
    }

    /// The end of ``scanShortNumber(_:_:_:)`` for a number with a point: the fraction's digits from `start` (just
    /// after the point; 8 bytes readable), 1 to 7 of them and at most 9 digits in all, no exponent after them.
    @inline(__always)
    static func shortFraction(
        _ p: UnsafeRawPointer, _ start: Int, integer: UInt64, integerDigits: Int, _ flags: UInt8
    ) -> (end: Int, flags: UInt8, short: UInt32)? {
        let fracWord = p.loadUnaligned(fromByteOffset: start, as: UInt64.self).littleEndian
        let fracDigits = leadingDigitCount(fracWord)
        guard fracDigits >= 1 && fracDigits < 8 && integerDigits &+ fracDigits <= 9 else { return nil }
        let end = start &+ fracDigits
        if p.load(fromByteOffset: end, as: UInt8.self) | 0x20 == UInt8(ascii: "e") { return nil }
        let value = integer &* JSONView.exactIntegerPowerOfTen(fracDigits) &+ swarValue(fracWord, fracDigits)
        let scale = UInt8(truncatingIfNeeded: fracDigits) << JSONNode.shortScaleShift
        return (end, flags & ~JSONNode.isInteger | JSONNode.hasShortValue | scale, UInt32(truncatingIfNeeded: value))
    }

    /// How many of the word's bytes, from the lowest, are ASCII digits before the first that is not (0…8).
    @inline(__always)
    static func leadingDigitCount(_ w: UInt64) -> Int {
        let high = 0xF0F0_F0F0_F0F0_F0F0 as UInt64
        let threes = 0x3030_3030_3030_3030 as UInt64
        let nonDigits = ((w & high) ^ threes) | (((w &+ 0x0606_0606_0606_0606) & high) ^ threes)
        return nonDigits == 0 ? 8 : nonDigits.trailingZeroBitCount >> 3
    }

    /// The value of the word's first `count` bytes (1…8 ASCII digits, most significant first).
    @inline(__always)
    static func swarValue(_ word: UInt64, _ count: Int) -> UInt64 {
        var w = (word &- 0x3030_3030_3030_3030) &<< UInt64(truncatingIfNeeded: 64 &- 8 &* count)
        w = (w &* 10) &+ (w >> 8)
        let low = (w & 0x0000_00FF_0000_00FF) &* (100 &+ (1_000_000 << 32))
        let high = ((w >> 16) & 0x0000_00FF_0000_00FF) &* (1 &+ (10_000 << 32))
        return (low &+ high) >> 32
    }

    /// The digits `p[start..<start+count]` (1 ≤ count ≤ 8, all ASCII digits) as an integer, eight at a time
    /// (the SWAR method of Lemire's fast_float). It reads 8 bytes from `start`, so the caller checks that
    /// `start + 8 ≤ n`. Bytes after the digits are shifted out before they can matter.
    @inline(__always)
    static func eightDigits(_ p: UnsafeRawPointer, _ start: Int, _ count: Int) -> UInt64 {
        swarValue(p.loadUnaligned(fromByteOffset: start, as: UInt64.self).littleEndian, count)
    }

    /// The value of a short plain decimal with integer digits `p[intStart..<intEnd]` and fraction digits
    /// `p[fracStart..<fracEnd]` (empty when there is no point): its digits as one integer, when there are at most 9
    /// and the 8-byte loads stay inside the buffer. Sets ``JSONNode/hasShortValue`` and the scale in `flags`.
    @inline(__always)
    static func shortValue(
        _ p: UnsafeRawPointer, _ n: Int, intStart: Int, intEnd: Int, fracStart: Int, fracEnd: Int,
        _ flags: inout UInt8
    ) -> UInt32 {
        let intDigits = intEnd &- intStart
        let fracDigits = fracEnd &- fracStart
        guard intDigits &+ fracDigits <= 9, intDigits <= 8, fracDigits <= 8, intStart &+ 8 <= n,
            fracDigits == 0 || fracStart &+ 8 <= n
        else { return 0 }
        var value = eightDigits(p, intStart, intDigits)
        if fracDigits > 0 {
            value = value &* JSONView.exactIntegerPowerOfTen(fracDigits) &+ eightDigits(p, fracStart, fracDigits)
        }
        flags |= JSONNode.hasShortValue | (UInt8(truncatingIfNeeded: fracDigits) << JSONNode.shortScaleShift)
        return UInt32(truncatingIfNeeded: value)
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
