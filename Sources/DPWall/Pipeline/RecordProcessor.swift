import DPWallPrivacy
import DPWallRecords
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Options of the record stage that come from the command line rather than the policy.
public struct ProcessorOptions: Sendable {
    /// Leave out the `privacy` annotation (`--no-annotate`).
    public var annotate = true
    /// Whether a `ts` later than the wall clock plus `limits.max_event_skew` is `future_event` (records.md, "Event
    /// time"); `replay` turns it off, since its clock is the capture's own.
    public var boundsFutureEvents = true
    /// Keep `request` next to a released `response` (`--keep-request`).
    public var keepRequest = false
    /// Also write each denied input to a rejects stream (`--rejects FILE`).
    public var writeRejects = false
    /// Where the noise comes from.
    public var noise = NoiseMode.secure
    /// Leave the charge of each privatized release to the ordered stage (``OrderedStage``), which settles it in
    /// input order and writes the line's tail; without it, lines are complete and carry only their cost.
    public var charges = false
    /// Write an audit stub per output line (``AuditStubs``), which the ordered stage completes into an entry.
    public var audit = false
    /// SHA-256 of the policy file, in hex, for the audit entries.
    public var policyDigest = ""
    /// The JWT and client-certificate verifiers the policy's auth mode needs.
    public var credentials = CredentialVerifiers()
    /// Report would-be `rate_limited` and `quota_exceeded` denials without denying (`--limits-dry-run`).
    public var limitsDryRun = false
    /// Only decide each record (parse, envelope, authentication, tier, tensor validation) and count the
    /// decision: no noise, no output line. This measures the record stage's strict checks alone (the
    /// `Benchmarks/` package); a line that does not parse as a JSON object is still answered with its denial.
    public var decideOnly = false
    /// Leave every record that got past `forbidden` to the limit stage (set when the policy has request limits
    /// and ``charges`` is on).
    var limits = false
    /// Keep a ``RecordOutcome`` per line (``RecordProcessor/outcomes``) for a ``DecisionObserver``.
    var outcomes = false

    /// Default options: annotate, drop the request of a released response, no rejects.
    public init() {}
}

/// Counts of what the pipeline decided.
public struct DecisionCounts: Sendable {
    /// Records read (output lines written).
    public var records = 0
    /// Records allowed.
    public var allowed = 0
    /// Denials per code, indexed by ``DenialCode/index``.
    public var denied = [Int](repeating: 0, count: DenialCode.all.count)
    /// Input bytes seen, newlines included.
    public var bytes = 0

    /// Total denials.
    public var deniedTotal: Int { denied.reduce(0, +) }

    /// What was counted since `earlier` (an earlier snapshot of the same counts).
    public func subtracting(_ earlier: DecisionCounts) -> DecisionCounts {
        var difference = DecisionCounts()
        difference.records = records - earlier.records
        difference.allowed = allowed - earlier.allowed
        difference.bytes = bytes - earlier.bytes
        for index in denied.indices { difference.denied[index] = denied[index] - earlier.denied[index] }
        return difference
    }

    /// Adds another worker's counts.
    public mutating func add(_ other: DecisionCounts) {
        records += other.records
        allowed += other.allowed
        bytes += other.bytes
        for index in denied.indices { denied[index] += other.denied[index] }
    }
}

/// The record stage: one input line in, one output line out (docs/records.md, "Output").
///
/// Stateless across records apart from reused buffers, so batches of lines could be split across cores; the
/// stateful stages (rate limits, budgets, ledger, audit) come after it in input order.
final class RecordProcessor {
    /// What deciding one record works on. It lives in a local variable while a record is decided, so the hot
    /// path mutates plain values: no exclusivity checks or reference counting on every access.
    struct Scratch {
        /// The latest `ts` accepted (milliseconds): the wall clock when the batch began plus
        /// `limits.max_event_skew`; `Int64.max` without the bound (replay).
        var futureBound = Int64.max
        /// The earliest time credentials are checked at (milliseconds): the wall clock when the batch began less
        /// `limits.allowed_lateness`; `Int64.min` without the bound (replay). A token or certificate that expired
        /// before it is refused whatever `ts` the record claims (records.md, "Event time").
        var credentialFloor = Int64.min
        /// The latest time credentials are checked at: the wall clock when the batch began (`Int64.max` in replay).
        /// A token or certificate not yet valid now is refused on a record stamped ahead (within
        /// `max_event_skew`) as well.
        var credentialCeiling = Int64.max
        var envelope = Envelope()
        var request = BodyChecker()
        var response = BodyChecker()
        var required: [Bool] = []
        var out = JSONWriter(capacity: 0)
        var digestBytes: [UInt8] = []
        var contentBytes: [UInt8] = []
        var cost = RecordCost()
        /// The authenticated client and its tier's name ("" when it has none).
        var client = ""
        var tierName = ""
        /// The batch's pending decisions (``pending``), here so that appending to them costs no exclusivity check.
        var pending = PendingCharges()
        /// Whether the record being decided got past `forbidden`: from there on the limits see it, whatever else
        /// is wrong with it.
        var pastForbidden = false
        /// The number of the line being decided.
        var line = 0
    }

