import DPWallRecords
import Testing

/// Name lookups must find exactly the names in the table, whatever their spelling in the JSON.
@Suite struct NameTableTests {
    /// Looks up every key of `object` (a JSON object text) in a table of `names`.
    static func lookups(_ names: [String], _ object: String) throws -> [Int?] {
        let table = NameTable(names)
        var parser = JSONParser()
        let bytes = Array(object.utf8)
        return try bytes.withUnsafeBytes { buffer in
            try parser.parse(buffer)
            let view = JSONView(nodes: parser.tape, bytes: buffer)
            var found: [Int?] = []
            view.forEachMember(of: 0) { key, _ in
                found.append(table.index(of: key, in: view))
                return true
            }
            return found
        }
    }

    @Test func findsEachNameAndNothingElse() throws {
        let names = ["id", "ts", "client", "credentials", "model", "version", "request", "response"]
        let found = try Self.lookups(
            names,
            #"{"id":1,"ts":1,"client":1,"credentials":1,"model":1,"version":1,"request":1,"response":1,"#
                + #""idd":1,"i":1,"":1,"Model":1,"requesT":1,"respons":1}"#)
        #expect(found == [0, 1, 2, 3, 4, 5, 6, 7, nil, nil, nil, nil, nil, nil])
    }

    @Test func escapedSpellingsMatch() throws {
        let found = try Self.lookups(["id", "model"], #"{"\u0069d":1,"mod\u0065l":2,"\u0078":3}"#)
        #expect(found == [0, 1, nil])
    }

    /// The decoders also look up values that should be names but are not strings (a tensor's `name` written as a
    /// number): those take the out-of-line path and are never found, whatever their text.
    @Test func nonStringNodesAreNeverFound() throws {
        let table = NameTable(["1", "true", "null", "id"])
        var parser = JSONParser()
        let bytes = Array(#"[1,true,null,["id"],{"id":1},"id"]"#.utf8)
        let found: [Int?] = try bytes.withUnsafeBytes { buffer in
            try parser.parse(buffer)
            let view = JSONView(nodes: parser.tape, bytes: buffer)
            var found: [Int?] = []
            var element = 1
            for _ in 0..<view.count(0) {
                found.append(table.index(of: element, in: view))
                element = view.next(element)
            }
            return found
        }
        #expect(found == [nil, nil, nil, nil, nil, 3])
    }

    @Test func namesSharingABucketAreAllFound() throws {
        // Same length, first and last byte: the same bucket.
        let names = ["axxb", "ayyb", "azzb", "a", ""]
        let found = try Self.lookups(names, #"{"azzb":1,"ayyb":1,"axxb":1,"awwb":1,"a":1,"":1}"#)
        #expect(found == [2, 1, 0, nil, 3, 4])
    }

    /// Names of every length from 1 to 40 (the inline comparison works in 8-, 4- and 1-byte steps with
    /// overlapping tails): each is found, and a key differing from it in any single byte is not.
    @Test func everyLengthAndEveryDifferingByte() throws {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789ABCD".utf8)
        for length in 1...40 {
            let name = String(decoding: alphabet[0..<length], as: UTF8.self)
            var keys = ["\"\(name)\":0"]
            for position in 0..<length {
                var bytes = Array(name.utf8)
                bytes[position] = UInt8(ascii: "_")
                keys.append("\"\(String(decoding: bytes, as: UTF8.self))\":0")
            }
            let found = try Self.lookups([name], "{" + keys.joined(separator: ",") + "}")
            #expect(found == [0] + Array(repeating: nil, count: length), "length \(length)")
        }
    }
}
