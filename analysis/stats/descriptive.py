"""Descriptive tables of the victims register: deaths over time, events, age, sex, cause × force.

Every table keeps "unknown" as its own category and its counts add up to the number of persons given, so a
reader can always see how many persons a statement does *not* cover. The persons come from `analysis.register.scope`
(load_register, then select); dates stay ISO text and are placed on a day only when certain to the day.
"""
from dataclasses import dataclass

import pandas as pd

from analysis.register import vocab
from analysis.errors import RawDataError

# Coded levels of the victims table (docs/CONTRACTS.md). Order = display order; "unknown" last but one,
# "not_applicable" last, so they stay visible as categories of their own.
# Category levels come from the one place vocabularies live (analysis.register.vocab), in its order.
LEVELS = {name: tuple(codes) for name, codes in
          (("sex", vocab.SEX), ("context", vocab.CONTEXT), ("cause", vocab.CAUSE), ("wound", vocab.WOUND),
           ("force", vocab.FORCE))}
UNKNOWN = "unknown"
NO_EVENT = "(no event)"

# Age bands in completed years; 18-24 matches the Ministerio Público's published "42 % aged 18-24".
AGE_BANDS = ((0, 13, "0-13"), (14, 17, "14-17"), (18, 24, "18-24"), (25, 34, "25-34"), (35, 44, "35-44"),
             (45, 59, "45-59"), (60, 200, "60+"))


def as_category(s: pd.Series) -> pd.Series:
    """Text values with empty and missing both shown as the category "unknown"."""
    return s.astype("string").str.strip().replace("", pd.NA).fillna(UNKNOWN)


# ---------------------------------------------------------------- deaths over time
def on_one_day(persons: pd.DataFrame, what: str = "death") -> pd.Series:
    """True where the person's date interval is one day (date_<what>_min == date_<what>_max): only those are
    placed on a day."""
    lo, hi = persons[f"date_{what}_min"], persons[f"date_{what}_max"]
    return (lo.notna() & hi.notna() & (lo.astype("string") == hi.astype("string"))).astype(bool)


@dataclass(frozen=True)
class DailySeries:
    """Deaths per day in a closed window [start, end], zero days filled.

    A person is placed on a day only when the date of death is certain to the day (death_min == death_max); the
    others are in `spanning` (victim_id, group, date_min, date_max, days: the interval's length, NA when a side is
    unbounded), never dropped. `possible` (per date and group) adds to `deaths` the spanning persons whose interval
    contains that day: the most the day could have had. A filled zero means "no death certainly on that day in this
    register", a real zero only inside the window the register covers. `outside` counts persons certain to a day
    outside the window, per group, so deaths + spanning + outside = persons.
    """
    table: pd.DataFrame  # date, group, deaths, cumulative, possible
    spanning: pd.DataFrame
    outside: pd.Series
    start: pd.Timestamp
    end: pd.Timestamp

    def total(self) -> int:
        return int(self.table["deaths"].sum() + len(self.spanning) + self.outside.sum())


