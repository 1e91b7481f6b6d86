/// A binary floating-point format narrower than binary64 that a released tensor may declare (FP16, BF16), and
/// rounding to it: the last step of a release, so that what a client decodes is exactly what was released
/// (docs/privacy.md, "One release, step by step"). Post-processing: it costs no privacy.
public struct NarrowFormat: Sendable, Equatable {
    /// Significand bits, the implicit leading one included (11 for binary16, 8 for bfloat16).
    public let precision: Int
    /// The exponent of the smallest normal value (−14 for binary16, −126 for bfloat16).
    public let minimumExponent: Int
    /// The largest finite value.
    public let largest: Double

    /// IEEE 754 binary16 (`FP16`).
    public static let binary16 = NarrowFormat(precision: 11, minimumExponent: -14, largest: 65504)
    /// bfloat16 (`BF16`): binary32's exponent range with an 8-bit significand.
    public static let bfloat16 = NarrowFormat(precision: 8, minimumExponent: -126, largest: 3.3895313892515355e38)

    /// `value` (finite) rounded to the nearest value of this format, ties to even, subnormals included; a value
    /// past the largest finite one (a clamp wider than the format, or noise past its end) becomes ±``largest``,
    /// as an FP32 release saturates, since JSON holds no infinity. The result is a double that the format holds
    /// exactly, and never −0.
    public func round(_ value: Double) -> Double {
        guard value.isFinite, value != 0 else { return value.isFinite ? 0 : value }
        // One unit in the last place of the format at the value's binade (or at the subnormals' fixed spacing).
        // Dividing and multiplying by a power of two is exact here, so the only rounding is `rounded`'s.
        let exponent = max(Int(value.exponent), minimumExponent)
        let unit = Double(sign: .plus, exponent: exponent - (precision - 1), significand: 1)
        let rounded = (value / unit).rounded(.toNearestOrEven) * unit
        if rounded.magnitude > largest { return value < 0 ? -largest : largest }
        return rounded == 0 ? 0 : rounded
    }
}
