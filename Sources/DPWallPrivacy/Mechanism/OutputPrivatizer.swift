/// Releases the rows of one output tensor as privacy.md's "One release, step by step" says: clamp, snap to the
/// grid, add integer noise, then post-process (clamp, normalize, top-k, label-only, round).
///
/// Each row is one invocation of the mechanism; the noise is discrete (``DiscreteLaplace`` or
/// ``DiscreteGaussian``) on the grid `g = 2^k`, so a noised value is `g × integer` exactly and carries nothing of
/// the raw value's low bits (Mironov, "On Significance of the Least Significant Bits for Differential Privacy",
/// CCS 2012). No floating-point noise is drawn anywhere on this path.
public struct OutputPrivatizer: Sendable {
    /// The noise, or `nil` for mechanism `none` (clamp and round only).
    public let calibration: NoiseCalibration?
    /// The range raw values are clamped to before noise and released values after it.
    public let clamp: ClosedRange<Double>?
    /// Rows are probabilities: negative parts to 0, then divide by the sum (an all-zero row becomes uniform).
    public let normalize: Bool
    /// Keep only the `topK` largest values of a row (others 0); 0 keeps all.
    public let topK: Int
    /// Release only the index of the noised row's largest value.
    public let labelOnly: Bool
    /// Project each clamped raw row onto the probability simplex before the noise (negative parts to 0, divide by
    /// the sum, an all-zero row uniform). Set when the sensitivity is the simplex bound (L1 2, L2 √2): the bound
    /// holds only for rows that are probability vectors, and this makes every row one, whatever the model sent.
    public let projectToSimplex: Bool
    /// Decimals of the released values, or `nil`.
    public let round: Int?

    private enum Noise: Sendable {
        case none
        case laplace(DiscreteLaplace)
        case gaussian(DiscreteGaussian)
    }

    private let noise: Noise
    private let inverseGrid: Double
    private let grid: Double
    private let roundScale: Double
    /// The clamp as two numbers (−∞…+∞ without one).
    private let low: Double, high: Double

    /// The most grid steps a snapped value may have: values beyond are clamped there (a 1-Lipschitz map, so the
    /// sensitivity holds), and `steps + noise` stays below 2^53: an exact double, so the released value is exactly
    /// `g × integer`. The calibration's grid keeps every clamped value within it; only an output without `clamp`
    /// can reach it, and `policy check` warns about that.
    public static let largestSteps = 0x1p52

    /// A privatizer; `calibration` is `nil` for mechanism `none`.
    public init(
        calibration: NoiseCalibration?, clamp: ClosedRange<Double>?, normalize: Bool = false, topK: Int = 0,
        labelOnly: Bool = false, round: Int? = nil, projectToSimplex: Bool = false
    ) {
        self.projectToSimplex = projectToSimplex
        self.calibration = calibration
        self.clamp = clamp
        self.normalize = normalize
        self.topK = topK
        self.labelOnly = labelOnly
        self.round = round
        roundScale = round.map { PostProcessing.scale(decimals: $0) } ?? 1
        low = clamp?.lowerBound ?? -.infinity
        high = clamp?.upperBound ?? .infinity
        if let calibration {
            grid = calibration.grid
            inverseGrid = 1 / calibration.grid
            switch calibration.mechanism {
            case .laplace: noise = .laplace(DiscreteLaplace(scale: UInt64(calibration.stepsScale)))
            case .gaussian: noise = .gaussian(DiscreteGaussian(sigma: calibration.stepsScale))
            }
        } else {
            noise = .none
            grid = 1
            inverseGrid = 1
        }
    }

    /// Releases one row in place; returns the label (the noised row's argmax) when ``labelOnly`` is set, else -1.
    ///
    /// The same as ``addNoise(_:_:)`` followed by ``postProcess(_:)`` (a test checks it), with the loops fused:
    /// one pass clamps, snaps, adds noise, clamps again and sums; at most two more normalize, cut to top-k and
    /// round.
    public func release(_ row: UnsafeMutableBufferPointer<Double>, _ random: inout KeystreamGenerator) -> Int {
        if labelOnly {
            addNoise(row, &random)
            return Self.argmax(row)
        }
        var positiveSum = 0.0
        forEachNoised(row, &random) { i, value in
            let released = clampAfterNoise(value)
            row[i] = released
            if released > 0 { positiveSum += released }
        }
        finish(row, positiveSum: positiveSum)
        return -1
    }

    /// Steps 1–3: clamp, snap, add integer noise; every value is then `g × integer` exactly.
    public func addNoise(_ row: UnsafeMutableBufferPointer<Double>, _ random: inout KeystreamGenerator) {
        forEachNoised(row, &random) { i, value in row[i] = value }
    }

    /// Step 4 without label-only, on a row that ``addNoise(_:_:)`` noised: clamp, normalize, top-k, round.
    public func postProcess(_ row: UnsafeMutableBufferPointer<Double>) {
        var positiveSum = 0.0
        for i in row.indices {
            let released = clampAfterNoise(row[i])
            row[i] = released
            if released > 0 { positiveSum += released }
        }
        finish(row, positiveSum: positiveSum)
    }

