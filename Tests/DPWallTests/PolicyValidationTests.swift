import DPWall
import Testing

/// An invalid policy and the first problem it must be refused with.
struct InvalidPolicyCase: Sendable, CustomTestStringConvertible {
    let yaml: String
    let path: String
    let message: String
    let label: String

    init(_ label: String, _ yaml: String, _ path: String, _ message: String) {
        self.label = label
        self.yaml = yaml
        self.path = path
        self.message = message
    }

    var testDescription: String { label }
}

private typealias T = PolicyTexts
private let output = "models.m.outputs[0]"
private let privacy = "models.m.outputs[0].privacy"
private let input = "models.m.inputs[0]"

@Suite("Policy validation")
struct PolicyValidationTests {
    static let topLevel: [InvalidPolicyCase] = [
        .init("missing version", T.model, "version", "required"),
        .init("version 2", "version: 2\n" + T.model, "version", "unsupported version; must be 1, got 2"),
        .init("version string", "version: \"1\"\n" + T.model, "version", "expected an integer, got \"1\""),
        .init("missing models", "version: 1", "models", "required"),
        .init("unknown top-level key", T.policy("modles: {}"), "modles", "unknown key; allowed: version, passthrough"),
        .init("accounting", T.policy("accounting: exact"), "accounting", "must be one of basic, rdp, zcdp"),
        .init("passthrough not a list", T.policy("passthrough: trace_id"), "passthrough", "expected a list"),
        .init("passthrough envelope", T.policy("passthrough: [trace, ts]"), "passthrough[1]", "envelope field"),
        .init("passthrough privacy", T.policy("passthrough: [privacy]"), "passthrough[0]", "envelope field"),
        .init("passthrough twice", T.policy("passthrough: [a, a]"), "passthrough[1]", "listed twice"),
        .init("passthrough empty", T.policy("passthrough: [\"\"]"), "passthrough[0]", "must not be empty"),
        .init("limits unknown", T.policy("limits: { max_bytes: 5 }"), "limits.max_bytes", "allowed: max_record_bytes"),
        .init(
            "max_record_bytes small", T.policy("limits: { max_record_bytes: 63 }"), "limits.max_record_bytes",
            "must be in 64...1073741824, got 63"
        ),
        .init(
            "max_record_bytes string", T.policy("limits: { max_record_bytes: 1MB }"), "limits.max_record_bytes",
            "expected an integer, got \"1MB\""
        ),
        .init("max_depth", T.policy("limits: { max_depth: 1025 }"), "limits.max_depth", "must be in 1...1024"),
        .init("max_batch", T.policy("limits: { max_batch: 0 }"), "limits.max_batch", "must be >= 1, got 0"),
        .init("max_batch float", T.policy("limits: { max_batch: 1.5 }"), "limits.max_batch", "expected an integer"),
    ]

