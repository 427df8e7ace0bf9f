"""Published versus reproduced: each quantitative claim of data/raw/context/published_claims.csv that the register
can address, recomputed from the processed tables under an explicit definition, with the reason for any difference.

How a count is reproduced. Who a published number counts is a `Definition`: its context and its window on the
date of death are an `analysis.register.scope.Scope` and go through `scope.select` (the suite's one selector), over the date
intervals of the register (date_death_min/max, analysis/register/intervals.py); department, event, age, cause and wound are
three-valued attributes (True, False, or unknown). The reproduced value is the number of persons *certainly* in
scope; the possible count beside it adds every person who *may* be (date interval straddling the window, context
unknown, an attribute unknown). Nothing unknown is guessed.

Verdicts. Each recomputed number is "reproduced exactly", "reproduced within the published rounding" ("about 50",
"más de 20", a percentage to its printed precision; see `verdict`) or "not reproduced"; a range wider than the
published rounding is never called consistent. A "not reproduced" row lists, by victim_id, the persons that make
the difference and why (`difference`): unidentified, dated outside the window or only possibly inside it, a
different or unknown context, an unknown attribute, or not in the register.

Cut-offs (the `cutoff` of each entry below): the end of the period the claim's `scope` states; a period given only
in months ends on the month's last day; when no period is stated, the publication date (a count cannot include
deaths after it was published).

A claim that does not state its definition (Amnesty's 13 % of the population / 80 % of the deaths, AI-F-01) is
compared like for like: `search_definitions` recomputes it under every defensible definition (department sets by
census measure and threshold, departments of unknown status counted as not majority or left out, death scope, date
policy, cut-off), gives each a verdict, and the claim is compared under the best-matching one, which is named
(ranking in `search_definitions`). A range over unknown data is never a verdict.

The published value is read from the claim's `quantity` field, never typed here: `part` picks the `;`-separated
part and `pick` the number inside it (0 = first, -1 = last, e.g. "48 -> 49" means 49 after the update).
"""
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import paths
from analysis.report import text
from analysis.register import vocab
from analysis.register import scope as S
from analysis.errors import RawDataError, data_row
from analysis.stats import ethnic
from analysis.stats.exact import binom_ci

CLAIMS_FILE = paths.RAW / "context" / "published_claims.csv"
CLAIM_COLUMNS = ("claim_id", "publisher", "report", "published_date", "quote", "quantity", "unit", "scope")
UNKNOWN_CODES = ("", "unknown")  # coded fields: empty or "unknown" = the register does not know
SOUTH_FISCAL = ("Ayacucho", "Puno", "Apurímac", "Arequipa", "Cusco")


# ---------------------------------------------------------------- reading the claims
def read_claims(path: Path = CLAIMS_FILE) -> pd.DataFrame:
    """The claims file as text; a missing column, empty or duplicated claim_id fails naming file, row and field."""
    path = Path(path)
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    for col in CLAIM_COLUMNS:
        if col not in df.columns:
            raise RawDataError(path.name, None, col, "required column missing")
    ids = df["claim_id"].str.strip()
    for i, cid in enumerate(ids):
        if not cid:
            raise RawDataError(path.name, data_row(i), "claim_id", "empty claim id")
    dup = ids.duplicated()
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise RawDataError(path.name, data_row(i), "claim_id", f"duplicate claim id {ids.iloc[i]!r}")
    return df.assign(claim_id=ids)


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


# ---------------------------------------------------------------- who a published number counts
def _known(s: pd.Series) -> pd.Series:
    return ~s.astype("string").fillna("").str.strip().isin(UNKNOWN_CODES)


def _member(s: pd.Series, values) -> pd.Series:
    """True when the coded value is in `values`, False when it is another known value, NA when unknown."""
    text = s.astype("string").fillna("").str.strip()
    return text.isin(list(values)).astype("boolean").mask(~_known(s))


@dataclass(frozen=True)
class Definition:
    """Which persons a published number counts. None = no restriction on that field. Context and the window on the
    date of death are an `analysis.register.scope.Scope` (selected by `scope.select`, the one selector); department, event,
    cause, wound and age are attributes of the persons it selects."""
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
class Result:
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


def count(victims: pd.DataFrame, d: Definition) -> Result:
    """Persons certainly in scope (value) and the most that could be (high). `candidates`: (victim_id, status,
    reason) of every person possibly but not certainly in scope, every 'near' person (membership) and every
    unidentified record counted; `difference` picks the ones that explain a gap."""
    m = membership(victims, d)
    k, u = int(m["certain"].sum()), int(m["possible"].sum())
    pick = m["status"].isin(["possible", "near"]) | (m["certain"] & (m["why"] != ""))
    cand = tuple((victims.loc[i, "victim_id"], m.loc[i, "status"], m.loc[i, "why"]) for i in victims.index[pick])
    return Result(k, k, u, k, u, _unknown_note(m), d.describe(), k, u, cand)


def share(victims: pd.DataFrame, base: Definition, numerator: Definition, alpha: float = 0.05) -> Result:
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
    return Result(value, 100 * lo, 100 * hi, 100 * yes / n_all if n_all else np.nan,
                  100 * (yes + n_unk) / n_all if n_all else np.nan, note, definition, yes, yes + n_unk, cand)


# ---------------------------------------------------------------- quantities of one claim
@dataclass(frozen=True)
class Quantity:
    """One published number of a claim and how the suite recomputes it."""
    name: str
    part: int
    compute: object     # callable(tables: dict) -> Result
    kind: str           # "count" (persons), "share" (percent of persons) or "covariate" (census percent)
    pick: int = 0
    of: tuple | None = None  # (part, pick) of the denominator when a share is published as "k of n"


@dataclass(frozen=True)
class Claim:
    claim_id: str
    quantities: tuple = ()
    note: str = ""      # rule explaining a difference (addressed) or why the data cannot address it


@dataclass(frozen=True)
class CountOf:
    """Quantity function: persons in `scope` (see `count`)."""
    scope: Definition

    def __call__(self, tables: dict) -> Result:
        return count(tables["victims"], self.scope)


@dataclass(frozen=True)
class ShareOf:
    """Quantity function: percent of `base` in `numerator` (see `share`)."""
    base: Definition
    numerator: Definition

    def __call__(self, tables: dict) -> Result:
        return share(tables["victims"], self.base, self.numerator)


_c, _s = CountOf, ShareOf


def _amnesty(which: str):
    """Amnesty's 13 % / 80 % under the best-matching of the defensible definitions (see `search_definitions`):
    the Result of the population share ("population") or death share ("deaths") of the best definition, named."""
    def run(t):
        return amnesty_result(amnesty_search(t), "population_share" if which == "population" else "death_share")
    return run


def _indigenous_share(department: str):
    """A department's Indigenous self-identification share (census 2017, 12+) as departments.csv carries it."""
    def run(t):
        b = ethnic.share_bounds(t["departments"], "selfid")
        row = b[t["departments"]["department"].astype(str) == department]
        if row.empty:
            raise RawDataError("departments.csv", None, "department", f"no row for {department!r}")
        r = row.iloc[0]
        return Result(r["share"], r["share_low"], r["share_high"], r["share_low"], r["share_high"],
                      "" if pd.notna(r["share"]) else f"only bounds published ({r['basis']})",
                      f"self-identified Indigenous, census 2017, persons 12+, {department}")
    return run