def deaths_per_day(persons: pd.DataFrame, by: str | None = None, start=None, end=None) -> DailySeries:
    """Daily and cumulative deaths of the persons certain to a day, one row per (date, group) for every day of the
    window, and the persons whose date of death spans several days (see DailySeries).

    `by` = a column (e.g. "department", "context"); None = one series "all". Missing group values are the group
    "unknown". Window defaults to the first..last day on which a person is placed.
    """
    one_day = on_one_day(persons)
    dates = pd.to_datetime(persons["date_death_min"].where(one_day), format="%Y-%m-%d")
    groups = as_category(persons[by]) if by else pd.Series("all", index=persons.index, dtype="string")
    start = pd.Timestamp(start) if start is not None else dates.min()
    end = pd.Timestamp(end) if end is not None else dates.max()
    if pd.isna(start) or pd.isna(end):
        raise ValueError("no death certain to a day and no window given: the daily series is undefined")
    if start > end:
        raise ValueError(f"window start {start.date()} after end {end.date()}")
    levels = sorted(groups.unique())
    inside = one_day & (dates >= start) & (dates <= end)
    counts = pd.DataFrame({"date": dates[inside], "group": groups[inside]}).groupby(["date", "group"]).size()
    days = pd.date_range(start, end, freq="D")
    full = pd.MultiIndex.from_product([days, levels], names=["date", "group"])
    table = counts.reindex(full, fill_value=0).rename("deaths").reset_index()
    table["deaths"] = table["deaths"].astype(int)
    table["cumulative"] = table.groupby("group")["deaths"].cumsum().astype(int)
    span = persons.loc[~one_day]
    spanning = pd.DataFrame({"victim_id": span["victim_id"], "group": groups[~one_day],
                             "date_min": span["date_death_min"], "date_max": span["date_death_max"]})
    lo = pd.to_datetime(spanning["date_min"], format="%Y-%m-%d")
    hi = pd.to_datetime(spanning["date_max"], format="%Y-%m-%d")
    spanning["days"] = ((hi - lo).dt.days + 1).astype("Int64")
    extra = pd.Series(0, index=full)
    for g, a, z in zip(spanning["group"], lo.fillna(start).clip(lower=start), hi.fillna(end).clip(upper=end)):
        if a <= z:
            extra.loc[[(d, g) for d in pd.date_range(a, z, freq="D")]] += 1
    table["possible"] = table["deaths"] + extra.to_numpy()
    table = table.sort_values(["group", "date"], kind="stable").reset_index(drop=True)
    outside = groups[one_day & ~inside].value_counts().reindex(levels, fill_value=0).astype(int)
    return DailySeries(table, spanning.reset_index(drop=True), outside, start, end)


def peak_day(series: DailySeries, group: str = "all") -> dict:
    """The deadliest day of one group, from the persons certain to a day: date, deaths (certain) and possible (the
    bound: deaths plus the persons whose interval contains that day). `rivals` are the other days whose possible
    count reaches the peak's certain count: for them the order is not established by the certain persons."""
    t = series.table[series.table["group"] == group]
    if t.empty:
        raise ValueError(f"no group {group!r} in the daily series")
    peak = t.sort_values(["deaths", "date"], ascending=[False, True], kind="stable").iloc[0]
    rivals = t[(t["date"] != peak["date"]) & (t["possible"] >= peak["deaths"])]
    return {"date": peak["date"], "deaths": int(peak["deaths"]), "possible": int(peak["possible"]),
            "rivals": [d.strftime("%Y-%m-%d") for d in rivals["date"]]}


# ---------------------------------------------------------------- events
def events_table(victims: pd.DataFrame, events: pd.DataFrame | None = None) -> pd.DataFrame:
    """Persons per event with the earliest and latest bound of their dates of death and department(s).

    first_death / last_death: the earliest lower bound and the latest upper bound among the persons' death
    intervals (empty where none is bounded); not_on_one_day: persons whose date of death is not certain to a day.
    Persons linked to no event form the row "(no event)", so the persons column sums to len(victims).
    `events` (optional, with event_id and any descriptive columns such as label) is joined on event_id;
    an event_id in the victims that the events table lacks fails loudly.
    """
    v = victims.assign(event_id=victims["event_id"].astype("string").fillna(NO_EVENT),
                       _lo=victims["date_death_min"].astype("string"), _hi=victims["date_death_max"].astype("string"),
                       _span=~on_one_day(victims))
    g = v.groupby("event_id", sort=True)
    table = pd.DataFrame({
        "persons": g.size().astype(int),
        "first_death": g["_lo"].min(),
        "last_death": g["_hi"].max(),
        "not_on_one_day": g["_span"].sum().astype(int),
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
    pooled = pooled.groupby(["date", "group"], as_index=False)[["deaths"]].sum()  # possible: not additive per day
    pooled["cumulative"] = pooled.groupby("group")["deaths"].cumsum()
    return pooled, keep + ([other] if (pooled["group"] == other).any() else [])
