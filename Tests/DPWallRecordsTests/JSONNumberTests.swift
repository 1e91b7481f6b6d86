import DPWallRecords
import Testing

@Suite struct JSONNumberTests {
    /// Parses `text` as one JSON number and returns its view conversions.
    static func convert(_ text: String) throws -> (Double, Float, Int64?, UInt64?) {
        try withJSONView(text) { view in
            #expect(view.kind(0) == .number)
            return (view.double(0), view.float(0), view.int64(0), view.uint64(0))
        }
    }

    static let tricky: [String] = [
        "0", "-0", "0.0", "-0.0", "1", "-1", "0.1", "0.2", "0.3", "1e23", "8.98846567431158e307", "9007199254740992",
        "9007199254740993", "9007199254740995", "18014398509481985", "2.2250738585072011e-308",
        "2.2250738585072012e-308", "2.2250738585072014e-308", "4.9406564584124654e-324", "2.4703282292062327e-324",
        "2.4703282292062328e-324", "1e-324", "5e-324", "1.7976931348623157e308", "1.7976931348623158e308",
        "1.7976931348623159e308", "-1.7976931348623159e308", "1e309", "123456789012345678901234567890",
        "0.30000000000000004", "3.0000000000000004e-1", "1.00000000000000011102230246251565404236316680908203125",
        "1.00000000000000011102230246251565404236316680908203124", "7.038531e-26", "3.4028235e38", "3.4028236e38",
        "3.4028235677973366e38", "3.4028235677973367e38", "1.1754943508e-38", "1.401298464324817e-45", "7e-46",
        "7.1e-46", "1e22", "1e-22", "123e20", "4.35e22", "9.5e36", "0.000000000000000000000000000001",
        "100000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000e-100",
        "1E10", "1e+10", "1E-10", "123.456e-789", "-123123e100000", "123123e-100000", "1e-99999999999999999999",
        "0e1000000000000000000000", "16777217", "16777216.5", "33554435", "0.1e-0",
    ]

    @Test func trickyDecimalsAreCorrectlyRounded() throws {
        for text in Self.tricky {
            let (d, f, _, _) = try Self.convert(text)
            let expectedDouble = try #require(Double(text))
            let expectedFloat = try #require(Float(text))
            #expect(d.bitPattern == expectedDouble.bitPattern, "\(text): \(d) vs \(expectedDouble)")
            #expect(f.bitPattern == expectedFloat.bitPattern, "\(text): \(f) vs \(expectedFloat)")
        }
    }

    @Test func overflowAndUnderflow() throws {
        #expect(try Self.convert("1.7976931348623159e308").0 == .infinity)
        #expect(try Self.convert("-1e400").0 == -.infinity)
        #expect(try Self.convert("1e-400").0 == 0)
        #expect(try Self.convert("-1e-400").0.sign == .minus)
        #expect(try Self.convert("3.5e38").1 == .infinity)
        #expect(try Self.convert("1e-50").1 == 0)
        #expect(try Self.convert("123123e100000").0 == .infinity)
        let hugeExponent = "1e" + String(repeating: "9", count: 10_000)
        #expect(try Self.convert(hugeExponent).0 == .infinity)
        #expect(try Self.convert("1e-" + String(repeating: "9", count: 10_000)).0 == 0)
    }

    @Test func longMantissas() throws {
        var r = SplitMix64(seed: 7)
        for _ in 0..<20 {
            var digits = String(r.next() % 9 + 1)
            for _ in 0..<799 { digits += String(r.next() % 10) }
            for text in [digits, "0." + digits, digits + "e-700", "1." + digits + "e300", "-" + digits + "e-1100"] {
                let (d, f, _, _) = try Self.convert(text)
                #expect(d.bitPattern == Double(text)!.bitPattern, "\(text.prefix(40))")
                #expect(f.bitPattern == Float(text)!.bitPattern, "\(text.prefix(40))")
            }
        }
        // Halfway cases decided only by a far nonzero digit.
        let zeros = String(repeating: "0", count: 700)
        #expect(try Self.convert("9007199254740993." + zeros).0 == 9_007_199_254_740_992)
        #expect(try Self.convert("9007199254740993." + zeros + "1").0 == 9_007_199_254_740_994)
        #expect(try Self.convert("9.007199254740993" + zeros + "e15").0 == 9_007_199_254_740_992)
        #expect(try Self.convert("9.007199254740993" + zeros + "1e15").0 == 9_007_199_254_740_994)
        // A 100 000-digit token converts without truncation.
        let big = "1" + String(repeating: "0", count: 100_000) + "e-100000"
        #expect(try Self.convert(big).0 == 1)
    }

