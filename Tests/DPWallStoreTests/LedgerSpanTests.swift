import DPWallPrivacy
import Foundation
internal import GRDB
import Testing

@testable import DPWallStore

/// Spans of a client's budget in the ledger (privacy.md, "Budgets and the ledger"): a span's spend summed from
/// each charge's own accounting state, resets that cut spans, grants inside a span, grant totals kept in range,
/// and a version-3 ledger migrated with its windows carried.
@Suite("Ledger spans") struct LedgerSpanTests {
    static let day: Int64 = 86_400_000

    /// A charge of `rows` rows of `cost` at `time`.
    static func charge(_ id: String, at time: Int64, _ cost: RowCost, rows: Int = 1) -> ChargedRecord {
        var account = PrivacyAccount()
        account.add(cost, count: rows)
        return ChargedRecord(
            client: "c", id: id, digest: Array(repeating: UInt8(truncatingIfNeeded: id.hashValue), count: 32),
            eventTime: time, windowStart: time, epsilon: cost.epsilon * Double(rows),
            delta: cost.delta * Double(rows), account: account)
    }

    static let hour: Int64 = 3_600_000

    @Test("a span's spend is the sum of its buckets; a reset splits a bucket exactly from the charges' own states")
    func spentIsTheSumOfBuckets() throws {
        let ledger = try SQLiteLedger(path: ":memory:")
        let gaussian = RowCost.gaussian(mu: 0.3, epsilon: 0.5, delta: 1e-6)
        var batch = LedgerBatch()
        batch.charges = [
            Self.charge("a", at: 10, .laplace(epsilon: 0.5), rows: 3),
            Self.charge("b", at: 20, gaussian, rows: 2),
            Self.charge("c", at: 30, .laplace(epsilon: 0.25)),
            Self.charge("d", at: Self.hour + 40, .laplace(epsilon: 0.5)),
            Self.charge("e", at: Self.day + 5, .laplace(epsilon: 1)),  // the next day: outside
        ]
        try ledger.commit(batch)
        // The buckets as the budget book keeps them: each hour's charges summed.
        try ledger.withWriter { (writer: inout LedgerWriter) throws in
            try writer.begin()
            for hour: Int64 in [0, 1, 24] {
                let span = (hour * Self.hour)..<((hour + 1) * Self.hour)
                try writer.saveBucket(client: "c", span: span, writer.chargesAccount(client: "c", in: span))
            }
            try writer.commit()
        }
        var expected = PrivacyAccount()
        expected.add(.laplace(epsilon: 0.5), count: 3)
        expected.add(gaussian, count: 2)
        expected.add(.laplace(epsilon: 0.25))
        expected.add(.laplace(epsilon: 0.5))
        let account = try ledger.withWriter { (writer: inout LedgerWriter) throws in
            try writer.spent(client: "c", in: 0..<Self.day)
        }
        #expect(account.releases == expected.releases)
        #expect(Set(account.laplaceCounts.map { "\($0.epsilon):\($0.count)" }) == ["0.5:4", "0.25:1"])
        #expect(abs(account.sumMuSquared - expected.sumMuSquared) < 1e-15)
        #expect(abs(account.rho - expected.rho) < 1e-15)
        #expect(abs(account.sumEpsilon - expected.sumEpsilon) < 1e-12)
        #expect(abs(account.sumDelta - expected.sumDelta) < 1e-18)
        let hourTwo = try ledger.withWriter { (writer: inout LedgerWriter) throws in
            try writer.spent(client: "c", in: Self.hour..<(2 * Self.hour))
        }
        #expect(hourTwo.releases == 1 && hourTwo.laplaceCounts == [.init(epsilon: 0.5, count: 1)])
        let other = try ledger.withWriter { (writer: inout LedgerWriter) throws in
            try writer.spent(client: "C", in: 0..<Self.day)
        }
        #expect(other.releases == 0, "another client's name (by bytes) sees nothing")
        // A reset at 25 ms cuts the first hour: what came after it is what "c" (at 30) spent, exactly.
        var window = WindowState(client: "c", windowStart: 0, windowEnd: Self.day, account: account)
        window.lastSeen = 40
        var snapshot = LedgerBatch()
        snapshot.windows = [window]
        try ledger.commit(snapshot)
        _ = try ledger.reset(client: "c", at: 25, now: 1, by: "t", reason: "r")
        let (before, after) = try ledger.withWriter { (writer: inout LedgerWriter) throws in
            (try writer.spent(client: "c", in: 0..<25), try writer.spent(client: "c", in: 25..<Self.hour))
        }
        #expect(before.releases == 5 && before.laplaceCounts == [.init(epsilon: 0.5, count: 3)])
        #expect(after.releases == 1 && after.laplaceCounts == [.init(epsilon: 0.25, count: 1)])
        #expect(after.sumMuSquared == 0)
    }

