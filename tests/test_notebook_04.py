"""Runs notebooks/04-ethnic-disparity.ipynb through papermill under two parameter sets and checks what it records."""
import itertools
import json

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats
from statsmodels.discrete.discrete_model import NegativeBinomial

from analysis import paths
from analysis.register.scope import Scope, load_register
from analysis.stats import ethnic

NOTEBOOK = paths.NOTEBOOKS / "04-ethnic-disparity.ipynb"
VICTIMS = paths.PROCESSED / "victims.csv"

pytestmark = pytest.mark.skipif(not VICTIMS.exists(),
                                reason="data/processed/victims.csv absent: run the register (01) first")

LIGHT = {"n_permutations": 2000, "n_wild": 1999, "n_boot": 4000}
DEFAULT = dict(LIGHT)
ALTERNATIVE = {"measure": "mothertongue", "threshold": 40.0, "contexts": None, "cutoff_date": "2023-03-31",
               "alt_measures": ["mothertongue"], "alt_thresholds": [40.0], "alt_contexts": [None],
               "alt_cutoffs": ["2023-03-31"], **LIGHT}
DEFENSIBLE = ("quasi_poisson", "negbin_lr", "cluster_t", "wild_cluster", "sign_flip", "randomisation_departments")


def _run(tmp_path, params):
    import papermill

    out = tmp_path / "out"
    papermill.execute_notebook(str(NOTEBOOK), str(tmp_path / "run.ipynb"), kernel_name="python3",
                               cwd=str(paths.NOTEBOOKS), parameters={**params, "outputs_dir": str(out)},
                               progress_bar=False)
    return out, json.loads((out / "numbers.json").read_text(encoding="utf-8"))


def _expected(params, policy="certain"):
    """The same computation done directly with the package, to compare with what the notebook recorded."""
    register = load_register()
    victims, deps = register["victims"], register["departments"]
    extra = pd.read_csv(paths.RAW / "covariates" / "ethnicity" / "ethnicity_by_department.csv",
                        dtype={"ubigeo_dep": str})
    measure = params.get("measure", "selfid")
    deps, _ = ethnic.add_missing_columns(deps, extra, measure)
    scope = Scope(contexts=ethnic.scope_contexts(params.get("contexts", ["clash"])), start="2022-12-07",
                  end=params.get("cutoff_date", "2023-02-16"), policy=policy)
    return ethnic.shares(victims, deps, scope, measure=measure, threshold=params.get("threshold", 50.0))


@pytest.fixture(scope="module")
def default_run(tmp_path_factory):
    return _run(tmp_path_factory.mktemp("nb04_default"), DEFAULT)


@pytest.mark.parametrize("which,key", [("default", "selfid.t50.clash.c20230216"),
                                       ("alternative", "mothertongue.t40.all.c20230331")])
def test_notebook_records_numbers_and_files(tmp_path, default_run, which, key):
    params = DEFAULT if which == "default" else ALTERNATIVE
    out, numbers = default_run if which == "default" else _run(tmp_path, params)
    assert all(k.startswith("ethnic.") for k in numbers)
    exp = _expected(params)
    sc = exp["scenarios"]
    for q in ("death_share", "population_share", "death_share_min", "death_share_max",
              "population_share_min", "population_share_max", "deaths", "units_majority", "units_unknown"):
        assert f"ethnic.{key}.{q}" in numbers
    assert numbers[f"ethnic.{key}.death_share"]["value"] == pytest.approx(sc.loc["known_only", "death_share"])
    assert numbers[f"ethnic.{key}.death_share_min"]["value"] == pytest.approx(sc.loc["all_unknown_below", "death_share"])
    assert numbers[f"ethnic.{key}.death_share_max"]["value"] == pytest.approx(sc.loc["all_unknown_above", "death_share"])
    assert numbers[f"ethnic.{key}.units_unknown"]["value"] == exp["coverage"]["n_unknown"]
    ds = numbers[f"ethnic.{key}.death_share"]
    assert ds["unit"] == "proportion" and len(ds["interval"]) == 2
    lo, hi = numbers[f"ethnic.{key}.death_share_min"]["value"], numbers[f"ethnic.{key}.death_share_max"]["value"]
    if ds["value"] is not None:
        assert lo - 1e-12 <= ds["value"] <= hi + 1e-12
    assert numbers["ethnic.persons_in_scope"]["value"] == exp["info"]["n_selected"] == exp["info"]["n_certain"]
    assert numbers["ethnic.persons_in_scope_possible"]["value"] == exp["info"]["n_possible"]
    flip = _expected(params, "possible")["scenarios"]
    assert numbers["ethnic.possible.death_share_min"]["value"] == pytest.approx(
        flip.loc["all_unknown_below", "death_share"])
    assert numbers["ethnic.possible.deaths"]["value"] == exp["info"]["n_possible"]
    for name in ("ethnic_population_vs_death_share", "ethnic_rate_vs_share", "ethnic_evidence_levels",
                 "ethnic_methods"):
        for ext in ("png", "svg", "csv"):
            assert (out / "figures" / f"{name}.{ext}").exists()
    for name in ("ethnic_classification", "ethnic_shares_default", "ethnic_alternatives"):
        assert (out / "tables" / f"{name}.csv").exists()


