import DPWallPrivacy
import Foundation
internal import GRDB

/// `audit verify --ledger`'s check of the ledger against the archive (docs/audit.md, "dpwall audit verify"): the sealed entries say what was charged, so an edit of the ledger that the archive does not match
/// shows.
///
/// - Every charge has exactly one charged `allow` entry (an `allow` whose cost, `epsilon` or `delta`, is above
///   0), with the same cost.
/// - Every charged `allow` entry the ledger committed (from the anchor's origin on, outside what recovery seals
///   say was never committed) has its charge, and no (client, id) has two: a deleted charge shows when its record
///   is charged again.
/// - Every hourly bucket holds exactly the sums of the charges in it, and every charge lies in a bucket: zeroing
///   a client's spend shows.
///
/// What the archive does not hold is not checked: grants and resets (the `adjustments` table), limit counters,
/// and the windows carried over from a v3 ledger.
public struct AuditLedgerCheck {
    /// A charged `allow` entry.
    private struct Charged {
        var seq: UInt64
        var epsilon: Double, delta: Double
        /// The entry's event time (milliseconds), and the charge's own accounting state as the entry states it
        /// (nil in entries written before ledger schema v5).
        var eventTime: Int64?
        var account: EntryAccount?
    }

    /// A charge's own accounting state, as an entry's `account` member and the ledger's charge row hold it.
    struct EntryAccount: Equatable {
        var rows: Int
        var rho: Double, muSquared: Double
        var laplace: String
    }

    /// The charged entries by client and id (`client NUL id`).
    private var charged: [String: Charged] = [:]
    /// Problems found while reading the entries.
    private var doubles: [String] = []
    private var doubleCount = 0

