"""Runs that never mix, runs that say what they do: named runs under outputs/runs/, --dry-run, progress, the
closing line and a quiet kernel, on the fixture project of test_runner (papermill in tmp_path)."""
import contextlib
import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path

import papermill
import pytest

from analysis.workflow import execute as execute_mod
from analysis.workflow import runner
from tests.projects import make_project, run, set_params, write_raw
from tests.projects import published as published_trees

REPO = Path(__file__).resolve().parent.parent


def git(root: Path, *args) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True).stdout


def commit_all(root: Path) -> None:
    shutil.copy(REPO / ".gitignore", root / ".gitignore")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "published run")


def published(root: Path) -> dict:
    """The published files (data/processed/, outputs/ but runs/, notebooks/) with their bytes."""
    return {k: v for k, v in published_trees(root).items() if not k.startswith("outputs/runs/")}


def files(top: Path) -> dict:
    return {p.relative_to(top).as_posix(): p.read_bytes() for p in sorted(top.rglob("*")) if p.is_file()}


@pytest.fixture
def project(tmp_path):
    root = make_project(tmp_path / "project")
    assert run(root)[0] == {"stage_a": "ran", "stage_b": "ran"}
    commit_all(root)
    return root


def named(root: Path, name: str, text: str) -> Path:
    path = root / "params" / f"{name}.yaml"
    path.write_text(text)
    return path


# ---------------------------------------------------------------- runs under outputs/runs/<name>/

def test_non_default_run_writes_only_under_outputs_runs_and_leaves_git_status_clean(project):
    before, state = published(project), (project / ".cache" / "runner-state.json").read_bytes()
    t3 = named(project, "t3", "notebooks:\n  stage_a:\n    factor: 3\n")
    git(project, "add", "params/t3.yaml")
    git(project, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "t3")
    status, log = run(project, params_file=t3)
    assert status == {"stage_a": "ran", "stage_b": "ran"}
    assert published(project) == before  # data/processed/, outputs/ (but runs/), notebooks/ byte-identical
    assert (project / ".cache" / "runner-state.json").read_bytes() == state
    assert git(project, "status", "--porcelain", "--untracked-files=all") == ""
    out = project / "outputs" / "runs" / "t3"
    assert sorted(files(out)) == ["b.txt", "notebooks/stage_a.ipynb", "notebooks/stage_b.ipynb",
                                  "processed/a.txt", "run.json"]
    assert (out / "b.txt").read_text() == "ABABAB!" and (out / "processed" / "a.txt").read_text() == "ababab"
    assert json.loads((out / "notebooks" / "stage_a.ipynb").read_text())["metadata"]["papermill"][
        "parameters"] == {"factor": 3}
    assert json.loads((out / "run.json").read_text()) == {
        "parameter_file": "params/t3.yaml", "parameters_sha256": hashlib.sha256(t3.read_bytes()).hexdigest(),
        "processed": "outputs/runs/t3/processed/"}
    assert log.splitlines()[0] == ("params/t3.yaml -> outputs/runs/t3/: 1 of 2 tasks to run, 1 more if their "
                                   "inputs change, 0 to skip")
    assert log.splitlines()[-1] == ("2 of 2 tasks ran; results are in outputs/runs/t3/ (numbers.json, "
                                    "figures/, tables/, notebooks/, and processed/ where the register differs); "
                                    "the published outputs are untouched. Compare with them: "
                                    "python -m analysis diff t3")
    kept = files(out)
    assert run(project, params_file=t3)[0] == {"stage_a": "skipped", "stage_b": "skipped"}
    assert run(project, force=True)[0] == {"stage_a": "ran", "stage_b": "ran"}  # the published run
    assert files(out) == kept and published(project) == before  # neither touches the other


