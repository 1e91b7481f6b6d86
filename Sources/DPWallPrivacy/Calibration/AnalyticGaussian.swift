import Foundation

/// The analytic Gaussian mechanism of Balle and Wang, "Improving the Gaussian Mechanism for Differential
/// Privacy: Analytical Calibration and Optimal Denoising" (ICML 2018), Theorem 8.
///
/// Gaussian noise of standard deviation σ on a query of L2 sensitivity Δ is (ε, δ)-DP exactly when
/// `Φ(Δ/2σ − εσ/Δ) − e^ε·Φ(−Δ/2σ − εσ/Δ) ≤ δ`. Φ is computed as `erfc(−x/√2)/2`: the `1 + erf` form loses
/// all precision in the tails that a δ of 1e-9 reaches.
public enum AnalyticGaussian {
    /// The standard normal distribution function Φ(x), through `erfc` (accurate in both tails).
    public static func normalCDF(_ x: Double) -> Double {
        0.5 * erfc(-x / 2.0.squareRoot())
    }

    /// The smallest δ for which noise σ on sensitivity Δ is (ε, δ)-DP (Theorem 8).
    public static func delta(epsilon: Double, sigma: Double, sensitivity: Double) -> Double {
        let a = sensitivity / (2 * sigma)
        let b = epsilon * sigma / sensitivity
        // e^ε·Φ(−a − b) as exp(ε + ln Φ(−a − b)): above ε ≈ 709.8 e^ε alone overflows to ∞ while Φ underflows,
        // and ∞·0 would poison the result.
        let tail = normalCDF(-a - b)
        let scaled = tail > 0 ? exp(epsilon + log(tail)) : 0
        let value = normalCDF(a - b) - scaled
        return max(0, value)
    }

    /// The smallest σ with ``delta(epsilon:sigma:sensitivity:)`` ≤ δ, to 1e-12 relative or better; the value
    /// returned is on the safe side (its δ is at most the target).
    ///
    /// The δ of σ falls as σ grows, so the root is bracketed by doubling and halving, then bisected in
    /// binary64 until the bracket is 2^-44 of σ wide (≈ 6e-14).
    ///
    /// Returns +∞ when no σ of binary64 can be found: at the ends of the ranges (ε or Δ near the smallest or
    /// largest doubles, δ below the subnormal range of Φ) the first guess or the bracket leaves the finite
    /// numbers. ``NoiseCalibration/checked(mechanism:epsilon:delta:sensitivity:rowLength:largestValue:)`` turns
    /// that into a ``CalibrationProblem``.
    public static func sigma(epsilon: Double, delta target: Double, sensitivity: Double) -> Double {
        precondition(epsilon > 0 && target > 0 && target < 1 && sensitivity > 0, "invalid analytic Gaussian input")
        func tooSmall(_ sigma: Double) -> Bool {
            delta(epsilon: epsilon, sigma: sigma, sensitivity: sensitivity) > target
        }
        // The classic bound √(2 ln(1.25/δ))·Δ/ε is a good first guess; bracket around it. A guess of 0 or ∞ (Δ/ε
        // out of range) would make the doubling and the halving below loop forever.
        var high = (2 * log(1.25 / target)).squareRoot() * sensitivity / epsilon
        guard high > 0, high.isFinite else { return .infinity }
        while tooSmall(high) {
            high *= 2
            if !high.isFinite { return .infinity }
        }
        var low = high
        while !tooSmall(low) && low > sensitivity * 1e-12 { low /= 2 }
        while high - low > high * 0x1p-44 {
            let middle = low + (high - low) / 2
            if middle <= low || middle >= high { break }
            if tooSmall(middle) { low = middle } else { high = middle }
        }
        return high
    }
}
