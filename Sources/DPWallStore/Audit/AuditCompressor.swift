package import DPWallRecords
import Foundation

/// Runs an ``AuditSegmentWriter`` on its own thread, so that compressing and hashing the entries happen off the
/// filter's ordered stage (audit.md: compression on the second core).
///
/// The ordered stage hands each batch's entries over as soon as they are written (``submit(_:count:now:eventTimes:)``)
/// and goes on. When a group commits, ``flush()`` waits until every entry handed over so far is compressed and
/// fsynced, and returns the head to store in the ledger: entries of the batches that were not the last in the
/// group have usually been compressed by then, while the stage was deciding the next batch. Work is done in the
/// order it was handed over; a failure is thrown by the next ``flush()`` or ``close()``.
public final class AuditCompressor: @unchecked Sendable {
    private enum Work {
        case entries(WriterBuffer, count: Int, now: Double, eventTimes: (Int64, Int64)?)
        case flush
        case sealIfDue(now: Double)
        case close
    }

    private let writer: AuditSegmentWriter
    private let condition = NSCondition()
    /// Under `condition`: work not yet taken, how many flushes and closes were requested and done, the failure.
    private var queue: [Work] = []
    private var requested = 0
    private var completed = 0
    private var failure: (any Error)?
    private var head: AuditHead
    private var finished = false
    /// Under `condition`: emptied buffers of entries already written, handed back by
    /// ``submit(_:count:now:eventTimes:)`` so that a batch's entries are neither copied nor written into fresh pages.
    private var spare: [WriterBuffer] = []

    /// Starts the thread for `writer`.
    public init(_ writer: AuditSegmentWriter) {
        self.writer = writer
        head = writer.head
        let thread = Thread { [self] in run() }
        thread.name = "dpwall-audit"
        thread.start()
    }

    /// The head of the entries handed over so far: the last seal's chain, and the next `seq`.
    public var nextSeq: UInt64 {
        condition.lock()
        defer { condition.unlock() }
        return head.nextSeq
    }

    /// Hands over entries (JSON Lines) to compress, and returns at once with `lines` emptied: its buffer goes to
    /// the archive's thread, and an emptied buffer of earlier entries takes its place.
    package func submit(_ lines: inout WriterBuffer, count: Int, now: Double, eventTimes: (Int64, Int64)?) {
        guard count > 0 else { return }
        condition.lock()
        defer { condition.unlock() }
        guard !finished else {
            lines.removeAll(keepingCapacity: true)
            return
        }
        var buffer = spare.popLast() ?? WriterBuffer(capacity: lines.capacity)
        swap(&buffer, &lines)
        queue.append(.entries(buffer, count: count, now: now, eventTimes: eventTimes))
        condition.broadcast()
    }

    /// Waits until every entry handed over is compressed, written and fsynced; returns the archive's head.
    public func flush() throws -> AuditHead {
        try wait(for: .flush)
    }

    /// Seals the open frame if it is due (in order, after what was handed over); returns at once.
    public func sealIfDue(now: Double) {
        post(.sealIfDue(now: now))
    }

    /// Seals the open frame and closes the segment, waits for it, and stops the thread; returns the final head.
    public func close() throws -> AuditHead {
        try wait(for: .close)
    }

    private func post(_ work: Work) {
        condition.lock()
        defer { condition.unlock() }
        guard !finished else { return }
        queue.append(work)
        condition.broadcast()
    }

    private func wait(for work: Work) throws -> AuditHead {
        condition.lock()
        defer { condition.unlock() }
        if finished { throw AuditError(message: "the audit archive is already closed") }
        queue.append(work)
        requested += 1
        let ticket = requested
        condition.broadcast()
        while completed < ticket && failure == nil { condition.wait() }
        if let failure { throw failure }
        return head
    }

    private func run() {
        while true {
            condition.lock()
            while queue.isEmpty { condition.wait() }
            let batch = queue
            queue.removeAll(keepingCapacity: true)
            condition.unlock()
            for work in batch {
                var barrierDone = false
                var stop = false
                do {
                    switch work {
                    case .entries(var lines, let count, let now, let times):
                        try lines.withUnsafeBytes { try writer.append($0, count: count, now: now, eventTimes: times) }
                        lines.removeAll(keepingCapacity: true)
                        condition.lock()
                        if spare.count < 4 { spare.append(lines) }
                        condition.unlock()
                    case .flush:
                        try writer.flush()
                        barrierDone = true
                    case .sealIfDue(let now):
                        if writer.sealIsDue(now: now) { try writer.seal() }
                    case .close:
                        try writer.closeSegment()
                        barrierDone = true
                        stop = true
                    }
                } catch {
                    condition.lock()
                    if failure == nil { failure = error }
                    condition.broadcast()
                    condition.unlock()
                }
                condition.lock()
                head = writer.head
                if barrierDone { completed += 1 }
                if stop { finished = true }
                condition.broadcast()
                condition.unlock()
                if stop { return }
            }
        }
    }
}
