import Foundation
import Testing

/// What a new user reads (issue 21, item 7): numbers for people with four significant digits (every digit in JSON
/// and CSV), the columns the docs list, counts that add up, a rate said the way it is enforced.
@Suite("Output for people")
struct ReadableOutputTests {
    @Test("budget show's table has the delta columns and four significant digits; its JSON and CSV every digit")
    func budgetShow() throws {
        let scratch = try TemporaryDirectory()
        let ledger = scratch.file("s.db").path
        let run = try DPWall.run(
            [
                "filter", "--quiet", "--policy", DPWall.sample("policy.yaml").path, "--ledger", ledger, "--no-audit",
                DPWall.sample("traffic.jsonl").path,
            ], in: scratch)
        #expect(run.status == 0, "\(run.stderrText)")
        let table = try DPWall.run(["budget", "show", "--ledger", ledger, "acme"], in: scratch)
        #expect(table.status == 0, "\(table.stderrText)")
        let lines = table.stdoutText.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        #expect(
            lines.first
                == [
                    "client", "tier", "window_start", "window_end", "spent_epsilon", "limit_epsilon", "used_percent",
                    "spent_delta", "limit_delta", "releases", "denials",
                ], "\(table.stdoutText)")
        #expect(lines.last?[4...] == ["157.4", "160", "98.4", "1e-05", "1e-05", "41", "63"], "\(table.stdoutText)")
        let csv = try DPWall.run(["budget", "show", "--ledger", ledger, "--format", "csv", "acme"], in: scratch)
        #expect(csv.stdoutText.contains(",157.44545951048144,160,98.4,1e-05,1e-05,"), "\(csv.stdoutText)")
        let json = try DPWall.run(["budget", "show", "--ledger", ledger, "--format", "json", "acme"], in: scratch)
        #expect(json.stdoutText.contains("\"spent_epsilon\":157.44545951048144"), "\(json.stdoutText)")
        // The report's table and its fleet line too.
        let report = try DPWall.run(["report", "--ledger", ledger], in: scratch)
        #expect(report.stdoutText.contains("internal 323.2 over 2 clients, pro 435.6 over 5 clients"))
        #expect(!report.stdoutText.contains("157.44545951048144"), "\(report.stdoutText)")
    }

    @Test("policy check says a rate as the limiter enforces it and its denials say it")
    func policyRate() throws {
        let scratch = try TemporaryDirectory()
        let check = try DPWall.run(["policy", "check", DPWall.sample("policy-strict.yaml").path], in: scratch)
        #expect(check.status == 0, "\(check.stderrText)")
        #expect(!check.stdoutText.contains("0.016666666666666666"), "\(check.stdoutText)")
        #expect(
            check.stdoutText.contains(
                "rate: 0.016 requests/s (0.01667 in the policy, counted in milli-requests as nginx does), burst"),
            "\(check.stdoutText)")
        // The denial of the same limit names the same rate.
        let replay = try DPWall.run(
            [
                "replay", "--policy", DPWall.sample("policy-strict.yaml").path, "--output", scratch.file("o").path,
                DPWall.sample("traffic.jsonl").path,
            ], in: scratch)
        #expect(replay.status == 0, "\(replay.stderrText)")
        let output = try String(contentsOfFile: scratch.file("o").path, encoding: .utf8)
        #expect(output.contains("over the client's rate of 0.016 requests/s"))
    }

    @Test("audit verify's count of problems is what it lists plus what the \"… more\" line stands for")
    func verifyCount() throws {
        let scratch = try TemporaryDirectory()
        let policy = try scratch.write("policy.yaml", BudgetTests.yaml)
        // 130 charges in a ledger written without the archive; the archive holds one other run's entry.
        var input = ""
        for k in 0..<130 {
            input += BudgetTests.record(
                id: "b\(k)", client: "big", ts: String(format: "2026-11-26T10:%02d:%02dZ", k / 60, k % 60))
        }
        let ledger = scratch.file("ledger.db").path
        let audit = scratch.file("audit").path
        let charged = try DPWall.run(
            ["filter", "--quiet", "--policy", policy, "--ledger", ledger, "--no-audit"], stdin: Data(input.utf8),
            in: scratch)
        #expect(charged.status == 0, "\(charged.stderrText)")
        let logged = try DPWall.run(
            ["filter", "--quiet", "--policy", policy, "--ledger", scratch.file("other.db").path, "--audit", audit],
            stdin: Data(BudgetTests.record(id: "x").utf8), in: scratch)
        #expect(logged.status == 0, "\(logged.stderrText)")
        let verify = try DPWall.run(["audit", "verify", audit, "--ledger", ledger], in: scratch)
        #expect(verify.status == 1, "\(verify.stderrText)")
        let lines = verify.stdoutText.split(separator: "\n").map(String.init)
        let problems = lines.filter { !$0.hasPrefix("note: ") && !$0.hasPrefix("dpwall: ") }
        // 130 charges without entries and the ledger without an anchor: 131 problems, 100 listed.
        #expect(problems.filter { $0.hasPrefix("charge of client big") }.count == 99, "\(verify.stdoutText)")
        let more = try #require(problems.first { $0.hasPrefix("… ") }, "\(verify.stdoutText)")
        #expect(more == "… and 31 more problems (131 in all)")
        let summary = try #require(lines.last)
        let count = try #require(summary.firstMatch(of: #/: (\d+) problems?$/#).flatMap { Int($0.output.1) })
        #expect(count == problems.count - 1 + 31, "\(verify.stdoutText)")
    }

    @Test("a YAML syntax error names the file and position once, as policy.md shows it")
    func yamlSyntaxError() throws {
        let scratch = try TemporaryDirectory()
        let policy = try scratch.write("bad.yaml", "version: 1\ntiers: [\n  x: {")
        for arguments in [["policy", "check", policy], ["filter", "--policy", policy, "--ledger", ":memory:"]] {
            let result = try DPWall.run(arguments, in: scratch)
            #expect(result.status == 78, "\(result.stderrText)")
            #expect(result.stderrText.hasPrefix("dpwall: \(policy):4:1: YAML syntax error: "), "\(result.stderrText)")
            #expect(result.stderrText.components(separatedBy: policy).count == 2, "\(result.stderrText)")
            #expect(!result.stderrText.contains("(line 4, column 1)"), "\(result.stderrText)")
        }
    }
}
