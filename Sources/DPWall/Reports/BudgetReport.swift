public import DPWallRecords
public import DPWallStore
import Foundation

/// What `dpwall report` shows: per client, its budget window and how fast it is being spent; for the fleet, who
/// is near exhaustion, denials by code and releases per model; and the time series of the charts.
///
/// The ledger gives each client's window (spent, limit, releases, first and last seen), the request-limit
/// denials, and the charges behind the cumulative-ε series. The audit archive, when given, gives what the ledger
/// does not keep: denials by code over time, releases per model, and the accountant's exact position after every
/// release. Everything is streamed: the ledger's windows through a cursor, the archive frame by frame.
public struct BudgetReport: Sendable {
    /// What to report on.
    public struct Options: Sendable {
        /// Event-time range (milliseconds since 1970): windows overlapping it, and entries and charges in it.
        public var since: Int64?, until: Int64?
        /// Only these clients (every client when empty).
        public var clients: Set<String> = []
        /// Clients with a cumulative-ε series (the biggest spenders).
        public var seriesClients = 5
        /// Points per series at most (a longer one is thinned evenly, keeping its last point).
        public var maxSeriesPoints = 400
        /// The share of the limit from which a client counts as near exhaustion.
        public var nearExhaustion = 0.9

        public init() {}

        func contains(_ time: Int64) -> Bool {
            !(since.map { time < $0 } ?? false) && !(until.map { time >= $0 } ?? false)
        }
    }

    /// One client in its window.
    public struct Client: Sendable {
        public var client: String, tier: String
        public var windowStart: Int64, windowEnd: Int64
        public var spentEpsilon: Double, spentDelta: Double
        public var limitEpsilon: Double, limitDelta: Double
        public var releases: Int
        public var firstSeen: Int64, lastSeen: Int64
        /// Denials by code: from the archive when given (those in the window); else the ledger's (its window's
        /// budget denials, counted as `budget_exhausted` with any `duplicate_id`, and the client's `rate_limited`
        /// and `quota_exceeded`).
        public var denials: [(code: DenialCode, count: Int)] = []
        /// Whether ``denials`` come from the archive, where `budget_exhausted` is told apart from `duplicate_id`.
        public var denialsFromAudit = false

        /// Spent as a share of the limit, in percent.
        public var usedPercent: Double { limitEpsilon > 0 ? spentEpsilon / limitEpsilon * 100 : 0 }

        /// ε per hour over the window's activity so far (from first to last release, at least one minute).
        public var ratePerHour: Double? {
            guard releases > 0, spentEpsilon > 0, spentEpsilon.isFinite else { return nil }
            // In Double: a hostile ledger's times must not overflow.
            let span = max(Double(lastSeen) - Double(firstSeen), 60_000)
            return spentEpsilon / span * 3_600_000
        }

        /// Whether the spend reached the limit, or a release was refused for budget in this window: a
        /// `budget_exhausted` denial in ``denials``. Without the archive that is the window's budget denials in the
        /// ledger (which counts a `duplicate_id` with them), the same count the row shows, so a client shown refused
        /// for budget is never called `near` or `ok`.
        public var exhausted: Bool {
            spentEpsilon >= limitEpsilon * (1 - 1e-9)
                || denials.contains { $0.code == .budgetExhausted && $0.count > 0 }
        }

        /// When the limit is reached at ``ratePerHour`` (event time), counted from the later of the client's last
        /// charge and `asOf` (the report's time: the limit was not reached by then); nil when exhausted already,
        /// or not before the window ends.
        public func projectedExhaustion(asOf: Int64?) -> Int64? {
            guard !exhausted, let rate = ratePerHour, rate > 0 else { return nil }
            let hours = (limitEpsilon - spentEpsilon) / rate
            let at = Double(max(lastSeen, asOf ?? .min)) + hours * 3_600_000
            return at.isFinite && at < Double(windowEnd) ? BudgetReport.clamped(at) : nil
        }

        /// The denials in all.
        public var deniedTotal: Int { denials.reduce(0) { $0 + $1.count } }
    }

    /// A line of a chart: points in event-time order.
    public struct Series: Sendable {
        public var name: String
        /// The budget line (the client's limit), if any.
        public var limit: Double?
        public var points: [(time: Int64, value: Double)]
    }

