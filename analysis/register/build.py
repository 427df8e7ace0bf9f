"""Build the casualty register: raw records → every table in data/processed/.

The steps, in order, each logging counts in and out (analysis.steplog):
  manifest.verify → sources.read_* → select_sources → clean.mentions → link → conflicts.resolve
  → conflicts.derive_context → select_cutoff → reconcile (+ unidentified records) → select_contexts
  → covariates → schemas → write.
`build` is pure (returns the tables); `write` puts them in place atomically, all or nothing.
"""
from dataclasses import dataclass, field

import pandas as pd

from analysis import paths
from analysis.io import staged_dir, write_csv_atomic, write_text_atomic
from analysis.register import (boundaries, claims_table, codebook, command_timeline, conflicts, covariates,
                               datapackage, hand, intervals, link, manifest, privacy, reconcile, schemas, sources)
from analysis.register import events as events_mod
from analysis.register.clean import places
from analysis.register.clean.mentions import clean_mentions
from analysis.steplog import StepLog

CONTEXTS_ALL = ["clash", "blockade", "police_officer", "other", "unknown"]


@dataclass
class Params:
    cutoff_date: str = "2023-03-31"
    contexts: list = field(default_factory=lambda: list(CONTEXTS_ALL))
    exclude_sources: list = field(default_factory=list)
    include_paraphrase: bool = True


@dataclass
class Register:
    tables: dict
    log: StepLog
    params: Params
    protected: tuple = ()   # privacy.Protected persons, from every source
    boundaries: bytes = b""  # department boundaries (GeoJSON), published unchanged beside the tables


def select_sources(mentions, params: Params, log: StepLog) -> pd.DataFrame:
    """Sources used: drop the excluded sources (and paraphrase rows if asked), logging each drop."""
    keep = ~mentions["source_id"].isin(params.exclude_sources)
    if not params.include_paraphrase:
        keep &= mentions["quote_kind"] != "paraphrase"
    for mid, sid, qk in mentions.loc[~keep, ["mention_id", "source_id", "quote_kind"]].itertuples(index=False):
        log.decision("select_sources", "drop", f"source {sid} ({qk}) excluded by parameters", ref=mid)
    log.counts("select_sources", len(mentions), int(keep.sum()), "mention rows",
               f"exclude_sources={params.exclude_sources}, include_paraphrase={params.include_paraphrase}")
    return mentions[keep]  # index = raw data row, so later errors name the row as in the file


def select_cutoff(victims, params: Params, log: StepLog) -> pd.DataFrame:
    """Keep persons who possibly died on or before the cut-off: only a death certainly after it (its earliest
    possible date is later) is dropped. An unknown date is not a date after the cut-off."""
    death = pd.to_datetime(victims["date_death_min"], errors="raise")
    after = death > pd.Timestamp(params.cutoff_date)
    for vid in victims.loc[after, "victim_id"]:
        log.decision("select_cutoff", "drop", f"died after the cut-off {params.cutoff_date}", ref=vid)
    log.counts("select_cutoff", len(victims), int((~after).sum()), "persons",
               f"cutoff_date={params.cutoff_date}; {int(death.isna().sum())} person(s) with no lower bound on the death "
               "date kept")
    return victims[~after].reset_index(drop=True)


def select_contexts(victims, params: Params, log: StepLog) -> pd.DataFrame:
    keep = victims["context"].isin(params.contexts)
    for vid, ctx in victims.loc[~keep, ["victim_id", "context"]].itertuples(index=False):
        log.decision("select_contexts", "drop", f"context '{ctx}' not in the included contexts", ref=vid)
    log.counts("select_contexts", len(victims), int(keep.sum()), "persons", f"contexts={params.contexts}")
    return victims[keep].reset_index(drop=True)


