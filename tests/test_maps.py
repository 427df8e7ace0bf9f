"""Choropleth join: all 25 units (Callao 07 included), zeros explicit, unknown codes rejected. The map's table is
task 02's department_table (the rates of analysis.stats.rates under the map's column names)."""
import pytest

from analysis import paths
from analysis.register import vocab
from analysis.register.scope import Scope, load_register
from analysis.report import maps
from analysis.stats.rates import department_rates
from analysis.tasks import descriptive

EVERYONE = Scope(contexts=vocab.CONTEXT, start=None, end=None, policy="possible")  # no window: every person counts
GEO = descriptive.boundary_file(paths.PROCESSED)


@pytest.fixture(scope="module")
def geo():
    return maps.read_departments_geo(GEO)


@pytest.fixture(scope="module")
def departments():
    return load_register(paths.PROCESSED)["departments"]


def rates_of(victims, departments):
    return descriptive.department_table(victims, departments, EVERYONE)[0]


def test_geo_has_all_25_units(geo):
    assert sorted(geo["ubigeo_dep"]) == [f"{i:02d}" for i in range(1, 26)]
    assert geo.set_index("ubigeo_dep").loc["07", "NOMBDEP"] == "CALLAO"


def test_rates_cover_every_department_with_zeros(departments, make_victims):
    v = make_victims()
    t, n_unknown = descriptive.department_table(v, departments, EVERYONE)
    assert n_unknown == v["ubigeo_dep"].isna().sum()
    assert len(t) == 25 and t["deaths"].notna().all()
    assert t["deaths"].sum() == v["ubigeo_dep"].notna().sum()
    counts = v["ubigeo_dep"].value_counts()
    for row in t.itertuples():
        assert row.deaths == counts.get(row.ubigeo_dep, 0)
        assert row.per_100k == pytest.approx(row.deaths / int(row.pop_census_2017_persons) * 1e5)
        assert row.ci_low <= row.per_100k <= row.ci_high
    assert (t.loc[t["deaths"] == 0, "per_100k"] == 0).all()
    # the very values of analysis.stats.rates, under the map's names
    r = department_rates(v, departments, EVERYONE).table
    assert t["per_100k"].tolist() == r["rate"].tolist() and t["ci_high"].tolist() == r["rate_high"].tolist()


def test_join_covers_all_units_and_fails_on_unknown_code(geo, departments, make_victims):
    t = rates_of(make_victims(), departments)
    joined = maps.join_geo(geo, t)
    assert len(joined) == 25 and joined["per_100k"].notna().all()
    assert joined.set_index("ubigeo_dep").loc["07", "department"] == "Callao"
    bad = t.copy()
    bad.loc[0, "ubigeo_dep"] = "26"
    with pytest.raises(ValueError, match=r"\['26'\] not in the boundary file"):
        maps.join_geo(geo, bad)
    with pytest.raises(ValueError, match=r"\['25'\] have no row"):
        maps.join_geo(geo, t[t["ubigeo_dep"] != "25"])


def test_rates_reject_unknown_victim_code(departments, make_victims):
    v = make_victims()
    v.loc[0, "ubigeo_dep"] = "31"
    with pytest.raises(ValueError, match="31"):
        rates_of(v, departments)


def test_choropleth_draws_and_rejects_missing(geo, departments, make_victims):
    t = rates_of(make_victims(), departments)
    joined = maps.join_geo(geo, t)
    fig = maps.choropleth(joined, "per_100k", "t", "deaths per 100,000")
    assert len(fig.axes) == 2  # map + colour bar
    joined.loc[3, "per_100k"] = float("nan")
    with pytest.raises(ValueError, match="missing"):
        maps.choropleth(joined, "per_100k", "t", "x")


def test_choropleth_names_every_department_and_prints_counts(geo, departments, make_victims):
    v = make_victims()
    t = rates_of(v, departments)
    joined = maps.join_geo(geo, t)
    fig = maps.choropleth(joined, "per_100k", "title, n = 1", "deaths per 100,000", labels="deaths",
                          caption="Not on the map: 3 persons with unknown department.")
    ax = fig.axes[0]
    texts = [x.get_text() for x in ax.texts if x.get_text()]
    assert len(texts) == 25  # every unit named once (Callao's label is outside it, on a line)
    by_name = {x.split("\n")[0]: x for x in texts}
    assert set(by_name) == set(departments["department"])
    for row in t.itertuples():
        label = by_name[row.department]
        assert label == (f"{row.department}\n{row.deaths}" if row.deaths else row.department)
    assert sum(int(x.split("\n")[1]) for x in texts if "\n" in x) == v["ubigeo_dep"].notna().sum()
    assert any("unknown department" in x.get_text() for x in fig.texts)  # the caption
    assert set(maps.LABEL_OFFSETS) | set(maps.LABEL_AT) <= set(geo["ubigeo_dep"])


def test_no_gdal_noise_under_turkish_locale():
    """Under tr_TR.UTF-8 GDAL's first-use self-check used to print dozens of 'ERROR 1' lines (dotless i)."""
    import locale
    import subprocess
    import sys
    try:
        locale.setlocale(locale.LC_ALL, "tr_TR.UTF-8")
    except locale.Error:
        pytest.skip("tr_TR.UTF-8 locale not installed on this machine")
    finally:
        locale.setlocale(locale.LC_ALL, "")
    code = f"from analysis.report import maps; print(len(maps.read_departments_geo({str(GEO)!r})))"
    run = subprocess.run([sys.executable, "-c", code],
                         capture_output=True, text=True, env={**__import__("os").environ, "LC_ALL": "tr_TR.UTF-8"})
    assert run.returncode == 0 and run.stdout.strip() == "25"
    assert "ERROR" not in run.stderr, run.stderr[:500]
