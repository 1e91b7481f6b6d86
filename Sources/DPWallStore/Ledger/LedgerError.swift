/// The ledger could not be opened, locked, read or written.
public struct LedgerError: Error, CustomStringConvertible {
    /// What kind of failure, which decides the exit status.
    public enum Kind: Sendable {
        /// Another process holds the ledger (exit 75).
        case locked
        /// The file cannot be opened or is not a dpwall ledger (exit 74).
        case unusable
        /// A read or write failed (exit 74).
        case io
        /// The client or window asked for is not in the ledger (exit 65).
        case notFound
        /// The change asked for would break a rule of the ledger, such as a limit out of range (exit 65).
        case invalid
    }

    /// What kind of failure.
    public var kind: Kind
    /// What went wrong, where, and what to do.
    public var message: String

    /// The sysexits status for the command line: 75 (EX_TEMPFAIL) when locked, 65 (EX_DATAERR) for an unknown
    /// client, else 74 (EX_IOERR).
    public var exitStatus: Int32 {
        switch kind {
        case .locked: 75
        case .notFound, .invalid: 65
        case .unusable, .io: 74
        }
    }

    /// The message.
    public var description: String { message }

    /// A failure of `kind`, described by `message`.
    public init(kind: Kind, message: String) {
        self.kind = kind
        self.message = message
    }
}
