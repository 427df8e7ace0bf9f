"""Deterministic, atomic writes: a failed run never leaves half-written outputs behind."""
import contextlib
import json
import os
import re
import shutil
import tempfile
from pathlib import Path

import pandas as pd

FLOAT_FORMAT = "%.10g"

# CSV injection (OWASP): a spreadsheet runs a text cell starting with one of these as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A signed number written as text ("-0.5", "+3", "-1e-05") is not a formula: OWASP lets it stand.
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def safe_cell(value):
    """A text cell a spreadsheet would run as a formula, prefixed with a single quote; anything else as is."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def _safe_labels(index: pd.Index) -> pd.Index:
    if isinstance(index, pd.MultiIndex):
        tuples = [tuple(safe_cell(v) for v in t) for t in index]
        return index if tuples == list(index) else pd.MultiIndex.from_tuples(tuples, names=index.names)
    labels = [safe_cell(v) for v in index]
    return index if labels == list(index) else pd.Index(labels, name=index.name)


def neutralise_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """`df` with every formula-like text cell (values, column labels, index) neutralised by safe_cell.

    Returns `df` itself when nothing needs it, so ordinary frames are written exactly as before. Numeric,
    boolean and datetime columns are never touched: a negative number stays a number.
    """
    out = df
    for j in range(df.shape[1]):
        col = df.iloc[:, j]
        if pd.api.types.is_numeric_dtype(col) or pd.api.types.is_datetime64_any_dtype(col):
            continue
        if any(safe_cell(v) is not v for v in col.to_numpy(dtype=object)):  # not per-cell pandas indexing
            out = out.copy() if out is df else out
            out.isetitem(j, col.map(safe_cell))
    columns, index = _safe_labels(df.columns), _safe_labels(df.index)
    if columns is not df.columns or index is not df.index:
        out = out.copy() if out is df else out
        out.columns, out.index = columns, index
    return out


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path beside `path`; move it into place only if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; outputs are ordinary readable files
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def write_text_atomic(text: str, path) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="\n")


def write_csv_atomic(df: pd.DataFrame, path, index: bool = False) -> None:
    """CSV with LF line ends, UTF-8, fixed float format: byte-identical across reruns.

    Every exported table goes through here, so formula-like text cells are neutralised once, for all
    (neutralise_formulas); the in-memory frame and data/raw keep the raw text.
    """
    with atomic_path(path) as tmp:
        neutralise_formulas(df).to_csv(tmp, index=index, lineterminator="\n", encoding="utf-8", float_format=FLOAT_FORMAT)


def write_json_atomic(obj, path) -> None:
    text = json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"
    write_text_atomic(text, path)


@contextlib.contextmanager
def staged_dir(target):
    """Write a whole directory's files into a staging directory, then swap them in together.

    Files in `target` that the block does not write are left alone. If the block raises, `target`
    is untouched (byte-identical) and the staging directory is removed.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{target.name}.stage.", dir=target.parent))
    try:
        yield stage
        target.mkdir(parents=True, exist_ok=True)
        for src in sorted(p for p in stage.rglob("*") if p.is_file()):
            dest = target / src.relative_to(stage)
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(src, dest)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
