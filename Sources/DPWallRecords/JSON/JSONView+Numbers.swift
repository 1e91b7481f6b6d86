#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

extension JSONView {
    /// The correctly rounded `Double` of the number node `i` (like `strtod`): overflow gives ±infinity, underflow ±0.
    ///
    /// Exact fast path (Clinger) for at most 19 significant digits with a value ≤ 2^53 and a power of ten within
    /// ±22; otherwise the C library's correctly rounded `strtod` on a copy of the token, in the C locale.
    @inline(__always)
    package func double(_ i: Int) -> Double {
        let node = nodes[i]
        if node.flags & JSONNode.hasShortValue != 0 {
            // < 10^9 digits and 10^scale ≤ 10^9 are exact doubles: one correctly rounded division.
            let quotient = Double(node.count) / Self.exactPowerOfTen(Int(node.flags >> JSONNode.shortScaleShift))
            return node.flags & JSONNode.isNegative != 0 ? -quotient : quotient
        }
        return generalDouble(i)
    }

    /// ``double(_:)`` for numbers the parser did not read as short decimals.
    @inline(never)
    private func generalDouble(_ i: Int) -> Double {
        if let value = shortDecimal(i, maxDigits: 15, maxScale: 22) {
            // ≤ 15 digits is < 2^53, and 10^scale ≤ 10^22 is exact: one correctly rounded division.
            return value.negative
                ? -(Double(value.mantissa) / Self.exactPowerOfTen(value.scale))
                : Double(value.mantissa) / Self.exactPowerOfTen(value.scale)
        }
        let token = body(i)
        let d = DecimalParts(token)
        if d.mantissa == 0 { return d.negative ? -0.0 : 0.0 }
        // Beyond the range: value >= 10^(exponent + digits - 1), and < 10^(exponent + digits).
        if d.exponent &+ d.digits > 309 { return d.negative ? -.infinity : .infinity }
        if d.exponent &+ d.digits <= -324 { return d.negative ? -0.0 : 0.0 }
        if !d.truncated && d.mantissa <= 1 << 53 {
            var value: Double?
            if d.exponent >= 0 && d.exponent <= 22 {
                value = Double(d.mantissa) * Self.powersOfTen[d.exponent]
            } else if d.exponent < 0 && d.exponent >= -22 {
                value = Double(d.mantissa) / Self.powersOfTen[-d.exponent]
            } else if d.exponent > 22 && d.exponent <= 22 + 15 {
                // Move extra powers of ten into the mantissa while it stays exact.
                let (scaled, overflow) = d.mantissa.multipliedReportingOverflow(
                    by: Self.integerPowersOfTen[d.exponent - 22])
                if !overflow && scaled <= 1 << 53 { value = Double(scaled) * 1e22 }
            }
            if let value { return d.negative ? -value : value }
        }
        return Self.withCString(token) { strtod($0, nil) }
    }

    /// The correctly rounded `Float` of the number node `i`, directly from the decimal (no double rounding):
    /// overflow gives ±infinity, underflow ±0.
    ///
    /// Exact fast path for a mantissa ≤ 2^24 and a power of ten within ±10; otherwise `strtof` in the C locale.
    @inline(__always)
    package func float(_ i: Int) -> Float {
        let node = nodes[i]
        if node.flags & JSONNode.hasShortValue != 0 && node.count <= 1 << 24 {
            // Digits ≤ 2^24 and 10^scale ≤ 10^9 are exact Floats: one correctly rounded division.
            let quotient =
                Float(node.count) / Float(Self.exactPowerOfTen(Int(node.flags >> JSONNode.shortScaleShift)))
            return node.flags & JSONNode.isNegative != 0 ? -quotient : quotient
        }
        return generalFloat(i)
    }

