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

/// The cost of one record's release, under basic composition of its rows (the ledger's accountants refine it).
struct RecordCost {
    /// Σ ε of the released rows, in nats.
    var epsilon = 0.0
    /// Σ δ of the released rows.
    var delta = 0.0
}