    static let auth: [InvalidPolicyCase] = [
        .init("mode", T.policy("auth: { mode: oauth }"), "auth.mode", "must be one of trusted, api_key, jwt"),
        .init("auth unknown", T.policy("auth: { mode: trusted, keys: [] }"), "auth.keys", "unknown key"),
        .init("api_key without keys", T.policy("auth: { mode: api_key }"), "auth.api_keys", "required"),
        .init(
            "api_key with no keys", T.policy("auth: { mode: api_key, api_keys: [] }"), "auth.api_keys",
            "at least one key"
        ),
        .init("jwt without jwt", T.policy("auth: { mode: jwt }"), "auth.jwt", "required when auth.mode is jwt"),
        .init("client_cert without", T.policy("auth: { mode: client_cert }"), "auth.client_cert", "required"),
        .init(
            "short digest", T.policy("auth: { mode: api_key, api_keys: [{ client: a, sha256: abcd }] }"),
            "auth.api_keys[0].sha256", "must be exactly 64 hex digits, got \"abcd\""
        ),
        .init(
            "non-hex digest",
            T.policy(
                "auth: { mode: api_key, api_keys: [{ client: a, sha256: \(String(repeating: "g", count: 64)) }] }"),
            "auth.api_keys[0].sha256", "64 hex digits"
        ),
        .init(
            "duplicate digest",
            T.policy(
                "auth: { mode: api_key, api_keys: [{ client: a, sha256: \(String(repeating: "ab", count: 32)) }, "
                    + "{ client: b, sha256: \(String(repeating: "AB", count: 32)) }] }"
            ),
            "auth.api_keys[1].sha256", "the same digest as auth.api_keys[0].sha256"
        ),
        .init(
            "api key without client",
            T.policy("auth: { mode: api_key, api_keys: [{ sha256: \(String(repeating: "ab", count: 32)) }] }"),
            "auth.api_keys[0].client", "required"
        ),
        .init(
            "api key unknown tier",
            T.policy(
                "auth: { mode: api_key, api_keys: [{ client: a, sha256: \(String(repeating: "ab", count: 32)), tier: gold }] }"
            ),
            "auth.api_keys[0].tier", "no tier named \"gold\" (tiers: none)"
        ),
        .init(
            "default_tier unknown", T.policy("auth: { default_tier: free }\ntiers: { pro: { models: \"*\" } }"),
            "auth.default_tier", "no tier named \"free\" (tiers: pro)"
        ),
        .init("jwt without jwks", T.policy("auth: { mode: jwt, jwt: { issuer: x } }"), "auth.jwt.jwks", "required"),
        .init(
            "jwt leeway", T.policy("auth: { mode: jwt, jwt: { jwks: k, leeway: soon } }"), "auth.jwt.leeway",
            "expected a duration such as 30s, 2m or a number of seconds, got \"soon\""
        ),
        .init(
            "jwt negative leeway", T.policy("auth: { mode: jwt, jwt: { jwks: k, leeway: -1 } }"), "auth.jwt.leeway",
            "must be >= 0, got -1"
        ),
        .init(
            "jwt unknown", T.policy("auth: { mode: jwt, jwt: { jwks: k, aud: x } }"), "auth.jwt.aud", "allowed: jwks"),
        .init(
            "identity", T.policy("auth: { mode: client_cert, client_cert: { ca: c, identity: cn } }"),
            "auth.client_cert.identity", "must be one of subject_cn, san_dns, san_uri"
        ),
    ]

    static let tiers: [InvalidPolicyCase] = [
        .init("tiers not a mapping", T.policy("tiers: [free]"), "tiers", "expected a mapping, got a list"),
        .init("tier without models", T.policy("tiers: { free: { rate: 1/s } }"), "tiers.free.models", "required"),
        .init(
            "tier models string", T.policy("tiers: { free: { models: m } }"), "tiers.free.models",
            "expected a list of model names or \"*\", got \"m\""
        ),
        .init(
            "tier unknown model", T.policy("tiers: { free: { models: [m, n] } }"), "tiers.free.models[1]",
            "no model named \"n\" (models: m)"
        ),
        .init(
            "tier unknown key", T.policy("tiers: { free: { models: [m], burts: 3 } }"), "tiers.free.burts",
            "allowed: models, rate, burst, quota, budget"),
        .init(
            "rate unit", T.policy("tiers: { free: { models: [m], rate: 10/d } }"), "tiers.free.rate",
            "expected a rate > 0 such as 10/s"),
        .init("rate zero", T.policy("tiers: { free: { models: [m], rate: 0/s } }"), "tiers.free.rate", "got \"0/s\""),
        .init("rate number", T.policy("tiers: { free: { models: [m], rate: 10 } }"), "tiers.free.rate", "got 10"),
        .init(
            "burst negative", T.policy("tiers: { free: { models: [m], burst: -1 } }"), "tiers.free.burst",
            "must be in 0...1000000000, got -1"),
        .init(
            "rate below nginx's resolution", T.policy("tiers: { free: { models: [m], rate: 1/h } }"),
            "tiers.free.rate", "between 0.001/s (3.6/h) and 1000000000/s"),
        .init("global rate", T.policy("limits: { global_rate: fast }"), "limits.global_rate", "such as 10/s"),
        .init("global burst", T.policy("limits: { global_burst: 1.5 }"), "limits.global_burst", "got 1.5"),
        .init(
            "quota window", T.policy("tiers: { free: { models: [m], quota: 10/week } }"), "tiers.free.quota",
            "<requests>/day"),
        .init(
            "quota zero", T.policy("tiers: { free: { models: [m], quota: 0/day } }"), "tiers.free.quota", "requests > 0"
        ),
        .init(
            "budget epsilon", T.policy("tiers: { free: { models: [m], budget: { epsilon: 0 } } }"),
            "tiers.free.budget.epsilon", "must be > 0, got 0"
        ),
        .init(
            "budget without epsilon", T.policy("tiers: { free: { models: [m], budget: { delta: 0 } } }"),
            "tiers.free.budget.epsilon", "required"
        ),
        .init(
            "budget delta", T.policy("tiers: { free: { models: [m], budget: { epsilon: 1, delta: 1 } } }"),
            "tiers.free.budget.delta", "must be in [0, 1), got 1"
        ),
        .init(
            "budget epsilon string", T.policy("tiers: { free: { models: [m], budget: { epsilon: one } } }"),
            "tiers.free.budget.epsilon", "expected a number, got \"one\""
        ),
        .init(
            "budget epsilon infinite", T.policy("tiers: { free: { models: [m], budget: { epsilon: .inf } } }"),
            "tiers.free.budget.epsilon", "must be a finite number, got .inf"
        ),
        .init(
            "budget window", T.policy("tiers: { free: { models: [m], budget: { epsilon: 1, window: 1w } } }"),
            "tiers.free.budget.window", "expected lifetime, <n>h or <n>d"
        ),
        .init(
            "budget window zero", T.policy("tiers: { free: { models: [m], budget: { epsilon: 1, window: 0d } } }"),
            "tiers.free.budget.window", "got \"0d\""
        ),
        .init(
            "budget unknown", T.policy("tiers: { free: { models: [m], budget: { epsilon: 1, eps: 2 } } }"),
            "tiers.free.budget.eps", "allowed: epsilon, delta, window"
        ),
        .init(
            "client unknown tier", T.policy("clients: { acme: { tier: gold } }"), "clients.acme.tier",
            "no tier named \"gold\""),
        .init(
            "client unknown model", T.policy("clients: { acme: { models: [z] } }"), "clients.acme.models[0]",
            "no model named \"z\""),
        .init(
            "client unknown key", T.policy("clients: { acme: { tiers: x } }"), "clients.acme.tiers",
            "allowed: tier, models"),
        .init(
            "client budget delta", T.policy("clients: { acme: { budget: { delta: -0.1 } } }"),
            "clients.acme.budget.delta",
            "must be in [0, 1), got -0.1"
        ),
        .init(
            "client burst", T.policy("clients: { acme: { burst: x } }"), "clients.acme.burst",
            "expected an integer, got \"x\""),
    ]

