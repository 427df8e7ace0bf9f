"""Descriptive tables checked against independent pandas computations on synthetic registers."""
import numpy as np
import pandas as pd
import pytest

from analysis.errors import RawDataError
from analysis.stats import descriptive as D

DEPS = [("05", "Ayacucho"), ("21", "Puno"), ("15", "Lima"), ("07", "Callao"), ("", "")]


def synthetic_victims(n=60, seed=3) -> pd.DataFrame:
    """A register as victims.csv would be read (all text), with unknowns and empty cells mixed in."""
    rng = np.random.default_rng(seed)
    days = pd.date_range("2022-12-11", "2023-03-21", freq="D")
    rows = []
    for i in range(n):
        code, name = DEPS[rng.integers(len(DEPS))]
        death = "" if rng.random() < 0.1 else days[rng.integers(len(days))].strftime("%Y-%m-%d")
        rows.append({
            "victim_id": f"V{i + 1:03d}", "identified": str(rng.random() < 0.9),
            "display_name": f"Person {i + 1}",
            "age_years": "" if rng.random() < 0.15 else str(int(rng.integers(11, 70))),
            "sex": rng.choice(D.LEVELS["sex"]), "date_injury": death, "date_death": death,
            "ubigeo_dep": code, "department": name, "ubigeo_prov": "", "province": "",
            "event_id": "" if rng.random() < 0.3 else f"E{int(rng.integers(1, 5)):02d}",
            "context": rng.choice(D.LEVELS["context"]), "cause": rng.choice(D.LEVELS["cause"]),
            "wound": rng.choice(D.LEVELS["wound"]), "force": rng.choice(D.LEVELS["force"]),
            "n_sources": "1", "source_ids": "S1"})
    return pd.DataFrame(rows)


@pytest.fixture
def victims():
    return D.validate_victims(synthetic_victims())


def test_read_victims_roundtrip(tmp_path):
    raw = synthetic_victims()
    p = tmp_path / "victims.csv"
    raw.to_csv(p, index=False)
    v = D.read_victims(p)
    assert len(v) == len(raw)
    assert v["ubigeo_dep"].isna().sum() == (raw["ubigeo_dep"] == "").sum()
    assert v["age_years"].isna().sum() == (raw["age_years"] == "").sum()


@pytest.mark.parametrize("field,value,msg", [
    ("cause", "gunshot", "cause"), ("age_years", "twenty", "age_years"),
    ("date_death", "15/12/2022", "date_death"), ("ubigeo_dep", "5", "ubigeo_dep")])
def test_bad_value_names_file_row_field(field, value, msg):
    raw = synthetic_victims()
    raw.loc[7, field] = value
    with pytest.raises(RawDataError) as e:
        D.validate_victims(raw, "victims.csv")
    assert "victims.csv, row 9" in str(e.value) and f"field '{msg}'" in str(e.value)


def test_missing_column_rejected():
    with pytest.raises(RawDataError, match="wound"):
        D.validate_victims(synthetic_victims().drop(columns="wound"), "victims.csv")


def test_daily_series_sums_to_total_and_fills_zero_days(victims):
    s = D.deaths_per_day(victims)
    assert s.total() == len(victims)
    assert s.undated.sum() == victims["date_death"].isna().sum()
    ndays = (victims["date_death"].max() - victims["date_death"].min()).days + 1
    assert len(s.table) == ndays and s.table["date"].is_unique
    expected = victims.groupby("date_death").size()
    got = s.table.set_index("date")["deaths"]
    assert (got[expected.index] == expected).all() and got.drop(expected.index).eq(0).all()
    assert s.table["cumulative"].iloc[-1] == s.table["deaths"].sum()


def test_daily_series_by_department_and_window(victims):
    s = D.deaths_per_day(victims, by="department", start="2023-01-01", end="2023-01-31")
    assert s.total() == len(victims)
    groups = victims["department"].replace("", pd.NA).fillna("unknown")
    assert set(s.table["group"]) == set(groups)
    assert len(s.table) == 31 * groups.nunique()
    d = victims["date_death"]
    inside = d.between(pd.Timestamp("2023-01-01"), pd.Timestamp("2023-01-31"))
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
    totals = victims.assign(dep=D.as_category(victims["department"]))[victims["date_death"].notna()]
    totals = totals.groupby("dep").size()
    keep = sorted(totals.index, key=lambda g: (-totals[g], g))[:2]  # most deaths, ties by name
    assert order == keep + ["rest"]
    rest = pooled[pooled["group"] == "rest"].set_index("date")
    expected = t[~t["group"].isin(keep)].groupby("date")["deaths"].sum()
    assert rest["deaths"].tolist() == expected.tolist()
    assert rest["cumulative"].tolist() == expected.cumsum().tolist()
    assert pooled["deaths"].sum() == t["deaths"].sum()
    assert D.pool_groups(t, top=10)[1] == sorted(t["group"].unique(), key=lambda g: (-totals.get(g, 0), g))
