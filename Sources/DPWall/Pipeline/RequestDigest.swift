import DPWallPrivacy
import DPWallRecords
import Foundation

/// SHA-256 of a request's content, as the keyed-noise seed takes it (privacy.md, "Randomness").
///
/// The digest reads the checked tensors, not the JSON text, so respelling a number (`0.5`, `5e-1`), reordering
/// keys or tensors, or changing whitespace asks the same question and gets the same noise: an attacker cannot
/// buy fresh noise by rewriting a request. Per declared input, in declaration order: its index, its shape, and
/// each element as binary64 (numbers) or length and unescaped bytes (strings).
enum RequestDigest {
    /// The digest of `checker`'s tensors (checked with their values kept); SHA-256 of nothing without a request.
    static func compute(_ view: JSONView, _ checker: BodyChecker?, into bytes: inout [UInt8]) -> [UInt8] {
        bytes.removeAll(keepingCapacity: true)
        if let checker {
            let order = checker.checked.sorted { $0.declared < $1.declared }
            for tensor in order {
                append(UInt64(tensor.declared), &bytes)
                append(UInt64(tensor.rank), &bytes)
                for axis in 0..<tensor.rank { append(UInt64(checker.dims[tensor.dimsStart + axis]), &bytes) }
                if case .asText = tensor.style {
                    for k in 0..<tensor.count { appendLeaf(view, checker.leaves[tensor.leavesStart + k], &bytes) }
                } else {
                    for k in 0..<tensor.count { append(canonical(checker.values[tensor.valuesStart + k]), &bytes) }
                }
            }
        }
        return bytes.withUnsafeBytes { KeyedNoise.digest($0) }
    }

    /// The bits of a value with −0 read as +0 (the same input to the model).
    private static func canonical(_ value: Double) -> UInt64 {
        value == 0 ? 0 : value.bitPattern
    }

    private static func append(_ word: UInt64, _ bytes: inout [UInt8]) {
        withUnsafeBytes(of: word.littleEndian) { bytes.append(contentsOf: $0) }
    }

    private static func appendLeaf(_ view: JSONView, _ node: Int, _ bytes: inout [UInt8]) {
        switch view.kind(node) {
        case .string:
            append(UInt64(view.unescapedLength(node)), &bytes)
            view.appendUnescaped(node, to: &bytes)
        case .number:
            // Integers exactly (above 2^53 a double would merge neighbours), other numbers by value.
            if let integer = view.int64(node) {
                append(3, &bytes)
                append(UInt64(bitPattern: integer), &bytes)
            } else if let integer = view.uint64(node) {
                append(4, &bytes)
                append(integer, &bytes)
            } else if case let value = view.double(node), value == value.rounded(), value.magnitude < 0x1p63 {
                // `1.0` or `1e0` for an integer input is the integer 1.
                append(3, &bytes)
                append(UInt64(bitPattern: Int64(value)), &bytes)
            } else {
                append(canonical(view.double(node)), &bytes)
            }
        case .true:
            append(1, &bytes)
        case .object:
            // TF Serving's {"b64": "..."}: the decoded bytes, exactly as a plain string of those bytes, since the
            // model sees the same input either way (validation has checked the base64).
            if let encoded = view.member(of: node, "b64"), let decoded = Data(base64Encoded: view.string(encoded)) {
                append(UInt64(decoded.count), &bytes)
                bytes.append(contentsOf: decoded)
            } else {
                append(2, &bytes)
            }
        default:
            append(0, &bytes)
        }
    }
}
