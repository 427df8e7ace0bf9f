"""The injured: MINSA's attended persons by department and wave, and the lethality index with exact intervals.

MINSA's COE published two snapshots of persons attended in health facilities in connection with the protests
(departments.csv, columns in `WAVES`): hospitalised at the snapshot + cumulative discharges in the wave ("attended",
as published; deaths are not in it). From them:
  - attended per 100,000 (2017 census population) by department and wave, exact Poisson (Garwood) intervals;
  - the lethality index of the Monitor of the Use of Lethal Force (killed / injured) by department and for a group of
    departments against the rest. Deaths d and attended i are treated as Poisson counts; given d + i, d is
    binomial with p = index / (1 + index), so a Clopper–Pearson interval on d/(d+i), mapped by p/(1-p), is an exact
    interval for the index. Two groups: given all margins the 2×2 table [[d1, i1], [d2, i2]] is hypergeometric, so
    Fisher's test is the exact conditional test of equal lethality and the conditional odds-ratio interval is an
    exact interval for the ratio of the two indexes.

Deaths are matched to each wave's window with the register's date intervals (`analysis.register.scope`): `certain` deaths
have their whole death-date interval inside the window, `possible` deaths overlap it; both are reported.

A department MINSA does not name is not a measured 0. departments.csv enters it as 0 in both columns
("not listed", covariates NOTES.md), so here a department with 0 hospitalised and 0 discharged in a wave is
`not_listed` and its attended count is unknown (NA). The named departments sum exactly to MINSA's national totals,
so MINSA attributes none of *its* attended persons to them; the "zero" reading uses that as a bound.
"""
import math
from dataclasses import dataclass

import pandas as pd
from scipy import stats
from scipy.stats.contingency import odds_ratio

from analysis.register import scope as S
from analysis.errors import RawDataError, data_row
from analysis.stats.exact import binom_ci, poisson_ci

FILE = "departments.csv"
POPULATION = "pop_census_2017_persons"
UNLISTED_RULES = ("exclude", "zero")


@dataclass(frozen=True)
class Wave:
    hospitalized: str  # departments.csv column: in hospital at the snapshot
    discharged: str  # departments.csv column: cumulative discharges in the wave
    start: str  # first day the snapshot covers
    snapshot: str  # date of the snapshot = last day covered


WAVES = {
    "wave1": Wave("minsa_hospitalized_2022-12-19", "minsa_discharged_cum_2022-12-19", "2022-12-07", "2022-12-19"),
    "wave2": Wave("minsa_hospitalized_2023-01-20_since_0104", "minsa_discharged_cum_2023-01-20_since_0104",
                  "2023-01-04", "2023-01-20"),
}

# ---------------------------------------------------------------- input checks
def _require(df: pd.DataFrame, columns, what: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"{what}: missing column(s) {missing}")


def _wave(name: str) -> Wave:
    if name not in WAVES:
        raise ValueError(f"unknown MINSA wave '{name}'; valid: {sorted(WAVES)}")
    return WAVES[name]


def _counts(departments: pd.DataFrame, column: str) -> pd.Series:
    """Non-negative integer counts of one column; an empty, non-numeric or negative cell names its row and field."""
    raw = departments[column]
    vals = pd.to_numeric(raw.astype("string").str.strip().replace("", pd.NA), errors="coerce")
    for i, (v, r) in enumerate(zip(vals, raw)):
        if pd.isna(v) or v != int(v) or v < 0:
            raise RawDataError(FILE, data_row(i), column, f"count must be a non-negative integer, got {r!r}")
    return vals.astype(int).set_axis(departments.index)


def _check_count(value, name: str) -> int:
    if value is None or pd.isna(value) or int(value) != value or value < 0:
        raise ValueError(f"{name} must be a non-negative integer count, got {value!r}")
    return int(value)


# ---------------------------------------------------------------- attended persons
def attended(departments: pd.DataFrame, wave: str) -> pd.DataFrame:
    """One row per department: population, hospitalised, discharged, attended (NA when not listed), listed."""
    w = _wave(wave)
    _require(departments, ["ubigeo_dep", "department", POPULATION, w.hospitalized, w.discharged], FILE)
    out = departments[["ubigeo_dep", "department"]].copy()
    out["population"] = _counts(departments, POPULATION)
    out["hospitalized"] = _counts(departments, w.hospitalized)
    out["discharged"] = _counts(departments, w.discharged)
    out["listed"] = (out["hospitalized"] + out["discharged"]) > 0
    out["attended"] = (out["hospitalized"] + out["discharged"]).astype("Int64").mask(~out["listed"])
    out.insert(0, "wave", wave)
    return out.reset_index(drop=True)