    @Test func randomSweepAgreesWithSwift() throws {
        var r = SplitMix64(seed: 20_261_126)
        var parser = JSONParser()
        var checked = 0
        for _ in 0..<100 {
            var texts: [String] = []
            for _ in 0..<1000 { texts.append(Self.randomDecimal(&r)) }
            let bytes = Array(("[" + texts.joined(separator: ",") + "]").utf8)
            try bytes.withUnsafeBytes { buffer in
                try parser.parse(buffer)
                try parser.nodes.withUnsafeBufferPointer { nodes in
                    let view = JSONView(nodes: nodes, bytes: buffer)
                    try view.forEachElement(of: 0) { k, i in
                        let text = texts[k]
                        let d = try #require(Double(text))
                        let f = try #require(Float(text))
                        #expect(view.double(i).bitPattern == d.bitPattern, "\(text)")
                        #expect(view.float(i).bitPattern == f.bitPattern, "\(text)")
                        checked += 1
                        return true
                    }
                }
            }
        }
        #expect(checked == 100_000)
    }

    /// A random JSON number: 1–25 significant digits, a decimal point somewhere or none, an exponent or none.
    static func randomDecimal(_ r: inout SplitMix64) -> String {
        let count = Int(r.next() % 25) + 1
        var digits = ""
        for k in 0..<count { digits += String(k == 0 ? r.next() % 9 + 1 : r.next() % 10) }
        var text = r.next() % 2 == 0 ? "-" : ""
        let point = Int(r.next() % UInt64(count + 1))
        if point == 0 {
            text += "0." + digits
        } else if point == count {
            text += digits
        } else {
            let cut = digits.index(digits.startIndex, offsetBy: point)
            text += digits[..<cut] + "." + digits[cut...]
        }
        switch r.next() % 4 {
        case 0: break
        case 1: text += "e\(Int(r.next() % 60) - 30)"
        case 2: text += "E+\(r.next() % 45)"
        default: text += "e\(Int(r.next() % 700) - 350)"
        }
        return text
    }

    @Test func integerBounds() throws {
        #expect(try Self.convert("9223372036854775807").2 == Int64.max)
        #expect(try Self.convert("9223372036854775808").2 == nil)
        #expect(try Self.convert("9223372036854775808").3 == 9_223_372_036_854_775_808)
        #expect(try Self.convert("-9223372036854775808").2 == Int64.min)
        #expect(try Self.convert("-9223372036854775809").2 == nil)
        #expect(try Self.convert("18446744073709551615").3 == UInt64.max)
        #expect(try Self.convert("18446744073709551616").3 == nil)
        #expect(try Self.convert("18446744073709551616").2 == nil)
        #expect(try Self.convert("-0").2 == 0)
        #expect(try Self.convert("-0").3 == 0)
        #expect(try Self.convert("-1").3 == nil)
        #expect(try Self.convert("1.0").2 == nil)
        #expect(try Self.convert("1e2").3 == nil)
        #expect(try Self.convert("123456789").2 == 123_456_789)
        #expect(try Self.convert("1" + String(repeating: "0", count: 40)).3 == nil)
    }

    @Test func numberTextAndRawRange() throws {
        try withJSONView(#"[ -12.5e3 ,"x"]"#) { view in
            #expect(view.numberText(1) == "-12.5e3")
            #expect(view.rawRange(1) == 2..<9)
            #expect(view.rawRange(2) == 11..<14)
            #expect(view.rawRange(0) == 0..<15)
        }
    }
}

/// A small seeded generator (SplitMix64) for reproducible sweeps.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
