import Foundation
import Testing

@testable import DPWallPrivacy

/// The accountants of `Sources/DPWallPrivacy/Accounting/` against dp_accounting 0.6.0 and mpmath
/// (`AccountantVectors`, from `scripts/accountant-vectors.py`), and their structural properties.
@Suite struct AccountantTests {
    /// |a − b| ≤ tolerance·max(|a|, |b|), or both tiny.
    static func close(_ a: Double, _ b: Double, _ tolerance: Double = 1e-9) -> Bool {
        if a == b { return true }
        return abs(a - b) <= tolerance * max(abs(a), abs(b)) || max(abs(a), abs(b)) < 1e-12
    }

    @Test("the orders are dp_accounting's 156 default orders")
    func orders() {
        #expect(RenyiDP.orders.count == 156)
        #expect(RenyiDP.orders == AccountantVectors.orders)
    }

    @Test("Laplace RDP (Mironov 2017, Prop. 6) matches dp_accounting at every order")
    func laplaceCurve() {
        for vector in AccountantVectors.laplaceRDP {
            for (k, alpha) in RenyiDP.orders.enumerated() {
                let mine = RenyiDP.laplace(epsilon: vector.epsilon, order: alpha)
                #expect(Self.close(mine, vector.rdp[k]), "ε \(vector.epsilon), α \(alpha): \(mine) vs \(vector.rdp[k])")
            }
        }
    }

    @Test("RDP compositions of 1 to 10,000 Laplace and Gaussian releases match dp_accounting's ε(δ)")
    func rdpCompositions() {
        var worst = 0.0
        for v in AccountantVectors.rdp {
            var account = PrivacyAccount()
            if v.laplace > 0 { account.add(.laplace(epsilon: v.laplaceEpsilon), count: v.laplace) }
            if v.gaussian > 0 { account.add(.gaussian(mu: v.mu, epsilon: 1, delta: 0), count: v.gaussian) }
            let mine = RenyiDP.epsilon(curve: account.rdp(order:), delta: v.delta)
            worst = max(worst, abs(mine - v.epsilon) / max(v.epsilon, 1e-300))
            #expect(Self.close(mine, v.epsilon), "\(v): \(mine)")
        }
        #expect(worst < 1e-9, "worst relative error \(worst)")
    }

    @Test("zCDP conversion with α optimised continuously matches mpmath")
    func zcdp() {
        for v in AccountantVectors.zcdp {
            let mine = RenyiDP.zcdpEpsilon(rho: v.rho, delta: v.delta)
            #expect(Self.close(mine, v.epsilon), "ρ \(v.rho), δ \(v.delta): \(mine) vs \(v.epsilon)")
        }
    }

