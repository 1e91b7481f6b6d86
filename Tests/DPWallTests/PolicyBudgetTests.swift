import DPWall
import Testing

/// The checks of `PolicyDecoder+Budgets.swift`: no Gaussian output reachable under a budget of delta 0 (it made
/// `policy check` and `filter` trap), windows and the JWT leeway within event time, and window arithmetic that
/// saturates instead of trapping.
@Suite("Policy budgets")
struct PolicyBudgetTests {
    /// A policy with a Laplace model `lap` and a Gaussian model `gau`, then `sections` (tiers, clients, auth).
    static func policy(_ sections: String, accounting: String = "rdp") -> String {
        """
        version: 1
        accounting: \(accounting)
        \(sections)
        models:
          lap:
            inputs: [{name: x, datatype: FP32, shape: [-1, 2]}]
            outputs: [{name: y, datatype: FP32, shape: [-1, 3], privacy: {mechanism: laplace, epsilon: 1, clamp: [0, 1]}}]
          gau:
            inputs: [{name: x, datatype: FP32, shape: [-1, 2]}]
            outputs:
              - {name: label, datatype: INT64, shape: [-1]}
              - {name: p, datatype: FP32, shape: [-1, 3], privacy: {mechanism: gaussian, epsilon: 1, delta: 1.0e-6, clamp: [0, 1]}}
        """
    }

    /// The problems of `yaml`, as `path: message` lines.
    static func problems(_ yaml: String, sourceLocation: SourceLocation = #_sourceLocation) -> [String] {
        policyError(yaml, sourceLocation: sourceLocation)?.problems.map(\.description) ?? []
    }

    struct ReachCase: Sendable, CustomTestStringConvertible {
        let label: String
        let sections: String
        let path: String
        var testDescription: String { label }
    }

    static let reaching: [ReachCase] = [
        ReachCase(
            label: "a tier without delta calling every model",
            sections:
                "auth: {mode: trusted, default_tier: free}\ntiers:\n  free: {models: \"*\", budget: {epsilon: 5, window: 1d}}",
            path: "tiers.free.budget.delta"),
        ReachCase(
            label: "a tier with delta 0 naming the Gaussian model",
            sections: "tiers:\n  free: {models: [lap, gau], budget: {epsilon: 5, delta: 0}}",
            path: "tiers.free.budget.delta"),
        ReachCase(
            label: "a client override setting delta 0",
            sections: """
                tiers:
                  pro: {models: "*", budget: {epsilon: 5, delta: 1.0e-5}}
                clients:
                  acme: {tier: pro, budget: {delta: 0}}
                """,
            path: "clients.acme.budget.delta"),
        ReachCase(
            label: "a client override widening the models of a tier with delta 0",
            sections: """
                tiers:
                  free: {models: [lap], budget: {epsilon: 5}}
                clients:
                  acme: {tier: free, models: "*"}
                """,
            path: "clients.acme.models"),
        ReachCase(
            label: "a client override giving a budget to a tier without one",
            sections: """
                tiers:
                  open: {models: [gau]}
                clients:
                  acme: {tier: open, budget: {epsilon: 3}}
                """,
            path: "clients.acme.budget.delta"),
        ReachCase(
            label: "a client of the default tier, with a budget of its own",
            sections: """
                auth: {mode: trusted, default_tier: open}
                tiers:
                  open: {models: "*"}
                clients:
                  acme: {budget: {epsilon: 3}}
                """,
            path: "clients.acme.budget.delta"),
        ReachCase(
            label: "a client whose API key places it in a tier, with a budget of its own",
            sections: """
                auth:
                  mode: api_key
                  api_keys: [{client: acme, sha256: \(String(repeating: "ab", count: 32)), tier: open}]
                tiers:
                  open: {models: [gau]}
                clients:
                  acme: {budget: {epsilon: 3}}
                """,
            path: "clients.acme.budget.delta"),
        ReachCase(
            label: "a client a JWT tier claim can place in any tier",
            sections: """
                auth: {mode: jwt, jwt: {jwks: keys.json, tier_claim: tier}}
                tiers:
                  safe: {models: [lap]}
                  open: {models: [gau]}
                clients:
                  acme: {budget: {epsilon: 3}}
                """,
            path: "clients.acme.budget.delta"),
        ReachCase(
            label: "no tiers: a client's budget of its own covers every model",
            sections: "clients:\n  acme: {budget: {epsilon: 3}}",
            path: "clients.acme.budget.delta"),
    ]

