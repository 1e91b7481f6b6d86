/// Why input could not be read: an input file that cannot be opened, a failed read, or corrupt compressed data.
public struct InputError: Error, Sendable, CustomStringConvertible {
    /// The kind of input failure; each maps to one exit status (cli.md).
    public struct Code: Hashable, Sendable {
        fileprivate enum Wrapped: Hashable, Sendable { case cannotOpen, readFailed, corruptData }
        fileprivate let wrapped: Wrapped
        /// The file does not exist or cannot be opened (exit 66, EX_NOINPUT).
        public static let cannotOpen = Code(wrapped: .cannotOpen)
        /// `read(2)` failed (exit 74, EX_IOERR).
        public static let readFailed = Code(wrapped: .readFailed)
        /// A `.zst` file is corrupt or truncated (exit 65, EX_DATAERR).
        public static let corruptData = Code(wrapped: .corruptData)

        /// The sysexits status for this failure.
        public var exitStatus: Int32 {
            switch wrapped {
            case .cannotOpen: 66
            case .readFailed: 74
            case .corruptData: 65
            }
        }
    }

    /// The kind of failure.
    public var code: Code
    /// What failed and where, e.g. `traffic.jsonl.zst: truncated zstd frame at byte 4096`.
    public var message: String

    /// Makes an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
