"""analysis.tasks.claims: counting through scope.select with unknowns, shares with exact intervals, verdicts, the
claims catalogue against the file, the definition search, the recorded numbers; the claims table of the register
(analysis.register.claims_table)."""
import math

import pandas as pd
import pytest
from scipy import stats

from analysis import paths
from analysis.errors import RawDataError
from analysis.register import claims_table, vocab
from analysis.register import scope as S
from analysis.report import text
from analysis.report.numbers import Numbers
from analysis.tasks.claims import catalogue as K
from analysis.tasks.claims import compare as CMP
from analysis.tasks.claims import definitions as D
from analysis.tasks.claims import prose
from analysis.tasks.claims import search as SR
from analysis.tasks.claims import task as T
from analysis.tasks.claims import verdicts as V

PROCESSED_CLAIMS = paths.PROCESSED / "published_claims.csv"

COLS = ["victim_id", "identified", "age_years", "date_injury_min", "date_injury_max", "date_death_min",
        "date_death_max", "department", "ubigeo_dep", "event_id", "context", "cause", "wound"]
# A small register with date intervals (as analysis/register/intervals.py writes them): every filter has a known-in,
# known-out and unknown case.
ROWS = [
    # id   ident  age  injury min/max             death min/max             dep  code event context cause wound
    ("V1", True, 15, "2023-01-09", "2023-01-09", "2023-01-09", "2023-01-09", "Puno", "21", "E07", "clash",
     "firearm_projectile", "thorax"),
    ("V2", True, 30, "2023-01-09", "2023-01-09", "2023-01-09", "2023-01-09", "Puno", "21", "E07", "clash",
     "firearm_projectile", "head"),
    ("V3", True, None, "2023-01-09", "2023-01-10", "2023-01-09", None, "Puno", "21", "E07", "clash", "unknown",
     "unknown"),                                                      # death on or after 9 Jan, no upper bound
    ("V4", True, 22, "2023-01-09", "2023-01-09", "2023-01-12", "2023-01-12", "Puno", "21", "E07", "clash", "pellets",
     "back"),                                                         # shot 9 Jan, died 12 Jan
    ("V5", True, 40, "2023-01-10", "2023-01-10", "2023-01-10", "2023-01-10", "Puno", "21", "E07", "police_officer",
     "other", "unknown"),
    ("V6", True, 19, "2022-12-15", "2022-12-15", "2022-12-15", "2022-12-15", "Ayacucho", "05", "E05", "clash",
     "firearm_projectile", "abdomen"),
    ("V7", True, None, "2022-12-20", "2022-12-20", "2022-12-20", "2022-12-20", "Cusco", "08", None, "blockade",
     "traffic_accident", "not_applicable"),
    ("V8", True, 55, None, None, None, None, None, None, None, "unknown", "unknown", "unknown"),  # knows nothing
    ("V9", True, 33, "2023-01-05", "2023-01-05", "2023-01-05", "2023-01-05", "Lima", "15", None, "other", "beating",
     "head"),
    ("U-C0001-1", False, None, None, None, None, "2023-01-20", None, None, None, "clash", "unknown", "unknown"),
]


@pytest.fixture
def reg():
    v = pd.DataFrame(ROWS, columns=COLS)
    v["age_years"] = v["age_years"].astype("Int64")
    return v


def _tables(reg):
    return {"victims": reg}


# ---------------------------------------------------------------- who counts: scope.select + attributes
def test_definition_is_a_scope_on_the_death_date():
    sc = D.Definition(contexts=("clash",), start="2022-12-07", cutoff="2023-01-10").scope()
    assert (sc.contexts, sc.start, sc.end, sc.date_field, sc.policy) == (("clash",), "2022-12-07", "2023-01-10",
                                                                         "death", "certain")
    assert set(D.Definition().scope().contexts) == set(vocab.CONTEXT)  # no context given: every context


def test_count_separates_certain_from_possible(reg):
    # civilians in clashes to 10 Jan: V1, V2, V6 certain; V3 (died on or after 9 Jan), V8 (no context or date) and
    # U-C0001-1 (died by 20 Jan) possible; V4 died 12 Jan: out
    r = D.count(reg, D.Definition(contexts=("clash",), cutoff="2023-01-10"))
    assert (r.value, r.low, r.high, r.n_certain, r.n_possible) == (3, 3, 6, 3, 6)
    assert "3 possibly inside the window" in r.unknown_note and "1 context unknown" in r.unknown_note
    # a cut-off after the record's latest date makes the unidentified record certain
    r = D.count(reg, D.Definition(contexts=("clash",), cutoff="2023-01-31"))
    assert (r.value, r.high) == (5, 7)


