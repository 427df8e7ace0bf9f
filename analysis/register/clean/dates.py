"""Dates as printed → (date_injury, date_death, rule).

Decisions (each is written into the returned rule so the cleaning log shows it):
- A single date with no injury word is the date of DEATH: casualty lists and reports date the death.
  With an injury word (herido, hospitalizado, internado, atacado, detenido) it is the date of INJURY.
- Two distinct dates in one field: the earlier is the injury, the later the death (one cannot die
  before being hurt). "Hospitalizado desde el 10/12/22" / "internado el ..." in context_as_printed is
  an injury date and is used when it precedes the death date.
- "murió días después" after a date: that date is the injury; the death date stays unknown.
- Year not printed: December → 2022, January–November → 2023 (the study window starts in Dec 2022);
  "del año pasado" / "de este año" are taken from the publication year.
- Relative phrases ("ayer", "en la víspera", "este lunes", "el último martes") are resolved against
  the source's publication date: "último/pasado/last <weekday>" = most recent such day strictly
  before publication; "este <weekday>" or a bare weekday = most recent such day on or before it.
  Without a full publication date they stay unresolved.
- A printed weekday that contradicts the printed date is kept in the rule ("contradicts").
- Dates for a group ("el 18 y 19 de enero[, respectivamente]"), ranges, month-only and time-only
  phrases give no date for the person (rule "unresolved: ...").
- ISO dates (2022-12-15) are read like numeric ones.
- Every date written out anywhere in a piece is checked on the calendar, not only the one used: an impossible
  day (30/02/2023, 2023-02-30, "31 de junio") in any part of the phrase is an error, never "unresolved".
  A piece with two different printed dates ("15/12/2022 y 20/01/2023") counts both, as if split by " ; ".
- Dates outside 2022-12-01..2023-12-31, invalid calendar days, or after the publication date raise
  ValueError (the caller turns it into RawDataError with file, row and field); ContextDateError (a
  ValueError) when the bad date is in the context text rather than in the date field.
"""
import datetime as dt
import re

from analysis.register.vocab import fold

WINDOW = (dt.date(2022, 12, 1), dt.date(2023, 12, 31))

MONTHS = {
    "enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6, "julio": 7, "agosto": 8,
    "septiembre": 9, "setiembre": 9, "octubre": 10, "noviembre": 11, "diciembre": 12,
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7, "august": 8,
    "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10,
    "nov": 11, "dec": 12,
}
WEEKDAYS = {
    "lunes": 0, "martes": 1, "miercoles": 2, "jueves": 3, "viernes": 4, "sabado": 5, "domingo": 6,
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6,
    "mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6,
    "segunda-feira": 0, "terca-feira": 1, "quarta-feira": 2, "quinta-feira": 3, "sexta-feira": 4,
}
_MONTH = "(" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\b"
_WEEKDAY = r"\b(" + "|".join(sorted(WEEKDAYS, key=len, reverse=True)) + r")\b"
_INJURY_WORDS = r"herid|hospitaliz|internad|ingresad|atacad|detenid|shot\b"
_TIME_ONLY = (r"^(a las|al promediar|alrededor de|durante la madrugada|mas tarde|ya en la tarde"
              r"|casi al mismo tiempo|casi a la misma hora|esta manana)|\d+:\d+|p\. ?m\.")

# Exact printed strings that need a decision of their own.
SPECIAL = {
    "este lunes 19 de septiembre": "unresolved: printed '19 de septiembre' in a source published "
                                   "2022-12-20 (outside the study window); the weekday would fit 19 Dec "
                                   "2022 but the printed month is not corrected here",
}


class ContextDateError(ValueError):
    """The bad date is in the context text ("Hospitalizado desde el ..."), not in the date field."""


_ISO_DATE = r"\b(\d{4})-(\d{2})-(\d{2})\b"
_NUMERIC_DATE = r"\b(\d{1,2})([/.])(\d{1,2})\2(\d{4}|\d{2})\b"
_DAY_DE_MONTH = r"\b(\d{1,2}) de " + _MONTH + r"(?: (?:de|del) (\d{4}))?"
_DAY_MONTH = r"\b(\d{1,2}) " + _MONTH + r"(?: (\d{4}))?"
_MONTH_DAY = r"\b" + _MONTH + r" (\d{1,2})\b(?!:)"


def _iso(d):
    return d.isoformat() if d else None


def _full_date(value):
    """Publication/cutoff date as date, or None when empty or partial (YYYY-MM)."""
    value = (value or "").strip()
    return dt.date.fromisoformat(value) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) else None


def _year_for(month: int, t: str, pub):
    """(year, how) for a day-month without a printed year."""
    if re.search(r"del? ano pasado", t):
        if pub is None:
            year = 2022 if month == 12 else 2023
            return year, f"year {year} from the study window ('año pasado', no publication date)"
        return pub.year - 1, f"year {pub.year - 1} from 'año pasado' and publication {pub}"
    if re.search(r"de este ano", t):
        if pub is None:
            return None, "'este año' without a publication date"
        return pub.year, f"year {pub.year} from 'este año' and publication {pub}"
    year = 2022 if month == 12 else 2023
    return year, f"year {year} inferred from the study window"


