"""Re-deriving Amnesty International's claim (16 Feb 2023) that departments with a majority-Indigenous population hold
~13 % of Peru's population but ~80 % of the deaths. Every definition is a parameter; a missing covariate stays
unknown and is carried as bounds, never filled in.

Unit: department (24 + Callao). A department's Indigenous share is known exactly when the source gives the total;
otherwise the published parts bound it: the Indigenous parts give a lower bound (their sum), the non-Indigenous parts
an upper bound (100 minus their sum). Status is decided only when the whole bound is on one side of the threshold.
Statistics only: rates and rate ratios come from analysis.stats.rates; the task analysis.tasks.ethnic records the
numbers and writes the prose.
"""
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.register import vocab
from analysis.register.scope import Scope, select
from analysis.errors import RawDataError, data_row
from analysis.stats import clustered as C
from analysis.stats import rates
from analysis.stats.exact import binom_ci, binom_test

CONTEXTS = tuple(vocab.CONTEXT)
STATUSES = ("majority", "not_majority", "unknown")
POPULATION_BASES = {"census2017": "pop_census_2017_persons", "proj2022": "pop_proj_2022_persons"}


@dataclass(frozen=True)
class Measure:
    label: str
    total: tuple[str, ...]              # alternative column names for the total Indigenous share
    parts: tuple[tuple[str, ...], ...]  # Indigenous parts (each: alternative names); their sum is a lower bound
    others: tuple[tuple[str, ...], ...]  # non-Indigenous parts; 100 minus their sum is an upper bound
    source_cols: tuple[str, ...]        # provenance columns carried into the classification when present
    base: str


# Alternative names: the processed table (analysis.register.covariates) renames some ethnicity columns; the raw covariate
# files use others. For each quantity the first column that has a value for the unit is used — the alternatives
# hold the same quantity from the same census, so nothing is summed twice. The citypopulation "Other group"
# (Apurímac) pools Indigenous and non-Indigenous answers, so it bounds nothing and is not used.
MEASURES = {
    "selfid": Measure(
        "ethnic self-identification as Indigenous (Quechua, Aymara, Amazonian or other Indigenous)",
        ("indig_selfid_pct", "selfid12_indigenous_total_pct", "pct_selfid_indigenous_total_12plus"),
        (("selfid12_quechua_pct", "pct_selfid_quechua_12plus"),
         ("selfid12_aymara_pct", "pct_selfid_aymara_12plus"),
         ("selfid12_amazonian_pct", "pct_selfid_amazonian_native_12plus"),
         ("selfid12_other_indigenous_pct", "pct_selfid_other_indigenous_12plus")),
        (("selfid12_afro_pct", "pct_selfid_afroperuvian_12plus"),
         ("selfid12_white_pct", "pct_selfid_white_12plus"),
         ("selfid12_mestizo_pct", "pct_selfid_mestizo_12plus"),
         ("selfid12_other_pct", "pct_selfid_other_12plus"),
         ("selfid12_nsnr_pct", "pct_selfid_unknown_12plus")),
        ("selfid_source", "selfid_quality"),
        "census 2017, persons aged 12+"),
    "mothertongue": Measure(
        "mother tongue an Indigenous language",
        ("indig_mothertongue_pct", "mt_indigenous_any_pct", "pct_mothertongue_indigenous_any"),
        (("mt_quechua_pct", "pct_mothertongue_quechua_5plus"),
         ("mt_aymara_pct", "pct_mothertongue_aymara_5plus"),
         ("pct_mothertongue_amazonian_5plus", "mt_ashaninka_pct")),  # Asháninka alone is a lower bound
        (("mt_spanish_pct", "pct_mothertongue_spanish_5plus"),),
        ("mt_source",),
        "census 2017, persons aged 5+ (some sources 3+ or base not stated)"),
}


def _measure(measure: str) -> Measure:
    if measure not in MEASURES:
        raise ValueError(f"measure must be one of {sorted(MEASURES)}, got {measure!r}")
    return MEASURES[measure]


def _numeric(departments: pd.DataFrame, col: str, file: str) -> pd.Series:
    """Numeric view of a percentage column; a non-number that is not empty is an error naming row and field."""
    raw = departments[col]
    num = pd.to_numeric(raw, errors="coerce")
    bad = num.isna() & raw.notna() & (raw.astype(str).str.strip() != "")
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise RawDataError(file, data_row(i), col, f"not a number: {raw.iloc[i]!r}")
    out_of_range = (num < 0) | (num > 100)
    if out_of_range.any():
        i = int(np.flatnonzero(out_of_range.to_numpy())[0])
        raise RawDataError(file, data_row(i), col, f"percentage outside 0-100: {num.iloc[i]}")
    return num.astype(float)


