import DPWallStore
import Testing

@testable import DPWall

/// The limit stage on states read from a ledger file holding numbers at the ends of Int64 (a damaged or edited
/// file): its bucket and quota arithmetic trapped on them; now it saturates, and denies.
@Suite("Limit states at the ends of Int64")
struct LimitStateBoundsTests {
    static let policy = PolicyTexts.policy(
        """
        auth: { mode: trusted, default_tier: free }
        limits: { global_rate: 1000/s, global_burst: 10 }
        tiers:
          free: { models: "*", rate: 10/s, burst: 5, quota: 100/day }
        """)
    /// 2026-01-01T00:00:00Z in milliseconds.
    static let t0: Int64 = 1_767_225_600_000

    /// `client`'s state in tier free, as `change` leaves it.
    static func state(_ client: String, _ change: (inout LimitState) -> Void) -> LimitState {
        var state = LimitState(client: client)
        state.tier = "free"
        change(&state)
        return state
    }

    @Test("extreme ledger states are denied, never trapped on")
    func extremeStates() throws {
        let states = [
            // A full bucket moved at the start of time, denied already Int64.max times.
            Self.state("full") {
                $0.rateSeen = true
                $0.rateExcess = .max
                $0.rateLast = .min
                $0.rateDenials = .max
            },
            // A quota window over the whole time line.
            Self.state("wide") {
                $0.quotaWindowStart = .min
                $0.quotaWindowEnd = .max
                $0.quotaCount = .max
            },
            // A quota used up in the current day, denied already Int64.max times.
            Self.state("spent") {
                $0.quotaWindowStart = Self.t0
                $0.quotaWindowEnd = Self.t0 + 86_400_000
                $0.quotaCount = .max
                $0.quotaDenials = .max
            },
        ]
        let ledger = try SQLiteLedger(path: ":memory:")
        try ledger.withWriter { writer in
            try writer.begin()
            for state in states { try writer.save(state) }
            try writer.commit()
        }
        let policy = try Policy.parse(yaml: Self.policy, source: "limits.yaml")
        var stage = LimitStage(policy: policy, dryRun: false)
        var decided: [String?] = []
        try ledger.withWriter { writer in
            try writer.begin()
            for client in ["full", "wide", "spent"] {
                let problem = try stage.admit(client: client, tierName: "free", at: Self.t0 + 1, &writer)
                if problem == nil { stage.countAllowed() }
                decided.append(problem?.code.name)
            }
            try stage.save(&writer)
            try writer.commit()
        }
        // The wide window is not a day: a new one starts, and its first request passes.
        #expect(decided == ["rate_limited", nil, "quota_exceeded"])
        let saved = Dictionary(uniqueKeysWithValues: try ledger.limitStates().map { ($0.client, $0) })
        #expect(saved["full"]?.rateDenials == .max)
        #expect(saved["spent"]?.quotaDenials == .max)
        #expect(saved["wide"]?.quotaCount == 1)
    }

    @Test("a global bucket at the ends of Int64 denies every request")
    func extremeGlobal() throws {
        let ledger = try SQLiteLedger(path: ":memory:")
        try ledger.withWriter { writer in
            try writer.begin()
            var global = LimitState(client: LimitState.globalKey)
            global.rateSeen = true
            global.rateExcess = .max
            global.rateLast = .max
            global.rateDenials = .max
            try writer.save(global)
            try writer.commit()
        }
        let policy = try Policy.parse(yaml: Self.policy, source: "limits.yaml")
        var stage = LimitStage(policy: policy, dryRun: false)
        let problem = try ledger.withWriter { writer in
            try writer.begin()
            defer { try? writer.commit() }
            return try stage.admit(client: "c", tierName: "free", at: Self.t0, &writer)
        }
        #expect(problem?.code.name == "rate_limited")
    }

    @Test("the bucket's arithmetic saturates")
    func bucket() {
        let bucket = LeakyBucket(requestsPerSecond: 1, burst: 0)
        for excess in [Int64.min, -1, 0, .max] {
            for last in [Int64.min, 0, .max] {
                var state = LimitState(client: "c")
                state.rateSeen = true
                state.rateExcess = excess
                state.rateLast = last
                for now in [Int64.min, 0, .max] {
                    let look = bucket.look(state, now: now)
                    #expect(look.excess >= 0)
                    #expect(bucket.retryAfter(state, now: now) >= 0)
                }
            }
        }
    }
}
