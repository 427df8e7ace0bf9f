"""Test registers shaped as `analysis.register.scope.load_register` returns them: text read as the loader reads it (ISO
dates stay text, empty = NA), the date intervals date_<what>_min/max, identified as bool and ages as Int64."""
import io
import shutil
from pathlib import Path

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


def write_synthetic_processed(d: Path, departments) -> Path:
    """A processed folder for task tests: the synthetic victims (70 persons, seed 5), the departments (a table, or a
    file copied as it is), four events with their printed injured counts, and three national reconciliation cells."""
    synthetic_victims(n=70, seed=5).to_csv(d / "victims.csv", index=False)
    if isinstance(departments, pd.DataFrame):
        departments.to_csv(d / "departments.csv", index=False)
    else:
        shutil.copy(departments, d / "departments.csv")
    pd.DataFrame({"event_id": ["E01", "E02", "E03", "E04"], "label": ["a", "b", "c", "d"],
                  "injured": ["25 (11 Dec); ~30 (RPP)", "not found", "52 (night); >100 (later)", "several"]}
                 ).to_csv(d / "events.csv", index=False)
    cols = ["level", "count_id", "event_id", "geo", "category", "as_of", "official", "count", "identified_certain",
            "identified_possible", "unidentified_certain", "unidentified_possible", "total_certain", "total_possible",
            "holds"]
    pd.DataFrame([["national", "C0001", "", "national", "clash", "2023-01-10", "True", 9, 8, 9, 0, 0, 8, 9,
                   "within possible"],
                  ["national", "C0002", "", "national", "clash", "2023-02-10", "True", 12, 12, 12, 0, 0, 12, 12,
                   "exactly"],
                  ["national", "C0003", "", "national", "clash", "2023-03-10", "False", 15, 15, 15, 0, 0, 15, 15,
                   "exactly"]], columns=cols).to_csv(d / "reconciliation_identity.csv", index=False)
    return d
