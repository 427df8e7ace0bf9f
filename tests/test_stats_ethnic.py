import itertools
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.errors import RawDataError
from analysis.register.scope import Scope, load_register
from analysis.stats import ethnic
from analysis.stats.exact import binom_ci
from analysis.tasks import ethnic as task
from analysis.tasks.ethnic import prose, record, tables
from tests.registers import as_register

FEB16 = Scope(contexts=("clash",), end="2023-02-16")  # the notebook's default definition, no start


def _departments():
    """Six synthetic units covering every way a share can be known, bounded or missing."""
    return pd.DataFrame({
        "ubigeo_dep": ["01", "02", "03", "04", "05", "06"],
        "department": ["A", "B", "C", "D", "E", "F"],
        "pop_census_2017_persons": [1000, 2000, 1500, 3000, 500, 800],
        "pop_proj_2022_persons": [1100, 2100, None, 3100, 520, 820],
        "pct_selfid_indigenous_total_12plus": [80.0, 20.0, None, None, None, None],
        "pct_selfid_quechua_12plus": [None, None, 60.0, None, None, 30.0],   # lower bounds
        "pct_selfid_mestizo_12plus": [None, None, None, 70.0, None, 55.0],   # upper bounds: 100 - value
        "pct_mothertongue_indigenous_any": [70.0, None, None, None, None, None],
    })


def _victim(i, dep, context="clash", date="2023-01-09"):
    return {"victim_id": f"V{i:03d}", "ubigeo_dep": dep, "date_death": date, "context": context, "event_id": ""}


def _victims():
    rows = ([("01", "clash")] * 5 + [("03", "clash")] * 2 + [("02", "clash")] + [("05", "clash")] * 2
            + [("06", "clash")] + [("", "clash")] + [("02", "blockade")] * 2)
    v = [_victim(i, d, c) for i, (d, c) in enumerate(rows)]
    v.append(_victim(90, "01", "clash", "2023-03-01"))   # after the cut-off
    v.append(_victim(91, "03", "clash", ""))             # date of death unknown: possibly in any window
    return as_register(pd.DataFrame(v))


def test_classify_uses_totals_and_bounds_never_missing_as_not_majority():
    c = ethnic.classify_departments(_departments(), "selfid", 50.0).set_index("department")
    assert c["status"].to_dict() == {"A": "majority", "B": "not_majority", "C": "majority",
                                     "D": "not_majority", "E": "unknown", "F": "not_majority"}
    assert c.loc["D", "share_high"] == pytest.approx(30.0)
    assert (c.loc["F", "share_low"], c.loc["F", "share_high"]) == (pytest.approx(30.0), pytest.approx(45.0))
    assert c.loc["E", "basis"] == "missing" and math.isnan(c.loc["E", "share"])
    # at 40 % the bound [30, 45] straddles the threshold: F becomes unknown, not "not_majority"
    c40 = ethnic.classify_departments(_departments(), "selfid", 40.0).set_index("department")
    assert c40.loc["F", "status"] == "unknown"
    # without the parts only the exact totals decide
    c_tot = ethnic.classify_departments(_departments(), "selfid", 50.0, use_parts=False)
    assert c_tot["status"].tolist() == ["majority", "not_majority", "unknown", "unknown", "unknown", "unknown"]
    cov = ethnic.coverage(c40.reset_index())
    assert (cov["n_majority"], cov["n_not_majority"], cov["n_unknown"], cov["n_exact"]) == (2, 2, 2, 2)
    assert cov["unknown_units"] == ["E", "F"]


def test_majority_means_strictly_above_threshold():
    d = _departments()
    d.loc[1, "pct_selfid_indigenous_total_12plus"] = 50.0
    c = ethnic.classify_departments(d, "selfid", 50.0)
    assert c.loc[1, "status"] == "not_majority"


def test_mothertongue_measure_reads_its_own_columns():
    c = ethnic.classify_departments(_departments(), "mothertongue", 50.0)
    assert c["status"].tolist() == ["majority"] + ["unknown"] * 5


