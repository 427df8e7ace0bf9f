"""Day spans, plurals and count ranges as printed in notebook 06's tables and prose."""
import datetime as dt


def fmt_day(d: dt.date | None) -> str:
    """'7 Dec 2022'; None (an open end) prints as 'open'."""
    return d.strftime("%-d %b %Y") if d is not None else "open"


def day_span(lo: dt.date, hi: dt.date) -> str:
    """A date known as the interval [lo, hi]: one day, a whole month ('Jan 2023 (month only)') or 'lo–hi'."""
    if lo == hi:
        return fmt_day(lo)
    if lo.day == 1 and lo.month == hi.month and lo.year == hi.year and (hi + dt.timedelta(days=1)).day == 1:
        return lo.strftime("%b %Y") + " (month only)"
    return f"{fmt_day(lo)}–{fmt_day(hi)}"


def plural(k: int, word: str) -> str:
    """'1 death', '2 deaths'."""
    return f"{k} {word}" if k == 1 else f"{k} {word}s"


def count_range(a: int, b: int) -> str:
    """A count known as [a, b]: 'a' when both ends agree, else 'a–b'."""
    return f"{a}" if a == b else f"{a}–{b}"
