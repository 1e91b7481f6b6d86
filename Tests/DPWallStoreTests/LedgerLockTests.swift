import Foundation
import Testing

@testable import DPWallStore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The one-writer lock is per file, not per path (issue 20): every path to one ledger shares one lock, a link
/// planted at the lock's name is never written through, and nothing a dead holder left behind blocks.
@Suite struct LedgerLockTests {
    /// A fresh directory for one test's files, removed when the value goes away.
    final class Scratch {
        let path: String

        init() throws {
            path =
                FileManager.default.temporaryDirectory.appendingPathComponent("dpwall-lock-\(UUID().uuidString)")
                .path
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }

        deinit { try? FileManager.default.removeItem(atPath: path) }

        func file(_ name: String) -> String { path + "/" + name }

        /// The names in the directory that end in `.lock`.
        func lockFiles() throws -> [String] {
            try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".lock") }.sorted()
        }
    }

    /// The lock file of the ledger at `path`: beside it, named after its inode.
    static func lockPath(of path: String) throws -> String {
        var status = stat()
        try #require(stat(path, &status) == 0)
        return URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent(
            "dpwall-ledger-\(status.st_ino).lock"
        ).path
    }

    /// The kind of the error `body` throws, if it is a ``LedgerError``.
    static func failure(_ body: () throws -> SQLiteLedger) -> LedgerError? {
        do {
            _ = try body()
            return nil
        } catch {
            return error as? LedgerError
        }
    }

    enum OtherPath: String, CaseIterable, Sendable {
        case symbolicLink, linkedFolder
    }

    @Test(
        "a ledger with a second hard link, in its folder or another, is refused by every writer (SQLite's WAL is per path)",
        arguments: [false, true])
    func hardLinks(elsewhere: Bool) throws {
        let scratch = try Scratch()
        try FileManager.default.createDirectory(atPath: scratch.file("real"), withIntermediateDirectories: false)
        try FileManager.default.createDirectory(atPath: scratch.file("other"), withIntermediateDirectories: false)
        let path = scratch.file("real/dpwall.db")
        var first: SQLiteLedger? = try SQLiteLedger(path: path)
        let other = scratch.file(elsewhere ? "other/dpwall.db" : "real/hard.db")
        try #require(link(path, other) == 0)
        let error = Self.failure { try SQLiteLedger(path: other) }
        #expect(error?.kind == .unusable, "\(error?.message ?? "opened")")
        #expect(error?.message.contains("2 hard links") == true, "\(error?.message ?? "opened")")
        _ = first
        first = nil
        #expect(Self.failure { try SQLiteLedger(path: path) }?.kind == .unusable)
        #expect(Self.failure { try SQLiteLedger(path: other) }?.kind == .unusable)
        try #require(unlink(other) == 0)
        #expect(try SQLiteLedger(path: path).integrityCheck() == "ok")
    }

    @Test(
        "a second writer through a symbolic link or a linked folder is refused",
        arguments: OtherPath.allCases)
    func otherPaths(kind: OtherPath) throws {
        let scratch = try Scratch()
        try FileManager.default.createDirectory(atPath: scratch.file("real"), withIntermediateDirectories: false)
        let path = scratch.file("real/dpwall.db")
        let other: String
        var first: SQLiteLedger? = try SQLiteLedger(path: path)
        switch kind {
        case .symbolicLink:
            other = scratch.file("real/link.db")
            try #require(symlink(path, other) == 0)
        case .linkedFolder:
            try #require(symlink(scratch.file("real"), scratch.file("alias")) == 0)
            other = scratch.file("alias/dpwall.db")
        }
        let error = Self.failure { try SQLiteLedger(path: other) }
        #expect(error?.kind == .locked, "\(error?.message ?? "opened")")
        #expect(error?.message.contains("process \(getpid())") == true, "\(error?.message ?? "opened")")
        // The other way round, the same.
        _ = first
        first = nil
        let second = try SQLiteLedger(path: other)
        #expect(Self.failure { try SQLiteLedger(path: path) }?.kind == .locked)
        #expect(try second.integrityCheck() == "ok")
    }

    @Test("a ledger created through a symbolic link to a missing file has the same lock as its real path")
    func createdThroughLink() throws {
        let scratch = try Scratch()
        let path = scratch.file("dpwall.db")
        try #require(symlink(path, scratch.file("link.db")) == 0)
        let first = try SQLiteLedger(path: scratch.file("link.db"))
        #expect(FileManager.default.fileExists(atPath: path))
        #expect(Self.failure { try SQLiteLedger(path: path) }?.kind == .locked)
        withExtendedLifetime(first) {}
    }

    @Test("a link planted where a lock file goes is never written through")
    func plantedLinks() throws {
        let scratch = try Scratch()
        let path = scratch.file("dpwall.db")
        let victim = scratch.file("victim")
        let precious = Data("precious bytes\n".utf8)
        try precious.write(to: URL(fileURLWithPath: victim))
        // The old lock's name: not used, so a link there is harmless.
        try #require(symlink(victim, path + ".lock") == 0)
        do {
            let ledger = try SQLiteLedger(path: path)
            #expect(try ledger.integrityCheck() == "ok")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: victim)) == precious)

        // The lock's own name: a symbolic or a hard link there is refused, and left as it is.
        let lock = try Self.lockPath(of: path)
        try #require(symlink(victim, lock) == 0)
        let throughSymlink = Self.failure { try SQLiteLedger(path: path) }
        #expect(throughSymlink?.kind == .unusable)
        #expect(throughSymlink?.message.contains("symbolic link") == true, "\(throughSymlink?.message ?? "opened")")
        try #require(unlink(lock) == 0)
        try #require(link(victim, lock) == 0)
        let throughHardLink = Self.failure { try SQLiteLedger(path: path) }
        #expect(throughHardLink?.kind == .unusable)
        #expect(
            throughHardLink?.message.contains("one link") == true, "\(throughHardLink?.message ?? "opened")")
        #expect(try Data(contentsOf: URL(fileURLWithPath: victim)) == precious)
        #expect(FileManager.default.fileExists(atPath: lock))
    }

    @Test("a lock file a dead holder left does not block, and a holder removes its lock file when it lets go")
    func leftBehind() throws {
        let scratch = try Scratch()
        let path = scratch.file("dpwall.db")
        do { _ = try SQLiteLedger(path: path) }
        #expect(try scratch.lockFiles().isEmpty)
        // What a process killed with -9 leaves: the file with its pid, no lock (the kernel dropped it).
        let lock = try Self.lockPath(of: path)
        try Data("2147483646\n".utf8).write(to: URL(fileURLWithPath: lock))
        try #require(chmod(lock, 0o600) == 0)
        do {
            let ledger = try SQLiteLedger(path: path)
            #expect(try String(contentsOfFile: lock, encoding: .utf8) == "\(getpid())\n")
            #expect(try ledger.integrityCheck() == "ok")
        }
        #expect(try scratch.lockFiles().isEmpty)
    }
}
