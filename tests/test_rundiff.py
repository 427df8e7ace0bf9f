"""python -m analysis diff: which numbers moved between two runs' numbers.json, by how much, and what they are."""
import json
from pathlib import Path

import pytest

from analysis import __main__ as cli
from analysis import paths
from analysis.workflow import rundiff


def entry(value, unit="ratio", definition="d", interval=None, p_value=None, spec=None):
    e = {"value": value, "unit": unit, "definition": definition, "spec": spec or {}}
    if interval is not None:
        e["interval"] = interval
    if p_value is not None:
        e["p_value"] = p_value
    return e


A = {"regional.rr_puno": entry(12.5, definition="rate ratio Puno vs Lima", interval=[4.0, 39.1],
                               spec={"reference": "Lima"}),
     "regional.n_deaths": entry(49, unit="person", definition="deaths in clashes", spec={"reference": "Lima"}),
     "ethnic.share": entry(87.9, unit="percent", definition="death share, majority Indigenous", p_value=0.001,
                           spec={"threshold": 50.0}),
     "ethnic.zero": entry(0, unit="count", definition="units with no deaths", spec={"threshold": 50.0}),
     "force.old_only": entry(3, unit="event", definition="dropped key")}
B = {"regional.rr_puno": entry(12.5, definition="rate ratio Puno vs Lima", interval=[4.0, 40.0],
                               spec={"reference": "Lima"}),
     "regional.n_deaths": entry(49, unit="person", definition="deaths in clashes", spec={"reference": "Lima"}),
     "ethnic.share": entry(75.0, unit="percent", definition="death share, majority Indigenous", p_value=0.02,
                           spec={"threshold": 40.0}),
     "ethnic.zero": entry(2, unit="count", definition="units with no deaths", spec={"threshold": 40.0}),
     "force.new_only": entry(0.25, unit="proportion", definition="added key")}


@pytest.fixture
def project(tmp_path, monkeypatch):
    (tmp_path / "outputs" / "runs" / "t40").mkdir(parents=True)
    (tmp_path / "outputs" / "numbers.json").write_text(json.dumps(A))
    (tmp_path / "outputs" / "runs" / "t40" / "numbers.json").write_text(json.dumps(B))
    monkeypatch.setattr(paths, "ROOT", tmp_path)
    return tmp_path


def test_moved_numbers_with_change_unit_and_definition(project):
    text = rundiff.main(["t40"], project)
    assert text == (
        "published -> t40: 3 of 4 shared numbers moved; 1 only in published, 1 only in t40\n"
        "\n"
        "specification changes:\n"
        "  ethnic: threshold 50 -> 40\n"
        "\n"
        "moved:\n"
        "  ethnic.share: 87.9 -> 75  -12.9 (-14.7%)  [percent]\n"
        "      p-value: 0.001 -> 0.02\n"
        "      death share, majority Indigenous\n"
        "  ethnic.zero: 0 -> 2  +2  [count]\n"
        "      units with no deaths\n"
        "  regional.rr_puno: 12.5 -> 12.5  [ratio]\n"
        "      interval: [4, 39.1] -> [4, 40]\n"
        "      rate ratio Puno vs Lima\n"
        "\n"
        "only in published:\n"
        "  force.old_only: 3 [event]  dropped key\n"
        "\n"
        "only in t40:\n"
        "  force.new_only: 0.25 [proportion]  added key\n")


def test_two_runs_by_name_and_path_and_identical_runs(project, tmp_path):
    other = tmp_path / "elsewhere.json"
    other.write_text(json.dumps(A))
    assert rundiff.main(["t40", str(other)], project).startswith(
        "t40 -> " + str(other) + ": 3 of 4 shared numbers moved; 1 only in t40, 1 only in " + str(other))
    assert rundiff.main(["published", str(project / "outputs")], project) == (
        "published -> " + str(project / "outputs") + ": 0 of 5 shared numbers moved; 0 only in published, "
        "0 only in " + str(project / "outputs") + "\n")


def test_unknown_run_lists_the_runs_there_are(project, capsys):
    with pytest.raises(rundiff.RunNotFound, match=r"^t4: no numbers.json there; runs: published, t40 "):
        rundiff.main(["t4"], project)
    assert cli.main(["diff", "t4"]) == 2
    assert capsys.readouterr().err.startswith("error: t4: no numbers.json there; runs: published, t40")


def test_cli_prints_the_diff(project, capsys):
    assert cli.main(["diff", "published", "t40"]) == 0
    assert "  ethnic.zero: 0 -> 2  +2  [count]\n" in capsys.readouterr().out


def test_real_numbers_json_against_itself_moves_nothing():
    real = Path(__file__).resolve().parent.parent / "outputs" / "numbers.json"
    data = rundiff.load(real)
    assert rundiff.moved(data, data) == []
