"""Cleaned mentions on the real data, and parser errors turned into RawDataError(file, row, field)."""
import shutil

import pandas as pd
import pytest

from analysis.register.clean.mentions import CONTRACT_COLUMNS, clean_mentions
from analysis.register.clean.places import build_gazetteer
from analysis.errors import RawDataError
from analysis.paths import RAW
from analysis.register.sources import read_mentions, read_sources
from analysis.steplog import StepLog

CAS = RAW / "casualties"
GAZ = build_gazetteer(RAW)


@pytest.fixture(scope="module")
def cleaned():
    log = StepLog()
    out = clean_mentions(read_mentions(CAS / "mentions.csv"), read_sources(CAS / "sources.csv"), GAZ, log,
                         "data/raw/casualties/mentions.csv")
    return out, log


def test_one_row_per_raw_row_with_contract_columns(cleaned):
    out, log = cleaned
    raw = pd.read_csv(CAS / "mentions.csv", dtype=str, keep_default_na=False)
    assert len(out) == len(raw) == 326
    assert list(out.columns[:len(CONTRACT_COLUMNS)]) == CONTRACT_COLUMNS
    assert list(out["mention_id"]) == list(raw["mention_id"])
    assert log.of_kind("counts")[0]["n_in"] == log.of_kind("counts")[0]["n_out"] == 326


def test_raw_text_kept_beside_codes(cleaned):
    out, _ = cleaned
    raw = pd.read_csv(CAS / "mentions.csv", dtype=str, keep_default_na=False)
    for col, rawcol in [("age_raw", "age_as_printed"), ("place_raw", "place_as_printed"),
                        ("cause_raw", "cause_as_printed"), ("force_raw", "force_as_printed")]:
        assert list(out[col].fillna("")) == list(raw[rawcol])


def test_known_rows(cleaned):
    out = cleaned[0].set_index("mention_id")
    r = out.loc["M0007"]  # Defensoría list: died 14/12/2022, hospitalised since 10/12/22
    assert (r["date_injury"], r["date_death"], r["age_years"], r["ubigeo_prov"]) == \
        ("2022-12-10", "2022-12-14", 19, "0302")
    assert out.loc["M0002", "name_is_initials"] and out.loc["M0002", "source_rank"] == 10
    assert out.loc["M0208", "group_attribution"] and out.loc["M0208", "cause"] == "firearm_projectile"
    retracted = out[out["is_retraction"]]
    assert len(retracted) == 1 and "Reniec" in retracted["retraction_raw"].iloc[0]


def test_group_attribution_only_from_listed_sources(cleaned):
    out, _ = cleaned
    grouped = set(out.loc[out["group_attribution"], "source_id"])
    assert grouped == {"eldestape_iml", "larepublica_20221218_ayacucho_entierra", "larepublica_20221219_ayacucho9",
                       "larepublica_20250904_reconstruccion", "hytimes_20251222_pichanaqui",
                       "ojopublico_20231210_juliaca", "micaelas_202501"}


def test_blockade_without_force_is_not_applicable(cleaned):
    out, _ = cleaned
    b = out[(out["context"] == "blockade") & out["force_raw"].isna()]
    assert len(b) > 0 and (b["force"] == "not_applicable").all()
    assert (out.loc[out["force_raw"].isna() & (out["context"] != "blockade"), "force"] == "unknown").all()


def test_log_counts_rules(cleaned):
    out, log = cleaned
    cause_lines = [e for e in log.of_kind("rule") if e["detail"].startswith("cause:")]
    total = sum(int(e["detail"].split()[1]) for e in cause_lines)
    assert total == len(out)


def _broken(tmp_path, field, value, row=1):
    shutil.copy(CAS / "sources.csv", tmp_path / "sources.csv")
    raw = pd.read_csv(CAS / "mentions.csv", dtype=str, keep_default_na=False)
    raw.loc[row, field] = value
    raw.to_csv(tmp_path / "mentions.csv", index=False)
    m = read_mentions(tmp_path / "mentions.csv")
    with pytest.raises(RawDataError) as e:
        clean_mentions(m, read_sources(tmp_path / "sources.csv"), GAZ, StepLog(), "mentions.csv")
    return e.value


def test_unknown_place_names_file_row_field(tmp_path):
    err = _broken(tmp_path, "place_as_printed", "Atlantis", row=4)
    assert (err.file, err.row, err.field) == ("mentions.csv", 6, "place_as_printed")


