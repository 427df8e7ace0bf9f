"""Counts under tenures, emergencies and command periods; repetition measures and exact intervals."""
import datetime as dt
import random

import pandas as pd
import pytest
from scipy import stats

from analysis import paths
from analysis.register import scope as S
from analysis.report import text
from analysis.tasks import command as task
from analysis.tasks.command import emergency, repetition, tables, tally
from analysis.tasks.command.deaths import counts, death_frame, scope_frames
from analysis.stats.exact import poisson_ci

D = dt.date
ONE = dt.timedelta(days=1)


def tenure(role, person, s_lo, s_hi, e_lo=None, e_hi=None):
    return {"role": role, "person": person, "start_earliest": s_lo, "start_latest": s_hi,
            "end_earliest": e_lo, "end_latest": e_hi, "open": e_lo is None}


def deaths(rows):
    """death_frame-like rows; a row's first item is a day or an (lo, hi) interval."""
    out = []
    for i, r in enumerate(rows):
        lo, hi = r[0] if isinstance(r[0], tuple) else (r[0], r[0])
        out.append({"victim_id": f"V{i:03d}", "lo": lo, "hi": hi, "day": lo if lo == hi else None,
                    "department": r[1], "province": r[2] if len(r) > 2 else "", "district": "",
                    "event_id": r[3] if len(r) > 3 else "", "context": "clash",
                    "force": r[4] if len(r) > 4 else "police",
                    "in_scope": "certain"})
    return pd.DataFrame(out)


def test_boundary_day_belongs_to_the_successor():
    t = pd.DataFrame([tenure("Interior", "A", D(2023, 1, 1), D(2023, 1, 1), D(2023, 1, 13), D(2023, 1, 13)),
                      tenure("Interior", "B", D(2023, 1, 13), D(2023, 1, 13))])
    days = [D(2023, 1, 12), D(2023, 1, 13), D(2023, 1, 13)]
    out = tally.under_tenures(t, days).set_index("person")
    assert (out.loc["A", "deaths_min"], out.loc["A", "deaths_max"]) == (1, 1)
    assert (out.loc["B", "deaths_min"], out.loc["B", "deaths_max"]) == (2, 2)


def test_month_only_boundary_gives_a_range():
    t = pd.DataFrame([tenure("R", "A", D(2022, 12, 1), D(2022, 12, 1), D(2023, 1, 1), D(2023, 1, 31))])
    out = tally.under_tenures(t, [D(2022, 12, 31), D(2023, 1, 15), D(2023, 2, 1)]).iloc[0]
    assert (out.deaths_min, out.deaths_max) == (1, 2)


def test_under_tenures_matches_day_by_day_loop():
    rng = random.Random(7)
    base = D(2022, 12, 1)
    days = [base + dt.timedelta(days=rng.randrange(0, 120)) for _ in range(200)]
    recs = []
    for i in range(25):
        s = base + dt.timedelta(days=rng.randrange(-10, 100))
        s2 = s + dt.timedelta(days=rng.choice([0, 0, 1, 30]))
        if rng.random() < 0.2:
            recs.append(tenure("R", f"P{i}", s, s2))
        else:
            e = s2 + dt.timedelta(days=rng.randrange(1, 60))
            recs.append(tenure("R", f"P{i}", s, s2, e, e + dt.timedelta(days=rng.choice([0, 0, 2, 29]))))
    t = pd.DataFrame(recs)
    got = tally.under_tenures(t, days)
    far = D(2100, 1, 1)
    for rec, row in zip(recs, got.itertuples()):
        certain = possible = 0
        for d in days:
            end_e = rec["end_earliest"] or far
            end_l = rec["end_latest"] or far
            certain += rec["start_latest"] <= d and not d >= end_e
            possible += rec["start_earliest"] <= d and not d >= end_l
        assert (row.deaths_min, row.deaths_max) == (certain, possible)


