#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A fixed set of names to match string nodes against, fast: candidates are filtered by length and compared
/// with `memcmp`, without building a `String`. Keys written with escapes (`"\u0069d"`) are matched too, on the
/// slow path, so an escaped spelling can never slip past a check.
package struct KeyTable: Sendable {
    private let keys: [String]
    private let bytes: [UInt8]
    private let entries: [(offset: Int, length: Int)]

    /// A table of `keys`; ``index(of:in:)`` returns positions in this array.
    package init(_ keys: [String]) {
        self.keys = keys
        var bytes: [UInt8] = []
        var entries: [(offset: Int, length: Int)] = []
        for key in keys {
            entries.append((bytes.count, key.utf8.count))
            bytes.append(contentsOf: key.utf8)
        }
        self.bytes = bytes
        self.entries = entries
    }

    /// The names, in table order.
    package var names: [String] { keys }

    /// The position of the name equal to the string node `node`, or nil (also for non-string nodes).
    package func index(of node: Int, in view: JSONView) -> Int? {
        guard view.kind(node) == .string else { return nil }
        if view.hasEscapes(node) {
            return keys.firstIndex { view.stringEquals(node, $0) }
        }
        let text = view.stringBytes(node)
        return bytes.withUnsafeBytes { table -> Int? in
            for (position, entry) in entries.enumerated() where entry.length == text.count {
                if entry.length == 0 || memcmp(table.baseAddress! + entry.offset, text.baseAddress!, entry.length) == 0
                {
                    return position
                }
            }
            return nil
        }
    }
}