def test_a_run_reuses_the_published_register_and_keeps_processed_data_only_when_it_differs(project):
    suffix = named(project, "suffix", "notebooks:\n  stage_b:\n    suffix: '?'\n")
    status, log = run(project, params_file=suffix)
    assert status == {"stage_a": "skipped", "stage_b": "ran"}
    assert "[1/2] stage_a ... skipped (same as the published run)" in log
    out = project / "outputs" / "runs" / "suffix"
    assert sorted(files(out)) == ["b.txt", "notebooks/stage_a.ipynb", "notebooks/stage_b.ipynb", "run.json"]
    assert (out / "b.txt").read_text() == "ABAB?"
    assert (out / "notebooks" / "stage_a.ipynb").read_bytes() == (project / "notebooks/stage_a.ipynb").read_bytes()
    assert json.loads((out / "run.json").read_text())["processed"] == "data/processed/ (the published tables)"

    named(project, "suffix", "notebooks:\n  stage_a:\n    factor: 3\n  stage_b:\n    suffix: '?'\n")
    assert run(project, params_file=suffix)[0] == {"stage_a": "ran", "stage_b": "ran"}
    assert (out / "processed" / "a.txt").read_text() == "ababab" and (out / "b.txt").read_text() == "ABABAB?"

    named(project, "suffix", "notebooks:\n  stage_b:\n    suffix: '?'\n")  # back to the published register
    assert run(project, params_file=suffix)[0] == {"stage_a": "ran", "stage_b": "ran"}
    assert not (out / "processed").exists()  # identical to the published tables again: not kept twice
    assert (out / "b.txt").read_text() == "ABAB?"
    assert git(project, "status", "--porcelain", "--untracked-files=all") == "?? params/suffix.yaml\n"


def test_a_run_whose_files_were_edited_or_deleted_reruns_what_they_came_from(project):
    t3 = named(project, "t3", "notebooks:\n  stage_a:\n    factor: 3\n")
    run(project, params_file=t3)
    out = project / "outputs" / "runs" / "t3"
    (out / "b.txt").write_text("edited")
    assert run(project, params_file=t3)[0] == {"stage_a": "skipped", "stage_b": "ran"}
    assert (out / "b.txt").read_text() == "ABABAB!"
    (out / "notebooks" / "stage_b.ipynb").unlink()
    status, log = run(project, params_file=t3)
    assert status == {"stage_a": "skipped", "stage_b": "ran"}
    assert "[2/2] stage_b ... running: its executed notebook is missing from the run's notebooks/" in log
    assert (out / "notebooks" / "stage_b.ipynb").exists()


def test_a_parameter_file_that_cannot_name_a_run_is_refused(project, tmp_path):
    other = tmp_path / "default.yaml"
    other.write_text("shared: {}\n")
    with pytest.raises(runner.PipelineError, match="'default' cannot name a run there"):
        run(project, params_file=other)


# ---------------------------------------------------------------- --dry-run

def dry(root, **kw):
    results, log = run(root, dry_run=True, **kw)
    return log


def test_dry_run_says_what_would_run_and_why_and_writes_nothing(project):
    before, tree = published(project), files(project / ".cache")
    assert dry(project).splitlines() == [
        "dry run (nothing is executed or written): params/default.yaml -> the published files",
        "[1/2] stage_a: would skip (unchanged)", "[2/2] stage_b: would skip (unchanged)"]
    set_params(project, "notebooks:\n  stage_b:\n    suffix: '?'\n")
    assert dry(project).splitlines()[1:] == ["[1/2] stage_a: would skip (unchanged)",
                                             "[2/2] stage_b: would run (parameters changed)"]
    write_raw(project, "xy")
    (project / "outputs" / "b.txt").write_text("by hand")
    assert dry(project).splitlines()[1:] == [
        "[1/2] stage_a: would run (inputs changed)",
        "[2/2] stage_b: would run (parameters changed; outputs changed since its last run: outputs/b.txt)"]
    (project / "outputs" / "b.txt").unlink()
    (project / "analysis" / "extra.py").write_text("X = 1\n")
    assert dry(project, only=["stage_b"]).splitlines()[1:] == [
        "[1/1] stage_b: would run (package code changed; parameters changed; outputs missing: outputs/b.txt)"]
    assert dry(project, force=True).splitlines()[1:] == ["[1/2] stage_a: would run (forced (--force))",
                                                         "[2/2] stage_b: would run (forced (--force))"]
    assert published(project) == {k: v for k, v in before.items() if k != "outputs/b.txt"}
    assert files(project / ".cache") == tree  # no preview left, no state written
    assert (project / "data" / "processed" / "a.txt").read_text() == "abab"  # nothing ran


