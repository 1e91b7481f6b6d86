import Foundation
import Testing

/// The output-privacy surface of the real binary: `keygen`, `--noise-key` (file checks and consistent noise),
/// `--seed`, and released tensors (grid, clamp, round, top_k, label_only, the cost annotation).
@Suite("Noise on released outputs")
struct NoiseTests {
    typealias P = TestPolicy

    /// A policy with one Laplace model and one label-only Gaussian model of three classes, rows of probabilities.
    static let yaml = """
        version: 1
        auth: { mode: trusted, default_tier: free }
        tiers:
          free: { models: "*", budget: { epsilon: 100000, delta: 1.0e-3, window: 1d } }
        models:
          probs:
            inputs:
              - { name: x, datatype: FP32, shape: [-1, 2] }
            outputs:
              - name: p
                datatype: FP32
                shape: [-1, 5]
                privacy: { mechanism: laplace, epsilon: 1, clamp: [0, 1], normalize: true, round: 3, top_k: 2 }
          label:
            inputs:
              - { name: x, datatype: FP32, shape: [-1, 2] }
            outputs:
              - name: p
                datatype: FP32
                shape: [-1, 3]
                privacy: { mechanism: gaussian, epsilon: 1, delta: 1.0e-6, clamp: [0, 1], label_only: true }
          open:
            inputs:
              - { name: x, datatype: FP32, shape: [-1, 2] }
            outputs:
              - name: p
                datatype: FP32
                shape: [-1, -1]
                privacy:
                  mechanism: laplace
                  epsilon: 1
                  sensitivity: 1
                  sensitivity_reason: "test rows: one value of a row changes per person, by at most 1"
                  clamp: [0, 1]
                  label_only: true

        """

    static func record(id: String, model: String = "probs", request: String = "[0.5,0.25]", rows: [String])
        -> String
    {
        let width = model == "probs" ? 5 : 3
        return P.record(
            id: id, model: model,
            request: P.v2Request(
                P.tensor(
                    "x", "[\(rows.count),2]", "FP32",
                    "[" + Array(repeating: request, count: rows.count).joined(separator: ",") + "]")),
            response: P.v2Response(
                model, P.tensor("p", "[\(rows.count),\(width)]", "FP32", "[" + rows.joined(separator: ",") + "]")))
            + "\n"
    }

    static func released(_ line: Data) throws -> (data: [Any], tensor: [String: Any], privacy: [String: Any]) {
        let object = try #require(try JSONSerialization.jsonObject(with: line) as? [String: Any], "not JSON")
        let response = try #require(object["response"] as? [String: Any], "no response: \(object)")
        let outputs = try #require(response["outputs"] as? [[String: Any]])
        let tensor = try #require(outputs.first)
        let data = try #require(tensor["data"] as? [Any])
        let privacy = try #require(object["privacy"] as? [String: Any])
        return (data, tensor, privacy)
    }

    @Test("keygen writes 32 bytes as a DPWALL NOISE KEY with mode 0600 and never overwrites a key")
    func keygen() throws {
        let scratch = try TemporaryDirectory()
        let path = scratch.file("noise.key").path
        let made = try DPWall.run(["keygen", "--noise-key", path], in: scratch)
        #expect(made.status == 0, "\(made.stderrText)")
        let key = try Data(contentsOf: URL(fileURLWithPath: path))
        let (label, bytes) = try KeyFileTests.pem(path)
        #expect(label == "DPWALL NOISE KEY" && bytes.count == 32)
        #expect(Set(bytes).count > 8, "32 random bytes have many distinct values")
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
        #expect(mode == 0o600, "mode \(String(mode, radix: 8))")
        let again = try DPWall.run(["keygen", "--noise-key", path], in: scratch)
        #expect(again.status == 73, "\(again.stderrText)")
        #expect(again.stderrText.contains("exists"), "\(again.stderrText)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == key, "the existing key was changed")
    }

