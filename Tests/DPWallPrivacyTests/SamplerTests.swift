import Foundation
import Testing

@testable import DPWallPrivacy

/// Statistical tests of the samplers in `Sources/DPWallPrivacy/Samplers/` and of the generator they draw from.
///
/// Every statistical check uses a fixed seed and a threshold that a correct sampler exceeds with probability below
/// 1e-6 (``Statistics``): the chi-square quantile at 1 − 1e-6 (Wilson–Hilferty, conservative) and the
/// Kolmogorov–Smirnov bound 2.693/√n (DKW–Massart, exact for every n). A failure with the right scale is a bug in the
/// sampler, not bad luck. Each goodness-of-fit test has a negative control: the same helpers, run on a sampler whose
/// scale is 5% off, must reject it.
@Suite struct SamplerTests {
    /// Samples per goodness-of-fit test. At 5% scale error it gives a chi-square non-centrality of about 500
    /// (Laplace) and 1000 (Gaussian) against a threshold excess of about 80, and a KS distance of 0.009 (Laplace)
    /// and 0.012 (Gaussian) against 0.006.
    static let sampleSize = 200_000
    /// Samples of the Laplace negative controls, whose KS distance is the smallest (0.009): the threshold drops to
    /// 0.0043, seven standard errors below it.
    static let laplaceControlSize = 400_000

    // MARK: Discrete Laplace

    /// The discrete Laplace sampler of scale t passes a chi-square and a Kolmogorov–Smirnov test against the exact
    /// law `(1 − p)/(1 + p)·p^|z|`, `p = e^(−1/t)`, from t = 1 to t = 2^40.
    @Test(arguments: [(1, 101), (2, 102), (7, 103), (100, 104), (1 << 40, 105)] as [(UInt64, UInt64)])
    func discreteLaplaceFitsItsLaw(scale t: UInt64, seed: UInt64) {
        let sampler = DiscreteLaplace(scale: t)
        let samples = Statistics.sortedDraws(Self.sampleSize, seed: seed) { sampler.sample(&$0) }
        Self.expect(samples, fit: true, IntegerLaw.discreteLaplace(scale: t), "seed \(seed)")
    }

    /// Negative control: a discrete Laplace of scale round(1.05·t) fails both tests against the law of scale t.
    /// (The scales are those where rounding keeps the 5% error: 1.05·7 would round back to 7.)
    @Test(arguments: [(20, 111), (100, 112), (1 << 40, 113)] as [(UInt64, UInt64)])
    func discreteLaplaceOfWrongScaleIsRejected(scale t: UInt64, seed: UInt64) {
        let wrong = UInt64((1.05 * Double(t)).rounded())
        let sampler = DiscreteLaplace(scale: wrong)
        let samples = Statistics.sortedDraws(Self.laplaceControlSize, seed: seed) { sampler.sample(&$0) }
        Self.expect(samples, fit: false, IntegerLaw.discreteLaplace(scale: t), "scale \(wrong)")
    }

    // MARK: Discrete Gaussian

    /// The discrete Gaussian sampler of σ passes a chi-square and a Kolmogorov–Smirnov test against the exact law
    /// `e^(−z²/2σ²)` normalised, from σ = 0.5 to σ = 2^40 + 0.5.
    @Test(arguments: [(0.5, 201), (1.7, 202), (10, 203), (150.3, 204), (0x1p40 + 0.5, 205)] as [(Double, UInt64)])
    func discreteGaussianFitsItsLaw(sigma: Double, seed: UInt64) {
        let sampler = DiscreteGaussian(sigma: sigma)
        let samples = Statistics.sortedDraws(Self.sampleSize, seed: seed) { sampler.sample(&$0) }
        Self.expect(samples, fit: true, IntegerLaw.discreteGaussian(sigma: sigma), "seed \(seed)")
    }