    private let policy: Policy
    private let options: ProcessorOptions
    private let models: [String: ModelRuntime]
    private let tiers: TierResolver
    private let authenticator: Authenticator
    // The properties below marked `@exclusivity(unchecked)` are the state every record reads or updates: a
    // processor belongs to one worker thread, no method holds an inout access to one of them across a call that
    // touches it again, and the runtime's dynamic exclusivity check would cost about 60 instructions on each of the
    // several accesses a record makes (about 2% of a record's work). The others keep their checks: the buffers
    // passed inout (rejects, audit) and what a record touches rarely; the output buffer and the per-record working
    // state are moved into a local for each batch (``Scratch``).
    /// Per model charged so far, what its content digests start with (``contentContext(_:)``).
    private var contentContexts: [String: [UInt8]] = [:]
    @exclusivity(unchecked) private var parser: JSONParser
    private let envelopeDecoder: EnvelopeDecoder
    /// Per-record working state, moved into a local for each record (see ``process(_:inputName:)``).
    private var scratch = Scratch()
    /// The model of the record being decided (set once its name is known), and the last authenticated client
    /// allowed to call it (modes other than `trusted`) with its tier.
    @exclusivity(unchecked) private var currentModel: ModelRuntime?
    @exclusivity(unchecked) private var lastAllowedClient: String?
    @exclusivity(unchecked) private var lastTierName = ""
    @exclusivity(unchecked) private var lastCredentialTier: String?
    /// `trusted` mode: clients this worker recently allowed, in front of ``tiers``.
    @exclusivity(unchecked) private var allowedClients = AllowedClients()
    /// The authenticated client of the record being written (modes other than `trusted`), once proven.
    @exclusivity(unchecked) private var authClient: String?
    /// Where the envelope fields of a denial line end in the last output line written (``writeEnvelope``).
    @exclusivity(unchecked) private var lineEnvelopeEnd = 0
    /// Output lines of the current batch.
    var output = JSONWriter(capacity: 1 << 20)
    /// Rejects lines of the current batch (when enabled).
    var rejects = JSONWriter(capacity: 0)
    /// Where the next rejects line goes: without `--rejects` always 0, read without touching ``rejects`` (an
    /// access to it costs an exclusivity check on every record).
    private var rejectsCount: Int { options.writeRejects ? rejects.bytes.count : 0 }
    /// The releases of the current batch that the ordered stage must still decide, in input order, with their
    /// texts and costs (``ProcessorOptions/charges``).
    var pending: PendingCharges {
        _read { yield scratch.pending }
        _modify { yield &scratch.pending }
    }
    /// The audit stubs of the current batch, one per output line (``ProcessorOptions/audit``).
    var audit = AuditStubs()
    /// The outcomes of the current batch, one per output line (``ProcessorOptions/outcomes``); the ordered stage
    /// completes those of pending records.
    var outcomes: [RecordOutcome] = []
    /// `,"policy_sha256":"…"` for the audit stubs.
    private let auditPolicy: [UInt8]
    /// Per model, its privatized outputs as an audit fragment: `,"noise":[{"output","mechanism","scale"}…]`.
    private let auditNoise: [String: [UInt8]]
    /// What was decided so far.
    @exclusivity(unchecked) private(set) var counts = DecisionCounts()
    /// This worker's generator (the default noise mode; unused by the others).
    @exclusivity(unchecked) private var random: KeystreamGenerator

    init(policy: Policy, options: ProcessorOptions) throws {
        self.policy = policy
        self.options = options
        var models: [String: ModelRuntime] = [:]
        for model in policy.models {
            models[model.name] = try ModelRuntime(model, maxRowElements: policy.maxRowElements)
        }
        self.models = models
        tiers = TierResolver(policy: policy)
        authenticator = Authenticator(
            policy: policy, jwt: options.credentials.jwt, certificates: options.credentials.certificates)
        auditPolicy = Array(",\"policy_sha256\":\"\(options.policyDigest)\"".utf8)
        auditNoise = Dictionary(
            uniqueKeysWithValues: policy.models.map { model in
                (model.name, AuditStubs.noiseFragment(model, maxRowElements: policy.maxRowElements))
            })
        parser = JSONParser(maxDepth: policy.limits.maxDepth)
        envelopeDecoder = EnvelopeDecoder(passthrough: policy.passthrough, clientRequired: policy.auth.mode == .trusted)
        random = try KeystreamGenerator()
    }

    /// Counts a record allowed by the record stage as denied `code` by a later stage.
    func moveToDenied(_ code: DenialCode) {
        counts.allowed -= 1
        counts.denied[code.index] += 1
    }

    /// Counts a record denied `from` by the record stage as denied `to` by a later stage.
    func moveDenied(from: DenialCode, to: DenialCode) {
        counts.denied[from.index] -= 1
        counts.denied[to.index] += 1
    }

