"""Figures of notebook 08: the specification curve of distinct results and the influence bars match the tables
they are given, in words, with scope and n in the titles; the plots know nothing of the sweep but what they are
given."""
import itertools
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402

from analysis.report.plots import robustness as P  # noqa: E402
from analysis.tasks.robustness import grid as G  # noqa: E402
from analysis.tasks.robustness import summary as Su  # noqa: E402
from analysis.tasks.robustness import views  # noqa: E402

GRID = {"deaths": ["clash", "all"], "date_policy": ["certain", "possible"], "cutoff": ["2023-03-31", "2023-02-16"],
        "exclude_event": ["none", "E07"], "measure": ["selfid", "mothertongue"], "threshold": [50.0, 40.0],
        "model": ["sign_flip", "negbin_lr"]}
EVENTS = pd.DataFrame({"event_id": ["E07"], "label": ["Juliaca massacre (airport, Plaza Vea)"]})
WORDS = views.words(EVENTS)


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def tables():
    """A synthetic sweep: estimates depend on some choices only (so some results repeat), one open interval."""
    rows = []
    for finding, dims in G.FINDING_DIMS.items():
        for i, combo in enumerate(itertools.product(*(GRID[d] for d in dims))):
            spec = dict(zip(dims, combo))
            rr = 3.0 + (spec["deaths"] == "all") + 0.5 * (spec["model"] == "negbin_lr") \
                + (2.0 if spec.get("measure") == "mothertongue" else 0.0) + (spec["cutoff"] == "2023-02-16") * 0.25
            p = 0.01 if spec["model"] == "sign_flip" else 0.2
            high = np.inf if spec["exclude_event"] == "E07" else rr * 3
            rows.append({"finding": finding, "spec_id": f"{G.SPEC_PREFIX[finding]}{i + 1:04d}",
                         **{d: spec.get(d, "") for d in G.DEFAULT_GRID}, "rr": rr, "rr_low": rr / 3,
                         "rr_high": high, "p_value": p, "decision": "holds" if p < 0.05 else "does not hold"})
    r = pd.DataFrame(rows)
    r["holds"] = r["decision"] == "holds"
    r["result_id"] = Su.result_ids(r)
    r["design_id"] = r["result_id"]
    r["naive_holds"] = True
    bounds = pd.concat([r[["finding", "spec_id", "holds"]].assign(edge=e) for f in G.FINDINGS
                        for e, _ in G.BOUNDS[f]], ignore_index=True)
    bounds = bounds[[e in dict(G.BOUNDS[f]) for f, e in zip(bounds["finding"], bounds["edge"])]]
    return r, Su.distinct_results(r), Su.summarise(r, bounds), Su.influence(r)


def test_curve_has_one_point_per_distinct_result_coloured_by_decision():
    r, distinct, summary, _ = tables()
    data = P.curve_data(r, distinct, G.FINDING_DIMS)
    fig, out = P.specification_curve(data, summary, WORDS)
    assert out is data
    for j, finding in enumerate(G.FINDINGS):
        d = data[data.finding == finding]
        assert len(d) == (distinct.finding == finding).sum() < (r.finding == finding).sum()
        top = fig.axes[2 * j]
        points = top.collections[-1]
        assert points.get_offsets()[:, 0].tolist() == list(range(1, len(d) + 1))
        assert np.allclose(points.get_offsets()[:, 1], d["rr"].to_numpy())
        assert np.all(np.diff(d["rr"].to_numpy()) >= 0)  # ranked by rate ratio
        expected = [to_rgba(P.DECISION_COLOURS[v]) for v in d["decision"]]
        assert [tuple(c) for c in points.get_facecolors()] == expected
        assert top.get_yscale() == "log"
        title = fig.subfigs[j]._suptitle.get_text().replace("\n", " ")
        assert f"{(r.finding == finding).sum():,} specifications give {len(d):,} distinct results" in title
        assert G.FINDING_MEANING[finding] in title


