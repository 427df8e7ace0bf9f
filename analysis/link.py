"""Record linkage: cleaned mentions → persons.

Pipeline (mentions arrive with their `event_id` from analysis.events) → `candidate_pairs` (blocking) →
`score_pair` (name, age, place evidence) → `link` (constrained union-find + the manual decision tables
in data/hand/ + retractions), which returns every mention with its `victim_id` and a match report listing every
pair considered.

Evidence used for linkage is deliberately limited to what identifies a person: the printed names,
age, sex, place and date. Cause, wound and force are never used: several sources copy one collective
statement to every listed person (`group_attribution`), so these fields are not individual evidence.

Decision rule of `score_pair` (why the thresholds):
- full names on both sides (≥ 2 word tokens): name score = max over all form pairs of rapidfuzz
  token_sort_ratio and token_set_ratio. ≥ STRONG_NAME (90) merges whatever the ages say: sources
  disagree by up to 27 years on the same named person (NOTES.md §4, Arcana 23/38, Hancco 27/37), the
  disagreement is kept for conflicts.py. Between WEAK_NAME (80) and 90 — spelling variants that also
  change a surname (Sanca/Samillán Sanga, Huaranga/Huarancca) — a merge needs compatible age and place.
- initials (minors): every letter must agree with the first letters of the other form, allowing one
  omitted name (a press form without the second surname, or an extra middle initial), and ages must not
  conflict. Initials that disagree are never merged automatically (NOTES.md: R.P.M.L. vs "Robert Pablo
  Medina Yanquerhuay"); such cases are decided in data/hand/manual_links.csv with the conflict recorded.
- a single given name ("Romario", "Marco", "Brayan") merges only when the token matches a name in the
  other form, ages do not conflict, and it matches exactly one person in its block (else: ambiguous).
Unnamed mentions ("un menor de 15 años", "NN") carry no name evidence: they are attributed only by the
manual table, with the evidence written beside each entry; unlisted ones stay "unattributed".
"""
import re
from dataclasses import dataclass

import pandas as pd
from rapidfuzz import fuzz

from analysis import hand, vocab
from analysis.clean.names import comparison_key

STEP = "link"
DATE_TOLERANCE_DAYS = 3      # "ayer"/"el lunes" resolutions and injury vs death dates differ by a few days
AGE_TOLERANCE = 2            # NOTES.md §4: 15/16, 22/23, 29/30/31 for the same person
STRONG_NAME = 90
WEAK_NAME = 80
TOKEN_MATCH = 80             # one word against another (Flores/Flórez 83, Ghiovanny/Giovanni 82, Becan/Beckhan 83)
DIGRAPH_INITIALS = {"LL", "CH"}   # Spanish digraphs printed as one initial: "R.P.M.LL."
SEP = " ; "

# --- manual decision tables: reviewed rows in data/hand/ (analysis.hand), each with evidence and reason ---
def load_manual_links(hand_dir=None) -> list:
    """(mention_id, anchor mention_id in the target person, reason); every entry is logged when applied."""
    df = hand.read("manual_links", hand_dir)
    return list(zip(df["mention_id"], df["anchor_mention_id"], df["reason"]))


def load_manual_persons(hand_dir=None) -> list:
    """(mention_id, reason): unnamed mentions that stand for a person no other mention names."""
    df = hand.read("manual_persons", hand_dir)
    return list(zip(df["mention_id"], df["reason"]))


def load_manual_unattributed(hand_dir=None) -> dict:
    """mention_id → reason: mentions kept out of every person (unnamed or too ambiguous)."""
    df = hand.read("manual_unattributed", hand_dir)
    return dict(zip(df["mention_id"], df["reason"]))


def load_cannot_link(hand_dir=None) -> list:
    """(mention_id, other mention_id, reason): pairs that must never be one person."""
    df = hand.read("cannot_link", hand_dir)
    return list(zip(df["mention_id"], df["other_mention_id"], df["reason"]))


# --- small helpers -------------------------------------------------------------------------------
def _forms(value) -> list:
    """Comparison keys of a mention's normalised name forms as token lists (empty when unnamed);
    clean.names.comparison_key maps the sources' known spelling variants to one key."""
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return []
    keys = [comparison_key(f).split() for f in str(value).split(SEP) if f.strip()]
    return [k for k in keys if k and k != ["NN"]]


