"""Which mentions might be one person, and how strongly: name forms, blocking, candidate pairs, pair scores.

Used by analysis.register.link, whose docstring gives the decision rule of `score_pair` and why blocking loses
no merge. Evidence is limited to what identifies a person: printed names, age, sex, place and date.
"""
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd
from rapidfuzz import fuzz

from analysis.register import vocab
from analysis.register.clean.names import comparison_key

DATE_TOLERANCE_DAYS = 3      # "ayer"/"el lunes" resolutions and injury vs death dates differ by a few days
AGE_TOLERANCE = 2            # NOTES.md §4: 15/16, 22/23, 29/30/31 for the same person
STRONG_NAME = 90
WEAK_NAME = 80
TOKEN_MATCH = 80             # one word against another (Flores/Flórez 83, Ghiovanny/Giovanni 82, Becan/Beckhan 83)
DIGRAPH_INITIALS = {"LL", "CH"}   # Spanish digraphs printed as one initial: "R.P.M.LL."
SEP = " ; "


def name_forms(value) -> list:
    """Comparison keys of a mention's normalised name forms as token lists (empty when unnamed);
    clean.names.comparison_key maps the sources' known spelling variants to one key."""
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return []
    return [list(k) for k in _form_keys(str(value))]


@lru_cache(maxsize=None)
def _form_keys(value: str) -> tuple:
    """Cached: reprints repeat the same name forms many times."""
    keys = [tuple(comparison_key(f).split()) for f in value.split(SEP) if f.strip()]
    return tuple(k for k in keys if k and k != ("NN",))


def _is_initial(token: str) -> bool:
    return len(token) == 1 or token in DIGRAPH_INITIALS


known = vocab.is_known


def date_span(row):
    """(first, last) known date of a mention: injury → death; (None, None) when no date."""
    ds = [pd.Timestamp(row[c]) for c in ("date_injury", "date_death") if known(row.get(c))]
    return (min(ds), max(ds)) if ds else (None, None)


# --- blocking ----------------------------------------------------------------------------------------
def conflicting(a, b) -> bool:
    return known(a) and known(b) and a != b


def opening_keys(word: str) -> set:
    """The first three letters with one deleted (a two-letter word is its own key)."""
    head = word[:3]
    return {head[:k] + head[k + 1:] for k in range(3)} if len(head) == 3 else {head}


def _name_keys(forms: list) -> set:
    """Blocking keys of a mention's name forms. Every accepted match needs agreement of at least one token
    pair (module docstring): an initial equal to the first letter of a token ('i' meets 'l' keys), or two
    words scoring >= TOKEN_MATCH. Word keys are the first three letters with one of them deleted, so two
    words share a key when their openings differ by at most one edit: Elmer/Helmer, Jhonatan/Jonatan,
    Cristian/Kristian ('w' keys)."""
    keys = set()
    for form in forms:
        for t in form:
            keys.add(("l", t[0]))
            if _is_initial(t):
                keys.add(("i", t[0]))
            else:
                keys.update(("w", k) for k in opening_keys(t))
    return keys


def _pairs_between(left: dict, right: dict, out: set) -> None:
    """Index pairs (i, j), i in left[dep] and j in right[dep'], where the departments agree or one is
    unknown ('*'); unordered, without self-pairs."""
    for dep, ls in left.items():
        targets = list(right.values()) if dep == "*" else [right.get(dep, []), right.get("*", [])]
        for rs in targets:
            out.update((i, j) if i < j else (j, i) for i in ls for j in rs if i != j)


def blocked_pairs(rows: list, forms: list) -> set:
    """Pairs of row indices sharing a blocking key inside a department (unknown departments meet all):
    a word key with a word key, an initial with the first letter of any token of the other side."""
    index = {}
    for i, (row, fs) in enumerate(zip(rows, forms)):
        dep = row.get("ubigeo_dep") if known(row.get("ubigeo_dep")) else "*"
        for kind, value in _name_keys(fs):
            index.setdefault((kind, value), {}).setdefault(dep, []).append(i)
    out = set()
    for (kind, value), by_dep in index.items():
        if kind == "w":
            _pairs_between(by_dep, by_dep, out)
        elif kind == "i":
            _pairs_between(by_dep, index.get(("l", value), {}), out)
    return out


