import Foundation

/// The exact composition of Gaussian releases: `k` releases of `μᵢ`-GDP compose to `√(Σ μᵢ²)`-GDP exactly
/// (Dong, Roth and Su, "Gaussian Differential Privacy", 2019), and μ-GDP is (ε, δ(ε))-DP for every ε with
/// `δ(ε) = Φ(μ/2 − ε/μ) − e^ε·Φ(−μ/2 − ε/μ)` (the analytic Gaussian of Balle and Wang with Δ/σ = μ).
public enum GaussianComposition {
    /// δ at ε for μ-GDP.
    public static func delta(mu: Double, epsilon: Double) -> Double {
        AnalyticGaussian.delta(epsilon: epsilon, sigma: 1, sensitivity: mu)
    }

    /// The smallest ε ≥ 0 with δ(ε) ≤ `delta` for μ-GDP, to about 1e-13 relative, on the safe side.
    ///
    /// δ(ε) is convex and decreasing, with `δ'(ε) = −e^ε·Φ(−μ/2 − ε/μ)`, so Newton's method started left of the
    /// root climbs to it monotonically: a few steps instead of sixty of bisection, which matters because the
    /// ledger checks it per record. It starts at `start` when that is left of the root (δ(start) > `delta`): the
    /// ledger passes the client's previous ε, the root for a smaller μ, and Newton then needs a step or two. The
    /// steps are kept inside a bracket, and the answer is on the safe side.
    public static func epsilon(mu: Double, delta target: Double, from start: Double = 0) -> Double {
        precondition(target > 0 && target < 1, "δ must be in (0, 1)")
        if mu <= 0 { return 0 }
        // A bracket [low, high] with δ(low) > target ≥ δ(high); Newton steps inside it, bisection otherwise (in
        // the far tails the binary64 evaluation of δ is too rough for Newton alone).
        var low = 0.0
        var high = Double.infinity
        var excess: Double
        if start > 0 && start.isFinite, case let atStart = delta(mu: mu, epsilon: start) - target, atStart > 0 {
            low = start
            excess = atStart
        } else {
            excess = delta(mu: mu, epsilon: 0) - target
            if excess <= 0 { return 0 }
            if start > 0 && start.isFinite { high = start }
        }
        if !high.isFinite {
            high = max(1.0, mu * mu, 2 * low)
            while delta(mu: mu, epsilon: high) > target { high *= 2 }
        }
        var epsilon = low
        for iteration in 0..<200 {
            if iteration > 0 {
                excess = delta(mu: mu, epsilon: epsilon) - target
                if excess > 0 { low = epsilon } else { high = epsilon }
            }
            let slope = -exp(epsilon) * AnalyticGaussian.normalCDF(-mu / 2 - epsilon / mu)
            var next = slope < 0 ? epsilon - excess / slope : .nan
            if !(next > low && next < high) { next = low + (high - low) / 2 }
            if abs(next - epsilon) <= 1e-15 * max(next, 1e-300) || high - low <= 1e-14 * high {
                epsilon = next
                break
            }
            epsilon = next
        }
        // Newton converges from the left, so the last iterate can sit a few ulps short of the root: step right
        // by growing relative amounts; the bracket's right end (δ ≤ target by construction) is the last resort.
        var atEpsilon = delta(mu: mu, epsilon: epsilon)
        var nudge = 1e-15
        while atEpsilon > target && nudge < 1e-9 {
            epsilon = min(high, epsilon * (1 + nudge) + 1e-300)
            atEpsilon = delta(mu: mu, epsilon: epsilon)
            nudge *= 2
        }
        if atEpsilon > target { epsilon = high }
        return epsilon
    }
}
