"""papermill run directly (not through the runner) checks its -p values as the runner checks a parameter file."""
import os
from pathlib import Path

import papermill
import pytest
from papermill.exceptions import PapermillExecutionError

from analysis.workflow import params, runner

REPO = Path(__file__).resolve().parent.parent
FIXTURE = REPO / "tests" / "fixtures" / "notebooks" / "checked.ipynb"


@pytest.fixture
def kernel_sees_this_package(monkeypatch):
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))


def execute(tmp_path, **parameters):
    return papermill.execute_notebook(str(FIXTURE), str(tmp_path / "out.ipynb"), parameters=parameters,
                                      kernel_name="python3", progress_bar=False, cwd=str(tmp_path))


def runner_message(tmp_path, key, value) -> str:
    """What the runner says for the same value given in a parameter file."""
    declared = {"checked": params.declared_parameters(FIXTURE)}
    with pytest.raises(params.ParameterError) as err:
        params.resolve({"shared": {}, "notebooks": {"checked": {key: value}}}, declared)
    return str(err.value)


def test_mistyped_name_fails_naming_it_and_suggesting_the_declared_one(tmp_path, kernel_sees_this_package):
    with pytest.raises(PapermillExecutionError) as err:
        execute(tmp_path, treshold=40)
    assert err.value.ename == "ParameterError"
    expected = runner_message(tmp_path, "treshold", 40)
    assert expected.startswith("invalid parameters:\nnotebooks.checked.treshold: checked has no parameter "
                               "'treshold' (did you mean 'threshold'?); its parameters are:\n")
    # the same message, with "-p treshold" where the runner names the parameter file's key
    assert err.value.evalue == expected.replace("notebooks.checked.treshold:", "-p treshold:")
    assert "    threshold: float = 50.0  # percent Indigenous above which a department counts as majority" \
        in err.value.evalue


def test_wrong_type_and_impossible_date_fail_like_the_runner(tmp_path, kernel_sees_this_package):
    with pytest.raises(PapermillExecutionError) as err:
        execute(tmp_path, threshold="forty", cutoff_date="2023-02-30")
    assert err.value.evalue == ("invalid parameters:\n"
                                "-p cutoff_date: '2023-02-30' is not a date on the calendar "
                                "(YYYY-MM-DD, e.g. 2023-03-31)\n"
                                "-p threshold: 'forty' is str, but checked declares threshold: float = 50.0; "
                                "its parameters are:\n" + params.describe(params.declared_parameters(FIXTURE)))


def test_valid_values_and_no_values_run(tmp_path, kernel_sees_this_package):
    nb = execute(tmp_path, threshold=40, contexts=["clash", "blockade"])
    assert nb.cells[-1].outputs[0]["text"] == "40 ['clash', 'blockade'] 2023-02-16\n"
    nb = execute(tmp_path)
    assert nb.cells[-1].outputs[0]["text"] == "50.0 ['clash'] 2023-02-16\n"


def test_the_runner_path_passes_the_same_check(tmp_path, kernel_sees_this_package):
    target = tmp_path / "checked.ipynb"
    target.write_bytes(FIXTURE.read_bytes())
    runner.execute(target, {"threshold": 40}, tmp_path, package_root=REPO)
    assert "40 ['clash'] 2023-02-16" in target.read_text()


def test_history_scan_finds_only_papermills_cell():
    parameters = 'threshold = 50.0  # percent\ncontexts = ["clash"]\n'
    injected = "# Parameters\ntreshold = 40\n"
    assert params.check_injected("nb", ["", parameters, "check()"], {"threshold": 50.0}) == {}
    with pytest.raises(params.ParameterError, match=r"-p treshold: nb has no parameter 'treshold' "
                                                     r"\(did you mean 'threshold'\?\)"):
        params.check_injected("nb", ["", parameters, injected, "check()"], {"treshold": 40})
    # a parameters cell that itself opens with "# Parameters" (and has its own comments) is not taken for it
    own = "# Parameters\nthreshold = 50.0  # percent\n"
    assert params.check_injected("nb", ["", own, "check()"], {"threshold": 50.0}) == {}
    assert params.check_injected("nb", ["", own, "# Parameters\nthreshold = 40\n", "check()"],
                                 {"threshold": 40}) == {"threshold": 40}
