import DPWallRecords
public import DPWallStore
import Dispatch
import Foundation
import Synchronization

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
    /// The budget ledger (`--ledger`), already open and locked.
    public var ledger: SQLiteLedger
    /// The audit archive (`--audit`), positioned after its last entry; nil with `--no-audit`.
    public var audit: AuditSegmentWriter?
    /// The longest a settled record waits for its group to commit while later input is ready (`--commit-interval`),
    /// in seconds.
    public var commitInterval = 0.005
    /// Where released lines go: standard output when nil, else this file (mode 0600); nowhere with
    /// ``discardOutput``.
    public var outputPath: String?
    public var discardOutput = false
    /// A second policy decided over the same input in the same pass (`replay --against`).
    public var shadow: ShadowLane?
    /// Sees every batch's outcomes, in input order (`replay`).
    public var observer: (any DecisionObserver)?

    /// The number of online cores.
    public static var onlineCores: Int { max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))) }

    /// A configuration with defaults.
    public init(policy: Policy, inputs: [String], ledger: SQLiteLedger) {
        self.policy = policy
        self.inputs = inputs
        self.ledger = ledger
    }
}

/// A second policy run over the same lines as the primary one, in the same pass, with its own ledger: its
/// output is decided and charged like the primary's, then dropped. Only its outcomes are seen (``DecisionObserver``).
public struct ShadowLane: Sendable {
    /// The shadow policy.
    public var policy: Policy
    /// Its ledger (usually `:memory:`).
    public var ledger: SQLiteLedger
    /// Its record-stage options (noise, credentials); rejects and audit are off.
    public var options: ProcessorOptions

    /// A shadow lane.
    public init(policy: Policy, ledger: SQLiteLedger, options: ProcessorOptions) {
        self.policy = policy
        self.ledger = ledger
        self.options = options
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
        let elapsed = TextTable.human(seconds)
        return "dpwall: \(counts.records) records, \(counts.allowed) allowed, \(denied) denied\(detail) "
            + "in \(elapsed) s, \(rate) records/s"
    }
}

/// The `filter` pipeline: read lines → decide each record → write one output line per input line, in order.
///
/// Each of `--threads` workers loops: take the input in turn and read one chunk of it (what is ready, at most
/// about 1 MiB, so a slow pipe is answered line by line), decide its records (the record stage is stateless, so
/// workers decide at the same time), then wait for its turn and write its output lines. Turns follow the order
/// in which chunks were read, so the output is in input order and the same for any number of threads. While one
/// worker reads or writes, the others decide: no thread waits for a whole round. Memory is bounded by one chunk
/// per worker and the line limit.
///
/// The stateful stages run in the writing turn, in input order: the ordered stage (``OrderedStage``) charges the
/// chunk's releases into the ledger's open transaction and holds its output. The group commits when no later
/// chunk has been read yet (so a pause in the input never holds a record back), when `--commit-interval` has
/// passed since the oldest held line, or when the held output is large; only then are the held lines written.
/// Several chunks read back to back share one commit (one `fsync`).
///
/// `@unchecked Sendable`: the workers share only what ``Turns`` holds in its locked boxes (and atomics); each
/// worker's record stage is touched by its own thread alone.
public final class FilterRun: @unchecked Sendable {
    private let configuration: FilterConfiguration
    private let workers: [Worker]
    private let output: OutputSink?
    private let rejects: OutputSink?
    private let budget: OrderedStage
    /// The writing turn (``Turns/writeTurn``), made before the turns so that the archive can wake the workers
    /// waiting on it.
    private let writeTurn: LockedBox<WriteState>
    private let shadowBudget: OrderedStage?

    /// One worker's record stage and chunk. Only its own thread touches them while it runs.
    private final class Worker: @unchecked Sendable {
        let processor: RecordProcessor
        /// The shadow lane's record stage, deciding the same lines.
        let shadow: RecordProcessor?
        /// Filled line by line by this worker alone, while it holds the input: no dynamic exclusivity check per line.
        @exclusivity(unchecked) var batch = LineBatch()

