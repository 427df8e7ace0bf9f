"""Hand decisions: codings that need a person to read a source, kept as reviewed data in data/hand/.

One CSV per kind of decision, one row per decision, each with the evidence (a quote from the source or the
raw row) and the reason. Every file is checked against its schema below before use; a bad row fails with
the file, the spreadsheet row and the field (analysis.errors.RawDataError). The code that applies a decision
logs it (link, clean.places, events, intervals).

  manual_links.csv         mention → the person of an anchor mention (same person, the scorer cannot tell)
  manual_persons.csv       an unnamed mention that stands for a person no other mention names
  manual_unattributed.csv  a mention kept out of every person
  cannot_link.csv          two mentions that must never be one person
  place_aliases.csv        a locality, facility or street → INEI province/department (clean.places)
  events.csv               the lethal and other events as they happened: one place, one day or a stated episode
  mention_codings.csv      a coded field of one mention implied by a list heading or the article's subject
  date_bounds.csv          a bound on a person's injury or death date read in a source
  event_counts.csv         an aggregate count that counts the dead of one event (reconciled at event level)
"""
import re
from pathlib import Path

import pandas as pd

from analysis import paths
from analysis.register import vocab
from analysis.errors import RawDataError, data_row

HAND = paths.ROOT / "data" / "hand"
MENTION = r"M\d{4}"
DATE = r"\d{4}-\d{2}-\d{2}"

# file → {column: (required, regex or set of allowed values or None)}
SPECS = {
    "manual_links": {"mention_id": (True, MENTION), "anchor_mention_id": (True, MENTION),
                     "evidence": (True, None), "reason": (True, None)},
    "manual_persons": {"mention_id": (True, MENTION), "evidence": (True, None), "reason": (True, None)},
    "manual_unattributed": {"mention_id": (True, MENTION), "evidence": (True, None), "reason": (True, None)},
    "cannot_link": {"mention_id": (True, MENTION), "other_mention_id": (True, MENTION),
                    "evidence": (True, None), "reason": (True, None)},
    "place_aliases": {"pattern": (True, None), "kind": (True, {"event", "facility", "route", "origin",
                                                                "unlocatable"}),
                      "prov": (False, r"\d{4}"), "dep": (False, r"\d{2}"), "district": (False, None),
                      "note": (True, None)},
    "events": {"event_id": (True, r"E\d{2}"), "label": (True, None),
               "type": (True, {"clash", "blockade", "other"}),
               "date_start": (True, DATE), "date_end": (True, DATE), "department": (True, None),
               "province": (True, None), "district": (False, None), "raw_event_label": (False, None),
               "source_ids": (True, None), "evidence": (True, None), "reason": (True, None)},
    "mention_codings": {"mention_id": (True, MENTION), "field": (True, {"event_id", "context"}),
                        "value": (True, None), "evidence": (True, None), "reason": (True, None)},
    "event_counts": {"count_id": (True, r"C\d{4}"), "event_id": (True, r"E\d{2}"), "evidence": (True, None),
                     "reason": (True, None)},
    "date_bounds": {"mention_id": (True, MENTION), "field": (True, {"injury", "death"}),
                    "bound": (True, {"min", "max", "exact"}), "value": (True, DATE),
                    "source_id": (True, None), "evidence": (True, None), "reason": (True, None)},
}
UNIQUE = {"manual_links": ["mention_id"], "manual_persons": ["mention_id"], "manual_unattributed": ["mention_id"],
          "place_aliases": ["pattern"], "events": ["event_id"], "event_counts": ["count_id"], "mention_codings": ["mention_id", "field"],
          "date_bounds": ["mention_id", "field", "bound"]}


