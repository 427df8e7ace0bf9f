"""The register end to end: properties of the processed tables, determinism, and bad raw input.

The bad-input corpus mutates a copy of data/raw/ (re-hashing the manifest, except for the tampered-hash case)
and checks that the run fails with a message naming file, row and field, and that the output directory stays
byte-identical (outputs are written all or nothing).
"""
import hashlib
import shutil

import pandas as pd
import pytest

from analysis.register import manifest, build as register, sources
from analysis import paths
from analysis.errors import RawDataError
from analysis.io import write_csv_atomic


@pytest.fixture(scope="module")
def reg():
    return register.build()


def test_one_row_per_person(reg):
    v = reg.tables["victims"]
    assert v["victim_id"].is_unique
    ident = v[v["identified"]]
    # no person appears twice: no two identified persons share a mention
    mentions = ident["mention_ids"].str.split(" ; ").explode()
    assert mentions.is_unique


def test_identified_cite_known_sources(reg):
    known = set(sources.read_sources(paths.RAW / "casualties/sources.csv")["source_id"])
    for ids in reg.tables["victims"].query("identified")["source_ids"]:
        cited = ids.split(" ; ")
        assert cited and set(cited) <= known


def test_linked_mentions_point_to_persons(reg):
    linked = reg.tables["mentions_linked"]
    persons = set(reg.tables["victims"]["victim_id"])
    ok = linked[linked["link_status"] == "linked"]
    assert ok["victim_id"].notna().all()
    assert {p for p in persons if p.startswith("V")} <= set(ok["victim_id"])
    assert linked.loc[linked["link_status"] == "unattributed", "victim_id"].isna().all()
    # a retracted cluster keeps its id in mentions_linked for the record, but is not a person
    assert not set(linked.loc[linked["link_status"] == "retracted", "victim_id"]) & persons
    assert len(linked) == len(sources.read_mentions(paths.RAW / "casualties/mentions.csv"))


def test_retracted_person_not_in_register(reg):
    v = reg.tables["victims"]
    assert not v["display_name"].fillna("").str.contains("Lloclla", case=False).any()
    assert (reg.tables["mentions_linked"]["link_status"] == "retracted").sum() >= 1


def test_official_totals_match_after_unidentified(reg):
    """At the latest official snapshot the persons certainly covered are recomputed here from victims.csv; every
    cell holds exactly but clash, one over (see test_who_counts)."""
    identity = reg.tables["reconciliation_identity"]
    latest = identity[(identity["level"] == "national") & (identity["as_of"] == identity["as_of"].max())]
    v = reg.tables["victims"]
    for cell in latest.itertuples():
        in_cell = v["context"].eq(cell.category) & v["date_death_max"].fillna("9999").le(cell.as_of)
        if cell.geo != "national":
            in_cell &= v["department"].eq(cell.geo)
        assert int(in_cell.sum()) == cell.total_certain, cell
        assert int(in_cell.sum()) - cell.count == (1 if cell.category == "clash" else 0), cell


def test_unidentified_records_carry_only_the_count(reg):
    u = reg.tables["victims"].query("~identified")
    assert u["display_name"].isna().all() and u["age_years"].isna().all() and u["date_death"].isna().all()
    assert (u[["sex", "cause", "wound", "force"]] == "unknown").all().all()
    assert u["unidentified_basis"].notna().all()


def _files(d):
    return {p.name: p.read_bytes() for p in sorted(d.iterdir()) if p.is_file()}


def test_two_runs_byte_identical(tmp_path, reg):
    register.write(reg, tmp_path / "a")
    register.write(register.build(), tmp_path / "b")
    a, b = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert a.keys() == b.keys() and all(a[k] == b[k] for k in a), [k for k in a if a[k] != b.get(k)]


# ---- bad input -----------------------------------------------------------------------------------------
MENTIONS = "casualties/mentions.csv"


def _mutate_csv(raw, fn):
    path = raw / MENTIONS
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    fn(df)
    df.to_csv(path, index=False, lineterminator="\r\n")


