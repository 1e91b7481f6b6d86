/// Post-processing of released values: clamping and rounding to decimals (privacy.md, "One release", step 4).
///
/// Post-processing costs no privacy: it reads only the mechanism's output.
public enum PostProcessing {
    /// Powers of ten that are exact in binary64 (10^0 … 10^22).
    private static let exactPowersOfTen: [Double] = (0...22).map { exponent in
        var value = 1.0
        for _ in 0..<exponent { value *= 10 }
        return value
    }

    /// `value` rounded to `decimals` places, half away from zero.
    ///
    /// The result is the double nearest to the decimal `n / 10^decimals` (one correctly rounded division of two
    /// exact values), so its shortest printed form has at most `decimals` decimals. Values too large for the
    /// scaled product to hold a fraction are returned unchanged: they have no digits that far right.
    public static func round(_ value: Double, decimals: Int) -> Double {
        precondition(decimals >= 0 && decimals <= 22, "decimals must be in 0...22")
        return round(value, scale: exactPowersOfTen[decimals])
    }

    /// 10^`decimals`, exact (`decimals` in 0...22): the `scale` of ``round(_:scale:)``.
    public static func scale(decimals: Int) -> Double {
        precondition(decimals >= 0 && decimals <= 22, "decimals must be in 0...22")
        return exactPowersOfTen[decimals]
    }

    /// ``round(_:decimals:)`` with the power of ten already looked up, for loops over a row.
    @inline(__always)
    public static func round(_ value: Double, scale: Double) -> Double {
        let scaled = value * scale
        guard scaled.magnitude < 9_007_199_254_740_992 else { return value }  // 2^53
        // Half away from zero without a libm call: truncate (exact below 2^63), then step away from zero when
        // the dropped fraction, computed exactly, is at least one half.
        let truncated = Double(Int64(scaled))
        let fraction = scaled - truncated
        let away: Double = fraction >= 0.5 ? 1 : (fraction <= -0.5 ? -1 : 0)
        let rounded = truncated + away
        let result = rounded / scale
        return result == 0 ? 0 : result  // no "-0" in released values
    }

    /// `value` limited to `range`.
    public static func clamp(_ value: Double, to range: ClosedRange<Double>) -> Double {
        min(max(value, range.lowerBound), range.upperBound)
    }
}
