import DPWallRecords
import Foundation

/// Rows of text as an aligned table, CSV (RFC 4180 quoting) or a JSON array of objects: what `budget show`,
/// `quota show`, `replay` and `report` print.
public enum TextTable {
    /// An output format.
    public enum Format: String, CaseIterable, Sendable {
        case table, json, csv
    }

    /// Rows under `header` as CSV, a JSON array of objects (`numeric` columns unquoted), or an aligned table of
    /// `tableColumns` (every column when nil).
    public static func render(
        header: [String], rows: [[String]], numeric: Set<String>, tableColumns: [Int]? = nil, format: Format
    ) -> String {
        switch format {
        case .csv:
            return ([header] + rows).map { row in row.map(csv).joined(separator: ",") }.joined(separator: "\n") + "\n"
        case .json:
            let objects = rows.map { row in
                let pairs = zip(header, row).map { key, value in
                    "\"\(key)\":" + (numeric.contains(key) && !value.isEmpty ? value : json(value))
                }
                return "{" + pairs.joined(separator: ",") + "}"
            }
            return "[" + objects.joined(separator: ",\n ") + "]\n"
        case .table:
            let columns = tableColumns ?? Array(header.indices)
            let table = [columns.map { header[$0] }] + rows.map { row in columns.map { printable(row[$0]) } }
            let widths = columns.indices.map { c in table.map { $0[c].count }.max() ?? 0 }
            return table.map { row in
                row.enumerated().map { c, value in value.padding(toLength: widths[c], withPad: " ", startingAt: 0) }
                    .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
            }.joined(separator: "\n") + "\n"
        }
    }

    /// `text` for a terminal: control characters (a client name may hold escape sequences) become U+FFFD.
    public static func printable(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }) else {
            return text
        }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            out.append(scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) ? "\u{FFFD}" : scalar)
        }
        return String(out)
    }

    /// A CSV field, quoted when it must be.
    public static func csv(_ value: String) -> String {
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// A JSON string literal.
    public static func json(_ value: String) -> String {
        var writer = JSONWriter(capacity: value.utf8.count + 2)
        writer.appendString(value)
        return writer.bytes.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
    }

    /// The shortest text that reads back as `value` (JSON's number form); `null` for a value that is not finite
    /// (a ledger edited by hand, a limit granted past the largest double).
    public static func number(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        var writer = JSONWriter(capacity: 32)
        writer.append(value)
        return writer.bytes.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
    }
}
