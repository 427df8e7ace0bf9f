"""Rates and exact rate ratios, checked against textbook values and independent implementations."""
import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportion_confint
from statsmodels.stats import rates as sm_rates

from analysis.register.scope import Scope
from analysis.stats.exact import poisson_ci
from analysis.stats.rates import (add_rate, blank, department_rates, group_rate, rank_departments, rate, rate_ratio,
                                  rate_ratios, within_top_interval)
from tests.registers import as_register

CLASH = Scope(contexts=("clash",), end="2023-03-31")


def departments():
    return pd.DataFrame({
        "ubigeo_dep": ["05", "15", "21", "08"],
        "department": ["Ayacucho", "Lima", "Puno", "Cusco"],
        "pop_census_2017_persons": [616176, 9485405, 1172697, 1205527],
        "pop_proj_2022_persons": [np.nan, np.nan, np.nan, np.nan],
    })


def victim(i, dep, date, context="clash", event=""):
    names = {"05": "Ayacucho", "15": "Lima", "21": "Puno", "08": "Cusco", "": ""}
    return {"victim_id": f"V{i:03d}", "identified": True, "ubigeo_dep": dep, "department": names[dep],
            "date_death": date, "event_id": event, "context": context}


def victims():
    rows = [victim(i, "05", "2022-12-15", event="E05") for i in range(1, 11)]           # 10 in one event
    rows += [victim(11, "15", "2023-01-28", event="E10")]                                # Lima 1
    rows += [victim(12 + i, "21", "2023-01-09", event="E07") for i in range(5)]          # Puno 5
    rows += [victim(17, "21", "2023-04-15")]                                             # after the cut-off
    rows += [victim(18, "21", "")]                                                       # date unknown
    rows += [victim(19, "", "2023-01-10")]                                               # department unknown
    rows += [victim(20, "08", "2023-01-11", context="blockade")]                         # other context
    rows += [victim(21, "08", "2023-01-11", context="unknown")]                          # context unknown
    return as_register(pd.DataFrame(rows))


# --- exact Poisson interval (the building block of every rate interval) -------------------------------------

@pytest.mark.parametrize("k, low, high", [(0, 0.0, 3.689), (1, 0.0253, 5.572), (10, 4.795, 18.39)])
def test_poisson_ci_textbook_values(k, low, high):
    lo, hi = poisson_ci(k)
    assert lo == pytest.approx(low, abs=1e-3)
    assert hi == pytest.approx(high, rel=1e-3)


@pytest.mark.parametrize("k", [1, 3, 18, 50])
def test_poisson_ci_matches_gamma_quantiles(k):
    assert poisson_ci(k) == pytest.approx((stats.gamma.ppf(0.025, k), stats.gamma.ppf(0.975, k + 1)), rel=1e-10)


# --- selection through analysis.register.scope: nothing dropped silently ------------------------------------------------

def test_counts_account_for_every_register_person():
    res = department_rates(victims(), departments(), CLASH)
    assert res.counts == {"n_in": 21, "excluded_context": 2, "excluded_event": 0, "outside_window": 1,
                          "certain": 17, "possible": 18, "uncertain": 1, "n_selected": 17}
    c = res.counts
    assert c["n_in"] == c["excluded_context"] + c["excluded_event"] + c["outside_window"] + c["possible"]
    assert set(res.persons["victim_id"]) == {f"V{i:03d}" for i in [*range(1, 17), 19]}
    assert res.selection.uncertain["victim_id"].tolist() == ["V018"]  # no date: possibly, not certainly, in


def test_policy_possible_counts_the_undated_death_and_bounds_hold():
    certain = department_rates(victims(), departments(), CLASH).table.set_index("ubigeo_dep")
    possible = department_rates(victims(), departments(), CLASH.with_(policy="possible")).table.set_index("ubigeo_dep")
    assert certain.loc["21", ["deaths", "deaths_certain", "deaths_possible"]].tolist() == [5, 5, 6]
    assert possible.loc["21", ["deaths", "deaths_certain", "deaths_possible"]].tolist() == [6, 5, 6]
    assert (certain["deaths_certain"] <= certain["deaths_possible"]).all()
    assert possible["deaths"].equals(certain["deaths_possible"])


