import Foundation

/// A small policy for hand-made records, and builders for those records.
enum TestPolicy {
    /// Trusted auth; `c1` is free (every model but `secret`), `acme` is pro (every model).
    static let yaml = """
        version: 1
        passthrough: [trace_id]
        limits:
          max_record_bytes: 4096
        auth:
          mode: trusted
          default_tier: free
        tiers:
          free:
            models: [fraud, ints, text, big, noisy, cube]
            rate: 1000000/s
            burst: 1000000
            quota: 100000000/month
            budget: { epsilon: 100, delta: 1.0e-3, window: 1d }
          pro:
            models: "*"
            rate: 1000000/s
            burst: 1000000
            quota: 100000000/month
            budget: { epsilon: 100, delta: 1.0e-3, window: 1d }
        clients:
          acme: { tier: pro }
        accounting: basic
        models:
          fraud:
            max_batch: 4
            inputs:
              - { name: features, datatype: FP32, shape: [-1, 30], range: [-5, 5] }
            outputs:
              - { name: probs, datatype: FP32, shape: [-1, 2], privacy: { mechanism: none, round: 2 } }
          ints:
            inputs:
              - { name: age, datatype: INT32, shape: [-1, 1], range: [0, 150] }
              - { name: flags, datatype: UINT8, shape: [-1, 4] }
            outputs:
              - { name: score, datatype: FP32, shape: [-1, 1], privacy: { mechanism: none, round: 2 } }
          text:
            inputs:
              - name: text
                datatype: BYTES
                shape: [-1, 1]
                max_length: 30
                deny: ["(?i)ignore (all|previous) instructions"]
            outputs:
              - { name: probs, datatype: FP32, shape: [-1, 3], privacy: { mechanism: none, round: 2 } }
          big:
            inputs:
              - { name: n, datatype: UINT64, shape: [-1, 1] }
            outputs:
              - { name: y, datatype: FP64, shape: [-1, 1], privacy: { mechanism: none, round: 2 } }
          cube:
            inputs:
              - { name: x, datatype: FP32, shape: [-1, 2, 2] }
            outputs:
              - { name: y, datatype: FP32, shape: [-1, 2, 2], privacy: { mechanism: none, round: 2 } }
          secret:
            inputs:
              - { name: x, datatype: FP32, shape: [-1, 1] }
            outputs:
              - { name: y, datatype: FP32, shape: [-1, 1], privacy: { mechanism: none, round: 2 } }
          noisy:
            inputs:
              - { name: x, datatype: FP32, shape: [-1, 2], range: [0, 1] }
            outputs:
              - name: probs
                datatype: FP32
                shape: [-1, 2]
                privacy: { mechanism: laplace, epsilon: 0.5, clamp: [0, 1], round: 2 }

        """

    /// Writes the policy into `scratch` and returns its path.
    static func write(in scratch: TemporaryDirectory) throws -> String {
        try scratch.write("policy.yaml", yaml)
    }

    /// The event time used by every hand-made record.
    static let ts = "2026-11-26T10:00:00Z"

    /// `{"id":ID,"ts":…,"client":CLIENT,"model":MODEL` followed by `extra` members, the request and the response.
    static func record(
        id: String = "x1", client: String = "c1", model: String = "fraud", extra: String = "",
        request: String? = nil, response: String? = nil
    ) -> String {
        var line = #"{"id":"\#(id)","ts":"\#(ts)","client":"\#(client)","model":"\#(model)""#
        line += extra
        if let request { line += #","request":"# + request }
        if let response { line += #","response":"# + response }
        return line + "}"
    }

    /// One v2 tensor.
    static func tensor(_ name: String, _ shape: String, _ datatype: String, _ data: String) -> String {
        #"{"name":"\#(name)","shape":\#(shape),"datatype":"\#(datatype)","data":\#(data)}"#
    }

    /// A v2 request with these tensors.
    static func v2Request(_ tensors: String...) -> String {
        #"{"inputs":["# + tensors.joined(separator: ",") + "]}"
    }

    /// A v2 response of `model` with these tensors.
    static func v2Response(_ model: String, _ tensors: String...) -> String {
        #"{"model_name":"\#(model)","outputs":["# + tensors.joined(separator: ",") + "]}"
    }

    /// `count` comma-separated copies of `value`.
    static func repeated(_ value: String, _ count: Int) -> String {
        Array(repeating: value, count: count).joined(separator: ",")
    }

    /// Thirty fraud features: `first` and then 29 copies of 0.5.
    static func features(first: String = "0.5") -> String {
        "[" + first + "," + repeated("0.5", 29) + "]"
    }

    /// A valid fraud request of one row (first feature `first`).
    static func fraudRequest(first: String = "0.5") -> String {
        v2Request(tensor("features", "[1,30]", "FP32", features(first: first)))
    }

    /// A valid fraud response of one row.
    static func fraudResponse(_ data: String = "[0.25,0.75]") -> String {
        v2Response("fraud", tensor("probs", "[1,2]", "FP32", data))
    }

    /// A valid `ints` request with this age and these flags (JSON text).
    static func intsRequest(age: String = "42", flags: String = "[1,0,1,3]") -> String {
        v2Request(tensor("age", "[1,1]", "INT32", "[\(age)]"), tensor("flags", "[1,4]", "UINT8", flags))
    }

    /// A `text` request with one string element (JSON text, quotes included).
    static func textRequest(_ element: String) -> String {
        v2Request(tensor("text", "[1,1]", "BYTES", "[\(element)]"))
    }
}
