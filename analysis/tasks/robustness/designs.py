"""What the sweep analyses: the register's persons (Inputs), the persons of one selection as a lethal-event x
department matrix (Counts), the department sets of one ethnic definition (Definition) and the 0/1 contrasts built
from them (analysis.stats.clustered.Design), one for the grid and one for each missing-data edge.
"""
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.register import scope as S
from analysis.stats import clustered as C
from analysis.stats import ethnic as E
from analysis.tasks.robustness.grid import CAPITAL


# ---- inputs ------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Inputs:
    """What the sweep reads: the register's persons, departments and events."""
    victims: pd.DataFrame
    departments: pd.DataFrame
    events: pd.DataFrame


def load_inputs(processed_dir=None) -> Inputs:
    """The register's victims, departments and events (analysis.register.scope.load_register). The departments
    table already carries every published census part the ethnic classification uses."""
    register = S.load_register(Path(processed_dir) if processed_dir else None)
    return Inputs(register["victims"], register["departments"].reset_index(drop=True), register["events"])


def contexts_of(deaths: str) -> tuple:
    """The contexts a `deaths` choice counts: clashes only, or every context."""
    return ("clash",) if deaths == "clash" else tuple(E.CONTEXTS)


def scope_of(choice: dict) -> S.Scope:
    """Who counts under one choice of SELECTION_DIMS, as the suite's one Scope (selected by scope.select): deaths
    of the chosen contexts dated (date of death) on or before the cut-off, the certain or the possible persons, the
    chosen event's persons excluded."""
    event = choice["exclude_event"]
    return S.Scope(contexts=contexts_of(choice["deaths"]), start=None, end=choice["cutoff"], date_field="death",
                   policy=choice["date_policy"], exclude_events=() if event == "none" else (event,))


# ---- designs -----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Counts:
    """The persons of one selection as a lethal-event x department matrix (all departments, table order), plus the
    persons with no department per event. Rows: the sorted event keys of clustered.event_clusters."""
    labels: tuple
    full: np.ndarray         # G x D persons with a department
    no_department: np.ndarray  # G persons with no department
    n_persons: int


def selection_counts(victims: pd.DataFrame, codes, choice: dict) -> Counts:
    """The Counts of one choice of SELECTION_DIMS."""
    persons = S.select(victims, scope_of(choice)).count
    keys = C.event_clusters(persons).to_numpy() if len(persons) else np.array([], dtype=object)
    dep = persons["ubigeo_dep"].astype("string").str.strip().fillna("")
    codes = list(codes)
    stray = sorted(set(dep[dep != ""]) - set(codes))
    if stray:
        raise ValueError(f"persons in department(s) {stray} that the departments table lacks")
    labels, row = np.unique(keys.astype(str), return_inverse=True) if len(keys) else (np.array([]), np.array([]))
    col = pd.Index(codes).get_indexer(dep.to_numpy())
    full = np.zeros((len(labels), len(codes)), dtype=np.int64)
    known = col >= 0
    np.add.at(full, (row[known], col[known]), 1)
    nodep = np.bincount(row[~known], minlength=len(labels)).astype(np.int64) if len(labels) else np.zeros(0, int)
    return Counts(tuple(labels), full, nodep, int(len(persons)))


def contrast(counts: Counts, population: np.ndarray, codes, group, reference, *, no_department: str | None = None,
             ) -> C.Design:
    """0/1 Design of `group` (x = 1) against `reference` (x = 0) from a selection's Counts: the same design as
    clustered.contrast_design on the same persons (departments in table order, events with a death in them).
    no_department: None leaves the persons with no department out (n_unknown_department); "group" or
    "reference" counts them in that side (in its most populous department)."""
    codes = list(codes)
    group, reference = set(map(str, group)), set(map(str, reference))
    keep = np.array([c in group or c in reference for c in codes])
    sub = counts.full[:, keep].copy()
    sub_codes = [c for c, k in zip(codes, keep) if k]
    x = np.array([1.0 if c in group else 0.0 for c in sub_codes])
    pop = population[keep]
    n_unknown = int(counts.no_department.sum())
    if no_department is not None and n_unknown:
        side = 1.0 if no_department == "group" else 0.0
        target = int(np.flatnonzero(x == side)[np.argmax(pop[x == side])])
        sub[:, target] += counts.no_department
        n_unknown = 0
    rows = sub.sum(axis=1) > 0
    return C.make_design(sub[rows], pop, x, None, departments=tuple(sub_codes),
                         clusters=tuple(np.asarray(counts.labels, dtype=object)[rows]), covariate="group",
                         n_unknown_department=n_unknown)


@dataclass(frozen=True)
class Definition:
    """The department sets of one ethnic definition (measure, threshold)."""
    majority: tuple
    not_majority: tuple
    unknown: tuple


def ethnic_definition(departments: pd.DataFrame, measure: str, threshold: float) -> Definition:
    """The departments majority-Indigenous, not, and of unknown status under one measure and threshold."""
    return ethnic_definitions(departments, [(measure, threshold)])[(measure, threshold)]


def ethnic_definitions(departments: pd.DataFrame, pairs) -> dict:
    """{(measure, threshold): Definition} for each pair. The departments are classified once per measure: the
    share bounds do not depend on the threshold, only the cut does (ethnic.majority_status)."""
    classified, out = {}, {}
    for measure, threshold in pairs:
        if measure not in classified:
            classified[measure] = E.classify_departments(departments, measure, threshold)
        cls = classified[measure]
        status, codes = E.majority_status(cls, threshold), cls["ubigeo_dep"].astype(str)
        out[(measure, threshold)] = Definition(*(tuple(codes[status == s])
                                                 for s in ("majority", "not_majority", "unknown")))
    return out


def designs_for(finding: str, counts: Counts, population, codes, definition: Definition | None = None) -> dict:
    """{"grid": Design, <edge>: Design for each of BOUNDS[finding]} of one selection (and ethnic definition).
    A design that cannot be built (no death in scope, one side empty) is the error text instead."""
    codes = list(codes)
    if finding == "ethnic":
        d = definition
        plan = {"grid": (d.majority, d.not_majority, None),
                "unknown_outside": (d.majority, d.not_majority + d.unknown, "reference"),
                "unknown_inside": (d.majority + d.unknown, d.not_majority, "group")}
    else:
        regions = tuple(c for c in codes if c not in CAPITAL)
        plan = {"grid": (regions, CAPITAL, None),
                "no_department_capital": (regions, CAPITAL, "reference"),
                "no_department_regions": (regions, CAPITAL, "group")}
    out = {}
    for name, (group, reference, nodep) in plan.items():
        try:
            if not group or not reference:
                raise ValueError("one side of the contrast holds no department")
            out[name] = contrast(counts, population, codes, group, reference, no_department=nodep)
        except ValueError as err:
            out[name] = f"not estimable: {err}"
    return out
