"""Task 01, the register: data/raw/ and data/hand/ → every table in data/processed/ (analysis.register.build).

The only task that reads data/raw. `run` builds the register (nothing written) and records its headline counts;
`write` publishes the tables, the cleaning log, the codebook and the boundaries, all or nothing, and the numbers.
The summaries below are what notebook 01 quotes and shows, computed from the tables, never typed.
"""
from pathlib import Path

import pandas as pd

from analysis import paths
from analysis.register import build, scope
from analysis.report.numbers import Numbers
from analysis.tasks.base import Result, Task

TASK = Task(
    name="register",
    notebook="01-register",
    reads=("data/raw/**/*", "data/hand/**/*"),
    writes=("data/processed/*.csv", "data/processed/codebook.md", "data/processed/cleaning_log.md",
            "data/processed/datapackage.json", "data/processed/departments.geojson", "outputs/numbers/register.json"),
    after=(),
    params={
        # deaths after this date are left out; the official snapshot is the latest on or before it
        "cutoff_date": "2023-03-31",
        "contexts": ["clash", "blockade", "police_officer", "other", "unknown"],  # contexts included in victims.csv
        "exclude_sources": [],  # source_ids (casualties/sources.csv) not used
        "include_paraphrase": True,  # use rows whose quote is the evidence log's paraphrase, not the source's words
        "processed_dir": "",  # empty means data/processed/
        "outputs_dir": "",  # empty means outputs/
    },
)


def spec(cutoff_date, contexts, exclude_sources, include_paraphrase, **folders) -> build.Params:
    """The register's parameters (folders are the notebook's, not the register's)."""
    return build.Params(cutoff_date=cutoff_date, contexts=list(contexts), exclude_sources=list(exclude_sources),
                        include_paraphrase=include_paraphrase)


def inputs(spec: build.Params, processed: Path | None = None, outputs: Path | None = None,
           raw_dir: Path | None = None) -> Path:
    """The raw data folder (data/raw/, checked against its manifest when the build starts); the register is the one
    task that reads it (`processed` and `outputs` are where it writes)."""
    return Path(raw_dir or paths.RAW)


def run(spec: build.Params, raw_dir: Path) -> Result:
    """Build the register and record its headline counts; `values['register']` is the build."""
    reg = build.build(raw_dir, params=spec)
    numbers = Numbers(TASK.name, spec={"cutoff_date": spec.cutoff_date, "contexts": list(spec.contexts),
                                       "exclude_sources": list(spec.exclude_sources),
                                       "include_paraphrase": spec.include_paraphrase})
    counts = summary(reg)
    for name, (value, unit, definition) in counts.items():
        numbers.add(name, value, unit=unit, definition=definition)
    return Result(numbers, values={"register": reg, "summary": counts})


def write(result: Result, processed: Path, outputs: Path) -> list:
    """Publish the register's tables into `processed` (all or nothing) and its numbers into `outputs`."""
    written = build.write(result.values["register"], processed)
    result.write(outputs)
    return written