        init(_ processor: RecordProcessor, shadow: RecordProcessor?) {
            self.processor = processor
            self.shadow = shadow
        }

        /// Empties the batch buffers of every lane after its turn.
        func clearBatch() {
            for processor in [processor] + (shadow.map { [$0] } ?? []) {
                processor.output.removeAll()
                processor.rejects.removeAll()
                processor.pending.removeAll()
                processor.audit.removeAll()
                processor.outcomes.removeAll(keepingCapacity: true)
            }
        }
    }

    /// The input and how far it has been read, taken in turn by the workers.
    private struct InputState {
        let reader: LineReader
        /// The sequence number of the next chunk read, and whether the input has ended.
        var nextRead = 0
        var inputEnded = false
        /// The input failure that ended the input, if any.
        var inputFailure: (any Error)?
    }

    /// The writing turn: whose it is, and what the chunks written so far did.
    private struct WriteState {
        /// The chunk whose output is written next; output failure or a closed output.
        var nextWrite = 0
        var outputFailure: OutputError?
        /// A ledger failure (nothing more is released).
        var ledgerFailure: LedgerError?
        /// Set when a run starts.
        var progress: ProgressLine?
        /// What the chunks written so far decided (for the progress line).
        var written = DecisionCounts()
    }

    /// What the workers share: the input (read in turn), and the writing turn.
    ///
    /// `@unchecked Sendable`: the reader and the input failure are not `Sendable`, but they are in ``input`` and
    /// reached only with its lock held.
    private final class Turns: @unchecked Sendable {
        let input: LockedBox<InputState>
        let inputNames: [String]
        /// Wakes workers waiting for their writing turn (or for audit entries to compress while they wait).
        let writeTurn: LockedBox<WriteState>
        /// Set when output failed: stop reading at once.
        let stop = Atomic<Bool>(false)
        /// The reader's position and current input size (-1: unknown), published after each read for progress.
        let consumed = Atomic<Int>(0)
        /// How many chunks have been read (published after each read): a later chunk's turn is sure to come.
        let chunksRead = Atomic<Int>(0)
        let inputSize = Atomic<Int>(-1)

        init(reader: LineReader, inputNames: [String], writeTurn: LockedBox<WriteState>) {
            input = LockedBox(InputState(reader: reader))
            self.writeTurn = writeTurn
            self.inputNames = inputNames
        }
    }

    /// Prepares a run: compiles the policy's models and opens the rejects file.
    public init(_ configuration: FilterConfiguration) throws {
        self.configuration = configuration
        var options = configuration.options
        options.writeRejects = configuration.rejectsPath != nil
        options.charges = true
        options.audit = configuration.audit != nil
        options.limits = configuration.policy.hasRequestLimits
        options.outcomes = configuration.observer != nil
        var shadowOptions = configuration.shadow?.options
        if let shadow = configuration.shadow {
            shadowOptions!.writeRejects = false
            shadowOptions!.charges = true
            shadowOptions!.audit = false
            shadowOptions!.limits = shadow.policy.hasRequestLimits
            shadowOptions!.outcomes = options.outcomes
        }
        workers = try (0..<max(1, configuration.threads)).map { _ in
            Worker(
                try RecordProcessor(policy: configuration.policy, options: options),
                shadow: try configuration.shadow.map { try RecordProcessor(policy: $0.policy, options: shadowOptions!) }
            )
        }
        rejects = try configuration.rejectsPath.map { path throws(OutputError) in try OutputSink(path: path) }
        if configuration.discardOutput {
            output = nil
        } else if let path = configuration.outputPath {
            output = try OutputSink(path: path)
        } else {
            output = OutputSink(standardOutput: ())
        }
        let writeTurn = LockedBox(WriteState())
        self.writeTurn = writeTurn
        budget = OrderedStage(
            ledger: configuration.ledger, policy: configuration.policy, options: options, archive: configuration.audit,
            helpers: workers.count - 1, workArrived: { writeTurn.broadcast() })
        shadowBudget = configuration.shadow.map {
            OrderedStage(ledger: $0.ledger, policy: $0.policy, options: shadowOptions!, archive: nil)
        }
    }