def attended_rates(departments: pd.DataFrame, waves=tuple(WAVES), alpha: float = 0.05,
                   per: int = 100_000) -> pd.DataFrame:
    """Attended per `per` inhabitants by department and wave, with Garwood intervals on the count.

    Not-listed departments keep NA rate and interval (status 'not_listed'). Sorted by wave, then rate descending.
    """
    rows = []
    for wave in waves:
        t = attended(departments, wave)
        for r in t.itertuples():
            low = high = rate = math.nan
            if r.listed:
                lo, hi = poisson_ci(int(r.attended), alpha)
                rate, low, high = (per * x / r.population for x in (int(r.attended), lo, hi))
            rows.append({"wave": wave, "ubigeo_dep": r.ubigeo_dep, "department": r.department,
                         "population": r.population, "attended": r.attended,
                         "status": "listed" if r.listed else "not_listed", "rate": rate, "ci_low": low,
                         "ci_high": high, "window": f"{WAVES[wave].start} to {WAVES[wave].snapshot}"})
    out = pd.DataFrame(rows).astype({"attended": "Int64"})
    return out.sort_values(["wave", "rate", "ubigeo_dep"], ascending=[True, False, True],
                           na_position="last").reset_index(drop=True)


def minsa_totals(departments: pd.DataFrame, waves=tuple(WAVES)) -> pd.DataFrame:
    """National totals per wave as the sum of the named departments (they equal MINSA's stated totals)."""
    rows = []
    for wave in waves:
        t = attended(departments, wave)
        rows.append({"wave": wave, "hospitalized": int(t["hospitalized"].sum()),
                     "discharged": int(t["discharged"].sum()), "attended": int(t["attended"].sum()),
                     "departments_listed": int(t["listed"].sum())})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- lethality index
def lethality_ci(deaths, attended_, alpha: float = 0.05) -> tuple[float, float, float]:
    """(index, low, high): deaths / attended with the exact conditional (Clopper–Pearson) interval.

    d + i = 0 → all NaN; i = 0 < d → index and upper limit are infinite.
    """
    d, i = _check_count(deaths, "deaths"), _check_count(attended_, "attended")
    if d + i == 0:
        return math.nan, math.nan, math.nan
    lo, hi = binom_ci(d, d + i, alpha)
    odds = lambda p: math.inf if p >= 1 else p / (1 - p)  # noqa: E731
    return (math.inf if i == 0 else d / i), odds(lo), odds(hi)


def compare_lethality(d1, i1, d2, i2, alpha: float = 0.05) -> dict:
    """Ratio of two lethality indexes (d1/i1) / (d2/i2): sample value, conditional MLE, exact conditional interval
    and Fisher's two-sided p (conditional test of equal lethality)."""
    table = [[_check_count(d1, "deaths (group)"), _check_count(i1, "attended (group)")],
             [_check_count(d2, "deaths (rest)"), _check_count(i2, "attended (rest)")]]
    res = odds_ratio(table, kind="conditional")
    ci = res.confidence_interval(1 - alpha)
    (a, b), (c, d) = table
    sample = (a * d) / (b * c) if b * c else (math.inf if a * d else math.nan)
    return {"ratio": sample, "ratio_cmle": float(res.statistic), "ratio_low": float(ci.low),
            "ratio_high": float(ci.high), "p_value": float(stats.fisher_exact(table).pvalue)}


def _victims_ok(victims: pd.DataFrame, departments: pd.DataFrame, date_field: str) -> None:
    _require(victims, ["victim_id", "ubigeo_dep", "context", "event_id", f"date_{date_field}_min",
                       f"date_{date_field}_max"], "victims")
    known = set(departments["ubigeo_dep"].astype(str))
    dep = victims["ubigeo_dep"]
    bad = victims[dep.notna() & ~dep.astype("string").isin(known)]
    if len(bad):
        r = bad.iloc[0]
        raise ValueError(f"victims: {r['victim_id']}, field 'ubigeo_dep': department {r['ubigeo_dep']!r} "
                         f"is not in {FILE}")


def wave_deaths(victims: pd.DataFrame, wave: str, contexts=("clash",), date_field: str = "death") -> dict:
    """Deaths of the wave's window by department: {'certain': Series, 'possible': Series, 'unknown_department':
    {policy: n}}. Counts indexed by ubigeo_dep; persons without a department are counted apart, never placed."""
    w = _wave(wave)
    sel = S.select(victims, S.Scope(contexts=tuple(contexts), start=w.start, end=w.snapshot, date_field=date_field))
    out = {"unknown_department": {}}
    for policy, df in (("certain", sel.certain), ("possible", sel.possible)):
        out[policy] = df["ubigeo_dep"].dropna().astype(str).value_counts()
        out["unknown_department"][policy] = int(df["ubigeo_dep"].isna().sum())
    return out


def _wave_table(victims, departments, wave, contexts, date_field) -> pd.DataFrame:
    t = attended(departments, wave)
    deaths = wave_deaths(victims, wave, contexts, date_field)
    for policy in S.POLICIES:
        t[f"deaths_{policy}"] = t["ubigeo_dep"].astype(str).map(deaths[policy]).fillna(0).astype(int)
    t.attrs["unknown_department"] = deaths["unknown_department"]
    return t


