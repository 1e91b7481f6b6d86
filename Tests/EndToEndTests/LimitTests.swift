import Foundation
import Testing

/// Rate limits and quotas through the real binary: decisions identical to a reference of nginx's `limit_req`,
/// quotas across a restart and across hour, day and month boundaries, the order of checks, and dry runs.
@Suite("Rate limits and quotas")
struct LimitTests {
    /// A request-only record of one valid row (or, with `bad`, a row of the wrong shape: `invalid_shape`).
    static func record(id: String, client: String, ms: Int64, bad: Bool = false) -> String {
        let data = bad ? "[[1,2,3]]" : "[[1,2]]"
        let shape = bad ? "[1,3]" : "[1,2]"
        return #"{"id":"\#(id)","ts":"\#(timestamp(ms))","client":"\#(client)","model":"m","request":"#
            + #"{"inputs":[{"name":"x","datatype":"FP32","shape":\#(shape),"data":\#(data)}]}}"# + "\n"
    }

    /// RFC 3339 in UTC with milliseconds.
    static func timestamp(_ ms: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
    }

    static func policy(tiers: String, clients: String = "", limits: String = "") -> String {
        // Random event times go back and forth by minutes: lateness is not what these tests are about.
        """
        version: 1
        \(limits.isEmpty ? "limits: { allowed_lateness: 3652d }" : limits)
        auth: { mode: trusted, default_tier: t0 }
        tiers:
        \(tiers)
        clients:
        \(clients.isEmpty ? "  nobody: { tier: t0 }" : clients)
        models:
          m:
            inputs: [{ name: x, datatype: FP32, shape: [-1, 2] }]
            outputs: [{ name: y, datatype: FP32, shape: [-1, 1], privacy: { mechanism: none } }]

        """
    }

    /// nginx's `limit_req`, written from `ngx_http_limit_req_lookup` and `ngx_http_limit_req_account`
    /// (src/http/modules/ngx_http_limit_req_module.c) in the same integer arithmetic: excess and burst in
    /// milli-requests, rate in milli-requests per second.
    struct NginxReference {
        struct Node {
            var excess: Int64
            var last: Int64
        }

        struct Zone {
            var rate: Int64
            var burst: Int64
            var nodes: [String: Node] = [:]

            /// `ms` and `excess` as nginx computes them for a request at `now` on an existing node.
            func drain(_ node: Node, now: Int64) -> (ms: Int64, excess: Int64) {
                // The one deviation of dpwall (docs/auth.md, "Rate limits and quotas"): any step back counts as 0 ms, where
                // nginx counts one of more than 60 s as 1 ms and moves `last` back with it.
                var ms = now - node.last
                if ms < 0 { ms = 0 }
                var excess = node.excess - rate * ms / 1000 + 1000
                if excess < 0 { excess = 0 }
                return (ms, excess)
            }

            /// The lookup phase: BUSY or not; changes nothing (a new node starts at excess 0).
            func lookup(_ key: String, now: Int64) -> Bool {
                guard let node = nodes[key] else { return false }
                return drain(node, now: now).excess > burst
            }

            /// The accounting of a request that every limit let through.
            mutating func account(_ key: String, now: Int64) {
                guard let node = nodes[key] else {
                    nodes[key] = Node(excess: 0, last: now)
                    return
                }
                let (ms, excess) = drain(node, now: now)
                nodes[key]!.excess = excess
                if ms != 0 { nodes[key]!.last = now }
            }
        }

        /// Per-client zones (each client's own rate), then the optional global zone, in that order.
        var perClient: [String: Zone]
        var global: Zone?

        /// Whether the request passes; accounts it in every zone when it does.
        mutating func request(client: String, now: Int64) -> Bool {
            if perClient[client]!.lookup(client, now: now) { return false }
            if let global, global.lookup("", now: now) { return false }
            perClient[client]!.account(client, now: now)
            global?.account("", now: now)
            return true
        }
    }

    /// Random traffic: `clients` clients, event time moving forward by 0–400 ms per record with bursts at the
    /// same millisecond, and now and then a step back of up to 60 s or of more than 60 s (nginx treats the two
    /// differently).
    static func traffic(seed: UInt64, records: Int, clients: Int) -> [(client: String, ms: Int64)] {
        var random = SplitMix(state: seed)
        var now: Int64 = 1_795_000_000_000
        var out: [(String, Int64)] = []
        for _ in 0..<records {
            switch random.below(100) {
            case 0..<30: break  // the same millisecond
            case 30..<95: now += Int64(random.below(400))
            case 95..<98: now -= Int64(random.below(60_000))
            default: now -= 60_001 + Int64(random.below(100_000))
            }
            out.append(("c\(random.below(clients))", now))
        }
        return out
    }

