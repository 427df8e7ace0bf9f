"""Deaths and lethal events under each tenure, under states of emergency, and by force per command period.

Each person's date is an interval [lo, hi] (a day known to the day is [d, d]; see `deaths.death_frame`).
Counts under a tenure are a range [min, max]: min counts the persons whose whole interval lies in the days
certainly in office (start_latest up to the day before end_earliest), max every person whose interval meets a
day possibly in office (start_earliest up to the day before end_latest). A person whose interval straddles a
change of holder is therefore counted as possible for both holders and certain for neither; nobody is dropped.
The two are equal when the boundaries and the persons' dates are known to the day.
"""
import datetime as dt

import pandas as pd

from analysis.tasks.command.emergency import status_over

FAR_FUTURE = dt.date(9999, 12, 31)


def as_interval(d) -> tuple | None:
    """A day or an (lo, hi) pair as an (lo, hi) pair; None (or a None side) = not dated."""
    if d is None:
        return None
    lo, hi = d if isinstance(d, tuple) else (d, d)
    return None if lo is None or hi is None else (lo, hi)


def count_days(days, lo: dt.date, hi_excl: dt.date | None) -> int:
    """How many of `days` (days or (lo, hi) intervals) lie wholly in [lo, hi_excl) (hi_excl None = open)."""
    hi = hi_excl or FAR_FUTURE
    return sum(1 for d in map(as_interval, days) if d is not None and lo <= d[0] and d[1] < hi)


def count_overlap(days, lo: dt.date, hi_excl: dt.date | None) -> int:
    """How many of `days` (days or (lo, hi) intervals) meet [lo, hi_excl) (hi_excl None = open)."""
    hi = hi_excl or FAR_FUTURE
    return sum(1 for d in map(as_interval, days) if d is not None and d[1] >= lo and d[0] < hi)


def intervals(persons: pd.DataFrame) -> list:
    """The (lo, hi) interval of each row of a death_frame."""
    return list(zip(persons["lo"], persons["hi"]))


def in_window(tenures: pd.DataFrame, window_start: dt.date, window_end: dt.date) -> pd.DataFrame:
    """Tenures that overlap [window_start, window_end] at least possibly."""
    keep = [t.start_earliest <= window_end and (t.open or t.end_latest > window_start)
            for t in tenures.itertuples(index=False)]
    return tenures[pd.Series(keep, index=tenures.index, dtype=bool)].reset_index(drop=True)


def under_tenures(tenures: pd.DataFrame, days, event_days=None) -> pd.DataFrame:
    """deaths_min/max (and events_min/max when `event_days` given) for each tenure; `days` (days or (lo, hi)
    intervals) already windowed. min: wholly within the certain tenure; max: meeting the possible tenure."""
    rows = []
    for t in tenures.itertuples(index=False):
        end_e = None if t.open else t.end_earliest
        end_l = None if t.open else t.end_latest
        rec = {"role": t.role, "person": t.person, "start_earliest": t.start_earliest,
               "start_latest": t.start_latest, "end_earliest": end_e, "end_latest": end_l, "open": t.open,
               "deaths_min": count_days(days, t.start_latest, end_e),
               "deaths_max": count_overlap(days, t.start_earliest, end_l)}
        if event_days is not None:
            rec["events_min"] = count_days(event_days, t.start_latest, end_e)
            rec["events_max"] = count_overlap(event_days, t.start_earliest, end_l)
        rows.append(rec)
    return pd.DataFrame(rows)


def observed_counts(observed: pd.DataFrame, deaths: pd.DataFrame) -> pd.DataFrame:
    """For holders seen in office only on dated rows: deaths in their region (all places for national posts)
    on the dates they are seen (a month-only date counts the whole month). Not deaths under a tenure.
    min: the person's date interval lies within a seen date; max: it meets one."""
    rows = []
    for o in observed.itertuples(index=False):
        here = intervals(deaths if not o.region else deaths[deaths.department == o.region])
        lo_n = sum(count_days(here, lo, hi + dt.timedelta(days=1)) for lo, hi in o.points)
        hi_n = sum(1 for d in map(as_interval, here) if d is not None and
                   any(d[1] >= lo and d[0] <= hi for lo, hi in o.points))
        rows.append({"role": o.role, "person": o.person, "region": o.region or "national", "seen": o.date_raw,
                     "deaths_on_seen_dates_min": lo_n, "deaths_on_seen_dates_max": hi_n, "row": o.row})
    return pd.DataFrame(rows, columns=["role", "person", "region", "seen", "deaths_on_seen_dates_min",
                                       "deaths_on_seen_dates_max", "row"])


def emergency_status(measures: pd.DataFrame, deaths: pd.DataFrame, measure: str = "state of emergency") -> pd.DataFrame:
    """Each death with its status under `measure` over its date interval and at its place, and the measures that
    applied (emergency.status_over)."""
    out = deaths.copy()
    res = [status_over(measures, d.lo, d.hi, d.department, d.province, d.district, measure)
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
    """Deaths per command period and force (columns in `forces` order) plus a total: the persons whose date
    interval lies wholly in the period (the others are listed by `across_periods`)."""
    out = periods.copy()
    for f in forces:
        sub = intervals(deaths[deaths.force == f])
        out[f] = [count_days(sub, p.start, p.end) for p in periods.itertuples(index=False)]
    out["total"] = out[list(forces)].sum(axis=1)
    return out


def across_periods(periods: pd.DataFrame, deaths: pd.DataFrame) -> pd.DataFrame:
    """The deaths whose date interval lies in no single command period (it straddles a change of holder)."""
    inside = [any(p.start <= lo and hi < p.end for p in periods.itertuples(index=False))
              for lo, hi in intervals(deaths)]
    return deaths[[not x for x in inside]].reset_index(drop=True)
