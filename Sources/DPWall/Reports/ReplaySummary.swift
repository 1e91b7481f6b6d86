import DPWallRecords
public import DPWallStore
import Foundation

/// What `dpwall replay` prints: the primary policy's decisions, and with `--against`, how the other policy's
/// differ. Built from a ``ReplayTally`` and the lanes' ledgers after the run; every list is in a fixed order
/// (ties broken by name), so the same input and policies give the same summary.
public struct ReplaySummary: Encodable, Sendable {
    public struct Lane: Encodable, Sendable {
        public var policy: String
        public var records: Int, allowed: Int, denied: Int
        public var deniedByCode: [String: Int]
        public var dryRun: [String: Int]
        public var clientsSeen: Int
        /// Every client charged, most ε first (`top_clients` in JSON; the text shows `--top` of them).
        public var topClients: [ClientLine]
        /// Every client that exhausted its budget, in the order of its first `budget_exhausted`.
        public var exhausted: [Exhaustion]
        public var exhaustedClients: Int
        public var limits: Limits
        public var tiers: [TierLine]

        enum CodingKeys: String, CodingKey {
            case policy, records, allowed, denied
            case deniedByCode = "denied_by_code", dryRun = "dry_run", clientsSeen = "clients_seen"
            case topClients = "top_clients", exhausted, exhaustedClients = "exhausted_clients", limits, tiers
        }
    }

    public struct ClientLine: Encodable, Sendable {
        public var client: String, tier: String
        public var allowed: Int
        /// Σ of the replay's charges (basic composition).
        public var chargedEpsilon: Double
        /// The ledger's position in the client's latest window after the replay (under the policy's accountant).
        public var spentEpsilon: Double?, limitEpsilon: Double?
        public var budgetExhausted: Int

        enum CodingKeys: String, CodingKey {
            case client, tier, allowed, chargedEpsilon = "charged_epsilon", spentEpsilon = "spent_epsilon"
            case limitEpsilon = "limit_epsilon", budgetExhausted = "budget_exhausted"
        }
    }

    public struct Exhaustion: Encodable, Sendable {
        public var client: String, tier: String
        /// Event time of the first `budget_exhausted` denial, and its line.
        public var at: String
        public var line: Int
        public var denials: Int
    }

    public struct Limits: Encodable, Sendable {
        public var rateLimited: Int, quotaExceeded: Int
        /// Every client with a rate-limit or quota hit, most hits first.
        public var topClients: [LimitLine]

        enum CodingKeys: String, CodingKey {
            case rateLimited = "rate_limited", quotaExceeded = "quota_exceeded", topClients = "top_clients"
        }
    }

    public struct LimitLine: Encodable, Sendable {
        public var client: String, tier: String
        public var rateLimited: Int, quotaExceeded: Int

        enum CodingKeys: String, CodingKey {
            case client, tier, rateLimited = "rate_limited", quotaExceeded = "quota_exceeded"
        }
    }

    public struct TierLine: Encodable, Sendable {
        public var tier: String
        public var allowed: Int
        public var chargedEpsilon: Double
        /// Σ over the tier's windows in the ledger of the ε spent (under the accountant).
        public var spentEpsilon: Double
        public var budgetExhausted: Int, rateLimited: Int, quotaExceeded: Int

        enum CodingKeys: String, CodingKey {
            case tier, allowed, chargedEpsilon = "charged_epsilon", spentEpsilon = "spent_epsilon"
            case budgetExhausted = "budget_exhausted", rateLimited = "rate_limited", quotaExceeded = "quota_exceeded"
        }
    }

    public struct Comparison: Encodable, Sendable {
        public var changed: Int
        public var transitions: [Transition]
        public var clientsAffected: Int
        public var examples: [Example]
        public var tiers: [TierChange]

        enum CodingKeys: String, CodingKey {
            case changed, transitions, clientsAffected = "clients_affected", examples, tiers
        }
    }

    public struct Transition: Encodable, Sendable {
        public var from: String, to: String
        public var records: Int
    }

    public struct Example: Encodable, Sendable {
        public var client: String
        public var records: Int
        public var ids: [String]
    }

    public struct TierChange: Encodable, Sendable {
        public var tier: String
        public var allowedBefore: Int, allowedAfter: Int
        public var chargedEpsilonBefore: Double, chargedEpsilonAfter: Double
        public var spentEpsilonBefore: Double, spentEpsilonAfter: Double
        public var budgetExhaustedBefore: Int, budgetExhaustedAfter: Int

        enum CodingKeys: String, CodingKey {
            case tier, allowedBefore = "allowed_before", allowedAfter = "allowed_after"
            case chargedEpsilonBefore = "charged_epsilon_before", chargedEpsilonAfter = "charged_epsilon_after"
            case spentEpsilonBefore = "spent_epsilon_before", spentEpsilonAfter = "spent_epsilon_after"
            case budgetExhaustedBefore = "budget_exhausted_before", budgetExhaustedAfter = "budget_exhausted_after"
        }
    }

    public var primary: Lane
    public var against: Lane?
    public var comparison: Comparison?

