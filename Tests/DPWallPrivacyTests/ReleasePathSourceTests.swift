import Foundation
import Testing

/// The release path draws noise only from the samplers on the keystream generator: no floating-point noise and
/// no other random source anywhere in the modules a release runs through. A scan of the sources, so that a
/// future edit that reaches for `Double.random` or `-b·log(u)` fails here before it ships.
@Suite struct ReleasePathSourceTests {
    /// The package's `Sources/` directory (this file is `Tests/DPWallPrivacyTests/ReleasePathSourceTests.swift`).
    static let sources = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources")

    /// Patterns that would mean continuous or insecure randomness on the release path.
    static let forbidden = [
        ".random(", "Double.random", "Float.random", "SystemRandomNumberGenerator", "drand48", "arc4random",
        "random()", "boxMuller", "BoxMuller", "log(u", "-log(", "log(1 - u", "rand(",
    ]

    /// Every Swift file of the modules on the release path.
    static func files() throws -> [URL] {
        var result: [URL] = []
        for module in ["DPWallPrivacy", "DPWall", "DPWallRecords", "dpwall"] {
            let directory = sources.appendingPathComponent(module)
            let enumerator = try #require(
                FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil))
            for case let url as URL in enumerator where url.pathExtension == "swift" { result.append(url) }
        }
        return result
    }

    @Test("no floating-point or non-keystream randomness in the release path's sources")
    func noContinuousNoise() throws {
        let files = try Self.files()
        #expect(files.count > 50, "the scan found only \(files.count) files under \(Self.sources.path)")
        var hits: [String] = []
        for file in files {
            let text = try String(contentsOf: file, encoding: .utf8)
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let code = line.components(separatedBy: "//").first ?? ""
                for pattern in Self.forbidden where code.contains(pattern) {
                    hits.append("\(file.lastPathComponent):\(number + 1): \(pattern)")
                }
            }
        }
        #expect(hits.isEmpty, "\(hits)")
    }

    @Test("the scan would catch floating-point noise")
    func scanCatchesNoise() {
        let line = "let noise = -b * log(Double.random(in: 0..<1))"
        #expect(Self.forbidden.contains { line.contains($0) })
    }
}
