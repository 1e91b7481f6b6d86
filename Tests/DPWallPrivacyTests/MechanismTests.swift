import Foundation
import Testing

@testable import DPWallPrivacy

/// The release path of `Sources/DPWallPrivacy/Mechanism/OutputPrivatizer.swift` and the keyed generators of
/// `Sources/DPWallPrivacy/Randomness/KeyedNoise.swift`: values on the grid, an empirical privacy audit with
/// negative controls, consistent keyed noise, and post-processing.
@Suite struct MechanismTests {
    /// Runs `body` on a mutable buffer holding `values` and returns the buffer's final contents.
    static func withRow(_ values: [Double], _ body: (UnsafeMutableBufferPointer<Double>) -> Void) -> [Double] {
        var row = values
        row.withUnsafeMutableBufferPointer { body($0) }
        return row
    }

    // MARK: The grid

    /// After `addNoise` every value is `g × integer` exactly (`value/g` is an integer of at most 2^53 steps), for
    /// Laplace and Gaussian calibrations, rows inside and far outside the clamp range, and without a clamp range.
    @Test(arguments: [
        (NoiseCalibration.Mechanism.laplace, 1.0, 1, true), (.laplace, 0.3, 7, true), (.laplace, 1e-4, 64, false),
        (.gaussian, 1.0, 1, true), (.gaussian, 2.5, 10, true), (.gaussian, 1e3, 3, false),
    ])
    func releasedValuesLieOnTheGrid(
        mechanism: NoiseCalibration.Mechanism, sensitivity: Double, length: Int, clamped: Bool
    ) {
        let clamp: ClosedRange<Double>? = clamped ? -3...5 : nil
        let calibration = NoiseCalibration(
            mechanism: mechanism, epsilon: 0.7, delta: 1e-6, sensitivity: sensitivity, rowLength: length,
            largestValue: clamped ? 5 : nil)
        let privatizer = OutputPrivatizer(calibration: calibration, clamp: clamp)
        let g = calibration.grid
        var random = KeystreamGenerator(testSeed: 501)
        var offGrid: [String] = []
        for trial in 0..<2000 {
            // Values with all 53 significand bits in use, from well inside to far outside the clamp range.
            let spread = trial % 2 == 0 ? 10.0 : 1e6
            let raw = (0..<length).map { _ in (Double(random.next64() >> 11) * 0x1p-53 - 0.5) * spread }
            let released = Self.withRow(raw) { privatizer.addNoise($0, &random) }
            for value in released {
                let steps = value / g
                if steps.rounded() != steps || steps.magnitude > 0x1p53 || steps * g != value {
                    offGrid.append("\(value) = \(steps) steps of \(g)")
                }
            }
        }
        #expect(offGrid.isEmpty, "\(offGrid.count) values off the grid, e.g. \(offGrid.prefix(3))")
    }

    /// `release` (fused loops) gives exactly what `addNoise` then `postProcess` give from the same stream, for
    /// every combination of normalize, top_k and round, on rows with ties and values outside the clamp range.
    @Test(
        arguments: [(false, 0, nil), (true, 0, nil), (true, 3, 2), (false, 2, 3), (true, 1, nil)] as [(Bool, Int, Int?)]
    )
    func fusedReleaseMatchesTheSteps(normalize: Bool, topK: Int, round: Int?) {
        let calibration = NoiseCalibration(
            mechanism: .laplace, epsilon: 4, delta: 0, sensitivity: 2, rowLength: 6, largestValue: 1)
        let privatizer = OutputPrivatizer(
            calibration: calibration, clamp: 0...1, normalize: normalize, topK: topK, round: round)
        let rows: [[Double]] = [[0.5, 0.5, 0.5, 0.1, -3, 7], [0, 0, 0, 0, 0, 0], [0.9, 0.01, 0.02, 0.03, 0.04, 0]]
        for (n, raw) in rows.enumerated() {
            var first = KeystreamGenerator(testSeed: UInt64(900 + n))
            var second = KeystreamGenerator(testSeed: UInt64(900 + n))
            let fused = Self.withRow(raw) { _ = privatizer.release($0, &first) }
            let stepwise = Self.withRow(raw) { row in
                privatizer.addNoise(row, &second)
                privatizer.postProcess(row)
            }
            #expect(fused == stepwise, "row \(raw): \(fused) vs \(stepwise)")
        }
    }

