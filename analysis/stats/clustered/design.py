"""The model frame of the cluster-aware analyses: persons per (lethal event x department), population,
covariate and adjusters (`Design`), built from the register (`design_from_register`, `contrast_design`)."""
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.stats.rates import blank

REFERENCES = {"rest": None, "Lima": ("15",), "Lima+Callao": ("15", "07")}


@dataclass(frozen=True)
class Design:
    """Persons per (cluster, department) and the department covariates of one rate-ratio question.

    counts: G x D non-negative integers (row = lethal event, column = department); population: D; x: D target
    covariate; Z: D x q adjusters (q may be 0). Labels are for reporting only.
    """
    counts: np.ndarray
    population: np.ndarray
    x: np.ndarray
    Z: np.ndarray
    departments: tuple = ()
    clusters: tuple = ()
    covariate: str = "x"
    adjust: tuple = ()
    n_unknown_department: int = 0

    @property
    def y(self) -> np.ndarray:
        return self.counts.sum(axis=0).astype(float)

    @property
    def sizes(self) -> np.ndarray:
        return self.counts.sum(axis=1).astype(float)

    @property
    def G(self) -> int:
        return int(self.counts.shape[0])

    @property
    def D(self) -> int:
        return int(self.counts.shape[1])

    @property
    def N(self) -> int:
        return int(self.counts.sum())

    @property
    def offset(self) -> np.ndarray:
        return np.log(self.population)

    @property
    def X(self) -> np.ndarray:
        """Constant, target covariate, adjusters (in that order)."""
        return np.column_stack([np.ones(self.D), self.x, self.Z])

    def key(self) -> tuple:
        """Hashable content of the design: equal keys give equal results (memoise a sweep on it)."""
        return (self.counts.shape, self.counts.tobytes(), self.population.tobytes(), self.x.tobytes(),
                self.Z.tobytes())

    @property
    def binary(self) -> bool:
        return set(np.unique(self.x)) == {0.0, 1.0}


def make_design(counts, population, x, Z=None, *, departments=(), clusters=(), covariate: str = "x",
                adjust=(), n_unknown_department: int = 0) -> Design:
    """Validated Design from arrays (see Design). Refuses negative or fractional counts, a cluster without deaths,
    fewer than 2 clusters, non-positive populations and a covariate that does not vary."""
    counts = np.asarray(counts, dtype=float)
    if counts.ndim != 2:
        raise ValueError(f"counts must be a clusters x departments matrix, got {counts.ndim} dimension(s)")
    if counts.size == 0 or counts.sum() == 0:
        raise ValueError("no deaths in scope: no lethal event to analyse")
    if (counts < 0).any():
        g, d = np.argwhere(counts < 0)[0]
        raise ValueError(f"negative count {counts[g, d]:g} (cluster {g}, department {d}): counts must be >= 0")
    if (counts != np.round(counts)).any():
        raise ValueError("counts must be whole numbers of persons")
    empty = np.flatnonzero(counts.sum(axis=1) == 0)
    if empty.size:
        raise ValueError(f"cluster {int(empty[0])} has no deaths: every lethal event holds at least one person")
    G, D = counts.shape
    if G < 2:
        raise ValueError(f"G = {G} lethal event(s): cluster-aware inference needs at least 2")
    population = np.asarray(population, dtype=float)
    x = np.asarray(x, dtype=float)
    Z = np.zeros((D, 0)) if Z is None else np.asarray(Z, dtype=float).reshape(D, -1)
    for name, arr in (("population", population), ("x", x)):
        if arr.shape != (D,):
            raise ValueError(f"{name} must have one value per department ({D}), got shape {arr.shape}")
    if not (np.isfinite(population).all() and (population > 0).all()):
        raise ValueError("population must be positive and finite for every department")
    if not (np.isfinite(x).all() and np.isfinite(Z).all()):
        raise ValueError(f"covariate {covariate!r} or an adjuster is missing (NaN) for some department")
    if np.ptp(x) == 0:
        raise ValueError(f"covariate {covariate!r} takes one value in every department: no contrast to estimate")
    if np.linalg.matrix_rank(np.column_stack([np.ones(D), x, Z])) < 2 + Z.shape[1]:
        raise ValueError("the covariate and adjusters are collinear (with the constant): the model is not identified")
    return Design(counts.astype(np.int64), population, x, Z, tuple(departments), tuple(clusters), covariate,
                  tuple(adjust), int(n_unknown_department))