def test_shares_match_hand_sums_and_exact_interval():
    res = ethnic.shares(_victims(), _departments(), FEB16, measure="selfid", threshold=50.0)
    s = res["scenarios"]
    # majority units A (5 deaths, pop 1000) and C (2, 1500); known not-majority B (1 clash), D (0), F (1);
    # unknown unit E (2, pop 500); one clash death with no department.
    ko = s.loc["known_only"]
    assert (ko["deaths_majority"], ko["deaths_total"]) == (5 + 2, 5 + 2 + 1 + 0 + 1)
    assert ko["population_share"] == pytest.approx((1000 + 1500) / (1000 + 2000 + 1500 + 3000 + 800))
    assert (ko["death_share_low"], ko["death_share_high"]) == pytest.approx(binom_ci(7, 9))
    assert ko["binom_p"] == pytest.approx(stats.binomtest(7, 9, 2500 / 8300).pvalue)
    lo, hi = s.loc["all_unknown_below"], s.loc["all_unknown_above"]
    assert (lo["deaths_majority"], lo["deaths_total"]) == (7, 12)
    assert (hi["deaths_majority"], hi["deaths_total"]) == (7 + 2 + 1, 12)
    assert lo["population_share"] == pytest.approx(2500 / 8800)
    assert hi["population_share"] == pytest.approx(3000 / 8800)
    info = res["info"]
    assert (info["n_certain"], info["n_possible"], info["n_uncertain"], info["n_outside"]) == (12, 13, 1, 1)
    assert info["n_selected"] == 12 and info["policy"] == "certain"
    assert info["n_department_unknown"] == 1


def test_bounds_bracket_known_only_and_are_attained_extremes():
    res = ethnic.shares(_victims(), _departments(), FEB16, threshold=40.0)  # F and E unknown at 40 %
    s = res["scenarios"]
    for col in ("death_share", "population_share"):
        assert s.loc["all_unknown_below", col] <= s.loc["known_only", col] <= s.loc["all_unknown_above", col]
    # brute force: every way of resolving the unknown units and the person with no department
    tab = res["table"]
    maj = tab[tab.status == "majority"]
    unk = tab[tab.status == "unknown"]
    n_total = int(tab.deaths.sum()) + 1
    seen_d, seen_p = [], []
    for r in range(len(unk) + 1):
        for subset in itertools.combinations(unk.index, r):
            for nodep_in in (0, 1):
                k = maj.deaths.sum() + tab.loc[list(subset), "deaths"].sum() + nodep_in
                seen_d.append(k / n_total)
                seen_p.append((maj.population.sum() + tab.loc[list(subset), "population"].sum())
                              / tab.population.sum())
    assert min(seen_d) == pytest.approx(s.loc["all_unknown_below", "death_share"])
    assert max(seen_d) == pytest.approx(s.loc["all_unknown_above", "death_share"])
    assert min(seen_p) == pytest.approx(s.loc["all_unknown_below", "population_share"])
    assert max(seen_p) == pytest.approx(s.loc["all_unknown_above", "population_share"])


def test_contexts_all_and_no_cutoff():
    res = ethnic.shares(_victims(), _departments(), Scope(contexts=ethnic.scope_contexts("all"), end=None))
    info = res["info"]
    assert info["n_selected"] == 16 and info["n_uncertain"] == 0  # no window: every interval is inside it
    assert res["table"].set_index("department").loc["B", "deaths"] == 3
    assert res["table"].set_index("department").loc["C", "deaths"] == 3
    with pytest.raises(ValueError, match="riot"):
        ethnic.scope_contexts(["clash", "riot"])


def test_possible_policy_counts_the_undated_death_and_certain_bounds_it():
    res = ethnic.shares(_victims(), _departments(), FEB16.with_(policy="possible"))
    assert res["info"]["n_selected"] == 13 and res["info"]["n_certain"] == 12
    c = res["table"].set_index("department").loc["C"]
    assert (c["deaths"], c["deaths_certain"], c["deaths_possible"]) == (3, 2, 3)  # 2 dated + 1 undated
    assert res["scenarios"].loc["known_only", "deaths_majority"] == 8
    certain = ethnic.shares(_victims(), _departments(), FEB16)["table"]
    assert certain["deaths"].equals(certain["deaths_certain"])
    assert certain["deaths_possible"].equals(res["table"]["deaths"])


