"""The published number of a claim and its verdict: the number read from the claim's `quantity` field (never typed),
the qualifier its quote prints ("about", "more than"...), the unit it is rounded to, and whether a recomputed value
reproduces it exactly, within the published rounding, or not.

Within the published rounding: "about 50" within half its rounding unit; "at least N" / "more than N" up to the
next rounding step ("más de 20": 21..30); a percentage within half a unit of its printed precision. A range wider
than the published rounding is never called consistent.
"""
import re

import numpy as np
import pandas as pd

_NUM = re.compile(r"\d+(?:[.,]\d+)?")


def published_number(quantity: str, part: int = 0, pick: int = 0) -> tuple[float, str, str]:
    """(value, qualifier, raw part) of one number printed in a claim's `quantity` field.

    qualifier: "at_least" (>=, ≥), "more_than" (>), "exact". Thousands separators are not used in the file
    (e.g. "1327"); a decimal comma is read as a point. Raises ValueError when the part or number is absent.
    """
    parts = [p.strip() for p in str(quantity).split(";")]
    if not -len(parts) <= part < len(parts):
        raise ValueError(f"quantity {quantity!r} has no part {part}")
    raw = parts[part]
    nums = _NUM.findall(raw)
    if not nums or not -len(nums) <= pick < len(nums):
        raise ValueError(f"quantity part {raw!r} has no number {pick}")
    qual = "at_least" if raw.startswith((">=", "≥")) else "more_than" if raw.startswith(">") else "exact"
    return float(nums[pick].replace(",", ".")), qual, raw


def published_figure(claims: pd.DataFrame, claim_id: str, part: int, kind: str, pick: int = 0) -> dict:
    """One published number of a claim as compare() reads it: value, qualifier (the quote's "about", "more than"...
    when the quantity field prints none), rounding unit and the raw text."""
    rec = claims.loc[claims["claim_id"] == claim_id].iloc[0]
    value, qual, raw = published_number(rec["quantity"], part, pick)
    if qual == "exact":
        qual = quote_qualifier(rec["quote"], value)
    return {"value": value, "qualifier": qual, "unit": rounding_unit(value, kind, raw), "raw": raw}


VERDICTS = ("reproduced exactly", "reproduced within the published rounding", "not reproduced")
_APPROX = re.compile(r"(about|around|approximately|nearly|almost|some|roughly|~|unos|unas|alrededor de|cerca de|"
                     r"casi|aproximadamente|etwa|rund|knapp)\s*$")
_AT_LEAST = re.compile(r"(at least|al menos|por lo menos|como mínimo|mindestens|≥|>=)\s*$")
_MORE_THAN = re.compile(r"(more than|over|más de|mas de|mehr als|über|>)\s*$")


def quote_qualifier(quote: str, value: float) -> str:
    """The qualifier the quote prints just before the number: "about", "at_least", "more_than" or "exact"."""
    digits = f"{value:g}"
    for m in re.finditer(rf"(?<![\d.,]){re.escape(digits)}(?![\d]|[.,]\d)", str(quote)):
        before = str(quote)[max(0, m.start() - 25):m.start()].lower()
        for qual, pat in (("about", _APPROX), ("at_least", _AT_LEAST), ("more_than", _MORE_THAN)):
            if pat.search(before):
                return qual
        return "exact"
    return "exact"


def rounding_unit(raw_number: float, kind: str, raw: str = "") -> float:
    """The unit a published number is rounded to: a percentage to its printed decimals (13 -> 1, 59.1 -> 0.1); a
    count to its trailing zeros (50 -> 10, 1200 -> 100, 48 -> 1)."""
    if kind != "count":
        m = re.search(rf"{re.escape(f'{raw_number:g}').replace('.', '[.,]')}", raw.replace(",", ".")) if raw else None
        text = m.group(0) if m else f"{raw_number:g}"
        decimals = len(text.split(".")[1]) if "." in text else 0
        return 10.0 ** -decimals
    n, unit = int(round(raw_number)), 1
    while n and n % (unit * 10) == 0:
        unit *= 10
    return float(unit)


def verdict(kind: str, published: float, qual: str, unit: float, value: float, of_counts: bool = False) -> str:
    """One of VERDICTS. Exactly: the certain value equals the published one. Within the published rounding: an
    approximate number ("about 50") within half its rounding unit; "at least N" / "more than N" up to the next
    rounding step (N = 20: 21..30); a percentage within half a unit of its printed precision. A share printed as
    "k of n" is compared exactly. Never a range wider than the published rounding."""
    if value is None or not np.isfinite(value):
        return "not reproduced"
    if abs(value - published) < 1e-9 and qual != "more_than":
        return "reproduced exactly"
    if of_counts:
        return "not reproduced"
    tol = 1e-9
    if qual == "at_least":
        ok = published <= value < published + unit
    elif qual == "more_than":
        ok = published < value <= published + unit
    elif qual == "about" or kind != "count":
        ok = abs(value - published) <= unit / 2 + tol
    else:
        ok = False
    return "reproduced within the published rounding" if ok else "not reproduced"


def rounding_text(kind: str, published: float, qual: str, unit: float, of_counts: bool = False) -> str:
    """The tolerance a verdict used, as printed in the table."""
    if of_counts or (kind == "count" and qual == "exact"):
        return "exact"
    if qual == "at_least":
        return f"at least {published:g}: {published:g} to {published + unit - (1 if kind == 'count' else 0):g}"
    if qual == "more_than":
        return f"more than {published:g}: up to {published + unit:g}"
    return f"±{unit / 2:g}"
