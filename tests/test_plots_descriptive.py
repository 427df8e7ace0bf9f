"""Figures of notebook 02: the data returned equals independent computations, adds up to the n in the title, and
shows words, not codes; unknowns are counted in the caption. No pixel is tested."""
import re

import matplotlib
import pandas as pd
import pytest

from analysis.report import figures
from analysis.register import vocab
from analysis.report.plots import descriptive as P
from analysis.stats import descriptive as D

SCOPE = "all contexts; date of death 7 Dec 2022 – 31 Mar 2023"
CODE = re.compile(r"^[a-z]+(_[a-z]+)+$")  # a vocab code such as firearm_projectile


@pytest.fixture(scope="module")
def victims(make_victims):
    return make_victims(n=80, seed=11)


def one_day(v: pd.DataFrame) -> pd.Series:
    """Independent of the package: a person is on a day when both bounds are given and equal."""
    return v["date_death_min"].notna() & (v["date_death_min"] == v["date_death_max"])


def n_in(text: str) -> int:
    return int(re.search(r"\bn = (\d+)", text).group(1))


def caption_of(fig) -> str:
    return " ".join(t.get_text().replace("\n", " ") for t in fig.texts if not t.get_text().startswith(("Deaths",
                                                                                                        "Cumulative")))


def words(values) -> bool:
    return all(isinstance(v, str) and not CODE.match(v) for v in values)


def test_labels_and_colours_cover_every_vocab_code():
    for field, codes in (("context", vocab.CONTEXT), ("force", vocab.FORCE), ("cause", vocab.CAUSE),
                         ("wound", vocab.WOUND), ("sex", vocab.SEX)):
        assert set(figures.LABELS[field]) == set(codes), field
        assert words(figures.LABELS[field].values()), field
    for field in ("context", "force", "sex"):
        assert set(figures.COLOURS[field]) == set(figures.LABELS[field])
        known = [c for k, c in figures.COLOURS[field].items() if k not in ("unknown", "not_applicable")]
        assert len(set(known)) == len(known)  # within a field, one colour one category
    # the categories drawn together never share a colour, and grey means only unknown / not applicable
    coloured = [c for f in ("context", "force", "sex", "measure") for k, c in figures.COLOURS[f].items()
                if k not in ("unknown", "not_applicable")]
    assert len(set(coloured)) == len(coloured)
    assert figures.UNKNOWN_COLOUR not in coloured and figures.NOT_APPLICABLE_COLOUR not in coloured
    with pytest.raises(KeyError, match="navy"):
        figures.label("force", "navy")


def test_scope_text_and_day():
    assert figures.day("2023-03-31") == "31 Mar 2023"
    assert figures.scope_text(vocab.CONTEXT, "2022-12-07", "2023-03-31") == SCOPE
    assert figures.scope_text(["blockade", "clash"], "2022-12-07", "2023-02-28", "injury") == \
        "clash with security forces, blockade (accident or care blocked); date of injury 7 Dec 2022 – 28 Feb 2023"


def test_deaths_over_time_by_context(victims):
    s = D.deaths_per_day(victims, by="context", start="2022-12-07", end="2023-03-31")
    fig, data = P.deaths_over_time_by_context(s, "2022-12-07", "2023-03-31", scope=SCOPE)
    ax1, ax2 = fig.axes
    dated = victims[one_day(victims)]  # only persons certain to a day are drawn
    by_day = dated.groupby([dated["date_death_min"], D.as_category(dated["context"])]).size()
    got = data[data["deaths"] > 0].set_index(["date", "group"])["deaths"]
    assert got.sort_index().to_dict() == by_day.sort_index().to_dict()
    title = fig.get_suptitle()
    assert n_in(title) == data["deaths"].sum() == len(dated) and "7 Dec 2022" in title
    n_span = int((~one_day(victims)).sum())
    assert n_span > 0 and f"{n_span} persons whose date of death is known only as an interval" in caption_of(fig)
    assert data["context"].tolist() == [figures.label("context", g) for g in data["group"]] and words(data["context"])
    counts = dated["context"].value_counts()
    present = [c for c in D.LEVELS["context"] if counts.get(c, 0)]
    legend = [t.get_text() for t in ax1.get_legend().get_texts()]
    assert legend == [f"{figures.label('context', c)} ({counts[c]})" for c in present]
    assert sum(counts[c] for c in present) == n_in(title)
    assert len(ax1.containers) == len(present) and all(len(c) == 115 for c in ax1.containers)
    assert all(str(y) in t.get_text() for t, y in zip(ax2.get_xticklabels(), ["2022", "2023", "2023", "2023"]))