def test_in_window_keeps_open_and_overlapping_tenures():
    t = pd.DataFrame([tenure("R", "old", D(2020, 1, 1), D(2020, 1, 1), D(2022, 12, 7), D(2022, 12, 7)),
                      tenure("R", "now", D(2022, 12, 7), D(2022, 12, 7)),
                      tenure("R", "later", D(2023, 4, 1), D(2023, 4, 1))])
    assert tally.in_window(t, D(2022, 12, 7), D(2023, 3, 31)).person.tolist() == ["now"]


@pytest.fixture(scope="module")
def timeline():
    """The command timeline's tables as the task reads them from the register (data/processed/)."""
    spec = task.spec(**task.TASK.params)
    return task.inputs(spec, paths.PROCESSED, paths.OUTPUTS)["timeline"]


@pytest.fixture(scope="module")
def measures(timeline):
    return timeline["command_measures"]


@pytest.mark.parametrize("day, dep, prov, expected", [
    (D(2022, 12, 15), "Ayacucho", "Huamanga", "under"),          # national DS 143-2022-PCM
    (D(2022, 12, 15), "", "", "under"),                          # national: place not needed
    (D(2022, 12, 14), "Ayacucho", "Huamanga", "not under"),      # the day before DS 143 applies
    (D(2023, 1, 28), "Lima", "Lima", "under"),                   # DS 009-2023-PCM
    (D(2023, 2, 20), "Lima", "Lima", "not under"),               # DS 009 ended 13 Feb
    (D(2023, 1, 20), "Ica", "", "unknown (place missing)"),      # Ica only by province
    (D(2023, 1, 20), "Ica", "Ica", "under"),
    (D(2023, 2, 7), "Ica", "Ica", "uncertain (date at a boundary)"),  # DS 141/142 end 5..11 Feb
    (None, "Puno", "", "unknown (date missing)"),
    (D(2023, 3, 5), "Puno", "El Collao", "under"),               # DS 018-2023-PCM
])
def test_emergency_status(measures, day, dep, prov, expected):
    assert emergency.status_on(measures, day, dep, prov)[0] == expected


def test_command_periods_and_force_totals():
    t = pd.DataFrame([tenure("PNP", "A", D(2022, 1, 1), D(2022, 1, 1), D(2023, 3, 20), D(2023, 3, 21)),
                      tenure("PNP", "B", D(2023, 3, 21), D(2023, 3, 21)),
                      tenure("Int", "X", D(2022, 12, 1), D(2022, 12, 1), D(2023, 1, 13), D(2023, 1, 13)),
                      tenure("Int", "Y", D(2023, 1, 13), D(2023, 1, 13))])
    p = tally.command_periods(t, ["PNP", "Int"], D(2022, 12, 7), D(2023, 3, 31))
    assert p.start.tolist() == [D(2022, 12, 7), D(2023, 1, 13), D(2023, 3, 20), D(2023, 3, 21)]
    assert p.PNP.tolist()[2] == "A (change date uncertain)"  # A may have left; B not yet in
    assert p.Int.tolist() == ["X", "Y", "Y", "Y"]
    d = deaths([(D(2022, 12, 15), "Ayacucho", "", "", "army"), (D(2023, 1, 9), "Puno"), (D(2023, 1, 13), "Puno"),
                (D(2023, 3, 20), "Puno", "", "", "unknown"), (D(2023, 3, 21), "Cusco")])
    f = tally.by_force_per_period(p, d, ["police", "army", "unknown"])
    assert f.total.tolist() == [2, 1, 1, 1] and f.army.tolist() == [1, 0, 0, 0]


def test_observed_counts_use_region_and_seen_dates():
    obs = pd.DataFrame([{"role": "Head Puno", "person": "P", "region": "Puno", "date_raw": "2023-01",
                         "points": ((D(2023, 1, 1), D(2023, 1, 31)),), "row": 9}])
    d = deaths([(D(2023, 1, 9), "Puno"), (D(2023, 1, 31), "Puno"), (D(2023, 2, 1), "Puno"), (D(2023, 1, 9), "Cusco")])
    out = tally.observed_counts(obs, d)
    assert out.deaths_on_seen_dates_min.tolist() == out.deaths_on_seen_dates_max.tolist() == [2]


