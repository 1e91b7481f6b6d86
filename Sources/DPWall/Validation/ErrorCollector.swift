import DPWallRecords

/// Keeps the problem that records.md's order ranks first: the lowest code in the table, and among problems
/// with the same code, the first one found.
struct ErrorCollector {
    private(set) var first: RecordError?

    /// Whether a problem with `code` would still change the verdict (so work that can only find it may be skipped).
    func wants(_ code: DenialCode) -> Bool {
        guard let first else { return true }
        return code.index < first.code.index
    }

    /// Records a problem if it outranks the one kept.
    mutating func report(_ code: DenialCode, _ message: String) {
        if wants(code) { first = RecordError(code, message) }
    }

    /// Forgets any problem.
    mutating func reset() { first = nil }
}