    /// Negative control: a discrete Gaussian of 1.05·σ fails both tests against the law of σ.
    @Test(arguments: [(0.5, 211), (1.7, 212), (10, 213), (150.3, 214), (0x1p40 + 0.5, 215)] as [(Double, UInt64)])
    func discreteGaussianOfWrongSigmaIsRejected(sigma: Double, seed: UInt64) {
        let sampler = DiscreteGaussian(sigma: 1.05 * sigma)
        let samples = Statistics.sortedDraws(Self.sampleSize, seed: seed) { sampler.sample(&$0) }
        Self.expect(samples, fit: false, IntegerLaw.discreteGaussian(sigma: sigma), "σ \(1.05 * sigma)")
    }

    /// Expects `samples` to pass (`fit`) or to fail (both tests) a chi-square and a Kolmogorov–Smirnov test of
    /// `law` at a false-failure rate of 1e-6 each.
    static func expect(_ samples: [Int64], fit: Bool, _ law: IntegerLaw, _ context: String) {
        let chi = Statistics.chiSquare(sorted: samples, law)
        let ks = Statistics.kolmogorovSmirnov(sorted: samples, law)
        let threshold = Statistics.kolmogorovSmirnovThreshold(sampleSize: samples.count)
        let verdict = fit ? "failed" : "passed"
        #expect((chi.statistic < chi.threshold) == fit, "\(context) against \(law) \(verdict): \(chi)")
        #expect((ks < threshold) == fit, "\(context) against \(law) \(verdict): KS \(ks), threshold \(threshold)")
    }

    // MARK: Moments

    /// The kind and scale of a sampler for the moment checks.
    enum Sampler: Sendable, CustomTestStringConvertible {
        case laplace(UInt64)
        case gaussian(Double)

        var testDescription: String {
            switch self {
            case .laplace(let t): "discrete Laplace t = \(t)"
            case .gaussian(let sigma): "discrete Gaussian σ = \(sigma)"
            }
        }
    }