def test_cumulative_by_department(victims):
    s = D.deaths_per_day(victims, by="department", start="2022-12-07", end="2023-03-31")
    fig, data = P.cumulative_by_department(s, top=2, scope=SCOPE)
    dated = victims[one_day(victims)]
    dep = D.as_category(dated["department"])
    n_unknown = int((dep == "unknown").sum())
    assert n_unknown > 0
    final = data.groupby("group")["cumulative"].last()
    title = fig.get_suptitle()
    assert final.sum() + n_unknown == len(dated) and n_in(title) == final.sum()  # unknown: caption, not drawn
    assert "unknown" not in set(data["group"])
    known = dep[dep != "unknown"].value_counts()
    top2 = sorted(known.index, key=lambda d: (-known[d], d))[:2]
    panels = [ax.get_title() for ax in fig.axes]
    assert panels == [f"{d} ({known[d]})" for d in top2] + [f"other departments ({known.sum() - known[top2].sum()})"]
    assert f"{n_unknown} persons with unknown department" in caption_of(fig)
    assert "two with most deaths" in title


def test_age_sex(victims):
    fig, data = P.age_sex(victims, scope=SCOPE)
    (ax,) = fig.axes
    n = len(victims)
    assert data["persons"].sum() == n == n_in(ax.get_title())
    bands = victims["age_years"].map(D.age_band)
    independent = pd.crosstab(bands, D.as_category(victims["sex"]))
    got = data.set_index(["age_band", "sex"])["persons"]
    assert all(got[(b, s)] == independent.loc[b, s] for b in independent.index for s in independent.columns)
    assert len(data) == (len(D.AGE_BANDS) + 1) * len(D.LEVELS["sex"])  # zero cells kept
    assert words(data["sex_label"]) and "age unknown" in set(data["age_label"]) and "unknown" not in set(data.sex_label)
    assert sum(p.get_height() for p in ax.patches) == n  # every person is in one stacked bar
    assert [t.get_text() for t in ax.get_xticklabels()] == [b[2] for b in D.AGE_BANDS] + ["age unknown"]
    cap = caption_of(fig)
    assert f"Age unknown: {int(victims['age_years'].isna().sum())} persons" in cap
    assert f"Sex unknown: {int((victims['sex'] == 'unknown').sum())} persons" in cap
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["sex unknown", "female", "male"]


def test_cause_by_force(victims):
    xt = D.crosstab(victims, "cause", "force")
    fig, data = P.cause_by_force(xt, scope=SCOPE)
    (ax,) = fig.axes
    assert len(ax.containers) == len(D.LEVELS["force"])
    independent = victims.groupby(["cause", "force"]).size()
    got = data.set_index(["cause", "force"])["persons"]
    assert got[got > 0].sort_index().to_dict() == independent.sort_index().to_dict()
    assert data["persons"].sum() == len(victims) == n_in(ax.get_title())
    assert data["share_of_n_pct"].sum() == pytest.approx(100)
    assert len(data) == len(D.LEVELS["cause"]) * len(D.LEVELS["force"])  # zero cells kept
    assert [t.get_text() for t in ax.get_yticklabels()] == [figures.label("cause", c) for c in D.LEVELS["cause"]]
    assert words(data["cause_label"]) and words(data["force_label"])
    for f, c in zip(D.LEVELS["force"], ax.containers):  # each force in its one colour
        assert matplotlib.colors.to_hex(c[0].get_facecolor()) == figures.FORCE_COLOURS[f].lower()
    assert f"Force unknown: {int((victims['force'] == 'unknown').sum())} persons" in caption_of(fig)
    bad = xt.rename(columns={"police": "navy"})
    with pytest.raises(ValueError, match="navy"):
        P.cause_by_force(bad)
