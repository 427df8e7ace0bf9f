"""analysis.stats.clustered against independent computations (statsmodels, scipy, brute-force enumeration)."""
import itertools
import math
import time

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats
from statsmodels.discrete.discrete_model import NegativeBinomial

from analysis import paths
from analysis.register import scope
from analysis.stats import clustered as C

# Tiny register: 8 departments, 9 lethal events (event 2 spans departments 1 and 2).
POP = np.array([1000., 2000., 1500., 4000., 1200., 3000., 800., 2500.])
X = np.array([0., 1., 2., 3., 1., 0., 2., 3.])
Z = np.array([0.5, 0.1, 0.9, 0.3, 0.7, 0.2, 0.4, 0.8])
COUNTS = np.zeros((9, 8), dtype=int)
for g, (dep, n) in enumerate([(0, 3), (1, 1), (2, 4), (3, 2), (4, 1), (2, 2), (6, 5), (7, 1), (3, 1)]):
    COUNTS[g, dep] = n
COUNTS[2, 1] = 1


def design(adjust=False, x=X, counts=COUNTS):
    return C.make_design(counts, POP, x, Z[:, None] if adjust else None)


def persons_of(counts):
    """One row per person: department index and event index."""
    rows = [(d, g) for g in range(counts.shape[0]) for d in range(counts.shape[1]) for _ in range(counts[g, d])]
    return np.array([r[0] for r in rows]), np.array([r[1] for r in rows])


def expanded_fit(x, Zcol, counts):
    """statsmodels Poisson GLM on person x department rows with a dummy per person (the multinomial as Poisson):
    its slopes are the department model's; clustering its rows by event clusters the persons' scores."""
    dep, ev = persons_of(counts)
    N, D = len(dep), counts.shape[1]
    rows_y = np.zeros(N * D)
    rows_y[np.arange(N) * D + dep] = 1
    dummies = np.kron(np.eye(N), np.ones((D, 1)))
    slopes = np.column_stack([np.tile(x, N)] + ([np.tile(Zcol, N)] if Zcol is not None else []))
    exog = np.column_stack([slopes, dummies])
    fit = sm.GLM(rows_y, exog, family=sm.families.Poisson(), offset=np.tile(np.log(POP), N)).fit(
        cov_type="cluster", cov_kwds={"groups": np.repeat(ev, D), "use_correction": False}, tol=1e-12)
    return fit


# ------------------------------------------------------------------------------------------ model-based
@pytest.mark.parametrize("adjust", [False, True])
def test_poisson_and_quasi_poisson_match_statsmodels(adjust):
    d = design(adjust)
    Xm = sm.add_constant(np.column_stack([X, Z]) if adjust else X)
    y = COUNTS.sum(axis=0)
    fit = sm.GLM(y, Xm, family=sm.families.Poisson(), offset=np.log(POP)).fit()
    pm = C.poisson_model(d)
    assert pm.estimate == pytest.approx(np.exp(fit.params[1]), rel=1e-8)
    assert (pm.low, pm.high) == pytest.approx(tuple(np.exp(fit.conf_int()[1])), rel=1e-7)
    assert pm.p_value == pytest.approx(fit.pvalues[1], rel=1e-6)
    assert pm.details["dispersion"] == pytest.approx(fit.pearson_chi2 / fit.df_resid, rel=1e-8)
    assert not pm.defensible and pm.level == "person"
    q = sm.GLM(y, Xm, family=sm.families.Poisson(), offset=np.log(POP)).fit(scale="X2", use_t=True)
    qp = C.quasi_poisson(d)
    assert (qp.low, qp.high) == pytest.approx(tuple(np.exp(q.conf_int()[1])), rel=1e-7)
    assert qp.p_value == pytest.approx(q.pvalues[1], rel=1e-6)
    assert qp.details["df"] == q.df_resid


