import Foundation
import Testing

/// docs/records.md, "Event time": a `ts` later than the wall clock plus `limits.max_event_skew` is `future_event`,
/// charged nothing, so that stamping records years ahead does not open fresh budget windows (issue 22).
@Suite("Event time bounds")
struct EventTimeBoundTests {
    /// `count` records of client c, ε 1 each, one a year from `year`.
    static func records(fromYear year: Int, count: Int) -> Data {
        Data(
            (0..<count).map { k in
                BudgetTests.record(id: "y\(k)", ts: "\(year + k)-11-26T10:00:00Z")
            }.joined().utf8)
    }

    @Test("records stamped years ahead are future_event and buy no budget; max_event_skew widens the bound")
    func futureRecords() throws {
        let scratch = try TemporaryDirectory()
        let policy = try scratch.write("policy.yaml", BudgetTests.yaml)
        // Client c has ε 3 an hour; ten records a year apart from next year would each open a fresh window.
        let year = Calendar(identifier: .gregorian).component(.year, from: Date()) + 1
        let run = try DPWall.run(
            ["filter", "--policy", policy, "--ledger", ":memory:"], stdin: Self.records(fromYear: year, count: 10),
            in: scratch)
        #expect(run.status == 0, "\(run.stderrText)")
        let codes = run.lines.compactMap(OutputLine.init).map { $0.code ?? "allow" }
        #expect(codes == Array(repeating: "future_event", count: 10), "\(codes)")
        #expect(run.stdoutText.contains("later than the wall clock plus limits.max_event_skew"))

        // A skew of 30 years lets them through (each in its own window: the operator chose it).
        let wide = try scratch.write(
            "wide.yaml",
            BudgetTests.yaml.replacingOccurrences(
                of: "version: 1\n", with: "version: 1\nlimits: { max_event_skew: 3652d }\n"))
        let allowed = try DPWall.run(
            ["filter", "--policy", wide, "--ledger", ":memory:"], stdin: Self.records(fromYear: year, count: 3),
            in: scratch)
        let released = allowed.lines.compactMap(OutputLine.init)
        #expect(released.count == 3 && released.allSatisfy(\.isAllowed), "\(allowed.stdoutText)")

        // replay's clock is the capture's own: no record of a capture is in its future.
        let replay = try DPWall.run(
            ["replay", "--policy", policy, "--format", "json", "-"], stdin: Self.records(fromYear: year, count: 2),
            in: scratch)
        #expect(replay.status == 0, "\(replay.stderrText)")
        #expect(!replay.stdoutText.contains("future_event"), "\(replay.stdoutText)")
    }

    @Test("a max_event_skew that is not a duration, negative or past ten years is a policy error")
    func badSkew() throws {
        let scratch = try TemporaryDirectory()
        for value in ["soon", "-1", "3653d"] {
            let policy = try scratch.write(
                "p.yaml",
                BudgetTests.yaml.replacingOccurrences(
                    of: "version: 1\n", with: "version: 1\nlimits: { max_event_skew: \(value) }\n"))
            let check = try DPWall.run(["policy", "check", policy], in: scratch)
            #expect(check.status == 78, "\(value): \(check.stdoutText) \(check.stderrText)")
            #expect(check.stderrText.contains("limits.max_event_skew"), "\(check.stderrText)")
        }
    }
}
