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

    /// Continues a uniform whose first 24 bits were already drawn (and decided nothing).
    init(prefix24: UInt32, _ random: inout KeystreamGenerator) {
        first = UInt64(prefix24) << 40 | random.next64() >> 24
    }

    /// Continues a uniform whose first 32 bits were already drawn (and decided nothing).
    init(firstHalf: UInt32, _ random: inout KeystreamGenerator) {
        first = UInt64(firstHalf) << 32 | UInt64(random.next32())
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
    ///
    /// Both parts of the double-double are split into whole and fractional parts exactly (`lo·2^64` can hold
    /// whole units when `q ≥ 2^-11`), and the fractions are added without error.
    static func fixedPoint(_ q: DoubleDouble) -> (integer: UInt64, fraction: DoubleDouble) {
        if q.hi > 0.5 {
            // Through 1 − q, whose leading part is below 1/2 (the direct path below is exact up to 2^63).
            let (whole, fraction) = fixedPoint(DoubleDouble(1) - q)
            if fraction.hi == 0 && fraction.lo == 0 { return (0 &- whole, fraction) }
            return ((0 &- whole) &- 1, DoubleDouble(1) - fraction)
        }
        let scaled = q.scaled(byPowerOfTwo: 64)
        let highWhole = scaled.hi.rounded(.down)
        let lowWhole = scaled.lo.rounded(.down)
        // highWhole ≤ 2^63 and |lowWhole| ≤ 2^11: both convert exactly; the sum wraps only below zero, which
        // the fraction's carry then undoes.
        var integer = UInt64(highWhole) &+ UInt64(bitPattern: Int64(lowWhole))
        var fraction = DoubleDouble.twoSum(scaled.hi - highWhole, scaled.lo - lowWhole)
        if fraction.hi > 1 || (fraction.hi == 1 && fraction.lo >= 0) {
            integer &+= 1
            fraction = fraction - DoubleDouble(1)
        }
        return (integer, fraction)
    }
}
