"""Reconciliation of the person register with published aggregate counts.

`map_counts` gives every count row a (geography, category, as_of) or a "not reconciled: reason";
`reconcile` compares each mapped count with the identified persons it covers; `add_unidentified` adds
explicitly unidentified records for deaths known only from the official counts; `check_identity`
returns the table that shows the identity holds.

Official source: the Defensoría del Pueblo (the state's Ombudsman, which kept the only running
register of the deaths). Only the count rows listed in OFFICIAL_COUNTS are treated as Defensoría
figures; each entry says through which publication and as of which date (NOTES.md §3).
Level of the identity: an unidentified record may carry only what its count states. A department
total (Servindi, 24 Dec 2022) states a department but no context; a national count per context
states a context but no department; filling both levels would count one death twice. So the
identity is enforced at one level per snapshot: department totals when the official snapshot at the
cut-off has a department breakdown, otherwise national × context. The other cells are still
reconciled (gap shown) but not filled.
"""
import re

import pandas as pd

from analysis.register import vocab
from analysis.register.intervals import PERIOD_BASIS, PERIOD_START

STEP = "reconcile"

# Wording → category, first match wins (matched on vocab.fold(category_as_printed)).
# None = not reconciled, with the reason. Subsets and characteristics come first: a count of minors,
# babies, gunshot deaths or one street is not the total of a context.
WORDING_RULES = [
    (r"militar|soldier|soldados|uniformed", None, "soldiers are outside the civilian and police register (NOTES.md §5)"),
    (r"haitian", None, "Haitians who died without care: outside the Defensoría register (NOTES.md §3)"),
    (r"(?<!incluido el )menor|bebe|recien nacido|escolares|adolescentes|minors|tenian 18", None, "subset by age, not a context total"),
    (r"proyectil|gunshot|torso|head|back|pellet|perdig|paf\b|lacrimog|autops|forensic|cuerpos",
     None, "subset by cause or forensic finding, not a context total"),
    (r"extrajudic|no participaban|not participating|documented|cases|una sola calle|\botros\b|\botras\b(?! nove)",
     None, "subset or case selection, not a context total"),
    (r"^\d+ in (?!der region)", None, "city-level count within a department"),
    (r"incluido un policia|entre ellos un policia|incl\. so2|davon 1 polizist\)", "total", "total incl. the police officer"),
    (r"^(el )?polic|efectivo (de la )?polic|efectivo policial|^police$|^officer$|policia murio|policia caido"
     r"|policia asesinado|policia \(|^policial$|davon 1 polizist|in clashes \(one police\)", "police_officer", ""),
    (r"protestas y bloqueos", "total", "protests and blockades together"),
    (r"^[a-z ]+ \(\d+\)$", "total", "department entry of a list, e.g. 'Apurímac (6)'"),
    (r"bloqueo|blockade|strassenblockaden|straßenblockaden|bloqueios|accidentes de transito", "blockade", ""),
    (r"muerta ocurrida|mujer que murio", "unknown", "a death the Defensoría lists apart from the contexts"),
    (r"enfrentamiento|clash|confrontacion|represion|repression|manifestantes|protesters|auseinandersetzungen"
     r"|manifestantes mortos|executed|asesinado por las fuerzas", "clash", ""),
    (r"muert|fallec|vidas|victim|dead|death|mortos|todesf|decesos|cifra|asesinad|personas|murdered|total",
     "total", ""),
]

