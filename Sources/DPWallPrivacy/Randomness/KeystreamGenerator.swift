internal import CSysRandom
internal import Crypto
internal import CryptoExtras
import Foundation

/// The generator of all noise on the release path: the AES-256-CTR keystream of swift-crypto (BoringSSL), with
/// fast key erasure and, for the default generator, regular reseeding from the operating system.
///
/// Each refill encrypts a zero buffer under the current key and a zero nonce; the first 32 bytes of the
/// keystream become the next key and the rest is output (Bernstein, "Fast-key-erasure random-number
/// generators", 2017), so a key is used once and a captured state reveals nothing already produced. No cipher
/// is written here, and neither Swift's default generator nor `Double.random` is used.
///
/// The generator is non-copyable: a copy would repeat its stream, and repeated noise is averaged away.
///
/// Three ways to key it: ``init(entropy:)`` (the default: 32 bytes from `getrandom`, and 32 fresh ones mixed in
/// every ``reseedInterval`` bytes), ``init(key:)`` (deterministic, for keyed consistent noise; never reseeded),
/// and ``init(testSeed:)`` (`--seed`).
public struct KeystreamGenerator: ~Copyable {
    /// The operating system's random bytes; throws ``RandomnessError`` when the kernel refuses.
    public typealias Entropy = (inout [UInt8]) throws -> Void

    /// Bytes of output between two reseeds of the default generator (64 MiB).
    public static let reseedInterval = 64 << 20
    /// The largest refill, in bytes; the first refill is small, so a generator used for one row stays cheap.
    static let largestChunk = 64 << 10

    private var key: [UInt8]
    /// The keystream, consumed 32 bits at a time.
    private var buffer: UnsafeMutablePointer<UInt32>
    /// The buffer's size, in 32-bit words: it grows with the refills, so a generator used for one short row
    /// (consistent noise) allocates a few hundred bytes, not 64 KiB.
    private var capacity: Int
    private var index = 0
    private var available = 0
    /// Single bits (signs), taken from one 64-bit word at a time.
    private var bits: UInt64 = 0
    private var bitsLeft = 0
    /// A zero buffer: the plaintext the keystream is the encryption of.
    private var zeros: Data
    private var chunkBytes: Int
    private var sinceReseed = 0
    private let entropy: Entropy?

    /// The default generator: keyed and reseeded from `entropy` (`getrandom(2)` unless a test injects another).
    public init(entropy: @escaping Entropy = KeystreamGenerator.operatingSystemEntropy) throws {
        var seed = [UInt8](repeating: 0, count: 32)
        try entropy(&seed)
        self.init(key: seed, firstChunk: 4096, entropy: entropy)
    }

    /// A deterministic generator from a 32-byte key (consistent noise: the key is an HMAC of the question).
    public init(key: [UInt8]) {
        precondition(key.count == 32, "a generator key is 32 bytes")
        self.init(key: key, firstChunk: 256, entropy: nil)
    }

    /// A deterministic generator for tests and demos (`--seed N`): keyed with SHA-256 of the seed and a stream
    /// number (the pipeline uses one stream per record, so the output does not depend on the threads).
    public init(testSeed: UInt64, stream: UInt64 = 0) {
        var digest = SHA256()
        digest.update(data: Array("dpwall --seed".utf8))
        withUnsafeBytes(of: testSeed.littleEndian) { digest.update(bufferPointer: $0) }
        withUnsafeBytes(of: stream.littleEndian) { digest.update(bufferPointer: $0) }
        self.init(key: Array(digest.finalize()), firstChunk: 4096, entropy: nil)
    }

    private init(key: [UInt8], firstChunk: Int, entropy: Entropy?) {
        self.key = key
        self.entropy = entropy
        chunkBytes = firstChunk
        capacity = firstChunk / 4
        buffer = .allocate(capacity: capacity)
        zeros = Data(count: firstChunk + 32)
    }