def _slug(name: str) -> str:
    """ASCII key fragment of a department name (quantity names become keys in numbers.json)."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", plain.lower()).strip("_")


CLASH, BLOCK, POLICE = ("clash",), ("blockade",), ("police_officer",)
MINOR = (0, 17)
START = "2022-12-07"


def _civ(cutoff, **kw):
    return Definition(contexts=CLASH, start=START, cutoff=cutoff, **kw)


# ---------------------------------------------------------------- a claim that does not state its definition
# Amnesty's 13 % / 80 % (AI-F-01; AI-F-02 is the Spanish release): "the regions with majority Indigenous populations
# represent only 13 % of Peru's total population, [and] account for 80 % of the total deaths registered since the
# crisis began". The release names neither the departments, nor the census measure, nor which deaths it counted, nor
# up to which day. Instead of imposing one reading, the suite computes both figures under every defensible reading
# (the grid below), says which readings reproduce the published figures within their printed rounding, and compares
# the claim under the best-matching one, which it names. Unknown data are never a reading: a department whose
# Indigenous share is not published is either counted as not majority (Amnesty names the majority departments and
# sets them against the rest of the country) or left out with its deaths; the range over every resolution of the
# unknowns is reported beside, never as a verdict.
AMNESTY_CLAIM = "AI-F-01"
SEARCH_MEASURES = {"selfid": "self-identification", "mothertongue": "mother tongue"}
SEARCH_THRESHOLDS = (40.0, 50.0, 60.0)
SEARCH_UNKNOWN = {  # name: (scenario of analysis.stats.ethnic.shares, meaning)
    "not_majority": ("all_unknown_below", "departments of unknown status counted as not majority"),
    "known_only": ("known_only", "departments of known status only"),
}
SEARCH_DEATHS = {  # name: (contexts, meaning)
    "clash": (("clash",), "civilians killed in clashes"),
    "civilian": (tuple(c for c in vocab.CONTEXT if c != "police_officer"), "every civilian death"),
    "all": (tuple(vocab.CONTEXT), "every death, the police officer's included"),
}
SEARCH_POLICIES = {"certain": "certainly dead", "possible": "possibly dead"}
SEARCH_CUTOFFS = {  # the report's cut-off and the dates around it, each with its basis
    "2023-02-02": "the Defensoría's last national count before the release, DP-08",
    "2023-02-09": "the end of the period Amnesty itself documented, AI-L-02",
    "2023-02-16": "the release date, the cut-off when no period is stated",
    "2023-02-28": "the end of February",
}
# The reading closest to the release's words: "majority Indigenous" read as more than half self-identifying as
# Indigenous (the census's ethnic question); the departments it does not name as the rest of the country; "the total
# deaths registered since the crisis began" as every death to the release date; persons certainly in the window.
STATED = {"measure": "selfid", "threshold": 50.0, "unknown": "not_majority", "deaths": "all",
          "date_policy": "certain", "cutoff": "2023-02-16"}
SEARCH_VICTIM_COLUMNS = ("victim_id", "identified", "context", "event_id", "department", "ubigeo_dep",
                         "date_death_min", "date_death_max", "date_injury_min", "date_injury_max")
SEARCH_COLUMNS = ["rank", "best", "key", "measure", "threshold", "unknown", "deaths", "date_policy", "cutoff",
                  "cutoff_basis", "n_majority", "majority_departments", "population_majority", "population_total",
                  "population_share", "population_share_min", "population_share_max", "deaths_majority",
                  "deaths_total", "death_share", "death_share_low", "death_share_high", "deaths_uncertain_majority",
                  "deaths_uncertain_other", "population_verdict", "death_verdict", "n_reproduced", "departures",
                  "departs_from", "distance", "departments_vs_best", "persons_not_in_best", "best_persons_not_here",
                  "persons_other_group_than_best", "definition"]


def published_figure(claims: pd.DataFrame, claim_id: str, part: int, kind: str, pick: int = 0) -> dict:
    """One published number of a claim as compare() reads it: value, qualifier (the quote's "about", "more than"...
    when the quantity field prints none), rounding unit and the raw text."""
    rec = claims.loc[claims["claim_id"] == claim_id].iloc[0]
    value, qual, raw = published_number(rec["quantity"], part, pick)
    if qual == "exact":
        qual = quote_qualifier(rec["quote"], value)
    return {"value": value, "qualifier": qual, "unit": rounding_unit(value, kind, raw), "raw": raw}


def amnesty_published(claims: pd.DataFrame, claim_id: str = AMNESTY_CLAIM) -> dict:
    """{"population_share": figure, "death_share": figure} of the claim, read from its quantity field through the
    claim's entry in CLAIMS (parts 0 and 1), never typed."""
    entry = {c.claim_id: c for c in CLAIMS}[claim_id]
    return {q.name: published_figure(claims, claim_id, q.part, q.kind, q.pick) for q in entry.quantities}


def search_key(measure: str, threshold: float, unknown: str, deaths: str, policy: str, cutoff: str) -> str:
    """Stable key of one searched definition, e.g. 'selfid.t50.not_majority.clash.certain.c20230202'."""
    return f"{measure}.t{threshold:g}.{unknown}.{deaths}.{policy}.c{cutoff.replace('-', '')}"


def describe_search_row(r) -> str:
    """A searched definition in words (the departments it classifies as majority named)."""
    deps = r["majority_departments"] or "none"
    measure = {"selfid": "self-identified as Indigenous (census 2017, persons 12+)",
               "mothertongue": "have an Indigenous mother tongue (census 2017)"}.get(r["measure"], r["measure"])
    return (f"{r['n_majority']} department(s) ({deps}) where more than {r['threshold']:g} % {measure}, "
            f"{SEARCH_UNKNOWN[r['unknown']][1]}; {SEARCH_DEATHS[r['deaths']][1]} "
            f"{SEARCH_POLICIES[r['date_policy']]} between {START} and {r['cutoff']} "
            f"({SEARCH_CUTOFFS.get(r['cutoff'], 'cut-off')})")


def _departures(spec: dict, stated: dict) -> list[str]:
    label = {"measure": lambda v: SEARCH_MEASURES.get(v, v), "threshold": lambda v: f"{v:g} %",
             "unknown": lambda v: v.replace("_", " "), "deaths": str, "date_policy": str, "cutoff": str}
    return [f"{dim.replace('_', ' ')}: {label[dim](spec[dim])} instead of {label[dim](stated[dim])}" for dim in stated
            if spec[dim] != stated[dim]]


@dataclass(frozen=True)
class Search:
    """The definitions searched for a claim that does not state its own: `table` (one row per definition, ranked;
    SEARCH_COLUMNS), `persons` (key -> the persons it counts: victim_id, department, status of their department,
    in_group, certain) and `published` (amnesty_published)."""
    table: pd.DataFrame
    persons: dict
    published: dict

    @property
    def best(self) -> pd.Series:
        return self.table.loc[self.table["best"]].iloc[0]

    def row(self, **spec) -> pd.Series:
        """The one row matching every given column (e.g. measure="selfid", threshold=50.0, ...)."""
        hit = self.table
        for col, value in spec.items():
            hit = hit[hit[col] == value]
        if len(hit) != 1:
            raise KeyError(f"{spec}: {len(hit)} searched definitions match, expected 1")
        return hit.iloc[0]

    def reproducing(self, figure: str | None = None) -> pd.DataFrame:
        """The rows that reproduce one figure ("population" or "death"), or both (None), within the published
        rounding or exactly."""
        ok = lambda col: self.table[col] != "not reproduced"  # noqa: E731
        mask = ok(f"{figure}_verdict") if figure else ok("population_verdict") & ok("death_verdict")
        return self.table[mask]


def _persons_of(victims: pd.DataFrame, scope: S.Scope, status: dict) -> pd.DataFrame:
    """Every person possibly in a definition's death scope: victim_id, department, status of their department
    ('no department' when none), in_group (a majority department), certain (certainly in the window) and counted
    (in the count under the scope's date policy). The "known_only" treatment keeps the rows of a known status."""
    sel = S.select(victims, scope)
    p = sel.possible
    code = p["ubigeo_dep"].astype("string").fillna("").str.strip()
    st = code.map(status).fillna("no department").astype(str)
    certain = p["victim_id"].isin(sel.certain["victim_id"]).to_numpy()
    return pd.DataFrame({"victim_id": p["victim_id"].astype(str).to_numpy(),
                         "department": p["department"].astype("string").fillna("").to_numpy(),
                         "status": st.to_numpy(), "in_group": (st == "majority").to_numpy(), "certain": certain,
                         "counted": certain if scope.policy == "certain" else np.ones(len(p), dtype=bool)})


