import DPWallRecords

/// What the credential checks say, in one wording for tokens and certificates alike.
enum CredentialMessages {
    /// `<credential>: expired at <time>, before the record's ts<note>`.
    static func expired(_ credential: String, at time: Int64, note: String = "") -> RecordError {
        RecordError(
            .unauthenticated,
            "\(credential): expired at \(EventTime.format(milliseconds: time)), before the record's ts\(note)")
    }

    /// `<credential>: not valid before <time>, after the record's ts<note>`.
    static func notYetValid(_ credential: String, before time: Int64, note: String = "") -> RecordError {
        RecordError(
            .unauthenticated,
            "\(credential): not valid before \(EventTime.format(milliseconds: time)), after the record's ts\(note)")
    }
}

extension String {
    /// The text quoted for a message as records.md quotes input: a JSON string of at most 64 bytes of it, cut
    /// with `…` (the same writer as ``JSONView/quoted(_:)``).
    var quotedForMessage: String {
        var writer = JSONWriter(capacity: 80)
        var text = self
        text.withUTF8 { writer.appendStringTruncating(bytes: UnsafeRawBufferPointer($0), limit: JSONView.quoteLimit) }
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}