    private var counts: DecisionCounts {
        var total = DecisionCounts()
        for worker in workers { total.add(worker.processor.counts) }
        return total
    }

    /// Runs to the end of input, a stop signal, or a closed output. Throws ``InputError`` or ``OutputError``.
    public func run() throws -> FilterResult {
        let started = Clock.now()
        let reader = LineReader(
            // The larger line limit of the lanes: each record stage holds a line to its own policy's limit.
            paths: configuration.inputs,
            maxRecordBytes: max(
                configuration.policy.limits.maxRecordBytes, configuration.shadow?.policy.limits.maxRecordBytes ?? 0),
            chunkBytes: configuration.chunkBytes)
        writeTurn.withLock {
            $0.value = WriteState(progress: ProgressLine(mode: configuration.progress, started: started))
        }
        let turns = Turns(
            reader: reader, inputNames: configuration.inputs.isEmpty ? ["-"] : configuration.inputs,
            writeTurn: writeTurn)
        reader.shouldStop = { [unowned turns] in SignalTrap.pending != nil || turns.stop.load(ordering: .relaxed) }
        reader.wakeDescriptor = SignalTrap.wakeDescriptor
        let group = DispatchGroup()
        for worker in workers.dropFirst() {
            DispatchQueue.global().async(group: group) { [self] in work(worker, turns) }
        }
        work(workers[0], turns)
        group.wait()
        let (ledgerFailure, outputFailure) = writeTurn.withLock { locked in
            locked.value.progress?.finish()
            return (locked.value.ledgerFailure, locked.value.outputFailure)
        }
        if let ledgerFailure { throw ledgerFailure }
        // Seal the last frame and close the segment with its seek table: what was committed is covered.
        do {
            try budget.closeArchive()
        } catch {
            throw LedgerError(kind: .io, message: "\(error)")
        }
        if let failure = outputFailure {
            if failure.closed {
                return FilterResult(ending: .outputClosed, counts: counts, seconds: Clock.now() - started)
            }
            throw failure
        }
        if let failure = turns.input.withLock({ $0.value.inputFailure }) { throw failure }
        let ending: FilterEnding = SignalTrap.pending.map { .interrupted(signal: $0) } ?? .completed
        return FilterResult(ending: ending, counts: counts, seconds: Clock.now() - started)
    }