def search_definitions(victims: pd.DataFrame, departments: pd.DataFrame, published: dict, *, start: str = START,
                       measures=tuple(SEARCH_MEASURES), thresholds=SEARCH_THRESHOLDS, unknown=tuple(SEARCH_UNKNOWN),
                       deaths=tuple(SEARCH_DEATHS), policies=tuple(SEARCH_POLICIES), cutoffs=tuple(SEARCH_CUTOFFS),
                       stated: dict = STATED, alpha: float = 0.05) -> Search:
    """Population and death share of the majority-Indigenous departments under every definition of the grid
    (measure × threshold × treatment of departments of unknown status × death scope × date policy × cut-off),
    each through analysis.stats.ethnic.shares, with a verdict per published figure (`verdict`, share rule).

    Ranking (rank 1 = the best-matching definition, `best`): most published figures reproduced; then the fewest
    departures from the reading closest to the claim's words (`stated`, listed in `departs_from`); then the smallest
    distance to the published figures in rounding units; then the key. Each row says how it differs from the best:
    departments classified otherwise, persons counted here and not there (and the reverse), persons counted in the
    other group. `deaths_uncertain_*`: persons only possibly in the window (in / outside the group), which bound
    the death share of a certain-policy row; the persons counted are checked against ethnic.shares' totals."""
    rows, persons = [], {}
    pop_pub, death_pub = published["population_share"], published["death_share"]
    # only the columns a definition reads (the grid repeats the selection and classification 144 times)
    victims = victims[[c for c in SEARCH_VICTIM_COLUMNS if c in victims.columns]]
    for m in measures:
        mc = ethnic.MEASURES[m]
        wanted = ("ubigeo_dep", "department", *ethnic.POPULATION_BASES.values(), *mc.total, *mc.source_cols,
                  *(c for names in (*mc.parts, *mc.others) for c in names))
        deps_m = departments[[c for c in dict.fromkeys(wanted) if c in departments.columns]]
        for t in thresholds:
            for dk in deaths:
                for pol in policies:
                    for cut in cutoffs:
                        sc = S.Scope(contexts=SEARCH_DEATHS[dk][0], start=start, end=cut, date_field="death",
                                     policy=pol)
                        res = ethnic.shares(victims, deps_m, sc, measure=m, threshold=float(t), alpha=alpha)
                        tab, scen = res["table"], res["scenarios"]
                        status = dict(zip(tab["ubigeo_dep"].astype(str), tab["status"].astype(str)))
                        majority = tab.loc[tab["status"] == "majority", "department"].astype(str).tolist()
                        everyone = _persons_of(victims, sc, status)
                        for u in unknown:
                            s = scen.loc[SEARCH_UNKNOWN[u][0]]
                            p = everyone if u == "not_majority" else \
                                everyone[everyone["status"].isin(["majority", "not_majority"])].reset_index(drop=True)
                            c = p[p["counted"]]
                            if (int(c["in_group"].sum()), len(c)) != (int(s["deaths_majority"]),
                                                                        int(s["deaths_total"])):
                                raise AssertionError(f"{m}/{t}/{u}/{dk}/{pol}/{cut}: persons counted "
                                                     f"{int(c['in_group'].sum())}/{len(c)} differ from ethnic.shares "
                                                     f"{int(s['deaths_majority'])}/{int(s['deaths_total'])}")
                            unc = p[~p["certain"]]
                            a_in, a_out = int(unc["in_group"].sum()), int((~unc["in_group"]).sum())
                            key = search_key(m, float(t), u, dk, pol, cut)
                            persons[key] = p
                            spec = {"measure": m, "threshold": float(t), "unknown": u, "deaths": dk,
                                    "date_policy": pol, "cutoff": cut}
                            pop, death = 100 * s["population_share"], 100 * s["death_share"]
                            pv = verdict("share", pop_pub["value"], pop_pub["qualifier"], pop_pub["unit"], pop)
                            dv = verdict("share", death_pub["value"], death_pub["qualifier"], death_pub["unit"], death)
                            dep = _departures(spec, stated)
                            lo_b = 100 * scen.loc["all_unknown_below", "population_share"]
                            hi_b = 100 * scen.loc["all_unknown_above", "population_share"]
                            rows.append({"key": key, **spec, "cutoff_basis": SEARCH_CUTOFFS.get(cut, ""),
                                         "n_majority": len(majority), "majority_departments": ", ".join(majority),
                                         "population_majority": int(s["population_majority"]),
                                         "population_total": int(s["population_total"]),
                                         "population_share": pop,
                                         "population_share_min": pop if u == "not_majority" else lo_b,
                                         "population_share_max": pop if u == "not_majority" else hi_b,
                                         "deaths_majority": int(s["deaths_majority"]),
                                         "deaths_total": int(s["deaths_total"]), "death_share": death,
                                         "death_share_low": 100 * s["death_share_low"],
                                         "death_share_high": 100 * s["death_share_high"],
                                         "deaths_uncertain_majority": a_in, "deaths_uncertain_other": a_out,
                                         "population_verdict": pv, "death_verdict": dv,
                                         "n_reproduced": int(pv != "not reproduced") + int(dv != "not reproduced"),
                                         "departures": len(dep), "departs_from": "; ".join(dep),
                                         "distance": abs(pop - pop_pub["value"]) / pop_pub["unit"]
                                         + (abs(death - death_pub["value"]) / death_pub["unit"]
                                            if np.isfinite(death) else np.inf)})
    table = pd.DataFrame(rows)
    table = table.sort_values(["n_reproduced", "departures", "distance", "key"],
                              ascending=[False, True, True, True], kind="mergesort").reset_index(drop=True)
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    table.insert(1, "best", table["rank"] == 1)
    best = table.iloc[0]
    # per definition: {victim_id: (department, in_group)} of the persons it counts
    counted = {k: dict(zip(p.loc[p["counted"], "victim_id"],
                           zip(p.loc[p["counted"], "department"], p.loc[p["counted"], "in_group"].astype(bool))))
               for k, p in persons.items()}
    bp = counted[best["key"]]
    best_deps = set(filter(None, best["majority_departments"].split(", ")))

    def who(ids, of):
        return " ; ".join(f"{i} ({of[i][0] or 'no department'})" for i in sorted(ids))
    diffs = []
    for r in table.itertuples():
        p = counted[r.key]
        deps = set(filter(None, r.majority_departments.split(", ")))
        other = [i for i in set(p) & set(bp) if p[i][1] != bp[i][1]]
        diffs.append({"departments_vs_best": "; ".join([f"+{d}" for d in sorted(deps - best_deps)]
                                                       + [f"-{d}" for d in sorted(best_deps - deps)]),
                      "persons_not_in_best": who(set(p) - set(bp), p),
                      "best_persons_not_here": who(set(bp) - set(p), bp),
                      "persons_other_group_than_best": who(other, p)})
    table = pd.concat([table, pd.DataFrame(diffs)], axis=1)
    table["definition"] = [describe_search_row(r) for r in table.to_dict("records")]
    return Search(table[SEARCH_COLUMNS], persons, published)


def _frame_key(df: pd.DataFrame) -> tuple:
    return (df.shape, tuple(df.columns), int(pd.util.hash_pandas_object(df.astype(str), index=True).sum()))


_SEARCHES: dict = {}


