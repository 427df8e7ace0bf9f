"""The display tables of notebook 06, built from the tally/timeline frames (dates as printed spans)."""
import datetime as dt

import pandas as pd

from analysis.report.text import day_span

# Order of the emergency statuses in tables and numbers (emergency.status_on / status_over values).
STATUS_ORDER = ["under", "not under", "uncertain (date at a boundary)", "unknown (place missing)",
                "unknown (date missing)"]


def tenure_table(tenures: pd.DataFrame) -> pd.DataFrame:
    """One row per tenure: role, person, start, first day out, end basis and the timeline rows it rests on."""
    return pd.DataFrame({
        "role": tenures.role, "person": tenures.person,
        "start": [day_span(a, b) for a, b in zip(tenures.start_earliest, tenures.start_latest)],
        "first day out": ["still in office at window end" if o else day_span(a, b)
                          for o, a, b in zip(tenures.open, tenures.end_earliest, tenures.end_latest)],
        "end basis": tenures.end_basis, "rows": tenures.start_ref + " ; " + tenures.end_ref})


def past_window_end(tenures: pd.DataFrame, window_end: dt.date) -> pd.DataFrame:
    """Tenures still open, or whose first day out falls after the window end."""
    keep = tenures.open | tenures.end_earliest.map(lambda d: d is not None and d > window_end)
    return tenures[keep.astype(bool)]


def deaths_by_tenure_table(under: pd.DataFrame) -> pd.DataFrame:
    """tally.under_tenures output (with events) with start and first day out as printed spans; `deaths_possible`
    (the bound with the persons only possibly in the window) is kept when present."""
    out = under.assign(start=[day_span(a, b) for a, b in zip(under.start_earliest, under.start_latest)],
                       first_day_out=["open" if o else day_span(a, b)
                                      for o, a, b in zip(under.open, under.end_earliest, under.end_latest)])
    extra = ["deaths_possible"] if "deaths_possible" in out else []
    return out[["role", "person", "start", "first_day_out", "deaths_min", "deaths_max", *extra, "events_min",
                "events_max"]]


def status_counts(status: pd.DataFrame) -> pd.Series:
    """Deaths per emergency status, every status of STATUS_ORDER present (zeros included)."""
    return status.status.value_counts().reindex(STATUS_ORDER, fill_value=0)


def status_by_department(status: pd.DataFrame) -> pd.DataFrame:
    """Deaths per department ('' shown as 'unknown') and status; only statuses that occur, in STATUS_ORDER."""
    return (status.assign(department=status.department.replace("", "unknown"))
            .pivot_table(index="department", columns="status", values="victim_id", aggfunc="count", fill_value=0)
            .reindex(columns=[s for s in STATUS_ORDER if s in set(status.status)]))


def status_per_death(status: pd.DataFrame) -> pd.DataFrame:
    """One row per death with its date interval (first and last possible day), whether it is certainly or only
    possibly in scope, place, status and the measures that applied, by victim_id."""
    out = status.rename(columns={"lo": "first_day", "hi": "last_day"})
    return out[["victim_id", "first_day", "last_day", "in_scope", "department", "province", "status",
                "measures"]].sort_values("victim_id")


def force_periods_table(by_force: pd.DataFrame, roles, forces) -> pd.DataFrame:
    """tally.by_force_per_period output with the exclusive `end` replaced by the inclusive `last_day`."""
    out = by_force.assign(last_day=[e - dt.timedelta(days=1) for e in by_force.end]).drop(columns="end")
    return out[["start", "last_day"] + list(roles) + list(forces) + ["total"]]
