"""Readers for the raw casualty and context tables (HRDAG style: assert only what is expected).

Every reader returns a DataFrame of str (empty cells are ""), in file order, with exactly the expected
columns and the 0-based data row as index (errors.data_row(index) is the spreadsheet row): steps that select
rows keep that index, so their errors still name the raw row. Anything unexpected fails with RawDataError
naming the file, the spreadsheet row (header = 1) and the field. Nothing is dropped or repaired here.
"""
import csv
import datetime as dt
import io
import re
from pathlib import Path

import pandas as pd

from analysis.errors import RawDataError, data_row
from analysis.paths import rel

MENTION_COLUMNS = ["mention_id", "source_id", "name_as_printed", "age_as_printed", "sex_as_printed",
                   "date_as_printed", "place_as_printed", "cause_as_printed", "wound_as_printed",
                   "force_as_printed", "status_as_printed", "context_as_printed", "retraction", "language",
                   "quote_kind", "quote"]
SOURCE_COLUMNS = ["source_id", "publisher", "title", "published_date", "cutoff_date", "url", "kind", "notes"]
COUNT_COLUMNS = ["count_id", "source_id", "as_of_date", "geography", "category_as_printed", "count", "quote"]
EVENT_COLUMNS = ["event_label", "dates", "district", "province", "department", "deaths_civilians",
                 "police_deaths", "injured", "force_deployed", "main_weapon_reported", "notes", "source_url"]
COMMAND_COLUMNS = ["date", "role", "person", "event", "quote", "url"]

LANGUAGES = {"es", "en", "pt", "und"}
QUOTE_KINDS = {"verbatim", "paraphrase"}

_ISO_FULL = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_MONTH = re.compile(r"^\d{4}-\d{2}$")
_ISO_IN_TEXT = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def _label(path) -> str:
    return rel(Path(path))


def _decode(path) -> str:
    """Strict UTF-8. A bad byte is reported with the spreadsheet row and the column it sits in.

    A byte-order mark at the start (spreadsheets write one) is not data: it is dropped, as pandas does, rather
    than becoming part of the first column's name."""
    data = Path(path).read_bytes()
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as err:
        row, field = _locate_bad_byte(data)
        raise RawDataError(_label(path), row, field,
                           f"not valid UTF-8 (byte 0x{data[err.start]:02x} at offset {err.start}); "
                           "re-save the file as UTF-8") from None


def _locate_bad_byte(data: bytes):
    """(row, column name) of the first cell holding an undecodable byte; header is row 1."""
    rows = list(csv.reader(io.StringIO(data.decode("utf-8", errors="replace"), newline="")))
    header = rows[0] if rows else []
    for r, row in enumerate(rows, start=1):
        for c, cell in enumerate(row):
            if "\ufffd" in cell:
                return r, (header[c] if r > 1 and c < len(header) else None)
    return None, None


def _read_table(path, columns: list) -> pd.DataFrame:
    """Parse a UTF-8 CSV into str columns and check the header is exactly `columns`."""
    label = _label(path)
    text = _decode(path)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows:
        raise RawDataError(label, None, None, "file is empty")
    header = rows[0]
    missing = [c for c in columns if c not in header]
    extra = [c for c in header if c not in columns]
    if missing:
        raise RawDataError(label, 1, missing[0], f"expected column missing (all missing: {missing})")
    if extra:
        raise RawDataError(label, 1, extra[0], f"unexpected column (all unexpected: {extra})")
    if len(set(header)) != len(header):
        dup = next(c for c in header if header.count(c) > 1)
        raise RawDataError(label, 1, dup, "column appears twice in the header")
    body = rows[1:]
    if not body:
        raise RawDataError(label, None, None, "the file has a header but no data rows")
    for i, row in enumerate(body):
        if len(row) != len(header):
            raise RawDataError(label, data_row(i), None,
                               f"{len(row)} cells where the header has {len(header)}")
    df = pd.DataFrame(body, columns=header, dtype=str)
    return df[columns].reset_index(drop=True)


def _require(df, label, fields) -> None:
    for field in fields:
        blank = df.index[df[field].str.strip() == ""]
        if len(blank):
            raise RawDataError(label, data_row(blank[0]), field, "required value is empty")


def _unique(df, label, field) -> None:
    dup = df.index[df[field].duplicated()]
    if len(dup):
        first = df.index[df[field] == df.at[dup[0], field]][0]
        raise RawDataError(label, data_row(dup[0]), field,
                           f"duplicate id '{df.at[dup[0], field]}' (first at row {data_row(first)})")


def _valid_iso(value: str) -> bool:
    try:
        dt.date.fromisoformat(value)
        return True
    except ValueError:
        return False


