"""The command timeline (data/raw/context/command_timeline.csv) as processed tables: who held which office when,
the dated public statements (those endorsing the forces flagged), the holders seen only on dated rows, and the
states of emergency and curfews (coded in analysis.register.command_measures).

Tenure convention (used everywhere the tables are read): a tenure includes its start day and ends the day before
the successor starts. `end_*` columns are therefore *exclusive* ends (the first day out of office). An explicit
'left office' dated D is read the same way (D = first day out), which is what the timeline's paired
'left office'/'took office' rows on the same day imply. Dates known to the day only as a range or a month
are kept as (earliest, latest) intervals.

`tables(path, log)` returns the published tables (TABLES); the register build writes them into data/processed/
with the others, and `read(processed)` loads them back with dates as datetime.date and flags as booleans. Every
decision (end narrowed, vacancy, open tenure, uncertain date, statement not endorsing) goes into the register's
cleaning log under the step `command.timeline`.
"""
import datetime as dt
import re
import unicodedata
from pathlib import Path

import pandas as pd

from analysis import paths
from analysis.errors import RawDataError, data_row
from analysis.io import write_csv_atomic
from analysis.register import command_measures
from analysis.register.clean.timeline_dates import DateSpec, parse_date_field, parse_iso_day
from analysis.register.sources import read_command_timeline
from analysis.steplog import StepLog

TIMELINE_FILE = paths.RAW / "context" / "command_timeline.csv"
STEP = "command.timeline"

# Offices held by one person at a time, whose succession the timeline records (role prefix -> canonical role).
TENURE_ROLES = {
    "President of the Council of Ministers": "President of the Council of Ministers",
    "President": "President",
    "Minister of the Interior": "Minister of the Interior",
    "Minister of Defense": "Minister of Defense",
    "PNP Commander General": "PNP Commander General",
    "Head of the Joint Command of the Armed Forces": "Head of the Joint Command (CCFFAA)",
}
# Offices seen only on dated rows (no start/end in the timeline); department = the region commanded.
OBSERVED_ROLES = {
    "Head of PNP General Advisory Command": ("Head of PNP General Advisory Command", ""),
    "PNP Chief of General Staff": ("PNP Chief of General Staff", ""),
    "Commander, 2nd Infantry Brigade": ("Commander, 2nd Infantry Brigade (Army, Huamanga)", "Ayacucho"),
    "Head, Macro Región Policial Ayacucho": ("Head, Macro Región Policial Ayacucho", "Ayacucho"),
    "Top police authority in Apurímac": ("Top police authority in Apurímac", "Apurímac"),
    "Head, VI Región Policial Junín": ("Head, VI Región Policial Junín", "Junín"),
    "Head, X Macro Región Policial Puno": ("Head, X Macro Región Policial Puno", "Puno"),
    "Head, VII Macro Región Policial Cusco": ("Head, VII Macro Región Policial Cusco", "Cusco"),
    "Head, Región Policial Lima": ("Head, Región Policial Lima", "Lima"),
    "Director of PNP Special Operations": ("Director of PNP Special Operations (DIROES)", ""),
}
OTHER_ROLES = {"Executive": "Executive", "Prosecutor's Office": "Prosecutor's Office"}

# Statements NOTES.md §4 lists as endorsing the forces, keyed by the raw (date, person) cells. Other
# 'public statement' rows (Angulo 10 Jan on a police death, Zanabria 18 Jan on deployment numbers) are not
# endorsements of the forces' conduct and are reported as such, not dropped silently.
ENDORSING = [
    ("2022-12-11/12 (approx.)", "Alberto Otárola"),
    ("2022-12-14", "Dina Boluarte"),
    ("2022-12-16", "Alberto Otárola"),
    ("2022-12-17/18 (approx.)", "Dina Boluarte"),
    ("2022-12-17/18 (reported 18 Dec)", "Manuel Gómez de la Torre"),
    ("2023-01-09", "Víctor Rojas"),
    ("2023-01-10", "Alberto Otárola"),
    ("2023-01-10", "Raúl Alfaro"),
    ("2023-01-12", "Víctor Rojas"),
    ("2023-01-19", "Dina Boluarte"),
    ("2023-01-20", "Alberto Otárola"),
    ("2023-01-24 (inferred: 'hoy'/'este martes' in Jan 2023 reports)", "Dina Boluarte"),
    ("2023-01-24 (inferred: 'este martes')", "Dina Boluarte"),
    ("2023-02-10 (inferred: 'este viernes' in 11 Feb article)", "Dina Boluarte"),
]

