"""Codebook of every processed field: meaning, type, allowed values, % missing, origin.

Meanings are written once here (explicitly per column, or by a suffix pattern for families of columns such as
`*_raw`, `*_rule`, `conflict_*`, `*_alternatives`). `build` fails on a column nobody documented, so a new
column cannot reach data/processed/ without its entry.
"""
import re

import pandas as pd

from analysis.register import schemas, vocab

ORIGIN = {
    "victims": "analysis.register.conflicts.resolve (identified) / analysis.register.reconcile (unidentified), "
               "from mentions.csv",
    "mentions_linked": "data/raw/casualties/mentions.csv via analysis.register.clean.mentions and analysis.register.link",
    "match_report": "analysis.register.link: every candidate pair and manual decision",
    "reconciliation": "data/raw/casualties/aggregate_counts.csv compared with victims by analysis.register.reconcile",
    "departments": "data/raw/covariates/departments.csv + covariates/ethnicity/ethnicity_by_department.csv",
    "events": "data/raw/context/events.csv (ids added by analysis.register.link.event_table)",
    "published_claims": "data/raw/context/published_claims.csv checked by analysis.register.claims_table",
    "command_tenures": "data/raw/context/command_timeline.csv via analysis.register.command_timeline",
    "command_statements": "data/raw/context/command_timeline.csv via analysis.register.command_timeline",
    "command_observed": "data/raw/context/command_timeline.csv via analysis.register.command_timeline",
    "command_measures": "data/raw/context/command_timeline.csv, coded by hand in analysis.register.command_measures",
    "command_measures_excluded": "data/raw/context/command_timeline.csv: emergency/curfew rows "
                                 "analysis.register.command_measures does not code",
}

