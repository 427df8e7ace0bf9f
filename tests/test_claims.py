"""analysis.claims: counting through scope.select with unknowns, shares with exact intervals, verdicts, the
claims table against the file."""
import math

import pandas as pd
import pytest
from scipy import stats

from analysis import claims as C
from analysis import paths, vocab
from analysis import scope as S
from analysis.errors import RawDataError

COLS = ["victim_id", "identified", "age_years", "date_injury_min", "date_injury_max", "date_death_min",
        "date_death_max", "department", "ubigeo_dep", "event_id", "context", "cause", "wound"]
# A small register with date intervals (as analysis/intervals.py writes them): every filter has a known-in,
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
    sc = C.Definition(contexts=("clash",), start="2022-12-07", cutoff="2023-01-10").scope()
    assert (sc.contexts, sc.start, sc.end, sc.date_field, sc.policy) == (("clash",), "2022-12-07", "2023-01-10",
                                                                         "death", "certain")
    assert set(C.Definition().scope().contexts) == set(vocab.CONTEXT)  # no context given: every context


def test_count_separates_certain_from_possible(reg):
    # civilians in clashes to 10 Jan: V1, V2, V6 certain; V3 (died on or after 9 Jan), V8 (no context or date) and
    # U-C0001-1 (died by 20 Jan) possible; V4 died 12 Jan: out
    r = C.count(reg, C.Definition(contexts=("clash",), cutoff="2023-01-10"))
    assert (r.value, r.low, r.high, r.n_certain, r.n_possible) == (3, 3, 6, 3, 6)
    assert "3 possibly inside the window" in r.unknown_note and "1 context unknown" in r.unknown_note
    # a cut-off after the record's latest date makes the unidentified record certain
    r = C.count(reg, C.Definition(contexts=("clash",), cutoff="2023-01-31"))
    assert (r.value, r.high) == (5, 7)


def test_count_on_one_day_and_event(reg):
    # Juliaca (E07) on 9 Jan: V1, V2 certain; V3 (E07, death on or after 9 Jan) possible; V8 and U (event unknown)
    r = C.count(reg, C.Definition(contexts=("clash",), start="2023-01-09", cutoff="2023-01-09", events=("E07",)))
    assert (r.value, r.high) == (2, 5)
    cand = {vid: (status, why) for vid, status, why in r.candidates}
    assert cand["V3"] == ("possible", "possibly inside the window (date of death on or after 2023-01-09)")
    assert cand["U-C0001-1"][0] == "possible" and cand["U-C0001-1"][1].startswith("unidentified; possibly inside")
    assert "event unknown" in cand["U-C0001-1"][1]
    # V4 was shot on 9 Jan (inside) and died on 12 Jan (outside): near, with the reason
    assert cand["V4"] == ("near", "dated outside the window (died 2023-01-12; injured 2023-01-09, inside it)")
    assert "V6" not in cand and "V1" not in cand


def test_count_minors_and_wound_sites(reg):
    r = C.count(reg, C.Definition(age=(0, 17)))
    assert (r.value, r.high) == (1, 4)  # V1 known 15; V3, V7, U unknown age
    torso = C.count(reg, C.Definition(contexts=("clash",), causes=("firearm_projectile",),
                                      wounds=("thorax", "abdomen")))
    assert (torso.value, torso.high) == (2, 5)  # V1, V6; V3, U and V8 (unknown context too) possible
    # not_applicable is a known non-site: the blockade death V7 is never a possible torso wound
    assert C.count(reg, C.Definition(wounds=("thorax", "abdomen"))).high == 6  # V1, V6 + unknown V3, V5, V8, U


def test_share_exact_interval_and_bounds(reg):
    base = C.Definition(contexts=("clash",), cutoff="2023-01-31")
    r = C.share(reg, base, C.Definition(causes=("firearm_projectile",)))
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
    for claim in C.CLAIMS:
        for q in claim.quantities:
            if isinstance(q.compute, C.CountOf):
                r = q.compute(_tables(reg))
                assert (r.value, r.high) == _reference_count(reg, q.compute.scope), (claim.claim_id, q.name)
                n += 1
    assert n > 50


def test_named_claims_on_synthetic_register(reg):
    by = {c.claim_id: {q.name: q for q in c.quantities} for c in C.CLAIMS}
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
    r = C.count(reg, C.Definition(contexts=("clash",), start="2023-01-01", cutoff="2023-01-31"))
    assert ("V9", "near", "different context (other)") in r.candidates
    assert not any(c[0] == "V7" for c in r.candidates)  # a blockade death is a published category of its own


