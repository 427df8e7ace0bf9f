"""Runs notebooks/04-ethnic-disparity.ipynb through papermill under two parameter sets and checks what it records."""
import json

import pandas as pd
import pytest

from analysis import paths
from analysis.scope import Scope, load_register
from analysis.stats import ethnic

NOTEBOOK = paths.NOTEBOOKS / "04-ethnic-disparity.ipynb"
VICTIMS = paths.PROCESSED / "victims.csv"

pytestmark = pytest.mark.skipif(not VICTIMS.exists(),
                                reason="data/processed/victims.csv absent: run the register (01) first")

DEFAULT = {"n_permutations": 2000}
ALTERNATIVE = {"measure": "mothertongue", "threshold": 40.0, "contexts": None, "cutoff_date": "2023-03-31",
               "alt_measures": ["mothertongue"], "alt_thresholds": [40.0], "alt_contexts": [None],
               "alt_cutoffs": ["2023-03-31"], "n_permutations": 2000}


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
    for name in ("ethnic_population_vs_death_share", "ethnic_rate_vs_share"):
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
