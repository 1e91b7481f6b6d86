import DPWallRecords

/// Everything `dpwall filter` needs.
public struct FilterConfiguration: Sendable {
    /// The validated policy.
    public var policy: Policy
    /// Input paths in order; empty or `-` means standard input.
    public var inputs: [String]
    /// Record-stage options.
    public var options = ProcessorOptions()
    /// Where denied inputs go (`--rejects`), if anywhere.
    public var rejectsPath: String?
    /// When to show progress.
    public var progress = ProgressMode.auto
    /// Bytes asked of each `read(2)`.
    public var chunkBytes = 256 * 1024

    /// A configuration with defaults.
    public init(policy: Policy, inputs: [String]) {
        self.policy = policy
        self.inputs = inputs
    }
}

/// How a run ended.
public enum FilterEnding: Sendable, Equatable {
    /// All input was processed.
    case completed
    /// A signal asked to stop; the records already read were finished.
    case interrupted(signal: Int32)
    /// Standard output was closed by the reader.
    case outputClosed
}

/// What a run did.
public struct FilterResult: Sendable {
    /// How it ended.
    public var ending: FilterEnding
    /// What was decided.
    public var counts: DecisionCounts
    /// Wall time, in seconds.
    public var seconds: Double

    /// The summary line for stderr: records, allowed, denied by code, elapsed, records/s.
    public var summary: String {
        var byCode: [String] = []
        for code in DenialCode.all where counts.denied[code.index] > 0 {
            byCode.append("\(code.name) \(counts.denied[code.index])")
        }
        let rate = seconds > 0 ? Int(Double(counts.records) / seconds) : 0
        let denied = counts.deniedTotal
        let detail = byCode.isEmpty ? "" : " (" + byCode.joined(separator: ", ") + ")"
        let elapsed = String(Double(Int(seconds * 1000)) / 1000)
        return "dpwall: \(counts.records) records, \(counts.allowed) allowed, \(denied) denied\(detail) "
            + "in \(elapsed) s, \(rate) records/s"
    }
}

/// The `filter` pipeline: read lines → decide each record → write one output line per input line, in order.
///
/// The output of a chunk of input (one `read(2)`) is written before the next read, so a slow pipe is answered
/// line by line, and memory is bounded by the chunk and the line limit. Later stages (ledger, audit) slot in
/// between deciding and writing, per chunk.
public final class FilterRun {
    private let configuration: FilterConfiguration
    private let processor: RecordProcessor
    private let output = OutputSink(standardOutput: ())
    private let rejects: OutputSink?

    /// Prepares a run: compiles the policy's models and opens the rejects file.
    public init(_ configuration: FilterConfiguration) throws {
        self.configuration = configuration
        var options = configuration.options
        options.writeRejects = configuration.rejectsPath != nil
        processor = try RecordProcessor(policy: configuration.policy, options: options)
        rejects = try configuration.rejectsPath.map { path throws(OutputError) in try OutputSink(path: path) }
    }

    /// Runs to the end of input, a stop signal, or a closed output. Throws ``InputError`` or ``OutputError``.
    public func run() throws -> FilterResult {
        let started = Clock.now()
        var progress = ProgressLine(mode: configuration.progress, started: started)
        let reader = LineReader(
            paths: configuration.inputs, maxRecordBytes: configuration.policy.limits.maxRecordBytes,
            chunkBytes: configuration.chunkBytes)
        reader.shouldStop = { SignalTrap.pending != nil }
        var ending = FilterEnding.completed
        do {
            while try reader.next({ line in processor.process(line, inputName: reader.inputName(line.inputIndex)) }) {
                try flush()
                progress.update(processor.counts, consumed: reader.consumedBytes, total: reader.currentInputSize)
            }
            try flush()
            if let signal = SignalTrap.pending { ending = .interrupted(signal: signal) }
        } catch let error as OutputError where error.closed {
            ending = .outputClosed
        } catch {
            // Release what was decided before the failure, then report it.
            try? flush()
            progress.finish()
            throw error
        }
        progress.finish()
        return FilterResult(ending: ending, counts: processor.counts, seconds: Clock.now() - started)
    }

    private func flush() throws(OutputError) {
        if !processor.output.bytes.isEmpty {
            try output.write(processor.output.bytes)
            processor.output.removeAll()
        }
        if let rejects, !processor.rejects.bytes.isEmpty {
            try rejects.write(processor.rejects.bytes)
            processor.rejects.removeAll()
        }
    }
}
