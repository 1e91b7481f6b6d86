import Foundation
import Testing

/// `dpwall filter --policy samples/policy.yaml samples/traffic.jsonl`, checked line by line against the ids'
/// tags (scripts/gen-traffic.py): `r-NNNNNN` is valid, `h-NNNNNN-CODE` must be denied with CODE.
@Suite("Sample traffic")
struct SampleRunTests {
    /// Models of the sample policy whose outputs are released with noise (and charged to the client's budget).
    static let noisedModels: Set<String> = ["digits", "sentiment"]

    /// The tag of a raw input line: (kind r/h, line number, expected code or nil).
    static func tag(of line: Data) -> (kind: Character, number: Int, code: String?)? {
        let text = String(decoding: line, as: UTF8.self)
        guard let match = text.firstMatch(of: #/\b([rh])-(\d{6,})(?:-([a-z0-9_]+))?/#),
            let number = Int(match.output.2)
        else { return nil }
        return (Character(String(match.output.1)), number, match.output.3.map(String.init))
    }

    @Test("every sample line gets its expected decision, in order, and the summary adds up")
    func sampleTraffic() throws {
        let traffic = DPWall.sample("traffic.jsonl")
        try #require(
            FileManager.default.fileExists(atPath: traffic.path),
            "samples/traffic.jsonl is missing: run scripts/gen-traffic.py")
        var input = splitLines(try Data(contentsOf: traffic))
        for index in input.indices where input[index].last == 0x0D { input[index].removeLast() }
        try #require(!input.isEmpty)

        let scratch = try TemporaryDirectory()
        let result = try DPWall.run(
            ["filter", "--policy", DPWall.sample("policy.yaml").path, traffic.path], in: scratch,
            directory: scratch.url)
        #expect(result.status == 0, "stderr: \(result.stderrText)")
        let rawOutput = result.lines
        #expect(rawOutput.count == input.count, "one output line per input line")
        #expect(result.stdoutEndsWithNewline)

        var allowed = 0
        var exhausted = 0
        /// Per client and window limit: the last position seen (spent ε never falls within a window).
        var lastSpent: [String: Double] = [:]
        var byCode: [String: Int] = [:]
        var hostileSeen = Set<String>()
        for (index, rawLine) in input.enumerated() where index < rawOutput.count {
            let number = index + 1
            let outputText = String(decoding: rawOutput[index].prefix(400), as: UTF8.self)
            guard let output = OutputLine(rawOutput[index]) else {
                Issue.record("output line \(number) does not parse: \(outputText)")
                continue
            }
            if let code = output.code {
                byCode[code, default: 0] += 1
                #expect(output.status == statusByCode[code], "line \(number): \(outputText)")
            } else {
                allowed += 1
            }
            let record = (try? JSONSerialization.jsonObject(with: rawLine)) as? [String: Any]
            if let lineNumber = output.lineNumber {
                #expect(lineNumber == number, "line \(number): \(outputText)")
            } else if let id = output.id {
                if let record {
                    #expect(id == record["id"] as? String, "line \(number): output id differs from input id")
                } else {
                    // JSONSerialization refuses some lines dpwall parses (1e400): look for the id in the raw line.
                    #expect(
                        rawLine.range(of: Data(#""id":"\#(id)""#.utf8)) != nil,
                        "line \(number): output id \(id) is not the input's")
                }
            }
            guard let tag = Self.tag(of: rawLine) else {
                Issue.record("input line \(number) has no r-/h- tag")
                continue
            }
            #expect(tag.number == number, "input line \(number) is tagged \(tag.number)")
            if tag.kind == "h" {
                let expected = try #require(tag.code, "line \(number): hostile tag without a code")
                hostileSeen.insert(expected)
                #expect(output.code == expected, "line \(number): expected \(expected), got \(outputText)")
            } else {
                let model = record?["model"] as? String ?? ""
                #expect(output.id == String(format: "r-%06d", number), "line \(number): \(outputText)")
                if output.code == "budget_exhausted" {
                    // A valid record whose client has spent its budget: only privatized releases are charged.
                    exhausted += 1
                    #expect(
                        Self.noisedModels.contains(model) && record?["response"] != nil,
                        "line \(number) (\(model)): nothing to charge, yet \(outputText)")
                    continue
                }
                #expect(output.isAllowed, "line \(number) (\(model)) should be allowed: \(outputText)")
                if record?["response"] != nil {
                    #expect(output.object["response"] != nil, "line \(number): no response released")
                    #expect(output.object["request"] == nil, "line \(number): the request was kept")
                    let privacy = output.object["privacy"] as? [String: Any]
                    let epsilon = privacy?["epsilon"] as? Double
                    #expect(epsilon != nil, "line \(number): no privacy annotation")
                    // Noised models cost ε > 0 per row; mechanism none costs nothing.
                    #expect(
                        (epsilon ?? 0 > 0) == Self.noisedModels.contains(model),
                        "line \(number) (\(model)): cost \(String(describing: epsilon))")
                    if let spent = (privacy?["spent"] as? [String: Any])?["epsilon"] as? Double,
                        let limit = (privacy?["limit"] as? [String: Any])?["epsilon"] as? Double
                    {
                        #expect(spent <= limit * (1 + 1e-12), "line \(number): spent \(spent) over limit \(limit)")
                        let key =
                            "\(record?["client"] ?? "")/\(limit)/\(String((record?["ts"] as? String ?? "").prefix(10)))"
                        #expect(spent >= lastSpent[key, default: 0], "line \(number): spent fell to \(spent)")
                        lastSpent[key] = spent
                    } else if Self.noisedModels.contains(model) {
                        Issue.record("line \(number): no spent/limit in \(outputText)")
                    }
                } else {
                    #expect(output.object["request"] != nil, "line \(number): the request was not passed on")
                }
            }
        }
        // The sample's free tier (epsilon 8 per day, 4 per release) runs out for its busiest clients.
        #expect(exhausted > 0, "the sample never exhausts a budget")
        #expect(hostileSeen.count >= 10, "the sample exercises only \(hostileSeen.sorted())")
        let summary = try #require(Summary(stderr: result.stderrText), "no summary: \(result.stderrText)")
        #expect(
            summary
                == Summary(
                    records: input.count, allowed: allowed, denied: byCode.values.reduce(0, +), byCode: byCode))
    }

    @Test("the sample policies' noised outputs are not swamped by their noise, and each warning is printed once")
    func samplePolicyCheck() throws {
        let scratch = try TemporaryDirectory()
        for name in ["policy.yaml", "policy-strict.yaml"] {
            let check = try DPWall.run(["policy", "check", DPWall.sample(name).path], in: scratch)
            #expect(check.status == 0, "\(check.stderrText)")
            #expect(!check.stdoutText.contains("noise swamps"), "\(name): \(check.stdoutText)")
            let warnings = check.stdoutText.split(separator: "\n").filter { $0.contains("WARNING") }
            #expect(Set(warnings).count == warnings.count && !warnings.isEmpty, "\(warnings)")
            // imagenet is not open to the free tier, so no free-tier budget is counted for it.
            let imagenet = try #require(check.stdoutText.components(separatedBy: "\nmodel imagenet\n").last)
            #expect(!imagenet.components(separatedBy: "\nmodel ")[0].contains("tier free:"))
        }
    }
}
