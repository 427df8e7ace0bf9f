"""Descriptive tables checked against independent pandas computations on synthetic registers."""
import pandas as pd
import pytest

from analysis.errors import RawDataError
from analysis.stats import descriptive as D
from tests.registers import as_register

# The synthetic register lives in tests/conftest.py (fixture make_victims). Re-exported for the tests of notebook 05
# that still import it from here; remove once they take the fixture.


@pytest.fixture
def victims(make_victims):
    return make_victims()


def one_day(v: pd.DataFrame) -> pd.Series:
    """Independent of the package: a person is on a day when both bounds are given and equal."""
    return v["date_death_min"].notna() & (v["date_death_min"] == v["date_death_max"])


def test_synthetic_register_has_each_kind_of_interval(victims):
    assert one_day(victims).sum() > 0 and victims["date_death_min"].isna().sum() > 0
    assert (victims["date_death_min"] < victims["date_death_max"]).sum() > 0


def test_daily_series_places_only_one_day_persons_and_fills_zero_days(victims):
    s = D.deaths_per_day(victims)
    assert s.total() == len(victims)
    assert set(s.spanning["victim_id"]) == set(victims.loc[~one_day(victims), "victim_id"])
    placed = victims.loc[one_day(victims), "date_death_min"]
    ndays = (pd.Timestamp(placed.max()) - pd.Timestamp(placed.min())).days + 1
    assert len(s.table) == ndays and s.table["date"].is_unique
    expected = placed.value_counts()
    got = s.table.assign(date=s.table["date"].dt.strftime("%Y-%m-%d")).set_index("date")["deaths"]
    assert (got[expected.index] == expected).all() and got.drop(expected.index).eq(0).all()
    assert s.table["cumulative"].iloc[-1] == s.table["deaths"].sum()


def test_spanning_persons_carry_their_interval_and_length(victims):
    s = D.deaths_per_day(victims).spanning.set_index("victim_id")
    v = victims.set_index("victim_id").loc[s.index]
    assert s["date_min"].equals(v["date_death_min"]) and s["date_max"].equals(v["date_death_max"])
    bounded = v["date_death_min"].notna() & v["date_death_max"].notna()
    length = (pd.to_datetime(v["date_death_max"]) - pd.to_datetime(v["date_death_min"])).dt.days + 1
    assert s.loc[bounded, "days"].astype(int).tolist() == length[bounded].astype(int).tolist()
    assert s.loc[~bounded, "days"].isna().all()


def test_possible_per_day_adds_every_interval_containing_the_day(victims):
    s = D.deaths_per_day(victims, start="2022-12-07", end="2023-03-31")
    t = s.table.set_index("date")
    for day in pd.to_datetime(["2022-12-20", "2023-01-09", "2023-02-14"]):
        iso = day.strftime("%Y-%m-%d")
        lo = victims["date_death_min"].fillna("0000-01-01")
        hi = victims["date_death_max"].fillna("9999-12-31")
        contains = (lo <= iso) & (hi >= iso)
        assert t.loc[day, "possible"] == contains.sum()
        assert t.loc[day, "deaths"] == (contains & one_day(victims)).sum()


def test_peak_day_is_from_certain_persons_with_the_possible_bound():
    rows = [{"victim_id": f"A{i}", "date_death": "2023-01-09", "context": "clash"} for i in range(3)]
    rows += [{"victim_id": f"B{i}", "date_death": "2022-12-15", "context": "clash"} for i in range(2)]
    v = as_register(pd.DataFrame(rows + [{"victim_id": "C", "date_death": "", "context": "clash"}]))
    v.loc[v["victim_id"] == "C", ["date_death_min", "date_death_max"]] = ["2022-12-14", "2022-12-16"]
    peak = D.peak_day(D.deaths_per_day(v, start="2022-12-07", end="2023-01-31"))
    assert (peak["date"], peak["deaths"], peak["possible"]) == (pd.Timestamp("2023-01-09"), 3, 3)
    assert peak["rivals"] == ["2022-12-15"]  # 2 certain + C possibly: reaches 3, order not established
    with pytest.raises(ValueError, match="no group"):
        D.peak_day(D.deaths_per_day(v), group="Puno")


def test_daily_series_by_department_and_window(victims):
    s = D.deaths_per_day(victims, by="department", start="2023-01-01", end="2023-01-31")
    assert s.total() == len(victims)
    groups = victims["department"].fillna("unknown")
    assert set(s.table["group"]) == set(groups)
    assert len(s.table) == 31 * groups.nunique()
    d = victims["date_death_min"].where(one_day(victims))
    inside = d.notna() & (d >= "2023-01-01") & (d <= "2023-01-31")
    assert s.table["deaths"].sum() == inside.sum()
    assert s.outside.sum() == (d.notna() & ~inside).sum()
    last = s.table.groupby("group")["cumulative"].last()
    assert last.to_dict() == groups[inside].value_counts().reindex(last.index, fill_value=0).to_dict()