# ------------------------------------------------------------------------------------------ clustered
@pytest.mark.parametrize("adjust", [False, True])
def test_cluster_t_matches_statsmodels_cluster_covariance_with_small_sample_correction(adjust):
    d = design(adjust)
    fit = expanded_fit(X, Z if adjust else None, COUNTS)
    G = COUNTS.shape[0]
    se = math.sqrt(fit.cov_params()[0, 0] * G / (G - 1))
    q = stats.t.ppf(0.975, G - 1)
    r = C.cluster_robust(d, critical="t")
    assert r.estimate == pytest.approx(np.exp(fit.params[0]), rel=1e-7)
    assert (r.low, r.high) == pytest.approx((np.exp(fit.params[0] - q * se), np.exp(fit.params[0] + q * se)), rel=1e-6)
    assert r.p_value == pytest.approx(2 * stats.t.sf(abs(fit.params[0] / se), G - 1), rel=1e-6)
    normal = C.cluster_robust(d, critical="normal")
    assert normal.p_value < r.p_value and not normal.defensible and r.defensible
    with pytest.raises(ValueError, match="critical must be"):
        C.cluster_robust(d, critical="z")


def test_sign_flip_matches_brute_force_enumeration():
    d = design()
    y = COUNTS.sum(axis=0)
    mu = sm.GLM(y, np.ones((8, 1)), family=sm.families.Poisson(), offset=np.log(POP)).fit().mu
    xbar = np.sum(mu * X) / mu.sum()
    dep, ev = persons_of(COUNTS)
    scores = np.zeros(COUNTS.shape[0])
    for dd, g in zip(dep, ev):  # person by person
        scores[g] += X[dd] - xbar
    obs = abs(scores.sum())
    hits = sum(abs(np.dot(s, scores)) >= obs - 1e-9 for s in itertools.product([1, -1], repeat=len(scores)))
    p, exact = C.sign_flip_p(d)
    assert exact and p == pytest.approx(hits / 2 ** len(scores), abs=1e-15)


def test_sign_flip_with_adjuster_uses_the_residualised_covariate():
    d = design(adjust=True)
    y = COUNTS.sum(axis=0)
    Xr = sm.add_constant(Z)
    mu = sm.GLM(y, Xr, family=sm.families.Poisson(), offset=np.log(POP)).fit(tol=1e-12).mu
    r = X - sm.WLS(X, Xr, weights=mu).fit().fittedvalues  # x minus its mu-weighted projection on [1, Z]
    dep, ev = persons_of(COUNTS)
    pi = mu / mu.sum()
    scores = np.bincount(ev, weights=r[dep] - pi @ r)
    obs = abs(scores.sum())
    hits = sum(abs(np.dot(s, scores)) >= obs - 1e-9 for s in itertools.product([1, -1], repeat=len(scores)))
    assert C.sign_flip_p(d)[0] == pytest.approx(hits / 2 ** len(scores), abs=1e-15)


def test_sign_flip_interval_contains_estimate_and_excludes_rejected_values():
    d = design()
    r = C.sign_flip(d)
    assert r.low < r.estimate < r.high
    assert C.sign_flip_p(d, math.log(r.low) - 0.01)[0] <= 0.05
    assert C.sign_flip_p(d, math.log(r.high) + 0.01)[0] <= 0.05
    assert C.sign_flip_p(d, math.log(r.estimate))[0] == 1.0


def test_wild_cluster_matches_a_loop_over_every_rademacher_vector():
    d = design(adjust=True)
    y = COUNTS.sum(axis=0)
    G, N = COUNTS.shape[0], COUNTS.sum()
    full = expanded_fit(X, Z, COUNTS)
    t_obs = abs(full.params[0] / math.sqrt(full.cov_params()[0, 0] * G / (G - 1)))
    mu = sm.GLM(y, sm.add_constant(Z), family=sm.families.Poisson(), offset=np.log(POP)).fit(tol=1e-12).mu
    S = np.column_stack([X, Z])
    Sc = S - (mu / mu.sum()) @ S
    B = Sc.T @ (mu[:, None] * Sc)
    s = COUNTS @ Sc
    m = COUNTS.sum(axis=1)
    Binv = np.linalg.inv(B)
    hits = 0
    for w in itertools.product([1, -1], repeat=G):
        w = np.array(w, dtype=float)
        star = w @ s
        delta = Binv @ star
        sg = w[:, None] * s - np.outer(m / N, B @ delta)
        V = Binv @ (sg.T @ sg) @ Binv * G / (G - 1)
        hits += abs(delta[0] / math.sqrt(V[0, 0])) >= t_obs - 1e-9
    p, exact = C.wild_cluster_p(d)
    assert exact and p == pytest.approx(hits / 2 ** G, abs=1e-15)