def _iso_dates(df, label, field, allow_empty=True, allow_month=False) -> None:
    """Column holds ISO dates (YYYY-MM-DD; YYYY-MM when allow_month), valid on the calendar."""
    for i, value in df[field].items():
        if value == "" and allow_empty:
            continue
        if allow_month and _ISO_MONTH.match(value) and 1 <= int(value[5:]) <= 12:
            continue
        if not (_ISO_FULL.match(value) and _valid_iso(value)):
            raise RawDataError(label, data_row(i), field, f"'{value}' is not a valid ISO date")


def _iso_dates_in_text(df, label, field) -> None:
    """Free-text date column: every YYYY-MM-DD inside it must be a real calendar date."""
    for i, value in df[field].items():
        for token in _ISO_IN_TEXT.findall(value):
            if not _valid_iso(token):
                raise RawDataError(label, data_row(i), field, f"'{token}' is not a valid date")


def _in_set(df, label, field, allowed) -> None:
    bad = df.index[~df[field].isin(sorted(allowed))]
    if len(bad):
        raise RawDataError(label, data_row(bad[0]), field,
                           f"'{df.at[bad[0], field]}' not one of {sorted(allowed)}")


def _foreign_key(df, label, field, known: set, target: str) -> None:
    bad = df.index[~df[field].isin(sorted(known))]
    if len(bad):
        raise RawDataError(label, data_row(bad[0]), field,
                           f"'{df.at[bad[0], field]}' does not exist in {target}")


def read_sources(path) -> pd.DataFrame:
    """sources.csv: one row per source; kind must be a kind ranked in vocab.SOURCE_PRECEDENCE."""
    from analysis.register.vocab import SOURCE_PRECEDENCE
    label = _label(path)
    df = _read_table(path, SOURCE_COLUMNS)
    _require(df, label, ["source_id", "publisher", "title", "kind"])
    _unique(df, label, "source_id")
    _iso_dates(df, label, "published_date", allow_month=True)
    _iso_dates(df, label, "cutoff_date")
    _in_set(df, label, "kind", set(SOURCE_PRECEDENCE))
    return df


def _default_sources_path(path) -> Path:
    return Path(path).with_name("sources.csv")


def read_mentions(path, sources_path=None) -> pd.DataFrame:
    """mentions.csv: one row per (source, person). source_id must exist in sources.csv (same folder
    unless `sources_path` is given); a row repeating another row of the same source in every field
    but mention_id and quote is a duplicate."""
    label = _label(path)
    df = _read_table(path, MENTION_COLUMNS)
    _require(df, label, ["mention_id", "source_id", "language", "quote_kind", "quote"])
    _unique(df, label, "mention_id")
    _in_set(df, label, "language", LANGUAGES)
    _in_set(df, label, "quote_kind", QUOTE_KINDS)
    sources = read_sources(sources_path or _default_sources_path(path))
    _foreign_key(df, label, "source_id", set(sources["source_id"]), "sources.csv")
    same = [c for c in MENTION_COLUMNS if c not in ("mention_id", "quote")]
    dup = df.index[df.duplicated(same)]
    if len(dup):
        row = df.loc[dup[0]]
        first = df.index[(df[same] == row[same]).all(axis=1)][0]
        raise RawDataError(label, data_row(dup[0]), "name_as_printed",
                           f"duplicated mention: same source '{row['source_id']}', name "
                           f"'{row['name_as_printed']}' and fields as row {data_row(first)}")
    return df


def read_aggregate_counts(path, sources_path=None) -> pd.DataFrame:
    """aggregate_counts.csv: one published count per row; count a non-negative integer."""
    label = _label(path)
    df = _read_table(path, COUNT_COLUMNS)
    _require(df, label, ["count_id", "source_id", "geography", "category_as_printed", "count", "quote"])
    _unique(df, label, "count_id")
    _iso_dates(df, label, "as_of_date")
    bad = df.index[~df["count"].str.fullmatch(r"\d+")]
    if len(bad):
        raise RawDataError(label, data_row(bad[0]), "count",
                           f"'{df.at[bad[0], 'count']}' is not a non-negative integer")
    sources = read_sources(sources_path or _default_sources_path(path))
    _foreign_key(df, label, "source_id", set(sources["source_id"]), "sources.csv")
    return df


def read_events(path) -> pd.DataFrame:
    """context/events.csv: `dates` is free text; every ISO date inside it must be real."""
    label = _label(path)
    df = _read_table(path, EVENT_COLUMNS)
    _require(df, label, [c for c in EVENT_COLUMNS if c != "notes"])
    _unique(df, label, "event_label")
    _iso_dates_in_text(df, label, "dates")
    return df


def read_command_timeline(path) -> pd.DataFrame:
    """context/command_timeline.csv: `date` is free text ('2023-01 and 2023-03', 'n/a'); ISO dates
    inside it must be real."""
    label = _label(path)
    df = _read_table(path, COMMAND_COLUMNS)
    _require(df, label, ["date", "role", "person", "event", "url"])
    _iso_dates_in_text(df, label, "date")
    return df
