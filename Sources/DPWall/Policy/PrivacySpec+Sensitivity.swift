/// The sensitivity a privatized output is calibrated with, and where it comes from.
public struct ResolvedSensitivity: Sendable, Equatable {
    /// The norm the sensitivity is measured in.
    public enum Norm: String, Sendable {
        /// Sum of absolute differences (Laplace).
        case l1 = "L1"
        /// Euclidean distance (Gaussian).
        case l2 = "L2"
    }

    /// Where the value comes from.
    public enum Source: String, Sendable {
        /// The policy's `sensitivity`.
        case given
        /// `d·(hi−lo)` (L1) or `√d·(hi−lo)` (L2) from `clamp`, `d` the elements of a row.
        case clamp
        /// The probability simplex (`normalize` with `clamp` inside [0, 1]): L1 = 2, L2 = √2.
        case simplex
    }

    /// The sensitivity of one row, in the units of the output's values.
    public var value: Double
    /// The norm.
    public var norm: Norm
    /// Where the value comes from.
    public var source: Source

    /// Creates a resolved sensitivity.
    public init(value: Double, norm: Norm, source: Source) {
        self.value = value
        self.norm = norm
        self.source = source
    }
}

extension PrivacySpec {
    /// The sensitivity of one row of `tensor` under this declaration, or `nil` for mechanism `none` (or when it
    /// cannot be derived, which validation rules out).
    ///
    /// With `normalize` and a clamp inside [0, 1], rows are probability vectors and the simplex bound applies;
    /// when the row length is known too, the smaller of the simplex and clamp bounds is used.
    public func resolvedSensitivity(for tensor: TensorSpec) -> ResolvedSensitivity? {
        guard let norm else { return nil }
        if let sensitivity {
            return ResolvedSensitivity(value: sensitivity, norm: norm, source: .given)
        }
        return clampBound(norm: norm, rowLength: tensor.rowElementCount)
    }

    /// The sensitivity the clamp makes true for rows of `tensor` (what ``resolvedSensitivity(for:)`` would derive
    /// without a given `sensitivity`), counting a row whose length is not fixed at `maxRowElements`, the most a
    /// record can hold; `nil` without a clamp or for mechanism `none`.
    ///
    /// A given `sensitivity` below it is a promise the clamp does not keep: the policy must say why it holds
    /// (`sensitivity_reason`). `top_k` and `label_only` do not lower it: they act after the noise.
    public func impliedSensitivity(for tensor: TensorSpec, maxRowElements: Int) -> ResolvedSensitivity? {
        guard let norm else { return nil }
        return clampBound(norm: norm, rowLength: tensor.rowElementCount ?? max(1, maxRowElements))
    }

    /// Whether each clamped raw row is projected onto the probability simplex before the noise: when the
    /// sensitivity used is below what the clamp alone keeps and the simplex bound applies (`normalize`, a clamp
    /// inside [0, 1]). The projection is what makes the simplex bound (L1 2, L2 √2) true for any raw row.
    func projectsToSimplex(for tensor: TensorSpec, maxRowElements: Int) -> Bool {
        guard let norm, let clamp, simplexApplies else { return false }
        guard let sensitivity else { return resolvedSensitivity(for: tensor)?.source == .simplex }
        let d = Double(tensor.rowElementCount ?? max(1, maxRowElements))
        let width = clamp.upperBound - clamp.lowerBound
        return sensitivity < (norm == .l1 ? d * width : d.squareRoot() * width)
    }

    /// The norm of the mechanism's sensitivity; `nil` for mechanism `none`.
    private var norm: ResolvedSensitivity.Norm? {
        switch mechanism {
        case .laplace: .l1
        case .gaussian: .l2
        case .none: nil
        }
    }

    /// `normalize` with a clamp inside [0, 1]: rows can be made probability vectors.
    private var simplexApplies: Bool {
        guard normalize, let clamp else { return false }
        return clamp.lowerBound >= 0 && clamp.upperBound <= 1
    }

    /// The clamp's bound for rows of `rowLength` elements (none when `nil`), or the simplex bound when it applies
    /// and is smaller.
    private func clampBound(norm: ResolvedSensitivity.Norm, rowLength: Int?) -> ResolvedSensitivity? {
        guard let clamp else { return nil }
        let width = clamp.upperBound - clamp.lowerBound
        var best: ResolvedSensitivity?
        if let rowLength {
            let d = Double(rowLength)
            let value = norm == .l1 ? d * width : d.squareRoot() * width
            best = ResolvedSensitivity(value: value, norm: norm, source: .clamp)
        }
        if simplexApplies {
            let value = norm == .l1 ? 2 : Double(2).squareRoot()
            if best.map({ value < $0.value }) ?? true {
                best = ResolvedSensitivity(value: value, norm: norm, source: .simplex)
            }
        }
        return best
    }
}
