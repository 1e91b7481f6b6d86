import DPWallRecords
import Testing

@Suite struct JSONParserTests {
    @Test func tapeLayoutOfObjectsAndArrays() throws {
        let text = #"{"a":[1,{"b":null}],"c":"x\ny","d":-2.5e3, "e":true,"f":false,"g":{}}"#
        let nodes = try parseJSON(text).get()
        #expect(
            nodes.map(\.kind) == [
                .object, .string, .array, .number, .object, .string, .null, .string, .string, .string, .number,
                .string, .true, .string, .false, .string, .object,
            ])
        #expect(nodes[0].count == 6)
        #expect(nodes[0].next == 17)
        #expect(nodes[0].start == 0)
        #expect(Int(nodes[0].end) == text.utf8.count)
        #expect(nodes[2].count == 2)
        #expect(nodes[2].next == 7)
        #expect(nodes[3].next == 4)
        #expect(nodes[4].count == 1)
        #expect(nodes[4].next == 7)
        // "a": start just after the quote, end at the closing quote.
        #expect(nodes[1].start == 2 && nodes[1].end == 3)
        #expect(nodes[8].flags & JSONNode.hasEscapes != 0)
        #expect(nodes[1].flags & JSONNode.hasEscapes == 0)
        #expect(nodes[3].flags & JSONNode.isInteger != 0)
        #expect(nodes[10].flags & JSONNode.isInteger == 0)
        #expect(nodes[10].flags & JSONNode.isNegative != 0)
        #expect(nodes[16].count == 0 && nodes[16].next == 17)
    }

    @Test(arguments: ["0", "-0", "\"\"", "true", "false", "null", " [ ] ", "\t{}\r\n", "1e5", "[[[]]]"])
    func acceptsAnyValueAtTopLevel(_ text: String) throws {
        let nodes = try parseJSON(text).get()
        #expect(nodes[0].next == UInt32(nodes.count))
    }

    /// Each rejection: input, expected code, expected byte offset.
    static let rejections: [(String, DenialCode, Int)] = [
        ("", .malformedJSON, 0),
        ("   ", .malformedJSON, 3),
        ("{\"a\":1", .malformedJSON, 6),
        ("{\"a\":1,}", .malformedJSON, 7),
        ("[1,]", .malformedJSON, 3),
        ("[01]", .malformedJSON, 1),
        ("[-01]", .malformedJSON, 1),
        ("[+1]", .malformedJSON, 1),
        ("[.5]", .malformedJSON, 1),
        ("[1.]", .malformedJSON, 3),
        ("[1e]", .malformedJSON, 3),
        ("[\"a\u{1}\"]", .malformedJSON, 3),
        ("[\"\\x\"]", .malformedJSON, 2),
        ("[\"\\u12G4\"]", .malformedJSON, 6),
        ("\u{FEFF}{}", .malformedJSON, 0),
        ("{} x", .malformedJSON, 3),
        ("[1 2]", .malformedJSON, 3),
        ("{\"a\" 1}", .malformedJSON, 5),
        ("{1:2}", .malformedJSON, 1),
        ("[tru]", .malformedJSON, 4),
        ("[\u{0B}]", .malformedJSON, 1),
        ("[\"abc", .malformedJSON, 1),
        ("[NaN]", .nonFinite, 1),
        ("{\"x\": Infinity}", .nonFinite, 6),
        ("[-Infinity]", .nonFinite, 1),
        ("[+Infinity]", .nonFinite, 1),
        ("[-NaN]", .nonFinite, 1),
        ("NaN", .nonFinite, 0),
        ("[\"\\uD800\"]", .invalidUTF8, 2),
        ("[\"ab\\uDC00\"]", .invalidUTF8, 4),
        ("[\"\\uD800\\u0041\"]", .invalidUTF8, 2),
        ("{\"a\":1,\"a\":2}", .duplicateKey, 7),
    ]

    @Test(arguments: 0..<rejections.count)
    func rejectsWithCodeAndOffset(_ k: Int) throws {
        let (text, code, offset) = Self.rejections[k]
        let error = try #require(jsonError(text), "\(text) was accepted")
        #expect(error.code == code, "\(text): \(error)")
        #expect(error.offset == offset, "\(text): \(error)")
        #expect(error.message.contains("at byte \(offset)"), "\(text): \(error)")
    }

    @Test func invalidUTF8IsReportedBeforeAnyOtherProblem() throws {
        // A syntax error at byte 1, then an invalid byte at 5: invalid_utf8 wins, at the bad byte.
        let error = try #require(jsonError([UInt8(ascii: "["), UInt8(ascii: ","), 0x20, 0x20, 0x20, 0xC0, 0x80]))
        #expect(error.code == .invalidUTF8)
        #expect(error.offset == 5)
    }

    @Test(
        arguments: [
            ([0xC0, 0xAF], 0),  // overlong '/'
            ([0xE0, 0x80, 0xAF], 0),  // overlong 3-byte
            ([0xF0, 0x80, 0x80, 0xAF], 0),  // overlong 4-byte
            ([0xED, 0xA0, 0x80], 0),  // UTF-8 encoded surrogate U+D800
            ([0xF4, 0x90, 0x80, 0x80], 0),  // U+110000
            ([0xF5, 0x80, 0x80, 0x80], 0),
            ([0xE2, 0x82], 0),  // truncated
            ([0x80], 0),  // stray continuation
            ([0xFF], 0),
        ] as [([UInt8], Int)])
    func invalidUTF8Sequences(_ bad: [UInt8], _ at: Int) throws {
        let prefix = Array("[\"0123456789abcdef".utf8)  // past the 8-byte fast path
        let bytes = prefix + bad + Array("\"]".utf8)
        let error = try #require(jsonError(bytes))
        #expect(error.code == .invalidUTF8)
        #expect(error.offset == prefix.count + at)
    }

    @Test("UTF-8 checked inside the parse agrees with the whole-line validator on 200,000 mutated records")
    func utf8CheckedInTheParseAgreesWithTheValidator() throws {
        // The parser checks non-ASCII bytes only where valid JSON may hold them (strings), and the whole line only
        // when the parse fails. The validator of the whole line is the oracle: a line it rejects is invalid_utf8
        // at its first ill-formed byte, whatever else is wrong; a line it accepts is never invalid_utf8 by way of
        // a raw byte.
        let seeds = [
            #"{"id":"r-1","client":"acmé","inputs":[{"name":"x","datatype":"BYTES","shape":[2],"data":["né","😀"]}]}"#,
            #"{"a":[1,2.5e3,-0,true,false,null],"b":{"c":"\u00e9\ud83d\ude00","d":"€€€€€€€€"}}"#,
            #"["0123456789abcdef","ÿ","日本語のテキスト",{"k":"v"}]"#,
        ].map { Array($0.utf8) }
        let alphabet: [UInt8] = [
            0x80, 0xBF, 0xC0, 0xC2, 0xDF, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF, 0x22, 0x5C, 0x41,
        ]
        var state: UInt64 = 0x2026_1202
        func next() -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(truncatingIfNeeded: state >> 33)
        }
        var disagreements: [String] = []
        for round in 0..<200_000 {
            var bytes = seeds[round % seeds.count]
            for _ in 0...(next() % 3) {
                let at = next() % bytes.count
                switch next() % 3 {
                case 0: bytes[at] = alphabet[next() % alphabet.count]
                case 1: bytes.insert(alphabet[next() % alphabet.count], at: at)
                default: bytes.remove(at: at)
                }
                if bytes.isEmpty { bytes = [0x20] }
            }
            let oracle = bytes.withUnsafeBytes { UTF8Validation.firstInvalidOffset($0) }
            let error = jsonError(bytes)
            if let oracle {
                if error?.code != .invalidUTF8 || error?.offset != oracle {
                    disagreements.append("\(bytes): validator \(oracle), parser \(String(describing: error))")
                }
            } else if let error, error.code == .invalidUTF8, !error.message.contains("surrogate") {
                disagreements.append("\(bytes): valid UTF-8, parser \(error)")
            }
            if disagreements.count >= 5 { break }
        }
        #expect(disagreements.isEmpty, "\(disagreements)")
    }

    @Test func validUTF8IsAccepted() throws {
        let text = "[\"aé€😀\u{10FFFF}\u{D7FF}\u{E000}\u{FFFF}\", \"\\u00e9\\ud83d\\ude00\"]"
        let nodes = try parseJSON(text).get()
        #expect(nodes.count == 3)
        #expect(UTF8Validation.firstInvalidOffset(UnsafeRawBufferPointer(start: nil, count: 0)) == nil)
    }

    @Test func depthLimit() throws {
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect((try? parseJSON(ok).get()) != nil)
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        let error = try #require(jsonError(deep))
        #expect(error.code == .malformedJSON)
        #expect(error.offset == 64)
        #expect(error.message == "nesting deeper than 64 at byte 64")
        let objects = String(repeating: "{\"a\":", count: 65) + "1" + String(repeating: "}", count: 65)
        #expect(jsonError(objects)?.code == .malformedJSON)
        if case .failure(let e) = parseJSON("[[[1]]]", maxDepth: 2) {
            #expect(e.message == "nesting deeper than 2 at byte 2")
        } else {
            Issue.record("depth 3 accepted with maxDepth 2")
        }
        // A hostile 1 MB of brackets fails fast without recursion.
        #expect(jsonError(String(repeating: "[", count: 1 << 20))?.code == .malformedJSON)
    }

    @Test("nesting past the frame stack's first 64 slots (a higher limit): every container closes with its own count")
    func deepNestingGrowsTheFrameStack() throws {
        // 300 levels alternating objects and arrays, each with a member or element after the nested one, so that
        // every container's count and end depend on the frame popped when the inner one closes.
        let levels = 300
        var text = ""
        for level in 0..<levels { text += level % 2 == 0 ? "{\"k\":" : "[" }
        text += "0"
        for level in (0..<levels).reversed() { text += level % 2 == 0 ? ",\"z\":\(level)}" : ",\(level)]" }
        let nodes = try parseJSON(text, maxDepth: levels).get()
        let bytes = Array(text.utf8)
        var containers = 0
        for node in nodes where node.kind == .object || node.kind == .array {
            containers += 1
            #expect(node.count == 2)
            #expect(bytes[Int(node.start)] == (node.kind == .object ? UInt8(ascii: "{") : UInt8(ascii: "[")))
            #expect(bytes[Int(node.end) - 1] == (node.kind == .object ? UInt8(ascii: "}") : UInt8(ascii: "]")))
        }
        #expect(containers == levels)
        #expect(nodes[0].end == UInt32(bytes.count))
        // One level more than the limit is still refused, after the stack has grown.
        guard case .failure(let tooDeep) = parseJSON("[" + text + "]", maxDepth: levels) else {
            Issue.record("depth \(levels + 1) accepted with maxDepth \(levels)")
            return
        }
        // The innermost opener (an array: levels is even) is just before the 0, and one byte later in the wrapper.
        let innermost = try #require(bytes.firstIndex(of: UInt8(ascii: "0"))) - 1
        #expect(tooDeep.message == "nesting deeper than \(levels) at byte \(innermost + 1)")
        // The same parser (grown storage) parses a shallow document after a deep one.
        var parser = JSONParser(maxDepth: levels)
        for document in [text, "[[1,2],{\"a\":[3]}]", text] {
            let count = try Array(document.utf8).withUnsafeBytes { try parser.parse($0).count }
            #expect(count == (try parseJSON(document, maxDepth: levels).get()).count)
        }
    }

    @Test func messagesNeverEchoMuchInput() throws {
        let long = String(repeating: "x", count: 500)
        for text in ["[\(long)]", "{\"\(long)\":1,\"\(long)\":2}", "[\"\\u\(long)\"]", "\(long)"] {
            let error = try #require(jsonError(text))
            #expect(error.message.utf8.count < 120, "\(error.message)")
        }
    }

    @Test func parserIsReusable() throws {
        var parser = JSONParser()
        for text in ["[1,2,3]", "{\"a\":", "{\"b\":[true]}", "7"] {
            let bytes = Array(text.utf8)
            _ = try? bytes.withUnsafeBytes { try parser.parse($0) }
        }
        #expect(parser.nodes.map(\.kind) == [.number])
        let bytes = Array("{\"b\":[true]}".utf8)
        _ = try bytes.withUnsafeBytes { try parser.parse($0) }
        #expect(parser.nodes.map(\.kind) == [.object, .string, .array, .true])
    }

    @Test func copiesOfAParserAreIndependent() throws {
        var first = JSONParser()
        let a = Array("[1,[2]]".utf8)
        _ = try a.withUnsafeBytes { try first.parse($0) }
        var second = first
        let b = Array("{\"k\":\"v\"}".utf8)
        _ = try b.withUnsafeBytes { try second.parse($0) }
        #expect(first.nodes.map(\.kind) == [.array, .number, .array, .number])
        #expect(second.nodes.map(\.kind) == [.object, .string, .string])
        _ = try a.withUnsafeBytes { try first.parse($0) }
        #expect(second.nodes.map(\.kind) == [.object, .string, .string])
        let sendable: any Sendable = first
        _ = sendable
    }

    @Test func hugeDocumentsThenSmallOnes() throws {
        var parser = JSONParser()
        let huge = Array(("[" + Array(repeating: "1", count: 300_000).joined(separator: ",") + "]").utf8)
        _ = try huge.withUnsafeBytes { try parser.parse($0) }
        #expect(parser.nodes.count == 300_001)
        let small = Array("[true]".utf8)
        _ = try small.withUnsafeBytes { try parser.parse($0) }
        #expect(parser.nodes.map(\.kind) == [.array, .true])
    }

    @Test func whitespaceIsOnlySpaceTabNewlineReturn() throws {
        #expect((try? parseJSON(" \t\n\r[ \t\n\r1 \t\n\r] \t\n\r").get()) != nil)
        for space in ["\u{0C}", "\u{0B}", "\u{A0}", "\u{2028}", "\u{3000}"] {
            #expect(jsonError("[1\(space)]")?.code == .malformedJSON)
        }
    }
}

