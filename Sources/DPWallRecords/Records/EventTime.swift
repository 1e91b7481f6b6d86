/// Parses RFC 3339 timestamps with an offset (`2026-11-26T10:00:00.123Z`, `2026-11-26T11:00:00+01:00`).
///
/// Event time drives rate limits, quotas and budget windows, so it is strict: the date must exist, the offset is
/// required, and the result is milliseconds since the Unix epoch in UTC (fractions below a millisecond are
/// truncated). A leap second (`:60`) is read as the last millisecond of its minute.
package enum EventTime {
    /// Milliseconds since 1970-01-01T00:00:00Z, or nil when `text` is not an RFC 3339 date-time with offset.
    package static func parseMilliseconds(_ text: UnsafeRawBufferPointer) -> Int64? {
        let n = text.count
        guard n >= 20, n <= 40, let p = text.baseAddress else { return nil }
        // Every record has a `ts`, so this is on the hot path: fixed positions read with plain loads (no closure,
        // no optional per field), a field of non-digits reading as -1.
        let year = digits(p, 0, 4)
        let month = digits(p, 5, 2)
        let day = digits(p, 8, 2)
        let hour = digits(p, 11, 2)
        let minute = digits(p, 14, 2)
        let second = digits(p, 17, 2)
        let separators =
            text[4] == 0x2D && text[7] == 0x2D && (text[10] == 0x54 || text[10] == 0x74) && text[13] == 0x3A
            && text[16] == 0x3A
        guard separators, year >= 0, day >= 0, hour >= 0, minute >= 0, second >= 0 else { return nil }
        guard month >= 1, month <= 12, day >= 1, day <= daysIn(month: month, year: year), hour <= 23,
            minute <= 59, second <= 60
        else { return nil }
        var i = 19
        var millis = 0
        if text[i] == 0x2E {
            i += 1
            let fractionStart = i
            while i < n, text[i] >= 0x30, text[i] <= 0x39 {
                if i - fractionStart < 3 { millis = millis * 10 + Int(text[i] - 0x30) }
                i += 1
            }
            let fractionDigits = i - fractionStart
            guard fractionDigits >= 1 else { return nil }
            if fractionDigits == 1 { millis *= 100 } else if fractionDigits == 2 { millis *= 10 }
        }
        guard i < n else { return nil }
        var offsetMinutes = 0
        if text[i] == 0x5A || text[i] == 0x7A {
            i += 1
        } else if text[i] == 0x2B || text[i] == 0x2D {
            guard i + 6 == n, text[i + 3] == 0x3A else { return nil }
            let oh = digits(p, i + 1, 2)
            let om = digits(p, i + 4, 2)
            guard oh >= 0, om >= 0, oh <= 23, om <= 59 else { return nil }
            offsetMinutes = (oh * 60 + om) * (text[i] == 0x2D ? -1 : 1)
            i += 6
        } else {
            return nil
        }
        guard i == n else { return nil }
        var secondOfMinute = second
        if second == 60 {
            secondOfMinute = 59
            millis = 999
        }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds =
            Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + secondOfMinute)
            - Int64(offsetMinutes * 60)
        return seconds * 1000 + Int64(millis)
    }

    /// The decimal value of the `count` ASCII digits at `p[at...]`, or -1 when one of them is not a digit.
    @inline(__always)
    private static func digits(_ p: UnsafeRawPointer, _ at: Int, _ count: Int) -> Int {
        var value = 0
        var bad = false
        for k in at..<(at &+ count) {
            let d = Int(p.load(fromByteOffset: k, as: UInt8.self)) &- 0x30
            bad = bad || d < 0 || d > 9
            value = value &* 10 &+ d
        }
        return bad ? -1 : value
    }

    /// Days in a month of the proleptic Gregorian calendar.
    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The date of a day counted from 1970-01-01 (Howard Hinnant's `civil_from_days`).
    static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// The UTC calendar month holding `time` (milliseconds since 1970): its first millisecond and the first of the
    /// next month.
    package static func monthSpan(containing time: Int64) -> (start: Int64, end: Int64) {
        var days = time / 86_400_000
        if time % 86_400_000 < 0 { days -= 1 }
        let (year, month, _) = civil(fromDays: Int(days))
        let start = daysFromCivil(year: year, month: month, day: 1)
        let end =
            month == 12
            ? daysFromCivil(year: year + 1, month: 1, day: 1) : daysFromCivil(year: year, month: month + 1, day: 1)
        return (Int64(start) * 86_400_000, Int64(end) * 86_400_000)
    }

    /// `time` (milliseconds since 1970) as RFC 3339 in UTC: `2026-11-26T10:00:00Z`, with `.123` when the
    /// milliseconds are not zero; `lifetime` bounds (`Int64.min`, `Int64.max`) print as `-inf` and `+inf`.
    package static func format(milliseconds time: Int64) -> String {
        if time == .min { return "-inf" }
        if time == .max { return "+inf" }
        var days = time / 86_400_000
        var rest = time % 86_400_000
        if rest < 0 {
            days -= 1
            rest += 86_400_000
        }
        let (year, month, day) = civil(fromDays: Int(days))
        let seconds = Int(rest / 1000)
        let millis = Int(rest % 1000)
        if (0...9999).contains(year) {
            // Digit by digit into the string's own storage: reports format millions of these.
            return String(unsafeUninitializedCapacity: 24) { buffer in
                var k = 0
                func put(_ value: Int, _ width: Int) {
                    var value = value
                    for i in stride(from: width - 1, through: 0, by: -1) {
                        buffer[k + i] = UInt8(48 + value % 10)
                        value /= 10
                    }
                    k += width
                }
                func mark(_ byte: Character) {
                    buffer[k] = byte.asciiValue!
                    k += 1
                }
                put(year, 4)
                mark("-")
                put(month, 2)
                mark("-")
                put(day, 2)
                mark("T")
                put(seconds / 3600, 2)
                mark(":")
                put(seconds / 60 % 60, 2)
                mark(":")
                put(seconds % 60, 2)
                if millis != 0 {
                    mark(".")
                    put(millis, 3)
                }
                mark("Z")
                return k
            }
        }
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        var text =
            "\(year)-\(two(month))-\(two(day))T\(two(seconds / 3600)):\(two(seconds / 60 % 60)):\(two(seconds % 60))"
        if millis != 0 { text += "." + String(String(millis + 1000).dropFirst()) }
        return text + "Z"
    }
}