def _first_present(departments: pd.DataFrame, names: tuple[str, ...], file: str) -> pd.Series:
    """Per unit, the value of the first alternative column that has one (NaN if none)."""
    out = pd.Series(np.nan, index=departments.index)
    for col in names:
        if col in departments.columns:
            out = out.fillna(_numeric(departments, col, file))
    return out


def share_bounds(departments: pd.DataFrame, measure: str = "selfid", *, use_parts: bool = True,
                 file: str = "departments.csv") -> pd.DataFrame:
    """Per unit: share (exact total or NaN), share_low, share_high (percent), basis (which published figures)."""
    m = _measure(measure)
    idx = departments.index
    total = _first_present(departments, m.total, file)
    parts = pd.DataFrame({n[0]: _first_present(departments, n, file) for n in m.parts}, index=idx)
    others = pd.DataFrame({n[0]: _first_present(departments, n, file) for n in m.others}, index=idx)
    has_parts = parts.notna().any(axis=1) & use_parts
    has_others = others.notna().any(axis=1) & use_parts
    low = parts.sum(axis=1).where(has_parts, 0.0)
    high = (100.0 - others.sum(axis=1)).where(has_others, 100.0)
    known = total.notna()
    low = low.where(~known, total).clip(0, 100)
    high = high.where(~known, total).clip(0, 100)
    basis = np.where(known, "total published",
                     np.where(has_parts & has_others, "bounded by Indigenous and non-Indigenous parts",
                              np.where(has_parts, "lower bound from Indigenous parts",
                                       np.where(has_others, "upper bound from non-Indigenous parts", "missing"))))
    out = pd.DataFrame({"share": total, "share_low": low, "share_high": high, "basis": basis}, index=idx)
    for col in m.source_cols:
        if col in departments.columns:
            out[col] = departments[col]
    return out


def classify_departments(departments: pd.DataFrame, measure: str = "selfid", threshold: float = 50.0, *,
                         use_parts: bool = True, file: str = "departments.csv") -> pd.DataFrame:
    """One row per unit: ubigeo_dep, department, share, share_low, share_high, basis, status.

    status = "majority" when the share is certainly above `threshold` (share_low > threshold), "not_majority" when
    certainly not (share_high <= threshold), else "unknown" — a missing value is never read as "not majority".
    """
    _check_threshold(threshold)
    _check_departments(departments, file)
    b = share_bounds(departments, measure, use_parts=use_parts, file=file)
    status = majority_status(b, threshold)
    out = departments[["ubigeo_dep", "department"]].copy()
    out = pd.concat([out, b], axis=1)
    out["status"] = status
    return out.reset_index(drop=True)


def majority_status(bounds: pd.DataFrame, threshold: float) -> np.ndarray:
    """The status rule of classify_departments on share bounds (share_low, share_high) already computed: one
    measure's bounds serve every threshold."""
    _check_threshold(threshold)
    return np.where(bounds["share_low"] > threshold, "majority",
                    np.where(bounds["share_high"] <= threshold, "not_majority", "unknown"))


def _check_threshold(threshold: float) -> None:
    if not 0 <= threshold < 100:
        raise ValueError(f"threshold must be a percentage in [0, 100), got {threshold!r}")


def coverage(classified: pd.DataFrame) -> dict:
    """Counts of units by status and by basis: how much of the table rests on a published value."""
    return {"n_units": int(len(classified)),
            "n_exact": int(classified["share"].notna().sum()),
            **{f"n_{s}": int((classified["status"] == s).sum()) for s in STATUSES},
            # in table (code) order: a plain sort would put accented names (Áncash) last
            "unknown_units": classified.loc[classified["status"] == "unknown", "department"].tolist()}


def _check_departments(departments: pd.DataFrame, file: str, required=("ubigeo_dep", "department")) -> None:
    for col in required:
        if col not in departments.columns:
            raise RawDataError(file, None, col, "required column missing")
    codes = departments["ubigeo_dep"].astype(str)
    bad = ~codes.str.fullmatch(r"\d{2}")
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise RawDataError(file, data_row(i), "ubigeo_dep", f"not a 2-digit code: {codes.iloc[i]!r}")
    dup = codes.duplicated()
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise RawDataError(file, data_row(i), "ubigeo_dep", f"duplicate code {codes.iloc[i]!r}")