def amnesty_search(tables: dict) -> Search:
    """The definition search for AI-F-01 over `tables` (victims, departments): tables["amnesty_search"] when the
    caller has computed it, else computed once per content of the two tables."""
    if isinstance(tables.get("amnesty_search"), Search):
        return tables["amnesty_search"]
    key = (_frame_key(tables["victims"]), _frame_key(tables["departments"]))
    if key not in _SEARCHES:
        _SEARCHES.clear()
        _SEARCHES[key] = search_definitions(tables["victims"], tables["departments"], amnesty_published(read_claims()))
    return _SEARCHES[key]


def amnesty_result(search: Search, quantity: str) -> Result:
    """The comparison of one of the claim's figures under the best-matching definition. Population share: a census
    count (no sampling interval). Death share: exact (Clopper–Pearson) interval over the persons counted; its range
    is over the persons only possibly in the window (none, some or all of them counted) — shown, never a verdict."""
    b = search.best
    n_defs, n_both = len(search.table), len(search.reproducing())
    found = (f"best of {n_defs} definitions searched (outputs/tables/claims_definition_search.csv); {n_both} "
             "reproduce both figures")
    if quantity == "population_share":
        v = b["population_share"]
        return Result(v, v, v, b["population_share_min"], b["population_share_max"], found, b["definition"])
    p = search.persons[b["key"]]
    kc, nc = int((p["in_group"] & p["certain"]).sum()), int(p["certain"].sum())
    a_in, a_out = int(b["deaths_uncertain_majority"]), int(b["deaths_uncertain_other"])
    lo = 100 * kc / (nc + a_out) if nc + a_out else np.nan
    hi = 100 * (kc + a_in) / (nc + a_in) if nc + a_in else np.nan
    note = found + (f"; {a_in + a_out} death(s) only possibly in the window ({a_in} in the group)" if a_in + a_out
                    else "")
    cand = tuple((i, "possible", f"only possibly inside the window ({d or 'no department'})")
                 for i, d in zip(p.loc[~p["certain"], "victim_id"], p.loc[~p["certain"], "department"]))
    return Result(b["death_share"], b["death_share_low"], b["death_share_high"], lo, hi, note, b["definition"],
                  int(b["deaths_majority"]), kc + a_in, cand)


def amnesty_verdict(search: Search) -> str:
    """The claim's verdict under the best definition: exactly when both figures are; within the rounding when both
    are reproduced, at least one only within the rounding; otherwise not reproduced."""
    v = {search.best["population_verdict"], search.best["death_verdict"]}
    if "not reproduced" in v:
        return "not reproduced"
    return "reproduced exactly" if v == {"reproduced exactly"} else "reproduced within the published rounding"


# Notes. Each addressed claim's note is the rule that explains a difference; numbers come from the computation.
# Recurring rules:
N_CUTOFF = ("the register dates deaths individually; a count published at a date includes persons whose date the "
            "register does not know, and later sources back-date deaths of the wounded")
N_SOLDIERS = "the register holds civilians and police only: the six soldiers drowned in the río Ilave are outside it"
N_SELECTION = "the publisher's case selection is not published, so the subset cannot be rebuilt"
N_INJURED = "the register records deaths only; injured persons are not in it"
N_NOT_DEATHS = "not a count of deaths: investigations, procedure, method or report metadata"
N_AGE = "ages are unknown for some persons; 'children' and 'adolescents' are read as under 18"
N_CAUSE = "cause and wound are unknown for unidentified records and for persons whose cause no source states"

