"""Field precedence on real conflicting rows (ages and causes printed by the sources)."""
import pandas as pd

from analysis.register import conflicts
from analysis.steplog import StepLog

COLS = ["mention_id", "source_id", "source_rank", "quote_kind", "source_published_date", "link_status",
        "victim_id", "name_raw", "name_forms", "age_years", "sex", "date_injury", "date_death", "ubigeo_dep",
        "department", "ubigeo_prov", "province", "ubigeo_dist", "district", "event_id", "context", "cause",
        "wound", "force", "group_attribution"]


def m(mid, src, rank, pub, vid, name, age, cause="unknown", group=False, dep="Puno", quote="verbatim"):
    return [mid, src, rank, quote, pub, "linked", vid, name, name.upper() if name else None, age, "unknown",
            None, None, "21" if dep else None, dep, None, None, None, None, "E07", "clash", cause,
            "unknown", "unknown", group]


def frame(rows):
    df = pd.DataFrame(rows, columns=COLS)
    df["age_years"] = df["age_years"].astype("Int64")
    return df


# Paul Mamani Apaza: 18 in the IML list (El Destape, press kind 40) vs 20 in Micaelas (press, later).
PAUL = [m("M0210", "eldestape_iml", 40, "2023-01-13", "V0210", "Paul Mamani Apaza", 18,
          cause="firearm_projectile", group=True),
        m("M0226", "micaelas_202501", 40, "2025-01-09", "V0210", "Paul Franklin Mamani Apaza", 20)]


def test_forensic_basis_beats_later_press_and_alternatives_kept():
    log = StepLog()
    v = conflicts.resolve(frame(PAUL), log).set_index("victim_id")
    assert v.loc["V0210", "age_years"] == 18
    assert v.loc["V0210", "age_alternatives"] == "18 ; 20"
    assert bool(v.loc["V0210", "conflict_age"]) and "age" in v.loc["V0210", "conflict_fields"].split(" ; ")
    entry = [e for e in log.of_kind("conflict") if e["ref"] == "V0210"]
    assert len(entry) == 1 and "source authority" in entry[0]["detail"]


def test_without_forensic_basis_the_later_report_wins():
    rows = frame(PAUL)
    rows.loc[0, "source_id"] = "some_press"
    v = conflicts.resolve(rows, StepLog()).set_index("victim_id")
    assert v.loc["V0210", "age_years"] == 20


def test_ombudsman_over_press_and_unknown_never_overrides():
    # Miguel Arcana: 23 in the Defensoría list (Servindi, rank 10) vs 38 (Correo, rank 40)
    rows = frame([m("M0006", "servindi_20221226", 10, "2022-12-26", "V0006", "MIGUEL ARCANA", 23, dep="Arequipa"),
                  m("M0093", "peruweek_correo_20221212", 40, "2022-12-12", "V0006", "Miguel Arcana", 38, dep="Arequipa"),
                  m("M0105", "panamericana_20221212", 40, "2022-12-12", "V0006", "Miguel Arcana", None, dep=None)])
    v = conflicts.resolve(rows, StepLog()).set_index("victim_id")
    assert v.loc["V0006", "age_years"] == 23 and v.loc["V0006", "age_alternatives"] == "23 ; 38"
    assert v.loc["V0006", "department"] == "Arequipa" and not v.loc["V0006", "conflict_department"]
    assert v.loc["V0006", "n_sources"] == 3
    assert v.loc["V0006", "source_ids"] == "panamericana_20221212 ; peruweek_correo_20221212 ; servindi_20221226"


def test_individual_statement_beats_group_statement():
    rows = frame([m("M0001", "a_ombudsman", 10, "2022-12-26", "V0001", "X Y", 18, cause="firearm_projectile", group=True),
                  m("M0002", "b_press", 40, "2022-12-20", "V0001", "X Y", 18, cause="blunt_trauma")])
    v = conflicts.resolve(rows, StepLog()).set_index("victim_id")
    assert v.loc["V0001", "cause"] == "blunt_trauma"
    assert v.loc["V0001", "cause_alternatives"] == "blunt_trauma ; firearm_projectile"


