import DPWallStore
import Foundation
import Testing

@testable import DPWall

/// The limit stage's table of clients, on a real (in-memory) SQLite ledger: clients that alternate, a client whose
/// tier changes from one record to the next (a token's tier claim), and a table that is forgotten after a save and
/// reloaded from the ledger.
@Suite("Limit stage table")
struct LimitStageTests {
    /// Two tiers whose quotas differ in count and unit; rates high enough never to deny.
    static let policy = PolicyTexts.policy(
        """
        auth:
          mode: trusted
          default_tier: free
        tiers:
          free: { models: "*", rate: 1000/s, burst: 1000, quota: 2/hour }
          pro: { models: "*", rate: 1000/s, burst: 1000, quota: 3/day }
        """)
    /// 2026-01-01T00:00:00Z in milliseconds.
    static let t0: Int64 = 1_767_225_600_000

    /// Admits a request and, when it passes, counts it as allowed (as the budget stage does); returns the code
    /// of the denial, or nil.
    private static func admit(
        _ stage: inout LimitStage, _ client: String, _ tier: String, at time: Int64, _ writer: inout LedgerWriter
    ) throws -> String? {
        let problem = try stage.admit(client: client, tierName: tier, at: time, &writer)
        if problem == nil { stage.countAllowed() }
        return problem?.code.name
    }

    @Test("alternating clients and a tier change mid-run: each client's quota counts alone, across units")
    func tierChange() throws {
        let policy = try Policy.parse(yaml: Self.policy, source: "limits.yaml")
        let ledger = try SQLiteLedger(path: ":memory:")
        var stage = LimitStage(policy: policy, dryRun: false)
        var decided: [String?] = []
        try ledger.withWriter { writer in
            try writer.begin()
            let steps: [(String, String)] = [
                ("a", "free"), ("b", "free"), ("a", "free"), ("a", "free"),  // a's third in the hour: denied
                // Under pro (3 a day) a's two allowed today count: one more passes, then its fourth in the day.
                ("a", "pro"), ("b", "free"), ("a", "pro"), ("a", "pro"), ("a", "pro"),
                ("b", "free"),  // b's third in the hour
            ]
            for (offset, (client, tier)) in steps.enumerated() {
                decided.append(try Self.admit(&stage, client, tier, at: Self.t0 + Int64(offset), &writer))
            }
            try stage.save(&writer)
            try writer.commit()
        }
        #expect(
            decided == [
                nil, nil, nil, "quota_exceeded", nil, nil, "quota_exceeded", "quota_exceeded", "quota_exceeded",
                "quota_exceeded",
            ])
        let states = Dictionary(uniqueKeysWithValues: try ledger.limitStates().map { ($0.client, $0) })
        #expect(states["a"]?.tier == "pro")
        #expect(states["a"]?.quotaCount == 3)
        #expect(states["a"]?.quotaLimit == 3)
        #expect(states["a"]?.quotaDenials == 4)
        #expect(states["a"]?.hourCount == 3 && states["a"]?.dayCount == 3 && states["a"]?.monthCount == 3)
        #expect(states["b"]?.tier == "free")
        #expect(states["b"]?.quotaCount == 2)
        #expect(states["b"]?.quotaDenials == 1)
    }

    @Test(
        """
        random tiers of hour, day and month quotas, restarts in between: a request passes exactly when its tier's \
        window holds fewer allowed requests of the client, under any tier, than the quota
        """,
        arguments: [11, 12, 13] as [UInt64])
    func quotaUnitsInterleaved(seed: UInt64) throws {
        let policy = try Policy.parse(
            yaml: PolicyTexts.policy(
                """
                auth:
                  mode: trusted
                  default_tier: h
                tiers:
                  h: { models: "*", quota: 3/hour }
                  d: { models: "*", quota: 8/day }
                  m: { models: "*", quota: 40/month }
                  open: { models: "*" }
                """), source: "quotas.yaml")
        let ledger = try SQLiteLedger(path: ":memory:")
        var random = BudgetBookTests.SplitMix(state: seed)
        var stage = LimitStage(policy: policy, dryRun: false)
        var allowed: [String: [Int64]] = [:]
        var time = Self.t0
        var passed = 0
        var denied = 0
        for step in 0..<3_000 {
            if Int.random(in: 0..<100, using: &random) < 3 {
                try ledger.withWriter { writer in
                    try writer.begin()
                    try stage.save(&writer)
                    try writer.commit()
                }
                stage = LimitStage(policy: policy, dryRun: false)
            }
            time += Int64.random(in: 0..<(20 * 60_000), using: &random)
            let client = ["a", "b"].randomElement(using: &random)!
            let tier = ["h", "d", "m", "open"].randomElement(using: &random)!
            let unit: Policy.QuotaWindow? = ["h": .hour, "d": .day, "m": .month][tier]
            let limit = ["h": 3, "d": 8, "m": 40][tier]
            let fits: Bool
            if let unit, let limit {
                let window = unit.span(containing: time)
                fits = allowed[client, default: []].filter { $0 >= window.start && $0 < window.end }.count < limit
            } else {
                fits = true
            }
            let code = try ledger.withWriter { writer in
                try writer.begin()
                return try Self.admit(&stage, client, tier, at: time, &writer)
            }
            #expect((code == nil) == fits, "seed \(seed) step \(step): \(client) \(tier) got \(code ?? "ok")")
            if code == nil {
                allowed[client, default: []].append(time)
                passed += 1
            } else {
                denied += 1
            }
        }
        #expect(passed > 300 && denied > 300, "passed \(passed), denied \(denied)")
    }

    @Test("a table over its client limit is forgotten at the save, and each client is reloaded from the ledger")
    func clearedAndReloaded() throws {
        let policy = try Policy.parse(yaml: Self.policy, source: "limits.yaml")
        let ledger = try SQLiteLedger(path: ":memory:")
        var stage = LimitStage(policy: policy, dryRun: false, clientLimit: 1)
        var decided: [String?] = []
        try ledger.withWriter { writer in
            try writer.begin()
            decided.append(try Self.admit(&stage, "a", "free", at: Self.t0, &writer))
            decided.append(try Self.admit(&stage, "b", "free", at: Self.t0, &writer))
            // Two clients held, one allowed: the save writes both and forgets them.
            try stage.save(&writer)
            try writer.commit()
        }
        try ledger.withWriter { writer in
            try writer.begin()
            // a's count comes back from the ledger: one more passes, the next is its third in the hour.
            decided.append(try Self.admit(&stage, "a", "free", at: Self.t0 + 1, &writer))
            decided.append(try Self.admit(&stage, "a", "free", at: Self.t0 + 2, &writer))
            decided.append(try Self.admit(&stage, "b", "free", at: Self.t0 + 3, &writer))
            try stage.save(&writer)
            try writer.commit()
        }
        #expect(decided == [nil, nil, nil, "quota_exceeded", nil])
        let states = Dictionary(uniqueKeysWithValues: try ledger.limitStates().map { ($0.client, $0) })
        #expect(states["a"]?.quotaCount == 2)
        #expect(states["a"]?.quotaDenials == 1)
        #expect(states["b"]?.quotaCount == 2)
    }
}
