"""States of emergency and curfews, coded by hand from the command timeline's free-text rows.

The decree texts are prose, so each measure is coded here once, tied to its raw row by (date cell, a phrase of
the event cell). `code_measures` fails if a coded measure does not find exactly one raw row, or if a raw
emergency/curfew row is neither coded nor listed in EXCLUDED with the reason. Places are department names,
province names (with department) or district names (with department) — `area_level` says which — matched
accent-free to the victims table by analysis.tasks.command.emergency. `end` is the first day the measure no
longer applies (exclusive), as an (earliest, latest) interval.
"""
import datetime as dt

import pandas as pd

from analysis.errors import RawDataError

FILE = "data/raw/context/command_timeline.csv"  # named in errors
D = dt.date
NATIONAL = ("national", "", "")


def _days(start: dt.date, n: int) -> dt.date:
    """First day out of an n-day measure starting on `start`."""
    return start + dt.timedelta(days=n)


MEASURES = [
    dict(id="SoE-2022-12-12-Apurimac", date="2022-12-12", phrase="7 provinces of Apurímac", measure="state of emergency",
         decree="not found", areas=[("department", "Apurímac", "")],
         start=(D(2022, 12, 12), D(2022, 12, 12)), end=(_days(D(2022, 12, 12), 60),) * 2,
         basis="60 days from Mon 12 Dec; the 7 provinces are not named, Apurímac has 7 provinces, so coded for "
               "the whole department"),
    dict(id="SoE-DS141-142-2022", date="2022-12-13", phrase="DS 141-2022-PCM and 142-2022-PCM",
         measure="state of emergency", decree="DS 141-2022-PCM; DS 142-2022-PCM",
         areas=[("department", "Arequipa", ""), ("province", "Ica", "Ica")],
         start=(D(2022, 12, 13), D(2022, 12, 13)), end=(D(2023, 2, 5), _days(D(2022, 12, 13), 60)),
         basis="60 days from 13 Dec; DS 018-2023-PCM annuls DS 142-2022-PCM from 5 Feb but the row does not say "
               "which of the two decrees covers which place, so the end is 5 Feb..11 Feb"),
    dict(id="SoE-DS143-2022-national", date="2022-12-14", phrase="DS 143-2022-PCM", measure="state of emergency",
         decree="DS 143-2022-PCM", areas=[NATIONAL],
         start=(D(2022, 12, 15), D(2022, 12, 15)), end=(D(2023, 1, 15), D(2023, 1, 15)),
         basis="national, 30 days, 15 Dec 2022 - 14 Jan 2023 as stated in the row"),
    dict(id="Curfew-DS144-2022", date="2022-12-15/16", phrase="DS 144-2022-PCM", measure="curfew",
         decree="DS 144-2022-PCM",
         areas=[("province", "Arequipa", "Arequipa"), ("province", "La Libertad", "Virú"), ("province", "Ica", "Ica"),
                ("province", "Ica", "Pisco"), ("province", "Apurímac", "Andahuaylas"),
                ("province", "Apurímac", "Chincheros"), ("province", "Cusco", "Cusco"),
                ("province", "Cusco", "La Convención"), ("province", "Cusco", "Chumbivilcas"),
                ("province", "Cusco", "Espinar"), ("province", "Puno", "Carabaya"), ("province", "Puno", "San Román"),
                ("province", "Huancavelica", "Tayacaja"), ("province", "Huancavelica", "Angaraes"),
                ("province", "Ayacucho", "Cangallo")],
         start=(D(2022, 12, 15), D(2022, 12, 16)), end=(D(2022, 12, 20), D(2022, 12, 21)),
         area_end={("La Libertad", "Virú"): (D(2022, 12, 19),) * 2, ("Ayacucho", "Cangallo"): (D(2022, 12, 19),) * 2},
         basis="5 days from 15 or 16 Dec (sources disagree); suspended in Virú and Cangallo on 19 Dec (row of "
               "2022-12-19; its mention of Huamanga, not in the decree's list, is not coded)"),
    dict(id="Curfew-Puno-2023-01-10", date="2023-01-10", phrase="3-day curfew in Puno", measure="curfew",
         decree="Council of Ministers agreement", areas=[("department", "Puno", "")],
         start=(D(2023, 1, 10), D(2023, 1, 11)), end=(D(2023, 1, 13), D(2023, 1, 14)),
         basis="3 nights from 8 p.m.; announced 10 Jan, first night 10 or 11 Jan"),
    dict(id="SoE-DS009-2023", date="2023-01-14", phrase="DS 009-2023-PCM", measure="state of emergency",
         decree="DS 009-2023-PCM",
         areas=[("department", "Puno", ""), ("department", "Cusco", ""), ("department", "Lima", ""),
                ("department", "Callao", ""), ("province", "Apurímac", "Andahuaylas"),
                ("province", "Madre de Dios", "Tambopata"), ("province", "Madre de Dios", "Tahuamanu"),
                ("district", "Moquegua", "Torata")],
         start=(D(2023, 1, 15), D(2023, 1, 15)), end=(_days(D(2023, 1, 15), 30),) * 2,
         basis="30 days from 15 Jan; the 5 national roads are not coded (not places in the victims table)"),
    dict(id="Curfew-DS009-2023-Puno", date="2023-01-14", phrase="Puno curfew 10 days", measure="curfew",
         decree="DS 009-2023-PCM", areas=[("department", "Puno", "")],
         start=(D(2023, 1, 15), D(2023, 1, 15)), end=(_days(D(2023, 1, 15), 10),) * 2,
         basis="10 days from 15 Jan (start of DS 009-2023-PCM)"),
    dict(id="SoE-DS010-2023", date="2023-01-19", phrase="DS 010-2023-PCM", measure="state of emergency",
         decree="DS 010-2023-PCM",
         areas=[("department", "Amazonas", ""), ("department", "La Libertad", ""), ("department", "Tacna", "")],
         start=(D(2023, 1, 19), D(2023, 1, 19)), end=(D(2023, 2, 5), D(2023, 2, 5)),
         basis="30 days from 19 Jan, annulled by DS 018-2023-PCM from 5 Feb"),
    dict(id="Curfew-DS013-2023-Puno", date="2023-01-25", phrase="DS 013-2023-PCM", measure="curfew",
         decree="DS 013-2023-PCM", areas=[("department", "Puno", "")],
         start=(D(2023, 1, 25), D(2023, 1, 25)), end=(_days(D(2023, 1, 25), 10),) * 2,
         basis="10 more days from Wed 25 Jan"),
    dict(id="SoE-DS018-2023", date="2023-02-05", phrase="DS 018-2023-PCM", measure="state of emergency",
         decree="DS 018-2023-PCM",
         areas=[("department", d, "") for d in
                ["Madre de Dios", "Cusco", "Puno", "Apurímac", "Arequipa", "Moquegua", "Tacna"]],
         start=(D(2023, 2, 5), D(2023, 2, 5)), end=(_days(D(2023, 2, 5), 60),) * 2,
         basis="60 days from 5 Feb; in Puno internal order under the Armed Forces"),
    dict(id="Curfew-DS018-2023-Puno", date="2023-02-05", phrase="Puno curfew 10 days", measure="curfew",
         decree="DS 018-2023-PCM", areas=[("department", "Puno", "")],
         start=(D(2023, 2, 5), D(2023, 2, 5)), end=(_days(D(2023, 2, 5), 10),) * 2,
         basis="10 days from 5 Feb"),
]
# Raw emergency/curfew rows not coded as a measure of their own, with the reason.
EXCLUDED = {
    ("2022-12-19", "curfew suspended"): "a suspension: coded as the end of DS 144-2022-PCM in Virú and Cangallo",
    ("2023-02-11", "DS 021-2023-PCM"): "extension of the standing VRAEM counter-insurgency emergency, not "
                                       "protest-specific; its 44 districts are not named, so no place can be coded",
}


