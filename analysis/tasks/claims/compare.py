"""The published-versus-reproduced table: one row per (claim, quantity) the register can address, with the published
number, the reproduced one, the verdict and, for a number not reproduced, the persons that make the difference
(`difference`); a claim not addressed has one row with the reason. Rows follow the order of the claims file.
"""
import numpy as np
import pandas as pd

from analysis.errors import RawDataError, data_row
from analysis.tasks.claims.catalogue import CLAIMS
from analysis.tasks.claims.definitions import Reproduced
from analysis.tasks.claims.verdicts import published_figure, published_number, rounding_text, verdict


def check_table(claims: pd.DataFrame, table=CLAIMS, file: str = "published_claims.csv") -> None:
    """Every claim of the file is in the table exactly once; an id the file lacks, or a published number a quantity
    cannot find, is an error naming the file, row and field."""
    ids = [c.claim_id for c in table]
    seen = set()
    for cid in ids:
        if cid in seen:
            raise ValueError(f"claim {cid!r} listed twice in analysis.tasks.claims.catalogue.CLAIMS")
        seen.add(cid)
    unknown = sorted(seen - set(claims["claim_id"]))
    if unknown:
        raise RawDataError(file, None, "claim_id", f"claims table lists ids the file lacks: {unknown}")
    missing = [c for c in claims["claim_id"] if c not in seen]
    if missing:
        i = int(np.flatnonzero(claims["claim_id"].eq(missing[0]).to_numpy())[0])
        raise RawDataError(file, data_row(i), "claim_id", f"claim not in analysis.tasks.claims.catalogue.CLAIMS: {missing}")
    rows = {cid: i for i, cid in enumerate(claims["claim_id"])}
    for c in table:
        for q in c.quantities:
            i = rows[c.claim_id]
            try:
                published_number(claims["quantity"].iloc[i], q.part, q.pick)
                if q.of is not None:
                    published_number(claims["quantity"].iloc[i], *q.of)
            except ValueError as e:
                raise RawDataError(file, data_row(i), "quantity", f"{c.claim_id}.{q.name}: {e}") from None


def difference(kind: str, published: float, r: Reproduced) -> tuple[str, str]:
    """(persons, reasons) that make the difference between a published count and the certain persons: above the
    certain count, every person possibly in scope and every 'near' one (death dated outside the window after an
    injury inside it; context 'other'), then the rest as not in the register; below it, the unidentified records
    counted (the rest: the register holds more persons certainly in scope than the count). Shares: the base persons
    whose numerator field is unknown."""
    if kind == "covariate":
        return "", "a census figure: no persons"
    if kind == "share":
        ids = list(r.candidates)
        if not ids:
            return "", ("no person's value is unknown: the persons certainly in scope give another share (the "
                        "publisher's definition, case list or departments differ)")
        return " ; ".join(c[0] for c in ids), " ; ".join(f"{c[0]}: {c[2]}" for c in ids)
    k = int(r.value)
    if published > k:
        ids = [c for c in r.candidates if c[1] in ("possible", "near")]
        rest = int(round(published)) - k - len(ids)
        reasons = [f"{c[0]}: {c[2]}" for c in ids]
        if rest > 0:
            reasons.append(f"not in the register: {rest} person(s) the source counts and no register person in or "
                           "near the scope can stand for")
        return " ; ".join(c[0] for c in ids), " ; ".join(reasons)
    ids = [c for c in r.candidates if c[1] == "certain"]
    reasons = [f"{c[0]}: {c[2]} (counted here; the published count may not include it)" for c in ids]
    reasons.append(f"the register holds {k - int(round(published))} more person(s) certainly in scope than published")
    return " ; ".join(c[0] for c in ids), " ; ".join(reasons)


def compare(claims: pd.DataFrame, tables: dict, table=CLAIMS) -> pd.DataFrame:
    """The published-versus-reproduced table: one row per (claim, quantity); a claim not addressed has one row
    with status "not_addressed" and the reason. Rows follow the order of the claims file. `tables`: the register
    (victims, departments), and the Amnesty search under "amnesty_search" when the caller has computed it."""
    check_table(claims, table)
    tables = {"claims": claims, **tables}  # the Amnesty search reads its published figures from the claims
    by_id = {c.claim_id: c for c in table}
    rows = []
    for rec in claims.itertuples(index=False):
        c = by_id[rec.claim_id]
        base = {"claim_id": rec.claim_id, "publisher": rec.publisher, "published_date": rec.published_date}
        if not c.quantities:
            rows.append({**base, "status": "not_addressed", "reason": c.note})
            continue
        for q in c.quantities:
            fig = published_figure(claims, rec.claim_id, q.part, q.kind, q.pick)
            value, qual, raw, unit = fig["value"], fig["qualifier"], fig["raw"], fig["unit"]
            if q.of is not None:  # "39 of 49" → percent
                den, _, den_raw = published_number(rec.quantity, *q.of)
                value, raw = 100 * value / den, raw if den_raw == raw else f"{raw} of {den_raw}"
            r = q.compute(tables)
            v = verdict(q.kind, value, qual, unit, r.value, q.of is not None)
            persons, reasons = ("", "") if v != "not reproduced" else difference(q.kind, value, r)
            rows.append({**base, "status": "addressed", "quantity": q.name, "kind": q.kind,
                         "unit": "person" if q.kind == "count" else "percent", "published_raw": raw,
                         "published": value, "qualifier": qual,
                         "rounding": rounding_text(q.kind, value, qual, unit, q.of is not None),
                         "reproduced": r.value, "n_certain": r.n_certain, "n_possible": r.n_possible,
                         "ci_low": r.low if q.kind == "share" else np.nan,  # exact (Clopper–Pearson)
                         "ci_high": r.high if q.kind == "share" else np.nan,
                         "range_low": r.bound_low, "range_high": r.bound_high,
                         "difference": value - r.value, "verdict": v, "difference_persons": persons,
                         "difference_reasons": reasons, "definition": r.definition,
                         "reason": "; ".join(x for x in (r.unknown_note, c.note) if x)})
    return pd.DataFrame(rows).reindex(columns=COLUMNS)


COLUMNS = ["claim_id", "publisher", "published_date", "status", "quantity", "kind", "unit", "published_raw",
           "published", "qualifier", "rounding", "reproduced", "n_certain", "n_possible", "ci_low", "ci_high",
           "range_low", "range_high", "difference", "verdict", "difference_persons", "difference_reasons",
           "definition", "reason"]


def addressed(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of compare() the register could address."""
    return table[table["status"] == "addressed"].copy()