def test_wild_cluster_webb_draws_are_seeded_when_g_is_large():
    counts = np.zeros((16, 8), dtype=int)
    for g in range(16):
        counts[g, g % 8] = 1 + g % 3
    d = C.make_design(counts, POP, X)
    p1, exact = C.wild_cluster_p(d, n_draws=999, seed=1)
    assert not exact and p1 == C.wild_cluster_p(d, n_draws=999, seed=1)[0]
    assert (p1 * 1000) == pytest.approx(round(p1 * 1000))  # (1 + hits) / (1 + B)


def test_sign_flip_monte_carlo_beyond_16_events_is_reproducible():
    counts = np.zeros((17, 8), dtype=int)
    for g in range(17):
        counts[g, g % 8] = 1 + g % 4
    d = C.make_design(counts, POP, X)
    p1, exact = C.sign_flip_p(d, n_draws=1999, seed=7)
    assert not exact and p1 == C.sign_flip_p(d, n_draws=1999, seed=7)[0]
    assert p1 * 2000 == pytest.approx(round(p1 * 2000)) and p1 >= 1 / 2000


def test_sign_matrix_is_cached_complete_and_read_only():
    m = C.sign_matrix(4)
    assert m is C.sign_matrix(4)
    assert {tuple(r) for r in m} == set(itertools.product([1.0, -1.0], repeat=4))
    assert (m[0] == 1).all() and not m.flags.writeable


def test_sign_flip_is_fast_enough_for_the_multiverse():
    counts = np.zeros((15, 8), dtype=int)
    for g in range(15):
        counts[g, g % 8] = 1 + g % 5
    d = C.make_design(counts, POP, X)
    C.sign_flip_p(d)
    start = time.perf_counter()
    for _ in range(100):
        C.sign_flip_p(d)
    assert time.perf_counter() - start < 5.0  # ~4 ms a call on one core; generous for a shared machine


# ------------------------------------------------------------------------------------- negative binomial
NB_Y = np.array([0, 12, 1, 3, 25, 2, 0, 7])


def sm_negbin(exog, offset):
    """statsmodels' discrete NB2 by maximum likelihood (quasi-Newton, then Nelder-Mead if it does not converge)."""
    model = NegativeBinomial(NB_Y, exog, offset=offset, loglike_method="nb2")
    for method in ("bfgs", "nm"):
        fit = model.fit(disp=0, method=method, maxiter=20_000, gtol=1e-10) if method == "bfgs" else \
            model.fit(disp=0, method=method, maxiter=20_000, xtol=1e-10, ftol=1e-12)
        if fit.mle_retvals["converged"]:
            return fit
    raise AssertionError("statsmodels NB2 did not converge")


@pytest.mark.filterwarnings("ignore::RuntimeWarning", "ignore::statsmodels.tools.sm_exceptions.HessianInversionWarning",
                            "ignore::statsmodels.tools.sm_exceptions.ConvergenceWarning")
def test_negative_binomial_lr_test_and_profile_interval_match_statsmodels_fits():
    d = C.make_design(np.diag(NB_Y)[NB_Y > 0], POP, X)
    Xm, off = sm.add_constant(X), np.log(POP)
    full, null = sm_negbin(Xm, off), sm_negbin(np.ones((8, 1)), off)
    r = C.negative_binomial(d)
    assert r.estimate == pytest.approx(np.exp(full.params[1]), rel=1e-4)
    assert r.details["nb_alpha"] == pytest.approx(full.params[-1], rel=1e-3)
    assert r.p_value == pytest.approx(stats.chi2.sf(2 * (full.llf - null.llf), 1), rel=1e-4)
    for bound in (r.low, r.high):  # the profile-likelihood limits: 2 (llf_max - llf(b)) = chi2_1(0.95)
        fixed = sm_negbin(np.ones((8, 1)), off + math.log(bound) * X)
        assert 2 * (full.llf - fixed.llf) == pytest.approx(stats.chi2.ppf(0.95, 1), abs=1e-3)
    assert r.low < r.estimate < r.high


