import Foundation
import Testing

/// Budgets and the ledger through the real binary: exhaustion, atomic records, windows on event time, retries
/// and duplicate ids, the one-writer lock, `:memory:`, and `budget show/grant/reset`.
@Suite("Budgets and the ledger")
struct BudgetTests {
    /// One Laplace output of ε = 1 per row; basic accounting, so positions are exact sums. The free tier has
    /// ε = 3 per hour; `big` has 1000 per day.
    static let yaml = """
        version: 1
        auth: { mode: trusted, default_tier: free }
        tiers:
          free: { models: "*", budget: { epsilon: 3, window: 1h } }
          none: { models: "*" }
        clients:
          big: { budget: { epsilon: 1000, window: 1d } }
          nobudget: { tier: none }
        accounting: basic
        models:
          m:
            inputs:
              - { name: x, datatype: FP32, shape: [-1, 1] }
            outputs:
              - name: p
                datatype: FP32
                shape: [-1, 2]
                privacy: { mechanism: laplace, epsilon: 1, clamp: [0, 1], round: 2 }

        """

    /// A record of `rows` rows asking `x` and answered `answer` (each row the same).
    static func record(
        id: String, client: String = "c", ts: String = "2026-11-26T10:00:00Z", rows: Int = 1, x: String = "0.5",
        answer: String = "[0.25,0.75]"
    ) -> String {
        let xs = Array(repeating: "[\(x)]", count: rows).joined(separator: ",")
        let ps = Array(repeating: answer, count: rows).joined(separator: ",")
        return #"{"id":"\#(id)","ts":"\#(ts)","client":"\#(client)","model":"m","request":{"inputs":"#
            + #"[{"name":"x","shape":[\#(rows),1],"datatype":"FP32","data":[\#(xs)]}]},"response":"#
            + #"{"model_name":"m","outputs":[{"name":"p","shape":[\#(rows),2],"datatype":"FP32","data":[\#(ps)]}]}}"#
            + "\n"
    }

    static func privacy(_ line: OutputLine) -> (cost: Double, spent: Double, limit: Double)? {
        guard let privacy = line.object["privacy"] as? [String: Any], let cost = privacy["epsilon"] as? Double,
            let spent = (privacy["spent"] as? [String: Any])?["epsilon"] as? Double,
            let limit = (privacy["limit"] as? [String: Any])?["epsilon"] as? Double
        else { return nil }
        return (cost, spent, limit)
    }

    static func outputs(_ result: DPWallResult) -> [OutputLine] { result.lines.compactMap(OutputLine.init) }

    @Test("a client's budget runs out on event time, a record is all or nothing, and a new window starts afresh")
    func exhaustionAndWindows() throws {
        let scratch = try TemporaryDirectory()
        let policy = try scratch.write("policy.yaml", Self.yaml)
        var input = ""
        input += Self.record(id: "a1", ts: "2026-11-26T10:00:00Z")
        input += Self.record(id: "a2", ts: "2026-11-26T10:10:00Z")
        // Two rows (ε 2) do not fit in the 1 left: denied whole, nothing charged.
        input += Self.record(id: "a3", ts: "2026-11-26T10:20:00Z", rows: 2)
        input += Self.record(id: "a4", ts: "2026-11-26T10:30:00Z")
        input += Self.record(id: "a5", ts: "2026-11-26T10:40:00Z")
        // The next hour is a new window, in the middle of the stream.
        input += Self.record(id: "a6", ts: "2026-11-26T11:00:00Z", rows: 2)
        input += Self.record(id: "a7", ts: "2026-11-26T11:59:59.999Z")
        input += Self.record(id: "a8", ts: "2026-11-26T11:59:59.999Z")
        // A client whose tier has no budget gets nothing privatized.
        input += Self.record(id: "n1", client: "nobudget", ts: "2026-11-26T11:59:59.999Z")
        let result = try DPWall.run(["filter", "--policy", policy], stdin: Data(input.utf8), in: scratch)
        #expect(result.status == 0, "\(result.stderrText)")
        let lines = Self.outputs(result)
        try #require(lines.count == 9)
        let expected: [(code: String?, spent: Double?)] = [
            (nil, 1), (nil, 2), ("budget_exhausted", nil), (nil, 3), ("budget_exhausted", nil), (nil, 2), (nil, 3),
            ("budget_exhausted", nil), ("budget_exhausted", nil),
        ]
        for (index, line) in lines.enumerated() {
            #expect(line.code == expected[index].code, "line \(index + 1): \(line.raw)")
            if let spent = expected[index].spent {
                #expect(Self.privacy(line)?.spent == spent, "line \(index + 1): \(line.raw)")
                #expect(Self.privacy(line)?.limit == 3)
            }
        }
        #expect(lines[2].message?.contains("would take the client to epsilon 4 of its limit 3") == true)
        #expect(lines[8].message?.contains("no privacy budget") == true)
        #expect(result.stderrText.contains("budget_exhausted 4"))

        // The ledger agrees: budget show lists the latest window.
        let show = try DPWall.run(["budget", "show", "c", "--format", "json"], in: scratch)
        #expect(show.status == 0, "\(show.stderrText)")
        let rows = try #require(try JSONSerialization.jsonObject(with: show.stdout) as? [[String: Any]])
        #expect(rows.count == 1)
        #expect(rows.first?["window_start"] as? String == "2026-11-26T11:00:00Z")
        #expect(rows.first?["spent_epsilon"] as? Double == 3)
        #expect(rows.first?["releases"] as? Int == 3)
        #expect(rows.first?["denials"] as? Int == 1)
    }

