"""Task 04 (analysis.tasks.ethnic) on the project's register, under the defaults and an alternative definition: what
it records, writes and displays; the headline recomputed independently; and the notebook's parameters cell equals the
task's declaration. The notebook itself is checked by nbval against its committed outputs."""
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
from analysis.stats import ethnic
from analysis.tasks import ethnic as task
from analysis.workflow.params import declared_in_source

NOTEBOOK = paths.NOTEBOOKS / f"{task.TASK.notebook}.ipynb"
VICTIMS = paths.PROCESSED / "victims.csv"

needs_register = pytest.mark.skipif(not VICTIMS.exists(),
                                    reason="data/processed/victims.csv absent: run the register (01) first")

LIGHT = {"n_permutations": 2000, "n_wild": 1999, "n_boot": 4000}
DEFAULT = dict(LIGHT)
ALTERNATIVE = {"measure": "mothertongue", "threshold": 40.0, "contexts": None, "cutoff_date": "2023-03-31",
               "alt_measures": ["mothertongue"], "alt_thresholds": [40.0], "alt_contexts": [None],
               "alt_cutoffs": ["2023-03-31"], **LIGHT}
DEFENSIBLE = ("quasi_poisson", "negbin_lr", "cluster_t", "wild_cluster", "sign_flip", "randomisation_departments")


def _run(out, params):
    """The task as the notebook runs it: spec, inputs, run, write to `out`; returns (out, result, numbers)."""
    spec = task.spec(**params, outputs_dir=str(out))
    result = task.run(spec, task.inputs(spec, paths.PROCESSED, out))
    result.write(out)
    numbers = json.loads((out / "numbers" / "ethnic.json").read_text(encoding="utf-8"))
    return out, result, numbers


def _expected(params, policy=None):
    """The same shares computed directly with the statistics, under the task's own spec (its defaults)."""
    from analysis.register.scope import load_register
    register = load_register()
    s = task.spec(**params)
    scope = s.scope if policy is None else s.scope.with_(policy=policy)
    return ethnic.shares(register["victims"], register["departments"], scope, **s.shares_kw)


@pytest.fixture(scope="module")
def default_run(tmp_path_factory):
    return _run(tmp_path_factory.mktemp("nb04_default"), DEFAULT)


def test_parameters_cell_equals_the_task_declaration():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    declared = declared_in_source(cell.source)
    assert list(declared) == list(task.TASK.params)
    for name, default in task.TASK.params.items():
        assert eval(declared[name]["default"]) == default, name  # noqa: S307 -- the notebook's own literal


def test_spec_refuses_unknown_and_invalid_parameters():
    with pytest.raises(ValueError, match="supplement_parts"):
        task.spec(supplement_parts=True)
    with pytest.raises(ValueError, match="measure"):
        task.spec(measure="language")
    with pytest.raises(ValueError, match="threshold"):
        task.spec(alt_thresholds=[50.0, 100.0])
    with pytest.raises(ValueError, match="riot"):
        task.spec(alt_contexts=[["riot"]])
    with pytest.raises(ValueError, match="policy"):
        task.spec(date_policy="likely")
    assert task.spec().numbers_spec["contexts"] == ["clash"] and task.spec(contexts=None).numbers_spec[
        "contexts"] == "all"


@needs_register
@pytest.mark.parametrize("which,key", [("default", "selfid.t50.clash.c20230216"),
                                       ("alternative", "mothertongue.t40.all.c20230331")])
def test_task_records_numbers_and_files(tmp_path, default_run, which, key):
    params = DEFAULT if which == "default" else ALTERNATIVE
    out, result, numbers = default_run if which == "default" else _run(tmp_path, params)
    assert all(k.startswith("ethnic.") for k in numbers) and numbers == json.loads(json.dumps(result.numbers.entries))
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
    assert "supplement_parts" not in numbers["ethnic.units"]["spec"]
    for name in task.FIGURES:
        for ext in ("png", "svg", "csv"):
            assert (out / "figures" / f"{name}.{ext}").exists()
    for name in task.TABLES:
        assert (out / "tables" / f"{name}.csv").exists()
    assert set(result.tables) == set(task.TABLES) and set(result.figures) == set(task.FIGURES)


@needs_register
def test_default_run_covers_every_alternative(default_run):
    _, result, numbers = default_run
    for measure in ("selfid", "mothertongue"):
        for t in ("t50", "t40"):
            for ctx in ("clash", "all"):
                for cut in ("c20230216", "c20230331"):
                    assert f"ethnic.{measure}.{t}.{ctx}.{cut}.death_share" in numbers
    assert len(result.values["alternatives"]) == 16
    if "ethnic.permutation.rate_ratio" in numbers:
        n_arr = numbers["ethnic.permutation.arrangements"]["value"]
        assert 1 / n_arr - 1e-12 <= numbers["ethnic.permutation.rate_ratio"]["p_value"] <= 1
        assert result.values["permutation_smallest_p"] == pytest.approx(1 / n_arr)


@needs_register
def test_rerun_is_byte_identical(tmp_path, default_run):
    out1 = default_run[0]
    out2 = _run(tmp_path, DEFAULT)[0]
    files = sorted(p.relative_to(out1) for p in out1.rglob("*")
                   if p.is_file() and p.suffix in {".json", ".csv", ".svg", ".png"})
    assert files
    for rel in files:
        assert (out1 / rel).read_bytes() == (out2 / rel).read_bytes(), rel


# ------------------------------------------------------------------ the headline, recomputed independently
def _independent(out):
    """Counted persons of the default definition (pandas on victims.csv), the majority departments (the task's
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


@needs_register
def test_event_level_headline_is_an_exact_binomial_test_on_events(default_run):
    out, _, numbers = default_run
    p, majority, deps = _independent(out)
    # an event belongs to the department holding most of its persons
    home = p.groupby("event")["ubigeo_dep"].agg(lambda s: s.value_counts().sort_index().idxmax())
    k, n = int(home.isin(majority).sum()), len(home)
    share = deps.loc[deps["group"] == 1, "pop_census_2017_persons"].sum() / deps["pop_census_2017_persons"].sum()
    assert numbers["ethnic.headline.events_majority"]["value"] == k
    assert numbers["ethnic.headline.events_total"]["value"] == n
    assert numbers["ethnic.headline.events_total"]["unit"] == "event"
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


@needs_register
def test_rate_ratio_headline_is_the_most_conservative_cluster_aware_result(default_run):
    out, _, numbers = default_run
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