_EVENT_KINDS = [  # (regex on the event cell, kind); first match wins
    (r"^took office", "start"),
    (r"^left office", "end"),
    (r"^still in office", "still_in_office"),
    (r"state of emergency|^SoE\b", "emergency"),
    (r"curfew", "curfew"),
    (r"^public statement", "statement"),
    (r"^testimony", "testimony"),
    (r"investigation opened", "prosecution"),
    (r"^in office|command|named in|under (prosecutorial|preliminary) investigation|received operational|"
     r"not found", "observation"),
]
_TITLES = {"gen", "ep", "pnp"}


def read_timeline(path: Path | None = None) -> pd.DataFrame:
    """The raw timeline as strings (read by analysis.register.sources), with its spreadsheet row number."""
    df = read_command_timeline(Path(path or TIMELINE_FILE))
    df.insert(0, "row", [data_row(i) for i in range(len(df))])
    return df


def canonical_role(raw: str) -> tuple[str, str, str]:
    """(canonical role, class: tenure|observed|other, department of a regional command or '')."""
    for prefix, role in TENURE_ROLES.items():
        if raw == prefix or raw.startswith(prefix + " ") or (prefix != "President" and raw.startswith(prefix)):
            return role, "tenure", ""
    for prefix, (role, dep) in OBSERVED_ROLES.items():
        if raw.startswith(prefix):
            return role, "observed", dep
    for prefix, role in OTHER_ROLES.items():
        if raw.startswith(prefix):
            return role, "other", ""
    if raw.startswith("Minister of Defense"):
        return "Minister of Defense", "tenure", ""
    raise ValueError(f"unknown role {raw!r}")


def event_kind(event: str) -> str:
    for pattern, kind in _EVENT_KINDS:
        if re.search(pattern, event, flags=re.I):
            return kind
    raise ValueError(f"event not classifiable: {event[:60]!r}")


