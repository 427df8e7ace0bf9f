"""Field-by-field resolution of each person's mentions into one row of the victims table.

Precedence rule (written once, applied to every field; the first criterion that separates two values
decides, and the log names it):
 1. known over unknown — "unknown" (or a missing value) never overrides a stated value;
    "not_applicable" is a stated value.
 2. individual over group — for cause, wound and force a value copied from a collective statement
    (`group_attribution`, e.g. "Todos murieron por proyectiles") ranks below any individual statement.
 3. stated roles (dates only) — a source that tells the injury date from the death date ("herido el
    lunes, murió el jueves") outranks one that prints a single date, which cleaning codes as the death
    date by default (clean/dates.py) although it is often the day of the shooting.
 4. source authority — the row's `source_rank` (vocab.SOURCE_PRECEDENCE: forensic record < Ombudsman <
    NGO/prosecutors < press table < press article < encyclopedia; a paraphrase ranks below every
    verbatim row of its kind). A press row that transcribes a forensic document (FORENSIC_BASIS) takes
    the forensic rank, so an IML list or a death certificate outranks the press around it.
 5. corroboration (places only) — among equally authoritative sources, the department, province or
    district that more distinct sources state.
 6. later report over earlier — newer `source_published_date` first (later corrections win; a row
    without a publication date ranks after dated ones).
 7. tie — lowest mention_id; the value stays flagged as a conflict.
Every distinct stated value is kept in `<field>_alternatives` (precedence order, ` ; `), the
`conflict_<field>` flag is True when they disagree, `conflict_fields` lists the flagged fields, and each
pick among disagreeing values is logged with the criterion that decided it.
"""
import pandas as pd

from analysis.register import vocab

STEP = "conflicts"
SEP = " ; "
FIELDS = ["age_years", "sex", "date_injury", "date_death", "department", "province", "district",
          "event_id", "context", "cause", "wound", "force"]
GROUP_FIELDS = {"cause", "wound", "force"}
CODED_FIELDS = {"sex", "context", "cause", "wound", "force"}   # controlled vocabularies with an "unknown" code
# Press rows that transcribe a forensic document; they take the forensic_record rank.
FORENSIC_BASIS = {
    "eldestape_iml": "list of the bodies examined by the Instituto de Medicina Legal (Juliaca)",
    "larepublica_20221216_certificados": "death certificates of the Ayacucho victims, quoted",
    "lasaweb_ap_autopsies": "AP read the autopsy reports",
}
def _short(field: str) -> str:
    """Column stem of a field: age_years → age (conflict_age, age_alternatives as in CONTRACTS.md)."""
    return "age" if field == "age_years" else field


VICTIM_COLUMNS = [
    "victim_id", "identified", "name_status", "display_name", "display_name_mention", "age_years",
    "age_alternatives", "sex", "date_injury", "date_death", "ubigeo_dep", "department", "ubigeo_prov",
    "province", "district", "ubigeo_dist", "event_id", "context", "cause", "wound", "force",
    "n_mentions", "n_sources", "source_ids", "mention_ids", "conflict_fields",
] + [f"conflict_{_short(f)}" for f in FIELDS] + [f"{f}_alternatives" for f in FIELDS if f != "age_years"] + [
    "unidentified_basis", "count_source_id", "count_as_of"]


_known = vocab.is_known


def effective_rank(row) -> int:
    """source_rank, lowered to the forensic rank for rows in FORENSIC_BASIS."""
    rank = int(row["source_rank"])
    if row["source_id"] in FORENSIC_BASIS:
        penalty = vocab.PARAPHRASE_PENALTY if row.get("quote_kind") == "paraphrase" else 0
        rank = min(rank, 10 * vocab.SOURCE_PRECEDENCE["forensic_record"] + penalty)
    return rank


CRITERIA = ["known over unknown", "individual over group statement",
            "dates with stated roles over a single printed date", "source authority",
            "place stated by more sources", "later report", "tie: lowest mention id"]
PLACE_FIELDS = {"department", "province", "district"}
DATE_FIELDS = {"date_injury", "date_death"}
ROLE_MARKERS = ("two dates", "→ injury")  # clean.dates rules that read injury and death apart


def _key(row, field, support=None):
    """Sort key implementing the precedence rule (smaller = preferred). `support`: value → number of
    distinct sources stating it, used for place fields only."""
    known = 0 if _known(row.get(field)) else 1
    group = 1 if (field in GROUP_FIELDS and bool(row.get("group_attribution"))) else 0
    corroboration = -(support or {}).get(row.get(field), 0) if field in PLACE_FIELDS else 0
    pub = row.get("source_published_date")
    later = -pd.Timestamp(pub).value if _known(pub) else 1
    return (known, group, _single_date(row, field), row["_rank"], corroboration, later, row["mention_id"])


