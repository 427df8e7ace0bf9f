"""Controlled vocabularies and keyword rules, checked on strings from mentions.csv."""
import pandas as pd
import pytest

from analysis.paths import RAW
from analysis.register.vocab import (CAUSE, CONTEXT, FORCE, SEX, SOURCE_PRECEDENCE, WOUND, code_cause, code_context,
                                     code_force, code_sex, code_wound, source_rank)

MENTIONS = pd.read_csv(RAW / "casualties" / "mentions.csv", dtype=str, keep_default_na=False)
SOURCES = pd.read_csv(RAW / "casualties" / "sources.csv", dtype=str, keep_default_na=False)


def test_unknown_and_not_applicable_are_distinct_codes():
    for vocab in (WOUND, FORCE):
        assert {"unknown", "not_applicable"} <= set(vocab)
    assert set(CONTEXT) == {"clash", "blockade", "police_officer", "other", "unknown"}
    assert set(SEX) == {"male", "female", "unknown"}


@pytest.mark.parametrize("text,code", [
    ("trauma toráxico abierto por proyectil de arma de fuego", "firearm_projectile"),
    ("TEC grave por PAF", "firearm_projectile"),
    ("Traumatismo encéfalo craneano ocasionado por objeto contundente", "blunt_trauma"),
    ("un cartucho de bomba lacrimógena ; este objeto contundente", "tear_gas_canister"),
    ("más de 30 impactos de perdigón ; 36 perdigones", "pellets"),
    ("balas de fusil AKM, perdigones y un proyectil de pistola", "firearm_projectile"),
    ("arrollado", "traffic_accident"),
    ("una infección estomacal", "lack_of_medical_care"),
    ("murió calcinado", "other"),
    ("asesinado con alevosía", "unknown"),
    ("", "unknown"),
])
def test_cause(text, code):
    assert code_cause(text)[0] == code


@pytest.mark.parametrize("text,code", [
    ("the back of the neck", "neck"),
    ("detrás de la oreja", "head"),
    ("por la espalda", "back"),
    ("en el tórax y cabeza", "multiple"),
    ("una de sus piernas ; fractura tercio proximal en el fémur izquierdo", "limbs"),
    ("perforated vital organs", "unknown"),
])
def test_wound(text, code):
    assert code_wound(text)[0] == code


@pytest.mark.parametrize("text,code", [
    ("la represión policial", "police"), ("personal militar", "army"), ("efectivos del Ejército", "army"),
    ("Army and Sinchis (police)", "both"), ("la Policía Nacional y el Ejército", "both"),
    ("una turba", "not_applicable"), ("las fuerzas del orden", "unknown"), ("", "unknown"),
])
def test_force(text, code):
    assert code_force(text)[0] == code


@pytest.mark.parametrize("text,code", [
    ("su hijo", "male"), ("una mujer", "female"), ("la ciudadana ; una rondera", "female"),
    ("joven", "unknown"), ("Los jóvenes", "unknown"), ("Um homem", "male"), ("she", "female"),
])
def test_sex(text, code):
    assert code_sex(text)[0] == code


@pytest.mark.parametrize("text,code", [
    ("personas fallecidas en enfrentamientos", "clash"),
    ("cuando estos intentaban quebrar el bloqueo de la Panamericana sur en Chala", "clash"),
    ("era trasladado en una ambulancia que fue impedida de pasar por un bloqueo de vía", "blockade"),
    ("la desaparición de un efectivo policial ; el cadáver hallado a lado de un patrullero siniestrado",
     "police_officer"),
    ("natural de Yauyos", "unknown"),
])
def test_context(text, code):
    assert code_context(text)[0] == code


def test_every_raw_value_gets_a_vocabulary_code_and_a_named_rule():
    coders = [("cause_as_printed", code_cause, CAUSE), ("wound_as_printed", code_wound, WOUND),
              ("force_as_printed", code_force, FORCE), ("sex_as_printed", code_sex, SEX),
              ("context_as_printed", code_context, CONTEXT)]
    for field, coder, vocab in coders:
        for text in set(MENTIONS[field]):
            code, rule = coder(text)
            assert code in vocab and rule, (field, text)


def test_non_empty_firearm_words_never_fall_to_unknown():
    for text in set(MENTIONS["cause_as_printed"]):
        if any(w in text.lower() for w in ("bala", "paf", "bullet", "disparo")):
            assert code_cause(text)[0] == "firearm_projectile", text


def test_source_precedence_covers_every_kind_and_penalises_paraphrase():
    assert set(SOURCES["kind"]) <= set(SOURCE_PRECEDENCE)
    assert source_rank("ombudsman_list", "verbatim") < source_rank("ngo_report", "verbatim") \
        < source_rank("press_article", "verbatim") < source_rank("press_article", "paraphrase") \
        < source_rank("encyclopedia", "verbatim")
    assert source_rank("ombudsman_list", "paraphrase") < source_rank("ngo_report", "verbatim")


def test_is_known_separates_unknown_from_not_applicable():
    from analysis.register.vocab import is_known
    assert not any(is_known(v) for v in (None, float("nan"), "", "unknown"))
    import pandas as pd
    assert not is_known(pd.NA)
    assert all(is_known(v) for v in ("not_applicable", "police", 0, "2023-01-09"))
