"""Force-use shares, exact tests and indicators checked against independent computations."""

import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from analysis import paths
from analysis.register.scope import Scope
from analysis.stats import descriptive as D
from analysis.stats import force as F
from analysis.stats.exact import binom_ci
from analysis.stats import force_compare as C
from tests.exact_reference import fisher_p
from tests.registers import synthetic_victims


@pytest.fixture
def victims():
    return synthetic_victims(n=80, seed=11)


def test_proportions_match_counts_and_intervals(victims):
    t = F.proportions(victims, "cause")
    known = victims[~victims["cause"].isin(["unknown"])]
    assert set(t["label"]) == set(D.LEVELS["cause"]) - {"unknown"}
    assert (t["n"] == len(known)).all() and (t["n_excluded"] == (victims["cause"] == "unknown").sum()).all()
    exp = known["cause"].value_counts()
    for row in t.itertuples():
        assert row.k == exp.get(row.label, 0)
        assert (row.ci_low, row.ci_high) == pytest.approx(binom_ci(row.k, row.n))
        lo, hi = proportion_confint(row.k, row.n, alpha=0.05, method="beta")
        assert (row.ci_low, row.ci_high) == pytest.approx((lo, hi), abs=1e-12)


def test_proportions_without_exclusion_use_all_persons(victims):
    t = F.proportions(victims, "force", exclude=())
    assert (t["n"] == len(victims)).all() and t["k"].sum() == len(victims)


def test_site_share_denominator_is_known_sites(victims):
    s = F.site_share(victims)
    known = victims[~victims["wound"].isin(["unknown", "not_applicable"])]
    assert s.n == len(known)
    assert s.k == known["wound"].isin(["head", "neck", "thorax"]).sum()
    lo, hi = proportion_confint(s.k, s.n, method="beta")
    assert (s.low, s.high) == pytest.approx((lo, hi), abs=1e-12)
    assert "known wound site" in s.denominator


@pytest.mark.parametrize("table", [(7, 1, 2, 6), (3, 5, 4, 4), (0, 4, 5, 1)])
def test_fisher_matches_hand_enumeration(table):
    a, b, c, d = table
    group = pd.Series([True] * (a + b) + [False] * (c + d))
    outcome = pd.Series([True] * a + [False] * b + [True] * c + [False] * d)
    row = C.compare(group, outcome, min_group=1, exact=False)
    assert row["p_value"] == pytest.approx(fisher_p(a, b, c, d), rel=1e-9)
    assert (row["in_k"], row["in_n"], row["rest_k"], row["rest_n"]) == (a, a + b, c, c + d)


def test_groups_and_outcomes_leave_unknowns_out(victims):
    group = F.department_group(victims, ["05", "21"])
    outcome = F.known_outcome(victims, "wound", F.UPPER_BODY)
    table, excluded = C.table_2x2(group, outcome)
    ok = victims["ubigeo_dep"].notna() & ~victims["wound"].isin(["unknown", "not_applicable"])
    assert excluded == (~ok).sum()
    sub = victims[ok]
    in_g = sub["ubigeo_dep"].isin(["05", "21"])
    upper = sub["wound"].isin(["head", "neck", "thorax"])
    assert table == [[(in_g & upper).sum(), (in_g & ~upper).sum()], [(~in_g & upper).sum(), (~in_g & ~upper).sum()]]


def test_department_group_rejects_unknown_code(victims):
    with pytest.raises(ValueError, match="26"):
        F.department_group(victims, ["05", "26"])
    g = F.department_group(victims, ["07"])
    assert g.isna().sum() == victims["ubigeo_dep"].isna().sum()
    assert g.fillna(False).sum() == (victims["ubigeo_dep"] == "07").sum()


def test_level_group_army_vs_police(victims):
    g = F.level_group(victims, "force", ["army", "both"], ["police"])
    assert g.fillna(False).sum() == victims["force"].isin(["army", "both"]).sum()
    assert (g == False).sum() == (victims["force"] == "police").sum()  # noqa: E712
    assert g.isna().sum() == victims["force"].isin(["unknown", "not_applicable"]).sum()