    static let models: [InvalidPolicyCase] = [
        .init(
            "model name", "version: 1\nmodels:\n  \"fr aud\": {}\n", "models.fr aud",
            "model names must match [A-Za-z0-9._-]+, got \"fr aud\""
        ),
        .init(
            "model unknown key", T.policy().replacingOccurrences(of: "    inputs:", with: "    input: []\n    inputs:"),
            "models.m.input", "allowed: protocol, max_batch, inputs, outputs"),
        .init(
            "model protocol", "version: 1\nmodels: { m: { protocol: grpc } }", "models.m.protocol",
            "must be one of v2, tfserving, auto"),
        .init("model without inputs", "version: 1\nmodels: { m: { outputs: [] } }", "models.m.inputs", "required"),
        .init(
            "model empty inputs", "version: 1\nmodels: { m: { inputs: [], outputs: [] } }", "models.m.inputs",
            "at least one tensor"),
        .init(
            "max_batch", T.policy().replacingOccurrences(of: "    inputs:", with: "    max_batch: 0\n    inputs:"),
            "models.m.max_batch", "must be >= 1"),
        .init("tensor without name", T.input("{datatype: FP32, shape: [1]}"), "\(input).name", "required"),
        .init("tensor without datatype", T.input("{name: x, shape: [1]}"), "\(input).datatype", "required"),
        .init("tensor without shape", T.input("{name: x, datatype: FP32}"), "\(input).shape", "required"),
        .init(
            "tensor unknown key", T.input("{name: x, datatype: FP32, shape: [1], dtype: FP32}"), "\(input).dtype",
            "allowed: name, datatype, shape, range, max_length, deny"),
        .init(
            "privacy on input", T.input("{name: x, datatype: FP32, shape: [1], privacy: {mechanism: none}}"),
            "\(input).privacy", "unknown key"),
        .init(
            "datatype", T.input("{name: x, datatype: FLOAT, shape: [1]}"), "\(input).datatype", "must be one of BOOL"),
        .init("shape empty", T.input("{name: x, datatype: FP32, shape: []}"), "\(input).shape", "at least one axis"),
        .init(
            "shape zero", T.input("{name: x, datatype: FP32, shape: [-1, 0]}"), "\(input).shape[1]",
            "must be > 0 or -1, got 0"),
        .init("shape -2", T.input("{name: x, datatype: FP32, shape: [-2]}"), "\(input).shape[0]", "got -2"),
        .init(
            "shape string", T.input("{name: x, datatype: FP32, shape: \"[1]\"}"), "\(input).shape", "expected a list"),
        .init(
            "range order", T.input("{name: x, datatype: FP32, shape: [1], range: [5, -5]}"), "\(input).range",
            "lo must be <= hi"),
        .init(
            "range length", T.input("{name: x, datatype: FP32, shape: [1], range: [5]}"), "\(input).range",
            "expected [lo, hi]"),
        .init(
            "range infinite", T.input("{name: x, datatype: FP32, shape: [1], range: [-.inf, 1]}"), "\(input).range[0]",
            "must be a finite number"),
        .init(
            "range on BYTES", T.input("{name: x, datatype: BYTES, shape: [1], range: [0, 1]}"), "\(input).range",
            "only numeric datatypes"),
        .init(
            "range on BOOL", T.input("{name: x, datatype: BOOL, shape: [1], range: [0, 1]}"), "\(input).range",
            "this tensor is BOOL"),
        .init(
            "max_length on FP32", T.input("{name: x, datatype: FP32, shape: [1], max_length: 3}"),
            "\(input).max_length", "only BYTES"),
        .init(
            "max_length zero", T.input("{name: x, datatype: BYTES, shape: [1], max_length: 0}"), "\(input).max_length",
            "must be >= 1"),
        .init(
            "deny on INT8", T.input("{name: x, datatype: INT8, shape: [1], deny: [a]}"), "\(input).deny", "only BYTES"),
        .init(
            "deny regex", T.input("{name: x, datatype: BYTES, shape: [1], deny: [ok, \"(unclosed\"]}"),
            "\(input).deny[1]", "not a valid regular expression"),
        .init(
            "deny not strings", T.input("{name: x, datatype: BYTES, shape: [1], deny: [[a]]}"), "\(input).deny[0]",
            "expected a string, got a list"),
        .init(
            "duplicate tensor names",
            T.input("{name: x, datatype: FP32, shape: [1]}, {name: x, datatype: FP32, shape: [1]}"),
            "models.m.inputs[1].name", "duplicate tensor name \"x\" (also models.m.inputs[0].name)"
        ),
        .init(
            "tensor name number", T.input("{name: 7, datatype: FP32, shape: [1]}"), "\(input).name",
            "expected a string, got 7 (quote it: \"7\")"),
    ]