# ---- repetition --------------------------------------------------------------------------------------
def synthetic_events():
    base = D(2023, 1, 1)
    rows = [(base, "Puno", "", "E1"), (base, "Puno", "", "E1"), (base + 3 * ONE, "Cusco"),
            (base + 10 * ONE, "Lima", "", "E2"), (base + 12 * ONE, "Lima", "", "E2"), (base + 50 * ONE, "Puno")]
    return repetition.lethal_events(deaths(rows))


def test_lethal_events_grouping():
    ev = synthetic_events()
    assert ev.event_key.tolist() == ["E1", "Cusco 2023-01-04", "E2", "Puno 2023-02-20"]
    assert ev.deaths.tolist() == [2, 1, 2, 1] and ev.date.iloc[2] == D(2023, 1, 11)  # earliest death of E2
    assert ev.label.tolist() == ev.event_key.tolist()  # no labels given: the key


def test_lethal_event_dates_from_intervals():
    d = deaths([((D(2023, 1, 9), D(2023, 1, 10)), "Puno", "", "E7"), ((D(2023, 1, 10), D(2023, 1, 12)), "Puno", "",
                                                                      "E7"),
                ((D(2023, 1, 20), D(2023, 1, 21)), "Ica"), ((None, D(2023, 1, 2)), "Ica")])
    ev = repetition.lethal_events(d, {"E7": "Juliaca"})
    # E7's first death happened within [9 Jan, 10 Jan]; a death without a lower bound is in no event
    assert ev[["event_key", "label", "date", "date_latest", "deaths"]].values.tolist() == [
        ["E7", "Juliaca", D(2023, 1, 9), D(2023, 1, 10), 2],
        ["Ica 2023-01-20", "Ica 2023-01-20", D(2023, 1, 20), D(2023, 1, 21), 1]]
    (m,) = repetition.mass_followups(ev, 2, D(2023, 3, 31), 30)
    assert (m["label"], m["days_to_next"], m["next_event_label"]) == ("Juliaca", 10, "Ica 2023-01-20")  # from 10 Jan


def test_follow_up_on_synthetic_series():
    ev = synthetic_events()
    f = repetition.follow_up(ev, D(2023, 1, 4), D(2023, 3, 31), 30)
    assert (f["next_event"], f["days_to_next"]) == ("E2", 7)
    assert (f["events_after"], f["deaths_after"], f["events_30d"], f["deaths_30d"]) == (2, 3, 1, 2)
    assert not f["horizon_30d_truncated"]
    last = repetition.follow_up(ev, D(2023, 2, 20), D(2023, 3, 1), 30)
    assert last["days_to_next"] is None and last["events_after"] == 0 and last["horizon_30d_truncated"]


def test_rates_around_exact_intervals():
    ev = synthetic_events()
    r = repetition.rates_around(ev, D(2023, 1, 4), D(2023, 1, 5), D(2023, 1, 1), D(2023, 3, 31))
    assert (r["before_days"], r["before_events"]) == (3, 1)    # 1-3 Jan; the anchor days 4-5 Jan excluded
    assert (r["after_days"], r["after_events"]) == (85, 2)     # 6 Jan - 31 Mar
    lo, hi = poisson_ci(2)
    assert r["after_rate"] == pytest.approx(2 / 85)
    assert (r["after_low"], r["after_high"]) == pytest.approx((lo / 85, hi / 85))
    garwood = stats.chi2.ppf([0.025, 0.975], [2, 4]) / 2 / 3  # k=1 over 3 days, computed independently
    assert (r["before_low"], r["before_high"]) == pytest.approx(tuple(garwood))
    ci = stats.binomtest(2, 3).proportion_ci(method="exact")
    assert r["rate_ratio"] == pytest.approx((2 / 85) / (1 / 3))
    assert r["rate_ratio_low"] == pytest.approx(ci.low / (1 - ci.low) * 3 / 85)
    w = repetition.rates_around(ev, D(2023, 1, 4), D(2023, 1, 4), D(2023, 1, 1), D(2023, 3, 31), days=7)
    assert (w["before_from"], w["after_to"], w["after_events"]) == (D(2023, 1, 1), D(2023, 1, 11), 1)