# The table: every claim of published_claims.csv exactly once. An entry with no quantities is not addressed.
CLAIMS: tuple[Claim, ...] = (
    # Amnesty preliminary findings, 16 Feb 2023
    Claim("AI-F-01", (Quantity("population_share", 0, _amnesty("population"), "share"),
                      Quantity("death_share", 1, _amnesty("deaths"), "share")),
          "Amnesty publishes neither its departments nor its census measure, death scope or cut-off: compared "
          "under the best-matching of the defensible definitions searched (search_definitions), named in the "
          "definition; the population share is a census share, not a sample"),
    Claim("AI-F-02", (Quantity("population_share", 0, _amnesty("population"), "share"),
                      Quantity("death_share", 1, _amnesty("deaths"), "share")),
          "same claim as AI-F-01 (Spanish release); same definitions"),
    Claim("AI-F-03", (), "method statement, no quantity"),
    Claim("AI-F-04", (), "qualitative comparison of the level of violence; the register does not measure it"),
    Claim("AI-F-05", (), "names departments, states no quantity; notebook 04 classifies every department"),
    Claim("AI-F-06", (Quantity("clash_deaths", 0, _c(_civ("2023-02-16")), "count"),
                      Quantity("blockade_deaths", 1, _c(Definition(BLOCK, START, "2023-02-16")), "count"),
                      Quantity("police_deaths", 2, _c(Definition(POLICE, START, "2023-02-16")), "count")), N_CUTOFF),
    Claim("AI-F-07", (), N_SELECTION + " (46 cases of Amnesty's field mission)"),
    Claim("AI-F-08", (), N_SELECTION + " (12 firearm deaths documented by Amnesty)"),
    Claim("AI-F-09", (), N_INJURED),
    Claim("AI-F-10", (Quantity("juliaca_deaths_9jan", 0,
                               _c(Definition(CLASH, "2023-01-09", "2023-01-09", events=("E07",))), "count"),),
          "Juliaca = event E07; persons of E07 with unknown date of death may have died on 9 January or later"),
    Claim("AI-F-11", (), N_NOT_DEATHS + " (audiovisual verification)"),
    # Amnesty, Lethal Racism, 25 May 2023 (scope Dec 2022 – Feb 2023)
    Claim("AI-L-01", (Quantity("clash_deaths", 0, _c(_civ("2023-02-28")), "count"),
                      Quantity("blockade_deaths", 1, _c(Definition(BLOCK, START, "2023-02-28")), "count"),
                      Quantity("police_deaths", 2, _c(Definition(POLICE, START, "2023-02-28")), "count")),
          N_CUTOFF + "; 49 is the Defensoría's count after Rosalino Flórez died on 21 March, past the stated period"),
    Claim("AI-L-02", (), "reporting period, not a quantity (used as a cut-off elsewhere)"),
    Claim("AI-L-03", (), N_SELECTION + "; 'elements of extrajudicial execution' is a legal assessment"),
    Claim("AI-L-04", (), N_SELECTION),
    Claim("AI-L-05", (), N_SELECTION),
    Claim("AI-L-06", (Quantity("civilian_deaths", 1, _c(_civ("2023-02-09")), "count"),),
          N_CUTOFF + "; the 49 is a total as of publication, the scope names 9 Feb"),
    Claim("AI-L-07", (), N_SELECTION),
    Claim("AI-L-08", (), N_SELECTION),
    Claim("AI-L-09", (Quantity("lima_deaths", 0, _c(Definition(None, START, "2023-02-09", departments=("Lima",))),
                               "count"),
                      Quantity("lima_indigenous_pct", 0, _indigenous_share("Lima"), "covariate", pick=1),
                      Quantity("ayacucho_deaths", 1, _c(Definition(None, START, "2023-02-09",
                                                              departments=("Ayacucho",))), "count"),
                      Quantity("ayacucho_indigenous_pct", 1, _indigenous_share("Ayacucho"), "covariate", pick=1)),
          "deaths of every context to Amnesty's period end (9 Feb); the Indigenous share is the census 2017 "
          "self-identification of persons 12+ (Amnesty's census and measure are not stated)"),
    Claim("AI-L-10", (Quantity("lima_indigenous_pct", 0, _indigenous_share("Lima"), "covariate"),
                      Quantity("lima_deaths", 1, _c(Definition(None, START, "2023-02-09", departments=("Lima",))),
                               "count")),
          "conflicts with Reuters' 20 % for the same passage; census 2017 self-identification, persons 12+"),
    Claim("AI-L-11", (), "qualitative statement on victims' backgrounds; the register records no ethnicity"),
    Claim("AI-L-12", (), N_NOT_DEATHS + " (audiovisual items)"),
    Claim("AI-L-13", (), "qualitative; see AI-L-09 for Lima's deaths"),
    Claim("AI-L-14", (), "number of pellets in one body; the register records the wound site only"),
    # Amnesty, Who Called the Shots, 18 Jul 2024 (scope Dec 2022 – Mar 2023)
    Claim("AI-W-01", (Quantity("civilian_deaths", 0, _c(_civ("2023-03-31")), "count"),
                      Quantity("police_deaths", 1, _c(Definition(POLICE, START, "2023-03-31")), "count")),
          N_CUTOFF + "; the 50th death the Ministerio Público counts was not identified by any source"),
    Claim("AI-W-02", (Quantity("civilian_deaths", 0, _c(_civ("2023-03-31")), "count"),
                      Quantity("police_deaths", 1, _c(Definition(POLICE, START, "2023-03-31")), "count")),
          "same figures as AI-W-01; injured and charges are not in the register"),
    Claim("AI-W-03", (), "rounds fired; not in the register"),
    Claim("AI-W-04", (), N_NOT_DEATHS + " (Council of Ministers sessions)"),
    Claim("AI-W-05", (), N_NOT_DEATHS + " (meetings)"),
    Claim("AI-W-06", (), "duration of firing; not in the register"),
    Claim("AI-W-07", (), N_NOT_DEATHS + " (page count)"),
    # Defensoría del Pueblo
    Claim("DP-01", (Quantity("deaths", 0, _c(Definition(None, "2022-12-11", "2022-12-12",
                                                   departments=("Apurímac", "Arequipa"))), "count"),
                    Quantity("minors", 1, _c(Definition(None, "2022-12-11", "2022-12-12",
                                                   departments=("Apurímac", "Arequipa"), age=MINOR)), "count")),
          "deaths of 11–12 Dec in Apurímac and Arequipa; some persons' dates were revised later (died of wounds)"),
    Claim("DP-02", (Quantity("clash_deaths", 0, _c(_civ("2022-12-16")), "count"),
                    Quantity("blockade_deaths", 1, _c(Definition(BLOCK, START, "2022-12-16")), "count")),
          N_CUTOFF + "; the article's date is approximate"),
    Claim("DP-03", (Quantity("clash_deaths", 0, _c(_civ("2022-12-17")), "count"),
                    Quantity("blockade_deaths", 1, _c(Definition(BLOCK, START, "2022-12-17")), "count"),
                    Quantity("minors", 4, _c(Definition(None, START, "2022-12-17", age=MINOR)), "count")),
          N_CUTOFF + "; " + N_AGE),
    Claim("DP-04", tuple(Quantity(f"clash_deaths_{_slug(dep)}", i, _c(_civ("2022-12-19", departments=(dep,))), "count",
                                  pick=0)
                         for i, dep in enumerate(("Apurímac", "Ayacucho", "Junín", "La Libertad", "Arequipa"))),
          N_CUTOFF + "; the department of a death is where it happened, as sources print it"),
    Claim("DP-05", (Quantity("total_deaths", 0, _c(Definition(None, START, "2023-01-10")), "count"),
                    Quantity("clash_deaths", 1, _c(_civ("2023-01-10")), "count"),
                    Quantity("blockade_deaths", 2, _c(Definition(BLOCK, START, "2023-01-10")), "count"),
                    Quantity("police_deaths", 3, _c(Definition(POLICE, START, "2023-01-10")), "count")), N_CUTOFF),
    Claim("DP-06", (Quantity("total_deaths", 0, _c(Definition(None, START, "2023-01-12")), "count"),
                    Quantity("clash_deaths", 1, _c(_civ("2023-01-12")), "count"),
                    Quantity("police_deaths", 2, _c(Definition(POLICE, START, "2023-01-12")), "count"),
                    Quantity("blockade_deaths", 3, _c(Definition(BLOCK, START, "2023-01-12")), "count")), N_CUTOFF),
    Claim("DP-07", (Quantity("clash_and_police_deaths", 0,
                             _c(Definition(CLASH + POLICE, START, "2023-01-17")), "count"),
                    Quantity("blockade_deaths", 1, _c(Definition(BLOCK, START, "2023-01-17")), "count")),
          N_CUTOFF + "; 42 = 41 civilians and one police officer; " + N_INJURED),
    Claim("DP-08", (Quantity("total_deaths", 0, _c(Definition(None, START, "2023-02-02")), "count"),
                    Quantity("clash_deaths", 1, _c(_civ("2023-02-02")), "count"),
                    Quantity("blockade_deaths", 2, _c(Definition(BLOCK, START, "2023-02-02")), "count")),
          N_CUTOFF + "; the headline total is inconsistent with its own components (see NOTES.md)"),
    Claim("DP-09", (Quantity("total_deaths", 0, _c(Definition(None, START, "2023-03-06")), "count"),
                    Quantity("clash_deaths", 1, _c(_civ("2023-03-06")), "count"),
                    Quantity("blockade_deaths", 2, _c(Definition(BLOCK, START, "2023-03-06")), "count"),
                    Quantity("police_deaths", 3, _c(Definition(POLICE, START, "2023-03-06")), "count")),
          N_CUTOFF + "; " + N_SOLDIERS + " (they are in the total); " + N_INJURED),
    Claim("DP-10", (Quantity("minors_killed", 0, _c(Definition(None, START, "2023-03-06", age=MINOR)), "count"),),
          N_AGE + "; " + N_INJURED),
    Claim("DP-11", (), N_NOT_DEATHS + " (state-of-emergency declarations)"),
    Claim("DP-12", (), "reporting period, not a quantity"),
    Claim("DP-13", (Quantity("total_deaths", 0, _c(Definition(None, START, "2023-03-22")), "count", pick=-1),
                    Quantity("clash_deaths", 1, _c(_civ("2023-03-22")), "count", pick=-1)),
          N_CUTOFF + "; " + N_SOLDIERS + " (they are in the total)"),
    Claim("DP-14", (), N_INJURED),
    Claim("DP-15", (Quantity("total_deaths", 0, _c(Definition(None, START, "2023-03-22")), "count"),
                    Quantity("clash_and_police_deaths", 1, _c(Definition(CLASH + POLICE, START, "2023-03-22")),
                             "count"),
                    Quantity("blockade_deaths", 2, _c(Definition(BLOCK, START, "2023-03-22")), "count")),
          N_CUTOFF + "; " + N_SOLDIERS + " (RPP's 17 'linked to blockades' appears to include them)"),
    # Human Rights Watch
    Claim("HRW-01", (Quantity("deaths", 0, _c(Definition(None, START, "2022-12-19")), "count"),
                     Quantity("children", 1, _c(Definition(None, START, "2022-12-19", age=MINOR)), "count")),
          N_CUTOFF + "; " + N_AGE),
    Claim("HRW-02", (), "what MINSA had confirmed at the time, not the cause of death"),
    Claim("HRW-03", (), N_INJURED),
    Claim("HRW-04", (Quantity("civilian_deaths", 0, _c(_civ("2023-02-28")), "count"),
                     Quantity("children", 1, _c(_civ("2023-02-28", age=MINOR)), "count"),
                     Quantity("gunshot_deaths", 2, _c(_civ("2023-02-28", causes=("firearm_projectile",))), "count"),
                     Quantity("gunshot_share", 2, _s(_civ("2023-02-28"), Definition(causes=("firearm_projectile",))),
                              "share", of=(0, 0))),
          N_CUTOFF + "; " + N_AGE + "; " + N_CAUSE),
    Claim("HRW-05", (Quantity("torso", 0, _c(_civ("2023-02-28", causes=("firearm_projectile",),
                                                  wounds=("thorax", "abdomen"))), "count"),
                     Quantity("head", 1, _c(_civ("2023-02-28", causes=("firearm_projectile",),
                                                 wounds=("head",))), "count"),
                     Quantity("back", 2, _c(_civ("2023-02-28", causes=("firearm_projectile",),
                                                 wounds=("back",))), "count")),
          "torso = thorax or abdomen; a wound coded 'multiple' names no single site and is counted in none; "
          + N_CAUSE),
    Claim("HRW-06", (), N_INJURED),
    Claim("HRW-07", (Quantity("firearm_deaths", 0, _c(_civ("2023-02-28", causes=("firearm_projectile",))), "count"),
                     Quantity("pellet_deaths", 1, _c(_civ("2023-02-28", causes=("pellets",))), "count")),
          N_CAUSE + "; sources disagree on some persons' weapon (bullet or pellets), the register keeps one"),
    Claim("HRW-08", (), N_NOT_DEATHS + " (interviews, video, photographs)"),
    Claim("HRW-09", (), "participation in the protest is not a field of the register"),
    Claim("HRW-10", (), N_NOT_DEATHS + " (charges)"),
    Claim("HRW-11", (), "qualitative statement on the region"),
    # IACHR
    Claim("CIDH-01", (Quantity("deaths", 0, _c(Definition(None, START, "2023-01-13")), "count"),
                      Quantity("adolescents", 1, _c(Definition(None, START, "2023-01-13", age=MINOR)), "count")),
          N_CUTOFF + "; " + N_AGE + "; " + N_INJURED),
    Claim("CIDH-02", (), "qualitative legal assessment"),
    Claim("CIDH-03", (), "qualitative statement on wound sites; see HRW-05"),
    Claim("CIDH-04", (Quantity("ayacucho_15dec_deaths", 0,
                               _c(Definition(CLASH, "2022-12-15", "2022-12-15", events=("E05",))), "count"),),
          "deaths on 15 Dec itself at the Ayacucho event (E05); later deaths of the wounded are not in it"),
    # United Nations
    Claim("UN-01", (Quantity("clash_deaths", 0, _c(_civ("2023-01-10")), "count"),), N_CUTOFF + "; " + N_INJURED),
    Claim("UN-02", (Quantity("juliaca_deaths_9jan", 0,
                             _c(Definition(CLASH, "2023-01-09", "2023-01-09", events=("E07",))), "count"),
                    Quantity("juliaca_minors_9jan", 1,
                             _c(Definition(CLASH, "2023-01-09", "2023-01-09", events=("E07",), age=MINOR)), "count"),
                    Quantity("police_deaths_10jan", 2,
                             _c(Definition(POLICE, "2023-01-10", "2023-01-10", events=("E07",))), "count")),
          "Juliaca = event E07; " + N_AGE),
    Claim("UN-03", (Quantity("juliaca_firearm_9jan", 0,
                             _c(Definition(CLASH, "2023-01-09", "2023-01-09", events=("E07",),
                                      causes=("firearm_projectile",))), "count"),
                    Quantity("juliaca_firearm_share_9jan", 0,
                             _s(Definition(CLASH, "2023-01-09", "2023-01-09", events=("E07",)),
                                Definition(causes=("firearm_projectile",))), "share", of=(0, 1))),
          "hospital sources at the time; " + N_CAUSE),
    Claim("UN-04", (Quantity("apurimac_deaths_11dec", 0,
                             _c(Definition(CLASH, "2022-12-11", "2022-12-11", departments=("Apurímac",))), "count"),),
          "deaths on 11 Dec in Apurímac"),
    Claim("UN-05", (Quantity("total_deaths", 0, _c(Definition(None, START, "2023-02-28")), "count"),
                    Quantity("clash_deaths", 1, _c(_civ("2023-02-28")), "count"),
                    Quantity("police_deaths", 2, _c(Definition(POLICE, START, "2023-02-28")), "count"),
                    Quantity("blockade_deaths", 3, _c(Definition(BLOCK, START, "2023-02-28")), "count")),
          N_CUTOFF + "; the article's date is known only to the month"),
    # Ministerio Público
    Claim("MP-01", (Quantity("total_deaths", 0, _c(Definition(CLASH + POLICE, START, "2023-01-13")), "count"),
                    Quantity("civilian_deaths", 1, _c(_civ("2023-01-13")), "count"),
                    Quantity("police_deaths", 2, _c(Definition(POLICE, START, "2023-01-13")), "count")),
          N_CUTOFF + "; the 42 are civilians in clashes and the police officer; " + N_INJURED),
    Claim("MP-02", (), N_NOT_DEATHS + " (investigations)"),
    Claim("MP-03", (Quantity("deaths", 0, _c(_civ("2023-03-31")), "count"),),
          N_CUTOFF + "; the prosecutors' 50 are deaths under investigation against police or military: read as "
          "civilians in clashes; " + N_INJURED),
    Claim("MP-04", (Quantity("share_aged_18_24", 0, _s(_civ("2023-03-31"), Definition(age=(18, 24))), "share"),
                    Quantity("puno_deaths", 1, _c(_civ("2023-03-31", departments=("Puno",))), "count")),
          "share among persons with a known age; " + N_CUTOFF),
    Claim("MP-05", (Quantity("minors_killed", 0, _c(_civ("2023-03-31", age=MINOR)), "count"),), N_AGE),
    Claim("MP-06", (Quantity("share_south", 0, _s(_civ("2023-03-31"), Definition(departments=SOUTH_FISCAL)), "share"),),
          "fiscal districts are read as the departments of the same names (their borders differ); share among "
          "persons with a known department; the injured shares are not in the register"),
    Claim("MP-07", (), N_NOT_DEATHS + " (investigated persons)"),
    Claim("MP-08", (Quantity("clash_deaths", 0, _c(_civ(None)), "count"),),
          "no period stated: every clash death in the register; the complaint's 44 covers the cases in that file"),
    Claim("MP-09", (), N_NOT_DEATHS + " (investigations)"),
    Claim("MP-10", (), N_NOT_DEATHS + " (police under investigation)"),
    # Associated Press
    Claim("AP-01", (Quantity("bullet_deaths", 0, _c(_civ("2023-02-28", causes=("firearm_projectile",))), "count"),
                    Quantity("bullet_share", 0, _s(_civ("2023-02-28"), Definition(causes=("firearm_projectile",))),
                             "share", of=(0, 1))),
          "AP read only the forensic reports it obtained; " + N_CAUSE),
    Claim("AP-02", (), N_SELECTION + " (the 32 forensic reports AP obtained)"),
    Claim("AP-03", (), "qualitative statement on wound sites; see HRW-05"),
    # MINSA and events
    Claim("MINSA-01", tuple(Quantity(f"deaths_{_slug(dep)}", i, _c(Definition(CLASH + BLOCK, START, "2022-12-18",
                                                                  departments=(dep,))), "count", pick=-1)
                            # part 0 is "25 total: Ayacucho 9": the department's number is the last one
                            for i, dep in enumerate(("Ayacucho", "Apurímac", "Cusco", "Junín", "La Libertad",
                                                     "Arequipa"))),
          N_CUTOFF + "; deaths in clashes and blockades together, as MINSA counted them"),
    Claim("MINSA-02", (), N_INJURED),
    Claim("MINSA-03", (Quantity("cusco_firearm_death_11jan", 2,
                                _c(Definition(CLASH, "2023-01-11", "2023-01-11", departments=("Cusco",),
                                         causes=("firearm_projectile",))), "count"),),
          "deaths on 11 Jan in Cusco by firearm; " + N_INJURED),
    Claim("ML-01", (), "projectiles lodged in bodies is a forensic detail the register does not record"),
    Claim("EV-AYA-01", (Quantity("deaths", 0, _c(Definition(CLASH, "2022-12-15", None, events=("E05",))), "count"),),
          "all deaths of the Ayacucho event (E05), including the wounded who died later; " + N_INJURED),
    Claim("EV-AYA-02", (Quantity("died", 1, _c(Definition(CLASH, "2022-12-15", "2022-12-22", events=("E05",))),
                                 "count"),),
          "deaths of the Ayacucho event (E05) to the report's date; " + N_INJURED),
    Claim("EV-AYA-03", (Quantity("deaths", 0, _c(Definition(CLASH, "2022-12-15", "2022-12-18", events=("E05",))),
                                 "count"),),
          "deaths of the Ayacucho event (E05) to 18 Dec; " + N_INJURED),
    Claim("EV-JUL-01", (Quantity("deaths", 0, _c(Definition(CLASH, "2023-01-09", "2023-01-09", events=("E07",))),
                                 "count"),),
          "Juliaca = event E07, deaths on 9 Jan; " + N_INJURED),
    Claim("EV-JUL-02", (Quantity("civilian_deaths", 0, _c(Definition(CLASH, "2023-01-09", "2023-01-12",
                                                               events=("E07",))), "count"),),
          "civilian deaths of event E07 to 12 Jan"),
    Claim("EV-JUL-03", (), N_NOT_DEATHS + " (police deployed)"),
    Claim("EV-CUS-01", (Quantity("death", 0, _c(Definition(CLASH, "2023-01-11", "2023-01-11", departments=("Cusco",))),
                                 "count"),),
          "deaths on 11 Jan in Cusco; " + N_INJURED),
    Claim("EV-AND-01", (Quantity("deaths", 0, _c(Definition(CLASH, "2022-12-11", "2022-12-11", events=("E01",))),
                                 "count"),),
          "Andahuaylas = event E01, deaths on 11 Dec; " + N_INJURED),
    # Census context figures
    Claim("CEN-01", (), "a census figure the suite uses as an input (departments.csv), not a casualty count"),
    Claim("CEN-02", (), "a census figure the suite uses as an input (departments.csv), not a casualty count"),
)


