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

    /// The most grid steps a snapped value may have: values beyond are clamped there (a 1-Lipschitz map, so the
    /// sensitivity holds), and `steps + noise` stays below 2^53: an exact double, so the released value is exactly
    /// `g × integer`. The calibration's grid keeps every clamped value within it; only an output without `clamp`
    /// can reach it, and `policy check` warns about that.
    public static let largestSteps = 0x1p52

    /// A privatizer; `calibration` is `nil` for mechanism `none`.
    public init(
        calibration: NoiseCalibration?, clamp: ClosedRange<Double>?, normalize: Bool = false, topK: Int = 0,
        labelOnly: Bool = false, round: Int? = nil
    ) {
        self.calibration = calibration
        self.clamp = clamp
        self.normalize = normalize
        self.topK = topK
        self.labelOnly = labelOnly
        self.round = round
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
    public func release(_ row: UnsafeMutableBufferPointer<Double>, _ random: inout KeystreamGenerator) -> Int {
        addNoise(row, &random)
        if labelOnly { return Self.argmax(row) }
        postProcess(row)
        return -1
    }

    /// Steps 1–3: clamp, snap, add integer noise; every value is then `g × integer` exactly.
    public func addNoise(_ row: UnsafeMutableBufferPointer<Double>, _ random: inout KeystreamGenerator) {
        if let clamp {
            for i in row.indices { row[i] = min(max(row[i], clamp.lowerBound), clamp.upperBound) }
        }
        switch noise {
        case .none:
            return
        case .laplace(let sampler):
            for i in row.indices { row[i] = Double(snap(row[i]) + sampler.sample(&random)) * grid }
        case .gaussian(let sampler):
            for i in row.indices { row[i] = Double(snap(row[i]) + sampler.sample(&random)) * grid }
        }
    }

    /// The value in grid steps, rounded to the nearest step (ties to even) and limited to ±``largestSteps``.
    @inline(__always)
    private func snap(_ value: Double) -> Int64 {
        let steps = (value * inverseGrid).rounded(.toNearestOrEven)
        return Int64(min(max(steps, -Self.largestSteps), Self.largestSteps))
    }

    /// Step 4 without label-only: clamp, normalize, top-k, round.
    public func postProcess(_ row: UnsafeMutableBufferPointer<Double>) {
        if let clamp, calibration != nil {
            for i in row.indices { row[i] = min(max(row[i], clamp.lowerBound), clamp.upperBound) }
        }
        if normalize { Self.normalize(row) }
        if topK > 0 && topK < row.count { Self.keepLargest(topK, row) }
        if let round {
            for i in row.indices { row[i] = PostProcessing.round(row[i], decimals: round) }
        }
    }

    /// Negative parts to 0, then divide by the sum; an all-zero row becomes uniform.
    static func normalize(_ row: UnsafeMutableBufferPointer<Double>) {
        var sum = 0.0
        for i in row.indices {
            if row[i] < 0 { row[i] = 0 }
            sum += row[i]
        }
        guard sum > 0 else {
            for i in row.indices { row[i] = 1 / Double(row.count) }
            return
        }
        for i in row.indices { row[i] /= sum }
    }

    /// Sets all but the `k` largest values to 0 (among equal values, the first ones are kept).
    static func keepLargest(_ k: Int, _ row: UnsafeMutableBufferPointer<Double>) {
        // The k-th largest value by counting: the smallest value v with fewer than k values above it. A row is
        // short next to the noise cost (O(d·log d) through a sorted copy would allocate).
        var threshold = -Double.infinity
        var remaining = k
        // Repeatedly take the largest value below the last threshold; each round keeps all its copies.
        var ceiling = Double.infinity
        while remaining > 0 {
            var best = -Double.infinity
            var copies = 0
            for value in row where value < ceiling {
                if value > best {
                    best = value
                    copies = 1
                } else if value == best {
                    copies += 1
                }
            }
            if copies == 0 { break }
            threshold = best
            ceiling = best
            remaining -= copies
        }
        // Keep values above the threshold, and of those equal to it only as many as fit.
        var equalsKept = 0
        var above = 0
        for value in row where value > threshold { above += 1 }
        for i in row.indices {
            if row[i] > threshold { continue }
            if row[i] == threshold && above + equalsKept < k {
                equalsKept += 1
                continue
            }
            row[i] = 0
        }
    }

    /// The index of the largest value (the first of equal ones).
    static func argmax(_ row: UnsafeMutableBufferPointer<Double>) -> Int {
        var best = 0
        for i in row.indices where row[i] > row[best] { best = i }
        return best
    }
}
