import ArgumentParser
import DPWall
import DPWallRecords
import DPWallStore

/// `dpwall replay`: captured traffic through the whole pipeline offline, with a what-if comparison.
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay captured records under a policy (and compare with another) on event time.",
        discussion: """
            Runs the inputs through the whole pipeline (validation, auth, limits, noise, budgets) on the records' \
            event time, in a throwaway ledger (:memory: unless --ledger is given) and with no audit unless \
            --audit is given. Prints what was decided: records, denials by code, epsilon per client, who \
            exhausted their budget and when, and rate-limit and quota hits.

            With --against, the same records go through a second policy in the same pass (with its own \
            throwaway ledger), and the summary adds what it would change: decisions by from → to code, the \
            clients affected with example ids, and budget use per tier.

            Decisions do not depend on the noise, so the summary is the same on every run; --seed or \
            --noise-key also make the --output records the same.

            Exit status as for filter: 0 done, 64 bad usage, 66 an input cannot be opened, 74 I/O error, 75 the \
            --ledger is in use, 78 invalid policy or key file, 130/143/129 interrupted (SIGINT/SIGTERM/SIGHUP).
            """
    )

    @Option(help: ArgumentHelp("The policy to replay under.", valueName: "FILE"))
    var policy: String

    @Option(help: ArgumentHelp("A second policy to compare with, over the same records.", valueName: "FILE"))
    var against: String?

    @Argument(help: ArgumentHelp("Input files (JSON Lines, optionally .zst); none or - reads standard input."))
    var files: [String] = []

    @Option(help: ArgumentHelp("The ledger of the replay (default :memory:, thrown away).", valueName: "PATH"))
    var ledger = ":memory:"

    @Option(help: "Summary format: table or json.")
    var format: SummaryFormat = .table

    @Option(
        name: .shortAndLong,
        help: ArgumentHelp("Write the released records here, as filter would (mode 0600).", valueName: "FILE"))
    var output: String?

    @Option(help: ArgumentHelp("Log the replay's decisions to this audit archive.", valueName: "DIR"))
    var audit: String?

    @Option(help: "How many clients each per-client list of the table shows (the JSON lists them all).")
    var top = 10

    @Option(
        name: .customLong("noise-key"),
        help: ArgumentHelp("Consistent noise for the --output records (from dpwall keygen).", valueName: "FILE"))
    var noiseKey: String?

    @Option(help: "Deterministic noise for the --output records (tests and demos only).")
    var seed: UInt64?

    @Flag(
        name: .customLong("limits-dry-run"),
        help: "Count would-be rate_limited and quota_exceeded denials without denying.")
    var limitsDryRun = false

    @Option(help: "Threads deciding records (default: every online core).")
    var threads: Int = FilterConfiguration.onlineCores

    @Option(help: "Progress line on stderr: auto (when stderr is a terminal), always or never.")
    var progress: ProgressMode = .auto

    enum SummaryFormat: String, ExpressibleByArgument, CaseIterable {
        case table, json
    }

    func validate() throws {
        guard (1...256).contains(threads) else { throw ValidationError("--threads must be in 1...256, got \(threads)") }
        guard top >= 1 else { throw ValidationError("--top must be at least 1, got \(top)") }
        if noiseKey != nil && seed != nil {
            throw ValidationError("--seed and --noise-key exclude each other (--seed is for tests only)")
        }
    }

    func run() throws {
        let (loaded, credentials) = try PipelineSetup.loadPolicy(policy)
        let other = try against.map(PipelineSetup.loadPolicy)
        try PipelineSetup.probe(files)
        let noise = try PipelineSetup.noise(key: noiseKey, seed: seed)
        let opened = try PipelineSetup.openLedger(ledger)
        let shadowLedger = try other.map { _ in try PipelineSetup.openLedger(":memory:") }
        var configuration = FilterConfiguration(policy: loaded, inputs: files, ledger: opened)
        if let audit {
            configuration.audit = try PipelineSetup.openAudit(
                audit, ledger: opened, options: AuditSegmentWriter.Options(), signingKey: nil)
        } else {
            // As filter --no-audit: charges on a ledger with an archive would have no entries.
            try PipelineSetup.requireNoArchive(opened)
        }
        configuration.options.policyDigest = PolicyLoader.digest(policy)
        // A replay's clock is the capture's own (docs/records.md, "Event time"): its records are never in its future.
        configuration.options.boundsFutureEvents = false
        configuration.options.noise = noise
        configuration.options.credentials = credentials
        configuration.options.limitsDryRun = limitsDryRun
        configuration.progress = progress
        configuration.threads = threads
        configuration.discardOutput = output == nil
        configuration.outputPath = output
        if let (otherPolicy, otherCredentials) = other, let shadowLedger, let against {
            var options = configuration.options
            options.credentials = otherCredentials
            options.policyDigest = PolicyLoader.digest(against)
            configuration.shadow = ShadowLane(policy: otherPolicy, ledger: shadowLedger, options: options)
        }
        let tally = ReplayTally(comparing: other != nil)
        configuration.observer = tally
        let result = try PipelineSetup.run(configuration)
        let summary: ReplaySummary
        do {
            summary = try ReplaySummary.build(
                tally, policy: policy, ledger: opened,
                against: shadowLedger.map { (against!, $0) })
        } catch let error as LedgerError {
            FileHandleStderr.write("dpwall: \(error.message)\n")
            throw ExitCode(error.exitStatus)
        }
        print(format == .json ? try summary.json() : summary.text(top: top), terminator: "")
        if case .interrupted(let signal) = result.ending {
            FileHandleStderr.write("dpwall: replay interrupted; the summary covers the records read before it\n")
            throw ExitCode(128 + signal)
        }
    }
}