def test_dry_run_marks_notebooks_that_run_only_if_an_upstream_one_changes_its_outputs(project):
    write_raw(project, "xy")
    assert dry(project).splitlines()[1:] == [
        "[1/2] stage_a: would run (inputs changed)",
        "[2/2] stage_b: may run (reruns if stage_a changes its outputs; itself unchanged)"]
    t3 = named(project, "t3", "notebooks:\n  stage_b:\n    suffix: '?'\n")
    write_raw(project, "ab")
    assert dry(project, params_file=t3).splitlines() == [
        "dry run (nothing is executed or written): params/t3.yaml -> outputs/runs/t3/",
        "[1/2] stage_a: would skip (same as the published run)",
        "[2/2] stage_b: would run (no successful run recorded)"]
    assert not (project / "outputs" / "runs").exists()


# ---------------------------------------------------------------- progress, closing line, quiet kernel

def test_progress_counts_elapsed_time_and_estimate_and_the_run_ends_saying_where_results_are(tmp_path):
    root = make_project(tmp_path / "p")
    lines = run(root)[1].splitlines()
    assert lines[0] == "params/default.yaml -> the published files: 2 of 2 tasks to run, 0 to skip"
    assert lines[1] == "[1/2] stage_a ... running: no successful run recorded"
    assert re.fullmatch(r"\[1/2\] stage_a \.\.\. done in \d+\.\d s \(elapsed \d+ s, about \d+ s left\)", lines[2])
    assert lines[3] == "[2/2] stage_b ... running: no successful run recorded"
    assert re.fullmatch(r"\[2/2\] stage_b \.\.\. done in \d+\.\d s \(elapsed \d+ s, nothing left to run\)",
                        lines[4])
    assert lines[5] == ("2 of 2 tasks ran; results are in data/processed/, outputs/ (numbers.json, figures/, "
                        "tables/) and notebooks/. Report: python -m analysis report, then open "
                        "outputs/report/index.html")
    state = json.loads((root / ".cache" / "runner-state.json").read_text())
    assert all(isinstance(state[n]["seconds"], float) for n in ("stage_a", "stage_b"))
    # the second time, the estimate comes from the recorded durations from the start
    set_params(root, "notebooks:\n  stage_a:\n    factor: 3\n")
    lines = run(root)[1].splitlines()
    assert lines[0] == "params/default.yaml -> the published files: 1 of 2 tasks to run, 1 more if their " \
                       "inputs change, 0 to skip"
    assert re.fullmatch(r"\[1/2\] stage_a \.\.\. done in .*\(elapsed \d+ s, about \d+ s left\)", lines[2])


def test_the_kernel_does_not_warn_about_tcp(tmp_path, capfd, monkeypatch):
    root = make_project(tmp_path / "p")
    monkeypatch.setenv("ANALYSIS_ROOT", str(root))
    capfd.readouterr()
    run(root, only=["stage_a"])
    assert "without encryption" not in capfd.readouterr().err
    # papermill's own default (TCP on localhost) does warn: the test above can fail
    papermill.execute_notebook(str(root / "notebooks" / "stage_a.ipynb"), str(tmp_path / "x.ipynb"),
                               kernel_name="python3", progress_bar=False, cwd=str(root))
    assert "Kernel is running over TCP without encryption" in capfd.readouterr().err


def test_fmt_seconds():
    assert [runner.fmt_seconds(s) for s in (4.4, 59.6, 61, 3599, 3725)] == [
        "4 s", "1 min 00 s", "1 min 01 s", "59 min 59 s", "1 h 02 min"]


def test_each_kernel_is_shut_down_when_its_notebook_is_done(tmp_path, monkeypatch):
    managers = []
    real = execute_mod.ipc_kernel

    def spy():
        with real() as kwargs:
            managers.append(kwargs["km"])
            yield kwargs
    monkeypatch.setattr(execute_mod, "ipc_kernel", contextlib.contextmanager(spy))
    run(make_project(tmp_path / "p"))
    assert len(managers) == 2 and not any(m.has_kernel for m in managers)
    assert not any(Path(m.ip).parent.exists() for m in managers)  # the socket folders are gone
