/// Strict UTF-8 validation of a whole buffer (RFC 3629), with an 8-bytes-at-a-time ASCII fast path.
package enum UTF8Validation {
    /// The offset of the first byte that does not start a well-formed UTF-8 sequence, or nil when all of `bytes`
    /// is valid UTF-8.
    ///
    /// Rejects stray continuation bytes, overlong forms (C0, C1, E0 80..9F, F0 80..8F), surrogates encoded in
    /// UTF-8 (ED A0..BF), code points above U+10FFFF (F4 90.., F5..FF) and sequences cut short. The offset is that
    /// of the lead byte of the bad sequence.
    package static func firstInvalidOffset(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard let p = bytes.baseAddress else { return nil }
        let n = bytes.count
        var i = 0
        while i < n {
            // ASCII fast path: 32 bytes at a time while they are all ASCII, then 8.
            while i &+ 32 <= n {
                let any =
                    p.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                    | p.loadUnaligned(fromByteOffset: i &+ 8, as: UInt64.self)
                    | p.loadUnaligned(fromByteOffset: i &+ 16, as: UInt64.self)
                    | p.loadUnaligned(fromByteOffset: i &+ 24, as: UInt64.self)
                if any & 0x8080_8080_8080_8080 != 0 { break }
                i &+= 32
            }
            while i &+ 8 <= n {
                let word = p.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                let high = word & 0x8080_8080_8080_8080
                if high != 0 {
                    i &+= high.littleEndian.trailingZeroBitCount >> 3
                    break
                }
                i &+= 8
            }
            if i >= n { break }
            let b0 = p.load(fromByteOffset: i, as: UInt8.self)
            if b0 < 0x80 {
                i &+= 1
                continue
            }
            let length = sequenceLength(p, i, n, b0)
            if length == 0 { return i }
            i &+= length
        }
        return nil
    }

    /// The length (2...4) of the well-formed sequence whose lead byte `b0` is at `i`, or 0 when it is ill-formed.
    @inline(__always)
    static func sequenceLength(_ p: UnsafeRawPointer, _ i: Int, _ n: Int, _ b0: UInt8) -> Int {
        @inline(__always) func byte(_ k: Int) -> UInt8 { p.load(fromByteOffset: i &+ k, as: UInt8.self) }
        @inline(__always) func isContinuation(_ b: UInt8) -> Bool { b & 0xC0 == 0x80 }
        switch b0 {
        case 0xC2...0xDF:
            guard i &+ 1 < n, isContinuation(byte(1)) else { return 0 }
            return 2
        case 0xE0...0xEF:
            guard i &+ 2 < n else { return 0 }
            let b1 = byte(1)
            let low: UInt8 = b0 == 0xE0 ? 0xA0 : 0x80
            let high: UInt8 = b0 == 0xED ? 0x9F : 0xBF
            guard b1 >= low, b1 <= high, isContinuation(byte(2)) else { return 0 }
            return 3
        case 0xF0...0xF4:
            guard i &+ 3 < n else { return 0 }
            let b1 = byte(1)
            let low: UInt8 = b0 == 0xF0 ? 0x90 : 0x80
            let high: UInt8 = b0 == 0xF4 ? 0x8F : 0xBF
            guard b1 >= low, b1 <= high, isContinuation(byte(2)), isContinuation(byte(3)) else { return 0 }
            return 4
        default:
            return 0
        }
    }
}