FIELDS = {
    "victim_id": "stable person id: V + smallest mention number of the person (identified) or U-<count_id>-<k> "
                 "(unidentified record standing for a death known only from an official count)",
    "identified": "True when at least one source names or describes this person individually",
    "name_status": "how the person is named: named, initials (minor, as sources print them), or unnamed",
    "display_name": "name or initials as the most authoritative source prints them; empty if no name",
    "display_name_mention": "mention_id whose printed form is shown as display_name",
    "age_years": "age in completed years chosen by the precedence rule; empty = unknown",
    "sex": "male / female from the gendered word a source uses; unknown otherwise (never inferred from names)",
    "date_injury": "date of the injury (ISO), when a source states it apart from the death",
    "date_death": "date of death (ISO); empty = unknown",
    "ubigeo_dep": "INEI department code (2 digits)", "department": "department name (INEI)",
    "ubigeo_prov": "INEI province code (4 digits)", "province": "province name",
    "district": "district or locality as resolved from the printed place", "ubigeo_dist": "INEI district code",
    "event_id": "lethal/major event (events.csv) the death belongs to; empty = none listed",
    "context": "circumstance of death (vocab.CONTEXT)", "cause": "cause of death (vocab.CAUSE)",
    "wound": "site of the fatal wound (vocab.WOUND)", "force": "force alleged to have caused the death (vocab.FORCE)",
    "n_mentions": "number of mention rows linked to the person", "n_sources": "number of distinct sources",
    "mention_ids": "mention rows (` ; `) linked to the person",
    "conflict_fields": "fields (` ; `) whose sources disagree",
    "unidentified_basis": "count_id of the official count that an unidentified record stands for",
    "count_source_id": "source of that count", "count_as_of": "as-of date of that count",
    "mention_id": "raw mention row id", "source_id": "source id (casualties/sources.csv)",
    "source_kind": "kind of source (sources.csv)", "source_published_date": "publication date of the source",
    "source_cutoff_date": "date the source's figures are current to", "source_rank": "precedence rank (vocab)",
    "quote_kind": "verbatim or paraphrase (evidence-log wording)", "language": "language of the source text",
    "name_forms": "normalised name forms (` ; `)", "name_is_initials": "the printed name is initials only",
    "name_truncated": "the retrieved copy truncates the name", "name_keys": "variant-folded comparison keys",
    "age_unit_note": "age stated in other units (months, weeks of gestation) as printed",
    "place_conflict": "the printed place names units that disagree",
    "is_retraction": "the source retracts a reported person", "group_attribution":
        "cause/force text is a collective statement about a listed group, copied to each person",
    "link_status": "linked (part of a person), retracted (names a person a source says does not exist), "
                   "unattributed (an unnamed mention that cannot be attributed to one person)",
    "link_rule": "how the mention was linked (auto, manual, single, retraction, unattributed)",
    "link_note": "evidence for a manual link or the reason a mention is unattributed",
    "decision": "merged or rejected",
    "mention_a": "first mention of the candidate pair", "mention_b": "second mention of the candidate pair",
    "kind": "auto (scored candidate pair) or manual (decision table entry in analysis/register/link.py)",
    "name_kind": "kind of name evidence compared (full, initials, single, none)",
    "score": "rapidfuzz name similarity 0-100 (max over the name forms)",
    "age_ok": "ages compatible (within the tolerance) or unknown", "place_ok": "places compatible or unknown",
    "geography": "geography as printed in aggregate_counts.csv", "category_as_printed": "count wording as printed",
    "count": "the published number", "geo": "department name or 'national' the count applies to",
    "category": "context category the wording maps to (vocab.CONTEXT or total)",
    "as_of": "date the count is current to (ISO)", "official": "a Defensoría del Pueblo figure",
    "reconciled": "the count could be mapped to a geography and context category",
    "note": "why a count is not reconciled, or how it was dated",
    "identified_possible": "identified persons the count possibly covers (death interval reaches its as-of day)",
    "identified_certain": "identified persons the count certainly covers (death certainly on or before its as-of day)",
    "unidentified_certain": "unidentified records the cell certainly covers",
    "unidentified_possible": "unidentified records the cell possibly covers",
    "total_certain": "identified + unidentified persons certainly covered",
    "total_possible": "identified + unidentified persons possibly covered",
    "gap": "count minus the identified persons it certainly covers (negative: more identified than counted)",
    "level": "level of the count: event (data/hand/event_counts.csv), department or national",
    "holds": "count = persons certainly covered ('exactly'), between certain and possible ('within possible'), or "
             "neither ('no')",
    "dates": "event dates as printed", "deaths_civilians": "civilian deaths as described in events.csv",
    "police_deaths": "police deaths as described", "injured": "injured as described",
    "force_deployed": "force deployed as described", "main_weapon_reported": "weapons reported as described",
    "source_url": "URLs of the event description",
    "count_id": "aggregate count row id",
    "context_basis": "stated (a source states the context), derived (from the clash event and the weapon, or a "
                     "source's list of the event's dead: conflicts.derive_context), rule (conflicts."
                     "context_agrees_with_cause) or unknown", "pop_census_2017_persons": "2017 census population (INEI, censada)",
    "indig_selfid_pct": "% of the population aged 12+ self-identifying as Indigenous (2017 census), where known",
    "indig_mothertongue_pct": "% with an Indigenous mother tongue (2017 census), where known",
    "coverage": "covariate groups known for the unit (` ; `)", "notes": "notes carried from the raw table",
    "event_label": "event as labelled in events.csv", "date_start": "first day of the event",
    "date_end": "last day of the event window (data/hand/events.csv)",
    "has_deaths": "the event can hold a death (False only where the packet row lists 0 civilian and 0 police deaths)",
    "label": "event as it happened: one place on one day or a stated episode (data/hand/events.csv)",
    "type": "clash, blockade or other: which contexts the event can hold",
    "raw_event_label": "the research packet's events.csv row this event comes from (empty = added or split)",
    "source_ids": "sources cited (` ; `)", "evidence": "quote from the source supporting the hand decision",
    "reason": "why the hand decision was made", "hand_coded": "fields of the mention set by a hand decision "
    "(data/hand/mention_codings.csv)",
    # published_claims.csv: each number a publisher printed, with its verbatim quote (analysis.tasks.claims)
    "claim_id": "stable id of a published claim (publisher prefix and number)",
    "publisher": "who published the claim (and the copy it was read from)", "report": "report or article title",
    "published_date": "publication date as known (a day, a month, or a note)",
    "quote": "the claim's words, verbatim", "quantity": "the published number(s) as printed, parts separated by ` ; `",
    "unit": "what each published number counts", "scope": "the claim's stated scope (period, place, who is counted)",
    "page_or_section": "where in the report the quote is", "url": "where the claim was read",
}