def test_daily_series_rejects_reversed_window(victims):
    with pytest.raises(ValueError, match="after end"):
        D.deaths_per_day(victims, start="2023-02-01", end="2023-01-01")


def test_events_table_counts(victims):
    t = D.events_table(victims)
    assert t["persons"].sum() == len(victims)
    assert t["event_id"].iloc[-1] == D.NO_EVENT
    exp = victims.groupby("event_id").size()
    assert t.set_index("event_id")["persons"].drop(D.NO_EVENT).to_dict() == exp.to_dict()
    assert t.set_index("event_id").loc[D.NO_EVENT, "persons"] == victims["event_id"].isna().sum()
    spans = (~one_day(victims)).groupby(victims["event_id"].fillna(D.NO_EVENT)).sum()
    assert t.set_index("event_id")["not_on_one_day"].to_dict() == spans.to_dict()
    e01 = victims[victims["event_id"] == "E01"]
    assert t.set_index("event_id").loc["E01", "first_death"] == e01["date_death_min"].min()


def test_events_table_joins_and_rejects_unknown_event(victims):
    ev = pd.DataFrame({"event_id": ["E01", "E02", "E03", "E04"], "label": list("abcd")})
    t = D.events_table(victims, ev)
    assert t.set_index("event_id").loc["E02", "label"] == "b"
    with pytest.raises(RawDataError, match="E04"):
        D.events_table(victims, ev.iloc[:3])


def test_age_table_and_minors(victims):
    t = D.age_table(victims)
    assert t["persons"].sum() == len(victims)
    assert t.set_index("age_band").loc["unknown", "persons"] == victims["age_years"].isna().sum()
    bins = pd.cut(victims["age_years"].astype(float), [-1, 13, 17, 24, 34, 44, 59, 200],
                  labels=[b[2] for b in D.AGE_BANDS])
    assert t.set_index("age_band")["persons"].drop("unknown").to_dict() == bins.value_counts().to_dict()
    m = D.minors(victims)
    assert m["minors"] + m["adults"] + m["unknown_age"] == len(victims)
    assert m["minors"] == int((victims["age_years"].dropna() < 18).sum())


def test_age_band_edges():
    assert [D.age_band(a) for a in (13, 14, 17, 18, 24, 25, 60)] == ["0-13", "14-17", "14-17", "18-24", "18-24",
                                                                       "25-34", "60+"]
    assert D.age_band(pd.NA) == "unknown"


def test_category_table_keeps_all_levels(victims):
    t = D.category_table(victims.iloc[:5], "cause")
    assert list(t["cause"]) == list(D.LEVELS["cause"]) and t["persons"].sum() == 5
    assert t.set_index("cause")["persons"].to_dict() == \
        victims.iloc[:5]["cause"].value_counts().reindex(D.LEVELS["cause"], fill_value=0).to_dict()
    assert t["share"].sum() == pytest.approx(1.0)


def test_crosstab_matches_groupby(victims):
    t = D.crosstab(victims, "cause", "force")
    g = victims.groupby(["cause", "force"]).size()
    for (c, f), k in g.items():
        assert t.loc[c, f] == k
    assert t.loc["total", "total"] == len(victims)
    assert (t.drop(index="total")["total"] == victims["cause"].value_counts().reindex(D.LEVELS["cause"],
                                                                                    fill_value=0)).all()


def test_iso_dates_formats_only_the_date_column(victims):
    t = D.deaths_per_day(victims, start="2023-01-01", end="2023-01-03").table
    out = D.iso_dates(t)
    assert out["date"].tolist() == ["2023-01-01", "2023-01-02", "2023-01-03"]
    assert out.drop(columns="date").equals(t.drop(columns="date")) and t["date"].dtype.kind == "M"


def test_pool_groups_keeps_top_groups_and_recomputes_cumulative(victims):
    t = D.deaths_per_day(victims, by="department", start="2022-12-07", end="2023-03-31").table
    pooled, order = D.pool_groups(t, top=2, other="rest")
    totals = victims.assign(dep=D.as_category(victims["department"]))[one_day(victims)]
    totals = totals.groupby("dep").size()
    keep = sorted(totals.index, key=lambda g: (-totals[g], g))[:2]  # most deaths, ties by name
    assert order == keep + ["rest"]
    rest = pooled[pooled["group"] == "rest"].set_index("date")
    expected = t[~t["group"].isin(keep)].groupby("date")["deaths"].sum()
    assert rest["deaths"].tolist() == expected.tolist()
    assert rest["cumulative"].tolist() == expected.cumsum().tolist()
    assert pooled["deaths"].sum() == t["deaths"].sum()
    assert D.pool_groups(t, top=10)[1] == sorted(t["group"].unique(), key=lambda g: (-totals.get(g, 0), g))
