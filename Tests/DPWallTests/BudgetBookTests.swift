import DPWallPrivacy
import DPWallRecords
import Foundation
import Testing

@testable import DPWall
@testable import DPWallStore

/// One budget per client across tiers (privacy.md, "Budgets and the ledger"), on a real SQLite ledger: the
/// budget book driven in-process with random interleavings of tiers, windows, late events, restarts, resets and
/// grants, against a reference that recomputes every span from the full history.
@Suite("Budget book")
struct BudgetBookTests {
    /// Five tiers, one per window length, with limits that make switching tempting.
    static let yaml = """
        version: 1
        auth: { mode: trusted, default_tier: hour }
        tiers:
          hour: { models: "*", budget: { epsilon: 1, window: 1h } }
          day: { models: "*", budget: { epsilon: 2, window: 1d } }
          week: { models: "*", budget: { epsilon: 4, window: 7d } }
          month: { models: "*", budget: { epsilon: 8, window: 30d } }
          life: { models: "*", budget: { epsilon: 16, window: lifetime } }
        accounting: basic
        models:
          m:
            inputs: [{name: x, datatype: FP32, shape: [-1, 1]}]
            outputs: [{name: y, datatype: FP32, shape: [-1, 2], privacy: {mechanism: laplace, epsilon: 1, clamp: [0, 1]}}]
        """

    /// 2026-01-01T00:00:00Z in milliseconds.
    static let t0: Int64 = 1_767_225_600_000
    static let hour: Int64 = 3_600_000

    /// A deterministic generator (SplitMix64), so that a failure names its seed and repeats.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// A run of the book over one ledger: decides records in one open transaction, and commits at the end, as
    /// a filter does (a grant or a reset happens between runs, under the ledger's lock).
    final class Run {
        let book: BudgetBook
        var open = false
        init(policy: Policy) {
            book = BudgetBook(
                policy: policy, accountant: Accountant(method: policy.accounting), keyed: false)
        }

        func decide(
            _ ledger: SQLiteLedger, client: String, tier: String, id: String, at time: Int64, rows: Int,
            epsilon: Double
        ) throws -> OrderedStage.Decision {
            try ledger.withWriter { writer in
                try writer.begin()
                return try book.decide(
                    client: client, tierName: tier, id: id, eventTime: time,
                    digest: Array(repeating: UInt8(truncatingIfNeeded: id.hashValue), count: 32),
                    costs: [(cost: RowCost.laplace(epsilon: epsilon), rows: rows)][...],
                    epsilon: epsilon * Double(rows), delta: 0, &writer)
            }
        }

        func finish(_ ledger: SQLiteLedger) throws {
            try ledger.withWriter { writer in
                try writer.begin()
                try book.save(&writer)
                try writer.commit()
            }
        }
    }

    /// What the reference knows of one client.
    struct History {
        var releases: [(time: Int64, epsilon: Double)] = []
        var resets: [Int64] = []
        var grants: [(span: Range<Int64>, epsilon: Double)] = []

        /// The span of `window` holding `time`, cut by the resets.
        func span(_ window: Policy.BudgetWindow, at time: Int64) -> Range<Int64> {
            let aligned = window.span(containing: time)
            var start = aligned.start
            var end = aligned.end
            for reset in resets {
                if reset > start && reset <= time { start = reset }
                if reset > time && reset < end { end = reset }
            }
            return start..<end
        }

        func spent(in span: Range<Int64>) -> Double {
            releases.filter { span.contains($0.time) }.reduce(0) { $0 + $1.epsilon }
        }

        func granted(in span: Range<Int64>) -> Double {
            grants.filter { $0.span.lowerBound >= span.lowerBound && $0.span.upperBound <= span.upperBound }
                .reduce(0) { $0 + $1.epsilon }
        }
    }

