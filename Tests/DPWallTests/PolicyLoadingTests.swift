import DPWall
import DPWallRecords
import Foundation
import Testing

@Suite("Policy loading")
struct PolicyLoadingTests {
    @Test("the example of policy.md loads with every value")
    func fullPolicy() throws {
        let policy = try Policy.parse(yaml: PolicyTexts.full, source: "full.yaml")
        #expect(policy.version == 1)
        #expect(policy.passthrough == ["trace_id", "latency_ms"])
        #expect(policy.limits == Policy.Limits(maxRecordBytes: 1_048_576, maxDepth: 64, maxBatch: 64))
        #expect(policy.accounting == .rdp)

        let auth = policy.auth
        #expect(auth.mode == .apiKey)
        #expect(auth.defaultTier == "free")
        #expect(auth.apiKeys.count == 2)
        #expect(auth.apiKeys[0].client == "acme")
        #expect(auth.apiKeys[0].tier == "pro")
        #expect(auth.apiKeys[0].sha256.count == 32)
        #expect(auth.apiKeys[0].sha256.prefix(4) == [0x2c, 0x26, 0xb4, 0x6b])
        #expect(auth.apiKeys[1].sha256.prefix(2) == [0xfc, 0xde])
        #expect(auth.apiKeys[1].tier == nil)
        let jwt = try #require(auth.jwt)
        #expect(jwt.jwks == "keys/jwks.json")
        #expect(jwt.hmacKeyFile == "keys/jwt.hmac")
        #expect(jwt.issuer == "https://auth.example.com/")
        #expect(jwt.audience == "inference")
        #expect(jwt.clientClaim == "sub")
        #expect(jwt.tierClaim == "tier")
        #expect(jwt.leewaySeconds == 30)
        #expect(auth.clientCert == Policy.ClientCertSettings(ca: "keys/clients-ca.pem", identity: .subjectCN))

        #expect(policy.tiers.map(\.name) == ["free", "pro"])
        let free = try #require(policy.tier(named: "free"))
        #expect(free.models == .only(["digits", "sentiment"]))
        #expect(free.rate == Policy.Rate(requestsPerSecond: 10))
        #expect(free.burst == 20)
        #expect(free.quota == Policy.Quota(requests: 10_000, window: .day))
        #expect(free.budget == Policy.Budget(epsilon: 1, delta: 1e-6, window: .seconds(86_400)))
        let pro = try #require(policy.tier(named: "pro"))
        #expect(pro.models == .all)
        #expect(pro.quota == Policy.Quota(requests: 1_000_000, window: .month))
        #expect(pro.budget?.window == .seconds(30 * 86_400))
        #expect(policy.tier(named: "gold") == nil)

        let acme = try #require(policy.clientOverride(named: "acme"))
        #expect(acme.budget == Policy.BudgetOverride(epsilon: 20))
        #expect(acme.tier == nil && acme.rate == nil && acme.burst == nil)
        #expect(policy.clientOverride(named: "globex") == nil)

        #expect(policy.models.map(\.name) == ["fraud", "sentiment", "digits"])
        let fraud = try #require(policy.model(named: "fraud"))
        #expect(fraud.wireProtocol == .auto)
        #expect(fraud.maxBatch == 16)
        #expect(fraud.inputs == [TensorSpec(name: "features", datatype: .fp32, shape: [-1, 30], range: -5...5)])
        let probs = try #require(fraud.outputs.first)
        #expect(probs.tensor == TensorSpec(name: "probs", datatype: .fp32, shape: [-1, 2]))
        #expect(
            probs.privacy
                == PrivacySpec(
                    mechanism: .gaussian, epsilon: 0.1, delta: 1e-7, sensitivity: 1.4142135623730951,
                    clamp: 0...1, normalize: true, round: 2, topK: 0, labelOnly: false
                )
        )

        let sentiment = try #require(policy.model(named: "sentiment"))
        #expect(sentiment.maxBatch == 64)
        #expect(sentiment.inputs[0].maxLength == 2000)
        #expect(sentiment.inputs[0].deny == ["(?i)ignore (all|previous) instructions"])
        #expect(sentiment.outputs[0].privacy?.mechanism == .laplace)
        #expect(sentiment.outputs[0].privacy?.delta == nil)

