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
    }

    /// What kind of failure.
    public var kind: Kind
    /// What went wrong, where, and what to do.
    public var message: String

    /// The sysexits status for the command line: 75 (EX_TEMPFAIL) when locked, else 74 (EX_IOERR).
    public var exitStatus: Int32 { kind == .locked ? 75 : 74 }

    /// The message.
    public var description: String { message }
}
