import DPWallRecords
import Foundation
import Testing

/// The JSONTestSuite corpus (nst/JSONTestSuite, MIT; see Fixtures/JSONTestSuite/ORIGIN.md).
@Suite struct JSONTestSuiteTests {
    /// What dpwall's parser does with each implementation-defined (`i_`) case: nil means accepted.
    static let implementationDefined: [String: DenialCode?] = [
        // Huge or tiny numbers are valid JSON; double() gives ±infinity or 0 and the record layer decides.
        "i_number_double_huge_neg_exp.json": nil,
        "i_number_huge_exp.json": nil,
        "i_number_neg_int_huge_exp.json": nil,
        "i_number_pos_double_huge_exp.json": nil,
        "i_number_real_neg_overflow.json": nil,
        "i_number_real_pos_overflow.json": nil,
        "i_number_real_underflow.json": nil,
        "i_number_too_big_neg_int.json": nil,
        "i_number_too_big_pos_int.json": nil,
        "i_number_very_big_negative_int.json": nil,
        // Lone or mis-paired surrogate escapes are invalid_utf8 (records.md).
        "i_object_key_lone_2nd_surrogate.json": .invalidUTF8,
        "i_string_1st_surrogate_but_2nd_missing.json": .invalidUTF8,
        "i_string_1st_valid_surrogate_2nd_invalid.json": .invalidUTF8,
        "i_string_incomplete_surrogate_and_escape_valid.json": .invalidUTF8,
        "i_string_incomplete_surrogate_pair.json": .invalidUTF8,
        "i_string_incomplete_surrogates_escape_valid.json": .invalidUTF8,
        "i_string_invalid_lonely_surrogate.json": .invalidUTF8,
        "i_string_invalid_surrogate.json": .invalidUTF8,
        "i_string_inverted_surrogates_U+1D11E.json": .invalidUTF8,
        "i_string_lone_second_surrogate.json": .invalidUTF8,
        // Bytes that are not UTF-8 (other encodings, overlongs, encoded surrogates, beyond U+10FFFF, truncation).
        "i_string_UTF-16LE_with_BOM.json": .invalidUTF8,
        "i_string_UTF-8_invalid_sequence.json": .invalidUTF8,
        "i_string_UTF8_surrogate_U+D800.json": .invalidUTF8,
        "i_string_invalid_utf-8.json": .invalidUTF8,
        "i_string_iso_latin_1.json": .invalidUTF8,
        "i_string_lone_utf8_continuation_byte.json": .invalidUTF8,
        "i_string_not_in_unicode_range.json": .invalidUTF8,
        "i_string_overlong_sequence_2_bytes.json": .invalidUTF8,
        "i_string_overlong_sequence_6_bytes.json": .invalidUTF8,
        "i_string_overlong_sequence_6_bytes_null.json": .invalidUTF8,
        "i_string_truncated-utf-8.json": .invalidUTF8,
        "i_string_utf16BE_no_BOM.json": .invalidUTF8,
        "i_string_utf16LE_no_BOM.json": .invalidUTF8,
        // Structure: deeper than max_depth 64; a byte order mark is not JSON whitespace.
        "i_structure_500_nested_arrays.json": .malformedJSON,
        "i_structure_UTF-8_BOM_empty_object.json": .malformedJSON,
    ]

    /// The `y_` files that are valid RFC 8259 but that dpwall rejects by its spec (records.md: no object may repeat
    /// a key, since parsers disagree on which wins).
    static let validButDenied: [String: DenialCode] = [
        "y_object_duplicated_key.json": .duplicateKey,
        "y_object_duplicated_key_and_value.json": .duplicateKey,
    ]

    /// The `n_` files whose rejection must be `non_finite` specifically.
    static let nonFinite: Set<String> = [
        "n_number_NaN.json", "n_number_-NaN.json", "n_number_infinity.json", "n_number_minus_infinity.json",
    ]

    /// The corpus directory inside the test bundle.
    static func directory() throws -> URL {
        let fixtures = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        return fixtures.appendingPathComponent("JSONTestSuite")
    }

    /// The names of the corpus files starting with `prefix`, sorted.
    static func files(_ prefix: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory().path)
            .filter { $0.hasPrefix(prefix) && $0.hasSuffix(".json") }
            .sorted()
    }

    /// The bytes of one corpus file.
    static func contents(_ name: String) throws -> [UInt8] {
        try Array(Data(contentsOf: directory().appendingPathComponent(name)))
    }

    @Test func corpusIsComplete() throws {
        #expect(try Self.files("y_").count == 95)
        #expect(try Self.files("n_").count == 188)
        #expect(try Self.files("i_").count == 35)
    }

    @Test func acceptsEveryYFileButDuplicateKeys() throws {
        for name in try Self.files("y_") {
            switch (parseJSON(try Self.contents(name)), Self.validButDenied[name]) {
            case (.success, nil):
                break
            case (.success, let code?):
                Issue.record("\(name) accepted, expected \(code)")
            case (.failure(let error), nil):
                Issue.record("\(name) rejected: \(error)")
            case (.failure(let error), let code?):
                #expect(error.code == code, "\(name): \(error)")
            }
        }
    }

    @Test func rejectsEveryNFileWithAJSONCode() throws {
        let codes: Set<DenialCode> = [.invalidUTF8, .nonFinite, .malformedJSON, .duplicateKey]
        for name in try Self.files("n_") {
            switch parseJSON(try Self.contents(name)) {
            case .success:
                Issue.record("\(name) accepted")
            case .failure(let error):
                #expect(codes.contains(error.code), "\(name): \(error)")
                #expect(error.message.contains("at byte \(error.offset)"), "\(name): \(error)")
                if Self.nonFinite.contains(name) {
                    #expect(error.code == .nonFinite, "\(name): \(error)")
                } else {
                    #expect(error.code != .nonFinite, "\(name): \(error)")
                }
            }
        }
    }

    @Test func everyIFileHasItsExpectedOutcome() throws {
        let names = try Self.files("i_")
        for name in names {
            guard let expected = Self.implementationDefined[name] else {
                Issue.record("\(name) is not in the table of expected outcomes")
                continue
            }
            switch (parseJSON(try Self.contents(name)), expected) {
            case (.success, nil):
                break
            case (.success, let code?):
                Issue.record("\(name) accepted, expected \(code)")
            case (.failure(let error), nil):
                Issue.record("\(name) rejected (\(error)), expected acceptance")
            case (.failure(let error), let code?):
                #expect(error.code == code, "\(name): \(error)")
            }
        }
        #expect(Set(names) == Set(Self.implementationDefined.keys))
    }

    @Test func hugeNumbersConvertToInfinityOrZero() throws {
        let cases: [(String, Double)] = [
            ("i_number_double_huge_neg_exp.json", 0),
            ("i_number_huge_exp.json", .infinity),
            ("i_number_neg_int_huge_exp.json", -.infinity),
            ("i_number_pos_double_huge_exp.json", .infinity),
            ("i_number_real_neg_overflow.json", -.infinity),
            ("i_number_real_pos_overflow.json", .infinity),
            ("i_number_real_underflow.json", 0),
        ]
        for (name, expected) in cases {
            let bytes = try Self.contents(name)
            var parser = JSONParser()
            let value = try bytes.withUnsafeBytes { buffer in
                try parser.parse(buffer)
                return parser.nodes.withUnsafeBufferPointer { JSONView(nodes: $0, bytes: buffer).double(1) }
            }
            #expect(value == expected, "\(name)")
        }
    }
}
