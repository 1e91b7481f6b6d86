import DPWallRecords
import Foundation
import Testing

/// RFC 3339 timestamps with offsets, to the millisecond, checked against Foundation's parser.
@Suite struct EventTimeTests {
    static func millis(_ text: String) -> Int64? {
        Array(text.utf8).withUnsafeBytes { EventTime.parseMilliseconds($0) }
    }

    @Test(arguments: [
        ("1970-01-01T00:00:00Z", 0), ("2026-11-26T10:00:00.123Z", 1_795_687_200_123),
        ("2026-11-26T11:00:00.123+01:00", 1_795_687_200_123), ("2026-11-26T05:30:00.1-04:30", 1_795_687_200_100),
        ("2024-02-29T23:59:59.999999Z", 1_709_251_199_999), ("1969-12-31T23:59:59Z", -1000),
        ("2026-11-26t10:00:00z", 1_795_687_200_000), ("2016-12-31T23:59:60Z", 1_483_228_799_999),
    ])
    func parses(_ text: String, _ expected: Int64) {
        #expect(Self.millis(text) == expected, "\(text)")
    }

    @Test(arguments: [
        "2026-11-26T10:00:00", "2026-11-26 10:00:00Z", "2026-02-30T00:00:00Z", "2023-02-29T00:00:00Z",
        "2026-13-01T00:00:00Z", "2026-11-26T24:00:00Z", "2026-11-26T10:60:00Z", "2026-11-26T10:00:00.Z",
        "2026-11-26T10:00:00+0100", "2026-11-26T10:00:00+24:00", "yesterday", "", "2026-11-26T10:00:00Zjunk",
        "+2026-11-26T10:00:00Z",
    ])
    func rejects(_ text: String) {
        #expect(Self.millis(text) == nil, "\(text)")
    }

    /// Every byte of a valid timestamp matters: replaced by a byte just outside the digits (`/`, `:`), a letter or
    /// a digit (where the byte is not a digit), the text is refused.
    @Test func everyByteIsChecked() {
        let valid = Array("2026-11-26T10:00:00.123+01:00".utf8)
        #expect(valid.withUnsafeBytes { EventTime.parseMilliseconds($0) } != nil)
        for position in valid.indices {
            let isDigit = (0x30...0x39).contains(valid[position])
            for replacement in [UInt8(ascii: "/"), UInt8(ascii: ":"), UInt8(ascii: "x")] + (isDigit ? [] : [0x35])
            where replacement != valid[position] {
                var text = valid
                text[position] = replacement
                let parsed = text.withUnsafeBytes { EventTime.parseMilliseconds($0) }
                #expect(parsed == nil, "\(String(decoding: text, as: UTF8.self))")
            }
        }
    }

    @Test func agreesWithFoundationOnRandomInstants() throws {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var state: UInt64 = 7
        for _ in 0..<2000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let millis = Int64(state >> 24) % 6_000_000_000_000 - 1_000_000_000_000
            let text = formatter.string(from: Date(timeIntervalSince1970: Double(millis) / 1000))
            #expect(Self.millis(text) == millis, "\(text)")
        }
    }
}
