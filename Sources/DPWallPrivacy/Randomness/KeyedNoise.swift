internal import Crypto

/// Consistent noise (`--noise-key`, privacy.md "Randomness"): the generator of one released row is keyed with
/// `HMAC-SHA256(key, client ‖ model ‖ output name ‖ row index ‖ SHA-256(request) ‖ SHA-256(raw output row))`.
///
/// The same question with the same raw answer gets the same released answer, so repeating it averages nothing
/// away; any other content gets independent noise. Each string is prefixed with its length (8 bytes, little
/// endian), so no two different tuples share an encoding.
public struct KeyedNoise: Sendable {
    private let key: SymmetricKey

    /// The size of a noise key file, in bytes.
    public static let keyBytes = 32

    /// Uses `key` (``keyBytes`` random bytes from `dpwall keygen --noise-key`).
    public init(key: [UInt8]) {
        precondition(key.count == Self.keyBytes, "a noise key is 32 bytes")
        self.key = SymmetricKey(data: key)
    }

    /// SHA-256 of `bytes`: the request digest the seed takes.
    public static func digest(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        Array(SHA256.hash(data: bytes))
    }

    /// The generator for row `row` of output `output`; `rawRow` is the model's raw output row (before clamping),
    /// hashed as little-endian binary64 values.
    public func generator(
        client: String, model: String, output: String, row: Int, requestDigest: [UInt8],
        rawRow: UnsafeBufferPointer<Double>
    ) -> KeystreamGenerator {
        var rowHash = SHA256()
        for value in rawRow {
            withUnsafeBytes(of: value.bitPattern.littleEndian) { rowHash.update(bufferPointer: $0) }
        }
        var mac = HMAC<SHA256>(key: key)
        for field in [client, model, output] {
            let bytes = Array(field.utf8)
            withUnsafeBytes(of: UInt64(bytes.count).littleEndian) { mac.update(data: $0) }
            bytes.withUnsafeBytes { mac.update(data: $0) }
        }
        withUnsafeBytes(of: UInt64(row).littleEndian) { mac.update(data: $0) }
        mac.update(data: requestDigest)
        mac.update(data: Array(rowHash.finalize()))
        return KeystreamGenerator(key: Array(mac.finalize()))
    }
}
