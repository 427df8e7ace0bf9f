"""analysis.report.plots.ethnic: the figures of notebook 04 draw exactly the data they return."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402

from analysis.report.plots import ethnic as P  # noqa: E402
from analysis.register.scope import Scope  # noqa: E402
from analysis.stats import ethnic  # noqa: E402
from tests.registers import as_register  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _scenarios():
    # out of plotting order on purpose, with an extra column the figure does not need
    return pd.DataFrame({
        "scenario": ["all_unknown_above", "known_only", "all_unknown_below"],
        "death_share": [0.9, 0.8, 0.6], "death_share_low": [0.7, 0.5, 0.4], "death_share_high": [0.97, 0.95, 0.8],
        "population_share": [0.3, 0.2, 0.13], "binom_p": [0.01, 0.02, 0.03]}).set_index("scenario")


def test_population_vs_death_share_draws_scenarios_in_order():
    sc = _scenarios()
    fig, data = P.population_vs_death_share(sc, "selfid", 50.0)
    order = ["known_only", "all_unknown_below", "all_unknown_above"]
    assert data["scenario"].tolist() == order
    pd.testing.assert_frame_equal(data, sc.loc[order].reset_index())
    (ax,) = fig.axes
    pop_bars, death_bars = ax.containers[0], ax.containers[1]
    assert [b.get_width() for b in pop_bars] == pytest.approx([0.2, 0.13, 0.3])
    assert [b.get_width() for b in death_bars] == pytest.approx([0.8, 0.6, 0.9])
    # the error bar spans the Clopper–Pearson interval of each death share
    segs = [c for c in ax.collections if isinstance(c, LineCollection)][0].get_segments()
    assert [(s[0][0], s[1][0]) for s in segs] == [pytest.approx((lo, hi)) for lo, hi in
                                                  [(0.5, 0.95), (0.4, 0.8), (0.7, 0.97)]]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["known only", "unknown all below", "unknown all above"]
    assert ax.get_title() == ("Majority-Indigenous departments (self-identified Indigenous, > 50 %): "
                              "population vs deaths")
    assert "persons: descriptive" in ax.get_legend_handles_labels()[1][1]


def test_population_vs_death_share_rejects_incomplete_input():
    with pytest.raises(KeyError, match="death_share_low"):
        P.population_vs_death_share(_scenarios().drop(columns="death_share_low"), "selfid", 50.0)
    with pytest.raises(KeyError, match="all_unknown_above"):
        P.population_vs_death_share(_scenarios().drop(index="all_unknown_above"), "selfid", 50.0)


def _table():
    """Five units: published share (majority / not), bounds only (not majority / unknown), nothing published."""
    t = pd.DataFrame({
        "ubigeo_dep": ["01", "02", "03", "04", "05"], "department": ["A", "B", "C", "D", "E"],
        "share": [80.0, 20.0, np.nan, np.nan, np.nan], "share_low": [80.0, 20.0, 0.0, 42.0, 0.0],
        "share_high": [80.0, 20.0, 30.0, 51.0, 100.0],
        "basis": ["total published", "total published", "upper bound from non-Indigenous parts",
                  "bounded by Indigenous and non-Indigenous parts", "missing"],
        "status": ["majority", "not_majority", "not_majority", "unknown", "unknown"],
        "population": [1000, 2000, 1500, 3000, 500], "deaths": [5, 1, 0, 2, 2],
        "selfid_source": ["s"] * 5})
    t["rate_per_100k"] = t["deaths"] / t["population"] * 1e5
    t["rate_low"], t["rate_high"] = t["rate_per_100k"] * 0.5, t["rate_per_100k"] * 2
    return t


def test_rate_vs_share_places_units_by_what_is_published():
    t = _table()
    fig, data = P.rate_vs_share(t, "selfid", 50.0)
    pd.testing.assert_frame_equal(data, t[P.RATE_COLUMNS])
    ax, ax_u = fig.axes
    # published shares as points (A, B), bounds as segments (C, D); E only in the side panel
    points = {tuple(line.get_xydata()[0]) for c in ax.containers for line in [c.lines[0]]}
    assert points == {(80.0, 500.0), (20.0, 50.0)}
    hlines = [c for c in ax.collections if isinstance(c, LineCollection) and c.get_linewidth()[0] == 2]
    spans = sorted((s[0][0], s[1][0], s[0][1]) for c in hlines for s in c.get_segments())
    assert spans == [(0.0, 30.0, 0.0), (42.0, 51.0, pytest.approx(2 / 3000 * 1e5))]
    assert sorted(a.get_text() for a in ax.texts) == ["A", "B", "C", "D"]
    assert len(ax_u.containers) == 1 and ax_u.containers[0].lines[0].get_ydata().tolist() == [400.0]
    assert ax_u.get_title() == "1 units"
    assert ax.get_lines()[-1].get_xdata()[0] == 50.0  # the threshold line
    labels = ax.get_legend_handles_labels()[1]
    assert sorted(labels) == ["majority: share published", "not majority: bounds only (rate CI not drawn)",
                              "not majority: share published", "unknown: bounds only (rate CI not drawn)"]


def test_rate_vs_share_on_a_computed_table():
    deps = pd.DataFrame({"ubigeo_dep": ["01", "02", "03"], "department": ["A", "B", "C"],
                         "pop_census_2017_persons": [1000, 2000, 500],
                         "pct_selfid_indigenous_total_12plus": [80.0, 20.0, None]})
    victims = as_register(pd.DataFrame({"victim_id": ["V1", "V2", "V3"], "ubigeo_dep": ["01", "01", "03"],
                                        "date_death": ["2023-01-09"] * 3, "context": ["clash"] * 3,
                                        "event_id": [""] * 3}))
    tab = ethnic.shares(victims, deps, Scope(contexts=("clash",), end="2023-02-16"))["table"]
    fig, data = P.rate_vs_share(tab, "selfid", 50.0)
    assert data["deaths"].tolist() == [2, 0, 1] and len(fig.axes) == 2
    assert fig.axes[1].get_title() == "1 units"


def test_rate_vs_share_rejects_bad_input():
    with pytest.raises(KeyError, match="rate_low"):
        P.rate_vs_share(_table().drop(columns="rate_low"), "selfid", 50.0)
    with pytest.raises(ValueError, match="'maybe'"):
        P.rate_vs_share(_table().assign(status="maybe"), "selfid", 50.0)


def _overlaps(boxes):
    return [(i, j) for i in range(len(boxes)) for j in range(i + 1, len(boxes)) if boxes[i].overlaps(boxes[j])]


def test_rate_vs_share_labels_do_not_overlap_even_when_units_sit_together():
    """Eight units at nearly the same place (as Lima, Callao, Amazonas and Loreto do): no two labels overlap."""
    n = 8
    t = pd.DataFrame({
        "ubigeo_dep": [f"{i:02d}" for i in range(1, n + 1)], "department": [f"Department {i}" for i in range(n)],
        "share": [17.0 + 0.2 * i if i % 2 else np.nan for i in range(n)],
        "share_low": [17.0 + 0.2 * i if i % 2 else 0.0 for i in range(n)],
        "share_high": [17.0 + 0.2 * i if i % 2 else 26.0 for i in range(n)],
        "basis": ["total published" if i % 2 else "upper bound from non-Indigenous parts" for i in range(n)],
        "status": ["not_majority"] * n, "population": [10 ** 6] * n, "deaths": [0, 1, 0, 0, 1, 0, 0, 0]})
    t["rate_per_100k"] = t["deaths"] / t["population"] * 1e5
    t["rate_low"], t["rate_high"] = 0.0, t["rate_per_100k"] + 0.4
    fig, _ = P.rate_vs_share(t, "selfid", 50.0, subtitle="scope; 2 persons")
    ax = fig.axes[0]
    renderer = fig.canvas.get_renderer()
    labels = [a for a in ax.texts if a.get_text()]
    assert len(labels) == n
    assert _overlaps([a.get_window_extent(renderer) for a in labels]) == []
    assert "scope; 2 persons" in fig.get_suptitle()
    assert "self-identified Indigenous" in ax.get_xlabel() and "selfid" not in ax.get_xlabel()


def _levels():
    return pd.DataFrame({
        "scenario": ["all_unknown_above", "known_only", "all_unknown_below"],
        "population_share": [0.55, 0.22, 0.13], "event_share": [0.73, 0.67, 0.53],
        "event_share_low": [0.45, 0.35, 0.27], "event_share_high": [0.92, 0.90, 0.79],
        "death_share": [0.91, 0.90, 0.81], "death_share_low": [0.71, 0.62, 0.41],
        "death_share_high": [0.98, 0.98, 0.94]}).set_index("scenario")


def test_evidence_levels_draws_three_bars_per_scenario_with_their_intervals_in_percent():
    lv = _levels()
    fig, data = P.evidence_levels(lv, "title", headline="all_unknown_below")
    order = ["known_only", "all_unknown_below", "all_unknown_above"]
    assert data["scenario"].tolist() == order
    (ax,) = fig.axes
    pop, events, deaths = ax.containers[0], ax.containers[1], ax.containers[3]  # [2], [4]: error bars
    assert [b.get_width() for b in pop] == pytest.approx([0.22, 0.13, 0.55])
    assert [b.get_width() for b in events] == pytest.approx([0.67, 0.53, 0.73])
    assert [b.get_width() for b in deaths] == pytest.approx([0.90, 0.81, 0.91])
    segs = [s for c in ax.collections if isinstance(c, LineCollection) for s in c.get_segments()]
    assert sorted((round(s[0][0], 6), round(s[1][0], 6)) for s in segs) == sorted(
        [(0.35, 0.9), (0.27, 0.79), (0.45, 0.92), (0.62, 0.98), (0.41, 0.94), (0.71, 0.98)])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["known only", "unknown all below\n(headline)",
                                                           "unknown all above"]
    assert "53.3 %" not in [t.get_text() for t in ax.texts] and "53.0 %" in [t.get_text() for t in ax.texts]
    assert ax.xaxis.get_major_formatter()(0.4, 0) == "40 %"


def test_evidence_levels_rejects_incomplete_input():
    with pytest.raises(KeyError, match="event_share_low"):
        P.evidence_levels(_levels().drop(columns="event_share_low"), "t")