    @Test("a Gaussian output reachable under a budget of delta 0 is refused at the budget's path", arguments: reaching)
    func gaussianUnderDeltaZero(_ testCase: ReachCase) throws {
        let problems = Self.problems(Self.policy(testCase.sections))
        #expect(problems.count == 1, "\(problems)")
        let first = try #require(problems.first)
        #expect(first.hasPrefix(testCase.path + ": "), "\(first)")
        #expect(first.contains("models.gau.outputs[1] (p)"), "the message names the output: \(first)")
        #expect(first.contains("delta in (0, 1)"), "\(first)")
    }

    /// Under every accounting: the check is about the budget, not the accountant.
    @Test("the problem and its message are the same under every accounting", arguments: ["basic", "rdp", "zcdp"])
    func everyAccounting(_ accounting: String) throws {
        let yaml = Self.policy(
            "tiers:\n  free: {models: \"*\", budget: {epsilon: 5, window: 1d}}", accounting: accounting)
        #expect(
            Self.problems(yaml) == [
                "tiers.free.budget.delta: is 0 (the default when omitted), but the tier can call the gaussian output "
                    + "models.gau.outputs[1] (p); a gaussian row costs a delta > 0, which no budget of delta 0 holds. "
                    + "Give the budget a delta in (0, 1), or leave those models out of the tier's models"
            ])
    }

    static let allowed: [ReachCase] = [
        ReachCase(
            label: "delta 0 on a tier of Laplace models only",
            sections:
                "tiers:\n  free: {models: [lap], budget: {epsilon: 5}}\n  pro: {models: \"*\", budget: {epsilon: 5, delta: 1.0e-6}}",
            path: ""),
        ReachCase(
            label: "a tier without a budget (nothing privatized is released to it)",
            sections: "tiers:\n  open: {models: \"*\"}", path: ""),
        ReachCase(
            label: "a client override with its own delta on a tier of delta 0",
            sections: """
                tiers:
                  free: {models: [lap], budget: {epsilon: 5}}
                clients:
                  acme: {tier: free, models: "*", budget: {delta: 1.0e-6}}
                """,
            path: ""),
        ReachCase(
            label: "a client override narrowing the models",
            sections: """
                tiers:
                  pro: {models: "*", budget: {epsilon: 5, delta: 1.0e-6}}
                clients:
                  acme: {tier: pro, models: [lap], budget: {delta: 0}}
                """,
            path: ""),
        ReachCase(
            label: "a client whose API key places it in a Laplace tier (a JWT claim could not)",
            sections: """
                auth:
                  mode: api_key
                  default_tier: pro
                  api_keys: [{client: acme, sha256: \(String(repeating: "ab", count: 32)), tier: safe}]
                tiers:
                  safe: {models: [lap]}
                  pro: {models: "*", budget: {epsilon: 5, delta: 1.0e-6}}
                clients:
                  acme: {budget: {epsilon: 3}}
                """,
            path: ""),
    ]

    @Test("delta 0 is fine where no Gaussian output can be released", arguments: allowed)
    func deltaZeroAllowed(_ testCase: ReachCase) throws {
        _ = try Policy.parse(yaml: Self.policy(testCase.sections), source: "allowed.yaml")
    }

    @Test("delta 1 is refused in a tier and in a client override")
    func deltaOne() throws {
        #expect(
            Self.problems(Self.policy("tiers:\n  pro: {models: \"*\", budget: {epsilon: 5, delta: 1}}")) == [
                "tiers.pro.budget.delta: must be in [0, 1), got 1"
            ])
        #expect(
            Self.problems(Self.policy("clients:\n  acme: {budget: {epsilon: 5, delta: 1.5}}")) == [
                "clients.acme.budget.delta: must be in [0, 1), got 1.5"
            ])
    }

    /// A tier of delta 0 gets a line for its Laplace output, which composes by the sum (the RDP accountant and
    /// zCDP's conversion trapped on the delta), and none for the Gaussian model it cannot call.
    @Test("policy check counts releases under a tier of delta 0", arguments: ["basic", "rdp", "zcdp"])
    func reportWithDeltaZeroTier(_ accounting: String) throws {
        let yaml = Self.policy(
            "tiers:\n  free: {models: [lap], budget: {epsilon: 5}}\n  pro: {models: \"*\", budget: {epsilon: 5, delta: 1.0e-5}}",
            accounting: accounting)
        let report = PolicyReport(policy: try Policy.parse(yaml: yaml, source: "report.yaml"))
        let lines = report.text().split(separator: "\n").filter { $0.hasPrefix("    tier free: ") }
        #expect(lines == ["    tier free: 5 single-row releases per lifetime under \(accounting) accounting"])
        #expect(report.json().contains("\"free\" : 5") && !report.json().contains("\"free\" : 0"))
    }

    @Test("a budget window longer than 10000 years is refused; the longest is accepted")
    func windowLimit() throws {
        let longest = Policy.BudgetWindow.longestSeconds / 86_400
        for window in ["999999999999d", "106751991167300d", "\(longest + 1)d", "\(longest * 24 + 1)h"] {
            let yaml = Self.policy("tiers:\n  t: {models: [lap], budget: {epsilon: 1, window: \(window)}}")
            #expect(
                Self.problems(yaml) == [
                    "tiers.t.budget.window: must be at most 3652425d (10000 years, all of event time); use lifetime "
                        + "for a budget that never resets, got \(window)"
                ])
            let client = Self.policy("clients:\n  acme: {budget: {window: \(window)}}")
            #expect(Self.problems(client).first?.hasPrefix("clients.acme.budget.window: must be at most") == true)
        }
        let yaml = Self.policy("tiers:\n  t: {models: [lap], budget: {epsilon: 1, window: \(longest)d}}")
        let policy = try Policy.parse(yaml: yaml, source: "longest.yaml")
        let window = try #require(policy.tier(named: "t")?.budget?.window)
        // The last millisecond a ts can name (9999-12-31T23:59:59.999Z) is inside one window with an end.
        let last: Int64 = 253_402_300_799_999
        let span = window.span(containing: last)
        #expect(span.start <= last && last < span.end && span.end < .max)
    }

    @Test("window arithmetic saturates at the ends of Int64")
    func spanSaturates() {
        let longest = Policy.BudgetWindow.seconds(Policy.BudgetWindow.longestSeconds)
        for time in [Int64.min, .min + 1, -1, 0, .max - 1, .max] {
            for window in [Policy.BudgetWindow.seconds(3_600), longest, .seconds(.max), .seconds(.max / 1000)] {
                let span = window.span(containing: time)
                #expect(span.start <= time && (time < span.end || span.end == .max), "\(window) at \(time)")
            }
            for unit in Policy.QuotaWindow.allCases where unit != .month {
                let span = unit.span(containing: time)
                #expect(span.start <= time && (time < span.end || span.end == .max), "\(unit) at \(time)")
            }
        }
        #expect(Policy.BudgetWindow.seconds(3_600).span(containing: -1) == (-3_600_000, 0))
    }

    @Test("a JWT leeway beyond 1e9 seconds is refused")
    func leewayLimit() throws {
        for leeway in ["1.0e300", "99999999999999999999s", "1000000001"] {
            let yaml = Self.policy("auth: {mode: jwt, jwt: {jwks: keys.json, leeway: \(leeway)}}")
            let problems = Self.problems(yaml)
            #expect(
                problems.count == 1
                    && problems[0].hasPrefix("auth.jwt.leeway: must be at most 1000000000 seconds, got "), "\(problems)"
            )
        }
        let policy = try Policy.parse(
            yaml: Self.policy("auth: {mode: jwt, jwt: {jwks: keys.json, leeway: 1000000000}}"), source: "leeway.yaml")
        #expect(policy.auth.jwt?.leewaySeconds == 1e9)
    }
}