    /// With the simplex bound as sensitivity, raw rows are projected onto the simplex before the noise, so a
    /// model that sends rows summing to anything but 1 cannot make two rows further apart than the bound allows.
    @Test func simplexProjectionMakesTheBoundTrue() {
        let calibration = NoiseCalibration(
            mechanism: .laplace, epsilon: 1e6, delta: 0, sensitivity: 2, rowLength: 4, largestValue: 1)
        let projecting = OutputPrivatizer(calibration: calibration, clamp: 0...1, projectToSimplex: true)
        let plain = OutputPrivatizer(calibration: calibration, clamp: 0...1)
        var random = KeystreamGenerator(testSeed: 61)
        let ones = Self.withRow([1, 1, 1, 1]) { projecting.addNoise($0, &random) }
        let zeros = Self.withRow([0, 0, 0, 0]) { projecting.addNoise($0, &random) }
        let raw = Self.withRow([1, 1, 1, 1]) { plain.addNoise($0, &random) }
        // ε = 1e6: the noise is about 2e-6, so the released rows show what went into the mechanism.
        #expect(ones.allSatisfy { abs($0 - 0.25) < 1e-3 }, "\(ones)")
        #expect(zeros.allSatisfy { abs($0 - 0.25) < 1e-3 }, "all-zero rows become uniform: \(zeros)")
        #expect(raw.allSatisfy { abs($0 - 1) < 1e-3 }, "without the projection the row stays: \(raw)")
    }

    // MARK: Privacy audit

    /// The outcome of an empirical audit of two neighbouring rows.
    struct Audit: CustomStringConvertible {
        /// The largest `ln P̂(S) − ln(e^ε·Q̂(S) + δ)` minus its statistical margin over the sets checked: positive
        /// means the samples contradict (ε, δ)-DP beyond the false-failure rate.
        var worstExcess = -Double.infinity
        /// Where it was.
        var worstSet = ""
        /// Sets (and directions) checked.
        var checks = 0

        var description: String { "worst excess \(worstExcess) at \(worstSet) over \(checks) checks" }
    }

    /// An empirical privacy audit of the release path: rows [0] and [1] (distance exactly Δ = 1) are each released
    /// `n` times through `addNoise`, and for every set S among 60 equal-width value bins and the half-lines at
    /// their edges, in both directions, (ε, δ)-DP demands `P(S) ≤ e^ε·Q(S) + δ`. Half-lines matter for the Gaussian:
    /// its privacy loss exceeds ε only in the tails, where single bins hold too few samples.
    ///
    /// Only sets with at least 1000 samples on both sides are checked; there the standard error of
    /// `ln P̂(S) − ln Q̂(S)` is `√(1/n_P + 1/n_Q)` (delta method, binomial counts), and the margin is that times z for
    /// a one-sided tail of 1e-6 divided among all checks (Bonferroni), so a mechanism that meets (ε, δ) fails with
    /// probability below 1e-6.
    static func audit(_ privatizer: OutputPrivatizer, epsilon: Double, delta: Double, samples n: Int, seed: UInt64)
        -> Audit
    {
        var random = KeystreamGenerator(testSeed: seed)
        func release(_ raw: Double) -> [Double] {
            var values = [Double](repeating: 0, count: n)
            var row = [raw]
            for i in 0..<n {
                row[0] = raw
                row.withUnsafeMutableBufferPointer { privatizer.addNoise($0, &random) }
                values[i] = row[0]
            }
            values.sort()
            return values
        }
        let p = release(0)
        let q = release(1)
        // Bin edges: 60 equal-width bins between the 0.2% quantile of the first and the 99.8% quantile of the second.
        let low = p[n / 500]
        let high = q[n - 1 - n / 500]
        let bins = 60
        let edges = (0...bins).map { low + (high - low) * Double($0) / Double(bins) }
        func countBelow(_ values: [Double], _ x: Double) -> Int {  // values < x, by bisection
            var (lower, upper) = (0, values.count)
            while lower < upper {
                let middle = (lower + upper) / 2
                if values[middle] < x { lower = middle + 1 } else { upper = middle }
            }
            return lower
        }
        var sets: [(name: String, p: Int, q: Int)] = []
        for (i, edge) in edges.enumerated() {
            let (pBelow, qBelow) = (countBelow(p, edge), countBelow(q, edge))
            sets.append(("(−∞, \(edge))", pBelow, qBelow))
            sets.append(("[\(edge), ∞)", n - pBelow, n - qBelow))
            if i + 1 < edges.count {
                let next = edges[i + 1]
                sets.append(("[\(edge), \(next))", countBelow(p, next) - pBelow, countBelow(q, next) - qBelow))
            }
        }
        let usable = sets.filter { $0.p >= 1000 && $0.q >= 1000 }
        var audit = Audit()
        audit.checks = 2 * usable.count
        let z = Statistics.normalUpperQuantile(Statistics.falseFailureRate / Double(max(audit.checks, 1)))
        for set in usable {
            let (fp, fq) = (Double(set.p) / Double(n), Double(set.q) / Double(n))
            let margin = z * (1 / Double(set.p) + 1 / Double(set.q)).squareRoot()
            for (name, a, b) in [("P/Q", fp, fq), ("Q/P", fq, fp)] {
                let excess = log(a) - log(exp(epsilon) * b + delta) - margin
                if excess > audit.worstExcess {
                    audit.worstExcess = excess
                    audit.worstSet = "\(name) on \(set.name) (\(set.p) and \(set.q) samples)"
                }
            }
        }
        return audit
    }

