"""The sweep's results as tables: one row per specification (assemble_results), its distinct results
(specifications with identical numbers counted once), the per-finding summary, which choice flips the decision
(influence), the grid and methods in words, and the provenance that lets notebook 08 refuse stale tables.
"""
import hashlib
import math
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import paths
from analysis.register import scope as S
from analysis.tasks.robustness.grid import (ALPHA, BOUNDS, DEFAULT_GRID, DIMENSION_LABELS, DIMENSION_MEANING,
                                            FINDING_DIMS, FINDING_MEANING, HOLDS_RULE, MODEL_LABELS, MODEL_MEANING,
                                            MODELS, NAIVE, SPEC_PREFIX, default_params_file,
                                            design_dims, label_value)
from analysis.tasks.robustness.methods import design_summary, result_dict


# ---- one row per specification ----------------------------------------------------------------------------------

def decision(row: dict, alpha: float) -> str:
    """holds / does not hold / not estimable, by HOLDS_RULE."""
    p, est = row["p"], row["estimate"]
    if not np.isfinite(p) or math.isnan(est):
        return "not estimable"
    return "holds" if est > 1 and p < alpha else "does not hold"


def _records(df: pd.DataFrame) -> list[dict]:
    """df.to_dict("records") (Python scalars), without pandas' per-value boxing."""
    return [dict(zip(df.columns, row)) for row in zip(*(df[c].tolist() for c in df.columns))]


def assemble_results(specs, spec_designs, unique, computed, alpha) -> dict:
    """The results table (one row per specification: its choices, design, counts, result and decision, naive
    reference) and the bounds table (one row per specification and missing-data edge), from the computed designs.
    `spec_designs`: (finding, choices) -> {"grid" or edge: design key, or the text of why none}."""
    rows, bounds = [], []
    design_ids, counter = {}, {}
    summaries = {k: design_summary(d) for k, d in unique.items()}  # once per design, not per specification

    def summary(ref):
        return design_summary(ref) if isinstance(ref, str) else summaries[ref]

    def result(ref, method):
        return result_dict(note=ref) if isinstance(ref, str) else computed[ref][method]

    def design_id(finding, ref):
        if isinstance(ref, str):
            return ""
        if (finding, ref) not in design_ids:
            n = counter[finding] = counter.get(finding, 0) + 1
            design_ids[(finding, ref)] = f"{SPEC_PREFIX[finding]}-d{n:04d}"
        return design_ids[(finding, ref)]

    for finding, sp in specs.items():
        keys = design_dims(finding)
        for spec in _records(sp):
            refs = spec_designs[(finding, tuple(spec[k] for k in keys))]
            base = {"finding": finding, **{d: spec.get(d, "") for d in DEFAULT_GRID}, "spec_id": spec["spec_id"]}
            grid_ref = refs["grid"]
            res, naive = result(grid_ref, spec["model"]), result(grid_ref, NAIVE)
            dec = decision(res, alpha)
            rows.append({**base, "design_id": design_id(finding, grid_ref), **summary(grid_ref),
                         "rr": res["estimate"], "rr_low": res["low"],
                         "rr_high": res["high"], "p_value": res["p"], "enumerated": res["enumerated"],
                         "decision": dec, "holds": dec == "holds",
                         "naive_p_value": naive["p"], "naive_holds": decision(naive, alpha) == "holds",
                         "note": res["note"]})
            for edge, _ in BOUNDS[finding]:
                r = result(refs[edge], spec["model"])
                dec = decision(r, alpha)
                bounds.append({"finding": finding, "spec_id": spec["spec_id"], "edge": edge, **summary(refs[edge]),
                               "rr": r["estimate"], "p_value": r["p"], "decision": dec, "holds": dec == "holds",
                               "note": r["note"]})
    results = pd.DataFrame(rows)
    results.insert(0, "result_id", "")
    results["result_id"] = result_ids(results)
    cols = ["finding", "spec_id", *DEFAULT_GRID, "result_id"]
    results = results[cols + [c for c in results.columns if c not in cols]]
    return {"results": results, "bounds": pd.DataFrame(bounds)}


# ---- distinct results, summaries, influence ---------------------------------------------------------------------

RESULT_FIELDS = ("rr", "rr_low", "rr_high", "p_value", "decision")