def test_choice_map_shows_the_share_of_each_result_s_specifications_in_words():
    r, distinct, summary, _ = tables()
    data = P.curve_data(r, distinct, G.FINDING_DIMS)
    fig, _ = P.specification_curve(data, summary, WORDS)
    bottom = fig.axes[1]  # ethnic choices
    labels = [t.get_text() for t in bottom.get_yticklabels()]
    assert labels[0] == "deaths counted: clashes only" and "without Juliaca massacre (E07)" in labels
    assert "Indigenous measure: self-identification" in labels and "above 40 %" in labels
    assert not any(raw in " ".join(labels) for raw in ("selfid", "sign_flip", "negbin_lr", "mothertongue"))
    matrix = bottom.images[0].get_array()
    assert matrix.shape == (len(labels), (data.finding == "ethnic").sum())
    d = data[data.finding == "ethnic"]
    for dim in G.FINDING_DIMS["ethnic"]:
        cols = [c for c in d.columns if c.startswith(dim + "=")]
        assert np.allclose(d[cols].sum(axis=1), 1.0)  # each result's specifications make one choice per dimension


def test_open_interval_ends_are_marked_not_drawn_to_infinity():
    r, distinct, summary, _ = tables()
    data = P.curve_data(r, distinct, G.FINDING_DIMS)
    fig, _ = P.specification_curve(data, summary, WORDS)
    top = fig.axes[0]
    d = data[data.finding == "ethnic"]
    segments = top.collections[0].get_segments()
    assert all(np.isfinite(s).all() for s in segments if len(s))
    ups = top.collections[1].get_offsets()
    assert len(ups) == int(np.isinf(d["rr_high"]).sum()) > 0


def test_influence_bars_match_the_table():
    r, _, summary, influence = tables()
    fig, data = P.influence_figure(influence, summary, WORDS)
    for ax, finding in zip(fig.axes, G.FINDINGS):
        inf = influence[influence.finding == finding]
        lost = [p.get_width() for p in ax.patches[:len(inf)]]
        gained = [p.get_width() for p in ax.patches[len(inf):2 * len(inf)]]
        assert np.allclose(lost, 100 * inf["holds_to_fails"] / inf["pairs"])
        assert np.allclose(gained, 100 * inf["fails_to_holds"] / inf["pairs"])
        texts = [t.get_text() for t in ax.texts]
        assert texts == [f"{a + b:,} of {n:,} pairs" for a, b, n in
                         inf[["holds_to_fails", "fails_to_holds", "pairs"]].itertuples(index=False, name=None)]
        assert f"{(r.finding == finding).sum():,} specifications" in ax.get_title(loc="left")
        ticks = [t.get_text() for t in ax.get_yticklabels()]
        assert "inference method: sign-flip score test by event → negative binomial, likelihood ratio" in ticks


def test_figures_refuse_incomplete_data():
    r, distinct, summary, influence = tables()
    data = P.curve_data(r, distinct, G.FINDING_DIMS)
    with pytest.raises(KeyError, match="decision"):
        P.specification_curve(data.drop(columns=["decision"]), summary, WORDS)
    with pytest.raises(ValueError, match="no finding"):
        P.specification_curve(data.iloc[:0], summary, WORDS)
    with pytest.raises(KeyError, match="pairs"):
        P.influence_figure(influence.drop(columns=["pairs"]), summary, WORDS)


def test_words_name_every_choice_and_fall_back_to_its_text():
    assert WORDS.choice("threshold", 40.0) == WORDS.choice("threshold", "40") == "above 40 %"
    assert WORDS.choice("exclude_event", "E07") == "without Juliaca massacre (E07)"
    assert WORDS.choice("exclude_event", "E99") == "E99"
    assert P.change_label(WORDS, "model", "sign_flip", "negbin_lr") == (
        "inference method: sign-flip score test by event → negative binomial, likelihood ratio")


def test_the_plots_import_nothing_from_the_tasks():
    code = ("import sys, analysis.report.plots.robustness; "
            "print(sorted(m for m in sys.modules if m.startswith('analysis.tasks')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
