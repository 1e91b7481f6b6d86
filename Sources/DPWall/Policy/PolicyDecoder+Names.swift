import DPWallRecords

extension PolicyDecoder {
    /// Whether `name`, a key of the mapping `parent` that names a `kind` ("client", "tier", "model"), follows the
    /// client names' rule (``ClientName``, docs/auth.md); otherwise reports why at the key's path, written with
    /// ``ClientName/printable(_:)`` so that the path shows what the name holds.
    func checkNameKey(_ name: String, of parent: YAMLValue, kind: String) -> Bool {
        guard let problem = ClientName.problem(name) else { return true }
        diagnostics.report(
            parent.path.key(ClientName.printable(name)),
            "not a valid \(kind) name (names are compared byte for byte; docs/auth.md, \"Client names\"): \(problem)")
        return false
    }

    /// The string at `value` that names a `kind` ("client", "tier", "model"), when it follows the client names'
    /// rule (``ClientName``); otherwise reports why and returns nil.
    func checkedName(_ value: YAMLValue, kind: String) -> String? {
        guard let text = value.nonEmptyString() else { return nil }
        if let problem = ClientName.problem(text) {
            value.report(
                "\"\(ClientName.printable(text))\" is not a valid \(kind) name (names are compared byte for byte; "
                    + "docs/auth.md, \"Client names\"): \(problem)")
            return nil
        }
        return text
    }
}
