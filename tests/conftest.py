"""Shared test set-up: figures drawn off-screen (Agg) and closed after each test."""
import matplotlib
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


# ---------------------------------------------------------------- a synthetic victims register (tests of 02 and 05)
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from analysis.stats import descriptive as D  # noqa: E402
from tests.registers import as_register  # noqa: E402

SYNTHETIC_DEPARTMENTS = [("05", "Ayacucho"), ("21", "Puno"), ("15", "Lima"), ("07", "Callao"), ("", "")]


def synthetic_victims(n=60, seed=3) -> pd.DataFrame:
    """A register as analysis.register.scope.load_register returns it, with unknowns and empty cells mixed in. About
    10 % of the persons have an unbounded date of death, 10 % an interval of two to four days, the rest one day."""
    rng = np.random.default_rng(seed)
    days = pd.date_range("2022-12-11", "2023-03-21", freq="D")
    rows = []
    for i in range(n):
        code, name = SYNTHETIC_DEPARTMENTS[rng.integers(len(SYNTHETIC_DEPARTMENTS))]
        day, r = days[rng.integers(len(days))], rng.random()
        lo, hi = ("", "") if r < 0.1 else (day, day + pd.Timedelta(days=int(rng.integers(1, 4)))) if r < 0.2 \
            else (day, day)
        lo, hi = (x if x == "" else x.strftime("%Y-%m-%d") for x in (lo, hi))
        rows.append({
            "victim_id": f"V{i + 1:04d}", "identified": str(rng.random() < 0.9),
            "display_name": f"Person {i + 1}",
            "age_years": "" if rng.random() < 0.15 else str(int(rng.integers(11, 70))),
            "sex": rng.choice(D.LEVELS["sex"]), "date_injury": lo, "date_death": lo if lo == hi else "",
            "date_death_min": lo, "date_death_max": hi,
            "ubigeo_dep": code, "department": name, "ubigeo_prov": "", "province": "",
            "event_id": "" if rng.random() < 0.3 else f"E{int(rng.integers(1, 5)):02d}",
            "context": rng.choice(D.LEVELS["context"]), "cause": rng.choice(D.LEVELS["cause"]),
            "wound": rng.choice(D.LEVELS["wound"]), "force": rng.choice(D.LEVELS["force"]),
            "n_sources": "1", "n_mentions": "1", "source_ids": "S1", "age_alternatives": "", "district": "",
            "conflict_fields": ""})
    return as_register(pd.DataFrame(rows))


@pytest.fixture(scope="session")
def make_victims():
    """The synthetic register's factory: make_victims(n=60, seed=3)."""
    return synthetic_victims
