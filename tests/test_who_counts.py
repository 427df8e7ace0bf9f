"""Who counts, when and where (issue 8), on the real raw rows: date intervals and their bases, events as they
happened, context against cause, hand decisions, the reconciliation identity at every level, and the one scope.

Persons are found by name (display_name) so that the tests do not depend on id allocation.
"""
import shutil

import pandas as pd
import pytest

from analysis.register import hand, intervals, build as register, scope
from analysis.errors import RawDataError


@pytest.fixture(scope="module")
def reg():
    return register.build()


@pytest.fixture(scope="module")
def victims(reg):
    return reg.tables["victims"]


def person(victims, name):
    rows = victims[victims["display_name"].fillna("").str.contains(name, case=False)]
    assert len(rows) == 1, (name, rows["display_name"].tolist())
    return rows.iloc[0]


# ---- date bounds, one rule at a time ---------------------------------------------------------------------
def test_stated_date_is_a_point(victims):
    p = person(victims, "Samill")
    assert p["date_death_min"] == p["date_death_max"] == p["date_death"] == "2023-01-09"
    assert p["date_death_max_basis"] == "stated death date"


def test_event_window_bounds_the_injury(victims, reg):
    p = person(victims, "Sañudo")
    e = reg.tables["events"].set_index("event_id").loc[p["event_id"]]
    assert (p["date_injury_min"], p["date_injury_max"]) == (e["date_start"], e["date_end"])
    assert p["date_injury_min_basis"].startswith(f"injured at event {p['event_id']}")


def test_earliest_dated_report_bounds_an_unstated_death(victims):
    # EPA Noticias, 2023-01-09: "Víctimas en Juliaca […] Nelson Huber Vilca Condori (21)"
    p = person(victims, "Vilca Condori")
    assert pd.isna(p["date_death"])
    assert p["date_death_max"] == "2023-01-09"
    assert "epanoticias_20230109" in p["date_death_max_basis"]
    assert p["date_death_min"] == "2023-01-09"  # on or after the injury at the Juliaca event


def test_month_only_publication_bounds_to_month_end():
    assert intervals.report_bound("2023-01") == "2023-01-31"
    assert intervals.report_bound("2024-02") == "2024-02-29"
    assert intervals.report_bound("2023-01-09") == "2023-01-09"
    assert intervals.report_bound(None) is None


def test_hand_bound_applies_with_its_reason(victims):
    # El Destape: "las personas fallecidas durante las protestas del lunes pasado" (data/hand/date_bounds.csv)
    p = person(victims, "Eberth Mamani")
    assert p["date_death_min"] == p["date_death_max"] == "2023-01-09"
    assert p["date_death_max_basis"].startswith("hand:") and "eldestape_iml" in p["date_death_max_basis"]


def test_death_on_or_after_injury(victims):
    p = person(victims, "Flórez Valverde")  # shot 11 Jan in Cusco, died 21 Mar
    assert p["date_injury_max"] == "2023-01-11" and p["date_death_min"] == "2023-03-21"
    ident = victims[victims["identified"]]
    both = ident.dropna(subset=["date_injury_min", "date_death_min"])
    assert (both["date_death_min"] >= both["date_injury_min"]).all()
    bounded = ident.dropna(subset=["date_death_min", "date_death_max"])
    assert (bounded["date_death_min"] <= bounded["date_death_max"]).all()


def test_stated_date_later_than_a_report_is_kept_and_logged(victims, reg):
    p = person(victims, "López Amanqui")  # "el último martes" = 10 Jan; EPA listed him on 9 Jan
    assert p["date_death"] == "2023-01-10" == p["date_death_max"]
    notes = reg.log.to_frame()
    assert notes["detail"].str.contains(f"{p['victim_id']}: stated death 2023-01-10 is later than a report").any()


def test_contradicting_bounds_fail_with_the_person():
    class Log:
        def decision(self, *a, **k):
            pass
    p = {"victim_id": "V9999", "date_injury": "2023-01-20", "date_death": pd.NA}
    with pytest.raises(ValueError, match="V9999 injury bounds contradict"):
        intervals.person_bounds(p, [], {"event_id": "E99", "date_start": "2023-01-09", "date_end": "2023-01-10"}, [], Log())


