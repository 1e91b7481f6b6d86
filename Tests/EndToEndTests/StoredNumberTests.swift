import DPWallStore
import Foundation
import Testing

/// Ledger and archive files holding numbers at the ends of their range (damaged, edited with the sqlite3 shell,
/// or named by hand): the commands that read them saturate or refuse, where they trapped (SIGILL, exit 132).
@Suite("Stored numbers at the ends of their range")
struct StoredNumberTests {
    typealias P = TestPolicy

    @Test("report sums denial counts of Int64.max without trapping")
    func reportSaturates() throws {
        let scratch = try TemporaryDirectory()
        let policy = try P.write(in: scratch)
        let ledger = scratch.file("ledger.db").path
        var input = ""
        for client in ["c1", "c2"] {
            input +=
                P.record(
                    id: client, client: client, model: "noisy",
                    request: P.v2Request(P.tensor("x", "[1,2]", "FP32", "[0.5,0.5]")),
                    response: P.v2Response("noisy", P.tensor("probs", "[1,2]", "FP32", "[0.25,0.75]"))) + "\n"
        }
        let run = try DPWall.run(
            ["filter", "--policy", policy, "--ledger", ledger, "--no-audit", "--quiet"], stdin: Data(input.utf8),
            in: scratch)
        #expect(run.status == 0, "\(run.stderrText)")
        // Both clients have a window (a Laplace release) and a limit state; their rate denials are set to the
        // largest Int64.
        do {
            let opened = try SQLiteLedger(path: ledger)
            let states = try opened.limitStates().filter { $0.client == "c1" || $0.client == "c2" }
            #expect(states.count == 2)
            try opened.withWriter { writer in
                try writer.begin()
                for var state in states {
                    state.rateDenials = .max
                    try writer.save(state)
                }
                try writer.commit()
            }
        }
        let report = try DPWall.run(["report", "--ledger", ledger], in: scratch)
        #expect(report.status == 0, "\(report.stderrText)")
        #expect(report.stdoutText.contains("rate_limited 9223372036854775807"), "\(report.stdoutText)")
    }

    /// A segment counter of Int.max: the writer's next counter and the verifier's `previous + 1` overflowed.
    @Test("a segment numbered Int.max stops filter with 74 and audit verify with a problem, never a trap")
    func segmentCounter() throws {
        let scratch = try TemporaryDirectory()
        let policy = try P.write(in: scratch)
        let audit = scratch.file("audit")
        try FileManager.default.createDirectory(at: audit, withIntermediateDirectories: false)
        try scratch.write("audit/audit-20260101T000000Z-9223372036854775807.zst", Data())
        let run = try DPWall.run(
            ["filter", "--policy", policy, "--ledger", ":memory:", "--audit", audit.path, "--quiet"],
            stdin: Data((P.record(request: P.fraudRequest(), response: P.fraudResponse()) + "\n").utf8), in: scratch)
        #expect(run.status == 74, "\(run.stderrText)")
        #expect(run.stderrText.contains("holds a segment numbered 9223372036854775807"), "\(run.stderrText)")
        #expect(run.stdout.isEmpty)

        try scratch.write("audit/audit-20260101T000000Z-09223372036854775807.zst", Data())
        let verify = try DPWall.run(["audit", "verify", audit.path], in: scratch)
        #expect(verify.status == 1, "\(verify.stderrText)")
        #expect(
            verify.stdoutText.contains(
                "segment 9223372036854775807 follows segment 9223372036854775807: segments are out of order"),
            "\(verify.stdoutText)")
    }
}