# ------------------------------------------------------------------------------- department randomisation
def test_department_randomisation_matches_brute_force_with_statsmodels_score_test():
    pop, x = POP[:6], np.array([0., 0., 1., 1., 2., 0.])
    counts = np.array([[2, 0, 0, 0, 0, 0], [0, 0, 4, 0, 0, 0], [0, 1, 0, 0, 0, 0], [0, 0, 0, 0, 3, 0],
                       [0, 0, 0, 1, 0, 1]])
    d = C.make_design(counts, pop, x)
    y = counts.sum(axis=0).astype(float)
    null = sm.GLM(y, np.ones((6, 1)), family=sm.families.Poisson(), offset=np.log(pop))

    def stat(xx):
        return null.score_test(np.array([null.fit().params[0]]), exog_extra=xx[:, None])[0].item()

    arrangements = set(itertools.permutations(x))
    obs = stat(x)
    p = np.mean([stat(np.array(a)) >= obs - 1e-9 for a in arrangements])
    r = C.department_randomisation(d)
    assert r.details["exact"] and r.details["arrangements"] == len(arrangements) == 60
    assert r.p_value == pytest.approx(p, abs=1e-12)
    with pytest.raises(ValueError, match="unadjusted"):
        C.department_randomisation(design(adjust=True))


# ------------------------------------------------------------------------------------ contrasts, reference
def test_exact_conditional_matches_scipy():
    x = np.array([1., 1., 0., 0., 0., 1., 0., 0.])
    d = design(x=x)
    y = COUNTS.sum(axis=0)
    k1, k0, p1, p0 = y[x == 1].sum(), y[x == 0].sum(), POP[x == 1].sum(), POP[x == 0].sum()
    n = k1 + k0
    r = C.exact_conditional(d)
    lo, hi = stats.beta.ppf(0.025, k1, n - k1 + 1), stats.beta.ppf(0.975, k1 + 1, n - k1)
    assert r.estimate == pytest.approx((k1 / p1) / (k0 / p0), rel=1e-12)
    assert (r.low, r.high) == pytest.approx((lo / (1 - lo) * p0 / p1, hi / (1 - hi) * p0 / p1), rel=1e-10)
    assert r.p_value == pytest.approx(stats.binomtest(k1, n, p1 / (p1 + p0)).pvalue, rel=1e-12)
    assert r.level == "person" and not r.defensible
    with pytest.raises(ValueError, match="0/1 covariate"):
        C.exact_conditional(design())


def _register():
    deps = pd.DataFrame({"ubigeo_dep": ["03", "05", "07", "15", "21"], "department": list("ABCDE"),
                         "pop": [400., 600., 1000., 9000., 1200.], "cov": [1., 1., 0., 0., 1.]})
    persons = pd.DataFrame({
        "victim_id": [f"V{i}" for i in range(9)],
        "ubigeo_dep": ["03", "03", "05", "21", "21", "21", "15", "07", None],
        "event_id": ["E1", "E1", None, "E2", "E2", None, None, "E3", "E2"],
        "date_death": ["2023-01-01", "2023-01-01", "2022-12-15", "2023-01-09", "2023-01-09", "2023-01-09", None,
                       "2023-01-20", None],
        "date_death_min": ["2023-01-01", "2023-01-01", "2022-12-15", "2023-01-09", "2023-01-09", "2023-01-09",
                           "2023-01-28", "2023-01-20", "2023-01-09"],
        "date_death_max": ["2023-01-01", "2023-01-01", "2022-12-15", "2023-01-09", "2023-01-09", "2023-01-09",
                           "2023-01-28", "2023-01-20", "2023-01-10"]})
    return persons, deps


def test_event_clusters_listed_event_department_day_or_person():
    persons, _ = _register()
    keys = C.event_clusters(persons).tolist()
    assert keys == ["E1", "E1", "day:05:2022-12-15", "E2", "E2", "day:21:2023-01-09", "day:15:2023-01-28", "E3",
                    "E2"]
    solo = persons.assign(ubigeo_dep=[None] * 9, event_id=[None] * 9)
    assert C.event_clusters(solo).iloc[0] == "person:V0"


def test_contrast_design_references_and_deaths():
    persons, deps = _register()
    rest = C.contrast_design(persons, deps, ["03", "05", "21"], reference="rest", population_col="pop")
    assert rest.departments == ("03", "05", "07", "15", "21") and rest.x.tolist() == [1, 1, 0, 0, 1]
    assert rest.y.tolist() == [2, 1, 1, 1, 3] and rest.n_unknown_department == 1 and rest.G == 6
    lima = C.contrast_design(persons, deps, ["03", "05", "21"], reference="Lima", population_col="pop")
    assert lima.departments == ("03", "05", "15", "21")
    both = C.contrast_design(persons, deps, ["03", "05", "21"], reference="Lima+Callao", population_col="pop")
    assert both.departments == rest.departments
    with pytest.raises(ValueError, match="overlaps the group"):
        C.contrast_design(persons, deps, ["15", "21"], reference="Lima", population_col="pop")
    with pytest.raises(ValueError, match="reference must be one of"):
        C.reference_codes("Cusco", ["03"], ["03", "15"])


