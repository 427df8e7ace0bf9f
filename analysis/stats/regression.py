"""The regional analysis's statistics: lethal events per department, every cluster-aware method side by side
(analysis.stats.clustered), leave-one-event-out, covariate bands and post-treatment context.

Deaths are not independent arrivals: ten people were killed in one afternoon in Ayacucho (15 Dec 2022) and
seventeen in Juliaca (9 Jan 2023). A person-level Poisson model treats every person as an independent event, so its
standard errors are too small; the methods of analysis.stats.clustered work at the level of events and departments.
"""
from collections.abc import Callable

import numpy as np
import pandas as pd

from analysis.errors import RawDataError, data_row
from analysis.stats import clustered as C
from analysis.stats.exact import poisson_ci
from analysis.register.scope import Scope, select
from analysis.stats.rates import blank, department_rates, rate, rate_ratios

PER_MILLION = 1_000_000
# Published 2022 monetary-poverty bands (departments.csv, pov2022_band_pct) in increasing order of poverty.
POVERTY_BAND_ORDER = {"lowest (not stated; <20 by elimination)": 0, "20-30": 1, "30-40": 2, ">40": 3}


def event_table(persons: pd.DataFrame, table: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """Lethal events per department (unit = event, not person), with the exact Poisson interval.

    events_linked: distinct event ids; persons_unlinked: deaths tied to no event id, each counted as one event
    (so `events` is an upper bound when some unlinked deaths belong to the same, unrecorded, event).
    """
    known = persons[~blank(persons["ubigeo_dep"])]
    linked = known[~blank(known["event_id"])]
    out = table[["ubigeo_dep", "department", "population", "deaths"]].copy()
    out["events_linked"] = out["ubigeo_dep"].map(linked.groupby("ubigeo_dep")["event_id"].nunique()).fillna(0)
    out["persons_unlinked"] = out["ubigeo_dep"].map(
        known[blank(known["event_id"])].groupby("ubigeo_dep").size()).fillna(0)
    out["largest_event_deaths"] = out["ubigeo_dep"].map(
        linked.groupby(["ubigeo_dep", "event_id"]).size().groupby(level=0).max()).fillna(0)
    for c in ("events_linked", "persons_unlinked", "largest_event_deaths"):
        out[c] = out[c].astype("int64")
    out["events"] = out["events_linked"] + out["persons_unlinked"]
    ci = [poisson_ci(int(k), alpha) for k in out["events"]]
    out["events_low"] = [lo for lo, _ in ci]
    out["events_high"] = [hi for _, hi in ci]
    out["events_per_million"] = out["events"] / out["population"] * PER_MILLION
    return out.reset_index(drop=True)


def event_sizes(persons: pd.DataFrame) -> pd.DataFrame:
    """Persons counted per lethal event id (largest first, then by id)."""
    linked = persons[~blank(persons["event_id"])]
    out = (linked.groupby("event_id")
           .agg(deaths=("victim_id", "size"), departments=("department", lambda s: " ; ".join(sorted(set(s.dropna())))),
                first_death=("date_death_min", "min"))
           .reset_index())
    return out.sort_values(["deaths", "event_id"], ascending=[False, True], kind="stable").reset_index(drop=True)


def leave_one_event_out(victims: pd.DataFrame, departments: pd.DataFrame, scope: Scope,
                        fn: Callable[[pd.DataFrame, pd.DataFrame, Scope], object], *, events=None) -> pd.DataFrame:
    """Re-compute `fn(victims, departments, scope)` with each lethal event excluded in turn (the scope's
    `exclude_events`, so `scope.select` stays the one selector).

    `fn` returns a number or a mapping of named numbers. The first row (removed = "none") is the estimate on all
    data. n_removed is the number of persons the removal takes out of the scope's count. `events` restricts which
    event ids are tried (default: every event id among the counted persons, sorted).
    """
    counted = select(victims, scope).count
    if events is None:
        events = sorted(set(counted.loc[~blank(counted["event_id"]), "event_id"]))
    rows = [{"removed": "none", "n_removed": 0, **_as_dict(fn(victims, departments, scope))}]
    for e in events:
        reduced = scope.with_(exclude_events=(*scope.exclude_events, e))
        n_removed = len(counted) - len(select(victims, reduced).count)
        if n_removed == 0:
            raise ValueError(f"event {e!r} has no counted persons under {scope.describe()}")
        rows.append({"removed": e, "n_removed": n_removed, **_as_dict(fn(victims, departments, reduced))})
    return pd.DataFrame(rows)


def _as_dict(value) -> dict:
    if isinstance(value, pd.Series):
        return value.to_dict()
    if isinstance(value, dict):
        return dict(value)
    return {"estimate": float(value)}


def add_poverty_band_ordinal(departments: pd.DataFrame, column: str = "pov2022_band_pct",
                             file: str = "departments") -> pd.DataFrame:
    """departments plus `pov2022_band_ordinal` (0 = lowest band ... 3 = > 40 %) coded from the band text.

    A missing band stays missing (<NA>); a band text without a code is an error naming file, row and field, never
    guessed, since the order of the bands is what the model estimates.
    """
    band = departments[column].astype("string")
    unmapped = band.notna() & ~band.isin(list(POVERTY_BAND_ORDER))
    if unmapped.any():
        i = int(np.flatnonzero(unmapped.to_numpy())[0])
        raise RawDataError(file, data_row(i), column,
                           f"band text {band.iloc[i]!r} has no ordinal code; known bands: {list(POVERTY_BAND_ORDER)}")
    return departments.assign(pov2022_band_ordinal=band.map(POVERTY_BAND_ORDER).astype("Float64"))


def _top_ratio(r, reference, top_code) -> dict:
    """rr_top (exact interval) of department `top_code` against `reference`, and its share of all counted deaths
    (unknown department included in the total); empty when top_code is None."""
    if top_code is None:
        return {}
    row = rate_ratios(r.table, reference).set_index("ubigeo_dep").loc[top_code]
    return {"rr_top": row["rr"], "rr_top_low": row["rr_low"], "rr_top_high": row["rr_high"],
            "share_top": row["deaths"] / max(len(r.persons), 1)}


def leave_one_event_out_table(victims: pd.DataFrame, departments: pd.DataFrame, scope: Scope,
                              fn: Callable[[pd.DataFrame, pd.DataFrame, Scope], object],
                              sizes: pd.DataFrame, labels: dict | None = None) -> pd.DataFrame:
    """leave_one_event_out over the events of `sizes` (event_sizes: largest first), each row labelled with the
    number of counted deaths of the removed event (`counted`) and its department(s); the first row has neither.
    With `labels` (event_id -> words, see event_labels) a column `label` names each removed event in words."""
    loo = leave_one_event_out(victims, departments, scope, fn, events=sizes["event_id"].tolist())
    info = sizes[["event_id", "deaths", "departments"]].rename(columns={"event_id": "removed", "deaths": "counted"})
    out = loo.merge(info, on="removed", how="left")
    if labels is not None:
        out["label"] = out["removed"].map(lambda e: "all events" if e == "none" else labels.get(e, e))
    return out


def leave_one_out_range(loo: pd.DataFrame) -> dict:
    """How far removing one event moves rr_top and model_rr_first (row 0 of `loo` = all events).

    A removal that leaves the reference with no death gives an infinite ratio: it is listed in `no_reference`, not
    taken as the maximum. rr_min/rr_max come with the removed event (and the minimum with its department(s)).
    """
    if len(loo) < 2 or loo.iloc[0]["removed"] != "none":
        raise ValueError("leave-one-event-out table needs the all-events row first and at least one removed event")
    full, rest = loo.iloc[0], loo.iloc[1:]
    finite_rr = rest["rr_top"][np.isfinite(rest["rr_top"])]
    if finite_rr.empty:
        raise ValueError("every event removal leaves the reference with no death: no finite rate ratio to report")
    lo, hi = finite_rr.idxmin(), finite_rr.idxmax()
    return {"rr_full": full["rr_top"], "rr_min": finite_rr.min(), "rr_min_removed": loo.loc[lo, "removed"],
            "rr_min_departments": loo.loc[lo, "departments"], "rr_max": finite_rr.max(),
            "rr_max_removed": loo.loc[hi, "removed"],
            "no_reference": rest.loc[~np.isfinite(rest["rr_top"]), "removed"].tolist(),
            "model_full": full["model_rr_first"], "model_min": rest["model_rr_first"].min(),
            "model_max": rest["model_rr_first"].max()}


# ------------------------------------------------------------------ notebook 03: evidence at the level it arose
# The model-based Poisson fit treats each person as an independent draw; persons die together in lethal events
# and the covariates vary by department. The functions below put every level side by side (analysis.stats.clustered
# does the inference) and choose the headline among the defensible methods only.
ROLE_DESCRIPTIVE = "descriptive: persons treated as independent"
ROLE_COMPARISON = "for comparison only: normal critical values with few clusters"
ROLE_DEFENSIBLE = "defensible"


def cluster_aware(d, *, alpha: float = 0.05, n_draws: int = 99_999, n_wild: int = 99_999, seed: int | None = None,
                  interval: bool = True) -> list:
    """Every method of analysis.stats.clustered on one design, in the order a reader meets them: the model-based
    Poisson fit (descriptive), quasi-Poisson, negative binomial (LR test, profile interval), clustered errors with
    normal (comparison only) and t(G-1) critical values, the wild cluster bootstrap with `n_wild` draws (Rademacher
    weights enumerated when G <= 14), the sign-flip test over events (enumerated when G <= 16, else `n_draws`
    seeded flips) and, for an unadjusted covariate, the randomisation test over departments and (0/1 contrast) the
    exact conditional person-level rate ratio (descriptive). Unlike clustered.compare, the wild bootstrap's number of
    draws is a parameter, so that a published p-value can be made stable."""
    seed = C.SEED if seed is None else seed
    out = [C.poisson_model(d, alpha), C.quasi_poisson(d, alpha), C.negative_binomial(d, alpha, interval),
           C.cluster_robust(d, alpha, "normal"), C.cluster_robust(d, alpha, "t"),
           C.wild_cluster(d, alpha, interval, seed=seed, n_draws=n_wild),
           C.sign_flip(d, alpha, interval, seed=seed, n_draws=n_draws)]
    if not d.Z.shape[1]:
        out.append(C.department_randomisation(d, seed=seed, n_draws=n_draws))
        if d.binary:
            out.append(C.exact_conditional(d, alpha))
    return out


def role(result) -> str:
    """What a method's result may be used for (descriptive, comparison only, defensible)."""
    if result.defensible:
        return ROLE_DEFENSIBLE
    return ROLE_DESCRIPTIVE if result.level == "person" else ROLE_COMPARISON


def methods_table(results, headline=None) -> pd.DataFrame:
    """One row per method: label, the unit it treats as independent, estimate, interval, p-value, role, and which
    of them gives the headline p-value and the headline interval (clustered.most_conservative)."""
    rows = []
    for r in results:
        rows.append({"method": r.method, "label": r.label, "independent_unit": r.level, "estimate": r.estimate,
                     "low": r.low, "high": r.high, "p_value": r.p_value, "role": role(r),
                     "headline_p": bool(headline is not None and r.method == headline.p_method),
                     "headline_interval": bool(headline is not None and r.method == headline.interval_method)})
    return pd.DataFrame(rows)


def band_table(persons: pd.DataFrame, departments: pd.DataFrame, column: str, *,
               population_col: str = "pop_census_2017_persons", labels: dict | None = None,
               alpha: float = 0.05) -> pd.DataFrame:
    """Persons and lethal events per value of a department covariate (e.g. the poverty band), each with its exact
    Poisson interval: the same question asked at the person level (descriptive) and at the event level.

    A lethal event is counted in the band of its department (clustered.lethal_events: the department holding most of
    its persons). Persons or events with no department are not in any band (reported by the caller)."""
    deps = departments.assign(_value=pd.to_numeric(departments[column], errors="coerce"))
    if deps["_value"].isna().any():
        names = ", ".join(deps.loc[deps["_value"].isna(), "department"].astype(str))
        raise ValueError(f"covariate {column!r} missing for: {names}")
    band = deps.set_index(deps["ubigeo_dep"].astype(str))["_value"]
    pop = pd.to_numeric(deps.set_index(deps["ubigeo_dep"].astype(str))[population_col])
    known = persons.loc[~blank(persons["ubigeo_dep"])]
    ev = C.lethal_events(persons)
    ev = ev[ev["ubigeo_dep"].notna()]
    rows = []
    for value in sorted(band.unique()):
        codes = band.index[band == value]
        k = int(known["ubigeo_dep"].astype(str).isin(codes).sum())
        e = int(ev["ubigeo_dep"].astype(str).isin(codes).sum())
        p = float(pop[codes].sum())
        ev_rate = rate(e, p, alpha, PER_MILLION)
        rows.append({"value": value, "band": (labels or {}).get(value, f"{value:g}"), "departments": len(codes),
                     "population": int(p), "deaths": k, **rate(k, p, alpha), "events": e,
                     "events_per_million": ev_rate["rate"], "events_low": ev_rate["rate_low"],
                     "events_high": ev_rate["rate_high"]})
    out = pd.DataFrame(rows)
    out["population_share"] = out["population"] / out["population"].sum()
    out["death_share"] = out["deaths"] / max(out["deaths"].sum(), 1)
    out["event_share"] = out["events"] / max(out["events"].sum(), 1)
    return out


def post_treatment_context(persons: pd.DataFrame, departments: pd.DataFrame, column: str, date: str) -> pd.DataFrame:
    """A department covariate measured on `date` (e.g. provinces with roadblocks on 25 January 2023) beside the
    deaths counted before and after it: context, not a cause. deaths_before: date-of-death interval ends before
    `date`; deaths_after: it starts on or after `date`; deaths_straddling: the interval contains it."""
    deps = departments[["ubigeo_dep", "department", column]].copy()
    deps["ubigeo_dep"] = deps["ubigeo_dep"].astype(str)
    deps[column] = pd.to_numeric(deps[column], errors="coerce")
    known = persons.loc[~blank(persons["ubigeo_dep"])].copy()
    lo = known["date_death_min"].astype("string").fillna("")
    hi = known["date_death_max"].astype("string").fillna("")
    before = (hi != "") & (hi < date)
    after = (lo != "") & (lo >= date)
    known["_when"] = np.where(before, "before", np.where(after, "after", "straddling"))
    tab = known.groupby([known["ubigeo_dep"].astype(str), "_when"]).size().unstack(fill_value=0)
    for c in ("before", "after", "straddling"):
        if c not in tab.columns:
            tab[c] = 0
    out = deps.merge(tab[["before", "after", "straddling"]].add_prefix("deaths_"), left_on="ubigeo_dep",
                     right_index=True, how="left").fillna({"deaths_before": 0, "deaths_after": 0,
                                                            "deaths_straddling": 0})
    for c in ("deaths_before", "deaths_after", "deaths_straddling"):
        out[c] = out[c].astype("int64")
    out["deaths"] = out["deaths_before"] + out["deaths_after"] + out["deaths_straddling"]
    out = out.rename(columns={column: "value"})
    return out.sort_values(["deaths", "value", "ubigeo_dep"], ascending=[False, False, True]).reset_index(drop=True)


def loo_estimates(victims: pd.DataFrame, departments: pd.DataFrame, scope: Scope, *, covars: pd.DataFrame,
                  covariates, population_col: str, reference: str, top_code: str | None, seed: int | None = None,
                  n_draws: int = 99_999) -> dict:
    """What notebook 03 tracks when one lethal event is left out (`fn` of leave_one_event_out).

    rr_top, rr_top_low, rr_top_high: rate ratio of department `top_code` against `reference` (exact, person level,
    descriptive); share_top: its share of all counted deaths; model_rr_first: the rate ratio per unit of the first
    covariate (the Poisson point estimate, which quasi-Poisson, clustered and resampling methods share);
    sign_flip_p: the sign-flip score test of it over the remaining events (cheap: no interval)."""
    r = department_rates(victims, departments, scope, population_col=population_col)
    out = _top_ratio(r, reference, top_code)
    covariates = list(covariates)
    d = C.design_from_register(r.persons, covars, covariates[0], adjust=covariates[1:], population_col=population_col)
    out["model_rr_first"] = C.poisson_model(d).estimate
    out["sign_flip_p"] = C.sign_flip_p(d, 0.0, seed=C.SEED if seed is None else seed, n_draws=n_draws)[0]
    return out


def resampling_draws(result, *, n_wild: int, n_draws: int) -> int | None:
    """Random draws behind a method's p-value (cluster_aware): None when it is exact (enumerated or analytic),
    else n_wild for the wild cluster bootstrap and n_draws for the other resampling tests."""
    if result.details.get("exact", True):
        return None
    return n_wild if result.method == "wild_cluster" else n_draws