def test_interval_straddling_the_cutoff_is_possible_only():
    v = victims()
    v.loc[v["victim_id"] == "V017", ["date_death_min", "date_death_max"]] = ["2023-03-30", "2023-04-02"]
    res = department_rates(v, departments(), CLASH)
    assert res.counts["outside_window"] == 0 and res.counts["uncertain"] == 2
    assert res.table.set_index("ubigeo_dep").loc["21", "deaths_possible"] == 7


def test_cutoff_is_inclusive_and_contexts_widen():
    res = department_rates(victims(), departments(), Scope(contexts=("clash", "blockade"), end="2023-01-11"))
    assert res.counts["outside_window"] == 2               # Lima 28 Jan and Puno 15 Apr
    assert "V020" in set(res.persons["victim_id"])          # blockade death on the cut-off day itself


def test_excluded_event_leaves_the_count_and_is_accounted():
    res = department_rates(victims(), departments(), CLASH.with_(exclude_events=("E05",)))
    assert res.table.set_index("ubigeo_dep").loc["05", "deaths"] == 0
    assert res.counts["excluded_event"] == 10 and res.counts["n_selected"] == 7


# --- department rates ---------------------------------------------------------------------------------------

def test_department_rates_counts_rates_and_unknown_department():
    res = department_rates(victims(), departments(), CLASH)
    t = res.table.set_index("ubigeo_dep")
    assert t["deaths"].to_dict() == {"05": 10, "08": 0, "15": 1, "21": 5}   # Puno: the undated death is not certain
    assert res.n_unknown_department == 1 and res.unknown_department["victim_id"].tolist() == ["V019"]
    assert t["deaths"].sum() + res.n_unknown_department == res.counts["n_selected"]
    assert t.loc["05", "rate"] == pytest.approx(10 / 616176 * 1e5)
    lo, hi = stats.gamma.ppf(0.025, 10), stats.gamma.ppf(0.975, 11)
    assert (t.loc["05", "rate_low"], t.loc["05", "rate_high"]) == pytest.approx((lo / 616176 * 1e5, hi / 616176 * 1e5))
    assert t.loc["08", "rate_low"] == 0 and t.loc["08", "rate_high"] == pytest.approx(3.689 / 1205527 * 1e5, rel=1e-3)


def test_incomplete_population_column_is_refused():
    with pytest.raises(ValueError, match="pop_proj_2022_persons.*4 department"):
        department_rates(victims(), departments(), CLASH, population_col="pop_proj_2022_persons")


def test_department_code_not_in_table_is_refused():
    v = victims()
    v.loc[0, "ubigeo_dep"] = "99"
    with pytest.raises(ValueError, match="99"):
        department_rates(v, departments(), CLASH)


def test_rate_is_per_100000_with_the_exact_interval_scaled():
    r = rate(10, 616176)
    lo, hi = poisson_ci(10)
    assert r == {"rate": 10 / 616176 * 1e5, "rate_low": lo / 616176 * 1e5, "rate_high": hi / 616176 * 1e5}
    assert rate(3, 2_000_000, per=1_000_000)["rate"] == pytest.approx(1.5)
    assert rate(0, 1000)["rate"] == 0 and rate(0, 1000)["rate_high"] > 0  # zero deaths: still an upper limit


def test_add_rate_applies_rate_to_every_row_under_any_prefix_and_population_column():
    t = pd.DataFrame({"k": [0, 5], "pop": [1000, 200_000]})
    out = add_rate(t, "k", prefix="per_100k", population_col="pop")
    assert list(out.columns) == ["k", "pop", "per_100k", "per_100k_low", "per_100k_high"]
    for row, (k, pop) in zip(out.itertuples(index=False), [(0, 1000), (5, 200_000)]):
        assert (row.per_100k, row.per_100k_low, row.per_100k_high) == tuple(rate(k, pop).values())
    assert "per_100k" not in t.columns  # the input is not modified