def summary(register: build.Register) -> dict:
    """name → (value, unit, definition) for the register's headline counts."""
    v, m = register.tables["victims"], register.tables["mentions_linked"]
    status = m["link_status"].value_counts()
    ident = v["identified"].astype(bool)
    return {
        "persons_total": (len(v), "person", "persons in victims.csv (identified + unidentified)"),
        "persons_identified": (int(ident.sum()), "person", "persons named or individually described by a source"),
        "persons_unidentified": (int((~ident).sum()), "person",
                                 "records standing for deaths known only from the official counts"),
        "mentions_total": (len(m), "count", "mention rows used (after source selection)"),
        "mentions_linked": (int(status.get("linked", 0)), "count", "mention rows linked to a person"),
        "mentions_retracted": (int(status.get("retracted", 0)), "count",
                               "mention rows naming a person a source says does not exist"),
        "mentions_unattributed": (int(status.get("unattributed", 0)), "count",
                                  "unnamed mention rows that cannot be attributed to one person"),
        "persons_with_conflict": (int((v["conflict_fields"].fillna("") != "").sum()), "person",
                                  "identified persons with at least one field on which sources disagree"),
        "persons_death_date_stated": (int(v["date_death"].notna().sum()), "person",
                                      "persons whose date of death a source states (a point)"),
        "persons_death_date_interval": (int((v["date_death"].isna() & v["date_death_max"].notna()).sum()), "person",
                                        "persons whose death date no source states but the evidence bounds "
                                        "(analysis/register/intervals.py)"),
        "persons_death_date_unbounded": (int(v["date_death_max"].isna().sum()), "person",
                                         "persons with no upper bound on the date of death"),
        "persons_without_department": (int(v["department"].isna().sum()), "person",
                                       "persons (identified or not) with no department"),
        "clash_without_department": (int((v["department"].isna() & v["context"].eq("clash")).sum()), "person",
                                     "clash deaths with no department"),
    }


def summary_text(s: dict) -> str:
    val = {k: v[0] for k, v in s.items()}
    return (f"The register holds **{val['persons_total']} persons**: {val['persons_identified']} identified by at "
            f"least one source and {val['persons_unidentified']} unidentified records. Of {val['mentions_total']} "
            f"mention rows, {val['mentions_linked']} are linked to a person, {val['mentions_retracted']} name a "
            f"person a source retracted, and {val['mentions_unattributed']} are unnamed mentions left "
            f"unattributed (each with its reason in `mentions_linked.csv`). {val['persons_with_conflict']} "
            f"identified persons have at least one field on which their sources disagree.")


def conflicts_by_field(victims: pd.DataFrame) -> pd.DataFrame:
    """Persons with a conflict on each field (identified persons only)."""
    cols = [c for c in victims.columns if c.startswith("conflict_") and c != "conflict_fields"]
    ident = victims[_true(victims["identified"])]
    return pd.DataFrame({"field": [c.removeprefix("conflict_") for c in cols],
                         "persons_with_conflict": [int(_true(ident[c]).sum()) for c in cols]})


def _true(s: pd.Series) -> pd.Series:
    """Booleans whether the table was built in memory (bool) or read back from CSV (text)."""
    return s.astype("string").str.lower().eq("true").fillna(False)


def identity_text(identity: pd.DataFrame) -> str:
    """One paragraph on the identity: the latest official snapshot's cells (and those that do not hold, with the
    difference), then the event counts."""
    nat = identity[identity["level"] == "national"]
    latest = nat[nat["as_of"] == nat["as_of"].max()]
    exact = latest["holds"] == "exactly"
    off = "; ".join(f"{r.category} ({r.geo}): published {r.count}, {r.total_certain} certain, up to "
                    f"{r.total_possible} possible" for r in latest[~exact].itertuples())
    events = identity[identity["level"] == "event"]
    ev_text = "; ".join(f"{r.count_id} ({r.event_id}, as of {r.as_of}): published {r.count}, "
                        f"{r.total_certain} certain, up to {r.total_possible} possible ({r.holds})"
                        for r in events.itertuples())
    return (f"At the latest official snapshot (as of {latest['as_of'].max()}) the identity holds exactly in "
            f"**{int(exact.sum())} of {len(latest)}** national cells"
            + (f"; it does not in: {off}" if off else "") + f". Event counts: {ev_text or 'none'}.")


def scope_counts(victims: pd.DataFrame, dates, contexts=("clash", "blockade", "police_officer")) -> pd.DataFrame:
    """Certain and possible persons per context on or before each date (the register's coverage over time)."""
    rows = []
    for d in dates:
        for ctx in contexts:
            sel = scope.select(victims, scope.Scope(contexts=(ctx,), end=d))
            rows.append({"as_of": d, "context": ctx, "certain": len(sel.certain), "possible": len(sel.possible)})
    return pd.DataFrame(rows)