def test_count_on_one_day_and_event(reg):
    # Juliaca (E07) on 9 Jan: V1, V2 certain; V3 (E07, death on or after 9 Jan) possible; V8 and U (event unknown)
    r = D.count(reg, D.Definition(contexts=("clash",), start="2023-01-09", cutoff="2023-01-09", events=("E07",)))
    assert (r.value, r.high) == (2, 5)
    cand = {vid: (status, why) for vid, status, why in r.candidates}
    assert cand["V3"] == ("possible", "possibly inside the window (date of death on or after 2023-01-09)")
    assert cand["U-C0001-1"][0] == "possible" and cand["U-C0001-1"][1].startswith("unidentified; possibly inside")
    assert "event unknown" in cand["U-C0001-1"][1]
    # V4 was shot on 9 Jan (inside) and died on 12 Jan (outside): near, with the reason
    assert cand["V4"] == ("near", "dated outside the window (died 2023-01-12; injured 2023-01-09, inside it)")
    assert "V6" not in cand and "V1" not in cand


def test_count_minors_and_wound_sites(reg):
    r = D.count(reg, D.Definition(age=(0, 17)))
    assert (r.value, r.high) == (1, 4)  # V1 known 15; V3, V7, U unknown age
    torso = D.count(reg, D.Definition(contexts=("clash",), causes=("firearm_projectile",),
                                      wounds=("thorax", "abdomen")))
    assert (torso.value, torso.high) == (2, 5)  # V1, V6; V3, U and V8 (unknown context too) possible
    # not_applicable is a known non-site: the blockade death V7 is never a possible torso wound
    assert D.count(reg, D.Definition(wounds=("thorax", "abdomen"))).high == 6  # V1, V6 + unknown V3, V5, V8, U


def test_share_exact_interval_and_bounds(reg):
    base = D.Definition(contexts=("clash",), cutoff="2023-01-31")
    r = D.share(reg, base, D.Definition(causes=("firearm_projectile",)))
    # certain base: V1, V2, V4, V6, U (V3 only possibly before 31 Jan); known cause: V1, V2, V4, V6
    # → 3 firearm of 4 known; U unknown
    ci = stats.binomtest(3, 4).proportion_ci(method="exact")
    assert r.value == pytest.approx(75.0)
    assert (r.low, r.high) == (pytest.approx(100 * ci.low), pytest.approx(100 * ci.high))
    assert (r.bound_low, r.bound_high) == (pytest.approx(60.0), pytest.approx(80.0))
    assert r.unknown_note == "1 of 5 with unknown cause"
    assert (r.n_certain, r.n_possible) == (3, 4) and [c[0] for c in r.candidates] == ["U-C0001-1"]


def _reference_count(reg, d):
    """Independent row-by-row reading of a definition over the date intervals: (certain, possible) persons."""
    certain = possible = 0
    for p in reg.to_dict("records"):
        verdicts = []

        def member(v, allowed):
            return None if not isinstance(v, str) or v in ("", "unknown") else v in allowed
        if d.contexts:
            verdicts.append(member(p["context"], d.contexts))
        if d.departments:
            verdicts.append(member(p["department"], d.departments))
        if d.events:
            verdicts.append(member(p["event_id"], d.events))
        if d.causes:
            verdicts.append(member(p["cause"], d.causes))
        if d.wounds:
            verdicts.append(member(p["wound"], d.wounds))
        if d.age:
            verdicts.append(None if pd.isna(p["age_years"]) else d.age[0] <= p["age_years"] <= d.age[1])
        lo, hi = (x if isinstance(x, str) else None for x in (p["date_death_min"], p["date_death_max"]))
        inside = (d.start is None or (lo is not None and lo >= d.start)) and \
                 (d.cutoff is None or (hi is not None and hi <= d.cutoff))
        overlap = (d.start is None or hi is None or hi >= d.start) and (d.cutoff is None or lo is None or
                                                                        lo <= d.cutoff)
        verdicts.append(True if inside else None if overlap else False)
        certain += all(v is True for v in verdicts)
        possible += all(v is not False for v in verdicts)
    return certain, possible


def test_every_count_quantity_matches_reference_on_synthetic_register(reg):
    n = 0
    for claim in K.CLAIMS:
        for q in claim.quantities:
            if isinstance(q.compute, K.CountOf):
                r = q.compute(_tables(reg))
                assert (r.value, r.high) == _reference_count(reg, q.compute.scope), (claim.claim_id, q.name)
                n += 1
    assert n > 50