    /// ``float(_:)`` for numbers the parser did not read as short decimals.
    @inline(never)
    private func generalFloat(_ i: Int) -> Float {
        if let value = shortDecimal(i, maxDigits: 7, maxScale: 10), value.mantissa <= 1 << 24 {
            // The mantissa ≤ 2^24 and 10^scale ≤ 10^10 are exact Floats: one correctly rounded division.
            let quotient = Float(value.mantissa) / Float(Self.exactPowerOfTen(value.scale))
            return value.negative ? -quotient : quotient
        }
        let token = body(i)
        let d = DecimalParts(token)
        if d.mantissa == 0 { return d.negative ? -0.0 : 0.0 }
        if d.exponent &+ d.digits > 39 { return d.negative ? -.infinity : .infinity }
        if d.exponent &+ d.digits <= -46 { return d.negative ? -0.0 : 0.0 }
        if !d.truncated && d.mantissa <= 1 << 24 && d.exponent >= -10 && d.exponent <= 10 {
            let power = Float(Self.powersOfTen[abs(d.exponent)])
            let value = d.exponent >= 0 ? Float(d.mantissa) * power : Float(d.mantissa) / power
            return d.negative ? -value : value
        }
        return Self.withCString(token) { strtof($0, nil) }
    }

    /// The exact value of the number node `i` when it is an integer token (``JSONNode/isInteger``) that fits an
    /// `Int64`, else nil. `-0` is 0.
    package func int64(_ i: Int) -> Int64? {
        guard let (negative, magnitude) = integerMagnitude(i) else { return nil }
        if negative {
            guard magnitude <= UInt64(Int64.max) &+ 1 else { return nil }
            return Int64(truncatingIfNeeded: 0 &- magnitude)
        }
        guard magnitude <= UInt64(Int64.max) else { return nil }
        return Int64(magnitude)
    }

    /// The exact value of the number node `i` when it is an integer token (``JSONNode/isInteger``) that fits a
    /// `UInt64`, else nil. `-0` is 0; other negative values are nil.
    package func uint64(_ i: Int) -> UInt64? {
        guard let (negative, magnitude) = integerMagnitude(i) else { return nil }
        guard !negative || magnitude == 0 else { return nil }
        return magnitude
    }

    /// The sign and magnitude of an integer number node, or nil when it is not an integer token or exceeds 2^64 - 1.
    private func integerMagnitude(_ i: Int) -> (Bool, UInt64)? {
        let node = nodes[i]
        guard node.kind == .number, node.flags & JSONNode.isInteger != 0 else { return nil }
        let token = body(i)
        let negative = node.flags & JSONNode.isNegative != 0
        var magnitude: UInt64 = 0
        for c in token[(negative ? 1 : 0)...] {
            let (times10, overflow1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(c &- UInt8(ascii: "0")))
            if overflow1 || overflow2 { return nil }
            magnitude = sum
        }
        return (negative, magnitude)
    }

    /// The hot path of ``double(_:)`` and ``float(_:)``: a plain decimal `-?digits(.digits)?` with no exponent,
    /// at most `maxDigits` digits in all and at most `maxScale` after the point, read in one pass over the bytes.
    /// Nil sends the caller to the general path.
    @inline(__always)
    private func shortDecimal(_ i: Int, maxDigits: Int, maxScale: Int) -> (
        negative: Bool, mantissa: UInt64, scale: Int
    )? {
        let node = nodes[i]
        var p = bytes.baseAddress! + Int(node.start)
        let end = bytes.baseAddress! + Int(node.end)
        let negative = p.load(as: UInt8.self) == UInt8(ascii: "-")
        if negative { p += 1 }
        guard end - p <= maxDigits + 1 else { return nil }  // digits and one point at most
        var mantissa: UInt64 = 0
        var scale = 0
        var afterPoint = false
        while p < end {
            let c = p.load(as: UInt8.self)
            let digit = c &- UInt8(ascii: "0")
            if digit < 10 {
                mantissa = mantissa &* 10 &+ UInt64(digit)
                if afterPoint { scale &+= 1 }
            } else if c == UInt8(ascii: ".") {
                afterPoint = true
            } else {
                return nil  // an exponent
            }
            p += 1
        }
        guard scale <= maxScale else { return nil }
        return (negative, mantissa, scale)
    }

