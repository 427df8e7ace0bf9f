"""Group comparisons of notebook 05 with an effect size and the power the sample sizes allow.

For each 2×2 comparison (group in / rest × outcome yes / no):
  - the odds ratio: conditional maximum-likelihood estimate with its exact conditional interval
    (scipy.stats.contingency.odds_ratio, kind='conditional'), the sample odds ratio, Fisher's two-sided p;
  - the minimum detectable difference (MDD): the smallest difference in proportions that a two-sided test at
    `alpha` detects with probability `power`, for the group sizes used and the pooled rate. The two rates straddle
    the pooled rate symmetrically on the arcsine scale (Cohen's h), so the pooled rate stays the centre:
      * mdd_normal: from statsmodels' NormalIndPower (normal approximation on Cohen's h);
      * mdd_exact: the same family of alternatives, power of Fisher's test itself computed exactly by enumerating
        every possible table (no simulation, nothing random); the smallest h reaching `power` whichever group has
        the higher rate, scanned on a grid of `grid` steps.
Groups with fewer than `min_group` persons are marked `too_small` and not tested (every statistic NaN): with four
persons a difference of 100 points may not be detectable.

Persons with an unknown group or outcome are left out and counted, never assigned.
"""
import math

import numpy as np
import pandas as pd
from scipy import stats
from scipy.stats.contingency import odds_ratio
from statsmodels.stats.power import NormalIndPower

MIN_GROUP = 5
COLUMNS = ["comparison", "in_label", "rest_label", "outcome", "in_k", "in_n", "rest_k", "rest_n", "in_share",
           "rest_share", "pooled", "status", "odds_ratio", "or_low", "or_high", "odds_ratio_sample", "p_value",
           "mdd_normal", "mdd_exact", "excluded"]


def table_2x2(group: pd.Series, outcome: pd.Series) -> tuple[list[list[int]], int]:
    """[[in & yes, in & no], [rest & yes, rest & no]] and the number left out (group or outcome NA)."""
    for name, s in (("group", group), ("outcome", outcome)):
        vals = set(s.dropna().unique())
        if not vals <= {True, False}:
            raise ValueError(f"{name} must be boolean with NA for unknown, got values {sorted(map(str, vals))}")
    if not group.index.equals(outcome.index):
        raise ValueError("group and outcome must share the same index (one row per person)")
    g, o = group.astype("boolean"), outcome.astype("boolean")
    ok = (g.notna() & o.notna()).to_numpy()
    g, o = g[ok].astype(bool), o[ok].astype(bool)
    return [[int((g & o).sum()), int((g & ~o).sum())], [int((~g & o).sum()), int((~g & ~o).sum())]], int((~ok).sum())


def _check_table(table) -> list[list[int]]:
    t = np.asarray(table)
    if t.shape != (2, 2):
        raise ValueError(f"table must be 2×2, got shape {t.shape}")
    for (r, c), v in np.ndenumerate(t):
        if v < 0 or int(v) != v:
            raise ValueError(f"table cell [{r}][{c}] must be a non-negative integer count, got {v!r}")
    return [[int(v) for v in row] for row in t]


# ---------------------------------------------------------------- minimum detectable difference
def _straddle(pooled: float, h: float) -> tuple[float, float] | None:
    """(p_high, p_low) at arcsine distance h, centred on the pooled rate; None when outside [0, 1]."""
    phi = 2 * math.asin(math.sqrt(pooled))
    hi, lo = phi + h / 2, phi - h / 2
    if hi > math.pi or lo < 0:
        return None
    return math.sin(hi / 2) ** 2, math.sin(lo / 2) ** 2


def mdd_normal(n1: int, n2: int, pooled: float, alpha: float = 0.05, power: float = 0.8) -> float:
    """Smallest p_high − p_low detectable (normal approximation on Cohen's h); NaN if no feasible pair."""
    h = NormalIndPower().solve_power(effect_size=None, nobs1=n1, ratio=n2 / n1, alpha=alpha, power=power,
                                     alternative="two-sided")
    pair = _straddle(pooled, float(h))
    return math.nan if pair is None else pair[0] - pair[1]


def fisher_rejects(n1: int, n2: int, alpha: float = 0.05) -> np.ndarray:
    """Boolean (n1+1)×(n2+1) array: Fisher's two-sided test rejects at `alpha` when k1 = i, k2 = j."""
    out = np.zeros((n1 + 1, n2 + 1), dtype=bool)
    for i in range(n1 + 1):
        for j in range(n2 + 1):
            out[i, j] = stats.fisher_exact([[i, n1 - i], [j, n2 - j]]).pvalue <= alpha
    return out