    public var options: Options
    /// Clients, most used first (ties by name).
    public var clients: [Client] = []
    /// The latest event time any reported client was charged at.
    public var asOf: Int64?
    /// Denials by ``DenialCode/index`` over the reported clients (all clients, from the archive).
    public var denialsByCode = [Int](repeating: 0, count: DenialCode.all.count)
    /// Whether the denials come from the audit archive (else from the ledger).
    public var denialsFromAudit = false
    /// Allowed records and privatized releases per model (from the archive; empty without it).
    public var modelReleases: [(model: String, allowed: Int, privatized: Int)] = []
    /// Per tier: clients and ε spent (their windows).
    public var tiers: [(tier: String, clients: Int, spentEpsilon: Double)] = []
    /// Cumulative ε of the biggest spenders, with their budget lines.
    public var epsilonSeries: [Series] = []
    /// Whether those series are the accountant's positions (audit, or basic composition where Σ charges is the
    /// spend); else the Σ of charges, an upper bound of the spend.
    public var epsilonSeriesExact = true
    /// Denials per code over event time, in ``denialBins`` (from the archive; empty without it).
    public var denialSeries: [Series] = []
    /// Edges of the denial bins: `denialBins[k]..<denialBins[k + 1]`.
    public var denialBins: [Int64] = []
    /// Clients per tenth of budget used: `[0, 10) … [90, 100]` percent.
    public var histogram = [Int](repeating: 0, count: 10)
    /// Audit entries read (0 without the archive).
    public var auditEntries = 0

    /// When `client`'s limit is reached at its rate, never before ``asOf``
    /// (``Client/projectedExhaustion(asOf:)``).
    public func projectedExhaustion(_ client: Client) -> Int64? {
        client.projectedExhaustion(asOf: asOf)
    }

    /// Clients near exhaustion (at least ``Options/nearExhaustion`` used, not exhausted).
    public var nearExhaustion: [Client] {
        clients.filter { !$0.exhausted && $0.usedPercent >= options.nearExhaustion * 100 }
    }

    /// Clients exhausted in their window.
    public var exhaustedCount: Int { clients.reduce(0) { $0 + ($1.exhausted ? 1 : 0) } }
}

extension BudgetReport {
    /// Builds the report from `ledger` and, if given, the audit archive at `audit` (segment files or directories).
    public static func build(ledger: SQLiteLedger, audit: [String]?, options: Options) throws -> BudgetReport {
        var report = BudgetReport(options: options)
        try report.readWindows(ledger)
        try report.readLimitDenials(ledger)
        report.clients.sort { ($0.usedPercent, $1.client) > ($1.usedPercent, $0.client) }
        // The series show the biggest spenders (ties by name).
        let seriesClients = Array(
            report.clients.filter { $0.releases > 0 }.sorted {
                ($0.spentEpsilon, $1.client) > ($1.spentEpsilon, $0.client)
            }
            .prefix(options.seriesClients))
        if let audit {
            try report.readAudit(audit, seriesClients: seriesClients)
        } else {
            try report.readCharges(ledger, seriesClients: seriesClients)
        }
        for client in report.clients {
            // Clamped in Double: a limit the policy lowered below the spend gives any percentage.
            let tenth = client.usedPercent.isFinite ? min(9, max(0, client.usedPercent / 10)) : 9
            report.histogram[Int(tenth)] += 1
        }
        return report
    }

    /// Each client's window: the latest one overlapping the period.
    private mutating func readWindows(_ ledger: SQLiteLedger) throws {
        var current: WindowState?
        var tiers: [String: (clients: Int, spent: Double)] = [:]
        func flush() {
            guard let state = current else { return }
            let limit = state.effectiveLimit
            var client = Client(
                client: state.client, tier: state.tier, windowStart: state.windowStart, windowEnd: state.windowEnd,
                spentEpsilon: state.spentEpsilon, spentDelta: state.spentDelta, limitEpsilon: limit.epsilon,
                limitDelta: limit.delta, releases: state.account.releases, firstSeen: state.firstSeen,
                lastSeen: state.lastSeen)
            if state.denials > 0 { client.denials.append((.budgetExhausted, state.denials)) }
            clients.append(client)
            if state.lastSeen > 0 { asOf = max(asOf ?? .min, state.lastSeen) }
            tiers[state.tier, default: (0, 0)].clients += 1
            tiers[state.tier, default: (0, 0)].spent += state.spentEpsilon
            current = nil
        }
        try ledger.forEachWindow { state in
            if let held = current, held.client != state.client { flush() }
            guard options.clients.isEmpty || options.clients.contains(state.client) else { return }
            let overlaps =
                !(options.since.map { state.windowEnd <= $0 } ?? false)
                && !(options.until.map { state.windowStart >= $0 } ?? false)
            if overlaps { current = state }
        }
        flush()
        self.tiers = tiers.sorted { $0.key < $1.key }.map { ($0.key, $0.value.clients, $0.value.spent) }
    }

