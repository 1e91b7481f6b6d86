import DPWallRecords
import Dispatch
import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// How many SIGALRMs the test handler has seen.
private let alarms = Atomic<Int>(0)

/// The system-call layer on real descriptors: short writes through a pipe, calls interrupted by a real signal,
/// errors named with their `errno`.
///
/// Serialized: the signal tests install a process-wide SIGALRM handler (without `SA_RESTART`, so that a blocked
/// call returns EINTR), and send the signal to one thread of their own only (`pthread_kill`), never to the process.
@Suite(.serialized) struct SystemCallTests {
    /// A thread of its own running one call, so that a signal can be sent to it alone.
    final class Caller: Sendable {
        let thread = Mutex<pthread_t?>(nil)
        let started = DispatchSemaphore(value: 0)
        let finished = DispatchSemaphore(value: 0)
        /// Keeps the thread alive after the call, until ``wait()``: a signal is never sent to a thread that ended.
        let release = DispatchSemaphore(value: 0)
        let result = Mutex<Result<Int, SystemCallError>?>(nil)

        init(_ call: @escaping @Sendable () throws(SystemCallError) -> Int) {
            let thread = Thread { [self] in
                // Threads may start with signals blocked (libdispatch's, Foundation's): this one takes SIGALRM.
                var alarm = sigset_t()
                sigemptyset(&alarm)
                sigaddset(&alarm, SIGALRM)
                pthread_sigmask(SIG_UNBLOCK, &alarm, nil)
                self.thread.withLock { $0 = pthread_self() }
                started.signal()
                let outcome = Result(catching: call)
                result.withLock { $0 = outcome }
                finished.signal()
                release.wait()
            }
            thread.start()
            started.wait()
        }

        /// Sends SIGALRM to the thread.
        func interrupt() {
            let target = thread.withLock { $0! }
            pthread_kill(target, SIGALRM)
        }

        var isFinished: Bool { result.withLock { $0 != nil } }

        /// Waits for the call to return and gives its result.
        func wait() -> Result<Int, SystemCallError> {
            finished.wait()
            release.signal()
            return result.withLock { $0! }
        }
    }

    /// Installs a SIGALRM handler that only counts, without `SA_RESTART`.
    static func installAlarmHandler() {
        var action = sigaction()
        #if canImport(Glibc)
            action.__sigaction_handler.sa_handler = { _ in alarms.add(1, ordering: .relaxed) }
        #else
            action.__sigaction_u.__sa_handler = { _ in alarms.add(1, ordering: .relaxed) }
        #endif
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        sigaction(SIGALRM, &action, nil)
    }

    /// Runs `body` with a pipe (read end, write end), of `bytes` when given, closed afterwards.
    static func withPipe(bytes: Int32? = nil, _ body: (Int32, Int32) throws -> Void) throws {
        Self.installAlarmHandler()
        var ends: [Int32] = [-1, -1]
        try #require(pipe(&ends) == 0)
        defer {
            try? SystemCall.close(ends[0])
            try? SystemCall.close(ends[1])
        }
        #if os(Linux)
            if let bytes { _ = fcntl(ends[1], 1031, bytes) }  // F_SETPIPE_SZ
        #endif
        try body(ends[0], ends[1])
    }

