"""Who counts: one scope, one selector, one loader for every analysis.

`Scope` says which persons an analysis counts: contexts, a date window (on the death or the injury date),
excluded events, and whether the certain or the possible persons are the count. `select` returns both sets,
so the possible persons always bound a result and nobody is dropped silently:
  - certain: both bounds of the date interval fall inside the window;
  - possible: the interval overlaps the window (certain ⊆ possible); an unbounded side overlaps everything.
`load_register` reads data/processed once, validates it with the pandera schemas and parses nothing else.
"""
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from analysis import paths
from analysis.register import schemas, vocab

DATE_FIELDS = ("death", "injury")
POLICIES = ("certain", "possible")
TABLES = ("victims", "departments", "events")


@dataclass(frozen=True)
class Scope:
    """contexts: vocab.CONTEXT codes; start/end: ISO dates or None (unbounded); date_field: 'death' or
    'injury' (who commanded when the person was shot); policy: which set is the count."""
    contexts: tuple = ("clash",)
    start: str | None = None
    end: str | None = "2023-03-31"
    date_field: str = "death"
    policy: str = "certain"
    exclude_events: tuple = ()
    unit: str = "person"

    def __post_init__(self):
        bad = [c for c in self.contexts if c not in vocab.CONTEXT]
        if bad:
            raise ValueError(f"scope: unknown context(s) {bad}; valid: {sorted(vocab.CONTEXT)}")
        if self.date_field not in DATE_FIELDS:
            raise ValueError(f"scope: date_field '{self.date_field}' is not one of {DATE_FIELDS}")
        if self.policy not in POLICIES:
            raise ValueError(f"scope: policy '{self.policy}' is not one of {POLICIES}")
        for name in ("start", "end"):
            value = getattr(self, name)
            if value is not None:
                pd.Timestamp(value)  # raises on an impossible date
        object.__setattr__(self, "contexts", tuple(self.contexts))
        object.__setattr__(self, "exclude_events", tuple(self.exclude_events))

    def with_(self, **changes) -> "Scope":
        return replace(self, **changes)

    def describe(self) -> str:
        window = f"{self.start or 'start'} to {self.end or 'end'}"
        excl = f", excluding events {', '.join(self.exclude_events)}" if self.exclude_events else ""
        return (f"{'/'.join(self.contexts)} deaths, {self.date_field} date {window}, "
                f"{self.policy} persons{excl}")


@dataclass
class Selection:
    """certain ⊆ possible; `count` is the policy's set. `outside` are the in-context persons certainly outside
    the window; `uncertain` = possible − certain (their interval straddles a window edge)."""
    scope: Scope
    certain: pd.DataFrame
    possible: pd.DataFrame
    outside: pd.DataFrame
    excluded_event: pd.DataFrame

    @property
    def count(self) -> pd.DataFrame:
        return self.certain if self.scope.policy == "certain" else self.possible

    @property
    def uncertain(self) -> pd.DataFrame:
        return self.possible[~self.possible["victim_id"].isin(self.certain["victim_id"])]

    def bounds(self) -> tuple:
        return len(self.certain), len(self.possible)


def _masks(victims: pd.DataFrame, scope: Scope):
    lo = victims[f"date_{scope.date_field}_min"]
    hi = victims[f"date_{scope.date_field}_max"]
    start = scope.start or "0000-01-01"
    end = scope.end or "9999-12-31"
    certain = lo.fillna("0000-01-01").ge(start) & hi.fillna("9999-12-31").le(end)
    if scope.start is not None:
        certain &= lo.notna()
    if scope.end is not None:
        certain &= hi.notna()
    possible = hi.fillna("9999-12-31").ge(start) & lo.fillna("0000-01-01").le(end)
    return certain.astype(bool), possible.astype(bool)


def select(victims: pd.DataFrame, scope: Scope) -> Selection:
    """The persons `scope` counts, certain and possible (see module doc)."""
    in_ctx = victims["context"].isin(scope.contexts)
    excluded = victims["event_id"].isin(scope.exclude_events).fillna(False).astype(bool)
    certain, possible = _masks(victims, scope)
    base = in_ctx & ~excluded
    return Selection(scope=scope,
                     certain=victims[base & certain].reset_index(drop=True),
                     possible=victims[base & possible].reset_index(drop=True),
                     outside=victims[base & ~possible].reset_index(drop=True),
                     excluded_event=victims[in_ctx & excluded].reset_index(drop=True))


def load_register(processed_dir=None) -> dict:
    """victims, departments and events from data/processed, validated (pandera); dates stay ISO text."""
    processed_dir = Path(processed_dir or paths.PROCESSED)
    tables = {}
    for name in TABLES:
        path = processed_dir / f"{name}.csv"
        df = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8")
        tables[name] = schemas.validate(name, schemas.coerce(name, df))
    return tables