    /// Decides one line and appends its output line (and rejects line) to the batch buffers.
    func process(_ line: InputLine, inputName: String) {
        withScratch { s in process(line, inputName: inputName, &s) }
    }

    /// Decides every line of `batch`, in order; `inputNames` names the inputs by index.
    /// `pause`, when given, runs after every 128 records (the filter compresses audit entries there).
    func process(_ batch: LineBatch, inputNames: [String], pause: (() -> Void)? = nil) {
        withScratch { s in
            var count = 0
            batch.forEach { line in
                process(line, inputName: inputNames[line.inputIndex], &s)
                count &+= 1
                if count & 127 == 0, let pause { pause() }
            }
        }
    }

    /// Decides every `\n`-terminated line of `bytes` (a final line without newline included), numbering them from
    /// `firstLine`; returns the number of lines.
    func process(contiguous bytes: UnsafeRawBufferPointer, firstLine: Int, inputName: String) -> Int {
        var number = firstLine
        withScratch { s in
            var start = 0
            while start < bytes.count {
                let base = bytes.baseAddress!
                let end = memchr(base + start, 0x0A, bytes.count - start).map { base.distance(to: $0) } ?? bytes.count
                // The same framing as LineReader: a final '\r' is dropped, an over-long line is only a prefix.
                var stop = end
                if stop > start && bytes[stop - 1] == 0x0D { stop -= 1 }
                let length = stop - start
                let oversize = length > policy.limits.maxRecordBytes
                let line = InputLine(
                    bytes: UnsafeRawBufferPointer(
                        rebasing: bytes[start..<(oversize ? start + min(length, LineReader.rawPrefixLimit) : stop)]),
                    number: number, inputIndex: 0, inputLine: number, oversizeLength: oversize ? length : nil)
                process(line, inputName: inputName, &s)
                number += 1
                start = end + 1
            }
        }
        return number - firstLine
    }

    /// Runs `body` with the working state moved into a local variable (and the output buffer into it), so the
    /// hot path mutates plain values: no exclusivity checks or reference counting on every access.
    private func withScratch(_ body: (inout Scratch) -> Void) {
        var s = Scratch()
        swap(&s, &scratch)
        swap(&s.out, &output)
        if options.boundsFutureEvents {
            // Once per batch, not per record: a batch is read in well under the skew.
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            let (bound, overflow) = now.addingReportingOverflow(Int64(policy.limits.maxEventSkew * 1000))
            s.futureBound = overflow ? .max : bound
            s.credentialFloor = now.subtractingSaturating(Int64(policy.limits.allowedLateness * 1000))
            s.credentialCeiling = now
        }
        body(&s)
        swap(&s.out, &output)
        swap(&s, &scratch)
    }

    private func process(_ line: InputLine, inputName: String, _ s: inout Scratch) {
        counts.records += 1
        s.line = line.number
        counts.bytes += (line.oversizeLength ?? line.bytes.count) + 1
        // The reader frames lines to the largest limit of the run's policies (replay --against); this stage
        // holds them to its own.
        if let length = line.oversizeLength
            ?? (line.bytes.count > policy.limits.maxRecordBytes ? line.bytes.count : nil)
        {
            denyLine(
                line, inputName,
                RecordError(
                    .tooLarge,
                    "line of \(length) bytes exceeds limits.max_record_bytes (\(policy.limits.maxRecordBytes))"),
                &s.out)
            return
        }
        let tape: UnsafeBufferPointer<JSONNode>
        do {
            tape = try parser.parse(line.bytes)
        } catch {
            denyLine(line, inputName, RecordError(error.code, error.message), &s.out)
            return
        }
        do {
            let view = JSONView(nodes: tape, bytes: line.bytes)
            if view.kind(0) != .object {
                denyLine(
                    line, inputName,
                    RecordError(.malformedJSON, "a record must be a JSON object, got \(view.kind(0).article)"), &s.out)
                return
            }
            if options.decideOnly {
                if let problem = decide(view, &s) {
                    counts.denied[problem.code.index] += 1
                } else {
                    counts.allowed += 1
                }
                return
            }
            if let problem = decide(view, &s) {
                if options.limits && s.pastForbidden {
                    deferDenial(view, line, inputName, problem, &s)
                } else {
                    denyRecord(
                        view, s.envelope, line, inputName, problem, &s.out, tier: s.pastForbidden ? s.tierName : "")
                }
            } else {
                if s.envelope.response >= 0 { privatize(view, currentModel!, line: line.number, &s) }
                if options.charges && s.envelope.response >= 0 && !s.cost.groups.isEmpty {
                    deferCharge(view, line, inputName, &s)
                } else if options.limits {
                    deferRelease(view, line, inputName, &s)
                } else {
                    release(view, &s)
                }
            }
        }
    }

