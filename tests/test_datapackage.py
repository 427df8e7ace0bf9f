"""data/processed/datapackage.json: generated from the codebook, valid for Frictionless, and it catches a broken
table (a value outside its vocabulary, a missing column)."""
import csv
import json
import shutil

import pandas as pd
import pytest
from frictionless import validate

from analysis.register import datapackage, vocab
from analysis import paths

CSVS = sorted(p.name for p in paths.PROCESSED.glob("*.csv"))


def _book():
    return pd.read_csv(paths.PROCESSED / "codebook.csv", dtype=str, keep_default_na=False)


def _errors(report) -> list:
    """(resource, error type, field, row) of every error, package-level ones under resource None."""
    out = [(None, e.type, None, None) for e in report.errors]
    for task in report.tasks:
        out += [(task.name, e.type, getattr(e, "field_name", None), getattr(e, "row_number", None))
                for e in task.errors]
    return out


@pytest.fixture
def package_dir(tmp_path):
    """A copy of the processed tables with a freshly generated datapackage.json."""
    out = tmp_path / "processed"
    out.mkdir()
    for name in CSVS:
        shutil.copy(paths.PROCESSED / name, out / name)
    datapackage.write(_book(), out)
    return out


def _rewrite(path, edit):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    rows = edit(rows)
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)


def test_committed_package_validates():
    report = validate(str(paths.PROCESSED / "datapackage.json"))
    assert report.valid, _errors(report)[:10]


def test_committed_package_describes_every_csv_with_its_header():
    package = json.loads((paths.PROCESSED / "datapackage.json").read_text(encoding="utf-8"))
    assert sorted(r["path"] for r in package["resources"]) == CSVS
    for res in package["resources"]:
        with open(paths.PROCESSED / res["path"], newline="", encoding="utf-8") as f:
            header = next(csv.reader(f))
        assert [f["name"] for f in res["schema"]["fields"]] == header, res["name"]


def test_generated_package_validates(package_dir):
    report = validate(str(package_dir / "datapackage.json"))
    assert report.valid, _errors(report)[:10]


def test_schema_comes_from_the_codebook():
    book = _book()
    package = datapackage.build(book)
    res = {r["name"]: r for r in package["resources"]}
    fields = {f["name"]: f for f in res["victims"]["schema"]["fields"]}
    meanings = dict(zip(book[book["table"] == "victims"]["field"], book[book["table"] == "victims"]["meaning"]))
    assert {name: f["description"] for name, f in fields.items()} == meanings
    assert fields["identified"]["type"] == "boolean"
    assert fields["age_years"]["type"] == "integer"
    assert fields["age_years"]["constraints"] == {"minimum": 0, "maximum": 110}
    assert fields["date_death"]["type"] == "date"
    assert fields["display_name"]["type"] == "string"
    assert fields["context"]["constraints"] == {"enum": sorted(vocab.CONTEXT), "required": True}
    assert res["victims"]["schema"]["primaryKey"] == ["victim_id"]
    assert res["mentions_linked"]["schema"]["primaryKey"] == ["mention_id"]
    assert {f["name"]: f for f in res["mentions_linked"]["schema"]["fields"]}["force"]["constraints"] == {
        "enum": list(vocab.FORCE)}
    assert "primaryKey" not in res["match_report"]["schema"]  # a pair can be considered twice (auto and manual)
    assert {"fields": ["event_id"], "reference": {"resource": "events", "fields": ["event_id"]}} in \
        res["victims"]["schema"]["foreignKeys"]


def test_sources_come_from_the_manifest():
    manifest = pd.read_csv(paths.MANIFEST, dtype=str, keep_default_na=False)
    package = datapackage.build(_book(), manifest)
    assert {s["title"] for s in package["sources"]} == set(manifest["publisher"]) | {datapackage.HAND["title"]}
    res = {r["name"]: r for r in package["resources"]}
    assert res["departments"]["sources"][0] == {"title": manifest.set_index("path").loc[
        "covariates/departments.csv", "publisher"], "path": "../raw/covariates/departments.csv"}
    assert "sources" not in res["codebook"]
    assert package["licenses"][0]["path"] == "../../DATA_LICENSES.md"
    assert (paths.PROCESSED / package["licenses"][0]["path"]).resolve() == paths.ROOT / "DATA_LICENSES.md"


def test_value_outside_the_vocabulary_fails(package_dir):
    def edit(rows):
        rows[1][rows[0].index("context")] = "riot"
        return rows
    _rewrite(package_dir / "victims.csv", edit)
    report = validate(str(package_dir / "datapackage.json"))
    assert not report.valid
    assert _errors(report) == [("victims", "constraint-error", "context", 2)]


def test_missing_column_fails(package_dir):
    def edit(rows):
        i = rows[0].index("sex")
        return [r[:i] + r[i + 1:] for r in rows]
    _rewrite(package_dir / "victims.csv", edit)
    report = validate(str(package_dir / "datapackage.json"))
    assert not report.valid
    errors = _errors(report)
    assert {e[0] for e in errors} == {"victims"}
    # columns are matched by position: the gap shows where `sex` was, and the last field has no column left
    assert ("victims", "incorrect-label", "sex", None) in errors
    assert ("victims", "missing-label", _book().query("table == 'victims'")["field"].iloc[-1], None) in errors


def test_unmapped_type_is_refused():
    with pytest.raises(KeyError, match="codebook type 'datetime64\\[ns\\]' has no Frictionless type"):
        datapackage.field_type("datetime64[ns]", "a timestamp", None)


def test_raw_input_missing_from_the_manifest_is_refused():
    manifest = pd.DataFrame({"path": ["casualties/mentions.csv"], "publisher": ["x"], "url": ["y"]})
    with pytest.raises(KeyError, match="raw input casualties/sources.csv of victims is not in data/raw/MANIFEST.csv"):
        datapackage.resource_sources("victims", manifest)
