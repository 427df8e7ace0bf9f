"""Descriptive tables of the victims register: deaths over time, events, age, sex, cause × force.

Every table keeps "unknown" as its own category and its counts add up to the number of persons given, so a
reader can always see how many persons a statement does *not* cover.
"""
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis import vocab
from ..errors import RawDataError, data_row

# Coded levels of the victims table (docs/CONTRACTS.md). Order = display order; "unknown" last but one,
# "not_applicable" last, so they stay visible as categories of their own.
# Category levels come from the one place vocabularies live (analysis.vocab), in its order.
LEVELS = {name: tuple(codes) for name, codes in
          (("sex", vocab.SEX), ("context", vocab.CONTEXT), ("cause", vocab.CAUSE), ("wound", vocab.WOUND),
           ("force", vocab.FORCE))}
REQUIRED = ("victim_id", "identified", "age_years", "sex", "date_injury", "date_death", "ubigeo_dep",
            "department", "event_id", "context", "cause", "wound", "force")
UNKNOWN = "unknown"
NO_EVENT = "(no event)"

# Age bands in completed years; 18-24 matches the Ministerio Público's published "42 % aged 18-24".
AGE_BANDS = ((0, 13, "0-13"), (14, 17, "14-17"), (18, 24, "18-24"), (25, 34, "25-34"), (35, 44, "35-44"),
             (45, 59, "45-59"), (60, 200, "60+"))


def read_victims(path) -> pd.DataFrame:
    """Read processed victims.csv as text, then type the few columns the statistics need.

    Empty cells stay missing (never filled); a value outside the coded levels fails with file, row and field.
    """
    path = Path(path)
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    return validate_victims(df, path.name)


def validate_victims(df: pd.DataFrame, file: str = "victims") -> pd.DataFrame:
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise RawDataError(file, None, missing[0], f"required column(s) missing: {missing}")
    out = df.copy()
    for field, levels in LEVELS.items():
        values = out[field].astype(str)
        bad = ~values.isin(levels)
        if bad.any():
            i = int(bad.to_numpy().nonzero()[0][0])
            raise RawDataError(file, data_row(i), field, f"value {values.iloc[i]!r} not one of {levels}")
        out[field] = values
    out["age_years"] = _ints(out["age_years"], file, "age_years")
    for col in ("date_injury", "date_death"):
        out[col] = _dates(out[col], file, col)
    dep = out["ubigeo_dep"].astype("string").str.strip().replace("", pd.NA)
    bad = dep.notna() & ~dep.fillna("").str.fullmatch(r"\d{2}")
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        raise RawDataError(file, data_row(i), "ubigeo_dep", f"not a 2-digit INEI code: {dep.iloc[i]!r}")
    out["ubigeo_dep"] = dep
    out["event_id"] = out["event_id"].astype("string").str.strip().replace("", pd.NA)
    return out


def _ints(s: pd.Series, file, field) -> pd.Series:
    text = s.astype("string").str.strip().replace("", pd.NA)
    num = pd.to_numeric(text, errors="coerce")
    bad = text.notna() & (num.isna() | (num % 1 != 0) | (num < 0))
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        raise RawDataError(file, data_row(i), field, f"not a non-negative integer: {text.iloc[i]!r}")
    return num.astype("Int64")


def _dates(s: pd.Series, file, field) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(s):
        return s
    text = s.astype("string").str.strip().replace("", pd.NA)
    parsed = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    bad = text.notna() & parsed.isna()
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        raise RawDataError(file, data_row(i), field, f"not an ISO date (YYYY-MM-DD): {text.iloc[i]!r}")
    return parsed


def in_window(victims: pd.DataFrame, end=None, contexts=None, start=None) -> pd.DataFrame:
    """Persons in scope: context in `contexts` (None = all) and died on or before `end`.

    Persons whose death date is unknown are kept (dropping them would silently shrink every count);
    callers report how many there are with `n_undated`.
    """
    keep = pd.Series(True, index=victims.index)
    if contexts is not None:
        keep &= victims["context"].isin(list(contexts))
    d = victims["date_death"]
    if end is not None:
        keep &= d.isna() | (d <= pd.Timestamp(end))
    if start is not None:
        keep &= d.isna() | (d >= pd.Timestamp(start))
    return victims.loc[keep].copy()