def population(departments: pd.DataFrame, base: str = "census2017", file: str = "departments.csv") -> pd.Series:
    """Population per unit for the chosen base; an incomplete base is refused (naming the units), not patched."""
    if base not in POPULATION_BASES:
        raise ValueError(f"population base must be one of {sorted(POPULATION_BASES)}, got {base!r}")
    col = POPULATION_BASES[base]
    if col not in departments.columns:
        raise RawDataError(file, None, col, f"population base {base!r} needs this column")
    pop = pd.to_numeric(departments[col], errors="coerce")
    missing = pop.isna() | (pop <= 0)
    if missing.any():
        names = departments.loc[missing, "department"].astype(str).tolist()
        i = int(np.flatnonzero(missing.to_numpy())[0])
        raise RawDataError(file, data_row(i), col, f"population base {base!r} is incomplete: no positive value "
                                                   f"for {len(names)} unit(s): {', '.join(names)}")
    return pop.astype("int64")


def base_is_complete(departments: pd.DataFrame, base: str) -> bool:
    col = POPULATION_BASES[base]
    return col in departments.columns and bool(pd.to_numeric(departments[col], errors="coerce").gt(0).all())


def scope_contexts(contexts) -> tuple:
    """A definition's contexts as a tuple: None or "all" = every context."""
    if contexts is None or contexts == "all" or list(contexts) == ["all"]:
        return CONTEXTS
    bad = sorted(set(contexts) - set(CONTEXTS))
    if bad:
        raise ValueError(f"contexts must be among {CONTEXTS} (or 'all'), got {bad}")
    return tuple(contexts)


def department_table(victims: pd.DataFrame, departments: pd.DataFrame, scope: Scope, *, measure: str = "selfid",
                     threshold: float = 50.0, population_base: str = "census2017",
                     use_parts: bool = True) -> tuple[pd.DataFrame, dict]:
    """Per unit: classification, population, deaths (the scope's count: certain persons by default) with
    deaths_certain / deaths_possible as its bounds, rate per 100,000 with exact Poisson interval (rates.department_rates).
    Also returns the selection info, including persons whose department is unknown (they are in no unit's count)."""
    cls = classify_departments(departments, measure, threshold, use_parts=use_parts)
    population(departments, population_base)  # an incomplete base is refused here, naming the file and the units
    sel = select(victims, scope)
    _check_codes(victims, sel.possible, set(cls["ubigeo_dep"]))  # certain ⊆ possible: every counted code is checked
    counts = rates.department_rates(victims, departments, scope, population_col=POPULATION_BASES[population_base])
    per_unit = counts.table.drop(columns="department").rename(columns={"rate": "rate_per_100k"})
    tab = cls.merge(per_unit, on="ubigeo_dep", how="left", validate="one_to_one")
    info = {"n_persons": int(len(victims)), "n_selected": len(sel.count), "n_certain": len(sel.certain),
            "n_possible": len(sel.possible), "n_uncertain": len(sel.uncertain), "n_outside": len(sel.outside),
            "policy": scope.policy, "contexts": sorted(scope.contexts),
            "n_department_unknown": int(_no_department(sel.count).sum()),
            "n_department_unknown_possible": int(_no_department(sel.possible).sum()),
            "population_base": population_base, "measure": measure, "threshold": float(threshold),
            "cutoff_date": scope.end}
    return tab.sort_values("ubigeo_dep").reset_index(drop=True), info


def _no_department(persons: pd.DataFrame) -> pd.Series:
    return persons["ubigeo_dep"].astype("string").fillna("").str.strip() == ""


def _check_codes(victims: pd.DataFrame, persons: pd.DataFrame, known_codes: set) -> None:
    """A counted person's department code that the departments table lacks is an error naming the register row."""
    codes = persons["ubigeo_dep"].astype("string").fillna("").str.strip()
    stray = ~codes.isin(known_codes) & (codes != "")
    if stray.any():
        j = int(np.flatnonzero(stray.to_numpy())[0])
        vid = persons["victim_id"].iloc[j]
        i = int(np.flatnonzero((victims["victim_id"] == vid).to_numpy())[0])
        raise RawDataError("victims.csv", data_row(i), "ubigeo_dep",
                           f"{vid}: code not in departments: {codes.iloc[j]!r}")


