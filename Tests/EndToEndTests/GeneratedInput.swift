import Foundation
import Testing

/// Larger inputs made in the test, for compression, streaming and closed-output tests.
enum GeneratedInput {
    typealias P = TestPolicy

    /// `count` varied fraud records (ids `PREFIX-N`), every 10th one denied (out_of_range), every 3rd with a response.
    static func fraudLines(count: Int, prefix: String = "g") -> Data {
        var text = ""
        text.reserveCapacity(count * 400)
        var random = SplitMix(state: 0x9E37_79B9_7F4A_7C15)
        func next() -> UInt64 { random.next() }
        for n in 1...count {
            var features = ""
            for k in 0..<30 {
                let value = Int(next() % 9000) - 4500
                let sign = value < 0 ? "-" : ""
                let magnitude = abs(value)
                features += (k == 0 ? "" : ",") + "\(sign)\(magnitude / 1000).\(magnitude % 1000)"
            }
            if n % 10 == 0 { features = "7," + features.drop(while: { $0 != "," }).dropFirst() }
            let request = P.v2Request(P.tensor("features", "[1,30]", "FP32", "[" + features + "]"))
            var response: String?
            if n % 3 == 0 {
                let p = Int(next() % 1_000_000)
                response = P.fraudResponse("[0.\(p),\(1_000_000 - p == 1_000_000 ? "1" : "0.\(1_000_000 - p)")]")
            }
            text += P.record(id: "\(prefix)-\(n)", request: request, response: response)
            text += "\n"
        }
        return Data(text.utf8)
    }

    /// Runs a command-line tool (found on PATH) to its end; returns its exit status.
    static func tool(_ arguments: [String], stdout: URL? = nil) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        var handle: FileHandle?
        if let stdout {
            _ = FileManager.default.createFile(atPath: stdout.path, contents: nil)
            handle = try FileHandle(forWritingTo: stdout)
            process.standardOutput = handle
        }
        try process.run()
        process.waitUntilExit()
        try handle?.close()
        return DPWall.exitStatus(process)
    }

    /// Compresses `source` to `source.zst` with the zstd command-line tool; returns the new path.
    static func zstd(_ source: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let target = source + ".zst"
        let status = try tool(["zstd", "-q", "-f", "-o", target, source])
        try #require(status == 0, "zstd -o \(target) \(source) failed with \(status)", sourceLocation: sourceLocation)
        return target
    }
}

/// SplitMix64 (Steele, Lea and Flood 2014): fixed-seed randomness for generated inputs and kill moments.
struct SplitMix {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in `0..<n` (modulo bias is irrelevant here).
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}