def candidate_pairs(mentions: pd.DataFrame, sources: dict | None = None, stats: dict | None = None) -> pd.DataFrame:
    """Pairs of named mentions worth scoring: sharing a name blocking key (`blocked_pairs`), different
    sources, no conflicting department or event, dates (when both known) within DATE_TOLERANCE_DAYS.
    Missing values compare as unknown. `sources` maps a mention standing for several identical mentions
    to all their sources (a pair is skipped only when a single source holds both sides); `stats` receives
    the pair counts of each stage for the cleaning log."""
    named = mentions[[bool(name_forms(v)) for v in mentions["name_forms"]]]
    rows = list(named.to_dict("records"))
    srcs = [(sources or {}).get(r["mention_id"], {r["source_id"]}) for r in rows]
    spans = [date_span(r) for r in rows]
    tol = pd.Timedelta(days=DATE_TOLERANCE_DAYS)
    blocked = blocked_pairs(rows, [name_forms(r["name_forms"]) for r in rows])
    out = []
    for i, j in blocked:
        a, b = rows[i], rows[j]
        if len(srcs[i] | srcs[j]) == 1:
            continue  # a source lists each person once (FIELDS.md)
        if conflicting(a.get("ubigeo_dep"), b.get("ubigeo_dep")) or conflicting(a.get("event_id"), b.get("event_id")):
            continue
        (fa, la), (fb, lb) = spans[i], spans[j]
        if fa is not None and fb is not None and (fb - la > tol or fa - lb > tol):
            continue
        x, y = sorted([a["mention_id"], b["mention_id"]])
        out.append((x, y))
    if stats is not None:
        single = pd.Series([next(iter(ss)) for ss in srcs if len(ss) == 1], dtype=object).value_counts()
        stats.update(named=len(rows), all_pairs=len(rows) * (len(rows) - 1) // 2
                     - int((single * (single - 1) // 2).sum()), blocked=len(blocked), candidates=len(out))
    return pd.DataFrame(sorted(out), columns=["mention_a", "mention_b"])


# --- scoring -------------------------------------------------------------------------------------------
def _word_match(a: str, b: str) -> bool:
    return fuzz.ratio(a, b) >= TOKEN_MATCH


def initials_compatible(a: list, b: list) -> bool:
    """Token lists where at least one holds initials: align in order (an initial matches a word with
    the same first letter, a word matches a word by fuzzy ratio); one token of either side may be left
    out (omitted second surname or middle name). Both sides need ≥ 2 tokens."""
    if min(len(a), len(b)) < 2:
        return False

    def tok_ok(x, y):
        if _is_initial(x) or _is_initial(y):
            return x[0] == y[0]
        return _word_match(x, y)

    def align(i, j, skips):
        if i == len(a) or j == len(b):
            return (len(a) - i) + (len(b) - j) + skips <= 1
        if tok_ok(a[i], b[j]) and align(i + 1, j + 1, skips):
            return True
        if skips == 0:
            return align(i + 1, j, 1) or align(i, j + 1, 1)
        return False
    return align(0, 0, 0)


def _aligned(short: list, long: list):
    """Match every token of `short` to a distinct token of `long` (any order: 'Omar Gabriel' vs
    'Gabriel Omar'); returns (mean ratio, matched positions in `long`) or (0, None)."""
    used, ratios = [], []
    for t in short:
        best = max(((fuzz.ratio(t, u), k) for k, u in enumerate(long) if k not in used), default=(0, None))
        if best[0] < TOKEN_MATCH:
            return 0.0, None
        used.append(best[1])
        ratios.append(best[0])
    return sum(ratios) / len(ratios), used


def _given_names_only(short: list, long: list, positions) -> bool:
    """The short form is the leading given names of a longer name that has two more tokens (the two
    surnames): 'José Luis' vs 'José Luis Soncco Quispe' says nothing about the family."""
    return positions is not None and sorted(positions) == list(range(len(short))) and len(long) >= len(short) + 2


def _name_evidence(forms_a: list, forms_b: list):
    """(kind, score) for the best form pair; kind in full / initials / partial / none.

    full: both forms have ≥ 2 word tokens and share a surname-position token; score = max of
    token_sort_ratio, the fuzzy token alignment of the shorter form into the longer, and
    token_set_ratio when both forms have ≥ 3 tokens (with 2 it scores 100 on any shared pair).
    partial: a single word, or only the leading given names, found in the other form (score 100).
    """
    best = ("none", 0.0)
    rank = {"none": 0, "partial": 1, "initials": 2, "full": 3}
    for fa in forms_a:
        for fb in forms_b:
            short, long = (fa, fb) if len(fa) <= len(fb) else (fb, fa)
            if any(_is_initial(t) for t in fa + fb):
                cand = ("initials", 100.0 if initials_compatible(fa, fb) else 0.0)
            elif len(short) == 1:
                cand = ("partial", 100.0 if any(_word_match(short[0], t) for t in long) else 0.0)
            else:
                al, pos = _aligned(short, long)
                if _given_names_only(short, long, pos):
                    cand = ("partial", 100.0)
                else:
                    sa, sb = " ".join(fa), " ".join(fb)
                    scores = [fuzz.token_sort_ratio(sa, sb), al]
                    if len(short) >= 3:
                        scores.append(fuzz.token_set_ratio(sa, sb))
                    cand = ("full", float(max(scores)))
            if (cand[1] > 0, rank[cand[0]], cand[1]) > (best[1] > 0, rank[best[0]], best[1]):
                best = cand
    return best


@dataclass
class PairScore:
    score: float
    name_kind: str
    age_ok: object      # True / False / None (unknown)
    place_ok: object
    accept: bool
    reason: str


def score_pair(a: dict, b: dict) -> PairScore:
    """Score two mentions (dict-like cleaned rows) on name, age and place; see module docstring."""
    kind, name = _name_evidence(name_forms(a.get("name_forms")), name_forms(b.get("name_forms")))
    age_ok = None
    if known(a.get("age_years")) and known(b.get("age_years")):
        age_ok = abs(int(a["age_years"]) - int(b["age_years"])) <= AGE_TOLERANCE
    place_ok = None
    for col in ("ubigeo_prov", "ubigeo_dep"):
        if known(a.get(col)) and known(b.get(col)):
            place_ok = a[col] == b[col]
            break
    if known(a.get("sex")) and known(b.get("sex")) and a["sex"] != b["sex"]:
        return PairScore(name, kind, age_ok, place_ok, False, f"{kind} name {name:.0f}; sex differs")
    facts = f"{kind} name {name:.0f}; age {'?' if age_ok is None else ('ok' if age_ok else 'differs')}; " \
            f"place {'?' if place_ok is None else ('ok' if place_ok else 'differs')}"
    if kind == "full":
        if name >= STRONG_NAME:
            return PairScore(name, kind, age_ok, place_ok, True, f"{facts} -> strong name match")
        if name >= WEAK_NAME and age_ok is not False and place_ok is True:
            return PairScore(name, kind, age_ok, place_ok, True, f"{facts} -> variant name, same place, age compatible")
        return PairScore(name, kind, age_ok, place_ok, False, f"{facts} -> below threshold")
    if kind in ("initials", "partial") and name == 100 and age_ok is not False and place_ok is not False:
        return PairScore(name, kind, age_ok, place_ok, True, f"{facts} -> {kind} compatible")
    return PairScore(name, kind, age_ok, place_ok, False, f"{facts} -> no match")
