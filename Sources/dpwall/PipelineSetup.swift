import ArgumentParser
import DPWall
import DPWallRecords
import DPWallStore
import Foundation

/// What `filter` and `replay` both do before and around a run, each failure mapped to its exit status and message.
enum PipelineSetup {
    /// Loads the policy and the JWKS, HMAC secret or CA bundle its auth mode needs: a bad one stops the run before
    /// it starts (78).
    static func loadPolicy(_ path: String) throws -> (Policy, CredentialVerifiers) {
        let loaded = try PolicyLoader.loadOrExit(path)
        do {
            return (loaded, try CredentialVerifiers(policy: loaded, policyPath: path))
        } catch {
            FileHandleStderr.write(error.problems.map { "dpwall: \(path): \($0.description)\n" }.joined())
            throw ExitCode(78)
        }
    }

    /// Checks that every input file can be opened (66) before anything is created.
    static func probe(_ files: [String]) throws {
        for file in files where file != "-" {
            do {
                _ = try InputProbe.check(file)
            } catch {
                FileHandleStderr.write("dpwall: \(error.message)\n")
                throw ExitCode(error.code.exitStatus)
            }
        }
    }

    /// The key file at `path`, which must be of `kind`: a raw file of an earlier version gets its upgrade note on
    /// stderr; a refused one exits with its status (78) and message.
    static func key(_ path: String, as kind: KeyKind) throws -> LoadedKey {
        do {
            let loaded = try KeyFile.load(path, as: kind)
            if let note = loaded.upgradeNote { FileHandleStderr.write("dpwall: warning: \(note)\n") }
            return loaded
        } catch {
            FileHandleStderr.write("dpwall: \(error.message)\n")
            throw ExitCode(error.exitStatus)
        }
    }

    /// The noise mode of `--noise-key` or `--seed` (with its warning); secure noise without either.
    static func noise(key: String?, seed: UInt64?) throws -> NoiseMode {
        if let key { return NoiseMode.keyed(try Self.key(key, as: .noise)) }
        guard let seed else { return .secure }
        FileHandleStderr.write(
            "dpwall: warning: --seed \(seed) makes the noise predictable; use it for tests and demos only, "
                + "never for real releases\n")
        return .seeded(seed)
    }

    /// Opens (and locks) the ledger.
    static func openLedger(_ path: String) throws -> SQLiteLedger {
        do {
            return try SQLiteLedger(path: path)
        } catch let error as LedgerError {
            FileHandleStderr.write("dpwall: \(error.message)\n")
            throw ExitCode(error.exitStatus)
        }
    }

    /// Opens the audit archive where it ends, after checking its end against the ledger's anchor (audit.md,
    /// "The ledger's anchor"): a crash tail is sealed first (a recovery seal), and the ledger records where the
    /// archive stands before any entry is written. An archive that does not verify at its end, or does not match
    /// the ledger, is refused (65).
    static func openAudit(
        _ directory: String, ledger: SQLiteLedger, options: AuditSegmentWriter.Options, signingKey seed: [UInt8]?
    ) throws -> AuditSegmentWriter {
        func fail(_ message: String, _ status: Int32) -> ExitCode {
            FileHandleStderr.write("dpwall: \(message)\n")
            // A ledger this run created, refused before anything was recorded in it, is not left behind empty.
            ledger.discardIfNew()
            return ExitCode(status)
        }
        do {
            let anchor = try ledger.auditAnchor()
            // With a signing key, every signature at the archive's end must be this key's, and the anchor must be
            // signed by it once any seal is: an archive whose seals were never signed may start being signed now.
            let publicKey = seed.flatMap(AuditSigning.publicKey(privateKey:))
            let point = try AuditVerifier.resume(directory: directory, anchor: anchor, publicKey: publicKey)
            if anchor?.signature != nil && seed == nil {
                throw fail(
                    "the ledger \(ledger.path) was written with a signed audit archive: give --signing-key (a run "
                        + "without it would leave seals that verify --public-key refuses)", 64)
            }
            // An archive belongs to one ledger: a ledger that does not know it (new, emptied, its record of the
            // archive deleted, or another one) would start every budget afresh beside entries that say otherwise.
            if anchor == nil, let point, point.head.nextSeq > 1 {
                throw fail(
                    "ledger \(ledger.path) has no record of the audit archive in \(directory), which holds entries: an "
                        + "archive belongs to the ledger it was written with (this one is new or emptied, its record "
                        + "of the archive was deleted, or it is another ledger); give --audit a new directory for a new "
                        + "ledger, or --ledger the archive's own",
                    65)
            }
            let writer = try AuditSegmentWriter(
                directory: directory, head: point?.head ?? AuditHead(), options: options, signingKey: seed)
            if let anchor {
                // A ledger from before origins were kept (or one made to look so) is taken to have met its archive
                // at its start: verify then checks all of it, rather than only what follows this run.
                writer.origin = anchor.origin ?? AuditHead()
            }
            if let point, point.needsRecovery {
                try writer.writeRecoverySeal(
                    tail: point.crashTail, committed: anchor?.head.nextSeq ?? point.head.nextSeq,
                    now: Date().timeIntervalSince1970)
            }
            // The ledger learns where the archive stands before any entry is written: a run that dies before its
            // first commit leaves a ledger that still knows its archive.
            let start = try writer.anchor()
            try ledger.withWriter { writer in
                try writer.begin()
                try writer.saveAuditAnchor(start)
                try writer.commit()
            }
            return writer
        } catch let error as AuditError {
            throw fail(error.message, error.exitStatus)
        } catch let error as LedgerError {
            throw fail(error.message, error.exitStatus)
        }
    }

    /// Refuses a run without an archive on a ledger that has one (65): its charges would have no entries, and
    /// `audit verify --ledger` would fail from then on.
    static func requireNoArchive(_ ledger: SQLiteLedger) throws {
        let anchor: AuditAnchor?
        do {
            anchor = try ledger.auditAnchor()
        } catch let error as LedgerError {
            FileHandleStderr.write("dpwall: \(error.message)\n")
            throw ExitCode(error.exitStatus)
        }
        guard let anchor else { return }
        FileHandleStderr.write(
            "dpwall: ledger \(ledger.path) was written with an audit archive (entries up to seq "
                + "\(anchor.head.nextSeq - 1)): a run without --audit would leave its charges without entries; give "
                + "--audit with that archive's directory, or use a new ledger\n")
        throw ExitCode(65)
    }

    /// Runs the pipeline with signals trapped; input, output and ledger failures exit with their status.
    static func run(_ configuration: FilterConfiguration) throws -> FilterResult {
        SignalTrap.install()
        do {
            return try FilterRun(configuration).run()
        } catch let error as InputError {
            FileHandleStderr.write("dpwall: \(error.message)\n")
            throw ExitCode(error.code.exitStatus)
        } catch let error as OutputError {
            FileHandleStderr.write("dpwall: \(error.message)\n")
            throw ExitCode(74)
        } catch let error as LedgerError {
            FileHandleStderr.write("dpwall: \(error.message); nothing after the last commit was released\n")
            throw ExitCode(error.exitStatus)
        }
    }
}
