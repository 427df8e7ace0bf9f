"""Death rates per department and exact rate ratios (small counts: no normal approximations).

Unit of analysis is the person killed. Which deaths count is a specification (contexts, cut-off date);
every person left out is counted in `Selection.counts` so that nothing is dropped silently.
"""
from dataclasses import dataclass

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests

from ..errors import RawDataError, data_row
from .exact import binom_ci, binom_test, poisson_ci

PER = 100_000
LIMA = "15"
UNKNOWN_DEP = "unknown"


@dataclass(frozen=True)
class Selection:
    """Persons counted under one specification, and how many were left out and why."""

    persons: pd.DataFrame
    counts: dict  # n_in, excluded_context, excluded_after_cutoff, excluded_date_unknown, n_selected, date_unknown


@dataclass(frozen=True)
class DepartmentRates:
    """One row per department (all departments, zero deaths included) plus the deaths that have no department."""

    table: pd.DataFrame
    selection: Selection
    unknown_department: pd.DataFrame  # selected persons whose department is unknown

    @property
    def n_unknown_department(self) -> int:
        return len(self.unknown_department)


def _blank(s: pd.Series) -> pd.Series:
    return s.isna() | (s.astype("string").str.strip() == "")


def select_deaths(victims: pd.DataFrame, *, contexts, cutoff: str, keep_undated: bool = True) -> Selection:
    """Persons whose context is in `contexts` and whose date of death is on or before `cutoff` (ISO date).

    A death with no known date cannot be placed before or after the cut-off. By default it is kept (the register
    covers the crisis only, and dropping it would shrink every count; notebook 02 does the same) and counted in
    `date_unknown`; with keep_undated=False it is excluded and counted in `excluded_date_unknown`.
    """
    contexts = list(contexts)
    if not contexts:
        raise ValueError("contexts must name at least one context")
    cutoff_ts = pd.Timestamp(cutoff)
    in_context = victims["context"].isin(contexts)
    date_unknown = _blank(victims["date_death"])
    dates = _parse_dates(victims, "date_death", date_unknown)
    after = ~date_unknown & (dates > cutoff_ts)
    keep = in_context & ~after & (~date_unknown | keep_undated)
    counts = {
        "n_in": int(len(victims)),
        "excluded_context": int((~in_context).sum()),
        "excluded_after_cutoff": int((in_context & after).sum()),
        "excluded_date_unknown": 0 if keep_undated else int((in_context & date_unknown).sum()),
        "n_selected": int(keep.sum()),
        "date_unknown": int((keep & date_unknown).sum()) if keep_undated else 0,
    }
    return Selection(victims.loc[keep].copy(), counts)


