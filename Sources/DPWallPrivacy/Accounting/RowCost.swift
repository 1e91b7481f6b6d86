/// What one released row costs, as the accountants need it (docs/privacy.md, "Budgets and the ledger").
public enum RowCost: Sendable, Hashable {
    /// Discrete Laplace: pure `epsilon`-DP (`ε = Δ1/b`).
    case laplace(epsilon: Double)
    /// Discrete Gaussian: `mu`-GDP (`μ = Δ2/σ`), declared as `(epsilon, delta)` for basic composition.
    case gaussian(mu: Double, epsilon: Double, delta: Double)

    /// The declared ε of the row.
    public var epsilon: Double {
        switch self {
        case .laplace(let epsilon): epsilon
        case .gaussian(_, let epsilon, _): epsilon
        }
    }

    /// The declared δ of the row (0 for Laplace).
    public var delta: Double {
        switch self {
        case .laplace: 0
        case .gaussian(_, _, let delta): delta
        }
    }

    /// Its zCDP ρ: μ²/2 for Gaussian; ε²/2 for pure ε-DP (Bun and Steinke 2016, Proposition 1.4).
    public var rho: Double {
        switch self {
        case .laplace(let epsilon): epsilon * epsilon / 2
        case .gaussian(let mu, _, _): mu * mu / 2
        }
    }
}
