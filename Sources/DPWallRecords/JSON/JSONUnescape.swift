/// Decoding of JSON string escapes over raw bytes whose escapes the parser has already validated.
enum JSONUnescape {
    /// Calls `body` with successive chunks of the unescaped UTF-8 of the string body `p[start..<end]`; stops and
    /// returns false as soon as `body` does, else returns true.
    static func forEachChunk(
        _ p: UnsafeRawPointer, _ start: Int, _ end: Int, _ body: (UnsafeRawBufferPointer) -> Bool
    ) -> Bool {
        var i = start
        var run = start
        while i < end {
            guard p.load(fromByteOffset: i, as: UInt8.self) == UInt8(ascii: "\\") else {
                i &+= 1
                continue
            }
            if run < i, !body(UnsafeRawBufferPointer(start: p + run, count: i &- run)) { return false }
            let (scalar, length) = decodeEscape(p, i)
            var utf8: UInt32 = 0
            let count = encode(scalar, into: &utf8)
            let more = withUnsafeBytes(of: &utf8) { body(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
            if !more { return false }
            i &+= length
            run = i
        }
        if run < end { return body(UnsafeRawBufferPointer(start: p + run, count: end &- run)) }
        return true
    }

    /// The scalar value and source length (2, 6 or 12 bytes) of the validated escape whose backslash is at `i`.
    static func decodeEscape(_ p: UnsafeRawPointer, _ i: Int) -> (UInt32, Int) {
        switch p.load(fromByteOffset: i &+ 1, as: UInt8.self) {
        case UInt8(ascii: "b"): return (0x08, 2)
        case UInt8(ascii: "f"): return (0x0C, 2)
        case UInt8(ascii: "n"): return (0x0A, 2)
        case UInt8(ascii: "r"): return (0x0D, 2)
        case UInt8(ascii: "t"): return (0x09, 2)
        case UInt8(ascii: "u"):
            let unit = hex4(p, i &+ 2)
            guard (0xD800...0xDBFF).contains(unit) else { return (unit, 6) }
            let low = hex4(p, i &+ 8)
            return (0x10000 &+ ((unit &- 0xD800) << 10 | (low &- 0xDC00)), 12)
        case let c: return (UInt32(c), 2)
        }
    }

    /// The value of 4 validated hexadecimal digits at `i`.
    @inline(__always)
    static func hex4(_ p: UnsafeRawPointer, _ i: Int) -> UInt32 {
        var unit: UInt32 = 0
        for k in 0..<4 {
            unit = unit << 4 | (JSONParser.hexValue(p.load(fromByteOffset: i &+ k, as: UInt8.self)) ?? 0)
        }
        return unit
    }

    /// Writes the UTF-8 of `scalar` into the low bytes of `out` (in memory order); returns the byte count.
    @inline(__always)
    static func encode(_ scalar: UInt32, into out: inout UInt32) -> Int {
        withUnsafeMutableBytes(of: &out) { b in
            switch scalar {
            case 0..<0x80:
                b[0] = UInt8(truncatingIfNeeded: scalar)
                return 1
            case 0x80..<0x800:
                b[0] = UInt8(truncatingIfNeeded: 0xC0 | scalar >> 6)
                b[1] = UInt8(truncatingIfNeeded: 0x80 | scalar & 0x3F)
                return 2
            case 0x800..<0x10000:
                b[0] = UInt8(truncatingIfNeeded: 0xE0 | scalar >> 12)
                b[1] = UInt8(truncatingIfNeeded: 0x80 | scalar >> 6 & 0x3F)
                b[2] = UInt8(truncatingIfNeeded: 0x80 | scalar & 0x3F)
                return 3
            default:
                b[0] = UInt8(truncatingIfNeeded: 0xF0 | scalar >> 18)
                b[1] = UInt8(truncatingIfNeeded: 0x80 | scalar >> 12 & 0x3F)
                b[2] = UInt8(truncatingIfNeeded: 0x80 | scalar >> 6 & 0x3F)
                b[3] = UInt8(truncatingIfNeeded: 0x80 | scalar & 0x3F)
                return 4
            }
        }
    }

    /// Replaces the contents of `out` with the unescaped UTF-8 of `p[start..<end]`.
    static func unescape(_ p: UnsafeRawPointer, _ start: Int, _ end: Int, into out: inout [UInt8]) {
        out.removeAll(keepingCapacity: true)
        _ = forEachChunk(p, start, end) { chunk in
            out.append(contentsOf: chunk)
            return true
        }
    }

    /// Whether `a[0..<count]` and `b[0..<count]` hold the same bytes.
    ///
    /// Short names are the common case (keys, datatypes, model names), so no call to `memcmp`: 8 bytes at a time,
    /// the last 8 (or 4) loaded overlapping the ones before, reading nothing outside either range.
    @inline(__always)
    static func bytesEqual(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ count: Int) -> Bool {
        if count >= 8 {
            var k = 0
            while k &+ 8 < count {
                if a.loadUnaligned(fromByteOffset: k, as: UInt64.self)
                    != b.loadUnaligned(fromByteOffset: k, as: UInt64.self)
                {
                    return false
                }
                k &+= 8
            }
            return a.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self)
                == b.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self)
        }
        if count >= 4 {
            return a.loadUnaligned(as: UInt32.self) == b.loadUnaligned(as: UInt32.self)
                && a.loadUnaligned(fromByteOffset: count &- 4, as: UInt32.self)
                    == b.loadUnaligned(fromByteOffset: count &- 4, as: UInt32.self)
        }
        var k = 0
        while k < count {
            if a.load(fromByteOffset: k, as: UInt8.self) != b.load(fromByteOffset: k, as: UInt8.self) { return false }
            k &+= 1
        }
        return true
    }
}
