"""Parameter file loading and validation against papermill's view of the notebooks' parameters cells."""
from pathlib import Path

import pytest

from analysis.workflow import params

FIXTURES = Path(__file__).parent / "fixtures" / "notebooks"


@pytest.fixture(scope="module")
def declared():
    return {"typed": params.declared_parameters(FIXTURES / "typed.ipynb"),
            "stage_a": params.declared_parameters(FIXTURES / "stage_a.ipynb")}


def config(shared=None, **notebooks):
    return {"shared": shared or {}, "notebooks": notebooks}


def test_declared_types_come_from_annotation_or_default(declared):
    types = {k: v["type"] for k, v in declared["typed"].items()}
    assert types == {"reference": "str", "n_boot": "int", "alpha": "float", "include_unidentified": "bool",
                     "cutoff_date": "str", "weights": "any", "processed_dir": "str", "outputs_dir": "str"}
    assert declared["typed"]["reference"]["help"] == "department used as reference"
    assert declared["typed"]["n_boot"]["default"] == "2000"


def test_shared_keys_go_only_to_notebooks_that_declare_them(declared):
    resolved = params.resolve(config({"processed_dir": "x", "n_boot": 10}, stage_a={"factor": 3}), declared)
    assert resolved == {"typed": {"processed_dir": "x", "n_boot": 10},
                        "stage_a": {"processed_dir": "x", "factor": 3}}


def test_mistyped_name_lists_the_declared_parameters(declared):
    with pytest.raises(params.ParameterError) as err:
        params.resolve(config(typed={"refrence": "Cusco"}), declared)
    msg = str(err.value)
    assert "notebooks.typed.refrence: typed has no parameter 'refrence'" in msg
    for line in ('reference: str = "Lima"  # department used as reference', "n_boot: int = 2000",
                 "alpha: float = 0.05", "weights: any = None"):
        assert line in msg


def test_wrong_type_is_an_error(declared):
    with pytest.raises(params.ParameterError, match=r"notebooks.typed.n_boot: '2000' is str, but typed declares "
                                                    r"n_boot: int = 2000"):
        params.resolve(config(typed={"n_boot": "2000"}), declared)


@pytest.mark.parametrize("name,value,ok", [
    ("n_boot", True, False),          # a bool is not an int
    ("alpha", 1, True),               # an int is a valid float
    ("alpha", "0.1", False),
    ("include_unidentified", 1, False),
    ("weights", [1, 2], True),        # default None: anything goes
    ("reference", None, False),
])
def test_type_rules(declared, name, value, ok):
    cfg = config(typed={name: value})
    if ok:
        assert params.resolve(cfg, declared)["typed"][name] == value
    else:
        with pytest.raises(params.ParameterError, match=f"notebooks.typed.{name}"):
            params.resolve(cfg, declared)


def test_unknown_notebook_and_orphan_shared_key_are_errors(declared):
    with pytest.raises(params.ParameterError) as err:
        params.resolve(config({"seed": 1}, typo_nb={"x": 1}), declared)
    assert "section notebooks.typo_nb: no such notebook; known: stage_a, typed" in str(err.value)
    assert "shared.seed: declared by no notebook" in str(err.value)


def test_yaml_keeps_dates_as_strings_and_extends_a_base(tmp_path):
    (tmp_path / "base.yaml").write_text("shared:\n  cutoff_date: 2023-03-31\n  n_boot: 2000\n"
                                        "notebooks:\n  typed:\n    reference: Lima\n    alpha: 0.05\n")
    (tmp_path / "ci.yaml").write_text("extends: base.yaml\nshared:\n  n_boot: 50\nnotebooks:\n  typed:\n"
                                      "    alpha: 0.1\n")
    loaded = params.load_params(tmp_path / "ci.yaml")
    assert loaded == {"shared": {"cutoff_date": "2023-03-31", "n_boot": 50},
                      "notebooks": {"typed": {"reference": "Lima", "alpha": 0.1}}}


def test_unknown_top_level_key_is_rejected(tmp_path):
    (tmp_path / "p.yaml").write_text("shared: {}\nnotebook:\n  typed: {}\n")
    with pytest.raises(params.ParameterError, match="unknown top-level keys \\['notebook'\\]"):
        params.load_params(tmp_path / "p.yaml")


@pytest.mark.parametrize("name", ["default.yaml", "ci.yaml"])
def test_project_parameter_files_load(name):
    root = Path(__file__).resolve().parent.parent
    loaded = params.load_params(root / "params" / name)
    assert set(loaded) == {"shared", "notebooks"}


