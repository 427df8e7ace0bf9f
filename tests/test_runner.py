"""The notebook runner on a tiny project of fixture notebooks executed through papermill in tmp_path."""
import json
import shutil

import nbformat
import pytest

from analysis.workflow import fingerprint, runner
from analysis.workflow.params import ParameterError
from tests.projects import FIXTURES, make_project, run, write_raw

def steps(spec: dict) -> dict:
    return {n: runner.Step(n, deps) for n, deps in spec.items()}


def test_topological_order_puts_dependencies_first_and_is_stable():
    order = runner.topological_order(steps({"d": ["b", "c"], "c": ["a"], "b": ["a"], "a": []}))
    assert order == ["a", "b", "c", "d"]
    assert runner.topological_order(steps({"z": [], "y": ["z"], "x": []})) == ["x", "z", "y"]


def test_cycle_and_unknown_dependency_are_errors():
    with pytest.raises(runner.PipelineError, match="dependency cycle: a -> c -> b -> a"):
        runner.topological_order(steps({"a": ["c"], "b": ["a"], "c": ["b"]}))
    with pytest.raises(runner.PipelineError, match=r"b depends on unknown notebook\(s\) \['q'\]"):
        runner.topological_order(steps({"a": [], "b": ["q"]}))


def test_source_hash_ignores_outputs_metadata_and_injected_cell(tmp_path):
    path = tmp_path / "n.ipynb"
    shutil.copy(FIXTURES / "stage_a.ipynb", path)
    before = fingerprint.source_hash(path)
    nb = nbformat.read(str(path), as_version=4)
    nb.cells[2].outputs = [nbformat.v4.new_output("stream", text="hello")]
    nb.cells[2].metadata["papermill"] = {"duration": 1.0}
    injected = nbformat.v4.new_code_cell("factor = 9")
    injected.metadata["tags"] = ["injected-parameters"]
    nb.cells.insert(2, injected)
    nbformat.write(nb, str(path))
    assert fingerprint.source_hash(path) == before
    nb.cells[3].source += "\n# edited"
    nbformat.write(nb, str(path))
    assert fingerprint.source_hash(path) != before


def test_skip_when_unchanged_and_rerun_when_changed(tmp_path):
    root = make_project(tmp_path)
    status, log = run(root)
    assert status == {"stage_a": "ran", "stage_b": "ran"}
    assert "[1/2] stage_a ... done in" in log and "[2/2] stage_b ... done in" in log
    assert (root / "outputs" / "b.txt").read_text() == "ABAB!"

    status, log = run(root)
    assert status == {"stage_a": "skipped", "stage_b": "skipped"}
    assert "[2/2] stage_b ... skipped (unchanged)" in log

    (root / "params" / "default.yaml").write_text("notebooks:\n  stage_b:\n    suffix: '?'\n")
    assert run(root)[0] == {"stage_a": "skipped", "stage_b": "ran"}      # parameters of b only
    assert (root / "outputs" / "b.txt").read_text() == "ABAB?"

    write_raw(root, "xy")
    assert run(root)[0] == {"stage_a": "ran", "stage_b": "ran"}          # input of a, hence of b
    assert (root / "outputs" / "b.txt").read_text() == "XYXY?"

    (root / "outputs" / "b.txt").unlink()
    assert run(root)[0] == {"stage_a": "skipped", "stage_b": "ran"}      # a declared output is missing

    (root / "analysis" / "extra.py").write_text("X = 1\n")
    assert run(root, only=["stage_a"])[0] == {"stage_a": "ran"}          # package code changed

    assert run(root, force=True)[0] == {"stage_a": "ran", "stage_b": "ran"}


def test_notebook_source_change_reruns_it_and_identical_outputs_spare_the_next(tmp_path):
    root = make_project(tmp_path)
    run(root)
    path = root / "notebooks" / "stage_a.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("A note that changes nothing downstream."))
    nbformat.write(nb, str(path))
    assert run(root)[0] == {"stage_a": "ran", "stage_b": "skipped"}


