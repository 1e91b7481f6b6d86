import DPWallRecords
import Testing

/// The client names' rule (``ClientName``) and the envelope's `client` member, which it checks.
@Suite("Client names")
struct ClientNameTests {
    @Test(
        "printable ASCII, and text in NFC, are names; names differing in case are two names",
        arguments: [
            "Kodak", "kodak", "KODAK", "acme-prod_01.eu:7", "Acme Corp", "spiffe://example/alice", "Jos\u{E9}",
            "\u{141}\u{F3}d\u{17A}", "\u{41A}\u{43E}\u{434}\u{430}\u{43A}", "\u{682A}\u{5F0F}\u{4F1A}\u{793E}",
            "\u{AC00}", "q\u{323}\u{307}", "\u{1F600}", String(repeating: "x", count: 128),
            String(repeating: "\u{E9}", count: 64),
        ])
    func accepted(name: String) {
        #expect(ClientName.problem(name) == nil)
    }

    @Test(
        "spellings that are not NFC are refused: a KELVIN SIGN for K, a decomposed é, Hangul jamo, marks out of order",
        arguments: [
            "\u{212A}odak", "Jose\u{301}", "\u{1100}\u{1161}", "q\u{307}\u{323}", "\u{212B}ngstr\u{F6}m",
            "\u{2126}mega", "e\u{301}\u{301}",
        ])
    func notNFC(name: String) {
        #expect(ClientName.problem(name) == .notNFC)
    }

    @Test(
        "control, format and separator characters, unassigned code points and U+FFFD are refused where they are",
        arguments: [
            ("evil\u{0}x", 0x0, 4), ("wonka\u{0}x", 0x0, 5), ("a\tb", 0x9, 1), ("a\u{7F}", 0x7F, 1),
            ("\u{85}a", 0x85, 0), ("\u{E9}\u{9F}", 0x9F, 2), ("\u{202E}kodak", 0x202E, 0), ("a\u{202A}", 0x202A, 1),
            ("a\u{2066}b", 0x2066, 1), ("a\u{2069}", 0x2069, 1), ("a\u{200E}", 0x200E, 1), ("a\u{200F}", 0x200F, 1),
            ("a\u{61C}", 0x61C, 1), ("Ko\u{200B}dak", 0x200B, 2), ("a\u{200D}", 0x200D, 1),
            ("\u{FEFF}Kodak", 0xFEFF, 0),
            ("a\u{AD}", 0xAD, 1), ("a\u{2028}", 0x2028, 1), ("a\u{2029}", 0x2029, 1), ("a\u{E0041}", 0xE0041, 1),
            ("a\u{FFFD}", 0xFFFD, 1), ("a\u{378}", 0x378, 1),
        ] as [(String, UInt32, Int)])
    func forbiddenCharacters(name: String, codePoint: UInt32, offset: Int) throws {
        let problem = try #require(ClientName.problem(name))
        guard case .forbiddenCharacter(let scalar, _, let byteOffset) = problem else {
            Issue.record("\(problem)")
            return
        }
        #expect(scalar.value == codePoint)
        #expect(byteOffset == offset)
    }