    /// Calls `body(i, noised value)` for every element: clamped, snapped and noised (clamped only for `none`).
    /// The switch is outside the loops, so each loop calls one sampler directly.
    @inline(__always)
    private func forEachNoised(
        _ row: UnsafeMutableBufferPointer<Double>, _ random: inout KeystreamGenerator, _ body: (Int, Double) -> Void
    ) {
        // The simplex projection's sum is taken here, its division inside the noise loop (one pass fewer).
        var divisor = 1.0
        var uniform = -1.0
        if projectToSimplex && calibration != nil {
            var sum = 0.0
            for i in row.indices {
                let value = max(clampBeforeNoise(row[i]), 0)
                row[i] = value
                sum += value
            }
            if sum > 0 { divisor = sum } else { uniform = 1 / Double(row.count) }
        }
        /// The mechanism's input: the clamped value, or its share of the row on the simplex.
        @inline(__always) func input(_ i: Int) -> Double {
            if divisor != 1 { return row[i] / divisor }
            if uniform >= 0 { return uniform }
            return clampBeforeNoise(row[i])
        }
        switch noise {
        case .none:
            for i in row.indices { body(i, clampBeforeNoise(row[i])) }
        case .laplace(let sampler):
            for i in row.indices {
                body(i, Double(snap(input(i)) + sampler.sample(&random)) * grid)
            }
        case .gaussian(let sampler):
            for i in row.indices {
                body(i, Double(snap(input(i)) + sampler.sample(&random)) * grid)
            }
        }
    }

    @inline(__always)
    private func clampBeforeNoise(_ value: Double) -> Double {
        Self.limit(value, low, high)
    }

    /// The clamp after noise (mechanism `none` has clamped already).
    @inline(__always)
    private func clampAfterNoise(_ value: Double) -> Double {
        calibration == nil ? value : Self.limit(value, low, high)
    }

    /// `value` limited to [low, high] by comparisons: values here are finite, so the NaN handling of `min` and
    /// `max` (several instructions each) is not needed.
    @inline(__always)
    private static func limit(_ value: Double, _ low: Double, _ high: Double) -> Double {
        value < low ? low : (value > high ? high : value)
    }

    /// The value in grid steps, rounded to the nearest step (ties to even) and limited to ±``largestSteps``.
    @inline(__always)
    private func snap(_ value: Double) -> Int64 {
        let steps = Self.limit(value * inverseGrid, -Self.largestSteps, Self.largestSteps)
        // Below 2^51, adding and removing 1.5·2^52 rounds to the nearest integer (ties to even) in the default
        // rounding mode, without a libm call; larger magnitudes are integers already (or half-integers, which
        // `rounded` handles).
        if steps.magnitude < 0x1p51 {
            return Int64((steps + 0x1.8p52) - 0x1.8p52)
        }
        return Int64(steps.rounded(.toNearestOrEven))
    }

    /// Normalize (negative parts are 0, the sum of the positive ones is `positiveSum`), top-k, round.
    private func finish(_ row: UnsafeMutableBufferPointer<Double>, positiveSum: Double) {
        if normalize {
            if positiveSum > 0 {
                for i in row.indices { row[i] = max(row[i], 0) / positiveSum }
            } else {
                for i in row.indices { row[i] = 1 / Double(row.count) }
            }
        }
        let cut = topK > 0 && topK < row.count
        guard cut || round != nil else { return }
        let (threshold, above) = cut ? Self.kthLargest(topK, row) : (-Double.infinity, 0)
        // Keep values above the threshold, and of those equal to it only as many as fit; round what is kept.
        var equalsKept = 0
        let rounds = round != nil
        for i in row.indices {
            var value = row[i]
            if value <= threshold {
                if value == threshold && above + equalsKept < topK {
                    equalsKept += 1
                } else {
                    value = 0
                }
            }
            // Zero (most of a row after top-k) rounds to itself: skip the arithmetic.
            row[i] = rounds && value != 0 ? PostProcessing.round(value, scale: roundScale) : value
        }
    }

    /// The k-th largest value of the row and how many values are strictly larger, in one pass with a small
    /// sorted buffer on the stack (insertion: few of a row's values enter it).
    static func kthLargest(_ k: Int, _ row: UnsafeMutableBufferPointer<Double>) -> (threshold: Double, above: Int) {
        withUnsafeTemporaryAllocation(of: Double.self, capacity: k) { top in
            // top[0..<filled] holds the largest values seen, in descending order.
            var filled = 0
            for value in row {
                if filled == k && value <= top[k - 1] { continue }
                var slot = filled == k ? k - 1 : filled
                if filled < k { filled += 1 }
                while slot > 0 && top[slot - 1] < value {
                    top[slot] = top[slot - 1]
                    slot -= 1
                }
                top[slot] = value
            }
            // Every value above the k-th largest is in the buffer.
            let threshold = top[k - 1]
            var above = 0
            for j in 0..<k where top[j] > threshold { above += 1 }
            return (threshold, above)
        }
    }

    /// The index of the largest value (the first of equal ones).
    static func argmax(_ row: UnsafeMutableBufferPointer<Double>) -> Int {
        var best = 0
        for i in row.indices where row[i] > row[best] { best = i }
        return best
    }
}