def name_tokens(name: str) -> frozenset:
    """Accent-free lower-case name words without military titles ('Gen. EP ...')."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return frozenset(w for w in re.findall(r"[a-z]+", text) if w not in _TITLES)


def same_person(a: str, b: str) -> bool:
    """The shorter form's words (at least two) all appear in the longer: 'Alberto Otárola' ~
    'Luis Alberto Otárola Peñaranda'."""
    ta, tb = name_tokens(a), name_tokens(b)
    small, big = sorted((ta, tb), key=len)
    return len(small) >= 2 and small <= big


def classify(timeline: pd.DataFrame, file=TIMELINE_FILE) -> pd.DataFrame:
    """Add role_canonical, role_class, region, kind and the parsed DateSpec to every row (errors name the row)."""
    out = timeline.copy()
    roles, classes, regions, kinds, specs = [], [], [], [], []
    for rec in out.itertuples(index=False):
        try:
            role, cls, region = canonical_role(rec.role)
        except ValueError as exc:
            raise RawDataError(file, rec.row, "role", str(exc)) from None
        try:
            kind = event_kind(rec.event)
        except ValueError as exc:
            raise RawDataError(file, rec.row, "event", str(exc)) from None
        try:
            spec = parse_date_field(rec.date)
        except ValueError as exc:
            raise RawDataError(file, rec.row, "date", str(exc)) from None
        if kind in {"start", "end", "still_in_office", "statement"} and spec.kind in {"none", "span", "multiple"}:
            raise RawDataError(file, rec.row, "date", f"a '{kind}' row needs one date, got {rec.date!r}")
        roles.append(role), classes.append(cls), regions.append(region), kinds.append(kind), specs.append(spec)
    out["role_canonical"], out["role_class"], out["region"] = roles, classes, regions
    out["kind"], out["spec"] = kinds, specs
    return out


def _interval(spec: DateSpec, i: int = 0) -> tuple[dt.date, dt.date]:
    return spec.points[i]


def _overlap(a, b):
    lo, hi = max(a[0], b[0]), min(a[1], b[1])
    return (lo, hi) if lo <= hi else None


def _starts(rows: pd.DataFrame, role: str, file) -> list:
    """The 'took office' rows by first possible day; two holders starting the same day, or one holder taking
    office twice, are errors."""
    starts = rows[rows.kind == "start"].copy()
    starts["_lo"] = [s.earliest for s in starts.spec]
    start_list = list(starts.sort_values(["_lo", "row"], kind="stable").itertuples(index=False))
    for i, st in enumerate(start_list):
        if i + 1 < len(start_list) and start_list[i + 1].spec.earliest == st.spec.earliest:
            nxt = start_list[i + 1]
            raise RawDataError(file, nxt.row, "date", f"{role}: two holders take office on {st.date} "
                               f"(rows {st.row} and {nxt.row})")
        if any(same_person(st.person, o.person) for o in start_list[:i]):
            raise RawDataError(file, st.row, "person", f"{role}: {st.person} takes office twice")
    return start_list


def _own_end(st, ends: pd.DataFrame, role: str, file):
    """The holder's own 'left office' row (at most one, not before the start) or None."""
    mine = [e for e in ends.itertuples(index=False) if same_person(e.person, st.person)]
    if len(mine) > 1:
        raise RawDataError(file, mine[1].row, "date", f"{role}: two 'left office' rows for {st.person} "
                           f"(rows {mine[0].row}, {mine[1].row})")
    if mine and mine[0].spec.latest < st.spec.earliest:
        raise RawDataError(file, mine[0].row, "date", f"{role}: {st.person} leaves before taking office "
                           f"(row {st.row})")
    return mine[0] if mine else None


def _end(st, end_row, succ, role: str, file, log: StepLog) -> tuple:
    """(first-day-out interval or None, basis, reference) from the holder's own 'left office' row and the
    successor's start: the successor's start ends a tenure without an end row; both together narrow the end to
    their overlap; an end before the successor's start leaves the office vacant in between (logged)."""
    end, basis, ref = None, "open: no 'left office' row and no successor in the timeline", ""
    if end_row is not None:
        end, basis, ref = _interval(end_row.spec), "'left office' row", f"row {end_row.row}"
    if succ is None:
        return end, basis, ref
    s_iv = _interval(succ.spec)
    if end is None:
        return s_iv, "successor's start", f"row {succ.row}"
    both = _overlap(end, s_iv)
    if both is not None:
        if both != end:
            log.decision(STEP, "narrowed", f"{role}: {st.person}'s first day out {end[0]}..{end[1]} "
                         f"(row {end_row.row}) narrowed to {both[0]}..{both[1]} by {succ.person} taking "
                         f"office {succ.date} (row {succ.row}; a tenure ends the day before the successor's)",
                         f"rows {end_row.row}, {succ.row}")
        return both, "'left office' row and successor's start agree", f"rows {end_row.row}, {succ.row}"
    if end[1] < s_iv[0]:
        log.decision(STEP, "vacancy", f"{role}: {st.person} left ({end_row.date}) before {succ.person} "
                     f"took office ({succ.date}); the office is counted as vacant in between",
                     f"rows {end_row.row}, {succ.row}")
        return end, basis, ref
    raise RawDataError(file, end_row.row, "date", f"{role}: {st.person} leaves ({end_row.date}) after "
                       f"successor {succ.person} took office ({succ.date}, row {succ.row})")