def _rate_ratio(k: int, n: int, pop_in: float, pop_out: float, alpha: float) -> tuple[float, float, float]:
    """Rate ratio in vs out with its exact conditional interval (rates.rate_ratio); undefined (NaN) without deaths
    or without population on either side."""
    if n == 0 or pop_in == 0 or pop_out == 0:
        return math.nan, math.nan, math.nan
    r = rates.rate_ratio(k, pop_in, n - k, pop_out, alpha)
    return r["rr"], r["rr_low"], r["rr_high"]


def _scenario(name: str, k: int, n: int, pop_in: int, pop_total: int, alpha: float, description: str) -> dict:
    lo, hi = binom_ci(k, n, alpha) if n else (math.nan, math.nan)
    pop_share = pop_in / pop_total if pop_total else math.nan
    p = binom_test(k, n, pop_share) if n and 0 < pop_share < 1 else math.nan
    rr, rr_lo, rr_hi = _rate_ratio(k, n, pop_in, pop_total - pop_in, alpha)
    return {"scenario": name, "deaths_majority": k, "deaths_total": n, "death_share": k / n if n else math.nan,
            "death_share_low": lo, "death_share_high": hi, "population_majority": int(pop_in),
            "population_total": int(pop_total), "population_share": pop_share, "binom_p": p,
            "rate_ratio": rr, "rate_ratio_low": rr_lo, "rate_ratio_high": rr_hi, "description": description}


def shares(victims: pd.DataFrame, departments: pd.DataFrame, scope: Scope, *, measure: str = "selfid",
           threshold: float = 50.0, population_base: str = "census2017", use_parts: bool = True,
           alpha: float = 0.05) -> dict:
    """Population share and death share of the majority-Indigenous group, three ways:

    - known_only: only units with a decided status (and persons located in them);
    - all_unknown_below (lower bound): every unknown unit, and every person with no department, outside the group;
    - all_unknown_above (upper bound): every unknown unit, and every person with no department, inside the group.
    Both shares only grow as units join the group, so the two bounds are the min and max over every possible
    resolution of the missing values. Death share: Clopper–Pearson interval on persons and an exact binomial test
    against the population share. The population share is a census count (no sampling interval).
    Returns {"scenarios": DataFrame, "table": per-unit DataFrame, "info": dict, "coverage": dict}.
    """
    tab, info = department_table(victims, departments, scope, measure=measure, threshold=threshold,
                                 population_base=population_base, use_parts=use_parts)
    maj, unk, known = (tab["status"] == "majority"), (tab["status"] == "unknown"), (tab["status"] != "unknown")
    d_maj, d_unk = int(tab.loc[maj, "deaths"].sum()), int(tab.loc[unk, "deaths"].sum())
    d_known, d_nodep = int(tab.loc[known, "deaths"].sum()), info["n_department_unknown"]
    p_maj, p_unk = int(tab.loc[maj, "population"].sum()), int(tab.loc[unk, "population"].sum())
    p_known, p_all = int(tab.loc[known, "population"].sum()), int(tab["population"].sum())
    n_all = d_known + d_unk + d_nodep
    rows = [
        _scenario("known_only", d_maj, d_known, p_maj, p_known, alpha,
                  "units with a decided status only; persons in unknown-status units or with no department left out"),
        _scenario("all_unknown_below", d_maj, n_all, p_maj, p_all, alpha,
                  "every unknown-status unit and every person with no department counted outside the group (minimum)"),
        _scenario("all_unknown_above", d_maj + d_unk + d_nodep, n_all, p_maj + p_unk, p_all, alpha,
                  "every unknown-status unit and every person with no department counted inside the group (maximum)"),
    ]
    return {"scenarios": pd.DataFrame(rows).set_index("scenario"), "table": tab, "info": info,
            "coverage": coverage(tab)}


