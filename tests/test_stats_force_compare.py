"""Force comparisons: conditional odds ratios, Fisher p and minimum detectable differences, checked against
independent computations (scipy distributions and root-finding, statsmodels, brute-force enumeration)."""
import itertools
import math

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats

from analysis.stats import force_compare as C
from tests.exact_reference import conditional_ci, fisher_p


def conditional_mle(a, b, c, d):
    """Conditional MLE of the odds ratio: the psi whose noncentral hypergeometric mean equals a."""
    m1, m2, n = a + c, b + d, a + b
    f = lambda lp: stats.nchypergeom_fisher(m1 + m2, m1, n, math.exp(lp)).mean() - a  # noqa: E731
    return math.exp(optimize.brentq(f, -30, 30, xtol=1e-12))


def rejected(n1, n2, alpha=0.05):
    """Every (k1, k2) at which Fisher's two-sided test rejects, listed one by one."""
    return [(k1, k2) for k1, k2 in itertools.product(range(n1 + 1), range(n2 + 1))
            if stats.fisher_exact([[k1, n1 - k1], [k2, n2 - k2]]).pvalue <= alpha]


def brute_power(n1, n2, p1, p2, alpha=0.05, rejects=None):
    """Power of Fisher's two-sided test: binomial weights (math.comb) summed over the rejected outcomes."""
    pmf = lambda n, k, p: math.comb(n, k) * p ** k * (1 - p) ** (n - k)  # noqa: E731
    return sum(pmf(n1, k1, p1) * pmf(n2, k2, p2)
               for k1, k2 in (rejects if rejects is not None else rejected(n1, n2, alpha)))


def straddle(pooled, h):
    phi = 2 * math.asin(math.sqrt(pooled))
    return math.sin((phi + h / 2) / 2) ** 2, math.sin((phi - h / 2) / 2) ** 2


@pytest.mark.parametrize("table", [(15, 14, 4, 3), (2, 5, 8, 12), (32, 4, 7, 2), (9, 3, 2, 10)])
def test_odds_ratio_interval_and_p_against_independent(table):
    a, b, c, d = table
    row = C.compare_table([[a, b], [c, d]])
    assert row["status"] == "tested"
    assert row["odds_ratio"] == pytest.approx(conditional_mle(a, b, c, d), rel=1e-6)
    lo, hi = conditional_ci(a, b, c, d)
    assert (row["or_low"], row["or_high"]) == pytest.approx((lo, hi), rel=1e-6)
    assert row["odds_ratio_sample"] == pytest.approx(a * d / (b * c))
    assert row["p_value"] == pytest.approx(fisher_p(a, b, c, d), rel=1e-9)
    assert row["pooled"] == pytest.approx((a + c) / (a + b + c + d))


def test_zero_cell_gives_infinite_odds_ratio_with_finite_lower_limit():
    row = C.compare_table([[10, 0], [18, 4]])
    assert row["odds_ratio"] == math.inf and row["odds_ratio_sample"] == math.inf and row["or_high"] == math.inf
    assert row["or_low"] == pytest.approx(conditional_ci(10, 0, 18, 4)[0], rel=1e-6)


def test_mdd_normal_matches_cohens_h_closed_form():
    n1, n2, pooled = 29, 7, 19 / 36
    z = stats.norm.ppf(0.975) + stats.norm.ppf(0.8)
    h = z * math.sqrt(1 / n1 + 1 / n2)  # one-tail approximation; the other tail adds < 1e-4 here
    hi, lo = straddle(pooled, h)
    assert C.mdd_normal(n1, n2, pooled) == pytest.approx(hi - lo, rel=2e-3)


def test_mdd_normal_nan_when_no_feasible_pair():
    assert math.isnan(C.mdd_normal(5, 5, 0.95))  # h needed > what fits below 1 around 0.95


@pytest.mark.parametrize("n1,n2,p1,p2", [(5, 7, 0.9, 0.2), (6, 6, 0.5, 0.5), (8, 5, 0.1, 0.7)])
def test_exact_power_matches_brute_force(n1, n2, p1, p2):
    assert C.exact_power(n1, n2, p1, p2) == pytest.approx(brute_power(n1, n2, p1, p2), abs=1e-12)


def test_mdd_exact_is_first_grid_point_with_power_both_ways():
    n1, n2, pooled, grid = 8, 15, 0.25, 200  # unequal groups: the two orientations differ in power
    mdd = C.mdd_exact(n1, n2, pooled, grid=grid)
    rej = rejected(n1, n2)
    power = lambda h: min(brute_power(n1, n2, *straddle(pooled, h), rejects=rej),  # noqa: E731
                          brute_power(n1, n2, *straddle(pooled, h)[::-1], rejects=rej))
    first = next(h for h in np.linspace(math.pi / grid, math.pi, grid) if power(h) >= 0.8)
    hi, lo = straddle(pooled, first)
    assert mdd == pytest.approx(hi - lo, abs=1e-12)
    assert power(first - math.pi / grid) < 0.8 <= power(first)
    assert mdd > C.mdd_normal(n1, n2, pooled)  # Fisher's test is conservative at these sizes


def test_groups_under_five_are_not_tested():
    small = C.compare_table([[1, 3], [18, 17]], comparison="lima.upper_body")
    assert small["status"] == "too_small" and small["in_n"] == 4
    assert all(math.isnan(small[k]) for k in ("odds_ratio", "or_low", "p_value", "mdd_normal", "mdd_exact"))
    assert C.compare_table([[1, 4], [18, 17]])["status"] == "tested"


def test_compare_counts_persons_and_leaves_out_unknown():
    group = pd.Series([True, True, True, False, False, pd.NA, True], dtype="boolean")
    outcome = pd.Series([True, False, pd.NA, True, True, True, True], dtype="boolean")
    row = C.compare(group, outcome, min_group=1, exact=False)
    assert (row["in_k"], row["in_n"], row["rest_k"], row["rest_n"], row["excluded"]) == (2, 3, 2, 2, 2)


def test_compare_all_table():
    g = pd.Series([True] * 10 + [False] * 12, dtype="boolean")
    o = pd.Series([True] * 8 + [False] * 2 + [True] * 3 + [False] * 9, dtype="boolean")
    t = C.compare_all([("x.y", g, o, ("army", "police"), "firearm")])
    assert list(t.columns) == C.COLUMNS and t.loc[0, "in_k"] == 8 and t.loc[0, "rest_k"] == 3


def test_bad_input_rejected_with_names():
    with pytest.raises(ValueError, match=r"cell \[1\]\[0\].*-2"):
        C.compare_table([[3, 4], [-2, 5]])
    with pytest.raises(ValueError, match="2×2"):
        C.compare_table([[1, 2, 3], [4, 5, 6]])
    with pytest.raises(ValueError, match="outcome must be boolean"):
        C.compare(pd.Series([True, False]), pd.Series(["yes", "no"]))
    with pytest.raises(ValueError, match="same index"):
        C.compare(pd.Series([True, False]), pd.Series([True, False], index=[5, 6]))
