"""Multiverse (specification-curve) analysis: do the two headline findings survive every defensible analytic choice?

A *specification* is one combination of choices, one value per dimension of a small declared grid (DEFAULT_GRID,
overridable by params/sweep.yaml). The sweep is the Cartesian product of the grid. For each specification two
findings are re-estimated with the suite's own functions (nothing is re-implemented here):

- ethnic (analysis.stats.ethnic.shares): the share of deaths in majority-Indigenous departments against their share
  of the population; exact Clopper-Pearson interval, exact binomial test. Holds if death share > population share
  with p < alpha.
- regional (analysis.stats.rates / analysis.stats.regression): the death rate per 100,000 of the regions (every
  department except Lima 15 and Callao 07) against Lima + Callao. Holds if the lower bound of the interval of the
  rate ratio is > 1.

Each finding depends only on some dimensions (ETHNIC_DIMS, REGIONAL_DIMS); it is computed once per distinct
combination of those (in parallel), then joined onto the full product. Output does not depend on the number of
worker processes: results are sorted by spec id.
"""
import argparse
import itertools
import math
import os
import re
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from . import paths
from . import scope as S
from .io import write_csv_atomic
from .params import read_yaml
from .stats import ethnic as E
from .stats import regression as R
from .stats.rates import LIMA, _blank, department_rates, group_rate, rate_ratio

CALLAO = "07"
CAPITAL = (LIMA, CALLAO)
ALL_CONTEXTS = E.CONTEXTS
SCENARIOS = ("known_only", "all_unknown_below", "all_unknown_above")
MODELS = ("poisson", "poisson_clustered", "negbin")
EVENT_RULE = re.compile(r"^events>=(\d+)$")  # "events>=5": every event with at least 5 persons in victims.csv
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# Dimension -> choices, in display order. Order of dimensions = order of the spec ids.
DEFAULT_GRID = {
    "deaths": ["clash", "all"],                  # which deaths count: clashes with security forces, or every context
    "date_policy": ["certain", "possible"],      # count the persons certainly in the window, or possibly in it
    "cutoff": ["2023-01-31", "2023-02-16", "2023-03-31"],  # date of death on or before
    "exclude_event": ["none", "events>=5"],      # drop one mass-casualty event's persons
    "measure": ["selfid", "mothertongue"],       # Indigenous measure (census 2017)
    "threshold": [40.0, 50.0, 60.0],             # "majority" = share above this percentage
    "unknown_units": list(SCENARIOS),            # departments whose status the published figures leave open
    "model": ["poisson", "negbin"],              # rate model of the regional finding
}
SELECTION_DIMS = ("deaths", "date_policy", "cutoff", "exclude_event")
ETHNIC_DIMS = (*SELECTION_DIMS, "measure", "threshold", "unknown_units")
REGIONAL_DIMS = (*SELECTION_DIMS, "model")
VALID = {  # closed sets; cutoff (ISO date), threshold (number) and exclude_event (data-dependent) are checked apart
    "deaths": ("clash", "all"),
    "date_policy": S.POLICIES,
    "measure": tuple(sorted(E.MEASURES)),
    "unknown_units": SCENARIOS,
    "model": MODELS,
}
ALPHA = 0.05


class SweepParamError(ValueError):
    """A sweep parameter file that names an unknown dimension or choice."""


# ---- grid ---------------------------------------------------------------------------------------------------------

def load_grid(path=None) -> tuple[dict, dict]:
    """(grid, settings) from DEFAULT_GRID overridden by the YAML file `path` (None: defaults only).

    File format: `grid: {dimension: [choices]}` (dimensions not given keep their defaults) and optionally
    `alpha: 0.05`. An unknown dimension or choice is an error listing the valid ones.
    """
    grid = {k: list(v) for k, v in DEFAULT_GRID.items()}
    settings = {"alpha": ALPHA}
    if path is None:
        return grid, settings
    data = read_yaml(path)
    extra = sorted(set(data) - {"grid", "alpha"})
    if extra:
        raise SweepParamError(f"{path}: unknown key(s) {extra}; valid keys: ['alpha', 'grid']")
    for dim, choices in (data.get("grid") or {}).items():
        if dim not in grid:
            raise SweepParamError(f"{path}: unknown dimension {dim!r}; valid dimensions: {list(DEFAULT_GRID)}")
        choices = choices if isinstance(choices, list) else [choices]
        if not choices:
            raise SweepParamError(f"{path}: dimension {dim!r} needs at least one choice")
        grid[dim] = choices
    if "alpha" in data:
        settings["alpha"] = float(data["alpha"])
    check_grid(grid, source=str(path))
    return grid, settings


