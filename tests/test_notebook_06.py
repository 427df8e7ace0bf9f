"""Runs notebooks/06-chain-of-command.ipynb with papermill under two parameter sets and checks its outputs."""
import json
from pathlib import Path

import pandas as pd
import pytest

from analysis import paths
from analysis.command.timeline import ENDORSING, slug

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "06-chain-of-command.ipynb"
VICTIMS = paths.PROCESSED / "victims.csv"

pytestmark = pytest.mark.skipif(not VICTIMS.exists(), reason="data/processed/victims.csv not built yet")

SETS = {
    "default": {},
    "narrow": {"roles": ["President", "Minister of the Interior"], "cutoff_date": "2023-02-28",
               "contexts": ["clash", "blockade"], "mass_casualty_min": 3, "horizon_days": 14,
               "date_field": "death", "policy": "possible"},
}


@pytest.fixture(scope="module", params=sorted(SETS))
def run(request, tmp_path_factory):
    import papermill
    out = tmp_path_factory.mktemp(request.param)
    params = {**SETS[request.param], "outputs_dir": str(out / "outputs")}
    papermill.execute_notebook(str(NOTEBOOK), str(out / "06.ipynb"), parameters=params, kernel_name="python3",
                               cwd=str(ROOT / "notebooks"), progress_bar=False)
    return request.param, out / "outputs", params


def test_outputs_written(run):
    name, out, params = run
    for ext in ("png", "svg", "csv"):
        assert (out / "figures" / f"command_timeline.{ext}").stat().st_size > 0
    numbers = json.loads((out / "numbers.json").read_text(encoding="utf-8"))
    assert numbers and all(k.startswith("command.") for k in numbers)
    by_tenure = pd.read_csv(out / "tables" / "command_deaths_by_tenure.csv", dtype=str, keep_default_na=False)
    roles = params.get("roles")
    if roles:
        assert set(by_tenure.role) == set(roles)
    for r in by_tenure.itertuples():  # every holder in the table has its numbers
        key = f"command.tenure.{slug(r.role)}.{slug(r.person)}.deaths_min"
        assert numbers[key]["value"] == int(r.deaths_min)
    force = pd.read_csv(out / "tables" / "command_periods_force.csv")
    value = {k.removeprefix("command."): v["value"] for k, v in numbers.items()}
    assert force.total.sum() + value["force.across_periods"] == value["deaths_in_window"]
    policy = params.get("policy", "certain")
    assert value["deaths_in_window"] == value[f"deaths_in_window_{policy}"]
    assert value["deaths_in_window_certain"] <= value["deaths_in_window_possible"]
    for r in by_tenure.itertuples():  # certain <= possible boundary <= possible persons
        assert int(r.deaths_min) <= int(r.deaths_max) <= int(r.deaths_possible)
    status = pd.read_csv(out / "tables" / "command_deaths_emergency_status.csv")
    assert len(status) == value["deaths_in_window_possible"]  # every possible person has a status row
    st = pd.read_csv(out / "tables" / "command_statements_followup.csv")
    assert len(st) == numbers["command.endorsing_statements"]["value"] == len(ENDORSING)


def test_no_paths_or_timestamps_in_outputs(run):
    name, out, params = run
    for f in sorted(p for p in out.rglob("*") if p.suffix in {".csv", ".json", ".svg"}):
        text = f.read_text(encoding="utf-8")
        assert str(out.parent) not in text and str(ROOT) not in text, f
