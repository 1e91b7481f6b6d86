import DPWallPrivacy
import Testing

/// Rounding and clamping of released values (privacy.md, "One release", step 4).
@Suite struct PostProcessingTests {
    @Test(arguments: [
        (0.12345, 2, 0.12), (0.125, 2, 0.13), (-0.125, 2, -0.13), (2.5, 0, 3.0), (-2.5, 0, -3.0),
        (0.9312, 4, 0.9312), (1e-9, 3, 0.0), (-1e-9, 3, 0.0), (123456.789, 1, 123456.8), (0.5, 0, 1.0),
    ])
    func roundsHalfAwayFromZero(_ value: Double, _ decimals: Int, _ expected: Double) {
        let rounded = PostProcessing.round(value, decimals: decimals)
        #expect(rounded == expected)
        #expect(rounded.sign == expected.sign, "no negative zero is released")
    }

    @Test func roundedValuesPrintWithAtMostTheirDecimals() {
        var state: UInt64 = 42
        for _ in 0..<20_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let value = (Double(state >> 11) / Double(1 << 53) - 0.5) * 2000
            let decimals = Int(state >> 60) % 7
            let text = "\(PostProcessing.round(value, decimals: decimals))"
            let fraction = text.split(separator: ".").dropFirst().first.map { $0 == "0" ? 0 : $0.count } ?? 0
            #expect(fraction <= decimals, "\(value) to \(decimals) decimals printed \(text)")
        }
    }

    @Test func hugeValuesAreLeftAlone() {
        #expect(PostProcessing.round(1e300, decimals: 4) == 1e300)
        #expect(PostProcessing.round(9_007_199_254_740_994, decimals: 2) == 9_007_199_254_740_994)
    }

    @Test func clampLimitsToTheRange() {
        #expect(PostProcessing.clamp(1.5, to: 0...1) == 1)
        #expect(PostProcessing.clamp(-0.5, to: 0...1) == 0)
        #expect(PostProcessing.clamp(0.25, to: 0...1) == 0.25)
    }
}