def test_named_claims_on_synthetic_register(reg):
    by = {c.claim_id: {q.name: q for q in c.quantities} for c in K.CLAIMS}
    t = _tables(reg)
    r = by["AI-F-10"]["juliaca_deaths_9jan"].compute(t)  # Juliaca on 9 Jan: V1, V2 certain; V3, V8, U possible
    assert (r.value, r.high) == (2, 5)
    r = by["AI-F-06"]["police_deaths"].compute(t)  # police officers to 16 Feb: V5; V8 (unknown context) possible
    assert (r.value, r.high) == (1, 2)
    r = by["MP-05"]["minors_killed"].compute(t)  # V1 (15); V3 and U unknown age; V8 unknown context, age 55 → out
    assert (r.value, r.high) == (1, 3)
    r = by["HRW-04"]["gunshot_share"].compute(t)  # certain clash base V1 V2 V4 V6 U; firearm V1 V2 V6 of known 4
    assert r.value == pytest.approx(75.0)


def test_other_context_is_a_near_candidate(reg):
    r = D.count(reg, D.Definition(contexts=("clash",), start="2023-01-01", cutoff="2023-01-31"))
    assert ("V9", "near", "different context (other)") in r.candidates
    assert not any(c[0] == "V7" for c in r.candidates)  # a blockade death is a published category of its own


# ---------------------------------------------------------------- the claims file and the table
def test_published_number_on_real_quantity_strings():
    assert V.published_number("66 -> 67; 48 -> 49", 1, -1) == (49.0, "exact", "48 -> 49")
    assert V.published_number(">=9 of 17", 0, 0) == (9.0, "at_least", ">=9 of 17")
    assert V.published_number(">=9 of 17", 0, 1)[0] == 17.0
    assert V.published_number(">60; 45; 1; 9", 0)[:2] == (60.0, "more_than")
    assert V.published_number("25 total: Ayacucho 9; Apurímac 6", 0, -1)[0] == 9.0
    assert V.published_number("Lima: 1 death, 20% Indigenous; Ayacucho: 10 deaths, 82% Indigenous", 1, 1)[0] == 82
    with pytest.raises(ValueError, match="no part 3"):
        V.published_number("48; 11; 1", 3)
    with pytest.raises(ValueError, match="no number"):
        V.published_number("n/a", 0)


@pytest.fixture(scope="module")
def claims():
    return claims_table.load(paths.PROCESSED)


def test_table_lists_every_claim_exactly_once(claims):
    ids = [c.claim_id for c in K.CLAIMS]
    assert len(ids) == len(set(ids)) == len(claims)
    assert sorted(ids) == sorted(claims["claim_id"])
    assert all(c.note for c in K.CLAIMS)  # a reason for every claim, addressed or not
    CMP.check_table(claims)


def test_unknown_missing_or_duplicate_ids_are_errors(claims):
    extra = K.CLAIMS + (K.Claim("XX-99", (), "invented"),)
    with pytest.raises(RawDataError, match="lacks: \\['XX-99'\\]"):
        CMP.check_table(claims, extra)
    with pytest.raises(RawDataError, match=r"row 2, field 'claim_id'.*AI-F-01"):
        CMP.check_table(claims, K.CLAIMS[1:])
    with pytest.raises(ValueError, match="listed twice"):
        CMP.check_table(claims, K.CLAIMS + K.CLAIMS[:1])


def test_quantity_pointing_at_missing_number_names_row_and_field(claims):
    bad = tuple(K.Claim(c.claim_id, (K.Quantity("x", 9, K.CountOf(D.Definition()), "count"),), c.note)
                if c.claim_id == "AI-F-06" else c for c in K.CLAIMS)
    row = int(claims.index[claims["claim_id"] == "AI-F-06"][0]) + 2
    with pytest.raises(RawDataError, match=f"row {row}, field 'quantity'"):
        CMP.check_table(claims, bad)


def test_claims_table_rejects_duplicate_empty_id_and_missing_column(tmp_path):
    lines = PROCESSED_CLAIMS.read_text(encoding="utf-8").splitlines()
    (tmp_path / "c.csv").write_text("\n".join(lines[:3] + [lines[2]]) + "\n", encoding="utf-8")
    with pytest.raises(RawDataError, match="c.csv, row 4, field 'claim_id'"):
        claims_table.read(tmp_path / "c.csv")
    with pytest.raises(RawDataError, match="row 2, field 'claim_id': empty claim id"):
        claims_table.check(pd.DataFrame({c: [" ", "X"] for c in claims_table.COLUMNS}))
    with pytest.raises(RawDataError, match="field 'quote': required column missing"):
        claims_table.check(pd.DataFrame({c: ["A"] for c in claims_table.COLUMNS if c != "quote"}))


