#!/usr/bin/env python3
"""Independent reference vectors for dpwall's noise calibration and double-double arithmetic, from mpmath.

Computes, at mp.dps = 60, and prints as the Swift source file Tests/DPWallPrivacyTests/ReferenceVectors.swift:
  analyticGaussian  the analytic Gaussian mechanism sigma of Balle & Wang 2018 (Theorem 8) for sensitivity 1: the
                    smallest sigma > 0 with Phi(1/(2 sigma) - eps sigma) - e^eps Phi(-1/(2 sigma) - eps sigma) <= delta,
                    found by bisection on the (decreasing) left side to about 50 significant digits, then rounded to the
                    nearest double; for eps in 0.05 ... 10 and delta in 1e-12 ... 1e-3 (80 vectors).
  expNegative       exp(-x) as a double-double (hi = nearest double to exp(-x), lo = nearest double to exp(-x) - hi).
  log               log(u) as a double-double, likewise.
  normalCDF         the standard normal CDF Phi(x) = erfc(-x/sqrt(2))/2, rounded to the nearest double (subnormals and
                    underflow to zero included).
Every input x or u is the exact double written (mpmath.mpf of the Python float). Every rounding to a double is done
here, explicitly to nearest (ties to even) with the subnormal quantum, not by the platform's float conversion. As a
self-check the whole computation is repeated at mp.dps = 90 and must give identical doubles.

Run from the repository root (needs mpmath; tested with mpmath 1.3.0 on Python 3.11):
  python3 scripts/calibration-vectors.py > Tests/DPWallPrivacyTests/ReferenceVectors.swift
Diagnostics (the sanity checks) go to standard error.
"""

import math
import platform
import re
import sys

try:
    import mpmath
    from mpmath import mp, mpf
except ImportError:  # pragma: no cover
    sys.exit("calibration-vectors.py needs mpmath (pip install mpmath)")

DPS = 60
CHECK_DPS = 90

EPSILONS = [0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 7.5, 10.0]
DELTAS = [1e-12, 1e-10, 1e-9, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3]
EXP_XS = [0.0, 1e-20, 1e-10, 2.0**-30, 0.001, 0.1, 0.5, 0.6931471805599453, 1.0, 1.5, 2.0, 3.25, 7.0, 10.0, 20.5,
          30.0, 44.0, 60.0, 100.0, 300.0, 700.0]
LOG_US = [2.0**-64, 1e-10, 0.001, 0.1, 0.25, 0.5, 0.75, 0.9, 0.999, 1.0 - 2.0**-53, 1.0]
CDF_XS = [-40.0, -38.5, -30.0, -20.0, -10.0, -5.0, -1.0, -0.5, 0.0, 0.5, 1.0, 5.0, 8.0]


# ---- exact rounding to binary64 ---------------------------------------------------------------------------------

def nearest_double(v):
    """The double nearest to the mpf v (ties to even), with gradual underflow; no overflow handling (not needed)."""
    if v == 0:
        return 0.0
    a = abs(v)
    _, e = mpmath.frexp(a)           # a = m * 2^e with 1/2 <= m < 1, so the leading bit has weight 2^(e-1)
    q = max(int(e) - 1 - 52, -1074)  # weight of the last significand bit (the subnormal quantum at the bottom)
    n = int(mpmath.nint(mpmath.ldexp(a, -q)))  # exact scaling; nint rounds half to even
    assert 0 < n <= 2**53 or (n == 0 and q == -1074)
    d = math.ldexp(n, q)             # exact: n fits in 53 bits (2^53 is a power of two)
    return -d if v < 0 else d


def double_double(v):
    hi = nearest_double(v)
    lo = nearest_double(v - mpf(hi))
    if hi != 0 and abs(hi) >= 2.0**-1022:
        assert abs(lo) <= math.ulp(hi) / 2, (v, hi, lo)
        assert hi + lo == hi, "hi must already be the correctly rounded sum"
    return hi, lo


# ---- the functions ------------------------------------------------------------------------------------------------

