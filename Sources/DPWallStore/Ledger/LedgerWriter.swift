public import DPWallPrivacy
import Foundation
internal import GRDB
internal import GRDBSQLite

/// The ledger's write connection, lent by ``SQLiteLedger/withWriter(_:)``.
///
/// The filter charges each record with one `INSERT` into the group's open transaction: the primary key
/// `(client, id)` and the unique index on keyed content find retries and repeats as a side effect of the insert,
/// so deciding a record costs no extra lookup. Statements are SQLite's own, cached by GRDB and bound through
/// the C API: GRDB's argument arrays box every value, which cost a fifth of the commit time at 10,000 records.
public struct LedgerWriter {
    /// The result of charging a record.
    public enum InsertOutcome: Sendable, Equatable {
        /// The record was charged.
        case inserted
        /// The client already has a charged record of this id.
        case idTaken
        /// A keyed record of the same content is already charged to the client in this window.
        case contentTaken
    }

    let db: Database
    let path: String

    static let windowColumns =
        "client, window_start, window_end, sum_epsilon, sum_delta, rho, sum_mu_squared, releases, laplace, tier, "
        + "limit_epsilon, limit_delta, granted_epsilon, granted_delta, spent_epsilon, spent_delta, denials, "
        + "first_seen, last_seen"

    /// Whether a transaction is open.
    public var inTransaction: Bool { db.isInsideTransaction }

    /// Opens the group's transaction (`BEGIN IMMEDIATE`: the write lock is taken now), unless one is open.
    public func begin() throws {
        if !db.isInsideTransaction { try execute("BEGIN IMMEDIATE") }
    }

    /// Commits the open transaction, if any: after it returns, the group is durable (WAL, `synchronous = FULL`).
    public func commit() throws {
        if db.isInsideTransaction { try execute("COMMIT") }
    }

    /// Abandons the open transaction, if any.
    public func rollback() throws {
        if db.isInsideTransaction { try execute("ROLLBACK") }
    }

