"""Record linkage: cleaned mentions → persons.

Pipeline (mentions arrive with their `event_id` from analysis.register.events) → `candidate_pairs` (blocking) →
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

Blocking (why it loses no merge): every accepted match above needs at least one token pair to agree (an
initial with a first letter, or two words scoring >= TOKEN_MATCH), so only mentions sharing a name key in
one department are paired (`pairs._name_keys`); mentions identical on every linkage field (reprints of one list)
are joined to their first mention before pairing (`_join_identical`). The cleaning log gives the counts.
"""
import re

import pandas as pd

from analysis.register import hand
from analysis.register.pairs import (DATE_TOLERANCE_DAYS, PairScore, candidate_pairs, known, name_forms,  # noqa: F401
                                     score_pair)

STEP = "link"


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


# --- union-find --------------------------------------------------------------------------------------
class _Clusters:
    """Union-find whose clusters remember their sources (a source lists each person once)."""

    def __init__(self, ids, source_of, dep_of):
        self.parent = {i: i for i in ids}
        self.sources = {i: {source_of[i]} for i in ids}
        self.members = {i: {i} for i in ids}
        self.deps = {i: ({dep_of[i]} if known(dep_of[i]) else set()) for i in ids}
        self.widest = {i: 0 for i in ids}   # most name tokens of a member (set by link)

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
        self.widest[rx] = max(self.widest[rx], self.widest.pop(ry))


def victim_id_for(mention_ids) -> str:
    """Stable id: 'V' + the smallest mention number of the cluster (does not move when rows are added),
    zero-padded to 4 digits and longer past 9,999 (V0001, V9999, V10000, V999999)."""
    return f"V{min(int(re.sub(r'[^0-9]', '', m)) for m in mention_ids):04d}"


# --- identical mentions ----------------------------------------------------------------------------------
# Every field that candidate_pairs, score_pair and the union-find read: mentions equal on all of them score
# the same against any other mention, so one of them stands for all in pair generation.
LINKAGE_FIELDS = ["name_forms", "age_years", "sex", "ubigeo_prov", "ubigeo_dep", "date_injury", "date_death",
                  "event_id"]


def _join_identical(mentions: pd.DataFrame, by_id: dict, cl, cannot, report) -> dict:
    """Join mentions of different sources that are identical on LINKAGE_FIELDS and match themselves (full
    name >= STRONG_NAME or compatible initials, as any two of them would score) to the group's first
    mention, so that n reprints of one list cost n pairs, not n². Returns {mention standing for others:
    the mentions it stands for}; a mention that cannot join (same source, manual link elsewhere) stands alone."""
    named = mentions[[bool(name_forms(v)) for v in mentions["name_forms"]]]
    key = named[LINKAGE_FIELDS].astype("string").fillna("\x00").agg("\x1f".join, axis=1)
    records = {i: [i] for i in named["mention_id"]}
    for ids in named.groupby(key, sort=False)["mention_id"]:
        ids = sorted(ids[1])
        s = score_pair(by_id[ids[0]], by_id[ids[0]])
        if len(ids) < 2 or not s.accept or s.name_kind == "partial":
            continue
        for other in ids[1:]:
            why = cl.blocked(ids[0], other, cannot)
            if not why:
                cl.union(ids[0], other)
                records[ids[0]] += records.pop(other)
            report.append(_report_row(ids[0], other, s, "auto", "rejected" if why else "merged",
                                      s.reason + (f"; {why}" if why else "")))
    return records


def _cross_source(a, b, records: dict, by_id: dict) -> tuple:
    """The first pair of mentions of two records from different sources: the pair the report shows (a source
    lists each person once, so a pair within one source is never shown)."""
    return next((x, y) for x in records[a] for y in records[b] if by_id[x]["source_id"] != by_id[y]["source_id"])


