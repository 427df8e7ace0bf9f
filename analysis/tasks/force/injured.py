"""Section 6, the injured: MINSA's attended persons by department, and the lethality index of the majority-Indigenous
departments against the rest.

The shape of a task section, step by step (`add` calls them in this order):
  1. `attended`: the statistic (analysis.stats.injured.attended_rates), its table, its numbers, its sentence;
  2. `lethality`: the index by department and by group of departments, and the headline numbers with the rows
     that bound them;
  3. `clustering`: how the group's deaths fall into events (why the intervals overstate the precision);
  4. `figure`: attended and lethality side by side, the pooled groups at the bottom;
  5. `prose`: the paragraph the notebook shows, from the numbers just recorded.
Each step reads the statistics from analysis.stats.injured, records with `result.numbers.add` (value, unit,
definition, interval) and leaves tables, figures and text in `result`; nothing is written here.
"""
import pandas as pd

from analysis.register.scope import select
from analysis.report import text
from analysis.report.plots import force as plots
from analysis.stats import injured as I
from analysis.stats.force import DEPARTMENT_CODES
from analysis.tasks.base import Figure, Result

GROUP_LABELS = ("majority-Indigenous departments", "other departments")
WAVE_LABELS = {w: f"wave {w[-1]}, {I.WAVES[w].start} to {I.WAVES[w].snapshot}" for w in I.WAVES}
LIMITS = (
    "MINSA does not separate civilians from police: the attended include injured officers, and police treated in "
    "PNP hospitals may be absent, so the index mixes a civilian numerator with a mixed denominator.",
    "These are snapshots, not totals: hospitalised at one date plus discharges so far; wave 1 covers 7-19 Dec 2022, "
    "wave 2 covers 4-20 Jan 2023 only (not 28 Jan in Lima, nor February-March).",
    "Persons injured but not attended in a MINSA facility (treated at home, in private or PNP clinics) are not "
    "counted; persons attended twice may be counted twice.",
    "A department MINSA does not name is unknown, not zero.",
    "Deaths and attended may refer to different dates: deaths are matched to each wave's window by the register's "
    "death-date interval (certain = wholly inside, possible = overlapping); a person injured in the window who died "
    "after the snapshot is not a death of that wave.",
    "The index compares counts, not persons followed up: it says nothing about any individual's chance of dying.",
    "The exact intervals treat every death and every attended person as an independent count; deaths and injuries "
    "come in events (one clash, many casualties), so the intervals and Fisher's p are descriptive, narrower than "
    "an event-level analysis would give.",
)


def add(spec, inputs, result: Result) -> None:
    rates, totals = attended(spec, inputs, result)
    by_dep, groups = lethality(spec, inputs, result)
    events = clustering(spec, inputs, result)
    figure(spec, rates, by_dep, groups, totals, inputs.majority_codes, result)
    result.values["text"]["lethality_groups"] = prose(spec, groups, by_dep, events, inputs, result)
    result.values["text"]["injured_limits"] = ("**What the injured counts cannot tell.**\n\n"
                                               + "\n".join(f"- {x}" for x in LIMITS))
    result.values["minsa_attended"] = int(totals["attended"].sum())  # section 7 quotes it


def attended(spec, inputs, result: Result) -> tuple[pd.DataFrame, pd.DataFrame]:
    """1. Attended per 100,000 by department and wave; per wave the total and the highest rate."""
    N = result.numbers
    rates = result.tables["force_injured_attended_rates"] = I.attended_rates(inputs.departments, alpha=spec.alpha)
    totals = I.minsa_totals(inputs.departments)
    lines = []
    for t in totals.itertuples():
        N.add(f"injured.{t.wave}.attended", t.attended, unit="person",
              definition=f"persons attended by MINSA, {WAVE_LABELS[t.wave]} (hospitalised at the snapshot + "
                         "discharges; sum of the listed departments = MINSA's stated national total; civilians and "
                         "police mixed)")
        N.add(f"injured.{t.wave}.departments_listed", t.departments_listed, unit="department",
              definition=f"departments MINSA lists in {t.wave} (the others: attended unknown)")
        top = rates[(rates["wave"] == t.wave) & (rates["status"] == "listed")].iloc[0]
        N.add(f"injured.{t.wave}.max_rate", top["rate"], unit="persons per 100,000",
              interval=(top["ci_low"], top["ci_high"]),
              definition=f"highest attended per 100,000 in {t.wave}: {top['department']} (exact Poisson interval)")
        lines.append(
            f"- **{WAVE_LABELS[t.wave]}:** MINSA attended **{t.attended}** persons in the **{t.departments_listed}** "
            f"departments it lists ({len(DEPARTMENT_CODES) - t.departments_listed} not listed: unknown). The highest "
            f"rate is {top['department']}'s, **{text.num(top['rate'], 1)}** per 100,000 ({spec.conf}% interval "
            f"{text.interval(top['ci_low'], top['ci_high'], 1)}).")
    ci = [text.interval(lo, hi, 2) for lo, hi in zip(rates["ci_low"], rates["ci_high"])]
    result.values["attended_rates"] = rates.assign(rate=rates["rate"].round(2), ci=ci)[
        ["wave", "department", "population", "attended", "status", "rate", "ci"]]
    result.values["text"]["attended"] = "\n".join(lines)
    return rates, totals