    /// Tiers with rates nginx would write as `5r/s burst=0`, `1r/s burst=3`, `600r/m burst=10`, `7r/m burst=2`
    /// and `2500` milli-requests per second.
    static let rateTiers = """
          t0: { models: "*", rate: 5/s, burst: 0 }
          t1: { models: "*", rate: 1/s, burst: 3 }
          t2: { models: "*", rate: 600/m, burst: 10 }
          t3: { models: "*", rate: 7/m, burst: 2 }
          t4: { models: "*", rate: 2.5/s, burst: 1 }
        """
    static let zones: [(rate: Int64, burst: Int64)] = [
        (5000, 0), (1000, 3000), (10000, 10000), (116, 2000), (2500, 1000),
    ]

    func runEquivalence(seed: UInt64, global: (text: String, rate: Int64, burst: Int64)?) throws {
        let scratch = try TemporaryDirectory()
        let clientCount = 40
        var clients = ""
        var reference = NginxReference(perClient: [:], global: global.map { .init(rate: $0.rate, burst: $0.burst) })
        for index in 0..<clientCount {
            let tier = index % 5
            clients += "  c\(index): { tier: t\(tier) }\n"
            reference.perClient["c\(index)"] = .init(rate: Self.zones[tier].rate, burst: Self.zones[tier].burst)
        }
        let policy = try scratch.write(
            "policy.yaml", Self.policy(tiers: Self.rateTiers, clients: clients, limits: global?.text ?? ""))
        let traffic = Self.traffic(seed: seed, records: 6000, clients: clientCount)
        var input = ""
        var expected: [Bool] = []
        for (index, request) in traffic.enumerated() {
            input += Self.record(id: "r\(index)", client: request.client, ms: request.ms)
            expected.append(reference.request(client: request.client, now: request.ms))
        }
        #expect(expected.contains(false) && expected.contains(true), "the traffic must exercise both outcomes")
        for threads in ["1", "2"] {
            let result = try DPWall.run(
                ["filter", "--policy", policy, "--ledger", ":memory:", "--no-audit", "--threads", threads],
                stdin: Data(input.utf8), in: scratch)
            #expect(result.status == 0, "\(result.stderrText)")
            let lines = result.lines.compactMap(OutputLine.init)
            try #require(lines.count == traffic.count)
            var mismatches: [String] = []
            for (index, line) in lines.enumerated() {
                let passed = line.code == nil
                if passed != expected[index] || (!passed && line.code != "rate_limited") {
                    mismatches.append(
                        "record \(index) (\(traffic[index].client) at \(traffic[index].ms)): "
                            + "dpwall \(line.code ?? "allowed"), nginx \(expected[index] ? "allowed" : "rate_limited")")
                }
            }
            #expect(mismatches.isEmpty, "\(mismatches.count) mismatches; first: \(mismatches.prefix(5))")
        }
    }

    @Test("per-client rate limits decide exactly as nginx's limit_req on random event times", arguments: [1, 2, 3])
    func nginxEquivalence(seed: UInt64) throws {
        try runEquivalence(seed: seed, global: nil)
    }

    @Test("with a global rate as well, a request must pass both, and only then are both moved")
    func nginxEquivalenceWithGlobal() throws {
        try runEquivalence(
            seed: 7,
            global: ("limits: { global_rate: 20/s, global_burst: 15, allowed_lateness: 3652d }", 20_000, 15_000))
    }

    static let quotaTiers = """
          t0: { models: "*", quota: 3/hour }
          d: { models: "*", quota: 2/day }
          mo: { models: "*", quota: 2/month }
        """