    /// The request-limit denials the ledger keeps per client (without an archive, they are the denial counts).
    private mutating func readLimitDenials(_ ledger: SQLiteLedger) throws {
        var index: [String: Int] = [:]
        index.reserveCapacity(clients.count)
        for (k, client) in clients.enumerated() { index[client.client] = k }
        try ledger.forEachLimitState { state in
            guard state.rateDenials > 0 || state.quotaDenials > 0, let k = index[state.client] else { return }
            if state.rateDenials > 0 { clients[k].denials.append((.rateLimited, Int(state.rateDenials))) }
            if state.quotaDenials > 0 { clients[k].denials.append((.quotaExceeded, Int(state.quotaDenials))) }
        }
        // Counts read from the ledger may be anything: their sums saturate.
        for client in clients {
            for (code, count) in client.denials {
                denialsByCode[code.index] = denialsByCode[code.index].addingSaturating(count)
            }
        }
    }

    /// Cumulative ε from the ledger's charges (Σ of each charge's ε).
    private mutating func readCharges(_ ledger: SQLiteLedger, seriesClients: [Client]) throws {
        for client in seriesClients {
            var sum = 0.0
            var points: [(Int64, Double)] = []
            // Streamed and thinned as it comes: a client may have millions of charges in its window.
            let count = client.releases
            let step = max(1, (count + options.maxSeriesPoints - 1) / max(1, options.maxSeriesPoints))
            var seen = 0
            var last: (Int64, Double)?
            try ledger.forEachCharge(client: client.client, windowStart: client.windowStart) { time, epsilon in
                guard options.contains(time) else { return }
                sum += epsilon
                if seen % step == 0 { points.append((time, sum)) } else { last = (time, sum) }
                seen += 1
            }
            if let last, points.last.map({ $0.0 != last.0 || $0.1 != last.1 }) ?? true { points.append(last) }
            // The same as the spend under basic composition; an upper bound of it under the others.
            if abs(sum - client.spentEpsilon) > 1e-9 * max(1, client.spentEpsilon) && options.since == nil {
                epsilonSeriesExact = false
            }
            epsilonSeries.append(
                Series(name: client.client, limit: client.limitEpsilon, points: Self.thin(points, options)))
        }
    }

    /// Reads the archive's entries in the period: denials by code (per client, over time), releases per model,
    /// and the accountant's position after each release of the series' clients.
    private mutating func readAudit(_ paths: [String], seriesClients: [Client]) throws {
        denialsFromAudit = true
        denialsByCode = [Int](repeating: 0, count: DenialCode.all.count)
        var index: [String: Int] = [:]
        index.reserveCapacity(clients.count)
        for (k, client) in clients.enumerated() {
            index[client.client] = k
            clients[k].denials.removeAll()
            clients[k].denialsFromAudit = true
        }
        var perClient: [Int: [Int]] = [:]  // client index → denials per code
        var minutes: [Int64: Int] = [:]  // minute × 32 + code index → denials
        var models: [String: (allowed: Int, privatized: Int)] = [:]
        var series: [String: [(Int64, Double)]] = [:]
        var seriesWindows: [String: (Int64, Int64)] = [:]
        for client in seriesClients {
            series[client.client] = []
            seriesWindows[client.client] = (client.windowStart, client.windowEnd)
        }
        let codes = Dictionary(uniqueKeysWithValues: DenialCode.all.map { ($0.name, $0.index) })
        var parser = JSONParser(maxDepth: 16)
        var reader = AuditReader()
        let options = self.options
        var entries = 0
        do {
            try reader.forEachEntry(paths) { seal in
                guard let from = seal.from, let to = seal.to else { return true }
                return !(options.since.map { to < $0 } ?? false) && !(options.until.map { from >= $0 } ?? false)
            } _: { line in
                guard let nodes = try? parser.parse(line) else { return }
                let view = JSONView(nodes: nodes, bytes: line)
                guard view.kind(0) == .object else { return }
                func text(_ key: StaticString) -> String? {
                    guard let node = view.member(of: 0, key), view.kind(node) == .string else { return nil }
                    return view.string(node)
                }
                var time: Int64?
                if let node = view.member(of: 0, "ts"), view.kind(node) == .string {
                    time = view.withUnescapedString(node) { EventTime.parseMilliseconds($0) }
                }
                if options.since != nil || options.until != nil {
                    guard let time, options.contains(time) else { return }
                }
                let client = text("client")
                if !options.clients.isEmpty {
                    guard let client, options.clients.contains(client) else { return }
                }
                entries += 1
                if let code = text("code"),
                    view.member(of: 0, "decision").map({ view.stringEquals($0, "deny") }) == true
                {
                    guard let codeIndex = codes[code] else { return }
                    denialsByCode[codeIndex] += 1
                    // Per client, the denials in its reported window (those without event time: lines that are not
                    // records name no client).
                    if let client, let k = index[client], let time, clients[k].windowStart <= time,
                        time < clients[k].windowEnd
                    {
                        perClient[k, default: [Int](repeating: 0, count: DenialCode.all.count)][codeIndex] += 1
                    }
                    if let time { minutes[Self.floorDivide(time, 60_000) * 32 + Int64(codeIndex), default: 0] += 1 }
                    return
                }
                let privatized = view.member(of: 0, "noise") != nil
                if let model = text("model") {
                    models[model, default: (0, 0)].allowed += 1
                    if privatized { models[model, default: (0, 0)].privatized += 1 }
                }
                if let client, let window = seriesWindows[client], let time, window.0 <= time && time < window.1,
                    let spent = view.member(of: 0, "spent").flatMap({ view.member(of: $0, "epsilon") }),
                    view.kind(spent) == .number
                {
                    series[client]!.append((time, view.double(spent)))
                }
            }
        } catch let error as AuditError {
            throw LedgerError(kind: error.exitStatus == 65 ? .invalid : .io, message: error.message)
        }
        auditEntries = entries
        for (k, counts) in perClient {
            clients[k].denials = DenialCode.all.filter { counts[$0.index] > 0 }.map { ($0, counts[$0.index]) }
        }
        modelReleases = models.sorted { $0.key < $1.key }.map { ($0.key, $0.value.allowed, $0.value.privatized) }
        for client in seriesClients {
            // Archive order is input order; sorted on event time for the chart.
            let points = series[client.client]!.sorted { $0.0 < $1.0 }
            epsilonSeries.append(
                Series(name: client.client, limit: client.limitEpsilon, points: Self.thin(points, options)))
        }
        buildDenialSeries(minutes)
    }