    /// The audited calibration: ε = 1 (and δ = 1e-5 for the Gaussian), Δ = 1, rows of one value clamped to [0, 1],
    /// exactly as policy would build it; or the same with the noise scale halved (the internal initialiser), which
    /// makes the Laplace 2-DP and the Gaussian (1, 0.01)-DP.
    static func auditedPrivatizer(_ mechanism: NoiseCalibration.Mechanism, halved: Bool) -> OutputPrivatizer {
        let right = NoiseCalibration(
            mechanism: mechanism, epsilon: 1, delta: 1e-5, sensitivity: 1, rowLength: 1, largestValue: 1)
        guard halved else { return OutputPrivatizer(calibration: right, clamp: 0...1) }
        let steps = mechanism == .laplace ? (right.stepsScale / 2).rounded(.down) : right.stepsScale / 2
        let wrong = NoiseCalibration(
            mechanism: mechanism, epsilon: right.epsilon, delta: right.delta, sensitivity: right.sensitivity,
            rowLength: right.rowLength, gridExponent: right.gridExponent,
            inflatedSensitivity: right.inflatedSensitivity, stepsScale: steps)
        return OutputPrivatizer(calibration: wrong, clamp: 0...1)
    }

    /// The release path passes the empirical (ε, δ) audit with its own calibration (Laplace ε = 1; Gaussian
    /// ε = 1, δ = 1e-5), and the same audit fails when the noise scale (b or σ) is halved: 200 000 releases of
    /// each neighbouring row.
    @Test(
        arguments: [
            (NoiseCalibration.Mechanism.laplace, false, 601), (.laplace, true, 602), (.gaussian, false, 603),
            (.gaussian, true, 604),
        ] as [(NoiseCalibration.Mechanism, Bool, UInt64)])
    func releasePathPassesThePrivacyAudit(mechanism: NoiseCalibration.Mechanism, halved: Bool, seed: UInt64) {
        let privatizer = Self.auditedPrivatizer(mechanism, halved: halved)
        let delta = mechanism == .laplace ? 0 : 1e-5
        let audit = Self.audit(privatizer, epsilon: 1, delta: delta, samples: 200_000, seed: seed)
        #expect(audit.checks >= 100, "\(audit)")
        if halved {
            #expect(audit.worstExcess > 0, "the audit missed a halved \(mechanism) scale: \(audit)")
        } else {
            #expect(audit.worstExcess <= 0, "\(mechanism) fails its (ε, δ) audit: \(audit)")
        }
    }

