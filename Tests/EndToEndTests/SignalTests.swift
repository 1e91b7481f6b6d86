import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// SIGINT/SIGTERM/SIGHUP drain and exit 130/143/129; a closed standard output stops dpwall quietly with 141.
@Suite("Signals")
struct SignalTests {
    typealias P = TestPolicy

    @Test(
        "a stop signal after some records: complete lines only, then exit 128 + signal",
        arguments: [SIGTERM, SIGINT, SIGHUP])
    func stopSignal(signal: Int32) throws {
        let scratch = try TemporaryDirectory()
        let policy = try P.write(in: scratch)
        let dpwall = try StreamingProcess(["filter", "--policy", policy], in: scratch)
        for n in 1...3 {
            try dpwall.write(
                Data((P.record(id: "k\(n)", request: P.fraudRequest(), response: P.fraudResponse()) + "\n").utf8))
            let line = try dpwall.readOutputLine()
            #expect(line.id == "k\(n)")
        }
        // Half a record is pending when the signal arrives; it is not a record and gets no answer.
        try dpwall.write(Data(#"{"id":"half","ts":"#.utf8))
        dpwall.send(signal)
        let rest = dpwall.readToEnd()
        let (status, killed) = dpwall.wait()
        #expect(!killed, "dpwall did not stop after signal \(signal)")
        #expect(status == 128 + signal)
        #expect(rest.isEmpty || rest.last == 0x0A, "output ends in the middle of a line")
        for line in splitLines(dpwall.received) {
            #expect(OutputLine(line) != nil, "\(String(decoding: line, as: UTF8.self))")
        }
        #expect(splitLines(dpwall.received).count == 3, "\(String(decoding: dpwall.received, as: UTF8.self))")
        let summary = Summary(stderr: dpwall.stderrText)
        #expect(summary?.records == 3, "stderr: \(dpwall.stderrText)")
        #expect(summary?.allowed == 3)
    }

    @Test(
        "a stop signal works even when dpwall was started with it blocked",
        arguments: [SIGTERM, SIGINT, SIGHUP])
    func inheritedBlockedSignal(signal: Int32) throws {
        // A child inherits the signal mask of the thread that starts it: a supervisor that spawns dpwall from a
        // worker thread (Foundation's Process on a Dispatch or Swift-concurrency thread) passes a blocked mask on.
        let scratch = try TemporaryDirectory()
        let policy = try P.write(in: scratch)
        let dpwall = try StreamingProcess(
            ["filter", "--policy", policy], in: scratch, deadline: 10, blocked: [SIGINT, SIGTERM, SIGHUP])
        try dpwall.write(Data((P.record(id: "b1", request: P.fraudRequest()) + "\n").utf8))
        #expect(try dpwall.readOutputLine().id == "b1")
        dpwall.send(signal)
        _ = dpwall.readToEnd()
        let (status, killed) = dpwall.wait()
        #expect(!killed, "signal \(signal) was never delivered: dpwall does not unblock the signals it handles")
        #expect(status == 128 + signal)
    }

    @Test("a closed standard output stops dpwall promptly with 141 and nothing on stderr")
    func closedStdout() throws {
        let scratch = try TemporaryDirectory()
        let policy = try P.write(in: scratch)
        var text = ""
        let request = P.v2Request(P.tensor("x", "[1,2,2]", "FP32", "[1,2,3,4]"))
        for n in 1...200_000 {
            text += n.isMultiple(of: 7) ? "{}\n" : P.record(id: "p\(n)", model: "cube", request: request) + "\n"
        }
        let input = try scratch.write("big.jsonl", text)
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: input))
        defer { try? handle.close() }
        let dpwall = try StreamingProcess(["filter", "--policy", policy], stdin: handle, in: scratch)
        let first = try dpwall.readOutputLine()
        #expect(first.id == "p1")
        try dpwall.closeStdout()
        let (status, killed) = dpwall.wait()
        #expect(!killed, "dpwall kept running with its standard output closed")
        #expect(status == 141)
        #expect(dpwall.stderrText.isEmpty, "\(dpwall.stderrText)")
    }
}
