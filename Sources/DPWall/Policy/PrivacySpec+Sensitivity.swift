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
        let norm: ResolvedSensitivity.Norm
        switch mechanism {
        case .laplace: norm = .l1
        case .gaussian: norm = .l2
        case .none: return nil
        }
        if let sensitivity {
            return ResolvedSensitivity(value: sensitivity, norm: norm, source: .given)
        }
        guard let clamp else { return nil }
        let width = clamp.upperBound - clamp.lowerBound
        var best: ResolvedSensitivity?
        if let count = tensor.rowElementCount {
            let d = Double(count)
            let value = norm == .l1 ? d * width : d.squareRoot() * width
            best = ResolvedSensitivity(value: value, norm: norm, source: .clamp)
        }
        if normalize, clamp.lowerBound >= 0, clamp.upperBound <= 1 {
            let value = norm == .l1 ? 2 : Double(2).squareRoot()
            if best == nil || value < best!.value {
                best = ResolvedSensitivity(value: value, norm: norm, source: .simplex)
            }
        }
        return best
    }
}
