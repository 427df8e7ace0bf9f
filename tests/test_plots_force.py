"""Figures of notebook 05: the plotted points equal the share tables; bad tables rejected."""
import numpy as np
import pandas as pd
import pytest

from analysis.plots import force as P
from analysis.stats import descriptive as D
from analysis.stats import force as F
from tests.test_stats_descriptive import synthetic_victims


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
        assert np.allclose(np.asarray(line.get_xdata(), dtype=float), t["share"].to_numpy(), equal_nan=True)
        known = victims[~D.as_category(victims[title]).isin(F.NOT_KNOWN)]
        assert ax.get_title() == f"{title} (n = {len(known)} known)"
        counts = D.as_category(known[title]).value_counts()
        labels = [lab.get_text() for lab in ax.get_yticklabels()]
        assert labels == [f"{lab.replace('_', ' ')} ({counts.get(lab, 0)}/{len(known)})" for lab in t["label"]]
    assert data.groupby("variable", sort=False).size().to_dict() == {f: len(t) for f, t in panels}


def test_group_comparisons(victims):
    res = F.compare_groups(F.department_group(victims, ["21"]), F.known_outcome(victims, "wound", F.UPPER_BODY),
                           labels=("Puno", "rest"), outcome_label="upper_body")
    comp = pd.DataFrame(F.comparison_rows("compare.puno.upper_body", res)).drop(columns="label")
    fig, data = P.group_comparisons(comp, 95)
    (ax,) = fig.axes
    assert _points(ax) == pytest.approx([res.in_share.value, res.out_share.value])
    assert [lab.get_text() for lab in ax.get_yticklabels()] == [
        f"puno.upper_body: Puno ({res.in_share.k}/{res.in_share.n})",
        f"puno.upper_body: rest ({res.out_share.k}/{res.out_share.n})"]  # the key without its 'compare.' prefix
    assert data is comp


def test_bad_tables_rejected(victims):
    t = F.proportions(victims, "cause")
    with pytest.raises(ValueError, match="ci_high"):
        P.shares_with_intervals([("cause", t.drop(columns="ci_high"))], 95)
    swapped = t.assign(ci_low=t["ci_high"], ci_high=t["ci_low"])
    with pytest.raises(ValueError, match="outside its interval"):
        P.shares_with_intervals([("cause", swapped)], 95)
    with pytest.raises(ValueError, match="comparison"):
        P.group_comparisons(t, 95)
