"""The command timeline in the register (analysis.register.command_timeline): dates, tenures, statements and the
coded emergencies on synthetic timelines for the rules and on the raw file for real strings; the published tables
(data/processed/command_*.csv) and their round trip."""
import datetime as dt
import filecmp

import pytest

from analysis import paths
from analysis.register import command_measures, command_timeline as timeline
from analysis.register.clean.timeline_dates import parse_date_field, parse_iso_day
from analysis.errors import RawDataError
from analysis.steplog import StepLog

D = dt.date
HEADER = "date,role,person,event,quote,url\n"


def write(tmp_path, lines):
    path = tmp_path / "command_timeline.csv"
    path.write_text(HEADER + "".join(line + ",,https://example.org/x\n" for line in lines), encoding="utf-8")
    return path


# ---- dates ---------------------------------------------------------------------------------------
def test_month_only_date_is_an_interval_not_a_day():
    spec = parse_date_field("2023-11 (censured mid-Nov; successor sworn 2023-11-21)")
    assert spec.kind == "uncertain" and spec.points == ((D(2023, 11, 1), D(2023, 11, 30)),)
    assert spec.note == "censured mid-Nov; successor sworn 2023-11-21"


@pytest.mark.parametrize("raw, kind, points", [
    ("2022-12-15/16", "uncertain", ((D(2022, 12, 15), D(2022, 12, 16)),)),
    ("2023-03-20 / 2023-03-21", "uncertain", ((D(2023, 3, 20), D(2023, 3, 21)),)),
    ("2023-01 and 2023-03", "multiple", ((D(2023, 1, 1), D(2023, 1, 31)), (D(2023, 3, 1), D(2023, 3, 31)))),
    ("2021-08 (appointed under Castillo) to 2023-12-28", "span",
     ((D(2021, 8, 1), D(2021, 8, 31)), (D(2023, 12, 28), D(2023, 12, 28)))),
    ("2024-02", "uncertain", ((D(2024, 2, 1), D(2024, 2, 29)),)),
    ("n/a", "none", ()),
])
def test_date_forms(raw, kind, points):
    spec = parse_date_field(raw)
    assert (spec.kind, spec.points) == (kind, points)


def test_approx_flag_from_note():
    assert parse_date_field("2022-12-11/12 (approx.)").approx
    assert parse_date_field("2023-01-24 (inferred: 'este martes')").approx
    assert not parse_date_field("2022-12-17/18 (reported 18 Dec)").approx


@pytest.mark.parametrize("raw", ["2023-02-30", "mid-January", "2023-01-20/18", "2023-03 to 2023-01"])
def test_bad_dates_rejected(raw):
    with pytest.raises(ValueError):
        parse_date_field(raw)


def test_iso_day():
    assert parse_iso_day("") is None and parse_iso_day("2023-01-09") == D(2023, 1, 9)
    with pytest.raises(ValueError):
        parse_iso_day("09/01/2023")


# ---- names ---------------------------------------------------------------------------------------
def test_same_person_across_printed_forms():
    assert timeline.same_person("Alberto Otárola", "Luis Alberto Otárola Peñaranda")
    assert timeline.same_person("Manuel Gómez de la Torre", "Gen. EP Manuel Jesús Martín Gómez de la Torre Araníbar")
    assert not timeline.same_person("Jorge Angulo Tejada", "Pedro Miguel Angulo Arana")
    assert not timeline.same_person("Angulo", "Jorge Luis Angulo Tejada")  # one word is not enough


# ---- tenures on synthetic timelines ---------------------------------------------------------------
def test_successor_start_ends_tenure_and_last_holder_stays_open(tmp_path):
    path = write(tmp_path, ["2023-01-01,Minister of the Interior,Ana Uno Pérez,took office",
                            "2023-02-01,Minister of the Interior,Beto Dos Ruiz,took office"])
    t = timeline.load(path, endorsing=())["tenures"].set_index("person")
    assert t.loc["Ana Uno Pérez", "end_earliest"] == D(2023, 2, 1)
    assert t.loc["Ana Uno Pérez", "end_basis"] == "successor's start"
    assert bool(t.loc["Beto Dos Ruiz", "open"]) and t.loc["Beto Dos Ruiz", "end_latest"] is None