def test_default_run_covers_every_alternative(default_run):
    _, numbers = default_run
    for measure in ("selfid", "mothertongue"):
        for t in ("t50", "t40"):
            for ctx in ("clash", "all"):
                for cut in ("c20230216", "c20230331"):
                    assert f"ethnic.{measure}.{t}.{ctx}.{cut}.death_share" in numbers
    if "ethnic.permutation.rate_ratio" in numbers:
        n_arr = numbers["ethnic.permutation.arrangements"]["value"]
        assert 1 / n_arr - 1e-12 <= numbers["ethnic.permutation.rate_ratio"]["p_value"] <= 1


def test_rerun_is_byte_identical(tmp_path, default_run):
    out1, _ = default_run
    out2, _ = _run(tmp_path, DEFAULT)
    files = sorted(p.relative_to(out1) for p in out1.rglob("*") if p.is_file() and p.suffix in {".json", ".csv", ".svg", ".png"})
    assert files
    for rel in files:
        assert (out1 / rel).read_bytes() == (out2 / rel).read_bytes(), rel


# ------------------------------------------------------------------ the headline, recomputed independently
def _independent(out):
    """Counted persons of the default definition (pandas on victims.csv), the majority departments (the notebook's
    classification table) and the department table."""
    v = pd.read_csv(VICTIMS, dtype=str, keep_default_na=False)
    p = v[(v["context"] == "clash") & (v["date_death_min"] != "") & (v["date_death_min"] >= "2022-12-07")
          & (v["date_death_max"] != "") & (v["date_death_max"] <= "2023-02-16")].copy()
    cls = pd.read_csv(out / "tables" / "ethnic_classification.csv", dtype={"ubigeo_dep": str})
    majority = set(cls.loc[cls["status"] == "majority", "ubigeo_dep"])
    deps = pd.read_csv(paths.PROCESSED / "departments.csv", dtype={"ubigeo_dep": str})
    deps["deaths"] = deps["ubigeo_dep"].map(p[p["ubigeo_dep"] != ""].groupby("ubigeo_dep").size()).fillna(0)
    deps["group"] = deps["ubigeo_dep"].isin(majority).astype(float)
    p["event"] = p["event_id"].where(p["event_id"] != "", "day:" + p["ubigeo_dep"] + ":" + p["date_death_max"])
    return p, majority, deps


def test_event_level_headline_is_an_exact_binomial_test_on_events(default_run):
    out, numbers = default_run
    p, majority, deps = _independent(out)
    # an event belongs to the department holding most of its persons
    home = p.groupby("event")["ubigeo_dep"].agg(lambda s: s.value_counts().sort_index().idxmax())
    k, n = int(home.isin(majority).sum()), len(home)
    share = deps.loc[deps["group"] == 1, "pop_census_2017_persons"].sum() / deps["pop_census_2017_persons"].sum()
    assert numbers["ethnic.headline.events_majority"]["value"] == k
    assert numbers["ethnic.headline.events_total"]["value"] == n
    assert numbers["ethnic.headline.events_total"]["unit"] == "events"
    e = numbers["ethnic.headline.event_share"]
    assert e["value"] == pytest.approx(k / n) and e["p_value"] == pytest.approx(stats.binomtest(k, n, share).pvalue)
    assert e["interval"] == pytest.approx(list(stats.binomtest(k, n).proportion_ci(method="exact")))
    assert numbers["ethnic.headline.population_share"]["value"] == pytest.approx(share, rel=1e-9)
    assert numbers["ethnic.headline.units_majority"]["value"] == len(majority)
    deaths_in = int(p["ubigeo_dep"].isin(majority).sum())
    d = numbers["ethnic.headline.death_share"]
    assert d["value"] == pytest.approx(deaths_in / len(p))
    # event-cluster bootstrap: an independent numpy resampling of whole events gives the same interval (MC error)
    sizes = p.groupby("event").size()
    inside = p.assign(i=p["ubigeo_dep"].isin(majority)).groupby("event")["i"].sum().reindex(sizes.index)
    rng = np.random.default_rng(99)
    idx = rng.integers(0, len(sizes), size=(20000, len(sizes)))
    boot = inside.to_numpy()[idx].sum(axis=1) / sizes.to_numpy()[idx].sum(axis=1)
    lo, hi = np.quantile(boot, [0.025, 0.975])
    assert d["interval"] == pytest.approx([lo, hi], abs=0.04)
    person_lo, person_hi = stats.binomtest(deaths_in, len(p)).proportion_ci(method="exact")
    assert d["interval"][1] - d["interval"][0] > person_hi - person_lo  # events: wider than persons


