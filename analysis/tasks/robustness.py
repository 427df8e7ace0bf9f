"""Multiverse analysis: do the two headline findings survive every defensible analytic choice?

A *specification* is one combination of analytic choices, one per dimension of a small declared grid
(DEFAULT_GRID, overridable by params/sweep.yaml). Each finding has its own grid, the Cartesian product of the
dimensions it uses (FINDING_DIMS):

- ethnic: the death rate of the majority-Indigenous departments against the other departments whose status is
  known (measure, threshold; notebook 04);
- regional: the death rate of the regions (every department but Lima and Callao) against Lima + Callao
  (notebook 03).

Both are 0/1 contrasts of departments (analysis.stats.clustered.contrast_design), and every choice of the
`model` dimension is a defensible inference method from analysis.stats.clustered: the exact sign-flip score test
by lethal event (the reference choice), the exact binomial test on lethal events (clustered.event_share_test), the
wild cluster bootstrap, errors clustered by event with t(G-1), quasi-Poisson, negative binomial (likelihood ratio)
and the randomisation test over departments. A finding *holds* in a specification when its rate ratio is above 1
and that specification's test gives p < alpha. The person-level exact test (every death an independent draw) is
computed beside the grid as a labelled naive reference only.

What is not a choice is not in the grid. Departments whose Indigenous status the published census figures leave
open, and persons whose department is unknown, are missing data: their two edges (all of them inside the group,
all outside) are computed for every specification and reported as bounds beside the grid (BOUNDS), never counted
as specifications.

Speed. The sweep computes each distinct design once (memoised on Design.key(): many specifications share one),
in parallel over worker processes, with each design's methods in one task. For 0/1 contrasts the sign-flip and
wild-bootstrap p-values reduce to event sums in closed form (the same statistics as clustered.sign_flip_p and
clustered.wild_cluster_p, checked against them in the tests); the sign and weight matrices and the department
arrangements are generated once per process and reused across specifications; numpy's BLAS runs on one thread per
worker (the products are small, and extra threads would only compete for the cores). Results do not depend on the
number of workers.

The command `python -m analysis sweep` writes the tables (outputs/tables/robustness*.csv); notebook 08 reads and
presents them.
"""
import argparse
import contextlib
import ctypes
import glob
import hashlib
import itertools
import math
import os
import re
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from analysis import paths
from analysis.register import scope as S
from analysis.io import write_csv_atomic
from analysis.stats import clustered as C
from analysis.stats import ethnic as E
from analysis.stats.exact import binom_ci

CALLAO, LIMA = "07", "15"
CAPITAL = (LIMA, CALLAO)
ALL_CONTEXTS = E.CONTEXTS
EVENT_RULE = re.compile(r"^events>=(\d+)$")  # "events>=5": every event with at least 5 persons in victims.csv
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ALPHA = 0.05
POPULATION = "pop_census_2017_persons"

# Inference methods of the `model` dimension (all defensible: event- or department-level, small-sample valid).
MODELS = ("sign_flip", "event_binomial", "wild_cluster", "cluster_t", "quasi_poisson", "negbin_lr", "randomisation")
NAIVE = "exact_conditional"  # person-level exact test: a labelled naive reference beside the grid, never a choice

# Dimension -> choices, in display order (the first choice of each dimension is its reference choice).
DEFAULT_GRID = {
    "deaths": ["clash", "all"],                  # which deaths count: clashes with security forces, or every context
    "date_policy": ["certain", "possible"],      # count the persons certainly in the window, or possibly in it
    "cutoff": ["2023-03-31", "2023-02-16", "2023-01-31"],  # date of death on or before
    "exclude_event": ["none", "events>=5"],      # drop one mass-casualty event's persons
    "measure": ["selfid", "mothertongue"],       # Indigenous measure (census 2017)
    "threshold": [50.0, 40.0, 60.0],             # "majority" = share above this percentage
    "model": list(MODELS),                       # inference method of the decision
}
SELECTION_DIMS = ("deaths", "date_policy", "cutoff", "exclude_event")
FINDING_DIMS = {"ethnic": (*SELECTION_DIMS, "measure", "threshold", "model"),
                "regional": (*SELECTION_DIMS, "model")}
FINDINGS = tuple(FINDING_DIMS)
SPEC_PREFIX = {"ethnic": "E", "regional": "R"}
VALID = {  # closed sets; cutoff (ISO date), threshold (number) and exclude_event (data-dependent) are checked apart
    "deaths": ("clash", "all"),
    "date_policy": S.POLICIES,
    "measure": tuple(sorted(E.MEASURES)),
    "model": MODELS,
}
NOT_CHOICES = {
    "unknown_units": "departments whose Indigenous status is unknown are missing data, not an analytic choice: "
                     "their two edges are reported as bounds beside the grid (robustness_bounds.csv)",
    "undated": "the date policy (certain / possible persons) replaced it",
}

# Missing-data edges reported beside the grid: finding -> (edge, meaning), lower edge first.
BOUNDS = {
    "ethnic": (("unknown_outside", "every department of unknown status, and every death with no department, "
                                   "counted as not majority-Indigenous"),
               ("unknown_inside", "every department of unknown status, and every death with no department, "
                                  "counted as majority-Indigenous")),
    "regional": (("no_department_capital", "every death with no department counted in Lima + Callao"),
                 ("no_department_regions", "every death with no department counted in the regions")),
}

FINDING_MEANING = {
    "ethnic": "death rate of the majority-Indigenous departments against the other departments of known status",
    "regional": "death rate of the regions (every department but Lima and Callao) against Lima + Callao",
}
HOLDS_RULE = "rate ratio above 1 and p < alpha under the specification's inference method (two-sided)"

DIMENSION_LABELS = {"deaths": "deaths counted", "date_policy": "date policy", "cutoff": "cut-off",
                    "exclude_event": "event left out", "measure": "Indigenous measure",
                    "threshold": "majority threshold", "model": "inference method"}
DIMENSION_MEANING = {
    "deaths": "which deaths count: clashes with security forces only, or every context (blockades, the police "
              "officer, ...)",
    "date_policy": "count the persons whose date of death certainly lies on or before the cut-off, or also those "
                   "whose date interval only possibly does",
    "cutoff": "deaths on or before this date",
    "exclude_event": "leave out every person killed in one mass-casualty event (each event with at least 5 deaths "
                     "in turn)",
    "measure": "what makes a department Indigenous: ethnic self-identification or mother tongue (census 2017)",
    "threshold": "a department is majority-Indigenous when its share is above this percentage",
    "model": "how the decision is tested: at the level of lethal events or departments, never persons",
}
MODEL_LABELS = {
    "sign_flip": "sign-flip score test by event",
    "event_binomial": "exact binomial test on lethal events",
    "wild_cluster": "wild cluster bootstrap by event",
    "cluster_t": "errors clustered by event, t(G-1)",
    "quasi_poisson": "quasi-Poisson, t(D-2)",
    "negbin_lr": "negative binomial, likelihood ratio",
    "randomisation": "randomisation over departments",
    NAIVE: "person-level exact test (naive)",
}
MODEL_MEANING = {
    "sign_flip": "exact: flips the sign of each lethal event's contribution (every one of the 2^G ways when G <= "
                 "16); interval by test inversion",
    "event_binomial": "exact: lethal events in the group against its population share (each event placed in the "
                      "department of most of its dead); estimate and interval are for the rate of lethal events",
    "wild_cluster": "resamples whole events with random weights under the null (Rademacher, every one when "
                    "G <= 14); interval by test inversion",
    "cluster_t": "Poisson estimate, errors summed within events, t with G-1 degrees of freedom",
    "quasi_poisson": "Poisson estimate, errors scaled by the departments' extra variation, t with D-2 degrees "
                     "of freedom",
    "negbin_lr": "negative binomial model of department counts, likelihood-ratio test and profile interval",
    "randomisation": "exact: re-places the group label among the departments (no interval)",
}


