#!/usr/bin/env python3
"""Independent reference vectors for dpwall's privacy accountants, from dp_accounting and mpmath.

Prints, as the Swift source file Tests/DPWallPrivacyTests/AccountantVectors.swift:
  orders         dp_accounting's DEFAULT_RDP_ORDERS (156 orders: 1.1 ... 10.9 in steps of 0.1, 11 ... 63, 128, 256,
                 512, 1024), as the doubles dp_accounting itself uses.
  laplaceRDP     the RDP of one Laplace release of pure epsilon eps at every default order (Mironov 2017, Prop. 6),
                 straight from dp_accounting's `_laplace_rdp(eps, order)`, for eps in 0.01 ... 5.
  rdp            epsilon at delta from dp_accounting.rdp.RdpAccountant() (default orders, its compute_epsilon) after
                 compose(LaplaceDpEvent(1/eps), n) and/or compose(GaussianDpEvent(1/mu), m): Laplace-only,
                 Gaussian-only and a few mixtures; combinations giving inf or epsilon > 1e4 are skipped.
  zcdp           epsilon at delta for rho-zCDP by the Canonne-Kamath-Steinke 2020 conversion
                   eps = inf over real alpha > 1 of rho alpha + ln(1 - 1/alpha) - (ln delta + ln alpha)/(alpha - 1);
                 the derivative is rho + ln(delta alpha)/(alpha - 1)^2, so the minimiser is the unique root of
                 rho (alpha - 1)^2 + ln alpha + ln delta on (1, 1 + sqrt(ln(1/delta)/rho)], found by bisection.
  gaussianExact  epsilon at delta for mu-GDP (Balle & Wang 2018; Dong-Roth-Su): the smallest eps >= 0 with
                   Phi(-eps/mu + mu/2) - e^eps Phi(-eps/mu - mu/2) <= delta,
                 by bisection (the left side decreases in eps); eps = 0 when it already holds at eps = 0.
The mpmath values are computed at mp.dps = 50, rounded to the nearest double (ties to even), and the computation is
repeated at mp.dps = 80 as a self-check (the doubles must be identical).

Run from the repository root (needs `pip install dp-accounting==0.6.0 mpmath scipy`; tested with Python 3.11.7,
dp-accounting 0.6.0, mpmath 1.3.0, scipy 1.17.1):
  python3 scripts/accountant-vectors.py > Tests/DPWallPrivacyTests/AccountantVectors.swift
Diagnostics (cross-checks and sanity checks) go to standard error.
"""

import importlib.metadata
import math
import platform
import re
import sys

try:
    import mpmath
    from mpmath import mp, mpf
    import numpy as np
    import scipy
    import dp_accounting
    from dp_accounting.rdp import rdp_privacy_accountant as rdp_impl
except ImportError as exc:  # pragma: no cover
    sys.exit(f"accountant-vectors.py needs dp-accounting, mpmath and scipy "
             f"(pip install dp-accounting==0.6.0 mpmath scipy): {exc}")

DPS = 50
CHECK_DPS = 80
EPSILON_CAP = 1e4

LAPLACE_RDP_EPSILONS = [0.01, 0.1, 0.5, 1.0, 2.0, 5.0]

RDP_DELTAS = [1e-9, 1e-6, 1e-5]
RDP_COUNTS = [1, 10, 100, 1000, 10000]
RDP_LAPLACE_EPSILONS = [0.01, 0.1, 1.0]
RDP_GAUSSIAN_MUS = [0.01, 0.1, 0.5, 1.0]
# (laplace count, laplace epsilon, gaussian count, gaussian mu)
RDP_MIXTURES = [
    (1, 1.0, 1, 1.0),
    (10, 0.1, 10, 0.2),
    (100, 0.1, 1000, 0.1),
    (1000, 0.01, 100, 0.05),
    (10000, 0.01, 10000, 0.01),
]

ZCDP_RHOS = [1e-4, 1e-3, 0.01, 0.1, 0.5, 1.0, 5.0, 20.0]
ZCDP_DELTAS = [1e-9, 1e-6, 1e-5, 1e-3]

GDP_MUS = [0.01, 0.1, 0.5, 1.0, 2.0, 5.0, 10.0]
GDP_DELTAS = [1e-9, 1e-6, 1e-5, 1e-3]


def log(msg):
    print(msg, file=sys.stderr)


