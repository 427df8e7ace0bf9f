"""What notebook 08 shows, taken from the sweep's tables: the display tables (in words), the values its prose
quotes and the numbers it records. Nothing here computes a statistic; the sweep did (analysis.tasks.robustness.driver).

Each function serves one section of the notebook and returns {name: value} for `Result.values`; those that record
numbers add them to the `Numbers` they are given.
"""
import pandas as pd

from analysis.report.numbers import Numbers
from analysis.report.plots.robustness import Words, change_label
from analysis.report.text import pct
from analysis.tasks.robustness.grid import (BOUNDS, DIMENSION_LABELS, FINDING_DIMS, FINDING_MEANING, FINDINGS,
                                            HOLDS_RULE, MODEL_LABELS, MODELS, choice_labels)


def words(events: pd.DataFrame) -> Words:
    """The words of the figures and display tables (events named by the register's events table)."""
    return Words(dims=FINDING_DIMS, meaning=FINDING_MEANING, dimension=DIMENSION_LABELS, choices=choice_labels(events))


def numbers_of(name: str, tables: dict) -> Numbers:
    """The task's Numbers, their spec the grid the tables were computed on, alpha and the holding rule."""
    alpha = float(tables["summary"]["alpha"].iloc[0])
    return Numbers(name, spec={"grid": tables["grid"].set_index("dimension")["choices"].to_dict(), "alpha": alpha,
                               "holds_rule": HOLDS_RULE})


def grid_view(tables: dict, w: Words, numbers: Numbers) -> dict:
    """The grid in words, the size of each finding's grid (a product of its dimensions' sizes), the counts."""
    s = tables["summary"].set_index("finding")
    grid = tables["grid"].copy()
    grid["choices"] = [" | ".join(w.choice(d, c) for c in str(ch).split(" | "))
                       for d, ch in zip(grid["dimension"], grid["choices"])]
    n = grid.set_index("dimension")["n"]
    n_total = int(s["n_specs"].sum())
    numbers.add("n_specs", n_total, unit="count", definition="specifications of the two findings together (each "
                "finding: the Cartesian product of the dimensions it uses)")
    for f in FINDINGS:
        numbers.add(f"{f}.n_specs", int(s.loc[f, "n_specs"]), unit="count",
                    definition=f"specifications of the {f} finding (Cartesian product of its dimensions)")
    return {"grid": grid[["label", "choices", "n", "used_by", "meaning"]].rename(
                columns={"label": "dimension", "used_by": "used by"}),
            "grid_sizes": {f: " × ".join(str(int(n[d])) for d in dims) for f, dims in FINDING_DIMS.items()},
            "n_dimensions": {f: len(dims) for f, dims in FINDING_DIMS.items()},
            "n_specs": {f: int(s.loc[f, "n_specs"]) for f in FINDINGS}, "n_total": n_total}


def methods_view(tables: dict) -> dict:
    """The methods table and the ranges of events and departments the specifications rest on."""
    r = tables["results"]
    G = r.groupby("finding")["events"].agg(["min", "max"])
    D = r.groupby("finding")["departments"].agg(["min", "max"])
    return {"methods": tables["methods"][["label", "independent_unit", "in_grid", "how"]].rename(
                columns={"label": "method", "independent_unit": "independent unit", "in_grid": "in the grid"}),
            "events_range": (int(G["min"].min()), int(G["max"].max())),
            "departments_range": (int(D["min"].min()), int(D["max"].max())),
            "regional_population_share": float(r.loc[r.finding == "regional", "population_share"].median())}