def code_measures(classified: pd.DataFrame, file=FILE) -> pd.DataFrame:
    """One row per (measure, place) with start/end intervals and the raw row it was coded from (`classified`:
    the timeline rows as analysis.register.command_timeline.classify returns them)."""
    rows = classified[classified.kind.isin(["emergency", "curfew"])]
    covered, recs = set(), []
    for m in MEASURES:
        hit = rows[(rows.date == m["date"]) & rows.event.str.contains(m["phrase"], regex=False)]
        if len(hit) != 1:
            raise RawDataError(file, None, "event", f"coded measure {m['id']} matches {len(hit)} rows "
                               f"(date {m['date']!r}, phrase {m['phrase']!r})")
        raw = hit.iloc[0]
        covered.add(int(raw.row))
        for level, dep, name in m["areas"]:
            end = m.get("area_end", {}).get((dep, name), m["end"])
            recs.append({"measure_id": m["id"], "measure": m["measure"], "decree": m["decree"], "area_level": level,
                         "department": dep, "place": name, "start_earliest": m["start"][0],
                         "start_latest": m["start"][1], "end_earliest": end[0], "end_latest": end[1],
                         "basis": m["basis"], "row": int(raw.row), "event_raw": raw.event})
    for r in rows.itertuples(index=False):
        excluded = [k for k in EXCLUDED if r.date == k[0] and k[1] in r.event]
        if r.row not in covered and not excluded:
            raise RawDataError(file, r.row, "event", "emergency/curfew row neither coded nor excluded")
    return pd.DataFrame(recs)


def excluded_rows(classified: pd.DataFrame) -> pd.DataFrame:
    """The raw emergency/curfew rows not coded as a measure of their own, with the reason (EXCLUDED)."""
    rows = classified[classified.kind.isin(["emergency", "curfew"])]
    recs = [{"row": r.row, "date": r.date, "event": r.event, "reason": reason}
            for r in rows.itertuples(index=False) for (d, phrase), reason in EXCLUDED.items()
            if r.date == d and phrase in r.event]
    return pd.DataFrame(recs, columns=["row", "date", "event", "reason"])
