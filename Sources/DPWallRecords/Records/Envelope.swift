/// The envelope of one record (records.md, "The envelope"), as node indices into its parsed line.
///
/// Nothing is copied: fields are tape indices (`-1` when absent), read through the same ``JSONView``.
package struct Envelope {
    /// Node of `id` (a string), or -1.
    package var id = -1
    /// Node of `ts` (a string), or -1.
    package var ts = -1
    /// Node of `client` (a string), or -1, also when it is not a valid client name (``ClientName``).
    package var client = -1
    /// Node of `credentials` (an object), or -1.
    package var credentials = -1
    /// Node of `model` (a string), or -1.
    package var model = -1
    /// Node of `version` (a string), or -1.
    package var version = -1
    /// Node of `request` (an object), or -1.
    package var request = -1
    /// Node of `response` (an object), or -1.
    package var response = -1
    /// Event time in milliseconds since the Unix epoch (valid once the envelope is checked).
    package var eventTimeMilliseconds: Int64 = 0
    /// Passthrough members as (key node, value node), in input order.
    package var passthrough: [(key: Int, value: Int)] = []

    /// An empty envelope.
    package init() {}

    /// Empties the envelope for the next record, keeping the passthrough list's storage.
    package mutating func reset() {
        id = -1
        ts = -1
        client = -1
        credentials = -1
        model = -1
        version = -1
        request = -1
        response = -1
        eventTimeMilliseconds = 0
        passthrough.removeAll(keepingCapacity: true)
    }
}