def test_design_from_register_refuses_missing_covariate_unless_dropped():
    persons, deps = _register()
    deps.loc[2, "cov"] = np.nan
    with pytest.raises(ValueError, match=r"missing for 1 department\(s\): C"):
        C.design_from_register(persons, deps, "cov", population_col="pop")
    d = C.design_from_register(persons, deps, "cov", population_col="pop", drop_missing=True)
    assert d.departments == ("03", "05", "15", "21") and d.N == 7


@pytest.mark.parametrize("counts, message", [
    (np.zeros((3, 8)), "no deaths in scope"),
    (np.eye(8)[:1] * 3, r"G = 1 lethal event"),
    (np.vstack([np.eye(8)[:2], -np.eye(8)[2:3]]) + np.eye(8)[3:6], "negative count"),
    (np.vstack([np.eye(8)[:2], np.zeros((1, 8))]), "cluster 2 has no deaths"),
    (np.eye(8)[:3] * 1.5, "whole numbers"),
])
def test_bad_designs_are_refused(counts, message):
    with pytest.raises(ValueError, match=message):
        C.make_design(counts, POP, X)


def test_constant_or_missing_covariate_and_bad_population_refused():
    with pytest.raises(ValueError, match="one value in every department"):
        C.make_design(COUNTS, POP, np.ones(8))
    with pytest.raises(ValueError, match="missing"):
        C.make_design(COUNTS, POP, np.r_[X[:7], np.nan])
    with pytest.raises(ValueError, match="population must be positive"):
        C.make_design(COUNTS, np.r_[POP[:7], 0.0], X)
    with pytest.raises(ValueError, match="collinear"):
        C.make_design(COUNTS, POP, X, 2 * X[:, None])


# ----------------------------------------------------------------------------------- the conservative pick
def test_most_conservative_ignores_non_defensible_and_says_which():
    R = C.MethodResult
    res = [R("poisson_model", "", "person", 2.0, 1.5, 2.5, 1e-9, False),
           R("exact_conditional", "", "person", 2.0, 0.1, 90.0, 0.99, False),
           R("quasi_poisson", "", "department", 2.0, 0.9, 4.0, 0.06, True),
           R("sign_flip", "", "event", 2.0, 0.4, 7.0, 0.35, True),
           R("randomisation_departments", "", "department", 2.0, math.nan, math.nan, 0.35, True),
           R("negbin_lr", "", "department", 1.9, 0.7, 6.0, 0.17, True)]
    h = C.most_conservative(res)
    assert (h.p_method, h.p_value) == ("sign_flip", 0.35)  # tie on p broken by the wider interval
    assert (h.interval_method, h.low, h.high) == ("sign_flip", 0.4, 7.0)
    assert "exact_conditional" not in h.considered and "poisson_model" not in h.considered
    with pytest.raises(ValueError, match="no defensible"):
        C.most_conservative(res[:2])


def test_compare_lists_every_method_and_headline_is_conservative():
    res = C.compare(design(x=np.array([1., 1., 0., 0., 0., 1., 0., 0.])), n_draws=999)
    assert [r.method for r in res] == ["poisson_model", "quasi_poisson", "negbin_lr", "cluster_normal", "cluster_t",
                                       "wild_cluster", "sign_flip", "randomisation_departments", "exact_conditional"]
    h = C.most_conservative(res)
    assert h.p_value == max(r.p_value for r in res if r.defensible)


