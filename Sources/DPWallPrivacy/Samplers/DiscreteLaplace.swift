/// The discrete Laplace (two-sided geometric) distribution on the integers: `P(z) ∝ e^(−|z|/t)` for an integer
/// scale `t ≥ 1`.
///
/// Algorithm 2 of Canonne, Kamath and Steinke, "The Discrete Gaussian for Differential Privacy" (NeurIPS 2020),
/// with `s = 1`: draw `U` uniform in `0..<t` and keep it with probability e^(−U/t); add `t·V` for `V` geometric
/// with `P(V ≥ k) = e^−k`; attach a fair sign, rejecting `−0`. The Bernoulli and geometric draws compare one
/// uniform against bounds computed to double-double precision (``ExpNegativeBernoulli``, ``geometricE``), so
/// each sample's law is within 2^-90 total variation of the ideal pmf (see docs/privacy.md for the bound).
///
/// Added to an integer query of sensitivity Δ (in the same units), it gives `Δ/t`-differential privacy.
public struct DiscreteLaplace: Sendable {
    /// The scale `t`, in grid steps.
    public let scale: UInt64
    private let inverseScale: Double
    private let keep: ExpNegativeBernoulli

    /// The largest scale: `t·V` and the sign must fit an `Int64` with room to spare.
    public static let maximumScale: UInt64 = 1 << 52

    /// A sampler with scale `t` (1 ≤ t ≤ ``maximumScale``).
    public init(scale t: UInt64) {
        precondition(t >= 1 && t <= Self.maximumScale, "discrete Laplace scale out of range: \(t)")
        scale = t
        inverseScale = 1 / Double(t)
        // x̂ = U·fl(1/t) is within 2^-52 relative of U/t; the table pads by 2^-44.
        keep = Self.sharedKeepTable
    }

    /// One table serves every scale: it is indexed by U/t in [0, 1).
    private static let sharedKeepTable = ExpNegativeBernoulli(
        limit: 1, cellBits: 8, padAbsolute: 0x1p-44, padRelative: 0x1p-44)

    /// One sample.
    public func sample(_ random: inout KeystreamGenerator) -> Int64 {
        while true {
            let u = random.uniform(below: scale)
            if u != 0 {
                let t = Double(scale)
                let kept = keep.sample(
                    estimate: Double(u) * inverseScale,
                    exact: { DoubleDouble.quotient(Double(u), t) }, &random)
                if !kept { continue }
            }
            let magnitude = u + scale * Self.geometricE(&random)
            let word = random.next64()
            if word & 1 == 1 {
                if magnitude == 0 { continue }
                return -Int64(magnitude)
            }
            return Int64(magnitude)
        }
    }

    /// `V` with `P(V ≥ k) = e^−k` (geometric with success probability 1 − 1/e), by comparing one uniform with
    /// `e^−k` for k = 1, 2, …: `V` is the number of thresholds it falls below.
    static func geometricE(_ random: inout KeystreamGenerator) -> UInt64 {
        var u = LazyUniform(&random)
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
