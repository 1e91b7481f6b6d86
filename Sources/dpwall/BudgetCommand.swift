import ArgumentParser
import DPWall
import DPWallRecords
import DPWallStore
import Foundation

/// `dpwall budget`: inspect and adjust clients' privacy budgets in the ledger.
struct BudgetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "budget",
        abstract: "Show, grant and reset clients' privacy budgets in the ledger.",
        subcommands: [Show.self, Grant.self, Reset.self]
    )

    /// How `budget show` prints.
    typealias Format = TextTable.Format

    /// Opens the ledger, or exits with its status and message.
    static func open(_ path: String, readOnly: Bool) throws -> SQLiteLedger {
        do {
            return try SQLiteLedger(path: path, readOnly: readOnly)
        } catch let error as LedgerError {
            FileHandleStderr.write("dpwall: \(error.message)\n")
            throw ExitCode(error.exitStatus)
        }
    }

    /// Runs a ledger operation, turning its failure into a message and an exit status.
    static func ledgerCall<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as LedgerError {
            FileHandleStderr.write("dpwall: \(error.message)\n")
            throw ExitCode(error.exitStatus)
        }
    }

    /// The operating-system user, for `--by`: the account's name from the password database (what `id -un`
    /// says; `USER` can be anything the caller sets, and is unset under cron, sudo and containers), else the uid.
    static var currentUser: String {
        let uid = getuid()
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 4096)
        if getpwuid_r(uid, &entry, &buffer, buffer.count, &result) == 0, let found = result?.pointee.pw_name {
            let name = String(cString: found)
            if !name.isEmpty { return name }
        }
        return "uid \(uid)"
    }

    static func number(_ value: Double) -> String { TextTable.number(value) }

    /// `dpwall budget show`.
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Each client's latest window: spent and limit, releases, denials.",
            discussion: """
                Reads the ledger only (a running filter may keep writing). Spent is the client's position after \
                its last charge under the policy's accounting; the limit includes grants. Exit status: 0, 65 an \
                unknown client or no ledger, 74 an unreadable ledger.
                """)

        @Argument(help: "Clients to show (default: all).")
        var clients: [String] = []

        @Option(help: ArgumentHelp("The ledger.", valueName: "PATH"))
        var ledger = "dpwall.db"

        @Option(help: "table, json or csv.")
        var format: Format = .table

        func validate() throws {
            try ClientArgument.validate(clients, as: "CLIENT")
        }

        func run() throws {
            let opened = try BudgetCommand.open(ledger, readOnly: true)
            let windows = try BudgetCommand.ledgerCall { try opened.latestWindows(clients: clients) }
            let missing = Set(clients).subtracting(windows.map(\.client))
            print(BudgetTable.render(windows, format: format), terminator: "")
            if !missing.isEmpty {
                FileHandleStderr.write(
                    "dpwall: no budget window in \(ledger) for: \(missing.sorted().joined(separator: ", "))\n")
                throw ExitCode(65)
            }
        }
    }

    /// `dpwall budget grant`.
    struct Grant: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Raise a client's limit for its latest window (recorded with who, when and why).",
            discussion: """
                The grant holds in the window of the client's last decision and in every longer window that \
                holds it. The window's limit with all its grants must stay at most delta 0.5 and epsilon \
                1000000. Takes the ledger's lock: it waits for no one, and exits 75 while a filter runs on the \
                ledger. Exit status: 0, 64 bad usage, 65 the client has no window yet or the limit would be out \
                of range, 74 ledger error, 75 locked.
                """)

        @Argument(help: "The client.")
        var client: String

        // `.unconditional`: a value such as `-1` is taken as the value (and refused by validate()), not as an
        // unknown flag that leaves the option without one.
        @Option(parsing: .unconditional, help: "Epsilon to add to the window's limit (> 0).")
        var epsilon: Double

        @Option(parsing: .unconditional, help: "Delta to add to the window's limit (≥ 0).")
        var delta = 0.0

        @Option(help: "Why (recorded in the ledger).")
        var reason: String

        @Option(help: "Who (recorded in the ledger; default: the operating-system user).")
        var by: String?

        @Option(help: ArgumentHelp("The ledger.", valueName: "PATH"))
        var ledger = "dpwall.db"

        func validate() throws {
            try ClientArgument.validate([client], as: "CLIENT")
            guard epsilon.isFinite && epsilon > 0 else { throw ValidationError("--epsilon must be > 0") }
            guard delta.isFinite && delta >= 0 && delta < 1 else { throw ValidationError("--delta must be in [0, 1)") }
            guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw ValidationError("--reason must say why")
            }
        }

        func run() throws {
            let opened = try BudgetCommand.open(ledger, readOnly: false)
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            let state = try BudgetCommand.ledgerCall {
                try opened.grant(
                    client: client, epsilon: epsilon, delta: delta, at: now, by: by ?? BudgetCommand.currentUser,
                    reason: reason)
            }
            let limit = state.effectiveLimit
            print(
                "dpwall: granted \(client) epsilon \(BudgetCommand.number(epsilon)), delta "
                    + "\(BudgetCommand.number(delta)) in the window from "
                    + "\(EventTime.format(milliseconds: state.windowStart)) to "
                    + "\(EventTime.format(milliseconds: state.windowEnd)): limit now epsilon "
                    + "\(BudgetCommand.number(limit.epsilon)), delta \(BudgetCommand.number(limit.delta))")
        }
    }

    /// `dpwall budget reset`.
    struct Reset: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start a new, empty window for a client now (recorded with who, when and why).",
            discussion: """
                Every window of the client that holds --at (default: now) is cut there: records with event time \
                from then on count only what is charged from then on, whatever their tier. Takes the ledger's \
                lock (exits 75 while a filter runs on it). Exit status: 0, 64 bad usage, 65 the client has no \
                window, 74 ledger error, 75 locked.
                """)

        @Argument(help: "The client.")
        var client: String

        @Flag(help: "Confirm: the client's spent budget is forgotten for records after the reset.")
        var yes = false

        @Option(help: "Why (recorded in the ledger).")
        var reason: String

        @Option(help: "Who (recorded in the ledger; default: the operating-system user).")
        var by: String?

        @Option(help: "When the new window starts (RFC 3339; default: now).")
        var at: String?

        @Option(help: ArgumentHelp("The ledger.", valueName: "PATH"))
        var ledger = "dpwall.db"

        static func parse(_ text: String) -> Int64? {
            var text = text
            return text.withUTF8 { EventTime.parseMilliseconds(UnsafeRawBufferPointer($0)) }
        }

        func validate() throws {
            try ClientArgument.validate([client], as: "CLIENT")
            guard yes else { throw ValidationError("budget reset forgets spent budget: confirm with --yes") }
            guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw ValidationError("--reason must say why")
            }
            if let at, Self.parse(at) == nil {
                throw ValidationError("--at \(at) is not an RFC 3339 time such as 2026-11-26T10:00:00Z")
            }
        }

        func run() throws {
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            let time = at.flatMap(Self.parse) ?? now
            let opened = try BudgetCommand.open(ledger, readOnly: false)
            let state = try BudgetCommand.ledgerCall {
                try opened.reset(
                    client: client, at: time, now: now, by: by ?? BudgetCommand.currentUser, reason: reason)
            }
            var message =
                "dpwall: \(client)'s budget starts anew at \(EventTime.format(milliseconds: time)): records from "
                + "then on count only what is charged from then on"
            if let state {
                message +=
                    " (its latest window now runs from \(EventTime.format(milliseconds: state.windowStart)) to "
                    + "\(EventTime.format(milliseconds: state.windowEnd)))"
            }
            print(message)
        }
    }
}

