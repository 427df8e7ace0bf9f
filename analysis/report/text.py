"""Formatting of computed numbers for notebook prose and printed tables (one place, so every notebook
writes numbers the same way). A missing value always reads "n/a", never 0; an infinite one reads "∞"."""
import math

import pandas as pd

MISSING = "n/a"


def _missing(x) -> bool:
    return x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x))


def num(x, digits: int = 1, thousands: bool = True) -> str:
    """1,234.5 (or 1234.5 without the thousands separator)."""
    if _missing(x):
        return MISSING
    if math.isinf(x):
        return "∞" if x > 0 else "-∞"
    return f"{x:,.{digits}f}" if thousands else f"{x:.{digits}f}"


def interval(lo, hi, digits: int = 1) -> str:
    """'lo–hi'."""
    return f"{num(lo, digits)}–{num(hi, digits)}"


def pct(x, digits: int = 1, missing: str = MISSING, unit: str = " %") -> str:
    """A proportion as a percentage: 0.848 → '84.8 %'."""
    return missing if _missing(x) else f"{100 * x:.{digits}f}{unit}"


def pval(p, decimals: int = 3) -> str:
    """A p-value with `decimals` decimals, or '< 0.001' (for decimals=3) below that."""
    if _missing(p):
        return MISSING
    floor = 10 ** -decimals
    return f"< {floor:.{decimals}f}" if p < floor else f"{p:.{decimals}f}"


def table_text(df: pd.DataFrame, digits: int = 2) -> str:
    """A table rounded, dates as ISO text (stable output), without the index."""
    out = df.copy()
    for c in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[c]):
            out[c] = out[c].dt.strftime("%Y-%m-%d").fillna("(unknown)")
    return out.round(digits).to_string(index=False)


def show(df: pd.DataFrame, digits: int = 2) -> None:
    print(table_text(df, digits))


def sig(x, digits: int = 3, thousands: bool = True) -> str:
    """`digits` significant figures, never in exponent notation: 163.64 → '164', 0.010543 → '0.0105',
    7375.0 → '7,375' (whole numbers keep every digit)."""
    if _missing(x):
        return MISSING
    if math.isinf(x):
        return "∞" if x > 0 else "-∞"
    if x == 0:
        return "0"
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(x))))
    rounded = round(x, decimals)
    if rounded != 0 and math.floor(math.log10(abs(rounded))) > math.floor(math.log10(abs(x))):
        decimals = max(0, decimals - 1)  # 9.996 → '10.0', not '10.00'
    return num(rounded, decimals, thousands)


def monte_carlo_note(p_value, n_draws: int | None) -> str:
    """'' for an exact p-value (n_draws None); otherwise ' (Monte Carlo standard error 0.0007 over 99,999 draws)',
    so that a reader sees how many digits of a resampled p-value are stable."""
    if n_draws is None:
        return ""
    se = float(math.sqrt(p_value * (1 - p_value) / n_draws))
    return f" (Monte Carlo standard error {se:.4f} over {n_draws:,} draws)"


NUMBER_WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine",
                10: "ten"}


def number_word(k: int) -> str:
    """A small count in words ('seven'), larger ones in digits ('12')."""
    return NUMBER_WORDS.get(k, str(k))


def count_of(k: int, noun: str = "person") -> str:
    """'1 person', '3 persons': a count with its noun, plural by -s."""
    return f"{k} {noun}" if k == 1 else f"{k} {noun}s"


def certain_possible(certain, possible, digits: int = 0) -> str:
    """A count over unknowns: 'k certain, up to u possible', or 'k' when both agree (no thousands separator)."""
    if certain == possible:
        return num(certain, digits, thousands=False)
    return f"{num(certain, digits, thousands=False)} certain, up to {num(possible, digits, thousands=False)} possible"


# ---- days and counts as printed in prose and tables (from notebook 06) ---------------------------------------
def day(d) -> str:
    """'7 Dec 2022'; None (an open end) prints as 'open'."""
    return d.strftime("%-d %b %Y") if d is not None else "open"


def day_span(lo, hi) -> str:
    """A date known as the interval [lo, hi] (datetime.date): one day, a whole month ('Jan 2023 (month only)') or
    'lo–hi'."""
    import datetime as dt
    if lo == hi:
        return day(lo)
    if lo.day == 1 and lo.month == hi.month and lo.year == hi.year and (hi + dt.timedelta(days=1)).day == 1:
        return lo.strftime("%b %Y") + " (month only)"
    return f"{day(lo)}–{day(hi)}"


def plural(k: int, word: str) -> str:
    """'1 death', '2 deaths'."""
    return f"{k} {word}" if k == 1 else f"{k} {word}s"


def count_range(a: int, b: int) -> str:
    """A count known as [a, b]: 'a' when both ends agree, else 'a–b'."""
    return f"{a}" if a == b else f"{a}–{b}"