    /// The checks of records.md in their order; nil when the record is allowed.
    private func decide(_ view: JSONView, _ s: inout Scratch) -> RecordError? {
        authClient = nil
        s.pastForbidden = false
        do {
            try envelopeDecoder.decode(view, into: &s.envelope)
        } catch {
            return error
        }
        if s.envelope.ts >= 0 && s.envelope.eventTimeMilliseconds > s.futureBound {
            return RecordError(
                .futureEvent,
                "ts \(EventTime.format(milliseconds: s.envelope.eventTimeMilliseconds)) is later than the wall clock "
                    + "plus limits.max_event_skew (\(policy.limits.maxEventSkew) s): a record cannot claim a time that "
                    + "has not come")
        }
        // Traffic mostly repeats the previous record's model and client: compare bytes before hashing strings.
        let model: ModelRuntime
        if let last = currentModel, view.stringEquals(s.envelope.model, last.name) {
            model = last
        } else {
            guard let found = models[view.string(s.envelope.model)] else {
                return RecordError(.unknownModel, "model \(view.quoted(s.envelope.model)) is not in the policy")
            }
            model = found
            currentModel = found
            lastAllowedClient = nil
        }
        if authenticator.isTrusted {
            let slot = allowedClients.slot(view, s.envelope.client)
            if let known = allowedClients.find(view, s.envelope.client, model: model, slot: slot) {
                // Allowed for this model a moment ago.
                s.client = known.client
                s.tierName = known.tierName
            } else {
                let client = view.string(s.envelope.client)
                let (tierName, problem) = tiers.check(client: client, credentialTier: nil, model: model.name)
                if let problem { return problem }
                allowedClients.remember(client, model: model, tierName: tierName, slot: slot)
                s.client = client
                s.tierName = tierName
            }
        } else {
            switch authenticator.authenticate(
                view, s.envelope,
                eventTime: min(max(s.envelope.eventTimeMilliseconds, s.credentialFloor), s.credentialCeiling))
            {
            case .failure(var problem):
                // Checked at the floor or the ceiling, not at ts: the message says which.
                if s.credentialFloor > s.envelope.eventTimeMilliseconds {
                    problem.message = problem.message.replacingOccurrences(
                        of: "before the record's ts",
                        with:
                            "before the wall clock less limits.allowed_lateness (a record's ts cannot go back further)")
                } else if s.credentialCeiling < s.envelope.eventTimeMilliseconds {
                    problem.message = problem.message.replacingOccurrences(
                        of: "after the record's ts",
                        with: "after the wall clock (a record stamped ahead is checked now)")
                }
                return problem
            case .success(let identity):
                s.client = identity.client
                authClient = identity.client
                if identity.client == lastAllowedClient && identity.tier == lastCredentialTier {
                    // Allowed for this model a moment ago, in the same tier.
                    s.tierName = lastTierName
                } else {
                    let (tierName, problem) = tiers.check(
                        client: identity.client, credentialTier: identity.tier, model: model.name)
                    s.tierName = tierName
                    if let problem { return problem }
                    lastAllowedClient = identity.client
                    lastCredentialTier = identity.tier
                    lastTierName = tierName
                }
            }
        }
        s.pastForbidden = true
        if s.envelope.request >= 0,
            let problem = s.request.check(
                view, s.envelope.request, side: .request, model: model, keepValues: options.noise.needsRequestDigest)
        {
            return problem
        }
        if s.envelope.response >= 0 {
            requiredOutputs(view, model, &s)
            if let problem = s.response.check(
                view, s.envelope.response, side: .response, model: model, keepValues: true, required: s.required)
            {
                return problem
            }
            if s.envelope.request >= 0, let rows = s.request.batch, let released = s.response.batch, rows != released {
                return RecordError(
                    .invalidResponse, "response: batch of \(released) rows differs from the request's \(rows)")
            }
            // A privatized row of no elements has nothing to release (and no label to take): fail closed.
            for tensor in s.response.checked where model.privatizers[tensor.declared] != nil {
                let rows = tensor.rank > 0 ? s.response.dims[tensor.dimsStart] : 1
                if rows > 0 && tensor.count == 0 {
                    return RecordError(
                        .invalidResponse,
                        "response: output \"\(model.outputNames[tensor.declared])\" has rows of no elements")
                }
            }
        }
        return nil
    }

    /// Outputs a v2 request asked for by name (`s.request.outputs`); all declared outputs otherwise.
    private func requiredOutputs(_ view: JSONView, _ model: ModelRuntime, _ s: inout Scratch) {
        s.required.removeAll(keepingCapacity: true)
        let asked = s.envelope.request >= 0 ? s.request.body.requestedOutputs : -1
        guard asked >= 0, view.count(asked) > 0 else {
            s.required.append(contentsOf: repeatElement(true, count: model.outputs.count))
            return
        }
        s.required.append(contentsOf: repeatElement(false, count: model.outputs.count))
        view.forEachElement(of: asked) { _, element in
            if view.kind(element) == .object, let name = view.member(of: element, "name"),
                view.kind(name) == .string, let index = model.outputs.index(of: name, in: view)
            {
                s.required[index] = true
            }
            return true
        }
    }

    // MARK: Noise

