/// A double-double number `hi + lo` with `|lo| ≤ ulp(hi)/2`: about 106 significant bits.
///
/// Used only off the fast path, where a sampler must decide a comparison that binary64 cannot: the error-free
/// transformations of Dekker (1971) and Knuth (TAOCP vol. 2, 4.2.2), with the algorithms of Hida, Li and Bailey,
/// "Library for double-double and quad-double arithmetic" (the QD library, 2007). Written by hand because no
/// package on the mirror offers extended precision that runs on every platform (Float80 is x86 only).
package struct DoubleDouble: Sendable, Equatable {
    /// The leading part: `hi + lo` rounded to the nearest double.
    package var hi: Double
    /// The trailing part.
    package var lo: Double

    /// `hi + lo`; the caller guarantees `|lo| ≤ ulp(hi)/2`.
    package init(_ hi: Double, _ lo: Double = 0) {
        self.hi = hi
        self.lo = lo
    }

    /// The exact sum `a + b` as a double-double (Knuth's TwoSum).
    @inlinable package static func twoSum(_ a: Double, _ b: Double) -> DoubleDouble {
        let s = a + b
        let bb = s - a
        let e = (a - (s - bb)) + (b - bb)
        return DoubleDouble(s, e)
    }

    /// `a + b` when `|a| ≥ |b|` (Dekker's FastTwoSum).
    @inlinable package static func quickTwoSum(_ a: Double, _ b: Double) -> DoubleDouble {
        let s = a + b
        return DoubleDouble(s, b - (s - a))
    }

    /// The exact product `a × b` as a double-double (one fused multiply-add).
    @inlinable package static func twoProduct(_ a: Double, _ b: Double) -> DoubleDouble {
        let p = a * b
        return DoubleDouble(p, (-p).addingProduct(a, b))
    }

    /// The exact quotient of two integers below 2^53 to double-double precision (the remainder of a correctly
    /// rounded division is exact, so one fused multiply-add recovers it).
    @inlinable package static func quotient(_ numerator: Double, _ denominator: Double) -> DoubleDouble {
        let q1 = numerator / denominator
        let remainder = numerator.addingProduct(-q1, denominator)
        return quickTwoSum(q1, remainder / denominator)
    }

    /// The value rounded to a double.
    @inlinable package var value: Double { hi + lo }

    /// The sum (QD's accurate addition).
    @inlinable package static func + (a: DoubleDouble, b: DoubleDouble) -> DoubleDouble {
        var s = twoSum(a.hi, b.hi)
        let t = twoSum(a.lo, b.lo)
        s.lo += t.hi
        s = quickTwoSum(s.hi, s.lo)
        s.lo += t.lo
        return quickTwoSum(s.hi, s.lo)
    }

    /// The negation.
    @inlinable package static prefix func - (a: DoubleDouble) -> DoubleDouble { DoubleDouble(-a.hi, -a.lo) }

    /// The difference.
    @inlinable package static func - (a: DoubleDouble, b: DoubleDouble) -> DoubleDouble { a + (-b) }

    /// The product.
    @inlinable package static func * (a: DoubleDouble, b: DoubleDouble) -> DoubleDouble {
        var p = twoProduct(a.hi, b.hi)
        p.lo += a.hi * b.lo + a.lo * b.hi
        return quickTwoSum(p.hi, p.lo)
    }

    /// The product with a double.
    @inlinable package static func * (a: DoubleDouble, b: Double) -> DoubleDouble {
        var p = twoProduct(a.hi, b)
        p.lo += a.lo * b
        return quickTwoSum(p.hi, p.lo)
    }

    /// The quotient (long division in two steps plus a correction, as QD's `accurate_div`).
    @inlinable package static func / (a: DoubleDouble, b: DoubleDouble) -> DoubleDouble {
        let q1 = a.hi / b.hi
        var r = a - b * q1
        let q2 = r.hi / b.hi
        r = r - b * q2
        let q3 = r.hi / b.hi
        return quickTwoSum(q1, q2) + DoubleDouble(q3)
    }

    /// `self × 2^exponent`, exact.
    @inlinable package func scaled(byPowerOfTwo exponent: Int) -> DoubleDouble {
        DoubleDouble(
            Double(sign: .plus, exponent: exponent, significand: hi),
            Double(sign: .plus, exponent: exponent, significand: lo))
    }

    /// Whether the value is below `other`.
    @inlinable package static func < (a: DoubleDouble, b: DoubleDouble) -> Bool {
        a.hi < b.hi || (a.hi == b.hi && a.lo < b.lo)
    }
}
