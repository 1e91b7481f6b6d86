import ArgumentParser
import DPWallRecords

/// Client names given on the command line follow the rule of the records' (docs/auth.md, "Client names"): a name
/// the filter would refuse can name no client of the ledger or the archive, so it is a usage error (exit 64).
enum ClientArgument {
    /// Throws a usage error naming `what` (`CLIENT`, `--client`) when one of `names` is not a valid client name.
    static func validate(_ names: [String], as what: String) throws {
        for name in names {
            if let problem = ClientName.problem(name) {
                throw ValidationError(
                    "\(what) \"\(ClientName.printable(name))\" is not a valid client name (docs/auth.md): \(problem)")
            }
        }
    }
}