# -------------------------------------------------------------------------------------- event-level evidence
def test_lethal_events_and_event_share_test_match_scipy():
    persons, deps = _register()
    ev = C.lethal_events(persons)
    assert ev.set_index("event")["ubigeo_dep"].to_dict() == {
        "E1": "03", "E2": "21", "E3": "07", "day:05:2022-12-15": "05", "day:15:2023-01-28": "15",
        "day:21:2023-01-09": "21"}
    assert ev.set_index("event").loc["E2", "deaths"] == 3
    pop = deps.set_index("ubigeo_dep")["pop"]
    r = C.event_share_test(ev, ["03", "05", "21"], pop)
    share = (400 + 600 + 1200) / pop.sum()
    assert (r["events_group"], r["events_total"]) == (4, 6)
    assert r["population_share"] == pytest.approx(share)
    assert r["p_value"] == pytest.approx(stats.binomtest(4, 6, share).pvalue, rel=1e-12)
    assert (r["event_share_low"], r["event_share_high"]) == pytest.approx(
        (stats.beta.ppf(0.025, 4, 3), stats.beta.ppf(0.975, 5, 2)), rel=1e-10)
    within = C.event_share_test(ev, ["03", "05", "21"], pop, within=["03", "05", "21", "15"])
    assert within["events_total"] == 5
    with pytest.raises(ValueError, match="no lethal events"):
        C.event_share_test(ev.iloc[:0], ["03"], pop)
    with pytest.raises(ValueError, match="unknown must be one of"):
        C.event_share_test(ev, ["03"], pop, unknown="maybe")


def test_event_share_unknown_department_policies():
    ev = pd.DataFrame({"event": ["a", "b", "c"], "deaths": [1, 2, 1], "ubigeo_dep": ["03", None, "15"]})
    pop = pd.Series({"03": 100.0, "15": 900.0})
    got = {u: (C.event_share_test(ev, ["03"], pop, unknown=u)["events_group"],
               C.event_share_test(ev, ["03"], pop, unknown=u)["events_total"]) for u in C.UNKNOWN}
    assert got == {"outside": (1, 3), "inside": (2, 3), "drop": (1, 2)}


def test_death_share_bootstrap_reproducible_and_matches_scipy_bootstrap():
    persons, _ = _register()
    r = C.death_share_bootstrap(persons, ["03", "05", "21"], n_boot=20_000, seed=3)
    assert r == C.death_share_bootstrap(persons, ["03", "05", "21"], n_boot=20_000, seed=3)
    assert (r["deaths_group"], r["deaths_total"], r["events"]) == (6, 9, 6)  # V8: no department, outside
    keys = C.event_clusters(persons)
    inside = persons["ubigeo_dep"].isin(["03", "05", "21"]).astype(float)
    m = inside.groupby(keys).size().to_numpy(dtype=float)
    m_in = inside.groupby(keys).sum().to_numpy()
    ref = stats.bootstrap((m_in, m), lambda a, b, axis=-1: a.sum(axis) / b.sum(axis), paired=True,
                          vectorized=True, method="percentile", n_resamples=20_000, random_state=11)
    assert r["death_share_low"] == pytest.approx(ref.confidence_interval.low, abs=0.03)
    assert r["death_share_high"] == pytest.approx(ref.confidence_interval.high, abs=0.03)
    one = C.death_share_bootstrap(persons.iloc[:2].assign(event_id=["E1", "E9"]), ["03"], n_boot=50)
    assert (one["death_share_low"], one["death_share_high"]) == (1.0, 1.0)
    with pytest.raises(ValueError, match="no persons"):
        C.death_share_bootstrap(persons.iloc[:0], ["03"])
    with pytest.raises(ValueError, match="G = 1"):
        C.death_share_bootstrap(persons.iloc[:2], ["03"])


# --------------------------------------------------------------------------------------- the real register
@pytest.mark.skipif(not (paths.PROCESSED / "victims.csv").exists(), reason="no processed register")
def test_real_register_event_level_counts_recomputed_by_hand():
    t = scope.load_register(paths.PROCESSED)
    persons = scope.select(t["victims"], scope.Scope(end="2023-02-16")).certain
    ev = C.lethal_events(persons)
    by_hand = persons.dropna(subset=["event_id"]).groupby("event_id")["ubigeo_dep"].agg(lambda s: s.mode().iloc[0])
    assert ev.set_index("event").loc[by_hand.index, "ubigeo_dep"].tolist() == by_hand.tolist()
    assert ev["deaths"].sum() == len(persons)
    group = ["03", "05", "08", "09", "21"]  # >50 % self-identified Indigenous (five-department definition)
    pop = pd.to_numeric(t["departments"].set_index("ubigeo_dep")["pop_census_2017_persons"])
    r = C.event_share_test(ev, group, pop)
    k = int(ev["ubigeo_dep"].isin(group).sum())
    assert r["events_group"] == k and r["events_total"] == len(ev)
    assert r["population_share"] == pytest.approx(pop[group].sum() / pop.sum())
    assert r["p_value"] == pytest.approx(stats.binomtest(k, len(ev), pop[group].sum() / pop.sum()).pvalue)
