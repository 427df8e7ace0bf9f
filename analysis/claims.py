"""Published versus reproduced: each quantitative claim of data/raw/context/published_claims.csv that the register
can address, recomputed from the processed tables under an explicit definition, with the reason for any difference.

How a count is reproduced. A person is in a claim's scope when every filter of the claim holds: context, department,
event, age, cause, wound, and the date of death inside the claim's window. Each filter is three-valued: True, False,
or unknown (the register does not say, e.g. no date of death). The reproduced value is the number of persons
*certainly* in scope; the upper bound adds every person who *may* be (no filter False). Nothing unknown is guessed.

Dates. A person's death lies in [earliest, latest]: both the date of death when it is known; otherwise earliest is
the start of the person's event (nobody dies of an event before it starts) and latest the as-of date of the official
count an unidentified record stands for (the count already included them). Otherwise the bound is open.

Cut-offs (the `cutoff` of each entry below): the end of the period the claim's `scope` states; a period given only
in months ends on the month's last day; when no period is stated, the publication date (a count cannot include
deaths after it was published).

The published value is read from the claim's `quantity` field, never typed here: `part` picks the `;`-separated
part and `pick` the number inside it (0 = first, -1 = last, e.g. "48 -> 49" means 49 after the update).
"""
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from . import text
from . import paths
from .errors import RawDataError, data_row
from .stats import ethnic
from .stats.exact import binom_ci

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


# ---------------------------------------------------------------- three-valued scope
def _known(s: pd.Series) -> pd.Series:
    return ~s.astype("string").fillna("").str.strip().isin(UNKNOWN_CODES)


def _member(s: pd.Series, values) -> pd.Series:
    """True when the coded value is in `values`, False when it is another known value, NA when unknown."""
    text = s.astype("string").fillna("").str.strip()
    return text.isin(list(values)).astype("boolean").mask(~_known(s))


