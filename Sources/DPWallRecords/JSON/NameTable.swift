#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A fixed set of names to match string nodes against (a class: handing it around costs one reference count), fast: candidates are filtered by length and compared
/// with `memcmp`, without building a `String`. Keys written with escapes (`"\u0069d"`) are matched too, on the
/// slow path, so an escaped spelling can never slip past a check.
package final class NameTable: Sendable {
    private let keys: [String]
    private let bytes: [UInt8]
    private let entries: [(offset: Int, length: Int)]
    /// Buckets by a hash of length, first and last byte: the only candidate's position, -1 for none, or -2 when
    /// two names share the bucket (then every name of that length is tried).
    private let buckets: [Int8]
    private static let bucketMask = 63

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
        var buckets = [Int8](repeating: -1, count: Self.bucketMask + 1)
        for (position, key) in keys.enumerated() {
            let utf8 = Array(key.utf8)
            let bucket = Self.bucket(utf8.count, utf8.first ?? 0, utf8.last ?? 0)
            buckets[bucket] = buckets[bucket] == -1 && position < Int(Int8.max) ? Int8(position) : -2
        }
        self.buckets = buckets
    }

    @inline(__always)
    private static func bucket(_ length: Int, _ first: UInt8, _ last: UInt8) -> Int {
        (length &* 31 &+ Int(first) &+ Int(last) &* 7) & bucketMask
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
        let candidate =
            text.isEmpty ? -2 : Int(buckets[Self.bucket(text.count, text[0], text[text.count &- 1])])
        if candidate == -1 { return nil }
        return bytes.withUnsafeBytes { table -> Int? in
            if candidate >= 0 {
                let entry = entries[candidate]
                guard entry.length == text.count,
                    memcmp(table.baseAddress! + entry.offset, text.baseAddress!, entry.length) == 0
                else { return nil }
                return candidate
            }
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
