"""Deaths and lethal events under each tenure, under states of emergency, and by force per command period.

Counts under a tenure are a range [min, max]: min counts only days certainly in office (start_latest up to the
day before end_earliest), max every day possibly in office (start_earliest up to the day before end_latest).
They are equal when both boundaries are known to the day.
"""
import datetime as dt

import pandas as pd

from .emergency import status_on

FAR_FUTURE = dt.date(9999, 12, 31)


def count_days(days, lo: dt.date, hi_excl: dt.date | None) -> int:
    """How many of `days` fall in [lo, hi_excl) (hi_excl None = open)."""
    hi = hi_excl or FAR_FUTURE
    return sum(1 for d in days if d is not None and lo <= d < hi)


def in_window(tenures: pd.DataFrame, window_start: dt.date, window_end: dt.date) -> pd.DataFrame:
    """Tenures that overlap [window_start, window_end] at least possibly."""
    keep = [t.start_earliest <= window_end and (t.open or t.end_latest > window_start)
            for t in tenures.itertuples(index=False)]
    return tenures[pd.Series(keep, index=tenures.index, dtype=bool)].reset_index(drop=True)


def under_tenures(tenures: pd.DataFrame, days, event_days=None) -> pd.DataFrame:
    """deaths_min/max (and events_min/max when `event_days` given) for each tenure; `days` already windowed."""
    rows = []
    for t in tenures.itertuples(index=False):
        end_e = None if t.open else t.end_earliest
        end_l = None if t.open else t.end_latest
        rec = {"role": t.role, "person": t.person, "start_earliest": t.start_earliest,
               "start_latest": t.start_latest, "end_earliest": end_e, "end_latest": end_l, "open": t.open,
               "deaths_min": count_days(days, t.start_latest, end_e),
               "deaths_max": count_days(days, t.start_earliest, end_l)}
        if event_days is not None:
            rec["events_min"] = count_days(event_days, t.start_latest, end_e)
            rec["events_max"] = count_days(event_days, t.start_earliest, end_l)
        rows.append(rec)
    return pd.DataFrame(rows)


def observed_counts(observed: pd.DataFrame, deaths: pd.DataFrame) -> pd.DataFrame:
    """For holders seen in office only on dated rows: deaths in their region (all places for national posts)
    on the dates they are seen (a month-only date counts the whole month). Not deaths under a tenure."""
    rows = []
    for o in observed.itertuples(index=False):
        here = deaths if not o.region else deaths[deaths.department == o.region]
        n = sum(count_days(here.day, lo, hi + dt.timedelta(days=1)) for lo, hi in o.points)
        rows.append({"role": o.role, "person": o.person, "region": o.region or "national", "seen": o.date_raw,
                     "deaths_on_seen_dates": n, "row": o.row})
    return pd.DataFrame(rows, columns=["role", "person", "region", "seen", "deaths_on_seen_dates", "row"])


def emergency_status(measures: pd.DataFrame, deaths: pd.DataFrame, measure: str = "state of emergency") -> pd.DataFrame:
    """Each death with its status under `measure` at its date and place, and the measures that applied."""
    out = deaths.copy()
    res = [status_on(measures, d.day, d.department, d.province, d.district, measure)
           for d in deaths.itertuples(index=False)]
    out["status"] = [r[0] for r in res]
    out["measures"] = [r[1] for r in res]
    return out


def command_periods(tenures: pd.DataFrame, roles, window_start: dt.date, window_end: dt.date) -> pd.DataFrame:
    """Split the window at every possible change of holder in `roles`; per segment, each role's holder
    ('A' when certain, 'A / B (change date uncertain)' otherwise). `end` is exclusive."""
    stop = window_end + dt.timedelta(days=1)
    cuts = {window_start, stop}
    sel = tenures[tenures.role.isin(list(roles))]
    for t in sel.itertuples(index=False):
        for d in (t.start_earliest, t.start_latest, None if t.open else t.end_earliest,
                  None if t.open else t.end_latest):
            if d is not None and window_start < d < stop:
                cuts.add(d)
    cuts = sorted(cuts)
    rows = []
    for lo, hi in zip(cuts[:-1], cuts[1:]):
        rec = {"start": lo, "end": hi}
        for role in roles:
            sure, maybe = [], []
            for t in sel[sel.role == role].itertuples(index=False):
                end_e = FAR_FUTURE if t.open else t.end_earliest
                end_l = FAR_FUTURE if t.open else t.end_latest
                if t.start_latest <= lo and hi <= end_e:
                    sure.append(t.person)
                elif t.start_earliest < hi and lo < end_l:
                    maybe.append(t.person)
            rec[role] = sure[0] if len(sure) == 1 and not maybe else (
                " / ".join(sure + maybe) + " (change date uncertain)" if sure or maybe else "none in timeline")
        rows.append(rec)
    return pd.DataFrame(rows)


def by_force_per_period(periods: pd.DataFrame, deaths: pd.DataFrame, forces) -> pd.DataFrame:
    """Deaths per command period and force (columns in `forces` order) plus a total."""
    out = periods.copy()
    for f in forces:
        sub = deaths[deaths.force == f]
        out[f] = [count_days(sub.day, p.start, p.end) for p in periods.itertuples(index=False)]
    out["total"] = out[list(forces)].sum(axis=1)
    return out