def _still(st, stills: pd.DataFrame, end, ref: str, role: str, file) -> list:
    """The holder's 'still in office' rows; one dated on or after the first day out is an error."""
    still = [s for s in stills.itertuples(index=False) if same_person(s.person, st.person)]
    for s in still:
        if end is not None and end[1] <= s.spec.earliest:
            raise RawDataError(file, s.row, "date", f"{role}: {st.person} still in office on {s.date} but "
                               f"the tenure ends by {end[1]} ({ref})")
    return still


def _unmatched(rows: pd.DataFrame, used: set, what: str, role: str, file) -> None:
    """A 'left office' or 'still in office' row that belongs to no 'took office' row is an error."""
    for r in rows.itertuples(index=False):
        if r.row not in used:
            raise RawDataError(file, r.row, "person", f"{role}: '{what}' for {r.person} matches no "
                               "'took office' row")


def _role_tenures(rows: pd.DataFrame, role: str, file, log: StepLog) -> list[dict]:
    """Tenures of one single-holder office from its start/end/still/span rows."""
    ends = rows[rows.kind == "end"]
    stills = rows[rows.kind == "still_in_office"]
    spans = rows[(rows.kind == "observation") & rows.spec.map(lambda s: s.kind == "span")]
    start_list = _starts(rows, role, file)
    used_ends, used_stills, out = set(), set(), []
    for i, st in enumerate(start_list):
        end_row = _own_end(st, ends, role, file)
        used_ends |= {end_row.row} if end_row is not None else set()
        succ = start_list[i + 1] if i + 1 < len(start_list) else None
        end, basis, ref = _end(st, end_row, succ, role, file, log)
        still = _still(st, stills, end, ref, role, file)
        used_stills |= {s.row for s in still}
        if end is None and still:
            basis = f"open: still in office on {still[-1].date} (row {still[-1].row}); end date not in the timeline"
        out.append(_tenure(role, st.person, _interval(st.spec), end, basis, f"row {st.row}", ref))
    for sp in spans.itertuples(index=False):  # 'X to Y' rows give a whole tenure
        out.append(_tenure(role, sp.person, _interval(sp.spec, 0), _interval(sp.spec, 1),
                           "span row ('to' date read as first day out)", f"row {sp.row}", f"row {sp.row}"))
    _unmatched(ends, used_ends, "left office", role, file)
    _unmatched(stills, used_stills, "still in office", role, file)
    return out


def _tenure(role, person, start, end, basis, start_ref, end_ref) -> dict:
    return {"role": role, "person": person, "start_earliest": start[0], "start_latest": start[1],
            "end_earliest": end[0] if end else None, "end_latest": end[1] if end else None,
            "open": end is None, "end_basis": basis, "start_ref": start_ref, "end_ref": end_ref}


def build_tenures(classified: pd.DataFrame, file=TIMELINE_FILE, log: StepLog | None = None) -> pd.DataFrame:
    """One row per (office, holder) with start and exclusive-end intervals; see the module docstring."""
    log = log if log is not None else StepLog()
    rows = classified[classified.role_class == "tenure"]
    out = []
    for role in TENURE_ROLES.values():
        out += _role_tenures(rows[rows.role_canonical == role], role, file, log)
    tenures = pd.DataFrame(out, columns=list(_tenure("", "", (None, None), None, "", "", "")))
    tenures["short_name"] = [min((p for p in rows[rows.role_canonical == t.role].person if same_person(p, t.person)),
                                 key=lambda p: (len(p), p), default=t.person) for t in tenures.itertuples()]
    for t in tenures.itertuples(index=False):
        if t.start_earliest != t.start_latest or (not t.open and t.end_earliest != t.end_latest):
            log.decision(STEP, "uncertain date", f"{t.role}, {t.person}: start {t.start_earliest}..{t.start_latest}"
                         f", first day out {t.end_earliest}..{t.end_latest}; counts are given as ranges",
                         f"{t.start_ref}; {t.end_ref}")
        if t.open:
            log.decision(STEP, "open tenure", f"{t.role}, {t.person}: {t.end_basis}", t.start_ref)
    log.counts(STEP + ".tenures", len(rows), len(tenures), "rows -> tenures")
    return tenures.sort_values(["role", "start_earliest", "person"], kind="stable").reset_index(drop=True)


