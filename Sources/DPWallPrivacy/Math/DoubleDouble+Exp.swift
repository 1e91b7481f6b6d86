extension DoubleDouble {
    /// ln 2 to double-double precision.
    package static let ln2 = DoubleDouble(6.931471805599452862e-01, 2.319046813846299558e-17)

    /// 1/3!, 1/4!, …, 1/12! to double-double precision (n! is exact in binary64 for n ≤ 22).
    private static let inverseFactorials: [DoubleDouble] = (3...12).map { n in
        var factorial = 1.0
        for k in 2...n { factorial *= Double(k) }
        return DoubleDouble(1) / DoubleDouble(factorial)
    }

    /// `e^x` to about 2^-100 relative (QD's `exp`): `x = m·ln 2 + 512·r`, a Taylor series for `e^r − 1`, nine
    /// squarings, and a scaling by `2^m`. 0 below −745 and +∞ above 709.8, like binary64.
    package static func exp(_ x: DoubleDouble) -> DoubleDouble {
        if x.hi < -745.2 { return DoubleDouble(0) }
        if x.hi > 709.78 { return DoubleDouble(.infinity) }
        if x.hi == 0 && x.lo == 0 { return DoubleDouble(1) }
        let m = (x.hi / ln2.hi + 0.5).rounded(.down)
        let r = (x - ln2 * m).scaled(byPowerOfTwo: -9)
        // s = e^r − 1 by its Taylor series; |r| ≤ ln2/1024, so twelve terms reach 2^-130.
        var power = r * r
        var s = r + power.scaled(byPowerOfTwo: -1)
        for inverse in inverseFactorials {
            power = power * r
            let term = power * inverse
            s = s + term
            if term.hi.magnitude < 1e-36 { break }
        }
        // (1 + s)^2 − 1 = 2s + s², nine times: e^(512 r) − 1.
        for _ in 0..<9 { s = s.scaled(byPowerOfTwo: 1) + s * s }
        s = s + DoubleDouble(1)
        return s.scaled(byPowerOfTwo: Int(m))
    }
}
