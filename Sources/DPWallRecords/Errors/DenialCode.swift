/// A stable reason for denying a record, with its HTTP-like status (docs/records.md, "The checks, in order").
///
/// Codes are compared and printed by their ``name``; new codes can be added without breaking callers,
/// as with swift-nio's `FileSystemError.Code`.
public struct DenialCode: Hashable, Sendable, CustomStringConvertible {
    fileprivate enum Wrapped: UInt8, CaseIterable, Sendable {
        case tooLarge, invalidUTF8, nonFinite, malformedJSON, duplicateKey
        case missingField, invalidField, unknownField, lateEvent, futureEvent, unknownModel
        case unauthenticated, forbidden, rateLimited, quotaExceeded
        case invalidTensor, invalidShape, invalidDatatype, outOfRange, invalidText, invalidResponse
        case duplicateID, budgetExhausted
    }

    fileprivate let wrapped: Wrapped
    private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

    /// The line is longer than `limits.max_record_bytes` (413).
    public static let tooLarge = Self(.tooLarge)
    /// The line is not valid UTF-8, lone surrogate escapes included (400).
    public static let invalidUTF8 = Self(.invalidUTF8)
    /// A bare `NaN`, `Infinity` or `-Infinity` token (400).
    public static let nonFinite = Self(.nonFinite)
    /// Anything else that is not one RFC 8259 JSON object, or nesting deeper than `limits.max_depth` (400).
    public static let malformedJSON = Self(.malformedJSON)
    /// An object with the same key twice, at any depth (400).
    public static let duplicateKey = Self(.duplicateKey)
    /// A required envelope field is absent (400).
    public static let missingField = Self(.missingField)
    /// An envelope field has the wrong type or form (400).
    public static let invalidField = Self(.invalidField)
    /// An envelope field that the policy does not list under `passthrough` (400).
    public static let unknownField = Self(.unknownField)
    /// `ts` is older than the stream's watermark minus `limits.allowed_lateness` (400): a record cannot go back
    /// to a window the stream has left, or every past `ts` would open a fresh budget window.
    public static let lateEvent = Self(.lateEvent)
    /// `ts` is later than the wall clock plus `limits.max_event_skew` (400): a record cannot claim a time that has
    /// not come, or every `ts` in the future would open a fresh budget window.
    public static let futureEvent = Self(.futureEvent)
    /// `model` is not in the policy (404).
    public static let unknownModel = Self(.unknownModel)
    /// Missing or wrong credentials (401).
    public static let unauthenticated = Self(.unauthenticated)
    /// The client's tier may not use this model (403).
    public static let forbidden = Self(.forbidden)
    /// Over the client's rate (429).
    public static let rateLimited = Self(.rateLimited)
    /// Over the client's request quota for the window (429).
    public static let quotaExceeded = Self(.quotaExceeded)
    /// A tensor is not declared, a declared one is missing, or its element count is not the product of its shape (400).
    public static let invalidTensor = Self(.invalidTensor)
    /// A shape does not match its declaration, or the batch exceeds `max_batch` (400).
    public static let invalidShape = Self(.invalidShape)
    /// A datatype differs from its declaration, or an element is not of it (400).
    public static let invalidDatatype = Self(.invalidDatatype)
    /// A value outside the declared range or not representable in the datatype (400).
    public static let outOfRange = Self(.outOfRange)
    /// A BYTES element too long or matching a deny pattern (400).
    public static let invalidText = Self(.invalidText)
    /// The model server's response fails its declared output schema; nothing of it is released (502).
    public static let invalidResponse = Self(.invalidResponse)
    /// The ledger already holds this id for this client with other content (409).
    public static let duplicateID = Self(.duplicateID)
    /// The release would take the client past its privacy budget (429).
    public static let budgetExhausted = Self(.budgetExhausted)

    /// Every code, in the order of records.md's table.
    public static let all: [DenialCode] = Wrapped.allCases.map(DenialCode.init)

    /// The code as written in output lines, e.g. `too_large`.
    public var name: String {
        switch wrapped {
        case .tooLarge: "too_large"
        case .invalidUTF8: "invalid_utf8"
        case .nonFinite: "non_finite"
        case .malformedJSON: "malformed_json"
        case .duplicateKey: "duplicate_key"
        case .missingField: "missing_field"
        case .invalidField: "invalid_field"
        case .unknownField: "unknown_field"
        case .lateEvent: "late_event"
        case .futureEvent: "future_event"
        case .unknownModel: "unknown_model"
        case .unauthenticated: "unauthenticated"
        case .forbidden: "forbidden"
        case .rateLimited: "rate_limited"
        case .quotaExceeded: "quota_exceeded"
        case .invalidTensor: "invalid_tensor"
        case .invalidShape: "invalid_shape"
        case .invalidDatatype: "invalid_datatype"
        case .outOfRange: "out_of_range"
        case .invalidText: "invalid_text"
        case .invalidResponse: "invalid_response"
        case .duplicateID: "duplicate_id"
        case .budgetExhausted: "budget_exhausted"
        }
    }

    /// The HTTP-like status of records.md.
    public var status: Int {
        switch wrapped {
        case .tooLarge: 413
        case .unknownModel: 404
        case .unauthenticated: 401
        case .forbidden: 403
        case .rateLimited, .quotaExceeded, .budgetExhausted: 429
        case .invalidResponse: 502
        case .duplicateID: 409
        default: 400
        }
    }

    /// A dense index in `0..<all.count`, for counting denials per code without a dictionary.
    public var index: Int { Int(wrapped.rawValue) }

    /// The code with this ``name``, if any.
    public init?(name: String) {
        guard let found = Self.all.first(where: { $0.name == name }) else { return nil }
        self = found
    }

    public var description: String { name }
}

/// Why one record was denied: a code and a message that says what and where (docs/records.md, "Output").
///
/// Messages never echo more than 64 bytes of the input and never contain raw model outputs.
public struct RecordError: Error, Sendable, Equatable {
    /// The stable code.
    public var code: DenialCode
    /// What was wrong and where, e.g. `request.inputs[0].data[3]: 1000000 is outside [0, 1]`.
    public var message: String

    /// Makes an error from a code and a message.
    public init(_ code: DenialCode, _ message: String) {
        self.code = code
        self.message = message
    }
}
