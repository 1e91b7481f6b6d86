import Foundation
import Testing

/// What allowed records look like: framing, rounding, protocols, flags.
@Suite("Record output")
struct RecordOutputTests {
    typealias P = TestPolicy

    /// Runs `dpwall filter --policy <test policy> FLAGS` on `input`.
    static func filter(_ input: String, _ flags: [String] = []) throws -> DPWallResult {
        try filter(Data(input.utf8), flags)
    }

    static func filter(_ input: Data, _ flags: [String] = []) throws -> DPWallResult {
        let scratch = try TemporaryDirectory()
        let policy = try P.write(in: scratch)
        return try DPWall.run(["filter", "--policy", policy] + flags, stdin: input, in: scratch)
    }

    /// The doubles of a nested JSON array of numbers, keeping the nesting depth `depth`.
    static func numbers2(_ value: Any?) -> [[Double]]? {
        (value as? [[NSNumber]])?.map { $0.map(\.doubleValue) }
    }

    static func firstOutputData(_ line: OutputLine) -> Any? {
        let response = line.object["response"] as? [String: Any]
        let outputs = response?["outputs"] as? [[String: Any]]
        return outputs?.first?["data"]
    }

    @Test("empty input gives empty output and exit 0")
    func emptyInput() throws {
        let result = try Self.filter("")
        #expect(result.status == 0)
        #expect(result.stdout.isEmpty)
        #expect(Summary(stderr: result.stderrText) == Summary(records: 0, allowed: 0, denied: 0, byCode: [:]))
    }

    @Test("CRLF line endings are accepted and not echoed")
    func crlf() throws {
        let input =
            P.record(id: "a", request: P.fraudRequest()) + "\r\n" + P.record(id: "b", request: P.fraudRequest())
            + "\r\n"
        let result = try Self.filter(input)
        #expect(result.status == 0)
        #expect(!result.stdout.contains(0x0D))
        let lines = parseOutput(result)
        #expect(lines.map(\.id) == ["a", "b"])
        let allAllowed = lines.allSatisfy { $0.isAllowed }
        #expect(allAllowed, "\(result.stdoutText)")
    }

    @Test("a last line without a newline is still a record")
    func lastLineWithoutNewline() throws {
        let input =
            P.record(id: "a", request: P.fraudRequest()) + "\n" + P.record(id: "b", request: P.fraudRequest())
        let result = try Self.filter(input)
        #expect(result.status == 0)
        #expect(result.stdoutEndsWithNewline)
        let lines = parseOutput(result)
        #expect(lines.map(\.id) == ["a", "b"])
        let allAllowed = lines.allSatisfy { $0.isAllowed }
        #expect(allAllowed, "\(result.stdoutText)")
    }

    @Test("released values are rounded to the policy's decimals")
    func rounding() throws {
        let input = P.record(
            id: "a", request: P.fraudRequest(), response: P.fraudResponse("[0.123456,0.876544]"))
        let result = try Self.filter(input)
        #expect(result.status == 0)
        let line = try #require(parseOutput(result).first)
        #expect(line.isAllowed, "\(line.text)")
        #expect(Self.numbers2([Self.firstOutputData(line) as Any]) == [[0.12, 0.88]], "\(line.text)")
        #expect(line.text.contains(#""data":[0.12,0.88]"#), "not written in shortest form: \(line.text)")
        #expect(!line.text.contains("0.123456") && !line.text.contains("0.876544"), "raw output leaked: \(line.text)")
        #expect(line.object["request"] == nil, "the request is dropped by default: \(line.text)")
        let response = try #require(line.object["response"] as? [String: Any])
        #expect(response["model_name"] as? String == "fraud")
    }

