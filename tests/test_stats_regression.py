"""Count models, event-clustered errors, the event-level table and leave-one-event-out."""
import numpy as np
import pandas as pd
import pytest

from analysis.errors import RawDataError
from analysis.register.scope import Scope, select
from analysis.stats.rates import department_rates, rate_ratios
from analysis.stats.regression import (add_poverty_band_ordinal, event_sizes, event_table, leave_one_event_out,
                                      leave_one_event_out_table, leave_one_out_range, loo_estimates)
from tests.registers import as_register

CLASH = Scope(contexts=("clash",), end="2023-03-31")

POP = {"01": 400_000, "02": 1_000_000, "03": 600_000, "04": 2_000_000, "05": 900_000}


def departments():
    return pd.DataFrame({"ubigeo_dep": list(POP), "department": ["A", "B", "C", "D", "E"],
                         "pop_census_2017_persons": list(POP.values()),
                         "south": [1, 0, 1, 0, 0], "poverty": [30.0, 15.0, 35.0, 10.0, np.nan]})


def victims(event_sizes_a=(6, 1), singletons=False):
    """Department 01 (south) and 03 (south) vs the rest; events sized as given."""
    rows, i = [], 0

    def add(dep, n, event, date="2023-01-09"):
        nonlocal i
        for _ in range(n):
            i += 1
            rows.append({"victim_id": f"V{i:03d}", "ubigeo_dep": dep, "department": dict(zip(POP, "ABCDE"))[dep],
                         "date_death": date, "event_id": "" if singletons else event, "context": "clash"})
    for j, n in enumerate(event_sizes_a):
        add("01", n, f"E1{j}")
    add("03", 4, "E20", "2022-12-15")
    add("02", 1, "E30")
    add("04", 2, "E40")
    add("04", 1, "")  # linked to no event
    return as_register(pd.DataFrame(rows))


def test_event_table_counts_events_not_persons():
    rates = department_rates(victims(), departments(), CLASH)
    ev = event_table(rates.persons, rates.table).set_index("ubigeo_dep")
    assert ev.loc["01", ["deaths", "events_linked", "persons_unlinked", "events", "largest_event_deaths"]].tolist() \
        == [7, 2, 0, 2, 6]
    assert ev.loc["04", ["deaths", "events_linked", "persons_unlinked", "events"]].tolist() == [3, 1, 1, 2]
    assert ev.loc["05", "events"] == 0 and ev.loc["05", "events_high"] == pytest.approx(3.689, rel=1e-3)
    assert ev.loc["01", "events_per_million"] == pytest.approx(2 / POP["01"] * 1e6)
    sizes = event_sizes(rates.persons)
    assert sizes["event_id"].tolist()[:2] == ["E10", "E20"] and sizes["deaths"].tolist()[:2] == [6, 4]


def test_leave_one_event_out_removes_exactly_that_events_persons():
    v = victims()
    seen = {}

    def fn(vv, dd, scope):
        seen[len(seen)] = set(select(vv, scope).count["victim_id"])
        t = department_rates(vv, dd, scope).table
        return {"deaths": int(t["deaths"].sum()), "rr_01": rate_ratios(t, "rest").set_index("ubigeo_dep").loc["01", "rr"]}

    loo = leave_one_event_out(v, departments(), CLASH, fn)
    assert loo["removed"].tolist() == ["none", "E10", "E11", "E20", "E30", "E40"]
    assert loo["n_removed"].tolist() == [0, 6, 1, 4, 1, 2]
    assert loo["deaths"].tolist() == [15, 9, 14, 11, 14, 13]
    assert seen[1] == set(v["victim_id"]) - set(v.loc[v["event_id"] == "E10", "victim_id"])
    no_e10 = loo.set_index("removed").loc["E10", "rr_01"]
    assert no_e10 == pytest.approx((1 / POP["01"]) / (8 / (sum(POP.values()) - POP["01"])))


def test_leave_one_event_out_keeps_the_scopes_own_exclusions():
    v = victims()
    loo = leave_one_event_out(v, departments(), CLASH.with_(exclude_events=("E20",)),
                              lambda vv, dd, sc: len(select(vv, sc).count), events=["E10"])
    assert loo["estimate"].tolist() == [11, 5]  # E20 stays out when E10 is removed too


def test_leave_one_event_out_scalar_and_unknown_event():
    v = victims()
    loo = leave_one_event_out(v, departments(), CLASH, lambda vv, dd, sc: len(select(vv, sc).count), events=["E20"])
    assert loo["estimate"].tolist() == [15, 11]
    with pytest.raises(ValueError, match="E99"):
        leave_one_event_out(v, departments(), CLASH, lambda vv, dd, sc: 0, events=["E99"])