/// Numbers in arrays are taken in a tight loop when a bare comma separates them; the tape and the errors must be
/// those of the general path (whitespace around the commas takes the general path).
@Suite struct JSONNumberRunTests {
    @Test func runsAndSpacedArraysGiveTheSameTape() throws {
        let tight = #"{"a":[1,-2.5,3e2,0,-0.125,12345678901,7],"b":[[1,2],[3,4]],"c":[1,"x",2,true,3]}"#
        let spaced = #"{"a":[1 , -2.5 ,3e2, 0,-0.125 , 12345678901,7],"b":[[1, 2],[3 ,4]],"c":[1, "x",2 ,true,3]}"#
        let a = try parseJSON(tight).get()
        let b = try parseJSON(spaced).get()
        #expect(a.count == b.count)
        for (x, y) in zip(a, b) {
            #expect(x.kind == y.kind && x.flags == y.flags && x.count == y.count && x.next == y.next)
        }
        // Each token's own text, found by its offsets, is the same in both (the offsets differ by the spaces).
        func tokens(_ text: String, _ nodes: [JSONNode]) -> [String] {
            let bytes = Array(text.utf8)
            return nodes.map { String(decoding: bytes[Int($0.start)..<Int($0.end)], as: UTF8.self) }
        }
        #expect(
            tokens(tight, a.filter { $0.kind != .object && $0.kind != .array })
                == tokens(spaced, b.filter { $0.kind != .object && $0.kind != .array }))
        // An exponent right after a one-digit decimal, in either case, with room to read ahead.
        let exponents = try parseJSON("[1.5E3,1.5e3,-2.25E-2,0,0,0,0,0,0,0,0,0,0]").get()
        #expect(exponents[1].flags & JSONNode.hasShortValue == 0 && exponents[3].flags & JSONNode.hasShortValue == 0)
        #expect(exponents[1].end == 6 && exponents[2].end == 12 && exponents[3].end == 21)
    }

    @Test(arguments: [
        ("[1,2,-]", DenialCode.malformedJSON, 6), ("[1,2,-x]", .malformedJSON, 6), ("[1,2,01]", .malformedJSON, 5),
        ("[1,2,NaN]", .nonFinite, 5), ("[1,-Infinity]", .nonFinite, 3), ("[1,2,]", .malformedJSON, 5),
        ("[1,2", .malformedJSON, 4), ("[1,2 3]", .malformedJSON, 5), ("[1,2.]", .malformedJSON, 5),
    ])
    func errorsInsideRuns(_ text: String, _ code: DenialCode, _ offset: Int) {
        switch parseJSON(text) {
        case .success: Issue.record("\(text) was accepted")
        case .failure(let error):
            #expect(error.code == code, "\(text): \(error.message)")
            #expect(error.offset == offset, "\(text): \(error.message)")
        }
    }
}