def test_rerun_writes_byte_identical_notebooks(tmp_path):
    root = make_project(tmp_path, "notebooks:\n  stage_a:\n    factor: 3\n")
    run(root)
    first = {p.name: p.read_bytes() for p in (root / "notebooks").glob("*.ipynb")}
    run(root, force=True)
    assert {p.name: p.read_bytes() for p in (root / "notebooks").glob("*.ipynb")} == first
    meta = json.loads(first["stage_a.ipynb"])["metadata"]["papermill"]
    assert not {"start_time", "end_time", "duration"} & set(meta)
    assert meta["input_path"] == meta["output_path"] == "stage_a.ipynb"
    assert meta["parameters"] == {"factor": 3}
    assert sorted(p.name for p in (root / "notebooks").iterdir()) == ["stage_a.ipynb", "stage_b.ipynb"]
    mode = (root / "notebooks" / "stage_a.ipynb").stat().st_mode & 0o777
    assert mode == (FIXTURES / "stage_a.ipynb").stat().st_mode & 0o777  # not mkstemp's 0600


def test_failing_cell_is_named_and_leaves_the_committed_notebook_untouched(tmp_path):
    root = make_project(tmp_path)
    run(root)
    path = root / "notebooks" / "stage_b.ipynb"
    good = path.read_bytes()
    (root / "params" / "default.yaml").write_text("notebooks:\n  stage_b:\n    fail: true\n")
    with pytest.raises(runner.NotebookFailed) as err:
        run(root)
    msg = str(err.value)
    assert msg.startswith("stage_b failed in cell [4] (cell 5 of the notebook): "
                          "ValueError: asked to fail in stage_b")
    assert 'raise ValueError("asked to fail in stage_b")' in msg
    assert msg.endswith('failing line 2: raise ValueError("asked to fail in stage_b")\n'
                        "    partial notebook kept at .cache/failed/stage_b.ipynb")
    assert path.read_bytes() == good
    assert (root / ".cache" / "failed" / "stage_b.ipynb").exists()
    assert sorted(p.name for p in (root / "notebooks").iterdir()) == ["stage_a.ipynb", "stage_b.ipynb"]
    state = json.loads((root / ".cache" / "runner-state.json").read_text())
    assert set(state) == {"stage_a"}  # the failed notebook no longer counts as done


def test_invalid_parameters_stop_before_anything_runs(tmp_path):
    root = make_project(tmp_path, "notebooks:\n  stage_a:\n    factr: 3\n")
    with pytest.raises(ParameterError, match="stage_a has no parameter 'factr' \\(did you mean 'factor'\\?\\); "
                                             "its parameters are:\n"
                                             "    factor: int = 2\n    processed_dir: str = \"\""):
        run(root)
    assert not (root / "data" / "processed").exists()
    assert not (root / ".cache").exists()


def test_missing_notebook_and_unknown_only_are_errors(tmp_path):
    root = make_project(tmp_path)
    with pytest.raises(runner.PipelineError, match=r"unknown notebook\(s\) \['stage_c'\]"):
        run(root, only=["stage_c"])
    (root / "notebooks" / "stage_b.ipynb").unlink()
    with pytest.raises(runner.PipelineError, match="not found: .*notebooks/stage_b.ipynb"):
        run(root)


def test_the_task_declarations_run_the_register_first():
    loaded = runner.task_steps()
    order = runner.topological_order(loaded)
    assert order[0] == "01-register"
    assert all("01-register" in loaded[n].depends_on for n in order[1:])


def test_cli_sweep_passes_its_arguments_through(monkeypatch):
    from analysis import __main__ as cli
    from analysis.tasks import robustness as multiverse
    seen = []
    monkeypatch.setattr(multiverse, "main", lambda argv: seen.append(argv) or 0)
    assert cli.main(["sweep", "--jobs", "2"]) == 0
    assert seen == [["--jobs", "2"]]