    @Test("quotas count allowed requests only, survive a restart, and start afresh at hour, day and month boundaries")
    func quotasAcrossRestartAndWindows() throws {
        let scratch = try TemporaryDirectory()
        let policy = try scratch.write(
            "policy.yaml",
            Self.policy(tiers: Self.quotaTiers, clients: "  daily: { tier: d }\n  monthly: { tier: mo }\n"))
        let ledger = scratch.file("ledger.db").path
        let hour: Int64 = 1_795_000_000_000 / 3_600_000 * 3_600_000  // an hour boundary
        func run(_ input: String) throws -> [String] {
            let result = try DPWall.run(
                ["filter", "--policy", policy, "--ledger", ledger, "--no-audit"], stdin: Data(input.utf8),
                in: scratch)
            #expect(result.status == 0, "\(result.stderrText)")
            return result.lines.compactMap(OutputLine.init).map { $0.code ?? "ok" }
        }
        // Hourly: a denied record (bad shape) does not count; the third allowed one fills the quota.
        var first = ""
        first += Self.record(id: "h1", client: "hourly", ms: hour + 1)
        first += Self.record(id: "h2", client: "hourly", ms: hour + 2, bad: true)
        first += Self.record(id: "h3", client: "hourly", ms: hour + 3)
        // Monthly: January 31st, late (in the past: a ts ahead of the wall clock is future_event).
        let january31 = try #require(ISO8601DateFormatter().date(from: "2026-01-31T23:59:59Z"))
        let lateJanuary = Int64(january31.timeIntervalSince1970 * 1000)
        first += Self.record(id: "m1", client: "monthly", ms: lateJanuary)
        first += Self.record(id: "m2", client: "monthly", ms: lateJanuary + 1)
        #expect(try run(first) == ["ok", "invalid_shape", "ok", "ok", "ok"])
        // After a restart the counts are still there.
        var second = ""
        second += Self.record(id: "h4", client: "hourly", ms: hour + 10)
        second += Self.record(id: "h5", client: "hourly", ms: hour + 11)
        second += Self.record(id: "h6", client: "hourly", ms: hour + 3_599_999)
        second += Self.record(id: "h7", client: "hourly", ms: hour + 3_600_000)  // the next hour
        second += Self.record(id: "m3", client: "monthly", ms: lateJanuary + 998)  // still January
        second += Self.record(id: "m4", client: "monthly", ms: lateJanuary + 1000)  // February 1st, 00:00:00
        let day = hour / 86_400_000 * 86_400_000
        second += Self.record(id: "d1", client: "daily", ms: day + 86_399_000)
        second += Self.record(id: "d2", client: "daily", ms: day + 86_399_500)
        second += Self.record(id: "d3", client: "daily", ms: day + 86_399_999)
        second += Self.record(id: "d4", client: "daily", ms: day + 86_400_000)  // the next day
        #expect(
            try run(second) == [
                "ok", "quota_exceeded", "quota_exceeded", "ok", "quota_exceeded", "ok", "ok", "ok", "quota_exceeded",
                "ok",
            ])
        // quota show lists the state: the window holding h7, which alone counts in it.
        let shown = try DPWall.run(
            ["quota", "show", "--ledger", ledger, "--format", "json", "hourly"], in: scratch)
        #expect(shown.status == 0, "\(shown.stderrText)")
        #expect(shown.stdoutText.contains("\"quota_used\":1,\"quota_limit\":3"), "\(shown.stdoutText)")
    }

    @Test("the limits come before tensor checks, so a flood of invalid records is still rate limited")
    func limitsBeforeTensorChecks() throws {
        let scratch = try TemporaryDirectory()
        let policy = try scratch.write(
            "policy.yaml", Self.policy(tiers: #"  t0: { models: "*", rate: 1/s, burst: 1 }"#))
        var input = ""
        for index in 0..<4 { input += Self.record(id: "b\(index)", client: "x", ms: 1_795_000_000_000, bad: true) }
        let rejects = scratch.file("rejects.jsonl")
        let result = try DPWall.run(
            ["filter", "--policy", policy, "--ledger", ":memory:", "--no-audit", "--rejects", rejects.path],
            stdin: Data(input.utf8), in: scratch)
        let codes = result.lines.compactMap(OutputLine.init).map { $0.code ?? "ok" }
        #expect(codes == ["invalid_shape", "invalid_shape", "rate_limited", "rate_limited"])
        let rejected = splitLines(try Data(contentsOf: rejects)).compactMap(OutputLine.init)
        #expect(rejected.map { $0.object["code"] as? String } == codes.map { $0 })
        #expect(rejected.map { ($0.object["line"] as? NSNumber)?.intValue } == [1, 2, 3, 4])
        #expect(result.stderrText.contains("rate_limited 2") && result.stderrText.contains("invalid_shape 2"))
    }

    @Test("broken bodies keep their invalid_field but count against the rate; a quota of another unit counts it all")
    func brokenBodiesAndQuotaUnits() throws {
        let scratch = try TemporaryDirectory()
        let policy = try scratch.write(
            "policy.yaml", Self.policy(tiers: #"  t0: { models: "*", rate: 1/s, burst: 1, quota: 100/month }"#))
        let t: Int64 = 1_795_000_000_000
        var input = ""
        for index in 0..<3 {
            input += Self.record(id: "b\(index)", client: "x", ms: t)
                .replacingOccurrences(of: #""request":{"inputs""#, with: #""request":{"bogus":1,"inputs""#)
        }
        input += Self.record(id: "ok", client: "x", ms: t)
        let ledger = scratch.file("q.db").path
        var result = try DPWall.run(
            ["filter", "--policy", policy, "--ledger", ledger, "--no-audit"], stdin: Data(input.utf8), in: scratch)
        // Two broken bodies pass the bucket (and fill it), the third would not: it keeps its own code, which comes
        // first in records.md's order. The valid record after them finds the bucket full.
        #expect(
            result.lines.compactMap(OutputLine.init).map { $0.code ?? "ok" } == [
                "invalid_field", "invalid_field", "invalid_field", "rate_limited",
            ])
        // Six allowed this month, all in one hour; then the policy's quota becomes 2 an hour: the hour already
        // holds six, so nothing more passes in it (a change of unit never starts a count afresh).
        input = (1...5).map { Self.record(id: "m\($0)", client: "x", ms: t + 10_000 * Int64($0)) }.joined()
        result = try DPWall.run(
            ["filter", "--policy", policy, "--ledger", ledger, "--no-audit"], stdin: Data(input.utf8), in: scratch)
        #expect(result.lines.compactMap(OutputLine.init).allSatisfy { $0.code == nil })
        let hourly = try scratch.write(
            "hourly.yaml", Self.policy(tiers: #"  t0: { models: "*", rate: 1/s, burst: 1, quota: 2/hour }"#))
        input = (6...8).map { Self.record(id: "m\($0)", client: "x", ms: t + 100_000 + 10_000 * Int64($0)) }.joined()
        result = try DPWall.run(
            ["filter", "--policy", hourly, "--ledger", ledger, "--no-audit"], stdin: Data(input.utf8), in: scratch)
        #expect(
            result.lines.compactMap(OutputLine.init).map { $0.code ?? "ok" } == [
                "quota_exceeded", "quota_exceeded", "quota_exceeded",
            ])
        // An hour later, the hourly quota has a window of its own.
        input = Self.record(id: "m9", client: "x", ms: t + 3_600_000)
        result = try DPWall.run(
            ["filter", "--policy", hourly, "--ledger", ledger, "--no-audit"], stdin: Data(input.utf8), in: scratch)
        #expect(result.lines.compactMap(OutputLine.init).map { $0.code ?? "ok" } == ["ok"])
    }

    @Test("a dry run reports would-be denials in the annotation and the audit, and denies nothing")
    func dryRun() throws {
        let scratch = try TemporaryDirectory()
        let policy = try scratch.write(
            "policy.yaml", Self.policy(tiers: #"  t0: { models: "*", rate: 1/s, burst: 0, quota: 2/hour }"#))
        var input = ""
        for index in 0..<3 { input += Self.record(id: "d\(index)", client: "x", ms: 1_795_000_000_000 + Int64(index)) }
        let audit = scratch.file("audit").path
        let result = try DPWall.run(
            ["filter", "--policy", policy, "--ledger", ":memory:", "--audit", audit, "--limits-dry-run"],
            stdin: Data(input.utf8), in: scratch)
        #expect(result.status == 0, "\(result.stderrText)")
        let lines = result.lines.compactMap(OutputLine.init)
        #expect(lines.map(\.code) == [nil, nil, nil])
        #expect(
            lines.map { ($0.object["dry_run"] as? [String: Any])?["code"] as? String } == [
                nil, "rate_limited", "rate_limited",
            ])
        let message = (lines[1].object["dry_run"] as? [String: Any])?["message"] as? String ?? ""
        #expect(message.contains("a retry under a new id passes after 0.999 s"), "\(message)")
        let entries = try DPWall.run(["audit", "cat", audit], in: scratch).lines.compactMap(OutputLine.init)
        #expect(entries.map { $0.object["dry_run"] as? String } == [nil, "rate_limited", "rate_limited"])
        #expect(entries.allSatisfy { $0.object["decision"] as? String == "allow" })
    }
}
