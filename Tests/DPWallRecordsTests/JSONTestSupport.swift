import DPWallRecords

/// Parses `bytes` with a fresh parser; returns the tape or the error.
func parseJSON(_ bytes: [UInt8], maxDepth: Int = 64) -> Result<[JSONNode], JSONError> {
    var parser = JSONParser(maxDepth: maxDepth)
    let error: JSONError? = bytes.withUnsafeBytes { buffer in
        do throws(JSONError) {
            try parser.parse(buffer)
            return nil
        } catch {
            return error
        }
    }
    if let error { return .failure(error) }
    return .success(parser.nodes)
}

/// Parses `text`; returns the tape or the error.
func parseJSON(_ text: String, maxDepth: Int = 64) -> Result<[JSONNode], JSONError> {
    parseJSON(Array(text.utf8), maxDepth: maxDepth)
}

/// The error of parsing `text`, or nil when it parses.
func jsonError(_ text: String) -> JSONError? {
    if case .failure(let error) = parseJSON(text) { return error }
    return nil
}

/// The error of parsing `bytes`, or nil when they parse.
func jsonError(_ bytes: [UInt8]) -> JSONError? {
    if case .failure(let error) = parseJSON(bytes) { return error }
    return nil
}

/// Parses `text` (which must be valid) and calls `body` with a view of it.
func withJSONView<T>(_ text: String, _ body: (JSONView) throws -> T) throws -> T {
    var parser = JSONParser()
    let bytes = Array(text.utf8)
    return try bytes.withUnsafeBytes { buffer in
        try parser.parse(buffer)
        return try parser.nodes.withUnsafeBufferPointer { nodes in
            try body(JSONView(nodes: nodes, bytes: buffer))
        }
    }
}