    @Test("noncharacters, empty and over-long names, and bytes that are not UTF-8 are refused")
    func otherRefusals() throws {
        let nonCharacter = String(Character(try #require(Unicode.Scalar(0xFDD0))))
        #expect(ClientName.problem("a" + nonCharacter).map { "\($0)" }?.contains("noncharacter") == true)
        #expect(ClientName.problem("") == .empty)
        #expect(ClientName.problem(String(repeating: "x", count: 129)) == .tooLong(bytes: 129))
        #expect(ClientName.problem(String(repeating: "\u{E9}", count: 65)) == .tooLong(bytes: 130))
        for bytes: [UInt8] in [[0x61, 0xFF], [0xED, 0xA0, 0x80], [0xC0, 0xAF], [0xE2, 0x82]] {
            #expect(bytes.withUnsafeBytes { ClientName.problem(utf8: $0) } == .invalidUTF8)
        }
    }

    /// Every string of up to three characters from a set of look-alikes and combining marks: among those the rule
    /// accepts, two that Swift's `String` finds equal (canonically equivalent) have the same bytes, so a
    /// dictionary in memory and the ledger's byte comparison tell the same clients apart.
    @Test("two accepted names are equal as Strings only when their bytes are equal")
    func equalityIsByteEquality() {
        let pool: [String] = [
            "K", "\u{212A}", "k", "A", "\u{C5}", "\u{212B}", "\u{30A}", "e", "\u{E9}", "\u{301}", "\u{323}", "\u{307}",
            "\u{1E0B}", "d", "\u{1100}", "\u{1161}", "\u{AC00}", "\u{3A9}", "\u{2126}",
        ]
        var names = [""]
        for _ in 0..<3 { names = names.flatMap { prefix in pool.map { prefix + $0 } } }
        var byName: [String: [UInt8]] = [:]
        var accepted = 0
        for name in names where ClientName.problem(name) == nil {
            accepted += 1
            let bytes = Array(name.utf8)
            if let other = byName[name] {
                #expect(other == bytes, "\(ClientName.printable(name)) equals another accepted spelling")
            } else {
                byName[name] = bytes
            }
        }
        #expect(accepted > 1000)
        // The look-alikes themselves: one of each canonically equivalent pair is refused.
        #expect("\u{212A}odak" == "Kodak")
        #expect(ClientName.problem("Kodak") == nil && ClientName.problem("\u{212A}odak") != nil)
    }

    @Test("a name for a message shows what it holds, escaped, and is cut at 64 bytes")
    func printable() {
        #expect(ClientName.printable("\u{212A}odak") == "\\u{212A}odak")
        #expect(ClientName.printable("evil\u{0}x\u{202E}") == "evil\\u{0}x\\u{202E}")
        #expect(ClientName.printable("a\\b") == "a\\u{5C}b")
        #expect(ClientName.printable(String(repeating: "x", count: 100)) == String(repeating: "x", count: 64) + "…")
    }
}

/// The envelope's `client` member follows ``ClientName``: `invalid_field` in its turn, and never named as a client.
@Suite("Envelope client member")
struct EnvelopeClientTests {
    static let tail = #","ts":"2026-11-26T10:00:00Z","model":"m","request":{}}"#

    /// The record `{"id":"r1","client":CLIENT,…}` decoded in trusted mode: its problem (nil when none) and the
    /// envelope as the decoder left it.
    static func decode(client: String, prefix: String = #"{"id":"r1""#, tail: String = tail) throws
        -> (RecordError?, Envelope)
    {
        let decoder = EnvelopeDecoder(passthrough: [], clientRequired: true)
        var envelope = Envelope()
        let problem = try withJSONView(prefix + #","client":"# + client + tail) { view -> RecordError? in
            do throws(RecordError) {
                try decoder.decode(view, into: &envelope)
                return nil
            } catch {
                return error
            }
        }
        return (problem, envelope)
    }

    @Test(
        "NUL, a bidirectional control, a KELVIN SIGN and a decomposed é are invalid_field, escaped or raw",
        arguments: [
            #""evil\u0000x""#, #""wonka\u0000x""#, #""\u202Ekodak""#, "\"\u{202E}kodak\"", #""\u212Aodak""#,
            "\"\u{212A}odak\"", #""Jose\u0301""#, "\"Jose\u{301}\"", #""Kodak\u007F""#, #""Kodak\u0085""#, #""""#,
            "\"" + String(repeating: "x", count: 129) + "\"",
        ])
    func refused(client: String) throws {
        let (problem, envelope) = try Self.decode(client: client)
        #expect(problem?.code == .invalidField)
        #expect(problem?.message.hasPrefix("client: not a valid client name") == true, "\(problem?.message ?? "")")
        // The denial line and the audit entry are written from the envelope: they name no client.
        #expect(envelope.client == -1)
    }

    @Test("names in NFC are accepted as they are, escaped or not; case makes another name")
    func accepted() throws {
        for client in [#""Kodak""#, #""kodak""#, #""Jos\u00e9""#, "\"Jos\u{E9}\"", #""a b""#] {
            let (problem, envelope) = try Self.decode(client: client)
            #expect(problem == nil, "\(client): \(problem?.message ?? "")")
            #expect(envelope.client >= 0)
        }
    }

    @Test("a refused client is named by no denial, even one for an earlier problem; its code keeps the table's order")
    func orderAndNaming() throws {
        // missing_field comes first, and the record names no client.
        var (problem, envelope) = try Self.decode(client: #""evil\u0000x""#, prefix: "{\"x\":1")
        #expect(problem?.code == .missingField)
        #expect(envelope.client == -1)
        // An unknown field comes after invalid_field.
        (problem, envelope) = try Self.decode(
            client: #""evil\u0000x""#, tail: #","ts":"2026-11-26T10:00:00Z","model":"m","request":{},"zz":1}"#)
        #expect(problem?.code == .invalidField)
        // In trusted mode a refused client is not a missing one.
        (problem, _) = try Self.decode(client: #""\u202E""#)
        #expect(problem?.message.contains("U+202E") == true)
    }
}