@pytest.mark.parametrize("name", ["default.yaml", "ci.yaml"])
def test_project_parameter_files_fit_the_notebooks_present(name):
    """Every value in the committed parameter files is a declared parameter of the right type."""
    root = Path(__file__).resolve().parent.parent
    present = {p.stem: p for p in (root / "notebooks").glob("*.ipynb")}
    if not present:
        pytest.skip("no notebooks yet")
    loaded = params.load_params(root / "params" / name)
    loaded["notebooks"] = {k: v for k, v in loaded["notebooks"].items() if k in present}
    declared = {n: params.declared_parameters(p) for n, p in present.items()}
    resolved = params.resolve(loaded, declared)
    for nb, section in loaded["notebooks"].items():
        assert section.items() <= resolved[nb].items()


# ---------------------------------------------------------------- messages that name the cause

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def register_declared():
    """The real register notebook's parameters (read, never run)."""
    return {"01-register": params.declared_parameters(REPO / "notebooks" / "01-register.ipynb")}


def test_impossible_cutoff_date_names_the_parameter(register_declared):
    with pytest.raises(params.ParameterError) as err:
        params.resolve(config(**{"01-register": {"cutoff_date": "2023-02-30"}}), register_declared)
    assert str(err.value) == ("invalid parameters:\nnotebooks.01-register.cutoff_date: '2023-02-30' is not a date "
                              "on the calendar (YYYY-MM-DD, e.g. 2023-03-31)")


def test_unknown_context_names_the_parameter_the_valid_values_and_the_nearest(register_declared):
    with pytest.raises(params.ParameterError) as err:
        params.resolve(config({"contexts": ["clash", "clsh"]}), register_declared)
    assert str(err.value) == ("invalid parameters:\nshared.contexts: 'clsh' is not a context (did you mean "
                              "'clash'?); valid values: blockade, clash, other, police_officer, unknown")


def test_known_values_pass_and_lists_of_dates_and_contexts_are_checked():
    assert params.check_value("cutoff_date", "2023-02-28") == []
    assert params.check_value("contexts", None) == [] and params.check_value("contexts", ["blockade"]) == []
    assert params.check_value("alt_cutoffs", ["2023-02-16", "2023-13-01"]) == [
        "'2023-13-01' is not a date on the calendar (YYYY-MM-DD, e.g. 2023-03-31)"]
    assert params.check_value("alt_contexts", [["clash"], None, ["blockde"]]) == [
        "'blockde' is not a context (did you mean 'blockade'?); valid values: blockade, clash, other, "
        "police_officer, unknown"]
    assert params.check_value("window_end", "31/03/2023") != []
    assert params.check_value("reference", "Lima") == []


def test_unknown_names_get_a_did_you_mean(declared):
    with pytest.raises(params.ParameterError) as err:
        params.resolve(config({"n_bot": 1}, typd={}, typed={"refrence": "x"}), declared)
    msg = str(err.value)
    assert "notebooks.typed.refrence: typed has no parameter 'refrence' (did you mean 'reference'?); its" in msg
    assert "section notebooks.typd: no such notebook; known: stage_a, typed (did you mean 'typed'?)" in msg
    assert "shared.n_bot: declared by no notebook (did you mean 'n_boot'?)" in msg


def test_missing_parameter_file_is_one_line_naming_it(tmp_path):
    with pytest.raises(params.ParameterError, match=r"^\S*nope.yaml: parameter file not found$"):
        params.load_params(tmp_path / "nope.yaml")
    (tmp_path / "ci.yaml").write_text("extends: base.yaml\n")
    with pytest.raises(params.ParameterError, match=r"^\S*base.yaml: parameter file not found$"):
        params.load_params(tmp_path / "ci.yaml")
    (tmp_path / "bad.yaml").write_text("shared:\n  a: [1\n")
    with pytest.raises(params.ParameterError, match=r"^\S*bad.yaml: not valid YAML \(line 3, column 1\): "):
        params.load_params(tmp_path / "bad.yaml")


def test_cli_missing_parameter_file_prints_one_line(tmp_path):
    import os
    import subprocess
    import sys

    from tests.projects import make_project
    root = make_project(tmp_path / "p")
    env = dict(os.environ, ANALYSIS_ROOT=str(root), PYTHONPATH=str(REPO))
    # cwd above the project: its fixture `analysis/` folder must not shadow the package
    proc = subprocess.run([sys.executable, "-m", "analysis", "run", "--params", "p/params/nope.yaml"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, check=False)
    assert (proc.returncode, proc.stdout, proc.stderr) == (
        1, "", "error: p/params/nope.yaml: parameter file not found\n")
