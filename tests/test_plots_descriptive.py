"""Figures of notebook 02: the data returned equals independent computations; axes and series as drawn."""
import matplotlib
import pytest

from analysis.plots import descriptive as P
from analysis.stats import descriptive as D
from tests.test_stats_descriptive import one_day, synthetic_victims


@pytest.fixture(scope="module")
def victims():
    return synthetic_victims(n=80, seed=11)


def test_deaths_over_time_by_context(victims):
    s = D.deaths_per_day(victims, by="context", start="2022-12-07", end="2023-03-31")
    fig, data = P.deaths_over_time_by_context(s, "2022-12-07", "2023-03-31")
    ax1, ax2 = fig.axes
    present = [c for c in D.LEVELS["context"] if c in set(s.table["group"])]
    assert [t.get_text() for t in ax1.get_legend().get_texts()] == [c.replace("_", " ") for c in present]
    assert len(ax1.containers) == len(present) and len(ax2.get_lines()) == len(present)
    assert all(len(c) == 115 for c in ax1.containers)  # one bar per day, 7 Dec .. 31 Mar
    dated = victims[one_day(victims)]  # only persons certain to a day are drawn
    by_day = dated.groupby([dated["date_death_min"], D.as_category(dated["context"])]).size()
    got = data[data["deaths"] > 0].set_index(["date", "group"])["deaths"]
    assert got.sort_index().to_dict() == by_day.sort_index().to_dict()
    n_span = int((~one_day(victims)).sum())
    assert n_span > 0 and f"({n_span} deaths whose date interval spans several days not shown)" in ax1.get_title()
    top_heights = [sum(c[i].get_height() for c in ax1.containers) for i in range(115)]
    assert sum(top_heights) == len(dated)


def test_cumulative_by_department(victims):
    s = D.deaths_per_day(victims, by="department", start="2022-12-07", end="2023-03-31")
    fig, data = P.cumulative_by_department(s, top=2)
    (ax,) = fig.axes
    pooled, order = D.pool_groups(s.table, top=2)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == order
    assert len(ax.get_lines()) == len(order) == 3
    final = data.groupby("group")["cumulative"].last()
    dated = victims[one_day(victims)]
    assert final.sum() == len(dated)
    assert final[order[0]] == (D.as_category(dated["department"]) == order[0]).sum()
    assert ax.get_lines()[0].get_ydata()[-1] == final[order[0]]
    assert "two with most deaths" in ax.get_title()


def test_age_sex(victims):
    ages, sexes = D.age_table(victims), D.category_table(victims, "sex")
    fig, data = P.age_sex(ages, sexes)
    ax1, ax2 = fig.axes
    assert [p.get_height() for p in ax1.patches] == ages["persons"].tolist()
    assert [p.get_height() for p in ax2.patches] == victims["sex"].value_counts().reindex(D.LEVELS["sex"],
                                                                                          fill_value=0).tolist()
    assert matplotlib.colors.to_hex(ax1.patches[-1].get_facecolor()) == matplotlib.colors.to_hex("0.6")
    assert data.groupby("variable")["persons"].sum().to_dict() == {"age_band": len(victims), "sex": len(victims)}
    with pytest.raises(ValueError, match="unknown"):
        P.age_sex(ages.iloc[:-1], sexes)


def test_cause_by_force(victims):
    xt = D.crosstab(victims, "cause", "force")
    fig, data = P.cause_by_force(xt)
    (ax,) = fig.axes
    assert len(ax.containers) == len(D.LEVELS["force"])
    independent = victims.groupby(["cause", "force"]).size()
    got = data.set_index(["cause", "force"])["persons"]
    assert got[got > 0].sort_index().to_dict() == independent.sort_index().to_dict()
    assert len(data) == len(D.LEVELS["cause"]) * len(D.LEVELS["force"])  # zero cells kept
    assert [t.get_text() for t in ax.get_yticklabels()] == [c.replace("_", " ") for c in D.LEVELS["cause"]]
    bad = xt.rename(columns={"police": "navy"})
    with pytest.raises(ValueError, match="navy"):
        P.cause_by_force(bad)