# ---------------------------------------------------------------- the claims file and the table
def test_published_number_on_real_quantity_strings():
    assert C.published_number("66 -> 67; 48 -> 49", 1, -1) == (49.0, "exact", "48 -> 49")
    assert C.published_number(">=9 of 17", 0, 0) == (9.0, "at_least", ">=9 of 17")
    assert C.published_number(">=9 of 17", 0, 1)[0] == 17.0
    assert C.published_number(">60; 45; 1; 9", 0)[:2] == (60.0, "more_than")
    assert C.published_number("25 total: Ayacucho 9; Apurímac 6", 0, -1)[0] == 9.0
    assert C.published_number("Lima: 1 death, 20% Indigenous; Ayacucho: 10 deaths, 82% Indigenous", 1, 1)[0] == 82
    with pytest.raises(ValueError, match="no part 3"):
        C.published_number("48; 11; 1", 3)
    with pytest.raises(ValueError, match="no number"):
        C.published_number("n/a", 0)


@pytest.fixture(scope="module")
def claims():
    return C.read_claims()


def test_table_lists_every_claim_exactly_once(claims):
    ids = [c.claim_id for c in C.CLAIMS]
    assert len(ids) == len(set(ids)) == len(claims)
    assert sorted(ids) == sorted(claims["claim_id"])
    assert all(c.note for c in C.CLAIMS)  # a reason for every claim, addressed or not
    C.check_table(claims)


def test_unknown_missing_or_duplicate_ids_are_errors(claims):
    extra = C.CLAIMS + (C.Claim("XX-99", (), "invented"),)
    with pytest.raises(RawDataError, match="lacks: \\['XX-99'\\]"):
        C.check_table(claims, extra)
    with pytest.raises(RawDataError, match=r"row 2, field 'claim_id'.*AI-F-01"):
        C.check_table(claims, C.CLAIMS[1:])
    with pytest.raises(ValueError, match="listed twice"):
        C.check_table(claims, C.CLAIMS + C.CLAIMS[:1])


def test_quantity_pointing_at_missing_number_names_row_and_field(claims):
    bad = tuple(C.Claim(c.claim_id, (C.Quantity("x", 9, C.CountOf(C.Definition()), "count"),), c.note)
                if c.claim_id == "AI-F-06" else c for c in C.CLAIMS)
    row = int(claims.index[claims["claim_id"] == "AI-F-06"][0]) + 2
    with pytest.raises(RawDataError, match=f"row {row}, field 'quantity'"):
        C.check_table(claims, bad)


def test_read_claims_rejects_duplicate_id(tmp_path):
    text = C.CLAIMS_FILE.read_text(encoding="utf-8").splitlines()
    (tmp_path / "c.csv").write_text("\n".join(text[:3] + [text[2]]) + "\n", encoding="utf-8")
    with pytest.raises(RawDataError, match="c.csv, row 4, field 'claim_id'"):
        C.read_claims(tmp_path / "c.csv")


@pytest.mark.skipif(not (paths.PROCESSED / "victims.csv").exists(), reason="processed register absent")
def test_compare_on_processed_tables(claims):
    t = S.load_register()
    out = C.compare(claims, t)
    assert list(dict.fromkeys(out["claim_id"])) == list(claims["claim_id"])
    not_addr = out[out["status"] == "not_addressed"]
    assert not_addr["claim_id"].is_unique and not_addr["quantity"].isna().all()
    addr = out[out["status"] == "addressed"]
    assert set(addr["verdict"]) <= set(C.VERDICTS) and "consistent" not in out.columns
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
    # the Amnesty death share is notebook 04's known-only scenario over the certain clash deaths
    from analysis.stats import ethnic
    scope = S.Scope(contexts=("clash",), start="2022-12-07", end="2023-02-16", date_field="death")
    sc = ethnic.shares(t["victims"], t["departments"], scope)["scenarios"].loc["known_only"]
    a = addr[(addr["claim_id"] == "AI-F-01") & (addr["quantity"] == "death_share")].iloc[0]
    assert math.isclose(a["reproduced"], 100 * sc["death_share"])
    assert math.isclose(a["ci_low"], 100 * sc["death_share_low"])


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
    assert C.verdict(kind, published, qual, unit, value) == expected


def test_verdict_of_a_k_of_n_share_is_exact_only():
    assert C.verdict("share", 100 * 39 / 49, "exact", 1, 100 * 39 / 49, of_counts=True) == "reproduced exactly"
    assert C.verdict("share", 100 * 39 / 49, "exact", 1, 79.7, of_counts=True) == "not reproduced"


def test_rounding_unit_and_quote_qualifier_on_real_strings(claims):
    assert [C.rounding_unit(x, "count") for x in (50, 1200, 48, 0)] == [10, 100, 1, 1]
    assert C.rounding_unit(59.1, "share", "59.1%") == pytest.approx(0.1)
    assert C.rounding_unit(13, "share", "13") == 1
    quote = claims.set_index("claim_id")["quote"]
    assert C.quote_qualifier(quote["HRW-01"], 21) == "at_least"        # "at least 21 killings"
    assert C.quote_qualifier(quote["AI-W-01"], 1) == "exact"           # "one policeman", not the "1" of "1,400"
    assert C.quote_qualifier(quote["AI-W-01"], 50) == "exact"
    assert C.quote_qualifier("murieron más de 20 personas", 20) == "more_than"
    assert C.quote_qualifier("about 50 people", 50) == "about"