def _make(year, month, day, piece):
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValueError(f"'{piece}' is not a calendar date ({year}-{month:02d}-{day:02d})") from None


def _weekday_check(d, t):
    m = re.search(_WEEKDAY, t)
    if not m:
        return ""
    stated = WEEKDAYS[m.group(1)]
    actual = d.strftime("%A")
    if stated == d.weekday():
        return f"; weekday '{m.group(1)}' agrees"
    return f"; stated weekday '{m.group(1)}' contradicts the date (a {actual})"


def _explicit(t, piece, pub):
    """The date written out in the piece: (date, how) or None."""
    m = re.search(_ISO_DATE, t)
    if m:
        return _make(int(m.group(1)), int(m.group(2)), int(m.group(3)), piece), "ISO yyyy-mm-dd"
    m = re.search(_NUMERIC_DATE, t)
    if m:
        day, month, y = int(m.group(1)), int(m.group(3)), m.group(4)
        year = int(y) if len(y) == 4 else 2000 + int(y)
        sep = m.group(2)
        how = f"numeric dd{sep}mm{sep}{'yyyy' if len(y) == 4 else 'yy'}"
        return _make(year, month, day, piece), how
    m = re.search(_DAY_DE_MONTH, t) or re.search(_DAY_MONTH, t)
    if m:
        day, month = int(m.group(1)), MONTHS[m.group(2)]
        if m.group(3):
            year, how_year = int(m.group(3)), "year printed"
        else:
            year, how_year = _year_for(month, t, pub)
            if year is None:
                return None
        return _make(year, month, day, piece), f"day-month text ({how_year})"
    m = re.search(_MONTH_DAY, t)
    if m:
        month, day = MONTHS[m.group(1)], int(m.group(2))
        year, how_year = _year_for(month, t, pub)
        return _make(year, month, day, piece), f"month-day text ({how_year})"
    m = re.search(r"-feira \((\d{1,2})\)", t)
    if m and pub:
        d = _make(pub.year, pub.month, int(m.group(1)), piece)
        return d, f"day number '({m.group(1)})' in the month of publication {pub}"
    return None


def _printed_dates(t, piece, pub):
    """Every date written out in the piece (ISO, numeric, day-month, month-day), each checked on the calendar.

    Raises ValueError on any impossible one, so no part of a phrase is ignored silently. A day-month whose
    year cannot be told ('este año' without a publication date) is checked against a leap year.
    """
    found = [_make(int(m[1]), int(m[2]), int(m[3]), piece) for m in re.finditer(_ISO_DATE, t)]
    for m in re.finditer(_NUMERIC_DATE, t):
        year = int(m[4]) if len(m[4]) == 4 else 2000 + int(m[4])
        found.append(_make(year, int(m[3]), int(m[1]), piece))
    for pattern, day_group, month_group in [(_DAY_DE_MONTH, 1, 2), (_DAY_MONTH, 1, 2), (_MONTH_DAY, 2, 1)]:
        for m in re.finditer(pattern, t):
            day, month = int(m[day_group]), MONTHS[m[month_group]]
            year = int(m[3]) if pattern != _MONTH_DAY and m[3] else _year_for(month, t, pub)[0]
            d = _make(year or 2000, month, day, piece)
            if year:
                found.append(d)
    return found


def _relative(t, pub):
    """A date relative to publication: (date, how) or None; ('unresolved', why) without a full pub date."""
    word = None
    if re.search(r"\bayer\b|\bvispera\b", t):
        word = "ayer/víspera"
    elif re.search(r"\bhoy\b", t):
        word = "hoy"
    elif re.search(_WEEKDAY, t):
        word = "weekday"
    if word is None:
        return None
    if pub is None:
        return "unresolved", f"relative phrase '{t}' and no full publication date"
    if word == "ayer/víspera":
        return pub - dt.timedelta(days=1), f"'{t}' = day before publication {pub}"
    if word == "hoy":
        return pub, f"'{t}' = publication day {pub}"
    name = re.search(_WEEKDAY, t).group(1)
    target = WEEKDAYS[name]
    strict = bool(re.search(r"ultim|pasad|\blast\b", t))
    back = (pub.weekday() - target) % 7
    if strict and back == 0:
        back = 7
    which = "before" if strict else "on or before"
    return pub - dt.timedelta(days=back), (f"weekday '{t}' resolved to the most recent "
                                           f"{dt.date(2023, 1, 2 + target).strftime('%A')} {which} published {pub}")


