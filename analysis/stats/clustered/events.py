"""Event-level evidence: lethal events in a set of departments against its population share (exact binomial test,
Clopper-Pearson interval), and an event-cluster bootstrap interval for a death share."""
import numpy as np
import pandas as pd
from scipy import stats

from analysis.stats.clustered.design import event_clusters
from analysis.stats.clustered.resampling import SEED
from analysis.stats.exact import binom_ci
from analysis.stats.rates import blank

UNKNOWN = ("outside", "inside", "drop")


def lethal_events(persons: pd.DataFrame) -> pd.DataFrame:
    """One row per lethal event (event_clusters): deaths, its department (the one holding most of its persons with a
    known department; ties by code; NA when none is known), and how many departments its persons span."""
    key = event_clusters(persons)
    dep = persons["ubigeo_dep"].astype("string").where(~blank(persons["ubigeo_dep"]))
    frame = pd.DataFrame({"event": key.to_numpy(), "ubigeo_dep": dep.to_numpy()})
    rows = []
    for event, grp in frame.groupby("event", sort=True):
        known = grp["ubigeo_dep"].dropna()
        top = known.value_counts().sort_index().sort_values(ascending=False, kind="stable")
        rows.append({"event": event, "deaths": len(grp), "ubigeo_dep": top.index[0] if len(top) else pd.NA,
                     "n_departments": int(known.nunique()),
                     "kind": event.split(":")[0] if ":" in event else "event"})
    return pd.DataFrame(rows, columns=["event", "deaths", "ubigeo_dep", "n_departments", "kind"])


def event_share_test(events: pd.DataFrame, group, population: pd.Series, *, within=None,
                     unknown: str = "outside", alternative: str = "two-sided", alpha: float = 0.05) -> dict:
    """Lethal events in the `group` departments against the group's population share: exact binomial test and
    Clopper-Pearson interval of the event share. population: indexed by department code. within: departments
    considered (default all of `population`); events elsewhere are left out. Events with no known department are
    counted outside the group (default), inside it, or dropped."""
    if unknown not in UNKNOWN:
        raise ValueError(f"unknown must be one of {UNKNOWN}, got {unknown!r}")
    if len(events) == 0:
        raise ValueError("no lethal events in scope")
    if (events["deaths"] < 0).any():
        raise ValueError("an event has a negative number of deaths")
    pop = population.copy()
    pop.index = pop.index.astype(str)
    if within is not None:
        pop = pop[pop.index.isin(list(map(str, within)))]
    if (pop <= 0).any() or pop.isna().any():
        raise ValueError("population must be positive for every department considered")
    group = set(map(str, group)) & set(pop.index)
    dep = events["ubigeo_dep"].astype("string")
    no_dep = int(dep.isna().sum())
    placed = dep.notna() & dep.isin(list(pop.index))
    k = int((placed & dep.isin(list(group))).sum()) + (no_dep if unknown == "inside" else 0)
    n = int(placed.sum()) + (0 if unknown == "drop" else no_dep)
    if n == 0:
        raise ValueError("no lethal event falls in the departments considered")
    share = float(pop[list(group)].sum() / pop.sum())
    lo, hi = binom_ci(k, n, alpha)
    return {"events_group": k, "events_total": n, "event_share": k / n, "event_share_low": lo,
            "event_share_high": hi, "population_share": share,
            "p_value": float(stats.binomtest(k, n, share, alternative=alternative).pvalue),
            "alternative": alternative, "events_no_department": no_dep, "unknown": unknown,
            "method": "exact binomial test on lethal events; Clopper-Pearson interval"}


def death_share_bootstrap(persons: pd.DataFrame, group, *, within=None, unknown: str = "outside",
                          n_boot: int = 10_000, seed: int = SEED, alpha: float = 0.05) -> dict:
    """Share of the persons in scope who died in the `group` departments, with a percentile interval from
    resampling lethal events (event_clusters) with replacement, seeded. within/unknown as in event_share_test."""
    if unknown not in UNKNOWN:
        raise ValueError(f"unknown must be one of {UNKNOWN}, got {unknown!r}")
    if len(persons) == 0:
        raise ValueError("no persons in scope")
    if n_boot < 1:
        raise ValueError("n_boot must be >= 1")
    dep = persons["ubigeo_dep"].astype("string").where(~blank(persons["ubigeo_dep"]))
    keep = dep.isna() | (dep.isin(list(map(str, within))) if within is not None else True)
    keep &= ~dep.isna() | (unknown != "drop")
    p, dep = persons[keep.fillna(False).to_numpy()], dep[keep.fillna(False).to_numpy()]
    inside = dep.isin(list(map(str, group))).fillna(unknown == "inside").to_numpy()
    keys = event_clusters(p).to_numpy()
    labels, idx = np.unique(keys, return_inverse=True)
    m = np.bincount(idx, minlength=len(labels)).astype(float)
    m_in = np.bincount(idx, weights=inside.astype(float), minlength=len(labels))
    G = len(labels)
    if G < 2:
        raise ValueError(f"G = {G} lethal event(s): an event bootstrap needs at least 2")
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(G, np.full(G, 1.0 / G), size=n_boot)
    boot = (draws @ m_in) / (draws @ m)
    lo, hi = np.quantile(boot, [alpha / 2, 1 - alpha / 2])
    return {"deaths_group": int(m_in.sum()), "deaths_total": int(m.sum()), "death_share": float(m_in.sum() / m.sum()),
            "death_share_low": float(lo), "death_share_high": float(hi), "events": G, "n_boot": n_boot, "seed": seed,
            "method": "event-cluster bootstrap (lethal events resampled with replacement), percentile interval"}