    @Test func writesEverythingThroughAPipeInterruptedBySignals() throws {
        try Self.withPipe(bytes: 4096) { readEnd, writeEnd in
            let sent = (0..<(256 * 1024)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 9) }
            let before = alarms.load(ordering: .relaxed)
            // The pipe holds 4 KiB: the write blocks until the reader takes some, and each signal that lands while it
            // is blocked ends that write(2) short (or with EINTR when it had written nothing yet).
            let writer = Caller { () throws(SystemCallError) in
                try SystemCall.writeAll(writeEnd, sent)
                return sent.count
            }
            var received: [UInt8] = []
            var piece = [UInt8](repeating: 0, count: 777)
            while received.count < sent.count {
                writer.interrupt()
                let count = try piece.withUnsafeMutableBytes { try SystemCall.read(readEnd, into: $0) }
                try #require(count > 0)
                received += piece[0..<count]
            }
            #expect(try writer.wait().get() == sent.count)
            #expect(received == sent)
            #expect(alarms.load(ordering: .relaxed) > before)
        }
    }

    /// What the test above relies on: a signal ends a write(2) blocked on a full pipe short, having written what fit.
    @Test func aSignalCutsARawWriteShort() throws {
        try Self.withPipe(bytes: 4096) { readEnd, writeEnd in
            let sent = [UInt8](repeating: 7, count: 64 * 1024)
            let writer = Caller { () throws(SystemCallError) in
                sent.withUnsafeBytes { write(writeEnd, $0.baseAddress, $0.count) }
            }
            while !writer.isFinished {
                writer.interrupt()
                sched_yield()
            }
            let written = try writer.wait().get()
            #expect(written > 0 && written < sent.count)
        }
    }

    @Test func readRetriesWhenASignalInterruptsIt() throws {
        try Self.withPipe { readEnd, writeEnd in
            let interruptions = Atomic<Int>(0)
            let reader = Caller { () throws(SystemCallError) in
                var buffer = [UInt8](repeating: 0, count: 16)
                return try buffer.withUnsafeMutableBytes { raw in
                    Result { () throws(SystemCallError) in
                        try SystemCall.read(readEnd, into: raw) {
                            interruptions.add(1, ordering: .relaxed)
                            return false
                        }
                    }
                }.get()
            }
            // The empty pipe keeps the read waiting: every signal that lands in it is an EINTR, retried.
            while interruptions.load(ordering: .relaxed) < 3 {
                reader.interrupt()
                sched_yield()
            }
            #expect(!reader.isFinished)
            try SystemCall.writeAll(writeEnd, [42])
            #expect(try reader.wait().get() == 1)
        }
    }

    @Test func readGivesUpOnEINTRWhenAsked() throws {
        try Self.withPipe { readEnd, writeEnd in
            let reader = Caller { () throws(SystemCallError) in
                var buffer = [UInt8](repeating: 0, count: 16)
                return try buffer.withUnsafeMutableBytes { raw in
                    Result { () throws(SystemCallError) in
                        try SystemCall.read(readEnd, into: raw, stopRetrying: { true })
                    }
                }.get()
            }
            while !reader.isFinished {
                reader.interrupt()
                sched_yield()
            }
            #expect(reader.wait() == .failure(SystemCallError("read", code: EINTR)))
        }
    }

    @Test func badDescriptorsAreReportedWithTheirCall() throws {
        // -1, not a descriptor just closed: a test running meanwhile could be given that number.
        let closed: Int32 = -1
        #expect(throws: SystemCallError("write", code: EBADF)) { try SystemCall.writeAll(closed, [1, 2, 3]) }
        #expect(throws: SystemCallError("fsync", code: EBADF)) { try SystemCall.fsync(closed) }
        #expect(throws: SystemCallError("close", code: EBADF)) { try SystemCall.close(closed) }
        #expect(throws: SystemCallError("ftruncate", code: EBADF)) { try SystemCall.ftruncate(-1, 0) }
        #expect(throws: SystemCallError("pwrite", code: EBADF)) {
            try [UInt8]([1]).withUnsafeBytes { raw in
                try Result { () throws(SystemCallError) in try SystemCall.pwriteAll(-1, raw, at: 0) }.get()
            }
        }
        var buffer = [UInt8](repeating: 0, count: 4)
        #expect(throws: SystemCallError("read", code: EBADF)) {
            try buffer.withUnsafeMutableBytes { raw in
                try Result { () throws(SystemCallError) in try SystemCall.read(-1, into: raw) }.get()
            }
        }
        #expect(SystemCallError("write", code: EBADF).description == "write: Bad file descriptor")
    }

    @Test func openReportsWhyNot() {
        #expect(throws: SystemCallError("open", code: ENOENT)) {
            try SystemCall.open("/nonexistent-\(UUID())/file", O_RDONLY | O_CLOEXEC)
        }
    }

    @Test func positionedWritesReadsAndTruncation() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("dpwall-syscall-\(UUID())").path
        defer { unlink(path) }
        let fd = try SystemCall.open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, mode: 0o600)
        defer { try? SystemCall.close(fd) }
        try SystemCall.writeAll(fd, Array("hello, world".utf8))
        try SystemCall.ftruncate(fd, 5)
        try Array("HE".utf8).withUnsafeBytes { raw in
            try Result { () throws(SystemCallError) in try SystemCall.pwriteAll(fd, raw, at: 0) }.get()
        }
        try SystemCall.fsync(fd)
        var buffer = [UInt8](repeating: 0, count: 16)
        let count = try buffer.withUnsafeMutableBytes { raw in
            try Result { () throws(SystemCallError) in try SystemCall.pread(fd, into: raw, at: 0) }.get()
        }
        #expect(String(decoding: buffer[0..<count], as: UTF8.self) == "HEllo")
    }
}