    static let privacyCases: [InvalidPolicyCase] = [
        .init(
            "privacy required", T.privacy("null").replacingOccurrences(of: ", privacy: null", with: ""), "\(privacy)",
            "required for FP32 outputs"),
        .init(
            "privacy on INT64", T.privacy("{mechanism: none}", datatype: "INT64"), privacy,
            "only floating-point outputs (FP16, FP32, FP64, BF16) are privatized; this output is INT64"),
        .init("mechanism missing", T.privacy("{epsilon: 1}"), "\(privacy).mechanism", "required"),
        .init(
            "mechanism", T.privacy("{mechanism: exponential}"), "\(privacy).mechanism",
            "must be one of laplace, gaussian, none"),
        .init(
            "unknown privacy key", T.privacy("{mechanism: none, sigma: 1}"), "\(privacy).sigma",
            "allowed: mechanism, epsilon, delta, sensitivity, sensitivity_reason, clamp, normalize, round, top_k, "
                + "label_only"),
        .init(
            "laplace epsilon negative", T.privacy("{mechanism: laplace, epsilon: -1, clamp: [0, 1]}"),
            "\(privacy).epsilon", "must be > 0, got -1"),
        .init(
            "laplace without epsilon", T.privacy("{mechanism: laplace, clamp: [0, 1]}"), "\(privacy).epsilon",
            "required"),
        .init(
            "laplace with delta", T.privacy("{mechanism: laplace, epsilon: 1, delta: 1.0e-6, clamp: [0, 1]}"),
            "\(privacy).delta", "not allowed with mechanism laplace"),
        .init(
            "gaussian without delta", T.privacy("{mechanism: gaussian, epsilon: 1, clamp: [0, 1]}"), "\(privacy).delta",
            "required with mechanism gaussian"),
        .init(
            "gaussian delta zero", T.privacy("{mechanism: gaussian, epsilon: 1, delta: 0, clamp: [0, 1]}"),
            "\(privacy).delta", "must be in (0, 1), got 0"),
        .init(
            "gaussian delta one", T.privacy("{mechanism: gaussian, epsilon: 1, delta: 1, clamp: [0, 1]}"),
            "\(privacy).delta", "must be in (0, 1), got 1"),
        .init(
            "gaussian epsilon zero", T.privacy("{mechanism: gaussian, epsilon: 0, delta: 0.5, clamp: [0, 1]}"),
            "\(privacy).epsilon", "must be > 0, got 0"),
        .init(
            "epsilon string", T.privacy("{mechanism: laplace, epsilon: \"0.5\", clamp: [0, 1]}"), "\(privacy).epsilon",
            "expected a number, got \"0.5\""),
        .init(
            "none with epsilon", T.privacy("{mechanism: none, epsilon: 1}"), "\(privacy).epsilon",
            "not allowed with mechanism none (only clamp and round are)"),
        .init(
            "none with delta", T.privacy("{mechanism: none, delta: 0.1}"), "\(privacy).delta",
            "not allowed with mechanism none"),
        .init(
            "none with sensitivity", T.privacy("{mechanism: none, sensitivity: 1}"), "\(privacy).sensitivity",
            "not allowed with mechanism none"),
        .init(
            "none with normalize", T.privacy("{mechanism: none, normalize: true}"), "\(privacy).normalize",
            "not allowed with mechanism none"),
        .init(
            "none with top_k", T.privacy("{mechanism: none, top_k: 1}"), "\(privacy).top_k",
            "not allowed with mechanism none"),
        .init(
            "none with label_only", T.privacy("{mechanism: none, label_only: false}"), "\(privacy).label_only",
            "not allowed with mechanism none"),
        .init(
            "sensitivity zero", T.privacy("{mechanism: laplace, epsilon: 1, sensitivity: 0}"), "\(privacy).sensitivity",
            "must be > 0, got 0"),
        .init(
            "sensitivity nan", T.privacy("{mechanism: laplace, epsilon: 1, sensitivity: .nan}"),
            "\(privacy).sensitivity", "must be a finite number"),
        .init(
            "neither sensitivity nor clamp", T.privacy("{mechanism: laplace, epsilon: 1}"), "\(privacy).clamp",
            "required when sensitivity is omitted"),
        .init(
            "variable row, no sensitivity",
            T.privacy("{mechanism: gaussian, epsilon: 1, delta: 0.001, clamp: [0, 2]}", shape: "[-1, -1]"),
            "\(privacy).sensitivity", "cannot be derived from clamp"
        ),
        .init(
            "clamp equal", T.privacy("{mechanism: laplace, epsilon: 1, clamp: [1, 1]}"), "\(privacy).clamp",
            "lo must be < hi, got [1, 1]"),
        .init(
            "clamp not numbers", T.privacy("{mechanism: laplace, epsilon: 1, clamp: [a, 1]}"), "\(privacy).clamp[0]",
            "expected a number"),
        .init(
            "clamp infinite", T.privacy("{mechanism: none, clamp: [0, .inf]}"), "\(privacy).clamp[1]",
            "must be a finite number"),
        .init("round 18", T.privacy("{mechanism: none, round: 18}"), "\(privacy).round", "must be in 0...17, got 18"),
        .init("round negative", T.privacy("{mechanism: none, round: -1}"), "\(privacy).round", "must be in 0...17"),
        .init(
            "normalize string", T.privacy("{mechanism: laplace, epsilon: 1, clamp: [0, 1], normalize: maybe}"),
            "\(privacy).normalize", "expected true or false, got \"maybe\""),
        .init(
            "top_k negative", T.privacy("{mechanism: laplace, epsilon: 1, clamp: [0, 1], top_k: -1}"),
            "\(privacy).top_k", "must be in 0...3 (the last axis), got -1"),
        .init(
            "top_k above last axis", T.privacy("{mechanism: laplace, epsilon: 1, clamp: [0, 1], top_k: 4}"),
            "\(privacy).top_k", "must be in 0...3 (the last axis), got 4"),
        .init(
            "top_k variable axis",
            T.privacy("{mechanism: laplace, epsilon: 1, sensitivity: 1, top_k: -2}", shape: "[-1, -1]"),
            "\(privacy).top_k", "must be >= 0, got -2"),
        .init(
            "top_k and label_only",
            T.privacy("{mechanism: laplace, epsilon: 1, clamp: [0, 1], top_k: 2, label_only: true}"),
            "\(privacy).label_only", "top_k and label_only exclude each other"),
        .init("privacy not a mapping", T.privacy("laplace"), privacy, "expected a mapping, got \"laplace\""),
    ]

