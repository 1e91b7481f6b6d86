extension JSONKind {
    /// The kind with an article, for messages: "an object", "a number".
    package var article: String {
        switch self {
        case .object: "an object"
        case .array: "an array"
        case .string: "a string"
        case .number: "a number"
        case .true: "true"
        case .false: "false"
        case .null: "null"
        }
    }
}

extension JSONView {
    /// The most a message quotes of the input, in bytes (records.md: never more than 64).
    package static let quoteLimit = 64

    /// The raw bytes between a string node's quotes (escapes not decoded).
    package func stringBytes(_ i: Int) -> UnsafeRawBufferPointer {
        let node = nodes[i]
        return UnsafeRawBufferPointer(rebasing: bytes[Int(node.start)..<Int(node.end)])
    }

    /// Whether a string node contains backslash escapes.
    package func hasEscapes(_ i: Int) -> Bool { nodes[i].flags & JSONNode.hasEscapes != 0 }

    /// The node's source text for a message: at most ``quoteLimit`` bytes, cut with "…", as a JSON string
    /// when it is a string, else as the raw token (containers are described, never dumped).
    package func quoted(_ i: Int) -> String {
        switch kind(i) {
        case .object, .array:
            return kind(i).article
        case .string:
            var writer = JSONWriter(capacity: 80)
            writer.appendStringTruncating(bytes: stringBytes(i), limit: Self.quoteLimit)
            return String(decoding: writer.bytes, as: UTF8.self)
        default:
            let range = rawRange(i)
            let cut = min(range.count, Self.quoteLimit)
            let text = String(
                decoding: UnsafeRawBufferPointer(rebasing: bytes[range.lowerBound..<(range.lowerBound + cut)]),
                as: UTF8.self)
            return cut < range.count ? text + "…" : text
        }
    }
}

extension JSONView {
    /// Whether a number node has no fraction and no exponent.
    package func isInteger(_ i: Int) -> Bool { nodes[i].flags & JSONNode.isInteger != 0 }

    /// Whether a number node starts with a minus sign.
    package func isNegative(_ i: Int) -> Bool { nodes[i].flags & JSONNode.isNegative != 0 }
}
