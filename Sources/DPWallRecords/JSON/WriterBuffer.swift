/// The growable byte buffer behind ``JSONWriter``: raw memory with its address, size and capacity kept in the
/// struct, so an append is a bounds check and a copy, with none of `Array`'s uniqueness checks or reference
/// counting (output writing appends a dozen pieces per record).
///
/// Copies of a buffer share its memory until one of them grows, so a buffer that is appended to must not be
/// copied (move it, or `swap` it, as the pipeline does). Readers (`count`, iteration, ``withUnsafeBytes(_:)``)
/// are as for an array.
package struct WriterBuffer: RandomAccessCollection {
    /// Owns the memory, and frees it.
    private final class Storage {
        let base: UnsafeMutablePointer<UInt8>
        let capacity: Int

        init(capacity: Int) {
            self.capacity = Swift.max(capacity, 16)
            base = .allocate(capacity: self.capacity)
        }

        deinit { base.deallocate() }
    }

    private var storage: Storage
    private var base: UnsafeMutablePointer<UInt8>
    /// Bytes the buffer can hold before it grows.
    package private(set) var capacity: Int
    /// Bytes written.
    package private(set) var count = 0

    /// An empty buffer with room for `capacity` bytes.
    package init(capacity: Int = 0) {
        storage = Storage(capacity: capacity)
        base = storage.base
        self.capacity = storage.capacity
    }

    package var startIndex: Int { 0 }
    package var endIndex: Int { count }
    package subscript(position: Int) -> UInt8 {
        precondition(position >= 0 && position < count, "index out of range")
        return base[position]
    }

    /// Makes room for `total` bytes in all.
    @inline(__always)
    package mutating func reserveCapacity(_ total: Int) {
        if total > capacity { grow(to: total) }
    }

    @inline(never)
    private mutating func grow(to total: Int) {
        let grown = Storage(capacity: Swift.max(total, capacity * 2))
        grown.base.initialize(from: base, count: count)
        storage = grown
        base = grown.base
        capacity = grown.capacity
    }

    /// Appends one byte.
    @inline(__always)
    package mutating func append(_ byte: UInt8) {
        if count == capacity { grow(to: count + 1) }
        base[count] = byte
        count &+= 1
    }

    /// Appends raw bytes.
    @inline(__always)
    package mutating func append(contentsOf bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        if count &+ bytes.count > capacity { grow(to: count &+ bytes.count) }
        UnsafeMutableRawPointer(base + count).copyMemory(from: source, byteCount: bytes.count)
        count &+= bytes.count
    }

    /// Appends bytes.
    @inline(__always)
    package mutating func append(contentsOf bytes: UnsafeBufferPointer<UInt8>) {
        append(contentsOf: UnsafeRawBufferPointer(bytes))
    }

    /// Appends `length` bytes, which `body` writes into the buffer's memory at the address it is given.
    @inline(__always)
    package mutating func append(writing length: Int, _ body: (UnsafeMutablePointer<UInt8>) -> Void) {
        if count &+ length > capacity { grow(to: count &+ length) }
        body(base + count)
        count &+= length
    }

    /// Appends bytes.
    package mutating func append(contentsOf bytes: [UInt8]) {
        bytes.withUnsafeBytes { append(contentsOf: $0) }
    }

    /// Forgets the bytes written; `keepingCapacity: false` also gives the memory back.
    package mutating func removeAll(keepingCapacity: Bool = false) {
        count = 0
        if !keepingCapacity && capacity > 16 {
            storage = Storage(capacity: 16)
            base = storage.base
            capacity = storage.capacity
        }
    }

    /// Calls `body` with the bytes written.
    package func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try withExtendedLifetime(storage) { try body(UnsafeRawBufferPointer(start: base, count: count)) }
    }
}