# Defensoría figures: count_id → (as_of, how we know). Dates follow NOTES.md §3.
OFFICIAL_COUNTS = {
    **{c: ("2022-12-14", "Defensoría via EFE/La Opinión") for c in ["C0037"]},
    **{c: ("2022-12-17", "Defensoría via La República") for c in ["C0014", "C0015", "C0016"]},
    **{c: ("2022-12-24", "Defensoría register republished by Servindi") for c in
       ["C0001", "C0002", "C0003", "C0004", "C0005", "C0006", "C0007", "C0008", "C0009"]},
    **{c: ("2023-01-10", "Defensoría via AP ('según el recuento de la Defensoría')") for c in
       ["C0046", "C0047", "C0048", "C0049"]},
    **{c: ("2023-01-12", "Defensoría via EFE") for c in ["C0050", "C0051", "C0052", "C0053"]},
    **{c: ("2023-01-18", "Defensoría via Milenio") for c in ["C0095", "C0096", "C0097", "C0098"]},
    **{c: ("2023-01-25", "Defensoría via EFE (El Luchador)") for c in ["C0133", "C0134", "C0135", "C0136"]},
    **{c: ("2023-01-30", "Defensoría via Siglo XXI") for c in ["C0147"]},
    # EFE, March 2023: dated after the Defensoría added the Caylloma minor (March) and before Rosalino
    # Flórez died on 21 Mar (RT gives 66 as the total before him): 2023-03-20 is the latest date the
    # evidence allows, used as the upper bound.
    **{c: ("2023-03-20", "Defensoría via EFE (Monitoreamos), March 2023; date bounded by RT 21-22 Mar")
       for c in ["C0142", "C0143", "C0144", "C0145", "C0146"]},
}
# Defensoría rows deliberately not used, with the reason.
OFFICIAL_EXCLUDED = {
    "C0132": "EFE total 63 does not add up from its parts; it includes 4 Haitians and an unborn baby (NOTES.md §3)",
}


def map_counts(counts: pd.DataFrame, sources: pd.DataFrame = None) -> pd.DataFrame:
    """counts + geo (department name or 'national'), category, as_of, official, reconciled, note."""
    pub = {} if sources is None else dict(zip(sources["source_id"], sources["published_date"]))
    out = counts.copy()
    cats, notes, asof, official = [], [], [], []
    for r in counts.to_dict("records"):
        text = vocab.fold(r["category_as_printed"])
        cat, why = None, "wording not mapped"
        for pattern, code, reason in WORDING_RULES:
            if re.search(pattern, text):
                cat, why = code, reason
                break
        date = r.get("as_of_date") or ""
        if r["count_id"] in OFFICIAL_COUNTS:
            date = OFFICIAL_COUNTS[r["count_id"]][0]
        if not date and re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(pub.get(r["source_id"], ""))):
            date = pub[r["source_id"]]
        is_official = r["count_id"] in OFFICIAL_COUNTS and cat is not None
        if r["count_id"] in OFFICIAL_EXCLUDED:
            cat, why = None, OFFICIAL_EXCLUDED[r["count_id"]]
        if cat is not None and not date:
            cat, why = None, "no as-of date (neither the row nor its source is dated to the day)"
        cats.append(cat if cat is not None else pd.NA)
        notes.append(why if cat is not None else f"not reconciled: {why}")
        asof.append(date or pd.NA)
        official.append(bool(is_official and cat is not None))
    out["geo"] = counts["geography"]
    out["category"] = pd.array(cats, dtype="string")
    out["as_of"] = pd.array(asof, dtype="string")
    out["official"] = official
    out["reconciled"] = out["category"].notna()
    out["note"] = notes
    return out


def covered(victims: pd.DataFrame, geo: str, category: str, as_of: str, event: str | None = None):
    """(certain, possible) masks of the persons a count covers: same event (for an event count), department
    (any for national) and context (any for total); died certainly / possibly on or before as_of (the death
    interval of analysis.register.intervals: certainly = its latest bound is on or before as_of)."""
    mask = pd.Series(True, index=victims.index)
    if event is not None:
        mask &= victims["event_id"].eq(event).fillna(False)
    if geo != "national":
        mask &= victims["department"].eq(geo).fillna(False)
    if category != "total":
        mask &= victims["context"].eq(category).fillna(False)
    certain = victims["date_death_max"].fillna("9999-12-31") <= as_of
    possible = victims["date_death_min"].fillna("0000-01-01") <= as_of
    return (mask & certain).astype(bool), (mask & possible).astype(bool)


def event_of(counts: pd.DataFrame, event_counts: pd.DataFrame | None) -> dict:
    """count_id → event_id for the counts a hand decision says count one event's dead."""
    return {} if event_counts is None else dict(zip(event_counts["count_id"], event_counts["event_id"]))


