import DPWallRecords

/// The record stage over in-memory JSON Lines, for embedding and for benchmarks: lines in, output lines out.
///
/// `FilterRun` drives the same stage from files and pipes; this entry point lets a caller (a benchmark, a later
/// proxy mode) hand it bytes directly.
public final class RecordBatchProcessor {
    private let processor: RecordProcessor
    private var linesSeen = 0

    /// Prepares the stage for `policy`.
    public init(policy: Policy, options: ProcessorOptions = ProcessorOptions()) throws {
        processor = try RecordProcessor(policy: policy, options: options)
    }

    /// Decides every `\n`-terminated line of `bytes` (a final line without newline included) and returns the
    /// output lines' total size in bytes; the output itself is handed to `sink` and then discarded.
    @discardableResult
    public func process(_ bytes: UnsafeRawBufferPointer, sink: (UnsafeRawBufferPointer) -> Void = { _ in }) -> Int {
        linesSeen += processor.process(contiguous: bytes, firstLine: linesSeen + 1, inputName: "-")
        let size = processor.output.bytes.count
        processor.output.bytes.withUnsafeBytes { sink($0) }
        processor.output.removeAll()
        processor.rejects.removeAll()
        return size
    }

    /// What was decided so far.
    public var counts: DecisionCounts { processor.counts }
}
