"""python -m analysis params: every parameter of every notebook with type, default and meaning."""
import shutil
from pathlib import Path

from analysis import __main__ as cli
from analysis.workflow import params
from analysis import paths

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures" / "notebooks"


def test_fixture_listing_is_exact_with_the_values_a_file_sets(tmp_path):
    config = {"shared": {"processed_dir": "x"}, "notebooks": {"typed": {"n_boot": 10}}}
    text = params.listing([FIXTURES / "stage_a.ipynb", FIXTURES / "typed.ipynb"], config, "p.yaml")
    assert text == (
        "stage_a (2 parameters)\n"
        "  factor         int  2   (no comment)\n"
        "  processed_dir  str  \"\"  (no comment)  [p.yaml: 'x']\n"
        "\n"
        "typed (8 parameters)\n"
        "  reference             str    \"Lima\"        department used as reference\n"
        "  n_boot                int    2000          (no comment)  [p.yaml: 10]\n"
        "  alpha                 float  0.05          (no comment)\n"
        "  include_unidentified  bool   True          (no comment)\n"
        "  cutoff_date           str    \"2023-03-31\"  (no comment)\n"
        "  weights               any    None          (no comment)\n"
        "  processed_dir         str    \"\"            (no comment)  [p.yaml: 'x']\n"
        "  outputs_dir           str    \"\"            (no comment)\n"
        "\n"
        "declared by several notebooks (a `shared:` value reaches each of them):\n"
        "  processed_dir: stage_a, typed\n")


def test_real_notebooks_every_parameter_listed_under_its_notebook(monkeypatch, capsys):
    monkeypatch.setattr(paths, "ROOT", REPO)
    assert cli.main(["params"]) == 0
    text = capsys.readouterr().out
    blocks = dict(b.split("\n", 1) for b in text.split("\n\n"))
    notebooks = sorted((REPO / "notebooks").glob("*.ipynb"))
    assert len(notebooks) == 8
    for path in notebooks:
        declared = params.declared_parameters(path)
        header = f"{path.stem} ({len(declared)} parameters)"
        assert header in blocks, header
        rows = blocks[header].splitlines()
        assert [r.split()[0] for r in rows] == list(declared)
        for row, (name, d) in zip(rows, declared.items()):
            assert row.split()[1] == d["type"].replace(" ", "")
            assert row.endswith(d["help"] or "(no comment)")
    assert "  cutoff_date: 01-register, 02-descriptive," in text


def test_one_notebook_and_unknown_notebook(tmp_path, monkeypatch, capsys):
    (tmp_path / "notebooks").mkdir()
    shutil.copy(FIXTURES / "stage_a.ipynb", tmp_path / "notebooks")
    monkeypatch.setattr(paths, "ROOT", tmp_path)
    assert cli.main(["params", "--notebook", "stage_a"]) == 0
    assert capsys.readouterr().out.startswith("stage_a (2 parameters)\n  factor ")
    assert cli.main(["params", "--notebook", "stage_z"]) == 2
    assert capsys.readouterr().err == "error: no notebook stage_z; known: stage_a\n"
    assert cli.main(["params", "--params", str(tmp_path / "nope.yaml")]) == 2
    assert capsys.readouterr().err == f"error: {tmp_path / 'nope.yaml'}: parameter file not found\n"
