public import DPWallPrivacy

/// Where the noise of released rows comes from (privacy.md, "Randomness").
public enum NoiseMode: Sendable {
    /// The default: each worker's AES-CTR generator, keyed and reseeded from the operating system.
    case secure
    /// `--noise-key`: consistent noise, one generator per row keyed by an HMAC of the question and raw answer.
    case keyed(KeyedNoise)
    /// `--seed N`, for tests and demos: one deterministic generator per record (by line number), so the output
    /// does not depend on the number of threads.
    case seeded(UInt64)

    /// Whether the request's content is digested for the seed (keyed noise only).
    var needsRequestDigest: Bool {
        if case .keyed = self { return true }
        return false
    }
}

/// The cost of one record's release: under basic composition of its rows, and row by row for the accountants.
struct RecordCost {
    /// Σ ε of the released rows, in nats.
    var epsilon = 0.0
    /// Σ δ of the released rows.
    var delta = 0.0
    /// The released rows, as (cost of one row, rows) per privatized output.
    var groups: [(cost: RowCost, rows: Int)] = []

    /// Nothing released yet (keeping the storage).
    mutating func reset() {
        epsilon = 0
        delta = 0
        groups.removeAll(keepingCapacity: true)
    }
}
