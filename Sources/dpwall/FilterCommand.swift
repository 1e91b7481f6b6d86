public import ArgumentParser
import DPWall
import DPWallRecords
import DPWallStore

extension ProgressMode: ExpressibleByArgument {}

/// `dpwall filter`: records in, checked and privatized records out.
struct FilterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "filter",
        abstract: "Check and release request/response records (JSON Lines): one output line per input line.",
        discussion: """
            Reads standard input, `-`, or the files given, in order; names ending in .zst are decompressed. \
            Writes one line per input line to standard output, in order, and a summary line to standard error.

            Every privatized release is charged to its client's budget in the ledger (--ledger, a SQLite file) \
            before it is written: a batch's lines appear only after its transaction commits.

            Exit status: 0 input processed (denials are ordinary output), 64 bad usage, 65 corrupt .zst input, \
            66 an input cannot be opened, 74 an I/O error (output or ledger), 75 the ledger is in use by another \
            process, 78 invalid policy, key file or unsupported auth mode, 130/143 interrupted after a clean \
            drain, 141 standard output closed.
            """
    )

    @Option(help: ArgumentHelp("The policy file (YAML or JSON).", valueName: "FILE"))
    var policy: String

    @Argument(help: ArgumentHelp("Input files (JSON Lines, optionally .zst); none or - reads standard input."))
    var files: [String] = []

    @Option(
        help: ArgumentHelp(
            "Also write each denied input, with its code and first 4 KiB, here (mode 0600).", valueName: "FILE"))
    var rejects: String?

    @Flag(name: .customLong("no-annotate"), help: "Leave out the privacy object of released records.")
    var noAnnotate = false

    @Flag(help: "Keep the request next to a released response.")
    var keepRequest = false

    @Option(help: "Progress line on stderr: auto (when stderr is a terminal), always or never.")
    var progress: ProgressMode = .auto

    @Flag(help: "No summary line on stderr at the end.")
    var quiet = false

    @Option(help: "Threads deciding records (default: every online core).")
    var threads: Int = FilterConfiguration.onlineCores

    @Option(
        name: .customLong("noise-key"),
        help: ArgumentHelp(
            "Consistent noise: the same question with the same raw answer gets the same release (mode 0600 file "
                + "from dpwall keygen).", valueName: "FILE"))
    var noiseKey: String?

    @Option(
        help: ArgumentHelp(
            "The budget ledger (SQLite, WAL); :memory: for a throwaway one. One filter per file.", valueName: "PATH"))
    var ledger = "dpwall.db"

    @Option(
        name: .customLong("commit-interval"),
        help: ArgumentHelp(
            "Longest a decided record waits for its group commit while more input is ready.", valueName: "MS"))
    var commitInterval = 5

    @Option(help: "Deterministic noise for tests and demos only (not private: anyone with N can remove the noise).")
    var seed: UInt64?

    func validate() throws {
        guard (1...256).contains(threads) else { throw ValidationError("--threads must be in 1...256, got \(threads)") }
        guard (0...60_000).contains(commitInterval) else {
            throw ValidationError("--commit-interval must be in 0...60000 ms, got \(commitInterval)")
        }
        if noiseKey != nil && seed != nil {
            throw ValidationError("--seed and --noise-key exclude each other (--seed is for tests only)")
        }
    }

    func run() throws {
        let loaded = try PolicyLoader.loadOrExit(policy)
        guard loaded.auth.mode == .trusted else {
            FileHandleStderr.write(
                "dpwall: \(policy): auth.mode \(loaded.auth.mode.rawValue) is not available in this build yet; "
                    + "use auth.mode: trusted behind a gateway that authenticates clients\n")
            throw ExitCode(78)
        }
        for file in files where file != "-" {
            do {
                _ = try InputProbe.check(file)
            } catch {
                FileHandleStderr.write("dpwall: \(error.message)\n")
                throw ExitCode(error.code.exitStatus)
            }
        }
        let opened: SQLiteLedger
        do {
            opened = try SQLiteLedger(path: ledger)
        } catch let error as LedgerError {
            FileHandleStderr.write("dpwall: \(error.message)\n")
            throw ExitCode(error.exitStatus)
        }
        var configuration = FilterConfiguration(policy: loaded, inputs: files, ledger: opened)
        configuration.commitInterval = Double(commitInterval) / 1000
        if let noiseKey {
            do {
                configuration.options.noise = .keyed(try NoiseKeyFile.load(noiseKey))
            } catch {
                FileHandleStderr.write("dpwall: \(error.message)\n")
                throw ExitCode(error.exitStatus)
            }
        } else if let seed {
            FileHandleStderr.write(
                "dpwall: warning: --seed \(seed) makes the noise predictable; use it for tests and demos only, "
                    + "never for real releases\n")
            configuration.options.noise = .seeded(seed)
        }
        configuration.options.annotate = !noAnnotate
        configuration.options.keepRequest = keepRequest
        configuration.rejectsPath = rejects
        configuration.progress = progress
        configuration.threads = threads
        SignalTrap.install()
        let result: FilterResult
        do {
            result = try FilterRun(configuration).run()
        } catch let error as InputError {
            FileHandleStderr.write("dpwall: \(error.message)\n")
            throw ExitCode(error.code.exitStatus)
        } catch let error as OutputError {
            FileHandleStderr.write("dpwall: \(error.message)\n")
            throw ExitCode(74)
        } catch let error as LedgerError {
            FileHandleStderr.write("dpwall: \(error.message); nothing after the last commit was released\n")
            throw ExitCode(error.exitStatus)
        }
        switch result.ending {
        case .completed:
            if !quiet { FileHandleStderr.write(result.summary + "\n") }
        case .interrupted(let signal):
            if !quiet { FileHandleStderr.write(result.summary + " (interrupted)\n") }
            throw ExitCode(128 + signal)
        case .outputClosed:
            throw ExitCode(141)
        }
    }
}
