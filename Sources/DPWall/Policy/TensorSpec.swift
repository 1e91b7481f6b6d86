public import DPWallRecords

/// A declared tensor: name, datatype, shape and the checks on its values.
public struct TensorSpec: Sendable, Equatable {
    /// The tensor's name, unique among the inputs (or the outputs) of its model.
    public var name: String
    /// The element type.
    public var datatype: TensorDatatype
    /// The shape: each axis a size > 0 or -1 (any size); at least one axis; the first axis is the batch.
    public var shape: [Int]
    /// The allowed values, inclusive (numeric datatypes only; finite bounds).
    public var range: ClosedRange<Double>?
    /// The longest element, in bytes (BYTES only).
    public var maxLength: Int?
    /// Regular expressions (Swift `Regex` syntax, `(?i)` for case-insensitive) that no element may match
    /// (BYTES only).
    public var deny: [String]

    /// Creates a tensor declaration.
    public init(
        name: String,
        datatype: TensorDatatype,
        shape: [Int],
        range: ClosedRange<Double>? = nil,
        maxLength: Int? = nil,
        deny: [String] = []
    ) {
        self.name = name
        self.datatype = datatype
        self.shape = shape
        self.range = range
        self.maxLength = maxLength
        self.deny = deny
    }

    /// The number of elements of one row (one batch item): the product of the axes after the first, 1 for a
    /// one-axis shape, `nil` when one of those axes is -1.
    public var rowElementCount: Int? {
        var count = 1
        for axis in shape.dropFirst() {
            guard axis > 0 else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: axis)
            guard !overflow else { return nil }
            count = product
        }
        return count
    }

    /// The size of the last axis when the shape has more than one axis and the last is fixed, else `nil`.
    public var fixedLastAxis: Int? {
        guard shape.count >= 2, let last = shape.last, last > 0 else { return nil }
        return last
    }
}
