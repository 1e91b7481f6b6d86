import DPWallPrivacy
import Testing

/// Rounding released values to FP16 and BF16 (privacy.md, "One release", step 4), against independent
/// references: Swift's `Float16` conversion for binary16, and bit arithmetic on the binary64 pattern for bfloat16.
@Suite struct NarrowFormatTests {
    /// Uniform-ish doubles over many binades, both signs, from a fixed LCG.
    static func samples(_ count: Int, seed: UInt64, binades: ClosedRange<Int>) -> [Double] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let significand = 1 + Double(state >> 12) / Double(UInt64(1) << 52)
            let exponent = binades.lowerBound + Int(state >> 40) % binades.count
            let value = Double(sign: .plus, exponent: exponent, significand: significand)
            return state & 1 == 0 ? value : -value
        }
    }

    @Test func binary16IsFloat16sRoundingToNearestEven() {
        // Normal and subnormal binary16 values, and values past the largest (which saturate).
        for value in Self.samples(200_000, seed: 7, binades: -26...17) {
            let rounded = NarrowFormat.binary16.round(value)
            let reference = Double(Float16(value))
            if reference.isInfinite {
                #expect(rounded == (value < 0 ? -65504 : 65504), "\(value)")
            } else {
                #expect(rounded == (reference == 0 ? 0 : reference), "\(value): \(rounded) vs \(reference)")
            }
            #expect(Double(Float16(rounded)) == rounded, "\(rounded) is not exact in FP16")
        }
        // Ties go to the even neighbour: 1 + 2^-11 is halfway between 1 and 1 + 2^-10.
        #expect(NarrowFormat.binary16.round(1 + 0x1p-11) == 1)
        #expect(NarrowFormat.binary16.round(1 + 3 * 0x1p-11) == 1 + 0x1p-9)
        #expect(NarrowFormat.binary16.round(0x1p-25) == 0, "half the smallest subnormal ties to 0")
        #expect(NarrowFormat.binary16.round(-1e-30).sign == .plus, "no −0 is released")
    }

    /// bfloat16 by the binary64 pattern: keep the top 7 of 52 fraction bits, rounding to nearest even (normal
    /// bfloat16 values only, where the binary64 exponent needs no change).
    static func bfloat16Reference(_ value: Double) -> Double {
        let bits = value.bitPattern
        let dropped = 45
        let lastKept = (bits >> UInt64(dropped)) & 1
        let rounded =
            (bits &+ ((UInt64(1) << UInt64(dropped - 1)) - 1) &+ lastKept) & ~((UInt64(1) << UInt64(dropped)) - 1)
        return Double(bitPattern: rounded)
    }

    @Test func bfloat16IsBinary64RoundedToEightSignificantBits() {
        for value in Self.samples(200_000, seed: 11, binades: -120...120) {
            let rounded = NarrowFormat.bfloat16.round(value)
            #expect(rounded == Self.bfloat16Reference(value), "\(value)")
            let single = Float(rounded)
            #expect(Double(single) == rounded && single.bitPattern & 0xFFFF == 0, "\(rounded) is not a BF16 value")
        }
        // Subnormals are spaced 2^-133; past the largest finite value it saturates.
        #expect(NarrowFormat.bfloat16.round(0x1p-133 * 2.4) == 0x1p-133 * 2)
        #expect(NarrowFormat.bfloat16.round(0x1p-133 * 2.5) == 0x1p-133 * 2, "ties to even")
        #expect(NarrowFormat.bfloat16.round(3.4e38) == 3.3895313892515355e38)
        #expect(NarrowFormat.bfloat16.round(-1e300) == -3.3895313892515355e38)
        #expect(NarrowFormat.bfloat16.round(0.7942282129079103) == 0.79296875)
    }
}
