public import ArgumentParser
import DPWall
import DPWallRecords
import DPWallStore

extension ProgressMode: ExpressibleByArgument {}
extension TextTable.Format: ExpressibleByArgument {}

/// `dpwall filter`: records in, checked and privatized records out.
struct FilterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "filter",
        abstract: "Check and release request/response records (JSON Lines): one output line per input line.",
        discussion: """
            Reads standard input, `-`, or the files given, in order; names ending in .zst are decompressed. \
            Writes one line per input line to standard output, in order, and a summary line to standard error.

            Every privatized release is charged to its client's budget in the ledger (--ledger, a SQLite file) \
            before it is written, and every decision is logged to the audit archive (--audit): a batch's \
            entries are fsynced, then its charges commit, then its lines appear.

            Exit status: 0 input processed (denials are ordinary output), 64 bad usage, 65 corrupt .zst input, \
            an audit archive that does not verify at its end or does not match the ledger, or --no-audit on a \
            ledger written with an archive, 66 an input cannot be opened, 74 an I/O error \
            (output, ledger or audit), 75 the ledger is in use by another \
            process, 78 invalid policy, key file or unsupported auth mode, 130/143/129 interrupted (SIGINT/SIGTERM/SIGHUP) after a clean \
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

    @Option(
        help: ArgumentHelp(
            "The audit archive's directory (created 0750; default dpwall-audit, or none with --ledger :memory:).",
            valueName: "DIR"))
    var audit: String?

    /// Where the archive goes: `--audit`, else `dpwall-audit`, except that a throwaway ledger (`:memory:`) makes
    /// a throwaway run, with no archive unless `--audit` asks for one (an archive whose ledger is gone could never
    /// be verified against it, and repeated runs would pile up in the default directory).
    var auditDirectory: String? {
        if noAudit { return nil }
        return audit ?? (ledger == ":memory:" ? nil : "dpwall-audit")
    }

    @Flag(name: .customLong("no-audit"), help: "Write no audit archive.")
    var noAudit = false

    @Option(
        name: .customLong("signing-key"),
        help: ArgumentHelp(
            "Sign audit seals with this Ed25519 key (from dpwall keygen --signing-key).", valueName: "FILE"))
    var signingKey: String?

    @Option(
        name: .customLong("audit-segment-bytes"),
        help: ArgumentHelp("Rotate audit segments at this many uncompressed bytes.", valueName: "N"))
    var auditSegmentBytes = 256 << 20

    @Option(
        name: .customLong("audit-segment-age"),
        help: ArgumentHelp("Rotate audit segments at this age (90s, 30m, 1h, 1d).", valueName: "DURATION"))
    var auditSegmentAge = "1h"

    @Option(
        name: .customLong("audit-flush"),
        help: ArgumentHelp(
            "Seal the open audit frame at least this often (500ms, 1s, 1m; 0s: at every commit).",
            valueName: "DURATION"))
    var auditFlush = "1s"

    @Flag(
        name: .customLong("limits-dry-run"),
        help: "Report would-be rate_limited and quota_exceeded denials (annotation, audit) without denying.")
    var limitsDryRun = false

    @Option(help: "Deterministic noise for tests and demos only (not private: anyone with N can remove the noise).")
    var seed: UInt64?

    func validate() throws {
        guard (1...256).contains(threads) else { throw ValidationError("--threads must be in 1...256, got \(threads)") }
        guard Duration.seconds(auditSegmentAge).map({ $0 > 0 }) == true else {
            throw ValidationError("--audit-segment-age \(auditSegmentAge) is not a duration such as 90s, 30m, 1h or 1d")
        }
        guard Duration.seconds(auditFlush) != nil else {
            throw ValidationError("--audit-flush \(auditFlush) is not a duration such as 0s, 500ms, 1s or 1m")
        }
        guard auditSegmentBytes >= 4096 else { throw ValidationError("--audit-segment-bytes must be at least 4096") }
        if noAudit && signingKey != nil { throw ValidationError("--signing-key signs the audit: not with --no-audit") }
        if auditDirectory == nil && signingKey != nil {
            throw ValidationError("--signing-key signs the audit, which --ledger :memory: writes only with --audit DIR")
        }
        guard (0...60_000).contains(commitInterval) else {
            throw ValidationError("--commit-interval must be in 0...60000 ms, got \(commitInterval)")
        }
        if noiseKey != nil && seed != nil {
            throw ValidationError("--seed and --noise-key exclude each other (--seed is for tests only)")
        }
    }

    func run() throws {
        let (loaded, credentials) = try PipelineSetup.loadPolicy(policy)
        try PipelineSetup.probe(files)
        // Every key is checked before anything is created: a refused key leaves no ledger or archive behind.
        var signingSeed: [UInt8]?
        if let signingKey, !noAudit { signingSeed = try PipelineSetup.key(signingKey, as: .signing).bytes }
        let noise = try PipelineSetup.noise(key: noiseKey, seed: seed)
        let opened = try PipelineSetup.openLedger(ledger)
        var configuration = FilterConfiguration(policy: loaded, inputs: files, ledger: opened)
        if let auditDirectory {
            var options = AuditSegmentWriter.Options()
            options.segmentBytes = auditSegmentBytes
            options.segmentAge = Duration.seconds(auditSegmentAge)!
            options.flushInterval = Duration.seconds(auditFlush)!
            configuration.audit = try PipelineSetup.openAudit(
                auditDirectory, ledger: opened, options: options, signingKey: signingSeed)
        } else {
            try PipelineSetup.requireNoArchive(opened)
        }
        configuration.options.policyDigest = PolicyLoader.digest(policy)
        configuration.commitInterval = Double(commitInterval) / 1000
        configuration.options.noise = noise
        configuration.options.credentials = credentials
        configuration.options.limitsDryRun = limitsDryRun
        configuration.options.annotate = !noAnnotate
        configuration.options.keepRequest = keepRequest
        configuration.rejectsPath = rejects
        configuration.progress = progress
        configuration.threads = threads
        let result = try PipelineSetup.run(configuration)
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

/// Durations on the command line: `500ms`, `90s`, `30m`, `1h`, `1d`, or plain seconds.
enum Duration {
    static func seconds(_ text: String) -> Double? {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86_400)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            guard let value = Double(text.dropLast(suffix.count)), value.isFinite, value >= 0 else { return nil }
            return value * scale
        }
        return Double(text).flatMap { $0.isFinite && $0 >= 0 ? $0 : nil }
    }
}