    static let duplicates: [InvalidPolicyCase] = [
        .init("duplicate top-level key", "version: 1\nversion: 1\n" + T.model, "version", "duplicate key"),
        .init(
            "duplicate nested key", T.policy("limits:\n  max_depth: 3\n  max_batch: 2\n  max_depth: 4"),
            "limits.max_depth",
            "duplicate key; each key may appear once"
        ),
        .init(
            "duplicate flow key", T.privacy("{mechanism: laplace, epsilon: 1, \"epsilon\": 2, clamp: [0, 1]}"),
            "\(privacy).epsilon",
            "duplicate key"
        ),
        .init(
            "duplicate JSON key",
            #"{"version": 1, "tiers": {"a": {"models": "*"}, "a": {"models": "*"}}, "models": {}}"#,
            "tiers.a", "duplicate key"
        ),
        .init("duplicate model", "version: 1\n" + T.model + "\n  m:\n    inputs: []", "models.m", "duplicate key"),
    ]

    @Test(
        "invalid policies are refused with the key path",
        arguments: topLevel + auth + tiers + models + privacyCases + duplicates)
    func invalid(_ testCase: InvalidPolicyCase) throws {
        let error = try #require(policyError(testCase.yaml))
        let first = try #require(error.problems.first)
        #expect(first.path == testCase.path, "\(error)")
        #expect(first.message.contains(testCase.message), "\(error)")
    }

