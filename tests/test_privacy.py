"""Minors protected by initials: who is protected, how text is masked, and the register's tables masked."""
import pandas as pd
import pytest

from analysis import paths
from analysis.register import privacy, build as register, sources
from analysis.register.vocab import fold
from tests.published import hits_in, published_files

# The seven minors the sources protect with initials, with the full names other sources print for them.
KNOWN = {
    "D.A.Q.": ["David Atequipa Quispe", "David Atequipa", "Atequipa Quispe"],
    "R.P.M.L.": ["Robert Pablo Medina Yanquerhuay", "Medina Yanquerhuay"],
    "J.W.T.C.": ["Jhonatan Tello Claudio", "Jhonatan Tello", "Tello Claudio"],
    "C. M. R. L.": ["Cristofer Ramos Aime", "Christopher Ramos Gutiérrez", "Ramos Aime", "Ramos Gutiérrez"],
    "Brayan A. J.": ["Brayan Apaza Jumpiri", "Brayan Apaza Jumpuri", "Brayan Apaza", "Apaza Jumpiri"],
    "Jhamileth N. A.": ["Jhamileth Nataly Aroquipa Hancco", "Yamilet Aroquipa Hancco", "Aroquipa Hancco"],
    "Elmer Z. L. H.": ["Elmer Zolano Leonardo", "Elmer Leonardo Huanca", "Zolano Leonardo"],
}


@pytest.fixture(scope="module")
def reg():
    return register.build()


def _cells(reg):
    """(table, column, row, folded text) of every text cell of every table, and of the step log."""
    frames = dict(reg.tables, cleaning_log=reg.log.to_frame())
    for name, df in frames.items():
        for col in df.columns:
            for i, v in df[col].items():
                if isinstance(v, str):
                    yield name, col, i, f" {fold(v)} "


# ---- the real register -----------------------------------------------------------------------------------
def test_protected_set_from_raw(reg):
    assert sorted(p.initials for p in reg.protected) == sorted([*KNOWN, "Y.O.H"])


def test_no_known_name_in_any_table(reg):
    names = {fold(n): shown for shown, forms in KNOWN.items() for n in forms}
    found = [f"{t}.{c} row {i}: {n}" for t, c, i, text in _cells(reg) for n in names if f" {n} " in
             text.replace(",", " ").replace("(", " ").replace(")", " ").replace("'", " ")]
    assert found == []


def test_printed_names_replaced_by_initials(reg):
    m = reg.tables["mentions_linked"].set_index("mention_id")
    assert m.loc["M0097", "name_raw"] == "D.A.Q."                      # David Atequipa Quispe
    assert m.loc["M0092", "name_raw"] == "R.P.M.L."                    # Robert Pablo Medina Yanquerhuay
    assert m.loc["M0068", "name_raw"] == "J.W.T.C. ; J.W.T.C."         # Jhonatan Tello Claudio ; Jhonatan Tello
    assert m.loc["M0155", "name_raw"] == "C. M. R. L. ; C. M. R. L."   # Cristofer Ramos Aime ; Cristofer
    assert m.loc["M0158", "name_raw"] == "Brayan A. J. ; Brayan"       # the given name alone is what HRW prints
    assert m.loc["M0235", "name_raw"] == "Jhamileth N. A."             # Yamilet Aroquipa Hancco
    assert m.loc["M0313", "name_raw"] == "Elmer Z. L. H."
    assert m.loc["M0313", "name_forms"] == "ELMER Z L H"               # normalised columns stay normalised
    ev = reg.tables["events"]["deaths_civilians"].dropna()
    assert any("1 (Brayan A. J., 15) on 12 Jan" in v for v in ev)
    assert any(v.startswith("4 named (D.A.Q. 15; Beckham Romario Quispe Garfias 18") for v in ev)