    @Test("exact Gaussian composition matches mpmath")
    func gaussianExact() {
        for v in AccountantVectors.gaussianExact {
            let mine = GaussianComposition.epsilon(mu: v.mu, delta: v.delta)
            #expect(Self.close(mine, v.epsilon), "μ \(v.mu), δ \(v.delta): \(mine) vs \(v.epsilon)")
            // On the safe side, and the smallest such ε to 1e-9.
            #expect(GaussianComposition.delta(mu: v.mu, epsilon: mine) <= v.delta)
            if mine > 0 { #expect(GaussianComposition.delta(mu: v.mu, epsilon: mine * (1 - 1e-9)) > v.delta) }
        }
    }

    @Test("a warm start (the previous ε, or any hint) gives the cold answer to 1e-12 and stays on the safe side")
    func gaussianWarmStart() {
        for v in AccountantVectors.gaussianExact {
            let cold = GaussianComposition.epsilon(mu: v.mu, delta: v.delta)
            // The ledger's hint: the root for a slightly smaller μ (left of this root), then hints on the right of
            // it, and nonsense.
            let previous = GaussianComposition.epsilon(mu: v.mu * 0.999, delta: v.delta)
            for hint in [previous, cold, cold * 1.5 + 1, 1e300, -3, .nan, .infinity] {
                let warm = GaussianComposition.epsilon(mu: v.mu, delta: v.delta, from: hint)
                #expect(Self.close(warm, cold, 1e-12), "μ \(v.mu), δ \(v.delta), from \(hint): \(warm) vs \(cold)")
                #expect(GaussianComposition.delta(mu: v.mu, epsilon: warm) <= v.delta, "from \(hint): unsafe")
            }
        }
    }

    @Test("with only Gaussian releases the exact composition is used, and beats RDP", arguments: [1, 10, 100, 10_000])
    func exactBeatsRDP(releases: Int) {
        var account = PrivacyAccount()
        account.add(.gaussian(mu: 0.1, epsilon: 1, delta: 1e-7), count: releases)
        let rdp = RenyiDP.epsilon(curve: account.rdp(order:), delta: 1e-6)
        let exact = GaussianComposition.epsilon(mu: account.sumMuSquared.squareRoot(), delta: 1e-6)
        #expect(exact < rdp, "exact \(exact) vs RDP \(rdp)")
        #expect(account.epsilon(.rdp, delta: 1e-6) == min(exact, account.sumEpsilon))
        // One Laplace release ends the exact path.
        account.add(.laplace(epsilon: 0.001))
        #expect(!account.onlyGaussian)
        #expect(account.epsilon(.rdp, delta: 1e-6) > exact)
    }

    @Test("basic is Σε while Σδ fits the limit, and +∞ beyond it; the reported ε is the smallest valid bound")
    func basicAndMinimum() {
        var account = PrivacyAccount()
        account.add(.gaussian(mu: 0.5, epsilon: 1, delta: 1e-6), count: 3)
        #expect(account.epsilon(.basic, delta: 1e-5) == 3)
        #expect(account.epsilon(.basic, delta: 2e-6) == .infinity)
        // Whatever the method, the reported ε is never above basic composition.
        var one = PrivacyAccount()
        one.add(.laplace(epsilon: 0.5))
        for method in AccountingMethod.allCases {
            #expect(one.epsilon(method, delta: 1e-6) <= 0.5, "\(method)")
        }
        // Many small Laplace releases: RDP and zCDP beat basic.
        var many = PrivacyAccount()
        many.add(.laplace(epsilon: 0.01), count: 10_000)
        #expect(many.epsilon(.rdp, delta: 1e-6) < 100 && many.epsilon(.zcdp, delta: 1e-6) < 100)
        #expect(many.epsilon(.basic, delta: 1e-6) == 100)
    }

    @Test("a δ limit of 0 admits only δ-free releases and one of 1 or more admits nothing, with no trap")
    func deltaOutOfRange() {
        var gaussian = PrivacyAccount()
        gaussian.add(.gaussian(mu: 0.5, epsilon: 1, delta: 1e-6))
        var laplace = PrivacyAccount()
        laplace.add(.laplace(epsilon: 0.5), count: 2)
        for method in AccountingMethod.allCases {
            let accountant = Accountant(method: method, deltas: [0, 1, 1.2])
            // Under rdp and zcdp a Gaussian account reached GaussianComposition's and zCDP's preconditions.
            #expect(accountant.epsilon(gaussian, delta: 0) == .infinity, "\(method)")
            #expect(gaussian.epsilon(method, delta: 0) == .infinity, "\(method)")
            #expect(accountant.epsilon(laplace, delta: 0) == 1, "\(method)")
            #expect(laplace.epsilon(method, delta: 0) == 1, "\(method)")
            for delta in [1, 1.2, 1.98, .infinity, .nan] {
                #expect(accountant.epsilon(gaussian, delta: delta) == .infinity, "\(method) \(delta)")
                #expect(accountant.epsilon(laplace, delta: delta) == .infinity, "\(method) \(delta)")
                #expect(laplace.epsilon(method, delta: delta) == .infinity, "\(method) \(delta)")
            }
        }
    }

    @Test("accounts compose by adding: one account added to another equals every release added one by one")
    func addingAccounts() {
        var whole = PrivacyAccount()
        var first = PrivacyAccount()
        var second = PrivacyAccount()
        for n in 0..<50 {
            let cost: RowCost =
                n % 3 == 0 ? .gaussian(mu: 0.25, epsilon: 1, delta: 1e-8) : .laplace(epsilon: n % 3 == 1 ? 0.5 : 0.25)
            whole.add(cost)
            if n < 20 { first.add(cost) } else { second.add(cost) }
        }
        first.add(second)
        #expect(first.releases == whole.releases)
        #expect(
            Set(first.laplaceCounts.map { "\($0.epsilon):\($0.count)" })
                == Set(whole.laplaceCounts.map { "\($0.epsilon):\($0.count)" }))
        #expect(Self.close(first.sumMuSquared, whole.sumMuSquared, 1e-12))
        #expect(Self.close(first.rho, whole.rho, 1e-12))
        #expect(Self.close(first.sumEpsilon, whole.sumEpsilon, 1e-12))
    }

    @Test("state is O(1) in releases: one group per distinct Laplace ε, sums otherwise")
    func constantState() {
        var account = PrivacyAccount()
        for n in 0..<100_000 {
            account.add(n % 2 == 0 ? .laplace(epsilon: 0.1) : .gaussian(mu: 0.2, epsilon: 1, delta: 1e-8))
        }
        #expect(account.laplaceCounts.count == 1 && account.laplaceCounts[0].count == 50_000)
        #expect(account.releases == 100_000)
        #expect(Self.close(account.sumMuSquared, 50_000 * 0.04, 1e-12))
        #expect(Self.close(account.rho, 50_000 * (0.01 / 2 + 0.04 / 2), 1e-12))
    }