# ---------------------------------------------------------------- checks and the comparison table
def check_table(claims: pd.DataFrame, table=CLAIMS, file: str = "published_claims.csv") -> None:
    """Every claim of the file is in the table exactly once; an id the file lacks, or a published number a quantity
    cannot find, is an error naming the file, row and field."""
    ids = [c.claim_id for c in table]
    seen = set()
    for cid in ids:
        if cid in seen:
            raise ValueError(f"claim {cid!r} listed twice in analysis.tasks.claims.CLAIMS")
        seen.add(cid)
    unknown = sorted(seen - set(claims["claim_id"]))
    if unknown:
        raise RawDataError(file, None, "claim_id", f"claims table lists ids the file lacks: {unknown}")
    missing = [c for c in claims["claim_id"] if c not in seen]
    if missing:
        i = int(np.flatnonzero(claims["claim_id"].eq(missing[0]).to_numpy())[0])
        raise RawDataError(file, data_row(i), "claim_id", f"claim not in analysis.tasks.claims.CLAIMS: {missing}")
    rows = {cid: i for i, cid in enumerate(claims["claim_id"])}
    for c in table:
        for q in c.quantities:
            i = rows[c.claim_id]
            try:
                published_number(claims["quantity"].iloc[i], q.part, q.pick)
                if q.of is not None:
                    published_number(claims["quantity"].iloc[i], *q.of)
            except ValueError as e:
                raise RawDataError(file, data_row(i), "quantity", f"{c.claim_id}.{q.name}: {e}") from None


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


