"""Notebook 02 (descriptive): its task, called as the notebook calls it, records its numbers and writes its tables
(notebook 05: tests/test_task_force.py).

Real-data runs skip (with the reason) only while data/processed/victims.csv is absent; a synthetic register
always exercises the notebooks so a broken cell is caught before the real tables exist.
"""
import ast
import json
from pathlib import Path

import pandas as pd
import pytest

from analysis import paths
from analysis.stats import descriptive as D
from analysis.tasks import descriptive as task02
from analysis.workflow.params import declared_parameters
from tests.registers import write_synthetic_processed

papermill = pytest.importorskip("papermill")

NB02 = paths.NOTEBOOKS / "02-descriptive.ipynb"
REAL = paths.PROCESSED / "victims.csv"
PARAMS02 = [{}, {"cutoff_date": "2023-02-28", "contexts": ["clash"]}]
# notebook 05 reads notebook 04's classification table; None = the published one (outputs/tables)
# MINSA snapshot columns of departments.csv and the window each covers (typed here, independently of the package)


def run02(tmp: Path, processed: Path, params: dict) -> dict:
    """Task 02 as its notebook runs it (spec, inputs, run, write) into tmp/out; returns its numbers."""
    out = tmp / "out"
    spec = task02.spec(**params, processed_dir=str(processed), outputs_dir=str(out))
    task02.run(spec, task02.inputs(spec, processed, out)).write(out)
    return json.loads((out / "numbers" / f"{task02.TASK.name}.json").read_text(encoding="utf-8"))


def with_boundaries(processed: Path) -> Path:
    """The synthetic register gets the real register's department boundaries (the map needs all 25 units)."""
    target = task02.boundary_file(processed)
    if not target.exists():
        target.write_bytes(task02.boundary_file(paths.PROCESSED).read_bytes())
    return processed


def test_02_parameters_cell_equals_task_params():
    declared = declared_parameters(NB02)
    assert list(declared) == list(task02.TASK.params)
    assert {k: ast.literal_eval(v["default"]) for k, v in declared.items()} == task02.TASK.params


def expected_02_keys() -> set:
    keys = {"persons_register", "persons", "persons_certain", "persons_possible", "identified", "excluded_context",
            "excluded_dates", "peak_day_deaths", "peak_day_deaths_possible", "persons_on_a_day",
            "date_spans_several_days", "date_spans_unbounded", "days_with_deaths", "window_days", "events",
            "persons_in_events", "largest_event_persons", "minors", "age_unknown", "departments_with_deaths",
            "department_unknown", "department_unknown_possible", "max_rate_per_100k"}
    keys |= {f"age_band.{b[2]}" for b in D.AGE_BANDS} | {"age_band.unknown"}
    keys |= {f"{f}.{lv}" for f in ("sex", "context", "cause", "wound", "force") for lv in D.LEVELS[f]}
    return {f"descriptive.{k}" for k in keys}


