import DPWall
import Foundation

/// Seeded fraud-model records like the benchmark: about 640 bytes, 30 FP32 inputs, 2 FP32 outputs,
/// Open Inference Protocol v2, request and response in one record.
enum FraudTraffic {
    static let policyYAML = """
        version: 1
        auth: { mode: trusted }
        models:
          fraud:
            inputs:
              - { name: features, datatype: FP32, shape: [-1, 30], range: [-5, 5] }
            outputs:
              - name: probs
                datatype: FP32
                shape: [-1, 2]
                privacy: { mechanism: none, round: 4 }
        """

    /// The same model with the production privacy block the sample policy recommends: Gaussian noise.
    static let gaussianPolicyYAML = policyYAML.replacingOccurrences(
        of: "privacy: { mechanism: none, round: 4 }",
        with: "privacy: { mechanism: gaussian, epsilon: 0.1, delta: 1.0e-7, clamp: [0, 1], normalize: true, round: 2 }")

    static func policy(gaussian: Bool = false) throws -> Policy {
        try Policy.parse(yaml: gaussian ? gaussianPolicyYAML : policyYAML, source: "benchmark")
    }

    /// `count` records as JSON Lines, deterministic for a seed.
    static func lines(count: Int, seed: UInt64 = 1) -> [UInt8] {
        var state = seed
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        func decimal(_ scale: Double) -> String {
            let value = (Double(next() % 2_000_000) / 1_000_000 - 1) * scale
            return String(Double(Int(value * 1_000_000)) / 1_000_000)
        }
        var out: [UInt8] = []
        out.reserveCapacity(count * 660)
        for i in 0..<count {
            let features = (0..<30).map { _ in decimal(4) }.joined(separator: ",")
            let p = Double(next() % 10_000) / 10_000
            let line =
                "{\"id\":\"r-\(i)\",\"ts\":\"2026-11-26T10:00:00.\(String(100 + i % 900))Z\",\"client\":\"client-\(i % 97)\","
                + "\"model\":\"fraud\",\"request\":{\"inputs\":[{\"name\":\"features\",\"shape\":[1,30],"
                + "\"datatype\":\"FP32\",\"data\":[\(features)]}]},\"response\":{\"model_name\":\"fraud\","
                + "\"outputs\":[{\"name\":\"probs\",\"shape\":[1,2],\"datatype\":\"FP32\",\"data\":[\(p),\(1 - p)]}]}}\n"
            out.append(contentsOf: line.utf8)
        }
        return out
    }
}