def rate_models(table: pd.DataFrame, per: float = 10.0, max_width: float = 10.0, min_units: int = 5) -> dict:
    """Poisson GLMs of deaths with a log-population offset, each on the units where its covariate is known:

    - "share_published": log rate linear in the published total Indigenous share (per `per` percentage points);
    - "share_low" / "share_high": the same on units whose share is published or bounded within `max_width` points,
      fitted once at the lower and once at the upper end of the bounds (a sensitivity pair, not an estimate of
      the missing value);
    - "status": majority vs not-majority indicator, units with a decided status.
    Each reports the rate ratio, its Wald interval, p-value, the Pearson dispersion (chi2/df; >1 = overdispersion)
    and a quasi-Poisson p-value that scales the errors by it. Fewer than `min_units` units: not fitted.
    """
    import statsmodels.api as sm

    narrow = (table["share_high"] - table["share_low"]) <= max_width
    specs = {"share_published": (table["share"].notna(), lambda t: t["share"] / per),
             "share_low": (narrow, lambda t: t["share_low"] / per),
             "share_high": (narrow, lambda t: t["share_high"] / per),
             "status": (table["status"] != "unknown", lambda t: (t["status"] == "majority").astype(float))}
    out = {}
    for name, (mask, xfun) in specs.items():
        t = table.loc[mask]
        x = xfun(t)
        res = {"n_units": int(len(t)), "n_units_total": int(len(table)), "deaths_used": int(t["deaths"].sum()),
               "units": t["department"].tolist(), "per": per if name != "status" else None}
        if len(t) < min_units or x.nunique() < 2 or t["deaths"].sum() == 0:
            out[name] = {**res, "fitted": False,
                         "reason": f"fewer than {min_units} units, no variation in the covariate, or no deaths"}
            continue
        X = sm.add_constant(x.to_numpy(dtype=float))
        model = sm.GLM(t["deaths"].to_numpy(dtype=float), X, family=sm.families.Poisson(),
                       offset=np.log(t["population"].to_numpy(dtype=float)))
        fit = model.fit()
        dispersion = float(fit.pearson_chi2 / fit.df_resid) if fit.df_resid > 0 else math.nan
        quasi = model.fit(scale="X2") if fit.df_resid > 0 else None
        lo, hi = fit.conf_int()[1]
        out[name] = {**res, "fitted": True, "rate_ratio": float(np.exp(fit.params[1])),
                     "rate_ratio_low": float(np.exp(lo)), "rate_ratio_high": float(np.exp(hi)),
                     "p_value": float(fit.pvalues[1]), "dispersion": dispersion,
                     "quasi_p_value": float(quasi.pvalues[1]) if quasi is not None else math.nan}
    return out


def permutation(table: pd.DataFrame, *, statistic: str = "rate_ratio", n_permutations: int = 100_000,
                seed: int = 20221207, alternative: str = "greater"):
    """Department-level permutation test: permute the majority labels across the units with a decided status.
    statistic "rate_ratio" (death rate majority / not-majority) or "death_share" (share of their deaths)."""
    from analysis.stats.permutation import permutation_test, rate_ratio_statistic, share_statistic

    t = table.loc[table["status"] != "unknown"]
    labels = (t["status"] == "majority").to_numpy()
    if statistic == "rate_ratio":
        stat = rate_ratio_statistic(t["deaths"], t["population"])
    elif statistic == "death_share":
        stat = share_statistic(t["deaths"])
    else:
        raise ValueError(f"statistic must be 'rate_ratio' or 'death_share', got {statistic!r}")
    return permutation_test(labels, stat, alternative=alternative, n_permutations=n_permutations, seed=seed)


def spec_key(measure: str, threshold: float, contexts, cutoff_date: str | None) -> str:
    """Stable key fragment of a definition, e.g. 'selfid.t50.clash.c20230216'."""
    ctx = "all" if contexts is None or contexts == "all" or set(contexts) >= set(CONTEXTS) \
        else "+".join(sorted(contexts))
    cut = f"c{cutoff_date.replace('-', '')}" if cutoff_date else "call"
    thr = f"{threshold:g}".replace(".", "p")
    return f"{measure}.t{thr}.{ctx}.{cut}"


# ---------------------------------------------------------------- the three scenarios and the alternatives
# The scenarios of shares(), in their order, with the short name figures and definitions give them.
SCENARIO_LABELS = {"known_only": "known only", "all_unknown_below": "unknown all below",
                   "all_unknown_above": "unknown all above"}


def permutation_possible(table: pd.DataFrame) -> bool:
    """A label permutation needs units with a known status on both sides of the threshold."""
    return bool((table["status"] == "majority").any() and (table["status"] == "not_majority").any())


def definition_grid(measures, thresholds, contexts_list, cutoffs, default: tuple) -> list[tuple]:
    """Every (measure, threshold, contexts, cutoff) of the alternatives, in loop order; the default definition
    is put first when the alternatives do not include it."""
    grid = [(m, float(t), ctx, cut) for m in measures for t in thresholds for ctx in contexts_list for cut in cutoffs]
    m, t, ctx, cut = default
    default = (m, float(t), ctx, cut)
    return grid if default in grid else [default, *grid]


