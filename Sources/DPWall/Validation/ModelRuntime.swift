import DPWallRecords

/// What the pipeline needs of one declared model, prepared once from the policy: name tables for decoding,
/// compiled deny patterns, and whether any output needs a noise mechanism.
final class ModelRuntime {
    let spec: ModelSpec
    let inputs: DeclaredTensors
    let outputs: DeclaredTensors
    /// Compiled `deny` patterns per input (and per output, unused for now), by declared index.
    let inputDeny: [[Regex<AnyRegexOutput>]]
    let outputDeny: [[Regex<AnyRegexOutput>]]
    /// The protocol fixed by the policy, or nil to detect it per body.
    let fixedFormat: WireFormat?
    /// The first output whose mechanism is laplace or gaussian, if any.
    let firstNoisedOutput: Int?

    init(_ spec: ModelSpec) throws {
        self.spec = spec
        inputs = DeclaredTensors(names: spec.inputs.map(\.name), isBytes: spec.inputs.map { $0.datatype == .bytes })
        outputs = DeclaredTensors(
            names: spec.outputs.map(\.tensor.name), isBytes: spec.outputs.map { $0.tensor.datatype == .bytes })
        inputDeny = try spec.inputs.map { try $0.deny.map { try Regex($0) } }
        outputDeny = try spec.outputs.map { try $0.tensor.deny.map { try Regex($0) } }
        switch spec.wireProtocol {
        case .v2: fixedFormat = .v2
        case .tfserving: fixedFormat = .tfserving
        case .auto: fixedFormat = nil
        }
        firstNoisedOutput = spec.outputs.firstIndex { output in
            guard let privacy = output.privacy else { return false }
            return privacy.mechanism != .none
        }
    }

    /// The declaration of tensor `index` on `side`.
    func tensorSpec(_ side: BodySide, _ index: Int) -> TensorSpec {
        side == .request ? spec.inputs[index] : spec.outputs[index].tensor
    }

    /// The declared names on `side`.
    func declared(_ side: BodySide) -> DeclaredTensors { side == .request ? inputs : outputs }

    /// The compiled deny patterns of tensor `index` on `side`.
    func denyPatterns(_ side: BodySide, _ index: Int) -> [Regex<AnyRegexOutput>] {
        side == .request ? inputDeny[index] : outputDeny[index]
    }
}
