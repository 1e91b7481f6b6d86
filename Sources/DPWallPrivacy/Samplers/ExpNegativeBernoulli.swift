import Foundation

/// Bernoulli(e^−x) for x ≥ 0, decided exactly up to double-double precision, mostly without computing e^−x.
///
/// The three tiers use one uniform `U` and decide `U < e^−x`:
/// 1. a table of 32-bit bounds of e^−x over cells of width `2^-cellBits` (padded by the caller's bound on the
///    error of its estimate x̂), which decides from the first 32 bits of `U` unless they fall between the
///    cell's bounds (probability about the cell width);
/// 2. `exp(−x̂)` in binary64 with a proven error band, which decides unless `U` is within about 2^-45 of it;
/// 3. `e^−x` in double-double (about 2^-100 relative) against 128 bits of `U` (``LazyUniform``).
///
/// The result's probability differs from e^−x by at most 2^-100 + 2^-128 (tier 3's error); tiers 1 and 2 only
/// decide where tier 3 would decide the same. Compare Canonne, Kamath and Steinke (2020), Algorithm 1, which
/// samples Bernoulli(e^−γ) exactly with rational arithmetic: the same distribution, at a fraction of the cost.
struct ExpNegativeBernoulli: Sendable {
    /// x, exactly, as the slow tier recomputes it (plain values: no closure, no reference counting).
    enum Exponent {
        /// `numerator / denominator`, two integers below 2^53 (Laplace: U/t).
        case quotient(Double, Double)
        /// `(m − σ²/t)² / 2σ²` (Gaussian), with σ² exact as a double-double.
        case gaussian(magnitude: Double, sigmaSquared: DoubleDouble, t: Double)
        /// `o/t + (m − σ²/t)² / 2σ²`: the Gaussian test with the proposal's own acceptance folded in.
        case gaussianWithOffset(magnitude: Double, sigmaSquared: DoubleDouble, t: Double, offset: Double)

        /// The value to double-double precision.
        var exact: DoubleDouble {
            switch self {
            case .quotient(let numerator, let denominator):
                return DoubleDouble.quotient(numerator, denominator)
            case .gaussian(let magnitude, let sigmaSquared, let t):
                let d = DoubleDouble(magnitude) - sigmaSquared / DoubleDouble(t)
                return (d * d) / sigmaSquared.scaled(byPowerOfTwo: 1)
            case .gaussianWithOffset(let magnitude, let sigmaSquared, let t, let offset):
                return Exponent.quotient(offset, t).exact
                    + Exponent.gaussian(magnitude: magnitude, sigmaSquared: sigmaSquared, t: t).exact
            }
        }
    }

    /// Cells per unit of x.
    private let cellsPerUnit: Double
    /// `U < lower[i]/2^32` implies `U < e^−x` for every x in cell i (widened by the pad).
    private let lower: [UInt32]
    /// `U ≥ (upper[i]+1)/2^32`, i.e. `first32 > upper[i]`, implies `U > e^−x` for every x in cell i.
    private let upper: [UInt32]
    /// The caller's error bound on x̂: `|x̂ − x| ≤ padAbsolute + padRelative·x`.
    private let padAbsolute: Double, padRelative: Double

    /// A table for x in [0, `limit`) with `2^cellBits` cells per unit; the caller promises that its estimates
    /// x̂ satisfy `|x̂ − x| ≤ padAbsolute + padRelative·x` (checked against the tiers' margins in `init`).
    init(limit: Int, cellBits: Int, padAbsolute: Double, padRelative: Double) {
        precondition(padAbsolute <= 0x1p-40 && padRelative <= 0x1p-40, "the estimate's error is too large")
        let cells = limit << cellBits
        let width = Double(sign: .plus, exponent: -cellBits, significand: 1)
        cellsPerUnit = Double(1 << cellBits)
        self.padAbsolute = padAbsolute
        self.padRelative = padRelative
        var lower = [UInt32](repeating: 0, count: cells)
        var upper = [UInt32](repeating: .max, count: cells)
        for i in 0..<cells {
            // Cell i holds the x̂ with floor(x̂·cellsPerUnit) = i; their true x lie in [a, b].
            let b = Double(i + 1) * width
            let a = Double(i) * width
            let high = b + padAbsolute + padRelative * b
            let low = max(0, a - padAbsolute - padRelative * b)
            // floor(p·2^64) >> 32 = floor(p·2^32): the 32-bit bounds keep the 64-bit ones' guarantees.
            lower[i] = UInt32(LazyUniform.fixedPoint(DoubleDouble.exp(DoubleDouble(-high))).integer >> 32)
            if low > 0 {
                let (integer, _) = LazyUniform.fixedPoint(DoubleDouble.exp(DoubleDouble(-low)))
                upper[i] = UInt32(integer >> 32)
            }
        }
        self.lower = lower
        self.upper = upper
    }

    /// Bernoulli(e^−x), given an estimate `estimate` of x within the promised error and x itself (evaluated to
    /// double-double precision about once in 2^45 decisions).
    @inline(__always)
    func sample(estimate: Double, exact: Exponent, _ random: inout KeystreamGenerator) -> Bool {
        let firstHalf = random.next32()
        let scaled = estimate * cellsPerUnit
        if scaled < Double(lower.count) {
            let cell = Int(scaled)
            if firstHalf < lower[cell] { return true }
            if firstHalf > upper[cell] { return false }
        }
        var u = LazyUniform(firstHalf: firstHalf, &random)
        return decideSlowly(estimate: estimate, exact: exact, &u, &random)
    }

    /// Tiers 2 and 3.
    @inline(never)
    private func decideSlowly(
        estimate: Double, exact: Exponent, _ u: inout LazyUniform, _ random: inout KeystreamGenerator
    ) -> Bool {
        // |x̂ − x| ≤ pad, and glibc's exp is within 1 ulp, so |exp(−x̂) − e^−x| ≤ e^−x·(e^pad − 1) + 2^-52·e^−x;
        // the band below is 2^4 times wider than that.
        let p = exp(-estimate)
        let pad = padAbsolute + padRelative * estimate
        let band = p * (pad + 0x1p-52) * 16 + 0x1p-1000
        let below = (p - band) * 0x1p64
        let above = (p + band) * 0x1p64
        let first = Double(u.first)
        if first + 1 <= below.rounded(.down) - 2048 { return true }  // 2048: Double(first) rounds by ≤ 1024
        if first >= above.rounded(.up) + 2048 { return false }
        return u.isBelow(DoubleDouble.exp(-exact.exact), &random)
    }
}
