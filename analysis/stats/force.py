"""How force was used: shares with exact intervals, the groups and outcomes compared (the tests are in
force_compare), lethal-force indicators, and the counts behind section 7 of notebook 05.

Indicators follow the Monitor of the Use of Lethal Force in Latin America (Monitor del Uso de la Fuerza Letal),
restricted to what this register supports. Every denominator is stated; when one is missing the result says so
(value None plus a reason) instead of guessing.
"""
import re
from dataclasses import dataclass, replace

import pandas as pd

from analysis.register.scope import Scope, select
from analysis.stats.descriptive import LEVELS, as_category
from analysis.stats.exact import binom_ci
from analysis.stats.injured import WAVES, attended, lethality_ci

NOT_KNOWN = ("unknown", "not_applicable")
UPPER_BODY = ("head", "neck", "thorax")
DEPARTMENT_CODES = tuple(f"{i:02d}" for i in range(1, 26))  # INEI 01..25, Callao = 07


@dataclass(frozen=True)
class Share:
    label: str
    k: int
    n: int
    value: float
    low: float
    high: float
    denominator: str  # who is counted in n, in words

    def as_row(self) -> dict:
        return {"label": self.label, "k": self.k, "n": self.n, "share": self.value, "ci_low": self.low,
                "ci_high": self.high, "denominator": self.denominator}


def share(k: int, n: int, label: str, denominator: str, alpha: float = 0.05) -> Share:
    low, high = binom_ci(int(k), int(n), alpha)
    return Share(label, int(k), int(n), k / n if n else float("nan"), low, high, denominator)


def proportions(victims: pd.DataFrame, field: str, levels=None, exclude=NOT_KNOWN, alpha: float = 0.05) -> pd.DataFrame:
    """Share of each level of `field` with a Clopper–Pearson interval.

    Denominator = persons whose `field` is not in `exclude` (default: known and applicable); the number excluded
    is returned in column n_excluded so the reader sees it.
    """
    values = as_category(victims[field])
    eligible = ~values.isin(list(exclude))
    n = int(eligible.sum())
    levels = [lv for lv in (levels or LEVELS[field]) if lv not in exclude]
    what = f"persons with {field} not in {list(exclude)}" if exclude else "all persons"
    rows = [share(int((values[eligible] == lv).sum()), n, lv, what, alpha).as_row() for lv in levels]
    out = pd.DataFrame(rows)
    out["n_excluded"] = int((~eligible).sum())
    return out


def site_share(victims: pd.DataFrame, sites=UPPER_BODY, exclude=NOT_KNOWN, alpha: float = 0.05) -> Share:
    """Share of persons whose recorded wound site is in `sites`, among persons with a known site.

    "multiple" counts in the denominator but not the numerator: the register does not say which sites, so this
    is a lower bound for the upper-body share.
    """
    wound = as_category(victims["wound"])
    known = ~wound.isin(list(exclude))
    k = int((known & wound.isin(list(sites))).sum())
    return share(k, int(known.sum()), "+".join(sites), f"persons with a known wound site (excluded: {list(exclude)})",
                 alpha)


# ---------------------------------------------------------------- group comparisons
def department_group(victims: pd.DataFrame, codes) -> pd.Series:
    """True where ubigeo_dep is in `codes`, False elsewhere, NA where the department is unknown.

    Codes are validated: a code that is not an INEI department (01..25) fails loudly rather than matching nothing.
    """
    codes = [str(c) for c in codes]
    bad = sorted(set(codes) - set(DEPARTMENT_CODES))
    if bad:
        raise ValueError(f"group definition has codes that are not INEI departments 01..25: {bad}")
    dep = victims["ubigeo_dep"].astype("string")
    return dep.isin(codes).astype("boolean").mask(dep.isna())


def level_group(victims: pd.DataFrame, field: str, in_group, out_group) -> pd.Series:
    """True for levels in `in_group`, False for `out_group`, NA otherwise (e.g. force army/both vs police)."""
    v = as_category(victims[field])
    g = pd.Series(pd.NA, index=victims.index, dtype="boolean")
    g[v.isin(list(in_group))] = True
    g[v.isin(list(out_group))] = False
    return g


def known_outcome(victims: pd.DataFrame, field: str, positive, exclude=NOT_KNOWN) -> pd.Series:
    """Boolean outcome (value in `positive`), NA where the field is unknown/not applicable."""
    v = as_category(victims[field])
    return v.isin(list(positive)).astype("boolean").mask(v.isin(list(exclude)))


