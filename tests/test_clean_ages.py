"""Ages: every printed form in mentions.csv, and impossible ages rejected."""
import re

import pandas as pd
import pytest

from analysis.register.clean.ages import parse_age
from analysis.paths import RAW

AGES = sorted(set(pd.read_csv(RAW / "casualties" / "mentions.csv", dtype=str, keep_default_na=False)
                  ["age_as_printed"]))


def test_every_distinct_raw_age_parses():
    for text in AGES:
        years, note, rule = parse_age(text)
        assert rule
        if years is not None:
            # independent check: the years are the first number printed (digits or 'un año')
            first = re.search(r"\d+", text)
            assert years == (int(first.group()) if first else 1), text


@pytest.mark.parametrize("text,years", [
    ("18", 18), ("18 años", 18), ("de 22 años", 22), ("A sus 18 años", 18), ("a 25-year-old", 25),
    ("The 22-year-old", 22), ("de 30 anos", 30), ("de 19 años ; 19 años de edad", 19),
    ("1 año y 9 meses", 1), ("un año y nueve meses de edad", 1), ("50 años aproximadamente", 50),
])
def test_forms(text, years):
    assert parse_age(text)[0] == years


@pytest.mark.parametrize("text", ["de 28 semanas", "28 semanas de gestación", "seis meses de gestación",
                                  "35 weeks ; ocho meses"])
def test_gestational_age_is_not_an_age(text):
    years, note, _ = parse_age(text)
    assert years is None and "gestational" in note


def test_months_kept_in_note_and_birth_date_as_iso():
    assert parse_age("1 año y 9 meses ; un año y ocho meses")[1] == "1 year(s) 9 month(s) ; 1 year(s) 8 month(s)"
    assert "born 1981-04-02" in parse_age("nacido el 2 de abril de 1981")[1]


def test_conflicting_years_give_none():
    years, note, rule = parse_age("18 ; 21")
    assert years is None and rule == "conflict" and "18 ; 21" in note


@pytest.mark.parametrize("text", ["-3", "130 años", "muchos años", "de 200"])
def test_impossible_ages_raise(text):
    with pytest.raises(ValueError):
        parse_age(text)