def observed_holders(classified: pd.DataFrame) -> pd.DataFrame:
    """Holders of offices whose start and end the timeline lacks, with the dates they are seen in office."""
    rows = classified[(classified.role_class == "observed") & classified.spec.map(lambda s: s.kind != "none")]
    recs = [{"role": r.role_canonical, "person": r.person, "region": r.region, "date_raw": r.date,
             "seen_earliest": r.spec.earliest, "seen_latest": r.spec.latest,
             "points": r.spec.points, "row": r.row, "event": r.event} for r in rows.itertuples(index=False)]
    return pd.DataFrame(recs, columns=["role", "person", "region", "date_raw", "seen_earliest", "seen_latest",
                                       "points", "row", "event"])


def statements(classified: pd.DataFrame, tenures: pd.DataFrame, file=TIMELINE_FILE,
               log: StepLog | None = None, endorsing=tuple(ENDORSING)) -> pd.DataFrame:
    """All 'public statement' rows with date interval, the tenure holder they match and the endorsing flag
    (`endorsing`: raw (date, person) keys, each of which must match exactly one row)."""
    log = log if log is not None else StepLog()
    rows = classified[classified.kind == "statement"]
    keys = list(zip(rows.date, rows.person))
    for key in endorsing:
        if keys.count(key) != 1:
            raise RawDataError(file, None, "date", f"endorsing statement {key} matches {keys.count(key)} rows")
    recs = []
    cols = ["row", "date_raw", "date_earliest", "date_latest", "date_approx", "person", "holder", "role",
            "role_raw", "quote", "url", "endorsing"]
    for r in rows.itertuples(index=False):
        holder = [t.person for t in tenures.itertuples(index=False)
                  if t.role == r.role_canonical and same_person(t.person, r.person)]
        is_endorsing = (r.date, r.person) in endorsing
        if not is_endorsing:
            log.decision(STEP, "not endorsing", f"{r.person} ({r.date}): public statement not listed as endorsing "
                         "the forces in NOTES.md §4; kept in the statements table, not in the repetition analysis",
                         f"row {r.row}")
        recs.append({"row": r.row, "date_raw": r.date, "date_earliest": r.spec.earliest,
                     "date_latest": r.spec.latest, "date_approx": r.spec.approx, "person": r.person,
                     "holder": holder[0] if holder else r.person, "role": r.role_canonical, "role_raw": r.role,
                     "quote": r.quote, "url": r.url, "endorsing": is_endorsing})
    return pd.DataFrame(recs, columns=cols).sort_values(["date_earliest", "row"], kind="stable").reset_index(drop=True)


def load(path: Path | None = None, log: StepLog | None = None, endorsing=tuple(ENDORSING)) -> dict:
    """Read and classify the timeline once: {'rows', 'tenures', 'observed', 'statements'}."""
    path = Path(path or TIMELINE_FILE)
    log = log if log is not None else StepLog()
    rows = classify(read_timeline(path), path)
    tenures = build_tenures(rows, path, log)
    return {"rows": rows, "tenures": tenures, "observed": observed_holders(rows),
            "statements": statements(rows, tenures, path, log, endorsing)}


# ---- the published tables ------------------------------------------------------------------------------------
# Processed table -> its date columns and boolean columns (as read back by `read`).
TABLES = {
    "command_tenures": (("start_earliest", "start_latest", "end_earliest", "end_latest"), ("open",)),
    "command_statements": (("date_earliest", "date_latest"), ("date_approx", "endorsing")),
    "command_observed": (("seen_earliest", "seen_latest"), ()),
    "command_measures": (("start_earliest", "start_latest", "end_earliest", "end_latest"), ()),
    "command_measures_excluded": ((), ()),
}
OBSERVED_COLUMNS = ["role", "person", "region", "date_raw", "seen_earliest", "seen_latest", "row", "event"]


