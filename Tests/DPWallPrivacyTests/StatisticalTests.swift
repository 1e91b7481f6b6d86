import Foundation
import Testing

@testable import DPWallPrivacy

/// Statistical tools shared by the sampler and mechanism tests: the exact laws the samplers must follow, the
/// chi-square and Kolmogorov–Smirnov statistics, and their thresholds.
///
/// Every threshold is chosen so that a correct sampler fails less than once in a million runs, OpenDP's convention
/// for its sampler tests (``falseFailureRate``). The laws are computed here from their definitions, independently
/// of the samplers under test.
enum Statistics {
    /// The false-failure rate of every statistical check in this target: at most 1e-6 per check.
    static let falseFailureRate = 1e-6

    /// z with P(Z > z) = `p` for a standard normal Z, by bisection on Foundation's `erfc` (not the code under test).
    static func normalUpperQuantile(_ p: Double) -> Double {
        var low = -40.0
        var high = 40.0
        for _ in 0..<200 {
            let middle = (low + high) / 2
            if 0.5 * erfc(middle / 2.0.squareRoot()) > p { low = middle } else { high = middle }
        }
        return (low + high) / 2
    }

    /// The chi-square quantile at `1 − falseFailureRate` for `degreesOfFreedom`, by the Wilson–Hilferty cube-root
    /// normal approximation `k·(1 − 2/9k + z·√(2/9k))³`.
    ///
    /// At 1 − 1e-6 it is within 0.1% of the exact quantile for k ≥ 10 and above it (so conservative: a smaller
    /// false-failure rate) for small k: k = 1 gives 27.5 (exact 23.9), k = 2 gives 30.3 (exact 27.6), k = 99 gives
    /// 181.1 (exact 180.8), k = 999 gives 1226.1 (exact 1226.0) (scipy.stats.chi2.isf).
    static func chiSquareThreshold(degreesOfFreedom: Int, falseFailureRate: Double = falseFailureRate) -> Double {
        let z = normalUpperQuantile(falseFailureRate)
        let k = Double(degreesOfFreedom)
        let c = 2 / (9 * k)
        let root = 1 - c + z * c.squareRoot()
        return k * root * root * root
    }

    /// The Kolmogorov–Smirnov critical value `√(−ln(α/2) / 2n)`: by the Dvoretzky–Kiefer–Wolfowitz inequality with
    /// Massart's constant, `P(sup|Fₙ − F| > c) ≤ 2·e^(−2nc²)` for every n and every law (for a law with atoms the
    /// statistic is only smaller), so the false-failure rate is at most α. For α = 1e-6 it is 2.693/√n.
    static func kolmogorovSmirnovThreshold(sampleSize: Int, falseFailureRate: Double = falseFailureRate) -> Double {
        (-log(falseFailureRate / 2) / (2 * Double(sampleSize))).squareRoot()
    }

    /// A chi-square goodness-of-fit result.
    struct ChiSquare: CustomStringConvertible {
        /// Σ (observed − expected)² / expected.
        var statistic: Double
        /// Bins − 1.
        var degreesOfFreedom: Int
        /// The threshold at 1 − ``falseFailureRate``.
        var threshold: Double { Statistics.chiSquareThreshold(degreesOfFreedom: degreesOfFreedom) }
        var description: String {
            "chi-square \(statistic) on \(degreesOfFreedom) degrees of freedom (threshold \(threshold))"
        }
    }

    /// The chi-square statistic of `sorted` (ascending) against `law`.
    ///
    /// Narrow laws get one bin per integer of their support, wide ones one bin per percentile of the law; then
    /// neighbouring bins are merged from the left until every expected count is at least 5 (the usual validity
    /// condition of the chi-square approximation), the last bin into its left neighbour if it stays below 5.
    static func chiSquare(sorted samples: [Int64], _ law: IntegerLaw) -> ChiSquare {
        let n = Double(samples.count)
        // Candidate bins: (−∞, c₀], (c₀, c₁], …, (c_last, +∞).
        var candidates: [Int64]
        if law.support.upperBound - law.support.lowerBound <= 4096 {
            candidates = Array(law.support)
        } else {
            candidates = []
            for percentile in 1..<100 {
                let edge = law.quantile(Double(percentile) / 100)
                if candidates.last != edge { candidates.append(edge) }
            }
        }
        var edges: [Int64] = []
        var probabilities: [Double] = []
        var accumulated = 0.0
        var previousCDF = 0.0
        for edge in candidates {
            let cdf = law.cdf(edge)
            accumulated += cdf - previousCDF
            previousCDF = cdf
            if accumulated * n >= 5 {
                edges.append(edge)
                probabilities.append(accumulated)
                accumulated = 0
            }
        }
        accumulated += law.survival(candidates.last!)
        if accumulated * n >= 5 || probabilities.isEmpty {
            probabilities.append(accumulated)
        } else {
            edges.removeLast()
            probabilities[probabilities.count - 1] += accumulated
        }
        // Count the sorted samples per bin: bin j is (edges[j − 1], edges[j]].
        var counts = [Int](repeating: 0, count: probabilities.count)
        var bin = 0
        for value in samples {
            while bin < edges.count && value > edges[bin] { bin += 1 }
            counts[bin] += 1
        }
        var statistic = 0.0
        for (count, probability) in zip(counts, probabilities) {
            let expected = probability * n
            statistic += (Double(count) - expected) * (Double(count) - expected) / expected
        }
        return ChiSquare(statistic: statistic, degreesOfFreedom: probabilities.count - 1)
    }

