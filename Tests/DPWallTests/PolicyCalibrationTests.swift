import DPWall
import Testing

/// Outputs whose numbers cannot be calibrated into noise the samplers draw exactly are refused when the policy
/// loads: they made `policy check` trap or hang, and `filter` trap or write a non-finite number.
@Suite("Policy calibration limits")
struct PolicyCalibrationTests {
    typealias T = PolicyTexts
    static let privacy = "models.m.outputs[0].privacy"

    struct ExtremeCase: Sendable, CustomTestStringConvertible {
        let label: String
        let privacy: String
        var shape = "[-1, 3]"
        let message: String
        var testDescription: String { label }
    }

    static let extremes: [ExtremeCase] = [
        // Each of these trapped (SIGILL) in policy check: the grid's exponent overflowed, or σ's bracket never
        // ended (the ones marked hang).
        ExtremeCase(
            label: "clamp of width 1e-320", privacy: "{mechanism: laplace, epsilon: 1, clamp: [0, 1.0e-320]}",
            message: "the noise scale before the grid (Δ/ε, or σ) is 3e-320, outside binary64's normal range"),
        ExtremeCase(
            label: "gaussian clamp of width 1e-320",
            privacy: "{mechanism: gaussian, epsilon: 1, delta: 1.0e-6, clamp: [0, 1.0e-320]}",
            message: "outside binary64's normal range"),
        ExtremeCase(
            label: "sensitivity 1e-320", privacy: "{mechanism: laplace, epsilon: 1, sensitivity: 1.0e-320}",
            message: "is 1e-320, outside binary64's normal range"),
        ExtremeCase(
            label: "epsilon 1e-320 (hang)",
            privacy: "{mechanism: gaussian, epsilon: 1.0e-320, delta: 1.0e-6, clamp: [0, 1]}",
            message: "the noise scale before the grid (Δ/ε, or σ) is inf"),
        ExtremeCase(
            label: "laplace epsilon 1e-320", privacy: "{mechanism: laplace, epsilon: 1.0e-320, clamp: [0, 1]}",
            message: "is inf"),
        ExtremeCase(
            label: "laplace epsilon 1e308 with sensitivity 1",
            privacy: "{mechanism: laplace, epsilon: 1.0e308, sensitivity: 1, clamp: [0, 1]}", shape: "[-1, 1]",
            message: "is 1e-308, outside binary64's normal range"),
        ExtremeCase(
            label: "delta 1e-320 (hang)", privacy: "{mechanism: gaussian, epsilon: 1, delta: 1.0e-320, clamp: [0, 1]}",
            message: "is inf"),
        ExtremeCase(
            label: "gaussian sensitivity 1e308 (hang)",
            privacy: "{mechanism: gaussian, epsilon: 1, delta: 1.0e-6, sensitivity: 1.0e308}", message: "is inf"),
        // These passed policy check with nan or inf in the calibration, and trapped in filter.
        ExtremeCase(
            label: "clamp [-1e308, 1e308]", privacy: "{mechanism: laplace, epsilon: 1, clamp: [-1.0e308, 1.0e308]}",
            message: "the sensitivity inf is out of range"),
        ExtremeCase(
            label: "sensitivity 1e308 without clamp", privacy: "{mechanism: laplace, epsilon: 1, sensitivity: 1.0e308}",
            message: "the grid would be 2^991, outside 2^-1022 … 2^969"),
        // A scale so large next to the sensitivity that the grid's inflation of the row (d·g) needs more steps
        // than the sampler draws exactly.
        ExtremeCase(
            label: "laplace epsilon 1e-300", privacy: "{mechanism: laplace, epsilon: 1.0e-300, clamp: [0, 1]}",
            message: "the noise would be inf grid steps"),
        ExtremeCase(
            label: "a row of 2^63 elements",
            privacy: "{mechanism: laplace, epsilon: 1, clamp: [0, 1]}", shape: "[-1, 3037000499, 3037000499]",
            message: "grid steps, outside what the sampler draws exactly"),
    ]

    @Test("extreme numbers are refused at the privacy block", arguments: extremes)
    func refused(_ testCase: ExtremeCase) throws {
        let error = try #require(policyError(T.privacy(testCase.privacy, shape: testCase.shape)))
        #expect(error.problems.count == 1, "\(error)")
        let first = try #require(error.problems.first)
        #expect(first.path == Self.privacy, "\(error)")
        #expect(first.message.hasPrefix("cannot calibrate the noise: "), "\(error)")
        #expect(first.message.contains(testCase.message), "\(error)")
    }

    @Test("a row whose element count overflows Int is named as such")
    func rowOverflow() throws {
        let yaml = T.privacy("{mechanism: laplace, epsilon: 1, clamp: [0, 1]}", shape: "[-1, 4294967296, 4294967296]")
        let error = try #require(policyError(yaml))
        #expect(
            error.description
                == "\(Self.privacy).sensitivity: required: a row of shape [-1, 4294967296, 4294967296] has more "
                + "elements than an Int holds, so it cannot be derived from clamp")
    }

    /// Wide but workable numbers still load, and their report prints finite numbers.
    @Test(
        "edges that calibrate load and report",
        arguments: [
            "{mechanism: laplace, epsilon: 1.0e308, clamp: [0, 1]}",
            "{mechanism: gaussian, epsilon: 1.0e308, delta: 1.0e-6, clamp: [0, 1]}",
            "{mechanism: gaussian, epsilon: 1, delta: 0.9999999999999999, clamp: [0, 1]}",
            "{mechanism: gaussian, epsilon: 1, delta: 1.0e-300, clamp: [0, 1]}",
            "{mechanism: laplace, epsilon: 1, clamp: [-1.0e300, 1.0e300]}",
            "{mechanism: laplace, epsilon: 1.0e-10, clamp: [0, 1]}",
            "{mechanism: laplace, epsilon: 1, sensitivity: 1.0e280}",
        ])
    func edges(_ privacy: String) throws {
        let policy = try Policy.parse(yaml: T.privacy(privacy), source: "edges.yaml")
        let text = PolicyReport(policy: policy).text()
        let words = text.split(whereSeparator: { !$0.isLetter })
        #expect(!words.contains("nan") && !words.contains("inf"), "\(text)")
    }
}