def test_month_only_start_and_end_kept_as_intervals(tmp_path):
    path = write(tmp_path, ["2023-01,PNP Commander General,Ana Uno Pérez,took office",
                            "2023-03,PNP Commander General,Ana Uno,left office"])
    log = StepLog()
    t = timeline.load(path, log, endorsing=())["tenures"].iloc[0]
    assert (t.start_earliest, t.start_latest) == (D(2023, 1, 1), D(2023, 1, 31))
    assert (t.end_earliest, t.end_latest) == (D(2023, 3, 1), D(2023, 3, 31))
    assert log.of_kind("uncertain date")


def test_end_row_narrowed_by_successor_is_logged(tmp_path):
    path = write(tmp_path, ["2023-01-01,PNP Commander General,Ana Uno Pérez,took office",
                            "2023-03-20 / 2023-03-21,PNP Commander General,Ana Uno,left office",
                            "2023-03-21,PNP Commander General,Beto Dos Ruiz,took office"])
    log = StepLog()
    t = timeline.load(path, log, endorsing=())["tenures"].iloc[0]
    assert (t.end_earliest, t.end_latest) == (D(2023, 3, 21), D(2023, 3, 21))
    assert "rows 3, 4" in log.of_kind("narrowed")[0]["ref"]


def test_overlapping_holders_rejected_naming_row(tmp_path):
    path = write(tmp_path, ["2023-01-01,Minister of Defense,Ana Uno Pérez,took office",
                            "2023-02-01,Minister of Defense,Beto Dos Ruiz,took office",
                            "2023-02-10,Minister of Defense,Ana Uno Pérez,left office"])
    with pytest.raises(RawDataError) as err:
        timeline.load(path, endorsing=())
    assert (err.value.row, err.value.field) == (4, "date") and "after successor" in err.value.message


def test_gap_between_holders_is_logged_as_vacancy(tmp_path):
    path = write(tmp_path, ["2023-01-01,Minister of Defense,Ana Uno Pérez,took office",
                            "2023-01-20,Minister of Defense,Ana Uno Pérez,left office",
                            "2023-02-01,Minister of Defense,Beto Dos Ruiz,took office"])
    log = StepLog()
    t = timeline.load(path, log, endorsing=())["tenures"].iloc[0]
    assert t.end_earliest == D(2023, 1, 20) and len(log.of_kind("vacancy")) == 1


@pytest.mark.parametrize("lines, row, field", [
    (["2023-01-01,Minister of Defense,Ana Uno Pérez,took office",
      "2023-01-01,Minister of Defense,Beto Dos Ruiz,took office"], 3, "date"),
    (["2023-01-05,Minister of Defense,Ana Uno Pérez,left office"], 2, "person"),
    (["2023-01-05,Minister of Magic,Ana Uno Pérez,took office"], 2, "role"),
    (["2023-01-05,President,Ana Uno Pérez,danced"], 2, "event"),
    (["mid-January,President,Ana Uno Pérez,took office"], 2, "date"),
    (["2023-01-01,Minister of Defense,Ana Uno Pérez,took office",
      "2023-01-03,Minister of Defense,Ana Uno Pérez,left office",
      "2023-01-09,Minister of Defense,Ana Uno Pérez,still in office"], 4, "date"),
])
def test_contradictory_rows_rejected(tmp_path, lines, row, field):
    with pytest.raises(RawDataError) as err:
        timeline.load(write(tmp_path, lines), endorsing=())
    assert (err.value.row, err.value.field) == (row, field)


# ---- the raw timeline --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def raw():
    log = StepLog()
    return timeline.load(log=log), log


def test_raw_tenures_follow_the_rows(raw):
    (d, log) = raw
    t = d["tenures"].set_index(["role", "person"])
    rojas = t.loc[("Minister of the Interior", "Víctor Eduardo Rojas Herrera")]
    assert (rojas.start_earliest, rojas.end_earliest) == (D(2022, 12, 21), D(2023, 1, 13))
    romero = t.loc[("Minister of the Interior", "Vicente Romero Fernández")]
    assert (romero.end_earliest, romero.end_latest) == (D(2023, 11, 1), D(2023, 11, 30))  # month-only end row
    chavez = t.loc[("Minister of Defense", "Jorge Chávez Cresta")]
    assert bool(chavez.open) and "still in office on 2023-12-28" in chavez.end_basis
    assert bool(t.loc[("President", "Dina Boluarte Zegarra")].open)
    # Alfaro's 'left office' is '2023-03-20 / 2023-03-21'; Angulo Tejada took office 2023-03-21
    assert t.loc[("PNP Commander General", "Raúl Enrique Alfaro Alvarado")].end_latest == D(2023, 3, 21)
    assert any("Alfaro" in e["detail"] for e in log.of_kind("narrowed"))
    # every single-holder role has exactly one holder on every day of the study window
    for role in timeline.TENURE_ROLES.values():
        sub = d["tenures"][d["tenures"].role == role]
        for day in (D(2022, 12, 10) + dt.timedelta(days=i) for i in range(112)):
            holders = [x for x in sub.itertuples() if x.start_latest <= day and (x.open or day < x.end_earliest)]
            assert len(holders) == 1, (role, day)


