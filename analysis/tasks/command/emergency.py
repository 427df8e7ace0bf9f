"""Was a death's place under a state of emergency or a curfew on its date? The measures are the register's
(data/processed/command_measures.csv, coded by analysis.register.command_measures); places are matched
accent-free to the victims table: national, department, province or district (`level`). A measure's `end` is the
first day it no longer applies (exclusive), as an (earliest, latest) interval.
"""
import datetime as dt
import unicodedata

import pandas as pd

def norm(text) -> str:
    """Accent-free lower-case text; missing reads as ''."""
    text = "" if text is None or (isinstance(text, float) and pd.isna(text)) else str(text)
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower().strip()


def _place_match(area, dep: str, prov: str, dist: str) -> str:
    """'yes', 'no' or 'unknown' (the death's place is not known at the level the area needs)."""
    level, a_dep, a_name = area
    if level == "national":
        return "yes"
    if not dep:
        return "unknown"
    if norm(a_dep) != norm(dep):
        return "no"
    if level == "department":
        return "yes"
    value = prov if level == "province" else dist
    if not value:
        return "unknown"
    return "yes" if norm(a_name) == norm(value) else "no"


def status_on(measures: pd.DataFrame, day: dt.date | None, dep: str, prov: str = "", dist: str = "",
              measure: str = "state of emergency") -> tuple[str, str]:
    """Was the place under `measure` on `day`? -> (status, measure ids). Status: 'under', 'not under',
    'uncertain (date at a boundary)', 'unknown (date missing)', 'unknown (place missing)'."""
    if day is None:
        return "unknown (date missing)", ""
    sure, maybe, place_unknown = [], [], []
    for m in measures[measures.measure == measure].itertuples(index=False):
        if not (m.start_earliest <= day < m.end_latest):
            continue
        certain_time = m.start_latest <= day < m.end_earliest
        match = _place_match((m.level, m.department, m.place), dep, prov, dist)
        if match == "no":
            continue
        if match == "unknown":
            place_unknown.append(m.measure_id)
        elif certain_time:
            sure.append(m.measure_id)
        else:
            maybe.append(m.measure_id)
    if sure:
        return "under", " ; ".join(sorted(set(sure)))
    if maybe:
        return "uncertain (date at a boundary)", " ; ".join(sorted(set(maybe)))
    if place_unknown:
        return "unknown (place missing)", " ; ".join(sorted(set(place_unknown)))
    return "not under", ""


def status_over(measures: pd.DataFrame, lo: dt.date | None, hi: dt.date | None, dep: str, prov: str = "",
                dist: str = "", measure: str = "state of emergency") -> tuple[str, str]:
    """status_on over a date interval [lo, hi] (a person's date known only within it): the day's status when
    every day of the interval has the same one; 'uncertain (date at a boundary)' when they differ (the interval
    straddles a measure's start or end); 'unknown (date missing)' when a side is unbounded."""
    if lo is None or hi is None:
        return "unknown (date missing)", ""
    days = [lo + dt.timedelta(days=i) for i in range((hi - lo).days + 1)]
    res = [status_on(measures, d, dep, prov, dist, measure) for d in days]
    statuses = {s for s, _ in res}
    ids = " ; ".join(sorted({i for _, m in res for i in m.split(" ; ") if i}))
    if len(statuses) == 1:
        return res[0][0], ids
    return "uncertain (date at a boundary)", ids
