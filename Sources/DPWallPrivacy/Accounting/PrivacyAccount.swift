/// One client's position in one budget window, under every accountant at once, in O(1) space in the number
/// of releases: sums of ε and δ, the zCDP ρ, Σμ² of the Gaussian releases, and a count of Laplace releases per
/// distinct ε (the policy declares few distinct values). The RDP curve at every order is rebuilt from these:
/// `Σₖ nₖ·L(εₖ, α) + α·Σμ²/2` (RDP composes by addition).
public struct PrivacyAccount: Sendable, Equatable {
    /// Σ εᵢ and Σ δᵢ of the releases (basic composition).
    public private(set) var sumEpsilon = 0.0, sumDelta = 0.0
    /// Σ ρᵢ (zCDP).
    public private(set) var rho = 0.0
    /// Σ μᵢ² of the Gaussian releases.
    public private(set) var sumMuSquared = 0.0
    /// Laplace releases per distinct ε, in the order first seen.
    public private(set) var laplaceCounts: [LaplaceGroup] = []
    /// Releases in the window.
    public private(set) var releases = 0

    /// Laplace releases of one ε.
    public struct LaplaceGroup: Sendable, Equatable {
        /// The pure ε of each release.
        public var epsilon: Double
        /// How many.
        public var count: Int

        /// A group of `count` releases of `epsilon`.
        public init(epsilon: Double, count: Int) {
            self.epsilon = epsilon
            self.count = count
        }
    }

    /// An empty account (a new window).
    public init() {}

    /// An account as stored (the ledger reads it back).
    public init(
        sumEpsilon: Double, sumDelta: Double, rho: Double, sumMuSquared: Double, laplaceCounts: [LaplaceGroup],
        releases: Int
    ) {
        self.sumEpsilon = sumEpsilon
        self.sumDelta = sumDelta
        self.rho = rho
        self.sumMuSquared = sumMuSquared
        self.laplaceCounts = laplaceCounts
        self.releases = releases
    }

    /// Whether every release so far was Gaussian (the exact composition applies); false when empty.
    public var onlyGaussian: Bool { releases > 0 && laplaceCounts.isEmpty }

    /// Adds `count` releases of `cost`.
    public mutating func add(_ cost: RowCost, count: Int = 1) {
        let n = Double(count)
        sumEpsilon += n * cost.epsilon
        sumDelta += n * cost.delta
        rho += n * cost.rho
        releases += count
        switch cost {
        case .laplace(let epsilon):
            if let k = laplaceCounts.firstIndex(where: { $0.epsilon == epsilon }) {
                laplaceCounts[k].count += count
            } else {
                laplaceCounts.append(LaplaceGroup(epsilon: epsilon, count: count))
            }
        case .gaussian(let mu, _, _):
            sumMuSquared += n * mu * mu
        }
    }

    /// Adds every release of `other` (accounts compose by adding their sums and counts). Counts saturate at
    /// `Int.max` rather than trap: a ledger edited to hold absurd counts can only make the account larger.
    public mutating func add(_ other: PrivacyAccount) {
        sumEpsilon += other.sumEpsilon
        sumDelta += other.sumDelta
        rho += other.rho
        sumMuSquared += other.sumMuSquared
        releases = Self.saturating(releases, other.releases)
        for group in other.laplaceCounts {
            if let k = laplaceCounts.firstIndex(where: { $0.epsilon == group.epsilon }) {
                laplaceCounts[k].count = Self.saturating(laplaceCounts[k].count, group.count)
            } else {
                laplaceCounts.append(group)
            }
        }
    }

    private static func saturating(_ a: Int, _ b: Int) -> Int {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? .max : sum
    }

    /// The RDP of the releases at ``RenyiDP/orders``[k].
    public func rdp(order k: Int) -> Double {
        let alpha = RenyiDP.orders[k]
        var total = alpha * sumMuSquared / 2
        for group in laplaceCounts {
            total += Double(group.count) * RenyiDP.laplace(epsilon: group.epsilon, order: alpha)
        }
        return total
    }

    /// ε spent at `delta` (the client's δ limit) under `method`: the smallest of the valid bounds.
    ///
    /// - basic: Σε, valid when Σδ ≤ δ (else +∞: the budget's δ is exceeded);
    /// - zcdp: the zCDP conversion, and basic;
    /// - rdp: the RDP conversion over the 156 orders, and basic;
    /// - zcdp and rdp, when every release was Gaussian: also the exact Gaussian composition.
    /// A δ limit outside (0, 1) gives Σε when nothing released had a δ and δ is 0, and +∞ otherwise.
    public func epsilon(_ method: AccountingMethod, delta: Double) -> Double {
        if releases == 0 { return 0 }
        guard delta > 0 && delta < 1 else { return delta == 0 && sumDelta == 0 ? sumEpsilon : .infinity }
        let basic = sumDelta <= delta ? sumEpsilon : .infinity
        switch method {
        case .basic:
            return basic
        case .zcdp:
            var best = min(basic, RenyiDP.zcdpEpsilon(rho: rho, delta: delta))
            if onlyGaussian {
                best = min(best, GaussianComposition.epsilon(mu: sumMuSquared.squareRoot(), delta: delta))
            }
            return best
        case .rdp:
            var best = min(basic, RenyiDP.epsilon(curve: rdp(order:), delta: delta))
            if onlyGaussian {
                best = min(best, GaussianComposition.epsilon(mu: sumMuSquared.squareRoot(), delta: delta))
            }
            return best
        }
    }
}
