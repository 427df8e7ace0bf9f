"""Protected persons: where a source prints initials for a person, every published file shows only initials.

A person is protected when any source prints their name as initials only ('D.A.Q.', 'Y.O.H'), when the register
names them by initials (victims `name_status == 'initials'`), or when they are under 18 and a source prints a
name with initials in it ('Brayan A. J.'). For each protected person, every name form any source prints for
them is replaced in free text by the initials the register shows (`display_name`).

Matching is on comparison tokens (analysis.register.clean.names: case, accents and known spelling variants folded),
whole words, longest form first. Besides the full printed forms, every run of 2+ full-word tokens inside them
('Aroquipa Hancco') is masked, unless a person who is not protected has a name holding the same run. A surname
standing alone ('Atequipa: pellet to the chest') is masked only when no other person's name holds it: a
shared surname (Quispe, Mamani) is never masked. A printed form whose words all appear in the shown initials
('Jhamileth' for 'Jhamileth N. A.') reveals nothing and is left alone. data/raw is never touched.
"""
from dataclasses import dataclass
from functools import lru_cache
import re

import pandas as pd

from analysis.register.clean.names import is_initials, normalise_name, split_forms, variant_key

# Columns holding normalised forms (upper ASCII, no punctuation): they get the normalised initials.
NORMALISED_COLUMNS = ("name_forms", "name_keys")
STEP = "privacy.mask"

# A word: a run of letters (with combining accents), digits and '_'; identifiers such as the source id
# 'ojopublico_20231126_cristofer' are one word and never a name.
_WORD = re.compile(r"[\w\u0300-\u036f]+")
_INITIAL_TOKEN = re.compile(r"^[A-ZÑ]{1,2}\.$")           # 'A.', 'LL.' inside a printed name


@dataclass(frozen=True)
class Protected:
    person: str       # victim_id (mention_id for a mention linked to no person)
    initials: str     # what every published file shows instead of the name
    forms: tuple      # every name form the sources print for the person, as printed
    masked: tuple     # name forms: token sequences (comparison keys) replaced by `initials`, longest first
    surnames: tuple = ()   # lone surnames (1-token sequences) no other person shares, also replaced


# ---- tokens ---------------------------------------------------------------------------------------------
@lru_cache(maxsize=None)
def _key(word: str) -> str:
    if re.search(r"[\d_]", word):
        return word          # an identifier or a number: no name token equals it
    norm, _ = normalise_name(word)
    return variant_key(norm.replace(" ", ""))


def _keys(form) -> tuple:
    return tuple(_key(w) for w in _WORD.findall(str(form)))


def _full_words(keys) -> int:
    return sum(len(k) >= 2 for k in keys)


def _windows(keys, min_len=1):
    return {keys[i:j] for i in range(len(keys)) for j in range(i + min_len, len(keys) + 1)}


def _has_initials(form) -> bool:
    return is_initials(form) or any(_INITIAL_TOKEN.match(t) for t in str(form).split())


def _true(s: pd.Series) -> pd.Series:
    """Booleans whether built in memory (bool) or read back from CSV (text)."""
    return s.astype("string").str.lower().eq("true").fillna(False)


