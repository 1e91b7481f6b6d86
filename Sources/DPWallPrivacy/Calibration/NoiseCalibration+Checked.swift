/// Why the numbers of an output cannot be calibrated into noise that the samplers draw exactly (privacy.md,
/// "Calibration"): at the ends of binary64's range the scale, the grid or the step count leave what the release
/// path can represent, and a release would trap or write a non-finite number.
public enum CalibrationProblem: Error, Sendable, Equatable, CustomStringConvertible {
    /// ε, Δ or δ is not a finite number in its range (ε > 0, Δ > 0, δ in (0, 1) for Gaussian), or the row has
    /// no elements.
    case invalidInput(String)
    /// The noise scale before inflation (`Δ/ε`, or the analytic Gaussian's σ) is zero, subnormal or not finite.
    case scaleOutOfRange(Double)
    /// The grid `2^gridExponent` is below binary64's normal range, or so coarse that 2^54 steps overflow.
    case gridOutOfRange(exponent: Int)
    /// The noise scale in grid steps is outside what the sampler draws exactly (discrete Laplace 1 … 2^46 steps,
    /// discrete Gaussian 0.25 … 2^45): the row is so long that its grid inflation dwarfs the sensitivity.
    case stepsOutOfRange(Double)

    /// What is wrong, in words, with the numbers.
    public var description: String {
        switch self {
        case .invalidInput(let what):
            "\(what) is out of range"
        case .scaleOutOfRange(let scale):
            "the noise scale before the grid (Δ/ε, or σ) is \(scale), outside binary64's normal range; epsilon, "
                + "delta or the sensitivity is too extreme"
        case .gridOutOfRange(let exponent):
            "the grid would be 2^\(exponent), outside 2^-1022 … 2^969 (the values on it must stay finite doubles)"
        case .stepsOutOfRange(let steps):
            "the noise would be \(steps) grid steps, outside what the sampler draws exactly (1 … 2^46 for laplace, "
                + "0.25 … 2^45 for gaussian); a row this long inflates the sensitivity too much for the grid"
        }
    }
}

extension NoiseCalibration {
    /// The coarsest grid exponent: a value of 2^54 grid steps (the largest snapped value plus the largest noise)
    /// is still a finite double.
    static let coarsestGridExponent = Double.greatestFiniteMagnitude.exponent - 54

    /// Calibrates one output as ``init(mechanism:epsilon:delta:sensitivity:rowLength:largestValue:)`` does, or
    /// says why it cannot be done: the policy loader refuses such an output, so the samplers' and the JSON
    /// writer's preconditions hold for every output of a loaded policy.
    ///
    /// - Throws: ``CalibrationProblem`` when an input is out of range, or when the scale, the grid or the scale in
    ///   grid steps is.
    public static func checked(
        mechanism: Mechanism, epsilon: Double, delta: Double, sensitivity: Double, rowLength: Int,
        largestValue: Double?
    ) throws(CalibrationProblem) -> NoiseCalibration {
        guard epsilon > 0, epsilon.isFinite else { throw .invalidInput("epsilon \(epsilon)") }
        guard sensitivity > 0, sensitivity.isFinite else { throw .invalidInput("the sensitivity \(sensitivity)") }
        guard rowLength > 0 else { throw .invalidInput("a row of \(rowLength) elements") }
        if let largestValue, !largestValue.isFinite { throw .invalidInput("the largest value \(largestValue)") }
        if mechanism == .gaussian, !(delta > 0 && delta < 1) { throw .invalidInput("delta \(delta)") }
        // The scale before inflation chooses the grid: it must be a normal double for its exponent to mean one.
        let uninflated =
            mechanism == .laplace
            ? sensitivity / epsilon
            : AnalyticGaussian.sigma(epsilon: epsilon, delta: delta, sensitivity: sensitivity)
        guard uninflated.isNormal, uninflated.isFinite else { throw .scaleOutOfRange(uninflated) }
        let calibration = NoiseCalibration(
            mechanism: mechanism, epsilon: epsilon, delta: delta, sensitivity: sensitivity, rowLength: rowLength,
            largestValue: largestValue)
        let exponent = calibration.gridExponent
        guard exponent >= Double.leastNormalMagnitude.exponent, exponent <= coarsestGridExponent else {
            throw .gridOutOfRange(exponent: exponent)
        }
        let steps = calibration.stepsScale
        let (lowest, highest) =
            mechanism == .laplace ? (1.0, Double(DiscreteLaplace.maximumScale)) : (0.25, DiscreteGaussian.maximumSigma)
        guard steps >= lowest, steps <= highest, calibration.inflatedSensitivity.isFinite,
            calibration.scale.isNormal, calibration.scale.isFinite
        else { throw .stepsOutOfRange(steps) }
        return calibration
    }
}