def test_minor_display_name_keeps_source_initials():
    rows = frame([m("M0003", "servindi_20221226", 10, "2022-12-26", "V0003", "R.P.M.L.", 16),
                  m("M0092", "peruweek_correo_20221212", 40, "2022-12-12", "V0003", "Robert Pablo Medina Yanquerhuay", 16)])
    rows.loc[0, "name_forms"] = "R P M L"
    v = conflicts.resolve(rows, StepLog()).set_index("victim_id")
    assert v.loc["V0003", "display_name"] == "R.P.M.L." and v.loc["V0003", "name_status"] == "initials"


def test_only_linked_mentions_become_persons():
    rows = frame(PAUL + [m("M0106", "laopinion_efe_20221214", 40, "2022-12-14", "V0094", "Jonathan Lloclla Loayza", None)])
    rows.loc[2, "link_status"] = "retracted"
    v = conflicts.resolve(rows, StepLog())
    assert v["victim_id"].tolist() == ["V0210"]


def test_stated_roles_outrank_a_single_printed_date():
    """Brayan Apaza (real rows): La República 12 Jan 2023 prints 'Este jueves 12 de enero ; el último lunes'
    (injury Monday 9, death Thursday 12); OjoPúblico (Dec 2023, a later report) prints only '9 de enero',
    which cleaning codes as the death date by default. The source that tells the two apart wins."""
    from analysis.register import conflicts
    lr = {"mention_id": "M0056", "_rank": 40, "source_published_date": "2023-01-12", "group_attribution": False,
          "date_death": "2023-01-12", "date_injury": "2023-01-09",
          "date_rule": "two dates: earlier = injury, later = death"}
    ojo = {"mention_id": "M0158", "_rank": 40, "source_published_date": "2023-12-10", "group_attribution": False,
           "date_death": "2023-01-09", "date_injury": None, "date_rule": "single date = date of death"}
    value, alts, conflict, criterion = conflicts.pick([ojo, lr], "date_death")
    assert value == "2023-01-12" and conflict and alts == ["2023-01-12", "2023-01-09"]
    assert criterion == "dates with stated roles over a single printed date"
    # for a non-date field the rule does not apply: the later report decides between equal ranks
    lr["age_years"], ojo["age_years"] = 15, 16
    assert conflicts.pick([lr, ojo], "age_years")[0] == 16


def test_place_stated_by_more_sources_wins_among_equals():
    """Y.O.H., the Cusco child (real rows): four press articles place the death in Cusco (Oropesa, San Jerónimo),
    one (The Objective, same day) names Mazuco, Madre de Dios. Equal authority: the corroborated place wins,
    whatever the order of the rows; for a non-place field corroboration plays no part."""
    from analysis.register import conflicts

    def row(mid, src, dep):
        return {"mention_id": mid, "source_id": src, "_rank": 40, "source_published_date": "2023-01-26",
                "group_attribution": False, "department": dep, "date_rule": ""}
    rows = [row("M0171", "theobjective_20230126", "Madre de Dios"),
            row("M0067", "larepublica_20230125_cusco_nino", "Cusco"),
            row("M0167", "elluchador_efe_20230125", "Cusco"),
            row("M0174", "rpp_cusco_bebe", "Cusco"),
            row("M0177", "diarioelsoldecusco_20230126", "Cusco")]
    for order in (rows, rows[::-1]):
        value, alts, conflict, criterion = conflicts.pick(order, "department")
        assert value == "Cusco" and conflict and set(alts) == {"Cusco", "Madre de Dios"}
    assert criterion in ("place stated by more sources", "later report")
    # two sources against one, same date and rank: decided by corroboration, not by mention order
    two = [row("M0001", "a", "Puno"), row("M0002", "b", "Cusco"), row("M0003", "c", "Cusco")]
    assert conflicts.pick(two, "department")[3] == "place stated by more sources"