# The command timeline's tables (analysis.register.command_timeline); ends of tenures and measures are exclusive.
FIELDS.update({
    "role": "office as the command timeline names it (one name per office: analysis.register.command_timeline)",
    "person": "office holder as printed in the command timeline", "short_name": "shortest printed form of the "
    "holder's name in the timeline", "holder": "the tenure holder the statement's speaker is (full name)",
    "start_earliest": "earliest possible first day (ISO)", "start_latest": "latest possible first day (ISO)",
    "end_earliest": "earliest possible first day out, the end being exclusive (ISO); empty = open",
    "end_latest": "latest possible first day out, the end being exclusive (ISO); empty = open",
    "open": "no end in the timeline (still in office, or no successor recorded)",
    "end_basis": "what the end rests on ('left office' row, successor's start, both, span row, or why open)",
    "start_ref": "timeline row(s) the start rests on", "end_ref": "timeline row(s) the end rests on",
    "row": "line of data/raw/context/command_timeline.csv (header = line 1)",
    "date_earliest": "earliest possible day of the statement (ISO)",
    "date_latest": "latest possible day of the statement (ISO)",
    "date_approx": "the timeline marks the date approximate or inferred",
    "quote": "the statement as quoted in the timeline", "url": "source URL of the timeline row",
    "endorsing": "a statement endorsing the forces (analysis.register.command_timeline.ENDORSING, NOTES.md §4)",
    "region": "department the office commands; empty = national",
    "seen_earliest": "earliest day of a date the holder is seen in office (ISO)",
    "seen_latest": "latest day of a date the holder is seen in office (ISO)",
    "event": "the timeline's event cell as printed", "date": "the timeline's date cell as printed",
    "measure_id": "id of the coded state of emergency or curfew", "measure": "state of emergency or curfew",
    "decree": "decree(s) as named in the timeline, or how the measure was adopted",
    "area_level": "what the place is: national, department, province or district",
    "place": "province or district name (with `department`); empty for a department or the nation",
    "basis": "how the start, the end and the places were coded from the row",
})

PATTERNS = [
    (r"^date_(injury|death)_(min|max)$",
     "{1} possible date of {0} (ISO; analysis/register/intervals.py); empty = not bounded"),
    (r"^date_(injury|death)_(min|max)_basis$", "the evidence the {1} bound of the {0} date rests on"),
    (r"^(.*)_raw$", "verbatim text the coded value `{0}` came from"),
    (r"^(.*)_rule$", "which cleaning rule produced `{0}`"),
    (r"^conflict_(.*)$", "sources disagree on `{0}`"),
    (r"^(.*)_alternatives$", "every distinct stated value of `{0}` (` ; `, precedence order)"),
    (r"^(pct_|selfid|mt_|urban|rural|pov|minsa_|n_prov_|injured_|pop_)(.*)$",
     "covariate as published (see data/raw/covariates/NOTES.md for the source and definition of `{0}{1}`)"),
]

VOCABS = {"context": vocab.CONTEXT, "cause": vocab.CAUSE, "wound": vocab.WOUND, "force": vocab.FORCE,
          "sex": vocab.SEX}


# A field whose meaning depends on its table (the same name in several tables).
TABLE_FIELDS = {
    ("victims", "source_ids"): "sources (` ; `) that mention the person; for unidentified records, the count's source",
    ("match_report", "reason"): "why the pair was merged or rejected",
    ("events", "reason"): "why the event is defined as it is (data/hand/events.csv, a reviewed decision)",
    ("command_measures_excluded", "reason"): "why the timeline row is not coded as a measure",
}


def meaning(field: str, table: str | None = None) -> str:
    if (table, field) in TABLE_FIELDS:
        return TABLE_FIELDS[(table, field)]
    if field in FIELDS:
        return FIELDS[field]
    for pattern, text in PATTERNS:
        m = re.match(pattern, field)
        if m:
            return text.format(*m.groups())
    raise KeyError(f"codebook: field '{field}' has no documented meaning (add it to analysis/register/codebook.py)")


def allowed(table: str, field: str) -> str:
    if field in VOCABS and table in ("victims", "mentions_linked"):
        return ", ".join(VOCABS[field])
    schema = schemas.SCHEMAS.get(table)
    col = schema.columns.get(field) if schema is not None else None
    if col is not None:
        return "; ".join(str(getattr(c, "error", None) or c.name) for c in col.checks) or "any"
    return "any"


def _missing(s: pd.Series) -> float:
    return round(100 * float((s.isna() | (s.astype("string") == "")).mean()), 1) if len(s) else 0.0


def build(tables: dict) -> pd.DataFrame:
    rows = [{"table": name, "field": col, "type": str(df[col].dtype), "meaning": meaning(col, name),
             "allowed_values": allowed(name, col), "pct_missing": _missing(df[col]), "origin": ORIGIN.get(name, "")}
            for name, df in tables.items() for col in df.columns]
    return pd.DataFrame(rows)


def to_markdown(book: pd.DataFrame) -> str:
    lines = ["# Codebook", "", "Every field of every table in data/processed/. `% missing` counts empty values "
             "(unknown); `unknown` and `not_applicable` codes are values, not missing.", ""]
    for table, grp in book.groupby("table", sort=False):
        lines += [f"## {table}.csv", "", f"Origin: {grp['origin'].iloc[0]}", "",
                  "| field | type | meaning | allowed values | % missing |", "|---|---|---|---|---:|"]
        for r in grp.itertuples():
            lines.append(f"| {r.field} | {r.type} | {r.meaning} | {r.allowed_values} | {r.pct_missing} |")
        lines.append("")
    return "\n".join(lines)
