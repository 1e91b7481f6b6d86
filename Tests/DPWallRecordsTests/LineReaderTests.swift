import DPWallRecords
import Foundation
import Testing

/// Line framing over real files, with read sizes small enough that lines straddle reads.
@Suite struct LineReaderTests {
    struct Line: Equatable {
        var text: String
        var number: Int
        var oversize: Int?
    }

    /// Writes `contents` to temporary files and reads them back as lines.
    static func lines(_ contents: [[UInt8]], limit: Int, chunk: Int) throws -> [Line] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dpwall-lines-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var paths: [String] = []
        for (k, bytes) in contents.enumerated() {
            let url = directory.appendingPathComponent("input-\(k).jsonl")
            try Data(bytes).write(to: url)
            paths.append(url.path)
        }
        let reader = LineReader(paths: paths, maxRecordBytes: limit, chunkBytes: chunk)
        var found: [Line] = []
        while try reader.next({ line in
            found.append(
                Line(
                    text: String(decoding: line.bytes, as: UTF8.self), number: line.number,
                    oversize: line.oversizeLength))
        }) {}
        return found
    }

    @Test(arguments: [1, 2, 3, 7, 64, 4096])
    func framesLinesWhateverTheReadSize(_ chunk: Int) throws {
        let text = "alpha\nbeta\r\n\n\r\ngamma"
        let found = try Self.lines([Array(text.utf8)], limit: 100, chunk: chunk)
        #expect(
            found == [
                Line(text: "alpha", number: 1), Line(text: "beta", number: 2), Line(text: "", number: 3),
                Line(text: "", number: 4), Line(text: "gamma", number: 5),
            ])
    }

    @Test(arguments: [1, 5, 16, 4096])
    func overLongLinesAreSkippedToTheirNewline(_ chunk: Int) throws {
        let long = String(repeating: "x", count: 40)
        let text = "ok\n\(long)\nfine\n\(long)"  // the last over-long line has no newline
        let found = try Self.lines([Array(text.utf8)], limit: 10, chunk: chunk)
        #expect(found.map(\.number) == [1, 2, 3, 4])
        #expect(found.map(\.oversize) == [nil, 40, nil, 40])
        #expect(found[0].text == "ok" && found[2].text == "fine")
        #expect(found[1].text.allSatisfy { $0 == "x" } && found[1].text.count <= LineReader.rawPrefixLimit)
    }

    @Test func aLineExactlyAtTheLimitIsKeptAndOneByteMoreIsNot() throws {
        let found = try Self.lines(
            [Array("\(String(repeating: "a", count: 10))\r\n\(String(repeating: "b", count: 11))\n".utf8)], limit: 10,
            chunk: 3)
        #expect(found.map(\.oversize) == [nil, 11])
    }

    @Test func filesAreReadInOrderWithLineNumbersContinuing() throws {
        let found = try Self.lines([Array("a\nb".utf8), Array("c\n".utf8), Array("d".utf8)], limit: 10, chunk: 2)
        #expect(
            found == [
                Line(text: "a", number: 1), Line(text: "b", number: 2), Line(text: "c", number: 3),
                Line(text: "d", number: 4),
            ])
    }

    @Test func aMissingFileIsCannotOpen() throws {
        let reader = LineReader(paths: ["/nonexistent/dpwall/input.jsonl"], maxRecordBytes: 10)
        #expect(throws: InputError.self) { _ = try reader.next { _ in } }
        do {
            _ = try reader.next { _ in }
        } catch let error as InputError {
            #expect(error.code == .cannotOpen)
            #expect(error.message.contains("/nonexistent/dpwall/input.jsonl"))
        }
    }
}