# ---- who is protected -----------------------------------------------------------------------------------
def protected_persons(linked_mentions: pd.DataFrame, victims: pd.DataFrame) -> tuple:
    """The protected persons of a register: `linked_mentions` (mentions_linked), `victims` (before or after
    the cut-off; persons missing from it are judged on their mentions alone)."""
    m = linked_mentions.assign(_person=linked_mentions["victim_id"].astype("string")
                               .fillna(linked_mentions["mention_id"].astype("string")),
                               _initials=_true(linked_mentions["name_is_initials"]),
                               _age=pd.to_numeric(linked_mentions["age_years"], errors="coerce"))
    v = victims.set_index(victims["victim_id"].astype(str))
    chosen, others = {}, set()
    for pid, g in m.groupby("_person", sort=True):
        forms = [f for raw in g["name_raw"].dropna() for f in split_forms(raw)]
        row = v.loc[pid] if pid in v.index else None
        status_initials = row is not None and row["name_status"] == "initials"
        ages = list(g["_age"].dropna()) + ([float(row["age_years"])] if row is not None and
                                           pd.notna(row["age_years"]) else [])
        minor = any(a < 18 for a in ages)
        if g["_initials"].any() or status_initials or (minor and any(_has_initials(f) for f in forms)):
            shown = row["display_name"] if status_initials else _first_initials(forms)
            chosen[pid] = (shown, forms)
        else:
            others |= {w for f in forms for w in _windows(_keys(f))}
    people = [_protected(pid, shown, forms, others) for pid, (shown, forms) in chosen.items()]
    return tuple(_with_surnames(p, others, people) for p in people)


def _first_initials(forms: list) -> str:
    """The first initials-only form printed, else the first name holding initials."""
    only = [f for f in forms if is_initials(f)]
    return (only or [f for f in forms if _has_initials(f)])[0]


def _protected(pid, shown, forms, others) -> Protected:
    """Sequences to mask: each printed form that is not initials only, and each run of 2+ full words in it;
    not those the shown initials already reveal, nor those a non-protected person's name holds."""
    shown_keys = set(_keys(shown))
    masked = set()
    for form in forms:
        if is_initials(form):
            continue
        keys = _keys(form)
        cands = {keys} | {w for w in _windows(keys, 2) if _full_words(w) >= 2}
        masked |= {c for c in cands if c and not set(c) <= shown_keys and c not in others}
    order = sorted(masked, key=lambda c: (-len(c), c))
    return Protected(pid, shown, tuple(dict.fromkeys(forms)), tuple(order))


def _surname_keys(form) -> tuple:
    """Surname positions of a Spanish full name: the last two words of 3+, the last of 2."""
    keys = [k for k in _keys(form) if len(k) >= 2]
    return tuple(keys[-2:] if len(keys) >= 3 else keys[-1:] if len(keys) == 2 else ())


def _with_surnames(p: Protected, others: set, people: list) -> Protected:
    """Add the person's surnames that no other person's name (protected or not) holds."""
    taken = set().union(*[{k for f in q.forms for k in _keys(f)} for q in people if q is not p])
    own = {k for f in p.forms if not is_initials(f) for k in _surname_keys(f)}
    lone = sorted((k,) for k in own if (k,) not in others and k not in taken and (k,) not in p.masked)
    return Protected(p.person, p.initials, p.forms, p.masked, tuple(lone))


# ---- masking --------------------------------------------------------------------------------------------
@lru_cache(maxsize=64)
def _matcher(protected: tuple, surnames: bool) -> dict:
    """first token key → [(token sequence, person)], longest sequences first."""
    table = {}
    for p in protected:
        for seq in p.masked + (p.surnames if surnames else ()):
            table.setdefault(seq[0], []).append((seq, p))
    for entries in table.values():
        entries.sort(key=lambda e: -len(e[0]))
    return table


def _joined(text, a, b, key_a) -> bool:
    """Two words belong to one name: only spaces between them, or a dot after an initial."""
    sep = text[a.end():b.start()]
    return bool(re.fullmatch(r"\s+", sep) or (len(key_a) <= 2 and re.fullmatch(r"\.\s*", sep)))