    /// The Kolmogorov–Smirnov statistic `sup over x of |Fₙ(x) − F(x)|` of `sorted` (ascending) against `law`.
    ///
    /// Both functions are right-continuous steps on the integers, so the supremum is attained at an integer; between
    /// two neighbouring sample values `a < b` the empirical function is constant while F grows, so it is enough to
    /// look at every sample value `b` and at `b − 1`.
    static func kolmogorovSmirnov(sorted samples: [Int64], _ law: IntegerLaw) -> Double {
        let n = Double(samples.count)
        var largest = 0.0
        var index = 0
        while index < samples.count {
            let value = samples[index]
            let below = Double(index) / n
            var end = index
            while end < samples.count && samples[end] == value { end += 1 }
            let atOrBelow = Double(end) / n
            largest = max(largest, abs(below - law.cdf(value - 1)), abs(atOrBelow - law.cdf(value)))
            index = end
        }
        return largest
    }

    /// `count` draws of `sample` from a generator with test seed `seed`, sorted ascending.
    static func sortedDraws(
        _ count: Int, seed: UInt64, _ sample: (inout KeystreamGenerator) -> Int64
    ) -> [Int64] {
        var random = KeystreamGenerator(testSeed: seed)
        var values = [Int64](repeating: 0, count: count)
        for i in 0..<count { values[i] = sample(&random) }
        values.sort()
        return values
    }
}

/// A law on the integers given by its distribution function, computed from its definition.
struct IntegerLaw: CustomStringConvertible {
    /// What the law is, for failure messages.
    var description: String
    /// P(Z ≤ z).
    var cdf: (Int64) -> Double
    /// P(Z > z), without the cancellation of `1 − cdf(z)` in the right tail.
    var survival: (Int64) -> Double
    /// All but at most 1e-17 of the mass lies in this range.
    var support: ClosedRange<Int64>

    /// The smallest z in ``support`` with P(Z ≤ z) ≥ `q`, by bisection.
    func quantile(_ q: Double) -> Int64 {
        var low = support.lowerBound - 1  // cdf(low) < q
        var high = support.upperBound  // cdf(high) ≥ q
        while high - low > 1 {
            let middle = low + (high - low) / 2
            if cdf(middle) >= q { high = middle } else { low = middle }
        }
        return high
    }

    /// The discrete Laplace law `P(z) = (1 − p)/(1 + p)·p^|z|` with `p = e^(−1/t)`; summing the geometric series,
    /// `P(Z ≤ z) = p^(−z)/(1 + p)` for z < 0 and `P(Z > z) = p^(z+1)/(1 + p)` for z ≥ 0.
    static func discreteLaplace(scale t: UInt64) -> IntegerLaw {
        let scale = Double(t)
        let onePlusP = 2 + expm1(-1 / scale)
        let cdf: (Int64) -> Double = { z in
            z < 0 ? exp(Double(z) / scale) / onePlusP : 1 - exp(-Double(z + 1) / scale) / onePlusP
        }
        let survival: (Int64) -> Double = { z in
            z < 0 ? 1 - exp(Double(z) / scale) / onePlusP : exp(-Double(z + 1) / scale) / onePlusP
        }
        // P(|Z| > 40t) < e^-40 ≈ 4e-18.
        let reach = Int64(40 * scale)
        return IntegerLaw(
            description: "discrete Laplace, t = \(t)", cdf: cdf, survival: survival, support: -reach...reach)
    }