    @Test("budget denials take their place in --rejects: the file stays in input order")
    func rejectsInOrder() throws {
        let scratch = try TemporaryDirectory()
        let policy = try scratch.write("policy.yaml", Self.yaml)
        var input = ""
        for n in 0..<4 { input += Self.record(id: "o\(n)", ts: "2026-11-26T10:0\(n):00Z") }  // the 4th is over budget
        input += "{not json\n"
        input += Self.record(id: "o4", ts: "2026-11-26T10:05:00Z")  // over budget
        input += "[]\n"
        let rejects = scratch.file("rejects.jsonl").path
        let result = try DPWall.run(
            ["filter", "--policy", policy, "--rejects", rejects], stdin: Data(input.utf8), in: scratch)
        #expect(result.status == 0)
        let lines = splitLines(try Data(contentsOf: URL(fileURLWithPath: rejects)))
        let numbers = lines.compactMap { line in
            (try? JSONSerialization.jsonObject(with: line) as? [String: Any])?["line"] as? Int
        }
        let codes = lines.compactMap { line in
            (try? JSONSerialization.jsonObject(with: line) as? [String: Any])?["code"] as? String
        }
        #expect(numbers == [4, 5, 6, 7], "\(numbers)")
        #expect(codes == ["budget_exhausted", "malformed_json", "budget_exhausted", "malformed_json"], "\(codes)")
    }