def find_protected(text, protected: tuple, surnames: bool = True) -> list:
    """[(start, end, person, shown)] for every protected name form in `text` (and lone surname, unless
    surnames=False), left to right, longest first. `shown` is the person's initials, or, for a lone surname
    inside another name ('Demetrio Aroquipa', her father), its initial ('Demetrio A.'). A lone surname right
    after a form of the same person joins it ('Elmer Zolano Leonardo' + 'Huanca')."""
    if not isinstance(text, str) or not protected:
        return []
    table = _matcher(tuple(protected), surnames)
    words = list(_WORD.finditer(text))
    keys = [_key(w.group()) for w in words]
    hits, i = [], 0
    while i < len(words):
        hit = next(((seq, p) for seq, p in table.get(keys[i], [])
                    if tuple(keys[i:i + len(seq)]) == seq
                    and all(_joined(text, words[k], words[k + 1], keys[k]) for k in range(i, i + len(seq) - 1))),
                   None)
        if hit is None:
            i += 1
            continue
        seq, p = hit
        end = words[i + len(seq) - 1].end()
        if len(seq[-1]) <= 2 and text[end:end + 1] == ".":   # the dot of a final initial
            end += 1
        form = seq in p.masked
        if not form and hits and hits[-1][2] is p and hits[-1][3] == p.initials \
                and not text[hits[-1][1]:words[i].start()].strip():
            hits[-1] = (hits[-1][0], end, p, p.initials)
        elif form or not _in_other_name(text, words, i):
            hits.append((words[i].start(), end, p, p.initials))
        else:
            hits.append((words[i].start(), end, p, words[i].group()[0] + "."))
        i += len(seq)
    return hits


def _in_other_name(text, words, i) -> bool:
    """Word i stands next to a capitalised word, only spaces between: part of someone else's name."""
    near = [j for j in (i - 1, i + 1) if 0 <= j < len(words)]
    return any(words[j].group()[:1].isupper() and not text[min(words[i].end(), words[j].end()):
                                                          max(words[i].start(), words[j].start())].strip()
               for j in near)


def mask_text(text, protected: tuple, normalised: bool = False):
    """`text` with every protected name form replaced by the person's initials (normalised form if asked);
    anything that is not a string is returned unchanged."""
    hits = find_protected(text, protected)
    if not hits:
        return text
    out, pos = [], 0
    for start, end, _, shown in hits:
        shown = normalise_name(shown)[0] if normalised else shown
        if shown.endswith(".") and text[end:end + 1] == ".":   # 'Hilaria Aime Gutiérrez.' → 'Hilaria A. G.'
            end += 1
        out += [text[pos:start], shown]
        pos = end
    return "".join(out) + text[pos:]


def mask_frame(df: pd.DataFrame, protected: tuple, normalised_columns=NORMALISED_COLUMNS) -> pd.DataFrame:
    """A copy of `df` with every text cell masked (each distinct value masked once)."""
    out = df.copy()
    for col in out.columns:
        if not (pd.api.types.is_object_dtype(out[col]) or pd.api.types.is_string_dtype(out[col])):
            continue
        norm = col in normalised_columns
        values = {v: mask_text(v, protected, norm) for v in out[col].dropna().unique() if isinstance(v, str)}
        changed = {k: v for k, v in values.items() if k != v}
        if changed:
            out[col] = out[col].map(lambda v: changed.get(v, v) if isinstance(v, str) else v).astype(out[col].dtype)
    return out


def mask_log(log, protected: tuple) -> int:
    """Mask every text field of a StepLog's entries in place; returns the number of fields changed."""
    n = 0
    for entry in log.entries:
        for k, v in entry.items():
            if isinstance(v, str) and (masked := mask_text(v, protected)) != v:
                entry[k], n = masked, n + 1
    return n


def mask_register(tables: dict, log, protected: tuple) -> dict:
    """Every table and the step log masked; the masking itself is logged (counts only, no names)."""
    out, n = {}, mask_log(log, protected)
    for name, df in tables.items():
        out[name] = mask_frame(df, protected)
        n += int((out[name].astype("string").fillna("") != df.astype("string").fillna("")).to_numpy().sum())
    log.counts(STEP, len(protected), len(protected), "persons",
               f"persons protected (a source prints initials for them): their names in {n} table cells and log "
               "fields replaced by the initials")
    return out


def protected_from_raw(raw_dir=None) -> tuple:
    """The protected persons of the whole raw data (every source, every row): the register built with
    default parameters."""
    from analysis.register import build as register   # register imports this module
    return register.build(raw_dir).protected