# ---- events as they happened ---------------------------------------------------------------------------------
def test_merged_events_are_split(victims, reg):
    ev = reg.tables["events"].set_index("event_id")
    arcana, candamo, condori = (person(victims, n) for n in ("Miguel Arcana", "Candamo", "Condori Arcana"))
    assert len({arcana["event_id"], candamo["event_id"], condori["event_id"]}) == 3
    assert ev.loc[candamo["event_id"], "province"] == "Caravelí" and ev.loc[candamo["event_id"], "date_start"] == "2022-12-19"
    assert ev.loc[condori["event_id"], "date_start"] == "2023-01-19"
    huaman, sanchez = person(victims, "Huamán Cabrera"), person(victims, "Sánchez Huaynacari")
    assert huaman["event_id"] != sanchez["event_id"]
    assert ev.loc[sanchez["event_id"], "date_start"] == "2023-01-20"


def test_no_blockade_death_in_a_clash_event(victims, reg):
    clash_events = set(reg.tables["events"].query("type == 'clash'")["event_id"])
    inside = victims[victims["event_id"].isin(clash_events)]
    assert set(inside["context"]) <= {"clash", "police_officer", "unknown"}
    assert (victims["context"] == "blockade").sum() > 0


def test_every_event_documented_with_sources(reg):
    ev = reg.tables["events"]
    assert ev["event_id"].is_unique and ev["source_ids"].notna().all() and ev["evidence"].notna().all()
    assert (ev["date_start"] <= ev["date_end"]).all()


# ---- context against cause -------------------------------------------------------------------------------------
def test_traffic_accident_is_not_a_clash_on_a_keyword(victims):
    # EFE: "en un accidente de tránsito producido en una vía afectada por enfrentamientos"
    p = person(victims, "Marizel")
    assert p["cause"] == "traffic_accident" and p["context"] == "other"
    assert p["context_basis"].startswith("rule: cause traffic_accident")


def test_context_from_a_list_of_the_event_dead(victims):
    for name in ("Vilca Condori", "Mamani Muchica"):
        p = person(victims, name)
        assert p["context"] == "clash" and "listed among the dead of clash event" in p["context_basis"]
        assert p["department"] == "Puno"  # Mamani Muchica has no place in any source: the event's place


def test_no_clash_death_lacks_a_department(victims):
    clash = victims[victims["context"] == "clash"]
    assert clash["department"].notna().all()


# ---- reconciliation identity at every level ------------------------------------------------------------------------
def latest_national(reg):
    t = reg.tables["reconciliation_identity"]
    nat = t[t["level"] == "national"]
    return nat[nat["as_of"] == nat["as_of"].max()].set_index("category")


def test_identity_exact_at_latest_snapshot(reg):
    """Every cell of the latest snapshot holds exactly but national clash, where the sources conflict by one
    person: the Defensoría's clash count rose by 1 between 25 Jan (46, reproduced exactly) and March (47), while
    two clash deaths of the register fall in between (Lima 28 Jan, Aymaraes 9 Feb)."""
    latest = latest_national(reg)
    assert len(latest) >= 4
    assert (latest.drop(index="clash")["holds"] == "exactly").all(), latest
    clash = latest.loc["clash"]
    assert clash["total_certain"] - clash["count"] == 1 and clash["holds"] == "no"


def test_clash_conflict_is_between_the_last_two_snapshots(reg, victims):
    t = reg.tables["reconciliation_identity"]
    jan = t[(t["level"] == "national") & (t["category"] == "clash") & (t["as_of"] == "2023-01-25")].iloc[0]
    assert jan["holds"] == "exactly"
    between = victims[victims["context"].eq("clash") & victims["date_death_min"].gt("2023-01-25")
                      & victims["date_death_max"].le(latest_national(reg).loc["clash", "as_of"])]
    assert sorted(between["department"]) == ["Apurímac", "Lima"]


def test_identity_recomputed_independently(reg, victims):
    """Each national cell at the latest snapshot: persons of the cell's context whose death is certainly on or
    before the as-of day (identified and unidentified alike) equal the published count."""
    latest = latest_national(reg).reset_index()
    for cell in latest.itertuples():
        mask = victims["context"].eq(cell.category) & victims["date_death_max"].fillna("9999").le(cell.as_of)
        if cell.geo != "national":
            mask &= victims["department"].eq(cell.geo)
        assert int(mask.sum()) == cell.total_certain, cell
        assert (int(mask.sum()) == cell.count) == (cell.holds == "exactly"), cell


def test_earlier_national_clash_snapshots_within_two(reg):
    t = reg.tables["reconciliation_identity"]
    clash = t[(t["level"] == "national") & (t["category"] == "clash")]
    assert len(clash) >= 5
    assert ((clash["total_certain"] - clash["count"]).abs() <= 2).all(), clash


