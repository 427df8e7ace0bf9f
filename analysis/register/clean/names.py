"""Name forms: normalisation, initials, and a spelling-variant key for record linkage.

Names are never corrected in the output: `normalise_name` only changes case, accents and punctuation;
NAME_VARIANTS maps spellings the sources use for the same name (casualties/NOTES.md §4) to one
comparison key, used only to compare names.
"""
import re

from analysis.register.vocab import fold

TRUNCATION = "[...]"

# canonical comparison token → spellings found in the sources (all upper ASCII).
NAME_VARIANTS = {
    "BECKHAM": ["BECKHAN", "BECKHAM", "BECAN", "BECKAM"],
    "JONATHAN": ["JHONATAN", "JONATAN", "JHONATHAN", "JONATHAN"],
    "GIOVANNI": ["GHIOVANNI", "GHIOVANNY", "GIOVANNI"],
    "JAMILETH": ["JHAMILETH", "YAMILET", "JAMILETH"],
    "JUMPIRI": ["JUMPIRI", "JUMPURI"],
    "BARBOSA": ["BARBOSA", "BARBOZA"],
    "FLORES": ["FLOREZ", "FLORES"],
    "NIXON": ["NIXON", "NIXOSN"],
    "CARLOS": ["CARLOS", "CARLO"],
    "CRISTIAN": ["CRISTHIAN", "CRISTIAN", "CHRISTIAN", "CRHISTIAN"],
    "CRISTOFER": ["CRISTOFER", "CHRISTOPHER"],
    "HELIOT": ["HELIOT", "HELLIOT"],
    "ARIZACA": ["ARIZACA", "ARISACA"],
    "HUARANCCA": ["HUARANCCA", "HUARANCA", "HUARANGA"],
    "HUARACA": ["HUARACA", "HUACARA"],
    "JOSE": ["JOSE", "JOSUE"],
    "JHON": ["JHON", "JOHN"],
    "ENCISO": ["ENCISO", "ENCINO"],
    "CHOQUEPUQUIO": ["CHOQUEPUQUIO", "CHOCCEPUQUIO"],
    "CHACCA": ["CHACCA", "CHAKA"],
    "YACSAVILCA": ["YACSAVILCA", "YACASAVILCA"],
    "ERUBIEL": ["ERUBIEL", "ERUSBEL"],
    "VILCHEZ": ["VILCHEZ"],
}
_VARIANT_OF = {v: k for k, forms in NAME_VARIANTS.items() for v in forms}
# Multi-token spellings joined before token lookup.
_JOINED = {"DA SILVA": "DASILVA"}


def normalise_name(text) -> tuple:
    """(normalised form, truncated?) — upper ASCII, no punctuation, spaces collapsed."""
    raw = str(text or "").strip()
    truncated = raw.endswith(TRUNCATION)
    if truncated:
        raw = raw[: -len(TRUNCATION)]
    t = fold(raw).upper()
    t = re.sub(r"[^A-Z ]+", " ", t)
    return re.sub(r"\s+", " ", t).strip(), truncated


def split_forms(text) -> list:
    """The ' ; '-separated forms one source printed for the same person, as printed."""
    return [f.strip() for f in str(text or "").split(" ; ") if f.strip()]


_INITIALS = re.compile(r"^(?:[A-ZÑ][A-ZÑ]?\.\s?)+[A-ZÑ]?\.?$|^(?:[A-ZÑ]\.\s?){1,}[A-ZÑ]{1,2}\.?$")


def is_initials(text) -> bool:
    """True for forms such as 'D.A.Q.', 'C. M. R. L.', 'R.P.M.LL.', 'Y.O.H', 'D. A. Q'."""
    t = str(text or "").strip()
    if not t or "." not in t:
        return False
    letters = re.sub(r"[.\s]", "", t)
    return bool(_INITIALS.match(t)) and letters.isupper() and len(letters) >= 2


def variant_key(token: str) -> str:
    """Comparison key of one normalised token (its canonical spelling, else itself)."""
    return _VARIANT_OF.get(token, token)


def comparison_key(name) -> str:
    """Normalised name with every token replaced by its variant key ('Jhonatan Alarcón' → 'JONATHAN ALARCON')."""
    norm, _ = normalise_name(name)
    for joined, single in _JOINED.items():
        norm = re.sub(rf"\b{joined}\b", single, norm)
    return " ".join(variant_key(tok) for tok in norm.split())
