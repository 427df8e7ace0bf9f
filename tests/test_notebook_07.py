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


def test_verdicts_and_difference_columns(run):
    table = pd.read_csv(run / "tables" / "published_vs_reproduced.csv", dtype=str, keep_default_na=False)
    for col in ("verdict", "n_certain", "n_possible", "difference_persons", "difference_reasons"):
        assert col in table.columns
    addr = table[table["status"] == "addressed"]
    assert set(addr["verdict"]) <= set(claims.VERDICTS)
    numbers = json.loads((run / "numbers.json").read_text(encoding="utf-8"))
    value = {k.removeprefix("claims."): v["value"] for k, v in numbers.items()}
    assert value["n_reproduced_exactly"] == int((addr["verdict"] == "reproduced exactly").sum())
    assert value["n_reproduced_exactly"] + value["n_reproduced_within_rounding"] + value["n_not_reproduced"] == \
        value["n_quantities"] == len(addr)
    counts = addr[addr["kind"] == "count"]
    for r in counts.itertuples():  # the recorded count is the certain persons; its _possible key the bound
        assert value[f"{r.claim_id}.{r.quantity}"] == int(float(r.n_certain))
        assert value[f"{r.claim_id}.{r.quantity}_possible"] == int(float(r.n_possible))
    assert (addr.loc[addr["verdict"] == "not reproduced", "difference_reasons"] != "").all()
