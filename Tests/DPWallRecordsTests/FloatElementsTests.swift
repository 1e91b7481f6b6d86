import DPWallRecords
import Testing

/// The range check of floating-point elements that are not kept decides short decimals exactly on their digits,
/// without converting them; it must take the same decisions as the check on the converted values (`keep: true`).
@Suite struct FloatElementsTests {
    /// Reads `array` (a JSON array of numbers) with and without keeping values; returns both outcomes.
    static func outcomes(
        _ array: String, _ datatype: TensorDatatype, low: Double, high: Double
    ) throws -> (kept: String, notKept: String) {
        var parser = JSONParser()
        let bytes = Array(array.utf8)
        return try bytes.withUnsafeBytes { buffer in
            try parser.parse(buffer)
            let view = JSONView(nodes: parser.tape, bytes: buffer)
            func run(_ keep: Bool) -> String {
                var values: [Double] = []
                let (position, problem) = FloatElements.read(
                    view, 0, first: 0, datatype: datatype, low: low, high: high, keep: keep, into: &values)
                guard let problem else { return "ok \(position)" }
                return "\(problem.0) at \(position) (node \(problem.leaf))"
            }
            return (run(true), run(false))
        }
    }

    /// Values at, just inside and just outside integer bounds, including decimals that round onto a bound in FP32
    /// (5.0000001 is 5 as an FP32) and in FP64 (5.00000000000000001 is 5 as an FP64), negative zero and exponents.
    static let values = [
        "5", "5.0", "-5", "-5.0", "4.9999999", "5.0000001", "5.000001", "-5.0000001", "-5.000001",
        "5.00000000000000001",
        "0", "-0", "-0.0", "0.5", "1", "-1", "0.999999", "1.0000001", "1.000001", "16777216", "16777217", "5e0",
        "50e-1", "0.0000001", "-0.0000001", "123456789", "0.123456789", "3.5e38", "-3.5e38", "1e400", "2", "-2.5",
        "4.5E0", "0.5e1", "5.0E-0", "9.9999999",
    ]

    @Test(arguments: [TensorDatatype.fp32, .fp64, .fp16, .bf16])
    func sameDecisionsAsTheConvertedValues(_ datatype: TensorDatatype) throws {
        let bounds: [(Double, Double)] = [
            (-5, 5), (0, 1), (-1, 0), (0, 0), (-.infinity, .infinity), (-.infinity, 1), (0, .infinity),
            (-16_777_216, 16_777_216), (0.5, 1.5), (-0.1, 0.1), (1e9, 2e9),
            // Bounds no policy allows, for callers of the API: nothing is in range.
            (.infinity, .infinity), (-.infinity, -.infinity), (.infinity, -.infinity), (1, 0),
        ]
        for (low, high) in bounds {
            for value in Self.values {
                // After elements that pass, so that the position is checked too, and with 18 or more bytes after
                // the value: the parser keeps a short decimal's digits only where it can read that far ahead, and
                // the exact test needs them. Alone too, where the converted check decides.
                let tail = ",0,0,0,0,0,0,0,0,0,0"
                for array in [
                    "[\(value)]", "[\(value)\(tail)]", "[0,\(value)\(tail)]", "[[\(value),0\(tail)],[0,0\(tail)]]",
                ] {
                    let (kept, notKept) = try Self.outcomes(array, datatype, low: low, high: high)
                    #expect(kept == notKept, "\(datatype) \(array) in [\(low), \(high)]")
                }
            }
        }
    }

    @Test func outsideTheRangeIsStillFound() throws {
        let (kept, notKept) = try Self.outcomes("[1,2,5.000001,3,0,0,0,0,0,0,0,0,0,0]", .fp32, low: -5, high: 5)
        #expect(notKept == kept)
        #expect(notKept.hasPrefix("outsideRange at 2"))
        let (_, rounded) = try Self.outcomes("[1,2,5.0000001,3,0,0,0,0,0,0,0,0,0,0]", .fp32, low: -5, high: 5)
        #expect(rounded == "ok 14", "5.0000001 is 5 as an FP32, so it is in range")
    }
}
