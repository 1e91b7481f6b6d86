/// The ordered stage's event time (records.md, "Event time"): the watermark, the latest event time of a record
/// it decided, with `allowed_lateness` behind it; loaded from the ledger on the first record and saved with each
/// group. A value, moved into a local for a batch: its fields are read and written per record without the
/// exclusivity checks of a class's properties.
struct EventClock {
    /// The watermark (milliseconds since 1970), nil before any record; whether it was read from the ledger, and
    /// whether it moved since it was saved.
    var watermark: Int64?
    var loaded: Bool
    var changed = false
    /// `allowed_lateness` in milliseconds.
    let lateness: Int64
    /// The wall clock the watermark may not pass (milliseconds), set per batch; `Int64.max` in replay.
    var ceiling = Int64.max
    /// Whether this is the live stream's clock (filter): bounded by the wall clock, and kept in the ledger.
    /// A replay's follows its capture from its first record, and is never stored.
    let isLive: Bool
    /// The watermark when decisions were last forgotten, and whether the last group left some to forget.
    var forgottenAt: Int64?
    var forgetting = false

    init(lateness seconds: Double, isLive: Bool) {
        lateness = Int64(seconds * 1000)
        self.isLive = isLive
        loaded = !isLive
    }

    /// Whether a record at `time` is `late_event`.
    func isLate(_ time: Int64) -> Bool {
        guard let watermark else { return false }
        return time < watermark.subtractingSaturating(lateness)
    }

    /// Moves the watermark to a decided record's event time, when later; never past ``ceiling``, so that a record
    /// stamped ahead (within `max_event_skew`) cannot make the records of others late.
    mutating func advance(_ time: Int64) {
        let time = min(time, ceiling)
        if watermark == nil || time > watermark! {
            watermark = time
            changed = true
        }
    }
}