def versions():
    return {
        "python": platform.python_version(),
        "dp-accounting": importlib.metadata.version("dp-accounting"),
        "mpmath": mpmath.__version__,
        "scipy": scipy.__version__,
        "numpy": np.__version__,
    }


# ---- rounding -----------------------------------------------------------------------------------------------------

def nearest_double(v):
    """The double nearest to the mpf v (ties to even); the values here are far from underflow and overflow."""
    d = mpmath.libmp.to_float(mpf(v)._mpf_, rnd=mpmath.libmp.round_nearest)
    assert math.isfinite(d) and (d == 0 or abs(d) >= 2.0**-1022), v
    assert float(mpmath.nstr(v, 40, min_fixed=-math.inf, max_fixed=math.inf)) == d, v  # independent conversion
    return d


# ---- dp_accounting ------------------------------------------------------------------------------------------------

def laplace_rdp_table():
    orders = [float(a) for a in rdp_impl.DEFAULT_RDP_ORDERS]
    return [(eps, [float(rdp_impl._laplace_rdp(eps, a)) for a in orders]) for eps in LAPLACE_RDP_EPSILONS]


def rdp_accountant(n_laplace, eps_laplace, n_gauss, mu):
    acc = dp_accounting.rdp.RdpAccountant()
    if n_laplace:
        acc.compose(dp_accounting.LaplaceDpEvent(1 / eps_laplace), n_laplace)
    if n_gauss:
        acc.compose(dp_accounting.GaussianDpEvent(1 / mu), n_gauss)
    return acc


def rdp_cases():
    cases = []
    for eps in RDP_LAPLACE_EPSILONS:
        for n in RDP_COUNTS:
            cases.append((n, eps, 0, 0.0))
    for mu in RDP_GAUSSIAN_MUS:
        for n in RDP_COUNTS:
            cases.append((0, 0.0, n, mu))
    cases.extend(RDP_MIXTURES)
    return cases


def rdp_table():
    """Returns (rows, skipped, notes); a row is (laplace, laplaceEpsilon, gaussian, mu, delta, epsilon)."""
    rows, skipped, kl_hits, edge = [], [], [], []
    for n_l, e_l, n_g, mu in rdp_cases():
        acc = rdp_accountant(n_l, e_l, n_g, mu)
        for delta in RDP_DELTAS:
            eps, order = acc.get_epsilon_and_optimal_order(delta)
            eps = float(eps)
            assert eps == float(acc.get_epsilon(delta))
            if not math.isfinite(eps) or eps > EPSILON_CAP:
                skipped.append((n_l, e_l, n_g, mu, delta, eps))
                continue
            # Which branch of compute_epsilon produced the minimum? (KL shortcut: delta^2 + expm1(-r) > 0 gives 0.)
            idx = list(acc._orders).index(order)
            r = float(acc._rdp[idx])
            if r < 0 or delta**2 + math.expm1(-r) > 0 or eps == 0:
                kl_hits.append((n_l, e_l, n_g, mu, delta, eps, order, r))
            if order in (acc._orders[0], acc._orders[-1]):
                edge.append((n_l, e_l, n_g, mu, delta, float(order)))
            rows.append((n_l, e_l, n_g, mu, delta, eps))
    return rows, skipped, kl_hits, edge


# ---- mpmath -------------------------------------------------------------------------------------------------------

def phi(x):
    return mpmath.erfc(-x / mpmath.sqrt(2)) / 2


def bisect(f, lo, hi, rel=None):
    """Root of f on [lo, hi], f(lo) < 0 <= f(hi) (f increasing across the root); returns hi (the feasible end)."""
    rel = rel if rel is not None else mpf(10) ** (-(mp.dps - 8))
    flo, fhi = f(lo), f(hi)
    assert flo < 0 <= fhi, (lo, hi, flo, fhi)
    while hi - lo > rel * max(abs(hi), 1):
        mid = (lo + hi) / 2
        if f(mid) < 0:
            lo = mid
        else:
            hi = mid
    return hi


def zcdp_objective(alpha, rho, delta):
    return rho * alpha + mpmath.log1p(-1 / alpha) - (mpmath.log(delta) + mpmath.log(alpha)) / (alpha - 1)


def zcdp_epsilon(rho, delta):
    """(epsilon, alpha*) for rho-zCDP at delta, as mpf."""
    rho, delta = mpf(rho), mpf(delta)
    g = lambda a: rho * (a - 1) ** 2 + mpmath.log(a) + mpmath.log(delta)  # sign of the objective's derivative
    hi = 1 + mpmath.sqrt(-mpmath.log(delta) / rho)                         # g(hi) = ln hi > 0
    alpha = bisect(g, mpf(1), hi)
    return zcdp_objective(alpha, rho, delta), alpha