WINDOW = Scope(contexts=("clash",), start="2022-12-07", end="2023-03-31")


def _bounds(victims, start, end):
    """Independent of analysis.register.scope: certain = both bounds inside [start, end]; possible = overlaps it."""
    lo, hi = victims["date_death_min"], victims["date_death_max"]
    certain = lo.notna() & hi.notna() & (lo >= start) & (hi <= end)
    possible = (lo.fillna("0000-01-01") <= end) & (hi.fillna("9999-12-31") >= start)
    return certain, possible


def test_civilians_per_officer(victims):
    ind = F.civilians_per_officer(victims, WINDOW)
    certain, possible = _bounds(victims, "2022-12-07", "2023-03-31")
    civ, pol = victims["context"] == "clash", victims["context"] == "police_officer"
    assert (ind.numerator, ind.denominator) == ((certain & civ).sum(), (certain & pol).sum())
    assert (ind.numerator_possible, ind.denominator_possible) == ((possible & civ).sum(), (possible & pol).sum())
    assert ind.numerator < ind.numerator_possible  # the synthetic register has undated and spanning deaths
    assert ind.value == pytest.approx((certain & civ).sum() / (certain & pol).sum())
    assert ind.window == "2022-12-07 to 2023-03-31"
    uncertain = ((possible & ~certain) & (civ | pol)).sum()
    assert ind.note.startswith(f"certain persons counted; {uncertain} civilian or police death(s) whose date interval")
    assert F.civilians_per_officer(victims, WINDOW.with_(policy="possible")).numerator == ind.numerator_possible


def test_civilians_per_officer_undefined_without_officers(victims):
    v = victims[victims["context"] != "police_officer"]
    ind = F.civilians_per_officer(v, WINDOW)
    assert ind.value is None and "undefined" in ind.note


def test_lethality_index_missing_denominator_says_so():
    ind = F.lethality_index(10, None, source="none", window="w")
    assert ind.value is None and "not computed" in ind.note
    assert F.lethality_index(10, 45, source="s", window="w").value == pytest.approx(10 / 45)


def test_injured_alternatives_real_strings():
    """Strings copied from data/raw/context/events.csv."""
    t = F.injured_alternatives("25 (11 Dec, ConNuestroPerú); ~30 (RPP, 11 Dec)")
    assert t["value"].tolist() == [25, 30] and t["qualifier"].tolist() == ["exact", "approx"]
    t = F.injured_alternatives("52 (Diresa-Puno/Defensoría, night of 9 Jan); >100 (later summaries)")
    assert t["value"].tolist() == [52, 100] and t["qualifier"].tolist() == ["exact", "at_least"]
    assert F.injured_alternatives("not found").empty
    t = F.injured_alternatives("not found (several)")
    assert t.empty


def test_killed_between_and_minsa_lethality(victims):
    certain, possible = _bounds(victims, "2022-12-07", "2022-12-19")
    civ = victims["context"] == "clash"
    expected, expected_possible = int((certain & civ).sum()), int((possible & civ).sum())
    assert F.killed_between(victims, WINDOW, "2022-12-07", "2022-12-19") == (expected, expected_possible)
    deps = pd.read_csv(paths.PROCESSED / "departments.csv", dtype=str, keep_default_na=False)
    ind = F.minsa_lethality(victims, deps, WINDOW, "register")
    assert list(ind) == ["wave1", "wave2"]
    # MINSA's own totals on 19 Dec 2022 (departments NOTES.md): 61 hospitalized + 305 discharged
    assert (ind["wave1"].numerator, ind["wave1"].denominator) == (expected, 61 + 305)
    assert ind["wave1"].numerator_possible == expected_possible
    assert ind["wave1"].value == pytest.approx(expected / 366) and ind["wave1"].window == "2022-12-07 to 2022-12-19"