def phi(x):
    return mpmath.erfc(-x / mpmath.sqrt(2)) / 2


def analytic_gaussian_excess(sigma, eps):
    """Left side of Balle & Wang 2018, Theorem 8, for sensitivity 1 (decreasing in sigma)."""
    a = 1 / (2 * sigma)
    b = eps * sigma
    return phi(a - b) - mpmath.exp(eps) * phi(-a - b)


def analytic_gaussian_sigma(eps, delta):
    eps, delta = mpf(eps), mpf(delta)
    lo, hi = mpf("1e-3"), mpf("1e3")
    while analytic_gaussian_excess(lo, eps) <= delta:
        lo /= 2
    while analytic_gaussian_excess(hi, eps) > delta:
        hi *= 2
    tolerance = mpf(10) ** (-(mp.dps - 10))
    while hi / lo - 1 > tolerance:  # geometric bisection: invariant f(lo) > delta >= f(hi)
        mid = mpmath.sqrt(lo * hi)
        if analytic_gaussian_excess(mid, eps) > delta:
            lo = mid
        else:
            hi = mid
    return hi


def compute(dps):
    with mpmath.workdps(dps):
        gaussian = [(e, d, nearest_double(analytic_gaussian_sigma(e, d))) for e in EPSILONS for d in DELTAS]
        exps = [(x, *double_double(mpmath.exp(-mpf(x)))) for x in EXP_XS]
        logs = [(u, *double_double(mpmath.log(mpf(u)))) for u in LOG_US]
        cdfs = [(x, nearest_double(phi(mpf(x)))) for x in CDF_XS]
        # nearest_double agrees with mpmath's own conversion wherever the result is a normal double
        for v in [mpmath.exp(-mpf(x)) for x in EXP_XS] + [phi(mpf(x)) for x in CDF_XS[2:]]:
            assert nearest_double(v) == float(v), v
    return gaussian, exps, logs, cdfs


# ---- Swift literals -----------------------------------------------------------------------------------------------

def dec(v):
    """Shortest round-trip decimal, as a Swift literal (exponent without '+' or leading zeros)."""
    assert math.isfinite(v)
    if v != 0 and abs(v) < 2.0**-1022:
        return hexf(v)  # a decimal subnormal literal draws an underflow warning from Swift; hex is exact
    s = re.sub(r"e([+-])0*(\d+)", lambda m: "e" + ("-" if m.group(1) == "-" else "") + m.group(2), repr(v))
    assert float(s) == v
    return s


def hexf(v):
    """Exact hex float literal with trailing zero hex digits trimmed, e.g. 0x1.8p-3; zero is written 0.0."""
    assert math.isfinite(v)
    if v == 0:
        assert math.copysign(1, v) == 1, "no negative zero expected"
        return "0.0"
    if abs(v) < 2.0**-1022:  # subnormal: write it normalized (0x1.58p-1067 rather than 0x0.00000000000acp-1022)
        m, e = math.frexp(v)
        s = (2 * m).hex()[:-len("p+0")] + f"p{e - 1}"
    else:
        s = v.hex()  # [-]0x1.<13 hex digits>p<sign><exp>
    m = re.fullmatch(r"(-?0x[01])\.([0-9a-f]+)p([+-]\d+)", s)
    frac = m.group(2).rstrip("0")
    s = m.group(1) + ("." + frac if frac else "") + "p" + m.group(3).lstrip("+")
    assert float.fromhex(s) == v
    return s


def arg(v):
    """An input: decimal when its shortest decimal is short (as written in the list above), else exact hex."""
    s = dec(v)
    digits = len(re.sub(r"e.*|[-.]", "", s).strip("0"))
    return s if digits <= 12 else hexf(v)