def _set(row, field, value):
    return lambda df: df.__setitem__(field, df[field].where(df.index != row - 2, value))


CASES = {
    "missing column": (lambda raw: _mutate_csv(raw, lambda df: df.pop("place_as_printed")),
                       r"mentions\.csv.*field 'place_as_printed'"),
    "unknown place": (lambda raw: _mutate_csv(raw, _set(5, "place_as_printed", "Atlántida (Narnia)")),
                      r"mentions\.csv, row 5, field 'place_as_printed'"),
    "impossible date": (lambda raw: _mutate_csv(raw, _set(7, "date_as_printed", "31/02/2023")),
                        r"mentions\.csv, row 7, field 'date_as_printed'"),
    "impossible age": (lambda raw: _mutate_csv(raw, _set(9, "age_as_printed", "187 años")),
                       r"mentions\.csv, row 9, field 'age_as_printed'"),
    "duplicated mention": (lambda raw: _mutate_csv(raw, lambda df: df.loc.__setitem__(
        len(df), {**df.iloc[3].to_dict(), "mention_id": "M9999"})), r"mentions\.csv, row \d+, field 'name_as_printed'.*duplicated"),
    "wrong encoding": (lambda raw: (raw / MENTIONS).write_bytes(
        (raw / MENTIONS).read_text(encoding="utf-8").encode("latin-1", errors="replace")), r"mentions\.csv, row \d+"),
}


def _copy_raw(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(paths.RAW, raw)
    return raw


def _rehash(raw):
    table = manifest.read_manifest(raw / "MANIFEST.csv")
    table["sha256"] = [manifest.sha256(raw / p) for p in table["path"]]
    table["bytes"] = [(raw / p).stat().st_size for p in table["path"]]
    write_csv_atomic(table, raw / "MANIFEST.csv")


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory, reg):
    out = tmp_path_factory.mktemp("processed")
    register.write(reg, out)
    return out, {k: hashlib.sha256(v).hexdigest() for k, v in _files(out).items()}


def _run_and_check(raw, out, before, pattern):
    with pytest.raises(RawDataError, match=pattern):
        register.write(register.build(raw_dir=raw), out)
    assert {k: hashlib.sha256(v).hexdigest() for k, v in _files(out).items()} == before


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_rejected_and_outputs_untouched(case, tmp_path, snapshot):
    mutate, pattern = CASES[case]
    raw = _copy_raw(tmp_path)
    mutate(raw)
    _rehash(raw)
    _run_and_check(raw, *snapshot, pattern)


def test_tampered_raw_file_refused(tmp_path, snapshot):
    raw = _copy_raw(tmp_path)
    target = raw / "casualties" / "aggregate_counts.csv"
    target.write_bytes(target.read_bytes().replace(b"28", b"29", 1))
    _run_and_check(raw, *snapshot, r"data/raw/casualties/aggregate_counts\.csv.*sha256")


def test_alternative_parameters():
    """Sources used, contexts and cut-off are parameters: each changes the register as stated, and logs it."""
    params = register.Params(cutoff_date="2023-01-31", contexts=["clash"], include_paraphrase=False,
                             exclude_sources=["github_timeline_app"])
    alt = register.build(params=params)
    v, m = alt.tables["victims"], alt.tables["mentions_linked"]
    raw = sources.read_mentions(paths.RAW / "casualties/mentions.csv")
    kept = raw[(raw["quote_kind"] != "paraphrase") & (raw["source_id"] != "github_timeline_app")]
    assert sorted(m["mention_id"]) == sorted(kept["mention_id"])
    assert set(v["context"]) == {"clash"}
    assert (v["date_death_min"].dropna() <= "2023-01-31").all()
    drops = [e for e in alt.log.of_kind("drop") if e["step"] == "select_sources"]
    assert len(drops) == len(raw) - len(kept)
    assert alt.tables["reconciliation_identity"]["as_of"].max() <= "2023-01-31"
    assert set(alt.tables["reconciliation_identity"]["holds"]) <= {"exactly", "within possible", "no"}
