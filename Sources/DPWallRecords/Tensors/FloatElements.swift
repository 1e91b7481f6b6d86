/// Reads the elements of a floating-point tensor straight off the tape: the validator's hot loop, kept in this
/// module so that node access and number conversion inline into it.
package enum FloatElements {
    /// Why an element was refused.
    package enum Problem {
        /// Not a number (`"x"`, `true`, an object): `invalid_datatype`.
        case notANumber
        /// A number the datatype cannot hold (`1e400`, `3.5e38` for FP32): `out_of_range`.
        case notRepresentable
        /// A number outside the declared range: `out_of_range`.
        case outsideRange
    }

    /// Converts every leaf under `node` (row-major; `node` itself when it is a scalar) to `datatype` and checks
    /// it against `low...high`, appending the values to `values` when `keep`. Stops at the first problem.
    ///
    /// - Returns: the next flat position, and the problem with its leaf node when one was found.
    @inline(__always)
    package static func read(
        _ view: JSONView, _ node: Int, first: Int, datatype: TensorDatatype, low: Double, high: Double,
        keep: Bool, into values: inout [Double]
    ) -> (position: Int, problem: (Problem, leaf: Int)?) {
        let limit = datatype.largestFiniteMagnitude ?? .infinity
        let single = datatype == .fp32
        // Values that are not kept need no conversion when their decimal is inside the range exactly (below).
        let exactLow = !keep && (single || datatype == .fp64) ? integerBound(low) : nil
        let exactHigh = exactLow == nil ? nil : integerBound(high)
        let lowBound = exactLow ?? 0
        let highBound = exactHigh ?? 0
        // The infinite markers are only meaningful on their own side (a low of +∞ or a high of -∞ admits nothing,
        // which the converted check decides).
        let exact = exactHigh != nil && lowBound != .max && highBound != .min
        var position = first
        var i = view.kind(node) == .array ? node + 1 : node
        let end = view.next(node)
        while i < end {
            let entry = view.nodes[i]
            let kind = entry.kind
            if kind == .array {
                i += 1
                continue
            }
            guard kind == .number else { return (position, (.notANumber, i)) }
            if exact && entry.flags & JSONNode.hasShortValue != 0 {
                // A short decimal d = ±digits / 10^scale (digits < 10^9, scale ≤ 9) is finite in FP32 and FP64.
                // Rounding is monotonic and integer bounds of magnitude ≤ 2^24 are exact in both types, so
                // low ≤ d ≤ high (tested exactly on integers: low·10^scale ≤ ±digits ≤ high·10^scale) implies the
                // converted value is in range too. Anything else is decided on the converted value below.
                let magnitude = Int64(entry.count)
                let digits = entry.flags & JSONNode.isNegative != 0 ? -magnitude : magnitude
                let power = Int64(
                    bitPattern: JSONView.exactIntegerPowerOfTen(Int(entry.flags >> JSONNode.shortScaleShift)))
                if (lowBound == .min || digits >= lowBound &* power)
                    && (highBound == .max || digits <= highBound &* power)
                {
                    position += 1
                    i += 1
                    continue
                }
            }
            let value = single ? Double(view.float(i)) : view.double(i)
            guard value.isFinite, value.magnitude <= limit else { return (position, (.notRepresentable, i)) }
            guard value >= low && value <= high else { return (position, (.outsideRange, i)) }
            if keep { values.append(value) }
            position += 1
            i += 1  // a number is one node: no dependency on loading its `next`
        }
        return (position, nil)
    }

    /// A range bound as an integer for the exact test of ``read(_:_:first:datatype:low:high:keep:into:)``: itself
    /// when it is an integer of magnitude ≤ 2^24 (exact in FP32 and FP64), `Int64.min`/`Int64.max` for -∞/+∞,
    /// nil otherwise (the test is then not used).
    @inline(__always)
    static func integerBound(_ bound: Double) -> Int64? {
        if bound == -.infinity { return .min }
        if bound == .infinity { return .max }
        guard bound.magnitude <= 16_777_216, bound == bound.rounded(.towardZero) else { return nil }
        return Int64(bound)
    }
}