    @Test(
        """
        random tiers, windows, late events, restarts, resets and grants: each record is released exactly when \
        everything the client got in its tier's window, with it, fits that tier's limit plus grants
        """,
        arguments: [1, 2, 3, 4, 5, 6] as [UInt64])
    func interleavings(seed: UInt64) throws {
        let policy = try Policy.parse(yaml: Self.yaml, source: "budgets.yaml")
        let tiers = ["hour", "day", "week", "month", "life"]
        let clients = ["alice", "bob"]
        let ledger = try SQLiteLedger(path: ":memory:")
        var random = SplitMix(state: seed)
        var histories: [String: History] = [:]
        var run = Run(policy: policy)
        var now = Self.t0
        var released = 0
        var denied = 0
        for step in 0..<2_500 {
            let roll = Int.random(in: 0..<100, using: &random)
            let client = clients.randomElement(using: &random)!
            if roll < 3 {
                // A restart with a grant or a reset in between (the operator holds the ledger's lock).
                try run.finish(ledger)
                run = Run(policy: policy)
                if Bool.random(using: &random) {
                    let epsilon = [0.5, 1, 2][Int.random(in: 0..<3, using: &random)]
                    if let state = try? ledger.grant(
                        client: client, epsilon: epsilon, delta: 0, at: now, by: "test", reason: "property")
                    {
                        histories[client, default: History()].grants.append(
                            (state.windowStart..<state.windowEnd, epsilon))
                    }
                } else if histories[client] != nil {
                    let at = now - Int64.random(in: 0..<(48 * Self.hour), using: &random)
                    _ = try ledger.reset(client: client, at: at, now: now, by: "test", reason: "property")
                    histories[client, default: History()].resets.append(at)
                }
                continue
            }
            if roll < 5 { try run.finish(ledger); run = Run(policy: policy) }  // a plain restart
            // Time moves on by up to a day; one record in ten is late by up to ten days.
            now += Int64.random(in: 0..<(24 * Self.hour), using: &random) / 8
            let late = Int.random(in: 0..<10, using: &random) == 0
            let time = late ? now - Int64.random(in: 0..<(240 * Self.hour), using: &random) : now
            let tier = tiers.randomElement(using: &random)!
            let rows = Int.random(in: 1...2, using: &random)
            let epsilon = [0.125, 0.25, 0.5][Int.random(in: 0..<3, using: &random)]
            let cost = epsilon * Double(rows)
            let window = try #require(policy.tier(named: tier)?.budget?.window)
            let limit = try #require(policy.tier(named: tier)?.budget?.epsilon)
            let history = histories[client, default: History()]
            let span = history.span(window, at: time)
            let fits = history.spent(in: span) + cost <= limit + history.granted(in: span)
            let decision = try run.decide(
                ledger, client: client, tier: tier, id: "r\(step)", at: time, rows: rows, epsilon: epsilon)
            switch decision {
            case .release(let charged, let position):
                #expect(fits, "seed \(seed) step \(step): \(client) \(tier) released past its limit")
                #expect(charged.epsilon == cost)
                #expect(position.spentEpsilon == history.spent(in: span) + cost, "seed \(seed) step \(step)")
                histories[client, default: History()].releases.append((time, cost))
                released += 1
            case .deny(let problem):
                #expect(problem.code == .budgetExhausted, "\(problem.message)")
                #expect(!fits, "seed \(seed) step \(step): \(client) \(tier) denied though it fits: \(problem.message)")
                denied += 1
            default:
                Issue.record("unexpected decision \(decision)")
            }
        }
        try run.finish(ledger)
        // Both outcomes happened often: the property was exercised, not vacuous.
        #expect(released > 200 && denied > 200, "released \(released), denied \(denied)")
        // The ledger holds exactly the reference's releases.
        for client in clients {
            let totals = try ledger.totals(client: client)
            #expect(totals.charges == histories[client]?.releases.count ?? 0)
        }
    }

    @Test("grants, edited or made for many short spans, add at most up to ε 1e6 and δ 0.5 to any span")
    func grantsCapped() throws {
        let policy = try Policy.parse(yaml: Self.yaml, source: "budgets.yaml")
        let ledger = try SQLiteLedger(path: ":memory:")
        // Three hours, each granted just under the cap (budget grant checks each span alone), all inside one
        // 30-day span.
        let month = Policy.BudgetWindow.seconds(30 * 86_400).span(containing: Self.t0).start
        for hour in 0..<3 {
            let run = Run(policy: policy)
            _ = try run.decide(
                ledger, client: "c", tier: "hour", id: "h\(hour)", at: month + Int64(hour) * Self.hour, rows: 1,
                epsilon: 0.5)
            try run.finish(ledger)
            _ = try ledger.grant(client: "c", epsilon: 999_990, delta: 0.4, at: 0, by: "t", reason: "r")
        }
        // As `sqlite3` would: grants past any cap.
        try ledger.withWriter { (writer: inout LedgerWriter) throws in
            try writer.begin()
            for (epsilon, delta) in [(1e308, 0.6), (1e308, 0.6)] {
                try writer.record(
                    BudgetAdjustment(
                        kind: .grant, client: "c", windowStart: month, windowEnd: month + Self.hour,
                        epsilon: epsilon, delta: delta, at: 0, by: "sqlite3", reason: "edit"))
            }
            try writer.commit()
        }
        let run = Run(policy: policy)
        let decision = try run.decide(
            ledger, client: "c", tier: "month", id: "m", at: month + 5 * Self.hour, rows: 1, epsilon: 0.5)
        guard case .release(_, let position) = decision else {
            Issue.record("the month's record was not released: \(decision)")
            return
        }
        #expect(position.limitEpsilon == 1e6)
        #expect(position.limitDelta == 0.5)
    }

    @Test("a denial count edited to the largest integer stops counting there instead of trapping")
    func denialsSaturate() throws {
        let policy = try Policy.parse(yaml: Self.yaml, source: "budgets.yaml")
        let ledger = try SQLiteLedger(path: ":memory:")
        var run = Run(policy: policy)
        for n in 0..<3 {
            _ = try run.decide(
                ledger, client: "c", tier: "hour", id: "a\(n)", at: Self.t0 + Int64(n), rows: 1, epsilon: 0.5)
        }
        try run.finish(ledger)
        try ledger.withWriter { (writer: inout LedgerWriter) throws in
            try writer.begin()
            try writer.db.execute(sql: "UPDATE windows SET denials = 9223372036854775807")
            try writer.commit()
        }
        run = Run(policy: policy)
        let decision = try run.decide(
            ledger, client: "c", tier: "hour", id: "b", at: Self.t0 + 9, rows: 1, epsilon: 0.5)
        try run.finish(ledger)
        #expect(decision.denial?.code == .budgetExhausted, "released past the hour's limit: \(decision)")
        #expect(try ledger.latestWindows().first?.denials == Int.max)
    }

