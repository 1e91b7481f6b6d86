import Foundation
import Testing

@testable import DPWallPrivacy

/// The noise calibration in `Sources/DPWallPrivacy/Calibration/` and the double-double `exp` it and the samplers
/// rely on, against the independent mpmath values of ``ReferenceVectors`` (scripts/calibration-vectors.py).
@Suite struct CalibrationTests {
    // MARK: Analytic Gaussian

    /// `AnalyticGaussian.sigma` agrees with every mpmath reference σ (sensitivity 1) to 1e-9 relative, and the worst
    /// vector to the 1e-12 privacy.md asks of the solver.
    @Test func analyticGaussianSigmaMatchesTheReference() {
        var worst = (error: 0.0, epsilon: 0.0, delta: 0.0)
        for vector in ReferenceVectors.analyticGaussian {
            let sigma = AnalyticGaussian.sigma(epsilon: vector.epsilon, delta: vector.delta, sensitivity: 1)
            let error = abs(sigma / vector.sigma - 1)
            #expect(error <= 1e-9, "ε \(vector.epsilon), δ \(vector.delta): σ \(sigma), reference \(vector.sigma)")
            if error > worst.error { worst = (error, vector.epsilon, vector.delta) }
        }
        #expect(worst.error <= 1e-12, "worst relative error \(worst.error) at ε \(worst.epsilon), δ \(worst.delta)")
    }

