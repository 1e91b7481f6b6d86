public import ArgumentParser
import DPWall
import DPWallStore
import Foundation

extension BudgetReport.Format: ExpressibleByArgument {}

/// `dpwall report`: privacy-budget reports from the ledger and the audit archive.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Report on privacy budgets: per client, for the fleet, and as charts (--format html).",
        discussion: """
            Per client: tier, window, epsilon and delta spent and limit, percent used, releases, denials by code, \
            first and last seen, the rate of spending (epsilon per hour over the window so far) and when the \
            budget runs out at that rate. For the fleet: clients near exhaustion, denials by code, releases per \
            model, spend per tier.

            Reads the ledger only (a running filter may keep writing). With --audit, the archive adds what the \
            ledger does not keep: denials by code over time, releases per model, and each release's exact \
            position for the cumulative-epsilon chart. --format html writes one self-contained file with inline \
            SVG charts, readable without scripts and when printed.

            Exit status: 0, 64 bad usage, 65 no ledger or a --client with no window, 66 no such --audit, 74 an \
            unreadable ledger, archive or output file.
            """
    )

    @Option(help: ArgumentHelp("The ledger.", valueName: "PATH"))
    var ledger = "dpwall.db"

    @Option(help: ArgumentHelp("An audit archive (directory or segment files); repeatable.", valueName: "DIR"))
    var audit: [String] = []

    @Option(help: "table, json, csv or html.")
    var format: BudgetReport.Format = .table

    @Option(name: .shortAndLong, help: ArgumentHelp("Write the report here (mode 0640).", valueName: "FILE"))
    var output: String?

    @Option(help: ArgumentHelp("Only event time at or after this (RFC 3339).", valueName: "TS"))
    var since: String?

    @Option(help: ArgumentHelp("Only event time before this (RFC 3339).", valueName: "TS"))
    var until: String?

    @Option(help: "Only this client (repeatable).")
    var client: [String] = []

    @Option(help: "How many of the most used clients get a cumulative-epsilon series.")
    var series = 5

    func validate() throws {
        if let since, AuditCommand.Cat.time(since) == nil {
            throw ValidationError("--since \(since) is not an RFC 3339 time")
        }
        if let until, AuditCommand.Cat.time(until) == nil {
            throw ValidationError("--until \(until) is not an RFC 3339 time")
        }
        guard (0...50).contains(series) else { throw ValidationError("--series must be in 0...50, got \(series)") }
        try ClientArgument.validate(client, as: "--client")
        if let since, let until, let low = AuditCommand.Cat.time(since), let high = AuditCommand.Cat.time(until),
            low >= high
        {
            throw ValidationError("--since \(since) is not before --until \(until)")
        }
    }

    func run() throws {
        // A missing archive is a missing input (66), as for `audit verify`, not an I/O error.
        for path in audit where !FileManager.default.fileExists(atPath: path) {
            FileHandleStderr.write("dpwall: \(path): no such file or directory\n")
            throw ExitCode(66)
        }
        let opened = try BudgetCommand.open(ledger, readOnly: true)
        var options = BudgetReport.Options()
        options.since = since.flatMap(AuditCommand.Cat.time)
        options.until = until.flatMap(AuditCommand.Cat.time)
        options.clients = Set(client)
        options.seriesClients = series
        let report = try BudgetCommand.ledgerCall {
            try BudgetReport.build(ledger: opened, audit: audit.isEmpty ? nil : audit, options: options)
        }
        let title = "dpwall budget report: \(ledger)" + (audit.isEmpty ? "" : " with \(audit.joined(separator: ", "))")
        var handle = FileHandle.standardOutput
        if let output {
            guard FileManager.default.createFile(atPath: output, contents: nil, attributes: [.posixPermissions: 0o640]),
                let opened = FileHandle(forWritingAtPath: output)
            else {
                FileHandleStderr.write("dpwall: cannot write the report to \(output)\n")
                throw ExitCode(74)
            }
            handle = opened
        }
        var failure: (any Error)?
        report.write(format, title: title) { text in
            guard failure == nil else { return }
            do { try handle.write(contentsOf: Data(text.utf8)) } catch { failure = error }
        }
        if output != nil {
            do { try handle.close() } catch { failure = failure ?? error }
        }
        if let failure {
            FileHandleStderr.write("dpwall: writing the report to \(output ?? "standard output") failed: \(failure)\n")
            throw ExitCode(74)
        }
        // A named client the ledger has no window of (in the period) is an error, as for `budget show`.
        let missing = Set(client).subtracting(report.clients.map(\.client))
        if !missing.isEmpty {
            FileHandleStderr.write(
                "dpwall: no budget window in \(ledger) for: \(missing.sorted().joined(separator: ", "))\n")
            throw ExitCode(65)
        }
    }
}