def test_rate_without_days_is_nan():
    import math
    assert all(math.isnan(x) for x in repetition.poisson_rate(0, 0))
    assert all(math.isnan(x) for x in repetition.rate_ratio(0, 10, 0, 10))


# ---- the persons of a scope -----------------------------------------------------------------------------
def register_rows(rows):
    """Register-like rows: (id, context, injury_min, injury_max, death_min, death_max, event, department)."""
    cols = ["victim_id", "context", "date_injury_min", "date_injury_max", "date_death_min", "date_death_max",
            "event_id", "department"]
    v = pd.DataFrame([dict(zip(cols, r)) for r in rows], columns=cols)
    for c in cols[2:6]:
        v[c] = v[c].replace("", None)
    return v.assign(province="", district="", force="police")


V = register_rows([
    ("V1", "clash", "2023-01-09", "2023-01-09", "2023-01-09", "2023-01-09", "E07", "Puno"),
    ("V2", "clash", "2023-01-09", "2023-01-10", "2023-01-09", "", "E07", "Puno"),            # death unbounded above
    ("V3", "blockade", "2023-01-09", "2023-01-09", "2023-01-09", "2023-01-09", "", "Puno"),
    ("V4", "clash", "2023-05-01", "2023-05-01", "2023-05-01", "2023-05-01", "", "Puno"),      # after the window
    ("V5", "clash", "2023-01-11", "2023-01-11", "2023-03-21", "2023-03-21", "E08", "Cusco"),  # shot 11 Jan, died 21 Mar
    ("V6", "clash", "2023-03-30", "2023-04-02", "2023-03-30", "2023-04-02", "", "Lima"),      # straddles the end
    ("V7", "clash", "", "", "", "", "", ""),                                                  # no bound at all
])


def test_scope_frames_count_certain_and_bound_with_possible():
    sc = S.Scope(contexts=("clash",), start="2022-12-07", end="2023-03-31", date_field="injury")
    counted, maybe, sel = scope_frames(V, sc)
    assert counted.victim_id.tolist() == ["V1", "V2", "V5"] and set(counted.in_scope) == {"certain"}
    assert maybe.victim_id.tolist() == ["V6", "V7"] and set(maybe.in_scope) == {"possible"}
    # clipped to the window: V6 possibly 30-31 Mar, V7 anywhere in it; V2 injured 9 or 10 Jan
    m = maybe.set_index("victim_id")
    assert (m.loc["V6", "lo"], m.loc["V6", "hi"]) == (D(2023, 3, 30), D(2023, 3, 31))
    assert (m.loc["V7", "lo"], m.loc["V7", "hi"]) == (D(2022, 12, 7), D(2023, 3, 31))
    c = counted.set_index("victim_id")
    assert c.loc["V2", "day"] is None and c.loc["V1", "day"] == D(2023, 1, 9)
    n = counts(V, sel)
    assert n == {"all": 7, "other_context": 1, "in_context": 6, "excluded_event": 0, "outside_window": 1,
                 "certain": 3, "uncertain": 2, "possible": 5, "counted": 3}
    assert n["certain"] + n["uncertain"] + n["outside_window"] + n["other_context"] == n["all"]  # nobody dropped


def test_injury_is_the_default_and_death_the_alternative():
    by_injury, _, _ = scope_frames(V, S.Scope(contexts=("clash",), start="2023-01-01", end="2023-01-31",
                                              date_field="injury"))
    by_death, maybe, _ = scope_frames(V, S.Scope(contexts=("clash",), start="2023-01-01", end="2023-01-31",
                                                 date_field="death"))
    assert "V5" in set(by_injury.victim_id) and "V5" not in set(by_death.victim_id)  # died 21 Mar
    assert "V2" not in set(by_death.victim_id) and "V2" in set(maybe.victim_id)     # death date open above
    with pytest.raises(ValueError, match="date_field"):
        death_frame(V, "birth")