class SweepParamError(ValueError):
    """A sweep parameter file that names an unknown dimension or choice."""


# ---- grid ---------------------------------------------------------------------------------------------------------

def load_grid(path=None) -> tuple[dict, dict]:
    """(grid, settings) from DEFAULT_GRID overridden by the YAML file `path` (None: defaults only).

    File format: `grid: {dimension: [choices]}` (dimensions not given keep their defaults) and optionally
    `alpha: 0.05`. An unknown dimension or choice is an error listing the valid ones; a missing-data edge
    (unknown_units) is refused with the reason.
    """
    grid = {k: list(v) for k, v in DEFAULT_GRID.items()}
    settings = {"alpha": ALPHA}
    if path is None:
        return grid, settings
    from analysis.workflow.params import read_yaml  # imported here: the params module pulls in papermill

    data = read_yaml(path)
    extra = sorted(set(data) - {"grid", "alpha"})
    if extra:
        raise SweepParamError(f"{path}: unknown key(s) {extra}; valid keys: ['alpha', 'grid']")
    for dim, choices in (data.get("grid") or {}).items():
        if dim in NOT_CHOICES:
            raise SweepParamError(f"{path}: {dim!r} is not a dimension of the grid: {NOT_CHOICES[dim]}")
        if dim not in grid:
            raise SweepParamError(f"{path}: unknown dimension {dim!r}; valid dimensions: {list(DEFAULT_GRID)}")
        choices = choices if isinstance(choices, list) else [choices]
        if not choices:
            raise SweepParamError(f"{path}: dimension {dim!r} needs at least one choice")
        grid[dim] = choices
    if "alpha" in data:
        settings["alpha"] = float(data["alpha"])
        if not 0 < settings["alpha"] < 1:
            raise SweepParamError(f"{path}: alpha must be in (0, 1), got {data['alpha']!r}")
    check_grid(grid, source=str(path))
    return grid, settings


def check_grid(grid: dict, source: str = "grid") -> dict:
    """Validate every static choice; returns the grid with thresholds as floats and dates as strings."""
    for dim, valid in VALID.items():
        bad = [c for c in grid[dim] if c not in valid]
        if bad:
            hint = (" (the model-based Poisson treats every death as independent: it is reported only as the naive "
                    "reference, never as a choice)" if dim == "model" else "")
            raise SweepParamError(f"{source}: {dim}: unknown choice(s) {bad}; valid choices: {list(valid)}{hint}")
    bad = [c for c in grid["cutoff"] if not (isinstance(c, str) and DATE.match(c))]
    if bad:
        raise SweepParamError(f"{source}: cutoff: invalid choice(s) {bad}; valid choices: ISO dates YYYY-MM-DD")
    for t in grid["threshold"]:
        if isinstance(t, bool) or not isinstance(t, (int, float)) or not 0 <= t < 100:
            raise SweepParamError(f"{source}: threshold: invalid choice {t!r}; valid choices: numbers in [0, 100)")
    grid["threshold"] = [float(t) for t in grid["threshold"]]
    for dim, choices in grid.items():
        if len(set(map(str, choices))) != len(choices):
            raise SweepParamError(f"{source}: {dim}: a choice is listed twice: {choices}")
    return grid


def event_sizes(victims: pd.DataFrame) -> pd.DataFrame:
    """Persons per event id in the register (every context and date), largest first, then by id."""
    ids = victims["event_id"].astype("string").str.strip()
    sizes = ids[ids.notna() & (ids != "")].value_counts().rename_axis("event_id").reset_index(name="deaths")
    return sizes.sort_values(["deaths", "event_id"], ascending=[False, True], kind="stable").reset_index(drop=True)


def event_choices(victims: pd.DataFrame, choices, source: str = "grid") -> list[str]:
    """Expand the exclude_event choices: "none", an event id, or "events>=N" (every event with >= N persons in
    `victims`, largest first, then by id). An id with no person in victims.csv is an error listing the valid ones."""
    sizes = event_sizes(victims)
    valid_ids = sizes["event_id"].tolist()
    out = []
    for c in choices:
        m = EVENT_RULE.match(str(c))
        if m:
            out += sizes.loc[sizes["deaths"] >= int(m.group(1)), "event_id"].tolist()
        elif c == "none" or c in valid_ids:
            out.append(c)
        else:
            raise SweepParamError(f"{source}: exclude_event: unknown choice {c!r}; valid choices: "
                                  f"{['none', 'events>=N', *sorted(valid_ids)]}")
    return list(dict.fromkeys(out))  # a rule and an explicit id may name the same event once


def expand(grid: dict, victims: pd.DataFrame) -> dict:
    """Per finding, the Cartesian product of its dimensions: one row per specification with a stable id
    (E0001, ... for the ethnic finding; R0001, ... for the regional one), in grid order."""
    grid = {**grid, "exclude_event": event_choices(victims, grid["exclude_event"])}
    out = {}
    for finding, dims in FINDING_DIMS.items():
        rows = list(itertools.product(*(grid[d] for d in dims)))
        specs = pd.DataFrame(rows, columns=list(dims))
        width = max(4, len(str(len(specs))))
        specs.insert(0, "spec_id", [f"{SPEC_PREFIX[finding]}{i + 1:0{width}d}" for i in range(len(specs))])
        out[finding] = specs
    return out


# ---- inputs ------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Inputs:
    victims: pd.DataFrame
    departments: pd.DataFrame
    events: pd.DataFrame


def load_inputs(processed_dir=None, supplement_parts: bool = True) -> Inputs:
    """The register's victims, departments and events (analysis.register.scope.load_register); as notebook 04 does,
    departments gain the published ethnicity parts it lacks (from data/raw/covariates/ethnicity), which bound the
    Indigenous share of more departments."""
    register = S.load_register(Path(processed_dir) if processed_dir else None)
    victims, departments = register["victims"], register["departments"]
    if supplement_parts:
        departments = departments.copy()
        extra = pd.read_csv(paths.RAW / "covariates" / "ethnicity" / "ethnicity_by_department.csv",
                            dtype={"ubigeo_dep": str})
        for m in sorted(E.MEASURES):
            departments, _ = E.add_missing_columns(departments, extra, m)
    return Inputs(victims, departments.reset_index(drop=True), register["events"])