def _support(rows, field) -> dict:
    """Distinct sources per stated value: a place several equal sources agree on is not overridden by one
    source naming a town of origin (a later report is no correction of where a death happened)."""
    out = {}
    for r in rows:
        if _known(r.get(field)):
            out.setdefault(r.get(field), set()).add(r.get("source_id"))
    return {v: len(s) for v, s in out.items()}


def _single_date(row, field) -> int:
    """1 when a date field comes from one printed date that the cleaning rule took as the death date by
    default; 0 when the source itself tells injury and death apart (or for other fields)."""
    if field not in DATE_FIELDS:
        return 0
    rule = str(row.get("date_rule") or "")
    return 0 if any(m in rule for m in ROLE_MARKERS) else 1


def pick(rows: list, field: str):
    """(value, alternatives list, conflict bool, deciding criterion or None) for one field."""
    support = _support(rows, field)
    ordered = sorted(rows, key=lambda r: _key(r, field, support))
    values = []
    for r in ordered:
        v = r.get(field)
        if _known(v) and not any(v == x for x in values):
            values.append(v)
    if not values:
        # A coded field no source states is "unknown" (a value, not a blank); other fields stay missing.
        return ("unknown" if field in CODED_FIELDS else pd.NA), [], False, None
    winner = ordered[0]
    rival = next((r for r in ordered if _known(r.get(field)) and r.get(field) != winner.get(field)), None)
    if rival is None:
        return values[0], values, False, None
    kw, kr = _key(winner, field, support), _key(rival, field, support)
    criterion = next(CRITERIA[k] for k in range(len(kw)) if kw[k] != kr[k])
    return values[0], values, True, criterion


def _display_name(rows, age):
    """Best source's printed form: most name tokens, then precedence; for a minor, the initials a
    source prints (the sources' own protection of minors) win over press names."""
    named = [r for r in rows if _known(r.get("name_forms"))]
    if not named:
        return pd.NA, pd.NA, "unnamed"
    def printed(r):
        raw = [x.strip() for x in str(r.get("name_raw") or "").split(SEP) if x.strip()]
        forms = [x.strip() for x in str(r["name_forms"]).split(SEP)]
        return list(zip(raw, forms)) if len(raw) == len(forms) else [(raw[0] if raw else forms[0], forms[0])]
    cands = []
    for r in named:
        for raw, form in printed(r):
            toks = form.split()
            initials = any(len(t) == 1 or t in ("LL", "CH") for t in toks)
            cands.append((initials, len(toks), r["_rank"], r["mention_id"], raw))
    minor = _known(age) and int(age) < 18
    if minor and any(c[0] for c in cands):
        best = min((c for c in cands if c[0]), key=lambda c: (-c[1], c[2], c[3]))
        return best[4], best[3], "initials"
    full = [c for c in cands if not c[0]] or cands
    best = min(full, key=lambda c: (-c[1], c[2], c[3]))
    return best[4], best[3], ("named" if not best[0] else "initials")


def resolve(mentions_linked: pd.DataFrame, log) -> pd.DataFrame:
    """One row per person (link_status 'linked'); columns VICTIM_COLUMNS."""
    m = mentions_linked[mentions_linked["link_status"] == "linked"].copy()
    m["_rank"] = [effective_rank(r) for r in m.to_dict("records")]
    out = []
    for vid, grp in m.groupby("victim_id", sort=True):
        rows = grp.to_dict("records")
        rec = {"victim_id": vid, "identified": True}
        conflicts = []
        for field in FIELDS:
            pool = rows
            if field == "province" and _known(rec.get("department")):
                pool = [r for r in rows if r.get("department") == rec["department"]]
            if field == "district" and _known(rec.get("province")):
                pool = [r for r in rows if r.get("province") == rec["province"]]
            value, alts, conflict, criterion = pick(pool, field)
            rec[field] = value
            rec[f"conflict_{_short(field)}"] = conflict
            rec[f"{_short(field)}_alternatives"] = SEP.join(str(a) for a in alts) if alts else pd.NA
            if conflict:
                conflicts.append(_short(field))
                log.decision(STEP, "conflict", f"{vid} {field}: kept {value!r} of {alts} by '{criterion}'",
                             ref=vid)
        for code, name in (("ubigeo_dep", "department"), ("ubigeo_prov", "province"), ("ubigeo_dist", "district")):
            src = None
            if _known(rec[name]):
                src = next((r for r in sorted(rows, key=lambda r: _key(r, name))
                            if _known(r.get(name)) and r.get(name) == rec[name]), None)
            rec[code] = src.get(code) if src is not None else pd.NA
        rec["display_name"], rec["display_name_mention"], rec["name_status"] = _display_name(rows, rec["age_years"])
        rec["n_mentions"] = len(rows)
        rec["n_sources"] = grp["source_id"].nunique()
        rec["source_ids"] = SEP.join(sorted(grp["source_id"].unique()))
        rec["mention_ids"] = SEP.join(sorted(grp["mention_id"]))
        rec["conflict_fields"] = SEP.join(conflicts)
        rec["unidentified_basis"] = pd.NA
        rec["count_source_id"] = pd.NA
        rec["count_as_of"] = pd.NA
        out.append(rec)
    victims = pd.DataFrame(out, columns=VICTIM_COLUMNS)
    victims["age_years"] = victims["age_years"].astype("Int64")
    log.counts(STEP, len(m), len(victims), unit="mentions -> persons",
               note=f"{int(victims['conflict_fields'].ne('').sum())} persons with at least one conflicting field")
    return victims.sort_values("victim_id").reset_index(drop=True)


