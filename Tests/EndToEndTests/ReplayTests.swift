import Foundation
import Testing

/// `dpwall replay` through the real binary: deterministic summaries, a comparison with the same policy that
/// changes nothing, a stricter rate that denies exactly the records nginx's arithmetic says, budget exhaustion
/// times, and `--output` equal to what `filter` releases.
@Suite("Replay")
struct ReplayTests {
    static func json(_ result: DPWallResult) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: result.stdout) as? [String: Any], "\(result.stdoutText)")
    }

    @Test("the same input, policy and seed give the same summary twice; --against the same policy changes nothing")
    func deterministicAndSamePolicy() throws {
        let scratch = try TemporaryDirectory()
        let policy = DPWall.sample("policy.yaml").path
        let traffic = DPWall.sample("traffic.jsonl").path
        let arguments = ["replay", "--policy", policy, "--against", policy, "--format", "json", "--seed", "5", traffic]
        let first = try DPWall.run(arguments, in: scratch)
        let second = try DPWall.run(arguments + ["--threads", "1"], in: scratch)
        #expect(first.status == 0, "\(first.stderrText)")
        #expect(first.stdout == second.stdout)
        let summary = try Self.json(first)
        let comparison = try #require(summary["comparison"] as? [String: Any])
        #expect(comparison["changed"] as? Int == 0)
        #expect((comparison["transitions"] as? [Any])?.isEmpty == true)
        #expect(comparison["clients_affected"] as? Int == 0)
        var primary = try #require(summary["primary"] as? [String: Any])
        var against = try #require(summary["against"] as? [String: Any])
        primary["policy"] = nil
        against["policy"] = nil
        #expect(NSDictionary(dictionary: primary).isEqual(to: against))
        #expect(primary["records"] as? Int == 2000)
        // The counts are filter's: its summary line names the same codes with the same numbers.
        let filtered = try DPWall.run(
            ["filter", "--policy", policy, "--ledger", ":memory:", "--no-audit", "--seed", "5", traffic], in: scratch)
        let byCode = try #require(primary["denied_by_code"] as? [String: Int])
        for (code, count) in byCode { #expect(filtered.stderrText.contains("\(code) \(count)"), "\(code)") }
        #expect(filtered.stderrText.contains("\(primary["allowed"] as? Int ?? -1) allowed"))
        // No ledger or archive is left behind by default.
        #expect(!FileManager.default.fileExists(atPath: scratch.file("dpwall.db").path))
        #expect(!FileManager.default.fileExists(atPath: scratch.file("dpwall-audit").path))
    }

    @Test("--output holds exactly what filter releases with the same seed")
    func outputAsFilter() throws {
        let scratch = try TemporaryDirectory()
        let policy = DPWall.sample("policy.yaml").path
        let traffic = DPWall.sample("traffic.jsonl").path
        let output = scratch.file("released.jsonl").path
        let replayed = try DPWall.run(
            ["replay", "--policy", policy, "--seed", "9", "--output", output, traffic], in: scratch)
        #expect(replayed.status == 0, "\(replayed.stderrText)")
        let filtered = try DPWall.run(
            ["filter", "--policy", policy, "--ledger", ":memory:", "--no-audit", "--seed", "9", traffic], in: scratch)
        #expect(filtered.status == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: output)) == filtered.stdout)
        #expect(filtered.lines.count == 2000)
    }

    @Test("a lower rate denies exactly the records nginx's limit_req would, and the comparison names them")
    func lowerRate() throws {
        let scratch = try TemporaryDirectory()
        let loose = try scratch.write(
            "loose.yaml", LimitTests.policy(tiers: "  t0: { models: \"*\", rate: 10/s, burst: 0 }"))
        let strict = try scratch.write(
            "strict.yaml", LimitTests.policy(tiers: "  t0: { models: \"*\", rate: 1/s, burst: 0 }"))
        // c1 asks every 200 ms: 10/s lets all through; 1/s (no burst) one per second, at 0, 1000, 2000, 3000 ms.
        // c2 asks every 1000 ms and passes both.
        let start: Int64 = 1_795_000_000_000
        var input = ""
        for k in 0..<20 {
            input += LimitTests.record(id: String(format: "r%02d", k), client: "c1", ms: start + Int64(k) * 200)
            if k % 5 == 0 { input += LimitTests.record(id: "q\(k)", client: "c2", ms: start + Int64(k) * 200) }
        }
        let result = try DPWall.run(
            ["replay", "--policy", loose, "--against", strict, "--format", "json"], stdin: Data(input.utf8),
            in: scratch)
        #expect(result.status == 0, "\(result.stderrText)")
        let summary = try Self.json(result)
        let primary = try #require(summary["primary"] as? [String: Any])
        let against = try #require(summary["against"] as? [String: Any])
        #expect((primary["limits"] as? [String: Any])?["rate_limited"] as? Int == 0)
        #expect((against["limits"] as? [String: Any])?["rate_limited"] as? Int == 16)
        let comparison = try #require(summary["comparison"] as? [String: Any])
        #expect(comparison["changed"] as? Int == 16)
        #expect(comparison["clients_affected"] as? Int == 1)
        let transitions = try #require(comparison["transitions"] as? [[String: Any]])
        #expect(transitions.count == 1)
        #expect(transitions.first?["from"] as? String == "allow")
        #expect(transitions.first?["to"] as? String == "rate_limited")
        let examples = try #require(comparison["examples"] as? [[String: Any]])
        #expect(examples.first?["client"] as? String == "c1")
        #expect(examples.first?["ids"] as? [String] == ["r01", "r02", "r03"])
        // The table says the same.
        let table = try DPWall.run(
            ["replay", "--policy", loose, "--against", strict], stdin: Data(input.utf8), in: scratch)
        #expect(table.stdoutText.contains("16 of 24 decisions changed, for 1 clients"), "\(table.stdoutText)")
    }

    @Test("who exhausted their budget and when, on event time; the ledger says what the summary says")
    func exhaustion() throws {
        let scratch = try TemporaryDirectory()
        let policy = try scratch.write("policy.yaml", BudgetTests.yaml)
        let ledger = scratch.file("replay.db").path
        var input = ""
        for k in 0..<5 { input += BudgetTests.record(id: "a\(k)", ts: "2026-11-26T10:00:0\(k)Z") }
        input += BudgetTests.record(id: "b0", client: "big", ts: "2026-11-26T10:00:09Z")
        let result = try DPWall.run(
            ["replay", "--policy", policy, "--ledger", ledger, "--format", "json"], stdin: Data(input.utf8),
            in: scratch)
        #expect(result.status == 0, "\(result.stderrText)")
        let primary = try #require(try Self.json(result)["primary"] as? [String: Any])
        let exhausted = try #require(primary["exhausted"] as? [[String: Any]])
        #expect(exhausted.count == 1)
        #expect(exhausted.first?["client"] as? String == "c")
        #expect(exhausted.first?["at"] as? String == "2026-11-26T10:00:03Z")
        #expect(exhausted.first?["line"] as? Int == 4)
        #expect(exhausted.first?["denials"] as? Int == 2)
        let top = try #require(primary["top_clients"] as? [[String: Any]])
        #expect(top.map { $0["client"] as? String } == ["c", "big"])
        #expect(top.first?["charged_epsilon"] as? Double == 3)
        let shown = try DPWall.run(["budget", "show", "--ledger", ledger, "--format", "json", "c"], in: scratch)
        #expect(shown.stdoutText.contains("\"spent_epsilon\":3,"), "\(shown.stdoutText)")
        #expect(top.first?["spent_epsilon"] as? Double == 3)
    }

    @Test("each policy holds lines to its own max_record_bytes, whichever is the larger")
    func ownLineLimits() throws {
        let scratch = try TemporaryDirectory()
        let tiers = "  t0: { models: \"*\" }"
        let loose = try scratch.write("loose.yaml", LimitTests.policy(tiers: tiers))
        let strict = try scratch.write(
            "strict.yaml", LimitTests.policy(tiers: tiers, limits: "limits: { max_record_bytes: 128 }"))
        let start: Int64 = 1_795_000_000_000
        var input = ""
        for k in 0..<3 { input += LimitTests.record(id: "r\(k)", client: "c", ms: start + Int64(k) * 1000) }
        input += String(repeating: "x", count: 50) + "\n"
        #expect(LimitTests.record(id: "r0", client: "c", ms: start).utf8.count > 129)
        for (primary, against, from, to) in [
            (loose, strict, "allow", "too_large"), (strict, loose, "too_large", "allow"),
        ] {
            let output = scratch.file("out-\(from).jsonl").path
            let result = try DPWall.run(
                ["replay", "--policy", primary, "--against", against, "--format", "json", "--output", output],
                stdin: Data(input.utf8), in: scratch)
            #expect(result.status == 0, "\(result.stderrText)")
            let comparison = try #require(try Self.json(result)["comparison"] as? [String: Any])
            let transitions = try #require(comparison["transitions"] as? [[String: Any]])
            #expect(transitions.count == 1)
            #expect(transitions.first?["from"] as? String == from)
            #expect(transitions.first?["to"] as? String == to)
            #expect(transitions.first?["records"] as? Int == 3)
            // The primary's own lines: its own limit, named in its message.
            let lines = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n")
            #expect(lines.count == 4)
            let tooLarge = lines.filter { $0.contains("\"too_large\"") }
            #expect(tooLarge.count == (primary == strict ? 3 : 0))
            #expect(tooLarge.allSatisfy { $0.contains("limits.max_record_bytes (128)") })
        }
    }

    @Test("--top cuts the table's lists and says how many it left out; the JSON lists every client")
    func topCutsOnlyTheTable() throws {
        let scratch = try TemporaryDirectory()
        let policy = DPWall.sample("policy.yaml").path
        let traffic = DPWall.sample("traffic.jsonl").path
        let json = try Self.json(
            try DPWall.run(["replay", "--policy", policy, "--format", "json", traffic], in: scratch))
        let cut = try Self.json(
            try DPWall.run(["replay", "--policy", policy, "--format", "json", "--top", "3", traffic], in: scratch))
        #expect(NSDictionary(dictionary: json).isEqual(to: cut), "--top changes nothing in the JSON")
        let primary = try #require(json["primary"] as? [String: Any])
        let exhausted = try #require(primary["exhausted"] as? [[String: Any]])
        #expect(exhausted.count == 32)
        #expect(primary["exhausted_clients"] as? Int == 32)
        let charged = try #require(primary["top_clients"] as? [[String: Any]])
        #expect(charged.count == 40)
        // The table: ten of each by default, and a line saying how many more there are.
        let table = try DPWall.run(["replay", "--policy", policy, traffic], in: scratch)
        #expect(table.status == 0, "\(table.stderrText)")
        let text = table.stdoutText
        #expect(text.contains("clients that exhausted their budget: 32\n"), "\(text)")
        #expect(text.contains("    … and 22 more; --top N to see more"), "\(text)")
        #expect(text.contains("epsilon charged per client (top 10 of 40)"), "\(text)")
        #expect(text.contains("    … and 30 more; --top N to see more"), "\(text)")
        // Tables for people: four significant digits.
        #expect(text.contains("157.4 "), "\(text)")
        #expect(!text.contains("157.44545951048144"), "\(text)")
        let whole = try DPWall.run(["replay", "--policy", policy, "--top", "40", traffic], in: scratch)
        #expect(!whole.stdoutText.contains("more; --top N"), "\(whole.stdoutText)")
        #expect(whole.stdoutText.contains("vandelay"))
    }
}
