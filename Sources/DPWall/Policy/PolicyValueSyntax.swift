/// Parsers of the small value languages of the policy: rates, quotas, windows, durations, digests.
enum PolicyValueSyntax {
    /// `10/s`, `600/m`, `3600/h`, `0.5/s` → requests per second; `nil` when malformed or not > 0.
    static func rate(_ text: String) -> Double? {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let count = decimal(parts[0]), count > 0 else { return nil }
        let seconds: Double
        switch parts[1] {
        case "s": seconds = 1
        case "m": seconds = 60
        case "h": seconds = 3_600
        default: return nil
        }
        return count / seconds
    }

    /// `10000/day` → (10000, .day); `nil` when malformed or the count is not > 0.
    static func quota(_ text: String) -> Policy.Quota? {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let count = positiveInteger(parts[0]),
            let window = Policy.QuotaWindow(rawValue: String(parts[1]))
        else { return nil }
        return Policy.Quota(requests: count, window: window)
    }

    /// `lifetime`, `<n>h`, `<n>d` (n > 0) → a budget window.
    static func budgetWindow(_ text: String) -> Policy.BudgetWindow? {
        if text == "lifetime" { return .lifetime }
        guard let unit = text.last else { return nil }
        let multiplier: Int
        switch unit {
        case "h": multiplier = 3_600
        case "d": multiplier = 86_400
        default: return nil
        }
        guard let count = positiveInteger(text.dropLast()) else { return nil }
        let (seconds, overflow) = count.multipliedReportingOverflow(by: multiplier)
        return overflow ? nil : .seconds(seconds)
    }

    /// `30s`, `2m`, `1h`, or a plain number of seconds (≥ 0) → seconds.
    static func duration(_ text: String) -> Double? {
        var number = Substring(text)
        var multiplier = 1.0
        switch text.last {
        case "s": number = number.dropLast()
        case "m":
            number = number.dropLast()
            multiplier = 60
        case "h":
            number = number.dropLast()
            multiplier = 3_600
        default: break
        }
        guard let value = decimal(number) else { return nil }
        return value * multiplier
    }

    /// 64 hexadecimal digits (either case) → 32 bytes.
    static func sha256Digest(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count == 64 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        var index = 0
        while index < 64 {
            guard let high = hexValue(digits[index]), let low = hexValue(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    /// Whether `name` is a valid model name: `[A-Za-z0-9._-]+`.
    static func isModelName(_ name: String) -> Bool {
        !name.isEmpty
            && name.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
                    true
                default: false
                }
            }
    }

    /// A number in its shortest round-tripping form, without a trailing `.0` for integers (`1`, `0.1`, `1e-06`).
    static func format(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }

    /// Digits with at most one decimal point (`10`, `0.5`), no sign or exponent.
    private static func decimal(_ text: Substring) -> Double? {
        var dots = 0
        var digits = 0
        for byte in text.utf8 {
            if byte == UInt8(ascii: ".") {
                dots += 1
            } else if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                digits += 1
            } else {
                return nil
            }
        }
        guard digits > 0, dots <= 1, let value = Double(text), value.isFinite else { return nil }
        return value
    }

    private static func positiveInteger(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
            let value = Int(text), value > 0
        else { return nil }
        return value
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