def test_rate_ratio_interval_is_exact_conditional():
    s = ethnic.shares(_victims(), _departments(), FEB16)["scenarios"].loc["known_only"]
    k, n, p1, p0 = 7, 9, 2500, 8300 - 2500
    assert s["rate_ratio"] == pytest.approx((k / p1) / ((n - k) / p0))
    # at the limits, the binomial tail probabilities equal alpha/2 (pi = RR*P1 / (RR*P1 + P0))
    pi_lo = s["rate_ratio_low"] * p1 / (s["rate_ratio_low"] * p1 + p0)
    pi_hi = s["rate_ratio_high"] * p1 / (s["rate_ratio_high"] * p1 + p0)
    assert stats.binom.sf(k - 1, n, pi_lo) == pytest.approx(0.025, abs=1e-8)
    assert stats.binom.cdf(k, n, pi_hi) == pytest.approx(0.025, abs=1e-8)


def test_incomplete_population_base_is_refused_not_patched():
    with pytest.raises(RawDataError, match=r"pop_proj_2022_persons.*incomplete.*C"):
        ethnic.shares(_victims(), _departments(), FEB16, population_base="proj2022")
    assert not ethnic.base_is_complete(_departments(), "proj2022")
    assert ethnic.base_is_complete(_departments(), "census2017")


def test_bad_input_names_file_row_field():
    v = _victims()
    v.loc[3, "ubigeo_dep"] = "99"
    with pytest.raises(RawDataError, match=r"victims.csv, row 5, field 'ubigeo_dep'.*V003"):
        ethnic.shares(v, _departments(), FEB16)
    d = _departments().astype({"pct_selfid_quechua_12plus": object})
    d.loc[2, "pct_selfid_quechua_12plus"] = "about 60"
    with pytest.raises(RawDataError, match=r"departments.csv, row 4, field 'pct_selfid_quechua_12plus'"):
        ethnic.classify_departments(d)
    with pytest.raises(ValueError, match="measure"):
        ethnic.classify_departments(_departments(), "language")


def test_status_model_equals_group_rate_ratio_and_share_model_score_equations():
    tab = ethnic.shares(_victims(), _departments(), FEB16)["table"]
    m = ethnic.rate_models(tab)
    st = m["status"]
    known = tab[tab.status != "unknown"]
    r1 = known[known.status == "majority"]
    r0 = known[known.status == "not_majority"]
    assert st["n_units"] == 5 and st["n_units_total"] == 6
    assert st["rate_ratio"] == pytest.approx((r1.deaths.sum() / r1.population.sum())
                                             / (r0.deaths.sum() / r0.population.sum()), rel=1e-6)
    sh = m["share_published"]  # only A and B have a published share: too few units to fit
    assert sh["fitted"] is False and sh["n_units"] == 2
    # bounds at most 10 points wide: only A and B (published); C, D, E, F are wider
    assert m["share_low"]["n_units"] == 2


def test_share_model_fits_mle():
    d = _departments()
    d["pct_selfid_indigenous_total_12plus"] = [80.0, 20.0, 60.0, 25.0, 45.0, 35.0]
    tab = ethnic.shares(_victims(), d, FEB16)["table"]
    sh = ethnic.rate_models(tab)["share_published"]
    assert sh["fitted"] and sh["n_units"] == 6
    # Poisson MLE with a constant: fitted deaths sum to observed, and so do x-weighted sums
    b1 = math.log(sh["rate_ratio"]) / 10.0
    x, y, pop = tab["share"].to_numpy(), tab["deaths"].to_numpy(), tab["population"].to_numpy()
    b0 = math.log(y.sum() / (pop * np.exp(b1 * x)).sum())
    mu = pop * np.exp(b0 + b1 * x)
    assert (x * mu).sum() == pytest.approx((x * y).sum(), rel=1e-6)