    /// Builds the summary, every per-client list whole (the JSON form holds them all; the text form shows the
    /// first few, ``text(top:)``).
    public static func build(
        _ tally: ReplayTally, policy: String, ledger: SQLiteLedger, against: (policy: String, ledger: SQLiteLedger)?
    ) throws -> ReplaySummary {
        let primary = try lane(tally.primary, policy: policy, ledger: ledger)
        guard let against, let shadowTally = tally.shadow else {
            return ReplaySummary(primary: primary, against: nil, comparison: nil)
        }
        let shadow = try lane(shadowTally, policy: against.policy, ledger: against.ledger)
        let transitions = tally.transitions.map { key, count in
            Transition(
                from: ReplayTally.decisionName(slot: key >> 8), to: ReplayTally.decisionName(slot: key & 0xFF),
                records: count)
        }.sorted { ($0.records, $1.from, $1.to) > ($1.records, $0.from, $0.to) }
        let examples = tally.changedClients.map { client, changed in
            Example(client: client, records: changed.records, ids: changed.examples)
        }.sorted { ($0.records, $1.client) > ($1.records, $0.client) }
        let tierNames = Set(primary.tiers.map(\.tier)).union(shadow.tiers.map(\.tier)).sorted()
        let tiers = tierNames.map { name in
            let before = primary.tiers.first { $0.tier == name }
            let after = shadow.tiers.first { $0.tier == name }
            return TierChange(
                tier: name, allowedBefore: before?.allowed ?? 0, allowedAfter: after?.allowed ?? 0,
                chargedEpsilonBefore: before?.chargedEpsilon ?? 0, chargedEpsilonAfter: after?.chargedEpsilon ?? 0,
                spentEpsilonBefore: before?.spentEpsilon ?? 0, spentEpsilonAfter: after?.spentEpsilon ?? 0,
                budgetExhaustedBefore: before?.budgetExhausted ?? 0, budgetExhaustedAfter: after?.budgetExhausted ?? 0)
        }
        return ReplaySummary(
            primary: primary, against: shadow,
            comparison: Comparison(
                changed: tally.changedRecords, transitions: transitions, clientsAffected: tally.changedClients.count,
                examples: examples, tiers: tiers))
    }

    private static func lane(_ tally: LaneTally, policy: String, ledger: SQLiteLedger) throws -> Lane {
        var byCode: [String: Int] = [:]
        var dryRun: [String: Int] = [:]
        for code in DenialCode.all {
            if tally.denied[code.index] > 0 { byCode[code.name] = tally.denied[code.index] }
            if tally.dryRun[code.index] > 0 { dryRun[code.name] = tally.dryRun[code.index] }
        }
        let named = tally.clients.filter { !$0.key.isEmpty }
        let charged = named.filter { $0.value.allowed > 0 }.sorted {
            ($0.value.chargedEpsilon, $0.value.allowed, $1.key) > ($1.value.chargedEpsilon, $1.value.allowed, $0.key)
        }
        // A few hundred names per query (each is an SQL parameter); an empty list would mean every client.
        var windows: [WindowState] = []
        for start in stride(from: 0, to: charged.count, by: 500) {
            windows += try ledger.latestWindows(clients: charged[start..<min(start + 500, charged.count)].map(\.key))
        }
        let byClient = Dictionary(windows.map { ($0.client, $0) }, uniquingKeysWith: { a, _ in a })
        let topClients = charged.map { name, client in
            ClientLine(
                client: name, tier: client.tier, allowed: client.allowed, chargedEpsilon: client.chargedEpsilon,
                spentEpsilon: byClient[name]?.spentEpsilon, limitEpsilon: byClient[name]?.effectiveLimit.epsilon,
                budgetExhausted: client.budgetExhausted)
        }
        let exhaustedAll = named.filter { $0.value.exhaustedAt != nil }
        let exhausted = exhaustedAll.sorted {
            ($0.value.exhaustedLine, $0.key) < ($1.value.exhaustedLine, $1.key)
        }.map { name, client in
            Exhaustion(
                client: name, tier: client.tier, at: EventTime.format(milliseconds: client.exhaustedAt!),
                line: client.exhaustedLine, denials: client.budgetExhausted)
        }
        let limited = named.filter { $0.value.rateLimited + $0.value.quotaExceeded > 0 }.sorted {
            ($0.value.rateLimited + $0.value.quotaExceeded, $1.key) > (
                $1.value.rateLimited + $1.value.quotaExceeded, $0.key
            )
        }.map { name, client in
            LimitLine(
                client: name, tier: client.tier, rateLimited: client.rateLimited, quotaExceeded: client.quotaExceeded)
        }
        let spent = Dictionary(try ledger.spentByTier().map { ($0.tier, $0.epsilon) }, uniquingKeysWith: +)
        let tiers = tally.tiers.filter { !$0.key.isEmpty }.sorted { $0.key < $1.key }.map { name, tier in
            TierLine(
                tier: name, allowed: tier.allowed, chargedEpsilon: tier.chargedEpsilon, spentEpsilon: spent[name] ?? 0,
                budgetExhausted: tier.budgetExhausted, rateLimited: tier.rateLimited, quotaExceeded: tier.quotaExceeded)
        }
        return Lane(
            policy: policy, records: tally.records, allowed: tally.allowed, denied: tally.records - tally.allowed,
            deniedByCode: byCode, dryRun: dryRun, clientsSeen: named.count, topClients: topClients,
            exhausted: exhausted, exhaustedClients: exhaustedAll.count,
            limits: Limits(
                rateLimited: tally.denied[DenialCode.rateLimited.index],
                quotaExceeded: tally.denied[DenialCode.quotaExceeded.index], topClients: limited),
            tiers: tiers)
    }

    /// The summary as JSON (sorted keys, indented).
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self) + "\n"
    }
}