    @Test("three equal keys are all reported")
    func threeDuplicates() throws {
        let error = try #require(policyError("version: 1\nversion: 1\nversion: 1\n" + T.model))
        #expect(
            error.problems.map(\.description) == [
                "version: duplicate key; each key may appear once",
                "version: duplicate key; each key may appear once",
            ])
    }

    @Test("an unknown key lists the allowed keys")
    func unknownKeyMessage() throws {
        let error = try #require(policyError(T.privacy("{mechanism: laplace, epsilon: 1, clamp: [0, 1], noise: 2}")))
        #expect(
            error.description
                == "models.m.outputs[0].privacy.noise: unknown key; allowed: mechanism, epsilon, delta, sensitivity, "
                + "sensitivity_reason, clamp, normalize, round, top_k, label_only"
        )
    }

    @Test("valid edge values are accepted")
    func validEdges() throws {
        let yaml = """
            version: 1
            limits: { max_record_bytes: 64, max_depth: 1024, max_batch: 1 }
            tiers:
              t: { models: [], rate: 0.5/s, burst: 0, quota: 1/hour, budget: { epsilon: 1e-3, delta: 0, window: 48h } }
            models:
              a.b_c-1:
                inputs: [{name: s, datatype: BYTES, shape: [2], max_length: 1, deny: []}]
                outputs:
                  - {name: p, datatype: BF16, shape: [-1, -1], privacy: {mechanism: gaussian, epsilon: 5, delta: 0.999999, sensitivity: 3, top_k: 9}}
                  - {name: q, datatype: FP16, shape: [-1], privacy: {mechanism: laplace, epsilon: 1, clamp: [-1, 1], label_only: true, round: 0}}
                  - {name: r, datatype: FP64, shape: [-1, 4], privacy: {mechanism: none, clamp: [0, 1], round: 17}}
            """
        let policy = try Policy.parse(yaml: yaml, source: "edges.yaml")
        #expect(policy.tier(named: "t")?.budget?.window == .seconds(48 * 3_600))
        #expect(policy.tier(named: "t")?.models == .only([]))
        let model = try #require(policy.model(named: "a.b_c-1"))
        #expect(model.outputs[0].privacy?.topK == 9)
        #expect(model.outputs[1].privacy?.labelOnly == true)
        #expect(model.outputs[2].privacy?.round == 17)
    }
}