def reconcile(victims: pd.DataFrame, counts: pd.DataFrame, log, sources: pd.DataFrame = None,
              event_counts: pd.DataFrame = None) -> pd.DataFrame:
    """One row per count: mapping, level (event / department / national), identified persons covered
    certainly and possibly, gap = count − certain."""
    mapped = map_counts(counts, sources)
    ev = event_of(counts, event_counts)
    ident = victims[victims["identified"].astype(bool)]
    rows = []
    for r in mapped.to_dict("records"):
        row = {k: r[k] for k in ["count_id", "source_id", "geography", "category_as_printed", "count",
                                 "geo", "category", "as_of", "official", "reconciled", "note"]}
        row["count"] = int(r["count"])
        row["event_id"] = ev.get(r["count_id"], pd.NA)
        row["level"] = "event" if r["count_id"] in ev else ("national" if r["geo"] == "national" else "department")
        if r["reconciled"]:
            cat = "clash" if r["count_id"] in ev else r["category"]
            cert, poss = covered(ident, r["geo"], cat, r["as_of"], ev.get(r["count_id"]))
            row["identified"] = int(cert.sum())
            row["identified_possible"] = int(poss.sum())
            row["gap"] = row["count"] - row["identified"]
        else:
            row["identified"] = row["identified_possible"] = row["gap"] = pd.NA
            log.decision(STEP, "unreconciled", f"{r['count_id']} '{r['category_as_printed']}': {r['note']}",
                         ref=r["count_id"])
        rows.append(row)
    out = pd.DataFrame(rows)
    for c in ["identified", "identified_possible", "gap"]:
        out[c] = out[c].astype("Int64")
    log.counts(STEP, len(counts), int(out["reconciled"].sum()), unit="count rows",
               note=f"{int(out['official'].sum())} official (Defensoría) rows; {len(ev)} event count(s)")
    return out


def official_cells(counts: pd.DataFrame, cutoff: str, sources: pd.DataFrame = None) -> dict:
    """level → Defensoría cells at `cutoff`: 'national' = context cells (and deaths listed apart) of the latest
    official snapshot; 'department' = department totals of the latest snapshot that has them (the December
    breakdowns), when that is the latest snapshot."""
    m = map_counts(counts, sources)
    off = m[m["official"] & m["as_of"].le(cutoff).fillna(False)]
    if off.empty:
        raise ValueError(f"reconcile: no official (Defensoría) count on or before {cutoff}")
    snap = off[off["as_of"] == off["as_of"].max()]
    national = snap[(snap["geo"] == "national") & (snap["category"] != "total")]
    apart = snap[(snap["geo"] != "national") & (snap["category"] != "total")]
    dep = snap[(snap["geo"] != "national") & (snap["category"] == "total")]
    return {"national": pd.concat([national, apart]), "department": dep}


def event_counts_until(counts: pd.DataFrame, cutoff: str, event_counts, sources=None) -> pd.DataFrame:
    """Every event count on or before `cutoff`, in date order: an unidentified record takes the window of the
    earliest count that requires it."""
    ev = event_of(counts, event_counts)
    m = map_counts(counts, sources)
    m = m[m["count_id"].isin(ev) & m["as_of"].le(cutoff).fillna(False)].copy()
    m["event_id"] = m["count_id"].map(ev)
    return m.sort_values(["as_of", "count_id"])