def _is_initial(token: str) -> bool:
    return len(token) == 1 or token in DIGRAPH_INITIALS


_known = vocab.is_known


def _date_span(row):
    """(first, last) known date of a mention: injury → death; (None, None) when no date."""
    ds = [pd.Timestamp(row[c]) for c in ("date_injury", "date_death") if _known(row.get(c))]
    return (min(ds), max(ds)) if ds else (None, None)


# --- blocking ----------------------------------------------------------------------------------------
def _conflict(a, b) -> bool:
    return _known(a) and _known(b) and a != b


def candidate_pairs(mentions: pd.DataFrame) -> pd.DataFrame:
    """Pairs of named mentions worth scoring: different sources, no conflicting department or event,
    dates (when both known) within DATE_TOLERANCE_DAYS. Missing values compare as unknown."""
    named = mentions[[bool(_forms(v)) for v in mentions["name_forms"]]]
    rows = list(named.to_dict("records"))
    spans = [_date_span(r) for r in rows]
    tol = pd.Timedelta(days=DATE_TOLERANCE_DAYS)
    out = []
    for i in range(len(rows)):
        a = rows[i]
        for j in range(i + 1, len(rows)):
            b = rows[j]
            if a["source_id"] == b["source_id"]:
                continue  # a source lists each person once (FIELDS.md)
            if _conflict(a.get("ubigeo_dep"), b.get("ubigeo_dep")) or _conflict(a.get("event_id"), b.get("event_id")):
                continue
            (fa, la), (fb, lb) = spans[i], spans[j]
            if fa is not None and fb is not None and (fb - la > tol or fa - lb > tol):
                continue
            x, y = sorted([a["mention_id"], b["mention_id"]])
            out.append((x, y))
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
    kind, name = _name_evidence(_forms(a.get("name_forms")), _forms(b.get("name_forms")))
    age_ok = None
    if _known(a.get("age_years")) and _known(b.get("age_years")):
        age_ok = abs(int(a["age_years"]) - int(b["age_years"])) <= AGE_TOLERANCE
    place_ok = None
    for col in ("ubigeo_prov", "ubigeo_dep"):
        if _known(a.get(col)) and _known(b.get(col)):
            place_ok = a[col] == b[col]
            break
    if _known(a.get("sex")) and _known(b.get("sex")) and a["sex"] != b["sex"]:
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


# --- union-find --------------------------------------------------------------------------------------
class _Clusters:
    """Union-find whose clusters remember their sources (a source lists each person once)."""

    def __init__(self, ids, source_of, dep_of):
        self.parent = {i: i for i in ids}
        self.sources = {i: {source_of[i]} for i in ids}
        self.members = {i: {i} for i in ids}
        self.deps = {i: ({dep_of[i]} if _known(dep_of[i]) else set()) for i in ids}

    def find(self, x):
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def blocked(self, x, y, cannot, check_place=True):
        """Why x and y may not be joined (None if they may). Automatic merges also may not join
        persons placed in different departments; manual links may (their evidence is written)."""
        rx, ry = self.find(x), self.find(y)
        if rx == ry:
            return None
        shared = self.sources[rx] & self.sources[ry]
        if shared:
            return f"would put two mentions of {sorted(shared)[0]} in one person"
        if check_place and self.deps[rx] and self.deps[ry] and not (self.deps[rx] & self.deps[ry]):
            return f"persons placed in different departments ({sorted(self.deps[rx])[0]} / {sorted(self.deps[ry])[0]})"
        for p, q in cannot:
            if {self.find(p), self.find(q)} == {rx, ry}:
                return f"cannot-link {p}/{q}"
        return None

    def union(self, x, y):
        rx, ry = sorted([self.find(x), self.find(y)])
        if rx == ry:
            return
        self.parent[ry] = rx
        self.sources[rx] |= self.sources.pop(ry)
        self.members[rx] |= self.members.pop(ry)
        self.deps[rx] |= self.deps.pop(ry)


def victim_id_for(mention_ids) -> str:
    """Stable id: 'V' + the smallest numeric mention id of the cluster (does not move when rows are added)."""
    return "V" + min(re.sub(r"\D", "", m).zfill(4) for m in mention_ids)