    @Test("a bucket whose Laplace groups were edited into nonsense is refused as a damaged ledger, not trapped on")
    func damagedGroups() throws {
        for text in ["-1:3", "0:1", "nan:1", "inf:2", "0.5:-4", "0.5:x", "0.5:2;junk"] {
            let ledger = try SQLiteLedger(path: ":memory:")
            try ledger.withWriter { (writer: inout LedgerWriter) throws in
                try writer.begin()
                try writer.db.execute(
                    sql: "INSERT INTO buckets (client, bucket_start, bucket_end, sum_epsilon, sum_delta, rho, "
                        + "sum_mu_squared, releases, laplace) VALUES ('c', 0, 3600000, 1, 0, 0, 0, 1, ?)",
                    arguments: [text])
                try writer.commit()
            }
            #expect(throws: LedgerError.self, "\(text)") {
                _ = try ledger.withWriter { (writer: inout LedgerWriter) throws in
                    try writer.spent(client: "c", in: 0..<Self.day)
                }
            }
        }
    }

    @Test(
        "text where a ledger holds numbers is refused as a damaged ledger, not trapped on",
        arguments: [
            "UPDATE windows SET spent_epsilon = 'nan'", "UPDATE windows SET releases = 'x'",
            "UPDATE limits SET rate_excess = 'x'", "UPDATE buckets SET releases = 'many'",
            "UPDATE buckets SET sum_epsilon = 'x'",
            "UPDATE buckets SET sum_epsilon = -1", "UPDATE buckets SET rho = -1e308 * 10",
            "UPDATE limits SET month_start = 9223372036854775807",
            "UPDATE limits SET hour_start = -9223372036854775807",
            "UPDATE charges SET event_time = 'soon'",
        ])
    func wrongTypes(edit: String) throws {
        let ledger = try SQLiteLedger(path: ":memory:")
        try Self.window(ledger, 0..<Self.day, epsilon: 1, delta: 0, seen: 5)
        var batch = LedgerBatch()
        batch.charges = [Self.charge("a", at: 10, .laplace(epsilon: 0.5))]
        try ledger.commit(batch)
        try ledger.withWriter { (writer: inout LedgerWriter) throws in
            try writer.begin()
            try writer.saveBucket(client: "c", span: 0..<Self.hour, batch.charges[0].account)
            try writer.save(LimitState(client: "c"))
            try writer.db.execute(sql: edit)
            try writer.commit()
        }
        #expect(throws: LedgerError.self, "\(edit)") {
            _ = try ledger.latestWindows()
            _ = try ledger.limitStates()
            _ = try ledger.withWriter { (writer: inout LedgerWriter) throws in
                _ = try writer.spent(client: "c", in: 0..<Self.day)
                _ = try writer.charge(client: "c", id: "a")
            }
        }
    }

    @Test("a bucket whose end was edited into text stops a reset with a damaged-ledger error, not a trap")
    func resetOverEditedBucket() throws {
        let ledger = try SQLiteLedger(path: ":memory:")
        try Self.window(ledger, 0..<Self.day, epsilon: 1, delta: 0, seen: 5)
        try ledger.withWriter { (writer: inout LedgerWriter) throws in
            try writer.begin()
            try writer.saveBucket(
                client: "c", span: 0..<Self.hour, Self.charge("a", at: 10, .laplace(epsilon: 1)).account)
            try writer.db.execute(sql: "UPDATE buckets SET bucket_end = 'x'")
            try writer.commit()
        }
        #expect(throws: LedgerError.self) {
            _ = try ledger.reset(client: "c", at: 100, now: 1, by: "t", reason: "r")
        }
    }

    /// A snapshot of client `c`'s window `[start, end)` with limit `epsilon`, `delta`.
    static func window(_ ledger: SQLiteLedger, _ span: Range<Int64>, epsilon: Double, delta: Double, seen: Int64) throws
    {
        var state = WindowState(
            client: "c", windowStart: span.lowerBound, windowEnd: span.upperBound, account: PrivacyAccount())
        state.limitEpsilon = epsilon
        state.limitDelta = delta
        state.lastSeen = seen
        var batch = LedgerBatch()
        batch.windows = [state]
        try ledger.commit(batch)
    }

    @Test("grants are bounded in total, not one by one: δ stays below 1 and ε at most 10⁶; each is recorded")
    func grantTotals() throws {
        let ledger = try SQLiteLedger(path: ":memory:")
        try Self.window(ledger, 0..<Self.day, epsilon: 1, delta: 0.3, seen: 5)
        let first = try ledger.grant(client: "c", epsilon: 1, delta: 0.1, at: 1, by: "t", reason: "r")
        #expect(first.effectiveLimit.delta == 0.3 + 0.1)
        for (epsilon, delta) in [(0.0, 0.2), (1e308, 0.0), (999_999.5, 0.0), (Double.infinity, 0), (-1, 0), (0, 0)] {
            #expect(throws: LedgerError.self, "epsilon \(epsilon) delta \(delta)") {
                _ = try ledger.grant(client: "c", epsilon: epsilon, delta: delta, at: 2, by: "t", reason: "r")
            }
        }
        let second = try ledger.grant(client: "c", epsilon: 999_997, delta: 0.05, at: 3, by: "t", reason: "r")
        #expect(second.effectiveLimit.epsilon == 999_999)
        #expect(try ledger.adjustments(client: "c").map(\.epsilon) == [1, 999_997])
        let granted = try ledger.withWriter { (writer: inout LedgerWriter) throws in
            try writer.granted(client: "c", in: 0..<Self.day)
        }
        #expect(granted.epsilon == 999_998 && abs(granted.delta - 0.15) < 1e-15)
        // A policy limit past one cap leaves grants of the other part possible.
        let big = try SQLiteLedger(path: ":memory:")
        try Self.window(big, 0..<Self.day, epsilon: 1e12, delta: 0.6, seen: 5)
        #expect(throws: LedgerError.self) {
            _ = try big.grant(client: "c", epsilon: 1, delta: 0, at: 1, by: "t", reason: "r")
        }
        #expect(throws: LedgerError.self) {
            _ = try big.grant(client: "c", epsilon: 0, delta: 0.01, at: 1, by: "t", reason: "r")
        }
        let small = try SQLiteLedger(path: ":memory:")
        try Self.window(small, 0..<Self.day, epsilon: 1, delta: 0.6, seen: 5)
        #expect(
            try small.grant(client: "c", epsilon: 2, delta: 0, at: 1, by: "t", reason: "r").effectiveLimit.epsilon == 3)
    }

    @Test("a grant counts in every span that holds its own, never in a shorter one; a reset cuts every span")
    func grantsAndResets() throws {
        let ledger = try SQLiteLedger(path: ":memory:")
        let month = 0..<(30 * Self.day)
        try Self.window(ledger, Self.day..<(2 * Self.day), epsilon: 1, delta: 0, seen: Self.day + 10)
        _ = try ledger.grant(client: "c", epsilon: 2, delta: 0, at: 1, by: "t", reason: "r")
        try ledger.withWriter { (writer: inout LedgerWriter) throws in
            #expect(try writer.granted(client: "c", in: month).epsilon == 2)
            #expect(try writer.granted(client: "c", in: Self.day..<(2 * Self.day)).epsilon == 2)
            #expect(try writer.granted(client: "c", in: Self.day..<(Self.day + 1000)).epsilon == 0)
            #expect(try writer.granted(client: "c", in: 0..<Self.day).epsilon == 0)
        }
        let reset = try ledger.reset(client: "c", at: Self.day + 500, now: 9, by: "t", reason: "r")
        #expect(reset?.windowStart == Self.day + 500 && reset?.windowEnd == 2 * Self.day)
        try ledger.withWriter { (writer: inout LedgerWriter) throws in
            // Every span that holds the reset is cut there, whatever its length.
            #expect(
                try writer.span(
                    client: "c", at: Self.day + 600, alignedStart: month.lowerBound,
                    alignedEnd: month.upperBound) == (Self.day + 500)..<month.upperBound)
            #expect(
                try writer.span(
                    client: "c", at: Self.day + 400, alignedStart: month.lowerBound,
                    alignedEnd: month.upperBound) == month.lowerBound..<(Self.day + 500))
            #expect(
                try writer.span(
                    client: "c", at: 3 * Self.day, alignedStart: 3 * Self.day,
                    alignedEnd: 4 * Self.day) == (3 * Self.day)..<(4 * Self.day))
        }
        // A reset far after the latest window is accepted (it cuts whatever span holds it).
        #expect(try ledger.reset(client: "c", at: 100 * Self.day, now: 9, by: "t", reason: "r") == nil)
    }

    @Test("a version-3 ledger migrates: its windows are carried whole into every span they overlap")
    func migratesVersion3() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dpwall-v3-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("old.db").path
        do {
            let queue = try DatabaseQueue(path: path)
            try SQLiteLedger.migrator.migrate(queue, upTo: "v3: request limits and quotas")
            try queue.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO windows (client, window_start, window_end, sum_epsilon, sum_delta, rho,
                            sum_mu_squared, releases, laplace, tier, limit_epsilon)
                            VALUES ('c', 0, 86400000, 3, 0, 1.5, 0, 3, '1.0:3', 'free', 5);
                        INSERT INTO charges (client, id, digest, event_time, window_start, epsilon, delta)
                            VALUES ('c', 'old', x'00', 100, 0, 1, 0);
                        INSERT INTO adjustments (kind, client, window_start, epsilon, delta, at, by, reason)
                            VALUES ('grant', 'c', 0, 2, 0, 1, 't', 'r');
                        """)
            }
        }
        let ledger = try SQLiteLedger(path: path)
        try ledger.withWriter { (writer: inout LedgerWriter) throws in
            // The old charge (no state of its own) is not counted twice: the carried window holds it.
            let day = try writer.spent(client: "c", in: 0..<Self.day)
            #expect(day.releases == 3 && day.sumEpsilon == 3 && day.laplaceCounts == [.init(epsilon: 1, count: 3)])
            // A month holding the old day counts all of it; an hour inside it too (the safe side).
            #expect(try writer.spent(client: "c", in: 0..<(30 * Self.day)).releases == 3)
            #expect(try writer.spent(client: "c", in: 5000..<6000).releases == 3)
            #expect(try writer.spent(client: "c", in: Self.day..<(2 * Self.day)).releases == 0)
            // The old grant keeps its window's span.
            #expect(try writer.granted(client: "c", in: 0..<Self.day).epsilon == 2)
        }
        #expect(try ledger.latestWindows().first?.limitEpsilon == 5)
    }
}