def lethality(spec, inputs, result: Result) -> tuple[pd.DataFrame, pd.DataFrame]:
    """2. The index per department-wave, and the majority-Indigenous departments against the rest: the headline
    (both waves pooled, deaths of the policy's set, unlisted departments left out) and the rows that bound it."""
    N, p = result.numbers, spec.date_policy
    by_dep = I.lethality_by_department(inputs.register, inputs.departments, contexts=spec.contexts, alpha=spec.alpha)
    groups = I.lethality_groups(inputs.register, inputs.departments, inputs.majority_codes, contexts=spec.contexts,
                                alpha=spec.alpha, labels=GROUP_LABELS)
    result.tables["force_lethality_by_department"] = by_dep
    result.tables["force_lethality_groups"] = groups
    N.add("lethality.department_waves_with_index", int(by_dep[f"index_{p}"].notna().sum()), unit="count",
          definition="department-waves with a lethality index (listed by MINSA in that wave)")
    head, others = headline(groups, p)
    what = (f"deaths ({', '.join(spec.contexts)}; {p} in the wave's window) per person attended by MINSA, both "
            "waves pooled, unlisted departments left out")
    for side, label in zip(("in", "rest"), GROUP_LABELS):
        key = f"lethality.{side}_group"
        N.add(f"{key}.index", head[f"{side}_index"], unit="index", interval=(head[f"{side}_low"], head[f"{side}_high"]),
              definition=f"lethality index of the {label}: {what}; exact {spec.conf}% interval")
        N.add(f"{key}.deaths", head[f"{side}_deaths"], unit="person", definition=f"numerator of {key}.index")
        N.add(f"{key}.attended", head[f"{side}_attended"], unit="person", definition=f"denominator of {key}.index")
    N.add("lethality.ratio", head["ratio"], unit="ratio", interval=(head["ratio_low"], head["ratio_high"]),
          p_value=head["p_value"],
          definition=f"lethality index of the majority-Indigenous departments / that of the others ({what}); exact "
                     f"conditional {spec.conf}% interval, Fisher's two-sided p; person-level, descriptive")
    bounds = "(each wave alone; possible deaths; unlisted read as 0)"
    N.add("lethality.ratio_min", others["ratio"].min(), unit="ratio",
          definition=f"smallest ratio over the other rows {bounds}")
    N.add("lethality.ratio_max", others["ratio"].max(), unit="ratio",
          definition=f"largest ratio over the other rows {bounds}")
    N.add("lethality.p_max", others["p_value"].max(), unit="p-value", p_value=others["p_value"].max(),
          definition=f"largest Fisher p over the other rows {bounds}")
    top = department_max(by_dep, p)
    N.add("lethality.department_max", top[f"index_{p}"] if top is not None else None, unit="index",
          interval=(top[f"low_{p}"], top[f"high_{p}"]) if top is not None else None,
          definition="highest department-wave lethality index"
                     + (f" ({top['department']}, {top['wave']})" if top is not None else ""))
    shown = by_dep["attended"].notna() | (by_dep[f"deaths_{p}"] > 0)
    result.values["lethality_by_department"] = by_dep[shown][
        ["wave", "department", "attended", f"deaths_{p}", f"index_{p}", f"low_{p}", f"high_{p}", "note"]]
    result.values["lethality_groups"] = groups[
        ["wave", "policy", "unlisted", "in_deaths", "in_attended", "in_index", "rest_deaths", "rest_attended",
         "rest_index", "ratio", "ratio_low", "ratio_high", "p_value"]]
    return by_dep, groups


def headline(groups: pd.DataFrame, policy: str) -> tuple[pd.Series, pd.DataFrame]:
    """The headline row (both waves pooled, `policy` deaths, unlisted departments left out) and the other rows."""
    head = groups[(groups["wave"] == "all") & (groups["policy"] == policy) & (groups["unlisted"] == "exclude")].iloc[0]
    return head, groups.drop(head.name)


def department_max(by_dep: pd.DataFrame, policy: str) -> pd.Series | None:
    """The department-wave with the highest index (None when no department has one)."""
    idx = by_dep[by_dep[f"index_{policy}"].notna()]
    return idx.loc[idx[f"index_{policy}"].idxmax()] if len(idx) else None