    /// One worker's loop: read a chunk in turn, decide it, write it in turn; until the input ends or output fails.
    private func work(_ worker: Worker, _ turns: Turns) {
        let chunkBytes = configuration.chunkBytes
        while true {
            // Take the input and read one chunk of what is ready.
            let taken: Int? = turns.input.withLock { locked in
                if locked.value.inputEnded || turns.stop.load(ordering: .relaxed) { return nil }
                let reader = locked.value.reader
                worker.batch.removeAll()
                do {
                    var more = true
                    repeat {
                        more = try reader.next { line in worker.batch.append(line) }
                    } while more && worker.batch.byteCount < chunkBytes && reader.isReady
                    if !more { locked.value.inputEnded = true }
                } catch {
                    locked.value.inputFailure = error
                    locked.value.inputEnded = true
                }
                let sequence = locked.value.nextRead
                locked.value.nextRead += 1
                turns.chunksRead.store(sequence + 1, ordering: .releasing)
                turns.consumed.store(reader.consumedBytes, ordering: .relaxed)
                turns.inputSize.store(reader.currentInputSize ?? -1, ordering: .relaxed)
                return sequence
            }
            guard let sequence = taken else { return }

            // Decide, at the same time as the other workers.
            let before = worker.processor.counts
            // The audit entries the writing turn hands over are compressed here too, between records: this
            // worker has time to spare while the writing turn, which bounds the run, settles.
            worker.processor.process(
                worker.batch, inputNames: turns.inputNames,
                pause: budget.archive.map { archive in { if archive.hasWork { archive.help() } } })
            worker.shadow?.process(worker.batch, inputNames: turns.inputNames)
            let decided = worker.processor.counts.subtracting(before)

            // Write in turn; until then, compress audit entries the writing turn has handed over.
            let failed = turns.writeTurn.withLock { locked in
                while locked.value.nextWrite != sequence {
                    if let archive = budget.archive, archive.hasWork {
                        let helped = locked.unlocked { archive.help() }
                        // Not helped: another thread is compressing (the writing turn, flushing), and will finish.
                        if helped { continue }
                        if locked.value.nextWrite == sequence { break }
                    }
                    locked.wait()
                }
                return locked.value.outputFailure != nil || locked.value.ledgerFailure != nil
            }
            // The turn is this worker's until it advances `nextWrite`: it settles without holding the lock, so
            // that a waiting worker can take it to see whether there is compressing to do.
            if !failed {
                settle(worker, sequence: sequence, turns)
            }
            turns.writeTurn.withLock { locked in
                worker.clearBatch()
                locked.value.written.add(decided)
                let written = locked.value.written
                let size = turns.inputSize.load(ordering: .relaxed)
                locked.value.progress?.update(
                    written, consumed: turns.consumed.load(ordering: .relaxed), total: size < 0 ? nil : size)
                locked.value.nextWrite += 1
                locked.broadcast()
            }
        }
    }

    /// In the writing turn: charges the chunk's releases, and commits and writes the held output when due.
    private func settle(_ worker: Worker, sequence: Int, _ turns: Turns) {
        do {
            let now = Clock.now()
            let wall = Date().timeIntervalSince1970
            try budget.settle(worker.processor, now: now, wall: wall)
            if let shadowBudget, let shadow = worker.shadow { try shadowBudget.settle(shadow, now: now, wall: wall) }
            configuration.observer?.observe(worker.processor.outcomes, shadow: worker.shadow?.outcomes)
            let laterRead = turns.chunksRead.load(ordering: .acquiring) > sequence + 1
            let stopping = turns.stop.load(ordering: .relaxed) || SignalTrap.pending != nil
            guard
                stopping
                    || budget.commitIsDue(now: now, laterBatchRead: laterRead, interval: configuration.commitInterval)
            else { return }
            try budget.commit(wall: wall)
            try budget.releaseHeld { lines, rejected throws(OutputError) in
                if let output, !lines.isEmpty { try output.write(lines) }
                if let rejects, !rejected.isEmpty { try rejects.write(rejected) }
            }
            // The shadow lane's ledger is a throwaway: committed after the primary's lines are out.
            if let shadowBudget {
                do {
                    try shadowBudget.commit(wall: wall)
                } catch let error as LedgerError {
                    throw LedgerError(kind: error.kind, message: "the --against lane: \(error.message)")
                }
                shadowBudget.releaseHeld { _, _ in }
            }
        } catch let error as LedgerError {
            turns.writeTurn.withLock { $0.value.ledgerFailure = error }
            stopAll(turns)
        } catch let error as OutputError {
            turns.writeTurn.withLock { $0.value.outputFailure = error }
            stopAll(turns)
        } catch {
            turns.writeTurn.withLock { $0.value.ledgerFailure = LedgerError(kind: .io, message: "\(error)") }
            stopAll(turns)
        }
    }

    /// Stops reading at once, even a read waiting on a pipe: nothing more can be released.
    private func stopAll(_ turns: Turns) {
        turns.stop.store(true, ordering: .relaxed)
        SignalTrap.wake()
    }
}
