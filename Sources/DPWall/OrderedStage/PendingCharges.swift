import DPWallPrivacy
import DPWallRecords

/// What the writing turn still has to decide about a record.
enum PendingKind {
    /// A privatized release to charge (its line is written up to its tail).
    case charge
    /// A release with nothing privatized, which only the limits can still deny (its line is complete).
    case release
    /// A record the record stage denied for a reason that comes after the limits in records.md's order; the
    /// limits may still deny it first (its line and rejects line are complete).
    case denial(RecordError)
}

/// A position in one of a batch's buffers that a record may not have (an audit stub without an audit, a digest
/// of a denial): an index read as an optional, with no room lost to an optional's tag in the tens of thousands of
/// pending records a batch can hold.
struct Slot: Equatable {
    private let raw: Int
    /// No position.
    static let none = Slot(raw: -1)
    private init(raw: Int) { self.raw = raw }
    /// The position `index` (≥ 0).
    init(_ index: Int) {
        precondition(index >= 0, "a slot's index is not negative")
        raw = index
    }
    /// The index, or nil.
    var index: Int? { raw >= 0 ? raw : nil }
}

/// A record whose decision the writing turn still has to settle (``OrderedStage``): a privatized release to
/// charge, or, when the policy sets request limits, any record that got past `forbidden`.
///
/// A charge's output line is written up to its tail: the stage appends the `privacy` annotation and `}` when the
/// charge goes through, or replaces the line with a denial. Offsets are into the worker's output buffer and into
/// ``PendingCharges``' buffers.
struct PendingCharge {
    var kind: PendingKind
    /// Where the record's line starts in the output buffer, and where its tail goes (for a complete line, where
    /// it ends).
    var lineStart: Int, tailAt: Int
    /// Where the denial's `{` and envelope fields end in the output buffer, for a complete line (they start it);
    /// none for a charge, whose denial envelope is in ``PendingCharges/text``.
    var outputEnvelopeEnd: Slot
    /// In ``PendingCharges/text``: `{` and the envelope fields of a denial line from `textStart` to `envelopeEnd`
    /// (empty unless a charge);
    /// then, with `--rejects`, the head of its rejects line up to `rejectsSplit` and its tail up to `textEnd`.
    var textStart: Int, envelopeEnd: Int, rejectsSplit: Int, textEnd: Int
    /// How much of the worker's rejects buffer precedes this record (its rejects line, if denied, goes there),
    /// and where the worker's own rejects line for it ends (a ``PendingKind/denial`` with `--rejects`).
    var rejectsAt: Int, rejectsEnd: Int
    /// The client (authenticated), its tier name, the record's id and its event time (milliseconds since 1970).
    var client: String, tierName: String, id: String, eventTime: Int64
    /// Where its 32-byte content digest is in ``PendingCharges/digests`` (a charge, or a release when the policy
    /// sets limits; none for a denial).
    var digestAt: Slot
    /// Its released rows, in ``PendingCharges/costs``.
    var costs: Range<Int>
    /// Its cost under basic composition.
    var epsilon: Double, delta: Double
    /// Its audit stub's index (none without an audit), where its released body's SHA-256 is in
    /// ``PendingCharges/digests`` (none without an audit or a released body), and its model's noise fragment for
    /// the entry.
    var auditStub: Slot
    var outputDigestAt: Slot
    var noise: [UInt8]
    /// Its input line number (a denial's audit entry names it).
    var line: Int
    /// Its outcome's index in ``RecordProcessor/outcomes`` (none when outcomes are not kept).
    var outcome: Slot
}

/// The pending charges of one batch, in input order, with the texts, digests and costs they point into.
struct PendingCharges {
    var charges: [PendingCharge] = []
    var text = JSONWriter(capacity: 0)
    var digests: [UInt8] = []
    var costs: [(cost: RowCost, rows: Int)] = []

    /// The 32-byte digest at `slot`, if any.
    func digest(_ slot: Slot) -> ArraySlice<UInt8>? {
        slot.index.map { digests[$0..<$0 + 32] }
    }

    /// Empties the batch, keeping the storage.
    mutating func removeAll() {
        charges.removeAll(keepingCapacity: true)
        text.removeAll()
        digests.removeAll(keepingCapacity: true)
        costs.removeAll(keepingCapacity: true)
    }
}

/// A record's content digest (docs/privacy.md, "Budgets and the ledger"): SHA-256 over its model, request body and raw response
/// body, each as its exact JSON text prefixed with its length (8 bytes, little endian; all ones for none).
///
/// The digest starts with a context that names how the record was answered: the noise key's fingerprint (or
/// the noise mode), the model's declared outputs with their privacy blocks, and the row bound. A repeat is
/// answered again without a charge only when its answer is the same one; after a key or policy change, the
/// same content is new content.
enum ContentDigest {
    /// The context of `model`'s digests under `policy` and `noise`.
    static func context(model: ModelSpec, policy: Policy, noise: NoiseMode) -> [UInt8] {
        var text = Array("dpwall content v1\n".utf8)
        switch noise {
        case .secure: text += Array("secure\n".utf8)
        case .keyed(let keyed): text += Array("keyed\n".utf8) + keyed.fingerprint
        case .seeded(let seed): text += Array("seeded \(seed)\n".utf8)
        }
        text += Array("\n\(String(reflecting: model.outputs))\n\(policy.maxRowElements)".utf8)
        return text.withUnsafeBytes { KeyedNoise.digest($0) }
    }

    /// Appends the digest of one record to `digests`; `scratch` is reused storage.
    static func append(
        context: [UInt8], model: UnsafeRawBufferPointer, request: UnsafeRawBufferPointer?,
        response: UnsafeRawBufferPointer?, scratch: inout [UInt8], to digests: inout [UInt8]
    ) {
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: context)
        func field(_ bytes: UnsafeRawBufferPointer?) {
            withUnsafeBytes(of: UInt64(bytes.map { UInt64($0.count) } ?? .max).littleEndian) {
                scratch.append(contentsOf: $0)
            }
            if let bytes { scratch.append(contentsOf: bytes) }
        }
        field(model)
        field(request)
        field(response)
        scratch.withUnsafeBytes { KeyedNoise.withDigest($0) { digests.append(contentsOf: $0) } }
    }
}