def clustering(spec, inputs, result: Result) -> dict:
    """3. The lethal events of the majority-Indigenous numerator: how many, and the deaths of the largest."""
    N = result.numbers
    dead = pd.concat([select(inputs.register, spec.scope.with_(start=w.start, end=w.snapshot)).count
                      for w in I.WAVES.values()])
    per_event = dead[dead["ubigeo_dep"].isin(inputs.majority_codes)]["event_id"].value_counts()
    top = per_event.index[0] if len(per_event) else None
    labels = inputs.events.set_index("event_id")["label"] if "label" in inputs.events.columns else {}
    largest = int(per_event.iloc[0]) if len(per_event) else 0
    N.add("lethality.in_group.events", int(per_event.size), unit="event",
          definition="lethal events of the deaths in the majority-Indigenous numerator (deaths with an event)")
    N.add("lethality.in_group.largest_event", largest, unit="person",
          definition=f"deaths of the majority-Indigenous numerator in its largest event ({top})")
    return {"events": int(per_event.size), "largest": largest, "label": labels.get(top, top) if top else top}


def figure(spec, rates, by_dep, groups, totals, majority, result: Result) -> None:
    """4. Attended per 100,000 and the lethality index by department; the two pooled groups at the bottom."""
    head, _ = headline(groups, spec.date_policy)
    pooled = pd.DataFrame([{"label": f"{label} (pooled)", "deaths": int(head[f"{s}_deaths"]),
                            "attended": int(head[f"{s}_attended"]), "index": head[f"{s}_index"],
                            "low": head[f"{s}_low"], "high": head[f"{s}_high"]}
                           for s, label in (("in", "majority-Indigenous"), ("rest", "other departments"))])
    title = (f"Persons attended by MINSA and deaths per person attended, by department\n"
             f"(deaths: {int(head['in_deaths'] + head['rest_deaths'])} {', '.join(spec.contexts)}, "
             f"{spec.date_policy} in the waves' windows; attended: {int(totals['attended'].sum())} in two waves, "
             "civilians and police mixed)")
    result.figures["force_injured_by_department"] = Figure(*plots.injured_by_department(
        rates, by_dep, pooled, majority, WAVE_LABELS, spec.conf, title, policy=spec.date_policy))


def prose(spec, groups, by_dep, events: dict, inputs, result: Result) -> str:
    """5. The paragraph on the groups' lethality, its bounds, and why it is descriptive."""
    p, (head, others) = spec.date_policy, headline(groups, spec.date_policy)
    wave = {w: others[(others["wave"] == w) & (others["policy"] == p) & (others["unlisted"] == "exclude")].iloc[0]
            for w in ("wave1", "wave2")}
    ci = lambda r, side: text.interval(r[f"{side}_low"], r[f"{side}_high"], 3)  # noqa: E731
    ratio = lambda r: f"{text.num(r['ratio'], 2)} ({text.interval(r['ratio_low'], r['ratio_high'], 2)})"  # noqa: E731
    names = ", ".join(inputs.majority["department"])
    out = (f"Both waves pooled, the majority-Indigenous departments ({names}) had **{int(head['in_deaths'])}** deaths "
           f"for **{int(head['in_attended'])}** persons attended, a lethality index of "
           f"**{text.num(head['in_index'], 3)}** ({spec.conf}% interval {ci(head, 'in')}); the other departments had "
           f"{int(head['rest_deaths'])} for {int(head['rest_attended'])}, **{text.num(head['rest_index'], 3)}** "
           f"({ci(head, 'rest')}). The ratio of the two is **{text.num(head['ratio'], 2)}** (exact interval "
           f"{text.interval(head['ratio_low'], head['ratio_high'], 2)}; Fisher's p = {text.pval(head['p_value'])}). "
           f"Wave by wave the ratio is {ratio(wave['wave1'])} in wave 1 and {ratio(wave['wave2'])} in wave 2; over all "
           f"the bounding rows it lies between {text.num(others['ratio'].min(), 2)} and "
           f"{text.num(others['ratio'].max(), 2)}, with p up to {text.pval(others['p_value'].max())}. Deaths in "
           f"unlisted departments: {int(head['deaths_unlisted'])}; deaths with no known department: "
           f"{int(head['deaths_unknown_department'])}.\n\n")
    top = department_max(by_dep, p)
    if top is not None and top[f"index_{p}"] < 1:
        out += (f"The {result.number('lethality.department_waves_with_index')} department-waves with an index all "
                f"lie below 1 (the highest is {top['department']}'s in {top['wave'].replace('wave', 'wave ')}, "
                f"{text.num(top[f'index_{p}'], 3)}; interval {text.interval(top[f'low_{p}'], top[f'high_{p}'], 3)}): "
                "MINSA attended more people than died wherever it counted, so by the Monitor's threshold alone the "
                "index does not flag any department. The contrast is between groups: where most people are "
                "Indigenous, a larger share of the casualties were deaths. ")
    return out + (f"This is a person-level, descriptive comparison: the {int(head['in_deaths'])} deaths of the "
                  f"majority-Indigenous group come from {events['events']} lethal events, {events['largest']} of them "
                  f"from a single one, {events['label']}; so the interval and the p-value overstate the precision.")
