"""Blocking of the record linkage: no pair that merges on the real data is lost, reprinted lists cost linear
pairs and give the same persons, and victim ids hold past 9,999 persons."""
import importlib.util

import pandas as pd
import pytest

from analysis import paths
from analysis.register import events as events_mod
from analysis.register import hand, link, pairs, schemas, sources
from analysis.register.clean import places
from analysis.register.clean.mentions import clean_mentions
from analysis.steplog import StepLog

_spec = importlib.util.spec_from_file_location("run_benchmark", paths.ROOT / "benchmarks" / "run_benchmark.py")
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)


@pytest.fixture(scope="module")
def real():
    """Cleaned real mentions with their events, as link() pairs them."""
    raw = paths.RAW
    clean = clean_mentions(sources.read_mentions(raw / "casualties/mentions.csv"),
                           sources.read_sources(raw / "casualties/sources.csv"),
                           places.build_gazetteer(raw), StepLog(), "mentions.csv")
    events = events_mod.build(sources.read_events(raw / "context/events.csv"), hand.read("events"),
                              sources.read_sources(raw / "casualties/sources.csv"), StepLog())
    clean["event_id"] = events_mod.assign(clean, events)
    return clean[~clean["mention_id"].isin(list(link.load_manual_unattributed()))]


def exhaustive_pairs(m: pd.DataFrame) -> list:
    """Every pair the linkage scored before blocking: named, different sources, no conflicting department
    or event, dates within the tolerance."""
    rows = [r for r in m.to_dict("records") if pairs.name_forms(r["name_forms"])]
    tol = pd.Timedelta(days=pairs.DATE_TOLERANCE_DAYS)
    out = []
    for i, a in enumerate(rows):
        for b in rows[i + 1:]:
            (fa, la), (fb, lb) = pairs.date_span(a), pairs.date_span(b)
            if a["source_id"] == b["source_id"] or pairs.conflicting(a["ubigeo_dep"], b["ubigeo_dep"]) \
                    or pairs.conflicting(a["event_id"], b["event_id"]) \
                    or (fa is not None and fb is not None and (fb - la > tol or fa - lb > tol)):
                continue
            out.append((a, b))
    return out


def test_blocking_keeps_every_pair_that_merges_on_the_real_data(real):
    before = exhaustive_pairs(real)
    stats = {}
    kept = set(pairs.candidate_pairs(real, stats=stats).itertuples(index=False, name=None))
    assert (len(before), len(kept)) == (15771, 7189)
    assert stats == {"named": 265, "all_pairs": 34564, "blocked": 8247, "candidates": 7189}
    scored = [(tuple(sorted([a["mention_id"], b["mention_id"]])), pairs.score_pair(a, b)) for a, b in before]
    accepted = [p for p, s in scored if s.accept]
    assert len(accepted) == 765 and set(accepted) <= kept
    # nothing near a threshold is lost: the best full-name score among dropped pairs is 58.5 (merge needs 80),
    # and no dropped initials or single-name pair agrees at all
    lost = [s for p, s in scored if p not in kept]
    assert round(max(s.score for s in lost if s.name_kind == "full"), 1) == 58.5
    assert {s.score for s in lost if s.name_kind != "full"} == {0.0}


def test_name_keys_meet_on_one_edit_in_the_opening():
    def meet(a, b):
        return bool(pairs.opening_keys(a) & pairs.opening_keys(b))
    assert meet("ELMER", "HELMER") and meet("JHONATAN", "JONATAN") and meet("CRISTIAN", "KRISTIAN")
    assert not meet("QUISPE", "MAMANI") and not meet("APAZA", "HUAMAN")
    # an initial meets the first letter of any token of the other side, not other initials' neighbours
    rows = [{"ubigeo_dep": "05"}, {"ubigeo_dep": "05"}, {"ubigeo_dep": "03"}, {"ubigeo_dep": None}]
    forms = [[["D", "A", "Q"]], [["DAVID", "ATEQUIPA", "QUISPE"]], [["DAVID", "ATEQUIPA"]], [["ZOILA", "DIAZ"]]]
    # 0-2 differ in department; 3 has no department and meets everyone through D (its 'DIAZ')
    assert pairs.blocked_pairs(rows, forms) == {(0, 1), (0, 3), (1, 3), (2, 3)}