    deinit {
        buffer.update(repeating: 0, count: capacity)
        buffer.deallocate()
    }

    /// The next 32 uniformly random bits.
    @inline(__always)
    public mutating func next32() -> UInt32 {
        if index == available { refill() }
        let word = buffer[index]
        index += 1
        return word
    }

    /// The next 64 uniformly random bits.
    @inline(__always)
    public mutating func next64() -> UInt64 {
        UInt64(next32()) << 32 | UInt64(next32())
    }

    /// One uniformly random bit.
    @inline(__always)
    public mutating func nextBit() -> Bool {
        if bitsLeft == 0 {
            bits = next64()
            bitsLeft = 64
        }
        let bit = bits & 1 == 1
        bits >>= 1
        bitsLeft -= 1
        return bit
    }

    /// Reads `getrandom(2)` (or `getentropy(3)`), the default ``Entropy``.
    public static func operatingSystemEntropy(_ bytes: inout [UInt8]) throws {
        let count = bytes.count
        let status = bytes.withUnsafeMutableBytes { dpwall_os_random($0.baseAddress, count) }
        guard status == 0 else { throw RandomnessError(errno: status) }
    }

    private mutating func refill() {
        if let entropy, sinceReseed >= Self.reseedInterval {
            var fresh = [UInt8](repeating: 0, count: 32)
            // A failed reseed keeps the current (still secret, never reused) key: the stream stays secure, only
            // without the new entropy; the next refill tries again.
            if (try? entropy(&fresh)) != nil {
                for k in 0..<32 { key[k] ^= fresh[k] }
                sinceReseed = 0
            }
        }
        if chunkBytes / 4 > capacity {
            buffer.update(repeating: 0, count: capacity)
            buffer.deallocate()
            capacity = chunkBytes / 4
            buffer = .allocate(capacity: capacity)
            zeros = Data(count: chunkBytes + 32)
        }
        // The nonce can be constant: every key encrypts exactly one buffer.
        var stream: Data
        do {
            stream = try AES._CTR.encrypt(
                zeros.prefix(chunkBytes + 32), using: SymmetricKey(data: key),
                nonce: try AES._CTR.Nonce(nonceBytes: [UInt8](repeating: 0, count: 12)))
        } catch {
            // Only a key or nonce of the wrong size can fail, and both are fixed here.
            fatalError("AES-CTR refused a 32-byte key: \(error)")
        }
        // The encrypted buffer holds the next key: wipe it once copied out, and the old key with it.
        defer { stream.resetBytes(in: 0..<stream.count) }
        for k in key.indices { key[k] = 0 }
        stream.withUnsafeBytes { bytes in
            key = Array(bytes[0..<32])
            UnsafeMutableRawPointer(buffer).copyMemory(from: bytes.baseAddress! + 32, byteCount: chunkBytes)
        }
        index = 0
        available = chunkBytes / 4
        sinceReseed += chunkBytes
        chunkBytes = min(chunkBytes * 4, Self.largestChunk)
    }
}

extension KeystreamGenerator {
    /// A uniformly random integer in `0..<bound` (`bound > 0`), without bias: Lemire's multiply-and-reject,
    /// "Fast Random Integer Generation in an Interval" (ACM TOMACS, 2019).
    @inline(__always)
    public mutating func uniform(below bound: UInt64) -> UInt64 {
        var product = next64().multipliedFullWidth(by: bound)
        if product.low < bound {
            let threshold = (0 &- bound) % bound
            while product.low < threshold {
                product = next64().multipliedFullWidth(by: bound)
            }
        }
        return product.high
    }
}

/// The operating system refused random bytes.
public struct RandomnessError: Error, CustomStringConvertible {
    /// The `errno` of the failure.
    public var errno: Int32

    /// What failed.
    public var description: String {
        "the operating system refused random bytes (getrandom: \(String(cString: strerror(errno))))"
    }
}
