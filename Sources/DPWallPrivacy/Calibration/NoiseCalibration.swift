/// The numbers of one privatized output: its grid, its inflated sensitivity, its noise scale, and the cost of
/// one released row (privacy.md, "One release, step by step" and "Calibration").
public struct NoiseCalibration: Sendable, Equatable {
    /// The noise distribution.
    public enum Mechanism: String, Sendable {
        /// Discrete Laplace: pure ε-DP, L1 sensitivity, scale `b = Δ1/ε`.
        case laplace
        /// Discrete Gaussian: (ε, δ)-DP, L2 sensitivity, σ of the analytic Gaussian.
        case gaussian
    }

    /// The noise distribution.
    public let mechanism: Mechanism
    /// The declared cost of one row: ε (nats) and δ (0 for Laplace).
    public let epsilon: Double, delta: Double
    /// The sensitivity of one row before snapping (L1 for Laplace, L2 for Gaussian), in value units.
    public let sensitivity: Double
    /// The elements of a row the inflation allows for (the exact row length, or a bound on it).
    public let rowLength: Int
    /// The grid is `2^gridExponent`.
    public let gridExponent: Int
    /// The sensitivity inflated for snapping both rows to the grid: `Δ1 + d·g` or `Δ2 + √d·g`.
    public let inflatedSensitivity: Double
    /// The noise scale in grid steps: the integer `t` (Laplace) or σ/g (Gaussian).
    public let stepsScale: Double

    /// The grid step `g`, in value units.
    public var grid: Double { Double(sign: .plus, exponent: gridExponent, significand: 1) }
    /// The noise scale in value units: Laplace `b = t·g`, Gaussian σ.
    public var scale: Double { stepsScale * grid }
    /// The grid as a fraction of the scale, as a power of two: from −45 to −30 (−44 relative to the scale before
    /// inflation, which can cross a power of two), coarser when the clamp range needs it (values stay below 2^52 steps), and coarser than −20 only when the
    /// clamp range is over 2^31 times the scale (`policy check` warns then).
    public var gridRelativeExponent: Int { gridExponent - scale.exponent }

    /// A bound on the total-variation distance between one sampled value and the ideal distribution (the
    /// samplers' double-double comparisons; docs/privacy.md derives it). It is below the 2^-60 the design
    /// allows, so it is not added to δ; `policy check` prints it.
    public static let samplerTotalVariation = 0x1p-90

    /// The finest grid relative to the scale (2^-44) keeps every step count below 2^46 (``DiscreteLaplace``).
    static let finestRelativeGrid = 44
    /// The grid is at least `2^-(30 + ⌈log2 d⌉)` of the scale (capped at ``finestRelativeGrid``), so snapping a
    /// whole row moves it by at most about 2^-30 of the scale.
    static let baseRelativeGrid = 30

    /// Calibrates one output.
    ///
    /// - Parameters:
    ///   - rowLength: the elements of one row, or a bound on them (the inflation uses it).
    ///   - largestValue: the largest magnitude a clamped value can have (the grid keeps it below 2^52 steps),
    ///     or `nil` when values are not clamped.
    public init(
        mechanism: Mechanism, epsilon: Double, delta: Double, sensitivity: Double, rowLength: Int,
        largestValue: Double?
    ) {
        precondition(epsilon > 0 && sensitivity > 0 && rowLength > 0, "invalid calibration input")
        self.mechanism = mechanism
        self.epsilon = epsilon
        self.delta = mechanism == .laplace ? 0 : delta
        self.sensitivity = sensitivity
        self.rowLength = rowLength
        let d = Double(rowLength)
        // The scale before inflation chooses the grid; the inflated sensitivity then sets the scale.
        let uninflated =
            mechanism == .laplace
            ? sensitivity / epsilon
            : AnalyticGaussian.sigma(epsilon: epsilon, delta: delta, sensitivity: sensitivity)
        let ceilingLog2 = rowLength <= 1 ? 0 : Int.bitWidth - (rowLength - 1).leadingZeroBitCount
        let relative = min(Self.finestRelativeGrid, Self.baseRelativeGrid + ceilingLog2)
        var exponent = uninflated.exponent - relative
        if let largestValue, largestValue > 0 {
            exponent = max(exponent, largestValue.exponent - 51)
        }
        gridExponent = exponent
        let g = Double(sign: .plus, exponent: exponent, significand: 1)
        switch mechanism {
        case .laplace:
            inflatedSensitivity = sensitivity + d * g
            stepsScale = (inflatedSensitivity / epsilon / g).rounded(.up)
        case .gaussian:
            inflatedSensitivity = sensitivity + d.squareRoot() * g
            let sigma = AnalyticGaussian.sigma(epsilon: epsilon, delta: delta, sensitivity: inflatedSensitivity)
            // A σ below a quarter step only arises when the clamp range forces a coarse grid; more noise is safe.
            stepsScale = max(sigma / g, 0.25)
        }
    }

    /// A calibration with every number given (tests build miscalibrated ones as negative controls).
    init(
        mechanism: Mechanism, epsilon: Double, delta: Double, sensitivity: Double, rowLength: Int,
        gridExponent: Int, inflatedSensitivity: Double, stepsScale: Double
    ) {
        self.mechanism = mechanism
        self.epsilon = epsilon
        self.delta = delta
        self.sensitivity = sensitivity
        self.rowLength = rowLength
        self.gridExponent = gridExponent
        self.inflatedSensitivity = inflatedSensitivity
        self.stepsScale = stepsScale
    }
}

extension NoiseCalibration {
    /// What one released row costs the accountants: the declared ε for Laplace (the true `Δ1'/b` is at most
    /// that), and for Gaussian `μ = Δ2'/σ` with the declared (ε, δ).
    public var rowCost: RowCost {
        switch mechanism {
        case .laplace: .laplace(epsilon: epsilon)
        case .gaussian: .gaussian(mu: inflatedSensitivity / scale, epsilon: epsilon, delta: delta)
        }
    }
}

extension Accountant {
    /// The most releases of `cost` that fit a budget of (`epsilon`, `delta`) in one window, by bisection on the
    /// count (the spent ε grows with every release); at most `limit`.
    public func releasesThatFit(_ cost: RowCost, epsilon: Double, delta: Double, limit: Int = 1 << 40) -> Int {
        func fits(_ n: Int) -> Bool {
            var account = PrivacyAccount()
            account.add(cost, count: n)
            return self.epsilon(account, delta: delta) <= epsilon
        }
        guard fits(1) else { return 0 }
        var low = 1
        var high = 2
        while high < limit && fits(high) {
            low = high
            high *= 2
        }
        if high >= limit && fits(limit) { return limit }
        while high - low > 1 {
            let middle = low + (high - low) / 2
            if fits(middle) { low = middle } else { high = middle }
        }
        return low
    }
}