def contexts_of(deaths: str) -> tuple:
    return ("clash",) if deaths == "clash" else tuple(ALL_CONTEXTS)


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
    cls = E.classify_departments(departments, measure, threshold)
    codes = cls["ubigeo_dep"].astype(str)
    return Definition(*(tuple(codes[cls["status"] == s]) for s in ("majority", "not_majority", "unknown")))


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


# ---- methods on one design (fast paths for 0/1 contrasts, checked against clustered.* in the tests) -----------

@lru_cache(maxsize=None)
def _weights(G: int, max_exact: int, kind: str, n_draws: int, seed: int):
    """clustered._weights, generated once per process and shared by every specification with G events."""
    W, exact = C._weights(G, max_exact, kind, n_draws, seed)
    W = np.asarray(W)
    W.setflags(write=False)
    return W, exact


@lru_cache(maxsize=64)
def _arrangements(x_bytes: bytes, n_draws: int, seed: int):
    x = np.frombuffer(x_bytes, dtype=float)
    Xp, exact, total = C._arrangements(x, C.MAX_EXACT_ARRANGEMENTS, n_draws, seed)
    Xp.setflags(write=False)
    return Xp, exact, total


@dataclass(frozen=True)
class Binary:
    """A 0/1 contrast summarised by events: m (deaths per event), m1 (of them in the group), group and reference
    populations. Every Poisson-score statistic of the design depends only on these."""
    m: np.ndarray
    m1: np.ndarray
    P1: float
    P0: float

    @classmethod
    def of(cls, d: C.Design) -> "Binary":
        g = d.x == 1
        return cls(d.sizes, d.counts[:, g].sum(axis=1).astype(float), float(d.population[g].sum()),
                   float(d.population[~g].sum()))

    @property
    def N(self) -> float:
        return float(self.m.sum())

    @property
    def k1(self) -> float:
        return float(self.m1.sum())

    @property
    def G(self) -> int:
        return len(self.m)

    @property
    def log_rr(self) -> float:
        k1, k0 = self.k1, self.N - self.k1
        if k1 == 0:
            return -math.inf
        if k0 == 0:
            return math.inf
        return math.log(k1 / self.P1) - math.log(k0 / self.P0)

    def pi1(self, b0: float) -> float:
        """Expected share of the deaths in the group when the log rate ratio is b0 (the restricted Poisson fit)."""
        return float(special.expit(b0 + math.log(self.P1 / self.P0)))


class SignFlip:
    """clustered.sign_flip_p for a 0/1 contrast. The event scores at b0 are e_g = m1_g - pi1(b0) m_g, so the
    statistic of every sign vector eps is |eps.m1 - pi1(b0) eps.m|: the two products with the (cached) sign matrix
    are taken once per design and each b0 of the test inversion costs one vector operation."""

    def __init__(self, b: Binary, n_draws: int = 99_999, seed: int = C.SEED, max_exact: int = C.MAX_EXACT_SIGNS):
        self.b = b
        W, self.exact = _weights(b.G, max_exact, "rademacher", n_draws, seed)
        self.Wm1, self.Wm = W @ b.m1, W @ b.m

    def p(self, b0: float = 0.0) -> float:
        pi = self.b.pi1(b0)
        observed = abs(float(self.b.k1 - pi * self.b.N))
        return C._p_from(np.abs(self.Wm1 - pi * self.Wm), observed, self.exact)


def sign_flip_p(b: Binary, b0: float = 0.0, **kw) -> tuple[float, bool]:
    """(two-sided p, enumerated?) of the sign-flip score test of log RR = b0 (as clustered.sign_flip_p)."""
    sf = SignFlip(b, **kw)
    return sf.p(b0), sf.exact


def _cluster_var(b: Binary) -> float:
    """CR1 variance of the log rate ratio at the fit: sum_g s_g^2 / B^2 x G/(G-1)."""
    pi = b.k1 / b.N
    s = b.m1 - pi * b.m
    B = b.N * pi * (1 - pi)
    return float(s @ s) / B ** 2 * b.G / (b.G - 1)


class WildCluster:
    """clustered.wild_cluster_p for a 0/1 contrast (restricted wild cluster bootstrap of the CR1 t statistic).

    With c_g = (m1_g - pi0 m_g) / B0 (pi0 = pi1(b0), B0 = N pi0 (1 - pi0)), a weight vector w gives
    delta = w.c and a squared error sum_g (w_g c_g - delta m_g / N)^2; both expand into products of the (cached)
    weight matrix with fixed event vectors, taken once per design."""

    def __init__(self, b: Binary, n_draws: int = 9_999, seed: int = C.SEED, max_exact: int = C.MAX_EXACT_WILD):
        self.b = b
        W, self.exact = _weights(b.G, max_exact, "webb", n_draws, seed)
        m, m1 = b.m, b.m1
        self.W_m1, self.W_m, self.W_m1m, self.W_mm = W @ m1, W @ m, W @ (m1 * m), W @ (m * m)
        W2 = W * W
        self.W2_m1m1, self.W2_m1m, self.W2_mm = W2 @ (m1 * m1), W2 @ (m1 * m), W2 @ (m * m)
        self.M2 = float(m @ m)
        self.se_fit = math.sqrt(_cluster_var(b)) if np.isfinite(b.log_rr) else math.nan

    def p(self, b0: float = 0.0) -> float:
        b, N, G = self.b, self.b.N, self.b.G
        t_obs = abs((b.log_rr - b0) / self.se_fit)
        pi = b.pi1(b0)
        B0 = N * pi * (1 - pi)
        delta = (self.W_m1 - pi * self.W_m) / B0
        sum_wc2 = (self.W2_m1m1 - 2 * pi * self.W2_m1m + pi * pi * self.W2_mm) / B0 ** 2
        sum_wcm = (self.W_m1m - pi * self.W_mm) / B0
        ss = sum_wc2 - 2 * (delta / N) * sum_wcm + (delta / N) ** 2 * self.M2
        ss = np.where(ss > 1e-12 * np.max(np.abs(sum_wc2)), ss, 0.0)
        se = np.sqrt(ss * G / (G - 1))
        t_star = np.abs(np.divide(delta, se, out=np.zeros_like(delta), where=se > 0))
        return C._p_from(t_star, t_obs, self.exact)


def wild_cluster_p(b: Binary, b0: float = 0.0, **kw) -> tuple[float, bool]:
    """(two-sided p, enumerated?) of the wild cluster bootstrap test of log RR = b0 (as clustered.wild_cluster_p)."""
    w = WildCluster(b, **kw)
    return w.p(b0), w.exact


@lru_cache(maxsize=64)
def _subsets(D: int, k: int) -> np.ndarray:
    """Every k-subset of range(D) as rows (lexicographic), generated once per process."""
    out = np.array(list(itertools.combinations(range(D), k)), dtype=np.intp).reshape(-1, k)
    out.setflags(write=False)
    return out