    /// Releases every privatized output row by row (privacy.md, "One release, step by step"), in place in the
    /// response checker's values, and sums the cost of the rows into `s.cost`.
    private func privatize(_ view: JSONView, _ model: ModelRuntime, line: Int, _ s: inout Scratch) {
        s.cost.reset()
        var requestDigest: [UInt8] = []
        var seeded: KeystreamGenerator?
        switch options.noise {
        case .secure: break
        case .keyed:
            requestDigest = RequestDigest.compute(
                view, s.envelope.request >= 0 ? s.request : nil, into: &s.digestBytes)
        case .seeded(let seed): seeded = KeystreamGenerator(testSeed: seed, stream: UInt64(line))
        }
        // The authenticated client: a record cannot buy fresh noise by adding or dropping its `client` field.
        let client = s.client
        for tensor in s.response.checked {
            guard let privatizer = model.privatizers[tensor.declared] else { continue }
            let rows = tensor.rank > 0 ? s.response.dims[tensor.dimsStart] : 1
            guard rows > 0 else { continue }
            let rowLength = tensor.count / rows
            for row in 0..<rows {
                let label = s.response.withRow(tensor, row: row, rowLength: rowLength) { values in
                    switch options.noise {
                    case .secure:
                        return privatizer.release(values, &random)
                    case .keyed(let keyed):
                        var generator = keyed.generator(
                            client: client, model: model.name, output: model.outputNames[tensor.declared], row: row,
                            requestDigest: requestDigest, rawRow: UnsafeBufferPointer(values))
                        return privatizer.release(values, &generator)
                    case .seeded:
                        return privatizer.release(values, &seeded!)
                    }
                }
                if privatizer.labelOnly { s.response.setValue(Double(label), at: tensor.valuesStart + row) }
                if let calibration = privatizer.calibration {
                    s.cost.epsilon += calibration.epsilon
                    s.cost.delta += calibration.delta
                }
            }
            if let calibration = privatizer.calibration { s.cost.groups.append((calibration.rowCost, rows)) }
        }
    }

    // MARK: Output lines

    /// The content-digest context of `model` (``ContentDigest/context(model:policy:noise:)``), made on its first
    /// charge: it describes the model's outputs through `Mirror` (about 6 M instructions a model), and a run seldom
    /// charges every model of its policy, so making them all up front only lengthened the start-up.
    private func contentContext(_ model: ModelRuntime) -> [UInt8] {
        if let known = contentContexts[model.name] { return known }
        let context = ContentDigest.context(model: model.spec, policy: policy, noise: options.noise)
        contentContexts[model.name] = context
        return context
    }

    /// Writes a privatized record's line without its tail, and leaves its charge to the ordered stage.
    private func deferCharge(_ view: JSONView, _ line: InputLine, _ inputName: String, _ s: inout Scratch) {
        let lineStart = s.out.bytes.count
        let body = release(view, &s, tail: false)
        let (auditStub, outputDigestAt) = writePendingStub(view, body: body, cost: false, &s)
        let digestAt = appendContentDigest(view, &s)
        let costStart = s.pending.costs.count
        s.pending.costs.append(contentsOf: s.cost.groups)
        appendPending(
            .charge, view, line, inputName, lineStart: lineStart, tailAt: s.out.bytes.count,
            rejectsAt: rejectsCount,
            auditStub: auditStub, outputDigestAt: outputDigestAt, digestAt: digestAt,
            costs: costStart..<s.pending.costs.count, &s)
    }

    /// Appends the record's content digest (``ContentDigest``) to the batch's digests; returns where it is.
    private func appendContentDigest(_ view: JSONView, _ s: inout Scratch) -> Slot {
        let digestAt = Slot(s.pending.digests.count)
        ContentDigest.append(
            context: contentContext(currentModel!), model: view.rawBytes(s.envelope.model),
            request: s.envelope.request >= 0 ? view.rawBytes(s.envelope.request) : nil,
            response: s.envelope.response >= 0 ? view.rawBytes(s.envelope.response) : nil, scratch: &s.contentBytes,
            to: &s.pending.digests)
        return digestAt
    }

    /// Writes an allowed record that releases nothing privatized, and leaves it to the limit stage.
    private func deferRelease(_ view: JSONView, _ line: InputLine, _ inputName: String, _ s: inout Scratch) {
        let lineStart = s.out.bytes.count
        let body = release(view, &s, auditEntry: false)
        let (auditStub, outputDigestAt) = writePendingStub(view, body: body, cost: s.envelope.response >= 0, &s)
        // Its content digest: a redelivery is answered again only when it is the same record.
        let digestAt = appendContentDigest(view, &s)
        appendPending(
            .release, view, line, inputName, lineStart: lineStart, tailAt: s.out.bytes.count,
            rejectsAt: rejectsCount, auditStub: auditStub, outputDigestAt: outputDigestAt, digestAt: digestAt,
            costs: 0..<0, &s)
    }