def difference(kind: str, published: float, r: Result) -> tuple[str, str]:
    """(persons, reasons) that make the difference between a published count and the certain persons: above the
    certain count, every person possibly in scope and every 'near' one (death dated outside the window after an
    injury inside it; context 'other'), then the rest as not in the register; below it, the unidentified records
    counted (the rest: the register holds more persons certainly in scope than the count). Shares: the base persons
    whose numerator field is unknown."""
    if kind == "covariate":
        return "", "a census figure: no persons"
    if kind == "share":
        ids = list(r.candidates)
        if not ids:
            return "", ("no person's value is unknown: the persons certainly in scope give another share (the "
                        "publisher's definition, case list or departments differ)")
        return " ; ".join(c[0] for c in ids), " ; ".join(f"{c[0]}: {c[2]}" for c in ids)
    k = int(r.value)
    if published > k:
        ids = [c for c in r.candidates if c[1] in ("possible", "near")]
        rest = int(round(published)) - k - len(ids)
        reasons = [f"{c[0]}: {c[2]}" for c in ids]
        if rest > 0:
            reasons.append(f"not in the register: {rest} person(s) the source counts and no register person in or "
                           "near the scope can stand for")
        return " ; ".join(c[0] for c in ids), " ; ".join(reasons)
    ids = [c for c in r.candidates if c[1] == "certain"]
    reasons = [f"{c[0]}: {c[2]} (counted here; the published count may not include it)" for c in ids]
    reasons.append(f"the register holds {k - int(round(published))} more person(s) certainly in scope than published")
    return " ; ".join(c[0] for c in ids), " ; ".join(reasons)


def compare(claims: pd.DataFrame, tables: dict, table=CLAIMS) -> pd.DataFrame:
    """The published-versus-reproduced table: one row per (claim, quantity); a claim not addressed has one row
    with status "not_addressed" and the reason. Rows follow the order of the claims file."""
    check_table(claims, table)
    by_id = {c.claim_id: c for c in table}
    rows = []
    for rec in claims.itertuples(index=False):
        c = by_id[rec.claim_id]
        base = {"claim_id": rec.claim_id, "publisher": rec.publisher, "published_date": rec.published_date}
        if not c.quantities:
            rows.append({**base, "status": "not_addressed", "reason": c.note})
            continue
        for q in c.quantities:
            fig = published_figure(claims, rec.claim_id, q.part, q.kind, q.pick)
            value, qual, raw, unit = fig["value"], fig["qualifier"], fig["raw"], fig["unit"]
            if q.of is not None:  # "39 of 49" → percent
                den, _, den_raw = published_number(rec.quantity, *q.of)
                value, raw = 100 * value / den, raw if den_raw == raw else f"{raw} of {den_raw}"
            r = q.compute(tables)
            v = verdict(q.kind, value, qual, unit, r.value, q.of is not None)
            persons, reasons = ("", "") if v != "not reproduced" else difference(q.kind, value, r)
            rows.append({**base, "status": "addressed", "quantity": q.name, "kind": q.kind,
                         "unit": "person" if q.kind == "count" else "percent", "published_raw": raw,
                         "published": value, "qualifier": qual,
                         "rounding": rounding_text(q.kind, value, qual, unit, q.of is not None),
                         "reproduced": r.value, "n_certain": r.n_certain, "n_possible": r.n_possible,
                         "ci_low": r.low if q.kind == "share" else np.nan,  # exact (Clopper–Pearson)
                         "ci_high": r.high if q.kind == "share" else np.nan,
                         "range_low": r.bound_low, "range_high": r.bound_high,
                         "difference": value - r.value, "verdict": v, "difference_persons": persons,
                         "difference_reasons": reasons, "definition": r.definition,
                         "reason": "; ".join(x for x in (r.unknown_note, c.note) if x)})
    return pd.DataFrame(rows).reindex(columns=COLUMNS)


COLUMNS = ["claim_id", "publisher", "published_date", "status", "quantity", "kind", "unit", "published_raw",
           "published", "qualifier", "rounding", "reproduced", "n_certain", "n_possible", "ci_low", "ci_high",
           "range_low", "range_high", "difference", "verdict", "difference_persons", "difference_reasons",
           "definition", "reason"]