def randomisation_p(d: C.Design, n_draws: int = 99_999, seed: int = C.SEED) -> tuple[float, bool]:
    """clustered.department_randomisation's p-value for a 0/1 covariate. Exact case: the score of each arrangement
    depends only on the deaths and expected deaths of the departments labelled 1, so the arrangements are the
    k-subsets of the smaller side (generated once per (D, k)); otherwise the same seeded draws as clustered."""
    expected = d.N * d.population / d.population.sum()
    obs = abs(float(C._score_z(d.y, expected, d.x[None, :])[0]))
    ones = int(d.x.sum())
    k = min(ones, d.D - ones)
    if math.comb(d.D, k) > C.MAX_EXACT_ARRANGEMENTS:
        Xp, exact, _ = _arrangements(np.ascontiguousarray(d.x, dtype=float).tobytes(), n_draws, seed)
        return C._p_from(np.abs(C._score_z(d.y, expected, Xp)), obs, exact), exact
    idx = _subsets(d.D, k)
    Y, Ex = d.y[idx].sum(axis=1), expected[idx].sum(axis=1)
    if k != ones:  # the subsets are the departments labelled 0: the group is their complement
        Y, Ex = d.y.sum() - Y, expected.sum() - Ex
    N = expected.sum()
    u, var = Y - Ex, Ex - Ex ** 2 / N
    z = np.divide(u, np.sqrt(np.maximum(var, 0)), out=np.zeros_like(u), where=var > 0)
    return C._p_from(np.abs(z), obs, True), True


class NegBin:
    """Negative binomial (NB2, var = mu + a mu^2) fits of a 0/1 contrast, as clustered._negbin computes them (the
    dispersion profiled on the log scale over (-18, 7) by the same bounded scalar search, the same log-likelihood),
    with the rates solved per group: at fixed a, each group's rate solves sum (y - mu) / (1 + a mu) = 0 (Newton on
    its log, warm-started). Used for the likelihood-ratio test and the profile-likelihood interval."""

    def __init__(self, d: C.Design):
        self.y, self.pop, self.x = d.y, d.population, d.x
        self.full = self._fit(self.pop, (d.x == 1).astype(np.intp), 2)

    def _fit(self, o, gidx, ngroups):
        y = self.y
        tot_y = np.bincount(gidx, weights=y, minlength=ngroups)
        tot_o = np.bincount(gidx, weights=o, minlength=ngroups)
        state = {"c": np.log(tot_y / tot_o)}
        lgy1 = float(special.gammaln(y + 1).sum())
        masks = [gidx == g for g in range(ngroups)]

        def rates(a):
            c = state["c"].copy()
            ay = 1.0 + a * y
            for _ in range(100):
                mu = o * np.exp(c[gidx]) if ngroups > 1 else o * math.exp(c[0])
                w = 1.0 + a * mu
                r1 = (y - mu) / w
                r2 = mu * ay / (w * w)
                if ngroups == 1:
                    step = np.array([r1.sum() / r2.sum()])
                else:
                    step = np.array([r1[m].sum() / r2[m].sum() for m in masks])
                big = float(np.abs(step).max())
                if big > 5.0:
                    step *= 5.0 / big
                c += step
                if big < 1e-12:
                    break
            state["c"] = c
            return c, (o * np.exp(c[gidx]) if ngroups > 1 else o * math.exp(c[0]))

        def llf(mu, a):
            r = 1.0 / a
            am = a * mu
            return float(special.gammaln(y + r).sum() - len(y) * special.gammaln(r) - lgy1
                         + (y * np.log(am / (1 + am))).sum() - r * np.log1p(am).sum())

        def neg(log_a):
            a = math.exp(log_a)
            return -llf(rates(a)[1], a)

        opt = optimize.minimize_scalar(neg, bounds=(-18.0, 7.0), method="bounded", options={"xatol": 1e-9})
        a = math.exp(opt.x)
        c, mu = rates(a)
        return c, a, llf(mu, a)

    @property
    def estimate(self) -> float:
        c = self.full[0]
        return float(math.exp(c[1] - c[0]))

    def lr(self, b0: float) -> float:
        """Likelihood-ratio statistic of log RR = b0."""
        restricted = self._fit(self.pop * np.exp(b0 * self.x), np.zeros(len(self.y), dtype=np.intp), 1)
        return max(2 * (self.full[2] - restricted[2]), 0.0)


def _negbin_lr(d: C.Design, alpha: float, interval: bool) -> dict:
    """Negative binomial: likelihood-ratio p of b = 0 and the profile-likelihood interval (the b0 the LR test does
    not reject), each end found by Brent's method on LR(b0) - chi2_1(1 - alpha)."""
    nb = NegBin(d)
    centre = math.log(nb.estimate)
    out = {"estimate": nb.estimate, "p": float(stats.chi2.sf(nb.lr(0.0), 1)), "low": math.nan, "high": math.nan}
    if interval:
        crit = float(stats.chi2.ppf(1 - alpha, 1))
        ends = []
        for side in (-1.0, 1.0):
            inner, step, end = centre, 0.5, None
            while abs(centre + side * step) <= C._MAX_LOG_RR:
                outer = centre + side * step
                if nb.lr(outer) >= crit:
                    end = optimize.brentq(lambda b0: nb.lr(b0) - crit, min(inner, outer), max(inner, outer),
                                          xtol=1e-7)
                    break
                inner, step = outer, step * 2
            ends.append((0.0 if side < 0 else math.inf) if end is None else float(np.exp(end)))
        out["low"], out["high"] = ends
    return out


def event_binomial(d: C.Design, alpha: float = ALPHA) -> dict:
    """Lethal events in the group against the group's population share (as clustered.event_share_test): each event
    placed in the department holding most of its persons (ties: the first in table order), exact two-sided binomial
    test, and the event-rate ratio group / reference with the Clopper-Pearson interval mapped to that scale."""
    dominant = d.counts.argmax(axis=1)
    k, n = int((d.x[dominant] == 1).sum()), d.G
    P1, P0 = float(d.population[d.x == 1].sum()), float(d.population[d.x == 0].sum())
    share = P1 / (P1 + P0)
    lo, hi = binom_ci(k, n, alpha)
    odds = lambda q: math.inf if q >= 1 else q / (1 - q)  # noqa: E731
    return {"estimate": odds(k / n) / odds(share), "low": odds(lo) / odds(share), "high": odds(hi) / odds(share),
            "p": float(stats.binomtest(k, n, share).pvalue), "enumerated": True,
            "note": f"{k} of {n} lethal events in the group"}


def _result(estimate=math.nan, low=math.nan, high=math.nan, p=math.nan, enumerated=False, note="") -> dict:
    return {"estimate": float(estimate), "low": float(low), "high": float(high), "p": float(p),
            "enumerated": bool(enumerated), "note": note}


