/// A model the firewall serves (`models.<name>`): its protocol, batch limit and tensor declarations.
public struct ModelSpec: Sendable, Equatable {
    /// The wire protocols of request and response bodies (records.md, "Bodies").
    public enum WireProtocol: String, CaseIterable, Sendable {
        /// Open Inference Protocol (KServe v2 / Triton) REST JSON.
        case v2
        /// TensorFlow Serving REST predict.
        case tfserving
        /// Detected from each body's keys.
        case auto
    }

    /// The model's name (its key under `models`, `[A-Za-z0-9._-]+`).
    public var name: String
    /// The protocol of the bodies (default ``WireProtocol/auto``).
    public var wireProtocol: WireProtocol
    /// The largest batch, in rows on the first axis (the model's `max_batch`, else `limits.max_batch`).
    public var maxBatch: Int
    /// The declared input tensors, in file order.
    public var inputs: [TensorSpec]
    /// The declared output tensors, in file order.
    public var outputs: [OutputSpec]

    /// Creates a model declaration.
    public init(
        name: String,
        wireProtocol: WireProtocol = .auto,
        maxBatch: Int = Policy.Limits.defaultMaxBatch,
        inputs: [TensorSpec],
        outputs: [OutputSpec]
    ) {
        self.name = name
        self.wireProtocol = wireProtocol
        self.maxBatch = maxBatch
        self.inputs = inputs
        self.outputs = outputs
    }

    /// The input declared with name `name`.
    public func input(named name: String) -> TensorSpec? {
        inputs.first { $0.name == name }
    }

    /// The output declared with name `name`.
    public func output(named name: String) -> OutputSpec? {
        outputs.first { $0.tensor.name == name }
    }
}

/// A declared output tensor and how it is privatized.
public struct OutputSpec: Sendable, Equatable {
    /// The tensor's declaration (same keys as an input).
    public var tensor: TensorSpec
    /// How the tensor is privatized; `nil` only for outputs that are not floating point.
    public var privacy: PrivacySpec?

    /// Creates an output declaration.
    public init(tensor: TensorSpec, privacy: PrivacySpec? = nil) {
        self.tensor = tensor
        self.privacy = privacy
    }
}