def check_grid(grid: dict, source: str = "grid") -> dict:
    """Validate every static choice; returns the grid with thresholds as floats and dates as strings."""
    for dim, valid in VALID.items():
        bad = [c for c in grid[dim] if c not in valid]
        if bad:
            raise SweepParamError(f"{source}: {dim}: unknown choice(s) {bad}; valid choices: {list(valid)}")
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


def event_choices(victims: pd.DataFrame, choices, source: str = "grid") -> list[str]:
    """Expand the exclude_event choices: "none", an event id, or "events>=N" (every event with >= N persons in
    `victims`, largest first, then by id). An id with no person in victims.csv is an error listing the valid ones."""
    sizes = R.event_sizes(victims)
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


def expand(grid: dict, victims: pd.DataFrame) -> pd.DataFrame:
    """The Cartesian product of the grid, one row per specification, with a stable id S0001, S0002, ..."""
    grid = {**grid, "exclude_event": event_choices(victims, grid["exclude_event"])}
    rows = list(itertools.product(*(grid[d] for d in DEFAULT_GRID)))
    specs = pd.DataFrame(rows, columns=list(DEFAULT_GRID))
    width = max(4, len(str(len(specs))))
    specs.insert(0, "spec_id", [f"S{i + 1:0{width}d}" for i in range(len(specs))])
    return specs


# ---- inputs ------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Inputs:
    victims: pd.DataFrame
    departments: pd.DataFrame


def load_inputs(processed_dir=None, supplement_parts: bool = True) -> Inputs:
    """The register's victims and departments (analysis.scope.load_register); as notebook 04 does, departments gain
    the published ethnicity parts it lacks (from data/raw/covariates/ethnicity), which bound the Indigenous share of
    more departments."""
    register = S.load_register(Path(processed_dir) if processed_dir else None)
    victims, departments = register["victims"], register["departments"]
    if supplement_parts:
        extra = pd.read_csv(paths.RAW / "covariates" / "ethnicity" / "ethnicity_by_department.csv",
                            dtype={"ubigeo_dep": str})
        for m in sorted(E.MEASURES):
            departments, _ = E.add_missing_columns(departments, extra, m)
    return Inputs(victims, departments)


def contexts_of(deaths: str) -> tuple:
    return ("clash",) if deaths == "clash" else tuple(ALL_CONTEXTS)


def scope_of(choice: dict) -> S.Scope:
    """Who counts under one choice of SELECTION_DIMS, as the suite's one Scope (selected by scope.select): deaths
    of the chosen contexts dated (date of death) on or before the cut-off, the certain or the possible persons, the
    chosen event's persons excluded."""
    event = choice["exclude_event"]
    return S.Scope(contexts=contexts_of(choice["deaths"]), start=None, end=choice["cutoff"], date_field="death",
                   policy=choice["date_policy"], exclude_events=() if event == "none" else (event,))


# ---- the two findings --------------------------------------------------------------------------------------------

