import DPWallRecords
import Testing

/// Random mutations of valid documents: the parser never traps, rejects only with the four JSON codes, and every
/// accepted tape is well formed.
@Suite struct JSONRobustnessTests {
    static let seeds = [
        #"{"id":"r-1","ts":"2026-11-26T10:00:00.123Z","data":[0.123456,-1e-5,3,true,null],"s":"a\u00e9\ud83d\ude00\n"}"#,
        #"[{"a":{"b":[[],{}]}},"\"\\\/\b\f\n\r\t",-0.0e+0,12345678901234567890123]"#,
    ]

    @Test func mutationsNeverTrap() throws {
        var r = SplitMix64(seed: 2026)
        let alphabet = Array(#"{}[]:,"\-+.0123456789eEtfnulsaruDd "#.utf8) + [0x00, 0x1F, 0x80, 0xC3, 0xED, 0xFF]
        var accepted = 0
        for k in 0..<20_000 {
            var bytes = Array(Self.seeds[k % Self.seeds.count].utf8)
            for _ in 0..<Int(r.next() % 4) + 1 {
                let at = Int(r.next() % UInt64(bytes.count))
                switch r.next() % 3 {
                case 0: bytes[at] = alphabet[Int(r.next() % UInt64(alphabet.count))]
                case 1: bytes.insert(alphabet[Int(r.next() % UInt64(alphabet.count))], at: at)
                default: if bytes.count > 1 { bytes.remove(at: at) }
                }
            }
            switch parseJSON(bytes) {
            case .failure(let error):
                #expect([.invalidUTF8, .nonFinite, .malformedJSON, .duplicateKey].contains(error.code))
                #expect(error.offset >= 0 && error.offset <= bytes.count)
            case .success(let nodes):
                accepted += 1
                #expect(Int(nodes[0].next) == nodes.count)
                try bytes.withUnsafeBytes { buffer in
                    try nodes.withUnsafeBufferPointer { tape in
                        let view = JSONView(nodes: tape, bytes: buffer)
                        for i in 0..<tape.count {
                            #expect(view.next(i) > i && view.next(i) <= tape.count)
                            switch view.kind(i) {
                            case .string:
                                #expect(view.unescapedLength(i) == view.string(i).utf8.count)
                            case .number:
                                _ = (view.double(i), view.float(i), view.int64(i), view.uint64(i))
                            default:
                                break
                            }
                            #expect(view.rawRange(i).upperBound <= buffer.count)
                        }
                        _ = try #require(String(validating: buffer, as: UTF8.self))
                    }
                }
            }
        }
        #expect(accepted > 100)
    }
}