def test_raw_statements(raw):
    (d, log) = raw
    s = d["statements"]
    assert s.endorsing.sum() == len(timeline.ENDORSING)
    assert set(s[~s.endorsing].person) == {"Jorge Luis Angulo", "Víctor Zanabria"}
    assert len(log.of_kind("not endorsing")) == 2
    row = s[s.row == 45].iloc[0]
    assert row.quote.startswith("Quiero reiterar el apoyo incondicional")
    assert (row.holder, row.role) == ("Luis Alberto Otárola Peñaranda", "Minister of Defense")


def test_endorsing_key_must_match_one_row(tmp_path):
    path = write(tmp_path, ["2023-01-01,President,Ana Uno Pérez,took office",
                            "2023-01-05,President,Ana Uno Pérez,public statement"])
    s = timeline.load(path, endorsing=(("2023-01-05", "Ana Uno Pérez"),))["statements"]
    assert s.endorsing.tolist() == [True] and s.holder.tolist() == ["Ana Uno Pérez"]
    with pytest.raises(RawDataError, match="matches 0 rows"):
        timeline.load(path, endorsing=(("2023-01-06", "Ana Uno Pérez"),))


# ---- the coded states of emergency and curfews ---------------------------------------------------------------
def test_every_coded_measure_traces_to_its_raw_row(raw):
    (d, _) = raw
    measures = command_measures.code_measures(d["rows"])
    rows = d["rows"].set_index("row")
    for m in measures.itertuples():
        assert rows.loc[m.row, "event"] == m.event_raw
    curfew = measures[measures.measure_id == "Curfew-DS144-2022"]
    # the raw row reads "15 provinces in 8 regions"
    assert "15 provinces in 8 regions" in curfew.event_raw.iloc[0]
    assert (len(curfew), curfew.department.nunique()) == (15, 8)
    assert set(command_measures.excluded_rows(d["rows"]).row) == \
        {r.row for r in d["rows"].itertuples() if r.kind in {"emergency", "curfew"}} - set(measures.row)


def test_uncoded_emergency_row_rejected(tmp_path):
    path = write(tmp_path, ["2023-01-01,Executive,Ana Uno Pérez,state of emergency declared somewhere"])
    with pytest.raises(RawDataError):
        command_measures.code_measures(timeline.load(path, endorsing=())["rows"], path)


# ---- the published tables ---------------------------------------------------------------------------------------
def test_published_tables_read_back_as_built(tmp_path):
    log = StepLog()
    built = timeline.tables(log=log)
    written = timeline.publish(tmp_path, StepLog())
    assert sorted(p.name for p in written) == sorted(f"{n}.csv" for n in timeline.TABLES)
    back = timeline.read(tmp_path)
    for name in ("command_tenures", "command_statements", "command_measures", "command_measures_excluded"):
        assert back[name].equals(built[name].reset_index(drop=True)), name
    observed = timeline.load()["observed"]
    assert back["command_observed"].to_dict("list") == observed.to_dict("list")
    assert len(built["command_observed"]) == sum(len(p) for p in observed.points)  # one row per seen date
    assert log.of_kind("open tenure")


@pytest.mark.skipif(not (paths.PROCESSED / "cleaning_log.csv").exists(), reason="register not built")
def test_register_holds_the_tables_of_the_raw_timeline(tmp_path):
    """data/processed/ holds what the raw timeline gives now (notebook 01 was rerun after any change), and its
    cleaning log holds the timeline's decisions as the step log records them."""
    log = StepLog()
    timeline.publish(tmp_path, log)
    for name in timeline.TABLES:
        assert filecmp.cmp(tmp_path / f"{name}.csv", paths.PROCESSED / f"{name}.csv", shallow=False), name
    assert timeline.read_log() == log.entries
