import DPWallRecords
import Foundation

/// A segment file mapped read-only into memory for ``AuditVerifier`` and ``AuditReader`` (no copy, no scratch
/// buffer to fault in); unmapped when released.
///
/// A mapping reflects the file as it is: if another process truncates the file while it is mapped, reading the
/// lost pages raises SIGBUS. dpwall's writer only appends, and audit.md's segments are never shortened in place;
/// a concurrent truncation is tampering that ends the check instead of being reported.
final class MappedFile {
    /// The file's bytes.
    let bytes: UnsafeRawBufferPointer
    /// The largest file mapped with its pages read ahead (`MAP_POPULATE`).
    static let populateLimit = 1 << 30

    /// Maps `path`; nil when it cannot be opened or mapped, or is not a regular file. It is opened without
    /// blocking and without following a symbolic link: a FIFO named like a segment would block an open until a
    /// writer came (verify, report and the filter hung on one), and a segment is never a link.
    init?(path: String) {
        guard let descriptor = try? SystemCall.open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW) else {
            return nil
        }
        defer { try? SystemCall.close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { return nil }
        let size = Int(status.st_size)
        guard size > 0 else {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        // Pages are read ahead for a segment of ordinary size; a larger file (a planted sparse one can claim
        // terabytes) is read only where the check goes.
        let flags = size <= Self.populateLimit ? MAP_PRIVATE | MAP_POPULATE : MAP_PRIVATE
        guard let address = mmap(nil, size, PROT_READ, flags, descriptor, 0),
            address != MAP_FAILED
        else { return nil }
        bytes = UnsafeRawBufferPointer(start: address, count: size)
    }

    deinit {
        if let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
    }
}