def test_possible_policy_counts_every_possible_person():
    sc = S.Scope(contexts=("clash",), start="2022-12-07", end="2023-03-31", date_field="injury", policy="possible")
    counted, maybe, sel = scope_frames(V, sc)
    assert counted.victim_id.tolist() == ["V1", "V2", "V5", "V6", "V7"] and maybe.empty
    assert counted.set_index("victim_id").in_scope.to_dict() == {"V1": "certain", "V2": "certain", "V5": "certain",
                                                                 "V6": "possible", "V7": "possible"}


def test_straddling_person_is_possible_for_both_holders_and_never_dropped():
    t = pd.DataFrame([tenure("Interior", "A", D(2022, 12, 10), D(2022, 12, 10), D(2023, 1, 13), D(2023, 1, 13)),
                      tenure("Interior", "B", D(2023, 1, 13), D(2023, 1, 13))])
    d = deaths([((D(2023, 1, 12), D(2023, 1, 13)), "Puno"), (D(2023, 1, 12), "Puno"), (D(2023, 1, 13), "Puno")])
    out = tally.under_tenures(t, tally.intervals(d)).set_index("person")
    assert (out.loc["A", "deaths_min"], out.loc["A", "deaths_max"]) == (1, 2)
    assert (out.loc["B", "deaths_min"], out.loc["B", "deaths_max"]) == (1, 2)
    # every person is certain for one holder or possible for both: sum of min + straddlers = persons
    assert out.deaths_min.sum() + 1 == len(d)
    p = tally.command_periods(t, ["Interior"], D(2023, 1, 1), D(2023, 1, 31))
    by_force = tally.by_force_per_period(p, d, ["police"])
    across = tally.across_periods(p, d)
    assert by_force.total.tolist() == [1, 1] and across.victim_id.tolist() == ["V000"]
    assert by_force.total.sum() + len(across) == len(d)


def test_interval_counts_reduce_to_day_counts_for_points():
    days = [D(2023, 1, 1), D(2023, 1, 5), None]
    assert tally.count_days(days, D(2023, 1, 1), D(2023, 1, 5)) == 1
    assert tally.count_overlap(days, D(2023, 1, 1), D(2023, 1, 5)) == 1
    iv = [(D(2022, 12, 30), D(2023, 1, 2)), (D(2023, 1, 4), D(2023, 1, 6)), (None, D(2023, 1, 1))]
    assert tally.count_days(iv, D(2023, 1, 1), D(2023, 1, 5)) == 0      # none wholly inside
    assert tally.count_overlap(iv, D(2023, 1, 1), D(2023, 1, 5)) == 2   # unbounded side: not dated, not counted


def test_observed_counts_on_intervals():
    obs = pd.DataFrame([{"role": "Head Puno", "person": "P", "region": "Puno", "date_raw": "2023-01-09",
                         "points": ((D(2023, 1, 9), D(2023, 1, 9)),), "row": 9}])
    d = deaths([(D(2023, 1, 9), "Puno"), ((D(2023, 1, 9), D(2023, 1, 10)), "Puno"), (D(2023, 1, 10), "Puno")])
    r = tally.observed_counts(obs, d).iloc[0]
    assert (r.deaths_on_seen_dates_min, r.deaths_on_seen_dates_max) == (1, 2)


def test_emergency_status_over_an_interval(measures):
    # DS 143-2022-PCM (national) applies from 15 Dec: an interval 14-15 Dec straddles its start
    assert emergency.status_over(measures, D(2022, 12, 14), D(2022, 12, 15), "Ayacucho", "Huamanga")[0] == \
        "uncertain (date at a boundary)"
    assert emergency.status_over(measures, D(2022, 12, 15), D(2022, 12, 16), "Ayacucho", "Huamanga") == \
        emergency.status_on(measures, D(2022, 12, 15), "Ayacucho", "Huamanga")
    assert emergency.status_over(measures, None, D(2022, 12, 16), "Puno")[0] == "unknown (date missing)"
    for day in (D(2022, 12, 15), D(2023, 1, 20), D(2023, 2, 7)):  # a one-day interval is the day
        got = emergency.status_over(measures, day, day, "Ica", "Ica")
        assert got == emergency.status_on(measures, day, "Ica", "Ica")