def event_clusters(persons: pd.DataFrame) -> pd.Series:
    """Lethal-event key of each person: the register's event_id; a death in no listed event is its own
    department-day event (`day:<ubigeo_dep>:<date>`, date of death or an exact date interval); with no department
    or no single date, the person is their own event (`person:<victim_id>`)."""
    date = persons["date_death"].astype("string") if "date_death" in persons else pd.Series(pd.NA, index=persons.index)
    if {"date_death_min", "date_death_max"} <= set(persons.columns):
        same = persons["date_death_min"].astype("string") == persons["date_death_max"].astype("string")
        date = date.fillna(persons["date_death_min"].astype("string").where(same.fillna(False)))
    dep = persons["ubigeo_dep"].astype("string")
    day = "day:" + dep + ":" + date
    solo = "person:" + persons["victim_id"].astype(str)
    key = persons["event_id"].astype("string").where(~blank(persons["event_id"]))
    return key.fillna(day.where(~blank(dep) & ~blank(date))).fillna(solo).astype(str)


def _department_column(departments: pd.DataFrame, column: str) -> np.ndarray:
    if column not in departments.columns:
        raise KeyError(f"departments table has no column {column!r}")
    return pd.to_numeric(departments[column], errors="coerce").to_numpy(dtype=float)


def design_from_register(persons: pd.DataFrame, departments: pd.DataFrame, covariate: str, *, adjust=(),
                         population_col: str = "pop_census_2017_persons", drop_missing: bool = False) -> Design:
    """Design from the persons in scope (scope.select(...).certain) and the departments table.

    Persons with no department are in no department's count (reported as n_unknown_department). A department
    whose covariate or adjuster is missing is an error, unless drop_missing, which leaves it (and its persons) out.
    """
    deps = departments.reset_index(drop=True)
    cols = [covariate, *adjust]
    values = np.column_stack([_department_column(deps, c) for c in cols])
    pop = _department_column(deps, population_col)
    missing = ~np.isfinite(values).all(axis=1)
    if missing.any() and not drop_missing:
        names = ", ".join(deps.loc[missing, "department"].astype(str))
        raise ValueError(f"covariate(s) {cols} missing for {int(missing.sum())} department(s): {names}; "
                         "nothing is imputed (pass drop_missing=True to leave them out)")
    deps, values, pop = deps.loc[~missing].reset_index(drop=True), values[~missing], pop[~missing]
    codes = deps["ubigeo_dep"].astype(str).to_numpy()
    return _design_for_codes(persons, codes, pop, values[:, 0], values[:, 1:], covariate, tuple(adjust))


def _design_for_codes(persons, codes, pop, x, Z, covariate, adjust) -> Design:
    dep = persons["ubigeo_dep"].astype("string")
    known = ~blank(dep)
    inside = dep.isin(list(codes)).fillna(False).to_numpy() & known.to_numpy()
    keys = event_clusters(persons).to_numpy()[inside]
    col = pd.Index(codes).get_indexer(dep.to_numpy()[inside])
    labels, row = np.unique(keys, return_inverse=True)
    counts = np.zeros((len(labels), len(codes)), dtype=np.int64)
    np.add.at(counts, (row, col), 1)
    return make_design(counts, pop, x, Z, departments=tuple(codes), clusters=tuple(labels), covariate=covariate,
                       adjust=adjust, n_unknown_department=int((~known).sum()))


def reference_codes(reference: str, group, all_codes) -> list:
    """Departments compared with `group`: "rest" (every other department, the default), "Lima" or "Lima+Callao"."""
    if reference not in REFERENCES:
        raise ValueError(f"reference must be one of {list(REFERENCES)}, got {reference!r}")
    group, all_codes = set(map(str, group)), [str(c) for c in all_codes]
    codes = [c for c in all_codes if c not in group] if REFERENCES[reference] is None else list(REFERENCES[reference])
    overlap = sorted(set(codes) & group)
    if overlap:
        raise ValueError(f"reference {reference!r} overlaps the group ({overlap}): choose another reference")
    return codes


def contrast_design(persons: pd.DataFrame, departments: pd.DataFrame, group, *, reference: str = "rest",
                    within=None, population_col: str = "pop_census_2017_persons") -> Design:
    """0/1 Design: departments of `group` (x = 1) against the reference departments (x = 0); others left out.
    `within` restricts both sides (e.g. to the departments whose status is known)."""
    deps = departments.reset_index(drop=True)
    all_codes = deps["ubigeo_dep"].astype(str).tolist()
    if within is not None:
        all_codes = [c for c in all_codes if c in set(map(str, within))]
    group = [c for c in map(str, group) if c in all_codes]
    if not group:
        raise ValueError("the group holds no department of the table")
    ref = reference_codes(reference, group, all_codes)
    keep = deps["ubigeo_dep"].astype(str).isin(group + ref).to_numpy()
    sub = deps.loc[keep].reset_index(drop=True)
    codes = sub["ubigeo_dep"].astype(str).to_numpy()
    x = np.isin(codes, group).astype(float)
    return _design_for_codes(persons, codes, _department_column(sub, population_col), x, np.zeros((len(codes), 0)),
                             "group", ())
