"""Each section of notebook 06: compute, record its numbers, put what the notebook shows into `v` (the result's
values, shared by the later sections) and return its tables {name: DataFrame} (written as outputs/tables/command_<name>).

Every function has the shape section(spec, inputs, num, v) -> tables; `spec` is analysis.tasks.command.Spec.
"""
import re
import unicodedata

import matplotlib.pyplot as plt
import pandas as pd

from analysis.report.plots import command as command_plots
from analysis.steplog import StepLog
from analysis.tasks.base import Figure
from analysis.tasks.command import prose, repetition, tables, tally
from analysis.tasks.command.deaths import counts as person_counts, scope_frames

FORCES = ("police", "army", "both", "unknown", "not_applicable")  # order of the force columns and series


def slug(text: str) -> str:
    """Accent-free lower-case words joined by '_' (stable keys for outputs/numbers.json)."""
    ascii_ = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().lower()
    return "_".join(re.findall(r"[a-z0-9]+", ascii_))


def persons(spec, inputs, num, v) -> dict:
    """Deaths counted: every register person accounted for; the counted ones and their lethal events."""
    register, scope = inputs["register"], spec.scope
    victims = register["victims"]
    v["deaths"], v["maybe"], sel = scope_frames(victims, scope)  # counted; only possibly in the window
    n = v["n"] = person_counts(victims, sel)
    ctx = sorted(scope.contexts)
    num.add("deaths_in_window", n["counted"], unit="person", definition=f"persons counted ({scope.describe()})")
    num.add("deaths_in_window_certain", n["certain"], unit="person",
            definition=f"persons in contexts {ctx} whose date of {scope.date_field} certainly lies in the window")
    num.add("deaths_in_window_possible", n["possible"], unit="person",
            definition=f"persons in contexts {ctx} whose date of {scope.date_field} possibly lies in the window "
                       "(the interval overlaps it): the upper bound")
    num.add("deaths_outside_window", n["outside_window"], unit="person",
            definition=f"persons in the selected contexts whose date of {scope.date_field} certainly lies outside "
                       "the window")
    labels = dict(zip(register["events"].event_id, register["events"].label))
    v["events"] = repetition.lethal_events(v["deaths"], labels)
    num.add("lethal_events", len(v["events"]), unit="event",
            definition="lethal events among the counted persons: an event of events.csv, or a department-day for a "
                       "death without one")
    v["select_log"] = {"step": "command.select", "kind": "counts", "n_in": n["all"], "n_out": n["counted"],
                       "unit": "persons", "detail": scope.describe()}
    v["persons_text"] = prose.persons(spec, v)
    return {}


def tenures(spec, inputs, num, v) -> dict:
    """Who held the shown offices in the window, and the deaths and lethal events under each tenure."""
    all_tenures = inputs["timeline"]["command_tenures"]
    ten = v["tenures"] = tally.in_window(all_tenures[all_tenures.role.isin(spec.roles)], spec.start, spec.end)
    v["past_end"] = tables.past_window_end(ten, spec.end)
    num.add("tenures_in_window", len(ten), unit="count", definition="tenures of the shown roles overlapping the window")
    deaths, events, when = v["deaths"], v["events"], spec.when
    under = tally.under_tenures(ten, tally.intervals(deaths), list(zip(events.date, events.date_latest)))
    everyone = tally.intervals(pd.concat([deaths, v["maybe"]]))
    under["deaths_possible"] = tally.under_tenures(ten, everyone)["deaths_max"]
    for u in under.itertuples():
        key, who = f"tenure.{slug(u.role)}.{slug(u.person)}", f"{u.person}'s tenure as {u.role}"
        num.add(f"{key}.deaths_min", u.deaths_min, unit="person",
                definition=f"counted persons {when} certainly within {who} (within the window)")
        num.add(f"{key}.deaths_max", u.deaths_max, unit="person",
                definition=f"counted persons {when} possibly within {who} (uncertain boundary "
                           "days and date intervals straddling a change of holder included)")
        num.add(f"{key}.deaths_possible", u.deaths_possible, unit="person",
                definition=f"deaths_max plus the persons only possibly in the window whose date of "
                           f"{spec.scope.date_field} may fall in {who}: the upper bound")
        num.add(f"{key}.events_min", u.events_min, unit="event", definition=f"lethal events certainly within {who}")
        num.add(f"{key}.events_max", u.events_max, unit="event", definition=f"lethal events possibly within {who}")
    v["under"] = tables.deaths_by_tenure_table(under)
    v["tenure_table"] = tables.tenure_table(ten)
    v["tenures_text"], v["under_text"] = prose.tenures(spec, v), prose.under(spec, v)
    return {"tenures": v["tenure_table"], "deaths_by_tenure": v["under"]}


