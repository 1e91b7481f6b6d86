public import DPWallPrivacy

extension PrivacySpec {
    /// The calibration of this output's noise (privacy.md, "Calibration"), or `nil` for mechanism `none`.
    ///
    /// The grid inflation needs the elements of a row: the declared row length when the shape fixes it, else
    /// the most a record can carry (`maxRowElements`, from `limits.max_record_bytes`: every element takes at
    /// least two bytes of JSON).
    public func calibration(for tensor: TensorSpec, maxRowElements: Int) -> NoiseCalibration? {
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
        return NoiseCalibration(
            mechanism: mechanism, epsilon: epsilon, delta: delta ?? 0, sensitivity: sensitivity,
            rowLength: tensor.rowElementCount ?? max(1, maxRowElements), largestValue: largest)
    }

    /// The release procedure of this output.
    func privatizer(for tensor: TensorSpec, maxRowElements: Int) -> OutputPrivatizer {
        OutputPrivatizer(
            calibration: calibration(for: tensor, maxRowElements: maxRowElements), clamp: clamp,
            normalize: normalize, topK: topK, labelOnly: labelOnly, round: round,
            projectToSimplex: resolvedSensitivity(for: tensor)?.source == .simplex)
    }
}

extension Policy {
    /// The most elements one row can have in a record of `limits.max_record_bytes` (two bytes each at least).
    public var maxRowElements: Int { max(1, limits.maxRecordBytes / 2) }
}
