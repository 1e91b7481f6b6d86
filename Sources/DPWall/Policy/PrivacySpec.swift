/// How an output tensor is privatized (`outputs[i].privacy`, privacy.md "One release, step by step").
public struct PrivacySpec: Sendable, Equatable {
    /// The noise mechanism.
    public enum Mechanism: String, CaseIterable, Sendable {
        /// Discrete Laplace noise: pure epsilon-DP, L1 sensitivity.
        case laplace
        /// Discrete Gaussian noise: (epsilon, delta)-DP, L2 sensitivity.
        case gaussian
        /// No noise: raw model outputs are released (only `clamp` and `round` apply).
        case none
    }

    /// The noise mechanism.
    public var mechanism: Mechanism
    /// The privacy cost of one released row, in nats (> 0; laplace and gaussian only).
    public var epsilon: Double?
    /// The delta of one released row (in (0, 1); gaussian only).
    public var delta: Double?
    /// The sensitivity of one row after clamping: L1 for laplace, L2 for gaussian (> 0); `nil`: derived from
    /// ``clamp`` (see ``PrivacySpec/resolvedSensitivity(for:)``).
    public var sensitivity: Double?
    /// Why a given ``sensitivity`` below the bound the clamp implies holds (`sensitivity_reason`, non-empty);
    /// the policy is refused without one (see ``PrivacySpec/impliedSensitivity(for:maxRowElements:)``).
    public var sensitivityReason: String?
    /// The range raw values are clamped to before noise and released values after it (lo < hi, finite).
    public var clamp: ClosedRange<Double>?
    /// Rows are probabilities: renormalise them to sum 1 after noise.
    public var normalize: Bool
    /// The decimals of the released values (0...17); `nil`: the grid's own precision.
    public var round: Int?
    /// Release only the `topK` largest values of each row (others 0); 0: every value.
    public var topK: Int
    /// Release only the argmax of each noised row.
    public var labelOnly: Bool

    /// Creates a privacy declaration.
    public init(
        mechanism: Mechanism,
        epsilon: Double? = nil,
        delta: Double? = nil,
        sensitivity: Double? = nil,
        sensitivityReason: String? = nil,
        clamp: ClosedRange<Double>? = nil,
        normalize: Bool = false,
        round: Int? = nil,
        topK: Int = 0,
        labelOnly: Bool = false
    ) {
        self.mechanism = mechanism
        self.epsilon = epsilon
        self.delta = delta
        self.sensitivity = sensitivity
        self.sensitivityReason = sensitivityReason
        self.clamp = clamp
        self.normalize = normalize
        self.round = round
        self.topK = topK
        self.labelOnly = labelOnly
    }
}

extension PrivacySpec: CustomReflectable {
    /// Every stored property but ``sensitivityReason``, in declaration order. The content digest's context
    /// reflects the model's outputs (`ContentDigest.context`, "how the record was answered"); the reason changes
    /// no release, so editing it, or adding the key to a policy, leaves the digests of records already decided as
    /// they were, and a redelivered retry is still recognised.
    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "mechanism": mechanism, "epsilon": epsilon as Any, "delta": delta as Any,
                "sensitivity": sensitivity as Any, "clamp": clamp as Any, "normalize": normalize,
                "round": round as Any, "topK": topK, "labelOnly": labelOnly,
            ],
            displayStyle: .struct)
    }
}