    /// σ scales with the sensitivity: `σ(ε, δ, Δ) = Δ·σ(ε, δ, 1)` to 1e-9 relative, for Δ from 2^-20 to 1000.
    @Test(arguments: [0x1p-20, 0.01, 3, 1000])
    func analyticGaussianSigmaScalesWithSensitivity(sensitivity: Double) {
        for vector in ReferenceVectors.analyticGaussian {
            let sigma = AnalyticGaussian.sigma(epsilon: vector.epsilon, delta: vector.delta, sensitivity: sensitivity)
            #expect(
                abs(sigma / (sensitivity * vector.sigma) - 1) <= 1e-9,
                "ε \(vector.epsilon), δ \(vector.delta), Δ \(sensitivity): σ \(sigma)")
        }
    }

    /// The σ returned is on the safe side and tight: its δ is at most the target, and the δ of σ·(1 − 1e-9) is
    /// above it (for sensitivities 1 and 3).
    @Test(arguments: [1, 3] as [Double])
    func analyticGaussianSigmaIsTheSmallestSafeOne(sensitivity: Double) {
        for vector in ReferenceVectors.analyticGaussian {
            let (epsilon, delta) = (vector.epsilon, vector.delta)
            let sigma = AnalyticGaussian.sigma(epsilon: epsilon, delta: delta, sensitivity: sensitivity)
            let achieved = AnalyticGaussian.delta(epsilon: epsilon, sigma: sigma, sensitivity: sensitivity)
            let smaller = AnalyticGaussian.delta(epsilon: epsilon, sigma: sigma * (1 - 1e-9), sensitivity: sensitivity)
            #expect(achieved <= delta, "ε \(epsilon), δ \(delta): σ \(sigma) gives δ \(achieved)")
            #expect(smaller > delta, "ε \(epsilon), δ \(delta): σ·(1 − 1e-9) still gives δ \(smaller)")
        }
    }

    /// `AnalyticGaussian.normalCDF` agrees with mpmath's Φ to 1e-14 relative, widened by Φ's own condition
    /// number: in the lower tail `|x·φ(x)/Φ(x)| ≈ x²`, so the rounding of the argument `−x/√2` alone costs up to
    /// `x²·2^-53` (1e-13 at x = −30, where 1.2e-13 is observed). Values below the subnormal range may differ by one
    /// subnormal unit.
    @Test func normalCDFMatchesTheReference() {
        for vector in ReferenceVectors.normalCDF {
            let phi = AnalyticGaussian.normalCDF(vector.x)
            let tolerance = 1e-14 * max(1, vector.x * vector.x) * vector.phi + 0x1p-1074
            #expect(abs(phi - vector.phi) <= tolerance, "Φ(\(vector.x)) = \(phi), reference \(vector.phi)")
        }
    }

    // MARK: Double-double exp

    /// `DoubleDouble.exp(−x)` agrees with mpmath's double-double e^−x to 1e-30 relative for every reference x ≤ 700;
    /// at x = 700 the reference's low part is subnormal (quantum 2^-1074), so two such quanta are allowed too.
    @Test func doubleDoubleExpMatchesTheReference() {
        for vector in ReferenceVectors.expNegative where vector.x <= 700 {
            let computed = DoubleDouble.exp(DoubleDouble(-vector.x))
            let difference = computed - DoubleDouble(vector.hi, vector.lo)
            let tolerance = 1e-30 * vector.hi + 0x1p-1073
            #expect(
                abs(difference.value) <= tolerance,
                "e^-\(vector.x): \(computed.hi) + \(computed.lo), reference \(vector.hi) + \(vector.lo)")
        }
    }

    /// `DoubleDouble.exp` is consistent with itself: `e^a·e^−a = 1` and `e^a·e^b = e^(a+b)` to 1e-30, for
    /// arguments that are not in the reference table.
    @Test(arguments: [0x1p-40, 0.3, 0.6931, 1.25, 5.5, 17.75, 200.5])
    func doubleDoubleExpIsMultiplicative(a: Double) {
        let product = DoubleDouble.exp(DoubleDouble(a)) * DoubleDouble.exp(DoubleDouble(-a))
        #expect(
            abs((product - DoubleDouble(1)).value) <= 1e-30, "e^\(a)·e^-\(a) − 1 = \((product - DoubleDouble(1)).value)"
        )
        let b = 0.375
        let sum = DoubleDouble.exp(DoubleDouble(-a) - DoubleDouble(b))  // −a − b exactly, as a double-double
        let split = DoubleDouble.exp(DoubleDouble(-a)) * DoubleDouble.exp(DoubleDouble(-b))
        #expect(abs((sum - split).value) <= 1e-30 * sum.hi, "e^-(\(a) + \(b))")
    }

    // MARK: NoiseCalibration

    /// The inputs of one calibration.
    struct Input: Sendable, CustomTestStringConvertible {
        var epsilon: Double
        var delta: Double = 1e-6
        var sensitivity: Double
        var rowLength: Int
        var largestValue: Double?

        var testDescription: String {
            let largest = largestValue.map { "\($0)" } ?? "nil"
            return "ε \(epsilon), δ \(delta), Δ \(sensitivity), d \(rowLength), largest \(largest)"
        }

        func calibration(_ mechanism: NoiseCalibration.Mechanism) -> NoiseCalibration {
            NoiseCalibration(
                mechanism: mechanism, epsilon: epsilon, delta: delta, sensitivity: sensitivity, rowLength: rowLength,
                largestValue: largestValue)
        }
    }

    /// Calibrations over a spread of ε, Δ, row lengths and clamp ranges, with clamp ranges at most 2^31 times the
    /// noise scale (where the grid can be both fine and below 2^52 steps of the largest value).
    static let inputs: [Input] = {
        var inputs: [Input] = []
        for epsilon in [0.01, 0.1, 1, 3, 10] {
            for sensitivity in [1e-6, 0.3, 1, 7, 1e4] {
                for rowLength in [1, 2, 3, 10, 1000, 1 << 14, 1 << 20] {
                    for largest in [nil, sensitivity, 1000 * sensitivity] as [Double?] {
                        inputs.append(
                            Input(
                                epsilon: epsilon, sensitivity: sensitivity, rowLength: rowLength, largestValue: largest)
                        )
                    }
                }
            }
        }
        return inputs
    }()

    /// Laplace: the inflated sensitivity is `Δ1 + d·g`; the scale `b = t·g` with an integer t is at least the inflated
    /// `Δ1/ε` and less than one grid step above it; δ is 0; the grid keeps the largest value below 2^52 steps.
    @Test func laplaceCalibration() {
        for input in Self.inputs {
            let calibration = input.calibration(.laplace)
            let g = calibration.grid
            let inflated = input.sensitivity + Double(input.rowLength) * g
            #expect(calibration.inflatedSensitivity == inflated, "\(input.testDescription)")
            let t = calibration.stepsScale
            #expect(t == t.rounded() && t >= 1, "\(input.testDescription): t = \(t)")
            let b = calibration.scale
            #expect(b == t * g)
            let needed = inflated / input.epsilon
            #expect(b >= needed && b - needed < g, "\(input.testDescription): b \(b), Δ1/ε \(needed), g \(g)")
            #expect(calibration.delta == 0)
            if let largest = input.largestValue {
                #expect(largest / g < 0x1p52, "\(input.testDescription): \(largest / g) steps")
            }
        }
    }

    /// Gaussian: the inflated sensitivity is `Δ2 + √d·g`; σ is the analytic Gaussian σ of the inflated sensitivity
    /// (or a quarter step, if that is larger) and meets the target δ; the grid keeps the largest value below 2^52
    /// steps.
    @Test func gaussianCalibration() {
        for input in Self.inputs {
            let calibration = input.calibration(.gaussian)
            let g = calibration.grid
            let inflated = input.sensitivity + Double(input.rowLength).squareRoot() * g
            #expect(calibration.inflatedSensitivity == inflated, "\(input.testDescription)")
            let sigma = AnalyticGaussian.sigma(epsilon: input.epsilon, delta: input.delta, sensitivity: inflated)
            #expect(calibration.scale == max(sigma, 0.25 * g), "\(input.testDescription)")
            let achieved = AnalyticGaussian.delta(
                epsilon: input.epsilon, sigma: calibration.scale, sensitivity: inflated)
            #expect(achieved <= input.delta, "\(input.testDescription): δ \(achieved)")
            #expect(calibration.delta == input.delta)
            if let largest = input.largestValue {
                #expect(largest / g < 0x1p52, "\(input.testDescription): \(largest / g) steps")
            }
        }
    }

    /// The grid is between 2^-45 and 2^-20 of the noise scale (`gridRelativeExponent`'s documented range), and
    /// fine enough that snapping a whole row moves it by at most 2^-30 of the scale (`d·g ≤ 2^-30·scale`) when
    /// `30 + ⌈log2 d⌉ ≤ 44` and the clamp range does not force a coarser grid.
    @Test(arguments: [NoiseCalibration.Mechanism.laplace, .gaussian])
    func gridIsFineButNotTooFine(mechanism: NoiseCalibration.Mechanism) {
        for input in Self.inputs {
            let calibration = input.calibration(mechanism)
            let relative = calibration.gridRelativeExponent
            #expect((-45...(-20)).contains(relative), "\(input.testDescription): 2^\(relative)")
            let forced = input.largestValue.map { calibration.gridExponent == $0.exponent - 51 } ?? false
            if input.rowLength <= 1 << 14 && !forced {
                let moved = Double(input.rowLength) * calibration.grid
                #expect(moved <= 0x1p-30 * calibration.scale, "\(input.testDescription): d·g = \(moved)")
            }
        }
    }

    /// The documented range of `gridRelativeExponent` (−45 … −20) at its fine end: with 2^14 elements the grid is
    /// 2^-44 of the uninflated scale, and an uninflated scale just below a power of two that the inflation pushes
    /// over it makes the grid 2^-45 of the final scale, never finer (step counts stay below 2^46).
    @Test(arguments: [NoiseCalibration.Mechanism.laplace, .gaussian])
    func gridRelativeExponentAtTheFineEnd(mechanism: NoiseCalibration.Mechanism) {
        let sensitivity: Double
        switch mechanism {
        case .laplace:
            // Δ1/ε = 2 − 2^-40, inflated by 2^14·2^-44 = 2^-30 to above 2.
            sensitivity = 2 - 0x1p-40
        case .gaussian:
            // σ(ε = 1, δ = 1e-6, Δ2) = 4·(1 − 2^-40), inflated by √(2^14)·2^-43 = 2^-36 to above 4.
            sensitivity = 4 * (1 - 0x1p-40) / AnalyticGaussian.sigma(epsilon: 1, delta: 1e-6, sensitivity: 1)
        }
        let calibration = NoiseCalibration(
            mechanism: mechanism, epsilon: 1, delta: 1e-6, sensitivity: sensitivity, rowLength: 1 << 14,
            largestValue: nil)
        let relative = calibration.gridRelativeExponent
        #expect((-45...(-20)).contains(relative), "grid \(calibration.grid), scale \(calibration.scale): 2^\(relative)")
        #expect(calibration.stepsScale < 0x1p46)
    }

    /// A clamp range so wide that a grid of 2^-20 of the scale would need more than 2^52 steps: the 2^52-step bound
    /// wins (the grid is coarser than 2^-20 of the scale), and the inflation accounts for the coarse grid, so the
    /// calibration still meets ε (Laplace) or δ (Gaussian).
    @Test func wideClampRangeCoarsensTheGridSafely() {
        let largest = 1e9
        for mechanism in [NoiseCalibration.Mechanism.laplace, .gaussian] {
            let calibration = NoiseCalibration(
                mechanism: mechanism, epsilon: 1, delta: 1e-6, sensitivity: 1e-3, rowLength: 4, largestValue: largest)
            let g = calibration.grid
            #expect(largest / g < 0x1p52 && largest / g >= 0x1p51, "grid \(g)")
            // The case is in the regime where the two bounds conflict.
            #expect(calibration.gridRelativeExponent > -20, "grid 2^\(calibration.gridRelativeExponent) of the scale")
            switch mechanism {
            case .laplace:
                #expect(calibration.inflatedSensitivity == 1e-3 + 4 * g)
                #expect(calibration.scale >= calibration.inflatedSensitivity)
            case .gaussian:
                #expect(calibration.inflatedSensitivity == 1e-3 + 2 * g)
                let delta = AnalyticGaussian.delta(
                    epsilon: 1, sigma: calibration.scale, sensitivity: calibration.inflatedSensitivity)
                #expect(delta <= 1e-6)
            }
        }
    }
}
