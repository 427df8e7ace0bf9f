"""Schemas of every processed table (pandera), checked in the pipeline before anything is written and in tests.

Types, allowed values (from analysis.register.vocab, the one place vocabularies live) and cross-table rules:
one row per person, unique ids, identified persons cite sources present in sources.csv.
"""
import pandera.pandas as pa
from pandera.pandas import Check, Column

from analysis.register import vocab

DATE = r"^\d{4}-\d{2}-\d{2}$"
# Ids are a letter and a number zero-padded to 4 digits, longer past 9,999 without a leading zero
# (V0001, V9999, V10000, V999999): today's ids keep their form and the register holds any number of persons.
NUMBER = r"(?:\d{4}|[1-9]\d{4,})"
VICTIM_ID = "V" + NUMBER
MENTION_ID = "M" + NUMBER
SEP = " ; "


def _codes(values):
    return Check.isin(sorted(values))


def _opt(dtype, *checks, **kw):
    return Column(dtype, list(checks), nullable=True, **kw)


VICTIMS = pa.DataFrameSchema(
    {
        "victim_id": Column(str, Check.str_matches(f"^({VICTIM_ID}|" r"U-C\d{4}-\d+)$"), unique=True),
        "identified": Column(bool),
        "display_name": _opt(str),
        "age_years": _opt("Int64", Check.in_range(0, 110)),
        "age_alternatives": _opt(str),
        "sex": Column(str, _codes(vocab.SEX)),
        "date_injury": _opt(str, Check.str_matches(DATE)),
        "date_death": _opt(str, Check.str_matches(DATE)),
        **{f"date_{w}_{side}": _opt(str, Check.str_matches(DATE))
           for w in ("injury", "death") for side in ("min", "max")},
        "ubigeo_dep": _opt(str, Check.str_matches(r"^(0[1-9]|1\d|2[0-5])$")),
        "department": _opt(str),
        "ubigeo_prov": _opt(str, Check.str_matches(r"^\d{4}$")),
        "province": _opt(str),
        "district": _opt(str),
        "event_id": _opt(str, Check.str_matches(r"^E\d{2}$")),
        "context": Column(str, _codes(vocab.CONTEXT)),
        "cause": Column(str, _codes(vocab.CAUSE)),
        "wound": Column(str, _codes(vocab.WOUND)),
        "force": Column(str, _codes(vocab.FORCE)),
        "n_sources": Column(int, Check.ge(0)),
        "source_ids": _opt(str),
        "conflict_fields": _opt(str),
    },
    strict=False,
    coerce=False,
    name="victims",
)

MENTIONS_LINKED = pa.DataFrameSchema(
    {
        "mention_id": Column(str, Check.str_matches(f"^{MENTION_ID}$"), unique=True),
        "source_id": Column(str),
        "victim_id": _opt(str, Check.str_matches(f"^{VICTIM_ID}$")),
        "link_status": Column(str, Check.isin(["linked", "retracted", "unattributed"])),
    },
    strict=False,
    name="mentions_linked",
)

MATCH_REPORT = pa.DataFrameSchema(
    {
        "decision": Column(str, Check.isin(["merged", "rejected"])),
        "reason": Column(str, Check.str_length(min_value=1)),
    },
    strict=False,
    name="match_report",
)

RECONCILIATION = pa.DataFrameSchema(
    {"count_id": Column(str, Check.str_matches(r"^C\d{4}$"), unique=True)},
    strict=False,
    name="reconciliation",
)

DEPARTMENTS = pa.DataFrameSchema(
    {
        "ubigeo_dep": Column(str, Check.str_matches(r"^(0[1-9]|1\d|2[0-5])$"), unique=True),
        "department": Column(str),
        "pop_census_2017_persons": Column(int, Check.gt(0)),
        "indig_selfid_pct": _opt(float, Check.in_range(0, 100)),
        "indig_mothertongue_pct": _opt(float, Check.in_range(0, 100)),
        "coverage": Column(str),
    },
    checks=[Check(lambda df: len(df) == 25, error="departments must hold all 25 units")],
    strict=False,
    name="departments",
)

EVENTS = pa.DataFrameSchema(
    {"event_id": Column(str, Check.str_matches(r"^E\d{2}$"), unique=True)},
    strict=False,
    name="events",
)

SCHEMAS = {"victims": VICTIMS, "mentions_linked": MENTIONS_LINKED, "match_report": MATCH_REPORT,
           "reconciliation": RECONCILIATION, "departments": DEPARTMENTS, "events": EVENTS}


# Column types of each table as read back from CSV (every other column stays text).
TYPES = {
    "victims": {"identified": "bool", "age_years": "Int64", "n_mentions": "int", "n_sources": "int"},
    "departments": {"pop_census_2017_persons": "int"},
    "events": {},
}


def coerce(name: str, df):
    """Type a table read back as text (dtype=str, empty = missing) for validation and analysis: booleans,
    integers and every column the schema declares as float; the rest stays text."""
    out = df.copy()
    for col, kind in TYPES.get(name, {}).items():
        if col not in out:
            continue
        if kind == "bool":
            out[col] = out[col].astype("string").str.lower().map({"true": True, "false": False}).astype(bool)
        else:
            out[col] = out[col].astype("Float64").astype("Int64" if kind == "Int64" else "int64")
    for col, column in SCHEMAS[name].columns.items():
        if col in out and str(column.dtype) == "float64":
            out[col] = out[col].astype(float)
    return out


class SchemaError(ValueError):
    """A processed table violates its schema; the message names the table, row and field."""


def validate(name: str, df):
    try:
        return SCHEMAS[name].validate(df, lazy=True)
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases.head(5)
        where = "; ".join(f"row {r['index']}, field '{r['column']}': {r['check']} failed on {r['failure_case']!r}"
                          for r in cases.to_dict("records"))
        raise SchemaError(f"processed table {name}.csv: {where}") from None


def check_sources_cited(victims, sources) -> None:
    """Every identified person cites at least one source, and every cited source exists in sources.csv."""
    known = set(sources["source_id"])
    for row in victims[victims["identified"]].itertuples():
        cited = [s for s in str(row.source_ids or "").split(SEP) if s]
        if not cited:
            raise SchemaError(f"processed table victims.csv: {row.victim_id}, field 'source_ids': no source cited")
        missing = [s for s in cited if s not in known]
        if missing:
            raise SchemaError(f"processed table victims.csv: {row.victim_id}, field 'source_ids': "
                              f"{missing[0]} not in sources.csv")


def validate_all(tables: dict, sources) -> dict:
    out = {name: validate(name, df) if name in SCHEMAS else df for name, df in tables.items()}
    check_sources_cited(out["victims"], sources)
    return out
