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


# Departments of the synthetic register: four named, one unknown (empty code and name)
SYNTHETIC_DEPS = [("05", "Ayacucho"), ("21", "Puno"), ("15", "Lima"), ("07", "Callao"), ("", "")]


def synthetic_victims(n=60, seed=3) -> pd.DataFrame:
    """A register as analysis.register.scope.load_register returns it, with unknowns and empty cells mixed in. About
    10 % of the persons have an unbounded date of death, 10 % an interval of two to four days, the rest one day."""
    import numpy as np

    from analysis.stats.descriptive import LEVELS
    rng = np.random.default_rng(seed)
    days = pd.date_range("2022-12-11", "2023-03-21", freq="D")
    rows = []
    for i in range(n):
        code, name = SYNTHETIC_DEPS[rng.integers(len(SYNTHETIC_DEPS))]
        day, r = days[rng.integers(len(days))], rng.random()
        lo, hi = ("", "") if r < 0.1 else (day, day + pd.Timedelta(days=int(rng.integers(1, 4)))) if r < 0.2 \
            else (day, day)
        lo, hi = (x if x == "" else x.strftime("%Y-%m-%d") for x in (lo, hi))
        rows.append({
            "victim_id": f"V{i + 1:04d}", "identified": str(rng.random() < 0.9),
            "display_name": f"Person {i + 1}",
            "age_years": "" if rng.random() < 0.15 else str(int(rng.integers(11, 70))),
            "sex": rng.choice(LEVELS["sex"]), "date_injury": lo, "date_death": lo if lo == hi else "",
            "date_death_min": lo, "date_death_max": hi,
            "ubigeo_dep": code, "department": name, "ubigeo_prov": "", "province": "",
            "event_id": "" if rng.random() < 0.3 else f"E{int(rng.integers(1, 5)):02d}",
            "context": rng.choice(LEVELS["context"]), "cause": rng.choice(LEVELS["cause"]),
            "wound": rng.choice(LEVELS["wound"]), "force": rng.choice(LEVELS["force"]),
            "n_sources": "1", "n_mentions": "1", "source_ids": "S1", "age_alternatives": "", "district": "",
            "conflict_fields": ""})
    return as_register(pd.DataFrame(rows))
