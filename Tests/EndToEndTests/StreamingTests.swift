import Foundation
import Testing

/// A record written to dpwall's standard input is answered without waiting for more input or EOF.
@Suite("Streaming")
struct StreamingTests {
    typealias P = TestPolicy

    @Test("each record is answered while standard input stays open")
    func answersLineByLine() throws {
        let scratch = try TemporaryDirectory()
        let policy = try P.write(in: scratch)
        let dpwall = try StreamingProcess(["filter", "--policy", policy], in: scratch)
        for n in 1...5 {
            let response = n.isMultiple(of: 2) ? P.fraudResponse() : nil
            try dpwall.write(Data((P.record(id: "s\(n)", request: P.fraudRequest(), response: response) + "\n").utf8))
            let line = try #require(dpwall.readLine(), "no answer to record \(n) while stdin is open")
            let output = try #require(OutputLine(line), "\(String(decoding: line, as: UTF8.self))")
            #expect(output.id == "s\(n)")
            #expect(output.isAllowed, "\(output.text)")
        }
        // A denial is answered just as promptly.
        try dpwall.write(Data("{broken\n".utf8))
        let denied = try dpwall.readOutputLine()
        #expect(denied.code == "malformed_json" && denied.lineNumber == 6)
        try dpwall.closeStdin()
        #expect(dpwall.readToEnd().isEmpty)
        let (status, killed) = dpwall.wait()
        #expect(!killed, "dpwall hung")
        #expect(status == 0)
        #expect(Summary(stderr: dpwall.stderrText)?.records == 6)
    }

    #if os(Linux)
        /// The buffer of a new pipe here, and whether this process may give a pipe 1 MiB: where it may not (a lower
        /// `pipe-max-size`, a user past `pipe-user-pages-soft`), dpwall cannot either, and there is nothing to see.
        static let pipeDefaults: (plain: Int32, widenable: Bool) = {
            let probe = Pipe()
            let plain = StreamingProcess.pipeBytes(probe.fileHandleForWriting)
            return (plain, fcntl(probe.fileHandleForWriting.fileDescriptor, 1031, Int32(1 << 20)) >= 1 << 20)
        }()

        @Test(
            "dpwall gives the pipe of its standard input a 1 MiB buffer, and leaves its standard output's alone",
            .enabled(if: pipeDefaults.widenable && pipeDefaults.plain < 1 << 20))
        func widensItsInputPipe() throws {
            let scratch = try TemporaryDirectory()
            let policy = try P.write(in: scratch)
            let dpwall = try StreamingProcess(["filter", "--policy", policy], in: scratch)
            try dpwall.write(Data((P.record(id: "w1", request: P.fraudRequest()) + "\n").utf8))
            #expect(try dpwall.readOutputLine().id == "w1")
            #expect(dpwall.pipeBytes == (1 << 20, Self.pipeDefaults.plain))
            try dpwall.closeStdin()
            #expect(dpwall.readToEnd().isEmpty)
            let (status, killed) = dpwall.wait()
            #expect(!killed && status == 0)
        }
    #endif

    @Test("a record split across writes is answered once its newline arrives")
    func splitRecord() throws {
        let scratch = try TemporaryDirectory()
        let policy = try P.write(in: scratch)
        let dpwall = try StreamingProcess(["filter", "--policy", policy], in: scratch)
        let record = Data(P.record(id: "split", request: P.fraudRequest()).utf8)
        try dpwall.write(record.prefix(50))
        try dpwall.write(record.dropFirst(50) + Data("\n".utf8))
        let line = try dpwall.readOutputLine()
        #expect(line.id == "split" && line.isAllowed)
        // Two records in one write: both answered.
        let two =
            P.record(id: "t1", request: P.fraudRequest()) + "\n" + P.record(id: "t2", request: P.fraudRequest()) + "\n"
        try dpwall.write(Data(two.utf8))
        #expect(try dpwall.readOutputLine().id == "t1")
        #expect(try dpwall.readOutputLine().id == "t2")
        // A last record without newline is answered at EOF.
        try dpwall.write(Data(P.record(id: "last", request: P.fraudRequest()).utf8))
        try dpwall.closeStdin()
        #expect(try dpwall.readOutputLine().id == "last")
        #expect(dpwall.readToEnd().isEmpty)
        let (status, killed) = dpwall.wait()
        #expect(!killed && status == 0)
    }
}
