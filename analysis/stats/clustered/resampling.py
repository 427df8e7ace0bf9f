"""Resampling and exact tests on a Design: the sign-flip score test over events, the wild cluster bootstrap, the
randomisation test over departments, and the exact conditional (person-level, descriptive) rate ratio."""
import itertools
import math
from functools import lru_cache

import numpy as np

from analysis.stats.clustered.design import Design
from analysis.stats.clustered.models import (MethodResult, cluster_cov, fit_poisson, invert_test, restricted_fit,
                                            slope_scores)
from analysis.stats.rates import rate_ratio

MAX_EXACT_SIGNS = 16        # 2^16 = 65,536 sign vectors enumerated
MAX_EXACT_WILD = 14         # Rademacher enumeration for the wild cluster bootstrap
MAX_EXACT_ARRANGEMENTS = 200_000
SEED = 20221207
_TOL = 1e-9                 # statistics equal up to rounding count as "as extreme"
_WEBB = np.array([-math.sqrt(1.5), -1.0, -math.sqrt(0.5), math.sqrt(0.5), 1.0, math.sqrt(1.5)])


@lru_cache(maxsize=8)
def sign_matrix(G: int) -> np.ndarray:
    """All 2^G vectors of +-1 (rows), first row all +1; cached per G (read-only)."""
    if G > 22:
        raise ValueError(f"2^{G} sign vectors are too many to enumerate")
    bits = (np.arange(2 ** G)[:, None] >> np.arange(G)[None, :]) & 1
    out = 1.0 - 2.0 * bits
    out.setflags(write=False)
    return out


def resampling_weights(G: int, exact_max: int, kind: str, n_draws: int, seed: int):
    """(matrix of weights, exact?) Rademacher enumeration when G <= exact_max, else seeded draws."""
    if G <= exact_max:
        return sign_matrix(G), True
    rng = np.random.default_rng(seed)
    if kind == "webb":
        return rng.choice(_WEBB, size=(n_draws, G)), False
    return rng.choice(np.array([-1.0, 1.0]), size=(n_draws, G)), False


def p_from_null(null, observed, exact, counts=None) -> float:
    """Share of the null statistics at least as extreme as `observed` (up to rounding); with random draws the
    observed statistic counts as one of them ((1 + hits) / (1 + draws)). counts: how many null statistics each
    value of `null` stands for (None: one each)."""
    hit = null >= observed - _TOL * max(1.0, abs(observed))
    hits, size = (int(np.sum(hit)), null.size) if counts is None else (int(counts[hit].sum()), int(counts.sum()))
    return hits / size if exact else (1 + hits) / (1 + size)


def _efficient_scores(d: Design, b0: float) -> np.ndarray:
    """Event scores for the target coefficient at b = b0, with the adjusters' scores projected out."""
    mu = restricted_fit(d, b0)
    _, B, s = slope_scores(d, mu)
    if B.shape[0] == 1:
        return s[:, 0]
    gamma = np.linalg.solve(B[1:, 1:], B[1:, 0])
    return s[:, 0] - s[:, 1:] @ gamma


def sign_flip_p(d: Design, b0: float = 0.0, *, n_draws: int = 99_999, seed: int = SEED,
                max_exact: int = MAX_EXACT_SIGNS) -> tuple[float, bool]:
    """(two-sided p, exact?) of the score test of b = b0: |sum_g e_g| against |sum_g eps_g e_g| over sign flips.

    The fast path the multiverse calls: one restricted Poisson fit and one product with the cached sign matrix.
    """
    e = _efficient_scores(d, b0)
    W, exact = resampling_weights(d.G, max_exact, "rademacher", n_draws, seed)
    return p_from_null(np.abs(W @ e), abs(float(e.sum())), exact), exact


def sign_flip(d: Design, alpha: float = 0.05, interval: bool = True, **kw) -> MethodResult:
    """Exact sign-flip score test over lethal events (valid when event scores are symmetric under the null), and
    the interval of b0 it does not reject."""
    p, exact = sign_flip_p(d, 0.0, **kw)
    beta, mu = fit_poisson(d.y, d.X, d.offset)
    low, high = invert_test(lambda b: sign_flip_p(d, b, **kw)[0], beta[1], 0.5, alpha) if interval else (math.nan,) * 2
    how = f"all {2 ** d.G:,} sign flips" if exact else f"{kw.get('n_draws', 99_999):,} random flips"
    return MethodResult("sign_flip", f"sign-flip score test by event ({how})", "event", float(np.exp(beta[1])),
                        low, high, p, True, {"clusters": d.G, "exact": exact})