def lethality_by_department(victims: pd.DataFrame, departments: pd.DataFrame, waves=tuple(WAVES),
                            contexts=("clash",), date_field: str = "death", alpha: float = 0.05) -> pd.DataFrame:
    """Lethality index per department and wave (certain and possible deaths), exact intervals.

    Not-listed departments: attended NA, index NA, note says why (their deaths are still shown).
    """
    _victims_ok(victims, departments, date_field)
    rows = []
    for wave in waves:
        t = _wave_table(victims, departments, wave, contexts, date_field)
        for r in t.itertuples():
            row = {"wave": wave, "ubigeo_dep": r.ubigeo_dep, "department": r.department, "attended": r.attended}
            for policy in S.POLICIES:
                d = getattr(r, f"deaths_{policy}")
                est = lethality_ci(d, int(r.attended), alpha) if r.listed else (math.nan,) * 3
                row |= {f"deaths_{policy}": d, f"index_{policy}": est[0], f"low_{policy}": est[1],
                        f"high_{policy}": est[2]}
            row["note"] = "" if r.listed else "not listed by MINSA: attended unknown, index not computed"
            rows.append(row)
    return pd.DataFrame(rows).astype({"attended": "Int64"})


def lethality_groups(victims: pd.DataFrame, departments: pd.DataFrame, codes, waves=tuple(WAVES),
                     contexts=("clash",), date_field: str = "death", alpha: float = 0.05,
                     unlisted=UNLISTED_RULES, labels=("majority-Indigenous", "rest")) -> pd.DataFrame:
    """Lethality index of the departments in `codes` against all others, per wave, per death policy (certain /
    possible) and per reading of not-listed departments, plus the waves pooled ('all'). `codes` has no default:
    notebook 05 reads notebook 04's majority-Indigenous list from its published table.

    unlisted 'exclude': a not-listed department leaves both counts (its deaths are reported in deaths_unlisted);
    'zero': MINSA's own reading, attended 0 there and its deaths counted (raises the index: a bound).
    Persons without a department are in neither group (deaths_unknown_department).
    """
    codes = [str(c) for c in codes]
    known = set(departments["ubigeo_dep"].astype(str)) if "ubigeo_dep" in departments.columns else set()
    bad = sorted(set(codes) - known)
    if bad:
        raise ValueError(f"group codes {bad} are not departments in {FILE} (field 'ubigeo_dep')")
    bad_rule = [u for u in unlisted if u not in UNLISTED_RULES]
    if bad_rule:
        raise ValueError(f"unlisted rule(s) {bad_rule} not in {UNLISTED_RULES}")
    _victims_ok(victims, departments, date_field)
    tables = {w: _wave_table(victims, departments, w, contexts, date_field) for w in waves}
    if len(tables) > 1:
        tables["all"] = _pool(tables)
    rows = []
    for wave, t in tables.items():
        in_group = t["ubigeo_dep"].astype(str).isin(codes)
        for policy in S.POLICIES:
            for rule in unlisted:
                rows.append(_group_row(t, in_group, wave, policy, rule, labels, alpha))
    return pd.DataFrame(rows)


def _pool(tables: dict) -> pd.DataFrame:
    """Waves summed: attended over the waves where the department is listed, deaths over all windows."""
    first = next(iter(tables.values()))
    out = first[["ubigeo_dep", "department"]].copy()
    for col in ("hospitalized", "discharged", "deaths_certain", "deaths_possible"):
        out[col] = sum(t[col].to_numpy() for t in tables.values())
    out["attended"] = sum(t["attended"].fillna(0).to_numpy() for t in tables.values())
    out["listed"] = pd.concat([t["listed"] for t in tables.values()], axis=1).any(axis=1).to_numpy()
    # deaths of a wave in which the department was not listed cannot be matched: count them as unlisted
    out["deaths_unmatched_certain"] = sum((t["deaths_certain"] * ~t["listed"]).to_numpy() for t in tables.values())
    out["deaths_unmatched_possible"] = sum((t["deaths_possible"] * ~t["listed"]).to_numpy() for t in tables.values())
    out.attrs["unknown_department"] = {p: sum(t.attrs["unknown_department"][p] for t in tables.values())
                                       for p in S.POLICIES}
    return out


def _group_row(t, in_group, wave, policy, rule, labels, alpha) -> dict:
    deaths = t[f"deaths_{policy}"]
    unmatched = t.get(f"deaths_unmatched_{policy}", deaths * ~t["listed"])
    if rule == "exclude":
        deaths = deaths - unmatched
    att = t["attended"].fillna(0).astype(int)
    d1, i1 = int(deaths[in_group].sum()), int(att[in_group].sum())
    d2, i2 = int(deaths[~in_group].sum()), int(att[~in_group].sum())
    row = {"wave": wave, "policy": policy, "unlisted": rule, "in_label": labels[0], "rest_label": labels[1]}
    for side, d, i in (("in", d1, i1), ("rest", d2, i2)):
        v, lo, hi = lethality_ci(d, i, alpha)
        row |= {f"{side}_deaths": d, f"{side}_attended": i, f"{side}_index": v, f"{side}_low": lo,
                f"{side}_high": hi}
    row |= compare_lethality(d1, i1, d2, i2, alpha)
    row["deaths_unlisted"] = int(unmatched.sum())
    row["deaths_unknown_department"] = t.attrs["unknown_department"][policy]
    return row

