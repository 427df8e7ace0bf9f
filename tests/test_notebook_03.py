"""Task 03 (regional disparity) runs end to end under two specifications; its numbers agree with an independent
count, and its headline (the poverty gradient with events and departments as the units) with an independent
recomputation in statsmodels / scipy / numpy. The notebook's parameters are the task's, and its committed outputs
(executed by the runner) are clean."""
import ast
import fnmatch
import itertools
import json

import nbformat
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats
from statsmodels.discrete.discrete_model import NegativeBinomial

from analysis import paths
from analysis.report.numbers import UNITS
from analysis.tasks import regional as task
from analysis.workflow.params import declared_parameters

NOTEBOOK = paths.NOTEBOOKS / f"{task.TASK.notebook}.ipynb"
VICTIMS = paths.PROCESSED / "victims.csv"
DEPARTMENTS = paths.PROCESSED / "departments.csv"

SPECS = {
    "default": {"n_wild": 9999},
    "wider": {"cutoff_date": "2023-01-31", "contexts": ["clash", "blockade"], "reference": "Lima+Callao",
              "n_wild": 999},
}
CORE_KEYS = {
    "persons_in_register": "person", "deaths_counted": "person", "excluded_other_context": "person",
    "excluded_after_cutoff": "person", "deaths_date_uncertain": "person", "deaths_counted_certain": "person",
    "deaths_counted_possible": "person", "deaths_unknown_department": "person",
    "deaths_in_departments": "person", "national_rate": "persons per 100,000", "departments_with_deaths": "department",
    "highest_rate_department": "department", "highest_rate": "persons per 100,000",
    "departments_rr_significant_holm": "department", "events_total": "event", "events_linked": "event",
    "deaths_no_event": "person", "poisson_dispersion": "index", "negbin_alpha": "index",
    "model_events_clusters": "event", "gradient.headline": "ratio", "gradient.sign_flip": "ratio",
    "gradient.poisson_model": "ratio", "post_treatment.share_before": "proportion",
}
DEFENSIBLE = ("quasi_poisson", "negbin_lr", "cluster_t", "wild_cluster", "sign_flip", "randomisation_departments")
BANDS = {"lowest (not stated; <20 by elimination)": 0, "20-30": 1, "30-40": 2, ">40": 3}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """{spec name: (Result, the folder it was written to)}."""
    if not VICTIMS.exists():
        pytest.skip(f"{paths.rel(VICTIMS)} does not exist yet (run notebook 01-register first)")
    done = {}
    for name, params in SPECS.items():
        out = tmp_path_factory.mktemp(f"nb03_{name}")
        spec = task.spec(**params)
        result = task.run(spec, task.inputs(spec, paths.PROCESSED, out))
        result.write(out)
        done[name] = (result, out)
    return done


def _numbers(run):
    """The numbers as written (outputs/numbers/regional.json of the run's folder)."""
    return json.loads((run[1] / "numbers" / "regional.json").read_text(encoding="utf-8"))


def test_notebook_parameters_are_the_task_parameters():
    declared = declared_parameters(NOTEBOOK)
    assert {k: ast.literal_eval(d["default"]) for k, d in declared.items()} == task.TASK.params
    assert task.TASK.params["reference"] == "rest"


def test_spec_takes_the_defaults_and_refuses_unknown_or_invalid_parameters():
    s = task.spec()
    assert s.reference == "rest" and s.contexts == ("clash",) and s.target == "pov2022_band_ordinal"
    assert task.spec(**task.TASK.params) == s  # the folders are accepted and dropped
    assert "post_treatment_date" not in s.recorded() and s.recorded()["contexts"] == ["clash"]
    with pytest.raises(TypeError, match="refrence"):
        task.spec(refrence="Lima")
    with pytest.raises(ValueError, match="date_policy"):
        task.spec(date_policy="maybe")


def _independent_count(spec):
    """(certain, possible, register size), recomputed from the CSV with plain pandas (not analysis.register.scope): certain =
    the date-of-death interval is bounded and ends on or before the cut-off; possible = it starts on or before it
    (an empty lower bound is open)."""
    v = pd.read_csv(VICTIMS, dtype=str, keep_default_na=False)
    contexts = spec.get("contexts", ["clash"])
    cutoff = spec.get("cutoff_date", "2023-03-31")
    ctx = v["context"].isin(contexts)
    certain = (v["date_death_max"] != "") & (v["date_death_max"] <= cutoff)
    possible = (v["date_death_min"] == "") | (v["date_death_min"] <= cutoff)
    return v[ctx & certain], v[ctx & possible], len(v)


@pytest.mark.parametrize("name", list(SPECS))
def test_numbers_keys_units_and_spec(runs, name):
    nums = _numbers(runs[name])
    assert nums and all(k.startswith("regional.") for k in nums)
    assert all(e["unit"] in UNITS and e["definition"] for e in nums.values())
    for key, unit in CORE_KEYS.items():
        assert nums[f"regional.{key}"]["unit"] == unit, key
    spec = nums["regional.deaths_counted"]["spec"]
    assert spec["cutoff_date"] == SPECS[name].get("cutoff_date", "2023-03-31")
    assert spec["reference"] == SPECS[name].get("reference", "rest")
    assert spec["date_policy"] == "certain" and spec["n_wild"] == SPECS[name]["n_wild"]
    assert not any("roadblock" in k for k in nums)  # post-treatment context: no rate ratio is recorded for it


