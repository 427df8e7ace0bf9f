"""Count models of deaths per department (log-population offset), the event-level view and leave-one-event-out.

Deaths are not independent arrivals: ten people were killed in one afternoon in Ayacucho (15 Dec 2022) and
seventeen in Juliaca (9 Jan 2023). A Poisson model treats every person as an independent event, so its standard
errors are too small. Two remedies are offered: the negative binomial (extra-Poisson variance between
departments) and standard errors clustered by lethal event (persons killed in the same event move together).
"""
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from statsmodels.discrete.discrete_model import NegativeBinomial

from analysis.errors import RawDataError, data_row
from analysis.stats import clustered as C
from analysis.stats.exact import poisson_ci
from analysis.register.scope import Scope, select
from analysis.stats.rates import blank, department_rates, rate, rate_ratios

PER_MILLION = 1_000_000
# Published 2022 monetary-poverty bands (departments.csv, pov2022_band_pct) in increasing order of poverty.
POVERTY_BAND_ORDER = {"lowest (not stated; <20 by elimination)": 0, "20-30": 1, "30-40": 2, ">40": 3}


@dataclass(frozen=True)
class ModelResult:
    """Tidy coefficients (log scale and rate-ratio scale) plus fit diagnostics."""

    coefficients: pd.DataFrame
    info: dict


def model_frame(table: pd.DataFrame, departments: pd.DataFrame, covariates) -> pd.DataFrame:
    """Rate table joined to department covariates; a missing covariate value is an error, never imputed."""
    covariates = list(covariates)
    absent = [c for c in covariates if c not in table.columns and c not in departments.columns]
    if absent:
        raise KeyError(f"covariate column(s) not found: {absent}")
    extra = [c for c in covariates if c not in table.columns]
    out = table.merge(departments[["ubigeo_dep", *extra]], on="ubigeo_dep", how="left", validate="one_to_one")
    for c in covariates:
        vals = pd.to_numeric(out[c], errors="coerce")
        missing = out.loc[vals.isna(), "department"].tolist()
        if missing:
            raise ValueError(f"covariate {c!r} is missing or non-numeric for {len(missing)} department(s): "
                             f"{', '.join(map(str, missing))}; a model needs it for every department")
        out[c] = vals.astype(float)
    return out


def _design(data: pd.DataFrame, covariates, count: str, exposure: str):
    y = data[count].astype(float).to_numpy()
    X = sm.add_constant(data[list(covariates)].astype(float), has_constant="add")
    offset = np.log(data[exposure].astype(float).to_numpy())
    return y, X, offset


def _tidy(params, se, p, alpha: float) -> pd.DataFrame:
    z = stats.norm.ppf(1 - alpha / 2)
    out = pd.DataFrame({"term": params.index, "coef": params.to_numpy(), "se": se.to_numpy(), "p_value": p.to_numpy()})
    out["rr"] = np.exp(out["coef"])
    out["rr_low"] = np.exp(out["coef"] - z * out["se"])
    out["rr_high"] = np.exp(out["coef"] + z * out["se"])
    return out


def poisson_glm(data: pd.DataFrame, covariates, *, count: str = "deaths", exposure: str = "population",
                persons: pd.DataFrame | None = None, cluster: str = "event_id", small_sample: bool = True,
                alpha: float = 0.05) -> ModelResult:
    """Poisson GLM log E[deaths] = log(population) + b0 + b'x, one row per department (Wald intervals).

    With `persons` (one row per counted death, with `ubigeo_dep` and the `cluster` column), the slope
    coefficients also get standard errors clustered by lethal event: see `event_clustered_cov`.
    """
    y, X, offset = _design(data, covariates, count, exposure)
    fit = sm.GLM(y, X, family=sm.families.Poisson(), offset=offset).fit(tol=1e-12, maxiter=200)
    coefs = _tidy(fit.params, fit.bse, fit.pvalues, alpha)
    info = {"model": "poisson", "n_departments": int(len(y)), "deaths": int(y.sum()),
            "deviance": float(fit.deviance), "df_resid": float(fit.df_resid),
            "pearson_dispersion": float(fit.pearson_chi2 / fit.df_resid) if fit.df_resid > 0 else np.nan}
    if persons is not None:
        cov, n_clusters = event_clustered_cov(data, covariates, fit.mu, persons, count=count, cluster=cluster,
                                              small_sample=small_sample)
        se = np.sqrt(np.diag(cov))
        z = stats.norm.ppf(1 - alpha / 2)
        slopes = coefs["term"] != "const"
        b = coefs.loc[slopes, "coef"].to_numpy()
        coefs["se_cluster"] = np.nan
        coefs.loc[slopes, "se_cluster"] = se
        coefs["p_cluster"] = np.nan
        coefs.loc[slopes, "p_cluster"] = 2 * stats.norm.sf(np.abs(b / se))
        coefs["rr_low_cluster"] = np.exp(coefs["coef"] - z * coefs["se_cluster"])
        coefs["rr_high_cluster"] = np.exp(coefs["coef"] + z * coefs["se_cluster"])
        info["n_clusters"] = n_clusters
    return ModelResult(coefs, info)