def as_category(s: pd.Series) -> pd.Series:
    """Text values with empty and missing both shown as the category "unknown"."""
    return s.astype("string").str.strip().replace("", pd.NA).fillna(UNKNOWN)


def n_undated(victims: pd.DataFrame) -> int:
    return int(victims["date_death"].isna().sum())


# ---------------------------------------------------------------- deaths over time
@dataclass(frozen=True)
class DailySeries:
    """Deaths per day in a closed window [start, end], zero days filled.

    A filled zero means "no death with that date in this register". That is a real zero only inside the window the
    register covers; outside it the register simply says nothing. `undated` (deaths with no date) and `outside`
    (dated outside the window) are per group, so table + undated + outside = persons.
    """
    table: pd.DataFrame  # date, group, deaths, cumulative
    undated: pd.Series
    outside: pd.Series
    start: pd.Timestamp
    end: pd.Timestamp

    def total(self) -> int:
        return int(self.table["deaths"].sum() + self.undated.sum() + self.outside.sum())


def deaths_per_day(victims: pd.DataFrame, by: str | None = None, start=None, end=None,
                   date_col: str = "date_death") -> DailySeries:
    """Daily and cumulative deaths, one row per (date, group) for every day of the window.

    `by` = a column (e.g. "department", "context"); None = one series "all". Missing group values are the
    group "unknown". Window defaults to the first..last dated death.
    """
    dates = victims[date_col]
    groups = (as_category(victims[by]) if by else pd.Series("all", index=victims.index, dtype="string"))
    start = pd.Timestamp(start) if start is not None else dates.min()
    end = pd.Timestamp(end) if end is not None else dates.max()
    if pd.isna(start) or pd.isna(end):
        raise ValueError("no dated deaths and no window given: the daily series is undefined")
    if start > end:
        raise ValueError(f"window start {start.date()} after end {end.date()}")
    levels = sorted(groups.unique())
    inside = dates.notna() & (dates >= start) & (dates <= end)
    counts = (pd.DataFrame({"date": dates[inside], "group": groups[inside]})
              .groupby(["date", "group"]).size())
    full = pd.MultiIndex.from_product([pd.date_range(start, end, freq="D"), levels], names=["date", "group"])
    table = counts.reindex(full, fill_value=0).rename("deaths").reset_index()
    table["deaths"] = table["deaths"].astype(int)
    table["cumulative"] = table.groupby("group")["deaths"].cumsum().astype(int)
    table = table.sort_values(["group", "date"], kind="stable").reset_index(drop=True)
    undated = groups[dates.isna()].value_counts().reindex(levels, fill_value=0).astype(int)
    outside = groups[dates.notna() & ~inside].value_counts().reindex(levels, fill_value=0).astype(int)
    return DailySeries(table, undated, outside, start, end)


# ---------------------------------------------------------------- events
def events_table(victims: pd.DataFrame, events: pd.DataFrame | None = None) -> pd.DataFrame:
    """Persons per event with first/last death date and department(s).

    Persons linked to no event form the row "(no event)", so the persons column sums to len(victims).
    `events` (optional, with event_id and any descriptive columns such as label) is joined on event_id;
    an event_id in the victims that the events table lacks fails loudly.
    """
    v = victims.assign(event_id=victims["event_id"].astype("string").fillna(NO_EVENT))
    g = v.groupby("event_id", sort=True)
    table = pd.DataFrame({
        "persons": g.size().astype(int),
        "first_death": g["date_death"].min().dt.strftime("%Y-%m-%d"),
        "last_death": g["date_death"].max().dt.strftime("%Y-%m-%d"),
        "undated": g["date_death"].apply(lambda s: int(s.isna().sum())).astype(int),
        "departments": g["department"].apply(_join_unique),
    }).reset_index()
    if events is not None:
        known = set(events["event_id"].astype(str))
        unknown = sorted(set(table["event_id"]) - known - {NO_EVENT})
        if unknown:
            raise RawDataError("events", None, "event_id", f"event ids in victims but not in events: {unknown}")
        table = table.merge(events.astype({"event_id": str}), on="event_id", how="left", suffixes=("", "_event"))
    return table.sort_values("event_id", key=lambda s: s.eq(NO_EVENT), kind="stable").reset_index(drop=True)


