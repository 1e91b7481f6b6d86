import DPWallRecords
import Testing

@Suite struct JSONDuplicateKeyTests {
    @Test func duplicateAtDepth() throws {
        let text = #"{"x":[{"b":1,"c":{"d":0,"e":[],"d":1}}]}"#
        let error = try #require(jsonError(text))
        #expect(error.code == .duplicateKey)
        #expect(error.offset == 31)
        #expect(error.message == #"duplicate key "d" at byte 31"#)
    }

    @Test func sameKeyInSiblingObjectsIsFine() throws {
        #expect((try? parseJSON(#"[{"a":1,"b":{"a":2}},{"a":1,"b":2}]"#).get()) != nil)
    }

    @Test func escapedDuplicatesAreDuplicates() throws {
        for text in [
            #"{"a":1,"\u0061":2}"#, #"{"\u0061":1,"a":2}"#, #"{"é":1,"\u00e9":2}"#, #"{"😀":1,"\ud83d\ude00":2}"#,
            #"{"\/":1,"/":2}"#, #"{"a\nb":1,"a\u000Ab":2}"#,
        ] {
            let error = try #require(jsonError(text), "\(text)")
            #expect(error.code == .duplicateKey, "\(text)")
        }
        #expect((try? parseJSON(#"{"a":1,"\u0062":2,"ab":3,"a\u0000":4}"#).get()) != nil)
        #expect(jsonError(#"{"a\u0000":1,"a":2}"#) == nil)
    }

    @Test func messageQuotesTheUnescapedKeyTruncated() throws {
        let error = try #require(jsonError(#"{"a\"b":1,"a\u0022b":2}"#))
        #expect(error.message == #"duplicate key "a\"b" at byte 10"#)
        let key = String(repeating: "k", count: 100)
        let long = try #require(jsonError("{\"\(key)\":1,\"\(key)\":2}"))
        #expect(long.message == "duplicate key \"\(String(repeating: "k", count: 64))…\" at byte 106")
    }

    /// An object of `count` members with keys `k0`, `k1`, … and optionally an escaped copy of `k\(dupe)` last.
    static func bigObject(_ count: Int, duplicateOf dupe: Int? = nil, escaped: Bool = false) -> String {
        var text = "{"
        for k in 0..<count { text += "\(k == 0 ? "" : ",")\"k\(k)\":\(k)" }
        if let dupe { text += escaped ? ",\"\\u006b\(dupe)\":0" : ",\"k\(dupe)\":0" }
        return text + "}"
    }

    @Test(arguments: [15, 16, 17, 18, 100, 5000])
    func bigObjectsUseTheHashPath(_ count: Int) throws {
        #expect((try? parseJSON(Self.bigObject(count)).get()) != nil)
        for dupe in [0, count / 2, count - 1] {
            let plain = try #require(jsonError(Self.bigObject(count, duplicateOf: dupe)))
            #expect(plain.code == .duplicateKey)
            #expect(plain.message.hasPrefix("duplicate key \"k\(dupe)\" at byte "))
            let escaped = try #require(jsonError(Self.bigObject(count, duplicateOf: dupe, escaped: true)))
            #expect(escaped.code == .duplicateKey)
        }
    }

    @Test func hostileHugeObjectIsLinear() throws {
        // 100k members: O(n²) pairwise comparison would take minutes; the hash path takes milliseconds.
        let nodes = try parseJSON(Self.bigObject(100_000)).get()
        #expect(nodes[0].count == 100_000)
        let error = try #require(jsonError(Self.bigObject(100_000, duplicateOf: 3)))
        #expect(error.code == .duplicateKey)
    }

    @Test func nestedBigObjectsDoNotShareKeys() throws {
        // The inner object repeats every key of the outer one; keys are per object.
        var text = "{"
        for k in 0..<40 { text += "\"k\(k)\":\(k)," }
        text += "\"inner\":" + Self.bigObject(40) + ","
        for k in 40..<80 { text += "\"k\(k)\":\(k)," }
        text += "\"last\":" + Self.bigObject(30) + "}"
        #expect((try? parseJSON(text).get()) != nil)
        // The same document parsed twice by one parser (table reuse) and then with a duplicate in the outer part.
        var parser = JSONParser()
        let bytes = Array(text.utf8)
        for _ in 0..<2 { _ = try bytes.withUnsafeBytes { try parser.parse($0) } }
        let bad = Array((String(text.dropLast()) + ",\"k41\":0}").utf8)
        #expect(throws: JSONError.self) { try bad.withUnsafeBytes { try parser.parse($0) } }
    }

    @Test func firstProblemMetWins() throws {
        #expect(jsonError(#"{"a":1,"a":NaN}"#)?.code == .duplicateKey)
        #expect(jsonError(#"{"a":NaN,"a":1}"#)?.code == .nonFinite)
        #expect(jsonError(#"{"a":1,"a":2"#)?.code == .duplicateKey)
        #expect(jsonError(#"{"a":[1,],"a":2}"#)?.code == .malformedJSON)
    }
}