    @Test("TF Serving predictions keep their nesting")
    func tfPredictions() throws {
        let input = P.record(
            id: "a", request: #"{"instances":[\#(P.features())]}"#,
            response: #"{"predictions":[[0.123456,0.876544]]}"#)
        let result = try Self.filter(input)
        let line = try #require(parseOutput(result).first)
        #expect(line.isAllowed, "\(line.text)")
        let response = try #require(line.object["response"] as? [String: Any], "\(line.text)")
        #expect(Self.numbers2(response["predictions"]) == [[0.12, 0.88]], "\(line.text)")
        #expect(response["outputs"] == nil, "converted to v2: \(line.text)")
    }

    @Test("v2 nested data stays nested")
    func v2Nested() throws {
        let input = P.record(
            id: "a", model: "cube", request: P.v2Request(P.tensor("x", "[1,2,2]", "FP32", "[[[1,2],[3,4]]]")),
            response: P.v2Response("cube", P.tensor("y", "[1,2,2]", "FP32", "[[[0.111,0.222],[0.333,0.4449]]]")))
        let result = try Self.filter(input)
        let line = try #require(parseOutput(result).first)
        #expect(line.isAllowed, "\(line.text)")
        let data = try #require(Self.firstOutputData(line) as? [[[NSNumber]]], "\(line.text)")
        #expect(data.map { $0.map { $0.map(\.doubleValue) } } == [[[0.11, 0.22], [0.33, 0.44]]])
    }

    @Test("the privacy annotation is there by default and gone with --no-annotate")
    func annotate() throws {
        let input = P.record(id: "a", request: P.fraudRequest(), response: P.fraudResponse())
        let annotated = try #require(parseOutput(try Self.filter(input)).first)
        #expect(annotated.isAllowed && annotated.object["privacy"] is [String: Any], "\(annotated.text)")
        let plain = try #require(parseOutput(try Self.filter(input, ["--no-annotate"])).first)
        #expect(plain.isAllowed, "\(plain.text)")
        #expect(plain.object["privacy"] == nil, "\(plain.text)")
        #expect(plain.object["response"] != nil, "\(plain.text)")
    }

    @Test("--keep-request keeps the request next to the response")
    func keepRequest() throws {
        let request = P.fraudRequest()
        let input = P.record(id: "a", request: request, response: P.fraudResponse())
        let line = try #require(parseOutput(try Self.filter(input, ["--keep-request"])).first)
        #expect(line.isAllowed, "\(line.text)")
        #expect(line.object["response"] != nil)
        let kept = try #require(line.object["request"] as? NSDictionary, "\(line.text)")
        let sent = try #require(try JSONSerialization.jsonObject(with: Data(request.utf8)) as? NSDictionary)
        #expect(kept.isEqual(sent), "\(line.text)")
    }

    @Test("a request-only record passes the request through, with the envelope and passthrough fields")
    func requestOnly() throws {
        let request = P.intsRequest(age: "42", flags: "[1,0,255,3]")
        let input = P.record(
            id: "r.1:x-y", model: "ints", extra: #","version":"2026.1","trace_id":{"span":[1,"two"]}"#,
            request: request)
        let result = try Self.filter(input)
        let line = try #require(parseOutput(result).first)
        #expect(line.isAllowed, "\(line.text)")
        #expect(line.id == "r.1:x-y")
        #expect(line.object["ts"] as? String == P.ts)
        #expect(line.object["client"] as? String == "c1")
        #expect(line.object["model"] as? String == "ints")
        #expect(line.object["version"] as? String == "2026.1")
        let trace = try #require(line.object["trace_id"] as? NSDictionary, "\(line.text)")
        let sentTrace = try #require(
            try JSONSerialization.jsonObject(with: Data(#"{"span":[1,"two"]}"#.utf8)) as? NSDictionary)
        #expect(trace.isEqual(sentTrace))
        let passed = try #require(line.object["request"] as? NSDictionary, "\(line.text)")
        let sent = try #require(try JSONSerialization.jsonObject(with: Data(request.utf8)) as? NSDictionary)
        #expect(passed.isEqual(sent), "\(line.text)")
        #expect(line.object["response"] == nil && line.object["privacy"] == nil, "\(line.text)")
    }

    @Test("boundary values that are valid are allowed")
    func validBoundaries() throws {
        let lines = [
            P.record(id: "tiny", request: P.fraudRequest(first: "1e-400")),
            P.record(id: "edge", request: P.fraudRequest(first: "-5")),
            P.record(id: "exp", request: P.fraudRequest(first: "5E0")),
            P.record(
                id: "u64max", model: "big",
                request: P.v2Request(P.tensor("n", "[1,1]", "UINT64", "[18446744073709551615]"))),
            P.record(id: "age0", model: "ints", request: P.intsRequest(age: "0", flags: "[0,0,0,255]")),
            P.record(
                id: "pro", client: "acme", model: "secret", request: P.v2Request(P.tensor("x", "[1,1]", "FP32", "[1]"))),
            P.record(id: "ok-text", model: "text", request: P.textRequest(#""ignore some instructions""#)),
            P.record(
                id: "maxbatch",
                request: P.v2Request(P.tensor("features", "[4,30]", "FP32", "[" + P.repeated("0", 120) + "]"))),
            P.record(id: "offset", request: P.fraudRequest()).replacingOccurrences(
                // P.ts itself, written with an offset (an earlier instant would be late_event).
                of: P.ts, with: "2026-11-26T15:30:00.0+05:30"),
            P.record(
                id: "nested-in", model: "cube",
                request: P.v2Request(P.tensor("x", "[2,2,2]", "FP32", "[[[1,2],[3,4]],[[5,6],[7,8]]]"))),
        ]
        let result = try Self.filter(lines.joined(separator: "\n") + "\n")
        #expect(result.status == 0)
        let output = parseOutput(result)
        #expect(
            output.map(\.id) == [
                "tiny", "edge", "exp", "u64max", "age0", "pro", "ok-text", "maxbatch", "offset", "nested-in",
            ])
        for line in output {
            #expect(line.isAllowed, "\(line.text)")
        }
    }
}
