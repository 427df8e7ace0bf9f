"""Events as they happened: one place on one day, or a stated multi-day episode at one place.

The event list is a reviewed hand file (data/hand/events.csv: id, window, place, type, sources, evidence,
reason); the raw packet's context/events.csv is joined to it for the descriptive columns (injured, force
deployed, weapons, notes). `assign` gives each mention the one lethal event that fits its place and dates;
`detach` keeps a death of another context (a blockade death) out of every clash event.
"""
import re

import pandas as pd

from analysis.register import vocab

STEP = "events"
DATE_TOLERANCE_DAYS = 3      # "ayer"/"el lunes" resolutions and injury vs death dates differ by a few days
RAW_COLUMNS = ["deaths_civilians", "police_deaths", "injured", "force_deployed", "main_weapon_reported", "notes",
               "source_url"]
# contexts a clash event can hold: its civilians, the police officer, and persons whose context is unknown
CLASH_CONTEXTS = {"clash", "police_officer", "unknown"}


def _lead_int(value):
    m = re.match(r"\s*(\d+)", str(value))
    return int(m.group(1)) if m else None


def build(raw_events: pd.DataFrame, hand_events: pd.DataFrame, sources: pd.DataFrame, log) -> pd.DataFrame:
    """The events table: hand rows, each joined to its raw packet row when it has one. `has_deaths` is False
    only where the packet row says 0 civilian and 0 police deaths; an event the packet does not list was
    added because a death happened there."""
    raw = raw_events.set_index("event_label")
    known_sources = set(sources["source_id"]) | {"context/events.csv"}
    rows = []
    for r in hand_events.to_dict("records"):
        cited = [s.strip() for s in str(r["source_ids"]).split(";") if s.strip()]
        missing = [s for s in cited if s not in known_sources]
        if missing:
            raise ValueError(f"data/hand/events.csv {r['event_id']}: source(s) {missing} not in sources.csv")
        rec = dict(r)
        label = r.get("raw_event_label")
        if vocab.is_known(label):
            if label not in raw.index:
                raise ValueError(f"data/hand/events.csv {r['event_id']}: raw_event_label {label!r} not in "
                                 "context/events.csv")
            src = raw.loc[label]
            rec.update({c: src[c] for c in RAW_COLUMNS})
            rec["has_deaths"] = not (_lead_int(src["deaths_civilians"]) == 0 and _lead_int(src["police_deaths"]) == 0)
        else:
            rec.update({c: pd.NA for c in RAW_COLUMNS})
            rec["has_deaths"] = True
        rows.append(rec)
    out = pd.DataFrame(rows).sort_values(["date_start", "event_id"]).reset_index(drop=True)
    unlisted = sorted(set(raw.index) - set(hand_events["raw_event_label"].dropna()))
    if unlisted:
        raise ValueError(f"context/events.csv rows with no hand event: {unlisted}")
    log.counts(STEP, len(raw_events), len(out), "events",
               f"{len(out) - int(hand_events['raw_event_label'].notna().sum())} event(s) added or split from the "
               f"packet's list (data/hand/events.csv); {int(out['has_deaths'].sum())} can hold a death")
    return out


def _date_span(row):
    ds = [pd.Timestamp(row[c]) for c in ("date_injury", "date_death") if vocab.is_known(row.get(c))]
    return (min(ds), max(ds)) if ds else (None, None)


def _fits(row, e, tol) -> bool:
    if e["department"] != row["department"]:
        return False
    if vocab.is_known(row.get("province")) and row["province"] != e["province"]:
        return False
    if e["type"] == "clash" and row.get("context") not in CLASH_CONTEXTS:
        return False
    first, last = _date_span(row)
    if first is None:
        return True
    return not (last < pd.Timestamp(e["date_start"]) - tol or first > pd.Timestamp(e["date_end"]) + tol)


def assign(mentions: pd.DataFrame, events: pd.DataFrame) -> pd.Series:
    """event_id per mention: the one event with deaths whose department matches, whose province matches when
    the mention's province is known, whose type admits the mention's context, and whose window (± tolerance)
    contains the mention's dates when known. NA when none or several fit (a hand coding may then decide)."""
    lethal = events[events["has_deaths"]].to_dict("records")
    tol = pd.Timedelta(days=DATE_TOLERANCE_DAYS)
    fields = ["department", "province", "date_injury", "date_death", "context"]
    memo = {}   # mentions equal on these fields fit the same events (reprinted lists repeat them)
    out = []
    for row in mentions.reindex(columns=fields).to_dict("records"):
        key = tuple(v if vocab.is_known(v) else None for v in row.values())
        if key not in memo:
            fits = [e["event_id"] for e in lethal if vocab.is_known(row.get("department")) and _fits(row, e, tol)]
            memo[key] = fits[0] if len(fits) == 1 else pd.NA
        out.append(memo[key])
    return pd.Series(out, index=mentions.index, name="event_id", dtype="string")


def detach(victims: pd.DataFrame, events: pd.DataFrame, log) -> pd.DataFrame:
    """A person whose resolved context a clash event cannot hold (e.g. a blockade death) leaves the event."""
    clash = set(events.loc[events["type"] == "clash", "event_id"])
    out = victims.copy()
    bad = out["event_id"].isin(clash).fillna(False) & ~out["context"].isin(CLASH_CONTEXTS)
    for i in out.index[bad]:
        log.decision(STEP, "override", f"{out.at[i, 'victim_id']}: context '{out.at[i, 'context']}' is not part of "
                     f"clash event {out.at[i, 'event_id']}; event cleared", ref=out.at[i, "victim_id"])
        out.at[i, "event_id"] = pd.NA
    log.counts(f"{STEP}.detach", len(victims), len(out), "persons",
               f"{int(bad.sum())} person(s) of another context taken out of a clash event")
    return out


def place_from_event(victims: pd.DataFrame, events: pd.DataFrame, log) -> pd.DataFrame:
    """A person placed in an event but with no stated department (or province) takes the event's, with the
    INEI codes other persons of the register carry for those names; each fill is logged."""
    out = victims.copy()
    ev = events.set_index("event_id")
    codes = {lvl: dict(out.dropna(subset=[lvl, f"ubigeo_{key}"])[[lvl, f"ubigeo_{key}"]].itertuples(index=False))
             for lvl, key in (("department", "dep"), ("province", "prov"))}
    filled = 0
    for i in out.index[out["event_id"].notna()]:
        e = ev.loc[out.at[i, "event_id"]]
        for lvl, key in (("department", "dep"), ("province", "prov")):
            if pd.isna(out.at[i, lvl]) and (lvl == "department" or out.at[i, "department"] == e["department"]):
                out.at[i, lvl], out.at[i, f"ubigeo_{key}"] = e[lvl], codes[lvl].get(e[lvl], pd.NA)
                filled += 1
                log.decision(STEP, "override", f"{out.at[i, 'victim_id']} {lvl}: none stated → {e[lvl]} "
                             f"(place of event {out.at[i, 'event_id']})", ref=out.at[i, "victim_id"])
    log.counts(f"{STEP}.place_from_event", len(victims), len(out), "persons", f"{filled} place field(s) from the event")
    return out
