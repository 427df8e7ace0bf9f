"""Notebook 03 runs end to end under two specifications; its numbers agree with an independent count."""
import json

import nbformat
import pandas as pd
import pytest

from analysis import paths
from analysis.numbers import UNITS

NOTEBOOK = paths.NOTEBOOKS / "03-regional-disparity.ipynb"
VICTIMS = paths.PROCESSED / "victims.csv"
DEPARTMENTS = paths.PROCESSED / "departments.csv"

SPECS = {
    "default": {},
    "wider": {"cutoff_date": "2023-01-31", "contexts": ["clash", "blockade"], "reference": "rest", "model": "negbin"},
}
CORE_KEYS = {
    "persons_in_register": "persons", "deaths_counted": "persons", "excluded_other_context": "persons",
    "excluded_after_cutoff": "persons", "deaths_date_uncertain": "persons", "deaths_counted_certain": "persons",
    "deaths_counted_possible": "persons", "deaths_unknown_department": "persons",
    "deaths_in_departments": "persons", "national_rate": "persons per 100,000", "departments_with_deaths": "departments",
    "highest_rate_department": "department", "highest_rate": "persons per 100,000",
    "departments_rr_significant_holm": "departments", "events_total": "events", "events_linked": "events",
    "deaths_no_event": "persons", "poisson_dispersion": "index", "negbin_alpha": "index",
    "model_events_clusters": "events",
}


def _params(name, out):
    return {**SPECS[name], "processed_dir": str(paths.PROCESSED), "outputs_dir": str(out)}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    if not VICTIMS.exists():
        pytest.skip(f"{paths.rel(VICTIMS)} does not exist yet (run notebook 01-register first)")
    papermill = pytest.importorskip("papermill")
    done = {}
    for name in SPECS:
        out = tmp_path_factory.mktemp(f"nb03_{name}")
        papermill.execute_notebook(str(NOTEBOOK), str(out / "03.ipynb"), parameters=_params(name, out),
                                   kernel_name="python3", cwd=str(NOTEBOOK.parent), progress_bar=False)
        done[name] = out
    return done


def _numbers(out):
    return json.loads((out / "numbers.json").read_text(encoding="utf-8"))


def _independent_count(spec):
    """(certain, possible, register size), recomputed from the CSV with plain pandas (not analysis.scope): certain =
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
    assert spec["model"] == SPECS[name].get("model", "poisson")
    assert spec["date_policy"] == "certain"


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
def test_outputs_written_and_cell_outputs_deterministic(runs, name):
    out = runs[name]
    for f in ("figures/regional_rates_forest.png", "figures/regional_rates_forest.svg",
              "figures/regional_rates_forest.csv", "tables/regional_rates.csv", "tables/regional_rate_ratios.csv",
              "tables/regional_events.csv", "tables/regional_models.csv"):
        assert (out / f).exists(), f
    rates = pd.read_csv(out / "tables/regional_rates.csv", dtype={"ubigeo_dep": str})
    assert len(rates) == 25
    nb = nbformat.read(out / "03.ipynb", as_version=4)
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
    assert str(out) not in joined and "/tmp/" not in joined and " at 0x" not in joined
    assert any("image/png" in o.get("data", {}) for c in nb.cells for o in c.get("outputs", []))