# --- link ----------------------------------------------------------------------------------------------
def link(mentions: pd.DataFrame, log, manual_links=None,
         manual_persons=None, manual_unattributed=None, cannot_link=None):
    """Link cleaned mentions into persons.

    Returns (mentions_linked, match_report). mentions_linked = input rows (order kept) plus event_id,
    victim_id, link_status in {linked, retracted, unattributed}, link_rule (auto / manual / single /
    retraction / unattributed), link_note. match_report = one row per pair considered (automatic
    candidates and manual entries) with score, decision (merged / rejected) and reason.
    """
    manual_links = load_manual_links() if manual_links is None else manual_links
    manual_persons = load_manual_persons() if manual_persons is None else manual_persons
    manual_unattributed = load_manual_unattributed() if manual_unattributed is None else manual_unattributed
    cannot_link = load_cannot_link() if cannot_link is None else cannot_link
    m = mentions.copy()
    ids = list(m["mention_id"])
    if len(set(ids)) != len(ids):
        dup = m["mention_id"][m["mention_id"].duplicated()].iloc[0]
        raise ValueError(f"mentions: duplicate mention_id {dup}")
    if "event_id" not in m:
        m["event_id"] = pd.Series(pd.NA, index=m.index, dtype="string")
    by_id = {r["mention_id"]: r for r in m.to_dict("records")}
    manual_links = _selected(manual_links, by_id, log)
    cl = _Clusters(ids, {i: by_id[i]["source_id"] for i in ids}, {i: by_id[i].get("ubigeo_dep") for i in ids})
    cannot = [(p, q) for p, q, _ in cannot_link if p in by_id and q in by_id]
    report = []

    # 1. manual must-links first: they are the strongest evidence and are logged one by one
    for mid, anchor, why in manual_links:
        reason = cl.blocked(mid, anchor, cannot, check_place=False)
        decision = "rejected" if reason else "merged"
        if not reason:
            cl.union(mid, anchor)
        log.decision(STEP, "override", f"manual link {mid} -> {anchor}: {why}"
                     + (f" [NOT APPLIED: {reason}]" if reason else ""), ref=f"{mid};{anchor}")
        report.append(_report_row(mid, anchor, None, "manual", decision, f"manual: {why}" + (f"; {reason}" if reason else "")))

    # 2. automatic pairs: full/initials matches by descending score, then partial (single-name) matches
    pairs = candidate_pairs(m[~m["mention_id"].isin(list(manual_unattributed))])
    scored = []
    for a, b in zip(pairs["mention_a"], pairs["mention_b"]):
        s = score_pair(by_id[a], by_id[b])
        scored.append((a, b, s))
    strong = sorted([x for x in scored if x[2].accept and x[2].name_kind != "partial"],
                    key=lambda x: (-x[2].score, x[0], x[1]))
    for a, b, s in strong:
        reason = cl.blocked(a, b, cannot)
        if reason:
            report.append(_report_row(a, b, s, "auto", "rejected", f"{s.reason}; {reason}"))
            log.decision(STEP, "unresolved", f"accepted pair not merged: {s.reason}; {reason}", ref=f"{a};{b}")
        else:
            cl.union(a, b)
            report.append(_report_row(a, b, s, "auto", "merged", s.reason))
    # a partial name (one word, or given names only) joins a person only if it fits exactly one person
    # that is known by a longer name; the others are left for review
    width = {i: max((len(f) for f in _forms(by_id[i].get("name_forms"))), default=0) for i in ids}
    by_short = {}
    for a, b, s in scored:
        if s.accept and s.name_kind == "partial":
            short, other = (a, b) if width[a] < width[b] else (b, a)
            by_short.setdefault(short, []).append((other, a, b, s))
    for short, items in sorted(by_short.items()):
        def longer(other):
            return max(width[x] for x in cl.members[cl.find(other)]) > width[short]
        ok = [x for x in items if longer(x[0]) and not cl.blocked(short, x[0], cannot)]
        targets = sorted({cl.find(o) for o, *_ in ok} - {cl.find(short)})
        for other, a, b, s in sorted(items, key=lambda x: (x[1], x[2])):
            if cl.find(short) == cl.find(other):
                report.append(_report_row(a, b, s, "auto", "merged", f"{s.reason} (already same person)"))
            elif len(targets) == 1 and cl.find(other) == targets[0]:
                cl.union(short, other)
                report.append(_report_row(a, b, s, "auto", "merged", s.reason))
            else:
                why = cl.blocked(short, other, cannot) or (
                    f"ambiguous partial name: fits {len(targets)} persons" if len(targets) > 1
                    else "partial name does not fit a person known by a longer name")
                report.append(_report_row(a, b, s, "auto", "rejected", f"{s.reason}; {why}"))
        if len(targets) > 1:
            log.decision(STEP, "unresolved", f"partial name of {short} fits several persons; not linked", ref=short)
    for a, b, s in scored:
        if not s.accept:
            report.append(_report_row(a, b, s, "auto", "rejected", s.reason))

    # 3. statuses: unattributed, retracted, linked
    manual_person_ids = {p for p, _ in manual_persons}
    root_vid = {r: victim_id_for(cl.members[r]) for r in cl.members}
    status, rule, note, vids = [], [], [], []
    manual_ids = {x for mid, anchor, _ in manual_links for x in (mid, anchor)}
    retracted_roots = {cl.find(i) for i in ids if bool(by_id[i].get("is_retraction"))}
    for i in ids:
        r = cl.find(i)
        size = len(cl.members[r])
        named = bool(_forms(by_id[i].get("name_forms")))
        if r in retracted_roots:
            status.append("retracted"), rule.append("retraction"), vids.append(root_vid[r])
            note.append("person retracted by a source (does not exist)")
        elif size == 1 and (i in manual_unattributed or not named) and i not in manual_person_ids:
            status.append("unattributed"), rule.append("unattributed"), vids.append(pd.NA)
            note.append(manual_unattributed.get(i, "unnamed mention with no manual attribution"))
        else:
            status.append("linked"), vids.append(root_vid[r])
            rule.append("manual" if i in manual_ids or i in manual_person_ids else ("auto" if size > 1 else "single"))
            note.append("")
    m["victim_id"] = pd.array(vids, dtype="string")
    m["link_status"], m["link_rule"], m["link_note"] = status, rule, note

    for r in sorted(retracted_roots, key=lambda x: root_vid[x]):
        members = sorted(cl.members[r])
        src = [x for x in members if bool(by_id[x].get("is_retraction"))]
        log.decision(STEP, "retraction", f"person {root_vid[r]} removed from the register: "
                     f"{by_id[src[0]].get('retraction_raw')} ({by_id[src[0]]['source_id']}); "
                     f"mentions kept with status 'retracted'", ref=";".join(members))
    for i, st, nt in zip(ids, status, note):
        if st == "unattributed":
            log.decision(STEP, "unattributed", nt, ref=i)
    for p, why in manual_persons:
        if p in by_id:
            log.decision(STEP, "override", f"unnamed mention kept as a person: {why}", ref=p)
    n_persons = m.loc[m["link_status"] == "linked", "victim_id"].nunique()
    log.counts(STEP, len(m), n_persons, unit="mentions -> persons",
               note=f"{(m['link_status'] == 'retracted').sum()} retracted, "
                    f"{(m['link_status'] == 'unattributed').sum()} unattributed mentions")
    cols = ["mention_a", "mention_b", "kind", "name_kind", "score", "age_ok", "place_ok", "decision", "reason"]
    rep = pd.DataFrame(report, columns=cols).sort_values(["mention_a", "mention_b", "kind"], kind="stable")
    return m, rep.reset_index(drop=True)


def _selected(manual_links, by_id, log) -> list:
    """Manual links whose two mentions are both in the selected sources; the others are logged as not applied
    (a source excluded by the parameters takes its evidence with it). That every id of the manual tables exists
    in mentions.csv is checked by the tests."""
    kept = []
    for mid, anchor, why in manual_links:
        missing = [x for x in (mid, anchor) if x not in by_id]
        if missing:
            log.decision(STEP, "override", f"manual link {mid} -> {anchor} NOT APPLIED: {', '.join(missing)} not "
                         f"among the selected mentions ({why})", ref=f"{mid};{anchor}")
        else:
            kept.append((mid, anchor, why))
    return kept


def _is_single_name(row) -> bool:
    forms = _forms(row.get("name_forms"))
    return bool(forms) and all(len(f) == 1 for f in forms)


def _report_row(a, b, s, kind, decision, reason):
    x, y = sorted([a, b])
    if s is None:
        return [x, y, kind, pd.NA, pd.NA, pd.NA, pd.NA, decision, reason]
    return [x, y, kind, s.name_kind, round(s.score, 1), s.age_ok, s.place_ok, decision, reason]
