"""Figures of notebook 03: the data they return, what they draw, and the input they refuse."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from analysis.plots.regional import leave_one_out_drawable, leave_one_out_plot, rates_forest  # noqa: E402
from analysis.scope import Scope  # noqa: E402
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
    assert "not drawn (no reference death left): E2" in ax.get_title()
    segments = ax.collections[0].get_segments()
    assert segments[1][:, 0].tolist() == [1.0, 6.0]  # open upper limit drawn only up to the estimate
    assert "rate ratio Puno / Lima" in ax.get_xlabel()


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