    /// Writes the audit stub of a record whose decision the writing turn takes (without the decision, with the
    /// cost when `cost`), and keeps its released body's digest aside: it goes into the entry only if the record is
    /// released. Returns the stub's index and where the digest is in ``PendingCharges/digests`` (none and none
    /// without an audit).
    private func writePendingStub(_ view: JSONView, body: Range<Int>?, cost: Bool, _ s: inout Scratch) -> (Slot, Slot) {
        guard options.audit else { return (.none, .none) }
        let auditStub = Slot(audit.count)
        writeEnvelope(view, s.envelope, everything: false, &audit.text)
        if cost { Self.appendCost(s.cost, &audit.text) }
        auditDigests(view, s.envelope, body: nil, s.out, &audit.text)
        audit.end(eventTime: s.envelope.eventTimeMilliseconds)
        guard let body else { return (auditStub, .none) }
        let outputDigestAt = Slot(s.pending.digests.count)
        s.out.bytes.withUnsafeBytes { bytes in
            KeyedNoise.withDigest(UnsafeRawBufferPointer(rebasing: bytes[body])) {
                s.pending.digests.append(contentsOf: $0)
            }
        }
        return (auditStub, outputDigestAt)
    }

    /// Writes the denial of a record denied for a reason that comes after the limits, and leaves it to the limit
    /// stage, which may deny it first.
    private func deferDenial(
        _ view: JSONView, _ line: InputLine, _ inputName: String, _ problem: RecordError, _ s: inout Scratch
    ) {
        let lineStart = s.out.bytes.count
        let rejectsAt = rejectsCount
        let auditStub = options.audit ? Slot(audit.count) : .none
        denyRecord(view, s.envelope, line, inputName, problem, &s.out, decided: false, tier: s.tierName)
        appendPending(
            .denial(problem), view, line, inputName, lineStart: lineStart, tailAt: s.out.bytes.count,
            rejectsAt: rejectsAt, auditStub: auditStub, outputDigestAt: .none, digestAt: .none, costs: 0..<0, &s)
    }

    /// Records a pending decision with the texts of a denial line (and rejects line) that may replace its line.
    private func appendPending(
        _ kind: PendingKind, _ view: JSONView, _ line: InputLine, _ inputName: String, lineStart: Int, tailAt: Int,
        rejectsAt: Int, auditStub: Slot, outputDigestAt: Slot, digestAt: Slot, costs: Range<Int>, _ s: inout Scratch
    ) {
        let isCharge: Bool
        if case .charge = kind { isCharge = true } else { isCharge = false }
        var outcomeIndex = Slot.none
        if options.outcomes {
            if case .denial = kind {
                // denyRecord noted it already, with its code.
                outcomeIndex = Slot(outcomes.count - 1)
            } else {
                outcomeIndex = Slot(outcomes.count)
                outcomes.append(outcome(view, s.envelope, line: line.number, code: nil, tier: s.tierName))
            }
        }
        // A complete line starts with the denial's envelope: `{` and id, ts, client, model.
        let outputEnvelopeEnd = isCharge ? Slot.none : Slot(lineEnvelopeEnd)
        var textStart = s.pending.text.bytes.count
        if isCharge {
            s.pending.text.append(raw: "{")
            writeEnvelope(view, s.envelope, everything: false, &s.pending.text)
        }
        let envelopeEnd = s.pending.text.bytes.count
        if !isCharge { textStart = envelopeEnd }
        var rejectsSplit = envelopeEnd
        if options.writeRejects {
            writeRejectHead(line, inputName, &s.pending.text)
            rejectsSplit = s.pending.text.bytes.count
            writeRejectTail(line, &s.pending.text)
        }
        s.pending.charges.append(
            PendingCharge(
                kind: kind, lineStart: lineStart, tailAt: tailAt, outputEnvelopeEnd: outputEnvelopeEnd,
                textStart: textStart, envelopeEnd: envelopeEnd,
                rejectsSplit: rejectsSplit, textEnd: s.pending.text.bytes.count, rejectsAt: rejectsAt,
                rejectsEnd: rejectsCount, client: s.client, tierName: s.tierName,
                // Every pending record's decision is kept under its id (privacy.md, "Exactly once under
                // redelivery"); only a charge needs its noise (the audit entry).
                // A request-only record and the record with its response are two decisions (a check before the
                // model is called, then the release): they are kept apart, under a key no id can take.
                id: s.envelope.response >= 0 ? view.string(s.envelope.id) : view.string(s.envelope.id) + " request",
                eventTime: s.envelope.eventTimeMilliseconds,
                digestAt: digestAt, costs: costs, epsilon: s.cost.epsilon, delta: s.cost.delta, auditStub: auditStub,
                outputDigestAt: outputDigestAt, noise: isCharge ? auditNoise[currentModel!.name] ?? [] : [],
                line: line.number,
                outcome: outcomeIndex))
    }

