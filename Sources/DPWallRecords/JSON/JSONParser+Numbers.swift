extension JSONParser {
    /// Scans a number token starting at `start` (a `-` or a digit) by the RFC 8259 grammar; returns the offset after
    /// it and its node flags. The value is converted later, on access (``JSONView/double(_:)``).
    @inline(__always)
    static func scanNumber(_ p: UnsafeRawPointer, _ start: Int, _ n: Int) throws(JSONError) -> (Int, UInt8) {
        @inline(__always) func isDigit(_ k: Int) -> Bool {
            k < n && p.load(fromByteOffset: k, as: UInt8.self) &- UInt8(ascii: "0") < 10
        }
        var i = start
        var flags = JSONNode.isInteger
        if p.load(fromByteOffset: i, as: UInt8.self) == UInt8(ascii: "-") {
            flags |= JSONNode.isNegative
            i &+= 1
        }
        guard i < n else { throw unexpectedEnd(i, expected: "a digit") }
        let first = p.load(fromByteOffset: i, as: UInt8.self)
        if first == UInt8(ascii: "0") {
            i &+= 1
            if isDigit(i) {
                throw JSONError(
                    code: .malformedJSON, offset: start, message: "number with a leading zero at byte \(start)")
            }
        } else if first &- UInt8(ascii: "1") < 9 {
            i &+= 1
            while isDigit(i) { i &+= 1 }
        } else {
            if let token = nonFiniteToken(p, start, n) {
                throw JSONError(code: .nonFinite, offset: start, message: "non-finite number \(token) at byte \(start)")
            }
            throw expectedDigit(p, i, n, after: "'-'")
        }
        if i < n, p.load(fromByteOffset: i, as: UInt8.self) == UInt8(ascii: ".") {
            flags &= ~JSONNode.isInteger
            i &+= 1
            guard isDigit(i) else { throw expectedDigit(p, i, n, after: "'.'") }
            i &+= 1
            while isDigit(i) { i &+= 1 }
        }
        if i < n, p.load(fromByteOffset: i, as: UInt8.self) | 0x20 == UInt8(ascii: "e") {
            flags &= ~JSONNode.isInteger
            i &+= 1
            if i < n {
                let sign = p.load(fromByteOffset: i, as: UInt8.self)
                if sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { i &+= 1 }
            }
            guard isDigit(i) else { throw expectedDigit(p, i, n, after: "the exponent mark") }
            i &+= 1
            while isDigit(i) { i &+= 1 }
        }
        return (i, flags)
    }

    /// A number token missing its digits at `i`.
    static func expectedDigit(_ p: UnsafeRawPointer, _ i: Int, _ n: Int, after: String) -> JSONError {
        guard i < n else { return unexpectedEnd(i, expected: "a digit after \(after)") }
        return JSONError(
            code: .malformedJSON, offset: i,
            message: "unexpected \(describe(p, i, n)) at byte \(i), expected a digit after \(after)")
    }
}
