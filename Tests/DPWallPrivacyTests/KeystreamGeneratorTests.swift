import Foundation
import Testing

@testable import DPWallPrivacy

/// The default generator's seeding and reseeding through an injected entropy source.
@Suite struct KeystreamGeneratorTests {
    /// Entropy whose bytes are `seed` for the first call and `later` for every call after it.
    final class Script: @unchecked Sendable {
        var calls = 0
        let seed: UInt8, later: UInt8
        init(seed: UInt8, later: UInt8) {
            self.seed = seed
            self.later = later
        }
        func fill(_ bytes: inout [UInt8]) {
            for k in bytes.indices { bytes[k] = calls == 0 ? seed : later }
            calls += 1
        }
    }

    @Test("a refused getrandom stops the generator from starting")
    func entropyFailure() {
        #expect(throws: RandomnessError.self) {
            _ = try KeystreamGenerator(entropy: { _ in throw RandomnessError(errno: EIO) })
        }
    }

    @Test("fresh entropy is mixed in after 64 MiB: streams with the same seed part there, not before")
    func reseeds() throws {
        let first = Script(seed: 1, later: 2)
        let second = Script(seed: 1, later: 3)
        var a = try KeystreamGenerator(entropy: first.fill)
        var b = try KeystreamGenerator(entropy: second.fill)
        let words = KeystreamGenerator.reseedInterval / 4
        var differedBefore = false
        for _ in 0..<words where a.next32() != b.next32() { differedBefore = true }
        #expect(!differedBefore, "the same seed gave different streams before any reseed")
        #expect(first.calls == 1 && second.calls == 1)
        // Draw past the next refill, where the reseed happens.
        var differedAfter = false
        for _ in 0..<(KeystreamGenerator.largestChunk / 4 * 2) where a.next32() != b.next32() { differedAfter = true }
        #expect(first.calls == 2 && second.calls == 2, "no reseed after 64 MiB")
        #expect(differedAfter, "different fresh entropy left the streams equal")
    }
}