def ethnic_estimates(inputs: Inputs, choice: dict, scenarios, alpha: float = ALPHA) -> list[dict]:
    """Death share vs population share of majority-Indigenous departments under one choice of the ETHNIC_DIMS
    other than unknown_units, for each of `scenarios` (one call of ethnic.shares gives all of them)."""
    res = E.shares(inputs.victims, inputs.departments, scope_of(choice), measure=choice["measure"],
                   threshold=float(choice["threshold"]), alpha=alpha)
    out = []
    for scenario in scenarios:
        row = res["scenarios"].loc[scenario]
        share, pop, p = float(row["death_share"]), float(row["population_share"]), float(row["binom_p"])
        holds = bool(np.isfinite(share) and np.isfinite(p) and share > pop and p < alpha)
        out.append({"unknown_units": scenario,
                    "ethnic_deaths_majority": int(row["deaths_majority"]),
                    "ethnic_deaths_total": int(row["deaths_total"]),
                    "ethnic_units_majority": int(res["coverage"]["n_majority"]),
                    "ethnic_units_unknown": int(res["coverage"]["n_unknown"]),
                    "ethnic_death_share": share, "ethnic_death_share_low": float(row["death_share_low"]),
                    "ethnic_death_share_high": float(row["death_share_high"]), "ethnic_population_share": pop,
                    "ethnic_p": p, "ethnic_holds": holds})
    return out


def regional_estimates(inputs: Inputs, choice: dict, models, alpha: float = ALPHA) -> list[dict]:
    """Rate ratio regions / Lima+Callao under one choice of SELECTION_DIMS, for each of `models`:

    "poisson": the exact conditional test and interval of the two-group Poisson comparison (rates.rate_ratio);
    "poisson_clustered": Poisson GLM with a regions indicator, standard errors clustered by lethal event;
    "negbin": negative binomial GLM with the same indicator (Wald interval).
    """
    rates = department_rates(inputs.victims, inputs.departments, scope_of(choice), alpha=alpha)
    table = rates.table
    regions = sorted(set(table["ubigeo_dep"]) - set(CAPITAL))
    reg, cap = group_rate(table, regions, alpha), group_rate(table, CAPITAL, alpha)
    base = {"regional_deaths_regions": reg["deaths"], "regional_deaths_lima_callao": cap["deaths"],
            "regional_rate_regions": reg["rate"], "regional_rate_lima_callao": cap["rate"],
            "regional_deaths_department_unknown": rates.n_unknown_department}
    out = []
    for model in models:
        if model == "poisson":
            rr = rate_ratio(reg["deaths"], reg["population"], cap["deaths"], cap["population"], alpha)
            est = {"rr": rr["rr"], "low": rr["rr_low"], "high": rr["rr_high"], "p": rr["p_value"]}
        else:
            est = _model_rr(table, rates, model, alpha)
        low = est["low"]
        out.append({"model": model, **base, "regional_rr": float(est["rr"]), "regional_rr_low": float(low),
                    "regional_rr_high": float(est["high"]), "regional_p": float(est["p"]),
                    "regional_holds": bool(np.isfinite(low) and low > 1), "regional_note": est.get("note", "")})
    return out


def regions_frame(table: pd.DataFrame) -> pd.DataFrame:
    """Department rate table with the indicator `regions` (1 = not Lima or Callao)."""
    data = table.copy()
    data["regions"] = (~data["ubigeo_dep"].isin(CAPITAL)).astype(float)
    return data


def _model_rr(table: pd.DataFrame, rates, model: str, alpha: float) -> dict:
    data = regions_frame(table)
    nan = {"rr": math.nan, "low": math.nan, "high": math.nan, "p": math.nan}
    if data.loc[data["regions"] == 0, "deaths"].sum() == 0:  # no death in Lima+Callao: log RR is infinite
        return {**nan, "note": "no death in Lima+Callao: the model's rate ratio is not finite"}
    if model == "poisson_clustered":
        persons = rates.persons
        persons = persons.loc[~_blank(persons["ubigeo_dep"])]
        coef = R.poisson_glm(data, ["regions"], persons=persons, alpha=alpha).coefficients.set_index("term")
        c = coef.loc["regions"]
        return {"rr": c["rr"], "low": c["rr_low_cluster"], "high": c["rr_high_cluster"], "p": c["p_cluster"]}
    try:
        coef = R.negbin_glm(data, ["regions"], alpha=alpha).coefficients.set_index("term")
    except RuntimeError as err:  # not converged: reported, never silently replaced by another model
        return {**nan, "note": str(err)}
    c = coef.loc["regions"]
    return {"rr": c["rr"], "low": c["rr_low"], "high": c["rr_high"], "p": c["p_value"]}


# ---- the sweep ---------------------------------------------------------------------------------------------------