def render(gaussian, exps, logs, cdfs):
    out = []
    w = out.append
    w(f"// Generated by scripts/calibration-vectors.py (Python {platform.python_version()}, "
      f"mpmath {mpmath.__version__}, mp.dps = {DPS}); do not edit.")
    w("// Regenerate: python3 scripts/calibration-vectors.py > Tests/DPWallPrivacyTests/ReferenceVectors.swift")
    w("")
    w("/// Independent reference values for the calibration and double-double tests.")
    w("enum ReferenceVectors {")
    w("    /// Analytic Gaussian σ for sensitivity 1 (Balle & Wang 2018, Theorem 8), from mpmath: the nearest")
    w("    /// double to the smallest σ with Φ(1/(2σ) − εσ) − e^ε·Φ(−1/(2σ) − εσ) ≤ δ.")
    w("    static let analyticGaussian: [(epsilon: Double, delta: Double, sigma: Double)] = [")
    for e, d, s in gaussian:
        w(f"        (epsilon: {dec(e)}, delta: {dec(d)}, sigma: {dec(s)}),")
    w("    ]")
    w("    /// exp(−x) as double-double (hi, lo): hi is the nearest double to exp(−x),")
    w("    /// lo the nearest to exp(−x) − hi.")
    w("    static let expNegative: [(x: Double, hi: Double, lo: Double)] = [")
    for x, hi, lo in exps:
        w(f"        (x: {arg(x)}, hi: {hexf(hi)}, lo: {hexf(lo)}),")
    w("    ]")
    w("    /// log(u) as double-double (hi, lo): hi is the nearest double to log(u),")
    w("    /// lo the nearest to log(u) − hi.")
    w("    static let log: [(u: Double, hi: Double, lo: Double)] = [")
    for u, hi, lo in logs:
        w(f"        (u: {arg(u)}, hi: {hexf(hi)}, lo: {hexf(lo)}),")
    w("    ]")
    w("    /// Φ(x), the standard normal CDF, as the nearest double (subnormal or zero far in the lower tail).")
    w("    static let normalCDF: [(x: Double, phi: Double)] = [")
    for x, p in cdfs:
        w(f"        (x: {arg(x)}, phi: {dec(p)}),")
    w("    ]")
    w("}")
    for line in out:
        assert len(line) <= 120, line
        assert "inf" not in line.lower() and "nan" not in line.lower(), line
    return "\n".join(out) + "\n"


# ---- sanity checks ------------------------------------------------------------------------------------------------

def sanity(gaussian):
    table = {(e, d): s for e, d, s in gaussian}
    for e in EPSILONS:
        sigmas = [table[(e, d)] for d in DELTAS]
        assert all(a > b for a, b in zip(sigmas, sigmas[1:])), f"sigma must decrease as delta grows (eps={e})"
    for d in DELTAS:
        sigmas = [table[(e, d)] for e in EPSILONS]
        assert all(a > b for a, b in zip(sigmas, sigmas[1:])), f"sigma must decrease as eps grows (delta={d})"
    s = table[(1.0, 1e-5)]
    classic = math.sqrt(2 * math.log(1.25 / 1e-5)) / 1.0
    assert 3.7 < s < 3.8, s
    with mpmath.workdps(DPS):  # the exact root lies between the doubles either side of the rounded sigma
        for (e, d), sigma in table.items():
            below, above = mpf(math.nextafter(sigma, 0)), mpf(math.nextafter(sigma, math.inf))
            assert analytic_gaussian_excess(below, mpf(e)) > mpf(d) >= analytic_gaussian_excess(above, mpf(e)), (e, d)
    print(f"sanity: eps=1, delta=1e-5: analytic sigma = {s!r} (classic sqrt(2 ln(1.25/delta))/eps = {classic:.6f})",
          file=sys.stderr)
    print("sanity: sigma strictly decreases in eps and in delta over the grid", file=sys.stderr)


def main():
    results = compute(DPS)
    if compute(CHECK_DPS) != results:
        sys.exit(f"results differ between mp.dps = {DPS} and mp.dps = {CHECK_DPS}")
    print(f"check: identical doubles at mp.dps = {DPS} and {CHECK_DPS}", file=sys.stderr)
    sanity(results[0])
    sys.stdout.write(render(*results))


if __name__ == "__main__":
    main()