def in_scope(victims_csv: Path, params: dict, default_contexts) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(certain, possible) persons, recomputed with plain pandas from the date intervals (not analysis.register.scope):
    certain = both bounds inside [start, cutoff]; possible = the interval overlaps it (an empty bound is open)."""
    v = pd.read_csv(victims_csv, dtype=str, keep_default_na=False)
    contexts = params.get("contexts") or default_contexts
    end, start = params.get("cutoff_date", "2023-03-31"), "2022-12-07"
    lo, hi = v["date_death_min"], v["date_death_max"]
    certain = (lo != "") & (hi != "") & (lo >= start) & (hi <= end)
    possible = ((lo == "") | (lo <= end)) & ((hi == "") | (hi >= start))
    ctx = v["context"].isin(contexts)
    return v[ctx & certain], v[ctx & possible]


def check_02(nums: dict, victims_csv: Path, params: dict, out: Path):
    assert set(nums) == expected_02_keys()
    v, possible = in_scope(victims_csv, params, list(D.LEVELS["context"]))
    n = nums["descriptive.persons"]["value"]
    assert n == len(v) == nums["descriptive.persons_certain"]["value"]
    assert nums["descriptive.persons_possible"]["value"] == len(possible) >= n
    for field in ("sex", "cause", "force", "wound", "context"):
        counts = v[field].value_counts()
        assert {lv: nums[f"descriptive.{field}.{lv}"]["value"] for lv in D.LEVELS[field]} == \
            {lv: int(counts.get(lv, 0)) for lv in D.LEVELS[field]}
    assert sum(nums[f"descriptive.age_band.{b[2]}"]["value"] for b in D.AGE_BANDS) + \
        nums["descriptive.age_band.unknown"]["value"] == n
    assert nums["descriptive.minors"]["value"] == int((pd.to_numeric(v["age_years"].replace("", None)) < 18).sum())
    assert nums["descriptive.persons"]["spec"]["cutoff_date"] == params.get("cutoff_date", "2023-03-31")
    daily = pd.read_csv(out / "tables" / "descriptive_deaths_daily.csv")
    one_day = possible[(possible["date_death_min"] != "") & (possible["date_death_min"] == possible["date_death_max"])]
    assert daily["deaths"].sum() == nums["descriptive.persons_on_a_day"]["value"] == len(one_day)
    assert daily["deaths"].sum() + nums["descriptive.date_spans_several_days"]["value"] == len(possible)
    per_day = one_day.groupby("date_death_min").size()
    assert nums["descriptive.peak_day_deaths"]["value"] == per_day.max() == daily["deaths"].max()
    peak = per_day.sort_index().idxmax()
    lo, hi = possible["date_death_min"], possible["date_death_max"]
    covering = ((lo == "") | (lo <= peak)) & ((hi == "") | (hi >= peak))
    assert nums["descriptive.peak_day_deaths_possible"]["value"] == int(covering.sum())
    spans = pd.read_csv(out / "tables" / "descriptive_deaths_date_spans.csv", dtype=str)
    assert len(spans) == len(possible) - len(one_day)
    for name in ("descriptive_deaths_over_time_by_context", "descriptive_map_deaths_per_100k",
                 "descriptive_age_sex", "descriptive_cause_by_force", "descriptive_cumulative_by_department"):
        assert all((out / "figures" / f"{name}.{ext}").exists() for ext in ("png", "svg", "csv"))
    check_02_figure_data(nums, one_day, out / "figures")


CODE = r"^[a-z]+(_[a-z]+)+$"  # a vocab code such as firearm_projectile


def check_02_figure_data(nums: dict, one_day: pd.DataFrame, figures: Path):
    """The CSV behind each figure adds up to the n its title states (numbers.json) and labels in words."""
    value = {k.removeprefix("descriptive."): v["value"] for k, v in nums.items()}
    fig = lambda name: pd.read_csv(figures / f"{name}.csv", keep_default_na=False)  # noqa: E731
    over_time = fig("descriptive_deaths_over_time_by_context")
    assert over_time["deaths"].sum() == value["persons_on_a_day"]
    assert not over_time["context"].str.match(CODE).any() and "unknown" not in set(over_time["context"])
    cum = fig("descriptive_cumulative_by_department")
    unknown_dep = int((one_day["department"] == "").sum())  # on a day, department unknown: in the caption
    assert cum.groupby("group")["cumulative"].last().sum() + unknown_dep == value["persons_on_a_day"]
    age_sex = fig("descriptive_age_sex")
    assert age_sex["persons"].sum() == value["persons"]
    assert age_sex.groupby("sex")["persons"].sum().to_dict() == {lv: value[f"sex.{lv}"] for lv in D.LEVELS["sex"]}
    assert age_sex[age_sex["age_label"] == "age unknown"]["persons"].sum() == value["age_band.unknown"]
    assert not age_sex["sex_label"].str.match(CODE).any() and "unknown" not in set(age_sex["sex_label"])
    cause = fig("descriptive_cause_by_force")
    assert cause["persons"].sum() == value["persons"]
    assert cause.groupby("cause")["persons"].sum().to_dict() == {lv: value[f"cause.{lv}"] for lv in D.LEVELS["cause"]}
    assert not cause["cause_label"].str.match(CODE).any() and not cause["force_label"].str.match(CODE).any()
    assert abs(cause["share_of_n_pct"].sum() - 100) < 1e-6  # shares in %, not 0-1 (CSV rounds)
    geo = fig("descriptive_map_deaths_per_100k")
    assert geo["deaths"].sum() + value["department_unknown"] == value["persons"]
    assert len(geo) == 25 and (geo["deaths"] > 0).sum() == value["departments_with_deaths"]


UPPER, SITES = ["head", "neck", "thorax"], ["head", "neck", "thorax", "abdomen", "back", "limbs", "multiple"]


@pytest.fixture(scope="module")
def synthetic_processed(tmp_path_factory):
    deps = pd.read_csv(paths.RAW / "covariates" / "departments.csv", dtype=str, keep_default_na=False)
    deps = deps.assign(indig_selfid_pct="", indig_mothertongue_pct="", coverage="raw covariates (test copy)")
    return write_synthetic_processed(tmp_path_factory.mktemp("processed"), deps)


def test_02_synthetic_runs_and_is_deterministic(tmp_path, synthetic_processed):
    processed = with_boundaries(synthetic_processed)
    nums = run02(tmp_path / "a", processed, {})
    check_02(nums, synthetic_processed / "victims.csv", {}, tmp_path / "a" / "out")
    again = run02(tmp_path / "b", processed, {})
    assert again == nums
    for rel in ("tables/descriptive_events.csv", "figures/descriptive_map_deaths_per_100k.svg",
                "figures/descriptive_age_sex.png"):
        assert (tmp_path / "a" / "out" / rel).read_bytes() == (tmp_path / "b" / "out" / rel).read_bytes(), rel


needs_real = pytest.mark.skipif(not REAL.exists(), reason="data/processed/victims.csv not built yet (run the register step)")


@needs_real
@pytest.mark.parametrize("params", PARAMS02)
def test_02_real(tmp_path, params):
    check_02(run02(tmp_path, paths.PROCESSED, params), REAL, params, tmp_path / "out")


