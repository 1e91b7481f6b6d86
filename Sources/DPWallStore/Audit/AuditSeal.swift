internal import Crypto
import Foundation

/// The seal of one data frame of an audit segment (audit.md, "Seals and the chain"), written in a skippable frame
/// right after it.
///
/// `chain = SHA-256(prev ‖ sha256 ‖ first ‖ last)`, with `first` and `last` as 8-byte big-endian integers and
/// `prev` the previous seal's `chain` (32 zero bytes before the first seal of an archive). With a signing key,
/// `sig` is the Ed25519 signature of `chain`.
public struct AuditSeal: Sendable, Equatable {
    /// The segment's file name.
    public var segment: String
    /// The data frame's index in the segment (0-based, counting data frames only).
    public var frame: Int
    /// The first and last `seq` of the frame's entries, and how many entries it holds.
    public var first: UInt64, last: UInt64, entries: Int
    /// SHA-256 of the frame's uncompressed bytes.
    public var sha256: [UInt8]
    /// SHA-256 of the frame's compressed bytes as stored: a flipped bit that zstd would decode to the same content
    /// is still named (storage corruption shows even where the content survives).
    public var stored: [UInt8]?
    /// The previous seal's chain, and this seal's.
    public var prev: [UInt8], chain: [UInt8]
    /// The Ed25519 signature of `chain`, when the archive is signed.
    public var signature: [UInt8]?
    /// The event times (milliseconds since 1970) of the frame's earliest and latest entries, when any has one:
    /// `audit cat --since/--until` skips the frames outside its range (verify checks every entry against them).
    public var from: Int64?, to: Int64?
    /// The ledger's next `seq` as of its last commit when the seal was written (absent in seals written before
    /// ledger schema v5): the entries before it were committed, so a ledger whose anchor is behind the largest
    /// `committed` of the archive is older than its archive (rolled back, restored from a copy, or replaced).
    /// The chain covers it.
    public var committed: UInt64?
    /// Whether this is a recovery seal (audit.md, "Durability and crashes"): the first frame of a segment, written
    /// by a run that resumed after a crash. It seals the previous segment's crash tail (`segment` and `frame` name
    /// it; `entries` 0 when there was none), and its `committed` says that the entries from there to `last` were
    /// written but never committed, so their lines were never released.
    public var isRecovery = false

    /// The members a seal may have: any other makes it unreadable (a renamed key is an alteration).
    static let keys: Set<String> = [
        "segment", "frame", "first", "last", "entries", "sha256", "prev", "chain", "sig", "from", "to",
        "stored_sha256", "committed", "recovery",
    ]

    /// The genesis `prev`: 32 zero bytes.
    public static let genesis = [UInt8](repeating: 0, count: 32)

