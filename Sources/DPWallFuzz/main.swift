// libFuzzer entry point: every input goes through the whole record stage (docs/fuzzing.md), once with trusted
// clients and once under each credential mode.
import DPWall
import DPWallRecords
import Foundation

private let policyYAML = """
    version: 1
    passthrough: [trace_id]
    limits: { max_record_bytes: 65536, max_depth: 32, max_batch: 4 }
    auth: { mode: trusted, default_tier: free }
    tiers:
      free: { models: [fraud, text, ints, probs, label] }
    models:
      fraud:
        inputs: [{ name: features, datatype: FP32, shape: [-1, 3], range: [-5, 5] }]
        outputs:
          - { name: probs, datatype: FP32, shape: [-1, 2], privacy: { mechanism: none, clamp: [0, 1], round: 3 } }
      text:
        protocol: tfserving
        inputs: [{ name: text, datatype: BYTES, shape: [-1, 1], max_length: 64, deny: ["(?i)ignore .*instructions"] }]
        outputs: [{ name: label, datatype: INT64, shape: [-1, 1] }]
      ints:
        inputs:
          - { name: a, datatype: UINT8, shape: [-1, 2] }
          - { name: b, datatype: INT64, shape: [-1], range: [-100, 100] }
        outputs: [{ name: y, datatype: FP64, shape: [-1, 1], privacy: { mechanism: laplace, epsilon: 1, clamp: [0, 1] } }]
      probs:
        inputs: [{ name: x, datatype: FP32, shape: [-1, 2] }]
        outputs:
          - name: p
            datatype: FP32
            shape: [-1, -1]
            privacy:
              mechanism: gaussian
              epsilon: 1
              delta: 1.0e-6
              sensitivity: 1
              sensitivity_reason: "a fuzz target: it checks that nothing traps, not the privacy of its releases"
              clamp: [0, 1]
              normalize: true
              top_k: 2
              round: 2
      label:
        inputs: [{ name: x, datatype: FP32, shape: [-1, 2] }]
        outputs:
          - { name: p, datatype: FP64, shape: [-1, 3], privacy: { mechanism: laplace, epsilon: 2, clamp: [0, 1], label_only: true } }
      other:
        inputs: [{ name: x, datatype: BOOL, shape: [-1] }]
        outputs: [{ name: y, datatype: FP16, shape: [-1], privacy: { mechanism: none } }]
    """

nonisolated(unsafe) private let processor: RecordBatchProcessor = {
    do {
        return try RecordBatchProcessor(policy: Policy.parse(yaml: policyYAML, source: "fuzz"))
    } catch {
        fatalError("fuzz policy: \(error)")
    }
}()

