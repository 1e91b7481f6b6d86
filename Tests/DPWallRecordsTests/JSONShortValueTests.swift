import DPWallRecords
import Testing

/// The parse-time fast path for short plain decimals (``JSONNode/hasShortValue``) must give exactly what the
/// general path gives: Swift's correctly rounded `Double(String)` and `Float(String)`.
@Suite struct JSONShortValueTests {
    static let cases = [
        "0", "-0", "1", "-1", "0.5", "-0.0", "1.464051", "-2.409028", "0.000000001", "123456789", "-12345678.9",
        "16777216", "16777217", "0.16777217", "999999999", "9.99999999", "3.4028235", "0.1", "0.2", "0.3", "12345678.9",
        "0.12345678",
        "1234567890", "0.0000000001", "12.5e1", "1E-7",
    ]

    @Test(arguments: cases)
    func agreesWithSwift(_ text: String) throws {
        // Padding after the array: the fast path reads 8 bytes at a time and is only taken when they are inside
        // the buffer.
        let bytes = Array("[\(text)]        ".utf8)
        var parser = JSONParser()
        try bytes.withUnsafeBytes { buffer in
            try parser.parse(buffer)
            try parser.nodes.withUnsafeBufferPointer { nodes in
                let view = JSONView(nodes: nodes, bytes: buffer)
                let expectedDouble = try #require(Double(text))
                let expectedFloat = try #require(Float(text))
                #expect(view.double(1).bitPattern == expectedDouble.bitPattern, "double of \(text)")
                #expect(view.float(1).bitPattern == expectedFloat.bitPattern, "float of \(text)")
                // Short: no exponent, at most 9 digits in all and at most 8 on each side of the point.
                let parts = text.split(separator: ".", omittingEmptySubsequences: false)
                let intDigits = parts[0].filter(\.isNumber).count
                let fracDigits = parts.count > 1 ? parts[1].count : 0
                let plain = !text.contains("e") && !text.contains("E")
                let short = plain && intDigits <= 8 && fracDigits <= 8 && intDigits + fracDigits <= 9
                #expect((nodes[1].flags & JSONNode.hasShortValue != 0) == short, "flag of \(text)")
            }
        }
    }

    @Test func sweepOfShortDecimals() throws {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        var texts: [String] = []
        for _ in 0..<20_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let digits = Int(state >> 60) % 9 + 1
            let mantissa =
                (state >> 20)
                % [
                    1, 10, 100, 1000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000,
                    1_000_000_000,
                ][digits]
            let scale = Int((state >> 8) & 0xF) % (digits + 1)
            var text = String(mantissa)
            if scale > 0 {
                while text.count <= scale { text = "0" + text }
                text.insert(".", at: text.index(text.endIndex, offsetBy: -scale))
            }
            texts.append(state & 1 == 0 ? text : "-" + text)
        }
        let bytes = Array(("[" + texts.joined(separator: ",") + "]").utf8)
        var parser = JSONParser()
        try bytes.withUnsafeBytes { buffer in
            try parser.parse(buffer)
            parser.nodes.withUnsafeBufferPointer { nodes in
                let view = JSONView(nodes: nodes, bytes: buffer)
                for (k, text) in texts.enumerated() {
                    #expect(view.double(k + 1) == Double(text)!, "double of \(text)")
                    #expect(view.float(k + 1).bitPattern == Float(text)!.bitPattern, "float of \(text)")
                }
            }
        }
    }

    /// Malformed numbers with plenty of bytes after them (so the one-pass path is tried first) are still refused,
    /// with the same code as when they end the input.
    @Test(arguments: ["01", "-", "1.", "-01.5", "1.e5", "00", "-a", "1.5.5", "+1", ".5", "1e", "1e+", "0x10", "-NaN"])
    func malformedNumbersAreRefusedWithRoomToSpare(_ token: String) {
        let padded = jsonError("[\(token),\"0123456789abcdefghij\"]")
        let bare = jsonError("[\(token)]")
        #expect(padded != nil, "\(token) was accepted")
        #expect(
            padded?.code == bare?.code,
            "\(token): \(String(describing: padded?.code)) vs \(String(describing: bare?.code))")
    }

    /// Every digit layout around the one-pass path's limits agrees with Swift's conversion.
    @Test func layoutsAroundTheLimits() throws {
        var texts: [String] = []
        for intDigits in 1...10 {
            for fracDigits in 0...10 {
                for negative in [false, true] {
                    var text = negative ? "-" : ""
                    text += "9" + String(repeating: "7", count: intDigits - 1)
                    if fracDigits > 0 { text += "." + String(repeating: "3", count: fracDigits - 1) + "1" }
                    texts.append(text)
                    texts.append(text + "e2")
                }
            }
        }
        texts.append(contentsOf: ["0", "-0", "0.5", "-0.0000001", "0.00000001"])
        let bytes = Array(("[" + texts.joined(separator: ",") + "]" + String(repeating: " ", count: 32)).utf8)
        var parser = JSONParser()
        try bytes.withUnsafeBytes { buffer in
            let tape = try parser.parse(buffer)
            let view = JSONView(nodes: tape, bytes: buffer)
            for (k, text) in texts.enumerated() {
                #expect(view.double(k + 1) == Double(text)!, "double of \(text)")
                #expect(view.float(k + 1).bitPattern == Float(text)!.bitPattern, "float of \(text)")
                #expect(view.isInteger(k + 1) == !(text.contains(".") || text.contains("e")), "integer flag of \(text)")
            }
        }
    }
}