def _log_blocking(log, stats: dict, n_joined: int) -> None:
    log.counts(f"{STEP}.blocking", stats["all_pairs"], stats["candidates"], "candidate pairs",
               f"{stats['named']} named mentions ({n_joined} more joined to an identical mention of another "
               f"source first); of {stats['all_pairs']} pairs from different sources, {stats['blocked']} share a "
               f"name key in one department (a word's first three letters less one, or an initial and a first "
               f"letter; an unknown department meets all) and {stats['candidates']} of these have no conflicting "
               f"department or event and dates within {DATE_TOLERANCE_DAYS} days: only these are scored")


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
    m = _checked(mentions)
    ids = list(m["mention_id"])
    by_id = {r["mention_id"]: r for r in m.to_dict("records")}
    manual_links = _selected(manual_links, by_id, log)
    cl = _Clusters(ids, {i: by_id[i]["source_id"] for i in ids}, {i: by_id[i].get("ubigeo_dep") for i in ids})
    cannot = [(p, q) for p, q, _ in cannot_link if p in by_id and q in by_id]
    report = []
    _merge_manual(manual_links, cl, cannot, log, report)  # 1. the strongest evidence, logged one by one
    scored = _score_candidates(m, manual_unattributed, by_id, cl, cannot, log, report)  # 2. automatic pairs
    _merge_strong(scored, cl, cannot, log, report)
    _merge_partial(scored, ids, by_id, cl, cannot, log, report)
    report += [_report_row(a, b, s, "auto", "rejected", s.reason) for a, b, s in scored if not s.accept]
    statuses = _statuses(ids, by_id, cl, manual_links, manual_persons, manual_unattributed)  # 3. statuses
    m["victim_id"] = pd.array(statuses["victim_id"], dtype="string")
    m["link_status"], m["link_rule"], m["link_note"] = statuses["status"], statuses["rule"], statuses["note"]
    _log_statuses(m, by_id, cl, statuses, manual_persons, log)
    cols = ["mention_a", "mention_b", "kind", "name_kind", "score", "age_ok", "place_ok", "decision", "reason"]
    rep = pd.DataFrame(report, columns=cols).sort_values(["mention_a", "mention_b", "kind"], kind="stable")
    return m, rep.reset_index(drop=True)


def _checked(mentions: pd.DataFrame) -> pd.DataFrame:
    """A copy with unique mention ids and an event_id column (empty when the caller has none)."""
    m = mentions.copy()
    if m["mention_id"].duplicated().any():
        raise ValueError(f"mentions: duplicate mention_id {m['mention_id'][m['mention_id'].duplicated()].iloc[0]}")
    if "event_id" not in m:
        m["event_id"] = pd.Series(pd.NA, index=m.index, dtype="string")
    return m


def _merge_manual(manual_links, cl, cannot, log, report) -> None:
    for mid, anchor, why in manual_links:
        reason = cl.blocked(mid, anchor, cannot, check_place=False)
        if not reason:
            cl.union(mid, anchor)
        log.decision(STEP, "override", f"manual link {mid} -> {anchor}: {why}"
                     + (f" [NOT APPLIED: {reason}]" if reason else ""), ref=f"{mid};{anchor}")
        report.append(_report_row(mid, anchor, None, "manual", "rejected" if reason else "merged",
                                  f"manual: {why}" + (f"; {reason}" if reason else "")))


def _score_candidates(m, manual_unattributed, by_id, cl, cannot, log, report) -> list:
    """(a, b, PairScore) for every candidate pair, after joining identical reprints (blocking logged)."""
    eligible = m[~m["mention_id"].isin(list(manual_unattributed))]
    records = _join_identical(eligible, by_id, cl, cannot, report)
    stats = {}
    pairs = candidate_pairs(eligible[eligible["mention_id"].isin(list(records))], stats=stats,
                            sources={r: {by_id[x]["source_id"] for x in ms} for r, ms in records.items()})
    _log_blocking(log, stats, sum(len(ms) - 1 for ms in records.values()))
    crossed = (_cross_source(a, b, records, by_id) for a, b in zip(pairs["mention_a"], pairs["mention_b"]))
    return [(a, b, score_pair(by_id[a], by_id[b])) for a, b in crossed]


def _merge_strong(scored, cl, cannot, log, report) -> None:
    """Full and initials matches, best score first."""
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


def _merge_partial(scored, ids, by_id, cl, cannot, log, report) -> None:
    """A partial name (one word, or given names only) joins a person only if it fits exactly one person that is
    known by a longer name; the others are left for review."""
    width = {i: max((len(f) for f in name_forms(by_id[i].get("name_forms"))), default=0) for i in ids}
    for i in ids:
        cl.widest[cl.find(i)] = max(cl.widest[cl.find(i)], width[i])
    by_short = {}
    for a, b, s in scored:
        if s.accept and s.name_kind == "partial":
            short, other = (a, b) if width[a] < width[b] else (b, a)
            by_short.setdefault(short, []).append((other, a, b, s))
    for short, items in sorted(by_short.items()):
        ok = [x for x in items if cl.widest[cl.find(x[0])] > width[short] and not cl.blocked(short, x[0], cannot)]
        targets = sorted({cl.find(o) for o, *_ in ok} - {cl.find(short)})
        for other, a, b, s in sorted(items, key=lambda x: (x[1], x[2])):
            report.append(_partial_decision(short, other, a, b, s, targets, cl, cannot))
        if len(targets) > 1:
            log.decision(STEP, "unresolved", f"partial name of {short} fits several persons; not linked", ref=short)