# ---------------------------------------------------------------- lethal-force indicators
@dataclass(frozen=True)
class Indicator:
    """value = numerator / denominator over the certain persons (the scope's count); the *_possible fields are the
    same counts over the possible persons (None where the count is not from the register)."""
    name: str
    value: float | None
    numerator: int | None
    denominator: int | None
    source: str
    window: str
    note: str
    numerator_possible: int | None = None
    denominator_possible: int | None = None


def civilians_per_officer(victims: pd.DataFrame, scope: Scope) -> Indicator:
    """Civilians killed per police officer killed in the scope's window (Monitor: ratio > 10 signals abuse of force).

    Civilians = persons of `scope` (its contexts); officers = the same scope with context "police_officer". Both are
    counted over the scope's set (certain persons by default); the possible counts are kept as bounds and the note
    says how many deaths may fall in the window without certainly doing so. Zero officers → undefined (None).
    """
    civ = select(victims, scope)
    pol = select(victims, scope.with_(contexts=("police_officer",)))
    window = f"{scope.start} to {scope.end}"
    uncertain = len(civ.uncertain) + len(pol.uncertain)
    note = (f"{scope.policy} persons counted; {uncertain} civilian or police death(s) whose date interval only "
            f"overlaps the window not counted (possible: {len(civ.possible)} civilians, {len(pol.possible)} police)")
    k, n = len(civ.count), len(pol.count)
    bounds = {"numerator_possible": len(civ.possible), "denominator_possible": len(pol.possible)}
    if n == 0:
        return Indicator("civilians_per_police_killed", None, k, 0, "victims register", window,
                         note + "; no police officer killed in the window: ratio undefined", **bounds)
    return Indicator("civilians_per_police_killed", k / n, k, n, "victims register", window, note, **bounds)


def lethality_index(killed: int, injured: int | None, *, source: str, window: str, note: str = "") -> Indicator:
    """Killed per injured (Monitor: > 1 signals lethal force used beyond need). None when injured is missing or
    zero. The value is stats.injured.lethality_ci's, which adds the exact interval."""
    if injured is None or pd.isna(injured):
        return Indicator("lethality_index", None, int(killed), None, source, window,
                         (note + "; " if note else "") + "no injured count for this scope and window: not computed")
    if int(injured) == 0:
        return Indicator("lethality_index", None, int(killed), 0, source, window,
                         (note + "; " if note else "") + "zero injured: ratio undefined")
    return Indicator("lethality_index", lethality_ci(int(killed), int(injured))[0], int(killed), int(injured), source,
                     window, note)


_NUMBER = re.compile(r"^\s*(?P<q>[~>≥<]|approx\.?\s*)?\s*(?P<n>\d[\d,]*)")


def injured_alternatives(text: str) -> pd.DataFrame:
    """The injured figures printed in one events.csv `injured` cell, one row per ';'-separated alternative.

    Each keeps its raw text; qualifier is "exact", "approx" (~) or "at_least" (>, ≥). "not found"/"n/a" → no rows.
    A part that does not start with a number is kept with value NA (e.g. "several"), never guessed.
    """
    rows = []
    for part in [p.strip() for p in ("" if pd.isna(text) else str(text)).split(";") if p.strip()]:
        m = _NUMBER.match(part)
        if part.lower().startswith(("not found", "n/a")):
            continue
        if not m:
            rows.append({"value": pd.NA, "qualifier": "unstated", "raw": part})
            continue
        q = (m.group("q") or "").strip()
        qual = "approx" if q.startswith(("~", "approx")) else "at_least" if q in (">", "≥") else \
            "at_most" if q == "<" else "exact"
        rows.append({"value": int(m.group("n").replace(",", "")), "qualifier": qual, "raw": part})
    return pd.DataFrame(rows, columns=["value", "qualifier", "raw"]).astype({"value": "Int64"})


# ---------------------------------------------------------------- lethality by wave and by event
EVENT_LETHALITY_COLUMNS = ["event_id", "label", "killed_register", "injured_as_printed", "index_low", "index_high",
                           "note"]


def killed_between(victims: pd.DataFrame, scope: Scope, start, end) -> tuple[int, int]:
    """(counted, possible) persons of `scope` with the window narrowed to [start, end]."""
    sel = select(victims, scope.with_(start=str(start), end=str(end)))
    return len(sel.count), len(sel.possible)


def minsa_lethality(victims: pd.DataFrame, departments: pd.DataFrame, scope: Scope, source: str) -> dict:
    """{wave: lethality index} of each MINSA snapshot: persons of `scope` killed in the wave's window (certain by
    default; the possible count is kept as numerator_possible) per person attended (hospitalized at the snapshot +
    cumulative discharges, analysis.stats.injured.attended; civilians and police mixed)."""
    out = {}
    for wave, w in WAVES.items():
        treated = int(attended(departments, wave)["attended"].sum())  # unlisted departments count 0
        killed, possible = killed_between(victims, scope, w.start, w.snapshot)
        ind = lethality_index(killed, treated, source=source, window=f"{w.start} to {w.snapshot}",
                              note="denominator = hospitalized at snapshot + cumulative discharges; "
                                   f"civilians and police mixed; up to {possible} killed possibly in the window")
        out[wave] = replace(ind, numerator_possible=possible)
    return out


