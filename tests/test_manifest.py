"""The raw-data manifest: complete, sizes and hashes right, and a run refuses to start on any mismatch."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from analysis.register import manifest
from analysis import paths
from analysis.errors import RawDataError


def test_committed_raw_data_matches_manifest():
    table = manifest.verify()
    assert sorted(table["path"]) == manifest.raw_files(paths.RAW)
    assert (table["publisher"] != "").all() and (table["url"] != "").all()


@pytest.fixture
def raw_copy(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(paths.RAW / "context", raw / "context")
    table = manifest.read_manifest(paths.MANIFEST)
    table[table["path"].str.startswith("context/")].to_csv(raw / "MANIFEST.csv", index=False)
    return raw


def test_copy_verifies(raw_copy):
    assert len(manifest.verify(raw_copy)) == len(manifest.raw_files(raw_copy))


def flip_last_byte(path):
    """Tamper without changing the size, so only the hash can tell."""
    data = bytearray(path.read_bytes())
    data[-2] = ord("x") if data[-2] != ord("x") else ord("y")
    path.write_bytes(bytes(data))


def test_tampered_file_is_named(raw_copy):
    flip_last_byte(raw_copy / "context" / "events.csv")
    with pytest.raises(RawDataError, match=r"^data/raw/context/events.csv: sha256 [0-9a-f]{64} differs"):
        manifest.verify(raw_copy)


def test_changed_size_is_named(raw_copy):
    target = raw_copy / "context" / "events.csv"
    size = target.stat().st_size
    target.write_bytes(target.read_bytes() + b"\n")
    with pytest.raises(RawDataError, match=rf"^data/raw/context/events.csv: {size + 1} bytes where the manifest "
                                           rf"records {size}: the raw file was changed"):
        manifest.verify(raw_copy)


def test_wrong_byte_count_in_the_manifest_is_named(raw_copy):
    table = manifest.read_manifest(raw_copy / "MANIFEST.csv")
    row = table.index[table["path"] == "context/events.csv"][0]
    actual = int(table.at[row, "bytes"])
    table.at[row, "bytes"] = str(actual - 1)
    table.to_csv(raw_copy / "MANIFEST.csv", index=False)
    with pytest.raises(RawDataError, match=rf"^data/raw/context/events.csv: {actual} bytes where the manifest "
                                           rf"records {actual - 1}"):
        manifest.verify(raw_copy)
    table.at[row, "bytes"] = "12kB"
    table.to_csv(raw_copy / "MANIFEST.csv", index=False)
    with pytest.raises(RawDataError, match=rf"MANIFEST.csv, row {row + 2}, field 'bytes': '12kB' is not a byte count"):
        manifest.verify(raw_copy)


def test_unlisted_file_is_named(raw_copy):
    (raw_copy / "context" / "extra.csv").write_text("a\n1\n")
    with pytest.raises(RawDataError, match=r"data/raw/context/extra.csv.*not listed"):
        manifest.verify(raw_copy)


def test_listed_but_missing_file_is_named(raw_copy):
    (raw_copy / "context" / "events.csv").unlink()
    with pytest.raises(RawDataError, match=r"row \d+, field 'path'.*context/events.csv does not exist"):
        manifest.verify(raw_copy)


# ---------------------------------------------------------------- a project under a hidden folder

@pytest.fixture
def hidden_project(tmp_path):
    """data/raw copied under tmp/.hidden/proj: every path above data/raw has a dot-folder in it."""
    root = tmp_path / ".hidden" / "proj"
    shutil.copytree(paths.RAW, root / "data" / "raw")
    return root


def test_hidden_parent_folder_lists_every_raw_file(hidden_project):
    raw = hidden_project / "data" / "raw"
    assert manifest.raw_files(raw) == manifest.raw_files(paths.RAW)
    assert len(manifest.verify(raw)) == len(manifest.raw_files(paths.RAW)) > 60


def test_hidden_parent_folder_still_catches_tampered_unlisted_and_missing(hidden_project):
    raw = hidden_project / "data" / "raw"
    flip_last_byte(raw / "context" / "events.csv")
    with pytest.raises(RawDataError, match=r"context/events.csv: sha256 .* differs"):
        manifest.verify(raw)
    shutil.copy(paths.RAW / "context" / "events.csv", raw / "context" / "events.csv")
    (raw / "context" / "extra.csv").write_text("a\n1\n")
    with pytest.raises(RawDataError, match=r"context/extra.csv: raw file is not listed"):
        manifest.verify(raw)
    (raw / "context" / "extra.csv").unlink()
    (raw / "context" / "events.csv").unlink()
    with pytest.raises(RawDataError, match=r"listed raw file context/events.csv does not exist"):
        manifest.verify(raw)


def run_gate(root: Path):
    """A notebook's first cell, as a kernel started by papermill would run it (ANALYSIS_ROOT set)."""
    repo = Path(__file__).resolve().parent.parent
    env = dict(os.environ, ANALYSIS_ROOT=str(root), PYTHONPATH=str(repo))
    code = "from analysis.register.manifest import require_intact; require_intact()"
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)


def test_require_intact_gates_a_notebook_run_on_its_own(hidden_project):
    assert run_gate(hidden_project).returncode == 0
    flip_last_byte(hidden_project / "data" / "raw" / "context" / "command_timeline.csv")
    proc = run_gate(hidden_project)
    assert proc.returncode == 1
    assert ("RawDataError: data/raw/context/command_timeline.csv: sha256" in proc.stderr.splitlines()[-1])
