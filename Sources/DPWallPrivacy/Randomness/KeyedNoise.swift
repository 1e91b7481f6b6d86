internal import Crypto

/// Consistent noise (`--noise-key`, privacy.md "Randomness"): the generator of one released row is keyed with
/// `HMAC-SHA256(key, client ‖ model ‖ output name ‖ row index ‖ SHA-256(request) ‖ SHA-256(raw output row))`.
///
/// The same question with the same raw answer gets the same released answer, so repeating it averages nothing
/// away; any other content gets independent noise. Each string is prefixed with its length (8 bytes, little
/// endian), so no two different tuples share an encoding.
public struct KeyedNoise: Sendable {
    /// HMAC-SHA256 already keyed: each row copies it (a value) instead of redoing the key schedule.
    private let keyed: HMAC<SHA256>

    /// The size of a noise key file, in bytes.
    public static let keyBytes = 32

    /// Uses `key` (``keyBytes`` random bytes from `dpwall keygen --noise-key`).
    public init(key: [UInt8]) {
        precondition(key.count == Self.keyBytes, "a noise key is 32 bytes")
        keyed = HMAC<SHA256>(key: SymmetricKey(data: key))
    }

    /// `HMAC-SHA256(key, "dpwall ledger context v1")`: names the key in the ledger's content digests without
    /// revealing it, so a repeat is answered without a new charge only under the key that answered it first.
    public var fingerprint: [UInt8] {
        var mac = keyed
        mac.update(data: Array("dpwall ledger context v1".utf8))
        return Array(mac.finalize())
    }

    /// SHA-256 of `bytes`: the request digest the seed takes.
    public static func digest(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        Array(SHA256.hash(data: bytes))
    }

    /// Calls `body` with the SHA-256 of `bytes`, without allocating (the pipeline hashes several bodies per record).
    public static func withDigest<R>(_ bytes: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        SHA256.hash(data: bytes).withUnsafeBytes(body)
    }

    /// The generator for row `row` of output `output`; `rawRow` is the model's raw output row (before clamping),
    /// hashed as little-endian binary64 values.
    ///
    /// The message is assembled in one buffer and authenticated in one call: swift-crypto's generic `update`
    /// costs a metadata lookup per call, which dominated when each field was fed separately.
    public func generator(
        client: String, model: String, output: String, row: Int, requestDigest: [UInt8],
        rawRow: UnsafeBufferPointer<Double>
    ) -> KeystreamGenerator {
        var message: [UInt8] = []
        message.reserveCapacity(client.utf8.count + model.utf8.count + output.utf8.count + 96)
        func append(_ word: UInt64) {
            withUnsafeBytes(of: word.littleEndian) { message.append(contentsOf: $0) }
        }
        for field in [client, model, output] {
            append(UInt64(field.utf8.count))
            message.append(contentsOf: field.utf8)
        }
        append(UInt64(row))
        message.append(contentsOf: requestDigest)
        #if _endian(little)
            let rowDigest = SHA256.hash(data: UnsafeRawBufferPointer(rawRow))
        #else
            let rowDigest = SHA256.hash(
                data: rawRow.flatMap { value in withUnsafeBytes(of: value.bitPattern.littleEndian, Array.init) })
        #endif
        message.append(contentsOf: rowDigest)
        var mac = keyed
        message.withUnsafeBytes { mac.update(data: $0) }
        return KeystreamGenerator(key: Array(mac.finalize()))
    }
}