/// The sample JWKS and client CA (samples/auth/keys), for the same records under `jwt` and `client_cert` auth:
/// bearer tokens (header, base64url, JSON, claims) and PEM certificates reach the verifiers.
private let jwks = #"""
    {
      "keys": [
        {
          "kty": "EC",
          "kid": "sample-es256",
          "crv": "P-256",
          "alg": "ES256",
          "x": "aB2dF6uUDtmpMAuGw4cvxUUny8_x5uRL3bTFFbhEVr0",
          "y": "Im6rlyX894HXumubEOxuk-Zb33dpZhOIebU0A3E8i20"
        },
        {
          "kty": "OKP",
          "kid": "sample-ed25519",
          "crv": "Ed25519",
          "x": "AqnaH3zZhSuHDWY6uyVx2wpVwMTErBW-_UXRcNAFB1o"
        }
      ]
    }
    """#
private let clientCA = """
    -----BEGIN CERTIFICATE-----
    MIIBWzCCAQGgAwIBAgIUIxvb7mWidg8ba8LmaOSj2iux0CcwCgYIKoZIzj0EAwIw
    IzEhMB8GA1UEAwwYZHB3YWxsIFNBTVBMRSBjbGllbnRzIENBMB4XDTI2MDEwMTAw
    MDAwMFoXDTM2MDEwMTAwMDAwMFowIzEhMB8GA1UEAwwYZHB3YWxsIFNBTVBMRSBj
    bGllbnRzIENBMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE33OPvaHjYUvBGgJj
    FR5iGtKKFN5AFCmJffuC3VQdEcV0Ylh8wkk83byVPotY3EAsCEhs+sImZmEnPJKC
    1gOfHKMTMBEwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiEAySqm
    MEzo8T8mwG66NpzVOhDSuz4ojkfcf3G/8YU6oVwCIAd/223s0Dp4dAu5HdvYvsnM
    lkGIrdaO/6wAZD3v7QCM
    -----END CERTIFICATE-----
    """

/// A processor for `policyYAML` with its `auth` replaced by `auth`, and the key files it names written to a
/// scratch directory.
private func authProcessor(_ auth: String) -> RecordBatchProcessor {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dpwall-fuzz-\(getpid())")
    do {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Data(jwks.utf8).write(to: directory.appendingPathComponent("jwks.json"))
        try Data(clientCA.utf8).write(to: directory.appendingPathComponent("ca.pem"))
        let yaml = policyYAML.replacingOccurrences(of: "auth: { mode: trusted, default_tier: free }", with: auth)
        let path = directory.appendingPathComponent("policy.yaml").path
        try Data(yaml.utf8).write(to: URL(fileURLWithPath: path))
        let policy = try Policy.load(path: path)
        var options = ProcessorOptions()
        options.credentials = try CredentialVerifiers(policy: policy, policyPath: path)
        return try RecordBatchProcessor(policy: policy, options: options)
    } catch {
        fatalError("fuzz auth policy: \(error)")
    }
}

nonisolated(unsafe) private let authProcessors = [
    authProcessor(
        "auth: { mode: jwt, default_tier: free, jwt: { jwks: jwks.json, issuer: https://auth.example.com/, "
            + "audience: inference, tier_claim: tier, leeway: 30s } }"),
    authProcessor("auth: { mode: client_cert, default_tier: free, client_cert: { ca: ca.pem, identity: san_dns } }"),
    authProcessor(
        "auth: { mode: api_key, default_tier: free, api_keys: [{ client: acme, sha256: "
            + "2c037dab32a59e7bc986d68af41b4c4f889530654067c72fc95d5e1d46a1cb5d }] }"),
]

/// The parser alone, for the UTF-8 oracle below.
nonisolated(unsafe) private var parser = JSONParser(maxDepth: 32)

/// Floating-point elements that are not kept are range-checked exactly on their digits when they can be
/// (``FloatElements``); the oracle is the check on the converted values. Every array of a parsed input (the first
/// 64) is read both ways, for FP32 and FP64, under integer bounds and bounds that are not integers.
private func checkExactRange(_ view: JSONView) {
    var values: [Double] = []
    var arrays = 0
    for node in 0..<view.nodes.count where view.kind(node) == .array {
        arrays += 1
        if arrays > 64 { return }
        for datatype in [TensorDatatype.fp32, .fp64] {
            for (low, high) in [(-5.0, 5.0), (0.0, 1.0), (-16_777_216.0, 0.0), (-0.5, 0.5)] {
                values.removeAll(keepingCapacity: true)
                let kept = FloatElements.read(
                    view, node, first: 0, datatype: datatype, low: low, high: high, keep: true, into: &values)
                let notKept = FloatElements.read(
                    view, node, first: 0, datatype: datatype, low: low, high: high, keep: false, into: &values)
                precondition(
                    kept.position == notKept.position && kept.problem?.0 == notKept.problem?.0
                        && kept.problem?.leaf == notKept.problem?.leaf,
                    "the exact range test decided otherwise than the converted values")
            }
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    // The parser checks UTF-8 only inside strings, and the whole input only when the parse fails: the whole-input
    // validator is the oracle. Ill-formed anywhere means invalid_utf8 at the first bad byte; a parse that succeeds
    // had none.
    let bad = UTF8Validation.firstInvalidOffset(bytes)
    do throws(JSONError) {
        let tape = try parser.parse(bytes)
        precondition(bad == nil, "a parse succeeded over ill-formed UTF-8 at byte \(bad ?? -1)")
        checkExactRange(JSONView(nodes: tape, bytes: bytes))
    } catch {
        if let bad { precondition(error.code == .invalidUTF8 && error.offset == bad, "invalid_utf8 not first") }
    }
    let before = processor.counts.records
    processor.process(bytes)
    // Every line gets exactly one decision.
    var lines = 0
    var start = 0
    for (index, byte) in bytes.enumerated() where byte == 0x0A {
        lines += 1
        start = index + 1
    }
    if start < size { lines += 1 }
    precondition(processor.counts.records - before == lines, "one decision per line")
    precondition(processor.counts.allowed + processor.counts.deniedTotal == processor.counts.records)
    for other in authProcessors {
        let earlier = other.counts.records
        other.process(bytes)
        precondition(other.counts.records - earlier == lines, "one decision per line under every auth mode")
    }
    return 0
}
