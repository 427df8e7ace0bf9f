"""The files that make the suite reusable: licences, citation, Binder, package metadata, the Spanish summary."""
import datetime
import fnmatch
import importlib
import re
import shutil
import subprocess
import sys
import tomllib

import pandas as pd
import pytest
import yaml

from analysis import paths
from tests.pins import norm as _norm, pip_pins

ROOT = paths.ROOT
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


# ---- licences -------------------------------------------------------------------------------------------------
def test_code_licence_is_mit_with_the_holder():
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n\nCopyright (c) 2026 The peru-protests-analysis contributors\n")
    assert "THE SOFTWARE IS PROVIDED \"AS IS\"" in text
    assert PYPROJECT["project"]["license"] == {"text": "MIT"}


def _groups() -> dict:
    """group name -> the file patterns in its `files` cell of DATA_LICENSES.md's table."""
    groups = {}
    for line in (ROOT / "DATA_LICENSES.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) == 4 and cells[0] not in ("group", "---"):
            groups[cells[0]] = re.findall(r"`([^`]+)`", cells[1])
    return groups


def test_every_raw_file_has_stated_terms():
    groups = _groups()
    assert len(groups) == 6
    patterns = [p for ps in groups.values() for p in ps]
    manifest = pd.read_csv(paths.MANIFEST, dtype=str, keep_default_na=False)
    uncovered = [p for p in manifest["path"] if not any(fnmatch.fnmatch(p, pat) for pat in patterns)]
    assert not uncovered, f"DATA_LICENSES.md states no terms for {uncovered}"


def test_boundaries_are_stated_as_mpl():
    text = (ROOT / "DATA_LICENSES.md").read_text(encoding="utf-8")
    assert (ROOT / "data/raw/geo/LICENSE").read_text(encoding="utf-8").startswith("Mozilla Public License Version 2.0")
    row = next(line for line in text.splitlines() if line.startswith("| Boundaries |"))
    assert "**MPL-2.0**" in row and "`geo/*`" in row


def test_file_patterns_parse_from_the_table():
    assert _groups()["Boundaries"] == ["geo/*", "covariates/raw/S06_*"]


# ---- citation -------------------------------------------------------------------------------------------------
CFF_KEYS = {"abstract", "authors", "cff-version", "commit", "contact", "date-released", "doi", "identifiers",
            "keywords", "license", "license-url", "message", "preferred-citation", "references", "repository",
            "repository-artifact", "repository-code", "title", "type", "url", "version"}


def test_citation_cff_is_valid_1_2_0():
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert set(cff) <= CFF_KEYS, set(cff) - CFF_KEYS
    assert {"cff-version", "message", "title", "authors"} <= set(cff)
    assert cff["cff-version"] == "1.2.0"
    assert cff["type"] in ("software", "dataset")
    assert cff["authors"] == [{"name": "The peru-protests-analysis contributors"}]
    assert cff["date-released"] == datetime.date(2026, 12, 5)
    assert cff["version"] == PYPROJECT["project"]["version"]
    assert cff["license"] == PYPROJECT["project"]["license"]["text"]
    assert all(isinstance(k, str) and k for k in cff["keywords"]) and "Peru" in cff["keywords"]


# ---- Binder -----------------------------------------------------------------------------------------------------
def test_binder_uses_the_root_environment():
    # repo2docker ignores the root's files when a binder/ or .binder/ folder exists
    assert not (ROOT / "binder").exists() and not (ROOT / ".binder").exists()
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    assert "python=3.11" in env["dependencies"]  # repo2docker reads the Python version from this line
    post = ROOT / "postBuild"
    assert post.stat().st_mode & 0o111, "postBuild must be executable"
    text = post.read_text(encoding="utf-8")
    assert text.startswith("#!/bin/bash\n") and "set -euo pipefail" in text
    assert "python -m pip install --no-deps -e ." in text


# ---- package metadata -------------------------------------------------------------------------------------------
def _requirements(spec: list) -> dict:
    pins = {}
    for line in spec:
        m = re.fullmatch(r"([A-Za-z0-9_.\-]+)==(\S+)", line)
        assert m, f"pyproject.toml: '{line}' is not an exact pin"
        pins[_norm(m.group(1))] = m.group(2)
    return pins


def test_dependencies_are_the_pins_of_requirements_txt():
    project = PYPROJECT["project"]
    runtime = _requirements(project["dependencies"])
    extras = _requirements([d for ds in project["optional-dependencies"].values() for d in ds])
    assert not set(runtime) & set(extras)
    assert {**runtime, **extras} == pip_pins((ROOT / "requirements.txt").read_text(encoding="utf-8"))
    assert set(extras) == {"pytest", "nbval", "jupyterlab"}


def test_console_entry_point_resolves_to_the_command_line(capsys):
    assert PYPROJECT["project"]["name"] == "peru-protests-analysis"
    target = PYPROJECT["project"]["scripts"]["peru-protests"]
    module, _, attr = target.partition(":")
    main = getattr(importlib.import_module(module), attr)
    assert callable(main)
    with pytest.raises(SystemExit) as stop:
        main(["--help"])
    assert stop.value.code == 0
    assert "{run,diff,params,verify,report,sweep,bench}" in capsys.readouterr().out


def test_setuptools_reads_the_metadata(tmp_path):
    """Build the distribution's metadata from a copy of pyproject.toml: name, entry point, pins."""
    src = tmp_path / "src"
    (src / "analysis").mkdir(parents=True)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    (src / "analysis" / "__init__.py").write_text("")
    done = subprocess.run([sys.executable, "-c", "from setuptools import setup; setup()", "-q", "egg_info",
                           "--egg-base", str(tmp_path)], cwd=src, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    info = tmp_path / "peru_protests_analysis.egg-info"
    assert "Name: peru-protests-analysis\n" in (info / "PKG-INFO").read_text()
    assert (info / "entry_points.txt").read_text().split() == ["[console_scripts]", "peru-protests", "=",
                                                                "analysis.__main__:main"]
    requires = (info / "requires.txt").read_text().split("\n\n")[0].split()
    assert requires == PYPROJECT["project"]["dependencies"]


# ---- the Spanish summary -----------------------------------------------------------------------------------------
ES = (ROOT / "README.es.md").read_text(encoding="utf-8") if (ROOT / "README.es.md").exists() else ""
DOCUMENT_IDS = {"190"}  # Informe Defensorial n.º 190 is a title, not a result


def _prose(text: str) -> str:
    text = re.sub(r"```.*?```", " ", text, flags=re.S)
    text = re.sub(r"`[^`]*`", " ", text)
    return re.sub(r"\([^)]*\.md\)", " ", text)  # link targets


def typed_numbers(text: str) -> list:
    """Numbers in the prose (outside code), other than years, days of a dated event, document ids and numbers
    inside names (sha256, MPL-2.0): results must not be typed."""
    prose = re.sub(r"\b\d{1,2} de (enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|"
                   r"diciembre)\b", " ", _prose(text))
    found = re.findall(r"(?<![\w.\-])\d+(?:[.,]\d+)*(?![\w\-])", prose)
    return [n for n in found if not re.fullmatch(r"(19|20)\d\d", n) and n not in DOCUMENT_IDS]


def test_spanish_summary_types_no_number():
    assert ES, "README.es.md is missing"
    assert typed_numbers(ES) == []
    assert "`outputs/numbers.json`" in ES


def test_typed_number_check_catches_a_result():
    text = "Murieron 49 personas (12,8 veces más) el 9 de enero de 2023; ver `numbers.json`, sha256, MPL-2.0, n.º 190."
    assert typed_numbers(text) == ["49", "12,8"]


def test_spanish_summary_gives_the_two_commands_and_real_paths():
    english = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"^make \w+", english.split("```bash")[1].split("```")[0], flags=re.M)
    assert commands == ["make suite", "make test"]
    block = ES.split("```bash")[1].split("```")[0]
    assert re.findall(r"^make \w+", block, flags=re.M) == commands
    layout = ES.split("## Estructura")[1].split("\n## ")[0]
    for row in layout.splitlines()[4:]:
        for path in re.findall(r"`([^`]+)`", row.split("|")[1]):
            assert (ROOT / path).exists(), f"README.es.md names {path}, which does not exist"
    assert "(README.md)" in ES
