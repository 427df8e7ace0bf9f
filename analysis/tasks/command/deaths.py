"""The persons of a scope (analysis.register.scope.select), dated and placed for the command analysis.

Who counts is decided only by `analysis.register.scope.select`; this module turns a selected set of register rows into
one row per person with the date interval of the scope's date field (`lo`, `hi`: datetime.date or None for an
unbounded side), clipped to the window, and `day` (the date when known to the day, else None).
Attribution defaults to the date of injury: who commanded when the person was shot.
"""
import datetime as dt

import pandas as pd

from analysis.register import scope as S

COLUMNS = ["victim_id", "lo", "hi", "day", "department", "province", "district", "event_id", "context", "force",
           "in_scope"]


def _day(value) -> dt.date | None:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA or str(value) == "":
        return None
    return dt.date.fromisoformat(str(value))


def _text(persons: pd.DataFrame, col: str) -> list:
    if col not in persons:
        return [""] * len(persons)
    return ["" if v is None or v is pd.NA or (isinstance(v, float) and pd.isna(v)) else str(v)
            for v in persons[col]]


def death_frame(persons: pd.DataFrame, date_field: str = "injury", window: tuple | None = None,
                in_scope: str = "certain") -> pd.DataFrame:
    """One row per person of `persons` (register rows) with the interval [lo, hi] of `date_field` ('injury' or
    'death'), clipped to `window` = (start, end) dates when given, and `in_scope` ('certain' or 'possible')."""
    if date_field not in S.DATE_FIELDS:
        raise ValueError(f"date_field must be one of {S.DATE_FIELDS}, got {date_field!r}")
    lo = [_day(v) for v in persons[f"date_{date_field}_min"]]
    hi = [_day(v) for v in persons[f"date_{date_field}_max"]]
    if window is not None:
        ws, we = window
        lo = [ws if d is None or d < ws else d for d in lo]
        hi = [we if d is None or d > we else d for d in hi]
    out = pd.DataFrame({"victim_id": _text(persons, "victim_id"), "lo": pd.Series(lo, dtype=object),
                        "hi": pd.Series(hi, dtype=object)})
    out["day"] = pd.Series([a if a is not None and a == b else None for a, b in zip(lo, hi)], dtype=object)
    for col in ("department", "province", "district", "event_id", "context", "force"):
        out[col] = _text(persons, col)
    out["in_scope"] = in_scope
    return out[COLUMNS]


def scope_frames(victims: pd.DataFrame, scope: S.Scope) -> tuple[pd.DataFrame, pd.DataFrame, S.Selection]:
    """(counted, possible_only, selection): the persons the scope counts (its policy's set) and those only possibly
    in it (interval straddling a window edge, or unbounded), both as death_frame rows clipped to the window."""
    sel = S.select(victims, scope)
    window = (_day(scope.start), _day(scope.end))
    counted = death_frame(sel.count, scope.date_field, window)
    sure = set(sel.certain["victim_id"])
    counted["in_scope"] = ["certain" if v in sure else "possible" for v in counted["victim_id"]]
    rest = sel.uncertain if scope.policy == "certain" else sel.uncertain.iloc[0:0]
    return counted, death_frame(rest, scope.date_field, window, "possible"), sel


def counts(victims: pd.DataFrame, sel: S.Selection) -> dict:
    """Every register person accounted for: other context, excluded event, certainly outside the window, only
    possibly inside (uncertain), certainly inside (certain); possible = certain + uncertain."""
    in_ctx = int(victims["context"].isin(sel.scope.contexts).sum())
    return {"all": len(victims), "other_context": len(victims) - in_ctx, "in_context": in_ctx,
            "excluded_event": len(sel.excluded_event), "outside_window": len(sel.outside),
            "certain": len(sel.certain), "uncertain": len(sel.uncertain), "possible": len(sel.possible),
            "counted": len(sel.count)}