    /// Charges `record` in the open transaction, or says which earlier charge or decision stands in its way.
    public func insert(_ record: ChargedRecord) throws -> InsertOutcome {
        let statement = try db.cachedStatement(
            sql: "INSERT INTO charges (client, id, digest, event_time, window_start, epsilon, delta, keyed, rows, "
                + "rho, mu_squared, laplace, spent_epsilon, spent_delta, limit_epsilon, limit_delta, dry_code, "
                + "dry_message) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        ).sqliteStatement
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
        sqlite3_bind_int64(statement, 8, record.keyed ? 1 : 0)
        sqlite3_bind_int64(statement, 9, Int64(record.account.releases))
        sqlite3_bind_double(statement, 10, record.account.rho)
        sqlite3_bind_double(statement, 11, record.account.sumMuSquared)
        if record.account.laplaceCounts.isEmpty {
            sqlite3_bind_text(statement, 12, "", 0, Self.transient)
        } else {
            Self.bind(statement, 12, SQLiteLedger.encode(record.account.laplaceCounts))
        }
        Self.bind(statement, 13, record.position)
        Self.bind(statement, 17, record.dryRun)
        return try Self.outcome(sqlite3_step(statement), statement, db)
    }

    /// The charge of `client`'s record `id`, if any, as this connection sees it (the open group included).
    public func charge(client: String, id: String) throws -> ChargedRecord? {
        try Row.fetchOne(
            db.cachedStatement(
                sql: "SELECT digest, event_time, window_start, epsilon, delta, keyed FROM charges "
                    + "WHERE client = ? AND id = ? AND decision = 0"),
            arguments: [client, id]
        ).map { row in
            let digest: Data = try Self.column(row, 0)
            return ChargedRecord(
                client: client, id: id, digest: Array(digest), eventTime: try Self.column(row, 1),
                windowStart: try Self.column(row, 2),
                epsilon: try Self.column(row, 3), delta: try Self.column(row, 4), keyed: try Self.column(row, 5))
        }
    }

    /// The id of the keyed charge of `client` with content `digest` in the window starting at `windowStart`.
    public func keyedCharge(client: String, windowStart: Int64, digest: [UInt8]) throws -> String? {
        try String.fetchOne(
            db.cachedStatement(
                sql: "SELECT id FROM charges WHERE client = ? AND window_start = ? AND digest = ? AND keyed = 1"),
            arguments: [client, windowStart, Data(digest)])
    }

    /// The span of `client`'s budget that holds event time `time` within the tumbling window `[alignedStart,
    /// alignedEnd)` of the tier in force: the window, cut where a `budget reset` of the client falls inside it
    /// (a reset at `r` starts every span that holds `r` anew at `r`).
    public func span(client: String, at time: Int64, alignedStart: Int64, alignedEnd: Int64) throws -> Range<Int64> {
        // Cached statements: a new client costs index lookups, not SQL compilations (a run over a million
        // distinct clients took 107 s with the compilations).
        let row = try Row.fetchOne(
            db.cachedStatement(
                sql: "SELECT (SELECT MAX(window_start) FROM adjustments WHERE client = ?1 AND kind = 'reset' "
                    + "AND window_start > ?2 AND window_start <= ?3), (SELECT MIN(window_start) FROM adjustments "
                    + "WHERE client = ?1 AND kind = 'reset' AND window_start > ?3 AND window_start < ?4)"),
            arguments: [client, alignedStart, time, alignedEnd])
        let start: Int64? = try row.flatMap { try Self.optionalColumn($0, 0) }
        let end: Int64? = try row.flatMap { try Self.optionalColumn($0, 1) }
        return (start ?? alignedStart)..<(end ?? alignedEnd)
    }

    /// What `client` spent in `span` (whole hours, or cut where a reset falls): the sum of its buckets that
    /// start in the span, plus every window carried over from a ledger before per-charge accounting (v3) that
    /// overlaps the span, whole. Buckets changed in memory must be saved first.
    public func spent(client: String, in span: Range<Int64>) throws -> PrivacyAccount {
        var account = PrivacyAccount()
        try addStored(
            from: "buckets WHERE client = ? AND bucket_start >= ? AND bucket_start < ?",
            [client, span.lowerBound, span.upperBound], client: client, to: &account)
        try addStored(
            from: "carried WHERE client = ? AND window_start < ? AND window_end > ?",
            [client, span.upperBound, span.lowerBound], client: client, to: &account)
        return account
    }

    /// Adds every account that `FROM …` (a `buckets` or `carried` clause with its arguments) selects.
    private func addStored(
        from clause: String, _ arguments: StatementArguments, client: String, to account: inout PrivacyAccount
    ) throws {
        let rows = try Row.fetchCursor(
            db.cachedStatement(
                sql: "SELECT sum_epsilon, sum_delta, rho, sum_mu_squared, releases, laplace FROM " + clause),
            arguments: arguments)
        while let row = try rows.next() { account.add(try stored(row, client: client)) }
    }

    /// The stored account of `client`'s bucket starting at `start`, if any.
    public func bucket(client: String, start: Int64) throws -> PrivacyAccount? {
        try Row.fetchOne(
            db.cachedStatement(
                sql: "SELECT sum_epsilon, sum_delta, rho, sum_mu_squared, releases, laplace FROM buckets "
                    + "WHERE client = ? AND bucket_start = ?"),
            arguments: [client, start]
        ).map { try stored($0, client: client) }
    }

    /// Stores `client`'s bucket `span` with `account` (inserting or replacing its row) in the open transaction.
    public func saveBucket(client: String, span: Range<Int64>, _ account: PrivacyAccount) throws {
        let statement = try db.cachedStatement(
            sql: "INSERT OR REPLACE INTO buckets (client, bucket_start, bucket_end, sum_epsilon, sum_delta, rho, "
                + "sum_mu_squared, releases, laplace) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        ).sqliteStatement
        sqlite3_reset(statement)
        Self.bind(statement, client, span, account)
        let status = sqlite3_step(statement)
        sqlite3_reset(statement)
        guard status == SQLITE_DONE else { throw failure(status) }
    }

    /// The sum of the own accounting states of `client`'s charges with event time in `span`: what a reset
    /// splits a bucket with (it reads every charge of the client: an operator's command, not the filter's).
    func chargesAccount(client: String, in span: Range<Int64>) throws -> PrivacyAccount {
        var account = PrivacyAccount()
        let rows = try Row.fetchCursor(
            db,
            sql: "SELECT TOTAL(epsilon), TOTAL(delta), TOTAL(rho), TOTAL(mu_squared), SUM(rows), laplace, COUNT(*) "
                + "FROM charges WHERE client = ? AND event_time >= ? AND event_time < ? AND rows > 0 "
                + "GROUP BY laplace",
            arguments: [client, span.lowerBound, span.upperBound])
        while let row = try rows.next() {
            let count: Int = try Self.column(row, 6)
            let groups = try checkedGroups(try Self.column(row, 5), client: client).map { group in
                let (product, overflow) = group.count.multipliedReportingOverflow(by: count)
                return PrivacyAccount.LaplaceGroup(epsilon: group.epsilon, count: overflow ? .max : product)
            }
            account.add(
                PrivacyAccount(
                    sumEpsilon: try Self.column(row, 0), sumDelta: try Self.column(row, 1),
                    rho: try Self.column(row, 2), sumMuSquared: try Self.column(row, 3), laplaceCounts: groups,
                    releases: try Self.column(row, 4)))
        }
        return account
    }

    /// Cuts `client`'s bucket that holds `time` in two at `time` (a reset), each part summed exactly from the
    /// charges' own states.
    func splitBucket(client: String, at time: Int64) throws {
        guard
            let row = try Row.fetchOne(
                db,
                sql: "SELECT bucket_start, bucket_end FROM buckets WHERE client = ? AND bucket_start < ? "
                    + "AND bucket_end > ? ORDER BY bucket_start DESC LIMIT 1",
                arguments: [client, time, time])
        else { return }
        let start: Int64 = try Self.column(row, 0)
        let end: Int64 = try Self.column(row, 1)
        try db.execute(
            sql: "DELETE FROM buckets WHERE client = ? AND bucket_start = ?", arguments: [client, start])
        try saveBucket(client: client, span: start..<time, chargesAccount(client: client, in: start..<time))
        let after = try chargesAccount(client: client, in: time..<end)
        if after.releases > 0 { try saveBucket(client: client, span: time..<end, after) }
    }

    /// An account as `buckets` and `carried` store it, its counts and groups checked.
    private func stored(_ row: Row, client: String) throws -> PrivacyAccount {
        let releases: Int64 = try Self.column(row, 4)
        guard releases >= 0 && releases < 1 << 40 else {
            throw LedgerError(
                kind: .unusable,
                message: "ledger \(path): client \(client) has an account of \(releases) releases: the ledger was "
                    + "edited or damaged")
        }
        let sums: [Double] = [
            try Self.column(row, 0), try Self.column(row, 1), try Self.column(row, 2), try Self.column(row, 3),
        ]
        // Sums are of costs, each finite and ≥ 0: a negative sum would hand budget back, and a non-finite one
        // would reach the output's annotation.
        guard sums.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
            throw LedgerError(
                kind: .unusable,
                message: "ledger \(path): client \(client) has an account with sums \(sums) (each must be a finite "
                    + "number ≥ 0): the ledger was edited or damaged")
        }
        return PrivacyAccount(
            sumEpsilon: sums[0], sumDelta: sums[1], rho: sums[2], sumMuSquared: sums[3],
            laplaceCounts: try checkedGroups(try Self.column(row, 5), client: client), releases: Int(releases))
    }

    /// The Laplace groups of `text` as a ledger stores them, each with a finite ε > 0 and a count > 0: a ledger
    /// edited into anything else is refused here, before an accountant could trap on it.
    private func checkedGroups(_ text: String, client: String) throws -> [PrivacyAccount.LaplaceGroup] {
        let groups = SQLiteLedger.decode(text)
        let pairs = text.split(separator: ";").count
        guard groups.count == pairs,
            groups.allSatisfy({ $0.epsilon.isFinite && $0.epsilon > 0 && $0.count > 0 && $0.count < 1 << 40 })
        else {
            throw LedgerError(
                kind: .unusable,
                message: "ledger \(path): client \(client) has a charge or window whose Laplace groups are not "
                    + "readable (\(text.prefix(64))): the ledger was edited or damaged")
        }
        return groups
    }

    /// What `budget grant` added to `client`'s limit in `span`: the grants made for spans inside it (a grant
    /// for a day also raises the month that holds the day, never the other way round).
    public func granted(client: String, in span: Range<Int64>) throws -> (epsilon: Double, delta: Double) {
        let row = try Row.fetchOne(
            db.cachedStatement(
                sql: "SELECT TOTAL(epsilon), TOTAL(delta) FROM adjustments WHERE client = ? AND kind = 'grant' "
                    + "AND window_start >= ? AND window_end <= ?"),
            arguments: [client, span.lowerBound, span.upperBound])
        return (try row.map { try Self.column($0, 0) } ?? 0, try row.map { try Self.column($0, 1) } ?? 0)
    }

    /// Whether the ledger holds any of `client`'s spend (a snapshot, a bucket, a carried window): none means it
    /// never had a decision (and so no grant or reset either).
    public func hasAccount(client: String) throws -> Bool {
        // Every table that holds spend: a snapshot alone is not enough, since a snapshot row deleted by hand would
        // make a client with buckets look new and its spend would not count (an attack).
        try Bool.fetchOne(
            db.cachedStatement(
                sql: "SELECT EXISTS (SELECT 1 FROM windows WHERE client = ?1) OR EXISTS (SELECT 1 FROM buckets "
                    + "WHERE client = ?1) OR EXISTS (SELECT 1 FROM carried WHERE client = ?1)"),
            arguments: [client]
        ) ?? false
    }

    /// The stored snapshot of `client`'s span, if any: what `budget show` reads (denials, first and last seen).
    public func snapshot(client: String, span: Range<Int64>) throws -> WindowState? {
        try Row.fetchOne(
            db.cachedStatement(
                sql: "SELECT \(Self.windowColumns) FROM windows WHERE client = ? AND window_start = ? "
                    + "AND window_end = ?"),
            arguments: [client, span.lowerBound, span.upperBound]
        ).map { try Self.windowState($0) }
    }

    /// The client's latest window: the snapshot of the span of its last decision (the latest start, and of
    /// those the shortest span), if any.
    public func latestWindow(client: String) throws -> WindowState? {
        try Row.fetchOne(
            db,
            sql: "SELECT \(Self.windowColumns) FROM windows WHERE client = ? "
                + "ORDER BY last_seen DESC, window_start DESC, window_end ASC LIMIT 1",
            arguments: [client]
        ).map { try Self.windowState($0) }
    }

    /// Stores `state` (inserting or replacing its row).
    public func save(_ state: WindowState) throws {
        let statement = try db.cachedStatement(
            sql: "INSERT OR REPLACE INTO windows (\(Self.windowColumns)) VALUES "
                + "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        ).sqliteStatement
        sqlite3_reset(statement)
        Self.bind(statement, state.client, state.windowStart..<state.windowEnd, state.account)
        Self.bind(statement, 10, state.tier)
        sqlite3_bind_double(statement, 11, state.limitEpsilon)
        sqlite3_bind_double(statement, 12, state.limitDelta)
        sqlite3_bind_double(statement, 13, state.grantedEpsilon)
        sqlite3_bind_double(statement, 14, state.grantedDelta)
        sqlite3_bind_double(statement, 15, state.spentEpsilon)
        sqlite3_bind_double(statement, 16, state.spentDelta)
        sqlite3_bind_int64(statement, 17, Int64(state.denials))
        sqlite3_bind_int64(statement, 18, state.firstSeen)
        sqlite3_bind_int64(statement, 19, state.lastSeen)
        let status = sqlite3_step(statement)
        sqlite3_reset(statement)
        guard status == SQLITE_DONE else { throw failure(status) }
    }

    static let limitColumns =
        "client, tier, rate_excess, rate_last, rate_seen, quota_window_start, quota_window_end, quota_count, "
        + "quota_limit, rate_denials, quota_denials, hour_start, hour_count, day_start, day_count, month_start, "
        + "month_count"

    /// The stored request-limit state of `client` (``LimitState/globalKey`` for the global limit), if any.
    public func limitState(client: String) throws -> LimitState? {
        try Row.fetchOne(
            db.cachedStatement(sql: "SELECT \(Self.limitColumns) FROM limits WHERE client = ?"), arguments: [client]
        ).map { try Self.limitState($0) }
    }

    /// Stores `state` (inserting or replacing its row) in the open transaction.
    public func save(_ state: LimitState) throws {
        let statement = try db.cachedStatement(
            sql: "INSERT OR REPLACE INTO limits (\(Self.limitColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                + "?, ?, ?, ?)"
        ).sqliteStatement
        sqlite3_reset(statement)
        Self.bind(statement, 1, state.client)
        Self.bind(statement, 2, state.tier)
        sqlite3_bind_int64(statement, 3, state.rateExcess)
        sqlite3_bind_int64(statement, 4, state.rateLast)
        sqlite3_bind_int64(statement, 5, state.rateSeen ? 1 : 0)
        sqlite3_bind_int64(statement, 6, state.quotaWindowStart)
        sqlite3_bind_int64(statement, 7, state.quotaWindowEnd)
        sqlite3_bind_int64(statement, 8, state.quotaCount)
        sqlite3_bind_int64(statement, 9, state.quotaLimit)
        sqlite3_bind_int64(statement, 10, state.rateDenials)
        sqlite3_bind_int64(statement, 11, state.quotaDenials)
        sqlite3_bind_int64(statement, 12, state.hourStart)
        sqlite3_bind_int64(statement, 13, state.hourCount)
        sqlite3_bind_int64(statement, 14, state.dayStart)
        sqlite3_bind_int64(statement, 15, state.dayCount)
        sqlite3_bind_int64(statement, 16, state.monthStart)
        sqlite3_bind_int64(statement, 17, state.monthCount)
        let status = sqlite3_step(statement)
        sqlite3_reset(statement)
        guard status == SQLITE_DONE else { throw failure(status) }
    }

    static func limitState(_ row: Row) throws -> LimitState {
        var state = LimitState(client: try Self.column(row, 0))
        state.tier = try Self.column(row, 1)
        state.rateExcess = try Self.column(row, 2)
        state.rateLast = try Self.column(row, 3)
        state.rateSeen = try Self.column(row, 4)
        state.quotaWindowStart = try Self.column(row, 5)
        state.quotaWindowEnd = try Self.column(row, 6)
        state.quotaCount = try Self.column(row, 7)
        state.quotaLimit = try Self.column(row, 8)
        state.rateDenials = try Self.column(row, 9)
        state.quotaDenials = try Self.column(row, 10)
        state.hourStart = try Self.column(row, 11)
        state.hourCount = try Self.column(row, 12)
        state.dayStart = try Self.column(row, 13)
        state.dayCount = try Self.column(row, 14)
        state.monthStart = try Self.column(row, 15)
        state.monthCount = try Self.column(row, 16)
        // A window start is an instant of years 0000 to 9999 (or none): anything else is an edit, and the
        // calendar arithmetic of a month would overflow on it.
        for start in [state.hourStart, state.dayStart, state.monthStart] where start != .min {
            guard (-62_167_219_200_000...253_402_300_800_000).contains(start) else {
                throw LedgerError(
                    kind: .unusable,
                    message: "ledger: client \(state.client)'s quota counts start at \(start) ms, outside years 0000 "
                        + "to 9999: the ledger was edited or damaged")
            }
        }
        return state
    }

    /// Stores the audit archive's anchor (the origin, the last seal's chain, the next `seq`, the digest of the
    /// committed entries after the last seal, the signature) in the open transaction, with the charges it covers:
    /// a cut or rewritten archive then shows against the ledger.
    public func saveAuditAnchor(_ anchor: AuditAnchor) throws {
        let statement = try db.cachedStatement(
            sql: "INSERT OR REPLACE INTO audit_head (id, chain, seq, origin_chain, origin_seq, tail_first, "
                + "tail_sha256, sig) VALUES (1, ?, ?, ?, ?, ?, ?, ?)"
        ).sqliteStatement
        sqlite3_reset(statement)
        func blob(_ index: Int32, _ bytes: [UInt8]?) {
            guard let bytes else {
                sqlite3_bind_null(statement, index)
                return
            }
            _ = bytes.withUnsafeBytes { raw in
                sqlite3_bind_blob(statement, index, raw.baseAddress, Int32(raw.count), Self.transient)
            }
        }
        func integer(_ index: Int32, _ value: UInt64?) {
            if let value {
                sqlite3_bind_int64(statement, index, Int64(value))
            } else {
                sqlite3_bind_null(statement, index)
            }
        }
        blob(1, anchor.head.chain)
        integer(2, anchor.head.nextSeq)
        blob(3, anchor.origin?.chain)
        integer(4, anchor.origin?.nextSeq)
        integer(5, anchor.head.tail?.first)
        blob(6, anchor.head.tail?.sha256)
        blob(7, anchor.signature)
        let status = sqlite3_step(statement)
        sqlite3_reset(statement)
        guard status == SQLITE_DONE else { throw failure(status) }
    }

    /// Records an operator's change to a budget.
    func record(_ adjustment: BudgetAdjustment) throws {
        try db.execute(
            sql: "INSERT INTO adjustments (kind, client, window_start, window_end, epsilon, delta, at, by, reason) "
                + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            arguments: [
                adjustment.kind.rawValue, adjustment.client, adjustment.windowStart, adjustment.windowEnd,
                adjustment.epsilon,
                adjustment.delta, adjustment.at, adjustment.by, adjustment.reason,
            ])
    }

    static func windowState(_ row: Row) throws -> WindowState {
        var state = WindowState(
            client: try Self.column(row, 0), windowStart: try Self.column(row, 1), windowEnd: try Self.column(row, 2),
            account: PrivacyAccount(
                sumEpsilon: try Self.column(row, 3), sumDelta: try Self.column(row, 4), rho: try Self.column(row, 5),
                sumMuSquared: try Self.column(row, 6),
                laplaceCounts: SQLiteLedger.decode(try Self.column(row, 8)), releases: try Self.column(row, 7)))
        state.tier = try Self.column(row, 9)
        state.limitEpsilon = try Self.column(row, 10)
        state.limitDelta = try Self.column(row, 11)
        state.grantedEpsilon = try Self.column(row, 12)
        state.grantedDelta = try Self.column(row, 13)
        state.spentEpsilon = try Self.column(row, 14)
        state.spentDelta = try Self.column(row, 15)
        state.denials = try Self.column(row, 16)
        state.firstSeen = try Self.column(row, 17)
        state.lastSeen = try Self.column(row, 18)
        return state
    }

    /// Column `index` of `row` as a `T`, nil for NULL, or a ``LedgerError`` for a value of another type.
    static func optionalColumn<T: DatabaseValueConvertible>(_ row: Row, _ index: Int) throws -> T? {
        let value: DatabaseValue = row[index]
        return value.isNull ? nil : try column(row, index) as T
    }

    /// Column `index` of `row` as a `T`, or a ``LedgerError`` naming it: a ledger edited to hold text where a
    /// number belongs (or NULL) is refused here, where GRDB's subscript would trap.
    static func column<T: DatabaseValueConvertible>(_ row: Row, _ index: Int) throws -> T {
        let value: DatabaseValue = row[index]
        guard let decoded = T.fromDatabaseValue(value) else {
            throw LedgerError(
                kind: .unusable,
                message: "ledger: column \(row.columnNames.dropFirst(index).first ?? "\(index)") holds "
                    + "\(String(describing: value).prefix(40)) where \(T.self) belongs: the ledger was edited or damaged"
            )
        }
        return decoded
    }

    private func execute(_ sql: String) throws {
        let status = sqlite3_exec(db.sqliteConnection, sql, nil, nil, nil)
        guard status == SQLITE_OK else { throw failure(status) }
    }

    func failure(_ status: Int32) -> LedgerError {
        LedgerError(
            kind: .io,
            message: "ledger \(path): SQLite error \(status): \(String(cString: sqlite3_errmsg(db.sqliteConnection)))")
    }

    /// `SQLITE_CONSTRAINT_PRIMARYKEY` and `SQLITE_CONSTRAINT_UNIQUE` (sqlite3.h; macros Swift does not import).
    static let constraintPrimaryKey: Int32 = 19 | (6 << 8), constraintUnique: Int32 = 19 | (8 << 8)

    /// SQLite copies bound values (`SQLITE_TRANSIENT`).
    static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    /// Binds parameters 1 to 9 of a `windows` or `buckets` row: the client, the span, and the account.
    private static func bind(
        _ statement: OpaquePointer, _ client: String, _ span: Range<Int64>, _ account: PrivacyAccount
    ) {
        bind(statement, 1, client)
        sqlite3_bind_int64(statement, 2, span.lowerBound)
        sqlite3_bind_int64(statement, 3, span.upperBound)
        sqlite3_bind_double(statement, 4, account.sumEpsilon)
        sqlite3_bind_double(statement, 5, account.sumDelta)
        sqlite3_bind_double(statement, 6, account.rho)
        sqlite3_bind_double(statement, 7, account.sumMuSquared)
        sqlite3_bind_int64(statement, 8, Int64(account.releases))
        bind(statement, 9, SQLiteLedger.encode(account.laplaceCounts))
    }

    static func bind(_ statement: OpaquePointer, _ index: Int32, _ text: String) {
        var text = text
        text.withUTF8 { bytes in
            _ = sqlite3_bind_text(
                statement, index, bytes.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) },
                Int32(bytes.count), transient)
        }
    }
}