def gdp_delta(eps, mu):
    return phi(-eps / mu + mu / 2) - mpmath.exp(eps) * phi(-eps / mu - mu / 2)


def gdp_epsilon(mu, delta):
    """Smallest eps >= 0 with delta(eps) <= delta for mu-GDP, as mpf."""
    mu, delta = mpf(mu), mpf(delta)
    if gdp_delta(mpf(0), mu) <= delta:
        return mpf(0)
    f = lambda e: delta - gdp_delta(e, mu)  # increasing in e
    hi = mpf(1)
    while f(hi) < 0:
        hi *= 2
    return bisect(f, mpf(0), hi)


def compute_mp(dps):
    with mpmath.workdps(dps):
        zcdp = []
        for rho in ZCDP_RHOS:
            for delta in ZCDP_DELTAS:
                eps, alpha = zcdp_epsilon(rho, delta)
                assert eps > 0, (rho, delta, eps)
                zcdp.append((rho, delta, nearest_double(eps), float(alpha)))
        gauss = []
        for mu in GDP_MUS:
            for delta in GDP_DELTAS:
                gauss.append((mu, delta, nearest_double(gdp_epsilon(mu, delta))))
    return zcdp, gauss


# ---- Swift literals -----------------------------------------------------------------------------------------------

def dec(v):
    """Shortest round-trip decimal (Python repr) as a Swift literal: exponent without '+' or leading zeros."""
    v = float(v)
    if math.isinf(v):
        return "Double.infinity" if v > 0 else "-Double.infinity"
    assert not math.isnan(v)
    s = re.sub(r"e([+-])0*(\d+)", lambda m: "e" + ("-" if m.group(1) == "-" else "") + m.group(2), repr(v))
    assert float(s) == v
    return s


def wrapped(values, indent, width=120):
    """Comma-separated literals filling lines of at most `width` columns, each line ending in a comma."""
    lines, cur = [], indent
    for v in values:
        item = dec(v) + ","
        if cur != indent and len(cur) + 1 + len(item) > width:
            lines.append(cur)
            cur = indent
        cur = cur + item if cur == indent else cur + " " + item
    if cur != indent:
        lines.append(cur)
    return lines


def render(orders, laplace, rdp_rows, zcdp, gauss):
    v = versions()
    out = []
    w = out.append
    header = (f"// Generated by scripts/accountant-vectors.py (Python {v['python']}, dp-accounting "
              f"{v['dp-accounting']}, mpmath {v['mpmath']}, scipy {v['scipy']}); do not edit.")
    if len(header) <= 120:
        w(header)
    else:  # too wide for one line: break before "do not edit."
        w(header[:-len(" do not edit.")])
        w("// do not edit.")
    w("// Regenerate: python3 scripts/accountant-vectors.py > Tests/DPWallPrivacyTests/AccountantVectors.swift")
    w("")
    w("/// Independent reference values for the privacy accountants.")
    w("enum AccountantVectors {")
    w(f"    /// dp_accounting's {len(orders)} default RDP orders, in order.")
    w("    static let orders: [Double] = [")
    out.extend(wrapped(orders, " " * 8))
    w("    ]")
    w("    /// RDP of one Laplace release with pure epsilon `epsilon` at each default order (Mironov 2017, Prop. 6),")
    w("    /// from dp_accounting's `_laplace_rdp`.")
    w("    static let laplaceRDP: [(epsilon: Double, rdp: [Double])] = [")
    for eps, values in laplace:
        w(f"        (epsilon: {dec(eps)}, rdp: [")
        out.extend(wrapped(values, " " * 12))
        w("        ]),")
    w("    ]")
    w("    /// ε at δ from dp_accounting's RdpAccountant (default orders, its compute_epsilon): `laplace` Laplace")
    w("    /// releases of pure ε `laplaceEpsilon` each, and `gaussian` Gaussian releases with μ = `mu` each")
    w("    /// (RDP α·μ²/2, i.e. GaussianDpEvent(noise_multiplier = 1/μ)), composed.")
    w("    static let rdp: [")
    w("        (laplace: Int, laplaceEpsilon: Double, gaussian: Int, mu: Double, delta: Double, epsilon: Double)")
    w("    ] = [")
    for n_l, e_l, n_g, mu, delta, eps in rdp_rows:
        w(f"        (laplace: {n_l}, laplaceEpsilon: {dec(e_l)}, gaussian: {n_g}, mu: {dec(mu)}, "
          f"delta: {dec(delta)}, epsilon: {dec(eps)}),")
    w("    ]")
    w("    /// zCDP: ε at δ for ρ-zCDP by the conversion")
    w("    /// ε = inf over real α > 1 of ρα + ln(1 − 1/α) − (ln δ + ln α)/(α − 1)")
    w("    /// (Canonne–Kamath–Steinke 2020), minimised with mpmath at 50 digits.")
    w("    static let zcdp: [(rho: Double, delta: Double, epsilon: Double)] = [")
    for rho, delta, eps, _ in zcdp:
        w(f"        (rho: {dec(rho)}, delta: {dec(delta)}, epsilon: {dec(eps)}),")
    w("    ]")
    w("    /// Exact Gaussian composition: ε at δ for μ-GDP, the smallest ε with")
    w("    /// Φ(−ε/μ + μ/2) − e^ε Φ(−ε/μ − μ/2) ≤ δ (Balle & Wang 2018 / Dong–Roth–Su),")
    w("    /// solved with mpmath at 50 digits.")
    w("    static let gaussianExact: [(mu: Double, delta: Double, epsilon: Double)] = [")
    for mu, delta, eps in gauss:
        w(f"        (mu: {dec(mu)}, delta: {dec(delta)}, epsilon: {dec(eps)}),")
    w("    ]")
    w("}")
    for line in out:
        assert len(line) <= 120, (len(line), line)
        assert "\t" not in line and line == line.rstrip(), line
        low = line.lower().replace("double.infinity", "").replace("inf over", "")
        assert "inf" not in low.replace("infinity", "") and "nan" not in low, line
    return "\n".join(out) + "\n"


