"""Section 5: the lethal-force indicators of the Monitor of the Use of Lethal Force in Latin America that the data
allow: civilians killed per police officer killed, and the lethality index (killed per injured) over the whole
country with MINSA's attended persons and by event with the injured figures printed."""
import pandas as pd

from analysis.register.scope import select
from analysis.report import text
from analysis.stats import force as F
from analysis.stats import injured as I
from analysis.tasks.base import Result

MINSA_SOURCE = "data/processed/departments.csv (MINSA COE snapshots)"


def add(spec, inputs, result: Result) -> None:
    civilians_per_officer(spec, inputs, result)
    national = minsa_national(spec, inputs, result)
    by_event = F.event_lethality(select(inputs.register, spec.scope).count, inputs.events)
    n_events = result.numbers.add(
        "lethality.events_with_index", int(by_event["index_low"].notna().sum()), unit="event",
        definition="events with at least one printed injured figure, so a lethality index range can be given")
    result.tables["force_lethality_by_event"] = by_event
    result.tables["force_lethality_national"] = national
    w1, w2 = national.to_dict("records")
    ci = lambda r: f"; exact {spec.conf}% interval {text.interval(r['ci_low'], r['ci_high'], 3)}"  # noqa: E731
    no_events = "injured" not in inputs.events.columns
    result.values["text"]["lethality"] = (
        f"- **MINSA wave 1, whole country:** lethality index {lethality_text(w1)}{ci(w1)}.\n"
        f"- **MINSA wave 2, whole country:** lethality index {lethality_text(w2)}{ci(w2)}.\n"
        "- **By department:** section 6.\n"
        f"- **By event:** {n_events} events have a printed injured figure. Their index is given as a range over the "
        "figures printed by different sources (table above, with the raw text; some figures include the dead or "
        "police)." + (" No events table with event ids and injured figures was found." if no_events else "")
        + "\n\nMINSA's counts mix civilians and police and miss the end of January and February–March, so the index "
        "is only indicative; with those caveats, values well below 1 would mean many more injured than killed.")


def civilians_per_officer(spec, inputs, result: Result) -> None:
    """Civilians killed per police officer killed in the window (the Monitor flags more than 10)."""
    N, ctx = result.numbers, list(spec.contexts)
    cpo = F.civilians_per_officer(inputs.register, spec.scope)
    N.add("civilians_per_police_killed", cpo.value, unit="ratio",
          definition=f"civilians killed (contexts {ctx}) per police officer killed, deaths dated {cpo.window}; "
                     f"{cpo.note}")
    N.add("civilians_killed_window", cpo.numerator, unit="person",
          definition=f"civilians killed (contexts {ctx}) dated {cpo.window}")
    N.add("police_killed_window", cpo.denominator, unit="person", definition=f"police officers killed dated {cpo.window}")
    N.add("civilians_killed_window_possible", cpo.numerator_possible, unit="person",
          definition=f"civilians killed (contexts {ctx}) possibly in {cpo.window} (upper bound)")
    N.add("police_killed_window_possible", cpo.denominator_possible, unit="person",
          definition=f"police officers killed possibly in {cpo.window} (upper bound)")
    ratio = (f"**{text.num(cpo.value, 1)}** civilians killed per police officer killed" if cpo.value is not None
             else "no ratio: " + cpo.note.split("; ")[-1])
    result.values["text"]["civilians_per_officer"] = (
        f"From {cpo.window}, the register has **{cpo.numerator}** civilians killed (contexts: "
        f"{', '.join(spec.contexts)}) and **{cpo.denominator}** police officer(s) killed: {ratio} ({cpo.note}).")


def minsa_national(spec, inputs, result: Result) -> pd.DataFrame:
    """The lethality index of each MINSA wave over the whole country, with its exact interval; one row per wave."""
    N, rows = result.numbers, []
    for wave, ind in F.minsa_lethality(inputs.register, inputs.departments, spec.scope, MINSA_SOURCE).items():
        _, lo, hi = I.lethality_ci(ind.numerator, ind.denominator, spec.alpha)
        rows.append({"scope": f"national, MINSA {wave}", **ind.__dict__, "ci_low": lo, "ci_high": hi})
        key = f"lethality.minsa_{wave}"
        N.add(key, ind.value, unit="index", interval=(lo, hi),
              definition=f"killed (contexts {list(spec.contexts)}, dated {ind.window}) per person attended by MINSA "
                         f"in that wave, exact {spec.conf}% interval (Clopper-Pearson on deaths/(deaths+attended)); "
                         f"{ind.note}")
        N.add(f"{key}.killed", ind.numerator, unit="person", definition=f"numerator of {key}")
        N.add(f"{key}.killed_possible", ind.numerator_possible, unit="person",
              definition=f"persons killed possibly in the window of {key} (upper bound of its numerator)")
        N.add(f"{key}.injured", ind.denominator, unit="person", definition=f"denominator of {key}: {ind.note}")
    return pd.DataFrame(rows)


def lethality_text(ind: dict) -> str:
    """An Indicator's fields (as a dict) in words: value with its counts and window, or why it was not computed."""
    if ind["value"] is None:
        return f"not computed ({ind['note']})"
    more = ind.get("numerator_possible")
    bound = f"; up to {more} killed possibly in the window" if more is not None and more != ind["numerator"] else ""
    return (f"{text.num(ind['value'], 2)} ({ind['numerator']} killed / {ind['denominator']} attended, "
            f"{ind['window']}{bound})")