def method_result(d: C.Design, method: str, alpha: float = ALPHA, interval: bool = True) -> dict:
    """One method on one 0/1 design: rate ratio, interval (NaN where the method has none or interval=False),
    two-sided p, whether the reference distribution was enumerated, and a note when it cannot be estimated."""
    b = Binary.of(d)
    rr = math.exp(b.log_rr) if np.isfinite(b.log_rr) else (math.inf if b.log_rr > 0 else 0.0)
    finite = np.isfinite(b.log_rr)
    infinite = "" if finite else "a side with no death: the rate ratio is not finite"
    try:
        if method == "sign_flip":
            sf = SignFlip(b)
            low, high = (C._invert(sf.p, b.log_rr, 0.5, alpha) if interval and finite else (math.nan, math.nan))
            return _result(rr, low, high, sf.p(0.0), sf.exact, infinite)
        if method == "wild_cluster":
            if not finite:
                return _result(rr, note=infinite)
            w = WildCluster(b)
            low, high = C._invert(w.p, b.log_rr, 0.5, alpha) if interval else (math.nan, math.nan)
            return _result(rr, low, high, w.p(0.0), w.exact)
        if method == "event_binomial":
            return _result(**event_binomial(d, alpha))
        if method == "randomisation":
            p, exact = randomisation_p(d)
            return _result(rr, math.nan, math.nan, p, exact, infinite)
        if not finite:
            return _result(rr, note=infinite)
        if method == "cluster_t":
            r = C.cluster_robust(d, alpha, "t")
        elif method == "quasi_poisson":
            r = C.quasi_poisson(d, alpha)
        elif method == "negbin_lr":
            return _result(**_negbin_lr(d, alpha, interval))
        elif method == NAIVE:
            r = C.exact_conditional(d, alpha)
        else:
            raise ValueError(f"unknown method {method!r}; valid: {[*MODELS, NAIVE]}")
    except (RuntimeError, ValueError, np.linalg.LinAlgError) as err:
        if method not in (*MODELS, NAIVE):
            raise
        return _result(rr, note=f"not estimable: {err}")
    return _result(r.estimate, r.low if interval else math.nan, r.high if interval else math.nan, r.p_value)


def design_summary(d) -> dict:
    """Counts behind one design: persons, events, departments, deaths on each side, population share."""
    if isinstance(d, str):
        return {"persons": 0, "events": 0, "departments": 0, "deaths_group": 0, "deaths_reference": 0,
                "population_share": math.nan, "death_share": math.nan, "persons_no_department": 0}
    b = Binary.of(d)
    return {"persons": d.N, "events": d.G, "departments": d.D, "deaths_group": int(b.k1),
            "deaths_reference": int(b.N - b.k1), "population_share": b.P1 / (b.P1 + b.P0),
            "death_share": b.k1 / b.N, "persons_no_department": d.n_unknown_department}


# ---- the sweep ---------------------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _openblas():
    """(get, set) of the number of threads of numpy's bundled OpenBLAS, or None when it cannot be found."""
    pattern = os.path.join(os.path.dirname(np.__file__), os.pardir, "numpy.libs", "*openblas*")
    for path in sorted(glob.glob(pattern)):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix, suffix in (("scipy_openblas", "64_"), ("openblas", "64_"), ("openblas", ""),
                               ("scipy_openblas", "")):
            get, put = f"{prefix}_get_num_threads{suffix}", f"{prefix}_set_num_threads{suffix}"
            if hasattr(lib, get) and hasattr(lib, put):
                return getattr(lib, get), getattr(lib, put)
    return None


@contextlib.contextmanager
def single_threaded_blas():
    """numpy's OpenBLAS on one thread while the sweep runs: its products are too small to gain from threads, and
    with one worker process per core extra threads only compete for the cores (restored afterwards)."""
    fns = _openblas()
    if fns is None:
        yield
        return
    get, put = fns
    before = int(get())
    put(1)
    try:
        yield
    finally:
        put(before)


_WORKER: dict = {}


def _init_worker(inputs: Inputs, alpha: float) -> None:
    if _openblas() is not None:
        _openblas()[1](1)  # worker processes: one BLAS thread each
    _WORKER["inputs"], _WORKER["alpha"] = inputs, alpha
    _WORKER["codes"] = inputs.departments["ubigeo_dep"].astype(str).tolist()


def _count_task(choice: dict) -> Counts:
    return selection_counts(_WORKER["inputs"].victims, _WORKER["codes"], choice)


def _design_task(item: tuple) -> dict:
    """All requested methods of one distinct design: {method: result}."""
    d, methods, interval = item
    return {m: method_result(d, m, _WORKER["alpha"], interval) for m in methods}


def resolve_jobs(jobs) -> int:
    """None or 0 = every core."""
    return int(jobs) if jobs else (os.cpu_count() or 1)


def _cost(item) -> float:
    """Rough relative cost of a design task (for scheduling the largest first)."""
    d, methods, interval = item
    return (2.0 ** min(d.G, 17) if interval else 1.0) + (5e4 if interval and "negbin_lr" in methods else 0.0)


def run_sweep(specs: dict, inputs: Inputs, jobs=None, alpha: float = ALPHA, timings: dict | None = None) -> dict:
    """Every specification of every finding, its bounds and the naive reference.

    Returns {"results": one row per specification, "bounds": one row per specification and edge}. `jobs` worker
    processes (1 = in this process); the output does not depend on it.
    """
    with single_threaded_blas():
        return _run_sweep(specs, inputs, jobs, alpha, timings)


def _run_sweep(specs, inputs, jobs, alpha, timings) -> dict:
    t0 = time.perf_counter()
    codes = inputs.departments["ubigeo_dep"].astype(str).tolist()
    population = pd.to_numeric(inputs.departments[POPULATION], errors="coerce").to_numpy(dtype=float)
    selections = pd.concat([s[list(SELECTION_DIMS)] for s in specs.values()]).drop_duplicates()
    choices = [dict(zip(SELECTION_DIMS, r)) for r in selections.itertuples(index=False, name=None)]
    jobs = resolve_jobs(jobs)
    pool = None
    if jobs == 1:
        _init_worker(inputs, alpha)
        mapper = map
    else:
        pool = ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker, initargs=(inputs, alpha))
        mapper = pool.map
    try:
        counts = dict(zip((tuple(c.values()) for c in choices), mapper(_count_task, choices)))
        t1 = time.perf_counter()
        # every design of every specification, built once per (selection, definition) and deduplicated on its key
        definitions = {}
        if "ethnic" in specs:
            for m, t in specs["ethnic"][["measure", "threshold"]].drop_duplicates().itertuples(index=False, name=None):
                definitions[(m, t)] = ethnic_definition(inputs.departments, m, t)
        unique, needs, spec_designs = {}, {}, {}
        for finding, sp in specs.items():
            keys = list(SELECTION_DIMS) + (["measure", "threshold"] if finding == "ethnic" else [])
            models = list(pd.unique(sp["model"]))
            for combo in sp[keys].drop_duplicates().itertuples(index=False, name=None):
                sel = combo[:len(SELECTION_DIMS)]
                definition = definitions[combo[len(SELECTION_DIMS):]] if finding == "ethnic" else None
                built = designs_for(finding, counts[sel], population, codes, definition)
                refs = {}
                for name, d in built.items():
                    if isinstance(d, str):
                        refs[name] = d
                        continue
                    k = d.key()
                    unique.setdefault(k, d)
                    methods, interval = needs.get(k, (set(), False))
                    extra = set(models) | ({NAIVE} if name == "grid" else set())
                    needs[k] = (methods | extra, interval or name == "grid")
                    refs[name] = k
                spec_designs[(finding, combo)] = refs
        items = [(unique[k], tuple(m for m in (*MODELS, NAIVE) if m in methods), interval)
                 for k, (methods, interval) in needs.items()]
        order = sorted(range(len(items)), key=lambda i: -_cost(items[i]))  # largest first: balanced workers
        done = list(mapper(_design_task, [items[i] for i in order]))
        keys = list(needs)
        computed = {keys[i]: r for i, r in zip(order, done)}
    finally:
        if pool is not None:
            pool.shutdown()
    t2 = time.perf_counter()
    out = _assemble(specs, spec_designs, unique, computed, alpha)
    if timings is not None:
        timings.update({"selections": t1 - t0, "designs": t2 - t1, "assemble": time.perf_counter() - t2,
                        "n_selections": len(choices), "n_designs": len(unique),
                        "n_design_methods": sum(len(m) for _, m, _ in items)})
    return out


