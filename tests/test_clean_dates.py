"""Dates: every printed date in mentions.csv is parsed or explicitly unresolved; bad dates raise."""
import datetime as dt

import pandas as pd
import pytest

from analysis.register.clean.dates import WINDOW, parse_dates
from analysis.paths import RAW

M = pd.read_csv(RAW / "casualties" / "mentions.csv", dtype=str, keep_default_na=False)
S = pd.read_csv(RAW / "casualties" / "sources.csv", dtype=str, keep_default_na=False).set_index("source_id")


def test_every_raw_date_resolves_or_is_explicitly_unresolved():
    for _, r in M.iterrows():
        src = S.loc[r["source_id"]]
        inj, death, rule = parse_dates(r["date_as_printed"], src["published_date"], src["cutoff_date"],
                                       r["context_as_printed"])
        assert rule
        if inj is None and death is None and r["date_as_printed"]:
            assert rule.startswith("unresolved"), (r["mention_id"], rule)
        for d in (inj, death):
            if d:
                assert WINDOW[0] <= dt.date.fromisoformat(d) <= WINDOW[1]
        if inj and death:
            assert inj < death


@pytest.mark.parametrize("text,pub,expected", [
    ("11/12/2022", "2022-12-26", (None, "2022-12-11")),
    ("11/12/22", "2022-12-16", (None, "2022-12-11")),
    ("12.01.2023", "2023-01-12", (None, "2023-01-12")),
    ("el domingo 11 de diciembre", "2022-12-11", (None, "2022-12-11")),
    ("15 de diciembre pasado", "2023-03-01", (None, "2022-12-15")),
    ("El 16 de diciembre del 2022", "2023-01-28", (None, "2022-12-16")),
    ("19 Dec", "2022-12-19", (None, "2022-12-19")),
    ("ayer", "2023-02-11", (None, "2023-02-10")),
    ("el 14 de marzo ; el 30 de marzo", "", ("2023-03-14", "2023-03-30")),
    ("on January 9 ; January 12", "2023-03-11", ("2023-01-09", "2023-01-12")),
    ("nesta quinta-feira (19)", "2023-01-19", (None, "2023-01-19")),
    ("las protestas del 15 de diciembre ; murió días después", "", ("2022-12-15", None)),
])
def test_forms(text, pub, expected):
    assert parse_dates(text, pub, "")[:2] == expected


def test_weekday_resolved_against_publication_and_logged():
    # 2023-03-22 is a Wednesday: the last Tuesday is 2023-03-21
    inj, death, rule = parse_dates("la tarde del pasado 11 de enero ; al promediar las 6.00 p. m. del último martes",
                                   "2023-03-22", "")
    assert (inj, death) == ("2023-01-11", "2023-03-21")
    assert "most recent Tuesday before published 2023-03-22" in rule
    assert dt.date(2023, 3, 22).weekday() == 2


def test_este_weekday_includes_the_publication_day():
    assert parse_dates("este lunes", "2023-01-09", "")[1] == "2023-01-09"
    assert parse_dates("el último lunes", "2023-01-09", "")[1] == "2023-01-02"


def test_weekday_contradicting_date_is_recorded():
    _, death, rule = parse_dates("el martes 11 de diciembre", "2022-12-20", "")
    assert death == "2022-12-11" and "contradicts" in rule  # 11 Dec 2022 was a Sunday


def test_hospitalised_phrase_in_context_gives_injury():
    inj, death, rule = parse_dates("14/12/2022", "2022-12-26", "2022-12-24",
                                   "personas fallecidas en enfrentamientos ; Hospitalizado desde el 10/12/22")
    assert (inj, death) == ("2022-12-10", "2022-12-14") and "Hospitalizado" in rule


@pytest.mark.parametrize("text,pub", [
    ("el 18 y 19 de enero de 2023, respectivamente", "2024-01-18"),
    ("ayer", ""), ("ayer", "2023-01"), ("Dec 2022", "2023-08"), ("A las 8:50 p.m.", ""),
    ("este lunes 19 de septiembre", "2022-12-20"),
])
def test_unresolved(text, pub):
    assert parse_dates(text, pub, "") [:2] == (None, None)
    assert parse_dates(text, pub, "")[2].startswith("unresolved")


@pytest.mark.parametrize("text,pub", [("30/02/2023", ""), ("15/06/2021", ""), ("5 de enero de 2024", ""),
                                      ("20 de enero", "2023-01-10")])
def test_impossible_dates_raise(text, pub):
    with pytest.raises(ValueError):
        parse_dates(text, pub, "")


@pytest.mark.parametrize("text,pub,expected", [
    ("2022-12-15", "2022-12-26", (None, "2022-12-15")),
    ("herido el 2023-01-09 ; 2023-01-12", "", ("2023-01-09", "2023-01-12")),
    ("15/12/2022 y 20/12/2022", "", ("2022-12-15", "2022-12-20")),
])
def test_iso_and_two_dates_in_a_piece(text, pub, expected):
    assert parse_dates(text, pub, "")[:2] == expected


@pytest.mark.parametrize("text,bad", [("2023-02-30", "2023-02-30"), ("15/12/2022 y 30/02/2023", "2023-02-30"),
                                      ("el 18 y 31 de junio", "2023-06-31"), ("January 9 ; Feb 30", "2023-02-30"),
                                      ("15/12/2022 ; hospitalizado el 29 de febrero", "2023-02-29")])
def test_an_impossible_part_is_never_silent(text, bad):
    with pytest.raises(ValueError, match=f"not a calendar date \\({bad}\\)"):
        parse_dates(text, "", "")


def test_impossible_context_date_is_a_context_error():
    from analysis.register.clean.dates import ContextDateError
    with pytest.raises(ContextDateError, match="2022-12-32"):
        parse_dates("14/12/2022", "2022-12-26", "", "Hospitalizado desde el 32/12/22")