def cluster_ids(persons: pd.DataFrame, cluster: str = "event_id") -> pd.Series:
    """Lethal-event id of each person; a death linked to no event is its own cluster (`solo:<victim_id>`)."""
    solo = "solo:" + persons["victim_id"].astype(str)
    return persons[cluster].astype("string").where(~blank(persons[cluster]), solo).astype(str)


def event_clustered_cov(data: pd.DataFrame, covariates, mu, persons: pd.DataFrame, *, count: str = "deaths",
                        cluster: str = "event_id", small_sample: bool = True):
    """Sandwich covariance of the slopes with person-level scores summed within lethal events.

    Conditioning on the total number of deaths N, each person's department is a draw with probability
    pi_d = mu_d / N, and the Poisson slopes are the maximum-likelihood estimates of that multinomial model.
    Person i contributes the score u_i = x_{d(i)} - xbar (xbar = sum pi_d x_d). Bread B = sum mu_d (x_d - xbar)
    (x_d - xbar)' (the model-based information); meat M = sum over events g of (sum_{i in g} u_i)(...)'.
    V = B^-1 M B^-1, times G/(G-1) if `small_sample` (G = number of clusters). With one person per event and a
    saturated two-group model this equals the naive variance; large events inflate it.
    """
    Xs = data[list(covariates)].astype(float).to_numpy()
    mu = np.asarray(mu, dtype=float)
    deaths = persons.groupby("ubigeo_dep").size().reindex(data["ubigeo_dep"]).fillna(0).to_numpy()
    if not np.array_equal(deaths, data[count].to_numpy(dtype=float)):
        raise ValueError("persons do not reproduce the death counts of the model table (same selection needed)")
    pi = mu / mu.sum()
    xbar = pi @ Xs
    centred = Xs - xbar
    bread = (centred * mu[:, None]).T @ centred
    row = pd.Series(np.arange(len(data)), index=data["ubigeo_dep"].to_numpy())
    u = centred[row.loc[persons["ubigeo_dep"].to_numpy()].to_numpy()]
    groups = cluster_ids(persons, cluster).to_numpy()
    scores = pd.DataFrame(u).groupby(groups, sort=True).sum().to_numpy()
    meat = scores.T @ scores
    G = scores.shape[0]
    binv = np.linalg.inv(bread)
    cov = binv @ meat @ binv
    if small_sample and G > 1:
        cov *= G / (G - 1)
    return cov, int(G)


def negbin_glm(data: pd.DataFrame, covariates, *, count: str = "deaths", exposure: str = "population",
               alpha: float = 0.05) -> ModelResult:
    """Negative binomial (NB2: var = mu + a mu^2) with log(population) offset; a estimated by maximum likelihood.

    The extra variance a mu^2 absorbs the clumping of deaths into a few departments (and events).
    """
    y, X, offset = _design(data, covariates, count, exposure)
    nb = NegativeBinomial(y, X, offset=offset, loglike_method="nb2")
    for method in ("bfgs", "newton", "nm"):  # quasi-Newton first; the others only if it fails to converge
        fit = nb.fit(disp=0, maxiter=5000, method=method)
        if fit.mle_retvals.get("converged", False):
            break
    else:
        raise RuntimeError("negative binomial fit did not converge (bfgs, newton, nm)")
    params, se, p = fit.params.drop("alpha"), fit.bse.drop("alpha"), fit.pvalues.drop("alpha")
    info = {"model": "negbin", "n_departments": int(len(y)), "deaths": int(y.sum()),
            "nb_alpha": float(fit.params["alpha"]), "llf": float(fit.llf), "optimizer": method}
    return ModelResult(_tidy(params, se, p, alpha), info)


def fit_model(kind: str, data: pd.DataFrame, covariates, **kw) -> ModelResult:
    """Dispatch on the notebook parameter `model` ("poisson" or "negbin")."""
    if kind == "poisson":
        return poisson_glm(data, covariates, **kw)
    if kind == "negbin":
        kw.pop("persons", None)
        kw.pop("small_sample", None)
        return negbin_glm(data, covariates, **kw)
    raise ValueError(f"model must be 'poisson' or 'negbin', got {kind!r}")


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
