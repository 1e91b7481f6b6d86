import ArgumentParser
import DPWall
import DPWallRecords
import DPWallStore
import Foundation

/// `dpwall audit`: check and read audit archives.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Verify and read tamper-evident audit archives.",
        subcommands: [Verify.self, Cat.self]
    )

    /// `dpwall audit verify`.
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every frame, seal, chain link, signature and seq of an archive.",
            discussion: """
                PATH is a segment file or a directory of segments; several form one archive in their order. \
                Prints one line per problem and a summary. A crash tail (an unsealed frame at the end of a \
                segment, left by a killed run) is reported as a note, not as tampering. With --ledger, the \
                ledger's record of the archive's head must be reached, and every charged record must have its \
                entry. Exit status: 0 everything holds, 1 a problem, 66 a path cannot be read, 78 a bad key file.
                """)

        @Argument(help: "Segment files or directories.")
        var paths: [String]

        @Option(
            name: .customLong("public-key"),
            help: ArgumentHelp("Require every seal signed by this Ed25519 key (FILE.pub of keygen).", valueName: "FILE")
        )
        var publicKey: String?

        @Option(help: ArgumentHelp("Check the archive against this ledger.", valueName: "PATH"))
        var ledger: String?

        func run() throws {
            var key: [UInt8]?
            if let publicKey { key = try PipelineSetup.key(publicKey, as: .verifying).bytes }
            let opened = try ledger.map { try BudgetCommand.open($0, readOnly: true) }
            let anchor = try opened.map { ledger in try BudgetCommand.ledgerCall { try ledger.auditAnchor() } } ?? nil
            var check = AuditLedgerCheck()
            let report: AuditReport
            do {
                let verifier = try AuditVerifier(publicKey: key)
                // Only the ledger check needs every entry in order; without it the frames are checked in
                // parallel.
                let collect: ((UnsafeRawBufferPointer) -> Void)? = opened == nil ? nil : { check.take($0) }
                report = try verifier.verify(paths, anchor: anchor, entries: collect)
            } catch let error as AuditError {
                FileHandleStderr.write("dpwall: \(error.message)\n")
                throw ExitCode(66)
            }
            var problems = report.problems
            var notes = report.notes
            if let opened {
                if anchor == nil && report.entries > 0 {
                    problems.append(.ledgerWithoutAnchor)
                }
                if anchor != nil && anchor?.origin == nil {
                    notes.append(
                        "the ledger was last written by a dpwall before ledger schema v5, which kept no origin: it "
                            + "is checked as if it met the archive at its start")
                }
                problems += try BudgetCommand.ledgerCall {
                    try check.problems(
                        ledger: opened, report: report, origin: anchor.map { $0.origin ?? AuditHead() })
                }
            }
            // Every problem counts in the summary; the listing stops at a screenful, saying how many it left out.
            let shown = 100
            for problem in problems.prefix(shown) { print(SafeText.visible(problem.description)) }
            if problems.count > shown {
                print("… and \(problems.count - shown) more problems (\(problems.count) in all)")
            }
            for note in notes { print("note: \(SafeText.visible(note))") }
            let summary =
                "dpwall: audit verify: \(report.segments) segments, \(report.frames) frames, \(report.entries) "
                + "entries, \(report.bytes) bytes: "
                + (problems.isEmpty ? "intact" : "\(problems.count) problem\(problems.count == 1 ? "" : "s")")
            print(summary)
            if !problems.isEmpty { throw ExitCode(1) }
        }
    }

    /// `dpwall audit cat`.
    struct Cat: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print an archive's entries as JSON Lines, filtered.",
            discussion: """
                Frames whose seal puts all their entries outside --since/--until are skipped without being \
                decompressed. Entries are not verified: run audit verify for that. Exit status: 0, 64 bad usage, \
                66 a path cannot be read.
                """)

        @Argument(help: "Segment files or directories.")
        var paths: [String]

        @Option(help: "Only this client's entries.")
        var client: String?

        @Option(help: ArgumentHelp("Only entries with event time at or after this (RFC 3339).", valueName: "TS"))
        var since: String?

        @Option(help: ArgumentHelp("Only entries with event time before this (RFC 3339).", valueName: "TS"))
        var until: String?

        @Option(help: "Only allow or deny.")
        var decision: String?

        @Option(help: "Only entries denied with this code.")
        var code: String?

        @Flag(help: "Print on stderr how many frames were read and skipped.")
        var stats = false

        static func time(_ text: String) -> Int64? {
            var text = text
            return text.withUTF8 { EventTime.parseMilliseconds(UnsafeRawBufferPointer($0)) }
        }

        func validate() throws {
            if let since, Self.time(since) == nil { throw ValidationError("--since \(since) is not an RFC 3339 time") }
            if let until, Self.time(until) == nil { throw ValidationError("--until \(until) is not an RFC 3339 time") }
            if let decision, decision != "allow" && decision != "deny" {
                throw ValidationError("--decision is allow or deny")
            }
            try ClientArgument.validate(client.map { [$0] } ?? [], as: "--client")
            if let code, !DenialCode.all.contains(where: { $0.name == code }) {
                throw ValidationError(
                    "--code \(code) is not a denial code; one of: \(DenialCode.all.map(\.name).joined(separator: ", "))"
                )
            }
        }

        func run() throws {
            let low = since.flatMap(Self.time)
            let high = until.flatMap(Self.time)
            var reader = AuditReader()
            var out = Data()
            let decisionText = decision.map { "\"decision\":\"\($0)\"" }
            let codeText = code.map { "\"code\":\(TextTable.json($0))" }
            do {
                try reader.forEachEntry(paths) { seal in
                    guard let from = seal.from, let to = seal.to else { return low == nil && high == nil }
                    return !(low.map { to < $0 } ?? false) && !(high.map { from >= $0 } ?? false)
                } _: { line in
                    if low != nil || high != nil {
                        guard let time = AuditVerifier.eventTime(line) else { return }
                        if let low, time < low { return }
                        if let high, time >= high { return }
                    }
                    if let decisionText, !AuditEntryText.contains(line, decisionText) { return }
                    if let codeText, !AuditEntryText.contains(line, codeText) { return }
                    if let client, AuditEntryText.string(line, "\"client\":") != client { return }
                    out.append(contentsOf: line)
                    out.append(0x0A)
                    if out.count >= 1 << 20 {
                        FileHandle.standardOutput.write(out)
                        out.removeAll(keepingCapacity: true)
                    }
                }
            } catch let error as AuditError {
                FileHandle.standardOutput.write(out)
                FileHandleStderr.write("dpwall: \(error.message)\n")
                // An altered entry is the archive's fault (65); anything else, a path that cannot be read (66).
                throw ExitCode(error.exitStatus == 65 ? 65 : 66)
            }
            FileHandle.standardOutput.write(out)
            if stats {
                FileHandleStderr.write("dpwall: frames read \(reader.framesRead), skipped \(reader.framesSkipped)\n")
            }
        }
    }
}