def test_rate_ratio_headline_is_the_most_conservative_cluster_aware_result(default_run):
    out, numbers = default_run
    p, majority, deps = _independent(out)
    key = "ethnic.clustered.all_unknown_below"
    ps = {m: numbers[f"{key}.{m}"]["p_value"] for m in DEFENSIBLE}
    head = numbers["ethnic.headline.rate_ratio"]
    assert head["p_value"] == pytest.approx(max(ps.values()))
    assert head["p_value"] > numbers[f"{key}.exact_conditional"]["p_value"]  # persons are never the headline
    g = deps["group"] == 1
    pop = deps["pop_census_2017_persons"].astype(float)
    rr = (deps.loc[g, "deaths"].sum() / pop[g].sum()) / (deps.loc[~g, "deaths"].sum() / pop[~g].sum())
    assert head["value"] == pytest.approx(rr, rel=1e-8)
    X, off = sm.add_constant(deps["group"]), np.log(pop)
    full = NegativeBinomial(deps["deaths"], X, offset=off, loglike_method="nb2").fit(disp=0, maxiter=5000)
    null = NegativeBinomial(deps["deaths"], np.ones((len(deps), 1)), offset=off, loglike_method="nb2").fit(
        disp=0, maxiter=5000)
    assert numbers[f"{key}.negbin_lr"]["p_value"] == pytest.approx(stats.chi2.sf(2 * (full.llf - null.llf), 1),
                                                                   rel=1e-3)
    q = sm.GLM(deps["deaths"], X, family=sm.families.Poisson(), offset=off).fit(scale="X2", use_t=True)
    assert numbers[f"{key}.quasi_poisson"]["p_value"] == pytest.approx(q.pvalues["group"], rel=1e-4)
    # clustered by event with t(G-1): persons x departments Poisson with a dummy per person, cluster covariance
    persons = p[p["ubigeo_dep"] != ""]
    codes = deps["ubigeo_dep"].tolist()
    dep = persons["ubigeo_dep"].map({c: i for i, c in enumerate(codes)}).to_numpy()
    ev = pd.factorize(persons["event"])[0]
    n, D, G = len(dep), len(codes), ev.max() + 1
    y = np.zeros(n * D)
    y[np.arange(n) * D + dep] = 1
    exog = np.column_stack([np.tile(deps["group"].to_numpy(), n), np.kron(np.eye(n), np.ones((D, 1)))])
    fit = sm.GLM(y, exog, family=sm.families.Poisson(), offset=np.tile(off.to_numpy(), n)).fit(
        cov_type="cluster", cov_kwds={"groups": np.repeat(ev, D), "use_correction": False}, tol=1e-12)
    se = np.sqrt(fit.cov_params()[0, 0] * G / (G - 1))
    tq = stats.t.ppf(0.975, G - 1)
    assert numbers[f"{key}.cluster_t"]["interval"] == pytest.approx(
        [np.exp(fit.params[0] - tq * se), np.exp(fit.params[0] + tq * se)], rel=1e-5)
    # sign-flip over events, enumerated: event scores sum(group - population share) under the null
    share = pop[g].sum() / pop.sum()
    e = pd.Series(deps["group"].to_numpy()[dep] - share).groupby(ev).sum().to_numpy()
    signs = np.array(list(itertools.product([-1.0, 1.0], repeat=G)))
    assert numbers[f"{key}.sign_flip"]["p_value"] == pytest.approx(float(np.mean(np.abs(signs @ e)
                                                                                 >= abs(e.sum()) - 1e-9)))
