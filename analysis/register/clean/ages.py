"""Age as printed → age in completed years.

Gestational ages ("28 semanas de gestación", "35 weeks", "seis meses de gestación", "ocho meses" for
an unborn/premature baby) measure time in the womb, not time since birth: they are NOT converted to an
age. age_years stays None and the note keeps the gestational age, so no age is invented for a baby
whose live birth the source may not state.
"""
import re

from analysis.register.vocab import fold

MAX_AGE = 110
_WORDS = {"un": 1, "uno": 1, "una": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6,
          "siete": 7, "ocho": 8, "nueve": 9, "diez": 10, "once": 11}
_NUM = r"(\d{1,3}|" + "|".join(_WORDS) + r")"

# Exact printed strings that need a decision of their own (each documented).
SPECIAL = {
    "22 dos años": (22, "printed '22 dos años' (digits 22 then the word 'dos')",
                    "digits kept, stray number word ignored"),
}


def _num(token: str) -> int:
    return int(token) if token.isdigit() else _WORDS[token]


def _one(piece: str):
    """(years or None, note, rule) for one ' ; '-free expression; ValueError if unreadable."""
    t = fold(piece)
    m = re.search(_NUM + r" (semanas|weeks)|" + _NUM + r" mes(es)? de gestacion", t)
    if m:
        return None, f"gestational age '{piece.strip()}' (not an age since birth)", "gestational age"
    m = re.fullmatch(r"(?:de )?" + _NUM + r" ano(?:s)? y " + _NUM + r" mes(?:es)?(?: de edad)?", t)
    if m:
        years, months = _num(m.group(1)), _num(m.group(2))
        return years, f"{years} year(s) {months} month(s)", "years and months → completed years"
    m = re.fullmatch(r"(?:un )?(?:bebe de )?" + _NUM + r" mes(?:es)?", t)
    if m:  # e.g. "ocho meses" printed for a premature/unborn baby: gestational, see module doc
        return None, f"gestational age '{piece.strip()}' (not an age since birth)", "months (gestation)"
    m = re.fullmatch(r"nacido el (\d{1,2}) de (\w+) de (\d{4})", t)
    if m:
        from analysis.register.clean.dates import MONTHS
        born = f"{m.group(3)}-{MONTHS[m.group(2)]:02d}-{int(m.group(1)):02d}"
        return None, f"born {born} (age depends on the date of death)", "birth date"
    m = re.fullmatch(r"(?:(?:a|the) )?(\d{1,3})-year-old", t)
    if m:
        return int(m.group(1)), None, "N-year-old"
    m = re.fullmatch(r"(?:a sus |de |un joven de )?(-?\d{1,3})(?: anos?| ano)?(?: de edad)?( aproximadamente)?", t)
    if m:
        note = "approximate" if m.group(2) else None
        return int(m.group(1)), note, "number of years" + (" (approximate)" if note else "")
    raise ValueError(f"age '{piece}' not understood")


def parse_age(text):
    """(age in completed years or None, note or None, rule).

    Several expressions (' ; ') must agree on the years; if they do not, age is None and the note
    lists them. Negative, > 110 or unreadable ages raise ValueError (the caller adds file/row/field).
    """
    if text is None or not str(text).strip():
        return None, None, "empty"
    text = str(text).strip()
    if text in SPECIAL:
        return SPECIAL[text]
    results = [_one(p) for p in text.split(" ; ") if p.strip()]
    for years, _, _ in results:
        if years is not None and not 0 <= years <= MAX_AGE:
            raise ValueError(f"age {years} in '{text}' is impossible (allowed 0..{MAX_AGE})")
    years = {r[0] for r in results if r[0] is not None}
    notes = [r[1] for r in results if r[1]]
    rules = sorted({r[2] for r in results})
    if len(years) > 1:
        return None, "conflicting ages in one source: " + " ; ".join(map(str, sorted(years))), "conflict"
    value = next(iter(years)) if years else None
    note = " ; ".join(dict.fromkeys(notes)) or None
    return value, note, " + ".join(rules)
