"""analysis.claims: scope counting with unknowns, shares with exact intervals, the claims table against the file."""
import math

import pandas as pd
import pytest
from scipy import stats

from analysis import claims as C
from analysis import paths
from analysis.errors import RawDataError

COLS = ["victim_id", "identified", "age_years", "date_death", "department", "ubigeo_dep", "event_id", "context",
        "cause", "wound", "count_as_of"]
# A small register: every filter has a known-in, known-out and unknown case.
ROWS = [
    # id     ident   age   date          dep        code  event  context           cause                 wound     as_of
    ("V1", "True", "15", "2023-01-09", "Puno", "21", "E07", "clash", "firearm_projectile", "thorax", ""),
    ("V2", "True", "30", "2023-01-09", "Puno", "21", "E07", "clash", "firearm_projectile", "head", ""),
    ("V3", "True", "", "", "Puno", "21", "E07", "clash", "unknown", "unknown", ""),       # undated, event E07
    ("V4", "True", "22", "2023-01-12", "Puno", "21", "E07", "clash", "pellets", "back", ""),
    ("V5", "True", "40", "2023-01-10", "Puno", "21", "E07", "police_officer", "other", "unknown", ""),
    ("V6", "True", "19", "2022-12-15", "Ayacucho", "05", "E05", "clash", "firearm_projectile", "abdomen", ""),
    ("V7", "True", "", "2022-12-20", "Cusco", "08", "", "blockade", "traffic_accident", "not_applicable", ""),
    ("V8", "True", "55", "", "", "", "", "unknown", "unknown", "unknown", ""),               # knows nothing
    ("U-C0001-1", "False", "", "", "", "", "", "clash", "unknown", "unknown", "2023-01-20"),  # count as of 20 Jan
]
EVENTS = pd.DataFrame({"event_id": ["E05", "E07"], "date_start": ["2022-12-15", "2023-01-09"],
                       "date_end": ["2022-12-21", "2023-01-12"]})


@pytest.fixture
def reg():
    return pd.DataFrame(ROWS, columns=COLS)


def _tables(reg):
    return {"victims": reg, "events": EVENTS}


# ---------------------------------------------------------------- dates and three-valued filters
def test_death_window_uses_event_start_and_count_as_of(reg):
    w = C.death_window(reg, EVENTS).set_axis(reg["victim_id"])
    assert w.loc["V3", "earliest"] == pd.Timestamp("2023-01-09") and pd.isna(w.loc["V3", "latest"])
    assert pd.isna(w.loc["U-C0001-1", "earliest"]) and w.loc["U-C0001-1", "latest"] == pd.Timestamp("2023-01-20")
    assert w.loc["V1", "earliest"] == w.loc["V1", "latest"] == pd.Timestamp("2023-01-09")
    assert w.loc["V8"].isna().all()


def test_count_separates_certain_from_possible(reg):
    # civilians in clashes to 10 Jan: V1, V2, V6 certain; V3 (undated, E07 started 9 Jan), V8 (no context or date)
    # and U-C0001-1 (died by 20 Jan, maybe before 10 Jan) possible; V4 died 12 Jan: out.
    r = C.count(reg, C.Scope(contexts=("clash",), cutoff="2023-01-10"), EVENTS)
    assert (r.value, r.low, r.high) == (3, 3, 6)
    assert "3 with unknown date" in r.unknown_note and "1 with unknown context" in r.unknown_note
    # a cut-off after the count's as-of date makes the unidentified record certain
    r = C.count(reg, C.Scope(contexts=("clash",), cutoff="2023-01-31"), EVENTS)
    assert (r.value, r.high) == (5, 7)


def test_count_on_one_day_and_event(reg):
    # Juliaca (E07) on 9 Jan: V1, V2 certain; V3 (E07, undated) possible; V8 and U (event unknown, undated) possible
    r = C.count(reg, C.Scope(contexts=("clash",), start="2023-01-09", cutoff="2023-01-09", events=("E07",)), EVENTS)
    assert (r.value, r.high) == (2, 5)
    # without the events table V3's earliest date is open: still possible, same bounds
    assert C.count(reg, C.Scope(contexts=("clash",), start="2023-01-09", cutoff="2023-01-09",
                                events=("E07",))).high == 5


def test_count_minors_and_wound_sites(reg):
    r = C.count(reg, C.Scope(age=(0, 17)))
    assert (r.value, r.high) == (1, 4)  # V1 known 15; V3, V7, U unknown age
    torso = C.count(reg, C.Scope(contexts=("clash",), causes=("firearm_projectile",), wounds=("thorax", "abdomen")))
    assert (torso.value, torso.high) == (2, 5)  # V1, V6; V3, U and V8 (unknown context too) possible
    # not_applicable is a known non-site: the blockade death V7 is never a possible torso wound
    assert C.count(reg, C.Scope(wounds=("thorax", "abdomen"))).high == 6  # V1, V6 + unknown V3, V5, V8, U