    @Test("the spent ε grows with every release, for every method")
    func monotone() {
        for method in AccountingMethod.allCases {
            var account = PrivacyAccount()
            var last = 0.0
            for n in 0..<200 {
                account.add(n % 3 == 0 ? .laplace(epsilon: 0.05) : .gaussian(mu: 0.1, epsilon: 0.3, delta: 1e-9))
                let spent = account.epsilon(method, delta: 1e-5)
                #expect(spent >= last, "\(method) fell at release \(n): \(spent) < \(last)")
                last = spent
            }
        }
    }

    @Test("the prepared accountant gives the reference account's numbers, with and without its caches")
    func preparedAccountantMatches() {
        var random = KeystreamGenerator(testSeed: 77)
        let epsilons = [0.01, 0.1, 0.5]
        for method in AccountingMethod.allCases {
            let prepared = Accountant(method: method, laplaceEpsilons: epsilons, deltas: [1e-6])
            let bare = Accountant(method: method)
            for _ in 0..<50 {
                var account = PrivacyAccount()
                let laplace = Int(random.uniform(below: 200))
                let gaussian = Int(random.uniform(below: 200))
                if laplace > 0 {
                    account.add(.laplace(epsilon: epsilons[Int(random.uniform(below: 3))]), count: laplace)
                }
                if gaussian > 0 { account.add(.gaussian(mu: 0.05, epsilon: 0.2, delta: 1e-9), count: gaussian) }
                for delta in [1e-6, 1e-5] {
                    let reference = account.epsilon(method, delta: delta)
                    #expect(Self.close(prepared.epsilon(account, delta: delta), reference, 1e-12), "\(method)")
                    #expect(Self.close(bare.epsilon(account, delta: delta), reference, 1e-12), "\(method)")
                }
            }
        }
    }

    @Test("all-Gaussian windows: the prepared accountant skips RDP and zCDP and still gives the reference's minimum")
    func gaussianOnlySkipsConversions() {
        for method in [AccountingMethod.rdp, .zcdp] {
            let accountant = Accountant(method: method, deltas: [1e-6, 1e-5])
            for mu in [0.001, 0.05, 0.5, 2.0] {
                for count in [1, 3, 10, 100, 1000, 10_000] {
                    var account = PrivacyAccount()
                    account.add(.gaussian(mu: mu, epsilon: mu * 4, delta: 1e-8), count: count)
                    for delta in [1e-6, 1e-5] {
                        let reference = account.epsilon(method, delta: delta)
                        let mine = accountant.epsilon(account, delta: delta)
                        #expect(
                            Self.close(mine, reference, 1e-12), "\(method) μ \(mu) ×\(count): \(mine) vs \(reference)")
                    }
                }
            }
        }
    }

    @Test("releases that fit a budget: basic counts ε and δ, and RDP fits more small releases than basic")
    func releasesThatFit() {
        let basic = Accountant(method: .basic)
        #expect(basic.releasesThatFit(.laplace(epsilon: 0.5), epsilon: 1, delta: 1e-6) == 2)
        #expect(basic.releasesThatFit(.laplace(epsilon: 2), epsilon: 1, delta: 1e-6) == 0)
        // Gaussian rows of δ 1e-7: the δ budget of 1e-6 allows 10 whatever ε allows.
        #expect(basic.releasesThatFit(.gaussian(mu: 0.01, epsilon: 0.01, delta: 1e-7), epsilon: 1, delta: 1e-6) == 10)
        let rdp = Accountant(method: .rdp)
        let small = RowCost.laplace(epsilon: 0.01)
        let fit = rdp.releasesThatFit(small, epsilon: 1, delta: 1e-6)
        #expect(fit > 100, "RDP should beat basic's 100 for small releases, got \(fit)")
        var account = PrivacyAccount()
        account.add(small, count: fit)
        #expect(rdp.epsilon(account, delta: 1e-6) <= 1)
        account.add(small)
        #expect(rdp.epsilon(account, delta: 1e-6) > 1)
    }

    @Test("ε above 709 (where e^ε overflows) still gives finite, ordered answers")
    func largeEpsilon() {
        let at800 = AnalyticGaussian.sigma(epsilon: 800, delta: 1e-6, sensitivity: 1)
        let at700 = AnalyticGaussian.sigma(epsilon: 700, delta: 1e-6, sensitivity: 1)
        #expect(at800.isFinite && at800 > 0 && at800 < at700, "σ(800) \(at800), σ(700) \(at700)")
        #expect(AnalyticGaussian.delta(epsilon: 800, sigma: at800, sensitivity: 1) <= 1e-6)
        let exact = GaussianComposition.epsilon(mu: 50, delta: 1e-6)
        #expect(exact.isFinite && exact > 1000, "μ 50: ε \(exact)")
        #expect(GaussianComposition.delta(mu: 50, epsilon: exact) <= 1e-6)
        #expect(GaussianComposition.delta(mu: 50, epsilon: exact * (1 - 1e-9)) > 1e-6)
    }
}