def test_department_permutation_matches_enumeration():
    tab = ethnic.shares(_victims(), _departments(), FEB16)["table"]
    known = tab[tab.status != "unknown"].reset_index(drop=True)
    obs_idx = tuple(known.index[known.status == "majority"])
    d, p = known.deaths.to_numpy(), known.population.to_numpy()

    def rr(idx):
        rest = [i for i in range(len(known)) if i not in idx]
        return (d[list(idx)].sum() / p[list(idx)].sum()) / (d[rest].sum() / p[rest].sum())

    combos = list(itertools.combinations(range(len(known)), len(obs_idx)))
    expected = sum(rr(c) >= rr(obs_idx) - 1e-12 for c in combos) / len(combos)
    res = ethnic.permutation(known, statistic="rate_ratio")
    assert res.method == "exact enumeration" and res.n_arrangements == len(combos) == 10
    assert res.p_value == pytest.approx(expected)


def test_spec_key():
    assert ethnic.spec_key("selfid", 50.0, ["clash"], "2023-02-16") == "selfid.t50.clash.c20230216"
    assert ethnic.spec_key("mothertongue", 40, "all", None) == "mothertongue.t40.all.call"
    assert ethnic.spec_key("selfid", 50, ["clash", "blockade"], "2023-03-31") == "selfid.t50.blockade+clash.c20230331"


def test_alternative_columns_are_not_summed_twice():
    d = _departments()
    d["selfid12_quechua_pct"] = [None, None, 60.0, None, None, 30.0]  # same quantity, processed-table name
    c = ethnic.classify_departments(d, "selfid", 50.0).set_index("department")
    assert c.loc["C", "share_low"] == pytest.approx(60.0) and c.loc["F", "share_low"] == pytest.approx(30.0)


def test_the_registers_covariates_give_the_five_department_hypothesis():
    d = load_register()["departments"]  # the register carries every published part (register.covariates)
    assert "selfid12_mestizo_pct" in d.columns
    c = ethnic.classify_departments(d, "selfid", 50.0)
    majority = sorted(c.loc[c.status == "majority", "department"])
    assert majority == ["Apurímac", "Ayacucho", "Cusco", "Huancavelica", "Puno"]
    # Amazonas is decided only by its published mestizo share (75.2 -> Indigenous at most 24.8)
    amaz = c.set_index("department").loc["Amazonas"]
    assert amaz["status"] == "not_majority" and amaz["share_high"] == pytest.approx(100 - 75.2)
    # Madre de Dios: Quechua 37 + Amazonian 5 <= share <= 100 - mestizo 49: straddles 50, stays unknown
    mdd = c.set_index("department").loc["Madre de Dios"]
    assert (mdd["share_low"], mdd["share_high"], mdd["status"]) == (pytest.approx(42), pytest.approx(51), "unknown")
    # nothing published for Áncash: unknown, never "not majority"
    assert c.set_index("department").loc["Áncash", "status"] == "unknown"
    cm = ethnic.classify_departments(d, "mothertongue", 50.0)
    assert sorted(cm.loc[cm.status == "majority", "department"]) == majority


# ---------------------------------------------------------------- the scenarios and the alternatives
def _numbers():
    from analysis.report.numbers import Numbers
    return Numbers("ethnic", spec={"test": True})


def test_permutation_possible_needs_both_sides():
    tab = ethnic.shares(_victims(), _departments(), FEB16)["table"]
    assert ethnic.permutation_possible(tab)
    one_side = tab.assign(status=tab["status"].replace({"not_majority": "unknown"}))
    assert not ethnic.permutation_possible(one_side)


def test_definition_grid_puts_a_missing_default_first():
    grid = ethnic.definition_grid(["selfid", "mothertongue"], [50, 40.0], [["clash"], None],
                                  ["2023-02-16", "2023-03-31"], default=("selfid", 50, ["clash"], "2023-02-16"))
    assert len(grid) == 16 and len(set(map(repr, grid))) == 16
    assert grid[0] == ("selfid", 50.0, ["clash"], "2023-02-16") and isinstance(grid[0][1], float)
    assert grid[-1] == ("mothertongue", 40.0, None, "2023-03-31")
    other = ethnic.definition_grid(["selfid"], [40], [None], [None], default=("mothertongue", 50, ["clash"], None))
    assert other == [("mothertongue", 50.0, ["clash"], None), ("selfid", 40.0, None, None)]


