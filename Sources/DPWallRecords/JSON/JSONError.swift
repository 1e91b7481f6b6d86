/// Why a byte buffer is not one acceptable JSON text: a record-denial code, the byte offset and a message.
package struct JSONError: Error, Sendable, Equatable, CustomStringConvertible {
    /// ``DenialCode/invalidUTF8``, ``DenialCode/nonFinite``, ``DenialCode/malformedJSON`` or
    /// ``DenialCode/duplicateKey``.
    package var code: DenialCode
    /// The byte offset in the input where the problem is.
    package var offset: Int
    /// What is wrong and where; always includes `at byte N` and never echoes more than 64 bytes of the input.
    package var message: String

    /// Makes an error from its parts.
    package init(code: DenialCode, offset: Int, message: String) {
        self.code = code
        self.offset = offset
        self.message = message
    }

    /// The error as a record denial with the same code and message.
    package var recordError: RecordError { RecordError(code, message) }

    /// `code: message`.
    package var description: String { "\(code.name): \(message)" }
}