    @Test("retries: duplicate_id without a key; with --noise-key the same answer and no new charge")
    func retries() throws {
        let scratch = try TemporaryDirectory()
        let policy = try scratch.write("policy.yaml", Self.yaml)
        let key = scratch.file("noise.key").path
        _ = try DPWall.run(["keygen", "--noise-key", key], in: scratch)
        let first = Self.record(id: "r1", client: "big") + Self.record(id: "r2", client: "big", x: "0.25")

        // Without a key: a rerun is all duplicate_id, and nothing more is charged.
        let plain = try DPWall.run(
            ["filter", "--policy", policy, "--ledger", "plain.db"], stdin: Data(first.utf8), in: scratch)
        let again = try DPWall.run(
            ["filter", "--policy", policy, "--ledger", "plain.db"], stdin: Data(first.utf8), in: scratch)
        #expect(plain.status == 0 && again.status == 0)
        #expect(Self.outputs(plain).allSatisfy { $0.isAllowed })
        #expect(Self.outputs(again).map(\.code) == ["duplicate_id", "duplicate_id"])
        #expect(Self.outputs(again).first?.message?.contains("a retry is answered again only under") == true)

        // With a key: the rerun gets the very same lines, its first decision's cost and position included
        // (privacy.md, "Exactly once under redelivery"), and nothing more is charged.
        // A ledger of its own has an archive of its own.
        let keyed = [
            "filter", "--policy", policy, "--ledger", "keyed.db", "--audit", "keyed-audit", "--noise-key", key,
        ]
        let one = try DPWall.run(keyed, stdin: Data(first.utf8), in: scratch)
        // The same content under a new id is a repeat too; the same id with new content is not.
        let second =
            first + Self.record(id: "r9", client: "big") + Self.record(id: "r1", client: "big", x: "0.75")
        let two = try DPWall.run(keyed, stdin: Data(second.utf8), in: scratch)
        #expect(one.status == 0 && two.status == 0, "\(one.stderrText) \(two.stderrText)")
        let a = Self.outputs(one)
        let b = Self.outputs(two)
        try #require(a.count == 2 && b.count == 4)
        for k in 0..<2 {
            let before = try #require(Self.privacy(a[k]))
            let after = try #require(Self.privacy(b[k]), "\(b[k].raw)")
            #expect(before.cost == 1 && after.cost == 1)
            #expect(after.spent == before.spent, "the retry moved the position: \(b[k].raw)")
            #expect(a[k].raw == b[k].raw, "a retry is not its first line")
            #expect(
                (a[k].object["response"] as? NSDictionary) == (b[k].object["response"] as? NSDictionary),
                "a retry got a different answer")
        }
        #expect((b[2].object["response"] as? NSDictionary) == (a[0].object["response"] as? NSDictionary))
        #expect(Self.privacy(b[2])?.cost == 0)
        #expect(b[3].code == "duplicate_id")
        #expect(b[3].message?.contains("with different content") == true)
    }

    @Test("one writer per ledger: a second filter or a grant exits 75 naming the holder; show still reads")
    func lock() throws {
        let scratch = try TemporaryDirectory()
        let policy = try scratch.write("policy.yaml", Self.yaml)
        let holder = try StreamingProcess(["filter", "--policy", policy, "--ledger", "shared.db"], in: scratch)
        try holder.write(Data(Self.record(id: "h1", client: "big").utf8))
        let line = try holder.readOutputLine()
        #expect(line.isAllowed, "\(line.raw)")

        let second = try DPWall.run(
            ["filter", "--policy", policy, "--ledger", "shared.db"], stdin: Data(Self.record(id: "h2").utf8),
            in: scratch)
        #expect(second.status == 75)
        #expect(second.stdout.isEmpty, "the locked-out filter wrote output")
        #expect(second.stderrText.contains("process \(holder.process.processIdentifier)"), "\(second.stderrText)")
        #expect(second.stderrText.contains("dpwall-ledger-"), "\(second.stderrText)")
        let grant = try DPWall.run(
            ["budget", "grant", "big", "--epsilon", "1", "--reason", "test", "--ledger", "shared.db"], in: scratch)
        #expect(grant.status == 75, "\(grant.stderrText)")
        // A reader needs no lock, and sees the committed charge.
        let show = try DPWall.run(["budget", "show", "--ledger", "shared.db", "--format", "csv"], in: scratch)
        #expect(show.status == 0, "\(show.stderrText)")
        #expect(show.stdoutText.contains("\nbig,"), "\(show.stdoutText)")

        try holder.closeStdin()
        #expect(holder.wait().status == 0)
        let after = try DPWall.run(
            ["filter", "--policy", policy, "--ledger", "shared.db"], stdin: Data(Self.record(id: "h2").utf8),
            in: scratch)
        #expect(after.status == 0, "the lock outlived its holder: \(after.stderrText)")
    }

    @Test(":memory: leaves no file behind, no archive unless --audit asks, and forgets between runs")
    func memoryLedger() throws {
        let scratch = try TemporaryDirectory()
        let policy = try scratch.write("policy.yaml", Self.yaml)
        let input = Data((Self.record(id: "m1") + Self.record(id: "m1")).utf8)
        let first = try DPWall.run(["filter", "--policy", policy, "--ledger", ":memory:"], stdin: input, in: scratch)
        let second = try DPWall.run(["filter", "--policy", policy, "--ledger", ":memory:"], stdin: input, in: scratch)
        #expect(first.status == 0 && second.status == 0)
        #expect(first.stdout == second.stdout || Self.outputs(second).map(\.code) == Self.outputs(first).map(\.code))
        #expect(Self.outputs(first).map(\.code) == [nil, "duplicate_id"])
        let files = try FileManager.default.contentsOfDirectory(atPath: scratch.url.path)
        #expect(
            !files.contains { $0.hasPrefix("dpwall.db") || $0.hasPrefix(":memory:") || $0 == "dpwall-audit" },
            "\(files)")
        // An archive only when asked for; --signing-key alone asks for one it would not write.
        let kept = try DPWall.run(
            ["filter", "--policy", policy, "--ledger", ":memory:", "--audit", "kept"], stdin: input, in: scratch)
        #expect(kept.status == 0, "\(kept.stderrText)")
        #expect(FileManager.default.fileExists(atPath: scratch.file("kept").path))
        let signing = try DPWall.run(
            ["filter", "--policy", policy, "--ledger", ":memory:", "--signing-key", "none.key"], stdin: input,
            in: scratch)
        #expect(signing.status == 64, "\(signing.stderrText)")
    }

    @Test("budget grant raises the limit, budget reset starts a new window; both are recorded")
    func grantAndReset() throws {
        let scratch = try TemporaryDirectory()
        let policy = try scratch.write("policy.yaml", Self.yaml)
        var input = ""
        for n in 0..<4 { input += Self.record(id: "g\(n)", ts: "2026-11-26T10:0\(n):00Z") }
        let run = try DPWall.run(["filter", "--policy", policy], stdin: Data(input.utf8), in: scratch)
        #expect(Self.outputs(run).map(\.code) == [nil, nil, nil, "budget_exhausted"])

        let missingReason = try DPWall.run(["budget", "grant", "c", "--epsilon", "2"], in: scratch)
        #expect(missingReason.status == 64)
        let grant = try DPWall.run(
            ["budget", "grant", "c", "--epsilon", "2", "--reason", "incident 42", "--by", "alice"], in: scratch)
        #expect(grant.status == 0, "\(grant.stderrText)")
        #expect(grant.stdoutText.contains("limit now epsilon 5"), "\(grant.stdoutText)")
        let unknown = try DPWall.run(["budget", "grant", "zed", "--epsilon", "2", "--reason", "x"], in: scratch)
        #expect(unknown.status == 65)

        var more = ""
        for n in 4..<7 { more += Self.record(id: "g\(n)", ts: "2026-11-26T10:0\(n):00Z") }
        let after = try DPWall.run(["filter", "--policy", policy], stdin: Data(more.utf8), in: scratch)
        #expect(Self.outputs(after).map(\.code) == [nil, nil, "budget_exhausted"])
        #expect(Self.outputs(after).first.flatMap(Self.privacy)?.limit == 5)

        let noConfirm = try DPWall.run(["budget", "reset", "c", "--reason", "x"], in: scratch)
        #expect(noConfirm.status == 64)
        let reset = try DPWall.run(
            ["budget", "reset", "c", "--yes", "--reason", "key leaked", "--at", "2026-11-26T10:30:00Z"], in: scratch)
        #expect(reset.status == 0, "\(reset.stderrText)")
        var late = Self.record(id: "g7", ts: "2026-11-26T10:20:00Z")  // before the reset: the old, spent window
        late += Self.record(id: "g8", ts: "2026-11-26T10:31:00Z")  // after it: a fresh window
        let third = try DPWall.run(["filter", "--policy", policy], stdin: Data(late.utf8), in: scratch)
        #expect(Self.outputs(third).map(\.code) == ["budget_exhausted", nil], "\(third.stdoutText)")
        #expect(Self.outputs(third).last.flatMap(Self.privacy)?.spent == 1)

        let table = try DPWall.run(["budget", "show"], in: scratch)
        #expect(table.stdoutText.contains("2026-11-26T10:30:00Z"), "\(table.stdoutText)")
    }
}