def _fmt(v) -> str:
    """Numbers to 10 significant digits: results that agree to rounding count as one."""
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
    ids = list(zip(results["finding"], results["result_id"]))
    for dim in DEFAULT_GRID:
        seen = {}  # (finding, result_id) -> {choice: None}: the choices in order of first appearance
        for key, value in zip(ids, results[dim]):
            seen.setdefault(key, {}).setdefault(value, None)
        out[dim] = [" | ".join(map(label_value, seen[(f, rid)])) if dim in FINDING_DIMS[f] else ""
                    for f, rid in zip(out["finding"], out["result_id"])]
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
            rows.append({"finding": finding, "dimension": dim, "choice": label_value(value), "n": len(g),
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
        specs, holds_of = list(zip(*(r[d] for d in dims))), r["holds"].astype(bool).tolist()
        for i, dim in enumerate(dims):
            by_choice = {}  # choice -> {the other dimensions' choices: holds}, choices in order of appearance
            for spec, holds in zip(specs, holds_of):
                by_choice.setdefault(spec[i], {})[spec[:i] + spec[i + 1:]] = holds
            if len(by_choice) < 2:
                continue
            reference, *choices = by_choice
            base = by_choice[reference]
            for choice in choices:
                pair = [(base[k], to) for k, to in by_choice[choice].items() if k in base]
                lost = sum(a and not b for a, b in pair)
                gained = sum(b and not a for a, b in pair)
                rows.append({"finding": finding, "dimension": dim, "from_choice": label_value(reference),
                             "to_choice": label_value(choice), "pairs": len(pair), "holds_to_fails": lost,
                             "fails_to_holds": gained, "flipped": lost + gained,
                             "share_flipped": (lost + gained) / len(pair) if len(pair) else math.nan})
    return pd.DataFrame(rows)


def grid_table(choices: dict) -> pd.DataFrame:
    """One row per dimension (DEFAULT_GRID order): its choices (exclude_event expanded to event ids), how many,
    which findings use it and what it means."""
    return pd.DataFrame([{"dimension": d, "label": DIMENSION_LABELS[d],
                          "choices": " | ".join(label_value(c) for c in choices[d]), "n": len(choices[d]),
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


def build_tables(results: pd.DataFrame, bounds: pd.DataFrame, choices: dict, alpha: float) -> dict:
    """Every table of the sweep but the provenance, from the results and bounds of run_sweep."""
    distinct = distinct_results(results)
    tables = {"results": results, "distinct": distinct, "bounds": bounds,
              "summary": summarise(results, bounds, alpha, distinct), "influence": influence(results),
              "by_choice": pd.concat([holds_by_choice(results, f) for f in pd.unique(results["finding"])],
                                     ignore_index=True),
              "grid": grid_table(choices), "methods": method_table()}
    return tables


# ---- files -----------------------------------------------------------------------------------------------------

TABLES = {"results": "robustness.csv", "distinct": "robustness_distinct.csv", "bounds": "robustness_bounds.csv",
          "summary": "robustness_summary.csv", "influence": "robustness_influence.csv",
          "by_choice": "robustness_by_choice.csv", "grid": "robustness_grid.csv", "methods": "robustness_methods.csv",
          "provenance": "robustness_provenance.csv"}
# The modules the sweep runs, relative to the package (their hashes go into robustness_provenance.csv); the
# notebook's presentation (task.py, views.py) is not among them, so editing it does not make the tables stale.
SWEEP_MODULES = ("tasks/robustness/grid.py", "tasks/robustness/designs.py", "tasks/robustness/methods.py",
                 "tasks/robustness/parallel.py", "tasks/robustness/summary.py", "tasks/robustness/driver.py",
                 "register/scope.py", "stats/clustered/design.py", "stats/clustered/models.py",
                 "stats/clustered/resampling.py", "stats/ethnic.py", "stats/exact.py", "stats/rates.py",
                 "register/vocab.py")
PACKAGE = Path(__file__).resolve().parents[2]  # analysis/


def _sha(path: Path) -> str:
    """sha256 of a file's bytes, or "missing"."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest() if Path(path).exists() else "missing"


def provenance(processed_dir, grid_file, alpha: float) -> pd.DataFrame:
    """What the tables were computed from: sha256 of the register tables, the grid file and the package modules
    the sweep runs (notebook 08 refuses stale tables)."""
    processed = Path(processed_dir) if processed_dir else paths.PROCESSED
    items = [(f"data/processed/{n}.csv", _sha(processed / f"{n}.csv")) for n in S.TABLES]
    items.append(("grid file", _sha(grid_file) if grid_file else "built-in grid"))
    items += [(f"analysis/{m}", _sha(PACKAGE / m)) for m in SWEEP_MODULES]
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
                               f"{', '.join(changed)}); run the sweep first "
                               "(python -m analysis run, or python -m analysis sweep)")
    out = {}
    for name, file in TABLES.items():
        out[name] = pd.read_csv(tables_dir / file, dtype={"cutoff": str, "exclude_event": str}, keep_default_na=False,
                                na_values=[""])
    return out