def test_poverty_band_ordinal_codes_the_published_band_texts_and_keeps_missing():
    d = departments().assign(pov2022_band_pct=["20-30", "lowest (not stated; <20 by elimination)", ">40", "30-40",
                                               np.nan])
    out = add_poverty_band_ordinal(d)
    assert out["pov2022_band_ordinal"].iloc[:4].tolist() == [1, 0, 3, 2]
    assert out["pov2022_band_ordinal"].isna().tolist() == [False] * 4 + [True]  # not imputed
    assert out["pov2022_band_pct"].equals(d["pov2022_band_pct"])  # raw text kept beside the code
    bad = d.assign(pov2022_band_pct=["20-30", "40-50", ">40", "30-40", np.nan])
    with pytest.raises(RawDataError, match=r"departments, row 3, field 'pov2022_band_pct': band text '40-50'"):
        add_poverty_band_ordinal(bad)


def _estimates(v, d, scope=CLASH, top_code="01"):
    return loo_estimates(v, d, scope, covars=departments(), covariates=["south"],
                         population_col="pop_census_2017_persons", reference="rest", top_code=top_code, n_draws=99)


def test_leave_one_event_out_table_labels_each_removal_with_its_size():
    v = victims()
    rates = department_rates(v, departments(), CLASH)
    sizes = event_sizes(rates.persons)
    loo = leave_one_event_out_table(v, departments(), CLASH, _estimates, sizes)
    assert loo["removed"].tolist() == ["none", "E10", "E20", "E40", "E11", "E30"]  # largest event first
    assert loo["counted"].iloc[1:].tolist() == [6, 4, 2, 1, 1] and np.isnan(loo["counted"].iloc[0])
    assert loo["departments"].iloc[1:].tolist() == ["A", "C", "D", "A", "B"]
    without_e10 = loo.set_index("removed").loc["E10"]
    assert without_e10["share_top"] == pytest.approx(1 / 9)  # 01 keeps 1 of the 9 deaths left


def test_leave_one_out_range_skips_infinite_ratios_and_names_the_removals():
    loo = pd.DataFrame({"removed": ["none", "E1", "E2", "E3"], "rr_top": [4.0, 2.0, np.inf, 6.0],
                        "model_rr_first": [1.5, 1.2, 2.0, 1.1], "departments": [np.nan, "Puno", "Lima", "Cusco"]})
    span = leave_one_out_range(loo)
    assert (span["rr_min"], span["rr_min_removed"], span["rr_min_departments"]) == (2.0, "E1", "Puno")
    assert (span["rr_max"], span["rr_max_removed"]) == (6.0, "E3")
    assert span["no_reference"] == ["E2"] and span["rr_full"] == 4.0
    assert (span["model_min"], span["model_max"], span["model_full"]) == (1.1, 2.0, 1.5)
    with pytest.raises(ValueError, match="at least one removed event"):
        leave_one_out_range(loo.iloc[:1])
    with pytest.raises(ValueError, match="no finite rate ratio"):
        leave_one_out_range(loo.assign(rr_top=[4.0, np.inf, np.inf, np.inf]))


# ---------------------------------------------------------------- evidence at the level it arose (notebook 03)
import itertools  # noqa: E402

import statsmodels.api as sm  # noqa: E402
from scipy import stats  # noqa: E402
from statsmodels.discrete.discrete_model import NegativeBinomial  # noqa: E402

from analysis.stats import clustered as C  # noqa: E402
from analysis.report.text import monte_carlo_note  # noqa: E402
from analysis.stats import regression as R  # noqa: E402
from analysis.tasks.regional import event_labels  # noqa: E402


def _design(v=None):
    rates = department_rates(v if v is not None else victims(), departments(), CLASH)
    return C.design_from_register(rates.persons, departments(), "south"), rates


def test_cluster_aware_lists_every_method_with_the_wild_draws_asked_for():
    d, _ = _design()  # 6 lethal events: the wild bootstrap enumerates all 2^6 Rademacher patterns
    res = R.cluster_aware(d, n_draws=999, n_wild=999)
    assert [r.method for r in res] == ["poisson_model", "quasi_poisson", "negbin_lr", "cluster_normal", "cluster_t",
                                       "wild_cluster", "sign_flip", "randomisation_departments", "exact_conditional"]
    assert [R.role(r) for r in res].count(R.ROLE_DEFENSIBLE) == 6
    assert R.role(res[0]) == R.ROLE_DESCRIPTIVE and R.role(res[3]) == R.ROLE_COMPARISON
    adj = C.design_from_register(department_rates(victims(), departments(), CLASH).persons,
                                 departments().assign(z=[0.1, 0.5, 0.3, 0.9, 0.2]), "south", adjust=["z"])
    assert "randomisation_departments" not in [r.method for r in R.cluster_aware(adj, n_draws=99, n_wild=99,
                                                                                 interval=False)]