def exact_power(n1: int, n2: int, p1: float, p2: float, alpha: float = 0.05, rejects=None) -> float:
    """Power of Fisher's two-sided test when group 1 ~ Bin(n1, p1) and group 2 ~ Bin(n2, p2), by enumeration."""
    rejects = fisher_rejects(n1, n2, alpha) if rejects is None else rejects
    w1 = stats.binom.pmf(np.arange(n1 + 1), n1, p1)
    w2 = stats.binom.pmf(np.arange(n2 + 1), n2, p2)
    return float(w1 @ rejects @ w2)


def mdd_exact(n1: int, n2: int, pooled: float, alpha: float = 0.05, power: float = 0.8, grid: int = 400) -> float:
    """Smallest p_high − p_low for which Fisher's test has `power` in both orientations (group 1 higher or lower);
    h scanned on `grid` steps over (0, π]. NaN if no feasible pair reaches `power`."""
    rejects = fisher_rejects(n1, n2, alpha)
    for h in np.linspace(math.pi / grid, math.pi, grid):
        pair = _straddle(pooled, float(h))
        if pair is None:
            return math.nan  # larger h is infeasible too
        hi, lo = pair
        if min(exact_power(n1, n2, hi, lo, alpha, rejects), exact_power(n1, n2, lo, hi, alpha, rejects)) >= power:
            return hi - lo
    return math.nan


# ---------------------------------------------------------------- one comparison
def _sample_or(a, b, c, d) -> float:
    """ad / bc; infinite when only the denominator is 0, NaN when both are."""
    if b * c:
        return (a * d) / (b * c)
    return math.inf if a * d else math.nan


def compare_table(table, *, comparison: str = "", labels=("in group", "rest"), outcome_label: str = "outcome",
                  alpha: float = 0.05, power: float = 0.8, min_group: int = MIN_GROUP, excluded: int = 0,
                  exact: bool = True) -> dict:
    """One row of the comparisons table from a 2×2 table of counts (see module doc)."""
    (a, b), (c, d) = _check_table(table)
    n1, n2 = a + b, c + d
    row = {"comparison": comparison, "in_label": labels[0], "rest_label": labels[1], "outcome": outcome_label,
           "in_k": a, "in_n": n1, "rest_k": c, "rest_n": n2,
           "in_share": a / n1 if n1 else math.nan, "rest_share": c / n2 if n2 else math.nan,
           "pooled": (a + c) / (n1 + n2) if n1 + n2 else math.nan, "excluded": int(excluded)}
    stat_cols = ["odds_ratio", "or_low", "or_high", "odds_ratio_sample", "p_value", "mdd_normal", "mdd_exact"]
    if min(n1, n2) < min_group:
        return row | {"status": "too_small"} | dict.fromkeys(stat_cols, math.nan)
    res = odds_ratio([[a, b], [c, d]], kind="conditional")
    ci = res.confidence_interval(1 - alpha)
    row |= {"status": "tested", "odds_ratio": float(res.statistic), "or_low": float(ci.low),
            "or_high": float(ci.high), "odds_ratio_sample": _sample_or(a, b, c, d),
            "p_value": float(stats.fisher_exact([[a, b], [c, d]]).pvalue),
            "mdd_normal": mdd_normal(n1, n2, row["pooled"], alpha, power),
            "mdd_exact": mdd_exact(n1, n2, row["pooled"], alpha, power) if exact else math.nan}
    return row


def compare(group: pd.Series, outcome: pd.Series, **kwargs) -> dict:
    """compare_table on persons: group True/False/NA and outcome True/False/NA (NA left out and counted)."""
    table, excluded = table_2x2(group, outcome)
    return compare_table(table, excluded=excluded, **kwargs)


def compare_all(specs, alpha: float = 0.05, power: float = 0.8, min_group: int = MIN_GROUP) -> pd.DataFrame:
    """specs: iterable of (comparison key, group Series, outcome Series, (in label, rest label), outcome label)."""
    rows = [compare(g, o, comparison=key, labels=labels, outcome_label=out, alpha=alpha, power=power,
                    min_group=min_group)
            for key, g, o, labels, out in specs]
    return pd.DataFrame(rows, columns=COLUMNS)

