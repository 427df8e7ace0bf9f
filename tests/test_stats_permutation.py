import itertools
import math
from fractions import Fraction

import numpy as np
import pytest

from analysis.stats.permutation import n_arrangements, permutation_test, rate_ratio_statistic, share_statistic

# Five departments: deaths and populations chosen so that the ratios differ and ties are checkable by hand.
DEATHS = [10, 0, 3, 1, 6]
POPS = [100, 200, 150, 400, 120]
LABELS = np.array([True, False, False, False, True])


def _exact_rr_p_by_hand(deaths, pops, labels):
    """Independent exact p: enumerate every 2-subset with itertools, rate ratio in Fractions (no float ties)."""
    n, k = len(deaths), int(sum(labels))

    def rr(idx):
        e1 = sum(deaths[i] for i in idx)
        x1 = sum(pops[i] for i in idx)
        e0 = sum(deaths) - e1
        x0 = sum(pops) - x1
        return Fraction(e1, x1) / Fraction(e0, x0) if e0 else None  # None = infinite

    obs = rr([i for i in range(n) if labels[i]])
    subsets = list(itertools.combinations(range(n), k))
    hits = 0
    for s in subsets:
        v = rr(s)
        if obs is None:
            hits += v is None
        else:
            hits += v is None or v >= obs
    return Fraction(hits, len(subsets)), len(subsets)


def test_exact_enumeration_matches_itertools_by_hand():
    expected, total = _exact_rr_p_by_hand(DEATHS, POPS, LABELS)
    res = permutation_test(LABELS, rate_ratio_statistic(DEATHS, POPS), alternative="greater")
    assert res.method == "exact enumeration"
    assert res.n_arrangements == total == math.comb(5, 2) == 10
    assert res.p_value == pytest.approx(float(expected), abs=1e-12)
    # the observed labelling is the most extreme here: p = 1/10
    assert expected == Fraction(1, 10)


def test_exact_share_statistic_counts_ties():
    # equal deaths in every unit: every arrangement ties the observed share -> p = 1
    res = permutation_test(LABELS, share_statistic([2, 2, 2, 2, 2]))
    assert res.observed == pytest.approx(0.4)
    assert res.p_value == 1.0


def test_less_and_two_sided_against_enumeration():
    stat = share_statistic(DEATHS)
    null = []
    for idx in itertools.combinations(range(5), 2):
        null.append(sum(DEATHS[i] for i in idx) / sum(DEATHS))
    null = np.array(null)
    obs = (DEATHS[0] + DEATHS[4]) / sum(DEATHS)
    less = permutation_test(LABELS, stat, alternative="less")
    assert less.p_value == pytest.approx(np.mean(null <= obs + 1e-12))
    two = permutation_test(LABELS, stat, alternative="two-sided")
    c = null.mean()
    assert two.p_value == pytest.approx(np.mean(np.abs(null - c) >= abs(obs - c) - 1e-12))


def test_monte_carlo_close_to_exact_and_seeded():
    rng = np.random.default_rng(7)
    deaths = rng.poisson(3, size=14)
    pops = rng.integers(100, 1000, size=14)
    labels = np.zeros(14, dtype=bool)
    labels[np.argsort(-deaths / pops)[:5]] = True  # the highest-rate units carry the label
    stat = rate_ratio_statistic(deaths, pops)
    exact = permutation_test(labels, stat)
    assert exact.method == "exact enumeration" and exact.n_arrangements == math.comb(14, 5)
    mc = permutation_test(labels, stat, max_exact=100, n_permutations=20_000, seed=11)
    assert mc.method == "Monte Carlo" and mc.seed == 11 and mc.n_evaluated == 20_000
    se = math.sqrt(max(exact.p_value, 1e-3) * (1 - exact.p_value) / 20_000)
    assert abs(mc.p_value - exact.p_value) < 4 * se + 1 / 20_001
    again = permutation_test(labels, stat, max_exact=100, n_permutations=20_000, seed=11)
    assert again.p_value == mc.p_value


def test_monte_carlo_p_is_one_plus_hits_over_one_plus_draws():
    labels = np.array([True] + [False] * 29)
    deaths = [50] + [0] * 29
    res = permutation_test(labels, share_statistic(deaths), max_exact=1, n_permutations=50, seed=1)
    # replay the same seeded draws: a draw is as extreme only when it puts the label back on unit 0
    rng = np.random.default_rng(1)
    hits = sum(bool(rng.permutation(labels)[0]) for _ in range(50))
    assert res.p_value == pytest.approx((1 + hits) / 51)


def test_n_arrangements_and_bad_input():
    assert n_arrangements([True, False, True, False, False, False]) == 15
    with pytest.raises(ValueError, match="alternative"):
        permutation_test(LABELS, share_statistic(DEATHS), alternative="bigger")
    with pytest.raises(ValueError, match="NaN"):
        permutation_test(LABELS, share_statistic([0, 0, 0, 0, 0]))


def test_rate_ratio_statistic_values():
    stat = rate_ratio_statistic(DEATHS, POPS)
    assert stat(LABELS) == pytest.approx((16 / 220) / (4 / 750))
    assert math.isinf(rate_ratio_statistic([1, 0], [10, 10])(np.array([True, False])))
