import DPWallPrivacy
import DPWallRecords

/// The checks of one declared tensor, as plain values: no references, so reading one on the hot path costs no
/// reference counting.
struct TensorRule {
    /// The declared datatype.
    var datatype: TensorDatatype
    /// The declared range, or -∞…+∞.
    var low = -Double.infinity, high = Double.infinity
    /// The longest BYTES element, in bytes (`Int.max` when unlimited).
    var maxLength = Int.max
    /// The declared shape, in ``ModelRuntime/shapes`` from `shapeStart`, `rank` axes (-1 matches any size).
    var shapeStart: Int, rank: Int
    /// Outputs: decimals to round released values to, or -1.
    var roundDecimals = -1
    /// Outputs: whether released values are post-processed at all (a floating-point output with a privacy block).
    var postProcesses = false
    /// Outputs: whether the release is the noised row's argmax (`label_only`): an INT64 tensor of shape [batch, 1].
    var labelOnly = false
}

/// What the pipeline needs of one declared model, prepared once from the policy: name tables for decoding,
/// plain-value tensor rules, compiled deny patterns, and the release procedure of every privatized output.
final class ModelRuntime {
    let spec: ModelSpec
    let inputs: DeclaredTensors
    let outputs: DeclaredTensors
    /// Compiled `deny` patterns per input (and per output, unused for now), by declared index.
    let inputDeny: [[Regex<AnyRegexOutput>]]
    let outputDeny: [[Regex<AnyRegexOutput>]]
    /// The protocol fixed by the policy, or nil to detect it per body.
    let fixedFormat: WireFormat?
    /// Per output, its release procedure (`nil` for outputs without a privacy block).
    let privatizers: [OutputPrivatizer?]
    /// The model's name and its largest batch, in rows.
    let name: String
    let maxBatch: Int
    /// Per input and per output, the checks as plain values; shapes are stored back to back in ``shapes``.
    let inputRules: [TensorRule]
    let outputRules: [TensorRule]
    /// The outputs' names, in policy order.
    let outputNames: [String]
    let shapes: [Int]

    /// Prepares `spec`; `maxRowElements` bounds a row whose length the shape leaves open (``Policy/maxRowElements``).
    init(_ spec: ModelSpec, maxRowElements: Int) throws {
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
        name = spec.name
        maxBatch = spec.maxBatch
        var shapes: [Int] = []
        func rule(_ tensor: TensorSpec, _ privacy: PrivacySpec?) -> TensorRule {
            var rule = TensorRule(datatype: tensor.datatype, shapeStart: shapes.count, rank: tensor.shape.count)
            shapes.append(contentsOf: tensor.shape)
            if let range = tensor.range {
                rule.low = range.lowerBound
                rule.high = range.upperBound
            }
            rule.maxLength = tensor.maxLength ?? Int.max
            if let privacy, tensor.datatype.isFloatingPoint {
                rule.postProcesses = true
                rule.roundDecimals = privacy.round ?? -1
                rule.labelOnly = privacy.labelOnly
            }
            return rule
        }
        inputRules = spec.inputs.map { rule($0, nil) }
        outputRules = spec.outputs.map { rule($0.tensor, $0.privacy) }
        self.shapes = shapes
        outputNames = spec.outputs.map(\.tensor.name)
        privatizers = spec.outputs.map { output in
            guard let privacy = output.privacy, output.tensor.datatype.isFloatingPoint else { return nil }
            return privacy.privatizer(for: output.tensor, maxRowElements: maxRowElements)
        }
    }

    /// The checks of tensor `index` on `side`.
    func rule(_ side: BodySide, _ index: Int) -> TensorRule {
        side == .request ? inputRules[index] : outputRules[index]
    }

    /// Whether `dims` (a tensor's actual shape) matches the rule's declared shape (-1 matches any size).
    func shapeMatches(_ rule: TensorRule, _ dims: ArraySlice<Int>) -> Bool {
        guard dims.count == rule.rank else { return false }
        return shapes.withUnsafeBufferPointer { declared in
            var axis = rule.shapeStart
            for size in dims {
                if declared[axis] != -1 && declared[axis] != size { return false }
                axis += 1
            }
            return true
        }
    }

    /// The declared shape of a rule, for messages.
    func shape(of rule: TensorRule) -> [Int] { Array(shapes[rule.shapeStart..<(rule.shapeStart + rule.rank)]) }

    /// The declared names on `side`.
    func declared(_ side: BodySide) -> DeclaredTensors { side == .request ? inputs : outputs }

    /// The compiled deny patterns of tensor `index` on `side`.
    func denyPatterns(_ side: BodySide, _ index: Int) -> [Regex<AnyRegexOutput>] {
        side == .request ? inputDeny[index] : outputDeny[index]
    }
}