def observed(spec, inputs, num, v) -> dict:
    """Holders seen only on dated rows: deaths in their region on those dates (context, not tenures)."""
    v["observed"] = tally.observed_counts(inputs["timeline"]["command_observed"], v["deaths"])
    return {"observed_holders": v["observed"]}


def emergencies(spec, inputs, num, v) -> dict:
    """Each death's status under the coded states of emergency and curfews, at its place and date."""
    measures = v["measures"] = inputs["timeline"]["command_measures"]
    everyone = pd.concat([v["deaths"], v["maybe"]], ignore_index=True)  # counted, then only possibly in the window
    soe = tally.emergency_status(measures, everyone, "state of emergency")
    cur = tally.emergency_status(measures, everyone, "curfew")
    counted = soe.victim_id.isin(v["deaths"].victim_id)
    v["soe_counts"], v["cur_counts"] = tables.status_counts(soe[counted]), tables.status_counts(cur[counted])
    field = spec.scope.date_field
    for s, k in v["soe_counts"].items():
        num.add(f"soe.{slug(s)}", int(k), unit="person",
                definition=f"counted deaths whose place and date of {field} were '{s}' a coded state of emergency")
    for s, k in v["cur_counts"].items():
        num.add(f"curfew.{slug(s)}", int(k), unit="person",
                definition=f"counted deaths whose place and date of {field} were '{s}' a coded curfew")
    v["by_department"] = tables.status_by_department(soe[counted])
    v["n_counted"], v["maybe_soe"] = int(counted.sum()), soe[~counted]
    v["emergency_text"] = prose.emergencies(spec, v)
    return {"emergency_measures": measures.drop(columns=["event_raw"]),
            "emergency_excluded": inputs["timeline"]["command_measures_excluded"],
            "deaths_by_emergency_department": v["by_department"].reset_index(),
            "deaths_emergency_status": tables.status_per_death(soe)}


def periods(spec, inputs, num, v) -> dict:
    """The window split wherever a shown office changes holder; deaths by force in each period."""
    deaths = v["deaths"]
    per = tally.command_periods(v["tenures"], spec.roles, spec.start, spec.end)
    by_force = v["by_force"] = tables.force_periods_table(tally.by_force_per_period(per, deaths, FORCES),
                                                          spec.roles, FORCES)
    across = v["across"] = tally.across_periods(per, deaths)
    if by_force.total.sum() + len(across) != len(deaths):
        raise AssertionError("deaths by period and force do not add up to the deaths counted")
    for f in FORCES:
        num.add(f"force.{f}", int((deaths.force == f).sum()), unit="person",
                definition=f"counted deaths attributed to force '{f}'")
    num.add("force.across_periods", len(across), unit="person",
            definition=f"counted deaths whose date of {spec.scope.date_field} interval straddles a change of holder "
                       "(in no one period)")
    v["periods_text"] = prose.periods(v)
    return {"periods_force": by_force}


