public import DPWallPrivacy
import Foundation
internal import GRDB
internal import GRDBSQLite

/// The budget ledger in a SQLite file (privacy.md, "The ledger"), through GRDB on the system libsqlite3.
///
/// WAL mode with `synchronous = FULL`: a committed batch survives a crash of the process or of the machine.
/// The schema is versioned by GRDB's migrator. One writer per file (``LedgerLock``); `:memory:` needs no lock.
///
/// Tables:
/// - `windows(client, window_start, sum_epsilon, sum_delta, rho, sum_mu_squared, releases, laplace)`: each
///   client's accounting state per window (`laplace` holds the Laplace groups as `ε:count` pairs);
/// - `charges(client, id, digest, event_time, window_start, epsilon, delta)`: every charged record;
/// - `audit_head(id = 1, chain, seq)`: the latest audit chain head (the audit archive anchors it here).
public final class SQLiteLedger: @unchecked Sendable {
    /// Where the ledger lives (`:memory:` for a throwaway one).
    public let path: String
    private let queue: DatabaseQueue
    private let lock: LedgerLock?

    /// Opens (creating and migrating when needed) the ledger at `path`, taking its lock.
    public init(path: String) throws {
        self.path = path
        let inMemory = path == ":memory:"
        lock = inMemory ? nil : try LedgerLock(ledgerPath: path)
        var configuration = Configuration()
        configuration.label = "dpwall-ledger"
        if !inMemory { configuration.journalMode = .wal }
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        do {
            queue =
                inMemory
                ? try DatabaseQueue(configuration: configuration)
                : try DatabaseQueue(path: path, configuration: configuration)
            try Self.migrator.migrate(queue)
        } catch {
            throw LedgerError(kind: .unusable, message: "ledger \(path): \(error)")
        }
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
        return migrator
    }

    /// Writes `batch` in one transaction: nothing of it is visible (or durable) unless all of it is.
    public func commit(_ batch: LedgerBatch) throws {
        do {
            try queue.inTransaction(.immediate) { db in
                // The hot path binds through SQLite's C API on GRDB's prepared statements: GRDB's argument arrays box
                // every value, which cost a fifth of the commit time at 10,000 records per batch.
                let charge = try db.cachedStatement(
                    sql: "INSERT INTO charges (client, id, digest, event_time, window_start, epsilon, delta) "
                        + "VALUES (?, ?, ?, ?, ?, ?, ?)")
                for record in batch.charges {
                    let statement = charge.sqliteStatement
                    sqlite3_reset(statement)
                    Self.bind(statement, 1, record.client)
                    Self.bind(statement, 2, record.id)
                    _ = record.digest.withUnsafeBytes { bytes in
                        sqlite3_bind_blob(statement, 3, bytes.baseAddress, Int32(bytes.count), Self.transient)
                    }
                    sqlite3_bind_int64(statement, 4, record.eventTime)
                    sqlite3_bind_int64(statement, 5, record.windowStart)
                    sqlite3_bind_double(statement, 6, record.epsilon)
                    sqlite3_bind_double(statement, 7, record.delta)
                    try Self.step(statement, db)
                }
                let window = try db.cachedStatement(
                    sql: "INSERT OR REPLACE INTO windows (client, window_start, sum_epsilon, sum_delta, rho, "
                        + "sum_mu_squared, releases, laplace) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
                for state in batch.windows {
                    let account = state.account
                    let statement = window.sqliteStatement
                    sqlite3_reset(statement)
                    Self.bind(statement, 1, state.client)
                    sqlite3_bind_int64(statement, 2, state.windowStart)
                    sqlite3_bind_double(statement, 3, account.sumEpsilon)
                    sqlite3_bind_double(statement, 4, account.sumDelta)
                    sqlite3_bind_double(statement, 5, account.rho)
                    sqlite3_bind_double(statement, 6, account.sumMuSquared)
                    sqlite3_bind_int64(statement, 7, Int64(account.releases))
                    Self.bind(statement, 8, Self.encode(account.laplaceCounts))
                    try Self.step(statement, db)
                }
                return .commit
            }
        } catch {
            throw LedgerError(kind: .io, message: "ledger \(path): commit failed: \(error)")
        }
    }

    /// The stored state of `client`'s window starting at `windowStart`, or `nil` when nothing was charged in it.
    public func window(client: String, windowStart: Int64) throws -> PrivacyAccount? {
        do {
            return try queue.read { db in
                guard
                    let row = try Row.fetchOne(
                        db,
                        sql: "SELECT sum_epsilon, sum_delta, rho, sum_mu_squared, releases, laplace FROM windows "
                            + "WHERE client = ? AND window_start = ?",
                        arguments: [client, windowStart])
                else { return nil }
                return PrivacyAccount(
                    sumEpsilon: row[0], sumDelta: row[1], rho: row[2], sumMuSquared: row[3],
                    laplaceCounts: Self.decode(row[5]), releases: row[4])
            }
        } catch {
            throw LedgerError(kind: .io, message: "ledger \(path): read failed: \(error)")
        }
    }

    /// The charge of `client`'s record `id`, if any (retries and duplicate ids).
    public func charge(client: String, id: String) throws -> ChargedRecord? {
        do {
            return try queue.read { db in
                guard
                    let row = try Row.fetchOne(
                        db,
                        sql: "SELECT digest, event_time, window_start, epsilon, delta FROM charges "
                            + "WHERE client = ? AND id = ?",
                        arguments: [client, id])
                else { return nil }
                let digest: Data = row[0]
                return ChargedRecord(
                    client: client, id: id, digest: Array(digest), eventTime: row[1], windowStart: row[2],
                    epsilon: row[3], delta: row[4])
            }
        } catch {
            throw LedgerError(kind: .io, message: "ledger \(path): read failed: \(error)")
        }
    }

    /// Σ ε and the number of charges of `client`'s records (all windows): what a crash test compares.
    public func totals(client: String? = nil) throws -> (epsilon: Double, charges: Int) {
        try queue.read { db in
            let row = try Row.fetchOne(
                db,
                sql: "SELECT COALESCE(SUM(epsilon), 0), COUNT(*) FROM charges"
                    + (client == nil ? "" : " WHERE client = ?"),
                arguments: client.map { [$0] } ?? [])!
            return (row[0], row[1])
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

    /// SQLite copies bound values (`SQLITE_TRANSIENT`).
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    private static func bind(_ statement: OpaquePointer, _ index: Int32, _ text: String) {
        var text = text
        text.withUTF8 { bytes in
            _ = sqlite3_bind_text(
                statement, index, bytes.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) },
                Int32(bytes.count), transient)
        }
    }

    /// Runs an insert; throws SQLite's message on failure (a duplicate id, a full disk).
    private static func step(_ statement: OpaquePointer, _ db: Database) throws {
        let status = sqlite3_step(statement)
        sqlite3_reset(statement)
        guard status == SQLITE_DONE else {
            throw LedgerError(
                kind: .io, message: "SQLite error \(status): \(String(cString: sqlite3_errmsg(db.sqliteConnection)))")
        }
    }

    /// Laplace groups as text: `ε:count` pairs separated by `;`, ε in its shortest round-tripping form.
    static func encode(_ groups: [PrivacyAccount.LaplaceGroup]) -> String {
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
