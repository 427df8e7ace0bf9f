"""Independent reference computations of exact 2×2 statistics for the tests (math and scipy's distributions only,
never the package): Fisher's two-sided p by enumeration and the exact conditional odds-ratio interval."""
import math

from scipy import optimize, stats


def fisher_p(a, b, c, d):
    """Two-sided Fisher p by enumerating every table with the same margins (probabilities <= observed)."""
    r1, c1, n = a + b, a + c, a + b + c + d
    prob = lambda x: math.comb(r1, x) * math.comb(n - r1, c1 - x) / math.comb(n, c1)  # noqa: E731
    xs = range(max(0, c1 - (n - r1)), min(r1, c1) + 1)
    return sum(prob(x) for x in xs if prob(x) <= prob(a) * (1 + 1e-7))


def conditional_ci(a, b, c, d, alpha=0.05):
    """Exact conditional odds-ratio limits by inverting the noncentral hypergeometric tails (scipy's distribution,
    root-finding here): P(X >= a; psi_low) = alpha/2 and P(X <= a; psi_high) = alpha/2."""
    m1, m2, n = a + c, b + d, a + b
    lo_x, hi_x = max(0, n - m2), min(n, m1)
    dist = lambda psi: stats.nchypergeom_fisher(m1 + m2, m1, n, psi)  # noqa: E731
    f_lo = lambda lp: dist(math.exp(lp)).sf(a - 1) - alpha / 2  # noqa: E731
    f_hi = lambda lp: dist(math.exp(lp)).cdf(a) - alpha / 2  # noqa: E731
    low = 0.0 if a == lo_x else math.exp(optimize.brentq(f_lo, -30, 30, xtol=1e-12))
    high = math.inf if a == hi_x else math.exp(optimize.brentq(f_hi, -30, 30, xtol=1e-12))
    return low, high