def holds_view(tables: dict, numbers: Numbers) -> dict:
    """How often each finding holds (over specifications, distinct results, the sign-flip test alone, the naive
    reference, the two missing-data edges): a display table, and the numbers."""
    s = tables["summary"].set_index("finding")
    view = pd.DataFrame({f: {
        "specifications": f"{int(s.loc[f, 'n_specs']):,}",
        "distinct data sets analysed": f"{int(s.loc[f, 'n_distinct_designs']):,}",
        "distinct results": f"{int(s.loc[f, 'n_distinct_results']):,}",
        "holds: share of specifications": f"{pct(s.loc[f, 'share_holds'])} ({int(s.loc[f, 'n_holds']):,})",
        "holds: share of distinct results": f"{pct(s.loc[f, 'share_distinct_holds'])} "
                                            f"({int(s.loc[f, 'n_distinct_holds']):,})",
        "holds under the sign-flip test alone": f"{pct(s.loc[f, 'share_holds_sign_flip'])} "
                                                f"({int(s.loc[f, 'n_holds_sign_flip']):,} of "
                                                f"{int(s.loc[f, 'n_sign_flip']):,})",
        "naive person-level test (reference, not in the grid)": f"{pct(s.loc[f, 'share_naive_holds'])}",
        "bound: missing data all outside the group": f"{pct(s.loc[f, 'outside_share_holds'])}",
        "bound: missing data all inside the group": f"{pct(s.loc[f, 'inside_share_holds'])}",
    } for f in FINDINGS})
    for f in FINDINGS:
        _record_holds(numbers, f, s.loc[f])
    return {"holds": view, "summary": s}


def _record_holds(numbers: Numbers, f: str, r: pd.Series) -> None:
    numbers.add(f"{f}.share_holds", r.share_holds, unit="proportion",
                definition=f"share of the {int(r.n_specs):,} specifications of the {f} finding in which it holds "
                           f"({r.definition}; {HOLDS_RULE}; every method event- or department-level)")
    numbers.add(f"{f}.n_holds", int(r.n_holds), unit="count",
                definition=f"specifications in which the {f} finding holds")
    numbers.add(f"{f}.n_distinct_results", int(r.n_distinct_results), unit="count",
                definition=f"distinct results (rate ratio, interval, p-value, decision) among the {f} specifications")
    numbers.add(f"{f}.n_distinct_designs", int(r.n_distinct_designs), unit="count",
                definition=f"distinct data sets (events x departments) the {f} specifications analyse")
    numbers.add(f"{f}.share_distinct_holds", r.share_distinct_holds, unit="proportion",
                definition=f"share of the distinct results of the {f} finding that hold (each counted once)")
    numbers.add(f"{f}.share_holds_sign_flip", r.share_holds_sign_flip, unit="proportion",
                definition=f"share of the {f} specifications decided by the sign-flip score test by event in which "
                           "it holds")
    numbers.add(f"{f}.share_naive_holds", r.share_naive_holds, unit="proportion",
                definition=f"naive reference: share of the {f} specifications in which the person-level exact "
                           "binomial test (every death independent) would declare the finding")
    for side in ("outside", "inside"):
        numbers.add(f"{f}.bound_{side}_share_holds", r[f"{side}_share_holds"], unit="proportion",
                    definition=f"missing-data edge: share of the {f} specifications in which the finding holds when "
                               f"the missing data all fall {side} the group "
                               f"({dict(BOUNDS[f])[r[f'{side}_edge']]})")


def distinct_view(tables: dict) -> dict:
    """The most repeated distinct results of each finding, and per finding {multiplicity: how many results}."""
    distinct = tables["distinct"]
    top = distinct.sort_values(["multiplicity", "result_id"], ascending=[False, True]).groupby("finding").head(4)
    cols = ["finding", "multiplicity", "rr", "rr_low", "rr_high", "p_value", "decision", "deaths", "date_policy",
            "cutoff", "exclude_event", "measure", "threshold", "model"]
    mult = {f: {int(m): int(n) for m, n in
                distinct[distinct.finding == f]["multiplicity"].value_counts().sort_index().items()}
            for f in FINDINGS}
    return {"top_distinct": top[cols].round({"rr": 2, "rr_low": 2, "rr_high": 2, "p_value": 4}),
            "multiplicity": mult}