_WORKER: dict = {}


def _init_worker(inputs: Inputs, alpha: float) -> None:
    _WORKER["inputs"], _WORKER["alpha"] = inputs, alpha


def _task(item: tuple) -> list[dict]:
    finding, choice, variants = item
    fn = ethnic_estimates if finding == "ethnic" else regional_estimates
    return [{**choice, **row} for row in fn(_WORKER["inputs"], choice, variants, _WORKER["alpha"])]


def _groups(specs: pd.DataFrame, dims, last: str) -> list[tuple[dict, list]]:
    """Distinct choices of `dims` except `last`, each with the values of `last` it is crossed with (grid order)."""
    keys = [d for d in dims if d != last]
    variants = list(pd.unique(specs[last]))
    sub = specs[keys].drop_duplicates()
    return [(dict(zip(keys, row)), variants) for row in sub.itertuples(index=False, name=None)]


def resolve_jobs(jobs) -> int:
    """None or 0 = every core."""
    return int(jobs) if jobs else (os.cpu_count() or 1)


def run_sweep(specs: pd.DataFrame, inputs: Inputs, jobs=None, alpha: float = ALPHA) -> pd.DataFrame:
    """One row per specification: its choices and both findings. `jobs` worker processes (1 = in this process)."""
    tasks = [("ethnic", c, v) for c, v in _groups(specs, ETHNIC_DIMS, "unknown_units")] + \
            [("regional", c, v) for c, v in _groups(specs, REGIONAL_DIMS, "model")]
    jobs = resolve_jobs(jobs)
    if jobs == 1:
        _init_worker(inputs, alpha)
        results = [_task(t) for t in tasks]
    else:
        chunk = max(1, len(tasks) // (4 * jobs))
        with ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker, initargs=(inputs, alpha)) as pool:
            results = list(pool.map(_task, tasks, chunksize=chunk))
    n_eth = sum(1 for t in tasks if t[0] == "ethnic")
    ethnic = pd.DataFrame([r for rows in results[:n_eth] for r in rows])
    regional = pd.DataFrame([r for rows in results[n_eth:] for r in rows])
    out = specs.merge(ethnic, on=list(ETHNIC_DIMS), how="left", validate="many_to_one")
    out = out.merge(regional, on=list(REGIONAL_DIMS), how="left", validate="many_to_one")
    return out.sort_values("spec_id", kind="stable").reset_index(drop=True)


FINDINGS = {
    "ethnic": ("ethnic_holds", ETHNIC_DIMS,
               "death share of majority-Indigenous departments > their population share, exact binomial p < alpha"),
    "regional": ("regional_holds", REGIONAL_DIMS,
                 "death-rate ratio regions / Lima+Callao: lower bound of the 95 % interval > 1"),
}


def summarise(results: pd.DataFrame) -> pd.DataFrame:
    """Share of specifications in which each finding holds; also over the distinct specifications of the
    finding's own dimensions (the full product repeats each estimate once per irrelevant choice)."""
    rows = []
    for finding, (col, dims, definition) in FINDINGS.items():
        distinct = results.drop_duplicates(list(dims))
        est = "ethnic_death_share" if finding == "ethnic" else "regional_rr"
        rows.append({"finding": finding, "n_specs": len(results), "n_holds": int(results[col].sum()),
                     "share_holds": float(results[col].mean()), "n_distinct": len(distinct),
                     "n_distinct_holds": int(distinct[col].sum()), "share_distinct_holds": float(distinct[col].mean()),
                     "estimate": est, "estimate_min": float(distinct[est].min()),
                     "estimate_median": float(distinct[est].median()), "estimate_max": float(distinct[est].max()),
                     "definition": definition})
    return pd.DataFrame(rows)


# ---- which choices matter -----------------------------------------------------------------------------------