def mass_events(spec, inputs, num, v) -> dict:
    """What followed each lethal event with at least mass_casualty_min deaths."""
    h = spec.horizon_days
    rows = v["mass_rows"] = repetition.mass_followups(v["events"], spec.mass_casualty_min, spec.end, h)
    for r in rows:
        key = f"mass.{slug(r['event'])}"
        num.add(f"{key}.deaths", r["deaths"], unit="person", definition=f"counted deaths in lethal event {r['event']}")
        num.add(f"{key}.days_to_next", r["days_to_next"], unit="days",
                definition=f"days from {r['event']} (first death) to the next lethal event")
        num.add(f"{key}.deaths_{h}d", r[f"deaths_{h}d"], unit="person",
                definition=f"deaths in lethal events that began within {h} days after {r['event']}")
    v["mass_table"] = pd.DataFrame(rows)
    num.add("mass_events", len(rows), unit="event",
            definition=f"lethal events with at least {spec.mass_casualty_min} deaths")
    v["mass_text"] = prose.mass_events(spec, v)
    return {"mass_casualty_followup": v["mass_table"]}


def _record_statement(num, r: dict, h: int) -> None:
    key = f"statement.row{r['row']}"
    who = f"{r['person']}'s statement of {r['date']} (timeline row {r['row']})"
    num.add(f"{key}.days_to_next", r["days_to_next"], unit="days", definition=f"days from {who} to the next lethal event")
    num.add(f"{key}.deaths_after", r["deaths_after"], unit="person",
            definition=f"deaths in lethal events that began after {who}, within the window")
    num.add(f"{key}.deaths_{h}d", r[f"deaths_{h}d"], unit="person",
            definition=f"deaths in lethal events that began within {h} days after {who}")
    for side in ("before", "after"):
        num.add(f"{key}.rate_{side}_{h}d", r[f"{h}d_{side}_rate"], unit="events per day",
                interval=(r[f"{h}d_{side}_low"], r[f"{h}d_{side}_high"]),
                definition=f"lethal events per day in the {h} days {side} {who} (exact Poisson 95% interval)")
        num.add(f"{key}.rate_{side}_window", r[f"window_{side}_rate"], unit="events per day",
                interval=(r[f"window_{side}_low"], r[f"window_{side}_high"]),
                definition=f"lethal events per day in the window {side} {who} (exact Poisson 95% interval)")


def statements(spec, inputs, num, v) -> dict:
    """What followed each dated statement endorsing the forces; the statements not counted as endorsing."""
    h, stm = spec.horizon_days, inputs["timeline"]["command_statements"]
    endorse = v["endorse"] = stm[stm.endorsing].reset_index(drop=True)
    rows = v["statement_rows"] = repetition.statement_followups(endorse, v["events"], spec.start, spec.end, h)
    for r in rows:
        _record_statement(num, r, h)
    table = pd.DataFrame(rows)
    num.add("endorsing_statements", len(endorse), unit="count",
            definition="dated public statements endorsing the forces")
    v["statements_shown"] = table[["date", "person", "role", "next_event", "days_to_next", "deaths_after",
                                   f"events_{h}d", f"deaths_{h}d", f"{h}d_before_rate", f"{h}d_after_rate",
                                   f"{h}d_rate_ratio", f"{h}d_rate_ratio_low", f"{h}d_rate_ratio_high"]]
    v["other_statements"] = stm[~stm.endorsing]
    v["statements_text"], v["other_statements_text"] = prose.statements(spec, v), prose.other_statements(v)
    return {"statements_followup": table}


def figure(spec, v) -> Figure:
    """The timeline figure: deaths per day by force and department, office holders, emergencies."""
    fig, data = command_plots.timeline_figure(v["deaths"], v["tenures"], v["endorse"], v["measures"], spec.roles,
                                              list(FORCES), spec.start, spec.end, spec.scope.date_field,
                                              contexts=list(spec.scope.contexts), n_possible=v["n"]["possible"])
    plt.close(fig)  # not shown where it is computed; the notebook displays it in its own section
    return Figure(fig, data)


def decisions(inputs, num, v) -> dict:
    """The selection's counts and the timeline's decisions (from the register's cleaning log) as one log."""
    log = StepLog([v["select_log"], *inputs["timeline_log"]])
    v["log"] = log.to_frame()
    v["log_shown"] = v["log"][v["log"].kind != "counts"][["kind", "ref", "detail"]]
    v["decisions_text"] = prose.decisions(log, len(num.entries))
    return {"log": v["log"]}
