/// The rule a client name obeys wherever it enters dpwall (docs/auth.md, "Client names"): a record's `client`
/// member, a credential's subject (a token's client claim, a certificate's name), the policy's names, and the
/// command line.
///
/// A client is one exact byte string everywhere. Swift's `String` compares and hashes by Unicode canonical
/// equivalence, SQLite by bytes: two spellings of one text (`"\u{212A}odak"`, with KELVIN SIGN, and `"Kodak"`) would
/// be one client in memory and two in the ledger. Nothing is normalized silently; instead a name must already be in
/// Normalization Form C (NFC), so that two accepted names are canonically equivalent only when their bytes are
/// equal, and `==` on `String` agrees with the ledger's byte comparison. Names that differ in case are different
/// clients.
///
/// A name is 1–``maxBytes`` bytes of UTF-8 in NFC, without
/// - control characters (C0, DEL, C1; NUL among them),
/// - format characters (Unicode category Cf: the bidirectional controls, zero-width characters, the byte-order
///   mark and the other invisible ones), line and paragraph separators,
/// - unassigned code points and noncharacters (Unicode keeps NFC stable only for assigned characters), and the
///   replacement character U+FFFD (what bytes that were not UTF-8 become).
///
/// The policy's tier and model names follow the same rule. NFC is judged by the Swift runtime's own Unicode
/// tables, the ones its `String` comparison uses.
package enum ClientName {
    /// The longest name, in bytes of UTF-8.
    package static let maxBytes = 128

    /// Why `name` is not a valid client name, or nil when it is.
    package static func problem(_ name: String) -> Problem? {
        var name = name
        return name.withUTF8 { problem(utf8: UnsafeRawBufferPointer($0)) }
    }

    /// Why the bytes `utf8` are not a valid client name, or nil when they are.
    ///
    /// Printable ASCII, the common case, costs one pass over the bytes and nothing else.
    @inline(__always)
    package static func problem(utf8 bytes: UnsafeRawBufferPointer) -> Problem? {
        guard !bytes.isEmpty else { return .empty }
        guard bytes.count <= maxBytes else { return .tooLong(bytes: bytes.count) }
        for byte in bytes where byte < 0x20 || byte >= 0x7F {
            return problemBeyondPrintableASCII(bytes)
        }
        return nil
    }

    /// The check of a name holding a byte outside printable ASCII: a control character, or text beyond ASCII.
    @inline(never)
    private static func problemBeyondPrintableASCII(_ bytes: UnsafeRawBufferPointer) -> Problem? {
        guard let name = String(validating: bytes, as: UTF8.self) else { return .invalidUTF8 }
        var offset = 0
        for scalar in name.unicodeScalars {
            if let kind = ForbiddenKind(scalar) { return .forbiddenCharacter(scalar, kind, byteOffset: offset) }
            offset += UTF8.width(scalar)
        }
        return isNFC(name) ? nil : .notNFC
    }

    /// Whether `name` is in NFC by the Swift runtime's Unicode tables: the quick check first (exact when it says
    /// yes), then a comparison with the normalized bytes.
    private static func isNFC(_ name: String) -> Bool {
        if #available(macOS 26, *) {
            var span = name.utf8Span
            return span.checkForNFC(quickCheck: true) || span.checkForNFC(quickCheck: false)
        }
        // Before macOS 26 (no `UTF8Span`): the same normalization that `checkForNFC(quickCheck: false)` compares with.
        return name.utf8.elementsEqual(name._nfcCodeUnits)
    }

    /// A name for a message, with every character outside printable ASCII (and the backslash) written as `\u{…}`,
    /// so that a refused name shows what it holds and cannot reorder or hide text on a terminal; cut at 64 bytes.
    package static func printable(_ name: String) -> String {
        var out = ""
        for scalar in name.unicodeScalars {
            if out.utf8.count >= 64 {
                out += "…"
                break
            }
            if scalar.value >= 0x20 && scalar.value < 0x7F && scalar != "\\" {
                out.unicodeScalars.append(scalar)
            } else {
                out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            }
        }
        return out
    }
}

extension ClientName {
    /// Why a name is refused.
    package enum Problem: Equatable, Sendable, CustomStringConvertible {
        /// No bytes at all.
        case empty
        /// Longer than ``ClientName/maxBytes``.
        case tooLong(bytes: Int)
        /// Bytes that are not UTF-8.
        case invalidUTF8
        /// A character no name may hold, at this byte offset.
        case forbiddenCharacter(Unicode.Scalar, ForbiddenKind, byteOffset: Int)
        /// Not in Normalization Form C.
        case notNFC

        /// The problem as a clause for a message: "it holds U+0000 (a control character) at byte 5".
        package var description: String {
            switch self {
            case .empty:
                "it is empty"
            case .tooLong(let bytes):
                "it is \(bytes) bytes long, more than \(ClientName.maxBytes)"
            case .invalidUTF8:
                "it is not UTF-8"
            case .forbiddenCharacter(let scalar, let kind, let offset):
                "it holds \(Self.codePoint(scalar)) (\(kind)) at byte \(offset)"
            case .notNFC:
                "it is not in Unicode Normalization Form C (NFC), and names are compared byte for byte: "
                    + "write it precomposed"
            }
        }

        /// `U+00E9`: a code point as Unicode writes it.
        static func codePoint(_ scalar: Unicode.Scalar) -> String {
            let hex = String(scalar.value, radix: 16, uppercase: true)
            return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        }
    }

    /// The kinds of character a name may not hold.
    package enum ForbiddenKind: Equatable, Sendable, CustomStringConvertible {
        /// C0, DEL and C1 controls (category Cc), NUL among them.
        case control
        /// Invisible format characters (category Cf): bidirectional controls, zero-width characters, the BOM.
        case format
        /// U+2028 and U+2029 (categories Zl, Zp).
        case separator
        /// Unassigned code points and noncharacters (category Cn).
        case unassigned
        /// U+FFFD, which stands for bytes that were not UTF-8.
        case replacement

        /// The kind of `scalar`, or nil when a name may hold it.
        package init?(_ scalar: Unicode.Scalar) {
            if scalar == "\u{FFFD}" {
                self = .replacement
                return
            }
            switch scalar.properties.generalCategory {
            case .control: self = .control
            case .format: self = .format
            case .lineSeparator, .paragraphSeparator: self = .separator
            case .unassigned, .surrogate: self = .unassigned
            default: return nil
            }
        }

        package var description: String {
            switch self {
            case .control: "a control character"
            case .format: "an invisible format character, such as a bidirectional control or a zero-width space"
            case .separator: "a line or paragraph separator"
            case .unassigned: "an unassigned code point or a noncharacter"
            case .replacement: "the replacement character, a stand-in for bytes that were not UTF-8"
            }
        }
    }
}