# ---------------------------------------------------------------- notebook 07: addressed rows, recorded numbers, prose
def fmt_number(x, digits: int = 0) -> str:
    """A number for prose with `digits` decimals, no thousands separator (analysis.report.text.num)."""
    return text.num(x, digits, thousands=False)


def fmt_range(r) -> str:
    """"k certain, up to u possible" of a comparison row (or "k" when both agree)."""
    if r.range_low == r.range_high:
        return fmt_number(r.range_low)
    return f"{fmt_number(r.range_low)} certain, up to {fmt_number(r.range_high)} possible"


def addressed(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of compare() the register could address."""
    return table[table["status"] == "addressed"].copy()


def addressed_row(addr: pd.DataFrame, claim_id: str, quantity: str) -> pd.Series:
    """The one row of `claim_id`.`quantity`; a pair the table lacks is an error naming it (not an IndexError)."""
    hit = addr[(addr["claim_id"] == claim_id) & (addr["quantity"] == quantity)]
    if len(hit) != 1:
        raise KeyError(f"{claim_id}.{quantity}: {len(hit)} rows in the comparison table, expected 1")
    return hit.iloc[0]


def record_reproduced(numbers, addr: pd.DataFrame) -> None:
    """Record each recomputed quantity as <claim_id>.<quantity>: a count of the certain persons with the interval
    certain..possible (and <claim_id>.<quantity>_possible for the bound), a share (percent) with its exact interval
    (none when undefined) and the range over unknowns in the definition; the verdict in the definition."""
    for r in addr.itertuples():
        if r.kind == "count":
            numbers.add(f"{r.claim_id}.{r.quantity}", int(r.reproduced), unit="person",
                        interval=(r.range_low, r.range_high),
                        definition=f"persons certainly in scope ({r.definition}); interval = certainly .. possibly "
                                   f"in scope; {r.verdict}")
            numbers.add(f"{r.claim_id}.{r.quantity}_possible", int(r.n_possible), unit="person",
                        definition=f"persons possibly in scope ({r.definition}): the upper bound")
        else:
            numbers.add(f"{r.claim_id}.{r.quantity}", r.reproduced, unit="percent",
                        interval=None if np.isnan(r.ci_low) else (r.ci_low, r.ci_high),
                        definition=f"{r.definition}; interval = exact Clopper-Pearson 95 % "
                                   f"(range over unknowns {fmt_number(r.range_low, 1)}-{fmt_number(r.range_high, 1)}); "
                                   f"{r.verdict}")


def five_department(search: Search, deaths: str = "clash", policy: str = "certain", cutoff: str | None = None):
    """The row of the stated department reading (self-identification > 50 %, departments of unknown status counted
    as not majority: the five departments Apurímac, Ayacucho, Cusco, Huancavelica and Puno on today's data) under
    one death scope, date policy and cut-off (default: the release date)."""
    return search.row(measure=STATED["measure"], threshold=STATED["threshold"], unknown=STATED["unknown"],
                      deaths=deaths, date_policy=policy, cutoff=cutoff or STATED["cutoff"])


def record_amnesty(numbers, search: Search, claim_id: str = AMNESTY_CLAIM) -> dict:
    """Record the definition search of the claim: how many definitions reproduce each figure; the stated department
    reading's population share and death share (<claim>.population_share_<n>dep, <claim>.death_share_<n>dep: civilians
    killed in clashes certainly by the release date, and .death_share_<n>dep.<deaths>.<policy> per death scope);
    the former comparison (departments of known status only); the best-matching definition and the verdict.
    Returns {name: key suffix} of what it recorded, for the prose."""
    t, best = search.table, search.best
    five = five_department(search)
    tag = f"{int(five['n_majority'])}dep"
    keys = {}

    def add(name, value, **kw):
        numbers.add(f"{claim_id}.{name}", value, **kw)
        keys[name] = value

    add("n_definitions", len(t), unit="count",
        definition="definitions searched: measure x threshold x departments of unknown status x death scope x date "
                   "policy x cut-off (outputs/tables/claims_definition_search.csv)")
    for fig in ("population", "death"):
        add(f"n_reproduce_{fig}", len(search.reproducing(fig)), unit="count",
            definition=f"searched definitions whose {fig} share reproduces the published figure within its rounding")
    add("n_reproduce_both", len(search.reproducing()), unit="count",
        definition="searched definitions that reproduce both published figures within their rounding")
    add(f"population_share_{tag}", five["population_share"], unit="percent",
        definition=f"population share (census 2017) of the {five['n_majority']} departments "
                   f"({five['majority_departments']}) where more than {STATED['threshold']:g} % of persons 12+ "
                   "self-identified as Indigenous, departments of unknown status counted as not majority; "
                   f"{five['population_verdict']}")
    add(f"death_share_{tag}", five["death_share"], unit="percent",
        interval=(five["death_share_low"], five["death_share_high"]),
        definition=f"share of the civilians killed in clashes certainly between {START} and {five['cutoff']} (the "
                   f"release date) who died in those departments; exact Clopper-Pearson 95 % interval; "
                   f"{five['death_verdict']}"
                   + (f"; counted here and not under the best definition: {five['persons_not_in_best']}"
                      if five["persons_not_in_best"] else ""))
    for dk in SEARCH_DEATHS:
        for pol in SEARCH_POLICIES:
            r = five_department(search, dk, pol)
            add(f"death_share_{tag}.{dk}.{pol}", r["death_share"], unit="percent",
                interval=(r["death_share_low"], r["death_share_high"]),
                definition=f"death share of the same departments: {SEARCH_DEATHS[dk][1]}, {SEARCH_POLICIES[pol]} "
                           f"between {START} and {r['cutoff']}; {r['deaths_majority']} of {r['deaths_total']}; "
                           f"exact 95 % interval; {r['death_verdict']}")
    old = search.row(measure=STATED["measure"], threshold=STATED["threshold"], unknown="known_only", deaths="clash",
                     date_policy="certain", cutoff=STATED["cutoff"])
    add("population_share_known_only", old["population_share"], unit="percent",
        definition="the former comparison: population share of the majority departments among departments of known "
                   f"status only (self-identification > {STATED['threshold']:g} %); {old['population_verdict']}")
    add("death_share_known_only", old["death_share"], unit="percent",
        interval=(old["death_share_low"], old["death_share_high"]),
        definition="the former comparison: share of civilians killed in clashes certainly by the release date, "
                   f"departments of known status only; {old['death_verdict']}")
    add("best_definition", best["key"], unit="department",
        definition=f"the best-matching definition (rank 1 of {len(t)}): {best['definition']}")
    add("verdict", amnesty_verdict(search), unit="percent",
        definition=f"verdict of the published 13 % / 80 % under the best-matching definition "
                   f"(population: {best['population_verdict']}; deaths: {best['death_verdict']})")
    return keys


def verdict_counts(addr: pd.DataFrame) -> dict:
    """{verdict: number of recomputed quantities}, every verdict present (zeros included)."""
    return {v: int((addr["verdict"] == v).sum()) for v in VERDICTS}


from analysis.tasks.base import Task  # noqa: E402  (the declaration sits at the end until the task module is split)

TASK = Task(
    name="claims",
    notebook="07-published-vs-reproduced",
    reads=("data/processed/**/*", "data/raw/context/**/*", "data/raw/covariates/**/*"),
    writes=("outputs/numbers/claims.json", "outputs/tables/published_vs_reproduced.csv"),
    after=("01-register",),
    params={
        "processed_dir": "",  # the register; empty means data/processed/
        "outputs_dir": "",  # numbers.json, tables; empty means outputs/
        "supplement_parts": True,  # count published self-identification parts where the total is not published (as notebook 04)
    },
)