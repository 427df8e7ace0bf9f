"""Figures of notebook 05: the plotted points equal the share tables; bad tables rejected."""
import numpy as np
import pandas as pd
import pytest

from analysis import paths
from analysis.report.plots import force as P
from analysis.stats import descriptive as D
from analysis.stats import force as F
from analysis.stats import force_compare as C
from analysis.stats import injured as I
from tests.registers import synthetic_victims


@pytest.fixture(scope="module")
def victims():
    return synthetic_victims(n=80, seed=11)


def _points(ax):
    """x of the plotted markers, in y order."""
    return [line.get_xdata()[0] for line in ax.get_lines() if line.get_marker() == "o"]


def test_shares_with_intervals(victims):
    panels = [(f, F.proportions(victims, f)) for f in ("cause", "wound", "force")]
    fig, data = P.shares_with_intervals(panels, 95)
    assert len(fig.axes) == 3
    for ax, (title, t) in zip(fig.axes, panels):
        (line,) = [ln for ln in ax.get_lines() if ln.get_marker() == "o"]
        assert np.allclose(np.asarray(line.get_xdata(), dtype=float), 100 * t["share"].to_numpy(), equal_nan=True)  # drawn in %
        known = victims[~D.as_category(victims[title]).isin(F.NOT_KNOWN)]
        assert ax.get_title() == f"{title} (n = {len(known)} known)"
        counts = D.as_category(known[title]).value_counts()
        labels = [lab.get_text() for lab in ax.get_yticklabels()]
        assert labels == [f"{lab.replace('_', ' ')} ({counts.get(lab, 0)}/{len(known)})" for lab in t["label"]]
    assert data.groupby("variable", sort=False).size().to_dict() == {f: len(t) for f, t in panels}


def _groups(victims):
    up = F.known_outcome(victims, "wound", F.UPPER_BODY)
    specs = [("compare.puno.upper_body", F.department_group(victims, ["21"]), up, ("Puno", "other departments"),
              "Wound to head, neck or thorax"),
             ("compare.tiny.upper_body", F.department_group(victims, ["21"]).where(lambda g: ~g | (g.cumsum() <= 2)),
              up, ("tiny group", "the rest"), "Wound to head, neck or thorax")]
    return F.comparison_groups(C.compare_all(specs, min_group=5))


def test_group_comparisons_words_legend_and_points(victims):
    groups = _groups(victims)
    fig, data = P.group_comparisons(groups, 95, "Group comparisons (test), n = 80")
    axl, axr = fig.axes
    assert data is groups
    assert _points(axl) == pytest.approx(list(groups["share"]), nan_ok=True)
    labels = [t.get_text() for t in axl.get_yticklabels()]
    assert labels == [f"{r.group} ({r.k}/{r.n})" for r in groups.itertuples()]
    assert not any("compare." in t or "_" in t for t in labels)  # words, not keys
    texts = [t.get_text() for t in axl.texts]
    assert texts.count("Wound to head, neck or thorax") == 2
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend[:2] == ["group named first", "comparison group"]
    # colour = role; the too-small comparison is hollow and not tested (no odds ratio drawn, said in words)
    lines = [ln for ln in axl.get_lines() if ln.get_marker() == "o"]
    assert [ln.get_color() for ln in lines] == [P.ROLE_COLORS[r] for r in groups["role"]]
    hollow = [ln.get_markerfacecolor() == "white" for ln in lines]
    assert hollow == list(groups["status"] == "too_small") and any(hollow)
    assert any("too small to compare" in t.get_text() for t in axr.texts)
    tested = groups[(groups["status"] == "tested") & (groups["role"] == "group")]
    diamonds = [ln for ln in axr.get_lines() if ln.get_marker() == "D"]
    finite = tested[tested["odds_ratio"].between(0, float("inf"), inclusive="neither")]
    assert [ln.get_xdata()[0] for ln in diamonds] == pytest.approx(list(finite["odds_ratio"]))
    assert fig.get_suptitle() == "Group comparisons (test), n = 80"


def test_group_comparisons_rejects_unpaired_rows(victims):
    groups = _groups(victims)
    with pytest.raises(ValueError, match="expected rows 'group' then 'comparison group'"):
        P.group_comparisons(groups.iloc[[1, 0, 2, 3]], 95, "x")


def test_injured_by_department_unknown_not_zero():
    deps = pd.read_csv(paths.PROCESSED / "departments.csv", dtype=str, keep_default_na=False)
    victims = synthetic_victims(n=80, seed=11)
    rates = I.attended_rates(deps)
    by_dep = I.lethality_by_department(victims, deps)
    pooled = pd.DataFrame([{"label": "group (pooled)", "deaths": 3, "attended": 40, "index": 0.075, "low": 0.02,
                            "high": 0.2}])
    fig, data = P.injured_by_department(rates, by_dep, pooled, ["03", "21"], {"wave1": "wave 1", "wave2": "wave 2"},
                                       95, "Attended and lethality (test)")
    axa, axb = fig.axes
    listed = rates[rates["status"] == "listed"]
    # every listed department-wave is drawn at its rate; departments never listed are named in the caption only
    assert sorted(_points(axa)) == pytest.approx(sorted(listed["rate"]))
    never = set(rates["department"]) - set(listed["department"])
    shown = {t.get_text() for t in axa.get_yticklabels()}
    assert never and not never & shown
    caption = " ".join(t.get_text() for t in fig.texts).replace("\n", " ")
    assert "unknown, not zero" in caption and all(name in caption for name in never)
    # a department listed in one wave only reads 'not listed' for the other
    once = listed.groupby("department").size()
    assert (once == 1).any() and any("not listed" in t.get_text() for t in axa.texts)
    assert set(data["wave"]) == {"wave1", "wave2", "pooled"}
    assert data.loc[data["wave"] != "pooled", "status"].eq("listed").any()


def test_bad_tables_rejected(victims):
    t = F.proportions(victims, "cause")
    with pytest.raises(ValueError, match="ci_high"):
        P.shares_with_intervals([("cause", t.drop(columns="ci_high"))], 95)
    swapped = t.assign(ci_low=t["ci_high"], ci_high=t["ci_low"])
    with pytest.raises(ValueError, match="outside its interval"):
        P.shares_with_intervals([("cause", swapped)], 95)
    with pytest.raises(ValueError, match="comparison"):
        P.group_comparisons(t, 95, "x")