def test_processed_claims_are_the_raw_file_checked():
    """The register's copy holds every raw claim, every column, claim_id stripped; only a protected minor's name
    in a text cell may differ (privacy masking)."""
    raw = claims_table.read(paths.RAW / claims_table.RAW)
    processed = claims_table.load(paths.PROCESSED)
    assert list(processed.columns) == list(raw.columns) and list(processed["claim_id"]) == list(raw["claim_id"])
    for col in ("claim_id", "publisher", "published_date", "quote", "quantity", "unit"):
        assert processed[col].equals(raw[col]), col


@pytest.mark.skipif(not (paths.PROCESSED / "victims.csv").exists(), reason="processed register absent")
def test_compare_on_processed_tables(claims):
    t = S.load_register()
    out = CMP.compare(claims, t)
    assert list(dict.fromkeys(out["claim_id"])) == list(claims["claim_id"])
    not_addr = out[out["status"] == "not_addressed"]
    assert not_addr["claim_id"].is_unique and not_addr["quantity"].isna().all()
    addr = out[out["status"] == "addressed"]
    assert set(addr["verdict"]) <= set(V.VERDICTS) and "consistent" not in out.columns
    counts = addr[addr["kind"] == "count"]
    assert (counts["n_certain"] <= counts["n_possible"]).all()
    assert (counts["reproduced"] == counts["n_certain"]).all() and ((counts["reproduced"] % 1) == 0).all()
    exact = counts[counts["verdict"] == "reproduced exactly"]
    assert (exact["published"] == exact["n_certain"]).all()
    # a "not reproduced" count lists the persons that make the difference (or says none of the register can)
    bad = counts[counts["verdict"] == "not reproduced"]
    assert (bad["difference_reasons"].str.len() > 0).all()
    ids = set(t["victims"]["victim_id"])
    for r in bad.itertuples():
        listed = [p for p in str(r.difference_persons).split(" ; ") if p and p != "nan"]
        assert set(listed) <= ids
        for p in listed:
            assert f"{p}: " in r.difference_reasons
        if r.published > r.n_possible:  # even every possible person falls short: the rest is named as such
            assert "not in the register" in r.difference_reasons or any(
                "dated outside" in x or "different context" in x for x in r.difference_reasons.split(" ; "))
    ok = addr[addr["verdict"] != "not reproduced"]
    assert (ok["difference_persons"].fillna("") == "").all()
    # the published value is the number printed in the file
    row = addr[(addr["claim_id"] == "DP-13") & (addr["quantity"] == "clash_deaths")].iloc[0]
    assert (row["published_raw"], row["published"]) == ("48 -> 49", 49.0)
    assert row["difference"] == row["published"] - row["reproduced"]
    # Amnesty's 13 % / 80 % is compared under the best-matching definition of the search, named in the row
    best = K.amnesty_search({**t, "claims": claims}).best  # the search compare() made (cached)
    for q, col in (("population_share", "population_share"), ("death_share", "death_share")):
        a = addr[(addr["claim_id"] == "AI-F-01") & (addr["quantity"] == q)].iloc[0]
        assert math.isclose(a["reproduced"], best[col]) and a["definition"] == best["definition"]
        assert a["verdict"] == best[f"{q.split('_')[0]}_verdict"]
    a = addr[(addr["claim_id"] == "AI-F-01") & (addr["quantity"] == "death_share")].iloc[0]
    ci = stats.binomtest(int(best["deaths_majority"]), int(best["deaths_total"])).proportion_ci(method="exact")
    assert math.isclose(a["ci_low"], 100 * ci.low) and math.isclose(a["ci_high"], 100 * ci.high)


@pytest.mark.parametrize("kind, published, qual, unit, value, expected", [
    ("count", 48, "exact", 1, 48, "reproduced exactly"),
    ("count", 48, "exact", 1, 47, "not reproduced"),
    ("count", 50, "about", 10, 48, "reproduced within the published rounding"),   # "about 50"
    ("count", 50, "about", 10, 44, "not reproduced"),
    ("count", 20, "more_than", 10, 22, "reproduced within the published rounding"),  # "más de 20"
    ("count", 20, "more_than", 10, 20, "not reproduced"),
    ("count", 20, "more_than", 10, 35, "not reproduced"),  # a range wider than the rounding is not a reproduction
    ("count", 30, "at_least", 10, 39, "reproduced within the published rounding"),
    ("count", 21, "at_least", 1, 24, "not reproduced"),
    ("share", 88, "exact", 1, 87.5, "reproduced within the published rounding"),  # 88 % printed to the unit
    ("share", 88, "exact", 1, 87.4, "not reproduced"),
    ("share", 59.1, "exact", 0.1, 59.14, "reproduced within the published rounding"),
    ("share", 80, "exact", 1, float("nan"), "not reproduced"),
])
def test_verdicts(kind, published, qual, unit, value, expected):
    assert V.verdict(kind, published, qual, unit, value) == expected


