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
        var position = first
        var i = view.kind(node) == .array ? node + 1 : node
        let end = view.next(node)
        while i < end {
            let kind = view.kind(i)
            if kind == .array {
                i += 1
                continue
            }
            guard kind == .number else { return (position, (.notANumber, i)) }
            let value = single ? Double(view.float(i)) : view.double(i)
            guard value.isFinite, value.magnitude <= limit else { return (position, (.notRepresentable, i)) }
            guard value >= low && value <= high else { return (position, (.outsideRange, i)) }
            if keep { values.append(value) }
            position += 1
            i += 1  // a number is one node: no dependency on loading its `next`
        }
        return (position, nil)
    }
}
