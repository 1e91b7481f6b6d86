extension JSONParser {
    /// Objects with up to this many members compare a new key with each earlier one; bigger ones use ``KeyTable``.
    static let linearKeyLimit: UInt32 = 16

    /// An open-addressing hash set of the keys of big objects, keyed by (object node, unescaped key bytes).
    ///
    /// Hashes come from `Hasher` (randomly seeded SipHash), so a hostile input cannot force collisions. Entries
    /// of closed objects stay until the next parse; they never match keys of another object.
    struct KeyTable {
        /// One slot; `key == .max` marks it empty.
        struct Slot {
            var hash: UInt64
            var container: UInt32
            var key: UInt32
        }
        /// The slots, a power of two of them (or none before first use).
        var slots: [Slot] = []
        /// Occupied slots.
        var count = 0

        /// Empties the table for a new document, releasing it if a hostile document made it huge.
        mutating func reset() {
            guard count > 0 else { return }
            count = 0
            if slots.count > 1 << 16 {
                slots = []
            } else {
                for k in slots.indices { slots[k].key = .max }
            }
        }

        /// Doubles the slot count (or allocates 64 slots) and reinserts every entry.
        mutating func grow() {
            let old = slots
            slots = Array(repeating: Slot(hash: 0, container: 0, key: .max), count: max(64, old.count * 2))
            let mask = slots.count - 1
            for slot in old where slot.key != .max {
                var k = Int(truncatingIfNeeded: slot.hash) & mask
                while slots[k].key != .max { k = (k &+ 1) & mask }
                slots[k] = slot
            }
        }
    }

    /// Throws `duplicate_key` if the key node `key` of the object `container`, which has `members` completed
    /// members before it, repeats an earlier key of that object (compared unescaped).
    mutating func checkDuplicate(
        _ p: UnsafeRawPointer, _ tape: JSONTapeWriter, container: UInt32, members: UInt32, key: UInt32
    ) throws(JSONError) {
        if members < Self.linearKeyLimit {
            var j = Int(container) &+ 1
            for _ in 0..<members {
                if keysEqual(p, tape, j, Int(key)) { throw duplicateKey(p, tape[Int(key)]) }
                j = Int(tape[j &+ 1].next)
            }
            return
        }
        if members == Self.linearKeyLimit {
            var j = Int(container) &+ 1
            for _ in 0..<members {
                _ = insertKey(p, tape, container: container, key: UInt32(truncatingIfNeeded: j))
                j = Int(tape[j &+ 1].next)
            }
        }
        if !insertKey(p, tape, container: container, key: key) { throw duplicateKey(p, tape[Int(key)]) }
    }

    /// Adds the key to the table; returns false (adding nothing) when the object already has an equal key.
    private mutating func insertKey(
        _ p: UnsafeRawPointer, _ tape: JSONTapeWriter, container: UInt32, key: UInt32
    ) -> Bool {
        if (keyTable.count &+ 1) * 2 > keyTable.slots.count { keyTable.grow() }
        let hash = keyHash(p, tape[Int(key)])
        let mask = keyTable.slots.count &- 1
        var k = Int(truncatingIfNeeded: hash) & mask
        while true {
            let slot = keyTable.slots[k]
            if slot.key == .max {
                keyTable.slots[k] = KeyTable.Slot(hash: hash, container: container, key: key)
                keyTable.count &+= 1
                return true
            }
            if slot.hash == hash, slot.container == container, keysEqual(p, tape, Int(slot.key), Int(key)) {
                return false
            }
            k = (k &+ 1) & mask
        }
    }

    /// The hash of the unescaped bytes of the key node `node`.
    private mutating func keyHash(_ p: UnsafeRawPointer, _ node: JSONNode) -> UInt64 {
        var hasher = Hasher()
        if node.flags & JSONNode.hasEscapes == 0 {
            hasher.combine(
                bytes: UnsafeRawBufferPointer(start: p + Int(node.start), count: Int(node.end &- node.start)))
        } else {
            JSONUnescape.unescape(p, Int(node.start), Int(node.end), into: &scratchA)
            scratchA.withUnsafeBytes { hasher.combine(bytes: $0) }
        }
        return UInt64(bitPattern: Int64(hasher.finalize()))
    }

    /// Whether the key nodes `a` and `b` have the same unescaped bytes.
    private mutating func keysEqual(_ p: UnsafeRawPointer, _ tape: JSONTapeWriter, _ a: Int, _ b: Int) -> Bool {
        let x = tape[a]
        let y = tape[b]
        if (x.flags | y.flags) & JSONNode.hasEscapes == 0 {
            let length = Int(x.end &- x.start)
            guard length == Int(y.end &- y.start) else { return false }
            return JSONUnescape.bytesEqual(p + Int(x.start), p + Int(y.start), length)
        }
        JSONUnescape.unescape(p, Int(x.start), Int(x.end), into: &scratchA)
        JSONUnescape.unescape(p, Int(y.start), Int(y.end), into: &scratchB)
        return scratchA == scratchB
    }

    /// The `duplicate_key` error for the key node `node`, quoting the key (at most 64 bytes of it).
    private mutating func duplicateKey(_ p: UnsafeRawPointer, _ node: JSONNode) -> JSONError {
        JSONUnescape.unescape(p, Int(node.start), Int(node.end), into: &scratchA)
        var writer = JSONWriter(capacity: 80)
        scratchA.withUnsafeBytes { writer.appendStringTruncating(bytes: $0, limit: 64) }
        let offset = Int(node.start) &- 1
        return JSONError(
            code: .duplicateKey, offset: offset,
            message: "duplicate key \(String(decoding: writer.bytes, as: UTF8.self)) at byte \(offset)")
    }
}