def test_verdict_of_a_k_of_n_share_is_exact_only():
    assert V.verdict("share", 100 * 39 / 49, "exact", 1, 100 * 39 / 49, of_counts=True) == "reproduced exactly"
    assert V.verdict("share", 100 * 39 / 49, "exact", 1, 79.7, of_counts=True) == "not reproduced"


def test_rounding_unit_and_quote_qualifier_on_real_strings(claims):
    assert [V.rounding_unit(x, "count") for x in (50, 1200, 48, 0)] == [10, 100, 1, 1]
    assert V.rounding_unit(59.1, "share", "59.1%") == pytest.approx(0.1)
    assert V.rounding_unit(13, "share", "13") == 1
    quote = claims.set_index("claim_id")["quote"]
    assert V.quote_qualifier(quote["HRW-01"], 21) == "at_least"        # "at least 21 killings"
    assert V.quote_qualifier(quote["AI-W-01"], 1) == "exact"           # "one policeman", not the "1" of "1,400"
    assert V.quote_qualifier(quote["AI-W-01"], 50) == "exact"
    assert V.quote_qualifier("murieron más de 20 personas", 20) == "more_than"
    assert V.quote_qualifier("about 50 people", 50) == "about"


def test_difference_lists_persons_and_the_rest(reg):
    r = D.count(reg, D.Definition(contexts=("clash",), start="2023-01-09", cutoff="2023-01-09", events=("E07",)))
    persons, reasons = CMP.difference("count", 7, r)  # 2 certain, 3 possible, 1 near: 1 not in the register
    assert persons.split(" ; ") == ["V3", "V4", "V8", "U-C0001-1"]
    assert reasons.endswith("not in the register: 1 person(s) the source counts and no register person in or near "
                            "the scope can stand for")
    persons, reasons = CMP.difference("count", 1, r)  # published below the 2 certain
    assert persons == "" and reasons == "the register holds 1 more person(s) certainly in scope than published"


# ---------------------------------------------------------------- what the notebook shows, the numbers recorded
def _comparison():
    """A compare()-shaped table: a count, a share with an interval, a share without one, a claim not addressed."""
    nan = float("nan")
    return pd.DataFrame({
        "claim_id": ["DP-09", "HRW-04", "HRW-04", "AI-F-09"],
        "publisher": ["Defensoría", "HRW", "HRW", "Amnesty"],
        "status": ["addressed", "addressed", "addressed", "not_addressed"],
        "quantity": ["clash_deaths", "gunshot_share", "children", None],
        "kind": ["count", "share", "share", None],
        "published_raw": ["48", "39 of 49", "8", None], "published": [48.0, 79.6, 8.0, nan],
        "rounding": ["exact", "exact", "exact", None],
        "reproduced": [38.0, 84.21, nan, nan], "ci_low": [nan, 68.75, nan, nan], "ci_high": [nan, 93.98, nan, nan],
        "range_low": [38.0, 80.0, nan, nan], "range_high": [50.0, 86.5, nan, nan],
        "n_certain": [38.0, 32.0, nan, nan], "n_possible": [50.0, 35.0, nan, nan],
        "verdict": ["not reproduced", "reproduced within the published rounding", "not reproduced", nan],
        "difference_persons": ["V1", "", "", None], "difference_reasons": ["V1: context unknown", "", "", None],
        "definition": ["civilians in clashes to 2023-03-06", "gunshot share", "children share", None],
        "reason": ["", "", "", "injured persons"],
    })


def test_certain_possible_prose():
    assert text.certain_possible(38.0, 50.0) == "38 certain, up to 50 possible"
    assert text.certain_possible(38.0, 38.0) == "38" and text.certain_possible(1234.0, 1234.0) == "1234"
    assert text.num(84.2149, 1, thousands=False) == "84.2" and text.num(None, 0) == "n/a"


def test_comparison_views_and_rows():
    v = prose.comparison(_comparison())
    assert v["comparison"]["claim_id"].tolist() == ["DP-09", "HRW-04", "HRW-04"]
    assert v["not_reproduced"]["quantity"].tolist() == ["clash_deaths", "children"]
    assert v["not_addressed"]["claim_id"].tolist() == ["AI-F-09"]
    assert v["rows"]["HRW-04.gunshot_share"]["reproduced"] == 84.21 and "AI-F-09.deaths" not in v["rows"]
    with pytest.raises(KeyError, match="DP-09.clash_deaths: more than one row"):
        prose.comparison(pd.concat([_comparison(), _comparison()]))