def _partial_decision(short, other, a, b, s, targets, cl, cannot) -> dict:
    """Merge `short` into `other` when that is the one person it fits; the report row either way."""
    if cl.find(short) == cl.find(other):
        return _report_row(a, b, s, "auto", "merged", f"{s.reason} (already same person)")
    if len(targets) == 1 and cl.find(other) == targets[0]:
        cl.union(short, other)
        return _report_row(a, b, s, "auto", "merged", s.reason)
    why = cl.blocked(short, other, cannot) or (
        f"ambiguous partial name: fits {len(targets)} persons" if len(targets) > 1
        else "partial name does not fit a person known by a longer name")
    return _report_row(a, b, s, "auto", "rejected", f"{s.reason}; {why}")


def _statuses(ids, by_id, cl, manual_links, manual_persons, manual_unattributed) -> dict:
    """Per mention, in input order: status (unattributed / retracted / linked), rule, note and victim_id."""
    manual_person_ids = {p for p, _ in manual_persons}
    root_vid = {r: victim_id_for(cl.members[r]) for r in cl.members}
    manual_ids = {x for mid, anchor, _ in manual_links for x in (mid, anchor)}
    retracted_roots = {cl.find(i) for i in ids if bool(by_id[i].get("is_retraction"))}
    out = {"status": [], "rule": [], "note": [], "victim_id": [], "retracted_roots": retracted_roots,
           "root_vid": root_vid}
    for i in ids:
        r = cl.find(i)
        size = len(cl.members[r])
        named = bool(name_forms(by_id[i].get("name_forms")))
        if r in retracted_roots:
            row = ("retracted", "retraction", "person retracted by a source (does not exist)", root_vid[r])
        elif size == 1 and (i in manual_unattributed or not named) and i not in manual_person_ids:
            row = ("unattributed", "unattributed",
                   manual_unattributed.get(i, "unnamed mention with no manual attribution"), pd.NA)
        else:
            rule = "manual" if i in manual_ids or i in manual_person_ids else ("auto" if size > 1 else "single")
            row = ("linked", rule, "", root_vid[r])
        for key, value in zip(("status", "rule", "note", "victim_id"), row):
            out[key].append(value)
    return out


def _log_statuses(m, by_id, cl, statuses, manual_persons, log) -> None:
    root_vid = statuses["root_vid"]
    for r in sorted(statuses["retracted_roots"], key=lambda x: root_vid[x]):
        members = sorted(cl.members[r])
        src = [x for x in members if bool(by_id[x].get("is_retraction"))]
        log.decision(STEP, "retraction", f"person {root_vid[r]} removed from the register: "
                     f"{by_id[src[0]].get('retraction_raw')} ({by_id[src[0]]['source_id']}); "
                     f"mentions kept with status 'retracted'", ref=";".join(members))
    for i, st, nt in zip(m["mention_id"], statuses["status"], statuses["note"]):
        if st == "unattributed":
            log.decision(STEP, "unattributed", nt, ref=i)
    for p, why in manual_persons:
        if p in by_id:
            log.decision(STEP, "override", f"unnamed mention kept as a person: {why}", ref=p)
    n_persons = m.loc[m["link_status"] == "linked", "victim_id"].nunique()
    log.counts(STEP, len(m), n_persons, unit="mentions -> persons",
               note=f"{(m['link_status'] == 'retracted').sum()} retracted, "
                    f"{(m['link_status'] == 'unattributed').sum()} unattributed mentions")


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


def _report_row(a, b, s, kind, decision, reason):
    x, y = sorted([a, b])
    if s is None:
        return [x, y, kind, pd.NA, pd.NA, pd.NA, pd.NA, decision, reason]
    return [x, y, kind, s.name_kind, round(s.score, 1), s.age_ok, s.place_ok, decision, reason]
