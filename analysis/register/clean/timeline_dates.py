"""Dates as the command timeline (data/raw/context/command_timeline.csv) prints them: a day, a month, 'a/b'
alternatives, 'x to y' spans, 'x and y' lists.

A date known only to the month is kept as the interval of its possible days (earliest, latest), never as an
invented day. Parenthetical remarks are kept as a note; 'approx.'/'inferred' in them set the `approx` flag.
"""
import calendar
import datetime as dt
import re
from dataclasses import dataclass

TOKEN = r"\d{4}-\d{2}(?:-\d{2})?"
_PAREN = re.compile(r"\(([^)]*)\)")


@dataclass(frozen=True)
class DateSpec:
    """kind: day | uncertain (one day within [earliest, latest]) | span (points[0] to points[1]) |
    multiple (several separate dates) | none. Each point is an (earliest, latest) pair of dates."""

    raw: str
    kind: str
    points: tuple
    approx: bool = False
    note: str = ""

    @property
    def earliest(self):
        return self.points[0][0] if self.points else None

    @property
    def latest(self):
        return self.points[-1][1] if self.points else None


def token_interval(token: str) -> tuple[dt.date, dt.date]:
    """'2023-01-13' -> (that day, that day); '2023-01' -> (1 Jan, 31 Jan)."""
    parts = [int(p) for p in token.split("-")]
    if len(parts) == 3:
        day = dt.date(*parts)
        return day, day
    year, month = parts
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, 1), dt.date(year, month, last)


def parse_date_field(raw: str) -> DateSpec:
    """Parse one timeline date cell; raise ValueError on a form not listed in the module docstring."""
    text = (raw or "").strip()
    notes = "; ".join(m.strip() for m in _PAREN.findall(text))
    approx = bool(re.search(r"approx|inferred", notes, re.I))
    core = " ".join(_PAREN.sub(" ", text).split())
    if core.lower() in {"", "n/a"}:
        return DateSpec(text, "none", (), approx, notes)
    if re.fullmatch(TOKEN, core):
        lo, hi = token_interval(core)
        return DateSpec(text, "day" if lo == hi else "uncertain", ((lo, hi),), approx, notes)
    m = re.fullmatch(r"(\d{4}-\d{2}-)(\d{2})/(\d{2})", core)
    if m:  # '2022-12-15/16': one day, either the 15th or the 16th
        lo = token_interval(m.group(1) + m.group(2))[0]
        hi = token_interval(m.group(1) + m.group(3))[0]
        return _ordered(text, "uncertain", ((lo, hi),), approx, notes)
    m = re.fullmatch(rf"({TOKEN}) ?/ ?({TOKEN})", core)
    if m:
        lo, hi = token_interval(m.group(1))[0], token_interval(m.group(2))[1]
        return _ordered(text, "uncertain", ((lo, hi),), approx, notes)
    m = re.fullmatch(rf"({TOKEN}) (to|and) ({TOKEN})", core)
    if m:
        first, second = token_interval(m.group(1)), token_interval(m.group(3))
        if second[1] < first[0]:
            raise ValueError(f"date {text!r}: second date precedes the first")
        return DateSpec(text, "span" if m.group(2) == "to" else "multiple", (first, second), approx, notes)
    raise ValueError(f"unrecognised date form {text!r}")


def _ordered(text, kind, points, approx, notes) -> DateSpec:
    (lo, hi), = points
    if hi < lo:
        raise ValueError(f"date {text!r}: alternatives out of order")
    return DateSpec(text, "day" if lo == hi else kind, points, approx, notes)


def parse_iso_day(value: str) -> dt.date | None:
    """An ISO day 'YYYY-MM-DD' or None for an empty cell; anything else raises ValueError."""
    value = (value or "").strip()
    if not value:
        return None
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError(f"not an ISO date: {value!r}")
    return dt.date.fromisoformat(value)