@pytest.mark.skipif(not (paths.PROCESSED / "victims.csv").exists(), reason="register not built")
def test_next_lethal_event_after_the_december_endorsements_is_chala(timeline):
    """On the register: the split events put Chala (19 Dec, its own event) right after the 16-18 Dec statements."""
    reg = S.load_register()
    sc = S.Scope(contexts=("clash",), start="2022-12-07", end="2023-03-31", date_field="injury")
    counted, _, _ = scope_frames(reg["victims"], sc)
    ev = repetition.lethal_events(counted, dict(zip(reg["events"].event_id, reg["events"].label)))
    chala = reg["events"].set_index("event_id").loc[lambda e: e.district == "Chala"]
    assert len(chala) == 1
    cid = chala.index[0]
    assert ev.set_index("event_key").loc[cid, "date"] == D.fromisoformat(chala.date_start.iloc[0])
    st = timeline["command_statements"]
    dec = st[st.endorsing & st.date_latest.between(D(2022, 12, 16), D(2022, 12, 18))]
    assert len(dec) >= 2
    for s in dec.itertuples():
        f = repetition.follow_up(ev, s.date_latest, D(2023, 3, 31), 30)
        assert f["next_event"] == cid and f["days_to_next"] == (D(2022, 12, 19) - s.date_latest).days


# ---- follow-up records, display tables and printed labels (moved out of notebook 06) -------------------
def test_mass_followups_select_by_size_and_follow_each_event():
    ev = synthetic_events()
    recs = repetition.mass_followups(ev, 2, D(2023, 3, 31), 30)
    assert [r["event"] for r in recs] == ["E1", "E2"]  # the two events with 2 deaths
    e2 = recs[1]
    assert (e2["date"], e2["deaths"], e2["departments"]) == (D(2023, 1, 11), 2, "Lima")
    assert e2 == {**e2, **repetition.follow_up(ev, D(2023, 1, 11), D(2023, 3, 31), 30)}
    assert (e2["next_event"], e2["days_to_next"]) == ("Puno 2023-02-20", 40)
    assert repetition.mass_followups(ev, 3, D(2023, 3, 31)) == []


def test_statement_followups_anchor_on_the_statement_interval():
    ev = synthetic_events()
    st = pd.DataFrame([{"row": 12, "date_raw": "2023-01-04/05", "date_earliest": D(2023, 1, 4),
                        "date_latest": D(2023, 1, 5), "holder": "X", "role": "President", "quote": "q"}])
    (r,) = repetition.statement_followups(st, ev, D(2023, 1, 1), D(2023, 3, 31), 7)
    assert (r["row"], r["date"], r["person"], r["role"], r["quote"]) == (12, "2023-01-04/05", "X", "President", "q")
    assert (r["next_event"], r["days_to_next"], r["events_7d"], r["deaths_after"]) == ("E2", 6, 1, 3)
    # the whole window: 1 event on 1-3 Jan, 2 events on 6 Jan-31 Mar (same as test_rates_around_exact_intervals)
    assert (r["window_before_events"], r["window_after_events"], r["window_after_days"]) == (1, 2, 85)
    assert (r["7d_before_from"], r["7d_after_to"], r["7d_after_events"]) == (D(2023, 1, 1), D(2023, 1, 12), 1)