def test_record_verdicts_counts_every_verdict():
    n = Numbers("claims")
    T.record_verdicts(n, CMP.addressed(_comparison()))
    assert {k: e["value"] for k, e in n.entries.items()} == {
        "claims.n_quantities": 3, "claims.n_reproduced_exactly": 0, "claims.n_reproduced_within_rounding": 1,
        "claims.n_not_reproduced": 2}


def test_record_reproduced_counts_and_shares():
    n = Numbers("claims")
    T.record_reproduced(n, CMP.addressed(_comparison()))
    assert sorted(n.entries) == ["claims.DP-09.clash_deaths", "claims.DP-09.clash_deaths_possible",
                                 "claims.HRW-04.children", "claims.HRW-04.gunshot_share"]
    assert n.entries["claims.DP-09.clash_deaths_possible"]["value"] == 50
    count = n.entries["claims.DP-09.clash_deaths"]
    assert (count["value"], count["unit"], count["interval"]) == (38, "person", [38.0, 50.0])
    assert isinstance(count["value"], int) and "civilians in clashes to 2023-03-06" in count["definition"]
    share = n.entries["claims.HRW-04.gunshot_share"]
    assert (share["value"], share["unit"], share["interval"]) == (84.21, "percent", [68.75, 93.98])
    assert share["definition"].endswith("(range over unknowns 80.0-86.5); reproduced within the published rounding")
    undefined = n.entries["claims.HRW-04.children"]  # no interval when the share is undefined, value null
    assert undefined["value"] is None and "interval" not in undefined
    assert undefined["definition"].endswith("(range over unknowns n/a-n/a); not reproduced")


# ---------------------------------------------------------------- a claim without its definition: the search
# A small register and departments table for the definition search: Puno, Ayacucho and Cusco have published
# Indigenous shares above 50 % on both measures, Lima only a self-identification share (17 %), Arequipa none.
DEPS = pd.DataFrame({
    "ubigeo_dep": ["04", "05", "08", "15", "21"],
    "department": ["Arequipa", "Ayacucho", "Cusco", "Lima", "Puno"],
    "pop_census_2017_persons": [1000, 500, 1000, 7000, 500],
    "indig_selfid_pct": [None, 80.0, 75.0, 17.0, 91.0],
    "indig_mothertongue_pct": [None, 62.0, 55.0, None, 69.0],
})
SEARCH_ROWS = [  # id, context, department, code, death min, death max
    ("A1", "clash", "Puno", "21", "2023-01-09", "2023-01-09"),
    ("A2", "clash", "Puno", "21", "2023-01-09", "2023-01-09"),
    ("A3", "clash", "Ayacucho", "05", "2022-12-15", "2022-12-15"),
    ("A4", "clash", "Lima", "15", "2023-01-28", "2023-01-28"),
    ("A5", "clash", "Arequipa", "04", "2022-12-12", "2022-12-12"),       # department of unknown status
    ("A6", "clash", "Cusco", "08", "2023-01-25", "2023-02-05"),          # straddles a 31 Jan cut-off
    ("A7", "blockade", "Cusco", "08", "2022-12-20", "2022-12-20"),
    ("A8", "police_officer", "Puno", "21", "2023-01-10", "2023-01-10"),
    ("A9", "clash", None, None, "2023-01-10", "2023-01-10"),             # no department
]
GRID = dict(thresholds=(50.0, 70.0), cutoffs=("2023-01-31", "2023-02-28"),
            stated={"measure": "selfid", "threshold": 50.0, "unknown": "not_majority", "deaths": "all",
                    "date_policy": "certain", "cutoff": "2023-01-31"})
PUB = {"population_share": {"value": 22.0, "qualifier": "exact", "unit": 1.0, "raw": "22"},
       "death_share": {"value": 80.0, "qualifier": "exact", "unit": 1.0, "raw": "80"}}


@pytest.fixture(scope="module")
def search():
    v = pd.DataFrame([(i, True, ctx, None, dep, code, lo, hi, lo, hi) for i, ctx, dep, code, lo, hi in SEARCH_ROWS],
                     columns=["victim_id", "identified", "context", "event_id", "department", "ubigeo_dep",
                              "date_death_min", "date_death_max", "date_injury_min", "date_injury_max"])
    return SR.search_definitions(v, DEPS, PUB, **GRID)


