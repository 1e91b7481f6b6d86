import DPWallPrivacy
import DPWallRecords
import DPWallStore

/// The audit stubs of one batch (audit.md, "Entries"): per output line, in order, the entry's fields that the
/// record stage knows, as JSON members without braces, one after the other. The ordered stage completes them in input
/// order: it puts `seq` and `at` first, and for a release it charged, the decision, the cost and position.
///
/// Digests only: the request body's and the released body's SHA-256, never their content; a raw model output
/// never reaches the archive.
struct AuditStubs {
    var text = JSONWriter(capacity: 0)
    /// Per stub, where its text ends in ``text`` (the next one starts there).
    var ends: [Int] = []
    /// Per stub, its event time in milliseconds as `audit verify` reads it from the finished entry (`Int64.min`
    /// when it has none), for the seal's time range. Read here, in the record stage, rather than from the entry
    /// in the writing turn: the entry puts only `seq` and `at` before the stub and members after it whose keys
    /// and values cannot read as a `"ts":"` member, so the first one the reader finds is the stub's.
    var times: [Int64] = []

    /// How many stubs.
    var count: Int { ends.count }

    /// Ends the stub written to ``text`` since the last one ended.
    ///
    /// `eventTime` is the record's parsed `ts` when the caller knows the stub holds it as the envelope decoder read
    /// it (a decoded envelope's `ts` has no escapes, so the stub's text is the bytes that were parsed); without it,
    /// the stub is scanned as `audit verify` scans the entry. Debug builds check that both agree.
    mutating func end(eventTime: Int64? = nil) {
        let start = ends.last ?? 0
        func scanned() -> Int64 {
            text.bytes.withUnsafeBytes {
                AuditVerifier.eventTime(UnsafeRawBufferPointer(rebasing: $0[start...]))
            } ?? .min
        }
        if let eventTime {
            assert(eventTime == scanned(), "the stub's ts reads as another time than the record's")
            times.append(eventTime)
        } else {
            times.append(scanned())
        }
        ends.append(text.bytes.count)
    }

    mutating func removeAll() {
        text.removeAll()
        times.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
    }

    /// `"…"`: the SHA-256 of `bytes` in hex.
    static func appendDigest(_ bytes: UnsafeRawBufferPointer, _ text: inout JSONWriter) {
        KeyedNoise.withDigest(bytes) { appendHex($0, &text) }
    }

    /// `"…"`: `bytes` in hex.
    static func appendHex(_ bytes: UnsafeRawBufferPointer, _ text: inout JSONWriter) {
        // Straight into the writer's memory, two digits per byte from a 16-entry table: a digest is hex-encoded
        // twice per audited record.
        let digits: StaticString = "0123456789abcdef"
        text.bytes.append(writing: 2 * bytes.count + 2) { out in
            let hex = digits.utf8Start
            out[0] = UInt8(ascii: "\"")
            var k = 1
            for byte in bytes {
                out[k] = hex[Int(byte &>> 4)]
                out[k &+ 1] = hex[Int(byte & 15)]
                k &+= 2
            }
            out[k] = UInt8(ascii: "\"")
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