def test_cluster_aware_wild_bootstrap_uses_n_wild_draws_beyond_exact_enumeration():
    singles = victims(event_sizes_a=(1,) * 15)  # 15 one-person events in 01 + 4 more: G > 14, Webb draws
    d, _ = _design(singles)
    assert d.G > C.MAX_EXACT_WILD
    r = [m for m in R.cluster_aware(d, n_draws=999, n_wild=2_000, interval=False) if m.method == "wild_cluster"][0]
    assert "2,000 draws" in r.label and r.details["exact"] is False
    assert r.p_value == C.wild_cluster_p(d, 0.0, n_draws=2_000)[0]
    assert R.resampling_draws(r, n_wild=2_000, n_draws=999) == 2_000
    note = monte_carlo_note(r.p_value, R.resampling_draws(r, n_wild=2_000, n_draws=999))
    assert f"{np.sqrt(r.p_value * (1 - r.p_value) / 2_000):.4f}" in note and "2,000 draws" in note
    exact = [m for m in R.cluster_aware(_design()[0], n_draws=9, n_wild=9, interval=False)
             if m.method == "sign_flip"][0]
    assert R.resampling_draws(exact, n_wild=9, n_draws=9) is None
    assert monte_carlo_note(exact.p_value, None) == ""


def test_quasi_poisson_negbin_and_cluster_t_agree_with_statsmodels():
    d, rates = _design()
    res = {r.method: r for r in R.cluster_aware(d, n_draws=999, n_wild=999)}
    t = rates.table.merge(departments()[["ubigeo_dep", "south"]], on="ubigeo_dep")
    X, off = sm.add_constant(t["south"].astype(float)), np.log(t["population"].astype(float))
    q = sm.GLM(t["deaths"], X, family=sm.families.Poisson(), offset=off).fit(scale="X2", use_t=True)
    assert (res["quasi_poisson"].low, res["quasi_poisson"].high) == pytest.approx(tuple(np.exp(q.conf_int().iloc[1])),
                                                                                rel=1e-6)
    full = NegativeBinomial(t["deaths"], X, offset=off, loglike_method="nb2").fit(disp=0, maxiter=2000)
    null = NegativeBinomial(t["deaths"], np.ones((len(t), 1)), offset=off, loglike_method="nb2").fit(disp=0,
                                                                                                     maxiter=2000)
    lr = 2 * (full.llf - null.llf)
    assert res["negbin_lr"].p_value == pytest.approx(stats.chi2.sf(lr, 1), rel=1e-3)
    # event-clustered errors: the persons x departments Poisson with a dummy per person, clustered by event
    dep = rates.persons["ubigeo_dep"].map({c: i for i, c in enumerate(t["ubigeo_dep"])}).to_numpy()
    ev = pd.factorize(C.event_clusters(rates.persons))[0]
    n, D = len(dep), len(t)
    y = np.zeros(n * D)
    y[np.arange(n) * D + dep] = 1
    exog = np.column_stack([np.tile(t["south"].astype(float), n), np.kron(np.eye(n), np.ones((D, 1)))])
    fit = sm.GLM(y, exog, family=sm.families.Poisson(), offset=np.tile(off, n)).fit(
        cov_type="cluster", cov_kwds={"groups": np.repeat(ev, D), "use_correction": False}, tol=1e-12)
    G = ev.max() + 1
    se = np.sqrt(fit.cov_params()[0, 0] * G / (G - 1))
    tq = stats.t.ppf(0.975, G - 1)
    assert (res["cluster_t"].low, res["cluster_t"].high) == pytest.approx(
        (np.exp(fit.params[0] - tq * se), np.exp(fit.params[0] + tq * se)), rel=1e-5)


def test_sign_flip_p_equals_brute_force_enumeration_of_event_scores():
    d, rates = _design()
    x = departments().set_index("ubigeo_dep")["south"].astype(float)
    pop = pd.Series(POP, dtype=float)
    xbar = float((x * pop).sum() / pop.sum())  # the null (constant-rate) fit puts deaths in proportion to people
    score = rates.persons["ubigeo_dep"].map(x) - xbar
    e = score.groupby(C.event_clusters(rates.persons).to_numpy()).sum().to_numpy()
    obs = abs(e.sum())
    hits = sum(abs(np.dot(s, e)) >= obs - 1e-9 for s in itertools.product([-1, 1], repeat=len(e)))
    res = {r.method: r for r in R.cluster_aware(d, n_draws=99, n_wild=99, interval=False)}
    assert res["sign_flip"].p_value == pytest.approx(hits / 2 ** len(e))


