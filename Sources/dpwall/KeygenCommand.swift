import ArgumentParser
import DPWall

/// `dpwall keygen`: makes key files.
struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Make a key file: --noise-key writes 32 random bytes (mode 0600) for consistent noise.",
        discussion: """
            An existing file is never overwritten: a new noise key changes every consistent answer. \
            Exit status: 0 written, 64 bad usage, 73 the file exists or cannot be created, 74 an I/O error.
            """
    )

    @Option(name: .customLong("noise-key"), help: ArgumentHelp("The noise key file to create.", valueName: "FILE"))
    var noiseKey: String

    func run() throws {
        do {
            try NoiseKeyFile.create(noiseKey)
        } catch {
            FileHandleStderr.write("dpwall: \(error.message)\n")
            throw ExitCode(error.exitStatus)
        }
        FileHandleStderr.write("dpwall: wrote a 32-byte noise key to \(noiseKey) (mode 0600)\n")
    }
}
