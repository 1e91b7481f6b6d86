import DPWallRecords

/// Text read from a ledger, an archive or a policy, made safe for whoever reads what `report`, `budget show`,
/// `quota show` and `replay` write: the one place every writer escapes through.
///
/// Names are checked where they enter (docs/auth.md, "Client names"), but a ledger can be edited with `sqlite3`, so
/// the writers trust nothing they print:
/// - a character that is invisible or moves text around (a C0 or C1 control, DEL, ESC and BEL among them; a format
///   character such as a bidirectional control U+202E, a zero-width space or the byte-order mark; a line or
///   paragraph separator; a noncharacter) is never written raw, in any form: it is written as `\u{202E}`, visible;
/// - a CSV text cell that a spreadsheet would take for a formula (it starts with `=`, `+`, `-`, `@`, a tab, a
///   carriage return or a line feed, after any spaces) gets OWASP's treatment: a `'` in front, and quotes;
/// - a CSV cell is quoted as RFC 4180 says (doubled quotes inside) when it holds a comma, a quote or a line break.
public enum SafeText {
    /// Whether `scalar` is never written raw: controls, format characters, separators and unassigned code points
    /// (what a client name may not hold, except U+FFFD, which is visible).
    @inline(__always)
    static func isHidden(_ scalar: Unicode.Scalar) -> Bool {
        guard scalar.value < 0x20 || scalar.value >= 0x7F else { return false }
        guard let kind = ClientName.ForbiddenKind(scalar) else { return false }
        return kind != .replacement
    }

    /// `\u{202E}`: a code point as Swift writes it in a string literal.
    static func escaped(_ scalar: Unicode.Scalar) -> String {
        "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
    }

    /// `text` with every hidden character (``isHidden(_:)``) written as `\u{…}`; printable ASCII, the common case,
    /// costs one pass over the bytes.
    public static func visible(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 < 0x20 || $0 >= 0x7F }) else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 8)
        for scalar in text.unicodeScalars {
            if isHidden(scalar) { out += escaped(scalar) } else { out.unicodeScalars.append(scalar) }
        }
        return out
    }

    /// A CSV cell of text: ``visible(_:)``, with a `'` in front of what a spreadsheet would evaluate (OWASP's CSV
    /// injection advice), quoted per RFC 4180 when it holds a comma or a quote, or was prefixed.
    public static func csv(_ text: String) -> String {
        let shown = visible(text)
        // Checked on the raw text too: a leading tab or line break is shown escaped, but it was a formula's start.
        let formula = startsFormula(text) || startsFormula(shown)
        let value = formula ? "'" + shown : shown
        guard formula || value.utf8.contains(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") }) else {
            return value
        }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// A CSV cell of a numeric column: a number as it is (`-1.5` stays a number), anything else as text.
    public static func csvNumber(_ text: String) -> String {
        isNumber(text) ? text : csv(text)
    }

    /// Whether `text`, after any spaces, starts with what makes a spreadsheet evaluate a cell: `=`, `+`, `-`, `@`,
    /// a tab, a carriage return or a line feed.
    static func startsFormula(_ text: String) -> Bool {
        guard let first = text.utf8.first(where: { $0 != UInt8(ascii: " ") }) else { return false }
        return [UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), 0x09, 0x0D, 0x0A]
            .contains(first)
    }

    /// Whether `text` is a number in JSON's form (`-1.5`, `2e-7`): what ``TextTable/number(_:)`` writes.
    static func isNumber(_ text: String) -> Bool {
        var bytes = text.utf8[...]
        if bytes.first == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
        func digits() -> Bool {
            let count = bytes.prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }.count
            bytes = bytes.dropFirst(count)
            return count > 0
        }
        guard digits() else { return false }
        if bytes.first == UInt8(ascii: ".") {
            bytes = bytes.dropFirst()
            guard digits() else { return false }
        }
        if bytes.first == UInt8(ascii: "e") || bytes.first == UInt8(ascii: "E") {
            bytes = bytes.dropFirst()
            if bytes.first == UInt8(ascii: "+") || bytes.first == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
            guard digits() else { return false }
        }
        return bytes.isEmpty
    }

    /// Text for HTML and XML alike: ``visible(_:)``, then the markup characters as entities.
    public static func html(_ text: String) -> String {
        var out = ""
        let shown = visible(text)
        out.reserveCapacity(shown.utf8.count)
        for scalar in shown.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
