import DPWall
import Testing

/// Policies written inline (the test target has no resources).
enum PolicyTexts {
    /// The example of policy.md, with a digest of 64 hex digits and every auth section present.
    static let full = """
        version: 1

        passthrough: [trace_id, latency_ms]   # extra envelope fields

        limits:
          max_record_bytes: 1048576
          max_depth: 64
          max_batch: 64

        auth:
          mode: api_key
          default_tier: free
          api_keys:
            - client: acme
              sha256: 2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae
              tier: pro
            - client: globex
              sha256: "FCDE2B2EDBA56BF408601FB721FE9B5C338D10EE429EA04FAE5511B68FBF8FB9"
          jwt:
            jwks: keys/jwks.json
            hmac_key_file: keys/jwt.hmac
            issuer: https://auth.example.com/
            audience: inference
            client_claim: sub
            tier_claim: tier
            leeway: 30s
          client_cert:
            ca: keys/clients-ca.pem
            identity: subject_cn

        tiers:
          free:
            models: [digits, sentiment]
            rate: 10/s
            burst: 20
            quota: 10000/day
            budget: { epsilon: 1.0, delta: 1.0e-6, window: 1d }
          pro:
            models: "*"
            rate: 200/s
            burst: 400
            quota: 1000000/month
            budget: { epsilon: 10, delta: 1.0e-5, window: 30d }

        clients:
          acme: { budget: { epsilon: 20 } }

        accounting: rdp

        models:
          fraud:
            protocol: auto
            max_batch: 16
            inputs:
              - name: features
                datatype: FP32
                shape: [-1, 30]
                range: [-5, 5]
            outputs:
              - name: probs
                datatype: FP32
                shape: [-1, 2]
                privacy:
                  mechanism: gaussian
                  epsilon: 0.1
                  delta: 1.0e-7
                  sensitivity: 1.4142135623730951
                  clamp: [0, 1]
                  normalize: true
                  round: 2
                  top_k: 0
                  label_only: false
          sentiment:
            inputs:
              - name: text
                datatype: BYTES
                shape: [-1, 1]
                max_length: 2000
                deny: ["(?i)ignore (all|previous) instructions"]
            outputs:
              - name: probs
                datatype: FP32
                shape: [-1, 3]
                privacy: { mechanism: laplace, epsilon: 0.5, clamp: [0, 1], normalize: true, round: 2 }
          digits:
            protocol: tfserving
            inputs:
              - { name: pixels, datatype: UINT8, shape: [-1, 784], range: [0, 255] }
            outputs:
              - { name: logits, datatype: FP32, shape: [-1, 10], privacy: { mechanism: none, round: 3 } }
              - { name: label, datatype: INT64, shape: [-1] }
        """

    /// A small valid model section that the invalid cases build on.
    static let model = """
        models:
          m:
            inputs: [{name: x, datatype: FP32, shape: [-1, 2]}]
            outputs: [{name: y, datatype: FP32, shape: [-1, 3], privacy: {mechanism: laplace, epsilon: 1, clamp: [0, 1]}}]
        """

    /// `version: 1`, then `sections`, then ``model``.
    static func policy(_ sections: String = "") -> String {
        "version: 1\n" + sections + "\n" + model
    }

    /// A policy whose only output has the given privacy (flow mapping) and shape.
    static func privacy(_ privacy: String, datatype: String = "FP32", shape: String = "[-1, 3]") -> String {
        """
        version: 1
        models:
          m:
            inputs: [{name: x, datatype: FP32, shape: [-1, 2]}]
            outputs: [{name: y, datatype: \(datatype), shape: \(shape), privacy: \(privacy)}]
        """
    }

    /// A policy whose only input is the given tensor (flow mapping).
    static func input(_ tensor: String) -> String {
        """
        version: 1
        models:
          m:
            inputs: [\(tensor)]
            outputs: [{name: y, datatype: FP32, shape: [-1, 3], privacy: {mechanism: none}}]
        """
    }
}

/// The error of parsing `yaml`, failing the test when it parses.
func policyError(_ yaml: String, sourceLocation: SourceLocation = #_sourceLocation) -> PolicyError? {
    do {
        _ = try Policy.parse(yaml: yaml, source: "test.yaml")
        Issue.record("expected the policy to be refused", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}