    /// What marks the entry of a redelivered record answered with its first decision.
    static let redeliveryMarker = Array(#","redelivery":true"#.utf8)

    /// A check with no entries read yet.
    public init() {}

    /// Takes in one entry (in archive order); `report` is consulted later for the ranges never committed, so
    /// every charged entry is kept here.
    public mutating func take(_ line: UnsafeRawBufferPointer) {
        // A redelivered record's entry repeats its first decision's cost, which was charged once (privacy.md,
        // "Exactly once under redelivery"): it is not a charge of its own.
        guard let cost = Self.cost(line), cost.epsilon > 0 || cost.delta > 0,
            AuditEntryText.find(line, Self.redeliveryMarker) == nil,
            let seq = AuditVerifier.leadingSeq(line).0,
            let client = AuditEntryText.string(line, "\"client\":"), let id = AuditEntryText.string(line, "\"id\":")
        else { return }
        let key = client + "\u{0}" + id
        if let earlier = charged[key] {
            // Kept as the pair: whether one of them was never committed is known only at the end.
            doubleCount += 1
            doubles.append("\(earlier.seq) \(seq) \(key)")
        }
        charged[key] = Charged(
            seq: seq, epsilon: cost.epsilon, delta: cost.delta, eventTime: AuditVerifier.eventTime(line),
            account: Self.account(line))
    }

    /// The `account` member of a charged entry (`"account":{"rows":R,"rho":X,"mu_squared":Y,"laplace":"…"}`, as
    /// the writer lays it out), or nil.
    static func account(_ line: UnsafeRawBufferPointer) -> EntryAccount? {
        let marker = Array(#","account":{"rows":"#.utf8)
        guard let at = AuditEntryText.find(line, marker),
            let (rows, afterRows) = number(line, from: at + marker.count),
            let rho = member(line, #","rho":"#, at: afterRows),
            let mu = member(line, #","mu_squared":"#, at: rho.end),
            let laplace = AuditEntryText.string(
                UnsafeRawBufferPointer(rebasing: line[mu.end...]), #","laplace":"#)
        else { return nil }
        guard let count = Int(exactly: rows) else { return nil }
        return EntryAccount(rows: count, rho: rho.value, muSquared: mu.value, laplace: laplace)
    }

    /// The number of member `key` right at `start`, and where it ends.
    private static func member(_ line: UnsafeRawBufferPointer, _ key: String, at start: Int) -> (
        value: Double, end: Int
    )? {
        let bytes = Array(key.utf8)
        guard start + bytes.count <= line.count, (0..<bytes.count).allSatisfy({ line[start + $0] == bytes[$0] }),
            let (value, end) = number(line, from: start + bytes.count)
        else { return nil }
        return (value, end)
    }

    /// The problems: entries against charges, then buckets against charges. `report` tells which entries were
    /// never committed; `origin`, from the ledger's anchor, where the ledger's part of the archive starts (nil:
    /// unknown, and charged entries without a charge are not looked for).
    public func problems(ledger: SQLiteLedger, report: AuditReport, origin: AuditHead?) throws -> [AuditProblem] {
        var problems: [AuditProblem] = []
        var uncommittedDoubles: Set<String> = []
        for pair in doubles {
            let parts = pair.split(separator: " ", maxSplits: 2)
            let (a, b) = (UInt64(parts[0]) ?? 0, UInt64(parts[1]) ?? 0)
            let key = String(parts[2])
            if report.isUncommitted(a) || report.isUncommitted(b) {
                uncommittedDoubles.insert(key)
                continue
            }
            let (client, id) = Self.split(key)
            problems.append(.chargedTwice(client: client, id: id, first: a, second: b))
        }
        var seen = Set<String>()
        try ledger.forEachCharge { charge in
            let key = charge.client + "\u{0}" + charge.id
            seen.insert(key)
            let (client, id) = (charge.client, charge.id)
            guard let entry = charged[key] else {
                problems.append(.chargeWithoutEntry(client: client, id: id))
                return
            }
            if entry.epsilon != charge.epsilon || entry.delta != charge.delta {
                problems.append(
                    .chargeCostMismatch(
                        client: client, id: id, seq: entry.seq, ledgerEpsilon: charge.epsilon,
                        ledgerDelta: charge.delta, archiveEpsilon: entry.epsilon, archiveDelta: entry.delta))
            }
            if let time = entry.eventTime, time != charge.eventTime {
                problems.append(
                    .chargeTimeMismatch(
                        client: client, id: id, seq: entry.seq, ledger: charge.eventTime, archive: time))
            }
            // Entries written before ledger schema v5 carry no account; charges of v3 ledgers have none (rows 0).
            if let account = entry.account, charge.account.rows > 0, account != charge.account {
                problems.append(.chargeAccountMismatch(client: client, id: id, seq: entry.seq))
            }
        }
        if let origin {
            for (key, entry) in charged where !seen.contains(key) && entry.seq >= origin.nextSeq {
                guard !report.isUncommitted(entry.seq), !uncommittedDoubles.contains(key) else { continue }
                let (client, id) = Self.split(key)
                problems.append(.releaseWithoutCharge(client: client, id: id, seq: entry.seq))
            }
        }
        problems += try ledger.bucketProblems()
        return problems
    }

    private static func split(_ key: String) -> (String, String) {
        let parts = key.split(separator: "\u{0}", maxSplits: 1, omittingEmptySubsequences: false)
        return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
    }

    /// The cost of an `allow` entry that carries one (`"decision":"allow","epsilon":E,"delta":D`, as the writer
    /// puts them), else nil.
    static func cost(_ line: UnsafeRawBufferPointer) -> (epsilon: Double, delta: Double)? {
        let marker = Array(#""decision":"allow","epsilon":"#.utf8)
        guard let at = AuditEntryText.find(line, marker) else { return nil }
        guard let (epsilon, end) = number(line, from: at + marker.count) else { return nil }
        let deltaKey = Array(#","delta":"#.utf8)
        guard end + deltaKey.count <= line.count,
            (0..<deltaKey.count).allSatisfy({ line[end + $0] == deltaKey[$0] }),
            let (delta, _) = number(line, from: end + deltaKey.count)
        else { return nil }
        return (epsilon, delta)
    }

    /// The JSON number at `start`, and where it ends.
    private static func number(_ line: UnsafeRawBufferPointer, from start: Int) -> (Double, Int)? {
        var end = start
        while end < line.count, let c = Optional(line[end]),
            (c >= 0x30 && c <= 0x39) || c == 0x2E || c == 0x2D || c == 0x2B || c == 0x65 || c == 0x45
        {
            end += 1
        }
        guard end > start, let value = Double(String(decoding: line[start..<end], as: UTF8.self)) else {
            return nil
        }
        return (value, end)
    }
}

extension Int64 {
    /// The quotient rounded toward −∞ (`by` > 0).
    fileprivate func dividedFloor(by divisor: Int64) -> Int64 {
        let (quotient, remainder) = quotientAndRemainder(dividingBy: divisor)
        return remainder < 0 ? quotient - 1 : quotient
    }
}

extension SQLiteLedger {
    /// A charge as `audit verify --ledger` compares it with its entry.
    struct ChargeRow {
        var client: String, id: String
        var epsilon: Double, delta: Double
        var eventTime: Int64
        var account: AuditLedgerCheck.EntryAccount
    }

    /// Every charge.
    func forEachCharge(_ body: (ChargeRow) throws -> Void) throws {
        try reading { db in
            let rows = try Row.fetchCursor(
                db,
                sql: "SELECT client, id, epsilon, delta, event_time, rows, rho, mu_squared, laplace FROM charges "
                    + "WHERE decision = 0")
            while let row = try rows.next() {
                try body(
                    ChargeRow(
                        client: LedgerWriter.column(row, 0), id: LedgerWriter.column(row, 1),
                        epsilon: LedgerWriter.column(row, 2), delta: LedgerWriter.column(row, 3),
                        eventTime: LedgerWriter.column(row, 4),
                        account: AuditLedgerCheck.EntryAccount(
                            rows: LedgerWriter.column(row, 5), rho: LedgerWriter.column(row, 6),
                            muSquared: LedgerWriter.column(row, 7), laplace: LedgerWriter.column(row, 8))))
            }
        }
    }

    /// The buckets whose sums are not those of their charges, and the charges in no bucket (schema v4 on: charges
    /// with their own state, rows > 0). Both tables are read once, in order, and merged.
    func bucketProblems() throws -> [AuditProblem] {
        try reading { db in
            var problems: [AuditProblem] = []
            let charges = try Row.fetchCursor(
                db,
                sql: "SELECT client, event_time, epsilon, delta, rho, mu_squared, rows, laplace, id FROM charges "
                    + "WHERE rows > 0 ORDER BY client, event_time")
            let buckets = try Row.fetchCursor(
                db,
                sql: "SELECT client, bucket_start, bucket_end, sum_epsilon, sum_delta, rho, sum_mu_squared, releases, "
                    + "laplace FROM buckets ORDER BY client, bucket_start")
            var charge = try charges.next()
            while let bucket = try buckets.next() {
                let client: String = try LedgerWriter.column(bucket, 0)
                let start: Int64 = try LedgerWriter.column(bucket, 1)
                let end: Int64 = try LedgerWriter.column(bucket, 2)
                // A bucket is one aligned hour, or a part of one that a reset cut: stretched, it would pull charges
                // of other hours (other days) out of the windows they count in.
                let hour: Int64 = 3_600_000
                if end <= start || start.dividedFloor(by: hour) != (end - 1).dividedFloor(by: hour) {
                    problems.append(.bucketNotWithinHour(client: client, start: start, end: end))
                }
                // Charges before this bucket (of an earlier client, or earlier in this one's time) lie in none.
                while let row = charge, try Self.precedes(row, client: client, time: start) {
                    problems.append(try Self.unbucketed(row))
                    charge = try charges.next()
                }
                var summed = PrivacyAccount()
                while let row = charge, try Self.inBucket(row, client: client, end: end) {
                    summed.add(
                        PrivacyAccount(
                            sumEpsilon: try LedgerWriter.column(row, 2), sumDelta: try LedgerWriter.column(row, 3),
                            rho: try LedgerWriter.column(row, 4), sumMuSquared: try LedgerWriter.column(row, 5),
                            laplaceCounts: SQLiteLedger.decode(try LedgerWriter.column(row, 7)),
                            releases: try LedgerWriter.column(row, 6)))
                    charge = try charges.next()
                }
                let stored = PrivacyAccount(
                    sumEpsilon: try LedgerWriter.column(bucket, 3), sumDelta: try LedgerWriter.column(bucket, 4),
                    rho: try LedgerWriter.column(bucket, 5), sumMuSquared: try LedgerWriter.column(bucket, 6),
                    laplaceCounts: SQLiteLedger.decode(try LedgerWriter.column(bucket, 8)),
                    releases: try LedgerWriter.column(bucket, 7))
                if !Self.agree(stored, summed) {
                    problems.append(
                        .bucketSumMismatch(
                            client: client, start: start, end: end, ledgerEpsilon: stored.sumEpsilon,
                            ledgerRows: stored.releases, chargedEpsilon: summed.sumEpsilon,
                            chargedRows: summed.releases))
                }
            }
            while let row = charge {
                problems.append(try Self.unbucketed(row))
                charge = try charges.next()
            }
            return problems
        }
    }

    /// Whether a charge row sorts before `client`'s time `time`.
    private static func precedes(_ row: Row, client: String, time: Int64) throws -> Bool {
        // SQLite orders text by its bytes (BINARY), not as Swift compares strings.
        let other: String = try LedgerWriter.column(row, 0)
        let at: Int64 = try LedgerWriter.column(row, 1)
        return other.utf8.lexicographicallyPrecedes(client.utf8) || (other == client && at < time)
    }

    /// Whether a charge row (not before the bucket) lies in `client`'s bucket ending at `end`.
    private static func inBucket(_ row: Row, client: String, end: Int64) throws -> Bool {
        let other: String = try LedgerWriter.column(row, 0)
        let at: Int64 = try LedgerWriter.column(row, 1)
        return other == client && at < end
    }

    private static func unbucketed(_ row: Row) throws -> AuditProblem {
        let client: String = try LedgerWriter.column(row, 0)
        let id: String = try LedgerWriter.column(row, 8)
        return .chargeOutsideBuckets(client: client, id: id)
    }

    /// Whether two accounts agree: the same rows and Laplace groups, and sums equal up to the rounding of adding
    /// them in another order.
    private static func agree(_ a: PrivacyAccount, _ b: PrivacyAccount) -> Bool {
        func close(_ x: Double, _ y: Double) -> Bool { abs(x - y) <= 1e-9 * max(abs(x), abs(y)) }
        func groups(_ account: PrivacyAccount) -> [Double: Int] {
            account.laplaceCounts.reduce(into: [:]) { $0[$1.epsilon, default: 0] += $1.count }
        }
        return a.releases == b.releases && groups(a) == groups(b) && close(a.sumEpsilon, b.sumEpsilon)
            && close(a.sumDelta, b.sumDelta) && close(a.rho, b.rho) && close(a.sumMuSquared, b.sumMuSquared)
    }
}

/// Reading members of audit entries as the writer lays them out, without parsing each whole entry (`audit verify
/// --ledger` and `audit cat` read every entry).
public enum AuditEntryText {
    /// Where `needle` first occurs in `line`.
    public static func find(_ line: UnsafeRawBufferPointer, _ needle: [UInt8]) -> Int? {
        guard line.count >= needle.count, let first = needle.first, let base = line.baseAddress else { return nil }
        // memchr to each candidate, memcmp to confirm: verify --ledger searches every entry several times.
        var k = 0
        let last = line.count - needle.count
        while k <= last, let hit = memchr(base + k, Int32(first), last - k + 1) {
            let at = base.distance(to: UnsafeRawPointer(hit))
            if needle.withUnsafeBytes({ memcmp(base + at, $0.baseAddress!, needle.count) }) == 0 { return at }
            k = at + 1
        }
        return nil
    }

    /// Whether `text` occurs in `line`.
    public static func contains(_ line: UnsafeRawBufferPointer, _ text: String) -> Bool {
        find(line, Array(text.utf8)) != nil
    }

    /// The unescaped string value of member `key` (its first occurrence).
    public static func string(_ line: UnsafeRawBufferPointer, _ key: String) -> String? {
        guard let at = find(line, Array(key.utf8)) else { return nil }
        let start = at + key.utf8.count
        guard start < line.count, line[start] == UInt8(ascii: "\"") else { return nil }
        var end = start + 1
        var escaped = false
        var plain = true
        while end < line.count && (escaped || line[end] != UInt8(ascii: "\"")) {
            if line[end] == UInt8(ascii: "\\") { plain = false }
            escaped = !escaped && line[end] == UInt8(ascii: "\\")
            end += 1
        }
        guard end < line.count else { return nil }
        if plain { return String(decoding: line[(start + 1)..<end], as: UTF8.self) }
        let raw = Data(line[start...end])
        return (try? JSONSerialization.jsonObject(with: raw, options: .fragmentsAllowed)) as? String
    }
}
