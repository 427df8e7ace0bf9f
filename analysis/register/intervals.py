"""Dates as intervals: the earliest and latest possible date of each person's injury and death.

A stated date is a point; where none is stated the evidence still bounds the date, and every bound keeps
its basis. The rules, applied in this order (each one only narrows an interval):
 1. stated date — `date_injury` / `date_death` as resolved by cleaning and conflict resolution (numeric and
    Spanish dates, weekday and "ayer" phrases resolved against the publication date);
 2. hand decisions — reviewed rows of data/hand/date_bounds.csv (a bound a person read in a source, with
    the evidence quote), e.g. a list of "the dead of Monday's protests";
 3. event — a person injured at an event was injured within the event's date window;
 4. earliest report — a death not stated to the day happened on or before the earliest dated report of it
    (the publication day; the last day of the month where only the month is printed) and on or before any
    source's cut-off. Where a death date is stated, an earlier report is only logged (the report may tell
    the injury, as for a person who died weeks later);
 5. period — nobody in the register was hurt before the protests began (PERIOD_START), the weakest lower bound;
 6. order — death on or after injury (death_min ≥ injury_min); injury on or before death.
A person is *certainly* in a window when both bounds fall inside it and *possibly* in it when the interval
overlaps it (analysis.register.scope). An empty bound means "not bounded by any evidence".
"""
import calendar

import pandas as pd

from analysis.register import vocab

STEP = "intervals"
# The protests began on 7 December 2022, the day Pedro Castillo was removed from office; the register holds only
# deaths of the protests, so no injury is earlier (the lower bound where no other evidence gives one).
PERIOD_START = "2022-12-07"
PERIOD_BASIS = "the protests began on 2022-12-07 (the register's scope)"
BOUND_COLUMNS = [f"date_{what}_{side}{suffix}" for what in ("injury", "death") for side in ("min", "max")
                 for suffix in ("", "_basis")]


def report_bound(published) -> str | None:
    """Latest day a publication date allows: the day itself, or the month's last day for 'YYYY-MM'."""
    text = str(published) if vocab.is_known(published) else ""
    if len(text) == 10:
        return text
    if len(text) == 7:
        year, month = int(text[:4]), int(text[5:])
        return f"{text}-{calendar.monthrange(year, month)[1]:02d}"
    return None


class _Interval:
    """One date's bounds with their bases; narrowing keeps the tighter bound and its basis."""

    def __init__(self):
        self.lo = self.hi = None
        self.lo_basis = self.hi_basis = None

    def raise_lo(self, date, basis):
        if date and (self.lo is None or date > self.lo):
            self.lo, self.lo_basis = date, basis

    def lower_hi(self, date, basis):
        if date and (self.hi is None or date < self.hi):
            self.hi, self.hi_basis = date, basis

    def point(self, date, basis):
        self.raise_lo(date, basis)
        self.lower_hi(date, basis)


def _earliest_report(rows) -> tuple:
    """(date, basis) of the earliest dated report among a person's mentions (publication or cut-off)."""
    best = (None, None)
    for r in rows:
        for col, what in (("source_published_date", "published"), ("source_cutoff_date", "cut-off")):
            day = report_bound(r.get(col))
            if day and (best[0] is None or day < best[0]):
                best = (day, f"earliest dated report: {r['source_id']} ({what} {r.get(col)})")
    return best


def person_bounds(person: dict, rows: list, event: dict | None, hand: list, log) -> dict:
    """The eight bound columns of one person. `rows`: the person's linked mentions; `event`: its event row
    (date_start/date_end) or None; `hand`: its rows of data/hand/date_bounds.csv."""
    vid = person["victim_id"]
    injury, death = _Interval(), _Interval()
    if vocab.is_known(person.get("date_injury")):
        injury.point(person["date_injury"], "stated injury date")
    if vocab.is_known(person.get("date_death")):
        death.point(person["date_death"], "stated death date")
    for h in hand:
        target = injury if h["field"] == "injury" else death
        basis = f"hand: {h['reason']} ({h['source_id']})"
        {"min": target.raise_lo, "max": target.lower_hi, "exact": target.point}[h["bound"]](h["value"], basis)
    if event is not None and vocab.is_known(event.get("date_start")):
        window = f"injured at event {event['event_id']} ({event['date_start']} to {event['date_end']})"
        injury.raise_lo(event["date_start"], window)
        injury.lower_hi(event["date_end"], window)
    injury.raise_lo(PERIOD_START, PERIOD_BASIS)
    day, basis = _earliest_report(rows)
    if day and death.hi is None:
        death.lower_hi(day, basis)
    elif day and day < death.hi:
        log.decision(STEP, "note", f"{vid}: stated death {death.hi} is later than a report of {day} "
                     f"({basis}); the report is taken to tell the injury, the stated date is kept", ref=vid)
    death.raise_lo(injury.lo, f"on or after injury ({injury.lo_basis})")
    injury.lower_hi(death.hi, f"on or before death ({death.hi_basis})")
    for what, iv in (("injury", injury), ("death", death)):
        if iv.lo and iv.hi and iv.lo > iv.hi:
            raise ValueError(f"{STEP}: {vid} {what} bounds contradict: {iv.lo} ({iv.lo_basis}) > "
                             f"{iv.hi} ({iv.hi_basis})")
    out = {}
    for what, iv in (("injury", injury), ("death", death)):
        out.update({f"date_{what}_min": iv.lo, f"date_{what}_min_basis": iv.lo_basis,
                    f"date_{what}_max": iv.hi, f"date_{what}_max_basis": iv.hi_basis})
    return out


def add_bounds(victims: pd.DataFrame, linked: pd.DataFrame, events: pd.DataFrame, hand: pd.DataFrame,
               log) -> pd.DataFrame:
    """victims + BOUND_COLUMNS for every identified person; every bound not from a stated date is logged."""
    by_person = {vid: g.to_dict("records") for vid, g in linked[linked["link_status"] == "linked"].groupby("victim_id")}
    ev = {r["event_id"]: r for r in events.to_dict("records")}
    hand_by = {} if hand is None else {v: g.to_dict("records") for v, g in hand.groupby("victim_id")}
    rows = []
    for p in victims.to_dict("records"):
        event = ev.get(p.get("event_id")) if vocab.is_known(p.get("event_id")) else None
        b = person_bounds(p, by_person.get(p["victim_id"], []), event, hand_by.get(p["victim_id"], []), log)
        rows.append(b)
        for col in ("date_death_min", "date_death_max"):
            if b[col] and b[f"{col}_basis"] != "stated death date":
                log.decision(STEP, "bound", f"{p['victim_id']} {col} = {b[col]}: {b[f'{col}_basis']}",
                             ref=p["victim_id"])
    out = pd.concat([victims.reset_index(drop=True), pd.DataFrame(rows, columns=BOUND_COLUMNS)], axis=1)
    for c in BOUND_COLUMNS:
        out[c] = out[c].astype("string")
    stated = out["date_death"].notna()
    bounded = out["date_death_max"].notna()
    log.counts(STEP, len(victims), len(out), "persons",
               f"{int(stated.sum())} with a stated death date; {int((bounded & ~stated).sum())} bounded by other "
               f"evidence; {int((~bounded).sum())} with no upper bound on the death date")
    return out