def death_window(victims: pd.DataFrame, events: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per person: earliest and latest possible date of death (NaT = open), and the basis of each."""
    date = pd.to_datetime(victims["date_death"].astype("string").replace("", pd.NA), format="%Y-%m-%d")
    earliest, latest = date.copy(), date.copy()
    if events is not None and "event_id" in victims.columns:
        start = dict(zip(events["event_id"].astype(str), pd.to_datetime(events["date_start"], format="%Y-%m-%d")))
        ev_start = victims["event_id"].astype("string").fillna("").map(lambda e: start.get(e, pd.NaT))
        earliest = earliest.fillna(pd.to_datetime(ev_start))
    if "count_as_of" in victims.columns:
        as_of = pd.to_datetime(victims["count_as_of"].astype("string").replace("", pd.NA), format="%Y-%m-%d")
        latest = latest.fillna(as_of)
    return pd.DataFrame({"earliest": earliest, "latest": latest}, index=victims.index)


def _in_window(win: pd.DataFrame, start, end) -> pd.Series:
    """True when [earliest, latest] lies inside [start, end], False when outside, NA when it straddles or is open."""
    out = pd.Series(True, index=win.index, dtype="boolean")
    e, l_ = win["earliest"], win["latest"]
    if start is not None:
        s = pd.Timestamp(start)
        out = out & pd.Series(np.where(l_.notna() & (l_ < s), False, np.where(e.notna() & (e >= s), True, pd.NA)),
                              index=win.index, dtype="boolean")
    if end is not None:
        t = pd.Timestamp(end)
        out = out & pd.Series(np.where(e.notna() & (e > t), False, np.where(l_.notna() & (l_ <= t), True, pd.NA)),
                              index=win.index, dtype="boolean")
    return out


@dataclass(frozen=True)
class Scope:
    """Which persons a published number counts. None = no restriction on that field."""
    contexts: tuple | None = None
    start: str | None = None       # died on or after
    cutoff: str | None = None      # died on or before
    departments: tuple | None = None
    events: tuple | None = None
    causes: tuple | None = None
    wounds: tuple | None = None
    age: tuple | None = None       # (min, max) completed years, inclusive

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


def filters(victims: pd.DataFrame, scope: Scope, events: pd.DataFrame | None = None) -> pd.DataFrame:
    """One three-valued (boolean with NA) column per active filter of `scope`."""
    out = {}
    if scope.contexts:
        out["context"] = _member(victims["context"], scope.contexts)
    if scope.start or scope.cutoff:
        out["date"] = _in_window(death_window(victims, events), scope.start, scope.cutoff)
    if scope.departments:
        out["department"] = _member(victims["department"], scope.departments)
    if scope.events:
        out["event"] = _member(victims["event_id"], scope.events)
    if scope.causes:
        out["cause"] = _member(victims["cause"], scope.causes)
    if scope.wounds:
        # not_applicable (no wound: e.g. lack of medical care) is a known value outside every site
        out["wound"] = _member(victims["wound"], scope.wounds)
    if scope.age:
        age = pd.to_numeric(victims["age_years"].astype("string").replace("", pd.NA), errors="coerce")
        lo, hi = scope.age
        out["age"] = ((age >= lo) & (age <= hi)).astype("boolean").mask(age.isna())
    return pd.DataFrame(out, index=victims.index)


@dataclass(frozen=True)
class Result:
    value: float        # reproduced value (persons certainly in scope, or a share in percent)
    low: float          # range of the value over every resolution of the unknowns (counts) / exact CI (shares)
    high: float
    bound_low: float    # share only: min/max over unknowns; counts: equal to low/high
    bound_high: float
    unknown_note: str   # which unknowns make the range wide, with counts
    definition: str


def _unknown_note(f: pd.DataFrame, possible: pd.Series) -> str:
    bits = [f"{int((possible & f[c].isna()).sum())} with unknown {c}" for c in f.columns
            if int((possible & f[c].isna()).sum())]
    return "; ".join(bits)


def count(victims: pd.DataFrame, scope: Scope, events: pd.DataFrame | None = None) -> Result:
    """Persons certainly in scope (value) and the most that could be (high)."""
    f = filters(victims, scope, events)
    if f.empty:
        n = len(victims)
        return Result(n, n, n, n, n, "", scope.describe())
    certain = f.fillna(False).all(axis=1)
    maybe = f.fillna(True).all(axis=1)
    k, u = int(certain.sum()), int(maybe.sum())
    return Result(k, k, u, k, u, _unknown_note(f, maybe & ~certain), scope.describe())


def share(victims: pd.DataFrame, base: Scope, numerator: Scope, events: pd.DataFrame | None = None,
          alpha: float = 0.05) -> Result:
    """Percent of the persons certainly in `base` who are in `numerator` (the extra filters), among those whose
    numerator fields are known, with the exact (Clopper–Pearson) interval; bounds put every unknown out and in."""
    in_base = filters(victims, base, events).fillna(False).all(axis=1)
    g = filters(victims, numerator, events)
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
    return Result(value, 100 * lo, 100 * hi, 100 * yes / n_all if n_all else np.nan,
                  100 * (yes + n_unk) / n_all if n_all else np.nan, note, definition)


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
    scope: Scope

    def __call__(self, tables: dict) -> Result:
        return count(tables["victims"], self.scope, tables.get("events"))


@dataclass(frozen=True)
class ShareOf:
    """Quantity function: percent of `base` in `numerator` (see `share`)."""
    base: Scope
    numerator: Scope

    def __call__(self, tables: dict) -> Result:
        return share(tables["victims"], self.base, self.numerator, tables.get("events"))


_c, _s = CountOf, ShareOf


def _amnesty(which: str):
    """Amnesty's 13 %/80 % under notebook 04's default definition (analysis.stats.ethnic.shares): majority =
    self-identified Indigenous > 50 % (census 2017), deaths in clashes 7 Dec 2022 – 16 Feb 2023."""
    def run(t):
        res = ethnic.shares(t["victims"], t["departments"], measure="selfid", threshold=50.0, contexts=("clash",),
                            cutoff_date="2023-02-16", start_date="2022-12-07")
        sc = res["scenarios"]
        col = "population_share" if which == "population" else "death_share"
        known = sc.loc["known_only"]
        lo, hi = ((known["death_share_low"], known["death_share_high"]) if which == "deaths"
                  else (known[col], known[col]))  # population share: census count, no sampling interval
        b = sorted([sc.loc["all_unknown_below", col], sc.loc["all_unknown_above", col]])
        n_unk = res["coverage"]["n_unknown"]
        note = (f"{n_unk} department(s) of unknown majority status; {res['info']['n_date_unknown']} clash "
                f"death(s) with unknown date left out") if n_unk or res["info"]["n_date_unknown"] else ""
        return Result(100 * known[col], 100 * lo, 100 * hi, 100 * b[0], 100 * b[1], note,
                      f"{which} share of departments with >50 % self-identified Indigenous (census 2017); "
                      "deaths in clashes 2022-12-07 to 2023-02-16; departments of known status")
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
    return Scope(contexts=CLASH, start=START, cutoff=cutoff, **kw)


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
          "the department list and population source are not published: reproduced under notebook 04's default "
          "(self-identification > 50 %); the population share is a census share, not a sample"),
    Claim("AI-F-02", (Quantity("population_share", 0, _amnesty("population"), "share"),
                      Quantity("death_share", 1, _amnesty("deaths"), "share")),
          "same claim as AI-F-01 (Spanish release); same definitions"),
    Claim("AI-F-03", (), "method statement, no quantity"),
    Claim("AI-F-04", (), "qualitative comparison of the level of violence; the register does not measure it"),
    Claim("AI-F-05", (), "names departments, states no quantity; notebook 04 classifies every department"),
    Claim("AI-F-06", (Quantity("clash_deaths", 0, _c(_civ("2023-02-16")), "count"),
                      Quantity("blockade_deaths", 1, _c(Scope(BLOCK, START, "2023-02-16")), "count"),
                      Quantity("police_deaths", 2, _c(Scope(POLICE, START, "2023-02-16")), "count")), N_CUTOFF),
    Claim("AI-F-07", (), N_SELECTION + " (46 cases of Amnesty's field mission)"),
    Claim("AI-F-08", (), N_SELECTION + " (12 firearm deaths documented by Amnesty)"),
    Claim("AI-F-09", (), N_INJURED),
    Claim("AI-F-10", (Quantity("juliaca_deaths_9jan", 0,
                               _c(Scope(CLASH, "2023-01-09", "2023-01-09", events=("E07",))), "count"),),
          "Juliaca = event E07; persons of E07 with unknown date of death may have died on 9 January or later"),
    Claim("AI-F-11", (), N_NOT_DEATHS + " (audiovisual verification)"),
    # Amnesty, Lethal Racism, 25 May 2023 (scope Dec 2022 – Feb 2023)
    Claim("AI-L-01", (Quantity("clash_deaths", 0, _c(_civ("2023-02-28")), "count"),
                      Quantity("blockade_deaths", 1, _c(Scope(BLOCK, START, "2023-02-28")), "count"),
                      Quantity("police_deaths", 2, _c(Scope(POLICE, START, "2023-02-28")), "count")),
          N_CUTOFF + "; 49 is the Defensoría's count after Rosalino Flórez died on 21 March, past the stated period"),
    Claim("AI-L-02", (), "reporting period, not a quantity (used as a cut-off elsewhere)"),
    Claim("AI-L-03", (), N_SELECTION + "; 'elements of extrajudicial execution' is a legal assessment"),
    Claim("AI-L-04", (), N_SELECTION),
    Claim("AI-L-05", (), N_SELECTION),
    Claim("AI-L-06", (Quantity("civilian_deaths", 1, _c(_civ("2023-02-09")), "count"),),
          N_CUTOFF + "; the 49 is a total as of publication, the scope names 9 Feb"),
    Claim("AI-L-07", (), N_SELECTION),
    Claim("AI-L-08", (), N_SELECTION),
    Claim("AI-L-09", (Quantity("lima_deaths", 0, _c(Scope(None, START, "2023-02-09", departments=("Lima",))),
                               "count"),
                      Quantity("lima_indigenous_pct", 0, _indigenous_share("Lima"), "covariate", pick=1),
                      Quantity("ayacucho_deaths", 1, _c(Scope(None, START, "2023-02-09",
                                                              departments=("Ayacucho",))), "count"),
                      Quantity("ayacucho_indigenous_pct", 1, _indigenous_share("Ayacucho"), "covariate", pick=1)),
          "deaths of every context to Amnesty's period end (9 Feb); the Indigenous share is the census 2017 "
          "self-identification of persons 12+ (Amnesty's census and measure are not stated)"),
    Claim("AI-L-10", (Quantity("lima_indigenous_pct", 0, _indigenous_share("Lima"), "covariate"),
                      Quantity("lima_deaths", 1, _c(Scope(None, START, "2023-02-09", departments=("Lima",))),
                               "count")),
          "conflicts with Reuters' 20 % for the same passage; census 2017 self-identification, persons 12+"),
    Claim("AI-L-11", (), "qualitative statement on victims' backgrounds; the register records no ethnicity"),
    Claim("AI-L-12", (), N_NOT_DEATHS + " (audiovisual items)"),
    Claim("AI-L-13", (), "qualitative; see AI-L-09 for Lima's deaths"),
    Claim("AI-L-14", (), "number of pellets in one body; the register records the wound site only"),
    # Amnesty, Who Called the Shots, 18 Jul 2024 (scope Dec 2022 – Mar 2023)
    Claim("AI-W-01", (Quantity("civilian_deaths", 0, _c(_civ("2023-03-31")), "count"),
                      Quantity("police_deaths", 1, _c(Scope(POLICE, START, "2023-03-31")), "count")),
          N_CUTOFF + "; the 50th death the Ministerio Público counts was not identified by any source"),
    Claim("AI-W-02", (Quantity("civilian_deaths", 0, _c(_civ("2023-03-31")), "count"),
                      Quantity("police_deaths", 1, _c(Scope(POLICE, START, "2023-03-31")), "count")),
          "same figures as AI-W-01; injured and charges are not in the register"),
    Claim("AI-W-03", (), "rounds fired; not in the register"),
    Claim("AI-W-04", (), N_NOT_DEATHS + " (Council of Ministers sessions)"),
    Claim("AI-W-05", (), N_NOT_DEATHS + " (meetings)"),
    Claim("AI-W-06", (), "duration of firing; not in the register"),
    Claim("AI-W-07", (), N_NOT_DEATHS + " (page count)"),
    # Defensoría del Pueblo
    Claim("DP-01", (Quantity("deaths", 0, _c(Scope(None, "2022-12-11", "2022-12-12",
                                                   departments=("Apurímac", "Arequipa"))), "count"),
                    Quantity("minors", 1, _c(Scope(None, "2022-12-11", "2022-12-12",
                                                   departments=("Apurímac", "Arequipa"), age=MINOR)), "count")),
          "deaths of 11–12 Dec in Apurímac and Arequipa; some persons' dates were revised later (died of wounds)"),
    Claim("DP-02", (Quantity("clash_deaths", 0, _c(_civ("2022-12-16")), "count"),
                    Quantity("blockade_deaths", 1, _c(Scope(BLOCK, START, "2022-12-16")), "count")),
          N_CUTOFF + "; the article's date is approximate"),
    Claim("DP-03", (Quantity("clash_deaths", 0, _c(_civ("2022-12-17")), "count"),
                    Quantity("blockade_deaths", 1, _c(Scope(BLOCK, START, "2022-12-17")), "count"),
                    Quantity("minors", 4, _c(Scope(None, START, "2022-12-17", age=MINOR)), "count")),
          N_CUTOFF + "; " + N_AGE),
    Claim("DP-04", tuple(Quantity(f"clash_deaths_{_slug(dep)}", i, _c(_civ("2022-12-19", departments=(dep,))), "count",
                                  pick=0)
                         for i, dep in enumerate(("Apurímac", "Ayacucho", "Junín", "La Libertad", "Arequipa"))),
          N_CUTOFF + "; the department of a death is where it happened, as sources print it"),
    Claim("DP-05", (Quantity("total_deaths", 0, _c(Scope(None, START, "2023-01-10")), "count"),
                    Quantity("clash_deaths", 1, _c(_civ("2023-01-10")), "count"),
                    Quantity("blockade_deaths", 2, _c(Scope(BLOCK, START, "2023-01-10")), "count"),
                    Quantity("police_deaths", 3, _c(Scope(POLICE, START, "2023-01-10")), "count")), N_CUTOFF),
    Claim("DP-06", (Quantity("total_deaths", 0, _c(Scope(None, START, "2023-01-12")), "count"),
                    Quantity("clash_deaths", 1, _c(_civ("2023-01-12")), "count"),
                    Quantity("police_deaths", 2, _c(Scope(POLICE, START, "2023-01-12")), "count"),
                    Quantity("blockade_deaths", 3, _c(Scope(BLOCK, START, "2023-01-12")), "count")), N_CUTOFF),
    Claim("DP-07", (Quantity("clash_and_police_deaths", 0,
                             _c(Scope(CLASH + POLICE, START, "2023-01-17")), "count"),
                    Quantity("blockade_deaths", 1, _c(Scope(BLOCK, START, "2023-01-17")), "count")),
          N_CUTOFF + "; 42 = 41 civilians and one police officer; " + N_INJURED),
    Claim("DP-08", (Quantity("total_deaths", 0, _c(Scope(None, START, "2023-02-02")), "count"),
                    Quantity("clash_deaths", 1, _c(_civ("2023-02-02")), "count"),
                    Quantity("blockade_deaths", 2, _c(Scope(BLOCK, START, "2023-02-02")), "count")),
          N_CUTOFF + "; the headline total is inconsistent with its own components (see NOTES.md)"),
    Claim("DP-09", (Quantity("total_deaths", 0, _c(Scope(None, START, "2023-03-06")), "count"),
                    Quantity("clash_deaths", 1, _c(_civ("2023-03-06")), "count"),
                    Quantity("blockade_deaths", 2, _c(Scope(BLOCK, START, "2023-03-06")), "count"),
                    Quantity("police_deaths", 3, _c(Scope(POLICE, START, "2023-03-06")), "count")),
          N_CUTOFF + "; " + N_SOLDIERS + " (they are in the total); " + N_INJURED),
    Claim("DP-10", (Quantity("minors_killed", 0, _c(Scope(None, START, "2023-03-06", age=MINOR)), "count"),),
          N_AGE + "; " + N_INJURED),
    Claim("DP-11", (), N_NOT_DEATHS + " (state-of-emergency declarations)"),
    Claim("DP-12", (), "reporting period, not a quantity"),
    Claim("DP-13", (Quantity("total_deaths", 0, _c(Scope(None, START, "2023-03-22")), "count", pick=-1),
                    Quantity("clash_deaths", 1, _c(_civ("2023-03-22")), "count", pick=-1)),
          N_CUTOFF + "; " + N_SOLDIERS + " (they are in the total)"),
    Claim("DP-14", (), N_INJURED),
    Claim("DP-15", (Quantity("total_deaths", 0, _c(Scope(None, START, "2023-03-22")), "count"),
                    Quantity("clash_and_police_deaths", 1, _c(Scope(CLASH + POLICE, START, "2023-03-22")), "count"),
                    Quantity("blockade_deaths", 2, _c(Scope(BLOCK, START, "2023-03-22")), "count")),
          N_CUTOFF + "; " + N_SOLDIERS + " (RPP's 17 'linked to blockades' appears to include them)"),
    # Human Rights Watch
    Claim("HRW-01", (Quantity("deaths", 0, _c(Scope(None, START, "2022-12-19")), "count"),
                     Quantity("children", 1, _c(Scope(None, START, "2022-12-19", age=MINOR)), "count")),
          N_CUTOFF + "; " + N_AGE),
    Claim("HRW-02", (), "what MINSA had confirmed at the time, not the cause of death"),
    Claim("HRW-03", (), N_INJURED),
    Claim("HRW-04", (Quantity("civilian_deaths", 0, _c(_civ("2023-02-28")), "count"),
                     Quantity("children", 1, _c(_civ("2023-02-28", age=MINOR)), "count"),
                     Quantity("gunshot_deaths", 2, _c(_civ("2023-02-28", causes=("firearm_projectile",))), "count"),
                     Quantity("gunshot_share", 2, _s(_civ("2023-02-28"), Scope(causes=("firearm_projectile",))),
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
    Claim("CIDH-01", (Quantity("deaths", 0, _c(Scope(None, START, "2023-01-13")), "count"),
                      Quantity("adolescents", 1, _c(Scope(None, START, "2023-01-13", age=MINOR)), "count")),
          N_CUTOFF + "; " + N_AGE + "; " + N_INJURED),
    Claim("CIDH-02", (), "qualitative legal assessment"),
    Claim("CIDH-03", (), "qualitative statement on wound sites; see HRW-05"),
    Claim("CIDH-04", (Quantity("ayacucho_15dec_deaths", 0,
                               _c(Scope(CLASH, "2022-12-15", "2022-12-15", events=("E05",))), "count"),),
          "deaths on 15 Dec itself at the Ayacucho event (E05); later deaths of the wounded are not in it"),
    # United Nations
    Claim("UN-01", (Quantity("clash_deaths", 0, _c(_civ("2023-01-10")), "count"),), N_CUTOFF + "; " + N_INJURED),
    Claim("UN-02", (Quantity("juliaca_deaths_9jan", 0,
                             _c(Scope(CLASH, "2023-01-09", "2023-01-09", events=("E07",))), "count"),
                    Quantity("juliaca_minors_9jan", 1,
                             _c(Scope(CLASH, "2023-01-09", "2023-01-09", events=("E07",), age=MINOR)), "count"),
                    Quantity("police_deaths_10jan", 2,
                             _c(Scope(POLICE, "2023-01-10", "2023-01-10", events=("E07",))), "count")),
          "Juliaca = event E07; " + N_AGE),
    Claim("UN-03", (Quantity("juliaca_firearm_9jan", 0,
                             _c(Scope(CLASH, "2023-01-09", "2023-01-09", events=("E07",),
                                      causes=("firearm_projectile",))), "count"),
                    Quantity("juliaca_firearm_share_9jan", 0,
                             _s(Scope(CLASH, "2023-01-09", "2023-01-09", events=("E07",)),
                                Scope(causes=("firearm_projectile",))), "share", of=(0, 1))),
          "hospital sources at the time; " + N_CAUSE),
    Claim("UN-04", (Quantity("apurimac_deaths_11dec", 0,
                             _c(Scope(CLASH, "2022-12-11", "2022-12-11", departments=("Apurímac",))), "count"),),
          "deaths on 11 Dec in Apurímac"),
    Claim("UN-05", (Quantity("total_deaths", 0, _c(Scope(None, START, "2023-02-28")), "count"),
                    Quantity("clash_deaths", 1, _c(_civ("2023-02-28")), "count"),
                    Quantity("police_deaths", 2, _c(Scope(POLICE, START, "2023-02-28")), "count"),
                    Quantity("blockade_deaths", 3, _c(Scope(BLOCK, START, "2023-02-28")), "count")),
          N_CUTOFF + "; the article's date is known only to the month"),
    # Ministerio Público
    Claim("MP-01", (Quantity("total_deaths", 0, _c(Scope(CLASH + POLICE, START, "2023-01-13")), "count"),
                    Quantity("civilian_deaths", 1, _c(_civ("2023-01-13")), "count"),
                    Quantity("police_deaths", 2, _c(Scope(POLICE, START, "2023-01-13")), "count")),
          N_CUTOFF + "; the 42 are civilians in clashes and the police officer; " + N_INJURED),
    Claim("MP-02", (), N_NOT_DEATHS + " (investigations)"),
    Claim("MP-03", (Quantity("deaths", 0, _c(_civ("2023-03-31")), "count"),),
          N_CUTOFF + "; the prosecutors' 50 are deaths under investigation against police or military: read as "
          "civilians in clashes; " + N_INJURED),
    Claim("MP-04", (Quantity("share_aged_18_24", 0, _s(_civ("2023-03-31"), Scope(age=(18, 24))), "share"),
                    Quantity("puno_deaths", 1, _c(_civ("2023-03-31", departments=("Puno",))), "count")),
          "share among persons with a known age; " + N_CUTOFF),
    Claim("MP-05", (Quantity("minors_killed", 0, _c(_civ("2023-03-31", age=MINOR)), "count"),), N_AGE),
    Claim("MP-06", (Quantity("share_south", 0, _s(_civ("2023-03-31"), Scope(departments=SOUTH_FISCAL)), "share"),),
          "fiscal districts are read as the departments of the same names (their borders differ); share among "
          "persons with a known department; the injured shares are not in the register"),
    Claim("MP-07", (), N_NOT_DEATHS + " (investigated persons)"),
    Claim("MP-08", (Quantity("clash_deaths", 0, _c(_civ(None)), "count"),),
          "no period stated: every clash death in the register; the complaint's 44 covers the cases in that file"),
    Claim("MP-09", (), N_NOT_DEATHS + " (investigations)"),
    Claim("MP-10", (), N_NOT_DEATHS + " (police under investigation)"),
    # Associated Press
    Claim("AP-01", (Quantity("bullet_deaths", 0, _c(_civ("2023-02-28", causes=("firearm_projectile",))), "count"),
                    Quantity("bullet_share", 0, _s(_civ("2023-02-28"), Scope(causes=("firearm_projectile",))),
                             "share", of=(0, 1))),
          "AP read only the forensic reports it obtained; " + N_CAUSE),
    Claim("AP-02", (), N_SELECTION + " (the 32 forensic reports AP obtained)"),
    Claim("AP-03", (), "qualitative statement on wound sites; see HRW-05"),
    # MINSA and events
    Claim("MINSA-01", tuple(Quantity(f"deaths_{_slug(dep)}", i, _c(Scope(CLASH + BLOCK, START, "2022-12-18",
                                                                  departments=(dep,))), "count", pick=-1)
                            # part 0 is "25 total: Ayacucho 9": the department's number is the last one
                            for i, dep in enumerate(("Ayacucho", "Apurímac", "Cusco", "Junín", "La Libertad",
                                                     "Arequipa"))),
          N_CUTOFF + "; deaths in clashes and blockades together, as MINSA counted them"),
    Claim("MINSA-02", (), N_INJURED),
    Claim("MINSA-03", (Quantity("cusco_firearm_death_11jan", 2,
                                _c(Scope(CLASH, "2023-01-11", "2023-01-11", departments=("Cusco",),
                                         causes=("firearm_projectile",))), "count"),),
          "deaths on 11 Jan in Cusco by firearm; " + N_INJURED),
    Claim("ML-01", (), "projectiles lodged in bodies is a forensic detail the register does not record"),
    Claim("EV-AYA-01", (Quantity("deaths", 0, _c(Scope(CLASH, "2022-12-15", None, events=("E05",))), "count"),),
          "all deaths of the Ayacucho event (E05), including the wounded who died later; " + N_INJURED),
    Claim("EV-AYA-02", (Quantity("died", 1, _c(Scope(CLASH, "2022-12-15", "2022-12-22", events=("E05",))),
                                 "count"),),
          "deaths of the Ayacucho event (E05) to the report's date; " + N_INJURED),
    Claim("EV-AYA-03", (Quantity("deaths", 0, _c(Scope(CLASH, "2022-12-15", "2022-12-18", events=("E05",))),
                                 "count"),),
          "deaths of the Ayacucho event (E05) to 18 Dec; " + N_INJURED),
    Claim("EV-JUL-01", (Quantity("deaths", 0, _c(Scope(CLASH, "2023-01-09", "2023-01-09", events=("E07",))),
                                 "count"),),
          "Juliaca = event E07, deaths on 9 Jan; " + N_INJURED),
    Claim("EV-JUL-02", (Quantity("civilian_deaths", 0, _c(Scope(CLASH, "2023-01-09", "2023-01-12",
                                                               events=("E07",))), "count"),),
          "civilian deaths of event E07 to 12 Jan"),
    Claim("EV-JUL-03", (), N_NOT_DEATHS + " (police deployed)"),
    Claim("EV-CUS-01", (Quantity("death", 0, _c(Scope(CLASH, "2023-01-11", "2023-01-11", departments=("Cusco",))),
                                 "count"),),
          "deaths on 11 Jan in Cusco; " + N_INJURED),
    Claim("EV-AND-01", (Quantity("deaths", 0, _c(Scope(CLASH, "2022-12-11", "2022-12-11", events=("E01",))),
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
            raise ValueError(f"claim {cid!r} listed twice in analysis.claims.CLAIMS")
        seen.add(cid)
    unknown = sorted(seen - set(claims["claim_id"]))
    if unknown:
        raise RawDataError(file, None, "claim_id", f"claims table lists ids the file lacks: {unknown}")
    missing = [c for c in claims["claim_id"] if c not in seen]
    if missing:
        i = int(np.flatnonzero(claims["claim_id"].eq(missing[0]).to_numpy())[0])
        raise RawDataError(file, data_row(i), "claim_id", f"claim not in analysis.claims.CLAIMS: {missing}")
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


def _reason(kind: str, published: float, qual: str, r: Result, note: str) -> tuple[bool, str]:
    """(consistent, reason): the rule for a difference, with the numbers filled in from the computation.
    Consistent = the published value lies in the range over unknowns (for shares also: in the exact interval);
    an "at least"/"more than" value is consistent when the register can reach it."""
    lo, hi = (r.bound_low, r.bound_high)
    if kind == "share":  # a share is consistent when inside its exact interval or its bounds over unknowns
        lo, hi = min(lo, r.low), max(hi, r.high)
    fits = (published <= hi) if qual in ("at_least", "more_than") else (lo - 1e-9 <= published <= hi + 1e-9)
    tol = "interval or bounds" if kind == "share" else "range"
    if kind == "covariate":
        head = ("consistent: published value within the census figure's bounds" if fits else
                "differs from the census 2017 figure the suite uses (the publisher's census measure, age base and "
                "rounding are not stated)")
    elif fits:
        head = f"consistent: published value within the register's {tol}"
    elif published > hi:
        head = (f"published above the register's {tol}: the source counts deaths the register cannot place in "
                "this scope (not individually identified, or outside the register's population)")
    else:
        head = (f"published below the register's {tol}: the register holds more persons certainly in scope "
                "(a count published before later deaths were known, a narrower case list, or a different "
                "date or place of death)")
    return bool(fits), "; ".join(x for x in (head, r.unknown_note, note) if x)


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
            value, qual, raw = published_number(rec.quantity, q.part, q.pick)
            if q.of is not None:  # "39 of 49" → percent
                den, _, den_raw = published_number(rec.quantity, *q.of)
                value, raw = 100 * value / den, raw if den_raw == raw else f"{raw} of {den_raw}"
            r = q.compute(tables)
            fits, reason = _reason(q.kind, value, qual, r, c.note)
            rows.append({**base, "status": "addressed", "quantity": q.name, "kind": q.kind,
                         "unit": "persons" if q.kind == "count" else "percent", "published_raw": raw,
                         "published": value, "qualifier": qual, "reproduced": r.value,
                         "ci_low": r.low if q.kind == "share" else np.nan,  # exact (Clopper–Pearson)
                         "ci_high": r.high if q.kind == "share" else np.nan,
                         "range_low": r.bound_low, "range_high": r.bound_high,
                         "difference": value - r.value, "consistent": fits, "definition": r.definition,
                         "reason": reason})
    cols = ["claim_id", "publisher", "published_date", "status", "quantity", "kind", "unit", "published_raw",
            "published", "qualifier", "reproduced", "ci_low", "ci_high", "range_low", "range_high", "difference",
            "consistent", "definition", "reason"]
    return pd.DataFrame(rows).reindex(columns=cols)


# ---------------------------------------------------------------- notebook 07: addressed rows, recorded numbers, prose
def fmt_number(x, digits: int = 0) -> str:
    """A number for prose with `digits` decimals, no thousands separator (analysis.text.num)."""
    return text.num(x, digits, thousands=False)


def fmt_range(r) -> str:
    """"low–high" of a comparison row: persons certainly .. possibly in scope."""
    return f"{fmt_number(r.range_low)}–{fmt_number(r.range_high)}"


def addressed(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of compare() the register could address, with `consistent` as a boolean column."""
    addr = table[table["status"] == "addressed"].copy()
    addr["consistent"] = addr["consistent"].astype(bool)
    return addr


def addressed_row(addr: pd.DataFrame, claim_id: str, quantity: str) -> pd.Series:
    """The one row of `claim_id`.`quantity`; a pair the table lacks is an error naming it (not an IndexError)."""
    hit = addr[(addr["claim_id"] == claim_id) & (addr["quantity"] == quantity)]
    if len(hit) != 1:
        raise KeyError(f"{claim_id}.{quantity}: {len(hit)} rows in the comparison table, expected 1")
    return hit.iloc[0]


def record_reproduced(numbers, addr: pd.DataFrame) -> None:
    """Record each recomputed quantity as <claim_id>.<quantity>: a count with its certain..possible range, a share
    (percent) with its exact interval (none when undefined) and the range over unknowns in the definition."""
    for r in addr.itertuples():
        if r.kind == "count":
            numbers.add(f"{r.claim_id}.{r.quantity}", int(r.reproduced), unit="persons",
                        interval=(r.range_low, r.range_high),
                        definition=f"persons certainly in scope ({r.definition}); interval = certainly .. possibly "
                                   "in scope")
        else:
            numbers.add(f"{r.claim_id}.{r.quantity}", r.reproduced, unit="percent",
                        interval=None if np.isnan(r.ci_low) else (r.ci_low, r.ci_high),
                        definition=f"{r.definition}; interval = exact Clopper-Pearson 95 % "
                                   f"(range over unknowns {fmt_number(r.range_low, 1)}-{fmt_number(r.range_high, 1)})")
