import DPWallRecords
import Testing

@Suite struct JSONWriterTests {
    /// The writer's text as a String.
    static func text(_ body: (inout JSONWriter) -> Void) -> String {
        var writer = JSONWriter()
        body(&writer)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    @Test func escapingRoundTrips() throws {
        var all = ""
        for v in 0..<0x80 { all.unicodeScalars.append(Unicode.Scalar(UInt8(v))) }
        for s in [all, "", "plain", "é€😀\u{10FFFF}", "quote \" back \\ slash /", "\u{7F}\u{2028}"] {
            let json = Self.text { $0.appendString(s) }
            #expect(try withJSONView(json) { $0.string(0) } == s)
            var bytes = Array(s.utf8)
            let viaBytes = bytes.withUnsafeMutableBytes { raw in
                Self.text { $0.appendString(bytes: UnsafeRawBufferPointer(raw)) }
            }
            #expect(viaBytes == json)
        }
        #expect(
            Self.text { $0.appendString("a\"b\\c\n\r\t\u{8}\u{C}\u{1}\u{1F}") } == #""a\"b\\c\n\r\t\b\f\u0001\u001f""#)
    }

    @Test func truncatingQuotes() throws {
        func quote(_ bytes: [UInt8], _ limit: Int) -> String {
            bytes.withUnsafeBytes { raw in Self.text { $0.appendStringTruncating(bytes: raw, limit: limit) } }
        }
        #expect(quote(Array("abc".utf8), 64) == #""abc""#)
        #expect(quote(Array(String(repeating: "a", count: 70).utf8), 64) == "\"\(String(repeating: "a", count: 64))…\"")
        #expect(quote(Array("ab€".utf8), 4) == "\"ab…\"")  // cut before the 3-byte character, not inside it
        #expect(quote(Array("ab€".utf8), 5) == "\"ab€\"")
        #expect(quote([0x61, 0xFF, 0xC3, 0x22, 0x0A], 64) == "\"a\u{FFFD}\u{FFFD}\\\"\\n\"")
        let quoted = quote(Array(repeating: 0xFF, count: 100), 64)
        #expect((try? parseJSON(quoted).get()) != nil)
    }

    @Test func rawAndIntegers() throws {
        let out = Self.text { w in
            w.append(raw: "{\"n\":")
            w.append(Int64.min)
            w.appendByte(UInt8(ascii: ","))
            w.append(UInt64.max)
            w.appendByte(UInt8(ascii: ","))
            w.append(0 as Int)
            w.appendByte(UInt8(ascii: ","))
            w.append(-42 as Int)
            Array("}".utf8).withUnsafeBytes { w.append(raw: $0) }
        }
        #expect(out == "{\"n\":-9223372036854775808,18446744073709551615,0,-42}")
        var writer = JSONWriter(capacity: 16)
        writer.append(raw: "xyz")
        writer.removeAll()
        #expect(writer.bytes.isEmpty)
        #expect(writer.bytes.capacity >= 16)
    }

    @Test func doubleShortestForms() throws {
        let cases: [(Double, String)] = [
            (1.0, "1"), (-0.0, "-0"), (0.0, "0"), (0.1, "0.1"), (-2.5, "-2.5"), (1e-5, "1e-05"),
            (1e15, "1000000000000000"),
            (9_007_199_254_740_991, "9007199254740991"), (1e16, "1e+16"), (.leastNonzeroMagnitude, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"), (0.30000000000000004, "0.30000000000000004"),
            (123456.789, "123456.789"),
        ]
        for (value, expected) in cases {
            #expect(Self.text { $0.append(value) } == expected)
        }
    }

    @Test func floatShortestForms() throws {
        let cases: [(Float, String)] = [
            (0.1, "0.1"), (1, "1"), (-0.0, "-0"), (3.4028235e38, "3.4028235e+38"), (.leastNonzeroMagnitude, "1e-45"),
            (0.3, "0.3"),
            (16_777_215, "16777215"),
        ]
        for (value, expected) in cases {
            #expect(Self.text { $0.append(value) } == expected)
        }
    }

    @Test func numbersRoundTripThroughTheParser() throws {
        var r = SplitMix64(seed: 99)
        var writer = JSONWriter()
        var doubles: [Double] = []
        var floats: [Float] = []
        writer.appendByte(UInt8(ascii: "["))
        for k in 0..<20_000 {
            let d = Double(bitPattern: r.next())
            let f = Float(bitPattern: UInt32(truncatingIfNeeded: r.next()))
            guard d.isFinite, f.isFinite else { continue }
            if k > 0 { writer.appendByte(UInt8(ascii: ",")) }
            writer.append(d)
            writer.appendByte(UInt8(ascii: ","))
            writer.append(f)
            doubles.append(d)
            floats.append(f)
        }
        writer.appendByte(UInt8(ascii: "]"))
        try withJSONView(String(decoding: writer.bytes, as: UTF8.self)) { view in
            #expect(view.count(0) == doubles.count * 2)
            view.forEachElement(of: 0) { position, i in
                if position % 2 == 0 {
                    #expect(view.double(i).bitPattern == doubles[position / 2].bitPattern)
                } else {
                    #expect(view.float(i).bitPattern == floats[position / 2].bitPattern)
                }
                return true
            }
        }
    }
}
