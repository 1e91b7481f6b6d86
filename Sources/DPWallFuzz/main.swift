// libFuzzer entry point: every input goes through the whole record stage (docs/fuzzing.md).
import DPWall

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
            privacy: { mechanism: gaussian, epsilon: 1, delta: 1.0e-6, sensitivity: 1, clamp: [0, 1], normalize: true, top_k: 2, round: 2 }
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

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
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
    return 0
}
