import DPWallPrivacy
import DPWallRecords

/// The audit stubs of one batch (audit.md, "Entries"): per output line, in order, the entry's fields that the
/// record stage knows, as JSON members without braces, one line each. The budget stage completes them in input
/// order: it puts `seq` and `at` first, and for a release it charged, the decision, the cost and position.
///
/// Digests only: the request body's and the released body's SHA-256, never their content; a raw model output
/// never reaches the archive.
struct AuditStubs {
    var text = JSONWriter(capacity: 0)
    /// Per stub, the record's event time in milliseconds, or `Int64.min` when it has none (a line that is not a
    /// record).
    var times: [Int64] = []

    /// How many stubs.
    var count: Int { times.count }

    mutating func begin(eventTime: Int64?) { times.append(eventTime ?? .min) }

    mutating func end() { text.appendByte(0x0A) }

    mutating func removeAll() {
        text.removeAll()
        times.removeAll(keepingCapacity: true)
    }

    /// `"…"`: the SHA-256 of `bytes` in hex.
    static func appendDigest(_ bytes: UnsafeRawBufferPointer, _ text: inout JSONWriter) {
        KeyedNoise.withDigest(bytes) { appendHex($0, &text) }
    }

    /// `"…"`: `bytes` in hex.
    static func appendHex(_ bytes: some Collection<UInt8>, _ text: inout JSONWriter) {
        // Into a stack buffer first, then one append: a byte-at-a-time append per digit cost more than the hash.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 2 * bytes.count + 2) { buffer in
            let digits: StaticString = "0123456789abcdef"
            digits.withUTF8Buffer { hex in
                buffer[0] = UInt8(ascii: "\"")
                var k = 1
                for byte in bytes {
                    buffer[k] = hex[Int(byte >> 4)]
                    buffer[k + 1] = hex[Int(byte & 15)]
                    k += 2
                }
                buffer[k] = UInt8(ascii: "\"")
                text.append(raw: UnsafeRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(buffer)[0...k]))
            }
        }
    }

    /// `"decision":"deny","code":…,"line":N`.
    static func appendDenial(_ code: DenialCode, line: Int, _ text: inout JSONWriter) {
        text.append(raw: "\"decision\":\"deny\",\"code\":")
        text.appendString(code.name)
        text.append(raw: ",\"line\":")
        text.append(line)
    }

    /// `,"noise":[{"output":…,"mechanism":…,"scale":…}…]` for `model`'s noised outputs (empty when none): the
    /// mechanism and noise scale of a release.
    static func noiseFragment(_ model: ModelSpec, maxRowElements: Int) -> [UInt8] {
        var text = JSONWriter(capacity: 64)
        var first = true
        for output in model.outputs {
            guard let calibration = output.privacy?.calibration(for: output.tensor, maxRowElements: maxRowElements)
            else { continue }
            text.append(raw: first ? ",\"noise\":[{\"output\":" : ",{\"output\":")
            first = false
            text.appendString(output.tensor.name)
            text.append(raw: ",\"mechanism\":")
            text.appendString(calibration.mechanism == .laplace ? "laplace" : "gaussian")
            text.append(raw: ",\"scale\":")
            text.append(calibration.scale)
            text.appendByte(UInt8(ascii: "}"))
        }
        if !first { text.appendByte(UInt8(ascii: "]")) }
        return text.bytes.withUnsafeBytes { Array($0) }
    }
}
