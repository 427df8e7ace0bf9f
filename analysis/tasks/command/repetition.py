"""What followed each mass-casualty event and each endorsing statement: description, not proof of cause.

A lethal event is an `event_id` of the register (one place, one day or a stated episode: the split events of
data/processed/events.csv), or, for a death without one, its (department, first possible day). Each death has a
date interval [lo, hi] (deaths.death_frame); the event's first death happened within [min lo, min hi], and the
event's `date` is that interval's first day (`date_latest` its last). 'After' an anchor known to lie in [lo, hi]
means from the day after `hi`; 'before' means up to the day before `lo`; the anchor day(s) themselves belong to
neither side, because the order of a statement and a killing on the same day is unknown. An event counts as after
an anchor only when its first possible day is.
"""
import datetime as dt

import pandas as pd

from analysis.stats import rates
from analysis.stats.exact import poisson_ci

ONE = dt.timedelta(days=1)


def lethal_events(deaths: pd.DataFrame, labels: dict | None = None) -> pd.DataFrame:
    """One row per lethal event among dated deaths (columns lo, hi of deaths.death_frame): event_key, label (from
    `labels`, event_id -> label, e.g. events.csv; else the key), date and date_latest (the first death's
    interval), deaths, departments."""
    d = deaths[deaths.lo.notna() & deaths.hi.notna()].copy()
    d["event_key"] = [e if e else f"{dep or 'unknown place'} {lo.isoformat()}"
                      for e, dep, lo in zip(d.event_id, d.department, d.lo)]
    labels = labels or {}
    rows = []
    for key, g in d.groupby("event_key", sort=True):
        rows.append({"event_key": key, "label": labels.get(key, key), "date": min(g.lo), "date_latest": min(g.hi),
                     "deaths": len(g), "departments": " ; ".join(sorted({x for x in g.department if x})) or "unknown"})
    out = pd.DataFrame(rows, columns=["event_key", "label", "date", "date_latest", "deaths", "departments"])
    return out.sort_values(["date", "event_key"], kind="stable").reset_index(drop=True)


def follow_up(events: pd.DataFrame, anchor_hi: dt.date, window_end: dt.date, horizon_days: int = 30) -> dict:
    """Days from the anchor's last possible day to the next lethal event, and the events/deaths after it
    (within the window, and within `horizon_days`, clipped to the window)."""
    after = events[events.date.map(lambda d: anchor_hi < d <= window_end).astype(bool)]
    h_end = min(anchor_hi + dt.timedelta(days=horizon_days), window_end)
    near = after[after.date.map(lambda d: d <= h_end).astype(bool)]
    nxt = after.iloc[0] if len(after) else None
    return {"next_event": nxt.event_key if nxt is not None else "",
            "next_event_label": nxt.label if nxt is not None and "label" in after else "",
            "next_event_date": nxt.date if nxt is not None else None,
            "days_to_next": (nxt.date - anchor_hi).days if nxt is not None else None,
            "events_after": len(after), "deaths_after": int(after.deaths.sum()),
            f"events_{horizon_days}d": len(near), f"deaths_{horizon_days}d": int(near.deaths.sum()),
            f"horizon_{horizon_days}d_truncated": anchor_hi + dt.timedelta(days=horizon_days) > window_end}


def poisson_rate(k: int, days: int, alpha: float = 0.05) -> tuple[float, float, float]:
    """Events per day with the exact (Garwood) interval; NaNs when there are no days."""
    if days <= 0:
        return float("nan"), float("nan"), float("nan")
    lo, hi = poisson_ci(k, alpha)
    return k / days, lo / days, hi / days


def rate_ratio(k_after: int, t_after: int, k_before: int, t_before: int, alpha: float = 0.05):
    """After/before rate ratio with the exact interval conditional on k_after + k_before (stats.rates.rate_ratio,
    with days as the exposure); NaNs when there is no event or no time on one side."""
    if k_after + k_before == 0 or t_after <= 0 or t_before <= 0:
        return float("nan"), float("nan"), float("nan")
    r = rates.rate_ratio(k_after, t_after, k_before, t_before, alpha)
    return float(r["rr"]), float(r["rr_low"]), float(r["rr_high"])


def rates_around(events: pd.DataFrame, anchor_lo: dt.date, anchor_hi: dt.date, window_start: dt.date,
                 window_end: dt.date, days: int | None = None, alpha: float = 0.05) -> dict:
    """Lethal-event rate before [max(start, lo-days), lo-1] and after [hi+1, min(end, hi+days)]."""
    b_lo = window_start if days is None else max(window_start, anchor_lo - dt.timedelta(days=days))
    b_hi = anchor_lo - ONE
    a_lo = anchor_hi + ONE
    a_hi = window_end if days is None else min(window_end, anchor_hi + dt.timedelta(days=days))
    t_b, t_a = max((b_hi - b_lo).days + 1, 0), max((a_hi - a_lo).days + 1, 0)
    k_b = sum(1 for d in events.date if b_lo <= d <= b_hi)
    k_a = sum(1 for d in events.date if a_lo <= d <= a_hi)
    rb, rbl, rbh = poisson_rate(k_b, t_b, alpha)
    ra, ral, rah = poisson_rate(k_a, t_a, alpha)
    rr, rrl, rrh = rate_ratio(k_a, t_a, k_b, t_b, alpha)
    return {"before_from": b_lo, "before_to": b_hi, "before_days": t_b, "before_events": k_b,
            "before_rate": rb, "before_low": rbl, "before_high": rbh,
            "after_from": a_lo, "after_to": a_hi, "after_days": t_a, "after_events": k_a,
            "after_rate": ra, "after_low": ral, "after_high": rah,
            "rate_ratio": rr, "rate_ratio_low": rrl, "rate_ratio_high": rrh}


def mass_followups(events: pd.DataFrame, min_deaths: int, window_end: dt.date, horizon_days: int = 30) -> list[dict]:
    """One record per lethal event with at least `min_deaths` deaths: event, label, date, departments, deaths and
    its follow_up (measured from the last possible day of its first death)."""
    return [{"event": e.event_key, "label": e.label, "date": e.date, "departments": e.departments,
             "deaths": e.deaths, **follow_up(events, e.date_latest, window_end, horizon_days)}
            for e in events[events.deaths >= min_deaths].itertuples()]


def statement_followups(statements: pd.DataFrame, events: pd.DataFrame, window_start: dt.date,
                        window_end: dt.date, horizon_days: int = 30) -> list[dict]:
    """One record per statement: row, date, person (the tenure holder), role, quote, its follow_up from the
    statement's last possible day, and rates_around it over the whole window (keys 'window_*') and over
    `horizon_days` each side (keys '<horizon_days>d_*')."""
    recs = []
    for s in statements.itertuples():
        whole = rates_around(events, s.date_earliest, s.date_latest, window_start, window_end)
        near = rates_around(events, s.date_earliest, s.date_latest, window_start, window_end, days=horizon_days)
        recs.append({"row": s.row, "date": s.date_raw, "person": s.holder, "role": s.role, "quote": s.quote,
                     **follow_up(events, s.date_latest, window_end, horizon_days),
                     **{f"window_{k}": v for k, v in whole.items()},
                     **{f"{horizon_days}d_{k}": v for k, v in near.items()}})
    return recs