def read(name: str, hand_dir=None) -> pd.DataFrame:
    """One hand-decision file, validated: exactly the declared columns, required cells filled, codes and
    formats as declared, no duplicate decision. Empty optional cells are missing (pd.NA)."""
    path = Path(hand_dir or HAND) / f"{name}.csv"
    label = paths.rel(path)
    spec = SPECS[name]
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    if list(df.columns) != list(spec):
        raise RawDataError(label, 1, None, f"columns {list(df.columns)} differ from the schema {list(spec)}")
    for col, (required, rule) in spec.items():
        for i, value in enumerate(df[col]):
            if not value.strip():
                if required:
                    raise RawDataError(label, data_row(i), col, "required value is empty")
                continue
            if isinstance(rule, set) and value not in rule:
                raise RawDataError(label, data_row(i), col, f"{value!r} not one of {sorted(rule)}")
            if isinstance(rule, str) and not re.fullmatch(rule, value):
                raise RawDataError(label, data_row(i), col, f"{value!r} does not match {rule}")
            if isinstance(rule, str) and rule == DATE:
                try:
                    pd.Timestamp(value)
                except ValueError:
                    raise RawDataError(label, data_row(i), col, f"{value!r} is not a real date") from None
    dup = df.duplicated(UNIQUE.get(name, list(spec)), keep="first")
    if dup.any():
        i = int(dup.to_numpy().nonzero()[0][0])
        raise RawDataError(label, data_row(i), UNIQUE[name][0], "duplicate decision")
    _check_rows(name, df, label)
    return df.replace("", pd.NA)


def _check_rows(name, df, label):
    """Cross-field rules of a file."""
    if name == "events":
        for i, r in enumerate(df.to_dict("records")):
            if r["date_start"] > r["date_end"]:
                raise RawDataError(label, data_row(i), "date_end", f"{r['date_end']} is before {r['date_start']}")
    if name == "mention_codings":
        for i, r in enumerate(df.to_dict("records")):
            if r["field"] == "context" and r["value"] not in vocab.CONTEXT:
                raise RawDataError(label, data_row(i), "value", f"{r['value']!r} not one of {sorted(vocab.CONTEXT)}")


def apply_mention_codings(mentions: pd.DataFrame, codings: pd.DataFrame, log) -> pd.DataFrame:
    """Set each hand-coded field of a mention (event_id, context), logging the decision with its reason. The
    printed text stays in the *_raw columns; `hand_coded` lists the fields a reader decided."""
    out = mentions.copy()
    out["hand_coded"] = pd.Series(pd.NA, index=out.index, dtype="string")
    index = {m: i for i, m in zip(out.index, out["mention_id"])}
    for r in codings.to_dict("records"):
        if r["mention_id"] not in index:
            log.decision("hand", "not applied", f"{r['mention_id']} {r['field']}: mention not in use", ref=r["mention_id"])
            continue
        i = index[r["mention_id"]]
        before = out.at[i, r["field"]]
        out.at[i, r["field"]] = r["value"]
        done = out.at[i, "hand_coded"]
        out.at[i, "hand_coded"] = r["field"] if pd.isna(done) else f"{done} ; {r['field']}"
        log.decision("hand", "override", f"{r['mention_id']} {r['field']}: {before!r} → {r['value']!r} "
                     f"({r['reason']})", ref=r["mention_id"])
    log.counts("hand.mention_codings", len(mentions), len(out), "mention rows",
               f"{len(codings)} hand coding(s) from data/hand/mention_codings.csv")
    return out


def date_bounds_by_person(bounds: pd.DataFrame, linked: pd.DataFrame, log) -> pd.DataFrame:
    """data/hand/date_bounds.csv rows with the victim_id of their mention. A row whose mention the parameters
    left out (source selection) is logged as not applied; a row whose mention is in use but not linked to a
    person fails."""
    person = dict(zip(linked["mention_id"], linked["victim_id"]))
    in_use = bounds["mention_id"].isin(person)
    for mid in bounds.loc[~in_use, "mention_id"]:
        log.decision("hand", "not applied", f"{mid} date bound: mention not in use (source selection)", ref=mid)
    out = bounds[in_use].copy()
    out["victim_id"] = out["mention_id"].map(person)
    missing = out[out["victim_id"].isna()]
    if not missing.empty:
        raise RawDataError("data/hand/date_bounds.csv", data_row(int(missing.index[0])), "mention_id",
                           f"{missing['mention_id'].iloc[0]} is not linked to a person")
    return out