def alternatives(victims: pd.DataFrame, departments: pd.DataFrame, grid, scope: Scope, *,
                 population_base: str) -> list[dict]:
    """shares() under each definition of `grid` (measure, threshold, contexts, cut-off; the rest of `scope` kept):
    [{"key", "spec", "definition", "result"}], in grid order."""
    out = []
    for m, t, ctx, cut in grid:
        r = shares(victims, departments, scope.with_(contexts=scope_contexts(ctx), end=cut), measure=m,
                   threshold=t, population_base=population_base)
        spec = {"measure": m, "threshold": t, "contexts": sorted(ctx) if ctx else "all", "cutoff_date": cut,
                "date_policy": scope.policy}
        out.append({"key": spec_key(m, t, ctx, cut), "spec": spec, "definition": (m, t, ctx, cut), "result": r})
    return out


# ----------------------------------------------------- evidence at the level it was generated (issue 10, item 1)
# Persons killed in one afternoon at one place are not independent draws: the person-level Clopper-Pearson interval
# and binomial p-value above are descriptive. The lethal event is the unit that can be treated as independent; the
# department is the unit the covariate belongs to. The functions below give the same three scenarios at those levels.
HEADLINE_SCENARIO = "all_unknown_below"  # the majority departments against every other department (Amnesty's 13 %)


def scenario_groups(table: pd.DataFrame, scenario: str) -> dict:
    """Departments of the group, departments considered and the rule for persons/events with no department, for one
    scenario of shares(): known_only (known status only; no department dropped), all_unknown_below (majority units
    against all others; no department counted outside), all_unknown_above (majority and unknown units; inside)."""
    maj = table.loc[table["status"] == "majority", "ubigeo_dep"].astype(str).tolist()
    unk = table.loc[table["status"] == "unknown", "ubigeo_dep"].astype(str).tolist()
    known = table.loc[table["status"] != "unknown", "ubigeo_dep"].astype(str).tolist()
    rules = {"known_only": (maj, known, "drop"), "all_unknown_below": (maj, None, "outside"),
             "all_unknown_above": (maj + unk, None, "inside")}
    if scenario not in rules:
        raise ValueError(f"scenario must be one of {list(rules)}, got {scenario!r}")
    group, within, unknown = rules[scenario]
    return {"group": group, "within": within, "unknown": unknown}


def event_scenarios(persons: pd.DataFrame, table: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """Lethal events (clustered.lethal_events) in the group's departments against the group's population share,
    per scenario: exact binomial test and Clopper-Pearson interval, the event being the unit."""
    events = C.lethal_events(persons)
    pop = table.set_index(table["ubigeo_dep"].astype(str))["population"].astype(float)
    rows = []
    for name in SCENARIO_LABELS:
        g = scenario_groups(table, name)
        if not g["group"]:
            continue
        r = C.event_share_test(events, g["group"], pop, within=g["within"], unknown=g["unknown"], alpha=alpha)
        rows.append({"scenario": name, **{k: v for k, v in r.items() if k not in ("alternative", "unknown")}})
    return pd.DataFrame(rows).set_index("scenario")


def bootstrap_scenarios(persons: pd.DataFrame, table: pd.DataFrame, *, n_boot: int, seed: int,
                        alpha: float = 0.05) -> pd.DataFrame:
    """Death share of the group per scenario with the event-cluster bootstrap interval (lethal events resampled
    with replacement, seeded): the persons of one event stay together in every resample."""
    rows = []
    for name in SCENARIO_LABELS:
        g = scenario_groups(table, name)
        if not g["group"]:
            continue
        r = C.death_share_bootstrap(persons, g["group"], within=g["within"], unknown=g["unknown"], n_boot=n_boot,
                                    seed=seed, alpha=alpha)
        rows.append({"scenario": name, **r})
    return pd.DataFrame(rows).set_index("scenario")


def contrast(persons: pd.DataFrame, departments: pd.DataFrame, table: pd.DataFrame, scenario: str, *,
             population_base: str = "census2017"):
    """clustered.Design of the group's departments (x = 1) against the others considered in `scenario` (x = 0);
    persons with no department are in no department's count (known_only and all_unknown_below drop them from the
    model, all_unknown_above cannot place them either: reported as n_unknown_department)."""
    g = scenario_groups(table, scenario)
    return C.contrast_design(persons, departments, g["group"], reference="rest", within=g["within"],
                             population_col=POPULATION_BASES[population_base])