def test_difference_lists_persons_and_the_rest(reg):
    r = C.count(reg, C.Definition(contexts=("clash",), start="2023-01-09", cutoff="2023-01-09", events=("E07",)))
    persons, reasons = C.difference("count", 7, r)  # 2 certain, 3 possible, 1 near: 1 not in the register
    assert persons.split(" ; ") == ["V3", "V4", "V8", "U-C0001-1"]
    assert reasons.endswith("not in the register: 1 person(s) the source counts and no register person in or near "
                            "the scope can stand for")
    persons, reasons = C.difference("count", 1, r)  # published below the 2 certain
    assert persons == "" and reasons == "the register holds 1 more person(s) certainly in scope than published"


# ---------------------------------------------------------------- notebook 07 helpers moved into the package
def _comparison():
    """A compare()-shaped table: a count, a share with an interval, a share without one, a claim not addressed."""
    nan = float("nan")
    return pd.DataFrame({
        "claim_id": ["DP-09", "HRW-04", "HRW-04", "AI-F-09"],
        "status": ["addressed", "addressed", "addressed", "not_addressed"],
        "quantity": ["clash_deaths", "gunshot_share", "children", None],
        "kind": ["count", "share", "share", None],
        "reproduced": [38.0, 84.21, nan, nan], "ci_low": [nan, 68.75, nan, nan], "ci_high": [nan, 93.98, nan, nan],
        "range_low": [38.0, 80.0, nan, nan], "range_high": [50.0, 86.5, nan, nan],
        "n_certain": [38.0, 32.0, nan, nan], "n_possible": [50.0, 35.0, nan, nan],
        "verdict": ["not reproduced", "reproduced within the published rounding", "not reproduced", nan],
        "definition": ["civilians in clashes to 2023-03-06", "gunshot share", "children share", None],
    })


def test_prose_number_formats():
    assert C.fmt_number(38.0) == "38" and C.fmt_number(84.2149, 1) == "84.2" and C.fmt_number(2.5) == "2"
    assert C.fmt_number(None) == C.fmt_number(float("nan"), 1) == "n/a"
    r = C.addressed_row(C.addressed(_comparison()), "DP-09", "clash_deaths")
    assert C.fmt_range(r) == "38 certain, up to 50 possible"
    assert C.fmt_range(r.copy().replace({50.0: 38.0})) == "38"


def test_addressed_rows_and_lookup():
    addr = C.addressed(_comparison())
    assert addr["claim_id"].tolist() == ["DP-09", "HRW-04", "HRW-04"]
    assert C.verdict_counts(addr) == {"reproduced exactly": 0, "reproduced within the published rounding": 1,
                                      "not reproduced": 2}
    assert C.addressed_row(addr, "HRW-04", "gunshot_share")["reproduced"] == 84.21
    with pytest.raises(KeyError, match=r"AI-F-09.deaths: 0 rows"):
        C.addressed_row(addr, "AI-F-09", "deaths")
    with pytest.raises(KeyError, match="2 rows"):
        C.addressed_row(pd.concat([addr, addr]), "DP-09", "clash_deaths")


def test_record_reproduced_counts_and_shares():
    from analysis.numbers import Numbers

    n = Numbers("claims")
    C.record_reproduced(n, C.addressed(_comparison()))
    assert sorted(n.entries) == ["claims.DP-09.clash_deaths", "claims.DP-09.clash_deaths_possible",
                                 "claims.HRW-04.children", "claims.HRW-04.gunshot_share"]
    assert n.entries["claims.DP-09.clash_deaths_possible"]["value"] == 50
    count = n.entries["claims.DP-09.clash_deaths"]
    assert (count["value"], count["unit"], count["interval"]) == (38, "persons", [38.0, 50.0])
    assert isinstance(count["value"], int) and "civilians in clashes to 2023-03-06" in count["definition"]
    share = n.entries["claims.HRW-04.gunshot_share"]
    assert (share["value"], share["unit"], share["interval"]) == (84.21, "percent", [68.75, 93.98])
    assert share["definition"].endswith("(range over unknowns 80.0-86.5); reproduced within the published rounding")
    undefined = n.entries["claims.HRW-04.children"]  # no interval when the share is undefined, value null
    assert undefined["value"] is None and "interval" not in undefined
    assert undefined["definition"].endswith("(range over unknowns n/a-n/a); not reproduced")