    /// 10^k for k in 0...22, each exact in binary64. A table, not a `switch`: the scale of tensor values varies
    /// from element to element, and a jump table's indirect branch would mispredict on most of them.
    @inline(__always)
    static func exactPowerOfTen(_ k: Int) -> Double {
        powersOfTen.withUnsafeBufferPointer { $0[k] }
    }

    /// Exactly representable powers of ten, 10^0 ... 10^22.
    static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
        1e20, 1e21, 1e22,
    ]

    /// 10^0 ... 10^15 as integers (a literal, so the table is static data with no lazy initialization).
    static let integerPowersOfTen: [UInt64] = [
        1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000, 10_000_000_000,
        100_000_000_000, 1_000_000_000_000, 10_000_000_000_000, 100_000_000_000_000, 1_000_000_000_000_000,
    ]

    /// 10^k as an integer for k in 0...15: the parser scales short decimals with it, where converting the
    /// `Double` of ``exactPowerOfTen(_:)`` would cost a range-checked float-to-integer conversion per number.
    @inline(__always)
    static func exactIntegerPowerOfTen(_ k: Int) -> UInt64 {
        integerPowersOfTen.withUnsafeBufferPointer { $0[k] }
    }

    /// Calls `body` with a NUL-terminated copy of `token` (on the stack when small) in the C numeric locale.
    private static func withCString<T>(_ token: UnsafeRawBufferPointer, _ body: (UnsafePointer<CChar>) -> T) -> T {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: token.count &+ 1) { buffer in
            let base = buffer.baseAddress!
            UnsafeMutableRawPointer(base).copyMemory(from: token.baseAddress!, byteCount: token.count)
            base[token.count] = 0
            let previous = uselocale(cNumericLocale)
            defer { uselocale(previous) }
            return body(base)
        }
    }
}

/// The "C" locale for `LC_NUMERIC`, so that `strtod` reads `.` whatever the process locale is.
nonisolated(unsafe) private let cNumericLocale = newlocale(1 << LC_NUMERIC, "C", nil)

/// The significant digits and decimal exponent of a valid JSON number token: value = mantissa × 10^exponent when
/// not ``truncated``.
struct DecimalParts {
    /// Whether the token starts with `-`.
    var negative = false
    /// The first (at most 19) significant digits.
    var mantissa: UInt64 = 0
    /// How many significant digits ``mantissa`` holds.
    var digits = 0
    /// The power of ten that scales ``mantissa`` (saturated far beyond the `Double` range).
    var exponent = 0
    /// Whether nonzero digits were dropped after the first 19.
    var truncated = false

    /// Reads a token already validated by the JSON grammar.
    @inline(__always)
    init(_ token: UnsafeRawBufferPointer) {
        let n = token.count
        var k = 0
        if k < n && token[k] == UInt8(ascii: "-") {
            negative = true
            k &+= 1
        }
        var inFraction = false
        while k < n {
            let c = token[k]
            let d = c &- UInt8(ascii: "0")
            if d < 10 {
                if mantissa == 0 && d == 0 {
                    if inFraction { exponent &-= 1 }
                } else if digits < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(d)
                    digits &+= 1
                    if inFraction { exponent &-= 1 }
                } else {
                    if d != 0 { truncated = true }
                    if !inFraction { exponent &+= 1 }
                }
            } else if c == UInt8(ascii: ".") {
                inFraction = true
            } else {
                break
            }
            k &+= 1
        }
        guard k < n else { return }
        // Exponent part: 'e' or 'E', optional sign, digits; saturate far outside any representable range.
        k &+= 1
        var exponentNegative = false
        if token[k] == UInt8(ascii: "-") || token[k] == UInt8(ascii: "+") {
            exponentNegative = token[k] == UInt8(ascii: "-")
            k &+= 1
        }
        var e = 0
        while k < n {
            if e < 1_000_000_000_000_000 { e = e &* 10 &+ Int(token[k] &- UInt8(ascii: "0")) }
            k &+= 1
        }
        exponent = exponentNegative ? exponent &- e : exponent &+ e
    }
}