def test_share_exact_interval_and_bounds(reg):
    base = C.Scope(contexts=("clash",), cutoff="2023-01-31")
    r = C.share(reg, base, C.Scope(causes=("firearm_projectile",)), EVENTS)
    # certain base: V1, V2, V4, V6, U (V3 undated: only possibly before 31 Jan); known cause: V1, V2, V4, V6
    # → 3 firearm of 4 known; U unknown
    ci = stats.binomtest(3, 4).proportion_ci(method="exact")
    assert r.value == pytest.approx(75.0)
    assert (r.low, r.high) == (pytest.approx(100 * ci.low), pytest.approx(100 * ci.high))
    assert (r.bound_low, r.bound_high) == (pytest.approx(60.0), pytest.approx(80.0))
    assert r.unknown_note == "1 of 5 with unknown cause"


def _reference_count(reg, scope, events):
    """Independent row-by-row reading of a scope: (certain, possible) persons."""
    starts = dict(zip(events["event_id"], events["date_start"]))
    certain = possible = 0
    for p in reg.to_dict("records"):
        verdicts = []
        def member(v, allowed):
            return None if v in ("", "unknown") else v in allowed
        if scope.contexts:
            verdicts.append(member(p["context"], scope.contexts))
        if scope.departments:
            verdicts.append(member(p["department"], scope.departments))
        if scope.events:
            verdicts.append(member(p["event_id"], scope.events))
        if scope.causes:
            verdicts.append(member(p["cause"], scope.causes))
        if scope.wounds:
            verdicts.append(member(p["wound"], scope.wounds))
        if scope.age:
            verdicts.append(None if p["age_years"] == "" else scope.age[0] <= int(p["age_years"]) <= scope.age[1])
        if scope.start or scope.cutoff:
            lo = p["date_death"] or starts.get(p["event_id"], "")
            hi = p["date_death"] or p["count_as_of"]
            v = True
            if scope.start:
                v = False if hi and hi < scope.start else (v if lo and lo >= scope.start else None)
            if scope.cutoff and v is not False:
                v = False if lo and lo > scope.cutoff else (v if hi and hi <= scope.cutoff else None)
            verdicts.append(v)
        certain += all(v is True for v in verdicts)
        possible += all(v is not False for v in verdicts)
    return certain, possible


def test_every_count_quantity_matches_reference_on_synthetic_register(reg):
    n = 0
    for claim in C.CLAIMS:
        for q in claim.quantities:
            if isinstance(q.compute, C.CountOf):
                r = q.compute(_tables(reg))
                assert (r.value, r.high) == _reference_count(reg, q.compute.scope, EVENTS), (claim.claim_id, q.name)
                n += 1
    assert n > 50