    @Test("a noise key readable by others, missing, or of the wrong size exits 78 and says how to fix it")
    func badKeys() throws {
        let scratch = try TemporaryDirectory()
        let policy = try scratch.write("policy.yaml", Self.yaml)
        let exposed = try scratch.write("exposed.key", Data(repeating: 7, count: 32))
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: exposed)
        let result = try DPWall.run(["filter", "--policy", policy, "--noise-key", exposed], in: scratch)
        #expect(result.status == 78)
        #expect(result.stderrText.contains("readable by group/others (mode 0644); run: chmod 600 \(exposed)"))
        let short = try scratch.write("short.key", Data(repeating: 7, count: 31))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: short)
        let wrongSize = try DPWall.run(["filter", "--policy", policy, "--noise-key", short], in: scratch)
        #expect(
            wrongSize.status == 78 && wrongSize.stderrText.contains("32-byte key")
                && wrongSize.stderrText.contains("31"),
            "\(wrongSize.stderrText)")
        let missing = try DPWall.run(
            ["filter", "--policy", policy, "--noise-key", scratch.file("none.key").path], in: scratch)
        #expect(missing.status == 78 && missing.stderrText.contains("dpwall keygen"), "\(missing.stderrText)")
        // A symbolic link to a good key is refused: the key must be named itself (no planted links).
        let good = try scratch.write("good.key", Data(repeating: 9, count: 32))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: good)
        let link = scratch.file("link.key").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: good)
        let linked = try DPWall.run(["filter", "--policy", policy, "--noise-key", link], in: scratch)
        #expect(linked.status == 78 && linked.stderrText.contains("symbolic link"), "\(linked.stderrText)")
        let long = try scratch.write("long.key", Data(repeating: 7, count: 33))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: long)
        let tooLong = try DPWall.run(["filter", "--policy", policy, "--noise-key", long], in: scratch)
        #expect(tooLong.status == 78 && tooLong.stderrText.contains("has 33 bytes"), "\(tooLong.stderrText)")
        let fine = try DPWall.run(["filter", "--policy", policy, "--noise-key", good], in: scratch)
        #expect(fine.status == 0, "\(fine.stderrText)")
    }

    @Test("--seed warns, is refused with --noise-key, and repeats its output")
    func seed() throws {
        let scratch = try TemporaryDirectory()
        let policy = try scratch.write("policy.yaml", Self.yaml)
        let key = scratch.file("noise.key").path
        _ = try DPWall.run(["keygen", "--noise-key", key], in: scratch)
        let both = try DPWall.run(["filter", "--policy", policy, "--seed", "1", "--noise-key", key], in: scratch)
        #expect(both.status == 64, "\(both.stderrText)")
        let input = Data(Self.record(id: "a", rows: ["[0.1,0.2,0.3,0.2,0.2]"]).utf8)
        let first = try DPWall.run(
            ["filter", "--policy", policy, "--seed", "9", "--ledger", ":memory:"], stdin: input, in: scratch)
        let second = try DPWall.run(
            ["filter", "--policy", policy, "--seed", "9", "--ledger", ":memory:"], stdin: input, in: scratch)
        let other = try DPWall.run(
            ["filter", "--policy", policy, "--seed", "10", "--ledger", ":memory:"], stdin: input, in: scratch)
        #expect(first.status == 0 && first.stderrText.contains("warning: --seed"), "\(first.stderrText)")
        #expect(first.stdout == second.stdout)
        #expect(first.stdout != other.stdout, "another seed gave the same noise")
    }

    @Test("released rows are clamped, normalized, rounded, keep only top_k, and carry their cost")
    func releasedRows() throws {
        let scratch = try TemporaryDirectory()
        let policy = try scratch.write("policy.yaml", Self.yaml)
        var input = ""
        for n in 0..<200 {
            input += Self.record(id: "r\(n)", rows: ["[0.1,0.2,0.3,0.2,0.2]", "[0.9,0.1,0,0,0]"])
        }
        let result = try DPWall.run(["filter", "--policy", policy], stdin: Data(input.utf8), in: scratch)
        #expect(result.status == 0, "\(result.stderrText)")
        var distinct = Set<String>()
        for line in result.lines {
            let (data, tensor, privacy) = try Self.released(line)
            #expect(tensor["datatype"] as? String == "FP32")
            #expect(tensor["shape"] as? [Int] == [2, 5])
            // Two rows, one release each: ε = 2 under basic composition of the record.
            #expect(privacy["epsilon"] as? Double == 2 && privacy["delta"] as? Double == 0, "\(privacy)")
            // The response came nested ([[…],[…]]), and the release keeps that form.
            let values = data.flatMap { ($0 as? [Any] ?? [$0]).compactMap { $0 as? Double } }
            #expect(data.count == 2, "nested rows: \(data)")
            #expect(values.count == 10)
            for row in 0..<2 {
                let slice = values[(row * 5)..<(row * 5 + 5)]
                #expect(slice.allSatisfy { $0 >= 0 && $0 <= 1 })
                #expect(slice.filter { $0 != 0 }.count <= 2, "top_k 2 kept \(slice)")
                #expect(slice.allSatisfy { ($0 * 1000).rounded() == $0 * 1000 }, "round 3: \(slice)")
                distinct.insert("\(slice)")
            }
        }
        #expect(result.lines.count == 200)
        #expect(distinct.count > 50, "the noise should vary from record to record")
    }

    @Test("label_only releases an INT64 class index of shape [batch, 1]")
    func labelOnly() throws {
        let scratch = try TemporaryDirectory()
        let policy = try scratch.write("policy.yaml", Self.yaml)
        let input = Self.record(id: "l", model: "label", rows: ["[0,1,0]", "[1,0,0]", "[0,0,1]"])
        let result = try DPWall.run(["filter", "--policy", policy], stdin: Data(input.utf8), in: scratch)
        let (data, tensor, privacy) = try Self.released(try #require(result.lines.first))
        #expect(tensor["datatype"] as? String == "INT64")
        #expect(tensor["shape"] as? [Int] == [3, 1])
        let labels = data.compactMap { ($0 as? [Any])?.first as? Int }
        #expect(labels.count == 3 && labels.allSatisfy { (0..<3).contains($0) }, "\(data)")
        #expect(privacy["epsilon"] as? Double == 3 && privacy["delta"] as? Double == 3e-6, "\(privacy)")
    }

    @Test("a privatized output whose rows have no elements is denied invalid_response")
    func emptyRows() throws {
        let scratch = try TemporaryDirectory()
        let policy = try scratch.write("policy.yaml", Self.yaml)
        let input = P.record(
            id: "e", model: "open", request: P.v2Request(P.tensor("x", "[2,2]", "FP32", "[0,1,1,0]")),
            response: P.v2Response("open", P.tensor("p", "[2,0]", "FP32", "[]")))
        let result = try DPWall.run(["filter", "--policy", policy], stdin: Data((input + "\n").utf8), in: scratch)
        #expect(result.status == 0)
        #expect(result.stdoutText.contains("\"code\":\"invalid_response\""), "\(result.stdoutText)")
        #expect(result.stdoutText.contains("rows of no elements"), "\(result.stdoutText)")
    }

    /// A noise key file of the 32 bytes `first, first + 1, …`, mode 0600.
    static func fixedKey(_ scratch: TemporaryDirectory, _ name: String, first: UInt8) throws -> String {
        let path = scratch.file(name).path
        let bytes = Data((0..<32).map { first &+ UInt8($0) })
        let text = "-----BEGIN DPWALL NOISE KEY-----\n\(bytes.base64EncodedString())\n-----END DPWALL NOISE KEY-----\n"
        #expect(
            FileManager.default.createFile(
                atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]))
        return path
    }

    /// A policy with an FP16 and a BF16 output, privatized and not rounded.
    static let narrowYAML = """
        version: 1
        auth: { mode: trusted, default_tier: free }
        tiers:
          free: { models: "*", budget: { epsilon: 100000, delta: 1.0e-3, window: 1d } }
        models:
          half:
            inputs:
              - { name: x, datatype: FP32, shape: [-1, 2] }
            outputs:
              - { name: p, datatype: FP16, shape: [-1, 4], privacy: { mechanism: laplace, epsilon: 2, clamp: [0, 1] } }
          brain:
            inputs:
              - { name: x, datatype: FP32, shape: [-1, 2] }
            outputs:
              - name: p
                datatype: BF16
                shape: [-1, 4]
                privacy: { mechanism: gaussian, epsilon: 2, delta: 1.0e-6, clamp: [0, 1] }

        """

    @Test("unrounded FP16 and BF16 releases are values of their datatype, and keyed repeats are byte-identical")
    func narrowDatatypes() throws {
        let scratch = try TemporaryDirectory()
        let policy = try scratch.write("policy.yaml", Self.narrowYAML)
        let key = try Self.fixedKey(scratch, "noise.key", first: 5)
        var input = ""
        for (model, datatype) in [("half", "FP16"), ("brain", "BF16")] {
            for k in 0..<8 {
                let rows = (0..<16).map { row in "[0.1,0.2,0.\(row % 9 + 1),0.4\(k)]" }
                input +=
                    P.record(
                        id: "\(model)-\(k)", model: model,
                        request: P.v2Request(
                            P.tensor(
                                "x", "[16,2]", "FP32",
                                "[" + Array(repeating: "[0.5,0.25]", count: 16).joined(separator: ",") + "]")),
                        response: P.v2Response(
                            model, P.tensor("p", "[16,4]", datatype, "[" + rows.joined(separator: ",") + "]")))
                    + "\n"
            }
        }
        let arguments = ["filter", "--policy", policy, "--noise-key", key, "--ledger", ":memory:"]
        let first = try DPWall.run(arguments, stdin: Data(input.utf8), in: scratch)
        #expect(first.status == 0, "\(first.stderrText)")
        #expect(first.lines.count == 16)
        var checked = 0
        for (index, line) in first.lines.enumerated() {
            let (data, tensor, _) = try Self.released(line)
            let half = index < 8
            #expect(tensor["datatype"] as? String == (half ? "FP16" : "BF16"))
            for case let row as [Any] in data {
                for case let number as NSNumber in row {
                    let value = number.doubleValue
                    if half {
                        #expect(Double(Float16(value)) == value, "\(value) is not an FP16 value")
                    } else {
                        // A BF16 value is an FP32 whose low 16 bits are zero.
                        let single = Float(value)
                        #expect(Double(single) == value && single.bitPattern & 0xFFFF == 0, "\(value) is not BF16")
                    }
                    #expect((0...1).contains(value))
                    checked += 1
                }
            }
        }
        #expect(checked == 16 * 16 * 4)
        let second = try DPWall.run(arguments + ["--threads", "1"], stdin: Data(input.utf8), in: scratch)
        #expect(second.stdout == first.stdout, "a keyed repeat changed its release")
    }

    @Test("--noise-key: the same question and raw answer get the same release, whatever the id and spelling")
    func keyedNoise() throws {
        let scratch = try TemporaryDirectory()
        let policy = try scratch.write("policy.yaml", Self.yaml)
        // Fixed keys, so that the outcome is the same in every run: with a key drawn afresh, two different
        // answers can now and then saturate to the same rounded release (three classes clamped at 1).
        let key = try Self.fixedKey(scratch, "noise.key", first: 0)
        let raw = "[0.1,0.2,0.3,0.2,0.2]"
        let input =
            Self.record(id: "a", request: "[0.5,0.25]", rows: [raw])
            + Self.record(id: "b", request: "[5e-1, 0.250]", rows: [raw])  // the same question, respelled
            + Self.record(id: "c", request: "[0.5,0.26]", rows: [raw])  // another question
            + Self.record(id: "d", request: "[0.5,0.25]", rows: ["[0.1,0.2,0.3,0.2,0.21]"])  // another raw answer
            + Self.record(id: "e", request: "[0,0.25]", rows: [raw])
            + Self.record(id: "f", request: "[-0.0,2.5e-1]", rows: [raw])  // −0 is the same input as 0
        let first = try DPWall.run(
            ["filter", "--policy", policy, "--noise-key", key, "--ledger", ":memory:"], stdin: Data(input.utf8),
            in: scratch)
        let second = try DPWall.run(
            ["filter", "--policy", policy, "--noise-key", key, "--threads", "1", "--ledger", ":memory:"],
            stdin: Data(input.utf8), in: scratch)
        #expect(first.status == 0, "\(first.stderrText)")
        let releases = try first.lines.map { try Self.released($0).data.map { "\($0)" } }
        #expect(releases.count == 6)
        #expect(releases[4] == releases[5], "−0 for 0 bought fresh noise")
        #expect(releases[0] == releases[1], "a respelled question got fresh noise")
        #expect(releases[0] != releases[2], "another question got the same noise")
        #expect(releases[0] != releases[3], "another raw answer got the same noise")
        #expect(first.stdout == second.stdout, "the same key gave different answers in two runs")
        let otherKey = try Self.fixedKey(scratch, "other.key", first: 32)
        let third = try DPWall.run(
            ["filter", "--policy", policy, "--noise-key", otherKey, "--ledger", ":memory:"], stdin: Data(input.utf8),
            in: scratch)
        #expect(third.stdout != first.stdout, "another key gave the same noise")
    }
}
