"""Raw readers: real files load; broken copies fail naming file, row and field."""
import csv
import shutil

import pytest

from analysis.errors import RawDataError
from analysis.paths import RAW
from analysis.register.sources import (MENTION_COLUMNS, read_aggregate_counts, read_command_timeline, read_events,
                                       read_mentions, read_sources)

CAS = RAW / "casualties"


def _rows(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def _write(path, rows, encoding="utf-8"):
    with open(path, "w", encoding=encoding, errors="replace", newline="") as f:
        csv.writer(f, lineterminator="\r\n").writerows(rows)


@pytest.fixture
def tmp_cas(tmp_path):
    for name in ["mentions.csv", "sources.csv", "aggregate_counts.csv"]:
        shutil.copy(CAS / name, tmp_path / name)
    return tmp_path


def test_real_files_load_with_exact_row_counts():
    sources = read_sources(CAS / "sources.csv")
    mentions = read_mentions(CAS / "mentions.csv")
    counts = read_aggregate_counts(CAS / "aggregate_counts.csv")
    assert len(mentions) == len(_rows(CAS / "mentions.csv")) - 1 == 326  # FIELDS.md: 326 rows
    assert len(counts) == len(_rows(CAS / "aggregate_counts.csv")) - 1 == 218
    assert len(sources) == len(_rows(CAS / "sources.csv")) - 1
    assert list(mentions.columns) == MENTION_COLUMNS
    assert mentions["mention_id"].is_unique and set(mentions["source_id"]) <= set(sources["source_id"])
    assert len(read_events(RAW / "context" / "events.csv")) == len(_rows(RAW / "context" / "events.csv")) - 1
    assert len(read_command_timeline(RAW / "context" / "command_timeline.csv")) == \
        len(_rows(RAW / "context" / "command_timeline.csv")) - 1


def test_missing_column_named(tmp_cas):
    rows = _rows(tmp_cas / "mentions.csv")
    col = rows[0].index("age_as_printed")
    _write(tmp_cas / "mentions.csv", [r[:col] + r[col + 1:] for r in rows])
    with pytest.raises(RawDataError) as e:
        read_mentions(tmp_cas / "mentions.csv")
    assert e.value.field == "age_as_printed" and e.value.row == 1
    assert "mentions.csv" in str(e.value) and "age_as_printed" in str(e.value)


def test_extra_column_named(tmp_cas):
    rows = _rows(tmp_cas / "sources.csv")
    _write(tmp_cas / "sources.csv", [r + ["x"] for r in rows[:1]] + [r + [""] for r in rows[1:]])
    with pytest.raises(RawDataError) as e:
        read_sources(tmp_cas / "sources.csv")
    assert e.value.field == "x" and "sources.csv" in e.value.file


def test_duplicate_mention_id(tmp_cas):
    rows = _rows(tmp_cas / "mentions.csv")
    rows[5][0] = rows[4][0]  # data row 5 (line 6) reuses the id of line 5
    _write(tmp_cas / "mentions.csv", rows)
    with pytest.raises(RawDataError) as e:
        read_mentions(tmp_cas / "mentions.csv")
    assert (e.value.row, e.value.field) == (6, "mention_id") and "row 5" in str(e.value)


def test_duplicated_mention_same_source_name_and_fields(tmp_cas):
    rows = _rows(tmp_cas / "mentions.csv")
    copy = list(rows[1])
    copy[0] = "M9999"
    rows.append(copy)
    _write(tmp_cas / "mentions.csv", rows)
    with pytest.raises(RawDataError) as e:
        read_mentions(tmp_cas / "mentions.csv")
    assert e.value.row == len(rows) and e.value.field == "name_as_printed"
    assert "duplicated mention" in str(e.value) and "row 2" in str(e.value)


def test_unknown_source_id(tmp_cas):
    rows = _rows(tmp_cas / "mentions.csv")
    rows[3][1] = "no_such_source"
    _write(tmp_cas / "mentions.csv", rows)
    with pytest.raises(RawDataError) as e:
        read_mentions(tmp_cas / "mentions.csv")
    assert (e.value.row, e.value.field) == (4, "source_id")


def test_impossible_iso_date(tmp_cas):
    rows = _rows(tmp_cas / "aggregate_counts.csv")
    col = rows[0].index("as_of_date")
    rows[2][col] = "2023-02-30"
    _write(tmp_cas / "aggregate_counts.csv", rows)
    with pytest.raises(RawDataError) as e:
        read_aggregate_counts(tmp_cas / "aggregate_counts.csv")
    assert (e.value.row, e.value.field) == (3, "as_of_date") and "2023-02-30" in str(e.value)


def test_required_field_empty(tmp_cas):
    rows = _rows(tmp_cas / "mentions.csv")
    rows[7][rows[0].index("quote")] = " "
    _write(tmp_cas / "mentions.csv", rows)
    with pytest.raises(RawDataError) as e:
        read_mentions(tmp_cas / "mentions.csv")
    assert (e.value.row, e.value.field) == (8, "quote")


def test_latin1_file_names_row_and_field(tmp_cas):
    rows = _rows(tmp_cas / "mentions.csv")[:6]
    _write(tmp_cas / "mentions.csv", rows, encoding="latin-1")  # 'Apurímac' → byte 0xed, not UTF-8
    first = next((i, j) for i, r in enumerate(rows) for j, c in enumerate(r) if any(ord(ch) > 127 for ch in c))
    with pytest.raises(RawDataError) as e:
        read_mentions(tmp_cas / "mentions.csv")
    assert e.value.row == first[0] + 1 and e.value.field == rows[0][first[1]]
    assert "UTF-8" in str(e.value) and "mentions.csv" in str(e.value)


def test_event_dates_checked_inside_free_text(tmp_path):
    rows = _rows(RAW / "context" / "events.csv")
    rows[1][rows[0].index("dates")] = "2022-12-32 to 2022-12-12"
    _write(tmp_path / "events.csv", rows)
    with pytest.raises(RawDataError) as e:
        read_events(tmp_path / "events.csv")
    assert (e.value.row, e.value.field) == (2, "dates")


def test_byte_order_mark_is_not_part_of_the_first_column(tmp_cas):
    path = tmp_cas / "mentions.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert read_mentions(path).equals(read_mentions(CAS / "mentions.csv"))


@pytest.mark.parametrize("reader, name", [(read_mentions, "mentions.csv"), (read_sources, "sources.csv"),
                                          (read_aggregate_counts, "aggregate_counts.csv")])
def test_header_only_file_is_named_as_the_raw_file(tmp_cas, reader, name):
    rows = _rows(tmp_cas / name)
    _write(tmp_cas / name, rows[:1])
    with pytest.raises(RawDataError) as e:
        reader(tmp_cas / name)
    assert e.value.file.endswith(f"/{name}") and (e.value.row, e.value.field) == (None, None)
    assert e.value.message == "the file has a header but no data rows"