def event_lethality(victims: pd.DataFrame, events: pd.DataFrame | None) -> pd.DataFrame:
    """Per event (sorted by event_id): persons killed in the register, the injured figures as printed, and the
    lethality index range over them (low = killed / largest figure). Empty when there is no events table with
    event_id and injured columns."""
    rows = []
    if events is not None and {"event_id", "injured"} <= set(events.columns):
        killed_by_event = victims["event_id"].value_counts()
        for ev in events.sort_values("event_id").itertuples():
            vals = injured_alternatives(ev.injured)["value"].dropna()
            killed = int(killed_by_event.get(ev.event_id, 0))
            low = lethality_index(killed, int(vals.max()) if len(vals) else None, source="events.csv",
                                  window=ev.event_id)
            high = lethality_index(killed, int(vals.min()) if len(vals) else None, source="events.csv",
                                   window=ev.event_id)
            rows.append({"event_id": ev.event_id, "label": getattr(ev, "label", ""), "killed_register": killed,
                         "injured_as_printed": ev.injured, "index_low": low.value, "index_high": high.value,
                         "note": low.note or "range over the injured figures printed"})
    return pd.DataFrame(rows, columns=EVENT_LETHALITY_COLUMNS)


# ---------------------------------------------------------------- group comparisons, per group
def comparison_groups(table: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """One row per group of each comparison of a force_compare.compare_all table: the group's share with the
    outcome and its Clopper–Pearson interval, with the comparison's odds ratio, interval, p and status repeated.
    role = 'group' (the group named first) or 'comparison group' (the rest)."""
    rows = []
    for r in table.itertuples():
        for role, label, k, n in (("group", r.in_label, r.in_k, r.in_n),
                                  ("comparison group", r.rest_label, r.rest_k, r.rest_n)):
            lo, hi = binom_ci(int(k), int(n), alpha) if n else (float("nan"), float("nan"))
            rows.append({"comparison": r.comparison, "outcome": r.outcome, "role": role, "group": label,
                         "k": int(k), "n": int(n), "share": k / n if n else float("nan"), "ci_low": lo,
                         "ci_high": hi, "status": r.status, "odds_ratio": r.odds_ratio, "or_low": r.or_low,
                         "or_high": r.or_high, "p_value": r.p_value, "mdd_exact": r.mdd_exact})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- why no multiple-systems estimation
def sources_per_person(victims: pd.DataFrame) -> dict:
    """Over the identified persons of `victims`: how many, the median number of distinct sources naming or
    describing each (victims.n_sources), and how many rest on a single source. Unidentified records come from
    published counts, not from lists of persons, so they have no sources to overlap and are counted apart."""
    ident = victims[victims["identified"].astype(bool)]
    ns = pd.to_numeric(ident["n_sources"], errors="raise")
    return {"identified": len(ident), "unidentified": int(len(victims) - len(ident)),
            "median_sources": float(ns.median()) if len(ns) else float("nan"),
            "single_source": int((ns == 1).sum()), "min_sources": int(ns.min()) if len(ns) else 0}


def official_national(reconciliation: pd.DataFrame, contexts, end: str) -> pd.DataFrame:
    """For each context, the latest official national count dated on or before `end` from
    reconciliation_identity.csv, with the persons of the register it certainly and possibly covers and whether it
    holds. Contexts without such a count are absent."""
    need = {"level", "official", "category", "as_of", "count", "total_certain", "total_possible", "holds"}
    missing = sorted(need - set(reconciliation.columns))
    if missing:
        raise ValueError(f"reconciliation_identity.csv: missing column(s) {missing}")
    r = reconciliation
    official = r["official"].astype(str).str.lower().isin(["true", "1"])
    r = r[(r["level"] == "national") & official & r["category"].isin(list(contexts)) & (r["as_of"] <= str(end))]
    r = r.sort_values(["category", "as_of", "count_id"] if "count_id" in r.columns else ["category", "as_of"])
    out = r.groupby("category", sort=True).tail(1)
    cols = [c for c in ("category", "count_id", "as_of", "count", "total_certain", "total_possible", "holds")
            if c in out.columns]
    return out[cols].astype({"count": int, "total_certain": int, "total_possible": int}).reset_index(drop=True)
