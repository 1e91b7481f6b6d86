extension JSONView {
    /// Whether the string node `i`'s unescaped content equals `s` (no allocation when it has no escapes).
    package func stringEquals(_ i: Int, _ s: StaticString) -> Bool {
        s.withUTF8Buffer { stringEquals(i, utf8: UnsafeRawBufferPointer($0)) }
    }

    /// Whether the string node `i`'s unescaped content equals `s`.
    package func stringEquals(_ i: Int, _ s: String) -> Bool {
        var s = s
        return s.withUTF8 { stringEquals(i, utf8: UnsafeRawBufferPointer($0)) }
    }

    /// Whether the string node `i`'s unescaped content equals the UTF-8 bytes `utf8`.
    package func stringEquals(_ i: Int, utf8: UnsafeRawBufferPointer) -> Bool {
        let node = nodes[i]
        guard node.kind == .string else { return false }
        let raw = body(i)
        if node.flags & JSONNode.hasEscapes == 0 {
            guard raw.count == utf8.count else { return false }
            guard let a = raw.baseAddress, let b = utf8.baseAddress else { return true }
            return JSONUnescape.bytesEqual(a, b, raw.count)
        }
        var offset = 0
        let same = JSONUnescape.forEachChunk(raw.baseAddress!, 0, raw.count) { chunk in
            guard offset &+ chunk.count <= utf8.count,
                JSONUnescape.bytesEqual(chunk.baseAddress!, utf8.baseAddress! + offset, chunk.count)
            else { return false }
            offset &+= chunk.count
            return true
        }
        return same && offset == utf8.count
    }

    /// The unescaped content of the string node `i` (allocates).
    package func string(_ i: Int) -> String {
        let node = nodes[i]
        let raw = body(i)
        if node.flags & JSONNode.hasEscapes == 0 { return String(decoding: raw, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        appendUnescaped(i, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Calls `body` with the unescaped UTF-8 bytes of the string node `i` (no copy when it has no escapes).
    package func withUnescapedString<R>(_ i: Int, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        if nodes[i].flags & JSONNode.hasEscapes == 0 { return body(self.body(i)) }
        var out: [UInt8] = []
        appendUnescaped(i, to: &out)
        return out.withUnsafeBytes(body)
    }

    /// Appends the unescaped UTF-8 bytes of the string node `i` to `out`.
    package func appendUnescaped(_ i: Int, to out: inout [UInt8]) {
        let raw = body(i)
        guard let p = raw.baseAddress else { return }
        if nodes[i].flags & JSONNode.hasEscapes == 0 {
            out.append(contentsOf: raw)
            return
        }
        _ = JSONUnescape.forEachChunk(p, 0, raw.count) { chunk in
            out.append(contentsOf: chunk)
            return true
        }
    }

    /// The unescaped UTF-8 length in bytes of the string node `i`.
    package func unescapedLength(_ i: Int) -> Int {
        let raw = body(i)
        guard let p = raw.baseAddress, nodes[i].flags & JSONNode.hasEscapes != 0 else { return raw.count }
        var length = 0
        _ = JSONUnescape.forEachChunk(p, 0, raw.count) { chunk in
            length &+= chunk.count
            return true
        }
        return length
    }
}
