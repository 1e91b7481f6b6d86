/// The type of a value on a ``JSONParser`` tape.
package enum JSONKind: UInt8, Sendable {
    /// `{...}`.
    case object
    /// `[...]`.
    case array
    /// `"..."`.
    case string
    /// A number token, validated by the RFC 8259 grammar and converted on access.
    case number
    /// The literal `true`.
    case `true`
    /// The literal `false`.
    case `false`
    /// The literal `null`.
    case null
}

/// One entry of a parsed document's flat tape: a value's kind, its byte range and where its subtree ends.
///
/// The tape holds no references. Node 0 is the root. An array's elements follow it in order (each element's
/// subtree, then the next element at the previous element's ``next``). An object's members follow it as a key
/// node (kind ``JSONKind/string``) and then the value's subtree; the next key is at the value's ``next``.
package struct JSONNode: Sendable, Equatable {
    /// The value's type.
    package var kind: JSONKind
    /// A set of the bits ``hasEscapes``, ``isInteger`` and ``isNegative``.
    package var flags: UInt8
    /// Byte offset: for strings just after the opening quote; for numbers and literals the first byte;
    /// for containers the offset of `{` or `[`.
    package var start: UInt32
    /// Byte offset: for strings the offset of the closing quote; for numbers and literals one past the last byte;
    /// for containers one past `}` or `]`.
    package var end: UInt32
    /// For arrays the number of elements, for objects the number of members; for a ``hasShortValue`` number its
    /// digits as an integer; else 0.
    package var count: UInt32
    /// The index of the first node after this node's whole subtree.
    package var next: UInt32

    /// Flag bit: the string contains at least one backslash escape.
    package static let hasEscapes: UInt8 = 1
    /// Flag bit: the number token has no fraction and no exponent.
    package static let isInteger: UInt8 = 2
    /// Flag bit: the number token starts with `-`.
    package static let isNegative: UInt8 = 4
    /// Flag bit: the number is a short plain decimal (`-?digits(.digits)?`, at most 9 digits, no exponent) whose
    /// digits, as an integer, are in ``count`` and whose digits after the point are counted in ``shortScaleShift``.
    package static let hasShortValue: UInt8 = 8
    /// Flags bits 4–7 of a ``hasShortValue`` number: how many of its digits follow the point (0…9).
    package static let shortScaleShift: UInt8 = 4

    /// Makes a node from its fields.
    @inline(__always)
    package init(kind: JSONKind, flags: UInt8, start: UInt32, end: UInt32, count: UInt32 = 0, next: UInt32) {
        self.kind = kind
        self.flags = flags
        self.start = start
        self.end = end
        self.count = count
        self.next = next
    }
}

extension JSONKind {
    /// Whether two kinds are the same, without the generic `RawRepresentable` comparison that other modules
    /// would otherwise call (a fieldless enum's value is its case number).
    @inlinable
    package static func == (a: JSONKind, b: JSONKind) -> Bool {
        unsafeBitCast(a, to: UInt8.self) == unsafeBitCast(b, to: UInt8.self)
    }
}
