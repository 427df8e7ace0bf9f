"""Whole runs or none, and the integrity gate, on the fixture project of test_runner (papermill in tmp_path).

A run works in .cache/stage and publishes at the end; a failed or killed run leaves data/processed/, outputs/ and
notebooks/ byte-identical, and the runner state never says "done" for outputs that were not published.
"""
import json
import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from analysis import __main__ as cli
from analysis import paths
from analysis.workflow import runner
from analysis.errors import RawDataError
from tests.projects import PIPELINE, make_project, published, run, set_params

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def fresh(tmp_path):
    return make_project(tmp_path / "project")


@pytest.fixture
def project(fresh):
    assert run(fresh)[0] == {"stage_a": "ran", "stage_b": "ran"}
    return fresh


# ---------------------------------------------------------------- the integrity gate

def test_tampered_raw_file_stops_every_run_before_anything_runs(fresh):
    before = published(fresh)
    (fresh / "data" / "raw" / "in.txt").write_text("ba")  # same size: only the hash tells
    for only in (None, ["stage_b"]):
        with pytest.raises(RawDataError, match=r"data/raw/in.txt: sha256 [0-9a-f]+ differs"):
            run(fresh, force=True, only=only)
    assert published(fresh) == before
    assert not (fresh / "data" / "processed").exists() and not (fresh / ".cache").exists()


def test_unlisted_raw_file_stops_the_run(fresh):
    (fresh / "data" / "raw" / "extra.csv").write_text("a\n")
    with pytest.raises(RawDataError, match=r"data/raw/extra.csv: raw file is not listed"):
        run(fresh, only=["stage_b"])


@pytest.mark.parametrize("argv", [["report"], ["verify"], ["sweep", "--jobs", "1"]])
def test_cli_entry_points_check_the_manifest_first(argv, fresh, monkeypatch, capsys):
    called = []
    monkeypatch.setattr(paths, "RAW", fresh / "data" / "raw")
    monkeypatch.setattr(cli, "_sweep", lambda rest: called.append(rest) or 0)
    monkeypatch.setattr("analysis.report.site.build", lambda *a, **k: called.append("report") or Path("x"))
    monkeypatch.setattr("analysis.workflow.verify.verify", lambda *a, **k: called.append("verify") or 0)
    assert cli.main(argv) == 0 and len(called) == 1  # intact: the command runs
    (fresh / "data" / "raw" / "in.txt").write_text("abc")
    assert cli.main(argv) == 1 and len(called) == 1  # tampered: it does not
    assert capsys.readouterr().err == ("error: data/raw/in.txt: 3 bytes where the manifest records 2: "
                                       "the raw file was changed\n")


# ---------------------------------------------------------------- failed runs

def test_failure_in_a_later_notebook_leaves_earlier_outputs_untouched(project):
    before = published(project)
    set_params(project, "notebooks:\n  stage_a:\n    factor: 3\n  stage_b:\n    fail: true\n")
    with pytest.raises(runner.NotebookFailed, match="stage_b failed in cell"):
        run(project)
    assert published(project) == before  # stage_a ran (a.txt = "ababab") but nothing was published
    assert (project / "data" / "processed" / "a.txt").read_text() == "abab"
    assert not (project / ".cache" / "stage").exists()
    state = json.loads((project / ".cache" / "runner-state.json").read_text())
    assert set(state) == {"stage_a"}  # its entry still describes the published (old) a.txt
    set_params(project, "notebooks:\n  stage_a:\n    factor: 3\n")
    assert run(project)[0] == {"stage_a": "ran", "stage_b": "ran"}
    assert (project / "outputs" / "b.txt").read_text() == "ABABAB!"