def decision(row: dict, alpha: float) -> str:
    """holds / does not hold / not estimable, by HOLDS_RULE."""
    p, est = row["p"], row["estimate"]
    if not np.isfinite(p) or math.isnan(est):
        return "not estimable"
    return "holds" if est > 1 and p < alpha else "does not hold"


def _assemble(specs, spec_designs, unique, computed, alpha) -> dict:
    rows, bounds = [], []
    design_ids, counter = {}, {}

    def design_id(finding, ref):
        if isinstance(ref, str):
            return ""
        if (finding, ref) not in design_ids:
            n = counter[finding] = counter.get(finding, 0) + 1
            design_ids[(finding, ref)] = f"{SPEC_PREFIX[finding]}-d{n:04d}"
        return design_ids[(finding, ref)]

    for finding, sp in specs.items():
        keys = list(SELECTION_DIMS) + (["measure", "threshold"] if finding == "ethnic" else [])
        for spec in sp.to_dict("records"):
            refs = spec_designs[(finding, tuple(spec[k] for k in keys))]
            base = {"finding": finding, **{d: spec.get(d, "") for d in DEFAULT_GRID}, "spec_id": spec["spec_id"]}
            grid_ref = refs["grid"]
            d = unique.get(grid_ref) if not isinstance(grid_ref, str) else grid_ref
            res = computed[grid_ref][spec["model"]] if not isinstance(grid_ref, str) else _result(note=grid_ref)
            naive = computed[grid_ref][NAIVE] if not isinstance(grid_ref, str) else _result(note=grid_ref)
            rows.append({**base, "design_id": design_id(finding, grid_ref), **design_summary(d),
                         "rr": res["estimate"], "rr_low": res["low"],
                         "rr_high": res["high"], "p_value": res["p"], "enumerated": res["enumerated"],
                         "decision": decision(res, alpha), "holds": decision(res, alpha) == "holds",
                         "naive_p_value": naive["p"], "naive_holds": decision(naive, alpha) == "holds",
                         "note": res["note"]})
            for edge, _ in BOUNDS[finding]:
                ref = refs[edge]
                r = computed[ref][spec["model"]] if not isinstance(ref, str) else _result(note=ref)
                bd = unique.get(ref) if not isinstance(ref, str) else ref
                bounds.append({"finding": finding, "spec_id": spec["spec_id"], "edge": edge, **design_summary(bd),
                               "rr": r["estimate"], "p_value": r["p"], "decision": decision(r, alpha),
                               "holds": decision(r, alpha) == "holds", "note": r["note"]})
    results = pd.DataFrame(rows)
    results.insert(0, "result_id", "")
    results["result_id"] = result_ids(results)
    cols = ["finding", "spec_id", *DEFAULT_GRID, "result_id"]
    results = results[cols + [c for c in results.columns if c not in cols]]
    return {"results": results, "bounds": pd.DataFrame(bounds)}


# ---- distinct results, summaries, influence -----------------------------------------------------------------

RESULT_FIELDS = ("rr", "rr_low", "rr_high", "p_value", "decision")


def _fmt(v) -> str:
    return f"{v:.10g}" if isinstance(v, float) else str(v)


def result_ids(results: pd.DataFrame) -> list[str]:
    """Per specification, the id of its distinct result within its finding: specifications whose estimate,
    interval, p-value and decision agree (to 10 significant digits) share one id (first appearance in spec order:
    <finding prefix>-r001, ...)."""
    ids, seen, counter = [], {}, {}
    for row in results[["finding", *RESULT_FIELDS]].itertuples(index=False, name=None):
        key = (row[0], *(_fmt(v) for v in row[1:]))
        if key not in seen:
            n = counter[row[0]] = counter.get(row[0], 0) + 1
            seen[key] = f"{SPEC_PREFIX[row[0]]}-r{n:04d}"
        ids.append(seen[key])
    return ids


def _choice_set(values) -> str:
    return " | ".join(_label_value(v) for v in pd.unique(values))


def _label_value(v) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def distinct_results(results: pd.DataFrame) -> pd.DataFrame:
    """One row per distinct result of each finding: its estimate, interval, p-value and decision, how many
    specifications give it (multiplicity, and share of the finding's specifications), its first specification, and
    per dimension the choices among its specifications (in order of appearance, ' | ' between them)."""
    first = results.drop_duplicates(["finding", "result_id"])
    out = first[["finding", "result_id"]].copy()
    mult = results.groupby(["finding", "result_id"], sort=False).size()
    out["multiplicity"] = mult.loc[list(zip(out["finding"], out["result_id"]))].to_numpy()
    n = results["finding"].value_counts()
    out["share_of_specs"] = out["multiplicity"] / out["finding"].map(n).to_numpy()
    for f in RESULT_FIELDS:
        out[f] = first[f].to_numpy()
    out["holds"] = first["holds"].astype(bool).to_numpy()
    out["first_spec"] = first["spec_id"].to_numpy()
    for dim in DEFAULT_GRID:
        pairs = results[["finding", "result_id", dim]].drop_duplicates()
        pairs = pairs.assign(**{dim: [_label_value(v) for v in pairs[dim]]})
        joined = pairs.groupby(["finding", "result_id"], sort=False)[dim].agg(" | ".join)
        used = out["finding"].map(lambda f, dim=dim: dim in FINDING_DIMS[f])
        out[dim] = np.where(used, joined.loc[list(zip(out["finding"], out["result_id"]))].to_numpy(), "")
    return out.reset_index(drop=True)