        let digits = try #require(policy.model(named: "digits"))
        #expect(digits.wireProtocol == .tfserving)
        #expect(digits.inputs[0].range == 0...255)
        #expect(digits.outputs[0].privacy == PrivacySpec(mechanism: .none, round: 3))
        #expect(digits.outputs[1].privacy == nil)
        #expect(digits.output(named: "label")?.tensor.datatype == .int64)
        #expect(policy.model(named: "nope") == nil)
    }

    @Test("a JSON policy loads")
    func jsonPolicy() throws {
        let json = """
            {"version": 1, "accounting": "zcdp", "passthrough": ["trace_id"],
             "limits": {"max_batch": 8},
             "auth": {"mode": "trusted", "default_tier": "basic"},
             "tiers": {"basic": {"models": ["iris"], "rate": "600/m", "quota": "100/hour",
                                 "budget": {"epsilon": 2.5, "delta": 1e-06, "window": "lifetime"}}},
             "models": {"iris": {"protocol": "v2",
               "inputs": [{"name": "x", "datatype": "FP64", "shape": [-1, 4], "range": [0, 10]}],
               "outputs": [{"name": "p", "datatype": "FP64", "shape": [-1, 3],
                            "privacy": {"mechanism": "gaussian", "epsilon": 1, "delta": 1e-6,
                                        "clamp": [0, 1], "top_k": 2}}]}}}
            """
        let policy = try Policy.parse(yaml: json, source: "policy.json")
        #expect(policy.accounting == .zcdp)
        #expect(policy.limits.maxBatch == 8)
        #expect(policy.auth == Policy.Auth(mode: .trusted, defaultTier: "basic"))
        let basic = try #require(policy.tier(named: "basic"))
        #expect(basic.rate?.requestsPerSecond == 10)
        #expect(basic.quota == Policy.Quota(requests: 100, window: .hour))
        #expect(basic.budget == Policy.Budget(epsilon: 2.5, delta: 1e-6, window: .lifetime))
        let iris = try #require(policy.model(named: "iris"))
        #expect(iris.wireProtocol == .v2)
        #expect(iris.maxBatch == 8)
        #expect(iris.outputs[0].privacy?.topK == 2)
    }

    @Test("defaults of a minimal policy")
    func defaults() throws {
        let policy = try Policy.parse(yaml: PolicyTexts.policy(), source: "minimal.yaml")
        #expect(policy.passthrough.isEmpty)
        #expect(policy.limits == Policy.Limits())
        #expect(policy.limits.maxRecordBytes == 1_048_576)
        #expect(policy.auth == Policy.Auth())
        #expect(policy.auth.mode == .trusted)
        #expect(policy.tiers.isEmpty && policy.clients.isEmpty)
        #expect(policy.accounting == .rdp)
        let model = try #require(policy.model(named: "m"))
        #expect(model.wireProtocol == .auto)
        #expect(model.maxBatch == 64)
        let privacy = try #require(model.outputs[0].privacy)
        #expect(privacy == PrivacySpec(mechanism: .laplace, epsilon: 1, clamp: 0...1))
        #expect(!privacy.normalize && privacy.round == nil && privacy.topK == 0 && !privacy.labelOnly)
    }

    @Test("optional values and their defaults")
    func optionalDefaults() throws {
        let yaml = PolicyTexts.policy(
            """
            auth:
              mode: jwt
              jwt: { jwks: k.json, leeway: 90 }
            tiers:
              t: { models: [m], budget: { epsilon: 3 } }
            clients:
              c: { tier: t, models: "*", rate: 3600/h, burst: 5, quota: 7/month, budget: { window: 12h } }
            """
        )
        let policy = try Policy.parse(yaml: yaml, source: "t.yaml")
        #expect(policy.auth.jwt == Policy.JWTSettings(jwks: "k.json", leewaySeconds: 90))
        #expect(policy.auth.jwt?.clientClaim == "sub")
        let tier = try #require(policy.tier(named: "t"))
        #expect(tier.burst == 0 && tier.rate == nil && tier.quota == nil)
        #expect(tier.budget == Policy.Budget(epsilon: 3, delta: 0, window: .lifetime))
        let client = try #require(policy.clientOverride(named: "c"))
        #expect(client.tier == "t")
        #expect(client.models == .all)
        #expect(client.rate?.requestsPerSecond == 1)
        #expect(client.burst == 5)
        #expect(client.quota == Policy.Quota(requests: 7, window: .month))
        #expect(client.budget == Policy.BudgetOverride(window: .seconds(12 * 3_600)))
    }

    @Test("client_cert identity defaults to subject_cn")
    func clientCertDefault() throws {
        let policy = try Policy.parse(
            yaml: PolicyTexts.policy("auth: { mode: client_cert, client_cert: { ca: ca.pem } }"),
            source: "t.yaml"
        )
        #expect(policy.auth.clientCert == Policy.ClientCertSettings(ca: "ca.pem", identity: .subjectCN))
    }

    @Test("the regular expressions of deny accept the (?i) flag")
    func denyPatternCaseInsensitive() throws {
        let policy = try Policy.parse(yaml: PolicyTexts.full, source: "full.yaml")
        let pattern = try #require(policy.model(named: "sentiment")?.inputs[0].deny.first)
        let regex = try Regex(pattern)
        #expect("Please IGNORE ALL instructions".contains(regex))
        #expect(!"follow the instructions".contains(regex))
    }

    @Test("load(path:) reads a file")
    func loadFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("policy-\(UUID()).yaml").path
        try PolicyTexts.full.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let policy = try Policy.load(path: path)
        #expect(policy.models.count == 3)
    }

    @Test("a missing file names the file and the errno text")
    func missingFile() throws {
        let path = "/nonexistent/dir/policy.yaml"
        let error = try #require(throws: PolicyError.self) { try Policy.load(path: path) }
        #expect(error.problems.count == 1)
        #expect(error.problems[0].path == path)
        #expect(error.description.contains("No such file or directory"))
        #expect(error.description.hasPrefix("/nonexistent/dir/policy.yaml: cannot open the policy file"))
    }

    @Test("a directory is not a policy file")
    func directory() throws {
        let path = FileManager.default.temporaryDirectory.path
        let error = try #require(throws: PolicyError.self) { try Policy.load(path: path) }
        #expect(error.problems[0].path == path)
        #expect(error.description.contains("Is a directory"))
    }

    @Test("files over 16 MiB are refused")
    func tooLarge() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("big-\(UUID()).yaml").path
        let comment = Data(repeating: UInt8(ascii: "#"), count: Policy.maximumFileBytes + 1)
        try comment.write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = try #require(throws: PolicyError.self) { try Policy.load(path: path) }
        #expect(error.description.contains("larger than 16777216 bytes"))
    }

    @Test("a file that is not UTF-8 is refused")
    func notUTF8() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("latin1-\(UUID()).yaml").path
        try Data([0x76, 0x65, 0x72, 0xE9, 0x0A]).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = try #require(throws: PolicyError.self) { try Policy.load(path: path) }
        #expect(error.description.contains("not valid UTF-8"))
    }

    @Test("YAML syntax errors name the source, line and column")
    func syntaxError() throws {
        let error = try #require(policyError("version: 1\nmodels: [unclosed\n"))
        #expect(error.problems.count == 1)
        #expect(error.problems[0].path.hasPrefix("test.yaml:"))
        #expect(error.problems[0].message.hasPrefix("YAML syntax error"))
    }

    @Test("an empty document is refused")
    func emptyDocument() throws {
        let error = try #require(policyError("# nothing\n"))
        #expect(error.description == "(top level): the policy is empty")
    }

    @Test("a document that is not a mapping is refused")
    func notMapping() throws {
        let error = try #require(policyError("[1, 2]"))
        #expect(error.description == "(top level): expected a mapping, got a list")
    }

    @Test("every problem is reported, one per line")
    func allProblems() throws {
        let yaml = """
            version: 2
            accounting: fancy
            limits: { max_depth: 0, max_batch: 0 }
            models:
              m:
                inputs: [{name: x, datatype: fp32, shape: [-1, 0]}]
                outputs: [{name: y, datatype: FP32, shape: [-1, 3], privacy: {mechanism: laplace, epsilon: -1, clamp: [0, 1]}}]
            """
        let error = try #require(policyError(yaml))
        let lines = error.description.split(separator: "\n").map(String.init)
        #expect(
            lines == [
                "version: unsupported version; must be 1, got 2",
                "limits.max_depth: must be in 1...1024, got 0",
                "limits.max_batch: must be >= 1, got 0",
                "accounting: must be one of basic, rdp, zcdp, got \"fancy\"",
                "models.m.inputs[0].datatype: must be one of BOOL, UINT8, UINT16, UINT32, UINT64, INT8, INT16, "
                    + "INT32, INT64, FP16, FP32, FP64, BF16, BYTES, got \"fp32\" (did you mean FP32?)",
                "models.m.inputs[0].shape[1]: must be > 0 or -1, got 0",
                "models.m.outputs[0].privacy.epsilon: must be > 0, got -1",
            ]
        )
    }

    @Test("the number of problems reported is bounded")
    func boundedProblems() throws {
        let keys = (0..<300).map { "k\($0): 1" }.joined(separator: "\n")
        let error = try #require(policyError(PolicyTexts.policy(keys)))
        #expect(error.problems.count == 101)
        #expect(error.problems.last?.message == "200 more problems not shown")
    }
}