/// Reads and checks the envelope of a parsed record, in the order of records.md's table:
/// every `missing_field` problem before any `invalid_field`, before any `unknown_field`.
package struct EnvelopeDecoder {
    private let passthroughNames: NameTable
    /// The envelope's own fields, in ``Field``'s order (one table per decoder, so cores do not share it).
    private let fieldNames = NameTable(Field.allCases.map(\.name))
    private let clientRequired: Bool

    /// `passthrough` lists the extra fields copied to the output; `clientRequired` is true in `trusted` auth mode.
    package init(passthrough: [String], clientRequired: Bool) {
        passthroughNames = NameTable(passthrough)
        self.clientRequired = clientRequired
    }

    private enum Field: Int, CaseIterable {
        case id, ts, client, credentials, model, version, request, response
        var name: String {
            switch self {
            case .id: "id"
            case .ts: "ts"
            case .client: "client"
            case .credentials: "credentials"
            case .model: "model"
            case .version: "version"
            case .request: "request"
            case .response: "response"
            }
        }
    }

    /// Fills `envelope` from the root object of `view`; throws the first problem by the spec's order.
    package func decode(_ view: JSONView, into envelope: inout Envelope) throws(RecordError) {
        envelope.reset()
        var unknownKey = -1
        guard view.kind(0) == .object else {
            throw RecordError(.malformedJSON, "a record must be a JSON object, got \(view.kind(0).article)")
        }
        view.forEachMember(of: 0) { key, value in
            if let field = field(view, key) {
                switch field {
                case .id: envelope.id = value
                case .ts: envelope.ts = value
                case .client: envelope.client = value
                case .credentials: envelope.credentials = value
                case .model: envelope.model = value
                case .version: envelope.version = value
                case .request: envelope.request = value
                case .response: envelope.response = value
                }
            } else if passthroughNames.index(of: key, in: view) != nil {
                envelope.passthrough.append((key, value))
            } else if unknownKey < 0 {
                unknownKey = key
            }
            return true
        }
        // A `client` that is not a valid client name is not named by the record's denial line or audit entry
        // (whichever code it gets), and is `invalid_field` in its turn below.
        let client = envelope.client
        let clientProblem = client >= 0 ? checkClient(view, client) : nil
        if clientProblem != nil { envelope.client = -1 }
        // missing_field
        if envelope.id < 0 { throw RecordError(.missingField, "missing field \"id\"") }
        if envelope.ts < 0 { throw RecordError(.missingField, "missing field \"ts\"") }
        if envelope.model < 0 { throw RecordError(.missingField, "missing field \"model\"") }
        if clientRequired && client < 0 {
            throw RecordError(.missingField, "missing field \"client\" (the policy's auth mode is trusted)")
        }
        if envelope.request < 0 && envelope.response < 0 {
            throw RecordError(.missingField, "missing field: a record needs \"request\" or \"response\" (or both)")
        }
        // invalid_field
        try checkID(view, envelope.id)
        guard view.kind(envelope.ts) == .string,
            let millis = EventTime.parseMilliseconds(view.stringBytes(envelope.ts))
        else {
            throw RecordError(
                .invalidField,
                "ts: must be an RFC 3339 timestamp with offset such as 2026-11-26T10:00:00.123Z, got "
                    + view.quoted(envelope.ts))
        }
        envelope.eventTimeMilliseconds = millis
        if let clientProblem { throw clientProblem }
        try checkName(view, envelope.model, "model")
        if envelope.version >= 0 { try checkName(view, envelope.version, "version") }
        if envelope.credentials >= 0 { try checkCredentials(view, envelope.credentials) }
        if envelope.request >= 0 && view.kind(envelope.request) != .object {
            throw RecordError(.invalidField, "request: must be an object, got \(view.kind(envelope.request).article)")
        }
        if envelope.response >= 0 && view.kind(envelope.response) != .object {
            throw RecordError(
                .invalidField, "response: must be an object, got \(view.kind(envelope.response).article)")
        }
        // unknown_field
        if unknownKey >= 0 {
            throw RecordError(
                .unknownField,
                "unknown field \(view.quoted(unknownKey)); the policy's passthrough lists the extra fields allowed")
        }
    }

    private func field(_ view: JSONView, _ key: Int) -> Field? {
        fieldNames.index(of: key, in: view).flatMap { Field(rawValue: $0) }
    }

    private func checkID(_ view: JSONView, _ node: Int) throws(RecordError) {
        let message = "id: must be 1-128 bytes of [A-Za-z0-9._:-], got "
        guard view.kind(node) == .string, !view.hasEscapes(node) else {
            throw RecordError(.invalidField, message + view.quoted(node))
        }
        let bytes = view.stringBytes(node)
        guard (1...128).contains(bytes.count), bytes.allSatisfy(Self.isIDByte) else {
            throw RecordError(.invalidField, message + view.quoted(node))
        }
    }

    private static func isIDByte(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: ":"),
            UInt8(ascii: "-"):
            true
        default: false
        }
    }

    private func checkName(_ view: JSONView, _ node: Int, _ field: String) throws(RecordError) {
        guard view.kind(node) == .string else {
            throw RecordError(.invalidField, "\(field): must be a string, got \(view.kind(node).article)")
        }
        let length = view.unescapedLength(node)
        guard (1...128).contains(length) else {
            throw RecordError(.invalidField, "\(field): must be 1-128 bytes, got \(length)")
        }
    }

    /// The `invalid_field` problem of the `client` member `node`, or nil when it is a valid client name
    /// (``ClientName``).
    private func checkClient(_ view: JSONView, _ node: Int) -> RecordError? {
        guard view.kind(node) == .string else {
            return RecordError(.invalidField, "client: must be a string, got \(view.kind(node).article)")
        }
        guard let problem = view.withUnescapedString(node, { ClientName.problem(utf8: $0) }) else { return nil }
        return RecordError(.invalidField, "client: not a valid client name (docs/auth.md): \(problem)")
    }

    private func checkCredentials(_ view: JSONView, _ node: Int) throws(RecordError) {
        guard view.kind(node) == .object else {
            throw RecordError(.invalidField, "credentials: must be an object, got \(view.kind(node).article)")
        }
        var problem: RecordError?
        view.forEachMember(of: node) { key, value in
            guard
                view.stringEquals(key, "api_key") || view.stringEquals(key, "bearer")
                    || view.stringEquals(key, "client_cert")
            else {
                problem = RecordError(
                    .invalidField,
                    "credentials: unknown key \(view.quoted(key)); expected api_key, bearer or client_cert")
                return false
            }
            guard view.kind(value) == .string else {
                problem = RecordError(
                    .invalidField, "credentials.\(view.string(key)): must be a string, got \(view.kind(value).article)")
                return false
            }
            return true
        }
        if let problem { throw problem }
    }
}
