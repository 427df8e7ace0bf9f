"""The raw-data manifest: complete, hashes right, and a run refuses to start on any mismatch."""
import shutil

import pytest

from analysis import manifest, paths
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


def test_tampered_file_is_named(raw_copy):
    target = raw_copy / "context" / "events.csv"
    target.write_bytes(target.read_bytes() + b"\n")
    with pytest.raises(RawDataError, match=r"data/raw/context/events.csv.*sha256 .* differs"):
        manifest.verify(raw_copy)


def test_unlisted_file_is_named(raw_copy):
    (raw_copy / "context" / "extra.csv").write_text("a\n1\n")
    with pytest.raises(RawDataError, match=r"data/raw/context/extra.csv.*not listed"):
        manifest.verify(raw_copy)


def test_listed_but_missing_file_is_named(raw_copy):
    (raw_copy / "context" / "events.csv").unlink()
    with pytest.raises(RawDataError, match=r"row \d+, field 'path'.*context/events.csv does not exist"):
        manifest.verify(raw_copy)