    /// Bin widths of the denial chart, in minutes: the first that makes at most 48 bins.
    static let binMinutes: [Int64] = [1, 5, 15, 60, 360, 1440, 7 * 1440, 30 * 1440, 365 * 1440]

    /// Denials per code over time: per-minute counts merged into at most 48 bins of a round width; the five
    /// commonest codes each get a series, the rest one `other` series. Denials without event time (lines that
    /// are not records) are counted by code but have no place in time.
    private mutating func buildDenialSeries(_ minutes: [Int64: Int]) {
        guard let first = minutes.keys.map({ $0 >> 5 }).min(), let last = minutes.keys.map({ $0 >> 5 }).max()
        else { return }
        var width: Int64 = Self.binMinutes[Self.binMinutes.count - 1]
        for candidate in Self.binMinutes
        where Self.floorDivide(last, candidate) - Self.floorDivide(first, candidate) < 48 {
            width = candidate
            break
        }
        let start: Int64 = Self.floorDivide(first, width)
        let bins = Int(Self.floorDivide(last, width) - start) + 1
        denialBins = (0...bins).map { (start + Int64($0)) * width * 60_000 }
        // Ranked by the denials that have an event time (a line that is not a record has none).
        var timed = [Int](repeating: 0, count: DenialCode.all.count)
        for (key, count) in minutes { timed[Int(key & 31)] += count }
        let ranked = DenialCode.all.filter { timed[$0.index] > 0 }.sorted {
            (timed[$0.index], $1.name) > (timed[$1.index], $0.name)
        }
        let shown = Array(ranked.prefix(5))
        var values = [[Int]](repeating: [Int](repeating: 0, count: bins), count: shown.count + 1)
        for (key, count) in minutes {
            let code = DenialCode.all[Int(key & 31)]
            let row = shown.firstIndex(of: code) ?? shown.count
            values[row][Int(Self.floorDivide(key >> 5, width) - start)] += count
        }
        let names = shown.map(\.name) + (ranked.count > shown.count ? ["other"] : [])
        for (row, name) in names.enumerated() {
            denialSeries.append(
                Series(
                    name: name, limit: nil,
                    points: values[row].enumerated().map { (denialBins[$0.offset], Double($0.element)) }))
        }
    }

    /// `a / b` rounded down (times before 1970 are negative).
    static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        let quotient = a / b
        return a % b != 0 && (a < 0) != (b < 0) ? quotient - 1 : quotient
    }

    /// At most `options.maxSeriesPoints` points, evenly spaced by index, the last one kept.
    static func thin(_ points: [(Int64, Double)], _ options: Options) -> [(time: Int64, value: Double)] {
        let limit = max(2, options.maxSeriesPoints)
        guard points.count > limit else { return points.map { ($0.0, $0.1) } }
        var thinned: [(time: Int64, value: Double)] = []
        let step = Double(points.count - 1) / Double(limit - 1)
        for k in 0..<limit {
            let point = points[Int((Double(k) * step).rounded())]
            thinned.append((point.0, point.1))
        }
        return thinned
    }
}
