"""Figures of notebook 03: the data they return, what they draw, and the input they refuse."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from analysis.report.plots.regional import leave_one_out_drawable, leave_one_out_plot, methods_forest, rates_forest
from analysis.stats import clustered as C  # noqa: E402
from analysis.stats import regression as R  # noqa: E402
from analysis.register.scope import Scope  # noqa: E402
from analysis.stats.rates import department_rates  # noqa: E402
from tests.registers import as_register  # noqa: E402

POP = {"05": 616176, "15": 9485405, "21": 1172697, "08": 1205527}
NAMES = {"05": "Ayacucho", "15": "Lima", "21": "Puno", "08": "Cusco"}
DEATHS = {"05": 10, "15": 1, "21": 6, "08": 0}


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def rate_table():
    deps = pd.DataFrame({"ubigeo_dep": list(POP), "department": [NAMES[c] for c in POP],
                         "pop_census_2017_persons": list(POP.values())})
    rows = [{"victim_id": f"{c}-{i}", "ubigeo_dep": c, "department": NAMES[c], "date_death": "2023-01-09",
             "event_id": "", "context": "clash"} for c, n in DEATHS.items() for i in range(n)]
    return department_rates(as_register(pd.DataFrame(rows)), deps, Scope(contexts=("clash",), end="2023-03-31")).table


def test_rates_forest_returns_the_table_and_draws_every_department_in_rate_order():
    table = rate_table()
    fig, data = rates_forest(table, national=17 / sum(POP.values()) * 1e5)
    pd.testing.assert_frame_equal(data, table)
    ax = fig.axes[0]
    # lowest rate at the bottom (y = 0): Cusco 0, Lima 1/9.5M, Puno 6/1.17M, Ayacucho 10/0.62M
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Cusco (0)", "Lima (1)", "Puno (6)", "Ayacucho (10)"]
    filled, hollow, national = ax.get_lines()
    assert list(filled.get_xdata()) == pytest.approx([1 / POP["15"] * 1e5, 6 / POP["21"] * 1e5, 10 / POP["05"] * 1e5])
    assert list(filled.get_ydata()) == [1, 2, 3]
    assert list(hollow.get_xdata()) == [0.0] and hollow.get_markerfacecolor() == "white"
    assert national.get_xdata()[0] == pytest.approx(17 / sum(POP.values()) * 1e5)
    segments = ax.collections[0].get_segments()
    assert len(segments) == 4
    # Cusco's interval with 0 deaths runs from 0 to 3.689 deaths (Garwood) over its population
    assert segments[0][:, 0] == pytest.approx([0.0, 3.688879 / POP["08"] * 1e5], rel=1e-5)


def test_rates_forest_refuses_a_table_without_intervals():
    with pytest.raises(KeyError, match="rate_low"):
        rates_forest(rate_table().drop(columns=["rate_low"]), national=1.0)


def loo_table():
    """All events: ratio 4; without E1: 2; without E2: no reference death left (inf); without E3: no top-department
    death left (0); without E4: 6 with an open upper limit."""
    inf = np.inf
    return pd.DataFrame({
        "removed": ["none", "E1", "E2", "E3", "E4"],
        "rr_top": [4.0, 2.0, inf, 0.0, 6.0], "rr_top_low": [1.5, 0.5, 2.0, 0.0, 1.0],
        "rr_top_high": [20.0, 9.0, inf, 3.0, inf], "model_rr_first": [1.5, 1.2, 2.0, 1.1, 1.3],
        "counted": [np.nan, 3, 1, 2, 5], "departments": [np.nan, "Puno", "Lima", "Cusco", "Ayacucho"]})


def test_leave_one_out_plot_draws_finite_positive_ratios_and_names_the_infinite_ones():
    loo = loo_table()
    fig, data = leave_one_out_plot(loo, "Puno / Lima")
    assert data is loo
    ax = fig.axes[0]
    points, full = ax.get_lines()
    assert list(points.get_xdata()) == [2.0, 6.0]  # E2 (inf) and E3 (0) are not drawn; sorted by ratio
    assert full.get_xdata()[0] == 4.0
    assert [t.get_text() for t in ax.get_yticklabels()] == ["without E1 (Puno, 3)", "without E4 (Ayacucho, 5)"]
    assert ax.get_xscale() == "log"
    assert "not drawn (no reference death left): E2" in fig.get_suptitle()
    segments = ax.collections[0].get_segments()
    assert segments[1][:, 0].tolist() == [1.0, 6.0]  # open upper limit drawn only up to the estimate
    assert "rate ratio Puno / Lima" in ax.get_title()
    assert len(fig.axes) == 1  # no model panel without model_label


def test_leave_one_out_plot_names_events_in_words_and_adds_the_model_panel():
    loo = loo_table().assign(label=["all events", "Juliaca massacre", "Lima centre clashes", "Cusco clashes",
                                    "Ayacucho airport massacre"], sign_flip_p=[0.3, 0.7, 0.2, 0.4, 0.5])
    fig, _ = leave_one_out_plot(loo, "Puno / rest of the country", model_label="the poverty band",
                                subtitle="clash deaths; 11 deaths in 4 lethal events")
    ax, ax2 = fig.axes
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert ticks == ["without Juliaca massacre (Puno, 3)", "without Ayacucho airport massacre (Ayacucho, 5)"]
    assert not any("E1" in t or "E4" in t for t in ticks)  # words, not event codes
    title = fig.get_suptitle()
    assert "clash deaths; 11 deaths in 4 lethal events" in title
    assert "not drawn (no reference death left): Lima centre clashes" in title
    (points,) = [ln for ln in ax2.get_lines() if ln.get_marker() == "s"]
    assert list(points.get_xdata()) == [1.2, 1.3]  # model_rr_first of the drawn rows, in the same order
    assert [t.get_text() for t in ax2.texts] == ["p 0.70", "p 0.50"]
    assert "the poverty band" in ax2.get_title()


def _methods():
    counts = np.zeros((6, 5), dtype=int)
    for g, (dep, n) in enumerate([(0, 3), (1, 1), (2, 4), (3, 2), (4, 1), (2, 2)]):
        counts[g, dep] = n
    d = C.make_design(counts, [1000., 2000., 1500., 4000., 1200.], [0., 1., 1., 0., 1.])
    results = R.cluster_aware(d, n_draws=999, n_wild=999)
    return R.methods_table(results, C.most_conservative(results))


def test_methods_forest_draws_every_method_marks_the_headline_and_greys_the_descriptive_ones():
    m = _methods()
    fig, data = methods_forest(m, "rate ratio (log scale)", "title\nscope; 13 deaths, 6 events")
    assert data is m
    (ax,) = fig.axes
    ticks = [t.get_text().replace("\n", " ") for t in ax.get_yticklabels()]
    assert len(ticks) == len(m) and ticks[-1].startswith("Poisson, model-based")  # first method at the top
    starred = [t for t in ticks if t.endswith("★")]
    assert 1 <= len(starred) <= 2
    heads = m[m["headline_p"] | m["headline_interval"]]
    assert set(heads["role"]) == {"defensible"}
    grey = [t.get_text().replace("\n", " ") for t in ax.get_yticklabels() if t.get_color() == "dimgrey"]
    assert len(grey) == int((m["role"] != "defensible").sum())
    bold = [t.get_text() for t in ax.texts if t.get_fontweight() == "bold"]
    assert len(bold) == 1 and bold[0].startswith("p")
    assert ax.get_xscale() == "log" and ax.get_title() == "title\nscope; 13 deaths, 6 events"


def test_methods_forest_refuses_an_unknown_role():
    with pytest.raises(ValueError, match="role"):
        methods_forest(_methods().assign(role="magic"), "x", "t")


def test_leave_one_out_drawable_and_refusals():
    loo = loo_table()
    assert leave_one_out_drawable(loo)
    assert not leave_one_out_drawable(loo.drop(columns=["rr_top"]))  # no top department tracked
    assert not leave_one_out_drawable(loo.iloc[:1])  # no event removed
    infinite_full = loo.assign(rr_top=[np.inf, 2.0, np.inf, 0.0, 6.0])
    assert not leave_one_out_drawable(infinite_full)
    with pytest.raises(ValueError, match="finite, positive full-data rate ratio"):
        leave_one_out_plot(infinite_full, "x")
    with pytest.raises(KeyError, match="counted"):
        leave_one_out_plot(loo.drop(columns=["counted"]), "x")
