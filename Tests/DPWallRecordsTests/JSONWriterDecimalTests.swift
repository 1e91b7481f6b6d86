import DPWallRecords
import Testing

/// `append(_:decimals:)` writes rounded values without the shortest-digits search; its text must be exactly
/// what the general `append(_:)` writes for the same double.
@Suite struct JSONWriterDecimalTests {
    static func text(_ body: (inout JSONWriter) -> Void) -> String {
        var writer = JSONWriter(capacity: 64)
        body(&writer)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    static func rounded(_ x: Double, _ decimals: Int) -> Double {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let r = (x * scale).rounded(.toNearestOrAwayFromZero) / scale
        return r == 0 ? 0 : r
    }

    @Test(arguments: [
        (0.9312, 4), (0.5, 4), (2.0, 2), (-0.0003, 4), (0.0001, 4), (0.00001, 5), (123456.78, 2), (-1.5, 1),
        (0, 3), (99999999999999.9, 1), (1e15, 2), (0.1, 1), (0.25, 2), (1234.5678, 3),
    ])
    func examples(_ value: Double, _ decimals: Int) {
        let v = Self.rounded(value, decimals)
        #expect(Self.text { $0.append(v, decimals: decimals) } == Self.text { $0.append(v) }, "\(v) at \(decimals)")
    }

    @Test func sweepAgreesWithTheGeneralPath() {
        var state: UInt64 = 12_345
        var mismatches: [String] = []
        for _ in 0..<50_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let decimals = Int(state >> 59) % 8
            let magnitude = Double(state >> 11) / Double(1 << 53) * [1, 10, 1000, 1e6, 1e9][Int(state >> 8) % 5]
            let v = Self.rounded(state & 1 == 0 ? magnitude : -magnitude, decimals)
            let fast = Self.text { $0.append(v, decimals: decimals) }
            let general = Self.text { $0.append(v) }
            if fast != general { mismatches.append("\(v) at \(decimals): \(fast) vs \(general)") }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
    }
}
