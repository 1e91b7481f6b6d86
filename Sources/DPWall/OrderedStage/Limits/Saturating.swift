extension FixedWidthInteger where Self: SignedInteger {
    /// `self + other`, stopping at `min` or `max` instead of trapping: limit states and denial counts come from
    /// the ledger file, which may hold any numbers, and an event time at the end of the range must not stop a run.
    func addingSaturating(_ other: Self) -> Self {
        let (sum, overflow) = addingReportingOverflow(other)
        guard overflow else { return sum }
        return other > 0 ? .max : .min
    }

    /// `self − other`, stopping at `min` or `max` instead of trapping (see ``addingSaturating(_:)``).
    func subtractingSaturating(_ other: Self) -> Self {
        let (difference, overflow) = subtractingReportingOverflow(other)
        guard overflow else { return difference }
        return other < 0 ? .max : .min
    }
}
