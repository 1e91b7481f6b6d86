/// A fixed set of names to match string nodes against, fast: one bucket lookup by length, first and last byte,
/// then one inline byte comparison, without building a `String`. Keys written with escapes (`"\u0069d"`) are
/// matched too, on the slow path, so an escaped spelling can never slip past a check.
///
/// A class that owns its tables as raw memory: lookups touch no array (no bounds or uniqueness checks), and
/// handing the table around costs one reference count. Immutable after `init`, hence `@unchecked Sendable`.
package final class NameTable: @unchecked Sendable {
    private let keys: [String]
    private let bytes: UnsafeMutablePointer<UInt8>
    private let offsets: UnsafeMutablePointer<Int>
    private let lengths: UnsafeMutablePointer<Int>
    /// Buckets by a hash of length, first and last byte: the only candidate's position, -1 for none, or -2 when
    /// two names share the bucket (then every name of that length is tried).
    private let buckets: UnsafeMutablePointer<Int8>
    private static let bucketCount = 64
    /// The position of the empty name, if one of the names is empty.
    private let emptyIndex: Int?

    /// A table of `keys`; ``index(of:in:)`` returns positions in this array.
    package init(_ keys: [String]) {
        self.keys = keys
        emptyIndex = keys.firstIndex(of: "")
        let utf8 = keys.map { Array($0.utf8) }
        let total = utf8.reduce(0) { $0 + $1.count }
        bytes = .allocate(capacity: max(total, 1))
        offsets = .allocate(capacity: max(keys.count, 1))
        lengths = .allocate(capacity: max(keys.count, 1))
        buckets = .allocate(capacity: Self.bucketCount)
        buckets.initialize(repeating: -1, count: Self.bucketCount)
        var offset = 0
        for (position, name) in utf8.enumerated() {
            (bytes + offset).initialize(from: name, count: name.count)
            (offsets + position).initialize(to: offset)
            (lengths + position).initialize(to: name.count)
            offset += name.count
            let bucket = Self.bucket(name.count, name.first ?? 0, name.last ?? 0)
            buckets[bucket] = buckets[bucket] == -1 && position < Int(Int8.max) ? Int8(position) : -2
        }
    }

    deinit {
        bytes.deallocate()
        offsets.deallocate()
        lengths.deallocate()
        buckets.deallocate()
    }

    @inline(__always)
    private static func bucket(_ length: Int, _ first: UInt8, _ last: UInt8) -> Int {
        shortNameHash(length, first, last) & (bucketCount - 1)
    }

    /// A cheap hash of a short name by its length, first and last byte (where names of a set usually differ), for
    /// tables of a few dozen slots: this table's buckets, and the pipeline's per-worker caches keyed by name.
    @inline(__always)
    package static func shortNameHash(_ length: Int, _ first: UInt8, _ last: UInt8) -> Int {
        length &* 31 &+ Int(first) &+ Int(last) &* 7
    }

    /// The names, in table order.
    package var names: [String] { keys }

    /// The position of the name equal to the string node `node`, or nil (also for non-string nodes).
    ///
    /// Inlined into the decoders that call it for every key of every record: the common case, a key without
    /// escapes whose bucket holds one name, is a few loads and one comparison; the rest is out of line.
    @inline(__always)
    package func index(of node: Int, in view: JSONView) -> Int? {
        let entry = view.nodes[node]
        guard entry.kind == .string, entry.flags & JSONNode.hasEscapes == 0 else {
            return slowIndex(of: node, in: view)
        }
        let count = Int(entry.end &- entry.start)
        guard count > 0 else { return emptyIndex }
        // A string node's bytes are inside the parsed buffer, so its base address exists.
        let text = view.bytes.baseAddress.unsafelyUnwrapped + Int(entry.start)
        let first = text.load(as: UInt8.self)
        let last = text.load(fromByteOffset: count &- 1, as: UInt8.self)
        let candidate = Int(buckets[Self.bucket(count, first, last)])
        guard candidate >= 0 else { return candidate == -1 ? nil : slowIndex(of: node, in: view) }
        guard lengths[candidate] == count, JSONUnescape.bytesEqual(bytes + offsets[candidate], text, count) else {
            return nil
        }
        return candidate
    }

    /// ``index(of:in:)`` for a non-string node, a key written with escapes, or a bucket shared by two names.
    @inline(never)
    private func slowIndex(of node: Int, in view: JSONView) -> Int? {
        let entry = view.nodes[node]
        guard entry.kind == .string else { return nil }
        if entry.flags & JSONNode.hasEscapes != 0 {
            return keys.firstIndex { view.stringEquals(node, $0) }
        }
        let count = Int(entry.end &- entry.start)
        let text = view.bytes.baseAddress.unsafelyUnwrapped + Int(entry.start)
        for position in 0..<keys.count where lengths[position] == count {
            if JSONUnescape.bytesEqual(bytes + offsets[position], text, count) { return position }
        }
        return nil
    }
}