def test_blank_treats_missing_and_whitespace_as_no_code():
    assert blank(pd.Series(["05", "", "  ", None, np.nan])).tolist() == [False, True, True, True, True]


def test_group_rate_pools_departments():
    t = department_rates(victims(), departments(), CLASH).table
    g = group_rate(t, ["05", "21"])
    assert g["deaths"] == 15 and g["population"] == 616176 + 1172697
    assert g["rate_high"] == pytest.approx(stats.gamma.ppf(0.975, 16) / (616176 + 1172697) * 1e5)


# --- exact rate ratio ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("k1, p1, k0, p0", [(10, 616176, 1, 9485405), (18, 1172697, 3, 2e6), (2, 5e5, 7, 3e6),
                                            (0, 4e5, 6, 9e6), (4, 1e5, 0, 1e6)])
def test_rate_ratio_pvalue_matches_statsmodels_exact_conditional(k1, p1, k0, p0):
    res = rate_ratio(k1, p1, k0, p0)
    with np.errstate(divide="ignore"):  # statsmodels divides by a zero reference rate when k0 = 0
        ref = sm_rates.test_poisson_2indep(k1, p1, k0, p0, method="exact-cond")
    assert res["p_value"] == pytest.approx(ref.pvalue, rel=1e-6)
    if k0 > 0:
        assert res["rr"] == pytest.approx((k1 / p1) / (k0 / p0))


@pytest.mark.parametrize("k1, p1, k0, p0", [(10, 616176, 1, 9485405), (18, 1172697, 3, 2e6), (2, 5e5, 7, 3e6)])
def test_rate_ratio_interval_is_clopper_pearson_on_rr_scale(k1, p1, k0, p0):
    res = rate_ratio(k1, p1, k0, p0)
    lo, hi = proportion_confint(k1, k1 + k0, alpha=0.05, method="beta")
    assert res["rr_low"] == pytest.approx(lo / (1 - lo) * p0 / p1)
    assert res["rr_high"] == pytest.approx(hi / (1 - hi) * p0 / p1)


@pytest.mark.parametrize("k1, p1, k0, p0", [(10, 616176, 1, 9485405), (3, 2e5, 5, 4e5)])
def test_rate_ratio_interval_inverts_the_one_sided_exact_tests(k1, p1, k0, p0):
    """At each limit the one-sided exact conditional p-value is exactly alpha/2 (test inversion)."""
    res, n = rate_ratio(k1, p1, k0, p0), k1 + k0
    pi = lambda rr: p1 * rr / (p1 * rr + p0)  # noqa: E731
    assert stats.binom.sf(k1 - 1, n, pi(res["rr_low"])) == pytest.approx(0.025, rel=1e-7)
    assert stats.binom.cdf(k1, n, pi(res["rr_high"])) == pytest.approx(0.025, rel=1e-7)


def test_rate_ratio_zero_reference_gives_infinite_upper_limit():
    res = rate_ratio(4, 1e5, 0, 1e6)
    assert res["rr_high"] == np.inf and res["rr"] == np.inf and res["rr_low"] > 0


def test_rate_ratio_rejects_bad_counts():
    with pytest.raises(ValueError, match="k1"):
        rate_ratio(-1, 1e5, 2, 1e5)
    with pytest.raises(ValueError, match="populations"):
        rate_ratio(1, 0, 2, 1e5)


