/// The discrete Gaussian distribution on the integers: `P(z) ∝ e^(−z²/2σ²)`.
///
/// Algorithm 3 of Canonne, Kamath and Steinke, "The Discrete Gaussian for Differential Privacy" (NeurIPS 2020):
/// with `t = ⌊σ⌋ + 1`, draw `Y` from the discrete Laplace of scale `t` and keep it with probability
/// `exp(−(|Y| − σ²/t)² / 2σ²)`. The Bernoulli compares one uniform with bounds computed to double-double
/// precision (``ExpNegativeBernoulli``), so each sample's law is within 2^-90 total variation of the ideal pmf.
///
/// Added to an integer query of L2 sensitivity Δ, it satisfies `Δ²/2σ²`-zCDP and the (ε, δ) bound of the
/// paper's Theorem 7, which the analytic-Gaussian calibration (``NoiseCalibration``) meets.
public struct DiscreteGaussian: Sendable {
    /// σ, in grid steps.
    public let sigma: Double
    private let laplace: DiscreteLaplace
    private let sigmaSquared: DoubleDouble
    private let center: Double
    private let inverseTwoSigmaSquared: Double
    private let keep: ExpNegativeBernoulli

    /// The largest σ: the Laplace proposal's scale must stay within ``DiscreteLaplace/maximumScale``.
    public static let maximumSigma = 0x1p45

    /// A sampler with standard deviation parameter σ (1/4 ≤ σ ≤ ``maximumSigma``), in grid steps.
    public init(sigma: Double) {
        precondition(sigma >= 0.25 && sigma <= Self.maximumSigma, "discrete Gaussian sigma out of range: \(sigma)")
        self.sigma = sigma
        let t = UInt64(sigma.rounded(.down)) + 1
        laplace = DiscreteLaplace(scale: t)
        sigmaSquared = DoubleDouble.twoProduct(sigma, sigma)
        center = sigma * sigma / Double(t)
        inverseTwoSigmaSquared = 1 / (2 * sigma * sigma)
        keep = Self.sharedKeepTable
    }

    /// Algorithm 3 with the proposal's last acceptance test folded into the Gaussian one: both are rejection steps
    /// of the same loop, so keeping the proposal with probability `e^(−o/t)·e^(−γ) = e^(−(o/t + γ))` in one
    /// trial gives the same distribution with one trial fewer per proposal.
    private func sampleFolded(_ random: inout KeystreamGenerator) -> Int64 {
        let t = Double(laplace.scale)
        let inverseT = 1 / t
        while true {
            let (magnitude, offset, negative) = laplace.proposalBeforeKeep(&random)
            if negative && magnitude == 0 { continue }
            let m = Double(magnitude)
            let d = m - center
            let exponent = Double(offset) * inverseT + d * d * inverseTwoSigmaSquared
            let kept = keep.sample(
                estimate: exponent,
                exact: .gaussianWithOffset(
                    magnitude: m, sigmaSquared: sigmaSquared, t: t, offset: Double(offset)),
                &random)
            if kept {
                let sign = Int64(negative ? 1 : 0)
                return (Int64(magnitude) ^ -sign) &+ sign
            }
        }
    }

    /// γ̂ = (|Y| − fl(σ²/t))²·fl(1/2σ²) is within 2^-49·(1 + γ) of γ (docs/privacy.md), and o·fl(1/t) within
    /// 2^-51 of o/t; the table pads by 2^-44·(1 + x).
    private static let sharedKeepTable = ExpNegativeBernoulli(
        limit: 32, cellBits: 6, padAbsolute: 0x1p-44, padRelative: 0x1p-44)

    /// One sample.
    public func sample(_ random: inout KeystreamGenerator) -> Int64 {
        if laplace.hasCells { return sampleFolded(&random) }
        while true {
            let y = laplace.sample(&random)
            let magnitude = Double(y.magnitude)
            let d = magnitude - center
            let gamma = d * d * inverseTwoSigmaSquared
            let kept = keep.sample(
                estimate: gamma,
                exact: .gaussian(magnitude: magnitude, sigmaSquared: sigmaSquared, t: Double(laplace.scale)), &random)
            if kept { return y }
        }
    }
}