@pytest.mark.parametrize("name", list(SPECS))
def test_counts_agree_with_independent_recount(runs, name):
    nums = {k.removeprefix("regional."): e for k, e in _numbers(runs[name]).items()}
    counted, possible, n_in = _independent_count(SPECS[name])
    assert nums["persons_in_register"]["value"] == n_in
    assert nums["deaths_counted"]["value"] == nums["deaths_counted_certain"]["value"] == len(counted)
    assert nums["deaths_counted_possible"]["value"] == len(possible)
    assert nums["deaths_date_uncertain"]["value"] == len(possible) - len(counted)
    assert nums["deaths_unknown_department"]["value"] == int((counted["ubigeo_dep"] == "").sum())
    assert nums["deaths_in_departments"]["value"] + nums["deaths_unknown_department"]["value"] == len(counted)
    assert nums["deaths_no_event"]["value"] == int((counted["event_id"] == "").sum())
    pop = pd.read_csv(DEPARTMENTS, dtype={"ubigeo_dep": str})["pop_census_2017_persons"].sum()
    assert nums["national_rate"]["value"] == pytest.approx(len(counted) / pop * 1e5, rel=1e-9)
    by_dep = counted[counted["ubigeo_dep"] != ""].groupby("ubigeo_dep").size()
    rate_keys = {k.removeprefix("rate_") for k in nums if k.startswith("rate_")}
    assert rate_keys == set(by_dep.index)
    assert nums["departments_with_deaths"]["value"] == len(by_dep)


@pytest.mark.parametrize("name", list(SPECS))
def test_intervals_contain_estimates(runs, name):
    for key, e in _numbers(runs[name]).items():
        if "interval" in e and e["value"] is not None and isinstance(e["value"], (int, float)):
            lo, hi = e["interval"]
            assert lo <= e["value"] + 1e-12, key
            assert hi is None or e["value"] <= hi + 1e-12, key  # None = infinite upper limit


@pytest.mark.parametrize("name", list(SPECS))
def test_outputs_written_match_the_declaration(runs, name):
    result, out = runs[name]
    for f in ("figures/regional_rates_forest.png", "figures/regional_rates_forest.svg",
              "figures/regional_rates_forest.csv", "tables/regional_rates.csv", "tables/regional_rate_ratios.csv",
              "tables/regional_events.csv", "tables/regional_methods.csv", "figures/regional_methods.png",
              "tables/regional_covariate_levels.csv", "tables/regional_post_treatment_context.csv",
              "numbers/regional.json"):
        assert (out / f).exists(), f
    written = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    declared = [w.removeprefix("outputs/") for w in task.TASK.writes]
    assert all(any(fnmatch.fnmatch(w, d) for d in declared) for w in written), written
    rates = pd.read_csv(out / "tables/regional_rates.csv", dtype={"ubigeo_dep": str})
    assert len(rates) == 25


