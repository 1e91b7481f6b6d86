import Foundation

/// Rényi differential privacy: the orders, the Laplace curve and the conversion to (ε, δ).
public enum RenyiDP {
    /// dp_accounting's default orders: 1.1, 1.2, …, 10.9, 11, 12, …, 63, 128, 256, 512, 1024 (156 orders).
    public static let orders: [Double] = {
        var orders: [Double] = (1..<100).map { (x: Int) -> Double in 1 + Double(x) / 10 }
        orders += (11..<64).map { (x: Int) -> Double in Double(x) }
        orders += [128, 256, 512, 1024]
        return orders
    }()

    /// The RDP of one Laplace release of pure `epsilon` at order `alpha` > 1 (Mironov, "Rényi Differential
    /// Privacy", CSF 2017, Proposition 6, which is tight):
    /// `ε + ln(1 + (α − 1)·(e^((1 − 2α)ε) − 1)/(2α − 1)) / (α − 1)`, in the `log1p`/`expm1` form that stays
    /// accurate for small ε; below α = 1.1 through its Taylor series, as dp_accounting does.
    public static func laplace(epsilon: Double, order alpha: Double) -> Double {
        precondition(alpha > 1 && epsilon >= 0, "Laplace RDP needs α > 1 and ε ≥ 0")
        let c = expm1(epsilon * (1 - 2 * alpha)) / (2 * alpha - 1)
        if alpha < 1.1 {
            // ln(1 + c·x)/x = c·Σ (−c·x)^(k−1)/k with x = α − 1 and 0 ≤ −c·x ≤ 0.1.
            let v = -c * (alpha - 1)
            var sum = 0.0
            var power = 1.0
            for k in 1..<60 {
                sum += power / Double(k)
                power *= v
            }
            return epsilon + c * sum
        }
        return epsilon + log1p((alpha - 1) * c) / (alpha - 1)
    }

    /// The (ε, δ) bound of an RDP guarantee `rdp` at order `alpha`: `r + ln(1 − 1/α) − (ln δ + ln α)/(α − 1)`
    /// (Canonne, Kamath and Steinke 2020, Proposition 12; Asoodeh et al. 2020), 0 when the KL bound
    /// `δ ≥ √(1 − e^−r)` already gives ε = 0, as dp_accounting computes it.
    public static func epsilon(rdp: Double, order alpha: Double, delta: Double) -> Double {
        if rdp <= 0 { return 0 }
        if delta * delta + expm1(-rdp) > 0 { return 0 }
        return max(0, rdp + log1p(-1 / alpha) - log(delta * alpha) / (alpha - 1))
    }

    /// The smallest ε over the orders for an RDP curve given at ``orders``.
    public static func epsilon(curve: (Int) -> Double, delta: Double) -> Double {
        var best = Double.infinity
        for (k, alpha) in orders.enumerated() {
            best = min(best, epsilon(rdp: curve(k), order: alpha, delta: delta))
        }
        return best
    }

    /// ε at δ for `rho`-zCDP: the RDP curve `ρα` converted by the bound above, minimised over real α > 1 by a
    /// golden-section search on `ln(α − 1)` (the bound is unimodal in α), to 1e-13 relative in α.
    public static func zcdpEpsilon(rho: Double, delta: Double) -> Double {
        precondition(delta > 0 && delta < 1, "δ must be in (0, 1)")
        if rho <= 0 { return 0 }
        func bound(_ logShift: Double) -> Double {
            let alpha = 1 + exp(logShift)
            return epsilon(rdp: rho * alpha, order: alpha, delta: delta)
        }
        // α − 1 from 1e-9 to 1e12 covers every ρ and δ a policy can hold.
        var low = log(1e-9)
        var high = log(1e12)
        let ratio = (5.0.squareRoot() - 1) / 2
        var x1 = high - ratio * (high - low)
        var x2 = low + ratio * (high - low)
        var f1 = bound(x1)
        var f2 = bound(x2)
        while high - low > 1e-13 * max(1, abs(low)) {
            if f1 <= f2 {
                high = x2
                x2 = x1
                f2 = f1
                x1 = high - ratio * (high - low)
                f1 = bound(x1)
            } else {
                low = x1
                x1 = x2
                f1 = f2
                x2 = low + ratio * (high - low)
                f2 = bound(x2)
            }
        }
        return min(f1, f2)
    }
}
