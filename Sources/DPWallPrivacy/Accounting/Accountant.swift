import Foundation

/// The accountant of a policy: its method, with the Laplace RDP curves of the policy's ε values and the
/// conversion constants of its δ limits computed once, so that charging a record costs a pass over 156 orders
/// of multiply-adds, not 156 logarithms per Laplace group.
///
/// The numbers are exactly those of ``PrivacyAccount/epsilon(_:delta:)`` (a test checks it); that method stays
/// as the reference, computing everything on the spot.
public struct Accountant: Sendable {
    /// How releases compose.
    public let method: AccountingMethod
    private let curves: [Double: [Double]]
    private let conversions: [Double: Conversion]

    /// The δ-dependent part of the RDP conversion at every order: `ln(1 − 1/α) − ln(δα)/(α − 1)`, and the RDP
    /// below which the KL bound already gives ε = 0 (`δ² + e^−r − 1 > 0`).
    struct Conversion: Sendable {
        var offsets: [Double]
        var klThreshold: Double

        init(delta: Double) {
            offsets = RenyiDP.orders.map { alpha in log1p(-1 / alpha) - log(delta * alpha) / (alpha - 1) }
            klThreshold = -log1p(-delta * delta)
        }
    }

    /// An accountant for `method`, prepared for Laplace releases of `laplaceEpsilons` and δ limits `deltas`
    /// (others still work, computed on the spot).
    public init(method: AccountingMethod, laplaceEpsilons: [Double] = [], deltas: [Double] = []) {
        self.method = method
        var curves: [Double: [Double]] = [:]
        for epsilon in laplaceEpsilons where curves[epsilon] == nil {
            curves[epsilon] = RenyiDP.orders.map { RenyiDP.laplace(epsilon: epsilon, order: $0) }
        }
        self.curves = curves
        var conversions: [Double: Conversion] = [:]
        for delta in deltas where delta > 0 && delta < 1 && conversions[delta] == nil {
            conversions[delta] = Conversion(delta: delta)
        }
        self.conversions = conversions
    }

    /// ε spent by `account` at `delta` (the client's δ limit): the smallest of the valid bounds, as
    /// ``PrivacyAccount/epsilon(_:delta:)`` defines them. `previous` is a hint for the exact Gaussian composition:
    /// the ε of this window before its latest releases (the ledger's last position), from which the root is a
    /// step or two away. Any value is safe (``GaussianComposition/epsilon(mu:delta:from:)`` checks it).
    ///
    /// A δ limit outside (0, 1) admits only what basic composition proves with δ = 0: a δ of 0 leaves no room
    /// for the conversions (and for any Gaussian release), and a δ of 1 or more is no guarantee at all, so it
    /// gives +∞ (nothing more may be released).
    public func epsilon(_ account: PrivacyAccount, delta: Double, previous: Double = 0) -> Double {
        if account.releases == 0 { return 0 }
        guard delta > 0 && delta < 1 else {
            return delta == 0 && account.sumDelta == 0 ? account.sumEpsilon : .infinity
        }
        let basic = account.sumDelta <= delta ? account.sumEpsilon : .infinity
        if method != .basic && account.onlyGaussian {
            // The exact composition is the privacy curve of the Gaussian releases itself; the RDP and zCDP
            // conversions are upper bounds of it, so they cannot win: skip them (a test checks the equality).
            return min(
                basic,
                GaussianComposition.epsilon(mu: account.sumMuSquared.squareRoot(), delta: delta, from: previous))
        }
        var best: Double
        switch method {
        case .basic: return basic
        case .zcdp: best = min(basic, RenyiDP.zcdpEpsilon(rho: account.rho, delta: delta))
        case .rdp: best = min(basic, rdpEpsilon(account, delta: delta))
        }
        return best
    }

    /// The RDP bound alone, from the cached curves and conversion constants.
    func rdpEpsilon(_ account: PrivacyAccount, delta: Double) -> Double {
        let conversion = conversions[delta] ?? Conversion(delta: delta)
        let groups = account.laplaceCounts.map { group in
            (
                count: Double(group.count),
                curve: curves[group.epsilon]
                    ?? RenyiDP.orders.map { RenyiDP.laplace(epsilon: group.epsilon, order: $0) }
            )
        }
        let halfMuSquared = account.sumMuSquared / 2
        var best = Double.infinity
        for (k, alpha) in RenyiDP.orders.enumerated() {
            var rdp = alpha * halfMuSquared
            for group in groups { rdp += group.count * group.curve[k] }
            if rdp < conversion.klThreshold { return 0 }
            best = min(best, max(0, rdp + conversion.offsets[k]))
        }
        return best
    }
}
