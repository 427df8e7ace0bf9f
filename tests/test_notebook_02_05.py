"""Notebooks 02 (descriptive) and 05 (force used) run end to end via papermill and record their numbers.

Real-data runs skip (with the reason) only while data/processed/victims.csv is absent; a synthetic register
always exercises the notebooks so a broken cell is caught before the real tables exist.
"""
import json
from pathlib import Path

import pandas as pd
import pytest

from analysis import paths
from analysis.stats import descriptive as D
from tests.test_stats_descriptive import synthetic_victims

papermill = pytest.importorskip("papermill")

NB02 = paths.NOTEBOOKS / "02-descriptive.ipynb"
NB05 = paths.NOTEBOOKS / "05-force-used.ipynb"
REAL = paths.PROCESSED / "victims.csv"
PARAMS02 = [{}, {"cutoff_date": "2023-02-28", "contexts": ["clash"]}]
PARAMS05 = [{}, {"cutoff_date": "2023-02-28", "contexts": ["clash", "blockade"],
                 "majority_indigenous": ["03", "05", "21"], "lima": ["15", "07"]}]


def run(nb: Path, tmp: Path, processed: Path, params: dict) -> dict:
    out = tmp / "out"
    tmp.mkdir(parents=True, exist_ok=True)
    papermill.execute_notebook(str(nb), str(tmp / nb.name), kernel_name="python3", cwd=str(paths.NOTEBOOKS),
                               parameters={**params, "processed_dir": str(processed), "outputs_dir": str(out)},
                               progress_bar=False)
    return json.loads((out / "numbers.json").read_text(encoding="utf-8"))


def expected_02_keys() -> set:
    keys = {"persons_register", "persons", "persons_certain", "persons_possible", "identified", "excluded_context",
            "excluded_dates", "peak_day_deaths", "peak_day_deaths_possible", "persons_on_a_day",
            "date_spans_several_days", "date_spans_unbounded", "days_with_deaths", "window_days", "events",
            "persons_in_events", "largest_event_persons", "minors", "age_unknown", "departments_with_deaths",
            "department_unknown", "department_unknown_possible", "max_rate_per_100k"}
    keys |= {f"age_band.{b[2]}" for b in D.AGE_BANDS} | {"age_band.unknown"}
    keys |= {f"{f}.{lv}" for f in ("sex", "context", "cause", "wound", "force") for lv in D.LEVELS[f]}
    return {f"descriptive.{k}" for k in keys}


def expected_05_keys() -> set:
    keys = {"persons", "persons_possible", "cause.unknown", "wound.excluded", "force.excluded",
            "civilians_per_police_killed", "civilians_killed_window", "police_killed_window",
            "civilians_killed_window_possible", "police_killed_window_possible", "departments_with_injured_totals",
            "lethality.events_with_index"}
    share = lambda name: {f"{name}.share", f"{name}.k", f"{name}.n"}  # noqa: E731
    keys |= share("upper_body")
    for lv in D.LEVELS["cause"]:
        keys |= share(f"cause.{lv}") if lv != "unknown" else set()
    for lv in ("police", "army", "both"):
        keys |= share(f"force.{lv}")
    for comp in ("indigenous.upper_body", "lima.upper_body", "army.upper_body", "army.firearm"):
        keys |= share(f"compare.{comp}.in") | share(f"compare.{comp}.out")
        keys |= {f"compare.{comp}.p_value", f"compare.{comp}.excluded"}
    for wave in ("wave1", "wave2"):
        keys |= {f"lethality.minsa_{wave}", f"lethality.minsa_{wave}.killed", f"lethality.minsa_{wave}.injured",
                 f"lethality.minsa_{wave}.killed_possible"}
    return {f"force.{k}" for k in keys}


def in_scope(victims_csv: Path, params: dict, default_contexts) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(certain, possible) persons, recomputed with plain pandas from the date intervals (not analysis.scope):
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


def check_05(nums: dict, victims_csv: Path, params: dict, out: Path):
    assert set(nums) == expected_05_keys()
    v, possible = in_scope(victims_csv, params, ["clash"])
    assert nums["force.persons"]["value"] == len(v)
    assert nums["force.persons_possible"]["value"] == len(possible)
    known = v[v["wound"].isin(["head", "neck", "thorax", "abdomen", "back", "limbs", "multiple"])]
    assert nums["force.upper_body.n"]["value"] == len(known)
    assert nums["force.upper_body.k"]["value"] == int(known["wound"].isin(["head", "neck", "thorax"]).sum())
    spec = nums["force.persons"]["spec"]
    assert spec["majority_indigenous"] == params.get("majority_indigenous", ["03", "05", "08", "09", "21"])
    assert 0 <= nums["force.compare.indigenous.upper_body.p_value"]["p_value"] <= 1
    assert (out / "figures" / "force_shares_with_intervals.png").exists()
    assert (out / "tables" / "force_group_comparisons.csv").exists()


@pytest.fixture(scope="module")
def synthetic_processed(tmp_path_factory):
    d = tmp_path_factory.mktemp("processed")
    synthetic_victims(n=70, seed=5).to_csv(d / "victims.csv", index=False)
    deps = pd.read_csv(paths.RAW / "covariates" / "departments.csv", dtype=str, keep_default_na=False)
    deps.assign(indig_selfid_pct="", indig_mothertongue_pct="", coverage="raw covariates (test copy)").to_csv(
        d / "departments.csv", index=False)
    pd.DataFrame({"event_id": ["E01", "E02", "E03", "E04"], "label": ["a", "b", "c", "d"],
                  "injured": ["25 (11 Dec); ~30 (RPP)", "not found", "52 (night); >100 (later)", "several"]}
                 ).to_csv(d / "events.csv", index=False)
    return d


def test_02_synthetic_runs_and_is_deterministic(tmp_path, synthetic_processed):
    nums = run(NB02, tmp_path / "a", synthetic_processed, {})
    check_02(nums, synthetic_processed / "victims.csv", {}, tmp_path / "a" / "out")
    again = run(NB02, tmp_path / "b", synthetic_processed, {})
    assert again == nums
    for rel in ("tables/descriptive_events.csv", "figures/descriptive_map_deaths_per_100k.svg",
                "figures/descriptive_age_sex.png"):
        assert (tmp_path / "a" / "out" / rel).read_bytes() == (tmp_path / "b" / "out" / rel).read_bytes(), rel


def test_05_synthetic_runs(tmp_path, synthetic_processed):
    nums = run(NB05, tmp_path, synthetic_processed, {})
    check_05(nums, synthetic_processed / "victims.csv", {}, tmp_path / "out")


needs_real = pytest.mark.skipif(not REAL.exists(), reason="data/processed/victims.csv not built yet (run the register step)")


@needs_real
@pytest.mark.parametrize("params", PARAMS02)
def test_02_real(tmp_path, params):
    check_02(run(NB02, tmp_path, paths.PROCESSED, params), REAL, params, tmp_path / "out")


@needs_real
@pytest.mark.parametrize("params", PARAMS05)
def test_05_real(tmp_path, params):
    check_05(run(NB05, tmp_path, paths.PROCESSED, params), REAL, params, tmp_path / "out")
