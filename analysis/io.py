"""Deterministic, atomic writes: a failed run never leaves half-written outputs behind."""
import contextlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd

FLOAT_FORMAT = "%.10g"


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
    """CSV with LF line ends, UTF-8, fixed float format: byte-identical across reruns."""
    with atomic_path(path) as tmp:
        df.to_csv(tmp, index=index, lineterminator="\n", encoding="utf-8", float_format=FLOAT_FORMAT)


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
