import Yams

/// A node of the policy document with its key path: typed accessors that report a problem (and return `nil`)
/// when the node is not what the schema expects.
struct YAMLValue {
    /// The start of the prefix given to the first of two equal keys so that the document parses (see
    /// `Policy+Loading`); the prefix is this, a counter and `~`, so that marked keys differ from each other.
    static let duplicateKeyMarker = "dpwall-duplicate-key-"

    /// The prefix of the `number`th marked key.
    static func duplicateKeyPrefix(_ number: Int) -> String {
        "\(duplicateKeyMarker)\(number)~"
    }

    let node: Node
    let path: PolicyPath
    let diagnostics: PolicyDiagnostics

    /// Records `message` at this value's path.
    func report(_ message: String) {
        diagnostics.report(path, message)
    }

    /// The node's resolved tag (`str`, `int`, `float`, `bool`, `null`, `map`, `seq`…).
    var tagName: Tag.Name {
        Tag.Name(rawValue: node.tag.rawValue)
    }

    /// How the node is named in messages: `"text"` for strings, the literal for other scalars, "a mapping"…
    var summary: String {
        switch node {
        case .scalar(let scalar):
            switch tagName {
            case .str: return Self.quoted(scalar.string)
            case .null: return "null"
            default: return Self.truncated(scalar.string)
            }
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    /// The entries of a mapping whose keys are names (tiers, clients, models), in file order.
    func entries() -> [(key: String, value: YAMLValue)]? {
        guard case .mapping(let mapping) = node else {
            report("expected a mapping, got \(summary)")
            return nil
        }
        guard diagnostics.visit(mapping.count, at: path) else { return nil }
        var result: [(key: String, value: YAMLValue)] = []
        for (keyNode, valueNode) in mapping {
            guard case .scalar(let keyScalar) = keyNode else {
                report(
                    "keys must be strings, got \(YAMLValue(node: keyNode, path: path, diagnostics: diagnostics).summary)"
                )
                continue
            }
            var key = keyScalar.string
            let value = YAMLValue(node: valueNode, path: path.key(key), diagnostics: diagnostics)
            if key.hasPrefix(Self.duplicateKeyMarker), let end = key.firstIndex(of: "~") {
                key = String(key[key.index(after: end)...])
                diagnostics.report(path.key(key), "duplicate key; each key may appear once")
                continue
            }
            result.append((key, value))
        }
        return result
    }

    /// The mapping at this node, checking that every key is one of `allowed`.
    func mapping(allowed: [String]) -> YAMLMapping? {
        guard let entries = entries() else { return nil }
        var values: [String: YAMLValue] = [:]
        for (key, value) in entries {
            guard allowed.contains(key) else {
                diagnostics.report(path.key(key), "unknown key; allowed: \(allowed.joined(separator: ", "))")
                continue
            }
            values[key] = value
        }
        return YAMLMapping(path: path, diagnostics: diagnostics, values: values)
    }

    /// The elements of a list.
    func list() -> [YAMLValue]? {
        guard case .sequence(let sequence) = node else {
            report("expected a list, got \(summary)")
            return nil
        }
        guard diagnostics.visit(sequence.count, at: path) else { return nil }
        return sequence.enumerated().map { YAMLValue(node: $1, path: path.index($0), diagnostics: diagnostics) }
    }

    /// A string scalar (quote numbers and booleans meant as strings).
    func string() -> String? {
        guard case .scalar(let scalar) = node else {
            report("expected a string, got \(summary)")
            return nil
        }
        guard tagName == .str else {
            if tagName == .null {
                report("expected a string, got null")
            } else {
                report("expected a string, got \(summary) (quote it: \(Self.quoted(scalar.string)))")
            }
            return nil
        }
        return scalar.string
    }

    /// A non-empty string scalar.
    func nonEmptyString() -> String? {
        guard let text = string() else { return nil }
        guard !text.isEmpty else {
            report("must not be empty")
            return nil
        }
        return text
    }

    /// The text of any scalar but null, whatever its resolved type (for digests and durations).
    func scalarText() -> String? {
        guard case .scalar(let scalar) = node, tagName != .null else {
            report("expected a string, got \(summary)")
            return nil
        }
        return scalar.string
    }

    /// One of the raw values of `type`, listing them in the message otherwise.
    func choice<T: RawRepresentable & CaseIterable>(_ type: T.Type) -> T? where T.RawValue == String {
        guard let text = string() else { return nil }
        guard let value = T(rawValue: text) else {
            let allowed = T.allCases.map(\.rawValue).joined(separator: ", ")
            report("must be one of \(allowed), got \(Self.quoted(text))")
            return nil
        }
        return value
    }

    /// Whether the node is a number scalar (integer or floating point).
    var isNumber: Bool {
        tagName == .int || tagName == .float
    }

    /// A finite number.
    func number() -> Double? {
        guard case .scalar = node, isNumber else {
            report("expected a number, got \(summary)")
            return nil
        }
        let value: Double?
        if tagName == .int {
            value = node.int.map(Double.init) ?? Double(node.string ?? "")
        } else {
            value = node.float
        }
        guard let value, value.isFinite else {
            report("must be a finite number, got \(summary)")
            return nil
        }
        return value
    }

    /// A finite number satisfying `condition`, described as `requirement` ("> 0") in the message otherwise.
    func number(_ requirement: String, _ condition: (Double) -> Bool) -> Double? {
        guard let value = number() else { return nil }
        guard condition(value) else {
            report("must be \(requirement), got \(summary)")
            return nil
        }
        return value
    }

    /// An integer.
    func integer() -> Int? {
        guard case .scalar = node, tagName == .int else {
            report("expected an integer, got \(summary)")
            return nil
        }
        guard let value = node.int else {
            report("integer out of range, got \(summary)")
            return nil
        }
        return value
    }

    /// An integer satisfying `condition`, described as `requirement` (">= 1") in the message otherwise.
    func integer(_ requirement: String, _ condition: (Int) -> Bool) -> Int? {
        guard let value = integer() else { return nil }
        guard condition(value) else {
            report("must be \(requirement), got \(summary)")
            return nil
        }
        return value
    }

    /// A boolean (`true`/`false`; YAML 1.1 also reads `yes`/`no`/`on`/`off`).
    func bool() -> Bool? {
        guard case .scalar = node, tagName == .bool, let value = node.bool else {
            report("expected true or false, got \(summary)")
            return nil
        }
        return value
    }

    /// A `[lo, hi]` pair of finite numbers.
    func interval() -> (lower: Double, upper: Double)? {
        guard case .sequence(let sequence) = node, sequence.count == 2 else {
            report("expected [lo, hi], a list of two numbers, got \(summary)")
            return nil
        }
        guard let elements = list() else { return nil }
        guard let lower = elements[0].number(), let upper = elements[1].number() else { return nil }
        return (lower, upper)
    }

    static func quoted(_ text: String) -> String {
        "\"\(truncated(text))\""
    }

    static func truncated(_ text: String) -> String {
        text.count <= 64 ? text : String(text.prefix(61)) + "..."
    }
}

/// A mapping whose keys were checked against the allowed ones.
struct YAMLMapping {
    let path: PolicyPath
    let diagnostics: PolicyDiagnostics
    let values: [String: YAMLValue]

    /// The value of `key`, if present.
    subscript(key: String) -> YAMLValue? { values[key] }

    /// The value of `key`, reporting its absence.
    func required(_ key: String, _ what: String) -> YAMLValue? {
        guard let value = values[key] else {
            diagnostics.report(path.key(key), "required (\(what))")
            return nil
        }
        return value
    }
}
