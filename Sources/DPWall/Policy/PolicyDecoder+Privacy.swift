extension PolicyDecoder {
    static let privacyKeys = [
        "mechanism", "epsilon", "delta", "sensitivity", "clamp", "normalize", "round", "top_k", "label_only",
    ]
    /// The keys mechanism `none` accepts besides `mechanism`.
    static let keysAllowedWithNone: Set<String> = ["clamp", "round"]
    /// The largest `round`, in decimals (a double has at most 17 significant decimals).
    static let maximumRound = 17

    /// The `privacy` of an output, checking it against the output's datatype and shape.
    func decodeOutputPrivacy(_ output: YAMLMapping, tensor: TensorSpec) -> PrivacySpec? {
        let floatingPoint = tensor.datatype.isFloatingPoint
        guard let value = output["privacy"] else {
            if floatingPoint {
                diagnostics.report(
                    output.path.key("privacy"),
                    "required for \(tensor.datatype.rawValue) outputs (mechanism laplace or gaussian, "
                        + "or none to release raw values)"
                )
            }
            return nil
        }
        guard floatingPoint else {
            value.report(
                "only floating-point outputs (FP16, FP32, FP64, BF16) are privatized; "
                    + "this output is \(tensor.datatype.rawValue)"
            )
            return nil
        }
        return decodePrivacy(value, tensor: tensor)
    }

    private func decodePrivacy(_ value: YAMLValue, tensor: TensorSpec) -> PrivacySpec? {
        guard let map = value.mapping(allowed: Self.privacyKeys) else { return nil }
        guard
            let mechanism = map.required("mechanism", "laplace, gaussian or none")?.choice(PrivacySpec.Mechanism.self)
        else { return nil }
        var spec = PrivacySpec(mechanism: mechanism)
        var valid = true
        /// `result`, noting that a present key failed when it is `nil`.
        func check<T>(_ result: T?) -> T? {
            if result == nil { valid = false }
            return result
        }

        if mechanism == .none {
            for key in Self.privacyKeys where key != "mechanism" && !Self.keysAllowedWithNone.contains(key) {
                if let extra = map[key] {
                    extra.report("not allowed with mechanism none (only clamp and round are)")
                    valid = false
                }
            }
        } else {
            if let epsilon = map.required("epsilon", "the privacy cost of one released row, > 0") {
                spec.epsilon = check(epsilon.number("> 0", { $0 > 0 }))
            } else {
                valid = false
            }
            switch (mechanism, map["delta"]) {
            case (.laplace, let delta?):
                delta.report("not allowed with mechanism laplace (pure epsilon-DP; use gaussian for a delta)")
                valid = false
            case (.gaussian, let delta?):
                spec.delta = check(delta.number("in (0, 1)", { $0 > 0 && $0 < 1 }))
            case (.gaussian, nil):
                diagnostics.report(map.path.key("delta"), "required with mechanism gaussian, in (0, 1)")
                valid = false
            default: break
            }
            if let sensitivity = map["sensitivity"] {
                spec.sensitivity = check(sensitivity.number("> 0", { $0 > 0 }))
            }
            if let normalize = map["normalize"] {
                spec.normalize = check(normalize.bool()) ?? false
            }
            if let topK = map["top_k"] {
                let last = tensor.fixedLastAxis
                let requirement = last.map { "in 0...\($0) (the last axis)" } ?? ">= 0"
                spec.topK = check(topK.integer(requirement, { $0 >= 0 && $0 <= (last ?? Int.max) })) ?? 0
            }
            if let labelOnly = map["label_only"] {
                spec.labelOnly = check(labelOnly.bool()) ?? false
            }
            if spec.topK > 0, spec.labelOnly, let labelOnly = map["label_only"] {
                labelOnly.report("top_k and label_only exclude each other")
                valid = false
            }
        }
        if let clamp = map["clamp"] {
            if let (lower, upper) = clamp.interval() {
                if lower < upper {
                    spec.clamp = lower...upper
                } else {
                    clamp.report(
                        "lo must be < hi, got [\(PolicyValueSyntax.format(lower)), \(PolicyValueSyntax.format(upper))]")
                    valid = false
                }
            } else {
                valid = false
            }
        }
        if let round = map["round"] {
            spec.round = check(
                round.integer("in 0...\(Self.maximumRound)", { (0...Self.maximumRound).contains($0) }))
        }
        if valid, mechanism != .none, spec.sensitivity == nil {
            if spec.clamp == nil {
                diagnostics.report(
                    map.path.key("clamp"),
                    "required when sensitivity is omitted (the sensitivity is derived from it)"
                )
                valid = false
            } else if spec.resolvedSensitivity(for: tensor) == nil {
                diagnostics.report(
                    map.path.key("sensitivity"),
                    "required: a row of shape \(tensor.shape) has no fixed length, so it cannot be derived from clamp"
                )
                valid = false
            }
        }
        return valid ? spec : nil
    }
}
