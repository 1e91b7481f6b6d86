import Foundation
import Testing

/// Exit statuses of cli.md (sysexits) and their messages.
@Suite("Exit codes")
struct ExitCodeTests {
    typealias P = TestPolicy

    @Test("--version prints a version and exits 0")
    func version() throws {
        let scratch = try TemporaryDirectory()
        let result = try DPWall.run(["--version"], in: scratch)
        #expect(result.status == 0)
        let text = result.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!text.isEmpty)
        #expect(text.first?.isNumber == true || text.hasPrefix("dpwall"), "odd version: \(text)")
    }

    @Test("filter --help exits 0 and lists the flags")
    func help() throws {
        let scratch = try TemporaryDirectory()
        let result = try DPWall.run(["filter", "--help"], in: scratch)
        #expect(result.status == 0)
        for flag in ["--policy", "--rejects", "--no-annotate", "--keep-request", "--quiet"] {
            #expect(result.stdoutText.contains(flag), "\(flag) is not in the help")
        }
    }

    @Test("no --policy is bad usage: 64")
    func missingPolicyFlag() throws {
        let scratch = try TemporaryDirectory()
        let result = try DPWall.run(["filter"], stdin: Data("{}\n".utf8), in: scratch)
        #expect(result.status == 64)
        #expect(result.stdout.isEmpty)
        #expect(result.stderrText.contains("--policy"), "\(result.stderrText)")
    }

    @Test(
        "a bad value is bad usage with its own message: a negative grant, an unknown denial code",
        arguments: [
            (["budget", "grant", "c", "--epsilon", "-1", "--reason", "r"], "--epsilon must be > 0"),
            (["budget", "grant", "c", "--epsilon", "1", "--delta", "-0.5", "--reason", "r"], "--delta must be in"),
            (["audit", "cat", "--code", "bogus", "dpwall-audit"], "--code bogus is not a denial code"),
        ])
    func badValues(arguments: [String], message: String) throws {
        let scratch = try TemporaryDirectory()
        let result = try DPWall.run(arguments, in: scratch)
        #expect(result.status == 64, "\(result.stderrText)")
        #expect(result.stderrText.contains(message), "\(result.stderrText)")
    }

    @Test("an unknown flag is bad usage: 64")
    func unknownFlag() throws {
        let scratch = try TemporaryDirectory()
        let policy = try P.write(in: scratch)
        let result = try DPWall.run(["filter", "--policy", policy, "--frobnicate"], in: scratch)
        #expect(result.status == 64)
        #expect(result.stdout.isEmpty)
        #expect(result.stderrText.contains("--frobnicate"), "\(result.stderrText)")
    }

    @Test("a policy with an unknown key exits 78 naming the key path")
    func unknownPolicyKey() throws {
        let scratch = try TemporaryDirectory()
        let yaml = P.yaml.replacingOccurrences(
            of: "  max_record_bytes: 4096\n", with: "  max_record_bytes: 4096\n  max_recrod_bytes: 10\n")
        let policy = try scratch.write("bad.yaml", yaml)
        let result = try DPWall.run(
            ["filter", "--policy", policy], stdin: Data(P.record(request: P.fraudRequest()).utf8), in: scratch)
        #expect(result.status == 78)
        #expect(result.stdout.isEmpty)
        #expect(result.stderrText.contains("limits.max_recrod_bytes"), "\(result.stderrText)")
        #expect(result.stderrText.contains(policy), "the message names the file: \(result.stderrText)")
    }

    @Test("a nested unknown key is named with its full path")
    func unknownNestedPolicyKey() throws {
        let scratch = try TemporaryDirectory()
        let yaml = P.yaml.replacingOccurrences(
            of: "privacy: { mechanism: laplace, epsilon: 0.5,", with: "privacy: { mechanism: laplace, epsilom: 0.5,")
        #expect(yaml != P.yaml)
        let policy = try scratch.write("bad.yaml", yaml)
        let result = try DPWall.run(["filter", "--policy", policy], in: scratch)
        #expect(result.status == 78)
        #expect(result.stderrText.contains("models.noisy.outputs[0].privacy.epsilom"), "\(result.stderrText)")
    }

    @Test("a missing policy file exits 78 naming it")
    func missingPolicyFile() throws {
        let scratch = try TemporaryDirectory()
        let missing = scratch.file("nope.yaml").path
        let result = try DPWall.run(["filter", "--policy", missing], stdin: Data("{}\n".utf8), in: scratch)
        #expect(result.status == 78)
        #expect(result.stdout.isEmpty)
        #expect(result.stderrText.contains(missing), "\(result.stderrText)")
    }

    @Test("an input file that does not exist exits 66 with nothing on stdout, even after a good one")
    func missingInput() throws {
        let scratch = try TemporaryDirectory()
        let policy = try P.write(in: scratch)
        let good = try scratch.write("good.jsonl", P.record(request: P.fraudRequest()) + "\n")
        let missing = scratch.file("missing.jsonl").path
        for arguments in [[missing], [good, missing], [good, missing + ".zst"]] {
            let result = try DPWall.run(["filter", "--policy", policy] + arguments, in: scratch)
            #expect(result.status == 66, "\(arguments)")
            #expect(result.stdout.isEmpty, "\(arguments): \(result.stdoutText)")
            #expect(result.stderrText.hasPrefix("dpwall: "))
            #expect(result.stderrText.contains(arguments.last!), "\(result.stderrText)")
        }
    }

    @Test("denials are ordinary output: exit 0")
    func denialsExitZero() throws {
        let scratch = try TemporaryDirectory()
        let policy = try P.write(in: scratch)
        let result = try DPWall.run(
            ["filter", "--policy", policy, "--quiet"], stdin: Data("{}\n\n[]\n".utf8), in: scratch)
        #expect(result.status == 0)
        #expect(result.lines.count == 3)
        #expect(result.stderr.isEmpty, "--quiet still wrote: \(result.stderrText)")
    }

    @Test("--progress always draws the progress line on stderr; never and auto off a terminal do not")
    func progressLine() throws {
        let scratch = try TemporaryDirectory()
        let policy = try P.write(in: scratch)
        let input = Data(String(repeating: "{}\n", count: 100).utf8)
        let always = try DPWall.run(
            ["filter", "--policy", policy, "--progress", "always"], stdin: input, in: scratch)
        #expect(always.status == 0)
        #expect(always.stderrText.contains("rec/s") && always.stderrText.contains("denied"), "\(always.stderrText)")
        for mode in ["never", "auto"] {
            let quiet = try DPWall.run(["filter", "--policy", policy, "--progress", mode], stdin: input, in: scratch)
            #expect(!quiet.stderrText.contains("rec/s"), "\(mode): \(quiet.stderrText)")
            #expect(quiet.stderrText.hasPrefix("dpwall: 100 records, 0 allowed, 100 denied"), "\(quiet.stderrText)")
        }
    }

    @Test("--threads changes nothing in the output, and 0 is bad usage")
    func threadsKeepTheOutput() throws {
        let scratch = try TemporaryDirectory()
        let policy = try P.write(in: scratch)
        let sample = DPWall.sample("traffic.jsonl")
        // --seed draws one stream per record (by line), so the noise does not depend on the threads either.
        let one = try DPWall.run(
            [
                "filter", "--policy", DPWall.sample("policy.yaml").path, "--seed", "3", "--threads", "1", "--ledger",
                ":memory:", sample.path,
            ],
            in: scratch)
        let three = try DPWall.run(
            [
                "filter", "--policy", DPWall.sample("policy.yaml").path, "--seed", "3", "--threads", "3", "--ledger",
                ":memory:", sample.path,
            ],
            in: scratch)
        #expect(one.status == 0 && three.status == 0)
        #expect(one.stdout == three.stdout)
        let zero = try DPWall.run(["filter", "--policy", policy, "--threads", "0"], stdin: Data(), in: scratch)
        #expect(zero.status == 64)
    }
}