def _reference_row(r) -> tuple:
    """Plain reading of one searched definition: (population share %, deaths in the group, deaths counted)."""
    share = DEPS["indig_selfid_pct" if r["measure"] == "selfid" else "indig_mothertongue_pct"]
    status = share.map(lambda x: "unknown" if pd.isna(x) else "majority" if x > r["threshold"] else "not_majority")
    status = dict(zip(DEPS["ubigeo_dep"], status))
    keep = [c for c, s in status.items() if r["unknown"] == "not_majority" or s != "unknown"]
    pops = dict(zip(DEPS["ubigeo_dep"], DEPS["pop_census_2017_persons"]))
    pop = 100 * sum(pops[c] for c in keep if status[c] == "majority") / sum(pops[c] for c in keep)
    contexts = {"clash": {"clash"}, "civilian": set(vocab.CONTEXT) - {"police_officer"}, "all": set(vocab.CONTEXT)}
    k = n = 0
    for i, ctx, dep, code, lo, hi in SEARCH_ROWS:
        inside = lo >= "2022-12-07" and hi <= r["cutoff"] if r["date_policy"] == "certain" else \
            hi >= "2022-12-07" and lo <= r["cutoff"]
        if ctx not in contexts[r["deaths"]] or not inside:
            continue
        if r["unknown"] == "known_only" and (code is None or status[code] == "unknown"):
            continue
        n += 1
        k += code is not None and status[code] == "majority"
    return pop, k, n


def test_search_every_definition_matches_a_plain_reading(search):
    t = search.table
    assert len(t) == 2 * 2 * 2 * 3 * 2 * 2 and t["key"].is_unique and list(t.columns) == SR.SEARCH_COLUMNS
    for r in t.to_dict("records"):
        pop, k, n = _reference_row(r)
        assert r["population_share"] == pytest.approx(pop), r["key"]
        assert (r["deaths_majority"], r["deaths_total"]) == (k, n), r["key"]
        assert r["death_share"] == pytest.approx(100 * k / n), r["key"]
        ci = stats.binomtest(k, n).proportion_ci(method="exact")
        assert (r["death_share_low"], r["death_share_high"]) == (pytest.approx(100 * ci.low),
                                                                 pytest.approx(100 * ci.high))
        # a verdict per figure: within half a printed unit of 22 % / 80 %, exactly when equal
        for fig, value, pub in (("population", r["population_share"], 22.0), ("death", r["death_share"], 80.0)):
            expect = ("reproduced exactly" if abs(value - pub) < 1e-9 else
                      "reproduced within the published rounding" if abs(value - pub) <= 0.5 else "not reproduced")
            assert r[f"{fig}_verdict"] == expect, (r["key"], fig)


def test_search_ranking_names_the_best_definition(search):
    t = search.table
    both = search.reproducing()
    # 2000 of 9000 persons (22.2 %) live in the majority departments when Arequipa (unknown) is left out, and 4 of
    # 5 deaths in known departments (80 %) fall in them: only "known only" readings of self-identification reproduce
    assert len(both) == 8 and set(both["measure"]) == {"selfid"} and set(both["unknown"]) == {"known_only"}
    assert both["rank"].tolist() == list(range(1, 9)) and t["rank"].tolist() == list(range(1, len(t) + 1)) and t["best"].sum() == 1
    # the fewest departures from the stated reading wins: every civilian death (A1-A4 and the blockade death A7)
    best = search.best
    assert best["key"] == "selfid.t50.known_only.civilian.certain.c20230131" and best["departures"] == 2
    assert best["departs_from"] == "unknown: known only instead of not majority; deaths: civilian instead of all"
    assert (best["population_verdict"], best["death_verdict"]) == ("reproduced within the published rounding",
                                                                   "reproduced exactly")
    assert SR.amnesty_verdict(search) == "reproduced within the published rounding"
    # ranks 2 and 3 tie on departures and distance: the key decides
    assert both["departures"].tolist()[:4] == [2, 3, 3, 3] and both["key"].iloc[1] < both["key"].iloc[2]
    assert t["n_reproduced"].is_monotonic_decreasing
    # how each row differs from the best: persons and departments, named
    other = search.row(measure="selfid", threshold=50.0, unknown="not_majority", deaths="clash",
                       date_policy="certain", cutoff="2023-02-28")
    assert other["persons_not_in_best"] == "A5 (Arequipa) ; A6 (Cusco) ; A9 (no department)"
    assert other["best_persons_not_here"] == "A7 (Cusco)" and other["persons_other_group_than_best"] == ""
    mt = search.row(measure="mothertongue", threshold=70.0, unknown="known_only", deaths="clash",
                    date_policy="certain", cutoff="2023-02-28")
    assert mt["departments_vs_best"] == "-Ayacucho; -Cusco; -Puno" and mt["n_majority"] == 0
    assert mt["persons_other_group_than_best"] == "A1 (Puno) ; A2 (Puno) ; A3 (Ayacucho)"
    assert mt["persons_not_in_best"] == "A6 (Cusco)"
    assert mt["best_persons_not_here"] == "A4 (Lima) ; A7 (Cusco)"  # Lima's mother tongue unknown; A7 a blockade
    with pytest.raises(KeyError, match="2 searched definitions match"):
        search.row(measure="selfid", threshold=50.0, unknown="known_only", deaths="clash", date_policy="certain")


