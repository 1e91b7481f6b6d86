/// A non-owning view of one parsed document: the tape of a ``JSONParser`` and the bytes it was parsed from.
///
/// Valid while both the bytes and the parser's ``JSONParser/nodes`` are (neither is retained). Node indices are
/// `Int`s into ``nodes``; node 0 is the root.
package struct JSONView {
    /// The tape.
    package let nodes: UnsafeBufferPointer<JSONNode>
    /// The parsed bytes.
    package let bytes: UnsafeRawBufferPointer

    /// Makes a view of a tape and the bytes it was parsed from.
    package init(nodes: UnsafeBufferPointer<JSONNode>, bytes: UnsafeRawBufferPointer) {
        self.nodes = nodes
        self.bytes = bytes
    }

    /// The kind of node `i`.
    @inline(__always)
    package func kind(_ i: Int) -> JSONKind { nodes[i].kind }

    /// The element count of an array node or the member count of an object node (0 for other kinds).
    @inline(__always)
    package func count(_ i: Int) -> Int { Int(nodes[i].count) }

    /// The index of the first node after node `i`'s subtree.
    @inline(__always)
    package func next(_ i: Int) -> Int { Int(nodes[i].next) }

    /// Calls `body(keyIndex, valueIndex)` for each member of the object node `object` in order; stops early when
    /// `body` returns false.
    @inline(__always)
    package func forEachMember(of object: Int, _ body: (Int, Int) throws -> Bool) rethrows {
        var key = object &+ 1
        for _ in 0..<nodes[object].count {
            let value = key &+ 1
            guard try body(key, value) else { return }
            key = Int(nodes[value].next)
        }
    }

    /// Calls `body(position, elementIndex)` for each element of the array node `array`, position counting from 0;
    /// stops early when `body` returns false.
    @inline(__always)
    package func forEachElement(of array: Int, _ body: (Int, Int) throws -> Bool) rethrows {
        var element = array &+ 1
        for position in 0..<Int(nodes[array].count) {
            guard try body(position, element) else { return }
            element = Int(nodes[element].next)
        }
    }

    /// The value index of the member of `object` whose unescaped key equals `key`, or nil.
    ///
    /// No allocation when the keys have no escapes. Keys are unique (the parser rejects duplicates).
    package func member(of object: Int, _ key: StaticString) -> Int? {
        var found: Int?
        forEachMember(of: object) { k, v in
            if stringEquals(k, key) {
                found = v
                return false
            }
            return true
        }
        return found
    }

    /// The exact source text range of node `i`: for strings with the quotes, for containers bracket to bracket.
    package func rawRange(_ i: Int) -> Range<Int> {
        let node = nodes[i]
        if node.kind == .string { return Int(node.start) &- 1..<Int(node.end) &+ 1 }
        return Int(node.start)..<Int(node.end)
    }

    /// The exact source text of node `i` (``rawRange(_:)``).
    package func rawBytes(_ i: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[rawRange(i)])
    }

    /// The number token text of node `i` as a `String` (allocates; for messages).
    package func numberText(_ i: Int) -> String {
        let node = nodes[i]
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[Int(node.start)..<Int(node.end)]), as: UTF8.self)
    }

    /// The source bytes `start..<end` of node `i` (for a string its body without the quotes, escapes as written).
    @inline(__always)
    func body(_ i: Int) -> UnsafeRawBufferPointer {
        let node = nodes[i]
        return UnsafeRawBufferPointer(start: bytes.baseAddress! + Int(node.start), count: Int(node.end &- node.start))
    }
}
