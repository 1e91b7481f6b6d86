/// The remainder `R = X mod t` of a discrete Laplace magnitude, `P(R = r) ∝ e^(−r/t)` on `0..<t`, drawn through
/// 256 cells so that the final rejection almost never rejects.
///
/// Cell i is `[bᵢ, bᵢ₊₁)` with `bᵢ = ⌊i·t/256⌋`. A cell is chosen with probability proportional to
/// `e^(−bᵢ/t)·(bᵢ₊₁ − bᵢ)` by Walker's alias method (Vose's construction, "A Linear Algorithm for Generating
/// Random Numbers with a Given Distribution", IEEE TSE 1991), an offset `o` uniformly in the cell, and `o` is kept
/// with probability `e^(−o/t) ≥ e^(−1/256)`; a rejection starts over. So `P(r) ∝ e^(−bᵢ/t)·e^(−(r−bᵢ)/t) = e^(−r/t)`,
/// the distribution of Canonne–Kamath–Steinke's first step, with one rejection in about 500 draws instead of one
/// in three: the branch is predictable, which makes the sampler about a third faster.
///
/// The alias probabilities are built in double-double arithmetic and compared with ``LazyUniform``, so the
/// choice is exact to about 2^-96.
struct ScaleCells: Sendable {
    /// `bᵢ` for i = 0 … 256.
    private let starts: [UInt64]
    /// Per column, the probability of keeping the column rather than its alias, to double-double precision…
    private let keepColumn: [DoubleDouble]
    /// …and its first 24 bits, `⌊p·2^24⌋` (2^24 for p = 1).
    private let keepColumn24: [UInt32]
    private let alias: [UInt8]

    /// The smallest scale the cells serve (every cell holds at least one integer).
    static let smallestScale: UInt64 = 1 << 16

    /// The cells of scale `t` (≥ ``smallestScale``).
    init(scale t: UInt64) {
        precondition(t >= Self.smallestScale)
        let count = 256
        starts = (0...count).map { i in (UInt64(i) * t) >> 8 }
        var weights: [DoubleDouble] = []
        var total = DoubleDouble(0)
        for i in 0..<count {
            let decay = DoubleDouble.exp(-DoubleDouble.quotient(Double(starts[i]), Double(t)))
            let weight = decay * Double(starts[i + 1] - starts[i])
            weights.append(weight)
            total = total + weight
        }
        // Vose: scaled probabilities p·n; each small column takes the rest of its height from a large one.
        var scaled = weights.map { $0 * Double(count) / total }
        var keep = [DoubleDouble](repeating: DoubleDouble(1), count: count)
        var alias = (0..<count).map { UInt8($0) }
        var small = (0..<count).filter { scaled[$0] < DoubleDouble(1) }
        var large = (0..<count).filter { !(scaled[$0] < DoubleDouble(1)) }
        while let s = small.popLast(), let l = large.popLast() {
            keep[s] = scaled[s]
            alias[s] = UInt8(l)
            scaled[l] = (scaled[l] + scaled[s]) - DoubleDouble(1)
            if scaled[l] < DoubleDouble(1) { small.append(l) } else { large.append(l) }
        }
        // What remains has probability 1 up to rounding (about 2^-100): it keeps its own column.
        keepColumn = keep
        keepColumn24 = keep.map { p in
            p.hi >= 1 ? 1 << 24 : UInt32(LazyUniform.fixedPoint(p).integer >> 40)
        }
        self.alias = alias
    }

    /// The cell's start and length, for a cell chosen with probability ∝ `e^(−bᵢ/t)·(bᵢ₊₁ − bᵢ)`.
    @inline(__always)
    ///
    /// One 32-bit word gives both the column (its top 8 bits) and the first 24 bits of the uniform that decides
    /// between the column and its alias; more bits are drawn only when those 24 tie with the threshold's.
    func choose(_ random: inout KeystreamGenerator) -> (start: UInt64, length: UInt64) {
        let word = random.next32()
        let column = Int(word >> 24)
        let prefix = word & 0xFF_FFFF
        let threshold = keepColumn24[column]
        let cell: Int
        if prefix != threshold {
            cell = prefix < threshold ? column : Int(alias[column])
        } else {
            var u = LazyUniform(prefix24: prefix, &random)
            cell = u.isBelow(keepColumn[column], &random) ? column : Int(alias[column])
        }
        return (starts[cell], starts[cell + 1] - starts[cell])
    }
}
