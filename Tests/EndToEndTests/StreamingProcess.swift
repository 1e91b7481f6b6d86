import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A running `dpwall` whose standard input and output are pipes held by the test, for streaming and signal tests.
///
/// Reads block: a test that waits for a line only passes when dpwall writes it. A watchdog kills the child after
/// a deadline so that a missing answer ends in EOF (a failed expectation) instead of a hung test run.
final class StreamingProcess {
    let process: Process
    private let stdinPipe = Pipe()
    private let stdoutPipe = Pipe()
    private let stderrURL: URL
    private let stderrHandle: FileHandle
    private let watchdog: Watchdog
    private var buffer = Data()
    private var stdinOpen = true
    private var stdoutOpen = true
    /// Everything read from standard output so far.
    private(set) var received = Data()

    /// Starts `dpwall ARGUMENTS` in `scratch` (its default ledger is `scratch`'s); standard error goes to a file
    /// there.
    /// `blocked` signals start out blocked in the child (none by default, as from a shell).
    init(
        _ arguments: [String], stdin: FileHandle? = nil, in scratch: TemporaryDirectory, deadline: Double = 30,
        blocked: [Int32] = []
    ) throws {
        process = try DPWall.process(arguments, directory: scratch.url)
        stderrURL = scratch.file("stderr-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        stderrHandle = try FileHandle(forWritingTo: stderrURL)
        if let stdin {
            process.standardInput = stdin
            try? stdinPipe.fileHandleForWriting.close()
            stdinOpen = false
        } else {
            process.standardInput = stdinPipe
        }
        process.standardOutput = stdoutPipe
        process.standardError = stderrHandle
        try DPWall.spawn(process, blocked: blocked)
        // The child holds its own copies now; keep only the test's ends open.
        try? stdinPipe.fileHandleForReading.close()
        try? stdoutPipe.fileHandleForWriting.close()
        try? stderrHandle.close()
        watchdog = Watchdog(pid: process.processIdentifier, seconds: deadline)
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        watchdog.cancel()
    }

    var pid: Int32 { process.processIdentifier }

    /// Writes bytes to dpwall's standard input.
    func write(_ data: Data) throws {
        try stdinPipe.fileHandleForWriting.write(contentsOf: data)
    }

    /// The buffer sizes of the pipes to dpwall's standard input and from its standard output, in bytes (Linux's
    /// `F_GETPIPE_SZ`, read on the test's ends: a pipe has one buffer for both ends).
    var pipeBytes: (stdin: Int32, stdout: Int32) {
        (Self.pipeBytes(stdinPipe.fileHandleForWriting), Self.pipeBytes(stdoutPipe.fileHandleForReading))
    }

    /// `F_GETPIPE_SZ` (fcntl.h, _GNU_SOURCE; Swift's Glibc module does not import it) of `handle`'s pipe.
    static func pipeBytes(_ handle: FileHandle) -> Int32 {
        fcntl(handle.fileDescriptor, 1032)
    }

    /// Closes dpwall's standard input (EOF).
    func closeStdin() throws {
        guard stdinOpen else { return }
        stdinOpen = false
        try stdinPipe.fileHandleForWriting.close()
    }

    /// Closes the test's read end of dpwall's standard output.
    func closeStdout() throws {
        guard stdoutOpen else { return }
        stdoutOpen = false
        try stdoutPipe.fileHandleForReading.close()
    }

    /// Blocks until one full line (without its newline) arrives on standard output; nil at EOF.
    func readLine() -> Data? {
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                let line = Data(buffer[buffer.startIndex..<newline])
                buffer = Data(buffer[(newline + 1)...])
                return line
            }
            let chunk = readChunk()
            if chunk.isEmpty { return nil }
            buffer.append(chunk)
        }
    }

    /// Blocks until one full line arrives and parses it; a test failure when EOF comes first or it is not JSON.
    func readOutputLine(sourceLocation: SourceLocation = #_sourceLocation) throws -> OutputLine {
        let raw = try #require(
            readLine(), "dpwall wrote no (complete) line before EOF", sourceLocation: sourceLocation)
        return try #require(
            OutputLine(raw), "output line is not a JSON object: \(String(decoding: raw, as: UTF8.self))",
            sourceLocation: sourceLocation)
    }

    /// Reads standard output to EOF; returns what had not been returned by ``readLine()`` yet.
    func readToEnd() -> Data {
        while true {
            let chunk = readChunk()
            if chunk.isEmpty { break }
            buffer.append(chunk)
        }
        defer { buffer = Data() }
        return buffer
    }

    private func readChunk() -> Data {
        var bytes = [UInt8](repeating: 0, count: 65536)
        let fd = stdoutPipe.fileHandleForReading.fileDescriptor
        while true {
            let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return Data() }
            let chunk = Data(bytes[0..<n])
            received.append(chunk)
            return chunk
        }
    }

    /// Sends `signal` to dpwall.
    func send(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// Waits for dpwall to exit; returns its status (128 + signal when killed) and whether the watchdog fired.
    func wait() -> (status: Int32, killedByWatchdog: Bool) {
        process.waitUntilExit()
        watchdog.cancel()
        return (DPWall.exitStatus(process), watchdog.fired)
    }

    /// What dpwall wrote to standard error (complete once it has exited).
    var stderrText: String {
        (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? ""
    }
}