def test_juliaca_event_counts(reg, victims):
    """17 dead of the 9 January event as of 10 Jan and 18 as of 12 Jan are reproduced exactly."""
    t = reg.tables["reconciliation_identity"].query("level == 'event'").set_index("count_id")
    assert set(t.index) == {"C0057", "C0061"} and (t["holds"] == "exactly").all()
    for cid in t.index:
        cell = t.loc[cid]
        in_event = victims["event_id"].eq(cell["event_id"]) & victims["context"].eq("clash")
        certain = in_event & victims["date_death_max"].fillna("9999").le(cell["as_of"])
        possible = in_event & victims["date_death_min"].fillna("0000").le(cell["as_of"])
        assert int(certain.sum()) <= cell["count"] <= int(possible.sum())
        assert cell["total_certain"] == int(certain.sum())
    unid = victims[~victims["identified"] & victims["event_id"].notna()]
    assert len(unid) == 2 and (unid["department"] == "Puno").all()
    assert (unid["date_death_max"] == "2023-01-10").all()  # the window of the 17-count that requires them


def test_ninth_of_january_is_the_deadliest_day(victims):
    certain = victims[victims["date_death_min"].notna() & victims["date_death_min"].eq(victims["date_death_max"])]
    by_day = certain.groupby("date_death_min").size()
    assert by_day.idxmax() == "2023-01-09" and by_day.max() > by_day.drop("2023-01-09").max()


# ---- hand decisions are data ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(hand.SPECS))
def test_every_hand_file_validates(name):
    df = hand.read(name)
    assert list(df.columns) == list(hand.SPECS[name])


def test_bad_hand_row_names_file_row_field(tmp_path):
    d = tmp_path / "hand"
    shutil.copytree(hand.HAND, d)
    path = d / "date_bounds.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace("2023-01-09", "2023-02-30", 1)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(RawDataError, match=r"date_bounds\.csv, row 3, field 'value'.*not a real date"):
        hand.read("date_bounds", d)


def test_every_hand_decision_is_applied_and_logged(reg):
    log = reg.log.to_frame()
    for mid in hand.read("mention_codings")["mention_id"]:
        assert ((log["ref"] == mid) & log["step"].eq("hand")).any(), mid
    bounded = log[log["step"].eq("intervals") & log["detail"].str.contains("hand:")]
    for mid in hand.read("date_bounds")["mention_id"]:
        vid = reg.tables["mentions_linked"].set_index("mention_id").loc[mid, "victim_id"]
        assert bounded["ref"].eq(vid).any(), mid


# ---- one scope ------------------------------------------------------------------------------------------------------------
def test_select_certain_within_possible(victims):
    s = scope.select(victims, scope.Scope(contexts=("clash",), end="2023-01-09"))
    assert set(s.certain["victim_id"]) <= set(s.possible["victim_id"])
    in_ctx = victims[victims["context"] == "clash"]
    assert len(s.possible) + len(s.outside) == len(in_ctx)
    straddle = person(victims, "Mamani Hancco")  # died 9 or 10 January
    assert (straddle["date_death_min"], straddle["date_death_max"]) == ("2023-01-09", "2023-01-10")
    assert straddle["victim_id"] in set(s.uncertain["victim_id"])


def test_scope_rejects_unknown_values():
    with pytest.raises(ValueError, match="unknown context"):
        scope.Scope(contexts=("clsh",))
    with pytest.raises(ValueError):
        scope.Scope(end="2023-02-30")


def test_load_register_types(tmp_path, reg):
    register.write(reg, tmp_path)
    t = scope.load_register(tmp_path)
    assert t["victims"]["identified"].dtype == bool
    assert len(t["victims"]) == len(reg.tables["victims"])


def test_period_start_is_the_weakest_lower_bound(victims):
    assert (victims["date_injury_min"] >= intervals.PERIOD_START).all()
    assert (victims["date_death_min"] >= intervals.PERIOD_START).all()
    # the woman of La Libertad (EFE, "confirmada por la Policía") has no date but the protests' start
    woman = victims[victims["department"].eq("La Libertad") & victims["context"].eq("unknown") & victims["identified"]]
    assert len(woman) == 1 and woman["date_injury_min_basis"].iloc[0] == intervals.PERIOD_BASIS


def test_unidentified_records_carry_the_department_code(victims):
    unid = victims[~victims["identified"] & victims["department"].notna()]
    ident = victims[victims["identified"]].dropna(subset=["ubigeo_dep"])
    codes = dict(zip(ident["department"], ident["ubigeo_dep"]))
    assert len(unid) > 0 and (unid["ubigeo_dep"] == unid["department"].map(codes)).all()