def observed_table(observed: pd.DataFrame) -> pd.DataFrame:
    """observed_holders flattened for a CSV: one row per date a holder is seen in office ('2023-01 and 2023-03'
    gives two rows), `seen_*` that date's earliest and latest possible day."""
    recs = [{**{c: getattr(o, c) for c in OBSERVED_COLUMNS}, "seen_earliest": lo, "seen_latest": hi}
            for o in observed.itertuples(index=False) for lo, hi in o.points]
    return pd.DataFrame(recs, columns=OBSERVED_COLUMNS)


def tables(path: Path | None = None, log: StepLog | None = None) -> dict:
    """{processed table name: DataFrame} for the command timeline at `path` (default: data/raw/context/
    command_timeline.csv); the decisions go into `log`."""
    path = Path(path or TIMELINE_FILE)
    d = load(path, log)
    return {"command_tenures": d["tenures"], "command_statements": d["statements"],
            "command_observed": observed_table(d["observed"]),
            "command_measures": command_measures.code_measures(d["rows"], path),
            "command_measures_excluded": command_measures.excluded_rows(d["rows"])}


def publish(processed: Path, log: StepLog | None = None, path: Path | None = None) -> list[Path]:
    """Write the tables into `processed` (outside the register build, which writes them with the others)."""
    written = []
    for name, df in tables(path, log).items():
        written.append(Path(processed) / f"{name}.csv")
        write_csv_atomic(df, written[-1])
    return written


def _regroup_observed(flat: pd.DataFrame) -> pd.DataFrame:
    """command_observed.csv back to one row per timeline row, its seen dates as `points` ((lo, hi), ...)."""
    recs = []
    for _, g in flat.groupby("row", sort=False):
        points = tuple(zip(g.seen_earliest, g.seen_latest))
        recs.append({**g.iloc[0][["role", "person", "region", "date_raw"]].to_dict(),
                     "seen_earliest": points[0][0], "seen_latest": points[-1][1], "points": points,
                     "row": int(g.row.iloc[0]), "event": g.event.iloc[0]})
    return pd.DataFrame(recs, columns=["role", "person", "region", "date_raw", "seen_earliest", "seen_latest",
                                       "points", "row", "event"])


def read(processed: Path | None = None) -> dict:
    """The published tables from `processed` (default data/processed/): dates as datetime.date (None when
    empty), flags as booleans, timeline rows as integers; 'command_observed' regrouped with its `points`."""
    processed = Path(processed or paths.PROCESSED)
    out = {}
    for name, (dates, flags) in TABLES.items():
        df = pd.read_csv(processed / f"{name}.csv", dtype=str, keep_default_na=False, encoding="utf-8")
        for col in dates:
            df[col] = pd.Series([parse_iso_day(v) for v in df[col]], index=df.index, dtype=object)
        for col in flags:
            df[col] = df[col].map({"True": True, "False": False}).astype(bool)
        if "row" in df:
            df["row"] = df["row"].astype(int)
        out[name] = df
    out["command_observed"] = _regroup_observed(out["command_observed"])
    return out


def read_log(processed: Path | None = None) -> list[dict]:
    """The timeline's entries of the register's cleaning log (data/processed/cleaning_log.csv), as StepLog
    entries: counts with integer n_in/n_out, decisions with their ref."""
    log = pd.read_csv(Path(processed or paths.PROCESSED) / "cleaning_log.csv", dtype=str, keep_default_na=False,
                      encoding="utf-8")
    mine = log[(log.step == STEP) | log.step.str.startswith(STEP + ".")]
    out = []
    for e in mine.to_dict("records"):
        if e["kind"] == "counts":
            out.append({"step": e["step"], "kind": "counts", "n_in": int(e["n_in"]), "n_out": int(e["n_out"]),
                        "unit": e["unit"], "detail": e["detail"]})
        else:
            out.append({"step": e["step"], "kind": e["kind"], "ref": e["ref"], "detail": e["detail"]})
    return out