def test_event_lethality_ranges_over_printed_figures(victims):
    ev = pd.DataFrame({"event_id": ["E02", "E01", "E09"], "label": ["b", "a", "z"],
                       "injured": ["25 (11 Dec, ConNuestroPerú); ~30 (RPP, 11 Dec)", "not found", "0"]})
    out = F.event_lethality(victims, ev)
    assert out["event_id"].tolist() == ["E01", "E02", "E09"]
    k2 = int((victims["event_id"] == "E02").sum())
    e2 = out.set_index("event_id").loc["E02"]
    assert (e2["killed_register"], e2["index_low"], e2["index_high"]) == (k2, pytest.approx(k2 / 30),
                                                                          pytest.approx(k2 / 25))
    e1 = out.set_index("event_id").loc["E01"]
    assert pd.isna(e1["index_low"]) and "not computed" in e1["note"]
    assert "zero injured" in out.set_index("event_id").loc["E09", "note"]
    assert out.set_index("event_id").loc["E09", "killed_register"] == 0
    empty = F.event_lethality(victims, ev.drop(columns="injured"))
    assert empty.empty and empty.columns.tolist() == F.EVENT_LETHALITY_COLUMNS
    assert F.event_lethality(victims, None).empty


# ---------------------------------------------------------------- per-group rows, MSE helpers
def test_comparison_groups_one_row_per_group_with_exact_share_interval():
    comp = pd.DataFrame([C.compare_table([[15, 14], [4, 3]], comparison="x", labels=("a", "b"), outcome_label="o"),
                         C.compare_table([[1, 0], [18, 17]], comparison="y", labels=("c", "d"), outcome_label="o")])
    g = F.comparison_groups(comp)
    assert list(g["role"]) == ["group", "comparison group"] * 2 and list(g["group"]) == ["a", "b", "c", "d"]
    assert list(g["k"]) == [15, 4, 1, 18] and list(g["n"]) == [29, 7, 1, 35]
    lo, hi = proportion_confint(15, 29, alpha=0.05, method="beta")
    assert (g.loc[0, "ci_low"], g.loc[0, "ci_high"]) == pytest.approx((lo, hi), abs=1e-12)
    assert list(g["status"]) == ["tested", "tested", "too_small", "too_small"]
    assert g.loc[0, "odds_ratio"] == g.loc[1, "odds_ratio"] == comp.loc[0, "odds_ratio"]


def test_sources_per_person_counts_identified_only():
    v = pd.DataFrame({"identified": [True, True, True, True, False], "n_sources": [1, 5, 6, 9, 0]})
    s = F.sources_per_person(v)
    assert s == {"identified": 4, "unidentified": 1, "median_sources": 5.5, "single_source": 1, "min_sources": 1}


def test_official_national_takes_the_latest_official_count_per_context():
    r = pd.DataFrame({"level": ["national", "national", "national", "department", "national"],
                      "count_id": ["C1", "C2", "C3", "C4", "C5"], "official": ["True", "True", "False", "True", "True"],
                      "category": ["clash", "clash", "clash", "clash", "blockade"],
                      "as_of": ["2023-01-10", "2023-02-01", "2023-02-20", "2023-02-25", "2023-04-02"],
                      "count": ["10", "12", "13", "3", "4"], "total_certain": ["10", "12", "13", "3", "4"],
                      "total_possible": ["11", "12", "13", "3", "4"], "holds": ["within possible", "exactly",
                                                                               "exactly", "exactly", "exactly"]})
    t = F.official_national(r, ["clash", "blockade"], "2023-03-31")
    assert list(t["count_id"]) == ["C2"] and t.loc[0, "count"] == 12  # later unofficial, department, post-cutoff out
    with pytest.raises(ValueError, match="holds"):
        F.official_national(r.drop(columns="holds"), ["clash"], "2023-03-31")
