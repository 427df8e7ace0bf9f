"""Frictionless data package of data/processed/ (`datapackage.json`), generated from the codebook.

Each processed table becomes a resource whose schema comes from the codebook rows of that table: field names,
types (mapped from the codebook's dtype), descriptions (the codebook's meanings) and constraints taken from the
same places as the codebook's "allowed values" (the controlled vocabularies of analysis.register.vocab and the checks of
analysis.register.schemas). Ids the schemas declare unique are primary keys; the links between tables are foreign keys.
Sources come from data/raw/MANIFEST.csv; the data's terms, which differ by source, are in DATA_LICENSES.md.
Nothing here is dated or hashed, so the file changes only when the codebook or the raw manifest does.

`write(book, out_dir)` is called by analysis.register.build.write after the tables and the codebook are staged.
"""
import re
from pathlib import Path

import pandas as pd

from analysis.register import codebook, schemas
from analysis import paths
from analysis.io import write_json_atomic

NAME = "peru-protests-2022-2023-register"
TITLE = "Casualties of Peru's protests, December 2022 - March 2023: the processed register"
DESCRIPTION = ("One row per person killed, every source mention linked to its person, the reconciliation of the "
               "published counts, the departments' covariates and the lethal events, as written by notebook "
               "01-register from data/raw/. Every field is described in codebook.csv. 'unknown' and "
               "'not_applicable' are values; an empty cell is unknown. Terms of use differ by source: see "
               "DATA_LICENSES.md at the root of the repository.")
LICENSES = [{"path": "../../DATA_LICENSES.md",
             "title": "No single licence: the terms of each source group (facts and short quotes of the press, "
                      "figures republished from INEI, MINSA and the Defensoría, sources whose terms are unknown, "
                      "no licence chosen yet for the project's own data) are stated in DATA_LICENSES.md"}]
CONTRIBUTORS = [{"title": "The peru-protests-analysis contributors", "role": "author"}]
KEYWORDS = ["Peru", "protests", "2022-2023", "human rights", "casualties", "Defensoría del Pueblo", "register"]

# Raw inputs of each table (paths under data/raw/, or data/hand/ for the project's own hand decisions).
RAW_INPUTS = {
    "victims": ["casualties/mentions.csv", "casualties/sources.csv", "casualties/aggregate_counts.csv"],
    "mentions_linked": ["casualties/mentions.csv", "casualties/sources.csv"],
    "match_report": ["casualties/mentions.csv"],
    "reconciliation": ["casualties/aggregate_counts.csv", "casualties/sources.csv"],
    "reconciliation_identity": ["casualties/aggregate_counts.csv", "casualties/sources.csv"],
    "departments": ["covariates/departments.csv", "covariates/sources.csv",
                    "covariates/ethnicity/ethnicity_by_department.csv", "covariates/ethnicity/sources.csv"],
    "events": ["context/events.csv"],
    "published_claims": ["context/published_claims.csv"],
    **{t: ["context/command_timeline.csv"] for t in ("command_tenures", "command_statements", "command_observed",
                                                   "command_measures", "command_measures_excluded")},
}
HAND = {"title": "The project's hand decisions (data/hand/), each with its evidence", "path": "../hand/"}

# table.field -> referenced table.field; every non-empty value must exist there. Not mentions_linked.victim_id:
# a retracted mention keeps the id of the person its source retracted, who is not in victims.csv.
FOREIGN_KEYS = {
    ("victims", "event_id"): ("events", "event_id"),
    ("victims", "ubigeo_dep"): ("departments", "ubigeo_dep"),
    ("mentions_linked", "event_id"): ("events", "event_id"),
    ("reconciliation_identity", "count_id"): ("reconciliation", "count_id"),
}

# The two tables that document the others are described here, not in the codebook (which they are).
META = {
    "codebook": {
        "description": "every field of every table: meaning, type, allowed values, % missing, origin",
        "fields": [("table", "string", "table the field belongs to"), ("field", "string", "field name"),
                   ("type", "string", "pandas dtype of the field when written"),
                   ("meaning", "string", "what the field holds"),
                   ("allowed_values", "string", "controlled vocabulary or schema checks ('any' = free)"),
                   ("pct_missing", "number", "% of empty (unknown) values"),
                   ("origin", "string", "where the table comes from")]},
    "cleaning_log": {
        "description": "counts in and out of every step; every drop, merge, override and rule",
        "fields": [("step", "string", "pipeline step"), ("kind", "string", "counts or the kind of decision"),
                   ("n_in", "integer", "rows in (counts entries)"), ("n_out", "integer", "rows out (counts entries)"),
                   ("unit", "string", "unit of the counts"), ("ref", "string", "row, mention or person concerned"),
                   ("detail", "string", "what was done and why")]},
}

TYPES = {"str": "string", "string": "string", "object": "string", "bool": "boolean", "boolean": "boolean",
         "int64": "integer", "Int64": "integer", "float64": "number", "Float64": "number"}


def field_type(dtype: str, meaning: str, pattern: str | None) -> str:
    """Frictionless type of a codebook field: ISO dates (the schema's date check, or a meaning saying ISO) are
    dates; otherwise the dtype's type. An unmapped dtype is an error, so a new dtype is a decision."""
    if pattern == schemas.DATE or "(ISO" in meaning:
        return "date"
    if dtype not in TYPES:
        raise KeyError(f"datapackage: codebook type '{dtype}' has no Frictionless type (add it to TYPES)")
    return TYPES[dtype]


def _checks(table: str, field: str) -> tuple:
    schema = schemas.SCHEMAS.get(table)
    column = schema.columns.get(field) if schema is not None else None
    return (column, list(column.checks)) if column is not None else (None, [])