def test_named_claims_on_synthetic_register(reg):
    by = {c.claim_id: {q.name: q for q in c.quantities} for c in C.CLAIMS}
    t = _tables(reg)
    # AI-F-10: Juliaca on 9 Jan: V1, V2 certain; V3, V8, U possible
    r = by["AI-F-10"]["juliaca_deaths_9jan"].compute(t)
    assert (r.value, r.high) == (2, 5)
    # AI-F-06 police officers to 16 Feb: V5; V8 (unknown context, undated) possible
    r = by["AI-F-06"]["police_deaths"].compute(t)
    assert (r.value, r.high) == (1, 2)
    # MP-05 minors in clashes to 31 Mar: V1 (15); V3 and U unknown age; V8 unknown context, age 55 → out
    r = by["MP-05"]["minors_killed"].compute(t)
    assert (r.value, r.high) == (1, 3)
    # HRW-04 gunshot share to 28 Feb: certain clash base V1 V2 V4 V6 U; firearm V1 V2 V6 of known 4
    r = by["HRW-04"]["gunshot_share"].compute(t)
    assert r.value == pytest.approx(75.0)


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
    bad = tuple(C.Claim(c.claim_id, (C.Quantity("x", 9, C.CountOf(C.Scope()), "count"),), c.note)
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
    t = {"victims": pd.read_csv(paths.PROCESSED / "victims.csv", dtype=str, keep_default_na=False),
         "events": pd.read_csv(paths.PROCESSED / "events.csv", dtype=str, keep_default_na=False),
         "departments": pd.read_csv(paths.PROCESSED / "departments.csv", dtype={"ubigeo_dep": str})}
    out = C.compare(claims, t)
    assert list(dict.fromkeys(out["claim_id"])) == list(claims["claim_id"])
    not_addr = out[out["status"] == "not_addressed"]
    assert not_addr["claim_id"].is_unique and not_addr["quantity"].isna().all()
    addr = out[out["status"] == "addressed"]
    assert (addr["reason"].str.len() > 0).all()
    assert (addr["consistent"] == addr["reason"].str.startswith("consistent")).all()
    counts = addr[addr["kind"] == "count"]
    assert (counts["range_low"] <= counts["range_high"]).all()
    assert ((counts["reproduced"] % 1) == 0).all()
    # the published value is the number printed in the file
    row = addr[(addr["claim_id"] == "DP-13") & (addr["quantity"] == "clash_deaths")].iloc[0]
    assert (row["published_raw"], row["published"]) == ("48 -> 49", 49.0)
    assert row["difference"] == row["published"] - row["reproduced"]
    # the Amnesty death share is notebook 04's known-only scenario
    from analysis.stats import ethnic
    sc = ethnic.shares(t["victims"], t["departments"], contexts=("clash",), cutoff_date="2023-02-16",
                       start_date="2022-12-07")["scenarios"].loc["known_only"]
    a = addr[(addr["claim_id"] == "AI-F-01") & (addr["quantity"] == "death_share")].iloc[0]
    assert math.isclose(a["reproduced"], 100 * sc["death_share"])
    assert math.isclose(a["ci_low"], 100 * sc["death_share_low"])


def test_reason_rules():
    r = C.Result(38, 38, 50, 38, 50, "12 with unknown date", "x")
    assert C._reason("count", 48, "exact", r, "rule")[0] is True
    fits, text = C._reason("count", 66, "exact", r, "soldiers rule")
    assert not fits and text.startswith("published above") and text.endswith("12 with unknown date; soldiers rule")
    assert C._reason("count", 30, "exact", r, "")[1].startswith("published below")
    assert C._reason("count", 60, "more_than", r, "")[0] is False and C._reason("count", 45, "at_least", r, "")[0]
    s = C.Result(84.2, 68.7, 94.0, 84.2, 84.2, "", "x")  # a share: the exact interval counts
    assert C._reason("share", 79.6, "exact", s, "")[0] and not C._reason("share", 60.0, "exact", s, "")[0]


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
        "consistent": [True, False, False, nan], "definition": ["civilians in clashes to 2023-03-06", "gunshot share",
                                                                "children share", None],
    })


def test_prose_number_formats():
    assert C.fmt_number(38.0) == "38" and C.fmt_number(84.2149, 1) == "84.2" and C.fmt_number(2.5) == "2"
    assert C.fmt_number(None) == C.fmt_number(float("nan"), 1) == "n/a"
    r = C.addressed_row(C.addressed(_comparison()), "DP-09", "clash_deaths")
    assert C.fmt_range(r) == "38–50"


def test_addressed_rows_and_lookup():
    addr = C.addressed(_comparison())
    assert addr["claim_id"].tolist() == ["DP-09", "HRW-04", "HRW-04"]
    assert addr["consistent"].dtype == bool and addr["consistent"].tolist() == [True, False, False]
    assert C.addressed_row(addr, "HRW-04", "gunshot_share")["reproduced"] == 84.21
    with pytest.raises(KeyError, match=r"AI-F-09.deaths: 0 rows"):
        C.addressed_row(addr, "AI-F-09", "deaths")
    with pytest.raises(KeyError, match="2 rows"):
        C.addressed_row(pd.concat([addr, addr]), "DP-09", "clash_deaths")


def test_record_reproduced_counts_and_shares():
    from analysis.numbers import Numbers

    n = Numbers("claims")
    C.record_reproduced(n, C.addressed(_comparison()))
    assert sorted(n.entries) == ["claims.DP-09.clash_deaths", "claims.HRW-04.children", "claims.HRW-04.gunshot_share"]
    count = n.entries["claims.DP-09.clash_deaths"]
    assert (count["value"], count["unit"], count["interval"]) == (38, "persons", [38.0, 50.0])
    assert isinstance(count["value"], int) and "civilians in clashes to 2023-03-06" in count["definition"]
    share = n.entries["claims.HRW-04.gunshot_share"]
    assert (share["value"], share["unit"], share["interval"]) == (84.21, "percent", [68.75, 93.98])
    assert share["definition"].endswith("(range over unknowns 80.0-86.5)")
    undefined = n.entries["claims.HRW-04.children"]  # no interval when the share is undefined, value null
    assert undefined["value"] is None and "interval" not in undefined
    assert undefined["definition"].endswith("(range over unknowns n/a-n/a)")
