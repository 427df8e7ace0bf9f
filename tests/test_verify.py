"""Verification: tree comparison, the scratch copy, and one end-to-end re-run of a fixture project."""
import shutil
import subprocess
from pathlib import Path

import pytest

from analysis.workflow import verify
from tests.projects import make_project

PACKAGE = Path(__file__).resolve().parent.parent / "analysis"


def write(root: Path, files: dict) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


TREE = {"data/processed/victims.csv": "victim_id,age_years\nV001,17\nV002,\n",
        "outputs/numbers.json": '{\n  "02.deaths": {"value": 49}\n}\n',
        "outputs/figures/fig.png": "not compared", "notebooks/x.ipynb": "not compared"}


def test_identical_trees_are_reproduced(tmp_path):
    a, b = write(tmp_path / "a", TREE), write(tmp_path / "b", TREE)
    result = verify.compare_trees(a, b)
    assert result.ok
    assert result.summary() == "reproduced: 2 of 2 files identical"


def test_a_differing_file_is_listed_with_a_short_diff(tmp_path):
    a = write(tmp_path / "a", TREE)
    b = write(tmp_path / "b", {**TREE, "data/processed/victims.csv": "victim_id,age_years\nV001,18\nV002,\n"})
    result = verify.compare_trees(a, b)
    assert not result.ok
    assert list(result.different) == ["data/processed/victims.csv"]
    summary = result.summary()
    assert summary.startswith("NOT reproduced: 1 of 2 files identical; differing:\n"
                              "  data/processed/victims.csv: content differs")
    assert "-V001,17" in summary and "+V001,18" in summary


def test_missing_and_extra_files_differ(tmp_path):
    a = write(tmp_path / "a", TREE)
    b = write(tmp_path / "b", {**TREE, "outputs/tables/new.csv": "x\n1\n"})
    (b / "outputs" / "numbers.json").unlink()
    result = verify.compare_trees(a, b)
    assert result.different == {"outputs/numbers.json": "committed but not produced by the re-run",
                                "outputs/tables/new.csv": "produced by the re-run but not committed"}


def test_project_files_follow_git_and_copy_leaves_out_regenerated_outputs(tmp_path):
    if shutil.which("git") is None:
        pytest.skip("git not installed")
    root = write(tmp_path / "repo", {**TREE, ".gitignore": ".cache/\n", ".cache/runner-state.json": "{}",
                                     "analysis/__init__.py": ""})
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    assert verify.project_files(root) == [".gitignore", "analysis/__init__.py", "data/processed/victims.csv",
                                          "notebooks/x.ipynb", "outputs/figures/fig.png", "outputs/numbers.json"]
    scratch = tmp_path / "scratch"
    assert verify.copy_project(root, scratch) == 3
    assert sorted(p.relative_to(scratch).as_posix() for p in scratch.rglob("*") if p.is_file()) == [
        ".gitignore", "analysis/__init__.py", "notebooks/x.ipynb"]


def test_end_to_end_rerun_reproduces_then_detects_a_tampered_output(tmp_path, capsys):
    root = make_project(tmp_path / "project")
    shutil.rmtree(root / "analysis")
    shutil.copytree(PACKAGE, root / "analysis", ignore=shutil.ignore_patterns("__pycache__"))
    from analysis.workflow import runner
    runner.run(root, pipeline_file=root / "params" / "pipeline.yaml")
    assert verify.verify(root, pipeline="params/pipeline.yaml") == 0
    assert "reproduced: 1 of 1 files identical" in capsys.readouterr().out
    (root / "data" / "processed" / "a.txt").write_text("abab tampered")
    assert verify.verify(root, pipeline="params/pipeline.yaml") == 1
    out = capsys.readouterr().out
    assert "NOT reproduced: 0 of 1 files identical" in out and "data/processed/a.txt: content differs" in out