def constraints(table: str, field: str, ftype: str) -> dict:
    """Constraints of one field from the vocabularies and the pandera checks the codebook reads."""
    column, checks = _checks(table, field)
    out = {}
    if field in codebook.VOCABS and table in ("victims", "mentions_linked"):
        out["enum"] = list(codebook.VOCABS[field])
    for check in checks:
        stats = check.statistics or {}
        if check.name == "isin":
            out["enum"] = list(stats["allowed_values"])
        elif check.name == "str_matches" and ftype == "string":
            out["pattern"] = stats["pattern"]
        elif check.name in ("in_range", "greater_than_or_equal_to"):
            out["minimum"] = stats["min_value"]
            if stats.get("max_value") is not None:
                out["maximum"] = stats["max_value"]
        elif check.name == "greater_than" and ftype == "integer":  # Table Schema v1 has no exclusive minimum
            out["minimum"] = stats["min_value"] + 1
        elif check.name == "str_length" and stats.get("min_value"):
            out["minLength"] = stats["min_value"]
    if column is not None and not column.nullable:
        out["required"] = True
    if column is not None and column.unique:
        out["unique"] = True
    return out


def _pattern(table: str, field: str) -> str | None:
    _, checks = _checks(table, field)
    return next((c.statistics["pattern"] for c in checks if c.name == "str_matches"), None)


def table_schema(table: str, rows: pd.DataFrame, tables: set) -> dict:
    """Schema of one table from its codebook rows; foreign keys only to tables in the package."""
    fields = []
    for r in rows.itertuples():
        ftype = field_type(r.type, r.meaning, _pattern(table, r.field))
        field = {"name": r.field, "type": ftype, "description": r.meaning}
        if ftype == "date":
            field["format"] = "default"  # ISO 8601 YYYY-MM-DD
        cons = constraints(table, r.field, ftype)
        if cons:
            field["constraints"] = cons
        fields.append(field)
    schema = {"fields": fields, "missingValues": [""]}
    keys = [f["name"] for f in fields if f.get("constraints", {}).get("unique")]  # the schemas' unique ids
    if keys:
        schema["primaryKey"] = keys
    fks = [{"fields": [f], "reference": {"resource": ref, "fields": [rf]}}
           for (t, f), (ref, rf) in sorted(FOREIGN_KEYS.items())
           if t == table and f in set(rows["field"]) and ref in tables]
    if fks:
        schema["foreignKeys"] = fks
    return schema


def _source(entry: dict) -> dict:
    """A manifest row as a Frictionless source: its publisher, its URL, or the raw file holding per-row URLs."""
    url = entry["url"]
    path = url if re.match(r"https?://", url) else f"../raw/{entry['path']}"
    return {"title": entry["publisher"], "path": path}


def package_sources(manifest: pd.DataFrame) -> list:
    """Every distinct publisher and URL of the raw files, in manifest order; a publisher without a URL (the
    research packet, whose files carry per-row URLs) points to the manifest that lists its files."""
    seen, out = set(), []
    for entry in manifest.to_dict("records"):
        src = _source(entry)
        if not src["path"].startswith("http"):
            src["path"] = "../raw/MANIFEST.csv"
        if (src["title"], src["path"]) not in seen:
            seen.add((src["title"], src["path"]))
            out.append(src)
    return out + [HAND]


def resource_sources(table: str, manifest: pd.DataFrame) -> list:
    """The raw files the table derives from, and the hand decisions."""
    by_path = {e["path"]: e for e in manifest.to_dict("records")}
    missing = [p for p in RAW_INPUTS.get(table, []) if p not in by_path]
    if missing:
        raise KeyError(f"datapackage: raw input {missing[0]} of {table} is not in data/raw/MANIFEST.csv")
    return [_source(by_path[p]) for p in RAW_INPUTS.get(table, [])] + [HAND]


def _resource(name: str, description: str, schema: dict, sources: list) -> dict:
    res = {"name": name, "path": f"{name}.csv", "profile": "tabular-data-resource", "format": "csv",
           "mediatype": "text/csv", "encoding": "utf-8", "description": description, "schema": schema}
    if sources:
        res["sources"] = sources
    return res


def build(book: pd.DataFrame, manifest: pd.DataFrame | None = None) -> dict:
    """The datapackage.json descriptor for the tables in `book` (the codebook) and the two meta tables."""
    manifest = pd.read_csv(paths.MANIFEST, dtype=str, keep_default_na=False) if manifest is None else manifest
    tables = list(dict.fromkeys(book["table"]))
    resources = []
    for table in tables:
        rows = book[book["table"] == table]
        origin = str(rows["origin"].iloc[0]) if "origin" in rows and len(rows) else ""
        desc = f"{table}: see codebook.csv for every field." + (f" Origin: {origin}." if origin else "")
        resources.append(_resource(table, desc, table_schema(table, rows, set(tables)),
                                   resource_sources(table, manifest)))
    for name, meta in META.items():
        fields = [{"name": n, "type": t, "description": d} for n, t, d in meta["fields"]]
        resources.append(_resource(name, meta["description"], {"fields": fields, "missingValues": [""]}, []))
    return {"name": NAME, "title": TITLE, "description": DESCRIPTION, "profile": "tabular-data-package",
            "licenses": LICENSES, "contributors": CONTRIBUTORS, "keywords": KEYWORDS,
            "sources": package_sources(manifest), "resources": resources}



def write(book: pd.DataFrame, out_dir) -> Path:
    """Write datapackage.json for the codebook `book` into out_dir (the register's staging directory)."""
    path = Path(out_dir) / "datapackage.json"
    write_json_atomic(build(book), path)
    return path
