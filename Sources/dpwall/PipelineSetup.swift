import ArgumentParser
import DPWall
import DPWallRecords
import DPWallStore

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

    /// Opens the audit archive where it ends, after checking it against the ledger's record of it.
    static func openAudit(
        _ directory: String, ledger: SQLiteLedger, options: AuditSegmentWriter.Options, signingKey seed: [UInt8]?
    ) throws -> AuditSegmentWriter {
        func fail(_ message: String, _ status: Int32) -> ExitCode {
            FileHandleStderr.write("dpwall: \(message)\n")
            return ExitCode(status)
        }
        do {
            let found = try AuditVerifier.resumeHead(directory: directory)
            if let recorded = try ledger.auditHead(), recorded.nextSeq > (found?.nextSeq ?? 1) {
                throw fail(
                    "the ledger recorded audit entries up to seq \(recorded.nextSeq - 1), but \(directory) "
                        + (found == nil ? "holds no segment" : "ends at seq \(found!.nextSeq - 1)")
                        + ": the archive lost its tail or is the wrong one; run dpwall audit verify \(directory) "
                        + "--ledger \(ledger.path), or give --audit the right directory", 65)
            }
            return try AuditSegmentWriter(
                directory: directory, head: found ?? AuditHead(), options: options, signingKey: seed)
        } catch let error as AuditError {
            throw fail(error.message, 74)
        } catch let error as LedgerError {
            throw fail(error.message, error.exitStatus)
        }
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