    /// The outcome of a record with an envelope: its fields as the output line names them.
    private func outcome(_ view: JSONView, _ envelope: Envelope, line: Int, code: DenialCode?, tier: String)
        -> RecordOutcome
    {
        func text(_ node: Int) -> String {
            guard node >= 0, view.kind(node) == .string, view.unescapedLength(node) <= 128 else { return "" }
            return view.string(node)
        }
        let client = authenticator.isTrusted ? text(envelope.client) : authClient ?? ""
        var model = text(envelope.model)
        // The runtime's copy of a known name: no string of its own per record.
        if let known = currentModel, known.name == model { model = known.name }
        return RecordOutcome(
            line: line, code: code, client: client, tier: tier, model: model, id: text(envelope.id),
            eventTime: envelope.ts >= 0 ? envelope.eventTimeMilliseconds : nil)
    }

    /// `,"input_sha256":…,"output_sha256":…,"policy_sha256":…` of an allowed record: the request's text, the
    /// released body (`body` in `out`), and the policy.
    private func auditDigests(
        _ view: JSONView, _ envelope: Envelope, body: Range<Int>?, _ out: JSONWriter, _ text: inout JSONWriter
    ) {
        if envelope.request >= 0 {
            text.append(raw: ",\"input_sha256\":")
            AuditStubs.appendDigest(view.rawBytes(envelope.request), &text)
        }
        if let body {
            text.append(raw: ",\"output_sha256\":")
            out.bytes.withUnsafeBytes { bytes in
                AuditStubs.appendDigest(UnsafeRawBufferPointer(rebasing: bytes[body]), &text)
            }
        }
        auditPolicy.withUnsafeBytes { text.append(raw: $0) }
    }

    /// Writes an allowed record's line (without its tail when the ordered stage finishes it); returns where the
    /// released body (the response, or the request of a request-only record) is in the output.
    @discardableResult
    private func release(_ view: JSONView, _ s: inout Scratch, tail: Bool = true, auditEntry: Bool = true)
        -> Range<Int>?
    {
        counts.allowed += 1
        s.out.appendByte(UInt8(ascii: "{"))
        lineEnvelopeEnd = writeEnvelope(view, s.envelope, everything: true, &s.out)
        var body: Range<Int>?
        if s.envelope.request >= 0 && (s.envelope.response < 0 || options.keepRequest) {
            s.out.append(raw: ",\"request\":")
            let start = s.out.bytes.count
            s.out.append(raw: raw(view, s.envelope.request))
            if s.envelope.response < 0 { body = start..<s.out.bytes.count }
        }
        if s.envelope.response >= 0 {
            s.out.append(raw: ",\"response\":")
            let start = s.out.bytes.count
            ReleaseWriter.writeResponse(view, s.response, model: currentModel!, into: &s.out)
            body = start..<s.out.bytes.count
            guard tail else { return body }
            if options.annotate {
                s.out.append(raw: ",\"privacy\":{\"epsilon\":")
                s.out.append(s.cost.epsilon)
                s.out.append(raw: ",\"delta\":")
                s.out.append(s.cost.delta)
                s.out.appendByte(UInt8(ascii: "}"))
            }
        }
        s.out.append(raw: "}\n")
        if options.outcomes && auditEntry {
            var outcome = outcome(view, s.envelope, line: s.line, code: nil, tier: s.tierName)
            if s.envelope.response >= 0 {
                outcome.epsilon = s.cost.epsilon
                outcome.delta = s.cost.delta
            }
            outcomes.append(outcome)
        }
        if options.audit && auditEntry {
            writeEnvelope(view, s.envelope, everything: false, &audit.text)
            audit.text.append(raw: ",\"decision\":\"allow\"")
            if s.envelope.response >= 0 { Self.appendCost(s.cost, &audit.text) }
            auditDigests(view, s.envelope, body: body, s.out, &audit.text)
            audit.end(eventTime: s.envelope.eventTimeMilliseconds)
        }
        return body
    }

    /// Writes `"id":…,"ts":…` and the other envelope fields that are present and readable.
    /// Returns where `id`, `ts`, `client` and `model` end in `out` (before `version` and the passthrough fields).
    @discardableResult
    private func writeEnvelope(_ view: JSONView, _ envelope: Envelope, everything: Bool, _ out: inout JSONWriter)
        -> Int
    {
        var first = true
        /// `key` is the member's quoted name and colon, e.g. `"id":`.
        func field(_ key: StaticString, _ node: Int) {
            guard node >= 0, view.kind(node) == .string, view.unescapedLength(node) <= 128 else { return }
            if !first { out.appendByte(UInt8(ascii: ",")) }
            first = false
            out.append(raw: key)
            out.append(raw: raw(view, node))
        }
        field("\"id\":", envelope.id)
        field("\"ts\":", envelope.ts)
        if !authenticator.isTrusted {
            // Only a client the credentials proved; a denial before (or of) authentication names none.
            if let authClient {
                if !first { out.appendByte(UInt8(ascii: ",")) }
                first = false
                out.append(raw: "\"client\":")
                out.appendString(authClient)
            }
        } else {
            field("\"client\":", envelope.client)
        }
        field("\"model\":", envelope.model)
        let baseEnd = out.bytes.count
        guard everything else { return baseEnd }
        field("\"version\":", envelope.version)
        for (key, value) in envelope.passthrough {
            out.appendByte(UInt8(ascii: ","))
            out.append(raw: raw(view, key))
            out.appendByte(UInt8(ascii: ":"))
            out.append(raw: raw(view, value))
        }
        return baseEnd
    }

