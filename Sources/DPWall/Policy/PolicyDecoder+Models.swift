import DPWallRecords

extension PolicyDecoder {
    static let modelKeys = ["protocol", "max_batch", "inputs", "outputs"]
    static let tensorKeys = ["name", "datatype", "shape", "range", "max_length", "deny"]
    static let outputKeys = tensorKeys + ["privacy"]

    func decodeModels(_ value: YAMLValue, limits: Policy.Limits) -> [ModelSpec] {
        guard let entries = value.entries() else { return [] }
        var models: [ModelSpec] = []
        for (name, modelValue) in entries {
            guard PolicyValueSyntax.isModelName(name) else {
                modelValue.report("model names must match [A-Za-z0-9._-]+, got \(YAMLValue.quoted(name))")
                continue
            }
            // A record's model is at most 128 bytes, as a client name: a longer model could never be called.
            guard checkNameKey(name, of: value, kind: "model") else { continue }
            guard let map = modelValue.mapping(allowed: Self.modelKeys) else { continue }
            var model = ModelSpec(name: name, maxBatch: limits.maxBatch, inputs: [], outputs: [])
            if let wireProtocol = map["protocol"]?.choice(ModelSpec.WireProtocol.self) {
                model.wireProtocol = wireProtocol
            }
            if let maxBatch = map["max_batch"]?.integer(">= 1", { $0 >= 1 }) { model.maxBatch = maxBatch }
            if let inputs = map.required("inputs", "a list of the input tensors") {
                model.inputs = decodeTensors(inputs, allowed: Self.tensorKeys).map(\.tensor)
            }
            if let outputs = map.required("outputs", "a list of the output tensors") {
                model.outputs = decodeTensors(outputs, allowed: Self.outputKeys).map { tensor, map in
                    OutputSpec(tensor: tensor, privacy: decodeOutputPrivacy(map, tensor: tensor))
                }
            }
            models.append(model)
        }
        return models
    }

    /// The tensors of an `inputs` or `outputs` list, with their mappings (for the output's `privacy`).
    private func decodeTensors(_ value: YAMLValue, allowed: [String]) -> [(tensor: TensorSpec, map: YAMLMapping)] {
        guard let elements = value.list() else { return [] }
        if elements.isEmpty { value.report("must declare at least one tensor") }
        var tensors: [(tensor: TensorSpec, map: YAMLMapping)] = []
        var names: [String: PolicyPath] = [:]
        for element in elements {
            guard let map = element.mapping(allowed: allowed) else { continue }
            let nameValue = map.required("name", "the tensor's name")
            let name = nameValue?.nonEmptyString()
            if let name, let nameValue {
                if let first = names[name] {
                    nameValue.report("duplicate tensor name \(YAMLValue.quoted(name)) (also \(first))")
                } else {
                    names[name] = nameValue.path
                }
            }
            if let tensor = decodeTensor(map, name: name) {
                tensors.append((tensor, map))
            }
        }
        return tensors
    }

    private func decodeTensor(_ map: YAMLMapping, name: String?) -> TensorSpec? {
        let datatype = map.required("datatype", "one of \(Self.datatypeNames)").flatMap(decodeDatatype)
        let shape = map.required("shape", "a list of axis sizes, -1 for any").flatMap(decodeShape)
        var tensor = TensorSpec(name: name ?? "", datatype: datatype ?? .fp32, shape: shape ?? [-1])
        if let value = map["range"], let (lower, upper) = value.interval() {
            if let datatype, !datatype.isNumeric {
                value.report("only numeric datatypes take a range; this tensor is \(datatype.rawValue)")
            } else if lower > upper {
                value.report(
                    "lo must be <= hi, got [\(PolicyValueSyntax.format(lower)), \(PolicyValueSyntax.format(upper))]")
            } else {
                tensor.range = lower...upper
            }
        }
        if let value = map["max_length"], let length = value.integer(">= 1", { $0 >= 1 }) {
            if let datatype, datatype != .bytes {
                value.report("only BYTES tensors take max_length; this tensor is \(datatype.rawValue)")
            } else {
                tensor.maxLength = length
            }
        }
        if let value = map["deny"], let patterns = value.list() {
            if let datatype, datatype != .bytes {
                value.report("only BYTES tensors take deny patterns; this tensor is \(datatype.rawValue)")
            } else {
                tensor.deny = patterns.compactMap(decodePattern)
            }
        }
        guard name != nil, datatype != nil, shape != nil else { return nil }
        return tensor
    }

    private static var datatypeNames: String {
        TensorDatatype.allCases.map(\.rawValue).joined(separator: ", ")
    }

    private func decodeDatatype(_ value: YAMLValue) -> TensorDatatype? {
        guard let text = value.string() else { return nil }
        guard let datatype = TensorDatatype(rawValue: text) else {
            let hint = TensorDatatype(rawValue: text.uppercased()).map { " (did you mean \($0.rawValue)?)" } ?? ""
            value.report("must be one of \(Self.datatypeNames), got \(value.summary)\(hint)")
            return nil
        }
        return datatype
    }

    private func decodeShape(_ value: YAMLValue) -> [Int]? {
        guard let axes = value.list() else { return nil }
        guard !axes.isEmpty else {
            value.report("must have at least one axis (the first is the batch)")
            return nil
        }
        let sizes = axes.map { $0.integer("> 0 or -1", { $0 > 0 || $0 == -1 }) }
        let valid = sizes.compactMap { $0 }
        return valid.count == sizes.count ? valid : nil
    }

    private func decodePattern(_ value: YAMLValue) -> String? {
        guard let pattern = value.string() else { return nil }
        do {
            _ = try Regex(pattern)
        } catch {
            value.report("not a valid regular expression: \(error)")
            return nil
        }
        return pattern
    }
}