def test_methods_table_marks_the_most_conservative_methods():
    d, _ = _design()
    res = R.cluster_aware(d, n_draws=999, n_wild=999)
    head = C.most_conservative(res)
    m = R.methods_table(res, head)
    assert m["headline_p"].sum() == 1 and m["headline_interval"].sum() == 1
    top = m.loc[m["headline_p"]].iloc[0]
    assert top["p_value"] == max(r.p_value for r in res if r.defensible)
    assert top["role"] == R.ROLE_DEFENSIBLE
    assert m.loc[m["method"] == "exact_conditional", "independent_unit"].item() == "person"


def test_band_table_counts_persons_and_events_per_covariate_value():
    v = victims()
    rates = department_rates(v, departments(), CLASH)
    b = R.band_table(rates.persons, departments(), "south", labels={0.0: "north", 1.0: "south"}).set_index("band")
    # south = 01 (events E10, E11: 7 deaths) + 03 (E20: 4 deaths); north = 02 (E30), 04 (E40 + one unlinked)
    assert b.loc["south", ["departments", "deaths", "events"]].tolist() == [2, 11, 3]
    assert b.loc["north", ["departments", "deaths", "events"]].tolist() == [3, 4, 3]
    pop_s = POP["01"] + POP["03"]
    assert b.loc["south", "rate_high"] == pytest.approx(stats.chi2.ppf(0.975, 2 * 12) / 2 / pop_s * 1e5)
    assert b.loc["south", "events_low"] == pytest.approx(stats.chi2.ppf(0.025, 2 * 3) / 2 / pop_s * 1e6)
    assert b["population_share"].sum() == pytest.approx(1.0) and b["event_share"].sum() == pytest.approx(1.0)
    with pytest.raises(ValueError, match="poverty"):
        R.band_table(rates.persons, departments(), "poverty")  # missing for department E: refused


def test_post_treatment_context_splits_deaths_at_the_measurement_date():
    v = victims()
    rates = department_rates(v, departments(), CLASH)
    ctx = R.post_treatment_context(rates.persons, departments().assign(roads=[3, 0, 1, 2, 0]), "roads",
                                   "2023-01-01").set_index("ubigeo_dep")
    assert ctx.loc["03", ["deaths_before", "deaths_after", "deaths_straddling"]].tolist() == [4, 0, 0]  # 15 Dec
    assert ctx.loc["01", ["deaths_before", "deaths_after"]].tolist() == [0, 7]  # 9 Jan
    assert ctx.loc["01", "value"] == 3 and ctx["deaths"].sum() == len(rates.persons)


def test_event_labels_and_the_labelled_leave_one_out_table():
    labels = event_labels(pd.DataFrame({"event_id": ["E10", "E20"], "label": ["Big clash", "Airport"]}))
    assert labels == {"E10": "Big clash", "E20": "Airport"}
    v = victims()
    sizes = event_sizes(department_rates(v, departments(), CLASH).persons)
    loo = leave_one_event_out_table(v, departments(), CLASH, _estimates, sizes, labels=labels)
    assert loo["label"].tolist()[:3] == ["all events", "Big clash", "Airport"]
    assert loo["label"].iloc[3] == "E40"  # an event without words keeps its id


def test_loo_estimates_track_the_covariate_with_its_sign_flip_p():
    v = victims()
    est = R.loo_estimates(v, departments(), CLASH, covars=departments(), covariates=["south"],
                          population_col="pop_census_2017_persons", reference="rest", top_code="01")
    rest_pop = sum(POP.values()) - POP["01"]  # 01: 7 deaths, 15 in all
    assert est["rr_top"] == pytest.approx((7 / POP["01"]) / (8 / rest_pop), rel=1e-12)
    assert est["rr_top_low"] < est["rr_top"] < est["rr_top_high"]
    assert set(_estimates(v, departments(), top_code=None)) == {"model_rr_first", "sign_flip_p"}
    d, _ = _design()
    assert est["model_rr_first"] == pytest.approx(C.poisson_model(d).estimate)
    assert est["sign_flip_p"] == C.sign_flip_p(d, 0.0)[0]
    south_pop, north_pop = POP["01"] + POP["03"], POP["02"] + POP["04"] + POP["05"]
    assert est["model_rr_first"] == pytest.approx((11 / south_pop) / (4 / north_pop), rel=1e-8)
    assert est["share_top"] == pytest.approx(7 / 15)
