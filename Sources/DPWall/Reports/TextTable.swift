import DPWallRecords
import Foundation

/// Rows of text as an aligned table, CSV (RFC 4180 quoting) or a JSON array of objects: what `budget show`,
/// `quota show`, `replay` and `report` print. Text cells go through ``SafeText``; numeric cells keep every digit in
/// CSV and JSON, and four significant digits in the table (``humanCell(_:)``).
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
            let numericAt = header.map(numeric.contains)
            return
                ([header.map(SafeText.csv)]
                + rows.map { row in
                    row.enumerated().map { c, value in
                        c < numericAt.count && numericAt[c] ? SafeText.csvNumber(value) : SafeText.csv(value)
                    }
                }).map { $0.joined(separator: ",") }.joined(separator: "\n") + "\n"
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
            let table =
                [columns.map { SafeText.visible(header[$0]) }]
                + rows.map { row in
                    columns.map { numeric.contains(header[$0]) ? humanCell(row[$0]) : SafeText.visible(row[$0]) }
                }
            let widths = columns.indices.map { c in table.map { $0[c].count }.max() ?? 0 }
            return table.map { row in
                row.enumerated().map { c, value in value.padding(toLength: widths[c], withPad: " ", startingAt: 0) }
                    .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
            }.joined(separator: "\n") + "\n"
        }
    }

    /// A numeric cell for people: a number with more digits than ``human(_:)`` keeps (`19.985815434724387`) to
    /// those; a shorter one (`99.9`, `100.0`, `12`), or text, as it is (made ``SafeText/visible(_:)``).
    public static func humanCell(_ cell: String) -> String {
        guard SafeText.isNumber(cell), let value = Double(cell) else { return SafeText.visible(cell) }
        let shown = human(value)
        return Double(shown) == value ? cell : shown
    }

    /// `value` for people (tables and messages): rounded to 4 significant digits, but never inside its integer
    /// part (`19.99`, `0.01667`, `123457`); JSON and CSV keep every digit (``number(_:)``).
    public static func human(_ value: Double) -> String {
        guard value.isFinite, value != 0, abs(value) < 1e15 else { return number(value) }
        let decimals = max(0, 3 - Int(floor(log10(abs(value)))))
        guard decimals > 0 else { return number(value.rounded()) }
        // 10^decimals is exact up to 10^22; below that the value rounds to 0 or is kept whole.
        guard decimals <= 22 else { return number(value) }
        let scale = pow(10, Double(decimals))
        let rounded = (value * scale).rounded() / scale
        return number(rounded.isFinite ? rounded : value)
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
