import DPWallRecords
import Testing

@Suite struct JSONViewTests {
    static let document = #"""
        {"id":"r-1","data":[1,2.5,"x",null,true,false,[3]],"esc":"a\"b\\c\/d\b\f\n\r\t\u00e9\ud83d\ude00",
         "\u006dodel":"m","empty":"","obj":{"k":{"deep":[]}}}
        """#

    @Test func navigation() throws {
        try withJSONView(Self.document) { view in
            #expect(view.kind(0) == .object)
            #expect(view.count(0) == 6)
            var keys: [String] = []
            view.forEachMember(of: 0) { k, _ in
                keys.append(view.string(k))
                return true
            }
            #expect(keys == ["id", "data", "esc", "model", "empty", "obj"])
            let data = try #require(view.member(of: 0, "data"))
            #expect(view.kind(data) == .array && view.count(data) == 7)
            var kinds: [JSONKind] = []
            var positions: [Int] = []
            view.forEachElement(of: data) { position, i in
                kinds.append(view.kind(i))
                positions.append(position)
                return position < 5
            }
            #expect(kinds == [.number, .number, .string, .null, .true, .false])
            #expect(positions == [0, 1, 2, 3, 4, 5])
            #expect(view.member(of: 0, "model").map(view.string) == "m")
            #expect(view.member(of: 0, "missing") == nil)
            let obj = try #require(view.member(of: 0, "obj"))
            let k = try #require(view.member(of: obj, "k"))
            let deep = try #require(view.member(of: k, "deep"))
            #expect(view.kind(deep) == .array && view.count(deep) == 0)
            #expect(view.next(obj) == view.nodes.count)
            var members = 0
            view.forEachMember(of: 0) { _, _ in
                members += 1
                return false
            }
            #expect(members == 1)
        }
    }

    @Test func strings() throws {
        try withJSONView(Self.document) { view in
            let esc = try #require(view.member(of: 0, "esc"))
            let expected = "a\"b\\c/d\u{8}\u{C}\n\r\té😀"
            #expect(view.string(esc) == expected)
            #expect(view.stringEquals(esc, expected))
            #expect(!view.stringEquals(esc, expected + "x"))
            #expect(!view.stringEquals(esc, String(expected.dropLast())))
            #expect(view.unescapedLength(esc) == expected.utf8.count)
            var out: [UInt8] = [0x41]
            view.appendUnescaped(esc, to: &out)
            #expect(out == [0x41] + Array(expected.utf8))
            let id = try #require(view.member(of: 0, "id"))
            #expect(view.stringEquals(id, "r-1"))
            #expect(view.stringEquals(id, "r-1" as String))
            #expect(!view.stringEquals(id, "r-2"))
            #expect(!view.stringEquals(id, "r-"))
            #expect(view.unescapedLength(id) == 3)
            let empty = try #require(view.member(of: 0, "empty"))
            #expect(view.stringEquals(empty, ""))
            #expect(view.string(empty) == "")
            #expect(!view.stringEquals(id, ""))
            #expect(view.rawRange(empty).count == 2)
            let data = try #require(view.member(of: 0, "data"))
            #expect(!view.stringEquals(data, "x"))
        }
    }
}
