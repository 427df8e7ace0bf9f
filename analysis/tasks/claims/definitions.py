"""Who a published number counts: a `Definition` (context, window on the date of death, department, event, cause,
wound, age) and the persons certainly and possibly in it (`membership`, `count`, `share`).

Context and window go through `analysis.register.scope.select`, the suite's one selector, over the date intervals
of the register (date_death_min/max, analysis/register/intervals.py); department, event, age, cause and wound are
three-valued attributes (True, False, or unknown). The reproduced value is the number of persons *certainly* in
scope; the possible count beside it adds every person who *may* be (date interval straddling the window, context
unknown, an attribute unknown). Nothing unknown is guessed.
"""
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.register import vocab
from analysis.register import scope as S
from analysis.stats.exact import binom_ci

UNKNOWN_CODES = ("", "unknown")  # coded fields: empty or "unknown" = the register does not know
START = "2022-12-07"  # the first day of the crisis: every count starts here unless its claim says otherwise


def _known(s: pd.Series) -> pd.Series:
    return ~s.astype("string").fillna("").str.strip().isin(UNKNOWN_CODES)


def _member(s: pd.Series, values) -> pd.Series:
    """True when the coded value is in `values`, False when it is another known value, NA when unknown."""
    text = s.astype("string").fillna("").str.strip()
    return text.isin(list(values)).astype("boolean").mask(~_known(s))


@dataclass(frozen=True)
class Definition:
    """Which persons a published number counts. None = no restriction on that field. Context and the window on the
    date of death are an `analysis.register.scope.Scope` (selected by `scope.select`, the one selector); department,
    event, cause, wound and age are attributes of the persons it selects."""
    contexts: tuple | None = None
    start: str | None = None       # died on or after
    cutoff: str | None = None      # died on or before
    departments: tuple | None = None
    events: tuple | None = None
    causes: tuple | None = None
    wounds: tuple | None = None
    age: tuple | None = None       # (min, max) completed years, inclusive

    def scope(self) -> S.Scope:
        """The context and death-date window as the suite's one Scope (certain persons are the count)."""
        return S.Scope(contexts=tuple(self.contexts or vocab.CONTEXT), start=self.start, end=self.cutoff,
                       date_field="death", policy="certain")

    def describe(self) -> str:
        bits = [f"context {'/'.join(self.contexts)}" if self.contexts else "every context"]
        if self.start or self.cutoff:
            bits.append(f"died {self.start or '…'} to {self.cutoff or '…'}")
        for name in ("departments", "events", "causes", "wounds"):
            if getattr(self, name):
                bits.append(f"{name[:-1]} {'/'.join(getattr(self, name))}")
        if self.age:
            bits.append(f"aged {self.age[0]}-{self.age[1]}")
        return "; ".join(bits)


def attributes(victims: pd.DataFrame, d: Definition) -> pd.DataFrame:
    """One three-valued (boolean with NA = unknown) column per attribute filter of `d` (not context or date)."""
    out = {}
    if d.departments:
        out["department"] = _member(victims["department"], d.departments)
    if d.events:
        out["event"] = _member(victims["event_id"], d.events)
    if d.causes:
        out["cause"] = _member(victims["cause"], d.causes)
    if d.wounds:
        # not_applicable (no wound: e.g. lack of medical care) is a known value outside every site
        out["wound"] = _member(victims["wound"], d.wounds)
    if d.age:
        age = pd.to_numeric(victims["age_years"].astype("string").replace("", pd.NA), errors="coerce")
        lo, hi = d.age
        out["age"] = ((age >= lo) & (age <= hi)).astype("boolean").mask(age.isna())
    return pd.DataFrame(out, index=victims.index)


def _span(v: pd.Series, what: str = "death") -> str:
    """A person's date interval as printed: a day, 'lo..hi', 'on or before hi', 'on or after lo' or 'unknown'."""
    lo, hi = v.get(f"date_{what}_min"), v.get(f"date_{what}_max")
    lo, hi = (lo if vocab.is_known(lo) else None), (hi if vocab.is_known(hi) else None)
    if lo and hi:
        return lo if lo == hi else f"{lo}..{hi}"
    return f"on or before {hi}" if hi else f"on or after {lo}" if lo else "unknown"


def _ids_in(victims: pd.DataFrame, persons: pd.DataFrame) -> pd.Series:
    return victims["victim_id"].isin(persons["victim_id"])


