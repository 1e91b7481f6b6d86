/// How a worker recognises a credential it has seen: a token's fingerprint, and a comparison that reads every
/// byte.
/// A bearer token's length and last 16 bytes: where a worker looks it up before comparing it whole.
struct TokenFingerprint: Hashable {
    var count: Int
    var tail: (UInt64, UInt64)

    init(_ token: UnsafeRawBufferPointer) {
        count = token.count
        tail =
            token.count >= 16
            ? (
                token.loadUnaligned(fromByteOffset: token.count - 16, as: UInt64.self),
                token.loadUnaligned(fromByteOffset: token.count - 8, as: UInt64.self)
            ) : (0, 0)
    }

    static func == (a: Self, b: Self) -> Bool { a.count == b.count && a.tail == b.tail }

    func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        hasher.combine(tail.0)
        hasher.combine(tail.1)
    }
}

extension Authenticator {
    /// Whether `a` and `b` hold the same bytes, reading all of them when their lengths agree (no early exit).
    static func sameBytes(_ a: UnsafeRawBufferPointer, _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return b.withUnsafeBytes { b in
            var difference: UInt64 = 0
            var offset = 0
            while offset + 8 <= a.count {
                difference |=
                    a.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                    ^ b.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                offset += 8
            }
            while offset < a.count {
                difference |= UInt64(a[offset] ^ b[offset])
                offset += 1
            }
            return difference == 0
        }
    }
}
