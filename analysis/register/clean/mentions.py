"""Cleaned mentions: one row per raw mention row, every coded value beside the raw text it came from.

Output columns are those of "Cleaned mentions" in docs/CONTRACTS.md, plus (added, for the log and for
linkage): name_truncated, name_keys (` ; ` comparison keys, names.comparison_key), age_rule, sex_rule,
place_conflict, context_rule, cause_rule, wound_rule, force_rule, group_attribution_rule.
"""
import datetime as dt
import re
from collections import Counter

import pandas as pd

from analysis.register.clean.ages import parse_age
from analysis.register.clean.dates import ContextDateError, parse_dates
from analysis.register.clean.names import comparison_key, is_initials, normalise_name, split_forms
from analysis.register.clean.places import resolve_place
from analysis.errors import RawDataError, data_row
from analysis.register.vocab import code_cause, code_context, code_force, code_sex, code_wound, fold, source_rank

STEP = "clean_mentions"

CONTRACT_COLUMNS = [
    "mention_id", "source_id", "source_kind", "source_published_date", "source_cutoff_date", "source_rank",
    "quote_kind", "language", "name_raw", "name_forms", "name_is_initials", "age_raw", "age_years",
    "age_unit_note", "sex_raw", "sex", "date_raw", "date_injury", "date_death", "date_rule", "place_raw",
    "ubigeo_dep", "department", "ubigeo_prov", "province", "district", "ubigeo_dist", "place_rule",
    "context_raw", "context", "cause_raw", "cause", "wound_raw", "wound", "force_raw", "force",
    "status_raw", "is_retraction", "retraction_raw", "group_attribution",
]
EXTRA_COLUMNS = ["name_truncated", "name_keys", "age_rule", "sex_rule", "place_conflict", "context_rule",
                 "cause_rule", "wound_rule", "force_rule", "group_attribution_rule"]

# Collective statements listed in casualties/FIELDS.md: (source_id, field, phrase in that field).
# The wording was copied into each listed person's row; it is a group-level attribution.
GROUP_STATEMENTS = [
    ("eldestape_iml", "cause_as_printed", "balas de fusil akm, perdigones y un proyectil de pistola"),
    ("larepublica_20221218_ayacucho_entierra", "cause_as_printed", "impacto de balas"),
    ("larepublica_20221219_ayacucho9", "force_as_printed", "disparos militares"),
    ("larepublica_20250904_reconstruccion", "cause_as_printed", "proyectiles de arma de fuego"),
    ("hytimes_20251222_pichanaqui", "cause_as_printed", "disparos de fusiles akm"),
    ("hytimes_20251222_pichanaqui", "force_as_printed", "tres altos mandos"),
    ("ojopublico_20231210_juliaca", "cause_as_printed", "impactos de proyectiles de armas de fuego"),
    ("micaelas_202501", "force_as_printed", "las fuerzas policiales"),
]


def _na(value):
    return value if value not in ("", None) else pd.NA


def _group_attribution(row):
    for source_id, field, phrase in GROUP_STATEMENTS:
        if row["source_id"] == source_id and phrase in fold(row[field]):
            return True, f"collective statement of {source_id} in {field}: '{phrase}'"
    return False, ""


def _age_from_birth(note, date_death):
    """Completed years between a stated birth date and the row's own date of death."""
    m = re.search(r"born (\d{4}-\d{2}-\d{2})", note or "")
    if not (m and date_death):
        return None
    born, died = dt.date.fromisoformat(m.group(1)), dt.date.fromisoformat(date_death)
    return died.year - born.year - ((died.month, died.day) < (born.month, born.day))


def _names(raw):
    forms = split_forms(raw)
    normalised = [normalise_name(f) for f in forms]
    only_initials = bool(forms) and all(is_initials(f) for f in forms)
    return (" ; ".join(n for n, _ in normalised), only_initials, any(t for _, t in normalised),
            " ; ".join(comparison_key(f) for f in forms))


def _clean_row(row, src, gazetteer, file_label, line):
    def fail(field, err):
        raise RawDataError(file_label, line, field, str(err)) from None

    out = {"mention_id": row["mention_id"], "source_id": row["source_id"],
           "source_kind": src["kind"], "source_published_date": _na(src["published_date"]),
           "source_cutoff_date": _na(src["cutoff_date"]),
           "source_rank": source_rank(src["kind"], row["quote_kind"]),
           "quote_kind": row["quote_kind"], "language": row["language"]}
    forms, initials, truncated, keys = _names(row["name_as_printed"])
    out.update(name_raw=_na(row["name_as_printed"]), name_forms=_na(forms), name_is_initials=initials,
               name_truncated=truncated, name_keys=_na(keys))
    try:
        d_inj, d_death, d_rule = parse_dates(row["date_as_printed"], src["published_date"], src["cutoff_date"],
                                             row["context_as_printed"])
    except ContextDateError as err:
        fail("context_as_printed", err)
    except ValueError as err:
        fail("date_as_printed", err)
    try:
        years, note, age_rule = parse_age(row["age_as_printed"])
    except ValueError as err:
        fail("age_as_printed", err)
    if years is None and age_rule == "birth date":
        years = _age_from_birth(note, d_death)
        if years is not None:
            age_rule = f"birth date and this row's date of death {d_death} → completed years"
    out.update(age_raw=_na(row["age_as_printed"]), age_years=years, age_unit_note=_na(note), age_rule=age_rule)
    sex, sex_rule = code_sex(row["sex_as_printed"])
    out.update(sex_raw=_na(row["sex_as_printed"]), sex=sex, sex_rule=sex_rule)
    out.update(date_raw=_na(row["date_as_printed"]), date_injury=_na(d_inj), date_death=_na(d_death),
               date_rule=d_rule)
    try:
        dep, dep_name, prov, prov_name, district, dist_code, place_rule = resolve_place(
            row["place_as_printed"], gazetteer)
    except ValueError as err:
        fail("place_as_printed", err)
    out.update(place_raw=_na(row["place_as_printed"]), ubigeo_dep=_na(dep), department=_na(dep_name),
               ubigeo_prov=_na(prov), province=_na(prov_name), district=_na(district),
               ubigeo_dist=_na(dist_code), place_rule=place_rule, place_conflict="CONFLICT" in place_rule)
    out.update(_code_facts(row))
    group, group_rule = _group_attribution(row)
    out.update(status_raw=_na(row["status_as_printed"]), is_retraction=bool(row["retraction"].strip()),
               retraction_raw=_na(row["retraction"]), group_attribution=group,
               group_attribution_rule=_na(group_rule))
    return out