def test_only_protected_persons_mentions_change(reg):
    """Masking touches no other person: every changed name is a protected person's mention."""
    raw = sources.read_mentions(paths.RAW / "casualties/mentions.csv").set_index("mention_id")["name_as_printed"]
    m = reg.tables["mentions_linked"].set_index("mention_id")
    changed = [mid for mid, name in m["name_raw"].dropna().items() if name != raw[mid]]
    persons = {p.person for p in reg.protected}
    assert set(m.loc[changed, "victim_id"]) <= persons
    assert len(changed) == 30      # every mention printing a protected name beyond its initials (listed by hand)
    assert m.loc["M0193", "name_raw"] == "Yamilet" and m.loc["M0150", "name_raw"] == "Elmer"   # shown anyway
    # names sharing a surname with a protected person are intact
    names = set(m["name_raw"].dropna())
    assert {"Paul Franklin Mamani Apaza", "José Sañudo Quispe", "Leonardo Hancco Chaka",
            "Giovanni Gustavo Illanes Ramos"} <= names


def test_victims_unchanged_and_log_records_masking(reg):
    v = reg.tables["victims"]
    assert set(KNOWN) <= set(v["display_name"].dropna())
    step = [e for e in reg.log.entries if e["step"] == privacy.STEP]
    assert len(step) == 1 and step[0]["n_in"] == 8
    assert "Atequipa" not in reg.log.to_markdown()


def test_written_register_passes_the_scan(reg, tmp_path):
    register.write(reg, out_dir=tmp_path / "data/processed")
    files = published_files(tmp_path)
    # every table, the log and codebook (csv and md), datapackage.json and departments.geojson
    assert len(files) == len(list((tmp_path / "data/processed").iterdir())) == 19
    assert [h for f in files for h in hits_in(f, reg.protected)] == []


def test_scan_finds_raw_text(reg, tmp_path):
    """The scan can fail: the raw events notes name protected persons."""
    raw = tmp_path / "data/processed/events.csv"
    raw.parent.mkdir(parents=True)
    raw.write_bytes((paths.RAW / "context/events.csv").read_bytes())
    found = hits_in(raw, reg.protected)
    assert any("'David Atequipa Quispe' names a protected person (show 'D.A.Q.')" in h for h in found)
    assert len(found) == 5


def test_excluded_initials_source_still_protects():
    """Without the only source printing 'C. M. R. L.', the person is still protected (judged on all sources)."""
    alt = register.build(params=register.Params(exclude_sources=["ntv_2023_ayacucho"]))
    m = alt.tables["mentions_linked"].set_index("mention_id")
    assert m.loc["M0155", "name_raw"] == "C. M. R. L. ; C. M. R. L."
    assert "Ramos Aime" not in alt.tables["victims"]["display_name"].str.cat(sep=" ")


# ---- the rules, on small frames ----------------------------------------------------------------------------
def _mentions(rows):
    cols = ["mention_id", "victim_id", "name_raw", "name_is_initials", "age_years"]
    return pd.DataFrame(rows, columns=cols).astype({"age_years": "Int64"})


VICTIMS = pd.DataFrame({"victim_id": ["V1", "V2", "V3", "V4", "V5"],
                        "name_status": ["initials", "named", "named", "named", "named"],
                        "display_name": ["D.A.Q.", "Marco A. Samillán", "Ana B. C.", "José Luis Quispe Mamani",
                                         "Rosa Apaza Mamani"],
                        "age_years": pd.array([15, 31, None, 40, 30], dtype="Int64")})
MENTIONS = _mentions([
    ("M1", "V1", "D.A.Q.", True, 15), ("M2", "V1", "David Atequipa Quispe", False, 15),
    ("M3", "V1", "David Atequipa", False, None),
    ("M4", "V2", "Marco A. Samillán", False, 31), ("M5", "V2", "Marco Antonio Samillán Sanga", False, 31),
    ("M6", "V3", "Ana B. C.", False, 17), ("M7", "V3", "Ana Beltrán Condori", False, 17),
    ("M8", "V4", "José Luis Quispe Mamani", False, 40), ("M9", "V5", "Rosa Apaza Mamani", False, 30),
    ("M10", None, "Y.O.H", True, 1),
])


@pytest.fixture(scope="module")
def prot():
    return privacy.protected_persons(MENTIONS, VICTIMS)


