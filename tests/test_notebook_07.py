"""The task of notebook 07-published-vs-reproduced (analysis.tasks.claims), run into a scratch outputs directory:
every published claim appears once in its table, the numbers it records match the tables, and the Amnesty
definition search agrees with plain pandas over data/processed. The notebook's parameters are the task's."""
import ast
import json

import pandas as pd
import pytest

from analysis import paths
from analysis.register import claims_table
from analysis.tasks import claims
from analysis.tasks.base import folders
from analysis.tasks.claims.verdicts import VERDICTS
from analysis.workflow.params import declared_parameters

NOTEBOOK = paths.NOTEBOOKS / "07-published-vs-reproduced.ipynb"
VICTIMS = paths.PROCESSED / "victims.csv"

pytestmark = pytest.mark.skipif(not VICTIMS.exists(),
                                reason="data/processed/victims.csv absent: run the register (01) first")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """The task run as the notebook runs it, its files written to a scratch outputs folder."""
    out = tmp_path_factory.mktemp("nb07") / "out"
    processed, outputs = folders("", str(out))
    spec = claims.spec("", str(out))
    claims.run(spec, claims.inputs(spec, processed, outputs)).write(outputs)
    return out


def _numbers(run) -> dict:
    return json.loads((run / "numbers" / "claims.json").read_text(encoding="utf-8"))


def _claim_ids() -> set:
    return set(claims_table.load(paths.PROCESSED)["claim_id"])


def test_parameters_cell_is_the_task_declaration():
    declared = {name: ast.literal_eval(p["default"]) for name, p in declared_parameters(NOTEBOOK).items()}
    assert declared == claims.TASK.params


def test_task_reads_the_processed_register_only():
    assert all(r.startswith("data/processed/") for r in claims.TASK.reads)
    assert "data/processed/published_claims.csv" in claims.TASK.reads
    assert claims.spec() == {"claims_file": "data/processed/published_claims.csv"}


def test_writes_what_it_declares(run):
    written = {p.relative_to(run).as_posix() for p in run.rglob("*") if p.is_file()}
    declared = {w.removeprefix("outputs/") for w in claims.TASK.writes}
    assert written == declared


def test_every_claim_listed_once(run):
    table = pd.read_csv(run / "tables" / "published_vs_reproduced.csv", dtype=str)
    ids = _claim_ids()
    assert set(table["claim_id"]) == ids
    assert set(table["status"]) <= {"addressed", "not_addressed"}
    not_addressed = table[table["status"] == "not_addressed"]
    assert not_addressed["claim_id"].is_unique


def test_recorded_numbers_are_the_claims_and_carry_definitions(run):
    numbers = _numbers(run)
    assert numbers and all(k.startswith("claims.") for k in numbers)
    assert all(v["definition"] and v["unit"] for v in numbers.values())
    # claims.<claim_id>.<quantity> per claim; claims.<name> for the summary counts
    per_claim = {k.split(".")[1] for k in numbers if k.count(".") >= 2}
    assert per_claim <= _claim_ids()
    table = pd.read_csv(run / "tables" / "published_vs_reproduced.csv", dtype=str)
    assert numbers["claims.n_not_addressed"]["value"] == int((table["status"] == "not_addressed").sum())


def test_verdicts_and_difference_columns(run):
    table = pd.read_csv(run / "tables" / "published_vs_reproduced.csv", dtype=str, keep_default_na=False)
    for col in ("verdict", "n_certain", "n_possible", "difference_persons", "difference_reasons"):
        assert col in table.columns
    addr = table[table["status"] == "addressed"]
    assert set(addr["verdict"]) <= set(VERDICTS)
    numbers = _numbers(run)
    value = {k.removeprefix("claims."): v["value"] for k, v in numbers.items()}
    assert value["n_reproduced_exactly"] == int((addr["verdict"] == "reproduced exactly").sum())
    assert value["n_reproduced_exactly"] + value["n_reproduced_within_rounding"] + value["n_not_reproduced"] == \
        value["n_quantities"] == len(addr)
    counts = addr[addr["kind"] == "count"]
    for r in counts.itertuples():  # the recorded count is the certain persons; its _possible key the bound
        assert value[f"{r.claim_id}.{r.quantity}"] == int(float(r.n_certain))
        assert value[f"{r.claim_id}.{r.quantity}_possible"] == int(float(r.n_possible))
    assert (addr.loc[addr["verdict"] == "not reproduced", "difference_reasons"] != "").all()


# ---------------------------------------------------------------- Amnesty's 13 % / 80 %: the definition search
FIVE = ["Apurímac", "Ayacucho", "Cusco", "Huancavelica", "Puno"]  # the five-department definition (issue 10)


def _plain_death_share(row, victims: pd.DataFrame, five: list) -> tuple[int, int]:
    """(deaths in the five departments, deaths counted) of a five-department row, read from victims.csv with
    plain pandas: context, date interval against the window, every person in the denominator."""
    ctx = victims["context"]
    keep = {"clash": ctx == "clash", "civilian": ctx != "police_officer", "all": ctx.notna()}[row["deaths"]]
    lo, hi = victims["date_death_min"], victims["date_death_max"]
    if row["date_policy"] == "certain":
        inside = lo.notna() & hi.notna() & (lo >= "2022-12-07") & (hi <= row["cutoff"])
    else:
        inside = (hi.isna() | (hi >= "2022-12-07")) & (lo.isna() | (lo <= row["cutoff"]))
    counted = victims[keep & inside]
    return int(counted["department"].isin(five).sum()), len(counted)


