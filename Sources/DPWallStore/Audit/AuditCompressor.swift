package import DPWallRecords
import Foundation

/// Compresses and hashes the audit entries off the filter's writing turn (audit.md: compression on the second
/// core), with an ``AuditSegmentWriter`` that only one thread at a time drives.
///
/// The writing turn hands each batch's entries over as soon as they are written
/// (``submit(_:count:now:eventTimes:)``) and goes on. Who compresses them depends on the threads:
/// - With two or more deciding workers, the worker that is waiting for its writing turn does (``help()``): on two
///   cores a thread of the archive's own would be a third one competing with the writing turn, which bounds the
///   run, while the waiting worker's core has time to spare.
/// - With one worker (`--threads 1`), the archive runs its own thread (`ownThread`), on the core the worker leaves.
///
/// When a group commits, ``flush()`` compresses whatever is still queued, on the caller's thread, and fsyncs; it
/// returns the head to store in the ledger. Work is done in the order it was handed over; a failure is thrown by
/// the next ``flush()`` or ``close()``.
public final class AuditCompressor: @unchecked Sendable {
    private struct Entries {
        var lines: WriterBuffer
        var count: Int, now: Double, eventTimes: (Int64, Int64)?
    }

    private let writer: AuditSegmentWriter
    /// Held while the writer is driven: one thread at a time compresses, in the order of `queue`.
    private let working = NSLock()
    /// Guards `queue`, `spare`, `failure` and `finished`; signalled when work arrives (for `ownThread`).
    private let condition = NSCondition()
    private var queue: [Entries] = []
    private var queueStart = 0
    private var failure: (any Error)?
    private var finished = false
    /// Under `condition`: emptied buffers of entries already written, handed back by
    /// ``submit(_:count:now:eventTimes:)`` so that a batch's entries are neither copied nor written into fresh pages.
    private var spare: [WriterBuffer] = []
    /// Called (outside every lock here) when entries are handed over, so that a waiting worker can help.
    private let workArrived: (@Sendable () -> Void)?

    /// Compresses for `writer`: on a thread of its own with `ownThread`, else in ``help()`` and ``flush()``.
    /// `workArrived` is told when entries are handed over.
    public init(_ writer: AuditSegmentWriter, ownThread: Bool, workArrived: (@Sendable () -> Void)? = nil) {
        self.writer = writer
        self.workArrived = workArrived
        if ownThread {
            let thread = Thread { [self] in runOwnThread() }
            thread.name = "dpwall-audit"
            thread.start()
        }
    }

    /// Whether entries are waiting to be compressed.
    public var hasWork: Bool {
        condition.lock()
        defer { condition.unlock() }
        return queueStart < queue.count && failure == nil && !finished
    }

    /// Hands over entries (JSON Lines) to compress, and returns at once with `lines` emptied: its buffer is queued,
    /// and an emptied buffer of earlier entries takes its place.
    package func submit(_ lines: inout WriterBuffer, count: Int, now: Double, eventTimes: (Int64, Int64)?) {
        guard count > 0 else { return }
        condition.lock()
        guard !finished else {
            condition.unlock()
            lines.removeAll(keepingCapacity: true)
            return
        }
        var buffer = spare.popLast() ?? WriterBuffer(capacity: lines.capacity)
        swap(&buffer, &lines)
        queue.append(Entries(lines: buffer, count: count, now: now, eventTimes: eventTimes))
        condition.broadcast()
        condition.unlock()
        workArrived?()
    }

    /// Compresses one queued batch of entries if no other thread is compressing; false when there was nothing to
    /// do (or another thread was at it).
    @discardableResult
    public func help() -> Bool {
        guard working.try() else { return false }
        defer { working.unlock() }
        return compressNext()
    }

    /// Waits until every entry handed over is compressed, written and fsynced; returns the anchor the ledger
    /// stores with the commit.
    public func flush() throws -> AuditAnchor {
        try drain { try writer.flush() }
    }

    /// Records that the ledger committed every entry before `nextSeq` (later seals say so).
    public func committed(through nextSeq: UInt64) {
        writer.committed(through: nextSeq)
    }

    /// Seals the open frame if it is due (after what was handed over).
    public func sealIfDue(now: Double) throws {
        try drain { if writer.sealIsDue(now: now) { try writer.seal() } }
    }

    /// Seals the open frame and closes the segment, and stops; returns the final anchor.
    public func close() throws -> AuditAnchor {
        condition.lock()
        let closed = finished
        condition.unlock()
        if closed { throw AuditError(message: "the audit archive is already closed") }
        let head = try drain { try writer.closeSegment() }
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
        return head
    }

    /// Compresses everything queued, then runs `last` on the writer; throws the first failure.
    @discardableResult
    private func drain(then last: () throws -> Void) throws -> AuditAnchor {
        working.lock()
        defer { working.unlock() }
        while compressNext() {}
        condition.lock()
        if let failure {
            condition.unlock()
            throw failure
        }
        condition.unlock()
        do {
            try last()
        } catch {
            condition.lock()
            if failure == nil { failure = error }
            condition.unlock()
            throw error
        }
        return try writer.anchor()
    }

    /// With `working` held: compresses the first queued batch; false when none is queued.
    private func compressNext() -> Bool {
        condition.lock()
        guard queueStart < queue.count, failure == nil else {
            condition.unlock()
            return false
        }
        var work = queue[queueStart]
        queue[queueStart].lines = WriterBuffer(capacity: 0)
        queueStart += 1
        if queueStart == queue.count {
            queue.removeAll(keepingCapacity: true)
            queueStart = 0
        }
        condition.unlock()
        var failed: (any Error)?
        do {
            try work.lines.withUnsafeBytes {
                try writer.append($0, count: work.count, now: work.now, eventTimes: work.eventTimes)
            }
        } catch {
            failed = error
        }
        work.lines.removeAll(keepingCapacity: true)
        condition.lock()
        if spare.count < 4 { spare.append(work.lines) }
        if let failed, failure == nil { failure = failed }
        condition.unlock()
        return true
    }

    /// The archive's own thread (one worker): compresses whatever is handed over, until closed.
    private func runOwnThread() {
        while true {
            condition.lock()
            while (queueStart == queue.count || failure != nil) && !finished { condition.wait() }
            let stop = finished
            condition.unlock()
            if stop { return }
            working.lock()
            while compressNext() {}
            working.unlock()
        }
    }
}
