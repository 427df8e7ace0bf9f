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

from analysis import vocab

STEP = "reconcile"
CATEGORIES = [c for c in vocab.CONTEXT if c != "unknown"] + ["unknown", "total"]

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


def _covered(victims: pd.DataFrame, geo: str, category: str, as_of: str) -> pd.Series:
    """Victims a count covers: same department (any for national), same context (any for total),
    died on or before as_of (injury date when the death date is unknown; undated rows counted)."""
    mask = pd.Series(True, index=victims.index)
    if geo != "national":
        mask &= victims["department"].eq(geo).fillna(False)
    if category != "total":
        mask &= victims["context"].eq(category).fillna(False)
    when = victims["date_death"].fillna(victims["date_injury"])
    dated = when.notna()
    mask &= ~dated | (when.fillna("9999-12-31") <= as_of)
    return mask.astype(bool)


def reconcile(victims: pd.DataFrame, counts: pd.DataFrame, log, sources: pd.DataFrame = None) -> pd.DataFrame:
    """One row per count: mapping, identified persons covered (dated / undated), gap = count − covered."""
    mapped = map_counts(counts, sources)
    ident = victims[victims["identified"].astype(bool)]
    rows = []
    for r in mapped.to_dict("records"):
        row = {k: r[k] for k in ["count_id", "source_id", "geography", "category_as_printed", "count",
                                 "geo", "category", "as_of", "official", "reconciled", "note"]}
        row["count"] = int(r["count"])
        if r["reconciled"]:
            cov = _covered(ident, r["geo"], r["category"], r["as_of"])
            undated = ident["date_death"].isna() & ident["date_injury"].isna()
            row["identified"] = int(cov.sum())
            row["identified_undated"] = int((cov & undated).sum())
            row["gap"] = row["count"] - row["identified"]
        else:
            row["identified"] = row["identified_undated"] = row["gap"] = pd.NA
            log.decision(STEP, "unreconciled", f"{r['count_id']} '{r['category_as_printed']}': {r['note']}",
                         ref=r["count_id"])
        rows.append(row)
    out = pd.DataFrame(rows)
    for c in ["identified", "identified_undated", "gap"]:
        out[c] = out[c].astype("Int64")
    log.counts(STEP, len(counts), int(out["reconciled"].sum()), unit="count rows",
               note=f"{int(out['official'].sum())} official (Defensoría) rows")
    return out


def official_snapshot(counts: pd.DataFrame, cutoff: str, sources: pd.DataFrame = None):
    """(level, cells): the Defensoría cells the identity is enforced on at `cutoff`: the latest
    official as_of ≤ cutoff; department totals if that snapshot has them, else national × context."""
    m = map_counts(counts, sources)
    off = m[m["official"] & m["as_of"].le(cutoff).fillna(False)]
    if off.empty:
        raise ValueError(f"reconcile: no official (Defensoría) count on or before {cutoff}")
    snap = off[off["as_of"] == off["as_of"].max()]
    dep = snap[(snap["geo"] != "national") & (snap["category"] == "total")]
    if not dep.empty:
        return "department", dep
    # national contexts plus any death the snapshot lists apart (e.g. the La Libertad woman)
    return "national_context", snap[snap["category"] != "total"]


def add_unidentified(victims: pd.DataFrame, counts: pd.DataFrame, cutoff: str, log=None,
                     sources: pd.DataFrame = None) -> pd.DataFrame:
    """victims + unidentified records (identified False, victim_id 'U-<count_id>-<k>') so that the
    official cells at `cutoff` equal identified + unidentified. A record carries only what its count
    states (department or national, context or unknown, as_of, source_id, count_id)."""
    level, cells = official_snapshot(counts, cutoff, sources)
    ident = victims[victims["identified"].astype(bool)]
    new = []
    for r in cells.sort_values("count_id").to_dict("records"):
        gap = int(r["count"]) - int(_covered(ident, r["geo"], r["category"], r["as_of"]).sum())
        if gap < 0 and log is not None:
            log.decision(STEP, "unresolved", f"{r['count_id']}: {-gap} more identified persons than the "
                         f"official count {r['count']} ({r['geo']}, {r['category']}, {r['as_of']})", ref=r["count_id"])
        for k in range(1, max(gap, 0) + 1):
            rec = {c: pd.NA for c in victims.columns}
            rec.update({"victim_id": f"U-{r['count_id']}-{k}", "identified": False, "name_status": "unidentified",
                        "department": r["geo"] if r["geo"] != "national" else pd.NA,
                        "context": r["category"] if r["category"] != "total" else "unknown",
                        # nothing but what the count states: every coded fact is unknown
                        "sex": "unknown", "cause": "unknown", "wound": "unknown", "force": "unknown",
                        "unidentified_basis": r["count_id"], "count_source_id": r["source_id"],
                        "count_as_of": r["as_of"], "n_mentions": 0, "n_sources": 0, "conflict_fields": ""})
            new.append(rec)
        if log is not None and gap > 0:
            log.decision(STEP, "unidentified", f"{gap} unidentified record(s) from {r['count_id']} "
                         f"({r['geo']}, {r['category']}, as of {r['as_of']}, level {level})", ref=r["count_id"])
    if not new:
        return victims.copy()
    add = pd.DataFrame(new, columns=victims.columns)
    out = pd.concat([victims, add.astype(victims.dtypes.to_dict(), errors="ignore")], ignore_index=True)
    if log is not None:
        log.counts(STEP, len(victims), len(out), unit="persons",
                   note=f"{len(add)} unidentified records at cut-off {cutoff} ({level})")
    return out


def check_identity(register: pd.DataFrame, counts: pd.DataFrame, cutoff: str,
                   sources: pd.DataFrame = None) -> pd.DataFrame:
    """Table the notebook shows: per official cell, count, identified, unidentified, total, holds.
    Unidentified records match a cell by their count's geography and context."""
    level, cells = official_snapshot(counts, cutoff, sources)
    ident = register[register["identified"].astype(bool)]
    unid = register[~register["identified"].astype(bool)]
    rows = []
    for r in cells.sort_values("count_id").to_dict("records"):
        n_id = int(_covered(ident, r["geo"], r["category"], r["as_of"]).sum())
        geo_ok = unid["department"].isna() if r["geo"] == "national" else unid["department"].eq(r["geo"]).fillna(False)
        ctx_ok = unid["context"].eq(r["category"] if r["category"] != "total" else "unknown").fillna(False)
        n_un = int((geo_ok & ctx_ok & unid["count_as_of"].le(r["as_of"]).fillna(False)).sum())
        rows.append({"level": level, "count_id": r["count_id"], "geo": r["geo"], "category": r["category"],
                     "as_of": r["as_of"], "official_count": int(r["count"]), "identified": n_id,
                     "unidentified": n_un, "total": n_id + n_un,
                     "excess_identified": max(n_id - int(r["count"]), 0),
                     "holds": n_id + n_un == int(r["count"])})
    return pd.DataFrame(rows)