    /// Writes a denial line (and rejects line and audit stub); without `decided`, the audit stub leaves the decision
    /// to the limit stage.
    private func denyRecord(
        _ view: JSONView, _ envelope: Envelope, _ line: InputLine, _ inputName: String, _ problem: RecordError,
        _ out: inout JSONWriter, decided: Bool = true, tier: String = ""
    ) {
        counts.denied[problem.code.index] += 1
        out.appendByte(UInt8(ascii: "{"))
        let before = out.bytes.count
        lineEnvelopeEnd = writeEnvelope(view, envelope, everything: false, &out)
        if out.bytes.count > before { out.appendByte(UInt8(ascii: ",")) }
        writeError(problem, &out)
        out.append(raw: "}\n")
        writeReject(line, inputName, problem)
        if options.outcomes {
            outcomes.append(outcome(view, envelope, line: line.number, code: problem.code, tier: tier))
        }
        if options.audit {
            let before = audit.text.bytes.count
            writeEnvelope(view, envelope, everything: false, &audit.text)
            if audit.text.bytes.count > before { audit.text.appendByte(UInt8(ascii: ",")) }
            if decided {
                AuditStubs.appendDenial(problem.code, line: line.number, &audit.text)
            } else {
                audit.text.append(raw: "\"line\":")
                audit.text.append(line.number)
            }
            if envelope.request >= 0 {
                audit.text.append(raw: ",\"input_sha256\":")
                AuditStubs.appendDigest(view.rawBytes(envelope.request), &audit.text)
            }
            auditPolicy.withUnsafeBytes { audit.text.append(raw: $0) }
            audit.end()
        }
    }

    private func denyLine(_ line: InputLine, _ inputName: String, _ problem: RecordError, _ out: inout JSONWriter) {
        counts.denied[problem.code.index] += 1
        out.append(raw: "{\"line\":")
        out.append(line.number)
        out.appendByte(UInt8(ascii: ","))
        writeError(problem, &out)
        out.append(raw: "}\n")
        writeReject(line, inputName, problem)
        if options.outcomes { outcomes.append(RecordOutcome(line: line.number, code: problem.code)) }
        if options.audit {
            AuditStubs.appendDenial(problem.code, line: line.number, &audit.text)
            auditPolicy.withUnsafeBytes { audit.text.append(raw: $0) }
            audit.end()
        }
    }

    private func writeError(_ problem: RecordError, _ out: inout JSONWriter) {
        out.append(raw: "\"error\":{")
        Self.writeProblem(problem, &out)
        out.appendByte(UInt8(ascii: "}"))
    }

    /// `,"epsilon":…,"delta":…`: a record's cost in its audit entry.
    private static func appendCost(_ cost: RecordCost, _ text: inout JSONWriter) {
        text.append(raw: ",\"epsilon\":")
        text.append(cost.epsilon)
        text.append(raw: ",\"delta\":")
        text.append(cost.delta)
    }

    /// Writes `"code":…,"status":…,"message":…`.
    static func writeProblem(_ problem: RecordError, _ out: inout JSONWriter) {
        out.append(raw: "\"code\":")
        out.appendString(problem.code.name)
        out.append(raw: ",\"status\":")
        out.append(problem.code.status)
        out.append(raw: ",\"message\":")
        out.appendString(problem.message)
    }

    private func writeReject(_ line: InputLine, _ inputName: String, _ problem: RecordError) {
        guard options.writeRejects else { return }
        writeRejectHead(line, inputName, &rejects)
        Self.writeProblem(problem, &rejects)
        writeRejectTail(line, &rejects)
    }

    /// A rejects line is its head, the problem (``writeProblem(_:_:)``), and its tail.
    private func writeRejectHead(_ line: InputLine, _ inputName: String, _ out: inout JSONWriter) {
        out.append(raw: "{\"line\":")
        out.append(line.number)
        out.append(raw: ",\"input\":")
        out.appendString(inputName)
        out.append(raw: ",\"input_line\":")
        out.append(line.inputLine)
        out.appendByte(UInt8(ascii: ","))
    }

    private func writeRejectTail(_ line: InputLine, _ out: inout JSONWriter) {
        out.append(raw: ",\"bytes\":")
        out.append(line.oversizeLength ?? line.bytes.count)
        out.append(raw: ",\"raw\":")
        out.appendStringTruncating(bytes: line.bytes, limit: LineReader.rawPrefixLimit)
        out.append(raw: "}\n")
    }

    private func raw(_ view: JSONView, _ node: Int) -> UnsafeRawBufferPointer {
        view.rawBytes(node)
    }
}