    /// One record of `rows` rows of `cost` for a new client under `tier`, decided by a fresh book on a fresh ledger.
    static func decideGaussian(
        _ policy: Policy, _ method: AccountingMethod, tier: String, _ cost: RowCost, rows: Int
    ) throws -> OrderedStage.Decision {
        let ledger = try SQLiteLedger(path: ":memory:")
        let book = BudgetBook(policy: policy, accountant: Accountant(method: method), keyed: false)
        return try ledger.withWriter { (writer: inout LedgerWriter) throws in
            try writer.begin()
            return try book.decide(
                client: "g", tierName: tier, id: "g1", eventTime: Self.t0, digest: Array(repeating: 1, count: 32),
                costs: [(cost: cost, rows: rows)][...], epsilon: cost.epsilon * Double(rows),
                delta: cost.delta * Double(rows), &writer)
        }
    }

    @Test("a limit of ε near the largest double never lets an infinite spend through (basic, δ exhausted)")
    func hugeLimit() throws {
        let policy = try Policy.parse(
            yaml: Self.yaml.replacingOccurrences(
                of: "hour: { models: \"*\", budget: { epsilon: 1, window: 1h } }",
                with: "hour: { models: \"*\", budget: { epsilon: 1.7976931348623157e308, delta: 1.0e-6, window: 1h } }"),
            source: "huge.yaml")
        let decision = try Self.decideGaussian(
            policy, .basic, tier: "hour", RowCost.gaussian(mu: 0.2, epsilon: 0.5, delta: 1e-6), rows: 2)
        #expect(
            decision.denial?.code == .budgetExhausted,
            "a release of spent +infinity passed a limit of the largest double: \(decision)")
    }

    @Test("a δ-bearing release against a δ limit of 0 is denied budget_exhausted, not trapped, under rdp")
    func gaussianAgainstZeroDelta() throws {
        // A Gaussian row against a δ limit of 0 (the `day` tier sets none): denied, not trapped, under rdp.
        let rdp = try Policy.parse(
            yaml: Self.yaml.replacingOccurrences(of: "accounting: basic", with: "accounting: rdp"), source: "rdp.yaml")
        let decision = try Self.decideGaussian(
            rdp, .rdp, tier: "day", RowCost.gaussian(mu: 0.2, epsilon: 0.5, delta: 1e-7), rows: 1)
        #expect(decision.denial?.code == .budgetExhausted, "a Gaussian release passed a δ limit of 0")
    }

    @Test("the issue's switch: one free record a day (1/1d) never resets the 30-day pro budget (10/30d)")
    func freeThenPro() throws {
        let policy = try Policy.parse(
            yaml: """
                version: 1
                auth: { mode: trusted, default_tier: free }
                tiers:
                  free: { models: "*", budget: { epsilon: 1, window: 1d } }
                  pro: { models: "*", budget: { epsilon: 10, window: 30d } }
                accounting: basic
                models:
                  m:
                    inputs: [{name: x, datatype: FP32, shape: [-1, 1]}]
                    outputs: [{name: y, datatype: FP32, shape: [-1, 2], privacy: {mechanism: laplace, epsilon: 1, clamp: [0, 1]}}]
                """, source: "switch.yaml")
        let ledger = try SQLiteLedger(path: ":memory:")
        // The start of a 30-day window, so that all five days fall inside it.
        let start = Policy.BudgetWindow.seconds(30 * 86_400).span(containing: Self.t0 + 40 * 24 * Self.hour).start
        var pro = 0
        var free = 0
        for day in 0..<5 {
            let run = Run(policy: policy)
            let time = start + Int64(day) * 24 * Self.hour
            if case .release = try run.decide(
                ledger, client: "alice", tier: "free", id: "f\(day)", at: time, rows: 1, epsilon: 1)
            {
                free += 1
            }
            for n in 0..<12 {
                if case .release = try run.decide(
                    ledger, client: "alice", tier: "pro", id: "p\(day)-\(n)", at: time + Int64(n + 1), rows: 1,
                    epsilon: 1)
                {
                    pro += 1
                }
            }
            try run.finish(ledger)
        }
        // Day 1: free 1, then pro 9 (the 30-day window holds 10). Days 2-5: free's own day is empty, so it
        // releases 1 each day; pro, counting all of it, nothing.
        #expect(pro == 9)
        #expect(free == 5)
        #expect(try ledger.totals(client: "alice").charges == 14)
    }
}

extension OrderedStage.Decision {
    var isRelease: Bool {
        if case .release = self { return true }
        return false
    }

    /// The denial, or nil for any other decision.
    var denial: RecordError? {
        if case .deny(let problem) = self { return problem }
        return nil
    }
}