def _unidentified(count_row, k, columns, *, context, department=pd.NA, event=None, window=(None, None), level,
                  codes=None):
    """One unidentified record: only what its count (and, for an event count, the event) states; the INEI code of
    its department from `codes` (department name → ubigeo_dep of the identified persons)."""
    rec = {c: pd.NA for c in columns}
    lo, hi = window
    lo_basis = f"event {event} window" if lo else PERIOD_BASIS
    lo = lo or PERIOD_START
    rec.update({"victim_id": f"U-{count_row['count_id']}-{k}", "identified": False, "name_status": "unidentified",
                "department": department, "context": context, "event_id": event if event else pd.NA,
                "sex": "unknown", "cause": "unknown", "wound": "unknown", "force": "unknown",
                "unidentified_basis": f"{count_row['count_id']} ({level})", "count_source_id": count_row["source_id"],
                "count_as_of": count_row["as_of"], "n_mentions": 0, "n_sources": 0, "conflict_fields": "",
                "context_basis": f"stated by count {count_row['count_id']}",
                "ubigeo_dep": (codes or {}).get(department, pd.NA) if isinstance(department, str) else pd.NA,
                "date_death_min": lo, "date_death_min_basis": lo_basis,
                "date_death_max": hi, "date_death_max_basis": f"as of count {count_row['count_id']}" if hi else pd.NA,
                "date_injury_min": lo, "date_injury_min_basis": lo_basis,
                "date_injury_max": hi, "date_injury_max_basis": f"as of count {count_row['count_id']}" if hi else pd.NA})
    return rec


def snapshot_dates(counts, cutoff, sources=None) -> list:
    """as_of dates of the official snapshots on or before `cutoff`, in order."""
    m = map_counts(counts, sources)
    return sorted(m.loc[m["official"] & m["as_of"].le(cutoff).fillna(False), "as_of"].unique())


def _gap(ident, new, columns, r, log) -> int:
    """Deaths of cell `r` beyond every person (identified, or an unidentified record already placed) who
    possibly falls in it; a negative gap is logged as more persons than the count."""
    so_far = pd.concat([ident, pd.DataFrame(new, columns=columns)], ignore_index=True)
    _, poss = covered(so_far, r["geo"], r["category"], r["as_of"])
    gap = int(r["count"]) - int(poss.sum())
    if gap < 0 and log is not None:
        log.decision(STEP, "unresolved", f"{r['count_id']}: {-gap} more persons possibly covered than the "
                     f"official count {r['count']} ({r['geo']}, {r['category']}, {r['as_of']})", ref=r["count_id"])
    return max(gap, 0)


def _only_unexplained_context(ident, new, columns, national) -> str:
    """The context of a department total's unidentified deaths: the one context whose national cell in the same
    snapshot has deaths no person explains; 'unknown' when none or several do."""
    open_ctx = [r["category"] for r in national.to_dict("records")
                if r["geo"] == "national" and _gap(ident, new, columns, r, None) > 0]
    return open_ctx[0] if len(open_ctx) == 1 else "unknown"


