/// A uniform real `U` in [0, 1) whose binary digits are drawn only as far as a comparison needs them: the first
/// 64 bits eagerly, the next 64 on demand.
///
/// Comparing `U < p` for a `p` known to double-double precision is exact except when the first 128 bits of `U`
/// equal those of `p` (probability 2^-128), which is then decided as "not below"; the comparison's error is
/// that, plus the error of `p` itself.
struct LazyUniform: ~Copyable {
    /// The first 64 bits: `U ∈ [first/2^64, (first+1)/2^64)`.
    let first: UInt64
    private var second: UInt64?

    /// Draws the first word.
    init(_ random: inout KeystreamGenerator) {
        first = random.next64()
    }

    /// Whether `U < p` for `p` in [0, 1] given as a double-double.
    mutating func isBelow(_ p: DoubleDouble, _ random: inout KeystreamGenerator) -> Bool {
        if p.hi <= 0 { return false }
        if p.hi >= 1 && p.lo >= 0 { return true }
        if p.hi > 0.5 {
            // U < p  ⟺  1 − U > 1 − p, and the digits of 1 − U are the complements of those of U.
            return !compare(complemented: true, DoubleDouble(1) - p, &random)
        }
        return compare(complemented: false, p, &random)
    }

    /// Whether `V < q` for `q` in [0, 1/2], with `V = U` or `V = 1 − U` (digits complemented).
    private mutating func compare(complemented: Bool, _ q: DoubleDouble, _ random: inout KeystreamGenerator) -> Bool {
        let (a, fraction) = Self.fixedPoint(q)
        let v0 = complemented ? ~first : first
        if v0 != a { return v0 < a }
        let (b, _) = Self.fixedPoint(fraction)
        if second == nil { second = random.next64() }
        let v1 = complemented ? ~second! : second!
        // Equal 128 bits: probability 2^-128, decided as not below.
        return v1 < b
    }

    /// `q·2^64 = integer + fraction` with `fraction` in [0, 1), for `q` in [0, 1).
    static func fixedPoint(_ q: DoubleDouble) -> (integer: UInt64, fraction: DoubleDouble) {
        if q.hi >= 0.5 {
            // Through 1 − q, whose scaled value stays below 2^63 and so converts exactly.
            let (whole, fraction) = fixedPoint(DoubleDouble(1) - q)
            if fraction.hi == 0 && fraction.lo == 0 { return (0 &- whole, fraction) }
            return ((0 &- whole) &- 1, DoubleDouble(1) - fraction)
        }
        let scaled = q.scaled(byPowerOfTwo: 64)
        var whole = scaled.hi.rounded(.down)
        var fraction = DoubleDouble.twoSum(scaled.hi - whole, scaled.lo)
        if fraction.hi < 0 {
            whole -= 1
            fraction = fraction + DoubleDouble(1)
        }
        return (UInt64(whole), fraction)
    }
}