def test_rate_ratios_against_lima_rest_and_code():
    t = department_rates(victims(), departments(), CLASH).table
    lima = rate_ratios(t, "Lima").set_index("ubigeo_dep")
    assert "15" not in lima.index and len(lima) == 3
    assert lima.loc["05", "rr"] == pytest.approx((10 / 616176) / (1 / 9485405))
    assert lima.loc["05", "reference"] == "Lima"

    rest = rate_ratios(t, "rest").set_index("ubigeo_dep")
    assert len(rest) == 4
    pop_rest = 9485405 + 1172697 + 1205527
    assert rest.loc["05", ["ref_deaths", "ref_population"]].tolist() == [6, pop_rest]
    assert rest.loc["05", "rr"] == pytest.approx((10 / 616176) / (6 / pop_rest))
    assert rest.loc["05", "p_value"] == pytest.approx(
        sm_rates.test_poisson_2indep(10, 616176, 6, pop_rest, method="exact-cond").pvalue, rel=1e-6)

    puno = rate_ratios(t, "21").set_index("ubigeo_dep")
    assert puno.loc["05", "reference"] == "Puno"
    # Holm: the smallest p-value is multiplied by the number of comparisons
    p = lima["p_value"].sort_values()
    assert lima["p_holm"].min() == pytest.approx(min(1.0, 3 * p.iloc[0]))
    with pytest.raises(ValueError, match="reference"):
        rate_ratios(t, "Callao")


def test_rank_departments_keeps_deaths_orders_by_value_then_code():
    t = pd.DataFrame({"ubigeo_dep": ["21", "05", "08", "15", "03"], "department": ["Puno", "Ayacucho", "Cusco", "Lima",
                                                                               "Apurímac"],
                      "deaths": [6, 10, 0, 1, 2], "rate": [0.5, 1.6, 0.0, 0.01, 0.5]})
    ranked = rank_departments(t, "rate")
    assert ranked["ubigeo_dep"].tolist() == ["05", "03", "21", "15"]  # Cusco (0 deaths) out; tie 0.5 by code
    assert ranked.index.tolist() == [1, 4, 0, 3]  # original row labels kept


def test_within_top_interval_lists_departments_reaching_the_top_lower_limit():
    table = department_rates(victims(), departments(), CLASH).table
    ranked = rank_departments(table, "rate")
    assert ranked["department"].tolist() == ["Ayacucho", "Puno", "Lima"]
    top_low = poisson_ci(10)[0] / 616176 * 1e5  # 10 deaths in Ayacucho: exact lower limit 0.778 per 100,000
    assert 6 / 1172697 * 1e5 < top_low  # Puno is below it even with its undated (possible) death
    assert within_top_interval(ranked) == []
    handmade = pd.DataFrame({"department": ["A", "B", "C", "D"], "rate": [9.0, 5.0, 4.99, 6.0],
                             "rate_low": [5.0, 1.0, 1.0, 2.0]})
    assert within_top_interval(handmade) == ["B", "D"]  # inclusive at the limit; C just below
    assert within_top_interval(handmade.iloc[:0]) == []


def test_rate_ratios_default_is_the_rest_and_lima_plus_callao_pools_both():
    deps = pd.concat([departments(), pd.DataFrame({"ubigeo_dep": ["07"], "department": ["Callao"],
                                                   "pop_census_2017_persons": [994494],
                                                   "pop_proj_2022_persons": [np.nan]})], ignore_index=True)
    v = victims()
    v.loc[v["victim_id"] == "V020", ["ubigeo_dep", "department", "context"]] = ["07", "Callao", "clash"]
    t = department_rates(v, deps, CLASH).table
    default = rate_ratios(t)
    assert default["reference"].eq("rest of the country").all() and len(default) == 5
    lc = rate_ratios(t, "Lima+Callao").set_index("ubigeo_dep")
    assert set(lc.index) == {"05", "21", "08"}  # Lima and Callao are the reference, not compared
    assert lc.loc["05", "reference"] == "Lima + Callao"
    k0, pop0 = 1 + 1, 9485405 + 994494  # one death in Lima, one in Callao
    assert lc.loc["05", ["ref_deaths", "ref_population"]].tolist() == [k0, pop0]
    assert lc.loc["05", "rr"] == pytest.approx((10 / 616176) / (k0 / pop0))
    assert lc.loc["05", "p_value"] == pytest.approx(
        sm_rates.test_poisson_2indep(10, 616176, k0, pop0, method="exact-cond").pvalue, rel=1e-6)
    with pytest.raises(ValueError, match="reference"):
        rate_ratios(department_rates(victims(), departments(), CLASH).table, "Lima+Callao")  # no Callao row