# One line per dimension of DEFAULT_GRID: what its choices mean (shown with the grid in notebook 08).
DIMENSION_MEANING = {
    "deaths": "which deaths count: clashes with security forces only, or every context "
              "(blockades, police officer, ...)",
    "date_policy": "count the persons whose date of death certainly lies on or before the cut-off, or also those "
                   "whose date interval only possibly does (the possible persons bound the certain count)",
    "cutoff": "deaths on or before this date",
    "exclude_event": "drop every person killed in one mass-casualty event (each event with >= 5 deaths in turn)",
    "measure": "Indigenous measure: ethnic self-identification or mother tongue (census 2017)",
    "threshold": "a department is majority-Indigenous when its share is above this percentage",
    "unknown_units": "departments whose status the published census figures leave open: left out, "
                     "all counted as not majority, or all counted as majority",
    "model": "rate model of the regional finding: exact Poisson comparison or negative binomial",
}


def _label(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def grid_table(choices: dict) -> pd.DataFrame:
    """One row per dimension (DEFAULT_GRID order): its choices (exclude_event expanded to event ids), how many,
    which findings use it and what it means."""
    return pd.DataFrame([{"dimension": d, "choices": ", ".join(_label(c) for c in choices[d]), "n": len(choices[d]),
                          "used by": ", ".join(f for f, (_, dims, _) in FINDINGS.items() if d in dims),
                          "meaning": DIMENSION_MEANING[d]} for d in DEFAULT_GRID])


def distinct(results: pd.DataFrame, finding: str) -> pd.DataFrame:
    """The distinct specifications of one finding's own dimensions (the product repeats each estimate)."""
    return results.drop_duplicates(list(FINDINGS[finding][1]))


def holds_by_choice(results: pd.DataFrame, finding: str) -> pd.DataFrame:
    """For each choice of each dimension the finding uses: distinct specifications with that choice (n), in how many
    the finding holds and the share. Dimensions in grid order, choices in order of first appearance."""
    col, dims, _ = FINDINGS[finding]
    d = distinct(results, finding)
    rows = []
    for dim in dims:
        for value, g in d.groupby(dim, sort=False):
            rows.append({"dimension": dim, "choice": f"{value:g}" if isinstance(value, float) else value,
                         "n": len(g), "n_holds": int(g[col].sum()), "share_holds": g[col].mean()})
    return pd.DataFrame(rows)


def decisive_dimension(by_choice: pd.DataFrame) -> dict:
    """The dimension whose choices move the share of holding specifications most (largest max - min; the first in
    grid order on a tie), with its best and worst choice (first of equal shares)."""
    spread = by_choice.groupby("dimension", sort=False)["share_holds"].agg(lambda s: s.max() - s.min())
    dim = spread.idxmax()
    sub = by_choice[by_choice["dimension"] == dim]
    return {"dimension": dim, "spread": spread.max(), "best": sub.loc[sub["share_holds"].idxmax()],
            "worst": sub.loc[sub["share_holds"].idxmin()]}


def ethnic_failures(results: pd.DataFrame, by=("measure", "unknown_units")) -> pd.DataFrame:
    """Distinct ethnic specifications in which the finding fails (`failing`) out of all (`of`), per combination of
    `by`; only combinations with at least one failure."""
    d = distinct(results, "ethnic")
    fails = d[~d["ethnic_holds"].astype(bool)]
    failing = fails.groupby(list(by)).size().rename("failing").reset_index()
    totals = d.groupby(list(by)).size().rename("of").reset_index()
    return failing.merge(totals, on=list(by))


def regional_holds_by_model(results: pd.DataFrame) -> pd.DataFrame:
    """Per rate model (grid order): distinct regional specifications in which the finding holds (sum) of all (size)."""
    return distinct(results, "regional").groupby("model", sort=False)["regional_holds"].agg(["sum", "size"])


# ---- figure ------------------------------------------------------------------------------------------------------

def curve_data(results: pd.DataFrame) -> pd.DataFrame:
    """The distinct specifications of each finding, ranked by estimate (the data behind the figure)."""
    parts = []
    for finding, (col, dims, _) in FINDINGS.items():
        d = results.drop_duplicates(list(dims))
        if finding == "ethnic":  # excess of the death share over the population share (census count: no interval)
            est = pd.DataFrame({"estimate": d["ethnic_death_share"] - d["ethnic_population_share"],
                                "low": d["ethnic_death_share_low"] - d["ethnic_population_share"],
                                "high": d["ethnic_death_share_high"] - d["ethnic_population_share"]})
        else:
            est = d[["regional_rr", "regional_rr_low", "regional_rr_high"]].set_axis(["estimate", "low", "high"],
                                                                                      axis=1)
        part = pd.concat([d[["spec_id", *dims]], est, d[[col]].rename(columns={col: "holds"})], axis=1)
        part = part.sort_values(["estimate", "spec_id"], kind="stable", na_position="first")
        part.insert(0, "rank", np.arange(1, len(part) + 1))
        part.insert(0, "finding", finding)
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


# ---- numbers and files -------------------------------------------------------------------------------------------

def record_numbers(summary: pd.DataFrame, grid: dict, alpha: float, outputs: Path):
    from .numbers import Numbers

    spec = {"grid": {k: [str(c) if not isinstance(c, float) else c for c in v] for k, v in grid.items()},
            "alpha": alpha}
    numbers = Numbers("robustness", spec=spec)
    for r in summary.itertuples(index=False):
        numbers.add(f"{r.finding}.share_holds", r.share_holds, unit="proportion",
                    definition=f"share of the {r.n_specs} specifications of the multiverse in which the {r.finding} "
                               f"finding holds ({r.definition})")
        numbers.add(f"{r.finding}.n_holds", r.n_holds, unit="count",
                    definition=f"specifications in which the {r.finding} finding holds")
        numbers.add(f"{r.finding}.share_distinct_holds", r.share_distinct_holds, unit="proportion",
                    definition=f"share of the {r.n_distinct} distinct specifications of the {r.finding} finding's own "
                               "choices in which it holds")
        numbers.add(f"{r.finding}.n_distinct", r.n_distinct, unit="count",
                    definition=f"distinct specifications of the {r.finding} finding's own choices")
    numbers.add("n_specs", int(summary["n_specs"].iloc[0]), unit="count",
                definition="specifications in the multiverse (Cartesian product of the declared grid)")
    numbers.save(outputs / "numbers.json")
    return numbers


@dataclass(frozen=True)
class SweepResult:
    specs: pd.DataFrame
    results: pd.DataFrame
    summary: pd.DataFrame
    curve: pd.DataFrame
    grid: dict
    alpha: float
    files: dict


def default_params_file():
    path = paths.PARAMS / "sweep.yaml"
    return path if path.exists() else None


def sweep(params=None, outputs=None, processed=None, jobs=None) -> SweepResult:
    """Load the grid and data, run every specification, write the tables, the figure and the numbers."""
    from .figures import apply_style, save_figure
    from .plots.robustness import specification_curve  # plots import this module: import here, not at the top

    grid, settings = load_grid(params if params else default_params_file())
    inputs = load_inputs(processed)
    specs = expand(grid, inputs.victims)
    results = run_sweep(specs, inputs, jobs=jobs, alpha=settings["alpha"])
    summary = summarise(results)
    outputs = Path(outputs) if outputs else paths.OUTPUTS
    tables = outputs / "tables"
    files = {"robustness": tables / "robustness.csv", "summary": tables / "robustness_summary.csv"}
    write_csv_atomic(results, files["robustness"])
    write_csv_atomic(summary, files["summary"])
    apply_style()
    fig, data = specification_curve(curve_data(results))
    files.update({f"figure_{k}": v for k, v in save_figure(fig, "specification_curve", data,
                                                           outputs / "figures").items()})
    import matplotlib.pyplot as plt
    plt.close(fig)
    record_numbers(summary, grid, settings["alpha"], outputs)
    return SweepResult(specs, results, summary, data, grid, settings["alpha"], files)


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
    for r in res.summary.itertuples(index=False):
        print(f"{r.finding}: holds in {r.n_holds} of {r.n_specs} specifications ({100 * r.share_holds:.1f} %); "
              f"{r.n_distinct_holds} of {r.n_distinct} distinct")
    print(f"wrote {paths.rel(res.files['robustness'])}, {paths.rel(res.files['summary'])}, "
          f"{paths.rel(res.files['figure_png'])}")
    return 0