def test_alternatives_table_and_records_equal_direct_shares():
    v, d = _victims(), _departments()
    grid = [("selfid", 50.0, ["clash"], "2023-02-16"), ("selfid", 40.0, None, None)]
    alts = ethnic.alternatives(v, d, grid, FEB16, population_base="census2017")
    assert [a["key"] for a in alts] == ["selfid.t50.clash.c20230216", "selfid.t40.all.call"]
    assert alts[1]["spec"] == {"measure": "selfid", "threshold": 40.0, "contexts": "all", "cutoff_date": None,
                               "date_policy": "certain"}
    table = tables.alternatives_table(alts)
    n = _numbers()
    for a in alts:
        record.record_alternative(n, a)
    assert len(n.entries) == 2 * 9
    for (m, t, ctx, cut), row in zip(grid, table.itertuples()):
        direct = ethnic.shares(v, d, Scope(contexts=ethnic.scope_contexts(ctx), end=cut), measure=m, threshold=t)
        s, tab = direct["scenarios"], direct["table"]
        assert row.death_share == pytest.approx(s.loc["known_only", "death_share"])
        assert row.death_share_min == pytest.approx(s.loc["all_unknown_below", "death_share"])
        assert row.population_share_max == pytest.approx(s.loc["all_unknown_above", "population_share"])
        assert row.deaths == int(s.loc["all_unknown_below", "deaths_total"])
        assert row.majority_units == ", ".join(tab.loc[tab.status == "majority", "department"])
        assert n.get(f"{row.key}.death_share_max") == pytest.approx(s.loc["all_unknown_above", "death_share"])
        assert n.get(f"{row.key}.units_unknown") == direct["coverage"]["n_unknown"]
        assert n.entries[f"ethnic.{row.key}.deaths"]["spec"]["threshold"] == t
    # at 40 %, every context, no cut-off: A, C majority; F straddles 40 and E is missing -> 2 unknown
    last = table.loc[1]
    assert (last["majority_units"], last["units_unknown"], last["contexts"]) == ("A, C", 2, "all")
    assert table.loc[1, "deaths"] == 16


# ------------------------------------------------------------- evidence at the level it was generated (events)
def _event_victims():
    """Lethal events: A (majority) E1 with 5 deaths and E2 with 1; C (majority) E3 with 2; B (not majority) E4
    with 1; E (unknown) E5 with 2; F (not majority: 30-45 %) E6 with 1; one person with no department, no event."""
    rows = [("01", "E1")] * 5 + [("01", "E2"), ("03", "E3"), ("03", "E3"), ("02", "E4"), ("05", "E5"), ("05", "E5"),
                                 ("06", "E6"), ("", "")]
    v = [{**_victim(i, d), "event_id": e} for i, (d, e) in enumerate(rows)]
    return as_register(pd.DataFrame(v))


def _scope_tab():
    return ethnic.shares(_event_victims(), _departments(), FEB16)["table"]


def test_scenario_groups_follow_the_person_level_scenarios():
    tab = _scope_tab()
    assert tab.set_index("ubigeo_dep")["status"].to_dict() == {
        "01": "majority", "02": "not_majority", "03": "majority", "04": "not_majority", "05": "unknown",
        "06": "not_majority"}
    assert ethnic.scenario_groups(tab, "known_only") == {"group": ["01", "03"],
                                                         "within": ["01", "02", "03", "04", "06"], "unknown": "drop"}
    assert ethnic.scenario_groups(tab, "all_unknown_below") == {"group": ["01", "03"], "within": None,
                                                                "unknown": "outside"}
    assert ethnic.scenario_groups(tab, "all_unknown_above")["group"] == ["01", "03", "05"]
    with pytest.raises(ValueError, match="scenario"):
        ethnic.scenario_groups(tab, "middle")


