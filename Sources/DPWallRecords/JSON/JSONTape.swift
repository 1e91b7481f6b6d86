/// Growable raw storage for tape nodes while a document is parsed, freed with the last parser copy that uses it.
///
/// Writing nodes through a raw pointer avoids `Array`'s uniqueness and capacity checks per node; the finished
/// tape is copied into ``JSONParser/nodes`` in one move. Only a parser holding the sole reference writes to it
/// (``JSONParser/parse(_:)`` checks), so sharing it between copies sent to other tasks is safe.
final class JSONTapeStorage: @unchecked Sendable {
    /// The first node slot (uninitialized memory of a trivial type).
    private(set) var base: UnsafeMutablePointer<JSONNode>
    /// The number of node slots.
    private(set) var capacity: Int

    /// The parser's stack of open containers (the outer ones; the innermost is in the parse loop's locals), as raw
    /// memory of a trivial type: a push or pop is a store or load, where an array's would check its buffer's
    /// uniqueness on each of the two dozen a record makes.
    private(set) var frames: UnsafeMutablePointer<JSONParser.Frame>
    /// The number of frame slots.
    private(set) var frameCapacity: Int

    /// Allocates room for `capacity` nodes and 64 open containers.
    init(capacity: Int) {
        self.capacity = max(capacity, 16)
        self.base = .allocate(capacity: self.capacity)
        self.frameCapacity = 64
        self.frames = .allocate(capacity: frameCapacity)
    }

    deinit {
        base.deallocate()
        frames.deallocate()
    }

    /// Reallocates the frame stack to twice its capacity, keeping the first `count` frames (nesting deeper than 64,
    /// when the limit allows it).
    func growFrames(keeping count: Int) {
        let newCapacity = frameCapacity * 2
        let newFrames = UnsafeMutablePointer<JSONParser.Frame>.allocate(capacity: newCapacity)
        newFrames.initialize(from: frames, count: count)
        frames.deallocate()
        frames = newFrames
        frameCapacity = newCapacity
    }

    /// Reallocates to at least twice the capacity, keeping the first `count` nodes.
    func grow(keeping count: Int) {
        let newCapacity = capacity * 2
        let newBase = UnsafeMutablePointer<JSONNode>.allocate(capacity: newCapacity)
        newBase.initialize(from: base, count: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    /// Shrinks back to `capacity` nodes when a huge document left the storage much bigger.
    func shrink(to capacity: Int) {
        guard self.capacity > capacity * 4 else { return }
        base.deallocate()
        self.capacity = capacity
        base = .allocate(capacity: capacity)
    }
}

/// The tape being written: a cursor over ``JSONTapeStorage`` kept in locals of the parse loop.
struct JSONTapeWriter {
    /// The storage (touched only to grow).
    let storage: JSONTapeStorage
    /// `storage.base`, cached.
    var base: UnsafeMutablePointer<JSONNode>
    /// `storage.capacity`, cached.
    var capacity: Int
    /// Nodes written so far.
    var count = 0

    /// Starts writing at the beginning of `storage`.
    init(_ storage: JSONTapeStorage) {
        self.storage = storage
        self.base = storage.base
        self.capacity = storage.capacity
    }

    /// Appends a node; returns its index.
    @inline(__always)
    @discardableResult
    mutating func append(_ node: JSONNode) -> Int {
        if count == capacity { grow() }
        (base + count).initialize(to: node)
        count &+= 1
        return count &- 1
    }

    /// Doubles the storage.
    @inline(never)
    private mutating func grow() {
        storage.grow(keeping: count)
        base = storage.base
        capacity = storage.capacity
    }

    /// The node at `index` (< count).
    @inline(__always)
    subscript(index: Int) -> JSONNode {
        get { base[index] }
        nonmutating set { base[index] = newValue }
    }
}