    /// Both samplers are symmetric, centred and have the variance of their law: positive and negative counts agree
    /// within 4.89 binomial standard errors, the mean is 0 and the variance within 4.89 standard errors of the
    /// exact one (`2p/(1 − p)²` for the Laplace, the law's for the Gaussian); 4.89 is the two-sided 1e-6 quantile.
    @Test(arguments: [
        Sampler.laplace(1), .laplace(7), .laplace(1 << 40), .gaussian(0.5), .gaussian(10), .gaussian(0x1p40 + 0.5),
    ])
    func samplersAreSymmetricWithTheirVariance(_ kind: Sampler) {
        let n = 100_000
        let exactVariance: Double
        var random = KeystreamGenerator(testSeed: 301)
        var values = [Double](repeating: 0, count: n)
        switch kind {
        case .laplace(let t):
            let sampler = DiscreteLaplace(scale: t)
            for i in 0..<n { values[i] = Double(sampler.sample(&random)) }
            // 2p/(1 − p)² with p = e^(−1/t), written with expm1 for t = 2^40.
            let oneMinusP = -expm1(-1 / Double(t))
            exactVariance = 2 * (1 - oneMinusP) / (oneMinusP * oneMinusP)
        case .gaussian(let sigma):
            let sampler = DiscreteGaussian(sigma: sigma)
            for i in 0..<n { values[i] = Double(sampler.sample(&random)) }
            if sigma > 2000 {
                exactVariance = sigma * sigma  // the theta-function correction is e^(−2π²σ²)
            } else {
                let law = IntegerLaw.discreteGaussian(sigma: sigma)
                var sum = 0.0
                for z in law.support { sum += (law.cdf(z) - law.cdf(z - 1)) * Double(z) * Double(z) }
                exactVariance = sum
            }
        }
        let z = Statistics.normalUpperQuantile(Statistics.falseFailureRate / 2)
        let positive = values.count(where: { $0 > 0 })
        let negative = values.count(where: { $0 < 0 })
        let imbalance = Double(abs(positive - negative))
        #expect(imbalance <= z * Double(positive + negative).squareRoot(), "\(positive) positive, \(negative) negative")
        let mean = values.reduce(0, +) / Double(n)
        let secondMoment = values.reduce(0) { $0 + $1 * $1 } / Double(n)
        let fourthMoment = values.reduce(0) { $0 + $1 * $1 * $1 * $1 } / Double(n)
        #expect(abs(mean) <= z * (exactVariance / Double(n)).squareRoot(), "mean \(mean)")
        // The sample second moment about the known mean 0 has standard error √((m₄ − m₂²)/n).
        let standardError = ((fourthMoment - secondMoment * secondMoment) / Double(n)).squareRoot()
        #expect(
            abs(secondMoment - exactVariance) <= z * standardError,
            "variance \(secondMoment), exact \(exactVariance), standard error \(standardError)")
    }

    // MARK: The generator

    /// The same test seed gives the same stream (and the same samples); different seeds give streams that share no
    /// word in 1000.
    @Test func seedsGiveReproducibleAndDistinctStreams() {
        func words(seed: UInt64) -> [UInt64] {
            var random = KeystreamGenerator(testSeed: seed)
            return (0..<1000).map { _ in random.next64() }
        }
        let first = words(seed: 1)
        #expect(first == words(seed: 1))
        for other in [0, 2, 1 << 32, .max] as [UInt64] {
            let different = words(seed: other)
            #expect(zip(first, different).allSatisfy { $0 != $1 }, "seeds 1 and \(other) share words")
        }
        let sampler = DiscreteGaussian(sigma: 3.5)
        let a = Statistics.sortedDraws(1000, seed: 9) { sampler.sample(&$0) }
        let b = Statistics.sortedDraws(1000, seed: 9) { sampler.sample(&$0) }
        #expect(a == b)
        #expect(Set(first).count == first.count, "a stream repeats a 64-bit word")
    }

    /// `uniform(below:)` stays below its bound, and is uniform for bounds 3 and 10 (chi-square at 1 − 1e-6).
    @Test(arguments: [3, 10] as [UInt64])
    func uniformBelowIsUniform(bound: UInt64) {
        let n = 300_000
        var random = KeystreamGenerator(testSeed: 401 + bound)
        var counts = [Int](repeating: 0, count: Int(bound))
        for _ in 0..<n {
            let value = random.uniform(below: bound)
            guard value < bound else {
                Issue.record("uniform(below: \(bound)) returned \(value)")
                return
            }
            counts[Int(value)] += 1
        }
        let expected = Double(n) / Double(bound)
        let statistic = counts.reduce(0.0) { $0 + (Double($1) - expected) * (Double($1) - expected) / expected }
        let threshold = Statistics.chiSquareThreshold(degreesOfFreedom: Int(bound) - 1)
        #expect(statistic < threshold, "counts \(counts): chi-square \(statistic), threshold \(threshold)")
    }

    /// `uniform(below:)` stays in range for extreme bounds, and rejects where it must: with a bound of about
    /// 2/3·2^64, a multiply-shift without rejection gives even values with probability 2/3; here the even values must
    /// have probability 1/2 within 4.89 binomial standard errors.
    @Test func uniformBelowHasNoMultiplyShiftBias() {
        var random = KeystreamGenerator(testSeed: 411)
        for bound in [1, 2, 3, 1 << 32 + 1, 1 << 63 + 1, .max] as [UInt64] {
            for _ in 0..<1000 {
                let value = random.uniform(below: bound)
                #expect(value < bound, "uniform(below: \(bound)) returned \(value)")
            }
        }
        let bound: UInt64 = 0xAAAA_AAAA_AAAA_AAAB
        let n = 100_000
        var even = 0
        for _ in 0..<n where random.uniform(below: bound) & 1 == 0 { even += 1 }
        let z = Statistics.normalUpperQuantile(Statistics.falseFailureRate / 2)
        let deviation = abs(Double(even) - Double(n) / 2)
        #expect(deviation <= z * (Double(n) / 4).squareRoot(), "\(even) even values of \(n)")
    }

    // MARK: LazyUniform

    /// `LazyUniform.fixedPoint` splits `q·2^64` exactly at the edges: 0, 2^-64, 2^-65, 1/4, 3/4, 1 − 2^-64,
    /// 1 − 2^-70 and 2^-100, whose expansions are exact in binary.
    @Test(
        arguments: [
            (0, 0, 0, 0), (0x1p-64, 0, 1, 0), (0x1p-65, 0, 0, 0.5), (0.25, 0, 1 << 62, 0), (0.75, 0, 3 << 62, 0),
            (1, -0x1p-64, .max, 0), (1, -0x1p-70, .max, 1 - 0x1p-6), (0x1p-100, 0, 0, 0x1p-36),
        ] as [(Double, Double, UInt64, Double)])
    func fixedPointAtTheEdges(hi: Double, lo: Double, integer: UInt64, fraction: Double) {
        let (whole, rest) = LazyUniform.fixedPoint(DoubleDouble(hi, lo))
        #expect(whole == integer)
        #expect((rest - DoubleDouble(fraction)).value == 0, "fraction \(rest.hi) + \(rest.lo)")
    }

    /// `LazyUniform.fixedPoint(q)` is exact when q carries digits below 2^-64 in its low part: `q·2^64` for
    /// q = 1/4 ± 2^-60 is 2^62 ± 16 with no fraction, and for e^(−x) (the reference double-doubles, x ≤ 7, where
    /// `hi·2^64` is an integer) the integer part is `hi·2^64 + ⌊lo·2^64⌋` (floor(e^−1·2^64) = 6786177901268885274
    /// by mpmath). The generator's thresholds `floor(e^−k·2^64)` and the 128-bit comparisons rely on it.
    @Test func fixedPointKeepsTheLowPart() {
        var cases: [(hi: Double, lo: Double)] = [(0.25, 0x1p-60), (0.25, -0x1p-60), (0.3, 0x1p-57)]
        for vector in ReferenceVectors.expNegative where vector.hi >= 0x1p-11 && vector.hi < 1 && vector.hi != 0.5 {
            cases.append((vector.hi, vector.lo))
        }
        for (hi, lo) in cases {
            let scaledHigh = hi * 0x1p64  // an integer below 2^64: hi ≥ 2^-11 has no bits below 2^-64
            let scaledLow = lo * 0x1p64
            let floorLow = scaledLow.rounded(.down)
            let integer = UInt64(scaledHigh) &+ UInt64(bitPattern: Int64(floorLow))
            let fraction = scaledLow - floorLow
            let (whole, rest) = LazyUniform.fixedPoint(DoubleDouble(hi, lo))
            #expect(
                whole == integer && abs((rest - DoubleDouble(fraction)).value) < 0x1p-40,
                "q = \(hi) + \(lo): got \(whole) + \(rest.value), expected \(integer) + \(fraction)")
        }
        #expect(
            LazyUniform.fixedPoint(DoubleDouble(0x1.78b56362cef38p-2, -0x1.ca8a4270fadf5p-57)).integer
                == 6_786_177_901_268_885_274)
    }

    /// `fixedPoint(1/2)` and `isBelow(1/2)` return (q = 1/2 is inside their documented domains [0, 1) and [0, 1]),
    /// and so does `isBelow(p)` when `p·2^64` has the fractional part 1/2 and an integer part equal to the first
    /// word `w` (the 128-bit comparison then takes `fixedPoint(1/2)` of the fraction): for a seed whose first word has
    /// its low 11 bits 0, `U < (w + 1/2)·2^-64` exactly when the second word is below 2^63. Run in child processes
    /// because an endless recursion would crash the test runner.
    @Test func oneHalfIsHandled() async {
        await #expect(processExitsWith: .success) {
            let (whole, _) = LazyUniform.fixedPoint(DoubleDouble(0.5))
            exit(whole == 1 << 63 ? 0 : 1)
        }
        await #expect(processExitsWith: .success) {
            var random = KeystreamGenerator(testSeed: 1)
            var u = LazyUniform(&random)
            let below = u.isBelow(DoubleDouble(0.5), &random)
            exit(below == (u.first < 1 << 63) ? 0 : 1)
        }
        await #expect(processExitsWith: .success) {
            for seed in 0..<1_000_000 as Range<UInt64> {
                var copy = KeystreamGenerator(testSeed: seed)
                let first = copy.next64()
                guard first & 0x7FF == 0 && first >> 62 == 1 else { continue }
                let second = copy.next64()
                let p = DoubleDouble(Double(first) * 0x1p-64, 0x1p-65)
                var random = KeystreamGenerator(testSeed: seed)
                var u = LazyUniform(&random)
                exit(u.isBelow(p, &random) == (second < 1 << 63) ? 0 : 1)
            }
            exit(2)
        }
    }

    /// `isBelow(p)` is right, and does not trap, when the first word equals `hi·2^64` and the low part of `p` is
    /// worth more than one unit of 2^-64: for a seed whose first word `w` has its low 11 bits 0 (so `w·2^-64` is a
    /// double), `p = w·2^-64 + 300·2^-64` (a normalised double-double: 300 < 512, half an ulp of `hi`), and
    /// `U·2^64 < w + 1 < w + 300`, so the answer is true. Run in a child process because a trap would crash the
    /// test runner.
    @Test func isBelowWithALowPartOfSeveralUnits() async {
        await #expect(processExitsWith: .success) {
            for seed in 0..<1_000_000 as Range<UInt64> {
                var copy = KeystreamGenerator(testSeed: seed)
                let first = copy.next64()
                guard first & 0x7FF == 0 && first >> 62 == 1 else { continue }
                let p = DoubleDouble(Double(first) * 0x1p-64, 300 * 0x1p-64)
                var random = KeystreamGenerator(testSeed: seed)
                var u = LazyUniform(&random)
                exit(u.isBelow(p, &random) ? 0 : 1)
            }
            exit(2)
        }
    }

    /// `LazyUniform.isBelow` at its edges: never below 0, always below 1, below 1 − 2^-60 unless the first word is
    /// one of the top 16, below 2^-100 only if the first word is 0 and the second below 2^28.
    @Test func isBelowAtTheEdges() {
        for seed in 0..<50 as Range<UInt64> {
            var copy = KeystreamGenerator(testSeed: seed)
            let first = copy.next64()
            let second = copy.next64()
            func decide(_ p: DoubleDouble) -> Bool {
                var random = KeystreamGenerator(testSeed: seed)
                var u = LazyUniform(&random)
                return u.isBelow(p, &random)
            }
            #expect(decide(DoubleDouble(0)) == false)
            #expect(decide(DoubleDouble(1)) == true)
            #expect(decide(DoubleDouble(1, -0x1p-60)) == (first < 0 &- 16))
            #expect(decide(DoubleDouble(0x1p-100)) == (first == 0 && second < 1 << 28))
            #expect(decide(DoubleDouble(0x1p-64)) == (first == 0))
        }
    }

    /// `LazyUniform.isBelow(p)` against the drawn digits themselves: with the first two words `w`, `s` of a seed
    /// (read from a second generator with the same seed), `U < (w + f)/2^64` exactly when `s < f·2^64`, for
    /// f = 0, 1/4, 3/4, 1; p is a double-double with digits down to 2^-66, so the second word decides. (f = 1/2 can
    /// recurse endlessly, so it is checked in a child process by ``oneHalfIsHandled()``.)
    @Test func isBelowComparesTheSecondWord() {
        var wrong: [String] = []
        var checked = 0
        for seed in 1000..<1200 as Range<UInt64> {
            var copy = KeystreamGenerator(testSeed: seed)
            let first = copy.next64()
            let second = copy.next64()
            for quarter in [0, 1, 3, 4] as [UInt64] {
                // (w + quarter/4)·2^-64, exactly: the top 53 bits of w, then its low 11 bits plus the quarters.
                let high = Double(first & ~0x7FF)
                let low = Double(first & 0x7FF) + Double(quarter) / 4
                let p = DoubleDouble.twoSum(high, low).scaled(byPowerOfTwo: -64)
                let expected = quarter == 4 ? true : quarter == 0 ? false : second < quarter << 62
                var random = KeystreamGenerator(testSeed: seed)
                var u = LazyUniform(&random)
                let below = u.isBelow(p, &random)
                checked += 1
                if below != expected {
                    wrong.append("seed \(seed), w = \(first), s = \(second), f = \(quarter)/4: got \(below)")
                }
            }
        }
        #expect(wrong.isEmpty, "\(wrong.count) of \(checked) wrong, e.g. \(wrong.prefix(3))")
    }
}
