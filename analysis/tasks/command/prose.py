"""The paragraphs notebook 06 prints after each section, from the values its sections computed (`v`, see
analysis.tasks.command.sections). Markdown text; dates, spans, plurals and ranges through analysis.report.text."""
from analysis.report import text


def persons(spec, v) -> str:
    """Who counts: every register person accounted for."""
    n, maybe, deaths, scope = v["n"], v["maybe"], v["deaths"], spec.scope
    field = scope.date_field
    uncertain = "; ".join(f"{m.victim_id} ({text.day_span(m.lo, m.hi)} within the window)" for m in maybe.itertuples())
    interval_days = deaths[deaths.day.isna()]
    return (
        f"Of {n['all']} people in the register, {n['in_context']} died in the selected contexts "
        f"({', '.join(sorted(scope.contexts))}). {n['certain']} of them were certainly {spec.when} between "
        f"{text.day(spec.start)} and {text.day(spec.end)} (their whole date-of-{field} interval lies in the window) "
        f"and up to {n['possible']} possibly (the interval overlaps it); {n['outside_window']} were certainly "
        f"{spec.when} outside it. "
        + (f"Only possibly in the window: {uncertain}. " if len(maybe) else "")
        + f"The analysis counts the {scope.policy} persons: {n['counted']}"
        + (f", of whom {len(interval_days)} have a date of {field} known only as an interval of several days "
           f"({', '.join(f'{d.victim_id} {text.day_span(d.lo, d.hi)}' for d in interval_days.itertuples())})"
           if len(interval_days) else "")
        + f". The counted deaths make up {len(v['events'])} lethal events.")


def tenures(spec, v) -> str:
    """How many tenures overlap the window, and those running past its end."""
    ten, past = v["tenures"], v["past_end"]
    return (f"{len(ten)} tenures of the {len(spec.roles)} shown offices overlap the window. "
            f"{len(past)} of them run past its end: " +
            "; ".join(f"{t.person} ({t.role}: " + (t.end_basis if t.open else
                                                   f"first day out {text.day_span(t.end_earliest, t.end_latest)}")
                      + ")" for t in past.itertuples()) + ".")


def under(spec, v) -> str:
    """One line per tenure: the deaths and lethal events under it."""
    lines = [f"- **{u.role}: {u.person}** (took office {u.start}; "
             + ("no end in the timeline" if u.first_day_out == "open" else f"first day out {u.first_day_out}")
             + f"): {text.count_range(u.deaths_min, u.deaths_max)} deaths in "
             f"{text.count_range(u.events_min, u.events_max)} lethal events in the window"
             + (f" (up to {u.deaths_possible} with the persons only possibly in the window)"
                if u.deaths_possible != u.deaths_max else "")
             for u in v["under"].itertuples()]
    return ("\n".join(lines) + f"\n\nPersons are placed by their date of {spec.scope.date_field}. Where two numbers "
            "are given, the tenure's boundary is known only as a range of days, or a person's date interval "
            "straddles a change of holder: such a person is possible for both holders, certain for neither.")


def emergencies(spec, v) -> str:
    """Deaths by status under the states of emergency and curfews."""
    soe, cur, maybe_soe = v["soe_counts"], v["cur_counts"], v["maybe_soe"]
    return (
        f"Of the {v['n_counted']} counted deaths, {soe['under']} happened (by date of {spec.scope.date_field}) in a "
        f"place under a state of emergency at the time, {soe['not under']} in a place not under one, "
        f"{soe['uncertain (date at a boundary)']} on a day when the emergency's start or end is uncertain (or "
        f"whose date interval straddles it), {soe['unknown (place missing)']} where the place is not known finely "
        f"enough, and {soe['unknown (date missing)']} with no bounded date. Under a curfew: "
        f"{cur['under']} (uncertain {cur['uncertain (date at a boundary)']}). "
        + (f"The {len(maybe_soe)} persons only possibly in the window: "
           + "; ".join(f"{r.victim_id} {r.status}" for r in maybe_soe.itertuples()) + ". " if len(maybe_soe) else "")
        + "Not coded: the 5 national roads of DS 009-2023-PCM and the 44 unnamed VRAEM districts of DS 021-2023-PCM "
        "(see the excluded table).")


