/// The discrete Laplace (two-sided geometric) distribution on the integers: `P(z) ∝ e^(−|z|/t)` for an integer
/// scale `t ≥ 1`.
///
/// Algorithm 2 of Canonne, Kamath and Steinke, "The Discrete Gaussian for Differential Privacy" (NeurIPS 2020),
/// with `s = 1`: draw `U` uniform in `0..<t` and keep it with probability e^(−U/t); add `t·V` for `V` geometric
/// with `P(V ≥ k) = e^−k`; attach a fair sign, rejecting `−0`. For scales of 2^16 and more (every grid scale),
/// `U` comes from ``ScaleCells``, which draws the same distribution with almost no rejections. The Bernoulli and geometric draws compare one
/// uniform against bounds computed to double-double precision (``ExpNegativeBernoulli``, ``geometricE``), so
/// each sample's law is within 2^-90 total variation of the ideal pmf (see docs/privacy.md for the bound).
///
/// Added to an integer query of sensitivity Δ (in the same units), it gives `Δ/t`-differential privacy.
public struct DiscreteLaplace: Sendable {
    /// The scale `t`, in grid steps.
    public let scale: UInt64
    private let inverseScale: Double
    private let keep: ExpNegativeBernoulli
    private let cells: ScaleCells?

    /// The largest scale: `t·V` stays below 2^53 (V < 89 up to probability 2^-128), so magnitudes are exact
    /// doubles for the Gaussian's acceptance test.
    public static let maximumScale: UInt64 = 1 << 46

    /// A sampler with scale `t` (1 ≤ t ≤ ``maximumScale``).
    public init(scale t: UInt64) {
        precondition(t >= 1 && t <= Self.maximumScale, "discrete Laplace scale out of range: \(t)")
        scale = t
        inverseScale = 1 / Double(t)
        // x̂ = U·fl(1/t) is within 2^-52 relative of U/t; the table pads by 2^-44.
        keep = Self.sharedKeepTable
        cells = t >= ScaleCells.smallestScale ? ScaleCells(scale: t) : nil
    }

    /// One table serves every scale: it is indexed by U/t in [0, 1).
    private static let sharedKeepTable = ExpNegativeBernoulli(
        limit: 1, cellBits: 8, padAbsolute: 0x1p-44, padRelative: 0x1p-44)

    /// A proposal whose remainder has not yet passed its acceptance test: the magnitude, the offset `o` in its
    /// cell (to be kept with probability e^(−o/t)), and the sign. Only for scales with cells (≥ 2^16): the
    /// discrete Gaussian folds that test into its own, saving one Bernoulli trial per proposal.
    func proposalBeforeKeep(_ random: inout KeystreamGenerator) -> (magnitude: UInt64, offset: UInt64, negative: Bool) {
        let (start, length) = cells!.choose(&random)
        let offset = random.uniform(below: length)
        let magnitude = start + offset + scale * geometricE(&random)
        return (magnitude, offset, random.nextBit())
    }

    /// Whether the scale uses cells (and ``proposalBeforeKeep(_:)`` is available).
    var hasCells: Bool { cells != nil }

    /// One sample.
    public func sample(_ random: inout KeystreamGenerator) -> Int64 {
        while true {
            let u: UInt64
            if let cells {
                let (start, length) = cells.choose(&random)
                let offset = random.uniform(below: length)
                if offset != 0 {
                    let kept = keep.sample(
                        estimate: Double(offset) * inverseScale, exact: .quotient(Double(offset), Double(scale)),
                        &random)
                    if !kept { continue }
                }
                u = start + offset
            } else {
                u = random.uniform(below: scale)
            }
            if cells == nil && u != 0 {
                let kept = keep.sample(
                    estimate: Double(u) * inverseScale, exact: .quotient(Double(u), Double(scale)), &random)
                if !kept { continue }
            }
            let magnitude = Int64(u + scale * geometricE(&random))
            let negative = random.nextBit()
            if negative && magnitude == 0 { continue }
            // Branch-free sign: the bit is random, so a branch would be mispredicted half the time.
            let sign = Int64(negative ? 1 : 0)
            return (magnitude ^ -sign) &+ sign
        }
    }

    /// `V` with `P(V ≥ k) = e^−k` (geometric with success probability 1 − 1/e), by comparing one uniform with
    /// `e^−k` for k = 1, 2, …: `V` is the number of thresholds it falls below.
    ///
    /// The first 32 bits of the uniform decide unless they equal a threshold's (probability below 2^-26); the
    /// first two comparisons are counted without branches (V ≥ 3, probability e^-3, takes the slow path).
    func geometricE(_ random: inout KeystreamGenerator) -> UInt64 {
        let half = random.next32()
        let (t1, t2, t3) = thresholdsE32
        // V ≤ 2 (probability 1 − e^-3), decided by 32 bits unless they equal a threshold's.
        if half >= t3 && half != t1 && half != t2 && half != t3 {
            return UInt64(half < t1 ? 1 : 0) + UInt64(half < t2 ? 1 : 0)
        }
        return Self.geometricSlowly(firstHalf: half, &random)
    }

    /// `floor(e^−k · 2^32)` for k = 1, 2, 3.
    private let thresholdsE32 = (
        UInt32(thresholdsE[1] >> 32), UInt32(thresholdsE[2] >> 32), UInt32(thresholdsE[3] >> 32)
    )

    /// ``geometricE`` from 64 (and, when needed, 128) bits of the uniform.
    @inline(never)
    static func geometricSlowly(firstHalf: UInt32, _ random: inout KeystreamGenerator) -> UInt64 {
        var u = LazyUniform(firstHalf: firstHalf, &random)
        var k = 0
        let thresholds = Self.thresholdsE
        while true {
            let next = k + 1
            let bound: UInt64 = next < thresholds.count ? thresholds[next] : 0
            if u.first < bound {
                k = next
            } else if u.first == bound {
                // The first 64 bits do not decide: compare to double-double precision.
                if !u.isBelow(DoubleDouble.exp(DoubleDouble(-Double(next))), &random) { return UInt64(k) }
                k = next
            } else {
                return UInt64(k)
            }
        }
    }

    /// `floor(e^−k · 2^64)` for k = 0 … 45 (entry 0 unused; e^−45·2^64 < 1).
    private static let thresholdsE: [UInt64] = (0...45).map { k in
        k == 0 ? .max : LazyUniform.fixedPoint(DoubleDouble.exp(DoubleDouble(-Double(k)))).integer
    }
}