def test_committed_notebook_outputs_are_clean():
    """The notebook as the runner executed it: no error, nothing on stderr, no local path, figures shown."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    texts = []
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            assert o.get("output_type") != "error"
            if o.get("output_type") == "stream":
                assert o["name"] == "stdout", o["text"][:200]  # no warnings on stderr
                texts.append(o["text"])
            for mime in ("text/plain", "text/markdown"):
                texts.append(str(o.get("data", {}).get(mime, "")))
    joined = "\n".join(texts)
    assert "/tmp/" not in joined and " at 0x" not in joined and str(paths.ROOT) not in joined
    assert sum("image/png" in o.get("data", {}) for c in nb.cells for o in c.get("outputs", [])) == 3


# ------------------------------------------------------------------ the headline, recomputed independently
def _frame():
    """Department table (deaths, population, poverty band 0-3) and the counted persons of the default
    specification, from the CSV files with plain pandas."""
    v = pd.read_csv(VICTIMS, dtype=str, keep_default_na=False)
    counted = v[(v["context"] == "clash") & (v["date_death_max"] != "") & (v["date_death_max"] <= "2023-03-31")]
    counted = counted[counted["ubigeo_dep"] != ""]
    deps = pd.read_csv(DEPARTMENTS, dtype={"ubigeo_dep": str})
    deps["band"] = deps["pov2022_band_pct"].map(BANDS).astype(float)
    deps["deaths"] = deps["ubigeo_dep"].map(counted.groupby("ubigeo_dep").size()).fillna(0)
    return deps, counted


def test_headline_equals_the_largest_defensible_p_and_widest_interval(runs):
    nums = {k.removeprefix("regional."): e for k, e in _numbers(runs["default"]).items()}
    head = nums["gradient.headline"]
    ps = {m: nums[f"gradient.{m}"]["p_value"] for m in DEFENSIBLE}
    assert head["p_value"] == pytest.approx(max(ps.values()))
    assert head["p_value"] > nums["gradient.poisson_model"]["p_value"]  # the person-level p is never the headline
    widths = {m: np.log(nums[f"gradient.{m}"]["interval"][1] / nums[f"gradient.{m}"]["interval"][0])
              for m in DEFENSIBLE if "interval" in nums[f"gradient.{m}"]}
    assert np.log(head["interval"][1] / head["interval"][0]) == pytest.approx(max(widths.values()))


def test_model_based_quasi_poisson_and_negative_binomial_match_statsmodels(runs):
    nums = {k.removeprefix("regional."): e for k, e in _numbers(runs["default"]).items()}
    deps, _ = _frame()
    X, off = sm.add_constant(deps["band"]), np.log(deps["pop_census_2017_persons"].astype(float))
    fit = sm.GLM(deps["deaths"], X, family=sm.families.Poisson(), offset=off).fit()
    assert nums["poisson_dispersion"]["value"] == pytest.approx(fit.pearson_chi2 / fit.df_resid, rel=1e-6)
    assert nums["gradient.poisson_model"]["value"] == pytest.approx(np.exp(fit.params["band"]), rel=1e-6)
    q = sm.GLM(deps["deaths"], X, family=sm.families.Poisson(), offset=off).fit(scale="X2", use_t=True)
    assert nums["gradient.quasi_poisson"]["interval"] == pytest.approx(list(np.exp(q.conf_int().loc["band"])), rel=1e-5)
    assert nums["gradient.quasi_poisson"]["p_value"] == pytest.approx(q.pvalues["band"], rel=1e-4)
    # negative binomial: the likelihood-ratio statistic from two statsmodels fits (dispersion re-estimated in each)
    full = NegativeBinomial(deps["deaths"], X, offset=off, loglike_method="nb2").fit(disp=0, maxiter=5000)
    null = NegativeBinomial(deps["deaths"], np.ones((len(deps), 1)), offset=off, loglike_method="nb2").fit(
        disp=0, maxiter=5000)
    assert nums["gradient.negbin_lr"]["p_value"] == pytest.approx(stats.chi2.sf(2 * (full.llf - null.llf), 1),
                                                                  rel=1e-3)


def test_event_clustered_t_interval_and_sign_flip_p_match_independent_computations(runs):
    nums = {k.removeprefix("regional."): e for k, e in _numbers(runs["default"]).items()}
    deps, counted = _frame()
    # GLM cluster covariance: persons x departments Poisson with one dummy per person (the multinomial given the
    # total), errors clustered by lethal event, times G/(G-1), t(G-1) critical value
    codes = deps["ubigeo_dep"].tolist()
    dep = counted["ubigeo_dep"].map({c: i for i, c in enumerate(codes)}).to_numpy()
    ev = pd.factorize(counted["event_id"].where(counted["event_id"] != "", "solo:" + counted["victim_id"]))[0]
    n, D, G = len(dep), len(codes), ev.max() + 1
    assert nums["model_events_clusters"]["value"] == G
    y = np.zeros(n * D)
    y[np.arange(n) * D + dep] = 1
    exog = np.column_stack([np.tile(deps["band"].to_numpy(), n), np.kron(np.eye(n), np.ones((D, 1)))])
    off = np.tile(np.log(deps["pop_census_2017_persons"].to_numpy(dtype=float)), n)
    fit = sm.GLM(y, exog, family=sm.families.Poisson(), offset=off).fit(
        cov_type="cluster", cov_kwds={"groups": np.repeat(ev, D), "use_correction": False}, tol=1e-12)
    se = np.sqrt(fit.cov_params()[0, 0] * G / (G - 1))
    q = stats.t.ppf(0.975, G - 1)
    assert nums["gradient.cluster_t"]["interval"] == pytest.approx(
        [np.exp(fit.params[0] - q * se), np.exp(fit.params[0] + q * se)], rel=1e-5)
    # sign-flip: each event's score sum (band - population-weighted mean band) under the null, all 2^G flips
    pop = deps["pop_census_2017_persons"].to_numpy(dtype=float)
    xbar = float(np.dot(deps["band"], pop) / pop.sum())
    e = pd.Series(deps["band"].to_numpy()[dep] - xbar).groupby(ev).sum().to_numpy()
    signs = np.array(list(itertools.product([-1.0, 1.0], repeat=G)))
    p = float(np.mean(np.abs(signs @ e) >= abs(e.sum()) - 1e-9))
    assert nums["gradient.sign_flip"]["p_value"] == pytest.approx(p)


def test_leave_one_out_table_and_figure_name_events_in_words(runs):
    loo = pd.read_csv(runs["default"][1] / "tables/regional_leave_one_event_out.csv")
    events = pd.read_csv(paths.PROCESSED / "events.csv")
    words = dict(zip(events["event_id"], events["label"]))
    assert loo["label"].iloc[0] == "all events"
    assert loo["label"].iloc[1:].tolist() == [words.get(e, e) for e in loo["removed"].iloc[1:]]
    assert "sign_flip_p" in loo.columns and loo["sign_flip_p"].between(0, 1).all()