/// `budget show` output.
enum BudgetTable {
    static let header = [
        "client", "tier", "window_start", "window_end", "spent_epsilon", "limit_epsilon", "used_percent",
        "spent_delta", "limit_delta", "granted_epsilon", "releases", "denials", "first_seen", "last_seen",
    ]

    static func fields(_ state: WindowState) -> [String] {
        let limit = state.effectiveLimit
        let used = limit.epsilon > 0 ? state.spentEpsilon / limit.epsilon * 100 : 0
        let n = BudgetCommand.number
        return [
            state.client, state.tier, EventTime.format(milliseconds: state.windowStart),
            EventTime.format(milliseconds: state.windowEnd), n(state.spentEpsilon), n(limit.epsilon),
            String(format: "%.1f", used), n(state.spentDelta), n(limit.delta), n(state.grantedEpsilon),
            "\(state.account.releases)", "\(state.denials)",
            state.firstSeen == 0 ? "" : EventTime.format(milliseconds: state.firstSeen),
            state.lastSeen == 0 ? "" : EventTime.format(milliseconds: state.lastSeen),
        ]
    }

    static func render(_ windows: [WindowState], format: BudgetCommand.Format) -> String {
        render(
            header: header, rows: windows.map(fields),
            numeric: [
                "spent_epsilon", "limit_epsilon", "used_percent", "spent_delta", "limit_delta", "granted_epsilon",
                "releases", "denials",
            ], tableColumns: [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11], format: format)
    }

    /// Rows under `header` in `format` (``TextTable/render(header:rows:numeric:tableColumns:format:)``).
    static func render(
        header: [String], rows: [[String]], numeric: Set<String>, tableColumns: [Int], format: BudgetCommand.Format
    ) -> String {
        TextTable.render(header: header, rows: rows, numeric: numeric, tableColumns: tableColumns, format: format)
    }
}
