"""Raw intake: data/raw/MANIFEST.csv lists every raw file with sha256 and provenance.

A run refuses to start, naming the file, when a raw file is missing from the manifest, listed but absent, or its
hash differs from the one recorded. Raw files are never edited by code.
"""
import hashlib
from pathlib import Path

import pandas as pd

from . import paths
from .errors import RawDataError

COLUMNS = ["path", "sha256", "bytes", "publisher", "url", "published_date", "cutoff_date", "description"]
IGNORED = {"MANIFEST.csv"}


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


def raw_files(raw_dir: Path) -> list[str]:
    """Every file under raw_dir (relative POSIX paths), except the manifest itself and hidden files."""
    out = []
    for p in sorted(Path(raw_dir).rglob("*")):
        rel = p.relative_to(raw_dir).as_posix()
        if p.is_file() and rel not in IGNORED and not any(part.startswith(".") for part in p.parts):
            out.append(rel)
    return out


def read_manifest(manifest: Path) -> pd.DataFrame:
    df = pd.read_csv(manifest, dtype=str, keep_default_na=False, encoding="utf-8")
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise RawDataError(paths.rel(manifest), None, missing[0], "column missing from the manifest")
    return df


def verify(raw_dir: Path | None = None, manifest: Path | None = None) -> pd.DataFrame:
    """Check every raw file against the manifest; raise RawDataError naming the first offending file."""
    raw_dir = Path(raw_dir or paths.RAW)
    manifest = Path(manifest or raw_dir / "MANIFEST.csv")
    if not manifest.exists():
        raise RawDataError(paths.rel(manifest), None, None, "raw-data manifest not found")
    df = read_manifest(manifest)
    listed = dict(zip(df["path"], df["sha256"]))
    for i, rel in enumerate(df["path"]):
        if not (raw_dir / rel).exists():
            raise RawDataError(paths.rel(manifest), i + 2, "path", f"listed raw file {rel} does not exist")
    for rel in raw_files(raw_dir):
        if rel not in listed:
            raise RawDataError(f"data/raw/{rel}", None, None, "raw file is not listed in data/raw/MANIFEST.csv")
        actual = sha256(raw_dir / rel)
        if actual != listed[rel]:
            raise RawDataError(f"data/raw/{rel}", None, None,
                               f"sha256 {actual} differs from the manifest's {listed[rel]}: the raw file was changed")
    return df


def refresh_hashes(raw_dir: Path, manifest: Path, provenance: pd.DataFrame) -> pd.DataFrame:
    """Maintainer tool: (re)write the manifest from curated provenance rows plus fresh hashes and sizes.

    Used once at intake (`python -m analysis.manifest`), never during a run.
    """
    rows = []
    prov = provenance.set_index("path")
    for rel in raw_files(raw_dir):
        if rel not in prov.index:
            raise RawDataError(f"data/raw/{rel}", None, None, "no provenance recorded for this raw file")
        p = prov.loc[rel]
        rows.append({"path": rel, "sha256": sha256(raw_dir / rel), "bytes": (raw_dir / rel).stat().st_size,
                     **{c: p[c] for c in COLUMNS[3:]}})
    return pd.DataFrame(rows, columns=COLUMNS)
