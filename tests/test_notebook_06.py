"""Notebook 06's task (analysis.tasks.command) under two parameter sets, its outputs checked; and the notebook's
parameters cell against the task's declaration."""
import json
from pathlib import Path

import pandas as pd
import pytest

from analysis import paths
from analysis.register.command_timeline import ENDORSING
from analysis.tasks import command as task
from analysis.tasks.command.sections import slug
from analysis.workflow.params import declared_parameters

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "06-chain-of-command.ipynb"
VICTIMS = paths.PROCESSED / "victims.csv"

SETS = {
    "default": {},
    "narrow": {"roles": ["President", "Minister of the Interior"], "cutoff_date": "2023-02-28",
               "contexts": ["clash", "blockade"], "mass_casualty_min": 3, "horizon_days": 14,
               "date_field": "death", "date_policy": "possible"},
}


def test_parameters_cell_equals_the_task_declaration():
    declared = declared_parameters(NOTEBOOK)
    assert list(declared) == list(task.TASK.params)
    for name, default in task.TASK.params.items():
        assert eval(declared[name]["default"]) == default, name  # noqa: S307 (the notebook's own literal)


@pytest.fixture(scope="module", params=sorted(SETS))
def run(request, tmp_path_factory):
    if not VICTIMS.exists():
        pytest.skip("data/processed/victims.csv not built yet")
    out = tmp_path_factory.mktemp(request.param) / "outputs"
    params = {**task.TASK.params, **SETS[request.param], "outputs_dir": str(out)}
    spec = task.spec(**params)
    result = task.run(spec, task.inputs(spec, paths.PROCESSED, out))
    result.write(out)
    return request.param, out, params


def test_outputs_written(run):
    name, out, params = run
    for ext in ("png", "svg", "csv"):
        assert (out / "figures" / f"command_timeline.{ext}").stat().st_size > 0
    numbers = json.loads((out / "numbers" / "command.json").read_text(encoding="utf-8"))
    assert numbers and all(k.startswith("command.") for k in numbers)
    by_tenure = pd.read_csv(out / "tables" / "command_deaths_by_tenure.csv", dtype=str, keep_default_na=False)
    assert set(by_tenure.role) == set(params["roles"])
    for r in by_tenure.itertuples():  # every holder in the table has its numbers
        key = f"command.tenure.{slug(r.role)}.{slug(r.person)}.deaths_min"
        assert numbers[key]["value"] == int(r.deaths_min)
    force = pd.read_csv(out / "tables" / "command_periods_force.csv")
    value = {k.removeprefix("command."): v["value"] for k, v in numbers.items()}
    assert force.total.sum() + value["force.across_periods"] == value["deaths_in_window"]
    policy = params["date_policy"]
    assert value["deaths_in_window"] == value[f"deaths_in_window_{policy}"]
    assert value["deaths_in_window_certain"] <= value["deaths_in_window_possible"]
    for r in by_tenure.itertuples():  # certain <= possible boundary <= possible persons
        assert int(r.deaths_min) <= int(r.deaths_max) <= int(r.deaths_possible)
    status = pd.read_csv(out / "tables" / "command_deaths_emergency_status.csv")
    assert len(status) == value["deaths_in_window_possible"]  # every possible person has a status row
    st = pd.read_csv(out / "tables" / "command_statements_followup.csv")
    assert len(st) == numbers["command.endorsing_statements"]["value"] == len(ENDORSING)


def test_timeline_figure_data_adds_up_to_the_deaths_counted(run):
    """The CSV behind command_timeline: each bar panel draws every counted death once, forces in words."""
    from analysis.report.figures import LABELS
    from analysis.report.plots.command import PANEL_A, PANEL_B
    name, out, params = run
    numbers = json.loads((out / "numbers" / "command.json").read_text(encoding="utf-8"))
    data = pd.read_csv(out / "figures" / "command_timeline.csv", dtype=str, keep_default_na=False)
    n = numbers["command.deaths_in_window"]["value"]
    for panel in (PANEL_A, PANEL_B):
        bars = data[data.panel == panel]
        assert bars.value.astype(int).sum() == n, panel
        assert set(bars.force) <= set(LABELS["force"].values())  # words, not codes
    by_force = data[data.panel == PANEL_A].groupby("force").value.apply(lambda v: v.astype(int).sum())
    inverse = {w: c for c, w in LABELS["force"].items()}
    assert {inverse[w]: k for w, k in by_force.items()} == \
        {k.removeprefix("command.force."): v["value"] for k, v in numbers.items()
         if k.startswith("command.force.") and k != "command.force.across_periods" and v["value"]}


def test_no_paths_or_timestamps_in_outputs(run):
    name, out, params = run
    for f in sorted(p for p in out.rglob("*") if p.suffix in {".csv", ".json", ".svg"}):
        text = f.read_text(encoding="utf-8")
        assert str(out.parent) not in text and str(ROOT) not in text, f
