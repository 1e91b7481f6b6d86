import Foundation
import Testing

/// `--rejects FILE`: one line per denial, with code, line number and a raw prefix; private to the owner.
@Suite("Rejects file")
struct RejectsFileTests {
    typealias P = TestPolicy

    static func mode(of path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return try #require(attributes[.posixPermissions] as? NSNumber).intValue & 0o777
    }

    @Test("one line per denial, in order, with code, line and at most 4096 bytes of the raw line; mode 0600")
    func rejects() throws {
        let scratch = try TemporaryDirectory()
        let policy = try P.write(in: scratch)
        let rejectsPath = scratch.file("rejects.jsonl").path
        let huge = P.record(id: "big", extra: #","trace_id":""# + String(repeating: "Q", count: 9000) + #"""#)
        let unknown = P.record(id: "unk", model: "nope", request: P.fraudRequest())
        let lines = [
            P.record(id: "ok1", request: P.fraudRequest()),
            "{not json",
            unknown,
            huge,
            P.record(id: "ok2", request: P.fraudRequest()),
        ]
        let result = try DPWall.run(
            ["filter", "--policy", policy, "--rejects", rejectsPath],
            stdin: Data((lines.joined(separator: "\n") + "\n").utf8),
            in: scratch)
        #expect(result.status == 0, "stderr: \(result.stderrText)")
        let output = parseOutput(result)
        #expect(output.count == 5)
        #expect(output.map(\.code) == [nil, "malformed_json", "unknown_model", "too_large", nil])

        #expect(try Self.mode(of: rejectsPath) == 0o600)
        let rejectsData = try Data(contentsOf: URL(fileURLWithPath: rejectsPath))
        #expect(rejectsData.last == 0x0A)
        let rejected = splitLines(rejectsData).compactMap(OutputLine.init)
        #expect(rejected.count == 3, "\(String(decoding: rejectsData, as: UTF8.self))")
        guard rejected.count == 3 else { return }
        #expect(rejected.map { $0.lineNumber } == [2, 3, 4])
        #expect(rejected.map { $0.object["code"] as? String } == ["malformed_json", "unknown_model", "too_large"])
        #expect(rejected[0].object["raw"] as? String == "{not json")
        #expect(rejected[1].object["raw"] as? String == unknown)
        let hugeRaw = try #require(rejected[2].object["raw"] as? String)
        #expect(hugeRaw.utf8.count <= 4096)
        #expect(hugeRaw.utf8.count >= 4000, "the prefix should be about 4 KiB, got \(hugeRaw.utf8.count) bytes")
        #expect(huge.hasPrefix(hugeRaw))
    }

    @Test("a rejects file that already exists with mode 0644 ends up 0600")
    func existingRejectsFileIsMadePrivate() throws {
        let scratch = try TemporaryDirectory()
        let policy = try P.write(in: scratch)
        let rejectsPath = try scratch.write("rejects.jsonl", "old content that is much longer than the new one\n")
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: rejectsPath)
        let result = try DPWall.run(
            ["filter", "--policy", policy, "--rejects", rejectsPath], stdin: Data("{}\n".utf8), in: scratch)
        #expect(result.status == 0)
        let rejected = splitLines(try Data(contentsOf: URL(fileURLWithPath: rejectsPath)))
        #expect(rejected.count == 1, "the old content must be replaced")
        #expect(try Self.mode(of: rejectsPath) == 0o600, "raw inputs stay readable by group/others")
    }
}
