import DPWallRecords
import Testing

/// The writer's raw buffer must hold exactly what was appended, across growth and reuse.
@Suite struct WriterBufferTests {
    @Test func holdsWhatWasAppendedAcrossGrowth() {
        var buffer = WriterBuffer(capacity: 1)
        var expected: [UInt8] = []
        var state: UInt64 = 3
        for round in 0..<2000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let piece = (0..<Int(state >> 58)).map { UInt8(truncatingIfNeeded: $0 &+ round) }
            switch round % 3 {
            case 0: buffer.append(contentsOf: piece)
            case 1: piece.withUnsafeBytes { buffer.append(contentsOf: $0) }
            default: for byte in piece { buffer.append(byte) }
            }
            expected.append(contentsOf: piece)
        }
        #expect(Array(buffer) == expected)
        #expect(buffer.withUnsafeBytes { Array($0) } == expected)
        #expect(buffer.capacity >= expected.count)
    }

    @Test func removeAllKeepsOrGivesBackTheCapacity() {
        var buffer = WriterBuffer(capacity: 16)
        buffer.append(contentsOf: [UInt8](repeating: 7, count: 5000))
        let grown = buffer.capacity
        buffer.removeAll(keepingCapacity: true)
        #expect(buffer.isEmpty && buffer.capacity == grown)
        buffer.append(contentsOf: [1, 2, 3])
        #expect(Array(buffer) == [1, 2, 3])
        buffer.removeAll()
        #expect(buffer.isEmpty && buffer.capacity < grown)
    }
}