def test_tenure_tables_print_spans():
    t = pd.DataFrame([tenure("Int", "A", D(2022, 12, 1), D(2022, 12, 1), D(2023, 1, 1), D(2023, 1, 31)),
                      tenure("Int", "B", D(2023, 1, 13), D(2023, 1, 13))])
    t = t.assign(end_basis=["successor took office", "still in office"], start_ref=["row 3", "row 9"],
                 end_ref=["row 9", ""])
    tab = tables.tenure_table(t)
    assert tab["start"].tolist() == ["1 Dec 2022", "13 Jan 2023"]
    assert tab["first day out"].tolist() == ["Jan 2023 (month only)", "still in office at window end"]
    assert tab["rows"].tolist() == ["row 3 ; row 9", "row 9 ; "]
    assert tables.past_window_end(t, D(2023, 3, 31)).person.tolist() == ["B"]
    assert tables.past_window_end(t, D(2022, 12, 31)).person.tolist() == ["A", "B"]
    under = tables.deaths_by_tenure_table(tally.under_tenures(t, [D(2023, 1, 13)], [D(2023, 1, 13)]))
    assert under.columns.tolist() == ["role", "person", "start", "first_day_out", "deaths_min", "deaths_max",
                                      "events_min", "events_max"]
    assert under.first_day_out.tolist() == ["Jan 2023 (month only)", "open"]
    assert under.deaths_max.tolist() == [1, 1] and under.deaths_min.tolist() == [0, 1]


def test_status_tables_keep_every_death():
    s = pd.DataFrame({"victim_id": ["V3", "V1", "V2", "V4"], "lo": [D(2023, 1, 9), None, D(2023, 1, 9), None],
                      "hi": [D(2023, 1, 9), None, D(2023, 1, 9), None], "in_scope": "certain",
                      "department": ["Puno", "", "Puno", "Cusco"], "province": "", "measures": "",
                      "status": ["under", "unknown (date missing)", "under", "unknown (date missing)"]})
    counts = tables.status_counts(s)
    assert counts.index.tolist() == tables.STATUS_ORDER
    assert counts.tolist() == [2, 0, 0, 0, 2]
    dep = tables.status_by_department(s)
    assert dep.columns.tolist() == ["under", "unknown (date missing)"]
    assert dep.to_dict("index") == {"Cusco": {"under": 0, "unknown (date missing)": 1},
                                    "Puno": {"under": 2, "unknown (date missing)": 0},
                                    "unknown": {"under": 0, "unknown (date missing)": 1}}
    assert tables.status_per_death(s).victim_id.tolist() == ["V1", "V2", "V3", "V4"]


def test_force_periods_table_gives_inclusive_last_day():
    p = pd.DataFrame({"start": [D(2023, 1, 1), D(2023, 1, 13)], "end": [D(2023, 1, 13), D(2023, 2, 1)],
                      "Int": ["X", "Y"]})
    f = tally.by_force_per_period(p, deaths([(D(2023, 1, 12), "Puno"), (D(2023, 1, 13), "Puno")]), ["police"])
    out = tables.force_periods_table(f, ["Int"], ["police"])
    assert out.columns.tolist() == ["start", "last_day", "Int", "police", "total"]
    assert out.last_day.tolist() == [D(2023, 1, 12), D(2023, 1, 31)] and out.total.tolist() == [1, 1]


@pytest.mark.parametrize("lo, hi, printed", [
    (D(2023, 1, 9), D(2023, 1, 9), "9 Jan 2023"),
    (D(2023, 2, 1), D(2023, 2, 28), "Feb 2023 (month only)"),
    (D(2023, 2, 1), D(2023, 2, 27), "1 Feb 2023–27 Feb 2023"),   # not the whole month
    (D(2022, 12, 11), D(2022, 12, 12), "11 Dec 2022–12 Dec 2022"),
    (D(2022, 12, 31), D(2023, 1, 31), "31 Dec 2022–31 Jan 2023"),
])
def test_day_span(lo, hi, printed):
    assert text.day_span(lo, hi) == printed


def test_plural_range_and_open_day():
    assert (text.plural(1, "day"), text.plural(0, "day"), text.plural(3, "death")) == ("1 day", "0 days",
                                                                                             "3 deaths")
    assert (text.count_range(2, 2), text.count_range(2, 5)) == ("2", "2–5")
    assert text.day(None) == "open"