def test_five_department_population_share_from_departments_csv(run):
    deps = pd.read_csv(paths.PROCESSED / "departments.csv")
    pop = deps["pop_census_2017_persons"]
    expected = 100 * pop[deps["department"].isin(FIVE)].sum() / pop.sum()
    assert deps["department"].isin(FIVE).sum() == 5 and 12.5 <= expected < 13.5  # Amnesty's 13 %
    numbers = _numbers(run)
    assert numbers["claims.AI-F-01.population_share_5dep"]["value"] == pytest.approx(expected, abs=1e-8)
    assert "reproduced within the published rounding" in numbers["claims.AI-F-01.population_share_5dep"]["definition"]
    table = pd.read_csv(run / "tables" / "claims_definition_search.csv", keep_default_na=False)
    five = table[(table["measure"] == "selfid") & (table["threshold"] == 50) & (table["unknown"] == "not_majority")]
    assert len(five) == 24 and (five["majority_departments"] == ", ".join(FIVE)).all()
    assert five["population_share"].to_numpy() == pytest.approx(expected)
    # the death share of every five-department row, recomputed from victims.csv
    victims = pd.read_csv(paths.PROCESSED / "victims.csv", dtype=str)
    for r in five.to_dict("records"):
        k, n = _plain_death_share(r, victims, FIVE)
        assert (r["deaths_majority"], r["deaths_total"]) == (k, n), r["key"]
        assert r["death_share"] == pytest.approx(100 * k / n)
    clash = five[(five["deaths"] == "clash") & (five["date_policy"] == "certain") & (five["cutoff"] == "2023-02-16")]
    assert numbers["claims.AI-F-01.death_share_5dep"]["value"] == pytest.approx(clash["death_share"].iloc[0])


def test_search_table_matching_rows(run):
    table = pd.read_csv(run / "tables" / "claims_definition_search.csv", keep_default_na=False)
    numbers = _numbers(run)
    value = {k.removeprefix("claims.AI-F-01."): v["value"] for k, v in numbers.items()
             if k.startswith("claims.AI-F-01.")}
    assert len(table) == value["n_definitions"] == 2 * 3 * 2 * 3 * 2 * 4 and table["key"].is_unique
    # a figure printed to the unit (13, 80) is reproduced by any value that rounds to it
    pop_ok = (table["population_share"] - 13).abs() <= 0.5
    death_ok = (table["death_share"] - 80).abs() <= 0.5
    assert ((table["population_verdict"] != "not reproduced") == pop_ok).all()
    assert ((table["death_verdict"] != "not reproduced") == death_ok).all()
    assert (value["n_reproduce_population"], value["n_reproduce_death"], value["n_reproduce_both"]) == \
        (int(pop_ok.sum()), int(death_ok.sum()), int((pop_ok & death_ok).sum()))
    # the best definition reproduces the most figures and, among those, departs least from the literal reading
    n_ok = pop_ok.astype(int) + death_ok.astype(int)
    top = table[n_ok == n_ok.max()]
    best = table[table["best"].astype(str) == "True"]
    assert len(best) == 1 and best["rank"].iloc[0] == 1 and best["key"].iloc[0] == value["best_definition"]
    assert best.index[0] in top.index and best["departures"].iloc[0] == top["departures"].min()
    # the five-department definition (self-identification > 50 %) gives 12.76 % of the population in every row
    five = table[(table["measure"] == "selfid") & (table["threshold"] == 50) & (table["unknown"] == "not_majority")]
    assert (five["population_share"].round(2) == 12.76).all() and pop_ok[five.index].all()


def test_amnesty_verdict_under_the_best_definition(run):
    table = pd.read_csv(run / "tables" / "claims_definition_search.csv", keep_default_na=False)
    best = table[table["best"].astype(str) == "True"].iloc[0]
    numbers = _numbers(run)
    verdicts = {best["population_verdict"], best["death_verdict"]}
    expected = "not reproduced" if "not reproduced" in verdicts else \
        "reproduced exactly" if verdicts == {"reproduced exactly"} else "reproduced within the published rounding"
    assert numbers["claims.AI-F-01.verdict"]["value"] == expected
    comp = pd.read_csv(run / "tables" / "published_vs_reproduced.csv", keep_default_na=False)
    for cid in ("AI-F-01", "AI-F-02"):  # the comparison is made under the best definition, named
        rows = comp[comp["claim_id"] == cid].set_index("quantity")
        assert float(rows.loc["population_share", "reproduced"]) == pytest.approx(best["population_share"])
        assert float(rows.loc["death_share", "reproduced"]) == pytest.approx(best["death_share"])
        assert (rows["definition"] == best["definition"]).all()
        assert rows.loc["population_share", "verdict"] == best["population_verdict"]
        assert rows.loc["death_share", "verdict"] == best["death_verdict"]
    # the best definition's death share, recomputed from victims.csv when it is a five-department definition
    if best["measure"] == "selfid" and best["threshold"] == 50 and best["unknown"] == "not_majority":
        victims = pd.read_csv(paths.PROCESSED / "victims.csv", dtype=str)
        k, n = _plain_death_share(best, victims, FIVE)
        assert best["death_share"] == pytest.approx(100 * k / n)
        assert (abs(100 * k / n - 80) <= 0.5) == (best["death_verdict"] != "not reproduced")