def _join_unique(s: pd.Series) -> str:
    vals = sorted(as_category(s).unique())
    return " ; ".join(vals)


# ---------------------------------------------------------------- age and sex
def age_band(age) -> str:
    if pd.isna(age):
        return UNKNOWN
    for low, high, label in AGE_BANDS:
        if low <= int(age) <= high:
            return label
    raise ValueError(f"age {age!r} outside every band")


def age_table(victims: pd.DataFrame) -> pd.DataFrame:
    """Persons per age band, every band shown (zero included), unknown ages as the band "unknown"."""
    labels = [b[2] for b in AGE_BANDS] + [UNKNOWN]
    bands = victims["age_years"].map(age_band)
    counts = bands.value_counts().reindex(labels, fill_value=0).astype(int)
    return _with_share(counts.rename_axis("age_band"))


def minors(victims: pd.DataFrame, adult_age: int = 18) -> dict:
    """Minors (< adult_age), adults, unknown age: three counts that sum to the persons given."""
    age = victims["age_years"]
    n_minor = int((age < adult_age).fillna(False).sum())
    n_unknown = int(age.isna().sum())
    return {"minors": n_minor, "adults": len(victims) - n_minor - n_unknown, "unknown_age": n_unknown,
            "persons": len(victims)}


def category_table(victims: pd.DataFrame, field: str, levels=None) -> pd.DataFrame:
    """Persons per coded level of `field`, every level shown (zero included), with share of all persons."""
    levels = tuple(levels or LEVELS[field])
    values = as_category(victims[field])
    extra = sorted(set(values) - set(levels))
    if extra:
        raise ValueError(f"{field}: values {extra} not among levels {levels}")
    return _with_share(values.value_counts().reindex(levels, fill_value=0).astype(int).rename_axis(field))


def _with_share(counts: pd.Series) -> pd.DataFrame:
    total = int(counts.sum())
    out = counts.rename("persons").reset_index()
    out["share"] = out["persons"] / total if total else float("nan")
    return out


def crosstab(victims: pd.DataFrame, row: str, col: str, margins: bool = True) -> pd.DataFrame:
    """Persons by two coded fields (e.g. cause × force); all levels kept, zero cells shown, margins "total"."""
    r = pd.Categorical(as_category(victims[row]), categories=list(LEVELS[row]))
    c = pd.Categorical(as_category(victims[col]), categories=list(LEVELS[col]))
    if pd.isna(r).any() or pd.isna(c).any():
        raise ValueError(f"{row}/{col}: values outside the coded levels")
    tab = pd.crosstab(r, c, dropna=False).reindex(index=list(LEVELS[row]), columns=list(LEVELS[col]),
                                                  fill_value=0).astype(int)
    tab.index.name, tab.columns.name = row, col
    if margins:
        tab["total"] = tab.sum(axis=1)
        tab.loc["total"] = tab.sum(axis=0)
    return tab


def iso_dates(table: pd.DataFrame) -> pd.DataFrame:
    """The table with its `date` column as 'YYYY-MM-DD' text (how daily tables are written and plotted data saved)."""
    return table.assign(date=table["date"].dt.strftime("%Y-%m-%d"))


def pool_groups(table: pd.DataFrame, top: int = 7, other: str = "other departments") -> tuple[pd.DataFrame, list]:
    """A DailySeries table with all but the `top` groups by total deaths (ties by name) pooled into `other`;
    deaths and cumulative recomputed per (date, group). Returns (table, group order: top groups, then `other`)."""
    totals = table.groupby("group")["deaths"].sum().sort_values(ascending=False, kind="stable")
    keep = list(totals.index[:top])
    pooled = table.assign(group=table["group"].where(table["group"].isin(keep), other))
    pooled = pooled.groupby(["date", "group"], as_index=False)[["deaths"]].sum()
    pooled["cumulative"] = pooled.groupby("group")["deaths"].cumsum()
    return pooled, keep + ([other] if (pooled["group"] == other).any() else [])
