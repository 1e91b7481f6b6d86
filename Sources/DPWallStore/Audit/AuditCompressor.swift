package import DPWallRecords
import Foundation
import Synchronization

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

    /// The work handed over and how it went, shared by the thread handing it over and those compressing it.
    private struct Shared {
        /// Entries to compress, in order, from `start` on.
        var queue: [Entries] = []
        var start = 0
        /// The first failure, thrown by the next ``flush()`` or ``close()``.
        var failure: (any Error)?
        var finished = false
        /// Emptied buffers of entries already written, handed back by ``submit(_:count:now:eventTimes:)`` so that
        /// a batch's entries are neither copied nor written into fresh pages.
        var spare: [WriterBuffer] = []

        var hasQueued: Bool { start < queue.count }
    }

    /// The writer, driven by one thread at a time, which compresses in the order of the queue.
    private let working: Mutex<AuditSegmentWriter>
    /// Signalled when work arrives (for `ownThread`) and when the archive closes.
    private let shared = LockedBox(Shared())
    /// Records commits (an atomic store in the writer, made from any thread without `working`).
    private let markCommitted: (UInt64) -> Void
    /// Called (outside every lock here) when entries are handed over, so that a waiting worker can help.
    private let workArrived: (@Sendable () -> Void)?

    /// Compresses for `writer`: on a thread of its own with `ownThread`, else in ``help()`` and ``flush()``.
    /// `workArrived` is told when entries are handed over.
    public init(_ writer: AuditSegmentWriter, ownThread: Bool, workArrived: (@Sendable () -> Void)? = nil) {
        working = Mutex(writer)
        markCommitted = { writer.committed(through: $0) }
        self.workArrived = workArrived
        if ownThread {
            let thread = Thread { [self] in runOwnThread() }
            thread.name = "dpwall-audit"
            thread.start()
        }
    }

    /// Whether entries are waiting to be compressed.
    public var hasWork: Bool {
        shared.withLock { $0.value.hasQueued && $0.value.failure == nil && !$0.value.finished }
    }

    /// Hands over entries (JSON Lines) to compress, and returns at once with `lines` emptied: its buffer is queued,
    /// and an emptied buffer of earlier entries takes its place.
    package func submit(_ lines: inout WriterBuffer, count: Int, now: Double, eventTimes: (Int64, Int64)?) {
        guard count > 0 else { return }
        let queued = shared.withLock { locked in
            guard !locked.value.finished else { return false }
            var buffer = locked.value.spare.popLast() ?? WriterBuffer(capacity: lines.capacity)
            swap(&buffer, &lines)
            locked.value.queue.append(Entries(lines: buffer, count: count, now: now, eventTimes: eventTimes))
            locked.broadcast()
            return true
        }
        guard queued else {
            lines.removeAll(keepingCapacity: true)
            return
        }
        workArrived?()
    }

    /// Compresses one queued batch of entries if no other thread is compressing; false when there was nothing to
    /// do (or another thread was at it).
    @discardableResult
    public func help() -> Bool {
        working.withLockIfAvailable { writer in compressNext(writer) } ?? false
    }

    /// Waits until every entry handed over is compressed, written and fsynced; returns the anchor the ledger
    /// stores with the commit.
    public func flush() throws -> AuditAnchor {
        try drain { writer in try writer.flush() }
    }

    /// Records that the ledger committed every entry before `nextSeq` (later seals say so).
    public func committed(through nextSeq: UInt64) {
        markCommitted(nextSeq)
    }

    /// Seals the open frame if it is due (after what was handed over).
    public func sealIfDue(now: Double) throws {
        try drain { writer in if writer.sealIsDue(now: now) { try writer.seal() } }
    }

    /// Seals the open frame and closes the segment, and stops; returns the final anchor.
    public func close() throws -> AuditAnchor {
        if shared.withLock({ $0.value.finished }) { throw AuditError(message: "the audit archive is already closed") }
        let head = try drain { writer in try writer.closeSegment() }
        shared.withLock { locked in
            locked.value.finished = true
            locked.broadcast()
        }
        return head
    }

    /// Compresses everything queued, then runs `last` on the writer; throws the first failure.
    @discardableResult
    private func drain(then last: (AuditSegmentWriter) throws -> Void) throws -> AuditAnchor {
        try working.withLock { writer in
            while compressNext(writer) {}
            if let failure = shared.withLock({ $0.value.failure }) { throw failure }
            do {
                try last(writer)
            } catch {
                shared.withLock { locked in
                    if locked.value.failure == nil { locked.value.failure = error }
                }
                throw error
            }
            return try writer.anchor()
        }
    }

    /// With `working` held (its `writer`): compresses the first queued batch; false when none is queued.
    private func compressNext(_ writer: AuditSegmentWriter) -> Bool {
        let next = shared.withLock { locked -> Entries? in
            guard locked.value.hasQueued, locked.value.failure == nil else { return nil }
            let start = locked.value.start
            let work = locked.value.queue[start]
            locked.value.queue[start].lines = WriterBuffer(capacity: 0)
            locked.value.start += 1
            if locked.value.start == locked.value.queue.count {
                locked.value.queue.removeAll(keepingCapacity: true)
                locked.value.start = 0
            }
            return work
        }
        guard var work = next else { return false }
        var failed: (any Error)?
        do {
            try work.lines.withUnsafeBytes {
                try writer.append($0, count: work.count, now: work.now, eventTimes: work.eventTimes)
            }
        } catch {
            failed = error
        }
        work.lines.removeAll(keepingCapacity: true)
        shared.withLock { locked in
            if locked.value.spare.count < 4 { locked.value.spare.append(work.lines) }
            if let failed, locked.value.failure == nil { locked.value.failure = failed }
        }
        return true
    }

    /// The archive's own thread (one worker): compresses whatever is handed over, until closed.
    private func runOwnThread() {
        while true {
            let stop = shared.withLock { locked in
                while (!locked.value.hasQueued || locked.value.failure != nil) && !locked.value.finished {
                    locked.wait()
                }
                return locked.value.finished
            }
            if stop { return }
            working.withLock { writer in
                while compressNext(writer) {}
            }
        }
    }
}