def influence_view(tables: dict, w: Words, numbers: Numbers) -> dict:
    """Which change of one choice flips each finding (display table, the most influential change per finding,
    recorded) and how often each finding holds under each inference method."""
    inf = tables["influence"].copy()
    inf["change"] = [change_label(w, d, a, b) for d, a, b in
                     inf[["dimension", "from_choice", "to_choice"]].itertuples(index=False, name=None)]
    inf["flipped"] = [f"{pct(x)} ({h + g:,} of {p:,})" for x, h, g, p in
                      inf[["share_flipped", "holds_to_fails", "fails_to_holds", "pairs"]].itertuples(index=False,
                                                                                                     name=None)]
    top = {}
    for f in FINDINGS:
        d = inf[inf.finding == f].sort_values(["share_flipped", "pairs"], ascending=[False, False])
        t = d.iloc[0]
        numbers.add(f"{f}.most_influential_share_flipped", t.share_flipped, unit="proportion",
                    definition=f"largest share of pairs of {f} specifications, identical but for one choice, whose "
                               f"decision flips: {t.change}")
        top[f] = {"change": t.change, "flipped": t.flipped, "holds_to_fails": int(t.holds_to_fails),
                  "fails_to_holds": int(t.fails_to_holds), "n_never": int((d.share_flipped == 0).sum())}
    by_model = tables["by_choice"][tables["by_choice"].dimension == "model"].copy()
    by_model["method"] = [MODEL_LABELS[m] for m in by_model["choice"]]
    by_model["holds"] = [f"{pct(x)} ({h:,} of {n:,})" for x, h, n in
                         by_model[["share_holds", "n_holds", "n"]].itertuples(index=False, name=None)]
    shown = [MODEL_LABELS[m] for m in MODELS if MODEL_LABELS[m] in set(by_model["method"])]
    return {"influence": inf[["finding", "change", "pairs", "holds_to_fails", "fails_to_holds", "flipped"]].rename(
                columns={"holds_to_fails": "holds → fails", "fails_to_holds": "fails → holds"}),
            "most_influential": top,
            "holds_by_method": by_model.pivot(index="method", columns="finding", values="holds").loc[shown]}


def bounds_view(tables: dict) -> dict:
    """The two missing-data edges of each finding (display table) and the ranges the notebook quotes."""
    results, bounds = tables["results"], tables["bounds"]
    b = bounds.merge(results[["finding", "spec_id", "model"]], on=["finding", "spec_id"])
    edges = b.groupby(["finding", "edge"], sort=False).agg(
        specifications=("holds", "size"), holds=("holds", "sum"), share_holds=("holds", "mean"),
        population_share_min=("population_share", "min"),
        population_share_max=("population_share", "max")).reset_index()
    edges["edge"] = [dict(BOUNDS[f])[e] for f, e in edges[["finding", "edge"]].itertuples(index=False, name=None)]
    for c in ("share_holds", "population_share_min", "population_share_max"):
        edges[c] = edges[c].map(pct)
    known = results.loc[results.finding == "ethnic", "departments"]
    share = {e: (float(b.loc[b.edge == e, "population_share"].min()),
                 float(b.loc[b.edge == e, "population_share"].max())) for e in ("unknown_outside", "unknown_inside")}
    return {"edges": edges, "known_departments": (int(known.min()), int(known.max())), "edge_population_share": share,
            "regional_no_department": int(results.loc[results.finding == "regional", "persons_no_department"].max())}


def conclusion_view(tables: dict) -> dict:
    """What the closing summary quotes: the ethnic finding by measure (and how many departments each measure
    decides), the regional finding by method, its rate-ratio range and deaths in Lima + Callao."""
    results = tables["results"]
    bm = tables["by_choice"].set_index(["finding", "dimension", "choice"])["share_holds"].sort_index()
    eth = results[results.finding == "ethnic"]
    deps = eth.groupby("measure")["departments"].agg(["min", "max"])
    span = {m: f"{int(deps.loc[m, 'min'])}" if deps.loc[m, "min"] == deps.loc[m, "max"]
            else f"{int(deps.loc[m, 'min'])}–{int(deps.loc[m, 'max'])}" for m in deps.index}
    reg_models = bm.loc["regional", "model"]
    verdict = ("split" if reg_models.min() < 0.5 <= reg_models.max() else
               "every method" if reg_models.min() >= 0.5 else "no method")
    reference = results.loc[results.finding == "regional", "deaths_reference"]
    return {"ethnic_by_measure": bm.loc["ethnic", "measure"].to_dict(), "decided_departments": span,
            "regional_by_method": {MODEL_LABELS[m]: float(reg_models[m]) for m in MODELS if m in reg_models.index},
            "regional_methods": verdict, "regional_reference_deaths": (int(reference.min()), int(reference.max()))}