def test_event_scenarios_are_exact_binomial_tests_on_hand_counted_events():
    v, tab = _event_victims(), _scope_tab()
    ev = ethnic.event_scenarios(v, tab)
    pop = dict(zip(_departments()["ubigeo_dep"], _departments()["pop_census_2017_persons"]))
    total = sum(pop.values())
    # below: 3 of 7 events (E1, E2, E3; the person without department is its own event, outside the group)
    below = ev.loc["all_unknown_below"]
    share = (pop["01"] + pop["03"]) / total
    assert (below.events_group, below.events_total) == (3, 7)
    assert below.population_share == pytest.approx(share)
    assert below.p_value == pytest.approx(stats.binomtest(3, 7, share).pvalue)
    assert (below.event_share_low, below.event_share_high) == pytest.approx(binom_ci(3, 7))
    known = ev.loc["known_only"]  # events in A, B, C, D, F only; unknown E and the person without department out
    k_share = (pop["01"] + pop["03"]) / (total - pop["05"])
    assert (known.events_group, known.events_total) == (3, 5)
    assert known.p_value == pytest.approx(stats.binomtest(3, 5, k_share).pvalue)
    above = ev.loc["all_unknown_above"]  # E5 and the person without department join the group
    assert (above.events_group, above.events_total) == (5, 7)
    assert above.p_value == pytest.approx(stats.binomtest(5, 7, (pop["01"] + pop["03"] + pop["05"]) / total).pvalue)


def test_bootstrap_scenarios_resample_whole_events():
    v, tab = _event_victims(), _scope_tab()
    b = ethnic.bootstrap_scenarios(v, tab, n_boot=4000, seed=7)
    below = b.loc["all_unknown_below"]
    assert (below.deaths_group, below.deaths_total, below.events) == (8, 13, 7)
    assert below.death_share == pytest.approx(8 / 13)
    # independent percentile bootstrap over events (numpy, another generator): the same interval within MC error
    rng = np.random.default_rng(123)
    sizes = np.array([5, 1, 2, 1, 2, 1, 1])
    inside = np.array([5, 1, 2, 0, 0, 0, 0])
    draws = rng.integers(0, 7, size=(20000, 7))
    shares = inside[draws].sum(axis=1) / sizes[draws].sum(axis=1)
    lo, hi = np.quantile(shares, [0.025, 0.975])
    assert below.death_share_low == pytest.approx(lo, abs=0.04)
    assert below.death_share_high == pytest.approx(hi, abs=0.04)
    person_lo, person_hi = binom_ci(8, 13)
    assert below.death_share_high - below.death_share_low > person_hi - person_lo  # events: wider than persons
    assert b.loc["known_only", "deaths_total"] == 10  # A, B, C, F (E unknown, one person without department)


def test_contrast_design_and_record_functions():
    v, tab = _event_victims(), _scope_tab()
    d = ethnic.contrast(v, _departments(), tab, "all_unknown_below")
    assert d.x.tolist() == [1, 0, 1, 0, 0, 0] and d.N == 12 and d.G == 6  # the person without department is out
    k = ethnic.contrast(v, _departments(), tab, "known_only")
    assert list(k.departments) == ["01", "02", "03", "04", "06"] and k.N == 10
    n = _numbers()
    record.record_event_level(n, ethnic.event_scenarios(v, tab), ethnic.bootstrap_scenarios(v, tab, n_boot=500,
                                                                                            seed=1))
    e = n.entries["ethnic.events.all_unknown_below.event_share"]
    assert e["value"] == pytest.approx(3 / 7) and e["unit"] == "proportion" and "unit: event" in e["definition"]
    assert n.entries["ethnic.events.all_unknown_below.events_majority"]["unit"] == "event"
    assert "500 resamples" in n.entries["ethnic.bootstrap.known_only.death_share"]["definition"]
    from analysis.stats import clustered as C
    from analysis.stats import regression as R
    res = R.cluster_aware(d, n_draws=99, n_wild=99, interval=False)
    head = C.most_conservative(res)
    record.record_contrast(n, "all_unknown_below", res, head, C.pearson_dispersion(d), d)
    rr = n.entries["ethnic.clustered.all_unknown_below.rate_ratio"]
    assert rr["p_value"] == pytest.approx(max(r.p_value for r in res if r.defensible))
    assert "descriptive" in n.entries["ethnic.clustered.all_unknown_below.exact_conditional"]["definition"]


