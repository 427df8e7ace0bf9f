"""Specification-curve figure of notebook 08: points, colours and choice rows match the data it is given."""
import itertools

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402

from analysis import multiverse as M  # noqa: E402
from analysis.figures import OKABE_ITO  # noqa: E402
from analysis.plots.robustness import specification_curve  # noqa: E402

GRID = {"deaths": ["clash", "all"], "date_policy": ["certain"], "cutoff": ["2023-02-16", "2023-03-31"],
        "exclude_event": ["none"], "measure": ["selfid"], "threshold": [50.0, 40.0],
        "unknown_units": ["known_only"], "model": ["poisson", "negbin"]}


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def results():
    """A synthetic sweep: each finding's estimate is a function of its own dimensions only (as in a real sweep)."""
    rows = list(itertools.product(*(GRID[d] for d in M.DEFAULT_GRID)))
    r = pd.DataFrame(rows, columns=list(M.DEFAULT_GRID))
    r.insert(0, "spec_id", [f"S{i + 1:04d}" for i in range(len(r))])
    eth = (r["deaths"] == "all") * 0.10 + (r["cutoff"] == "2023-03-31") * 0.05 + (r["threshold"] == 40.0) * 0.02
    r["ethnic_population_share"] = 0.3
    r["ethnic_death_share"] = 0.3 + eth - 0.06
    r["ethnic_death_share_low"] = r["ethnic_death_share"] - 0.05
    r["ethnic_death_share_high"] = r["ethnic_death_share"] + 0.05
    r["ethnic_holds"] = r["ethnic_death_share_low"] > r["ethnic_population_share"]
    r["regional_rr"] = 2.0 + (r["deaths"] == "all") + 0.5 * (r["model"] == "negbin")
    r["regional_rr_low"] = np.where(r["model"] == "negbin", 0.8, 1.2)
    r["regional_rr_high"] = np.where(r["cutoff"] == "2023-03-31", np.inf, 9.0)
    r["regional_holds"] = r["regional_rr_low"] > 1
    return r


def test_curve_draws_one_point_per_distinct_specification_coloured_by_holds():
    data = M.curve_data(results())
    fig, out = specification_curve(data)
    assert out is data and len(fig.axes) == 4
    for j, (finding, dims) in enumerate((("ethnic", M.ETHNIC_DIMS), ("regional", M.REGIONAL_DIMS))):
        d = data[data.finding == finding]
        n_distinct = len(results().drop_duplicates(list(dims)))
        assert len(d) == n_distinct
        points = fig.axes[[0, 1][j]].collections[-1]
        assert points.get_offsets()[:, 0].tolist() == list(range(1, n_distinct + 1))
        assert np.allclose(points.get_offsets()[:, 1], d["estimate"].to_numpy())
        expected = [to_rgba(OKABE_ITO[0] if h else OKABE_ITO[3]) for h in d["holds"]]
        assert [tuple(c) for c in points.get_facecolors()] == expected
    assert fig.axes[1].get_yscale() == "log" and fig.axes[0].get_yscale() == "linear"


def test_choice_rows_follow_grid_order_and_mark_every_specification():
    data = M.curve_data(results())
    fig, _ = specification_curve(data)
    bottom_regional = fig.axes[3]
    labels = [t.get_text() for t in bottom_regional.get_yticklabels()]
    assert labels == ["deaths: clash", "deaths: all", "date_policy: certain", "cutoff: 2023-02-16", "cutoff: 2023-03-31",
                      "exclude_event: none", "model: poisson", "model: negbin"]
    ethnic_labels = [t.get_text() for t in fig.axes[2].get_yticklabels()]
    assert "threshold: 50" in ethnic_labels and ethnic_labels.index("threshold: 50") < ethnic_labels.index(
        "threshold: 40")
    n_reg = (data.finding == "regional").sum()
    # every specification has one dot in each dimension's block of rows
    assert sum(len(c.get_offsets()) for c in bottom_regional.collections) == n_reg * len(M.REGIONAL_DIMS)


def test_open_upper_limits_are_not_drawn_to_infinity():
    data = M.curve_data(results())
    fig, _ = specification_curve(data)
    segments = fig.axes[1].collections[0].get_segments()
    d = data[data.finding == "regional"]
    assert len(segments) == len(d)
    assert all(np.isfinite(s).all() for s in segments if len(s))
    assert sum(len(s) > 0 for s in segments) == int(np.isfinite(d["high"]).sum())


def test_curve_refuses_incomplete_data():
    data = M.curve_data(results())
    with pytest.raises(KeyError, match="holds"):
        specification_curve(data.drop(columns=["holds"]))
    with pytest.raises(ValueError, match="regional"):
        specification_curve(data[data.finding == "ethnic"])
