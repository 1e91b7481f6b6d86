import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What one finished run of `dpwall` left behind.
struct DPWallResult {
    /// The exit status (the signal number plus 128 when the process was killed by a signal).
    var status: Int32
    /// Everything written to standard output.
    var stdout: Data
    /// Everything written to standard error.
    var stderr: Data

    /// Standard output split at `\n`; a final line without newline is kept (and flagged by ``stdoutEndsWithNewline``).
    var lines: [Data] { splitLines(stdout) }
    /// True when standard output is empty or ends with a newline.
    var stdoutEndsWithNewline: Bool { stdout.isEmpty || stdout.last == 0x0A }
    /// Standard error as text (invalid UTF-8 replaced).
    var stderrText: String { String(decoding: stderr, as: UTF8.self) }
    /// Standard output as text (invalid UTF-8 replaced).
    var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
}

/// Splits bytes at `\n`; a trailing newline does not make an empty last line.
func splitLines(_ data: Data) -> [Data] {
    var lines: [Data] = []
    var start = data.startIndex
    while let newline = data[start...].firstIndex(of: 0x0A) {
        lines.append(Data(data[start..<newline]))
        start = newline + 1
    }
    if start < data.endIndex { lines.append(Data(data[start...])) }
    return lines
}

/// Locates the built `dpwall` executable and runs it.
enum DPWall {
    /// The package root (three levels above this file: Tests/EndToEndTests/DPWallProcess.swift).
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `samples/NAME` in the package.
    static func sample(_ name: String) -> URL {
        packageRoot.appendingPathComponent("samples").appendingPathComponent(name)
    }

    /// The `dpwall` executable built next to the test bundle (e.g. `.build/debug/dpwall`).
    static let executable: URL? = {
        var directories: [URL] = []
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            directories.append(bundle.bundleURL.deletingLastPathComponent())
        }
        if let main = Bundle.main.executableURL {
            directories.append(main.deletingLastPathComponent())
            // Inside a macOS .xctest bundle: Contents/MacOS/<name> → the directory holding the bundle.
            directories.append(
                main.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                    .deletingLastPathComponent())
        }
        if let first = CommandLine.arguments.first {
            directories.append(URL(fileURLWithPath: first).deletingLastPathComponent())
        }
        for directory in directories {
            let candidate = directory.appendingPathComponent("dpwall")
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory),
                !isDirectory.boolValue,
                FileManager.default.isExecutableFile(atPath: candidate.path)
            {
                return candidate
            }
        }
        return nil
    }()

    /// The executable, or a test failure saying where it was looked for.
    static func requireExecutable(sourceLocation: SourceLocation = #_sourceLocation) throws -> URL {
        try #require(
            executable,
            Comment(
                rawValue: "the dpwall executable was not found next to the test bundle (\(Bundle.main.bundlePath), "
                    + "\(CommandLine.arguments.first ?? "?")); build it with `swift build`"),
            sourceLocation: sourceLocation)
    }

    /// A configured, not yet started process: `dpwall ARGUMENTS` in `directory` (default: the package root).
    static func process(_ arguments: [String], directory: URL? = nil) throws -> Process {
        let process = Process()
        process.executableURL = try requireExecutable()
        process.arguments = arguments
        process.currentDirectoryURL = directory ?? packageRoot
        return process
    }

    /// Runs `dpwall ARGUMENTS` to its end with `stdin` as standard input; standard output and error go through
    /// files in `scratch`, so a large output can never block the child. It runs in `directory` (default:
    /// `scratch`, so that each test has its own default ledger, `dpwall.db`).
    static func run(
        _ arguments: [String], stdin: Data = Data(), in scratch: TemporaryDirectory, directory: URL? = nil
    ) throws -> DPWallResult {
        let process = try process(arguments, directory: directory ?? scratch.url)
        let stdinURL = scratch.file("stdin-\(UUID().uuidString)")
        let stdoutURL = scratch.file("stdout-\(UUID().uuidString)")
        let stderrURL = scratch.file("stderr-\(UUID().uuidString)")
        try stdin.write(to: stdinURL)
        _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        let input = try FileHandle(forReadingFrom: stdinURL)
        let output = try FileHandle(forWritingTo: stdoutURL)
        let errors = try FileHandle(forWritingTo: stderrURL)
        defer {
            try? input.close()
            try? output.close()
            try? errors.close()
        }
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try spawn(process)
        let watchdog = Watchdog(pid: process.processIdentifier, seconds: 120)
        process.waitUntilExit()
        watchdog.cancel()
        #expect(!watchdog.fired, "dpwall \(arguments) did not finish within 120 s and was killed")
        return DPWallResult(
            status: exitStatus(process), stdout: try Data(contentsOf: stdoutURL),
            stderr: try Data(contentsOf: stderrURL))
    }

    /// Starts `process` with exactly `blocked` signals blocked, as a shell would start it (a child inherits the
    /// signal mask of the thread that spawns it, and test-runner threads block most signals).
    static func spawn(_ process: Process, blocked: [Int32] = []) throws {
        var mask = sigset_t()
        var saved = sigset_t()
        sigemptyset(&mask)
        for signal in blocked { sigaddset(&mask, signal) }
        pthread_sigmask(SIG_SETMASK, &mask, &saved)
        defer { pthread_sigmask(SIG_SETMASK, &saved, nil) }
        try process.run()
    }

    /// The exit status of a finished process; 128 + the signal when it was killed by one.
    static func exitStatus(_ process: Process) -> Int32 {
        process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
    }
}

/// Kills a process with SIGKILL when it runs longer than a deadline, so a hung child fails a test instead of
/// hanging the run. This is a deadline, not a wait: nothing sleeps.
final class Watchdog: @unchecked Sendable {
    private let lock = NSLock()
    private var done = false
    private var killed = false

    init(pid: Int32, seconds: Double) {
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { [self] in
            lock.lock()
            defer { lock.unlock() }
            if !done {
                killed = true
                kill(pid, SIGKILL)
            }
        }
    }

    /// Stops the watchdog (call once the process has been reaped or is about to be).
    func cancel() {
        lock.lock()
        done = true
        lock.unlock()
    }

    /// True when the deadline passed and the process was killed.
    var fired: Bool {
        lock.lock()
        defer { lock.unlock() }
        return killed
    }
}

/// A fresh temporary directory, removed when the value is dropped.
final class TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("dpwall-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    /// The URL of `name` inside the directory.
    func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    /// Writes `contents` to `name` and returns its path.
    @discardableResult
    func write(_ name: String, _ contents: Data) throws -> String {
        let target = file(name)
        try contents.write(to: target)
        return target.path
    }

    /// Writes `text` (UTF-8) to `name` and returns its path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        try write(name, Data(text.utf8))
    }
}
