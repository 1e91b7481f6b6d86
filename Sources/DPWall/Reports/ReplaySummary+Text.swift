import Foundation

extension ReplaySummary {
    /// The summary as aligned text, a section per question; each per-client list shows its first `top` rows and
    /// says how many it leaves out.
    public func text(top: Int) -> String {
        var out = laneText(primary, heading: "replay under \(SafeText.visible(primary.policy))", top: top)
        guard let against, let comparison else { return out }
        let otherPolicy = SafeText.visible(against.policy)
        out += "\n" + laneText(against, heading: "replay under \(otherPolicy) (--against)", top: top)
        let n = TextTable.human
        out += "\nwhat \(otherPolicy) changes, record by record\n"
        out += "  \(comparison.changed) of \(primary.records) decisions changed"
        out += comparison.changed == 0 ? "\n" : ", for \(comparison.clientsAffected) clients\n"
        if !comparison.transitions.isEmpty {
            out += indent(
                TextTable.render(
                    header: ["from", "to", "records"],
                    rows: comparison.transitions.map { [$0.from, "→ " + $0.to, "\($0.records)"] }, numeric: [],
                    format: .table))
        }
        if !comparison.examples.isEmpty {
            out += "  clients affected (most changes first)\n"
            out += indent(
                TextTable.render(
                    header: ["client", "changed", "examples"],
                    rows: comparison.examples.prefix(top).map {
                        [$0.client.isEmpty ? "(none)" : $0.client, "\($0.records)", $0.ids.joined(separator: " ")]
                    }, numeric: [], format: .table))
            out += Self.cut(comparison.examples.count, top: top)
        }
        if !comparison.tiers.isEmpty {
            out += "  budget use per tier (before → after)\n"
            out += indent(
                TextTable.render(
                    header: ["tier", "allowed", "charged_epsilon", "spent_epsilon", "budget_exhausted"],
                    rows: comparison.tiers.map {
                        [
                            $0.tier, "\($0.allowedBefore) → \($0.allowedAfter)",
                            "\(n($0.chargedEpsilonBefore)) → \(n($0.chargedEpsilonAfter))",
                            "\(n($0.spentEpsilonBefore)) → \(n($0.spentEpsilonAfter))",
                            "\($0.budgetExhaustedBefore) → \($0.budgetExhaustedAfter)",
                        ]
                    }, numeric: [], format: .table))
        }
        return out
    }

    private func laneText(_ lane: Lane, heading: String, top: Int) -> String {
        let n = TextTable.human
        var out = "\(heading)\n"
        out += "  \(lane.records) records, \(lane.allowed) allowed, \(lane.denied) denied\n"
        if !lane.deniedByCode.isEmpty {
            out +=
                "  denied by code: "
                + lane.deniedByCode.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { "\($0.key) \($0.value)" }
                .joined(separator: ", ") + "\n"
        }
        if !lane.dryRun.isEmpty {
            out +=
                "  --limits-dry-run would have denied: "
                + lane.dryRun.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + "\n"
        }
        out += "  rate_limited \(lane.limits.rateLimited), quota_exceeded \(lane.limits.quotaExceeded)\n"
        if !lane.topClients.isEmpty {
            out += "  epsilon charged per client (top \(min(top, lane.topClients.count)) of \(lane.topClients.count))\n"
            out += indent(
                TextTable.render(
                    header: ["client", "tier", "allowed", "charged_epsilon", "spent_epsilon", "limit_epsilon"],
                    rows: lane.topClients.prefix(top).map {
                        [
                            $0.client, $0.tier, "\($0.allowed)", n($0.chargedEpsilon), $0.spentEpsilon.map(n) ?? "",
                            $0.limitEpsilon.map(n) ?? "",
                        ]
                    }, numeric: [], format: .table))
            out += Self.cut(lane.topClients.count, top: top)
        }
        out += "  clients that exhausted their budget: \(lane.exhaustedClients)\n"
        if !lane.exhausted.isEmpty {
            out += indent(
                TextTable.render(
                    header: ["client", "tier", "exhausted_at", "line", "denials"],
                    rows: lane.exhausted.prefix(top).map {
                        [$0.client, $0.tier, $0.at, "\($0.line)", "\($0.denials)"]
                    },
                    numeric: [], format: .table))
            out += Self.cut(lane.exhausted.count, top: top)
        }
        if !lane.limits.topClients.isEmpty {
            out += "  rate-limit and quota hits per client\n"
            out += indent(
                TextTable.render(
                    header: ["client", "tier", "rate_limited", "quota_exceeded"],
                    rows: lane.limits.topClients.prefix(top).map {
                        [$0.client, $0.tier, "\($0.rateLimited)", "\($0.quotaExceeded)"]
                    }, numeric: [], format: .table))
            out += Self.cut(lane.limits.topClients.count, top: top)
        }
        if !lane.tiers.isEmpty {
            out += "  per tier\n"
            out += indent(
                TextTable.render(
                    header: [
                        "tier", "allowed", "charged_epsilon", "spent_epsilon", "budget_exhausted", "rate_limited",
                        "quota_exceeded",
                    ],
                    rows: lane.tiers.map {
                        [
                            $0.tier, "\($0.allowed)", n($0.chargedEpsilon), n($0.spentEpsilon), "\($0.budgetExhausted)",
                            "\($0.rateLimited)", "\($0.quotaExceeded)",
                        ]
                    }, numeric: [], format: .table))
        }
        return out
    }

    /// The line under a list cut at `top` of `count` rows (nothing when it is whole).
    static func cut(_ count: Int, top: Int) -> String {
        count > top ? "    … and \(count - top) more; --top N to see more (--format json lists them all)\n" : ""
    }

    private func indent(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map { "    " + $0 }
            .joined(separator: "\n") + "\n"
    }
}
