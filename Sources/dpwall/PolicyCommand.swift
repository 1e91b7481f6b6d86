import ArgumentParser
import DPWall

/// `dpwall policy`: policy tools.
struct PolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Validate a policy and print what it means in numbers.",
        subcommands: [PolicyCheckCommand.self]
    )
}

/// Output formats of `policy check`.
enum ReportFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// `dpwall policy check FILE`.
struct PolicyCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract:
            "Validate a policy and the key files its auth mode names (exit 78 when invalid), and print it normalized.",
    )

    @Argument(help: ArgumentHelp("The policy file (YAML or JSON).", valueName: "FILE"))
    var file: String

    @Option(help: "text or json.")
    var format: ReportFormat = .text

    func run() throws {
        let policy = try PolicyLoader.loadOrExit(file)
        // The files the auth mode names (JWKS, HMAC secret, CA bundle) are loaded as the filter would load them.
        do {
            _ = try CredentialVerifiers(policy: policy, policyPath: file)
        } catch {
            FileHandleStderr.write(error.problems.map { "dpwall: \(file): \($0.description)\n" }.joined())
            throw ExitCode(78)
        }
        let report = PolicyReport(policy: policy)
        switch format {
        case .text: print(report.text(), terminator: report.text().hasSuffix("\n") ? "" : "\n")
        case .json: print(report.json())
        }
    }
}

/// Loads a policy or exits 78 with every problem on stderr.
enum PolicyLoader {
    static func loadOrExit(_ path: String) throws -> Policy {
        do {
            return try Policy.load(path: path)
        } catch {
            // A problem that names the file already (a YAML syntax error's `FILE:LINE:COLUMN`) is not prefixed again.
            let lines = error.problems.map { problem in
                problem.path == path || problem.path.hasPrefix(path + ":")
                    ? "dpwall: \(problem.description)\n" : "dpwall: \(path): \(problem.description)\n"
            }
            FileHandleStderr.write(lines.joined())
            throw ExitCode(78)
        }
    }

    /// SHA-256 of the policy file, in hex (the audit entries' `policy_sha256`).
    static func digest(_ path: String) -> String {
        Policy.fileDigest(path: path)
    }
}
