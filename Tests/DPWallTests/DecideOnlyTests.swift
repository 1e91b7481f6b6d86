import DPWallRecords
import Foundation
import Testing

@testable import DPWall

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

/// `trusted` mode keeps recently allowed clients per worker, by a hash of their bytes: a client allowed to call one
/// model must still be forbidden another, whatever the order, and clients sharing a slot must not be confused.
@Suite("Record stage, allowed-client slots")
struct AllowedClientSlotTests {
    @Test("a client allowed one model is forbidden another, in any order, across 300 clients sharing 64 slots")
    func allowedForOneModelNotAnother() throws {
        let policy = try Policy.load(path: DecideOnlyTests.samples.appendingPathComponent("policy.yaml").path)
        let features = (0..<30).map { _ in "0.5" }.joined(separator: ",")
        func record(_ id: Int, client: String, model: String) -> String {
            #"{"id":"r\#(id)","ts":"2026-12-06T10:00:00Z","client":"\#(client)","model":"\#(model)","#
                + #""request":{"inputs":[{"name":"features","shape":[1,30],"datatype":"FP32","data":[\#(features)]}]}}"#
        }
        var lines: [String] = []
        // Free clients (the sample's default tier) may call fraud, not imagenet; acme is pro and may call both.
        let clients = (0..<300).map { "client-\($0)" } + ["acme"]
        for round in 0..<2 {
            for (index, client) in clients.enumerated() {
                let models = (index + round) % 2 == 0 ? ["fraud", "imagenet"] : ["imagenet", "fraud"]
                for model in models { lines.append(record(lines.count, client: client, model: model)) }
            }
        }
        var options = ProcessorOptions()
        options.decideOnly = true
        let processor = try RecordBatchProcessor(policy: policy, options: options)
        let input = Data((lines.joined(separator: "\n") + "\n").utf8)
        _ = input.withUnsafeBytes { bytes in processor.process(bytes) { _ in } }
        #expect(processor.counts.records == 2 * 2 * clients.count)
        #expect(processor.counts.denied[DenialCode.forbidden.index] == 2 * 300)
        // acme's imagenet records pass the tier check and are then refused for their body (not imagenet's input).
        #expect(processor.counts.allowed == 2 * 300 + 2)
    }

    @Test("two clients of different tiers in the same slot are told apart byte for byte")
    func collidingClientsOfDifferentTiers() throws {
        let policy = try Policy.load(path: DecideOnlyTests.samples.appendingPathComponent("policy.yaml").path)
        // acme is pro (may call imagenet), acxe is free (may not). Same length and the same first and last
        // bytes: the same slot (NameTable.shortNameHash), so only the byte comparison tells them apart.
        func slot(_ name: String) -> Int {
            let bytes = Array(name.utf8)
            return NameTable.shortNameHash(bytes.count, bytes[0], bytes[bytes.count - 1]) & (AllowedClients.slots - 1)
        }
        #expect(slot("acme") == slot("acxe"), "the test needs two clients in one slot")
        let features = (0..<30).map { _ in "0.5" }.joined(separator: ",")
        let lines = ["acme", "acxe", "acme", "acxe"].enumerated().map { index, client in
            #"{"id":"r\#(index)","ts":"2026-12-06T10:00:00Z","client":"\#(client)","model":"imagenet","#
                + #""request":{"inputs":[{"name":"features","shape":[1,30],"datatype":"FP32","data":[\#(features)]}]}}"#
        }
        var options = ProcessorOptions()
        options.decideOnly = true
        let processor = try RecordBatchProcessor(policy: policy, options: options)
        let input = Data((lines.joined(separator: "\n") + "\n").utf8)
        _ = input.withUnsafeBytes { bytes in processor.process(bytes) { _ in } }
        #expect(processor.counts.denied[DenialCode.forbidden.index] == 2)
        // acme's records pass the tier check and are refused for their body (not imagenet's input).
        #expect(processor.counts.denied[DenialCode.invalidTensor.index] == 2)
    }
}
