"""Places: gazetteer from raw lists; every printed place resolves or is explicitly unlocatable."""
import json
import re

import pandas as pd
import pytest

from analysis.register.clean.places import aliases, build_gazetteer, resolve_place
from analysis.paths import RAW
from analysis.register.vocab import fold

GAZ = build_gazetteer(RAW)
PLACES = sorted(set(pd.read_csv(RAW / "casualties" / "mentions.csv", dtype=str, keep_default_na=False)
                    ["place_as_printed"]))


def test_gazetteer_has_every_geojson_province_and_s04_department():
    geo = json.loads((RAW / "geo" / "peru_provincial_simple.geojson").read_text(encoding="utf-8"))
    codes = {f["properties"]["FIRST_IDPR"] for f in geo["features"]}
    assert set(GAZ["provinces"]) == codes
    assert len(GAZ["departments"]) == 25 and GAZ["departments"]["07"] == "Callao"
    assert GAZ["provinces"]["2111"] == ("San Román", "21")  # accented name from provinces_ubigeo.csv


def test_every_raw_place_resolves_or_is_listed_unlocatable():
    for text in PLACES:
        dep, dep_name, prov, prov_name, district, dist, rule = resolve_place(text, GAZ)
        if text:
            assert dep is not None or rule.startswith("unlocatable"), text
        if prov:
            assert prov[:2] == dep and GAZ["provinces"][prov][1] == dep
        assert dist is None  # no raw district list


@pytest.mark.parametrize("text,dep,prov,district", [
    ("Juliaca", "21", "2111", "Juliaca"),
    ("el sector de Huancabamba", "03", "0302", None),       # not the Piura province 2003
    ("Chao (Virú, La Libertad)", "13", "1312", "Chao"),
    ("Cerro Colorado (Arequipa, Arequipa)", "04", "0401", "Cerro Colorado"),
    ("hospital San Martín de Porres de Macusani", "21", "2103", "Macusani"),  # not San Martín dept
    ("Cusco", "08", None, None),                             # dept and province: read as department
    ("la provincia de Chucuito", "21", "2104", None),
    ("PICHANAQUI, de la provincia de Chanchamayo, JUNÍN", "12", "1203", "Pichanaqui"),
])
def test_resolution(text, dep, prov, district):
    r = resolve_place(text, GAZ)
    assert (r[0], r[2], r[4]) == (dep, prov, district)


def test_conflicting_units_are_reported_and_event_beats_hospital():
    r = resolve_place("el Hospital Arzobispo Loayza de Lima ; Cusco", GAZ)
    assert r[0] == "08" and "CONFLICT" in r[6]


def test_origin_never_sets_the_place():
    r = resolve_place("su comunidad de Chuquiaguillo en Huancané", GAZ)
    assert r[0] is None and r[6].startswith("unlocatable")


def test_unknown_place_raises():
    with pytest.raises(ValueError, match="Atlantis"):
        resolve_place("Atlantis", GAZ)


def test_every_alias_has_a_note_and_is_used():
    for alias in aliases():
        assert alias.note
        assert any(re.search(alias.pattern, fold(p)) for p in PLACES), alias.pattern