def _code_facts(row):
    """context, cause, wound, force with the rule that fired and any fallback used."""
    context, context_rule = code_context(row["context_as_printed"])
    if context == "unknown":
        by_status, status_rule = code_context(row["status_as_printed"])
        if by_status == "police_officer":
            context, context_rule = by_status, f"status_as_printed: {status_rule}"
    cause, cause_rule = code_cause(row["cause_as_printed"])
    if row["wound_as_printed"].strip():
        wound, wound_rule = code_wound(row["wound_as_printed"])
    else:
        wound, wound_rule = code_wound(row["cause_as_printed"])
        wound_rule = f"cause_as_printed: {wound_rule}"
        if wound == "unknown" and cause == "lack_of_medical_care":
            wound, wound_rule = "not_applicable", "no injury: cause is a medical condition"
    force, force_rule = code_force(row["force_as_printed"])
    if force_rule == "empty" and context == "blockade":
        force, force_rule = "not_applicable", "blockade death and no force stated: none alleged"
    return {"context_raw": _na(row["context_as_printed"]), "context": context, "context_rule": context_rule,
            "cause_raw": _na(row["cause_as_printed"]), "cause": cause, "cause_rule": cause_rule,
            "wound_raw": _na(row["wound_as_printed"]), "wound": wound, "wound_rule": wound_rule,
            "force_raw": _na(row["force_as_printed"]), "force": force, "force_rule": force_rule}


def clean_mentions(mentions: pd.DataFrame, sources: pd.DataFrame, gazetteer: dict, log, file_label) -> pd.DataFrame:
    """Clean every mention row (none dropped). Parser errors become RawDataError(file_label, row, field).

    `mentions` keeps the index of sources.read_mentions (the 0-based data row in the file), also after rows were
    selected out, so the row an error names is the row in the raw file."""
    by_id = sources.set_index("source_id")
    rows = []
    for i, row in mentions.iterrows():
        line = data_row(i)
        if row["source_id"] not in by_id.index:
            raise RawDataError(file_label, line, "source_id", f"'{row['source_id']}' not in sources.csv")
        rows.append(_clean_row(row, by_id.loc[row["source_id"]], gazetteer, file_label, line))
    out = pd.DataFrame(rows, columns=CONTRACT_COLUMNS + EXTRA_COLUMNS)
    out["age_years"] = out["age_years"].astype("Int64")
    out["source_rank"] = out["source_rank"].astype(int)
    for col in ["name_is_initials", "is_retraction", "group_attribution", "name_truncated", "place_conflict"]:
        out[col] = out[col].astype(bool)
    if len(out) != len(mentions):
        raise AssertionError(f"{STEP}: {len(mentions)} rows in, {len(out)} out")
    _log(out, log)
    return out


def _log(out, log) -> None:
    log.counts(STEP, len(out), len(out), "mention rows", "one cleaned row per raw row; nothing dropped")
    for field in ["age", "sex", "context", "cause", "wound", "force"]:
        for rule, n in sorted(Counter(out[f"{field}_rule"]).items()):
            log.decision(STEP, "rule", f"{field}: {n} row(s) by rule '{rule}'")
    for col, field in [("date_rule", "date"), ("place_rule", "place")]:
        kinds = Counter(_rule_family(r) for r in out[col])
        for fam, n in sorted(kinds.items()):
            log.decision(STEP, "rule", f"{field}: {n} row(s) by rule family '{fam}'")
    for _, r in out.iterrows():
        if str(r["date_rule"]).startswith("unresolved"):
            log.decision(STEP, "unresolved", f"date '{r['date_raw']}': {r['date_rule']}", r["mention_id"])
        if str(r["place_rule"]).startswith("unlocatable") or r["place_conflict"]:
            log.decision(STEP, "unresolved" if pd.isna(r["ubigeo_dep"]) else "conflict",
                         f"place '{r['place_raw']}': {r['place_rule']}", r["mention_id"])
        if r["group_attribution"]:
            log.decision(STEP, "group_attribution", r["group_attribution_rule"], r["mention_id"])
        if r["is_retraction"]:
            log.decision(STEP, "retraction", f"source retracts: {r['retraction_raw']}", r["mention_id"])
        if "gestational" in str(r["age_unit_note"]) or r["age_rule"] in ("conflict",):
            log.decision(STEP, "rule", f"age '{r['age_raw']}' → no age in years ({r['age_unit_note']})",
                         r["mention_id"])


def _rule_family(rule) -> str:
    """Short family of a date/place rule for the count table (full rule stays in the row)."""
    rule = str(rule)
    if rule.startswith(("unresolved", "unlocatable", "empty")):
        return rule.split(":")[0]
    for key in ["two dates", "single date with an injury word", "single date = date of death",
                "días después", "CONFLICT", "matched"]:
        if key in rule:
            return key
    return rule[:40]