def test_who_is_protected(prot):
    # V1: initials printed (and name_status); V3: a minor with a name holding initials; M10: initials, no person.
    # V2 is an adult whose middle name is an initial: not protected.
    assert [(p.person, p.initials) for p in prot] == [("M10", "Y.O.H"), ("V1", "D.A.Q."), ("V3", "Ana B. C.")]
    d = prot[1]
    assert d.forms == ("D.A.Q.", "David Atequipa Quispe", "David Atequipa")
    assert d.masked == (("DAVID", "ATEQUIPA", "QUISPE"), ("ATEQUIPA", "QUISPE"), ("DAVID", "ATEQUIPA"))
    assert d.surnames == (("ATEQUIPA",),)     # 'Quispe' is shared with V4: never masked alone
    assert prot[2].masked == (("ANA", "BELTRAN", "CONDORI"), ("ANA", "BELTRAN"), ("BELTRAN", "CONDORI"))
    assert prot[2].surnames == (("BELTRAN",), ("CONDORI",))


def test_adult_with_initials_only_is_protected():
    m = _mentions([("M1", "V1", "J.P.", True, 40), ("M2", "V1", "Juan Pérez", False, 40)])
    v = VICTIMS.iloc[:0]
    [p] = privacy.protected_persons(m, v)
    assert (p.initials, p.masked) == ("J.P.", (("JUAN", "PEREZ"),))


def test_mask_case_accents_whole_words(prot):
    cases = {
        "DAVID ATEQUIPA QUISPE, 15": "D.A.Q., 15",
        "david atequipa quispe y José Luis Quispe Mamani": "D.A.Q. y José Luis Quispe Mamani",
        "Ana Beltrán Condori (17)": "Ana B. C. (17)",
        "ANA BELTRAN CONDORI": "Ana B. C.",
        "Beltrán Condori, de 17": "Ana B. C., de 17",
        "David Atequipas Quispe": "David Atequipas Quispe",            # whole words only
        "Quispe Mamani": "Quispe Mamani",                              # another person's surnames
        "Atequipa Quispe": "D.A.Q.",
        "Marco Antonio Samillán Sanga": "Marco Antonio Samillán Sanga",
        "madre Rosa Condori": "madre Rosa C.",                         # a lone surname in another name
        "Condori: herida de bala.": "Ana B. C.: herida de bala.",
        "Ana Beltrán Condori.": "Ana B. C.",
        "source larepublica_ana_beltran": "source larepublica_ana_beltran",
        "D.A.Q. y D. A. Q": "D.A.Q. y D. A. Q",
    }
    assert {t: privacy.mask_text(t, prot) for t in cases} == cases
    assert privacy.mask_text("ANA BELTRAN CONDORI ; ANA", prot, normalised=True) == "ANA B C ; ANA"
    assert privacy.mask_text(pd.NA, prot) is pd.NA and privacy.mask_text(7, prot) == 7


def test_mask_is_idempotent(prot):
    text = "David Atequipa Quispe, Ana Beltrán Condori y Rosa Apaza Mamani"
    once = privacy.mask_text(text, prot)
    assert once == "D.A.Q., Ana B. C. y Rosa Apaza Mamani"
    assert privacy.mask_text(once, prot) == once


def test_mask_frame_every_text_cell(prot):
    df = pd.DataFrame({"name_raw": ["David Atequipa Quispe", None, "Rosa Apaza Mamani"],
                       "name_forms": ["DAVID ATEQUIPA QUISPE", None, "ROSA APAZA MAMANI"],
                       "note": ["según David Atequipa", "x", "y"], "n": [1, 2, 3]})
    out = privacy.mask_frame(df, prot)
    assert out["name_raw"].tolist()[::2] == ["D.A.Q.", "Rosa Apaza Mamani"] and out["name_raw"].isna()[1]
    assert out["name_forms"][0] == "D A Q"
    assert out["note"].tolist() == ["según D.A.Q.", "x", "y"]
    assert out["n"].tolist() == [1, 2, 3] and df["name_raw"][0] == "David Atequipa Quispe"   # input untouched
