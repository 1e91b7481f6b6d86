import DPWallPrivacy
import DPWallRecords

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
                    for k in 0..<tensor.count { append(checker.values[tensor.valuesStart + k].bitPattern, &bytes) }
                }
            }
        }
        return bytes.withUnsafeBytes { KeyedNoise.digest($0) }
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
            append(view.double(node).bitPattern, &bytes)
        case .true:
            append(1, &bytes)
        case .object:
            // TF Serving's {"b64": "..."}: the encoded text, tagged so it differs from a plain string.
            append(2, &bytes)
            if let encoded = view.member(of: node, "b64") { appendLeaf(view, encoded, &bytes) }
        default:
            append(0, &bytes)
        }
    }
}