    /// `SHA-256(prev ‖ sha256 ‖ first ‖ last)`.
    public static func chain(prev: [UInt8], sha256: [UInt8], first: UInt64, last: UInt64) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: prev)
        hasher.update(data: sha256)
        withUnsafeBytes(of: first.bigEndian) { hasher.update(bufferPointer: $0) }
        withUnsafeBytes(of: last.bigEndian) { hasher.update(bufferPointer: $0) }
        return Array(hasher.finalize())
    }

    /// The chain of a seal with `committed`: `SHA-256(prev ‖ sha256 ‖ first ‖ last ‖ committed)`, `committed` as
    /// an 8-byte big-endian integer, so that it cannot be changed without breaking the chain; without it (a seal
    /// written before ledger schema v5), the chain above.
    public static func chain(prev: [UInt8], sha256: [UInt8], first: UInt64, last: UInt64, committed: UInt64?)
        -> [UInt8]
    {
        guard let committed else { return chain(prev: prev, sha256: sha256, first: first, last: last) }
        var hasher = SHA256()
        hasher.update(data: prev)
        hasher.update(data: sha256)
        withUnsafeBytes(of: first.bigEndian) { hasher.update(bufferPointer: $0) }
        withUnsafeBytes(of: last.bigEndian) { hasher.update(bufferPointer: $0) }
        withUnsafeBytes(of: committed.bigEndian) { hasher.update(bufferPointer: $0) }
        return Array(hasher.finalize())
    }

    /// This seal's chain as its members compute it.
    public var computedChain: [UInt8] {
        Self.chain(prev: prev, sha256: sha256, first: first, last: last, committed: committed)
    }

    /// The seal as written: one JSON object.
    public var json: [UInt8] {
        var text = "{\"segment\":\"\(segment)\",\"frame\":\(frame),\"first\":\(first),\"last\":\(last),"
        text += "\"entries\":\(entries),\"sha256\":\"\(Hex.encode(sha256))\",\"prev\":\"\(Hex.encode(prev))\","
        text += "\"chain\":\"\(Hex.encode(chain))\""
        if let from, let to { text += ",\"from\":\(from),\"to\":\(to)" }
        if let stored { text += ",\"stored_sha256\":\"\(Hex.encode(stored))\"" }
        if let committed { text += ",\"committed\":\(committed)" }
        if isRecovery { text += ",\"recovery\":true" }
        if let signature { text += ",\"sig\":\"\(Hex.encode(signature))\"" }
        return Array((text + "}").utf8)
    }

    /// Reads a seal written by ``json``; nil when it is not one, byte for byte.
    public init?(json bytes: some Collection<UInt8>) {
        guard
            let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
            Set(object.keys).isSubset(of: Self.keys),
            let segment = object["segment"] as? String, let frame = (object["frame"] as? NSNumber)?.intValue,
            let first = (object["first"] as? NSNumber)?.uint64Value,
            let last = (object["last"] as? NSNumber)?.uint64Value,
            let entries = (object["entries"] as? NSNumber)?.intValue,
            let sha256 = (object["sha256"] as? String).flatMap(Hex.decode), sha256.count == 32,
            let prev = (object["prev"] as? String).flatMap(Hex.decode), prev.count == 32,
            let chain = (object["chain"] as? String).flatMap(Hex.decode), chain.count == 32
        else { return nil }
        var signature: [UInt8]?
        if let text = object["sig"] {
            guard let decoded = (text as? String).flatMap(Hex.decode) else { return nil }
            signature = decoded
        }
        self.init(
            segment: segment, frame: frame, first: first, last: last, entries: entries, sha256: sha256, prev: prev,
            chain: chain, signature: signature)
        from = (object["from"] as? NSNumber)?.int64Value
        to = (object["to"] as? NSNumber)?.int64Value
        if let text = object["stored_sha256"] {
            guard let decoded = (text as? String).flatMap(Hex.decode), decoded.count == 32 else { return nil }
            stored = decoded
        }
        if let value = object["committed"] {
            guard let number = value as? NSNumber else { return nil }
            committed = number.uint64Value
        }
        if let value = object["recovery"] {
            // `true` only, and only with `committed`: a recovery seal without it would mark nothing.
            guard (value as? Bool) == true, committed != nil else { return nil }
            isRecovery = true
        }
        // Only the writer's exact bytes: a JSON reader takes `1.004e3` for 1004, `1e20` for a wrapped integer, a
        // duplicate member, `\u` escapes or spaces as the same seal, and each of those is an alteration too.
        guard json.elementsEqual(bytes) else { return nil }
    }

    /// A seal from its parts.
    public init(
        segment: String, frame: Int, first: UInt64, last: UInt64, entries: Int, sha256: [UInt8], prev: [UInt8],
        chain: [UInt8], signature: [UInt8]?
    ) {
        self.segment = segment
        self.frame = frame
        self.first = first
        self.last = last
        self.entries = entries
        self.sha256 = sha256
        self.prev = prev
        self.chain = chain
        self.signature = signature
    }
}

/// Lower-case hexadecimal.
public enum Hex {
    /// `bytes` as lower-case hex.
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes of `text` (lower-case hex digits, even length), or nil.
    public static func decode(_ text: String) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        func value(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: c - 0x30
            case 0x61...0x66: c - 0x61 + 10
            default: nil  // lower case only, as written: a case flip is an alteration
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count / 2)
        var i = 0
        while i < utf8.count {
            guard let high = value(utf8[i]), let low = value(utf8[i + 1]) else { return nil }
            out.append(high << 4 | low)
            i += 2
        }
        return out
    }
}

/// Ed25519 keys of the audit signatures (swift-crypto).
public enum AuditSigning {
    /// The public key (32 bytes) of the private key `seed` (32 bytes), or nil when it is not one.
    public static func publicKey(privateKey seed: [UInt8]) -> [UInt8]? {
        (try? Curve25519.Signing.PrivateKey(rawRepresentation: seed)).map { Array($0.publicKey.rawRepresentation) }
    }
}