def test_identical_reprints_join_their_first_mention():
    cols = ["mention_id", "source_id", "name_forms", "age_years", "sex", "date_injury", "date_death", "ubigeo_dep",
            "department", "ubigeo_prov", "province", "is_retraction", "retraction_raw"]
    rows = [[f"M000{i}", f"s{i}", "ROGER CAYO HUATASANI", 25, "male", None, "2023-01-09", "21", "Puno", "2111",
             "San Román", False, None] for i in (1, 2, 3)]
    rows.append(["M0004", "s4", "ROGER CALLO HUATASANI", 25, "male", None, "2023-01-09", "21", "Puno", "2111",
                 "San Román", False, None])
    m = pd.DataFrame(rows, columns=cols).astype({"age_years": "Int64"})
    log = StepLog()
    ml, rep = link.link(m, log, manual_links=[], manual_persons=[], manual_unattributed={})
    assert ml["victim_id"].tolist() == ["V0001"] * 4
    # 2 joins + 1 pair between the record M0001 (standing for M0002, M0003) and M0004: 3 rows, not 6
    assert rep[["mention_a", "mention_b", "decision"]].values.tolist() == [
        ["M0001", "M0002", "merged"], ["M0001", "M0003", "merged"], ["M0001", "M0004", "merged"]]
    entry = [e for e in log.entries if e["step"] == "link.blocking"][0]
    assert (entry["n_in"], entry["n_out"]) == (1, 1)
    assert entry["detail"].startswith("2 named mentions (2 more joined to an identical mention of another source")


def test_scaled_copies_give_the_same_persons_with_linear_pairs():
    one, _, log1, _ = bench.link_scaled(1)
    four, report4, log4, _ = bench.link_scaled(4)
    original = one.set_index("mention_id")
    four["original"] = [f"M{int(m[1:]) % bench.COPY_OFFSET:04d}" for m in four["mention_id"]]
    assert len(four) == 4 * len(one) == 1304
    for col in ("victim_id", "link_status"):
        got = four[col].astype("string").fillna("-").tolist()
        assert got == original.loc[four["original"], col].astype("string").fillna("-").tolist(), col
    persons = one.loc[one["link_status"] == "linked", "victim_id"].nunique()
    assert persons == four.loc[four["link_status"] == "linked", "victim_id"].nunique() == 57

    def scored(log):
        return [e["n_out"] for e in log.entries if e["step"] == "link.blocking"][0]
    # four reprints of every list: pairs scored grow by the pairs of the joins, not 16-fold
    assert (scored(log1), scored(log4)) == (6333, 7452)
    assert len(report4) < 2 * len(one) + 4 * scored(log1)


def test_victim_ids_hold_past_9999_persons():
    assert link.victim_id_for(["M0326", "M0001"]) == "V0001"
    assert link.victim_id_for(["M9999", "M10000"]) == "V9999"       # numeric, not text, order
    assert link.victim_id_for(["M100000", "M12345"]) == "V12345"
    assert link.victim_id_for(["M999999"]) == "V999999"
    ok = pd.DataFrame({"mention_id": ["M0001", "M10000", "M999999"], "source_id": "s",
                       "victim_id": ["V0001", "V10000", "V999999"], "link_status": "linked"})
    schemas.validate("mentions_linked", ok)
    for bad in ("V00001", "V123", "X10000"):
        with pytest.raises(schemas.SchemaError, match=r"mentions_linked\.csv: row 1, field 'victim_id'"):
            schemas.validate("mentions_linked", ok.assign(victim_id=["V0001", bad, "V999999"]))