def wild_cluster_p(d: Design, b0: float = 0.0, *, n_draws: int = 9_999, seed: int = SEED,
                   max_exact: int = MAX_EXACT_WILD) -> tuple[float, bool]:
    """(two-sided p, exact?) of the wild cluster bootstrap of the CR1 t statistic, null b = b0 imposed.

    Linearised for the count model: from the restricted fit, a draw with event weights w moves the estimate by
    B^-1 S* (S* = sum_g w_g s_g) and each event's score becomes w_g s_g - (m_g / N) S*; t* is the target
    coordinate over its CR1 error. Rademacher weights enumerated when G <= max_exact, else seeded Webb weights.
    """
    beta, mu = fit_poisson(d.y, d.X, d.offset)
    cov, _, _ = cluster_cov(d, mu)
    t_obs = abs((beta[1] - b0) / math.sqrt(cov[0, 0]))
    _, B, s = slope_scores(d, restricted_fit(d, b0))
    c = s @ np.linalg.inv(B)[:, 0]
    W, exact = resampling_weights(d.G, max_exact, "webb", n_draws, seed)
    delta = W @ c
    q = W * c - np.outer(delta, d.sizes / d.N)
    se = np.sqrt(np.sum(q * q, axis=1) * d.G / (d.G - 1))
    t_star = np.abs(np.divide(delta, se, out=np.zeros_like(delta), where=se > 0))
    return p_from_null(t_star, t_obs, exact), exact


def wild_cluster(d: Design, alpha: float = 0.05, interval: bool = True, **kw) -> MethodResult:
    """Wild cluster bootstrap (restricted) p-value and the interval of b0 it does not reject."""
    p, exact = wild_cluster_p(d, 0.0, **kw)
    beta, mu = fit_poisson(d.y, d.X, d.offset)
    low, high = (invert_test(lambda b: wild_cluster_p(d, b, **kw)[0], beta[1], 0.5, alpha) if interval
                 else (math.nan,) * 2)
    how = f"Rademacher, all {2 ** d.G:,}" if exact else f"Webb, {kw.get('n_draws', 9_999):,} draws"
    return MethodResult("wild_cluster", f"wild cluster bootstrap by event ({how})", "event", float(np.exp(beta[1])),
                        low, high, p, True, {"clusters": d.G, "exact": exact})


def arrangements(x: np.ndarray, max_exact: int, n_draws: int, seed: int):
    """(matrix of re-placements of x among the departments, exact?) every distinct one when few enough."""
    values, counts = np.unique(x, return_counts=True)
    total = math.factorial(len(x))
    for c in counts:
        total //= math.factorial(int(c))
    if total > max_exact:
        rng = np.random.default_rng(seed)
        return rng.permuted(np.tile(x, (n_draws, 1)), axis=1), False, total
    rows = []
    D = len(x)

    def place(free, k, row):
        if k == len(values) - 1:
            row = row.copy()
            row[list(free)] = values[k]
            rows.append(row)
            return
        for idx in itertools.combinations(free, int(counts[k])):
            nxt = row.copy()
            nxt[list(idx)] = values[k]
            place([i for i in free if i not in idx], k + 1, nxt)

    place(list(range(D)), 0, np.zeros(D))
    return np.array(rows), True, total


def score_z(y, expected, Xp):
    """Standardised Poisson score of each row of Xp (arrangements x D) under the constant-rate null."""
    N = expected.sum()
    xbar = Xp @ expected / N
    u = Xp @ y - N * xbar
    var = (Xp ** 2) @ expected - N * xbar ** 2
    return np.divide(u, np.sqrt(var), out=np.zeros_like(u), where=var > 0)


def department_randomisation(d: Design, *, n_draws: int = 99_999, seed: int = SEED,
                             max_exact: int = MAX_EXACT_ARRANGEMENTS) -> MethodResult:
    """Exact randomisation test over departments: the covariate values re-placed among the departments (every
    distinct arrangement when few enough, else seeded draws); statistic = |standardised Poisson score|.
    Unadjusted only: with adjusters a re-placement would break their relation to the covariate."""
    if d.Z.shape[1]:
        raise ValueError("the department randomisation test is for an unadjusted covariate (no adjusters)")
    expected = d.N * d.population / d.population.sum()
    Xp, exact, total = arrangements(d.x, max_exact, n_draws, seed)
    null = np.abs(score_z(d.y, expected, Xp))
    obs = abs(float(score_z(d.y, expected, d.x[None, :])[0]))
    beta, _ = fit_poisson(d.y, d.X, d.offset)
    how = f"all {total:,} arrangements" if exact else f"{n_draws:,} random arrangements of {total:,}"
    return MethodResult("randomisation_departments", f"randomisation over departments ({how})", "department",
                        float(np.exp(beta[1])), math.nan, math.nan, p_from_null(null, obs, exact), True,
                        {"arrangements": total, "exact": exact})


def exact_conditional(d: Design, alpha: float = 0.05) -> MethodResult:
    """Person-level exact conditional rate ratio of a 0/1 contrast (analysis.stats.rates.rate_ratio: binomial given
    the total, Clopper-Pearson mapped to the rate-ratio scale). Descriptive: it treats persons as independent."""
    if not d.binary or d.Z.shape[1]:
        raise ValueError("the exact conditional rate ratio needs a 0/1 covariate and no adjusters")
    g = d.x == 1
    k1, k0 = int(d.y[g].sum()), int(d.y[~g].sum())
    rr = rate_ratio(k1, float(d.population[g].sum()), k0, float(d.population[~g].sum()), alpha)
    return MethodResult("exact_conditional", "exact conditional, persons", "person", rr["rr"], rr["rr_low"],
                        rr["rr_high"], rr["p_value"], False, {"deaths_group": k1, "deaths_reference": k0})