def summarise(results: pd.DataFrame, bounds: pd.DataFrame, alpha: float = ALPHA, distinct=None) -> pd.DataFrame:
    """Per finding: specifications, distinct designs and distinct results, how often the finding holds (over
    specifications, over distinct results, and under the headline sign-flip test alone), the naive person-level
    reference, and the two missing-data edges (missing data counted outside the group, then inside it)."""
    rows = []
    distinct = distinct_results(results) if distinct is None else distinct
    for finding in pd.unique(results["finding"]):
        r = results[results["finding"] == finding]
        dr = distinct[distinct["finding"] == finding]
        b = bounds[bounds["finding"] == finding]
        sf = r[r["model"] == "sign_flip"]
        row = {"finding": finding, "n_specs": len(r), "n_distinct_designs": int(r["design_id"].nunique()),
               "n_distinct_results": len(dr), "largest_multiplicity": int(dr["multiplicity"].max()),
               "n_holds": int(r["holds"].sum()), "share_holds": float(r["holds"].mean()),
               "n_distinct_holds": int(dr["holds"].sum()), "share_distinct_holds": float(dr["holds"].mean()),
               "n_not_estimable": int((r["decision"] == "not estimable").sum()),
               "n_sign_flip": len(sf), "n_holds_sign_flip": int(sf["holds"].sum()),
               "share_holds_sign_flip": float(sf["holds"].mean()) if len(sf) else math.nan,
               "n_naive_holds": int(r["naive_holds"].sum()), "share_naive_holds": float(r["naive_holds"].mean()),
               "rr_min": float(r["rr"].min()), "rr_median": float(r["rr"].median()), "rr_max": float(r["rr"].max())}
        for side, (edge, _) in zip(("outside", "inside"), BOUNDS[finding]):
            e = b[b["edge"] == edge]
            row.update({f"{side}_edge": edge, f"{side}_n_holds": int(e["holds"].sum()),
                        f"{side}_share_holds": float(e["holds"].mean())})
        row.update({"alpha": alpha, "definition": FINDING_MEANING[finding], "holds_rule": HOLDS_RULE})
        rows.append(row)
    return pd.DataFrame(rows)


def holds_by_choice(results: pd.DataFrame, finding: str) -> pd.DataFrame:
    """For each choice of each dimension of the finding: specifications with that choice (n), in how many the
    finding holds and the share. Dimensions in grid order, choices in order of first appearance."""
    r = results[results["finding"] == finding]
    rows = []
    for dim in FINDING_DIMS[finding]:
        for value, g in r.groupby(dim, sort=False):
            rows.append({"finding": finding, "dimension": dim, "choice": _label_value(value), "n": len(g),
                         "n_holds": int(g["holds"].sum()), "share_holds": float(g["holds"].mean())})
    return pd.DataFrame(rows)


def influence(results: pd.DataFrame) -> pd.DataFrame:
    """Which choice flips the finding, and how often. For each dimension of each finding and each of its choices
    other than the reference (first) choice: the pairs of specifications that differ only in that dimension (one
    with the reference choice, one with this choice), how many of them change decision, and in which direction."""
    rows = []
    for finding in pd.unique(results["finding"]):
        r = results[results["finding"] == finding]
        dims = list(FINDING_DIMS[finding])
        for dim in dims:
            others = [d for d in dims if d != dim]
            choices = list(pd.unique(r[dim]))
            if len(choices) < 2:
                continue
            base = r[r[dim] == choices[0]].set_index(others)["holds"]
            for choice in choices[1:]:
                alt = r[r[dim] == choice].set_index(others)["holds"]
                pair = pd.concat([base.rename("from"), alt.rename("to")], axis=1, join="inner")
                lost = int((pair["from"] & ~pair["to"]).sum())
                gained = int((~pair["from"] & pair["to"]).sum())
                rows.append({"finding": finding, "dimension": dim, "from_choice": _label_value(choices[0]),
                             "to_choice": _label_value(choice), "pairs": len(pair), "holds_to_fails": lost,
                             "fails_to_holds": gained, "flipped": lost + gained,
                             "share_flipped": (lost + gained) / len(pair) if len(pair) else math.nan})
    return pd.DataFrame(rows)


def grid_table(choices: dict) -> pd.DataFrame:
    """One row per dimension (DEFAULT_GRID order): its choices (exclude_event expanded to event ids), how many,
    which findings use it and what it means."""
    return pd.DataFrame([{"dimension": d, "label": DIMENSION_LABELS[d],
                          "choices": " | ".join(_label_value(c) for c in choices[d]), "n": len(choices[d]),
                          "used_by": ", ".join(f for f, dims in FINDING_DIMS.items() if d in dims),
                          "meaning": DIMENSION_MEANING[d]} for d in DEFAULT_GRID])


def method_table() -> pd.DataFrame:
    """The inference methods: the grid's choices and the naive reference, with what each treats as independent."""
    level = {"sign_flip": "event", "event_binomial": "event", "wild_cluster": "event", "cluster_t": "event",
             "quasi_poisson": "department",
             "negbin_lr": "department", "randomisation": "department", NAIVE: "person"}
    meaning = {**MODEL_MEANING, NAIVE: "binomial test on persons: every death an independent draw (not in the grid)"}
    return pd.DataFrame([{"model": m, "label": MODEL_LABELS[m], "independent_unit": level[m],
                          "in_grid": m in MODELS, "how": meaning[m]} for m in (*MODELS, NAIVE)])


# ---- choice labels in words (tables and figures) -------------------------------------------------------------

def choice_labels(events: pd.DataFrame | None = None) -> dict:
    """{dimension: {choice text: words}} for the figure and tables (event ids named by the register's events)."""
    names = {}
    if events is not None and len(events):
        for r in events.itertuples(index=False):
            short = str(r.label).split(" (")[0].split(",")[0]
            names[str(r.event_id)] = f"without {short} ({r.event_id})"
    months = {"01": "Jan", "02": "Feb", "03": "Mar", "04": "Apr", "05": "May", "06": "Jun", "07": "Jul",
              "08": "Aug", "09": "Sep", "10": "Oct", "11": "Nov", "12": "Dec"}

    def date(s):
        y, m, d = str(s).split("-")
        return f"to {int(d)} {months[m]} {y}"

    return {"deaths": {"clash": "clashes only", "all": "every context"},
            "date_policy": {"certain": "certainly by the cut-off", "possible": "possibly by the cut-off"},
            "cutoff": date, "exclude_event": {"none": "no event left out", **names},
            "measure": {"selfid": "self-identification", "mothertongue": "mother tongue"},
            "threshold": lambda t: f"above {float(t):g} %", "model": MODEL_LABELS}


def label_choice(dim: str, value, labels: dict) -> str:
    lab = labels.get(dim, {})
    if callable(lab):
        return lab(value)
    return lab.get(_label_value(value) if isinstance(value, float) else str(value), _label_value(value))


# ---- files ---------------------------------------------------------------------------------------------------

TABLES = {"results": "robustness.csv", "distinct": "robustness_distinct.csv", "bounds": "robustness_bounds.csv",
          "summary": "robustness_summary.csv", "influence": "robustness_influence.csv",
          "by_choice": "robustness_by_choice.csv", "grid": "robustness_grid.csv", "methods": "robustness_methods.csv",
          "provenance": "robustness_provenance.csv"}
SWEEP_MODULES = ("tasks/robustness.py", "register/scope.py", "stats/clustered.py", "stats/ethnic.py",
                 "stats/exact.py", "register/vocab.py")