def test_search_result_of_the_best_definition(search):
    pop = SR.amnesty_result(search, "population_share")
    assert pop.value == pytest.approx(100 * 2000 / 9000) and pop.low == pop.high == pop.value
    # known only: the range over Arequipa's status (out: 2000/9000 .. in the group: 3000/10000) is shown, not judged
    assert (pop.bound_low, pop.bound_high) == (pytest.approx(20.0), pytest.approx(30.0))
    death = SR.amnesty_result(search, "death_share")
    # 4 of 5 certain; A6 (Cusco) only possibly dead by 31 Jan: counted, the share would be 5 of 6
    assert (death.value, death.n_certain, death.n_possible) == (pytest.approx(80.0), 4, 5)
    assert (death.bound_low, death.bound_high) == (pytest.approx(80.0), pytest.approx(500 / 6))
    assert death.candidates == (("A6", "possible", "only possibly inside the window (Cusco)"),)
    assert "best of 96 definitions searched" in death.unknown_note and "8 reproduce both" in death.unknown_note
    # a possible-policy best: the count includes A6; the certain persons (3 of 4) bound it from below
    s2 = SR.Search(search.table.assign(best=search.table["key"] == "selfid.t50.known_only.clash.possible.c20230131"),
                  search.persons, search.published)
    d2 = SR.amnesty_result(s2, "death_share")
    assert (d2.value, d2.bound_low, d2.bound_high) == (pytest.approx(80.0), pytest.approx(75.0), pytest.approx(80.0))


def test_search_persons_are_checked_against_ethnic_shares(search, monkeypatch):
    from analysis.stats import ethnic
    real = ethnic.shares

    def off_by_one(*a, **kw):
        out = real(*a, **kw)
        out["scenarios"].loc["known_only", "deaths_total"] += 1
        return out
    monkeypatch.setattr(ethnic, "shares", off_by_one)
    v = pd.DataFrame([(i, True, ctx, None, dep, code, lo, hi, lo, hi) for i, ctx, dep, code, lo, hi in SEARCH_ROWS],
                     columns=["victim_id", "identified", "context", "event_id", "department", "ubigeo_dep",
                              "date_death_min", "date_death_max", "date_injury_min", "date_injury_max"])
    with pytest.raises(AssertionError, match="differ from ethnic.shares"):
        SR.search_definitions(v, DEPS, PUB, **GRID)


def test_record_amnesty_keys(search):
    assert search.stated == GRID["stated"]  # the stated reading of the small grid (cut-off 31 Jan) is the search's
    n = Numbers("claims")
    T.record_amnesty(n, search)
    e = n.entries
    assert e["claims.AI-F-01.population_share_3dep"]["value"] == pytest.approx(20.0)  # 2000 of 10000
    assert e["claims.AI-F-01.death_share_3dep"]["value"] == pytest.approx(50.0)  # A1 A2 A3 of A1..A5, A9 by 31 Jan
    assert e["claims.AI-F-01.death_share_3dep.all.certain"]["value"] == pytest.approx(62.5)  # + A7, A8
    assert e["claims.AI-F-01.best_definition"]["value"] == search.best["key"]
    assert e["claims.AI-F-01.verdict"]["value"] == "reproduced within the published rounding"
    assert e["claims.AI-F-01.n_reproduce_both"]["value"] == 8 and e["claims.AI-F-01.n_definitions"]["value"] == 96
    assert "A5 (Arequipa)" in e["claims.AI-F-01.death_share_3dep"]["definition"]  # persons that make the difference


def test_amnesty_published_reads_the_claims_file(claims):
    pub = K.amnesty_published(claims)
    quantity = claims.set_index("claim_id").loc["AI-F-01", "quantity"]
    assert [pub[q]["raw"] for q in ("population_share", "death_share")] == [x.strip() for x in quantity.split(";")]
    assert all(pub[q]["unit"] == 1 and pub[q]["qualifier"] == "exact" for q in pub)
