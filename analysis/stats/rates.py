"""Death rates per department and exact rate ratios (small counts: no normal approximations).

Unit of analysis is the person killed. Who counts is an `analysis.register.scope.Scope` (contexts, window, date policy,
excluded events) applied by `scope.select`, the one selector; the certain and the possible persons are both kept,
and `DepartmentRates.counts` accounts for every register person left out, so nothing is dropped silently.
"""
from dataclasses import dataclass

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests

from analysis.register.scope import Scope, Selection, select
from analysis.stats.exact import binom_ci, binom_test, poisson_ci

PER = 100_000
LIMA = "15"


@dataclass(frozen=True)
class DepartmentRates:
    """One row per department (all departments, zero deaths included) plus the deaths that have no department.

    table.deaths counts the scope's policy set (certain persons by default); deaths_certain and deaths_possible
    bound it (certain <= deaths <= possible)."""

    table: pd.DataFrame
    selection: Selection
    n_register: int

    @property
    def persons(self) -> pd.DataFrame:
        """The counted persons (the policy's set)."""
        return self.selection.count

    @property
    def unknown_department(self) -> pd.DataFrame:
        """Counted persons whose department is unknown (in the national total, in no department's rate)."""
        return self.persons.loc[blank(self.persons["ubigeo_dep"])]

    @property
    def n_unknown_department(self) -> int:
        return len(self.unknown_department)

    @property
    def counts(self) -> dict:
        """Where every register person went: n_in = excluded_context + excluded_event + outside + possible."""
        sel = self.selection
        in_context = len(sel.possible) + len(sel.outside) + len(sel.excluded_event)
        return {"n_in": self.n_register, "excluded_context": self.n_register - in_context,
                "excluded_event": len(sel.excluded_event), "outside_window": len(sel.outside),
                "certain": len(sel.certain), "possible": len(sel.possible), "uncertain": len(sel.uncertain),
                "n_selected": len(sel.count)}


def blank(s: pd.Series) -> pd.Series:
    """True where a code (department, event) is missing or blank."""
    return s.isna() | (s.astype("string").str.strip() == "")


def _population(departments: pd.DataFrame, population_col: str) -> pd.Series:
    if population_col not in departments.columns:
        raise KeyError(f"departments table has no column {population_col!r}")
    pop = pd.to_numeric(departments[population_col], errors="coerce")
    missing = departments.loc[pop.isna() | (pop <= 0), "department"].tolist()
    if missing:
        raise ValueError(f"population column {population_col!r} has no positive value for {len(missing)} "
                         f"department(s): {', '.join(map(str, missing))}; choose a complete population column")
    return pop


def department_rates(victims: pd.DataFrame, departments: pd.DataFrame, scope: Scope, *,
                     population_col: str = "pop_census_2017_persons", alpha: float = 0.05) -> DepartmentRates:
    """Deaths (persons of `scope`), population and rate per 100,000 with the exact (Garwood) Poisson interval, per
    department; deaths_certain / deaths_possible are the same count over the certain and the possible persons."""
    sel = select(victims, scope)
    pop = _population(departments, population_col)
    table = pd.DataFrame({
        "ubigeo_dep": departments["ubigeo_dep"].astype(str).to_numpy(),
        "department": departments["department"].to_numpy(),
        "population": pop.astype("int64").to_numpy(),
    })
    for col, persons in (("deaths", sel.count), ("deaths_certain", sel.certain), ("deaths_possible", sel.possible)):
        table[col] = table["ubigeo_dep"].map(_per_department(persons, table["ubigeo_dep"])).fillna(0).astype("int64")
    table = add_rate(table, "deaths", alpha)
    table = table.sort_values("ubigeo_dep", kind="stable").reset_index(drop=True)
    return DepartmentRates(table, sel, len(victims))


def _per_department(persons: pd.DataFrame, codes: pd.Series) -> pd.Series:
    known = persons.loc[~blank(persons["ubigeo_dep"]), "ubigeo_dep"].astype(str)
    stray = sorted(set(known) - set(codes))
    if stray:
        raise ValueError(f"victims carry department codes absent from the departments table: {stray}")
    return known.value_counts()


def rate(k: int, population: float, alpha: float = 0.05, per: int = PER) -> dict:
    """Rate per `per` (100,000) inhabitants of `k` deaths with the exact (Garwood) Poisson interval: the one
    implementation of the rate; add_rate applies it to every row of a table."""
    lo, hi = poisson_ci(int(k), alpha)
    return {"rate": k / population * per, "rate_low": lo / population * per, "rate_high": hi / population * per}


def add_rate(table: pd.DataFrame, count_col: str = "deaths", alpha: float = 0.05, per: int = PER,
             prefix: str = "rate", population_col: str = "population") -> pd.DataFrame:
    """`table` plus the columns <prefix>, <prefix>_low, <prefix>_high: `rate` of each row's `count_col` over its
    `population_col`."""
    out = table.copy()
    rows = [rate(k, p, alpha, per) for k, p in zip(out[count_col], out[population_col])]
    for col in ("rate", "rate_low", "rate_high"):
        out[prefix + col.removeprefix("rate")] = [r[col] for r in rows]
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


REFERENCES = ("rest", "Lima", "Lima+Callao")
CALLAO = "07"


def reference_departments(table: pd.DataFrame, reference: str) -> tuple[list[str], str]:
    """(department codes pooled as the reference, label) for "Lima" (15), "Lima+Callao" (15 and 07) or a 2-digit
    department code; "rest" has no fixed codes (each department against all the others): ([], label)."""
    codes = set(table["ubigeo_dep"])
    if reference == "rest":
        return [], "rest of the country"
    ref = {"Lima": [LIMA], "Lima+Callao": [LIMA, CALLAO]}.get(reference, [reference])
    if not set(ref) <= codes:
        raise ValueError(f"reference {reference!r} is neither one of {list(REFERENCES)} nor a department code in "
                         "the table")
    names = table.set_index("ubigeo_dep").loc[ref, "department"].astype(str).tolist()
    return ref, " + ".join(names)


def rate_ratios(table: pd.DataFrame, reference: str = "rest", alpha: float = 0.05) -> pd.DataFrame:
    """Rate ratio of every department against a reference (person level: exact conditional test).

    reference: "rest" (each department against the rest of the country, i.e. all other departments pooled; the
    default), "Lima" (department 15), "Lima+Callao" (15 and 07 pooled) or any 2-digit department code. The reference
    departments get no row. p_holm: Holm-adjusted p-values over the departments compared (family-wise error).
    These p-values treat every person as an independent draw: descriptive, never a headline (persons die in events).
    """
    ref, label = reference_departments(table, reference)
    total_k, total_pop = int(table["deaths"].sum()), float(table["population"].sum())
    pooled = table[table["ubigeo_dep"].isin(ref)]
    rows = []
    for r in table.itertuples(index=False):
        if r.ubigeo_dep in ref:
            continue
        if reference == "rest":
            k0, pop0 = total_k - r.deaths, total_pop - r.population
        else:
            k0, pop0 = int(pooled["deaths"].sum()), float(pooled["population"].sum())
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
    return {"deaths": k, "population": int(pop), **rate(k, pop, alpha)}


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
