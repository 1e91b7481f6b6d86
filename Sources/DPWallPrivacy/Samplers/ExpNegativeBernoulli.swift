import Foundation

/// Bernoulli(e^−x) for x ≥ 0, decided exactly up to double-double precision, mostly without computing e^−x.
///
/// The three tiers use one uniform `U` and decide `U < e^−x`:
/// 1. a table of integer bounds of e^−x over cells of width `2^-cellBits` (padded by the caller's bound on the
///    error of its estimate x̂), which decides unless `U` falls between the cell's bounds (probability about the
///    cell width);
/// 2. `exp(−x̂)` in binary64 with a proven error band, which decides unless `U` is within about 2^-45 of it;
/// 3. `e^−x` in double-double (about 2^-100 relative) against 128 bits of `U` (``LazyUniform``).
///
/// The result's probability differs from e^−x by at most 2^-100 + 2^-128 (tier 3's error); tiers 1 and 2 only
/// decide where tier 3 would decide the same. Compare Canonne, Kamath and Steinke (2020), Algorithm 1, which
/// samples Bernoulli(e^−γ) exactly with rational arithmetic: the same distribution, at a fraction of the cost.
struct ExpNegativeBernoulli: Sendable {
    /// Cells per unit of x.
    private let cellsPerUnit: Double
    /// `U < lower[i]/2^64` implies `U < e^−x` for every x in cell i (widened by the pad).
    private let lower: [UInt64]
    /// `U ≥ (upper[i]+1)/2^64`, i.e. `first > upper[i]`, implies `U > e^−x` for every x in cell i.
    private let upper: [UInt64]
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
        var lower = [UInt64](repeating: 0, count: cells)
        var upper = [UInt64](repeating: .max, count: cells)
        for i in 0..<cells {
            // Cell i holds the x̂ with floor(x̂·cellsPerUnit) = i; their true x lie in [a, b].
            let b = Double(i + 1) * width
            let a = Double(i) * width
            let high = b + padAbsolute + padRelative * b
            let low = max(0, a - padAbsolute - padRelative * b)
            lower[i] = LazyUniform.fixedPoint(DoubleDouble.exp(DoubleDouble(-high))).integer
            if low > 0 {
                let (integer, _) = LazyUniform.fixedPoint(DoubleDouble.exp(DoubleDouble(-low)))
                upper[i] = integer
            }
        }
        self.lower = lower
        self.upper = upper
    }

    /// Bernoulli(e^−x), given an estimate `estimate` of x within the promised error and `exact()`, x to
    /// double-double precision (called about once in 2^45 decisions).
    @inline(__always)
    func sample(
        estimate: Double, exact: () -> DoubleDouble, _ random: inout KeystreamGenerator
    ) -> Bool {
        var u = LazyUniform(&random)
        let scaled = estimate * cellsPerUnit
        if scaled < Double(lower.count) {
            let cell = Int(scaled)
            if u.first < lower[cell] { return true }
            if u.first > upper[cell] { return false }
        }
        return decideSlowly(estimate: estimate, exact: exact, &u, &random)
    }

    /// Tiers 2 and 3.
    @inline(never)
    private func decideSlowly(
        estimate: Double, exact: () -> DoubleDouble, _ u: inout LazyUniform, _ random: inout KeystreamGenerator
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
        return u.isBelow(DoubleDouble.exp(-exact()), &random)
    }
}
