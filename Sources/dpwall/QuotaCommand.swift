import ArgumentParser
import DPWall
import DPWallRecords
import DPWallStore
import Foundation

/// `dpwall quota`: inspect clients' request quotas and rate-limit state in the ledger.
struct QuotaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quota",
        abstract: "Show clients' request quotas and rate-limit state in the ledger.",
        subcommands: [Show.self]
    )

    /// `dpwall quota show`.
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Each client's quota window (used and limit) and its rate-limit and quota denials.",
            discussion: """
                Reads the ledger only (a running filter may keep writing; its latest group shows after it \
                commits). The global rate limit's state, if the policy sets one, is the row named (global). Exit \
                status: 0, 65 an unknown client or no ledger, 74 an unreadable ledger.
                """)

        @Argument(help: "Clients to show (default: all).")
        var clients: [String] = []

        @Option(help: ArgumentHelp("The ledger.", valueName: "PATH"))
        var ledger = "dpwall.db"

        @Option(help: "table, json or csv.")
        var format: BudgetCommand.Format = .table

        static let header = [
            "client", "tier", "quota_used", "quota_limit", "used_percent", "window_start", "window_end",
            "rate_excess", "rate_last", "rate_denials", "quota_denials",
        ]

        static func fields(_ state: LimitState) -> [String] {
            let hasQuota = state.quotaLimit > 0 && state.quotaWindowStart != .min
            return [
                state.client == LimitState.globalKey ? "(global)" : state.client, state.tier,
                hasQuota ? "\(state.quotaCount)" : "", hasQuota ? "\(state.quotaLimit)" : "",
                hasQuota ? String(format: "%.1f", Double(state.quotaCount) / Double(state.quotaLimit) * 100) : "",
                hasQuota ? EventTime.format(milliseconds: state.quotaWindowStart) : "",
                hasQuota ? EventTime.format(milliseconds: state.quotaWindowEnd) : "",
                state.rateSeen ? BudgetCommand.number(Double(state.rateExcess) / 1000) : "",
                state.rateSeen ? EventTime.format(milliseconds: state.rateLast) : "", "\(state.rateDenials)",
                "\(state.quotaDenials)",
            ]
        }

        func validate() throws {
            try ClientArgument.validate(clients, as: "CLIENT")
        }

        func run() throws {
            let opened = try BudgetCommand.open(ledger, readOnly: true)
            let states = try BudgetCommand.ledgerCall { try opened.limitStates(clients: clients) }
            let missing = Set(clients).subtracting(states.map(\.client))
            print(
                BudgetTable.render(
                    header: Self.header, rows: states.map(Self.fields),
                    numeric: [
                        "quota_used", "quota_limit", "used_percent", "rate_excess", "rate_denials", "quota_denials",
                    ],
                    tableColumns: [0, 1, 2, 3, 4, 5, 6, 9, 10], format: format),
                terminator: "")
            if !missing.isEmpty {
                FileHandleStderr.write(
                    "dpwall: no quota or rate state in \(ledger) for: \(missing.sorted().joined(separator: ", "))\n")
                throw ExitCode(65)
            }
        }
    }
}
