public import DPWallPrivacy
import DPWallRecords
import Foundation
internal import GRDB
internal import GRDBSQLite

/// The budget ledger in a SQLite file (docs/privacy.md, "Budgets and the ledger"), through GRDB on the system libsqlite3.
///
/// WAL mode with `synchronous = FULL`: a committed batch survives a crash of the process or of the machine.
/// The schema is versioned by GRDB's migrator. One writer per file (``LedgerLock``); `:memory:` needs no lock.
///
/// Tables:
/// - `windows(client, window_start, sum_epsilon, sum_delta, rho, sum_mu_squared, releases, laplace)`: each
///   client's accounting state per window (`laplace` holds the Laplace groups as `ε:count` pairs);
/// - `charges(client, id, digest, event_time, window_start, epsilon, delta, keyed)`: every charged record; the
///   content of keyed charges is unique per client and window (a repeat is answered again, not charged);
/// - `adjustments(seq, kind, client, window_start, epsilon, delta, at, by, reason)`: grants and resets;
/// - `audit_head(id = 1, chain, seq)`: the latest audit chain head (the audit archive anchors it here).
///
/// `windows` also holds, per window, its end, the client's tier and limit, grants, the position after the last
/// charge, denials, and first and last event times: `budget show` reads it without the policy.
public final class SQLiteLedger: @unchecked Sendable {
    /// Where the ledger lives (`:memory:` for a throwaway one).
    public let path: String
    private let queue: DatabaseQueue
    private let lock: LedgerLock?
    /// Whether this open created the file (it did not exist before).
    public let wasCreated: Bool

    /// Opens (creating and migrating when needed) the ledger at `path`, taking its lock; with `readOnly`, opens
    /// an existing ledger for reading only, without the lock (a running filter keeps writing meanwhile: WAL).
    ///
    /// A new ledger is created whole or not at all: its schema is built in a file of its own beside `path`, which
    /// is linked to `path` only once complete, so a full disk or a kill during creation never leaves a ledger that
    /// later reads as damaged, and a reader never sees one half made. It is created 0640, as the audit segments
    /// and reports are. A ledger written by a newer dpwall (a migration this one does not know) is refused (65)
    /// rather than written.
    public init(path: String, readOnly: Bool = false) throws {
        self.path = path
        let inMemory = path == ":memory:"
        if readOnly && !inMemory && !FileManager.default.fileExists(atPath: path) {
            throw LedgerError(kind: .notFound, message: "no ledger at \(path) (give --ledger PATH)")
        }
        if !inMemory && !readOnly { wasCreated = try Self.createWhole(path) } else { wasCreated = false }
        lock = inMemory || readOnly ? nil : try LedgerLock(ledgerPath: path)
        do {
            queue = try Self.connect(path, inMemory: inMemory, readOnly: readOnly)
            let (superseded, complete) = try queue.read { db in
                (try Self.migrator.hasBeenSuperseded(db), try Self.migrator.hasCompletedMigrations(db))
            }
            if superseded {
                let unknown = try queue.read { db in
                    try Self.migrator.appliedIdentifiers(db).subtracting(Self.migrator.migrations)
                }
                throw LedgerError(
                    kind: .invalid,
                    message: "ledger \(path) was written by a newer dpwall (its schema has \(unknown.sorted()), which "
                        + "this one does not know): use that dpwall, or a new ledger")
            }
            if readOnly && !complete {
                throw LedgerError(
                    kind: .unusable,
                    message: "ledger \(path) is not a dpwall ledger of this version (run dpwall filter on it once to "
                        + "migrate it)")
            }
            if !readOnly { try Self.migrator.migrate(queue) }
        } catch let error as LedgerError {
            throw error
        } catch {
            throw LedgerError(kind: .unusable, message: "ledger \(path): \(error)")
        }
    }