# ---- cross-checks and sanity checks -------------------------------------------------------------------------------

def checks(orders, laplace, rdp_rows, skipped, kl_hits, edge, zcdp, gauss):
    v = versions()
    log("versions: " + ", ".join(f"{k} {x}" for k, x in v.items()))
    assert len(orders) == 156, len(orders)
    assert all(a < b for a, b in zip(orders, orders[1:]))
    log(f"orders: {len(orders)} entries, {orders[0]!r} ... {orders[-1]!r}; "
        f"non-shortest tenths: {[a for a in orders[:99] if len(repr(a)) > 4]}")

    # _laplace_rdp against the closed form at 50 digits (how accurate is dp_accounting's double evaluation?).
    worst = (0.0, None)
    with mpmath.workdps(DPS):
        for eps, values in laplace:
            e = mpf(eps)
            for a, r in zip(orders, values):
                a_ = mpf(a)
                exact = e + mpmath.log1p((a_ - 1) * mpmath.expm1(e * (1 - 2 * a_)) / (2 * a_ - 1)) / (a_ - 1)
                rel = float(abs(mpf(r) - exact) / exact)
                if rel > worst[0]:
                    worst = (rel, (eps, a))
                assert r <= eps and r <= a * eps * eps / 2 * (1 + 1e-12), (eps, a, r)
    log(f"laplaceRDP: {len(laplace)} x {len(orders)}; max relative error of _laplace_rdp vs 50-digit closed form "
        f"{worst[0]:.3g} at (eps, order) = {worst[1]}; all <= min(eps, order eps^2/2)")
    for eps in sorted(set(RDP_LAPLACE_EPSILONS + [m[1] for m in RDP_MIXTURES])):
        if 1 / (1 / eps) != eps:
            log(f"note: LaplaceDpEvent(1/{eps!r}) gives back eps = {1 / (1 / eps)!r} inside the accountant")
    for mu in sorted(set(RDP_GAUSSIAN_MUS + [m[3] for m in RDP_MIXTURES])):
        if 1 / (1 / mu) ** 2 != mu * mu:
            log(f"note: GaussianDpEvent(1/{mu!r}) has per-order RDP alpha/(2 sigma^2) with 1/sigma^2 = "
                f"{1 / (1 / mu) ** 2!r}, not mu^2 = {mu * mu!r} (1 ulp-level)")

    # rdp: independent minimisation over the same orders of the same bound, at 50 digits.
    worst = 0.0
    with mpmath.workdps(DPS):
        for n_l, e_l, n_g, mu, delta, eps in rdp_rows:
            best = None
            d = mpf(delta)
            for a in orders:
                a_ = mpf(a)
                r = mpf(0)
                if n_l:
                    el = mpf(e_l)
                    x = (a_ - 1) * mpmath.expm1(el * (1 - 2 * a_)) / (2 * a_ - 1)
                    r += n_l * (el + mpmath.log1p(x) / (a_ - 1))
                if n_g:
                    r += n_g * a_ * mpf(mu) ** 2 / 2
                cand = r + mpmath.log1p(-1 / a_) - mpmath.log(d * a_) / (a_ - 1)
                best = cand if best is None or cand < best else best
            best = max(best, mpf(0))
            worst = max(worst, float(abs(mpf(eps) - best) / max(best, mpf(1e-300))))
    log(f"rdp: {len(rdp_rows)} vectors ({len(skipped)} skipped for inf or eps > {EPSILON_CAP:g}); max relative "
        f"difference of dp_accounting's eps from a 50-digit minimisation over the same orders: {worst:.3g}")
    for s in skipped:
        log(f"  skipped: laplace {s[0]} x eps {s[1]}, gaussian {s[2]} x mu {s[3]}, delta {s[4]}: eps = {s[5]!r}")
    if kl_hits:
        for h in kl_hits:
            log(f"  note: KL shortcut / zero branch of compute_epsilon: {h}")
    else:
        log("rdp: no vector hit compute_epsilon's KL shortcut (delta^2 + expm1(-rdp) > 0 -> eps 0) or a zero epsilon")
    if edge:
        log(f"rdp: {len(edge)} vectors take their minimum at the first or last default order (so they depend on the "
            f"grid's ends): " + "; ".join(f"L{e[0]}x{e[1]} G{e[2]}x{e[3]} d{e[4]} @{e[5]:g}" for e in edge))
    above_pure = [(n_l, e_l, delta, eps) for n_l, e_l, n_g, mu, delta, eps in rdp_rows
                  if n_g == 0 and eps > n_l * e_l]
    if above_pure:
        log(f"rdp: {len(above_pure)} Laplace-only vectors exceed plain pure-DP composition n*eps (RdpAccountant does "
            f"not take that minimum): " + "; ".join(f"{n}x{e} d{d}: {x:.6g}" for n, e, d, x in above_pure))
    by_case = {}
    for n_l, e_l, n_g, mu, delta, eps in rdp_rows:
        by_case.setdefault((n_l, e_l, n_g, mu), []).append((delta, eps))
    for case, pairs in by_case.items():
        eps_list = [e for _, e in sorted(pairs)]
        assert all(a >= b for a, b in zip(eps_list, eps_list[1:])), ("eps must not grow with delta", case)

    # Gaussian-only RDP epsilons must be >= the exact GDP epsilon (mu_total = mu sqrt(n)) and >= the exact zCDP one.
    log("rdp vs exact Gaussian (mu_total = mu sqrt n) and exact zCDP (rho = n mu^2 / 2):")
    with mpmath.workdps(DPS):
        for n_l, e_l, n_g, mu, delta, eps in rdp_rows:
            if n_l or not n_g:
                continue
            mu_total = mpf(mu) * mpmath.sqrt(n_g)
            exact = float(gdp_epsilon(mu_total, delta))
            zc = float(zcdp_epsilon(n_g * mpf(mu) ** 2 / 2, delta)[0])
            assert exact <= eps, (n_g, mu, delta, exact, eps)
            assert zc <= eps * (1 + 1e-12), (n_g, mu, delta, zc, eps)
            assert exact <= zc * (1 + 1e-12), (n_g, mu, delta, exact, zc)
            if delta == 1e-6 and (n_g in (1, 100, 10000)):
                log(f"  n={n_g:>5} mu={mu:<4} delta=1e-6: exact {exact:.6g} <= zCDP {zc:.6g} <= RDP {eps:.6g}")
    log("  all Gaussian-only rdp vectors satisfy exact GDP <= exact zCDP <= RDP (discrete orders)")

    # zCDP against dp_accounting's ZCDpEvent through the RdpAccountant (discrete orders, so never below).
    worst = (0.0, None)
    for rho, delta, eps, alpha in zcdp:
        acc = dp_accounting.rdp.RdpAccountant()
        acc.compose(dp_accounting.ZCDpEvent(rho))
        da = float(acc.get_epsilon(delta))
        assert da >= eps * (1 - 1e-12), (rho, delta, da, eps)
        rel = (da - eps) / eps
        if rel > worst[0]:
            worst = (rel, (rho, delta, alpha))
    log(f"zcdp: {len(zcdp)} vectors; dp_accounting RdpAccountant + ZCDpEvent(rho) is never below the exact value, "
        f"max relative excess {worst[0]:.3g} at (rho, delta, alpha*) = {worst[1]}")
    for rho, delta, eps, alpha in zcdp:
        if (rho, delta) in ((1e-4, 1e-5), (1.0, 1e-5), (20.0, 1e-9)):
            acc = dp_accounting.rdp.RdpAccountant().compose(dp_accounting.ZCDpEvent(rho))
            log(f"  rho={rho} delta={delta}: exact {eps!r} (alpha* = {alpha:.6g}); dp_accounting "
                f"{float(acc.get_epsilon(delta))!r}")
    out_of_orders = [(r, d, a) for r, d, _, a in zcdp if a > orders[-1] or a < orders[0]]
    if out_of_orders:
        log(f"  note: optimal alpha outside [{orders[0]}, {orders[-1]}] for (rho, delta, alpha*) = "
            f"{[(r, d, round(a, 4)) for r, d, a in out_of_orders]}")

    # Exact Gaussian against dp_accounting.get_epsilon_gaussian (scipy brentq, xtol 1e-12) with sigma = 1/mu.
    worst = 0.0
    zeros = []
    for mu, delta, eps in gauss:
        da = float(dp_accounting.get_epsilon_gaussian(1 / mu, delta))
        worst = max(worst, abs(da - eps))
        if eps == 0:
            zeros.append((mu, delta, da))
    log(f"gaussianExact: {len(gauss)} vectors; max |eps - dp_accounting.get_epsilon_gaussian(1/mu, delta)| = "
        f"{worst:.3g}")
    if zeros:
        log(f"  eps = 0 (delta(0) <= delta) for (mu, delta, dp_accounting) = {zeros}")
    table = {(m, d): e for m, d, e in gauss}
    for mu in GDP_MUS:
        es = [table[(mu, d)] for d in GDP_DELTAS]
        assert all(a >= b for a, b in zip(es, es[1:])), mu
    for d in GDP_DELTAS:
        es = [table[(m, d)] for m in GDP_MUS]
        assert all(a <= b for a, b in zip(es, es[1:])), d
    with mpmath.workdps(DPS):  # the exact root lies between the doubles either side of the rounded epsilon
        for mu, delta, eps in gauss:
            if eps > 0:
                below, above = mpf(math.nextafter(eps, 0)), mpf(math.nextafter(eps, math.inf))
                assert gdp_delta(below, mpf(mu)) > delta >= gdp_delta(above, mpf(mu)), (mu, delta, eps)
        for rho, delta, eps, alpha in zcdp:  # the minimum is not beaten at nearby alphas
            a = mpf(alpha)
            for t in (a * (1 + mpf(1e-6)), a * (1 - mpf(1e-6)), mpf(orders[0]), mpf(orders[-1])):
                if t > 1:
                    assert zcdp_objective(t, mpf(rho), mpf(delta)) >= mpf(eps) * (1 - mpf(1e-15)), (rho, delta, t)
    log("gaussianExact: eps decreases in delta, increases in mu, and each root is bracketed by its neighbouring "
        "doubles; zcdp minima checked against nearby alphas")


def main():
    orders = [float(a) for a in rdp_impl.DEFAULT_RDP_ORDERS]
    laplace = laplace_rdp_table()
    rdp_rows, skipped, kl_hits, edge = rdp_table()
    zcdp, gauss = compute_mp(DPS)
    zcdp2, gauss2 = compute_mp(CHECK_DPS)
    if [z[:3] for z in zcdp] != [z[:3] for z in zcdp2] or gauss != gauss2:
        sys.exit(f"results differ between mp.dps = {DPS} and mp.dps = {CHECK_DPS}")
    log(f"check: identical doubles at mp.dps = {DPS} and {CHECK_DPS}")
    checks(orders, laplace, rdp_rows, skipped, kl_hits, edge, zcdp, gauss)
    text = render(orders, laplace, rdp_rows, zcdp, gauss)
    log(f"counts: orders {len(orders)}, laplaceRDP {len(laplace)} x {len(orders)}, rdp {len(rdp_rows)}, "
        f"zcdp {len(zcdp)}, gaussianExact {len(gauss)}")
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