def _sha(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest() if Path(path).exists() else "missing"


def provenance(processed_dir, grid_file, alpha: float) -> pd.DataFrame:
    """What the tables were computed from: sha256 of the register tables, the grid file, the raw ethnicity parts
    and the package modules the sweep runs (notebook 08 refuses stale tables)."""
    processed = Path(processed_dir) if processed_dir else paths.PROCESSED
    items = [(f"data/processed/{n}.csv", _sha(processed / f"{n}.csv")) for n in S.TABLES]
    items.append(("data/raw/covariates/ethnicity/ethnicity_by_department.csv",
                  _sha(paths.RAW / "covariates" / "ethnicity" / "ethnicity_by_department.csv")))
    items.append(("grid file", _sha(grid_file) if grid_file else "built-in grid"))
    items += [(f"analysis/{m}", _sha(Path(__file__).resolve().parents[1] / m)) for m in SWEEP_MODULES]
    items.append(("alpha", f"{alpha:g}"))
    return pd.DataFrame(items, columns=["item", "value"])


def stale(tables_dir=None, processed_dir=None, grid_file=None) -> list[str]:
    """The provenance items whose current value differs from the one the tables were computed from ([] = fresh)."""
    tables_dir = Path(tables_dir) if tables_dir else paths.TABLES
    path = tables_dir / TABLES["provenance"]
    if not path.exists():
        return [f"{paths.rel(path) if path.is_relative_to(paths.ROOT) else path} is missing"]
    saved = pd.read_csv(path, dtype=str, keep_default_na=False)
    alpha = saved.loc[saved["item"] == "alpha", "value"]
    now = provenance(processed_dir, grid_file if grid_file is not None else default_params_file(),
                     float(alpha.iloc[0]) if len(alpha) else ALPHA).set_index("item")["value"]
    return [i for i, v in saved.set_index("item")["value"].items() if now.get(i) != v]


def read_tables(tables_dir=None, check: bool = True, processed_dir=None, grid_file=None) -> dict:
    """The sweep's tables, as notebook 08 reads them. check: refuse tables computed from other data, grid or code
    (run `python -m analysis sweep` again)."""
    tables_dir = Path(tables_dir) if tables_dir else paths.TABLES
    if check:
        changed = stale(tables_dir, processed_dir, grid_file)
        if changed:
            raise RuntimeError("the robustness tables are stale (computed from other inputs: "
                               f"{', '.join(changed)}); run `make sweep` (python -m analysis sweep) first")
    out = {}
    for name, file in TABLES.items():
        out[name] = pd.read_csv(tables_dir / file, dtype={"cutoff": str, "exclude_event": str}, keep_default_na=False,
                                na_values=[""])
    return out


@dataclass(frozen=True)
class SweepResult:
    specs: dict
    tables: dict
    grid: dict
    alpha: float
    files: dict
    timings: dict


def default_params_file():
    path = paths.PARAMS / "sweep.yaml"
    return path if path.exists() else None


def build_tables(results: pd.DataFrame, bounds: pd.DataFrame, choices: dict, alpha: float) -> dict:
    distinct = distinct_results(results)
    tables = {"results": results, "distinct": distinct, "bounds": bounds,
              "summary": summarise(results, bounds, alpha, distinct), "influence": influence(results),
              "by_choice": pd.concat([holds_by_choice(results, f) for f in pd.unique(results["finding"])],
                                     ignore_index=True),
              "grid": grid_table(choices), "methods": method_table()}
    return tables


def sweep(params=None, outputs=None, processed=None, jobs=None) -> SweepResult:
    """Load the grid and data, run every specification, write the tables (outputs/tables/robustness*.csv).
    timings: seconds of each phase; "sweep" = from loading the grid to the last table written."""
    start = time.perf_counter()
    grid_file = params if params else default_params_file()
    grid, settings = load_grid(grid_file)
    inputs = load_inputs(processed)
    specs = expand(grid, inputs.victims)
    timings = {}
    out = run_sweep(specs, inputs, jobs=jobs, alpha=settings["alpha"], timings=timings)
    choices = {**grid, "exclude_event": event_choices(inputs.victims, grid["exclude_event"])}
    t = time.perf_counter()
    tables = build_tables(out["results"], out["bounds"], choices, settings["alpha"])
    tables["provenance"] = provenance(processed, grid_file, settings["alpha"])
    tables_dir = (Path(outputs) if outputs else paths.OUTPUTS) / "tables"
    files = {}
    for name, file in TABLES.items():
        files[name] = tables_dir / file
        write_csv_atomic(tables[name], files[name])
    timings["tables"] = time.perf_counter() - t
    timings["sweep"] = time.perf_counter() - start
    return SweepResult(specs, tables, grid, settings["alpha"], files, timings)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m analysis sweep", description=__doc__.split("\n")[0])
    ap.add_argument("--jobs", type=int, default=None, help="worker processes (default: every core)")
    ap.add_argument("--params", default=None, help="grid file (default params/sweep.yaml if present)")
    ap.add_argument("--outputs", default=None, help="output directory (default outputs/)")
    ap.add_argument("--processed", default=None, help="processed data directory (default data/processed/)")
    args = ap.parse_args(argv)
    if args.jobs is not None and args.jobs < 0:
        ap.error("--jobs must be >= 0 (0 = every core)")
    try:
        res = sweep(args.params, args.outputs, args.processed, args.jobs)
    except SweepParamError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    for r in res.tables["summary"].itertuples(index=False):
        print(f"{r.finding}: holds in {r.n_holds} of {r.n_specs} specifications ({100 * r.share_holds:.1f} %; "
              f"sign-flip test alone {100 * r.share_holds_sign_flip:.1f} %), {r.n_distinct_results} distinct results; "
              f"naive person-level test: {100 * r.share_naive_holds:.1f} %; missing data outside / inside the group: "
              f"{100 * r.outside_share_holds:.1f} % / {100 * r.inside_share_holds:.1f} %")
    t = res.timings
    print(f"{t['n_selections']} selections, {t['n_designs']} distinct designs, {t['n_design_methods']} method fits "
          f"on {resolve_jobs(args.jobs)} worker(s)")
    print(f"sweep seconds: {t['sweep']:.2f} (designs {t['designs']:.2f}, tables {t['tables']:.2f})")
    print(f"wrote {len(res.files)} tables to {paths.rel(res.files['results'].parent)}")
    return 0


from analysis.tasks.base import Task  # noqa: E402  (the declaration sits at the end until the task module is split)

TASK = Task(
    name="robustness",
    notebook="08-robustness",
    reads=("outputs/tables/robustness*.csv", "params/sweep.yaml", "data/processed/**/*", "data/raw/covariates/**/*"),
    writes=("outputs/numbers/robustness.json", "outputs/figures/specification_curve.*", "outputs/figures/robustness_influence.*"),
    after=("01-register",),
    params={
        "tables_dir": "",  # the sweep's tables, empty means outputs/tables/
        "outputs_dir": "",  # figures and numbers.json, empty means outputs/
        "processed_dir": "",  # the register, empty means data/processed/
    },
)