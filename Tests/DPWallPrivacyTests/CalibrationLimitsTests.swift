import Testing

@testable import DPWallPrivacy

/// The ends of the calibration's range (`NoiseCalibration+Checked.swift`): the analytic Gaussian's bracket ends,
/// and numbers the samplers cannot draw are a ``CalibrationProblem``, not a trap or a hang.
@Suite struct CalibrationLimitsTests {
    /// Each of these looped forever: the first guess or the bracket became 0 or ∞, and doubling or halving it
    /// never moved it (2^-1063 ≈ 1.1e-320, a subnormal).
    @Test(
        arguments: [
            (0x1p-1063, 1e-6, 1.0), (1, 0x1p-1063, 1), (1, 1e-6, 1e308), (1e-300, 1e-6, 1e300), (1e300, 1e-6, 1e-300),
        ] as [(Double, Double, Double)])
    func analyticGaussianEndsInsteadOfLooping(epsilon: Double, delta: Double, sensitivity: Double) {
        let sigma = AnalyticGaussian.sigma(epsilon: epsilon, delta: delta, sensitivity: sensitivity)
        #expect(sigma > 0, "ε \(epsilon), δ \(delta), Δ \(sensitivity): σ \(sigma)")
        if sigma.isFinite {
            #expect(AnalyticGaussian.delta(epsilon: epsilon, sigma: sigma, sensitivity: sensitivity) <= delta)
        }
    }

    @Test func checkedRefusesWhatCannotBeDrawn() {
        func problem(
            _ mechanism: NoiseCalibration.Mechanism, epsilon: Double, delta: Double = 1e-6, sensitivity: Double,
            rowLength: Int = 3, largest: Double? = 1
        ) -> CalibrationProblem? {
            do {
                _ = try NoiseCalibration.checked(
                    mechanism: mechanism, epsilon: epsilon, delta: delta, sensitivity: sensitivity,
                    rowLength: rowLength, largestValue: largest)
                return nil
            } catch {
                return error
            }
        }
        #expect(problem(.laplace, epsilon: 0, sensitivity: 1) == .invalidInput("epsilon 0.0"))
        #expect(problem(.laplace, epsilon: 1, sensitivity: .infinity) == .invalidInput("the sensitivity inf"))
        #expect(problem(.gaussian, epsilon: 1, delta: 0, sensitivity: 1) == .invalidInput("delta 0.0"))
        #expect(problem(.laplace, epsilon: 1, sensitivity: 1, rowLength: 0) == .invalidInput("a row of 0 elements"))
        #expect(problem(.laplace, epsilon: 1, sensitivity: 0x1p-1063) == .scaleOutOfRange(0x1p-1063))
        #expect(problem(.laplace, epsilon: 1e-10, sensitivity: 1e300) == .scaleOutOfRange(.infinity))
        #expect(problem(.gaussian, epsilon: 0x1p-1063, sensitivity: 1) == .scaleOutOfRange(.infinity))
        #expect(problem(.laplace, epsilon: 1, sensitivity: 1e308, largest: nil) == .gridOutOfRange(exponent: 991))
        #expect(problem(.laplace, epsilon: 1e308, sensitivity: 1) == .scaleOutOfRange(1e-308))
        #expect(problem(.laplace, epsilon: 1e7, sensitivity: 1e-300, largest: nil) == .gridOutOfRange(exponent: -1052))
        // The grid is 2^-32 of Δ/ε: below ε ≈ 4e-14 the row's inflation d·g alone needs more than 2^46 steps.
        #expect(problem(.laplace, epsilon: 1e-300, sensitivity: 1) == .stepsOutOfRange(.infinity))
        if case .stepsOutOfRange? = problem(.laplace, epsilon: 1, sensitivity: 3, rowLength: .max) {
        } else {
            Issue.record("a row of Int.max elements inflates past the sampler's 2^46 steps")
        }
        // What the release path can draw: finite scale and grid, steps in the sampler's range.
        for (mechanism, epsilon, sensitivity) in [
            (NoiseCalibration.Mechanism.laplace, 1e300, 1.0), (.gaussian, 1e308, 1), (.laplace, 1e-10, 1),
            (.gaussian, 1, 1e280),
        ] {
            #expect(problem(mechanism, epsilon: epsilon, sensitivity: sensitivity) == nil, "\(mechanism) \(epsilon)")
        }
    }
}
