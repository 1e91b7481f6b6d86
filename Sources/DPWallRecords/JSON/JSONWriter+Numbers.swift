extension JSONWriter {
    /// Appends the decimal text of `v`.
    package mutating func append(_ v: Int64) {
        if v < 0 {
            bytes.append(UInt8(ascii: "-"))
            append(v.magnitude)
        } else {
            append(UInt64(v))
        }
    }

    /// Appends the decimal text of `v`.
    package mutating func append(_ v: UInt64) {
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for 20 digits
        var v = v
        withUnsafeMutableBytes(of: &digits) { buffer in
            var k = buffer.count
            repeat {
                k &-= 1
                buffer[k] = UInt8(truncatingIfNeeded: v % 10) &+ UInt8(ascii: "0")
                v /= 10
            } while v != 0
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[k...]))
        }
    }

    /// Appends the decimal text of `v`.
    package mutating func append(_ v: Int) {
        append(Int64(v))
    }

    /// Appends the shortest text that reads back as `v` (Swift's `description`).
    ///
    /// Integral values with magnitude below 2^53 are written without `.0` (`1.0` → `1`, `-0.0` → `-0`); others use
    /// Swift's form, e.g. `0.1`, `1e-05`, `1e+16`, `5e-324`, all valid JSON numbers.
    /// - Precondition: `v` is finite (JSON has no infinity or NaN).
    package mutating func append(_ v: Double) {
        precondition(v.isFinite, "JSON cannot hold a non-finite number")
        if v.magnitude < 0x1p53, v.rounded(.towardZero) == v {
            appendIntegral(Int64(v), negativeZero: v == 0 && v.sign == .minus)
            return
        }
        var text = v.description
        text.withUTF8 { bytes.append(contentsOf: $0) }
    }

    /// Writes an integral floating-point value as an integer (`-0` for negative zero).
    private mutating func appendIntegral(_ v: Int64, negativeZero: Bool) {
        if negativeZero { bytes.append(UInt8(ascii: "-")) }
        append(v)
    }

    /// Appends the shortest text that reads back as the `Float` `v` (`0.1` as a Float writes `0.1`).
    ///
    /// Integral values with magnitude below 2^24 are written without `.0`; others use Swift's form.
    /// - Precondition: `v` is finite.
    package mutating func append(_ v: Float) {
        precondition(v.isFinite, "JSON cannot hold a non-finite number")
        if v.magnitude < 0x1p24, v.rounded(.towardZero) == v {
            appendIntegral(Int64(v), negativeZero: v == 0 && v.sign == .minus)
            return
        }
        var text = v.description
        text.withUTF8 { bytes.append(contentsOf: $0) }
    }

    /// Appends `v`, a value already rounded to `decimals` places, as the decimal it stands for: `0.9312` with
    /// 4 decimals writes `0.9312`, `0.5000` writes `0.5`, `2.0` writes `2`.
    ///
    /// This is the text ``append(_:)-(Double)`` writes, found without the general shortest-digits search: a
    /// decimal of at most 15 significant digits is the shortest text of its nearest double. Values outside that
    /// range (below 10^-4, where Swift switches to exponent form, or 10^15 and above) take the general path.
    package mutating func append(_ v: Double, decimals: Int) {
        let scale = JSONView.exactPowerOfTen(decimals)
        let scaled = (v * scale).rounded(.toNearestOrAwayFromZero)
        guard decimals > 0, decimals <= 15, scaled.magnitude < 1e15, v.magnitude >= 1e-4, scaled / scale == v else {
            append(v)
            return
        }
        var n = UInt64(scaled.magnitude)
        var places = decimals
        while places > 0 && n % 10 == 0 {
            n /= 10
            places &-= 1
        }
        if v < 0 { bytes.append(UInt8(ascii: "-")) }
        guard places > 0 else {
            append(n)
            return
        }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for 15 digits, a point and zeros
        withUnsafeMutableBytes(of: &digits) { buffer in
            var k = buffer.count
            var written = 0
            repeat {
                if written == places {
                    k &-= 1
                    buffer[k] = UInt8(ascii: ".")
                }
                k &-= 1
                buffer[k] = UInt8(truncatingIfNeeded: n % 10) &+ UInt8(ascii: "0")
                n /= 10
                written &+= 1
            } while n != 0 || written <= places
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[k...]))
        }
    }
}
