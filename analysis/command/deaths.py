"""Deaths from the processed victims table, dated and placed for the command analysis."""
import datetime as dt
from pathlib import Path

import pandas as pd

from .. import paths
from ..errors import RawDataError, data_row
from ..vocab import FORCE
from .dates import parse_iso_day

REQUIRED = ["victim_id", "date_injury", "date_death", "ubigeo_dep", "department", "province", "event_id",
            "context", "force"]
FORCES = set(FORCE)
DATE_BASES = {"date_death", "date_injury"}


def read_victims(path: Path | None = None) -> pd.DataFrame:
    """victims.csv as strings; missing required columns and malformed dates or forces fail naming row and field."""
    path = Path(path or paths.PROCESSED / "victims.csv")
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise RawDataError(path, 1, missing[0], f"required column(s) missing: {missing}")
    for i, rec in enumerate(df.itertuples(index=False)):
        for col in ("date_injury", "date_death"):
            try:
                parse_iso_day(getattr(rec, col))
            except ValueError as exc:
                raise RawDataError(path, data_row(i), col, str(exc)) from None
        if rec.force not in FORCES:
            raise RawDataError(path, data_row(i), "force", f"unexpected value {rec.force!r}; expected {sorted(FORCES)}")
    return df


def death_frame(victims: pd.DataFrame, date_basis: str = "date_death") -> pd.DataFrame:
    """One row per victim with `day` (datetime.date or None) taken from `date_basis`, and place/force columns."""
    if date_basis not in DATE_BASES:
        raise ValueError(f"date_basis must be one of {sorted(DATE_BASES)}, got {date_basis!r}")
    out = pd.DataFrame({
        "victim_id": victims["victim_id"].astype(str),
        "day": [parse_iso_day(v) for v in victims[date_basis]],
        "department": victims["department"].astype(str),
        "province": victims["province"].astype(str),
        "district": victims["district"].astype(str) if "district" in victims else "",
        "event_id": victims["event_id"].astype(str),
        "context": victims["context"].astype(str),
        "force": victims["force"].astype(str),
    })
    out["day"] = out["day"].astype(object)
    return out


def select(deaths: pd.DataFrame, contexts, window_start: dt.date, window_end: dt.date) -> tuple[pd.DataFrame, dict]:
    """Deaths in `contexts` dated within [window_start, window_end]; counts of the rest, by reason."""
    in_ctx = deaths[deaths.context.isin(list(contexts))]
    undated = in_ctx[in_ctx.day.isna()]
    dated = in_ctx[in_ctx.day.notna()]
    inside = dated[dated.day.map(lambda d: window_start <= d <= window_end).astype(bool)]
    counts = {"all": len(deaths), "other_context": len(deaths) - len(in_ctx), "in_context": len(in_ctx),
              "date_unknown": len(undated), "outside_window": len(dated) - len(inside), "in_window": len(inside)}
    return inside.reset_index(drop=True), counts


def undated(deaths: pd.DataFrame, contexts) -> pd.DataFrame:
    return deaths[deaths.context.isin(list(contexts)) & deaths.day.isna()].reset_index(drop=True)
