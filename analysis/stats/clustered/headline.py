"""Every method side by side, and the headline: the most conservative defensible p-value and interval."""
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.stats.clustered.design import Design
from analysis.stats.clustered.models import (MethodResult, cluster_robust, negative_binomial, poisson_model,
                                            quasi_poisson)
from analysis.stats.clustered.resampling import (SEED, department_randomisation, exact_conditional, sign_flip,
                                                wild_cluster)


def compare(d: Design, alpha: float = 0.05, *, interval: bool = True, seed: int = SEED,
            n_draws: int = 99_999) -> list[MethodResult]:
    """Every method on one design, the non-headline ones (person-level, normal critical values) included."""
    out = [poisson_model(d, alpha), quasi_poisson(d, alpha), negative_binomial(d, alpha, interval),
           cluster_robust(d, alpha, "normal"), cluster_robust(d, alpha, "t"),
           wild_cluster(d, alpha, interval, seed=seed, n_draws=min(n_draws, 9_999)),
           sign_flip(d, alpha, interval, seed=seed, n_draws=n_draws)]
    if not d.Z.shape[1]:
        out.append(department_randomisation(d, seed=seed, n_draws=n_draws))
        if d.binary:
            out.append(exact_conditional(d, alpha))
    return out


def as_frame(results) -> pd.DataFrame:
    return pd.DataFrame([r.as_dict() for r in results])


@dataclass(frozen=True)
class Headline:
    """The most conservative defensible answer: the largest p-value and the widest interval, with their methods."""
    p_value: float
    p_method: str
    estimate: float
    low: float
    high: float
    interval_method: str
    considered: tuple


def _log_width(r: MethodResult) -> float:
    if math.isnan(r.low) or math.isnan(r.high):
        return -math.inf
    if r.low <= 0 or math.isinf(r.high):
        return math.inf
    return math.log(r.high) - math.log(r.low)


def most_conservative(results) -> Headline:
    """Largest p-value (ties: the wider interval) and widest interval (log scale) among the defensible results.
    Person-level and normal-critical-value results are never chosen."""
    ok = [r for r in results if r.defensible and np.isfinite(r.p_value)]
    if not ok:
        raise ValueError("no defensible result to choose from")
    p_best = max(ok, key=lambda r: (r.p_value, _log_width(r)))
    with_ci = [r for r in ok if not (math.isnan(r.low) or math.isnan(r.high))]
    wide = max(with_ci, key=_log_width) if with_ci else p_best
    return Headline(p_best.p_value, p_best.method, p_best.estimate, wide.low, wide.high, wide.method,
                    tuple(r.method for r in ok))
