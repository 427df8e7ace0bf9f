"""Runs notebooks/07-published-vs-reproduced.ipynb through papermill into a scratch outputs directory and checks
that every published claim appears once in its table and that the numbers it records match the package."""
import json

import pandas as pd
import pytest

from analysis import claims, paths

NOTEBOOK = paths.NOTEBOOKS / "07-published-vs-reproduced.ipynb"
VICTIMS = paths.PROCESSED / "victims.csv"

pytestmark = pytest.mark.skipif(not VICTIMS.exists(),
                                reason="data/processed/victims.csv absent: run the register (01) first")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    import papermill

    tmp = tmp_path_factory.mktemp("nb07")
    out = tmp / "out"
    papermill.execute_notebook(str(NOTEBOOK), str(tmp / "run.ipynb"), kernel_name="python3",
                               cwd=str(paths.NOTEBOOKS), parameters={"outputs_dir": str(out)}, progress_bar=False)
    return out


def test_every_claim_listed_once(run):
    table = pd.read_csv(run / "tables" / "published_vs_reproduced.csv", dtype=str)
    ids = set(claims.read_claims()["claim_id"])
    assert set(table["claim_id"]) == ids
    assert set(table["status"]) <= {"addressed", "not_addressed"}
    not_addressed = table[table["status"] == "not_addressed"]
    assert not_addressed["claim_id"].is_unique


def test_recorded_numbers_are_the_claims_and_carry_definitions(run):
    numbers = json.loads((run / "numbers.json").read_text(encoding="utf-8"))
    assert numbers and all(k.startswith("claims.") for k in numbers)
    assert all(v["definition"] and v["unit"] for v in numbers.values())
    # claims.<claim_id>.<quantity> per claim; claims.<name> for the summary counts
    per_claim = {k.split(".")[1] for k in numbers if k.count(".") >= 2}
    assert per_claim <= set(claims.read_claims()["claim_id"])
    table = pd.read_csv(run / "tables" / "published_vs_reproduced.csv", dtype=str)
    assert numbers["claims.n_not_addressed"]["value"] == int((table["status"] == "not_addressed").sum())