# ---- context against cause, and derived context ---------------------------------------------------
SECURITY_FORCE_WEAPONS = {"firearm_projectile", "pellets", "tear_gas_canister"}
SECURITY_FORCES = {"police", "army", "both"}
NOT_BY_FORCE_CAUSES = {"traffic_accident", "lack_of_medical_care"}


def context_agrees_with_cause(victims: pd.DataFrame, log) -> pd.DataFrame:
    """A traffic accident or a death for lack of care is a clash death only when a source states that security
    forces caused it (a known `force`); a keyword such as "vía afectada por enfrentamientos" is not enough.
    Such a person is coded `other` (a documented context outside clashes and blockades), with the basis."""
    out = victims.copy()
    rule = (out["context"] == "clash") & out["cause"].isin(NOT_BY_FORCE_CAUSES) & ~out["force"].isin(SECURITY_FORCES)
    for i in out.index[rule]:
        basis = (f"rule: cause {out.at[i, 'cause']} with no source stating that security forces caused it is not a "
                 f"clash death (stated context: clash)")
        out.at[i, "context"], out.at[i, "context_basis"] = "other", basis
        log.decision(STEP, "override", f"context clash → other ({basis})", ref=out.at[i, "victim_id"])
    log.counts("conflicts.context_agrees_with_cause", len(victims), len(out), "persons",
               f"{int(rule.sum())} clash context(s) recoded: cause not attributed to security forces")
    return out


def derive_context(victims: pd.DataFrame, events: pd.DataFrame, log, linked: pd.DataFrame = None) -> pd.DataFrame:
    """Context stated by no source, derived only from a clash event: the person died in it of a security-force
    weapon, or a source lists the person among that event's dead (a hand coding of the event, e.g. the list
    "Víctimas en Juliaca"). Such a death is a clash death by the definition in vocab.CONTEXT. `context_basis`
    says which rows were derived and from what; every derivation is logged. Nothing else is derived."""
    out = victims.copy()
    out["context_basis"] = out["context"].map(lambda c: "unknown" if c == "unknown" else "stated")
    clash_events = set(events.loc[events["type"] == "clash", "event_id"])
    listed = set()
    if linked is not None and "hand_coded" in linked:
        coded = linked[linked["hand_coded"].fillna("").str.contains("event_id") & linked["link_status"].eq("linked")]
        listed = set(zip(coded["victim_id"], coded["event_id"]))
    in_clash = (out["context"] == "unknown") & out["event_id"].isin(clash_events).fillna(False)
    by_weapon = in_clash & out["cause"].isin(SECURITY_FORCE_WEAPONS)
    by_list = in_clash & pd.Series([(v, e) in listed for v, e in zip(out["victim_id"], out["event_id"])], index=out.index)
    for i in out.index[by_weapon | by_list]:
        ev = out.at[i, "event_id"]
        basis = (f"derived: died in clash event {ev} of {out.at[i, 'cause']}" if by_weapon[i]
                 else f"derived: listed among the dead of clash event {ev} (data/hand/mention_codings.csv)")
        out.at[i, "context"], out.at[i, "context_basis"] = "clash", basis
        log.decision(STEP, "override", f"context unknown → clash ({basis})", ref=out.at[i, "victim_id"])
    n = int((by_weapon | by_list).sum())
    log.counts("conflicts.derive_context", len(victims), len(out), "persons",
               f"{n} unknown contexts derived as clash from a clash event ({int(by_list.sum())} by a source's list)")
    return out