    /// A connection to the ledger. A reader opens it read-write but `query_only` where it may, so that when it
    /// is the file's last connection SQLite folds the write-ahead log back and removes `-wal` and `-shm` (a
    /// read-only connection leaves them behind); where the file is not writable, read-only.
    private static func connect(_ path: String, inMemory: Bool, readOnly: Bool) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.label = "dpwall-ledger"
        // The filter keeps a group's transaction open from one writing turn to the next (``withWriter(_:)``).
        configuration.allowsUnsafeTransactions = true
        configuration.busyMode = .timeout(5)
        if inMemory { return try DatabaseQueue(configuration: configuration) }
        if readOnly {
            if access(path, R_OK | W_OK) == 0 {
                configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA query_only = 1") }
            } else {
                configuration.readonly = true
            }
            return try DatabaseQueue(path: path, configuration: configuration)
        }
        configuration.journalMode = .wal
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        return try DatabaseQueue(path: path, configuration: configuration)
    }

    /// Creates the ledger at `path` when nothing is there: built whole in `path.creating-PID`, fsynced, then linked
    /// to `path` (`link` fails rather than replace a ledger another process created meanwhile; that one is used).
    @discardableResult
    private static func createWhole(_ path: String) throws -> Bool {
        var status = stat()
        if lstat(path, &status) == 0 { return false }  // a file, or a link SQLite will follow
        guard errno == ENOENT else {
            throw LedgerError(kind: .unusable, message: "ledger \(path): \(String(cString: strerror(errno)))")
        }
        let temporary = "\(path).creating-\(getpid())"
        func failed(_ what: String, _ code: Int32 = errno) -> LedgerError {
            LedgerError(
                kind: .unusable,
                message: "ledger \(path): cannot create it (\(what)): \(String(cString: strerror(code)))")
        }
        for suffix in ["", "-wal", "-shm", "-journal"] { unlink(temporary + suffix) }
        defer { for suffix in ["", "-wal", "-shm", "-journal"] { unlink(temporary + suffix) } }
        do throws(SystemCallError) {
            let fd = try SystemCall.open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode: 0o640)
            try? SystemCall.fchmod(fd, 0o640)
            try? SystemCall.close(fd)
        } catch {
            throw failed("create", error.code)
        }
        do {
            let queue = try connect(temporary, inMemory: false, readOnly: false)
            try migrator.migrate(queue)
            _ = try queue.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
            try queue.close()
        } catch {
            throw LedgerError(kind: .unusable, message: "ledger \(path): cannot create it: \(error)")
        }
        do throws(SystemCallError) {
            let written = try SystemCall.open(temporary, O_RDONLY | O_CLOEXEC)
            defer { try? SystemCall.close(written) }
            try SystemCall.fsync(written)
        } catch {
            throw failed("fsync", error.code)
        }
        var linked = true
        if link(temporary, path) != 0 {
            guard errno == EEXIST else { throw failed("link") }
            linked = false
        }
        let parent = (path as NSString).deletingLastPathComponent
        SystemCall.syncDirectory(parent.isEmpty ? "." : parent)
        return linked
    }

    /// The versioned schema.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: windows, charges, audit head") { db in
            try db.execute(
                sql: """
                    CREATE TABLE windows (
                        client TEXT NOT NULL,
                        window_start INTEGER NOT NULL,
                        sum_epsilon REAL NOT NULL,
                        sum_delta REAL NOT NULL,
                        rho REAL NOT NULL,
                        sum_mu_squared REAL NOT NULL,
                        releases INTEGER NOT NULL,
                        laplace TEXT NOT NULL,
                        PRIMARY KEY (client, window_start)
                    ) WITHOUT ROWID;
                    CREATE TABLE charges (
                        client TEXT NOT NULL,
                        id TEXT NOT NULL,
                        digest BLOB NOT NULL,
                        event_time INTEGER NOT NULL,
                        window_start INTEGER NOT NULL,
                        epsilon REAL NOT NULL,
                        delta REAL NOT NULL,
                        PRIMARY KEY (client, id)
                    ) WITHOUT ROWID;
                    CREATE TABLE audit_head (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        chain BLOB NOT NULL,
                        seq INTEGER NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("v2: window spans and limits, keyed charges, budget adjustments") { db in
            try db.execute(
                sql: """
                    ALTER TABLE windows ADD COLUMN window_end INTEGER NOT NULL DEFAULT 9223372036854775807;
                    ALTER TABLE windows ADD COLUMN tier TEXT NOT NULL DEFAULT '';
                    ALTER TABLE windows ADD COLUMN limit_epsilon REAL NOT NULL DEFAULT 0;
                    ALTER TABLE windows ADD COLUMN limit_delta REAL NOT NULL DEFAULT 0;
                    ALTER TABLE windows ADD COLUMN granted_epsilon REAL NOT NULL DEFAULT 0;
                    ALTER TABLE windows ADD COLUMN granted_delta REAL NOT NULL DEFAULT 0;
                    ALTER TABLE windows ADD COLUMN spent_epsilon REAL NOT NULL DEFAULT 0;
                    ALTER TABLE windows ADD COLUMN spent_delta REAL NOT NULL DEFAULT 0;
                    ALTER TABLE windows ADD COLUMN denials INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE windows ADD COLUMN first_seen INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE windows ADD COLUMN last_seen INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE charges ADD COLUMN keyed INTEGER NOT NULL DEFAULT 0;
                    CREATE UNIQUE INDEX charges_keyed_content ON charges (client, window_start, digest)
                        WHERE keyed = 1;
                    CREATE TABLE adjustments (
                        seq INTEGER PRIMARY KEY,
                        kind TEXT NOT NULL CHECK (kind IN ('grant', 'reset')),
                        client TEXT NOT NULL,
                        window_start INTEGER NOT NULL,
                        epsilon REAL NOT NULL,
                        delta REAL NOT NULL,
                        at INTEGER NOT NULL,
                        by TEXT NOT NULL,
                        reason TEXT NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("v3: request limits and quotas") { db in
            try db.execute(
                sql: """
                    CREATE TABLE limits (
                        client TEXT PRIMARY KEY,
                        tier TEXT NOT NULL DEFAULT '',
                        rate_excess INTEGER NOT NULL,
                        rate_last INTEGER NOT NULL,
                        rate_seen INTEGER NOT NULL,
                        quota_window_start INTEGER NOT NULL,
                        quota_window_end INTEGER NOT NULL,
                        quota_count INTEGER NOT NULL,
                        quota_limit INTEGER NOT NULL,
                        rate_denials INTEGER NOT NULL,
                        quota_denials INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("v4: one budget per client across tiers") { db in
            // privacy.md, "Budgets and the ledger": a client's spend in any span is the sum of its hourly buckets
            // (an hour cut where a reset falls) in the span, since every budget window is whole hours aligned
            // to hours; each charge also keeps its own accounting state (rows > 0), from which a bucket that a
            // reset cuts is split exactly. Windows are snapshots of spans that may overlap (a 1d and a 30d span
            // can start at the same instant). The windows a v3 ledger holds are kept whole as `carried` accounts:
            // their charges predate the per-charge state (rows = 0), and a span counts every carried window it
            // overlaps, all of it (the safe side).
            try db.execute(
                sql: """
                    ALTER TABLE charges ADD COLUMN rows INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE charges ADD COLUMN rho REAL NOT NULL DEFAULT 0;
                    ALTER TABLE charges ADD COLUMN mu_squared REAL NOT NULL DEFAULT 0;
                    ALTER TABLE charges ADD COLUMN laplace TEXT NOT NULL DEFAULT '';
                    ALTER TABLE limits ADD COLUMN hour_start INTEGER NOT NULL DEFAULT -9223372036854775808;
                    ALTER TABLE limits ADD COLUMN hour_count INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE limits ADD COLUMN day_start INTEGER NOT NULL DEFAULT -9223372036854775808;
                    ALTER TABLE limits ADD COLUMN day_count INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE limits ADD COLUMN month_start INTEGER NOT NULL DEFAULT -9223372036854775808;
                    ALTER TABLE limits ADD COLUMN month_count INTEGER NOT NULL DEFAULT 0;
                    CREATE TABLE buckets (
                        client TEXT NOT NULL,
                        bucket_start INTEGER NOT NULL,
                        bucket_end INTEGER NOT NULL,
                        sum_epsilon REAL NOT NULL,
                        sum_delta REAL NOT NULL,
                        rho REAL NOT NULL,
                        sum_mu_squared REAL NOT NULL,
                        releases INTEGER NOT NULL,
                        laplace TEXT NOT NULL,
                        PRIMARY KEY (client, bucket_start)
                    ) WITHOUT ROWID;
                    CREATE TABLE carried (
                        client TEXT NOT NULL,
                        window_start INTEGER NOT NULL,
                        window_end INTEGER NOT NULL,
                        sum_epsilon REAL NOT NULL,
                        sum_delta REAL NOT NULL,
                        rho REAL NOT NULL,
                        sum_mu_squared REAL NOT NULL,
                        releases INTEGER NOT NULL,
                        laplace TEXT NOT NULL,
                        PRIMARY KEY (client, window_start, window_end)
                    ) WITHOUT ROWID;
                    INSERT INTO carried SELECT client, window_start, window_end, sum_epsilon, sum_delta, rho,
                        sum_mu_squared, releases, laplace FROM windows WHERE releases > 0;
                    ALTER TABLE adjustments ADD COLUMN window_end INTEGER NOT NULL DEFAULT 9223372036854775807;
                    UPDATE adjustments SET window_end = COALESCE((SELECT w.window_end FROM windows w
                        WHERE w.client = adjustments.client AND w.window_start = adjustments.window_start),
                        window_end) WHERE kind = 'grant';
                    CREATE INDEX adjustments_client ON adjustments (client, kind, window_start);
                    CREATE TABLE windows_v4 (
                        client TEXT NOT NULL,
                        window_start INTEGER NOT NULL,
                        window_end INTEGER NOT NULL,
                        sum_epsilon REAL NOT NULL,
                        sum_delta REAL NOT NULL,
                        rho REAL NOT NULL,
                        sum_mu_squared REAL NOT NULL,
                        releases INTEGER NOT NULL,
                        laplace TEXT NOT NULL,
                        tier TEXT NOT NULL DEFAULT '',
                        limit_epsilon REAL NOT NULL DEFAULT 0,
                        limit_delta REAL NOT NULL DEFAULT 0,
                        granted_epsilon REAL NOT NULL DEFAULT 0,
                        granted_delta REAL NOT NULL DEFAULT 0,
                        spent_epsilon REAL NOT NULL DEFAULT 0,
                        spent_delta REAL NOT NULL DEFAULT 0,
                        denials INTEGER NOT NULL DEFAULT 0,
                        first_seen INTEGER NOT NULL DEFAULT 0,
                        last_seen INTEGER NOT NULL DEFAULT 0,
                        PRIMARY KEY (client, window_start, window_end)
                    ) WITHOUT ROWID;
                    INSERT INTO windows_v4 (\(LedgerWriter.windowColumns))
                        SELECT \(LedgerWriter.windowColumns) FROM windows;
                    DROP TABLE windows;
                    ALTER TABLE windows_v4 RENAME TO windows;
                    """)
        }
        migrator.registerMigration("v5: the audit anchor") { db in
            // audit.md, "The ledger's anchor": where the archive began for this ledger (origin), the digest of the
            // committed entries after the last seal (tail), and the Ed25519 signature over both and the head.
            try db.execute(
                sql: """
                    ALTER TABLE audit_head ADD COLUMN origin_chain BLOB;
                    ALTER TABLE audit_head ADD COLUMN origin_seq INTEGER;
                    ALTER TABLE audit_head ADD COLUMN tail_first INTEGER;
                    ALTER TABLE audit_head ADD COLUMN tail_sha256 BLOB;
                    ALTER TABLE audit_head ADD COLUMN sig BLOB;
                    """)
        }
        migrator.registerMigration("v6: decisions kept for redelivery, the watermark") { db in
            // privacy.md, "Exactly once under redelivery": `charges` keeps every decided record's decision, under
            // the same primary key (client, id), so one insert both records a decision and finds a redelivery.
            // `decision` is 0 for a charge (as before), 1 for a release without a charge, 2 for a denial (its
            // code and message). A release keeps the position its annotation showed, and a dry run what it found.
            // Rows other than charges are pruned behind the watermark (`charges_decided`). records.md, "Event
            // time": the watermark is the latest event time the ordered stage accepted.
            try db.execute(
                sql: """
                    ALTER TABLE charges ADD COLUMN decision INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE charges ADD COLUMN code TEXT;
                    ALTER TABLE charges ADD COLUMN message TEXT;
                    ALTER TABLE charges ADD COLUMN spent_epsilon REAL;
                    ALTER TABLE charges ADD COLUMN spent_delta REAL;
                    ALTER TABLE charges ADD COLUMN limit_epsilon REAL;
                    ALTER TABLE charges ADD COLUMN limit_delta REAL;
                    ALTER TABLE charges ADD COLUMN dry_code TEXT;
                    ALTER TABLE charges ADD COLUMN dry_message TEXT;
                    CREATE INDEX charges_decided ON charges (event_time) WHERE decision > 0;
                    CREATE TABLE stream (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        watermark INTEGER NOT NULL
                    );
                    """)
        }
        return migrator
    }

    /// Writes `batch` in one transaction: nothing of it is visible (or durable) unless all of it is.
    public func commit(_ batch: LedgerBatch) throws {
        try withWriter { writer in
            try writer.begin()
            for record in batch.charges {
                if try writer.insert(record) != .inserted {
                    throw LedgerError(
                        kind: .io, message: "ledger \(path): record \(record.id) of \(record.client) is already charged"
                    )
                }
            }
            for state in batch.windows { try writer.save(state) }
            try writer.commit()
        }
    }

    /// Removes the ledger's file, when this open created it and nothing was recorded in it since (no audit
    /// anchor): a run refused before it began leaves no empty ledger behind. Returns whether it did.
    @discardableResult
    public func discardIfNew() -> Bool {
        guard wasCreated, (try? auditAnchor()) == nil else { return false }
        for suffix in ["", "-wal", "-shm", "-journal"] { unlink(path + suffix) }
        return true
    }

    /// Runs `body` with the ledger's write connection. A transaction ``LedgerWriter/begin()`` opened in one call
    /// stays open into the next, until ``LedgerWriter/commit()``: the filter charges records into it as it decides
    /// them and commits a group at a time. When `body` throws, the open transaction is rolled back. One thread at
    /// a time (the filter calls it from its writing turn).
    public func withWriter<T>(_ body: (inout LedgerWriter) throws -> T) throws -> T {
        do {
            return try queue.writeWithoutTransaction { db in
                var writer = LedgerWriter(db: db, path: path)
                do {
                    return try body(&writer)
                } catch {
                    // A failed group is abandoned whole: nothing of it is charged.
                    try? writer.rollback()
                    throw error
                }
            }
        } catch let error as LedgerError {
            throw error
        } catch {
            throw LedgerError(kind: .io, message: "ledger \(path): \(error)")
        }
    }

    /// The request-limit states of `clients` (every client when empty; the global limit's under
    /// ``LimitState/globalKey``), ordered by client.
    public func limitStates(clients: [String] = []) throws -> [LimitState] {
        try reading { db in
            if clients.isEmpty {
                return try Row.fetchAll(db, sql: "SELECT \(LedgerWriter.limitColumns) FROM limits ORDER BY client")
                    .map { try LedgerWriter.limitState($0) }
            }
            return try clients.compactMap { client in
                try Row.fetchOne(
                    db, sql: "SELECT \(LedgerWriter.limitColumns) FROM limits WHERE client = ?", arguments: [client]
                ).map { try LedgerWriter.limitState($0) }
            }
        }
    }

    /// The stored state of `client`'s window starting at `windowStart`, or `nil` when nothing was charged in it.
    public func window(client: String, windowStart: Int64) throws -> PrivacyAccount? {
        try reading { db in
            try Row.fetchOne(
                db, sql: "SELECT \(LedgerWriter.windowColumns) FROM windows WHERE client = ? AND window_start = ?",
                arguments: [client, windowStart]
            ).map { try LedgerWriter.windowState($0).account }
        }
    }

    /// Every client's latest window (or those of `clients`), ordered by client: what `budget show` lists.
    public func latestWindows(clients: [String] = []) throws -> [WindowState] {
        try reading { db in
            // The snapshot of each client's last decided span (LedgerWriter.latestWindow(client:)'s order).
            let filter = clients.isEmpty ? "" : " WHERE client IN (\(clients.map { _ in "?" }.joined(separator: ",")))"
            return try Row.fetchAll(
                db,
                sql: "SELECT \(LedgerWriter.windowColumns) FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY client "
                    + "ORDER BY last_seen DESC, window_start DESC, window_end ASC) AS latest FROM windows\(filter)) "
                    + "WHERE latest = 1 ORDER BY client",
                arguments: StatementArguments(clients)
            ).map { try LedgerWriter.windowState($0) }
        }
    }

    /// Calls `body` with every window, ordered by client and then window start, without holding them all.
    public func forEachWindow(_ body: (WindowState) throws -> Void) throws {
        try reading { db in
            let rows = try Row.fetchCursor(
                db, sql: "SELECT \(LedgerWriter.windowColumns) FROM windows ORDER BY client, window_start")
            while let row = try rows.next() { try body(try LedgerWriter.windowState(row)) }
        }
    }

    /// Calls `body` with every request-limit state, ordered by client, without holding them all.
    public func forEachLimitState(_ body: (LimitState) throws -> Void) throws {
        try reading { db in
            let rows = try Row.fetchCursor(
                db, sql: "SELECT \(LedgerWriter.limitColumns) FROM limits ORDER BY client")
            while let row = try rows.next() { try body(try LedgerWriter.limitState(row)) }
        }
    }

    /// Calls `body` with the event time and ε of each charge of `client`'s window starting at `windowStart`, in
    /// event-time order, without holding them all.
    public func forEachCharge(client: String, windowStart: Int64, _ body: (Int64, Double) throws -> Void) throws {
        try reading { db in
            let rows = try Row.fetchCursor(
                db,
                sql: "SELECT event_time, epsilon FROM charges WHERE client = ? AND window_start = ? AND decision = 0 "
                    + "ORDER BY event_time",
                arguments: [client, windowStart])
            while let row = try rows.next() { try body(LedgerWriter.column(row, 0), LedgerWriter.column(row, 1)) }
        }
    }

    /// Per tier, over every window: how many clients have windows in it, and the ε and δ they spent (summed over
    /// windows), ordered by tier.
    public func spentByTier() throws -> [(tier: String, clients: Int, epsilon: Double, delta: Double)] {
        try reading { db in
            try Row.fetchAll(
                db,
                sql: "SELECT tier, COUNT(DISTINCT client), TOTAL(spent_epsilon), TOTAL(spent_delta) FROM windows "
                    + "GROUP BY tier ORDER BY tier"
            ).map { row in
                (
                    try LedgerWriter.column(row, 0), try LedgerWriter.column(row, 1), try LedgerWriter.column(row, 2),
                    try LedgerWriter.column(row, 3)
                )
            }
        }
    }

    /// The budget changes operators made, oldest first (or those of `client`).
    public func adjustments(client: String? = nil) throws -> [BudgetAdjustment] {
        try reading { db in
            try Row.fetchAll(
                db,
                sql: "SELECT kind, client, window_start, window_end, epsilon, delta, at, by, reason FROM adjustments"
                    + (client == nil ? "" : " WHERE client = ?") + " ORDER BY seq",
                arguments: client.map { [$0] } ?? []
            ).map { row in
                BudgetAdjustment(
                    kind: BudgetAdjustment.Kind(rawValue: try LedgerWriter.column(row, 0)) ?? .grant,
                    client: try LedgerWriter.column(row, 1), windowStart: try LedgerWriter.column(row, 2),
                    windowEnd: try LedgerWriter.column(row, 3), epsilon: try LedgerWriter.column(row, 4),
                    delta: try LedgerWriter.column(row, 5), at: try LedgerWriter.column(row, 6),
                    by: try LedgerWriter.column(row, 7), reason: try LedgerWriter.column(row, 8))
            }
        }
    }

    /// The largest ε limit a window may reach with grants (nats): far past any meaningful privacy, and small
    /// enough that the accountants' arithmetic stays finite.
    public static let maxEpsilonLimit = 1e6
    /// The largest δ limit a window may reach with grants: a δ near 1 is no guarantee at all.
    public static let maxDeltaLimit = 0.5

    /// Raises the limit of `client`'s latest window by `epsilon` and `delta`, and records who did it and why.
    /// The grant holds for the window's span and for every longer span that holds it (privacy.md, "Budgets and
    /// the ledger"). Returns the window as it now stands; throws when the client has no window yet, or when the
    /// limit with every grant inside the span would pass δ < 1 or ``maxEpsilonLimit``.
    public func grant(
        client: String, epsilon: Double, delta: Double, at: Int64, by: String, reason: String
    ) throws -> WindowState {
        guard epsilon.isFinite && epsilon >= 0 && delta.isFinite && delta >= 0 && epsilon + delta > 0 else {
            throw LedgerError(
                kind: .invalid, message: "a grant adds a finite epsilon ≥ 0 and delta ≥ 0, not both 0")
        }
        return try withWriter { writer in
            try writer.begin()
            guard var state = try writer.latestWindow(client: client) else {
                try writer.rollback()
                throw LedgerError(
                    kind: .notFound,
                    message: "client \(client) has no budget window in ledger \(path) yet: nothing to grant "
                        + "(raise its budget under clients in the policy instead)")
            }
            let span = state.windowStart..<state.windowEnd
            let granted = try writer.granted(client: client, in: span)
            let total = (
                epsilon: state.limitEpsilon + granted.epsilon + epsilon, delta: state.limitDelta + granted.delta + delta
            )
            // Each cap binds the part the grant raises: a policy's own limit may already be past a cap (a bench
            // policy's ε of 1e12, a δ of 0.6), and a grant of the other part stays possible.
            guard
                (epsilon == 0 || total.epsilon <= Self.maxEpsilonLimit)
                    && (delta == 0 || total.delta <= Self.maxDeltaLimit)
            else {
                try writer.rollback()
                throw LedgerError(
                    kind: .invalid,
                    message: "the grant would take \(client)'s limit to epsilon \(Self.number(total.epsilon)), delta "
                        + "\(Self.number(total.delta)) (policy limit plus every grant in the window): a limit must "
                        + "stay at most delta \(Self.number(Self.maxDeltaLimit)) and epsilon "
                        + "\(Self.number(Self.maxEpsilonLimit))")
            }
            state.grantedEpsilon = granted.epsilon + epsilon
            state.grantedDelta = granted.delta + delta
            try writer.save(state)
            try writer.record(
                BudgetAdjustment(
                    kind: .grant, client: client, windowStart: state.windowStart, windowEnd: state.windowEnd,
                    epsilon: epsilon, delta: delta, at: at, by: by, reason: reason))
            try writer.commit()
            return state
        }
    }

    /// Starts `client`'s budget anew at `at` (milliseconds): every span that holds `at` is cut there, so records
    /// from `at` on count only what was charged from `at` on. Records who did it (at wall-clock time `now`) and
    /// why. Returns the new piece of the client's latest window when `at` falls inside it (nil otherwise).
    public func reset(client: String, at: Int64, now: Int64, by: String, reason: String) throws -> WindowState? {
        try withWriter { writer in
            try writer.begin()
            guard let old = try writer.latestWindow(client: client) else {
                try writer.rollback()
                throw LedgerError(
                    kind: .notFound,
                    message: "client \(client) has no budget window in ledger \(path): nothing to reset")
            }
            try writer.record(
                BudgetAdjustment(
                    kind: .reset, client: client, windowStart: at, epsilon: 0, delta: 0, at: now, by: by,
                    reason: reason))
            try writer.splitBucket(client: client, at: at)
            var fresh: WindowState?
            if old.windowStart < at && at < old.windowEnd {
                let span = at..<old.windowEnd
                var state = WindowState(
                    client: client, windowStart: at, windowEnd: old.windowEnd,
                    account: try writer.spent(client: client, in: span))
                state.tier = old.tier
                state.limitEpsilon = old.limitEpsilon
                state.limitDelta = old.limitDelta
                (state.grantedEpsilon, state.grantedDelta) = try writer.granted(client: client, in: span)
                state.lastSeen = old.lastSeen
                try writer.save(state)
                fresh = state
            }
            try writer.commit()
            return fresh
        }
    }

    private static func number(_ value: Double) -> String {
        String(format: "%.6g", value)
    }

    /// The audit archive's head as the ledger last committed it, if an audit was ever written with it.
    public func auditHead() throws -> AuditHead? {
        try auditAnchor()?.head
    }

    /// The ledger's anchor of its audit archive (audit.md, "The ledger's anchor"), if an audit was ever written
    /// with it. A row whose chains or digests are not 32 bytes, or whose `seq`s are not ≥ 1, is damage.
    public func auditAnchor() throws -> AuditAnchor? {
        try reading { db in
            try Row.fetchOne(
                db,
                sql: "SELECT chain, seq, origin_chain, origin_seq, tail_first, tail_sha256, sig FROM audit_head "
                    + "WHERE id = 1"
            ).map { row in
                func damaged(_ what: String) -> LedgerError {
                    LedgerError(
                        kind: .unusable,
                        message: "ledger \(path): its audit anchor's \(what) is not readable: the ledger was edited or "
                            + "damaged")
                }
                func head(_ chain: Data, _ seq: Int64, _ name: String) throws -> AuditHead {
                    guard chain.count == 32 else { throw damaged("\(name) chain") }
                    guard seq >= 1 else { throw damaged("\(name) seq") }
                    return AuditHead(chain: Array(chain), nextSeq: UInt64(seq))
                }
                var current = try head(LedgerWriter.column(row, 0), LedgerWriter.column(row, 1), "head")
                var origin: AuditHead?
                if let chain: Data = try LedgerWriter.optionalColumn(row, 2) {
                    origin = try head(chain, try LedgerWriter.optionalColumn(row, 3) ?? 0, "origin")
                }
                if let first: Int64 = try LedgerWriter.optionalColumn(row, 4) {
                    let digest: Data = try LedgerWriter.optionalColumn(row, 5) ?? Data()
                    guard first >= 1, UInt64(first) <= current.nextSeq, digest.count == 32 else {
                        throw damaged("tail")
                    }
                    current.tail = AuditTail(first: UInt64(first), sha256: Array(digest))
                }
                let signature: Data? = try LedgerWriter.optionalColumn(row, 6)
                return AuditAnchor(origin: origin, head: current, signature: signature.map { Array($0) })
            }
        }
    }

    /// Every charged record's (client, id): what `audit verify --ledger` looks for in the archive.
    public func chargedRecords(_ body: (String, String) throws -> Void) throws {
        try reading { db in
            let rows = try Row.fetchCursor(db, sql: "SELECT client, id FROM charges WHERE decision = 0")
            while let row = try rows.next() { try body(LedgerWriter.column(row, 0), LedgerWriter.column(row, 1)) }
        }
    }

    /// The charge of `client`'s record `id`, if any (retries and duplicate ids).
    public func charge(client: String, id: String) throws -> ChargedRecord? {
        try withWriter { writer in try writer.charge(client: client, id: id) }
    }

    func reading<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try queue.read(body)
        } catch let error as LedgerError {
            throw error
        } catch {
            throw LedgerError(kind: .io, message: "ledger \(path): read failed: \(error)")
        }
    }

    /// Σ ε and the number of charges of `client`'s records (all windows): what a crash test compares.
    public func totals(client: String? = nil) throws -> (epsilon: Double, charges: Int) {
        try queue.read { db in
            let row = try Row.fetchOne(
                db,
                sql: "SELECT COALESCE(SUM(epsilon), 0), COUNT(*) FROM charges WHERE decision = 0"
                    + (client == nil ? "" : " AND client = ?"),
                arguments: client.map { [$0] } ?? [])!
            return (try LedgerWriter.column(row, 0), try LedgerWriter.column(row, 1))
        }
    }

    /// `PRAGMA integrity_check`: "ok" for a sound file.
    public func integrityCheck() throws -> String {
        try queue.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") ?? "" }
    }

    /// The journal mode in effect (`wal` for a file).
    public func journalMode() throws -> String {
        try queue.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "" }
    }

    /// Laplace groups as text: `ε:count` pairs separated by `;`, ε in its shortest round-tripping form.
    package static func encode(_ groups: [PrivacyAccount.LaplaceGroup]) -> String {
        groups.map { "\($0.epsilon):\($0.count)" }.joined(separator: ";")
    }

    static func decode(_ text: String) -> [PrivacyAccount.LaplaceGroup] {
        text.split(separator: ";").compactMap { pair in
            let parts = pair.split(separator: ":")
            guard parts.count == 2, let epsilon = Double(parts[0]), let count = Int(parts[1]) else { return nil }
            return PrivacyAccount.LaplaceGroup(epsilon: epsilon, count: count)
        }
    }
}
