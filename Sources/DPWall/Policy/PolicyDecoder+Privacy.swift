extension PolicyDecoder {
    static let privacyKeys = [
        "mechanism", "epsilon", "delta", "sensitivity", "sensitivity_reason", "clamp", "normalize", "round", "top_k",
        "label_only",
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
            if let reason = map["sensitivity_reason"] {
                if map["sensitivity"] == nil {
                    reason.report("only with sensitivity (it says why a given sensitivity holds)")
                    valid = false
                } else {
                    spec.sensitivityReason = check(decodeReason(reason))
                }
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
                // Every axis after the batch fixed, and still no row length: their product overflows.
                let why =
                    tensor.shape.dropFirst().allSatisfy { $0 > 0 }
                    ? "has more elements than an Int holds" : "has no fixed length"
                diagnostics.report(
                    map.path.key("sensitivity"),
                    "required: a row of shape \(tensor.shape) \(why), so it cannot be derived from clamp")
                valid = false
            }
        }
        if valid, mechanism != .none {
            valid = checkSensitivity(spec, map, tensor: tensor) && checkCalibration(spec, map, tensor: tensor)
        }
        return valid ? spec : nil
    }

    /// A non-empty `sensitivity_reason`: some text that is not only white space.
    private func decodeReason(_ value: YAMLValue) -> String? {
        guard let text = value.nonEmptyString() else { return nil }
        guard text.contains(where: { !$0.isWhitespace }) else {
            value.report("must say why the sensitivity holds, got only white space")
            return nil
        }
        return text
    }

    /// Whether a given sensitivity is at least the bound the clamp implies, or says why it holds: one below it,
    /// unexplained, would make every release cost more than it is charged (docs/privacy.md, "The privacy model").
    private func checkSensitivity(_ spec: PrivacySpec, _ map: YAMLMapping, tensor: TensorSpec) -> Bool {
        guard let given = spec.sensitivity, spec.sensitivityReason == nil,
            let implied = spec.impliedSensitivity(for: tensor, maxRowElements: limits.maxRowElements),
            given < implied.value
        else { return true }
        let norm = implied.norm.rawValue
        let rows = tensor.rowElementCount.map { "d = \($0)" } ?? "d = \(limits.maxRowElements), the most a record holds"
        let bound =
            implied.source == .simplex
            ? "the probability simplex bound of normalize"
            : "\(implied.norm == .l1 ? "d·(hi−lo)" : "√d·(hi−lo)"), \(rows)"
        diagnostics.report(
            map.path.key("sensitivity"),
            "\(norm) \(PolicyValueSyntax.format(given)) is below the \(norm) \(PolicyValueSyntax.format(implied.value)) "
                + "that the clamp implies (\(bound)): noise calibrated to it is too small for what a row can change. "
                + "Omit sensitivity to use the clamp's bound, or add sensitivity_reason saying why it holds")
        return false
    }

    /// Whether the output's numbers calibrate into noise the samplers draw exactly (finite scale, grid and steps).
    private func checkCalibration(_ spec: PrivacySpec, _ map: YAMLMapping, tensor: TensorSpec) -> Bool {
        do {
            _ = try spec.checkedCalibration(for: tensor, maxRowElements: limits.maxRowElements)
            return true
        } catch {
            let sensitivity = spec.resolvedSensitivity(for: tensor)
            let numbers = [
                spec.epsilon.map { "epsilon \(PolicyValueSyntax.format($0))" },
                spec.delta.map { "delta \(PolicyValueSyntax.format($0))" },
                sensitivity.map {
                    "sensitivity \($0.norm.rawValue) \(PolicyValueSyntax.format($0.value))"
                        + ($0.source == .given ? "" : " (derived from clamp)")
                },
                "rows of \(tensor.rowElementCount ?? limits.maxRowElements) elements",
            ].compactMap { $0 }
            diagnostics.report(
                map.path, "cannot calibrate the noise: \(error) (\(numbers.joined(separator: ", ")))")
            return false
        }
    }
}
