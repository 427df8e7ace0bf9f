"""Reconciliation against the real aggregate counts; identity checked by an independent groupby."""
import pandas as pd
import pytest

from analysis import paths
from analysis.register import reconcile
from analysis.register.conflicts import VICTIM_COLUMNS
from analysis.register.intervals import BOUND_COLUMNS
from analysis.register.sources import read_aggregate_counts, read_sources
from analysis.steplog import StepLog

RAW = paths.RAW / "casualties"


@pytest.fixture(scope="module")
def counts():
    return read_aggregate_counts(RAW / "aggregate_counts.csv")


@pytest.fixture(scope="module")
def sources():
    return read_sources(RAW / "sources.csv")


def victims(rows):
    recs = []
    for vid, dep, ctx, death in rows:
        r = {c: pd.NA for c in VICTIM_COLUMNS + BOUND_COLUMNS}
        r.update(victim_id=vid, identified=True, department=dep, context=ctx, date_death=death, date_injury=pd.NA,
                 date_death_min=death, date_death_max=death)
        recs.append(r)
    return pd.DataFrame(recs, columns=VICTIM_COLUMNS + BOUND_COLUMNS)


REG = victims([("V0001", "Apurímac", "clash", "2022-12-11"), ("V0089", "Ayacucho", "clash", "2022-12-21"),
               ("V0050", "Puno", "police_officer", "2023-01-10"), ("V0052", "Puno", "blockade", "2023-01-08"),
               ("V0075", "Cusco", "clash", "2023-03-21"), ("V0233", "Lima", "other", "2023-03-30")])


def test_wording_mapping_real_rows(counts, sources):
    mp = reconcile.map_counts(counts, sources).set_index("count_id")
    assert (mp.loc["C0002", "category"], mp.loc["C0003", "category"]) == ("clash", "blockade")
    assert (mp.loc["C0005", "geo"], mp.loc["C0005", "category"]) == ("Apurímac", "total")
    assert mp.loc["C0144", "category"] == "police_officer" and mp.loc["C0145", "category"] == "blockade"
    assert mp.loc["C0157", "note"].startswith("not reconciled: soldiers")
    assert mp.loc["C0010", "note"].startswith("not reconciled")   # "dos menores de 15 y 16 años"
    assert len(mp) == len(counts)  # nothing dropped
    off = mp[mp["official"]]
    assert set(off["source_id"]) >= {"servindi_20221226", "monitoreamos_efe_202303"}


def test_reconcile_counts_and_logs_unmapped(counts, sources):
    log = StepLog()
    rec = reconcile.reconcile(REG, counts, log, sources).set_index("count_id")
    # C0143: 47 in clashes as of 2023-03-20; clash victims dead by then: V0001, V0089 (Rosalino died 21 Mar)
    assert rec.loc["C0143", "identified"] == 2 and rec.loc["C0143", "gap"] == 45
    assert rec.loc["C0005", "identified"] == 1   # Apurímac total at 24 Dec
    n_unrec = int((~rec["reconciled"]).sum())
    assert n_unrec == len(log.of_kind("unreconciled")) > 0


@pytest.mark.parametrize("cutoff", ["2022-12-24", "2023-03-20"])
def test_identity_after_unidentified_records(counts, sources, cutoff):
    log = StepLog()
    reg = reconcile.add_unidentified(REG, counts, cutoff, log, sources)
    cells = reconcile.official_cells(counts, cutoff, sources)["national"]
    unid = reg[~reg["identified"].astype(bool)]
    assert unid["victim_id"].str.match(r"^U-C\d{4}-\d+$").all()
    assert unid[["age_years", "display_name", "date_death"]].isna().all().all()
    # coded facts the count does not state are the value "unknown", not blanks
    assert (unid[["sex", "cause", "wound", "force"]] == "unknown").all().all()
    # independent check: every national cell of the latest snapshot = persons of its context dead by as_of
    for c in cells.to_dict("records"):
        geo = True if c["geo"] == "national" else reg["department"].eq(c["geo"])
        n = (reg["context"].eq(c["category"]) & reg["date_death_max"].le(c["as_of"]) & geo).sum()
        assert n == int(c["count"]), c["count_id"]
    table = reconcile.check_identity(reg, counts, cutoff, sources)
    latest = table[(table["level"] == "national") & (table["as_of"] == table["as_of"].max())]
    assert (latest["holds"] == "exactly").all() and len(latest) == len(cells)
    by = unid.groupby("unidentified_basis").size()
    assert int(by.sum()) == len(unid)
