"""The published claims as a register table: data/raw/context/published_claims.csv, checked, becomes
data/processed/published_claims.csv (written with the other tables by analysis.register.build, through
analysis.io.write_csv_atomic), so the analyses read the claims from data/processed like everything else.

Every cell stays text exactly as the raw file prints it (the claims task reads the published numbers out of the
`quantity` field and the qualifiers out of the `quote`); only `claim_id` is stripped of surrounding spaces.
"""
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.errors import RawDataError, data_row

RAW = "context/published_claims.csv"  # under data/raw/
NAME = "published_claims"  # data/processed/published_claims.csv
COLUMNS = ("claim_id", "publisher", "report", "published_date", "quote", "quantity", "unit", "scope")


def read(path: Path) -> pd.DataFrame:
    """The claims file as text; a missing column, an empty or a duplicated claim_id fails naming the file, the row
    and the field."""
    path = Path(path)
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    return check(df, path.name)


def check(df: pd.DataFrame, file: str = "published_claims.csv") -> pd.DataFrame:
    """`df` with claim_id stripped, after the checks of `read`."""
    for col in COLUMNS:
        if col not in df.columns:
            raise RawDataError(file, None, col, "required column missing")
    ids = df["claim_id"].str.strip()
    for i, cid in enumerate(ids):
        if not cid:
            raise RawDataError(file, data_row(i), "claim_id", "empty claim id")
    dup = ids.duplicated()
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise RawDataError(file, data_row(i), "claim_id", f"duplicate claim id {ids.iloc[i]!r}")
    return df.assign(claim_id=ids)


def load(processed: Path) -> pd.DataFrame:
    """data/processed/published_claims.csv (or that file in another register folder), as text, checked again."""
    path = Path(processed) / f"{NAME}.csv"
    return check(pd.read_csv(path, dtype=str, keep_default_na=False), path.name)