def test_impossible_date_names_file_row_field(tmp_path):
    err = _broken(tmp_path, "date_as_printed", "31/02/2023", row=2)
    assert (err.row, err.field) == (4, "date_as_printed") and "31/02/2023" in str(err)


def test_impossible_age_names_file_row_field(tmp_path):
    err = _broken(tmp_path, "age_as_printed", "140 años", row=0)
    assert (err.row, err.field) == (2, "age_as_printed") and "mentions.csv" in str(err)


def test_error_row_is_the_raw_row_after_paraphrase_rows_are_dropped(tmp_path):
    """include_paraphrase: false drops rows before cleaning; the error still names the row of the raw file."""
    from analysis.register import manifest, build as register
    raw_dir = tmp_path / "raw"
    shutil.copytree(RAW, raw_dir)
    mentions = pd.read_csv(CAS / "mentions.csv", dtype=str, keep_default_na=False)
    paraphrase = mentions.index[mentions["quote_kind"] == "paraphrase"]
    bad = mentions.index[(mentions["quote_kind"] == "verbatim") & (mentions.index > paraphrase[2])][0]
    dropped_before = int((paraphrase < bad).sum())
    assert dropped_before >= 3
    mentions.loc[bad, "place_as_printed"] = "Atlantis"
    path = raw_dir / "casualties" / "mentions.csv"
    mentions.to_csv(path, index=False, lineterminator="\n")
    table = manifest.read_manifest(raw_dir / "MANIFEST.csv")  # a legitimate edit: the manifest follows it
    row = table["path"] == "casualties/mentions.csv"
    table.loc[row, "sha256"], table.loc[row, "bytes"] = manifest.sha256(path), str(path.stat().st_size)
    table.to_csv(raw_dir / "MANIFEST.csv", index=False)
    with pytest.raises(RawDataError) as err:
        register.build(raw_dir, register.Params(include_paraphrase=False))
    assert (err.value.file, err.value.row, err.value.field) == (
        "data/raw/casualties/mentions.csv", bad + 2, "place_as_printed")
    assert "Atlantis" in err.value.message


def _cleaned_with(tmp_path, field, value, row):
    shutil.copy(CAS / "sources.csv", tmp_path / "sources.csv")
    raw = pd.read_csv(CAS / "mentions.csv", dtype=str, keep_default_na=False)
    raw.loc[row, field] = value
    raw.to_csv(tmp_path / "mentions.csv", index=False)
    out = clean_mentions(read_mentions(tmp_path / "mentions.csv"), read_sources(tmp_path / "sources.csv"), GAZ,
                         StepLog(), "mentions.csv")
    return out.iloc[row]


def test_iso_date_parses(tmp_path):
    r = _cleaned_with(tmp_path, "date_as_printed", "2022-12-15", row=3)  # source published 2022-12-26
    assert pd.isna(r["date_injury"]) and (r["date_death"], r["date_raw"]) == ("2022-12-15", "2022-12-15")
    assert r["date_rule"] == "ISO yyyy-mm-dd; single date = date of death"


def test_two_dates_in_one_piece_both_count(tmp_path):
    r = _cleaned_with(tmp_path, "date_as_printed", "herido el 12/12/2022 y murió el 20/12/2022", row=3)
    assert (r["date_injury"], r["date_death"]) == ("2022-12-12", "2022-12-20")
    assert "also printed in 'herido el 12/12/2022 y murió el 20/12/2022': 2022-12-20" in r["date_rule"]


@pytest.mark.parametrize("value,bad", [
    ("2023-02-30", "2023-02-30"),                         # ISO, impossible: once silently unresolved
    ("15/12/2022 y 30/02/2023", "15/12/2022 y 30/02/2023"),  # impossible second part: once ignored
    ("el 15 de diciembre ; el 31 de junio", "el 31 de junio"),
    ("12/12/2022 y el 30 de febrero de 2023", "12/12/2022 y el 30 de febrero de 2023"),
])
def test_impossible_date_in_any_part_names_file_row_field(tmp_path, value, bad):
    err = _broken(tmp_path, "date_as_printed", value, row=5)
    assert (err.file, err.row, err.field) == ("mentions.csv", 7, "date_as_printed")
    assert f"'{bad}' is not a calendar date" in str(err)


def test_impossible_context_date_names_the_context_field(tmp_path):
    err = _broken(tmp_path, "context_as_printed", "Hospitalizado desde el 30/02/23", row=6)
    assert (err.file, err.row, err.field) == ("mentions.csv", 8, "context_as_printed")
    assert "not a calendar date (2023-02-30)" in str(err)