def build(raw_dir=None, params: Params | None = None) -> Register:
    raw_dir = raw_dir or paths.RAW
    params = params or Params()
    log = StepLog()
    manifest.verify(raw_dir)
    log.counts("manifest.verify", len(manifest.raw_files(raw_dir)), len(manifest.raw_files(raw_dir)), "raw files",
               "every raw file listed in MANIFEST.csv with a matching sha256")
    mentions_raw = sources.read_mentions(raw_dir / "casualties/mentions.csv")
    srcs = sources.read_sources(raw_dir / "casualties/sources.csv")
    counts = sources.read_aggregate_counts(raw_dir / "casualties/aggregate_counts.csv")
    events_raw = sources.read_events(raw_dir / "context/events.csv")
    log.counts("sources.read", len(mentions_raw), len(mentions_raw), "mention rows",
               f"{len(srcs)} sources, {len(counts)} aggregate counts, {len(events_raw)} events read")

    events = events_mod.build(events_raw, hand.read("events"), srcs, log)
    mentions = select_sources(mentions_raw, params, log)
    clean = clean_mentions(mentions, srcs, places.build_gazetteer(raw_dir), log, "data/raw/casualties/mentions.csv")
    clean["event_id"] = events_mod.assign(clean, events)
    clean = hand.apply_mention_codings(clean, hand.read("mention_codings"), log)
    linked, match_report = link.link(clean, log)
    victims_all = conflicts.derive_context(conflicts.resolve(linked, log), events, log, linked)
    victims_all = events_mod.detach(conflicts.context_agrees_with_cause(victims_all, log), events, log)
    victims_all = events_mod.place_from_event(victims_all, events, log)
    bounds = hand.date_bounds_by_person(hand.read("date_bounds"), linked, log)
    victims_all = intervals.add_bounds(victims_all, linked, events, bounds, log)
    identified = select_cutoff(victims_all, params, log)
    event_counts = hand.read("event_counts")
    recon = reconcile.reconcile(identified, counts, log, srcs, event_counts)
    register = reconcile.add_unidentified(identified, counts, params.cutoff_date, log, srcs, event_counts, events)
    identity = reconcile.check_identity(register, counts, params.cutoff_date, srcs, event_counts)
    victims = select_contexts(register, params, log)
    departments = covariates.build_departments(
        covariates.read_units(raw_dir / "covariates/departments.csv", "data/raw/covariates/departments.csv"),
        covariates.read_units(raw_dir / "covariates/ethnicity/ethnicity_by_department.csv",
                              "data/raw/covariates/ethnicity/ethnicity_by_department.csv"), log)
    tables = {
        "victims": victims,
        "mentions_linked": linked,
        "match_report": match_report,
        "reconciliation": recon,
        "reconciliation_identity": identity,
        "departments": departments,
        "events": events,
        "published_claims": claims_table.read(raw_dir / claims_table.RAW),
        **command_timeline.tables(raw_dir / "context/command_timeline.csv", log),
    }
    # Minors: text leaves the register masked; protection is judged on every source, whatever the parameters.
    every_row = not params.exclude_sources and params.include_paraphrase
    protected = privacy.protected_persons(linked, victims_all) if every_row else privacy.protected_from_raw(raw_dir)
    tables = schemas.validate_all(privacy.mask_register(tables, log, protected), srcs)
    return Register(tables, log, params, protected, boundaries.read(raw_dir, log))


def write(register: Register, out_dir=None) -> list:
    """Write every table, the cleaning log and the codebook into out_dir, all or nothing."""
    out_dir = out_dir or paths.PROCESSED
    book = codebook.build(register.tables)
    with staged_dir(out_dir) as stage:
        for name, df in register.tables.items():
            write_csv_atomic(df, stage / f"{name}.csv")
        write_text_atomic(register.log.to_markdown("Cleaning log"), stage / "cleaning_log.md")
        write_csv_atomic(register.log.to_frame(), stage / "cleaning_log.csv")
        write_csv_atomic(book, stage / "codebook.csv")
        write_text_atomic(codebook.to_markdown(book), stage / "codebook.md")
        datapackage.write(book, stage)
        if register.boundaries:
            (stage / boundaries.PUBLISHED).write_bytes(register.boundaries)
        written = sorted(p.name for p in stage.iterdir())
    return written
