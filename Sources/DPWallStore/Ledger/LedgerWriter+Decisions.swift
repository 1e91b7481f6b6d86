public import DPWallRecords
import Foundation
internal import GRDB
internal import GRDBSQLite

/// What the ledger keeps so that a redelivered record gets its first decision (privacy.md, "Exactly once under
/// redelivery"), and the watermark of records.md's "Event time".
///
/// Every decided record has one row in `charges` under its `(client, id)`: a charge as before, or a release
/// without a charge, or a denial with its code and message. The row is written by the same insert that decides
/// the record, so finding a redelivery costs nothing on the common path: the insert fails on the primary key,
/// and only then is the earlier decision read (``decision(client:id:)``).
extension LedgerWriter {
    /// Remembers a decision that is not a charge: a release without one (`digest` is the record's content
    /// digest, `position` what its annotation showed) or a denial (`problem`). Returns false, writing nothing,
    /// when `client` already has a decision for `id` (a redelivery).
    public func remember(
        client: String, id: String, eventTime: Int64, digest: [UInt8], keyed: Bool, position: ReleasePosition?,
        problem: DPWallRecords.RecordError?, dryRun: DPWallRecords.RecordError?
    ) throws -> Bool {
        let statement = try db.cachedStatement(
            sql: "INSERT INTO charges (client, id, digest, event_time, window_start, epsilon, delta, keyed, decision, "
                + "code, message, spent_epsilon, spent_delta, limit_epsilon, limit_delta, dry_code, dry_message) "
                + "VALUES (?, ?, ?, ?, ?, 0, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        ).sqliteStatement
        sqlite3_reset(statement)
        Self.bind(statement, 1, client)
        Self.bind(statement, 2, id)
        _ = digest.withUnsafeBytes { bytes in
            // A zero-length blob, not NULL, for an empty digest (the column is NOT NULL).
            sqlite3_bind_blob(
                statement, 3, bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32(bytes.count),
                Self.transient)
        }
        sqlite3_bind_int64(statement, 4, eventTime)
        // Not a budget window: the row is no charge (every reader of charges asks for decision = 0).
        sqlite3_bind_int64(statement, 5, eventTime)
        // A keyed repeat is remembered as keyed (its redelivery is answered again only under a key), as 2: the
        // unique index on keyed content holds charges only (keyed = 1).
        sqlite3_bind_int64(statement, 6, keyed ? 2 : 0)
        let kind: StoredDecision.Kind = problem == nil ? .released : .denied
        sqlite3_bind_int64(statement, 7, kind.rawValue)
        Self.bind(statement, 8, problem)
        Self.bind(statement, 10, position)
        Self.bind(statement, 14, dryRun)
        switch try Self.outcome(sqlite3_step(statement), statement, db) {
        case .inserted: return true
        case .idTaken: return false
        case .contentTaken:
            throw LedgerError(kind: .io, message: "ledger \(path): a decision of \(client) collided with a charge")
        }
    }

    /// The decision the ledger holds for `client`'s record `id`, as this connection sees it (the open group
    /// included).
    public func decision(client: String, id: String) throws -> StoredDecision? {
        try Row.fetchOne(
            db.cachedStatement(
                sql: "SELECT decision, digest, event_time, epsilon, delta, keyed, spent_epsilon, spent_delta, "
                    + "limit_epsilon, limit_delta, code, message, dry_code, dry_message FROM charges "
                    + "WHERE client = ? AND id = ?"),
            arguments: [client, id]
        ).map { row in
            let raw: Int64 = try Self.column(row, 0)
            guard let kind = StoredDecision.Kind(rawValue: raw) else {
                throw LedgerError(
                    kind: .unusable,
                    message: "ledger \(path): the decision of client \(client)'s record \(id) is \(raw), which this "
                        + "dpwall does not know: the ledger was edited or damaged")
            }
            let digest: Data = try Self.column(row, 1)
            let keyed: Int64 = try Self.column(row, 5)
            var position: ReleasePosition?
            if let spent: Double = try Self.optionalColumn(row, 6) {
                position = ReleasePosition(
                    spentEpsilon: spent, spentDelta: try Self.column(row, 7), limitEpsilon: try Self.column(row, 8),
                    limitDelta: try Self.column(row, 9))
            }
            return StoredDecision(
                kind: kind, digest: Array(digest), eventTime: try Self.column(row, 2),
                epsilon: try Self.column(row, 3), delta: try Self.column(row, 4), keyed: keyed != 0,
                position: position, problem: try problem(row, 10, client: client, id: id),
                dryRun: try problem(row, 12, client: client, id: id))
        }
    }

    /// The problem stored in columns `index` (code) and `index + 1` (message), if any.
    private func problem(_ row: Row, _ index: Int, client: String, id: String) throws -> DPWallRecords.RecordError? {
        guard let name: String = try Self.optionalColumn(row, index) else { return nil }
        guard let code = DenialCode(name: name) else {
            throw LedgerError(
                kind: .unusable,
                message: "ledger \(path): the decision of client \(client)'s record \(id) has code \(name.prefix(40)), "
                    + "which this dpwall does not know: the ledger was edited or damaged")
        }
        let message: String = try Self.optionalColumn(row, index + 1) ?? ""
        return DPWallRecords.RecordError(code, message)
    }

    /// The stream's watermark (records.md, "Event time"), if a record was ever accepted.
    public func watermark() throws -> Int64? {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT watermark FROM stream WHERE id = 1"))
    }

    /// Stores the watermark in the open transaction.
    public func saveWatermark(_ watermark: Int64) throws {
        try db.execute(
            sql: "INSERT INTO stream (id, watermark) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET watermark = "
                + "excluded.watermark",
            arguments: [watermark])
    }

    /// Forgets up to `limit` of the decisions that are not charges of records older than `time` (event time), the
    /// oldest first: a redelivery of one is then `late_event`. Returns how many were forgotten.
    @discardableResult
    public func forgetDecisions(before time: Int64, limit: Int = .max) throws -> Int {
        try db.execute(
            sql: "DELETE FROM charges WHERE (client, id) IN (SELECT client, id FROM charges WHERE decision > 0 AND "
                + "event_time < ? ORDER BY event_time LIMIT ?)",
            arguments: [time, limit])
        return db.changesCount
    }

    /// The outcome of an insert into `charges` that stepped to `status`.
    static func outcome(_ status: Int32, _ statement: OpaquePointer, _ db: Database) throws -> InsertOutcome {
        sqlite3_reset(statement)
        if status == SQLITE_DONE { return .inserted }
        let extended = sqlite3_extended_errcode(db.sqliteConnection)
        if extended == constraintPrimaryKey { return .idTaken }
        if extended == constraintUnique { return .contentTaken }
        throw LedgerError(
            kind: .io, message: "SQLite error \(status): \(String(cString: sqlite3_errmsg(db.sqliteConnection)))")
    }

    /// Binds a problem's code and message at `index` and `index + 1` (NULL for none).
    static func bind(_ statement: OpaquePointer, _ index: Int32, _ problem: DPWallRecords.RecordError?) {
        guard let problem else {
            sqlite3_bind_null(statement, index)
            sqlite3_bind_null(statement, index + 1)
            return
        }
        bind(statement, index, problem.code.name)
        bind(statement, index + 1, problem.message)
    }

    /// Binds a position's four numbers from `index` on (NULL for none).
    static func bind(_ statement: OpaquePointer, _ index: Int32, _ position: ReleasePosition?) {
        guard let position else {
            for offset in 0..<Int32(4) { sqlite3_bind_null(statement, index + offset) }
            return
        }
        sqlite3_bind_double(statement, index, position.spentEpsilon)
        sqlite3_bind_double(statement, index + 1, position.spentDelta)
        sqlite3_bind_double(statement, index + 2, position.limitEpsilon)
        sqlite3_bind_double(statement, index + 3, position.limitDelta)
    }
}
