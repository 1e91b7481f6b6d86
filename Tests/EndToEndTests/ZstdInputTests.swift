import Foundation
import Testing

/// `.zst` inputs and several inputs in one run.
@Suite("Compressed and multiple inputs")
struct ZstdInputTests {
    typealias P = TestPolicy

    @Test("a .zst file gives byte-identical output to the plain file")
    func zstdMatchesPlain() throws {
        let scratch = try TemporaryDirectory()
        let policy = try P.write(in: scratch)
        let plain = try scratch.write("traffic.jsonl", GeneratedInput.fraudLines(count: 3000))
        let compressed = try GeneratedInput.zstd(plain)
        let fromPlain = try DPWall.run(["filter", "--policy", policy, plain], in: scratch)
        let fromZstd = try DPWall.run(["filter", "--policy", policy, compressed], in: scratch)
        #expect(fromPlain.status == 0, "stderr: \(fromPlain.stderrText)")
        #expect(fromZstd.status == 0, "stderr: \(fromZstd.stderrText)")
        #expect(fromPlain.lines.count == 3000)
        #expect(fromZstd.stdout == fromPlain.stdout)
    }

    @Test(
        "samples/traffic.jsonl.zst gives byte-identical output to samples/traffic.jsonl",
        .enabled(
            if: FileManager.default.fileExists(atPath: DPWall.sample("traffic.jsonl.zst").path),
            "samples/traffic.jsonl.zst is not there"))
    func sampleZstdMatchesPlain() throws {
        let scratch = try TemporaryDirectory()
        let policy = DPWall.sample("policy.yaml").path
        let plain = DPWall.sample("traffic.jsonl").path
        try #require(FileManager.default.fileExists(atPath: plain))
        // The same seed gives the same noise: the outputs must then be byte-identical.
        let fromPlain = try DPWall.run(
            ["filter", "--policy", policy, "--ledger", ":memory:", "--seed", "7", plain], in: scratch,
            directory: scratch.url)
        let fromZstd = try DPWall.run(
            ["filter", "--policy", policy, "--ledger", ":memory:", "--seed", "7", plain + ".zst"], in: scratch,
            directory: scratch.url)
        #expect(fromPlain.status == 0)
        #expect(fromZstd.status == 0, "stderr: \(fromZstd.stderrText)")
        #expect(!fromPlain.stdout.isEmpty)
        #expect(fromZstd.stdout == fromPlain.stdout)
    }

    @Test("a truncated .zst exits 65 naming the file, after writing the complete lines before the cut")
    func truncatedZstd() throws {
        let scratch = try TemporaryDirectory()
        let policy = try P.write(in: scratch)
        let plain = try scratch.write("big.jsonl", GeneratedInput.fraudLines(count: 20000))
        let compressed = try Data(contentsOf: URL(fileURLWithPath: try GeneratedInput.zstd(plain)))
        let cut = try scratch.write("cut.jsonl.zst", compressed.prefix(compressed.count / 2))
        let full = try DPWall.run(["filter", "--policy", policy, plain], in: scratch)
        let truncated = try DPWall.run(["filter", "--policy", policy, cut], in: scratch)
        #expect(truncated.status == 65, "stderr: \(truncated.stderrText)")
        #expect(truncated.stderrText.hasPrefix("dpwall: "))
        #expect(truncated.stderrText.contains(cut), "the message names the file: \(truncated.stderrText)")
        #expect(truncated.stdoutEndsWithNewline, "a partial line was written")
        let written = truncated.lines
        let expected = full.lines
        #expect(written.count > 0, "nothing written before the cut")
        #expect(written.count < expected.count)
        #expect(Array(expected.prefix(written.count)) == written, "the output is not a prefix of the full output")
    }

    @Test("plain, .zst and standard input are read in order, with line numbers continuing")
    func severalInputs() throws {
        let scratch = try TemporaryDirectory()
        let policy = try P.write(in: scratch)
        let a = try scratch.write(
            "a.jsonl",
            [P.record(id: "a1", request: P.fraudRequest()), "{oops", P.record(id: "a3", request: P.fraudRequest())]
                .joined(separator: "\n") + "\n")
        // The .zst input's last line has no newline: still a record, and not glued to the next input.
        let bPlain = try scratch.write("b.jsonl", P.record(id: "b1", request: P.fraudRequest()) + "\n[1,2]")
        let b = try GeneratedInput.zstd(bPlain)
        let stdin = "NaN\n" + P.record(id: "s2", request: P.fraudRequest()) + "\n"
        let rejects = scratch.file("rejects.jsonl").path
        let result = try DPWall.run(
            ["filter", "--policy", policy, "--rejects", rejects, a, b, "-"], stdin: Data(stdin.utf8), in: scratch)
        #expect(result.status == 0, "stderr: \(result.stderrText)")
        let lines = parseOutput(result)
        #expect(lines.map(\.id) == ["a1", nil, "a3", "b1", nil, nil, "s2"], "\(result.stdoutText)")
        #expect(lines.map(\.lineNumber) == [nil, 2, nil, nil, 5, 6, nil], "\(result.stdoutText)")
        #expect(lines.map(\.code) == [nil, "malformed_json", nil, nil, "malformed_json", "non_finite", nil])
        let rejected = splitLines(try Data(contentsOf: URL(fileURLWithPath: rejects))).compactMap(OutputLine.init)
        #expect(rejected.map(\.lineNumber) == [2, 5, 6])
        #expect(rejected.map { $0.object["raw"] as? String } == ["{oops", "[1,2]", "NaN"])
        #expect(Summary(stderr: result.stderrText)?.records == 7)
    }
}