def _parse_dates(victims: pd.DataFrame, col: str, blank: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(victims[col]):
        return victims[col]
    dates = pd.to_datetime(victims[col].where(~blank), format="%Y-%m-%d", errors="coerce")
    bad = np.flatnonzero((~blank & dates.isna()).to_numpy())
    if len(bad):
        i = int(bad[0])
        raise RawDataError("victims", data_row(i), col,
                           f"{victims[col].iloc[i]!r} is not an ISO date (YYYY-MM-DD); {len(bad)} such value(s)")
    return dates


def _population(departments: pd.DataFrame, population_col: str) -> pd.Series:
    if population_col not in departments.columns:
        raise KeyError(f"departments table has no column {population_col!r}")
    pop = pd.to_numeric(departments[population_col], errors="coerce")
    missing = departments.loc[pop.isna() | (pop <= 0), "department"].tolist()
    if missing:
        raise ValueError(f"population column {population_col!r} has no positive value for {len(missing)} "
                         f"department(s): {', '.join(map(str, missing))}; choose a complete population column")
    return pop


def department_rates(victims: pd.DataFrame, departments: pd.DataFrame, *, contexts, cutoff: str,
                     population_col: str = "pop_census_2017_persons", keep_undated: bool = True,
                     alpha: float = 0.05) -> DepartmentRates:
    """Deaths (persons), population and rate per 100,000 with the exact (Garwood) Poisson interval, per department."""
    sel = select_deaths(victims, contexts=contexts, cutoff=cutoff, keep_undated=keep_undated)
    pop = _population(departments, population_col)
    known = ~_blank(sel.persons["ubigeo_dep"])
    unknown_codes = set(sel.persons.loc[known, "ubigeo_dep"]) - set(departments["ubigeo_dep"])
    if unknown_codes:
        raise ValueError(f"victims carry department codes absent from the departments table: {sorted(unknown_codes)}")
    deaths = sel.persons.loc[known].groupby("ubigeo_dep").size()
    table = pd.DataFrame({
        "ubigeo_dep": departments["ubigeo_dep"].astype(str).to_numpy(),
        "department": departments["department"].to_numpy(),
        "population": pop.astype("int64").to_numpy(),
    })
    table["deaths"] = table["ubigeo_dep"].map(deaths).fillna(0).astype("int64")
    table = _add_rate(table, "deaths", alpha)
    table = table.sort_values("ubigeo_dep", kind="stable").reset_index(drop=True)
    return DepartmentRates(table, sel, sel.persons.loc[~known].copy())


def _add_rate(table: pd.DataFrame, count_col: str, alpha: float, per: int = PER, prefix: str = "rate") -> pd.DataFrame:
    out = table.copy()
    ci = [poisson_ci(int(k), alpha) for k in out[count_col]]
    out[prefix] = out[count_col] / out["population"] * per
    out[f"{prefix}_low"] = [lo / p * per for (lo, _), p in zip(ci, out["population"])]
    out[f"{prefix}_high"] = [hi / p * per for (_, hi), p in zip(ci, out["population"])]
    return out


def rate_ratio(k1: int, pop1: float, k0: int, pop0: float, alpha: float = 0.05) -> dict:
    """Rate ratio (k1/pop1)/(k0/pop0) with the exact conditional test and interval.

    Given n = k1 + k0 deaths, k1 ~ Bin(n, pi) with pi = pop1*RR / (pop1*RR + pop0); RR = 1 gives
    pi0 = pop1 / (pop1 + pop0). The Clopper–Pearson interval for pi maps to the RR scale through the
    monotone RR = pi/(1 - pi) * pop0/pop1, so the interval is exact (at least nominal coverage).
    """
    for name, k in (("k1", k1), ("k0", k0)):
        if k < 0 or int(k) != k:
            raise ValueError(f"{name} must be a non-negative integer count, got {k!r}")
    if pop1 <= 0 or pop0 <= 0:
        raise ValueError(f"populations must be positive, got pop1={pop1}, pop0={pop0}")
    k1, k0, n = int(k1), int(k0), int(k1) + int(k0)
    scale = pop0 / pop1
    if n == 0:
        return {"rr": np.nan, "rr_low": 0.0, "rr_high": np.inf, "p_value": 1.0, "n": 0, "method": _RR_METHOD}
    lo, hi = binom_ci(k1, n, alpha)
    return {
        "rr": _odds(k1 / n) * scale,
        "rr_low": _odds(lo) * scale,
        "rr_high": _odds(hi) * scale,
        "p_value": binom_test(k1, n, pop1 / (pop1 + pop0)),
        "n": n,
        "method": _RR_METHOD,
    }


_RR_METHOD = "exact conditional (binomial) test; Clopper-Pearson interval mapped to the rate-ratio scale"


def _odds(p: float) -> float:
    return np.inf if p >= 1 else p / (1 - p)


def rate_ratios(table: pd.DataFrame, reference: str = "Lima", alpha: float = 0.05) -> pd.DataFrame:
    """Rate ratio of every department against a reference.

    reference: "Lima" (department 15), "rest" (each department against the rest of the country, i.e. all
    other departments pooled) or any 2-digit department code. The reference department itself gets no row.
    p_holm: Holm-adjusted p-values over the departments compared (family-wise error).
    """
    code = LIMA if reference == "Lima" else reference
    if code != "rest" and code not in set(table["ubigeo_dep"]):
        raise ValueError(f"reference {reference!r} is neither 'Lima', 'rest' nor a department code in the table")
    total_k, total_pop = int(table["deaths"].sum()), float(table["population"].sum())
    rows = []
    for r in table.itertuples(index=False):
        if r.ubigeo_dep == code:
            continue
        if code == "rest":
            k0, pop0, label = total_k - r.deaths, total_pop - r.population, "rest of the country"
        else:
            ref = table.loc[table["ubigeo_dep"] == code].iloc[0]
            k0, pop0, label = int(ref["deaths"]), float(ref["population"]), str(ref["department"])
        res = rate_ratio(int(r.deaths), float(r.population), k0, pop0, alpha)
        rows.append({"ubigeo_dep": r.ubigeo_dep, "department": r.department, "deaths": int(r.deaths),
                     "population": int(r.population), "reference": label, "ref_deaths": k0,
                     "ref_population": int(pop0), **{k: res[k] for k in ("rr", "rr_low", "rr_high", "p_value")}})
    out = pd.DataFrame(rows)
    out["p_holm"] = multipletests(out["p_value"].to_numpy(), method="holm")[1]
    return out.reset_index(drop=True)


def group_rate(table: pd.DataFrame, codes, alpha: float = 0.05) -> dict:
    """Pooled deaths, population and rate per 100,000 (exact interval) of a set of departments."""
    sub = table[table["ubigeo_dep"].isin(list(codes))]
    k, pop = int(sub["deaths"].sum()), float(sub["population"].sum())
    lo, hi = poisson_ci(k, alpha)
    return {"deaths": k, "population": int(pop), "rate": k / pop * PER, "rate_low": lo / pop * PER,
            "rate_high": hi / pop * PER}


def rank_departments(df: pd.DataFrame, by: str) -> pd.DataFrame:
    """Departments with at least one counted death, highest `by` first; ties in department-code order."""
    return df[df["deaths"] > 0].sort_values([by, "ubigeo_dep"], ascending=[False, True])


def within_top_interval(ranked: pd.DataFrame) -> list[str]:
    """Departments (after the first of `ranked`, see rank_departments(table, "rate")) whose rate reaches the lower
    limit of the top department's interval: the order at the top is not established for them."""
    if ranked.empty:
        return []
    top_low = ranked.iloc[0]["rate_low"]
    rest = ranked.iloc[1:]
    return rest.loc[rest["rate"] >= top_low, "department"].tolist()
