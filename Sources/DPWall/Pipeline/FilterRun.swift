import DPWallRecords
import Dispatch

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

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
    public var chunkBytes = 1024 * 1024
    /// Threads deciding records (`--threads`); the default is every online core.
    public var threads = FilterConfiguration.onlineCores

    /// The number of online cores.
    public static var onlineCores: Int { max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))) }

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
/// Input is read in rounds. A round takes what is ready to read, up to one chunk per worker, and stops early when
/// the input would block, so a slow pipe is answered line by line. The workers decide their chunks at the same
/// time (the record stage is stateless), and then the round's output is written in input order. Memory is
/// bounded by the chunks and the line limit. Later, stateful stages (rate limits, ledger, audit) run between
/// deciding and writing, in input order, on the main thread.
public final class FilterRun {
    private let configuration: FilterConfiguration
    private let workers: [Worker]
    private let output = OutputSink(standardOutput: ())
    private let rejects: OutputSink?

    /// One worker: its own record stage and batch. During a round, only one thread touches a worker, and the
    /// round ends (`concurrentPerform` returns) before the main thread reads it, which orders the accesses.
    private final class Worker: @unchecked Sendable {
        let processor: RecordProcessor
        var batch = LineBatch()
        var inputNames: [String] = []

        init(_ processor: RecordProcessor) { self.processor = processor }

        func decide() {
            processor.process(batch, inputNames: inputNames)
        }
    }

    /// Prepares a run: compiles the policy's models and opens the rejects file.
    public init(_ configuration: FilterConfiguration) throws {
        self.configuration = configuration
        var options = configuration.options
        options.writeRejects = configuration.rejectsPath != nil
        workers = try (0..<max(1, configuration.threads)).map { _ in
            Worker(try RecordProcessor(policy: configuration.policy, options: options))
        }
        rejects = try configuration.rejectsPath.map { path throws(OutputError) in try OutputSink(path: path) }
    }

    private var counts: DecisionCounts {
        workers.dropFirst().reduce(into: workers[0].processor.counts) { total, worker in
            total.add(worker.processor.counts)
        }
    }

    /// Runs to the end of input, a stop signal, or a closed output. Throws ``InputError`` or ``OutputError``.
    public func run() throws -> FilterResult {
        let started = Clock.now()
        var progress = ProgressLine(mode: configuration.progress, started: started)
        let reader = LineReader(
            paths: configuration.inputs, maxRecordBytes: configuration.policy.limits.maxRecordBytes,
            chunkBytes: configuration.chunkBytes)
        reader.shouldStop = { SignalTrap.pending != nil }
        reader.wakeDescriptor = SignalTrap.wakeDescriptor
        let names = (configuration.inputs.isEmpty ? ["-"] : configuration.inputs)
        for worker in workers { worker.inputNames = names }
        var ending = FilterEnding.completed
        do {
            var more = true
            while more {
                more = try readRound(reader)
                decideRound()
                try flush()
                progress.update(counts, consumed: reader.consumedBytes, total: reader.currentInputSize)
            }
            if let signal = SignalTrap.pending { ending = .interrupted(signal: signal) }
        } catch let error as OutputError where error.closed {
            ending = .outputClosed
        } catch {
            // Release what was read before the failure, then report it.
            decideRound()
            try? flush()
            progress.finish()
            throw error
        }
        progress.finish()
        return FilterResult(ending: ending, counts: counts, seconds: Clock.now() - started)
    }

    /// Fills the workers' batches with what is ready, one chunk each at most; false when the input has ended.
    private func readRound(_ reader: LineReader) throws -> Bool {
        for worker in workers { worker.batch.removeAll() }
        var index = 0
        while true {
            let worker = workers[index]
            guard try reader.next({ line in worker.batch.append(line) }) else { return false }
            if worker.batch.byteCount >= configuration.chunkBytes {
                index += 1
                if index == workers.count { return true }
            }
            if !reader.isReady { return true }
        }
    }

    /// Decides the round's batches, on as many threads as there are non-empty batches.
    private func decideRound() {
        let busy = workers.prefix { !$0.batch.isEmpty }
        if busy.count <= 1 {
            busy.first?.decide()
        } else {
            let round = Array(busy)
            DispatchQueue.concurrentPerform(iterations: round.count) { round[$0].decide() }
        }
    }

    /// Writes the round's output lines (and rejects) in input order.
    private func flush() throws(OutputError) {
        for worker in workers {
            let processor = worker.processor
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
}
