"""Raw intake: data/raw/MANIFEST.csv lists every raw file with sha256, size and provenance.

A run refuses to start, naming the file, when a raw file is missing from the manifest, listed but absent, or its
size or hash differs from the one recorded. Raw files are never edited by code. Every entry point (run, verify,
sweep, report) calls `verify` first; a notebook run on its own calls `require_intact()` in its first code cell.
"""
import hashlib
from pathlib import Path

import pandas as pd

from analysis import paths
from analysis.errors import RawDataError, data_row

COLUMNS = ["path", "sha256", "bytes", "publisher", "url", "published_date", "cutoff_date", "description"]
IGNORED = {"MANIFEST.csv"}


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


def raw_files(raw_dir: Path) -> list[str]:
    """Every file under raw_dir (relative POSIX paths), except the manifest itself and hidden files.

    Hidden means hidden below raw_dir: the folders above it (a checkout under ~/.work, say) do not count.
    """
    raw_dir = Path(raw_dir)
    out = []
    for p in sorted(raw_dir.rglob("*")):
        rel = p.relative_to(raw_dir)
        if p.is_file() and rel.as_posix() not in IGNORED and not any(part.startswith(".") for part in rel.parts):
            out.append(rel.as_posix())
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
    sizes = _listed_sizes(df, manifest)
    listed = dict(zip(df["path"], df["sha256"]))
    for i, rel in enumerate(df["path"]):
        if not (raw_dir / rel).is_file():
            raise RawDataError(paths.rel(manifest), data_row(i), "path", f"listed raw file {rel} does not exist")
    for rel in raw_files(raw_dir):
        if rel not in listed:
            raise RawDataError(f"data/raw/{rel}", None, None, "raw file is not listed in data/raw/MANIFEST.csv")
        size = (raw_dir / rel).stat().st_size
        if size != sizes[rel]:
            raise RawDataError(f"data/raw/{rel}", None, None,
                               f"{size} bytes where the manifest records {sizes[rel]}: the raw file was changed")
        actual = sha256(raw_dir / rel)
        if actual != listed[rel]:
            raise RawDataError(f"data/raw/{rel}", None, None,
                               f"sha256 {actual} differs from the manifest's {listed[rel]}: the raw file was changed")
    return df


def _listed_sizes(df: pd.DataFrame, manifest: Path) -> dict[str, int]:
    """{path: bytes} from the manifest; a size that is not a whole number is itself an error."""
    for i, value in enumerate(df["bytes"]):
        if not value.isdigit():
            raise RawDataError(paths.rel(manifest), data_row(i), "bytes", f"{value!r} is not a byte count")
    return dict(zip(df["path"], df["bytes"].astype(int)))


def require_intact(root=None) -> None:
    """The integrity gate for a notebook run on its own (papermill): raise unless data/raw matches the manifest.

    `root` defaults to the project root (ANALYSIS_ROOT, else the package's parent folder).
    """
    verify(Path(root) / "data" / "raw" if root else None)


def refresh_hashes(raw_dir: Path, manifest: Path, provenance: pd.DataFrame) -> pd.DataFrame:
    """Maintainer tool: (re)write the manifest from curated provenance rows plus fresh hashes and sizes.

    Used once at intake (`python -m analysis.register.manifest`), never during a run.
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
