/// A tensor element type of the Open Inference Protocol (records.md, "Bodies").
public enum TensorDatatype: String, CaseIterable, Sendable {
    case bool = "BOOL"
    case uint8 = "UINT8"
    case uint16 = "UINT16"
    case uint32 = "UINT32"
    case uint64 = "UINT64"
    case int8 = "INT8"
    case int16 = "INT16"
    case int32 = "INT32"
    case int64 = "INT64"
    case fp16 = "FP16"
    case fp32 = "FP32"
    case fp64 = "FP64"
    case bf16 = "BF16"
    case bytes = "BYTES"

    /// Whether elements are floating-point numbers.
    public var isFloatingPoint: Bool {
        switch self {
        case .fp16, .fp32, .fp64, .bf16: true
        default: false
        }
    }

    /// Whether elements are integers (signed or unsigned).
    public var isInteger: Bool {
        switch self {
        case .uint8, .uint16, .uint32, .uint64, .int8, .int16, .int32, .int64: true
        default: false
        }
    }

    /// Whether elements are numbers (integers or floating point).
    public var isNumeric: Bool { isInteger || isFloatingPoint }

    /// The smallest and largest integer an integer type holds (`nil` for other types).
    public var integerBounds: (min: Int64, max: UInt64)? {
        switch self {
        case .uint8: (0, UInt64(UInt8.max))
        case .uint16: (0, UInt64(UInt16.max))
        case .uint32: (0, UInt64(UInt32.max))
        case .uint64: (0, UInt64.max)
        case .int8: (Int64(Int8.min), UInt64(Int8.max))
        case .int16: (Int64(Int16.min), UInt64(Int16.max))
        case .int32: (Int64(Int32.min), UInt64(Int32.max))
        case .int64: (Int64.min, UInt64(Int64.max))
        default: nil
        }
    }

    /// The largest finite magnitude a floating-point type holds (`nil` for other types).
    public var largestFiniteMagnitude: Double? {
        switch self {
        case .fp16: 65504
        case .bf16: 3.3895313892515355e38
        case .fp32: Double(Float.greatestFiniteMagnitude)
        case .fp64: Double.greatestFiniteMagnitude
        default: nil
        }
    }
}

extension TensorDatatype {
    /// The datatype's name as written on the wire (its raw value), as static text: comparing a body's
    /// `datatype` string with it builds no `String`.
    public var wireName: StaticString {
        switch self {
        case .bool: "BOOL"
        case .uint8: "UINT8"
        case .uint16: "UINT16"
        case .uint32: "UINT32"
        case .uint64: "UINT64"
        case .int8: "INT8"
        case .int16: "INT16"
        case .int32: "INT32"
        case .int64: "INT64"
        case .fp16: "FP16"
        case .fp32: "FP32"
        case .fp64: "FP64"
        case .bf16: "BF16"
        case .bytes: "BYTES"
        }
    }

    /// Whether two datatypes are the same, without building their raw `String`s (the generic
    /// `RawRepresentable` comparison would); a fieldless enum's value is its case number.
    @inlinable
    public static func == (a: TensorDatatype, b: TensorDatatype) -> Bool {
        unsafeBitCast(a, to: UInt8.self) == unsafeBitCast(b, to: UInt8.self)
    }
}