    /// The discrete Gaussian law `P(z) ∝ e^(−z²/2σ²)`.
    ///
    /// For σ ≤ 2000 the weights of |z| ≤ 40σ + 10 are summed and normalised (the mass beyond is below e^-800). For a
    /// larger σ the midpoint rule `P(Z ≤ z) = Φ((z + ½)/σ)` is used: by Euler–Maclaurin its error is about
    /// `max|f′|/24 ≈ 0.01/σ²` (below 3e-9 here, a thousandth of the smallest threshold), and the normalising
    /// constant `Σ e^(−z²/2σ²) = σ√(2π)·(1 + 2e^(−2π²σ²) + …)` equals `σ√(2π)` in binary64 (Poisson summation).
    static func discreteGaussian(sigma: Double) -> IntegerLaw {
        let description = "discrete Gaussian, σ = \(sigma)"
        if sigma > 2000 {
            let reach = Int64(40 * sigma)
            let scale = sigma * 2.0.squareRoot()
            return IntegerLaw(
                description: description,
                cdf: { z in 0.5 * erfc(-(Double(z) + 0.5) / scale) },
                survival: { z in 0.5 * erfc((Double(z) + 0.5) / scale) },
                support: -reach...reach)
        }
        let reach = Int64(40 * sigma + 10)
        let count = Int(2 * reach + 1)
        var weights = [Double](repeating: 0, count: count)
        for i in 0..<count {
            let z = Double(Int64(i) - reach)
            weights[i] = exp(-z * z / (2 * sigma * sigma))
        }
        // Sum from the smallest weights up, for accuracy.
        var total = 0.0
        for i in 0..<Int(reach) { total += weights[i] + weights[count - 1 - i] }
        total += weights[Int(reach)]
        var below = [Double](repeating: 0, count: count)  // P(Z ≤ z)
        var above = [Double](repeating: 0, count: count)  // P(Z > z)
        var running = 0.0
        for i in 0..<count {
            running += weights[i]
            below[i] = running / total
        }
        running = 0
        for i in stride(from: count - 1, through: 0, by: -1) {
            above[i] = running / total
            running += weights[i]
        }
        let first = -reach
        return IntegerLaw(
            description: description,
            cdf: { z in z < first ? 0 : z >= reach ? 1 : below[Int(z - first)] },
            survival: { z in z < first ? 1 : z >= reach ? 0 : above[Int(z - first)] },
            support: -reach...reach)
    }
}

/// The helpers themselves: a test of a test must be able to fail too.
@Suite struct StatisticalTests {
    /// The normal quantile and the Wilson–Hilferty chi-square threshold match tabulated values (scipy.stats):
    /// z(1e-6) = 4.753424, and the 1 − 1e-6 chi-square quantiles 47.96 (k = 10, exact 46.86) and 181.08 (k = 99,
    /// exact 180.79), which bound the exact ones from above.
    @Test func thresholdsMatchTables() {
        #expect(abs(Statistics.normalUpperQuantile(1e-6) - 4.753424) < 1e-5)
        #expect(abs(Statistics.normalUpperQuantile(0.5)) < 1e-12)
        let ten = Statistics.chiSquareThreshold(degreesOfFreedom: 10)
        let ninetyNine = Statistics.chiSquareThreshold(degreesOfFreedom: 99)
        #expect(ten > 46.86 && ten < 48.0)
        #expect(ninetyNine > 180.79 && ninetyNine < 181.2)
        #expect(abs(Statistics.kolmogorovSmirnovThreshold(sampleSize: 1) - 2.6934) < 1e-4)
    }

    /// The computed laws are probability distributions with the moments of their definitions: the discrete Laplace
    /// has variance `2p/(1 − p)²`, the discrete Gaussian of σ = 10 has variance σ² (to 1e-12: the theta-function
    /// correction is e^(−2π²σ²)).
    @Test func lawsAreNormalisedWithTheRightVariance() {
        let laplace = IntegerLaw.discreteLaplace(scale: 7)
        let p = exp(-1.0 / 7)
        var variance = 0.0
        for z in laplace.support {
            let mass = laplace.cdf(z) - laplace.cdf(z - 1)
            variance += mass * Double(z * z)
        }
        #expect(abs(variance / (2 * p / ((1 - p) * (1 - p))) - 1) < 1e-12)
        #expect(abs(laplace.cdf(3) + laplace.survival(3) - 1) < 1e-15)
        let gaussian = IntegerLaw.discreteGaussian(sigma: 10)
        variance = 0
        for z in gaussian.support {
            let mass = gaussian.cdf(z) - gaussian.cdf(z - 1)
            variance += mass * Double(z * z)
        }
        #expect(abs(variance / 100 - 1) < 1e-12)
        #expect(abs(gaussian.cdf(0) - (0.5 + (gaussian.cdf(0) - gaussian.cdf(-1)) / 2)) < 1e-15)
    }

    /// Both statistics accept a sample drawn exactly from the law by inversion (with a fixed generator) and reject
    /// one drawn from the law shifted by one.
    @Test func statisticsAcceptTheLawAndRejectAShift() {
        let law = IntegerLaw.discreteLaplace(scale: 5)
        let n = 50_000
        func byInversion(shift: Int64) -> [Int64] {
            Statistics.sortedDraws(n, seed: 7) { random in
                let u = Double(random.next64() >> 11) * 0x1p-53
                return law.quantile(u) + shift
            }
        }
        let exact = byInversion(shift: 0)
        let chi = Statistics.chiSquare(sorted: exact, law)
        #expect(chi.statistic < chi.threshold, "\(chi)")
        let ks = Statistics.kolmogorovSmirnov(sorted: exact, law)
        #expect(ks < Statistics.kolmogorovSmirnovThreshold(sampleSize: n))
        let shifted = byInversion(shift: 1)
        let shiftedChi = Statistics.chiSquare(sorted: shifted, law)
        #expect(shiftedChi.statistic > shiftedChi.threshold, "\(shiftedChi)")
        let shiftedKS = Statistics.kolmogorovSmirnov(sorted: shifted, law)
        #expect(shiftedKS > Statistics.kolmogorovSmirnovThreshold(sampleSize: n))
    }
}