def _piece(piece, pub):
    """(kind, date, how) with kind in {date, dates, group, days_after, ignore, unresolved}; `dates` is a tuple."""
    t = fold(piece)
    printed = _printed_dates(t, piece, pub)
    if "respectivamente" in t or re.search(r"\b\d{1,2} y \d{1,2} de " + _MONTH, t):
        return "group", None, f"two days for a group in '{piece}': which one is this person's is not stated"
    if re.search(r"\bentre\b.+\by\b", t):
        return "unresolved", None, f"range '{piece}'"
    if re.search(r"dias despues", t):
        return "days_after", None, f"'{piece}': died some days later (date not stated)"
    found = _explicit(t, piece, pub)
    if found:
        d, how = found
        more = sorted(set(printed) - {d})
        if more:
            return "dates", (d, *more), how + f"; also printed in '{piece}': {', '.join(map(str, more))}"
        return "date", d, how + _weekday_check(d, t)
    rel = _relative(t, pub)
    if rel:
        if rel[0] == "unresolved":
            return "unresolved", None, rel[1]
        return "date", rel[0], rel[1]
    if re.search(_TIME_ONLY, t):
        return "ignore", None, f"time of day only '{piece}'"
    if re.search(_MONTH, t):
        return "ignore", None, f"month only '{piece}'"
    return "unresolved", None, f"no date in '{piece}'"


def _context_injury(context, pub):
    """Injury date from 'Hospitalizado desde el ...' / 'internado el ...' in context_as_printed."""
    for piece in str(context or "").split(" ; "):
        m = re.search(r"(hospitalizad[oa]|internad[oa])\b(.*)", piece, flags=re.IGNORECASE)
        if m:
            try:
                kind, d, how = _piece(m.group(2), pub)
            except ValueError as err:
                raise ContextDateError(str(err)) from None
            if kind == "dates":  # the first date after the word is the admission (the rule lists the others)
                kind, d = "date", d[0]
            if kind == "date":
                return d, f"context '{piece.strip()}' → injury {d} ({how})"
    return None, None


def _check(d, pub, cutoff, text):
    if not WINDOW[0] <= d <= WINDOW[1]:
        raise ValueError(f"date {d} from '{text}' is outside {WINDOW[0]}..{WINDOW[1]}")
    if pub and d > pub:
        raise ValueError(f"date {d} from '{text}' is after the publication date {pub}")


def parse_dates(text, published_date=None, cutoff_date=None, context=None):
    """(date_injury ISO or None, date_death ISO or None, rule). See the module doc for every rule."""
    text = "" if text is None else str(text).strip()
    pub = _full_date(published_date)
    cutoff = _full_date(cutoff_date)
    ctx_date, ctx_rule = _context_injury(context, pub)
    if not text and not ctx_date:
        return None, None, "empty"
    if text in SPECIAL:
        return None, None, SPECIAL[text]
    pieces = [p for p in text.split(" ; ") if p.strip()]
    parts = [_piece(p, pub) for p in pieces]
    hows = [how for _, _, how in parts]
    if any(kind == "group" for kind, _, _ in parts):
        return None, None, "unresolved: " + "; ".join(h for k, _, h in parts if k == "group")
    dated = [(d, p) for (kind, d, _), p in zip(parts, pieces) if kind == "date"]
    dated += [(d, p) for (kind, ds, _), p in zip(parts, pieces) if kind == "dates" for d in ds]
    for d, _ in dated:
        _check(d, pub, cutoff, text)
    distinct = sorted({d for d, _ in dated})
    injury = death = None
    if len(distinct) > 2:
        raise ValueError(f"more than two dates in '{text}': {[str(d) for d in distinct]}")
    pending = [h for k, _, h in parts if k == "unresolved"]
    if len(distinct) == 1 and pending:
        return None, None, (f"unresolved: roles not decidable: {distinct[0]} and an unresolved date "
                            f"({'; '.join(pending)})")
    if len(distinct) == 2:
        injury, death = distinct
        how = "two dates: earlier = injury, later = death"
    elif len(distinct) == 1:
        only = distinct[0]
        injured_word = any(re.search(_INJURY_WORDS, fold(p)) for d, p in dated)
        if any(kind == "days_after" for kind, _, _ in parts):
            injury, how = only, "date is the injury; death 'días después' not dated"
        elif injured_word:
            injury, how = only, "single date with an injury word = injury"
        else:
            death, how = only, "single date = date of death"
    else:
        how = None
    if ctx_date:
        try:
            _check(ctx_date, pub, cutoff, context)
        except ValueError as err:
            raise ContextDateError(str(err)) from None
        if injury is None and (death is None or ctx_date < death):
            injury = ctx_date
            hows.append(ctx_rule)
        elif injury != ctx_date:
            hows.append(ctx_rule + f" (not used: field gives injury {injury}, death {death})")
    if injury is None and death is None:
        return None, None, "unresolved: " + "; ".join(hows)
    return _iso(injury), _iso(death), "; ".join(hows + ([how] if how else []))
