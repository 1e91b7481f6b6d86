public import DPWallPrivacy

extension PrivacySpec {
    /// The calibration of this output's noise (privacy.md, "Calibration"), or `nil` for mechanism `none`.
    ///
    /// The grid inflation needs the elements of a row: the declared row length when the shape fixes it, else
    /// the most a record can carry (`maxRowElements`, from `limits.max_record_bytes`: every element takes at
    /// least two bytes of JSON).
    public func calibration(for tensor: TensorSpec, maxRowElements: Int) -> NoiseCalibration? {
        guard let inputs = calibrationInputs(for: tensor, maxRowElements: maxRowElements) else { return nil }
        return NoiseCalibration(
            mechanism: inputs.mechanism, epsilon: inputs.epsilon, delta: inputs.delta,
            sensitivity: inputs.sensitivity, rowLength: inputs.rowLength, largestValue: inputs.largestValue)
    }

    /// ``calibration(for:maxRowElements:)``, or why the numbers cannot be calibrated into noise the samplers
    /// draw exactly (the policy loader refuses such an output).
    ///
    /// - Throws: ``CalibrationProblem`` when epsilon, delta, the sensitivity or the clamp is so extreme that the
    ///   scale, the grid or the scale in grid steps leaves what the release path can represent.
    public func checkedCalibration(
        for tensor: TensorSpec, maxRowElements: Int
    ) throws(CalibrationProblem) -> NoiseCalibration? {
        guard let inputs = calibrationInputs(for: tensor, maxRowElements: maxRowElements) else { return nil }
        return try NoiseCalibration.checked(
            mechanism: inputs.mechanism, epsilon: inputs.epsilon, delta: inputs.delta,
            sensitivity: inputs.sensitivity, rowLength: inputs.rowLength, largestValue: inputs.largestValue)
    }

    /// The numbers the calibration starts from, or `nil` for mechanism `none`.
    private func calibrationInputs(
        for tensor: TensorSpec, maxRowElements: Int
    ) -> (
        mechanism: NoiseCalibration.Mechanism, epsilon: Double, delta: Double, sensitivity: Double, rowLength: Int,
        largestValue: Double?
    )? {
        let mechanism: NoiseCalibration.Mechanism
        switch self.mechanism {
        case .laplace: mechanism = .laplace
        case .gaussian: mechanism = .gaussian
        case .none: return nil
        }
        // Validation guarantees both for laplace and gaussian; a privatizer without them would release raw values.
        guard let epsilon, let sensitivity = resolvedSensitivity(for: tensor)?.value else {
            preconditionFailure("a \(self.mechanism.rawValue) output without epsilon or a sensitivity")
        }
        let largest = clamp.map { max($0.lowerBound.magnitude, $0.upperBound.magnitude) }
        return (
            mechanism, epsilon, delta ?? 0, sensitivity, tensor.rowElementCount ?? max(1, maxRowElements), largest
        )
    }

    /// The release procedure of this output.
    func privatizer(for tensor: TensorSpec, maxRowElements: Int) -> OutputPrivatizer {
        OutputPrivatizer(
            calibration: calibration(for: tensor, maxRowElements: maxRowElements), clamp: clamp,
            normalize: normalize, topK: topK, labelOnly: labelOnly, round: round,
            projectToSimplex: projectsToSimplex(for: tensor, maxRowElements: maxRowElements))
    }
}

extension Policy {
    /// The most elements one row can have in a record of `limits.max_record_bytes` (two bytes each at least).
    public var maxRowElements: Int { limits.maxRowElements }
}

extension Policy.Limits {
    /// The most elements one row can have in a record of ``maxRecordBytes`` (two bytes each at least).
    public var maxRowElements: Int { max(1, maxRecordBytes / 2) }
}