    // MARK: Keyed noise

    /// The fields that seed a keyed generator.
    struct Question {
        var client = "alice"
        var model = "fraud-v3"
        var output = "probabilities"
        var row = 0
        var request = "{\"instances\": [[1, 2, 3]]}"
        var raw = [0.25, 0.5, 0.125]
    }

    /// What changes in a variant of a question.
    enum Field: String, CaseIterable, Sendable {
        case client, model, output, row, request, raw

        func change(_ question: inout Question) {
            switch self {
            case .client: question.client += "2"
            case .model: question.model = "fraud-v4"
            case .output: question.output = "logits"
            case .row: question.row += 1_000_003
            case .request: question.request += " "
            case .raw: question.raw[1] = 0.75
            }
        }
    }

    static let noiseKey: [UInt8] = (0..<32).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }

    /// The privatizer of the keyed-noise tests: Laplace, ε = 1, Δ1 = 1, rows of 3 in [0, 1] (grid 2^-32).
    static let keyedPrivatizer = OutputPrivatizer(
        calibration: NoiseCalibration(
            mechanism: .laplace, epsilon: 1, delta: 0, sensitivity: 1, rowLength: 3, largestValue: 1),
        clamp: 0...1)

    /// The keyed generator of `question`.
    static func generator(_ question: Question, key: [UInt8] = noiseKey) -> KeystreamGenerator {
        let digest = Array(question.request.utf8).withUnsafeBytes { KeyedNoise.digest($0) }
        let raw = UnsafeMutableBufferPointer<Double>.allocate(capacity: question.raw.count)
        defer { raw.deallocate() }
        _ = raw.initialize(from: question.raw)
        return KeyedNoise(key: key).generator(
            client: question.client, model: question.model, output: question.output, row: question.row,
            requestDigest: digest, rawRow: UnsafeBufferPointer(raw))
    }

    /// The noise of `question` in grid steps (released minus raw; the raw values are on the grid).
    static func noise(_ question: Question, key: [UInt8] = noiseKey) -> [Double] {
        var random = generator(question, key: key)
        let g = keyedPrivatizer.calibration!.grid
        let released = withRow(question.raw) { keyedPrivatizer.addNoise($0, &random) }
        return zip(released, question.raw).map { ($0 - $1) / g }
    }

    /// The same question (client, model, output, row index, request digest, raw row) gets the same noise and the
    /// same released row, bit for bit; another key gets other noise.
    @Test func keyedNoiseIsDeterministic() {
        let question = Question()
        #expect(Self.noise(question) == Self.noise(question))
        let otherKey = Self.noiseKey.map { $0 ^ 1 }
        #expect(Self.noise(question) != Self.noise(question, key: otherKey))
        let privatizer = OutputPrivatizer(
            calibration: Self.keyedPrivatizer.calibration, clamp: 0...1, normalize: true, round: 4)
        func released() -> [Double] {
            var random = Self.generator(question)
            return Self.withRow(question.raw) { _ = privatizer.release($0, &random) }
        }
        #expect(released().map(\.bitPattern) == released().map(\.bitPattern))
    }

    /// Changing any one of client, model, output name, row index, request or raw row changes the noise, and over
    /// 1000 questions the noise of the original and of the changed question is uncorrelated: |r| < 0.2 (r has a
    /// standard error of 1/√1000 ≈ 0.032 when independent, so 0.2 is 6.3 standard errors, a false failure about
    /// once in 3e9).
    @Test(arguments: Field.allCases)
    func keyedNoiseIsIndependentAcrossFields(_ field: Field) {
        var original: [Double] = []
        var changed: [Double] = []
        var identical = 0
        for i in 0..<1000 {
            var question = Question()
            question.row = i
            question.request = "{\"instances\": [[\(i)]]}"
            var variant = question
            field.change(&variant)
            let a = Self.noise(question)
            let b = Self.noise(variant)
            if a == b { identical += 1 }
            original.append(a[0])
            changed.append(b[0])
        }
        #expect(identical == 0, "\(identical) of 1000 questions got the same noise with another \(field)")
        let r = Self.correlation(original, changed)
        #expect(abs(r) < 0.2, "correlation \(r) between the noise of questions differing in \(field)")
    }

    /// The sample (Pearson) correlation of two equally long series.
    static func correlation(_ x: [Double], _ y: [Double]) -> Double {
        let n = Double(x.count)
        let (mx, my) = (x.reduce(0, +) / n, y.reduce(0, +) / n)
        var (sxy, sxx, syy) = (0.0, 0.0, 0.0)
        for (a, b) in zip(x, y) {
            sxy += (a - mx) * (b - my)
            sxx += (a - mx) * (a - mx)
            syy += (b - my) * (b - my)
        }
        return sxy / (sxx * syy).squareRoot()
    }

    /// The correlation check can fail: the noise of a question against itself shifted by a small amount of
    /// independent noise is strongly correlated.
    @Test func correlationDetectsSharedNoise() {
        var original: [Double] = []
        var shifted: [Double] = []
        var random = KeystreamGenerator(testSeed: 701)
        for i in 0..<1000 {
            var question = Question()
            question.row = i
            let a = Self.noise(question)[0]
            original.append(a)
            shifted.append(a + Double(random.uniform(below: 1 << 20)))
        }
        #expect(Self.correlation(original, shifted) > 0.9)
    }

    // MARK: Post-processing

    /// A privatizer without noise (mechanism `none`) for the post-processing tests.
    static func plain(normalize: Bool = false, topK: Int = 0, labelOnly: Bool = false, round: Int? = nil)
        -> OutputPrivatizer
    {
        OutputPrivatizer(
            calibration: nil, clamp: nil, normalize: normalize, topK: topK, labelOnly: labelOnly, round: round)
    }

    /// `normalize`: negative parts become 0 and the rest is divided by the sum; a row with nothing positive becomes
    /// uniform.
    @Test(
        arguments: [
            ([-1, 2, 2], [0, 0.5, 0.5]), ([0, 0, 0, 0], [0.25, 0.25, 0.25, 0.25]), ([-3, -1], [0.5, 0.5]),
            ([0.2, 0.3, 0.5], [0.2, 0.3, 0.5]), ([4, 0, -0.5, 12], [0.25, 0, 0, 0.75]),
        ] as [([Double], [Double])])
    func normalizeMakesProbabilities(row: [Double], expected: [Double]) {
        let result = Self.withRow(row) { Self.plain(normalize: true).postProcess($0) }
        #expect(zip(result, expected).allSatisfy { abs($0 - $1) <= 1e-15 }, "\(row) → \(result)")
    }

    /// `normalize` on random rows: every value in [0, 1], the sum 1 to 1e-12, and the order of the positive values
    /// kept.
    @Test func normalizedRowsSumToOne() {
        var random = KeystreamGenerator(testSeed: 801)
        for _ in 0..<2000 {
            let length = 1 + Int(random.uniform(below: 20))
            let row = (0..<length).map { _ in Double(Int64(random.uniform(below: 2001)) - 1000) / 100 }
            let result = Self.withRow(row) { Self.plain(normalize: true).postProcess($0) }
            #expect(result.allSatisfy { $0 >= 0 && $0 <= 1 }, "\(row) → \(result)")
            #expect(abs(result.reduce(0, +) - 1) <= 1e-12, "\(row) → \(result)")
            for i in row.indices {
                for j in row.indices where row[i] > 0 && row[j] > 0 && row[i] < row[j] {
                    #expect(result[i] <= result[j])
                }
            }
        }
    }

    /// `top_k`: exactly the k largest values are kept (among equal values the first ones), the others become 0.
    @Test(
        arguments: [
            ([0.1, 0.5, 0.3, 0.5], 2, [0, 0.5, 0, 0.5]), ([0.2, 0.2, 0.2], 2, [0.2, 0.2, 0]),
            ([0.5, 0.3, 0.3, 0.3], 2, [0.5, 0.3, 0, 0]), ([0.1, 0.9], 5, [0.1, 0.9]), ([3, 1, 2], 1, [3, 0, 0]),
            ([-1, -2, -3], 2, [-1, -2, 0]), ([0.4, 0.4, 0.9, 0.4], 3, [0.4, 0.4, 0.9, 0]),
        ] as [([Double], Int, [Double])])
    func topKKeepsTheLargest(row: [Double], k: Int, expected: [Double]) {
        let result = Self.withRow(row) { Self.plain(topK: k).postProcess($0) }
        #expect(result == expected, "top \(k) of \(row)")
    }

    /// `top_k` on random rows with many ties, against a reference: sort the indices by value descending, then by
    /// index; keep the first k.
    @Test func topKMatchesAReferenceOnRandomRows() {
        var random = KeystreamGenerator(testSeed: 802)
        for _ in 0..<3000 {
            let length = 1 + Int(random.uniform(below: 12))
            let k = 1 + Int(random.uniform(below: UInt64(length)))
            let row = (0..<length).map { _ in Double(random.uniform(below: 5)) - 1.5 }
            let order = row.indices.sorted { row[$0] > row[$1] || (row[$0] == row[$1] && $0 < $1) }
            let kept = Set(order.prefix(k))
            let expected = row.indices.map { kept.contains($0) ? row[$0] : 0 }
            let result = Self.withRow(row) { Self.plain(topK: k).postProcess($0) }
            #expect(result == expected, "top \(k) of \(row)")
        }
    }

    /// `label_only`: `release` returns the index of the largest value (the first of equal ones), with and without
    /// noise; with noise it is the argmax of the noised row.
    @Test func labelOnlyReturnsTheArgmax() {
        var random = KeystreamGenerator(testSeed: 803)
        for (row, label) in [([0.1, 0.7, 0.2], 1), ([0.5, 0.5], 0), ([-3, -1, -1, -2], 1), ([4], 0)]
            as [([Double], Int)]
        {
            var result = -2
            _ = Self.withRow(row) { result = Self.plain(labelOnly: true).release($0, &random) }
            #expect(result == label, "\(row)")
        }
        let calibration = NoiseCalibration(
            mechanism: .gaussian, epsilon: 2, delta: 1e-6, sensitivity: 0.05, rowLength: 5, largestValue: 1)
        let noisy = OutputPrivatizer(calibration: calibration, clamp: 0...1, labelOnly: true)
        let plain = OutputPrivatizer(calibration: calibration, clamp: 0...1)
        for seed in 0..<200 as Range<UInt64> {
            let row = [0.1, 0.3, 0.2, 0.25, 0.15]
            var a = KeystreamGenerator(testSeed: 900 + seed)
            var b = KeystreamGenerator(testSeed: 900 + seed)
            var label = -2
            _ = Self.withRow(row) { label = noisy.release($0, &a) }
            let noised = Self.withRow(row) { plain.addNoise($0, &b) }
            let argmax = noised.indices.max { noised[$0] < noised[$1] || (noised[$0] == noised[$1] && $0 > $1) }!
            #expect(label == argmax, "noised \(noised)")
        }
    }

    /// `round`: released values are rounded to the policy's decimals after the other steps, and clamped again to
    /// the clamp range first when there is noise.
    @Test func roundAndClampAfterNoise() {
        let rounded = Self.withRow([0.123456, -0.987654, 2.5]) { Self.plain(round: 2).postProcess($0) }
        #expect(rounded == [0.12, -0.99, 2.5])
        let pipeline = Self.withRow([0.5, 0.3, 0.2]) { Self.plain(normalize: true, topK: 1, round: 1).postProcess($0) }
        #expect(pipeline == [0.5, 0, 0])
        let calibration = NoiseCalibration(
            mechanism: .laplace, epsilon: 0.5, delta: 0, sensitivity: 1, rowLength: 4, largestValue: 1)
        let privatizer = OutputPrivatizer(calibration: calibration, clamp: 0...1, round: 3)
        var random = KeystreamGenerator(testSeed: 804)
        for _ in 0..<500 {
            let released = Self.withRow([0, 0.25, 0.5, 1]) { _ = privatizer.release($0, &random) }
            for value in released {
                #expect((0...1).contains(value), "\(value) outside the clamp range")
                #expect(PostProcessing.round(value, decimals: 3) == value, "\(value) has more than 3 decimals")
            }
        }
    }
}