# ------------------------------------------------ task 04 (analysis.tasks.ethnic): recording, prose, the whole run
def test_record_scenarios_records_every_scenario_with_its_values():
    sc = ethnic.shares(_victims(), _departments(), FEB16)["scenarios"]
    n = _numbers()
    record.record_scenarios(n, sc)
    assert len(n.entries) == 3 * 4
    for name in ("known_only", "all_unknown_below", "all_unknown_above"):
        e = n.entries[f"ethnic.{name}.death_share"]
        assert e["value"] == pytest.approx(sc.loc[name, "death_share"]) and e["unit"] == "proportion"
        assert e["interval"] == pytest.approx([sc.loc[name, "death_share_low"], sc.loc[name, "death_share_high"]])
        assert e["p_value"] == pytest.approx(sc.loc[name, "binom_p"])
        assert ethnic.SCENARIO_LABELS[name] in e["definition"]
        assert n.get(f"{name}.deaths_majority") == sc.loc[name, "deaths_majority"]
    assert n.get("all_unknown_above.deaths_majority") == 10  # 7 in A, C + 2 in unknown E + 1 without department
    with pytest.raises(KeyError):  # recording twice is refused, not silently overwritten
        record.record_scenarios(n, sc)


def test_record_and_describe_models_follow_fitted_flag():
    tab = ethnic.shares(_victims(), _departments(), FEB16)["table"]
    models = ethnic.rate_models(tab)
    n = _numbers()
    record.record_models(n, models)
    # share_published (2 units) is not fitted: only its coverage is recorded
    assert n.get("model.share_published.units") == 2 and "ethnic.model.share_published.rate_ratio" not in n.entries
    st = models["status"]
    assert n.get("model.status.rate_ratio") == pytest.approx(st["rate_ratio"])
    assert n.entries["ethnic.model.status.quasi_p"]["unit"] == "p-value"
    text = prose.describe_models(models).split("\n")
    assert len(text) == len(models)
    assert text[0].startswith("* **published Indigenous share (per 10 points)**: not fitted")
    assert "(2 of 6 units)" in text[0]
    status_line = text[list(models).index("status")]
    assert f"rate ratio **{st['rate_ratio']:.2f}**" in status_line and "Coverage: 5 of 6 units" in status_line


def test_caveat_names_the_ecological_fallacy():
    assert "ethnicity of the persons killed" in prose.ECOLOGICAL_CAVEAT and "Robinson 1950" in prose.ECOLOGICAL_CAVEAT


def test_task_run_on_a_synthetic_register_records_what_the_statistics_give(tmp_path):
    """task.run end to end on the six synthetic units: its numbers and tables are the statistics' own values."""
    v, d = _event_victims(), _departments()
    spec = task.spec(n_permutations=200, n_wild=199, n_boot=500, start_date="2023-01-01",
                     alt_measures=["selfid"], alt_thresholds=[50.0], alt_contexts=[["clash"]],
                     alt_cutoffs=["2023-02-16"])
    result = task.run(spec, task.Inputs(v, d))
    sc = ethnic.shares(v, d, spec.scope, **spec.shares_kw)["scenarios"]
    assert result.number("all_unknown_below.death_share") == pytest.approx(sc.loc["all_unknown_below", "death_share"])
    assert result.number("units_majority") == 2 and result.number("headline.units_majority") == 2
    assert result.number("headline.events_total") == 7 and result.number("headline.events_majority") == 3
    assert result.values["headline"]["names"] == "A, C"
    assert result.tables["ethnic_classification"].columns.tolist() == tables.CLASSIFICATION_COLUMNS
    assert len(result.values["alternatives"]) == 1  # the default is the only definition of the grid
    assert {e["unit"] for e in result.numbers.entries.values()} <= {"department", "person", "event", "proportion",
                                                                      "ratio", "index", "p-value", "count"}
    written = result.write(tmp_path)
    assert (tmp_path / "numbers" / "ethnic.json").exists() and len(written) == 6 + 4 * 3 + 1
    with pytest.raises(ValueError, match="proj2022"):
        task.run(task.spec(population_base="proj2022"), task.Inputs(v, d))
