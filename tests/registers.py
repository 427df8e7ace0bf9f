"""Test registers shaped as `analysis.register.scope.load_register` returns them: text read as the loader reads it (ISO
dates stay text, empty = NA), the date intervals date_<what>_min/max, identified as bool and ages as Int64."""
import io

import pandas as pd


def as_register(df: pd.DataFrame) -> pd.DataFrame:
    """A stated date_<what> is the one-day interval [date, date] unless the frame gives date_<what>_min/max
    itself; with neither the interval is unbounded (both empty). Each bound gets a *_basis column."""
    out = df.copy()
    for what in ("death", "injury"):
        for side in ("min", "max"):
            col = f"date_{what}_{side}"
            if col not in out.columns:
                out[col] = out.get(f"date_{what}", "")
            if f"{col}_basis" not in out.columns:
                out[f"{col}_basis"] = out[col].where(out[col].fillna("") == "", "test bound")
    buf = io.StringIO()
    out.to_csv(buf, index=False)
    buf.seek(0)
    out = pd.read_csv(buf, dtype=str, keep_default_na=False, na_values=[""])
    if "identified" in out.columns:
        out["identified"] = out["identified"].str.lower().isin(["true", "1"])
    if "age_years" in out.columns:
        out["age_years"] = pd.to_numeric(out["age_years"]).astype("Int64")
    return out