def membership(victims: pd.DataFrame, d: Definition) -> pd.DataFrame:
    """Per person (index of `victims`): `certain` (in scope for sure), `possible` (may be: certain ⊆ possible),
    `status` (certain / possible / near: out of scope only by a death dated outside the window after an injury
    inside it, or by the context 'other'; out: the rest) and `why` (what is unknown, or why the person is out).
    Context and window are decided by `scope.select`; a person whose context is unknown is possible when the
    definition does not count every context."""
    sc = d.scope()
    every = tuple(vocab.CONTEXT)
    sel = S.select(victims, sc)                                   # the definition's contexts
    win = S.select(victims, sc.with_(contexts=every))             # the window alone
    shot = S.select(victims, sc.with_(contexts=every, date_field="injury"))
    ctx = victims["context"].astype(str)
    ctx_unknown = (ctx == "unknown") & ("unknown" not in sc.contexts)
    win_certain, win_possible = _ids_in(victims, win.certain), _ids_in(victims, win.possible)
    a = attributes(victims, d)
    attr_certain = a.fillna(False).all(axis=1) if len(a.columns) else pd.Series(True, index=victims.index)
    attr_possible = a.fillna(True).all(axis=1) if len(a.columns) else pd.Series(True, index=victims.index)
    certain = _ids_in(victims, sel.certain) & attr_certain
    possible = (_ids_in(victims, sel.possible) | (ctx_unknown & win_possible)) & attr_possible
    in_ctx = ctx.isin(sc.contexts) | ctx_unknown
    late = in_ctx & attr_possible & ~win_possible & _ids_in(victims, shot.certain)
    other = (ctx == "other") & ~ctx.isin(sc.contexts) & win_possible & attr_possible
    maybe = possible & ~certain
    status = pd.Series(np.select([x.to_numpy(dtype=bool) for x in (maybe, certain, late, other)],
                                 ["possible", "certain", "near", "near"], "out"),
                       index=victims.index)
    why = pd.Series("", index=victims.index, dtype=object)
    for i in victims.index[(status != "out").to_numpy()]:
        v = victims.loc[i]
        bits = [] if bool(v["identified"]) else ["unidentified"]
        if maybe[i]:
            if ctx_unknown[i]:
                bits.append("context unknown")
            if not win_certain[i]:
                bits.append(f"possibly inside the window (date of death {_span(v)})")
            bits += [f"{c} unknown" for c in a.columns if pd.isna(a.loc[i, c])]
        elif late[i] and not certain[i]:
            bits.append(f"dated outside the window (died {_span(v)}; injured {_span(v, 'injury')}, inside it)")
        elif other[i] and not certain[i]:
            bits.append("different context (other)")
        why[i] = "; ".join(bits)
    return pd.DataFrame({"certain": certain.astype(bool), "possible": possible.astype(bool), "status": status,
                         "why": why}, index=victims.index)


@dataclass(frozen=True)
class Reproduced:
    """One recomputed published number."""
    value: float        # reproduced value: persons certainly in scope, or a share in percent
    low: float          # counts: certain; shares: exact (Clopper–Pearson) interval
    high: float         # counts: possible
    bound_low: float    # range over every resolution of the unknowns (counts: certain .. possible)
    bound_high: float
    unknown_note: str   # which unknowns make the range wide, with counts
    definition: str
    n_certain: float = np.nan   # persons certainly in scope (shares: in the numerator)
    n_possible: float = np.nan  # persons possibly in scope (shares: possibly in the numerator)
    candidates: tuple = ()      # (victim_id, status, reason) of the persons that can make a difference


def _unknown_note(m: pd.DataFrame) -> str:
    maybe = m[m["possible"] & ~m["certain"]]
    tally = {}
    for why in maybe["why"]:
        for bit in why.split("; "):
            key = bit.split(" (")[0]
            if key and key != "unidentified":
                tally[key] = tally.get(key, 0) + 1
    return "; ".join(f"{n} {k}" for k, n in tally.items())


def count(victims: pd.DataFrame, d: Definition) -> Reproduced:
    """Persons certainly in scope (value) and the most that could be (high). `candidates`: (victim_id, status,
    reason) of every person possibly but not certainly in scope, every 'near' person (membership) and every
    unidentified record counted; `difference` picks the ones that explain a gap."""
    m = membership(victims, d)
    k, u = int(m["certain"].sum()), int(m["possible"].sum())
    pick = m["status"].isin(["possible", "near"]) | (m["certain"] & (m["why"] != ""))
    cand = tuple((victims.loc[i, "victim_id"], m.loc[i, "status"], m.loc[i, "why"]) for i in victims.index[pick])
    return Reproduced(k, k, u, k, u, _unknown_note(m), d.describe(), k, u, cand)


def share(victims: pd.DataFrame, base: Definition, numerator: Definition, alpha: float = 0.05) -> Reproduced:
    """Percent of the persons certainly in `base` who are in `numerator` (the extra attribute filters), among those
    whose numerator fields are known, with the exact (Clopper–Pearson) interval; bounds put every unknown out and
    in. `candidates`: the base persons whose numerator field is unknown."""
    in_base = membership(victims, base)["certain"]
    g = attributes(victims, numerator)
    num = pd.Series(pd.NA, index=victims.index, dtype="boolean")  # True / False / unknown
    num[g.fillna(False).all(axis=1)] = True
    num[~g.fillna(True).all(axis=1)] = False
    known = in_base & num.notna()
    yes = int((known & num.fillna(False)).sum())
    n_known, n_all = int(known.sum()), int(in_base.sum())
    n_unk = n_all - n_known
    lo, hi = binom_ci(yes, n_known, alpha) if n_known else (np.nan, np.nan)
    value = 100 * yes / n_known if n_known else np.nan
    note = f"{n_unk} of {n_all} with unknown {'/'.join(g.columns)}" if n_unk else ""
    definition = f"share of [{base.describe()}] with [{numerator.describe()}]"
    unknown = in_base & num.isna()
    cand = tuple((victims.loc[i, "victim_id"], "possible", f"{'/'.join(g.columns)} unknown")
                 for i in victims.index[unknown])
    return Reproduced(value, 100 * lo, 100 * hi, 100 * yes / n_all if n_all else np.nan,
                      100 * (yes + n_unk) / n_all if n_all else np.nan, note, definition, yes, yes + n_unk, cand)
