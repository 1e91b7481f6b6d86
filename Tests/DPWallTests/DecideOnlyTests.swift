import DPWall
import DPWallRecords
import Foundation
import Testing

/// ``ProcessorOptions/decideOnly``, which the `Benchmarks/` package uses to measure strict parsing and validation
/// alone: it must take the same decisions as the full record stage, only without writing them.
@Suite("Record stage, deciding only")
struct DecideOnlyTests {
    static let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("samples")

    @Test("the same decisions as the full record stage on the sample traffic, and no line for a parsed record")
    func sameDecisions() throws {
        let policy = try Policy.load(path: Self.samples.appendingPathComponent("policy.yaml").path)
        let traffic = try Data(contentsOf: Self.samples.appendingPathComponent("traffic.jsonl"))
        var options = ProcessorOptions()
        options.noise = .seeded(3)
        let full = try RecordBatchProcessor(policy: policy, options: options)
        options.decideOnly = true
        let deciding = try RecordBatchProcessor(policy: policy, options: options)
        var fullLines = 0
        var decidedLines = 0
        traffic.withUnsafeBytes { bytes in
            full.process(bytes) { fullLines += $0.count { $0 == 0x0A } }
            deciding.process(bytes) { decidedLines += $0.count { $0 == 0x0A } }
        }
        #expect(full.counts.records == 2000)
        #expect(deciding.counts.records == full.counts.records)
        #expect(deciding.counts.allowed == full.counts.allowed)
        #expect(deciding.counts.denied == full.counts.denied)
        #expect(full.counts.allowed > 1000 && full.counts.deniedTotal > 50)
        #expect(fullLines == 2000)
        // Only what never became a JSON object is answered: its denial is all that can be said of it.
        let unparsed = [DenialCode.tooLarge, .invalidUTF8, .nonFinite, .malformedJSON, .duplicateKey]
        let unparsedCount = unparsed.map { full.counts.denied[$0.index] }.reduce(0, +)
        #expect(unparsedCount > 0)
        #expect(decidedLines <= unparsedCount)
        #expect(decidedLines > 0)
    }
}
