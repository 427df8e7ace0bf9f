"""Label-permutation tests across a handful of units (departments).

Under the null hypothesis the k "treated" labels are exchangeable among the n units, so every one of the
C(n, k) ways of placing them is equally likely. When C(n, k) is small the test enumerates them all (exact p);
otherwise it draws random permutations with a fixed seed (Monte Carlo p, Phipson & Smyth 2010: (1 + hits) / (1 + B),
which never reports p = 0).
"""
import itertools
import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

MAX_EXACT = 200_000
# Statistics equal up to floating-point noise count as "as extreme" (ties must not depend on summation order).
_TOL = 1e-9
ALTERNATIVES = ("greater", "less", "two-sided")


@dataclass(frozen=True)
class PermutationResult:
    observed: float
    p_value: float
    method: str            # "exact enumeration" or "Monte Carlo"
    n_arrangements: int    # C(n, k): distinct placements of the labels
    n_evaluated: int       # arrangements (exact) or random draws (Monte Carlo) evaluated
    alternative: str
    seed: int | None


def n_arrangements(labels) -> int:
    labels = np.asarray(labels, dtype=bool)
    return math.comb(labels.size, int(labels.sum()))


def _as_extreme(null: np.ndarray, observed: float, alternative: str, center: float) -> np.ndarray:
    tol = _TOL * max(1.0, abs(observed)) if math.isfinite(observed) else 0.0
    if alternative == "greater":
        return null >= observed - tol
    if alternative == "less":
        return null <= observed + tol
    # two-sided: as far or farther from the null's centre (its mean over all arrangements or draws)
    return np.abs(null - center) >= abs(observed - center) - tol


def _center(null: np.ndarray) -> float:
    finite = null[np.isfinite(null)]
    return float(finite.mean()) if finite.size else 0.0


def permutation_test(labels, statistic: Callable[[np.ndarray], float], *, alternative: str = "greater",
                     n_permutations: int = 100_000, seed: int = 20221207,
                     max_exact: int = MAX_EXACT) -> PermutationResult:
    """p-value of `statistic(labels)` against its distribution over re-placements of the True labels.

    labels: boolean vector, one entry per unit (only units whose label is known).
    statistic: function of a boolean vector of the same length (e.g. a rate ratio of True vs False units).
    Exact full enumeration when C(n, k) <= max_exact, else `n_permutations` seeded random permutations.
    """
    if alternative not in ALTERNATIVES:
        raise ValueError(f"alternative must be one of {ALTERNATIVES}, got {alternative!r}")
    labels = np.asarray(labels, dtype=bool)
    if labels.ndim != 1 or labels.size == 0:
        raise ValueError("labels must be a non-empty 1-d boolean vector")
    n, k = labels.size, int(labels.sum())
    observed = float(statistic(labels))
    if math.isnan(observed):
        raise ValueError("the statistic is undefined (NaN) for the observed labels; no test is possible")
    total = math.comb(n, k)
    if total <= max_exact:
        null = np.empty(total)
        for i, idx in enumerate(itertools.combinations(range(n), k)):
            perm = np.zeros(n, dtype=bool)
            perm[list(idx)] = True
            null[i] = statistic(perm)
        hits = int(_as_extreme(null, observed, alternative, _center(null)).sum())
        return PermutationResult(observed, hits / total, "exact enumeration", total, total, alternative, None)
    if n_permutations < 1:
        raise ValueError("n_permutations must be >= 1")
    rng = np.random.default_rng(seed)
    null = np.array([statistic(rng.permutation(labels)) for _ in range(n_permutations)])
    hits = int(_as_extreme(null, observed, alternative, _center(null)).sum())
    return PermutationResult(observed, (1 + hits) / (1 + n_permutations), "Monte Carlo", total, n_permutations,
                             alternative, seed)


def rate_ratio_statistic(events, exposure) -> Callable[[np.ndarray], float]:
    """Statistic: (events/exposure in labelled units) / (events/exposure in the others).

    Infinite when the unlabelled units have no events (and the labelled do); NaN when neither has any.
    """
    events = np.asarray(events, dtype=float)
    exposure = np.asarray(exposure, dtype=float)

    def stat(labels: np.ndarray) -> float:
        e1, e0 = events[labels].sum(), events[~labels].sum()
        x1, x0 = exposure[labels].sum(), exposure[~labels].sum()
        if e0 == 0:
            return math.inf if e1 > 0 else math.nan
        return float((e1 / x1) / (e0 / x0))

    return stat


def share_statistic(events) -> Callable[[np.ndarray], float]:
    """Statistic: share of all events that fall in the labelled units."""
    events = np.asarray(events, dtype=float)
    total = events.sum()

    def stat(labels: np.ndarray) -> float:
        return float(events[labels].sum() / total) if total else math.nan

    return stat