def periods(v) -> str:
    """Deaths by force in each command period, and those straddling a change of holder."""
    by_force, across = v["by_force"], v["across"]
    return (
        f"The window splits into {len(by_force)} periods in which the holders of the shown offices did not change. "
        + " ".join(f"{text.day(p.start)}–{text.day(p.last_day)}: {text.plural(p.total, 'death')} ({p.police} police, "
                   f"{p.army} army, {p.both} both, {p.unknown} force unknown)." for p in by_force.itertuples() if p.total)
        + (f" {text.plural(len(across), 'death')} with a date interval straddling a change of holder, in no single "
           "period: " + ", ".join(f"{a.victim_id} ({text.day_span(a.lo, a.hi)})" for a in across.itertuples()) + "."
           if len(across) else ""))


def _next_event(r: dict) -> tuple | None:
    """(event key, label, 'k days') of the next lethal event after an anchor; None when none began in the window."""
    if r["days_to_next"] is None:
        return None
    return r["next_event"], r["next_event_label"], text.plural(r["days_to_next"], "day")


def mass_events(spec, v) -> str:
    """What followed each mass-casualty event."""
    h, rows = spec.horizon_days, v["mass_rows"]
    parts = []
    for r in rows:
        nxt = _next_event(r)
        parts.append(
            f"After {r['event']} ({r['label']}, {text.day(r['date'])}, {r['deaths']} deaths) the next lethal event "
            + (f"({nxt[0]}, {nxt[1]}) began {nxt[2]} later" if nxt else "did not begin within the window")
            + f"; {text.plural(r[f'events_{h}d'], 'lethal event')} with {text.plural(r[f'deaths_{h}d'], 'death')} "
            f"began within {h} days" + (" (horizon cut at the window end)" if r[f"horizon_{h}d_truncated"] else "")
            + ".")
    return f"{len(rows)} lethal events had at least {spec.mass_casualty_min} deaths. " + " ".join(parts)


def _rate(r: dict, key: str) -> str:
    """'0.100 (0.050–0.200)': a rate with its interval, three decimals."""
    return f"{r[f'{key}_rate']:.3f} ({r[f'{key}_low']:.3f}–{r[f'{key}_high']:.3f})"


def statements(spec, v) -> str:
    """What followed each endorsing statement."""
    h = spec.horizon_days
    lines = []
    for r in v["statement_rows"]:
        nxt = _next_event(r)
        lines.append(
            f"- {r['date']} — {r['person']} ({r['role']}): “{r['quote']}” — next lethal event "
            + (f"{nxt[0]} ({nxt[1]}), {nxt[2]} later" if nxt else "not within the window")
            + f"; {text.plural(r[f'deaths_{h}d'], 'death')} in {text.plural(r[f'events_{h}d'], 'lethal event')} "
            f"within {h} days, {r['deaths_after']} to the window end. Lethal events per day, {h} days before vs "
            f"after: {_rate(r, f'{h}d_before')} vs {_rate(r, f'{h}d_after')}.")
    return ("**Description, not proof of cause.** "
            + f"{len(v['endorse'])} dated statements endorsing the forces:\n\n" + "\n".join(lines))


def other_statements(v) -> str:
    """The public statements not counted as endorsing."""
    return ("Public statements in the timeline not counted as endorsing the forces (NOTES.md §4 does not list "
            "them): " + "; ".join(f"{s.person}, {s.date_raw} (row {s.row})" for s in v["other_statements"].itertuples())
            + ".")


def decisions(log, n_numbers: int) -> str:
    """How many numbers were recorded and the timeline decisions by kind."""
    return (f"{n_numbers} numbers saved under the key prefix `command.`; "
            f"{len(log.of_kind('open tenure'))} open tenures, {len(log.of_kind('narrowed'))} narrowed end dates, "
            f"{len(log.of_kind('not endorsing'))} statements not counted as endorsing.")