def add_unidentified(victims: pd.DataFrame, counts: pd.DataFrame, cutoff: str, log=None,
                     sources: pd.DataFrame = None, event_counts: pd.DataFrame = None,
                     events: pd.DataFrame = None) -> pd.DataFrame:
    """victims + unidentified records for deaths known only from counts, placed at the finest level a count
    publishes: event counts first (the record inherits the event's department, province and start, and dies on
    or before the day of the earliest count that requires it), then the Defensoría's department totals of every
    snapshot (context: the one context its national breakdown leaves unexplained), then the national × context
    cells of the latest snapshot for what the finer levels leave. A record is added only where the count
    exceeds every person who possibly falls in its cell."""
    ident = victims[victims["identified"].astype(bool)]
    ev = {} if events is None else events.set_index("event_id").to_dict("index")
    codes = dict(ident[["department", "ubigeo_dep"]].dropna().drop_duplicates().itertuples(index=False))
    prov_codes = dict(ident[["province", "ubigeo_prov"]].dropna().drop_duplicates().itertuples(index=False))
    new = []
    for r in event_counts_until(counts, cutoff, event_counts, sources).to_dict("records"):
        e = ev.get(r["event_id"], {})
        so_far = pd.concat([ident, pd.DataFrame(new, columns=victims.columns)], ignore_index=True)
        _, poss = covered(so_far, r["geo"], "clash", r["as_of"], r["event_id"])
        for k in range(1, int(r["count"]) - int(poss.sum()) + 1):
            rec = _unidentified(r, k, victims.columns, context="clash", department=e.get("department", pd.NA),
                                event=r["event_id"], window=(e.get("date_start"), r["as_of"]), level="event",
                                codes=codes)
            rec["province"] = e.get("province", pd.NA)
            rec["ubigeo_prov"] = prov_codes.get(rec["province"], pd.NA)
            new.append(rec)
    for d in snapshot_dates(counts, cutoff, sources):
        cells = official_cells(counts, d, sources)
        for r in cells["department"].sort_values("count_id").to_dict("records"):
            gap = _gap(ident, new, victims.columns, r, log)
            ctx = _only_unexplained_context(ident, new, victims.columns, cells["national"])
            if gap and ctx == "unknown":
                if log is not None:
                    log.decision(STEP, "not placed", f"{r['count_id']}: {gap} death(s) in {r['geo']} beyond the persons "
                                 "known, but the snapshot's national breakdown cannot tell their context: left to the "
                                 "national × context cells", ref=r["count_id"])
                continue
            for k in range(1, gap + 1):
                new.append(_unidentified(r, k, victims.columns, context=ctx, department=r["geo"],
                                         window=(None, r["as_of"]), level="department", codes=codes))
    for r in official_cells(counts, cutoff, sources)["national"].sort_values("count_id").to_dict("records"):
        gap = _gap(ident, new, victims.columns, r, log)
        ctx = r["category"] if r["category"] != "total" else "unknown"
        dep = r["geo"] if r["geo"] != "national" else pd.NA
        for k in range(1, gap + 1):
            new.append(_unidentified(r, k, victims.columns, context=ctx, department=dep,
                                     window=(None, r["as_of"]), level="national"))
    if log is not None:
        for rec in new:
            log.decision(STEP, "unidentified", f"{rec['victim_id']}: {rec['unidentified_basis']}, context "
                         f"{rec['context']}, department {rec['department']}, event {rec['event_id']}",
                         ref=rec["victim_id"])
    if not new:
        return victims.copy()
    add = pd.DataFrame(new, columns=victims.columns)
    out = pd.concat([victims, add.astype(victims.dtypes.to_dict(), errors="ignore")], ignore_index=True)
    if log is not None:
        log.counts(STEP, len(victims), len(out), unit="persons", note=f"{len(add)} unidentified records at cut-off {cutoff}")
    return out


def check_identity(register: pd.DataFrame, counts: pd.DataFrame, cutoff: str, sources: pd.DataFrame = None,
                   event_counts: pd.DataFrame = None) -> pd.DataFrame:
    """Per published cell on or before `cutoff` (every event count, and every Defensoría snapshot's department
    totals and national × context cells): the count, identified persons certainly and possibly covered,
    unidentified records certainly covered, and whether count = identified + unidentified holds exactly (with
    the certain persons), within the possible ones, or not."""
    ident = register[register["identified"].astype(bool)]
    unid = register[~register["identified"].astype(bool)]
    cells = [("event", r) for r in event_counts_until(counts, cutoff, event_counts, sources).to_dict("records")]
    for d in snapshot_dates(counts, cutoff, sources):
        off = official_cells(counts, d, sources)
        cells += [(lvl, r) for lvl in ("department", "national") for r in off[lvl].sort_values("count_id").to_dict("records")]
    rows = []
    for level, r in cells:
        event = r.get("event_id") if level == "event" else None
        cat = "clash" if level == "event" else r["category"]
        cert, poss = covered(ident, r["geo"], cat, r["as_of"], event)
        u_cert, u_poss = covered(unid, r["geo"], cat, r["as_of"], event)
        n_c, n_p = int(cert.sum()) + int(u_cert.sum()), int(poss.sum()) + int(u_poss.sum())
        count = int(r["count"])
        rows.append({"level": level, "count_id": r["count_id"], "event_id": event or pd.NA, "geo": r["geo"],
                     "category": cat, "as_of": r["as_of"], "official": bool(r["official"]), "count": count,
                     "identified_certain": int(cert.sum()), "identified_possible": int(poss.sum()),
                     "unidentified_certain": int(u_cert.sum()), "unidentified_possible": int(u_poss.sum()),
                     "total_certain": n_c, "total_possible": n_p,
                     "holds": "exactly" if n_c == count else ("within possible" if n_c <= count <= n_p else "no")})
    return pd.DataFrame(rows)
