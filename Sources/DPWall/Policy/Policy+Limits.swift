extension Policy {
    /// Size limits applied to every record before anything else.
    public struct Limits: Sendable, Equatable {
        /// The default of ``maxRecordBytes``: 1 MiB.
        public static let defaultMaxRecordBytes = 1_048_576
        /// The allowed values of ``maxRecordBytes``, in bytes.
        public static let maxRecordBytesRange = 64...(1 << 30)
        /// The default of ``maxDepth``.
        public static let defaultMaxDepth = 64
        /// The allowed values of ``maxDepth``, in nesting levels.
        public static let maxDepthRange = 1...1024
        /// The default of ``maxBatch``.
        public static let defaultMaxBatch = 64

        /// The longest input line, in bytes (newline excluded); longer lines are `too_large`.
        public var maxRecordBytes: Int
        /// The deepest JSON nesting of a record, in levels.
        public var maxDepth: Int
        /// The largest batch (rows on the first axis) of a model that does not set its own `max_batch`.
        public var maxBatch: Int
        /// The rate of all requests together, across clients (`global_rate`); nil: none.
        public var globalRate: Rate?
        /// The burst of the global rate, in requests (`global_burst`).
        public var globalBurst = 0
        /// How far a record's `ts` may be ahead of the wall clock, in seconds (`max_event_skew`, default 60):
        /// later is `future_event` (docs/records.md, "Event time").
        public var maxEventSkew = Limits.defaultMaxEventSkew
        /// The default of ``maxEventSkew``: one minute of clock skew between the writer of `ts` and dpwall.
        public static let defaultMaxEventSkew = 60.0
        /// How far behind the stream's watermark a record's `ts` may be, in seconds (`allowed_lateness`, default
        /// 60): older is `late_event` (docs/records.md, "Event time").
        public var allowedLateness = Limits.defaultAllowedLateness
        /// The default of ``allowedLateness``: one minute of disorder between records.
        public static let defaultAllowedLateness = 60.0
        /// The largest ``maxEventSkew`` and ``allowedLateness``: ten years, in seconds.
        public static let maxEventSkewLimit = 315_576_000.0

        /// Creates limits; the defaults are those of an empty `limits` section.
        public init(
            maxRecordBytes: Int = Limits.defaultMaxRecordBytes,
            maxDepth: Int = Limits.defaultMaxDepth,
            maxBatch: Int = Limits.defaultMaxBatch
        ) {
            self.maxRecordBytes = maxRecordBytes
            self.maxDepth = maxDepth
            self.maxBatch = maxBatch
        }
    }
}