def test_outputs_changed_or_missing_since_the_last_run_are_rerun(project):
    (project / "outputs" / "b.txt").write_text("ABAB! edited by hand")
    assert run(project)[0] == {"stage_a": "skipped", "stage_b": "ran"}
    assert (project / "outputs" / "b.txt").read_text() == "ABAB!"
    (project / "data" / "processed" / "a.txt").write_text("zz")
    assert run(project)[0] == {"stage_a": "ran", "stage_b": "skipped"}  # a.txt rebuilt as it was
    assert (project / "data" / "processed" / "a.txt").read_text() == "abab"
    assert run(project)[0] == {"stage_a": "skipped", "stage_b": "skipped"}


def test_a_shared_output_rewritten_by_another_notebook_does_not_force_a_rerun(tmp_path):
    root = make_project(tmp_path / "p")
    shared = PIPELINE.replace("outputs: [data/processed/a.txt]", "outputs: [data/processed/a.txt, outputs/*.txt]")
    (root / "params" / "pipeline.yaml").write_text(shared)
    run(root)
    set_params(root, "notebooks:\n  stage_b:\n    suffix: '?'\n")
    assert run(root)[0] == {"stage_a": "skipped", "stage_b": "ran"}  # b.txt (declared by a too) changes
    assert run(root)[0] == {"stage_a": "skipped", "stage_b": "skipped"}


# ---------------------------------------------------------------- killed runs

def run_until_paused(root: Path, point: str) -> subprocess.Popen:
    """Start a run in a subprocess that waits at `point`; return it once it is there."""
    env = dict(os.environ, PYTHONPATH=str(REPO), **{runner.PAUSE_ENV: point})
    code = ("import sys; from analysis.workflow import runner; "
            "runner.run(sys.argv[1], pipeline_file=sys.argv[1] + '/params/pipeline.yaml')")
    proc = subprocess.Popen([sys.executable, "-c", code, str(root)], env=env, stderr=subprocess.PIPE, text=True)
    lines = queue.Queue()
    threading.Thread(target=lambda: [lines.put(ln) for ln in proc.stderr], daemon=True).start()
    seen = []
    while True:
        try:
            line = lines.get(timeout=120)
        except queue.Empty:
            proc.kill()
            pytest.fail(f"the run never paused at {point}; stderr: {seen}")
        seen.append(line)
        if line.strip() == f"runner paused at {point}":
            return proc


def kill(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGKILL)
    assert proc.wait(timeout=30) == -signal.SIGKILL


def test_run_killed_before_publishing_changes_nothing_and_is_redone(project):
    before = published(project)
    state = (project / ".cache" / "runner-state.json").read_bytes()
    set_params(project, "notebooks:\n  stage_a:\n    factor: 3\n")
    kill(run_until_paused(project, "before-publish"))
    assert published(project) == before  # byte-identical, and no temp file in notebooks/ or elsewhere
    assert (project / ".cache" / "runner-state.json").read_bytes() == state
    status, log = run(project)
    assert status == {"stage_a": "ran", "stage_b": "ran"} and "skipped" not in log
    assert (project / "outputs" / "b.txt").read_text() == "ABABAB!"
    assert sorted(p.name for p in (project / "notebooks").iterdir()) == ["stage_a.ipynb", "stage_b.ipynb"]
    assert not (project / ".cache" / "stage").exists()


def test_run_killed_while_publishing_is_completed_by_the_next_run(project):
    set_params(project, "notebooks:\n  stage_a:\n    factor: 3\n")
    kill(run_until_paused(project, "mid-publish"))
    assert (project / ".cache" / "publish.json").exists()
    assert run(project)[0] == {"stage_a": "skipped", "stage_b": "skipped"}  # the journal finished the publish
    assert (project / "data" / "processed" / "a.txt").read_text() == "ababab"
    assert (project / "outputs" / "b.txt").read_text() == "ABABAB!"
    assert not (project / ".cache" / "publish.json").exists()


def test_cli_sweep_with_a_missing_grid_file_prints_one_line(capsys):
    assert cli.main(["sweep", "--jobs", "1", "--params", "nope/sweep.yaml"]) == 2
    assert capsys.readouterr().err == "error: nope/sweep.yaml: parameter file not found\n"
