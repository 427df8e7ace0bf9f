"""Task 02, descriptive tables: who died, when and where (narrated by 02-descriptive).

Every table keeps "unknown" as a category of its own and adds up to the persons it covers; a person is placed on a
day only when the date of death is certain to that day, the others are counted, never dropped. The map's rates
per 100,000 are those of `analysis.stats.rates` (one definition for every notebook).
"""
from dataclasses import asdict, dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from analysis.register import boundaries
from analysis.register.scope import Scope, Selection, load_register, select
from analysis.report import maps
from analysis.report import text as T
from analysis.report.figures import apply_style, scope_text, wrap
from analysis.report.numbers import Numbers
from analysis.report.plots import descriptive as plots
from analysis.stats import descriptive as D
from analysis.stats.exact import poisson_ci
from analysis.stats.rates import department_rates
from analysis.tasks.base import Figure, Result, Task

TASK = Task(
    name="descriptive",
    notebook="02-descriptive",
    reads=("data/processed/victims.csv", "data/processed/departments.csv", "data/processed/events.csv",
           "data/processed/departments.geojson"),
    writes=("outputs/numbers/descriptive.json", "outputs/tables/descriptive_*.csv",
            "outputs/figures/descriptive_*.csv", "outputs/figures/descriptive_*.png",
            "outputs/figures/descriptive_*.svg"),
    after=("01-register",),
    params={
        "cutoff_date": "2023-03-31",  # last day of the window (date of death)
        "start_date": "2022-12-07",  # first day of the window
        "contexts": None,  # None means all contexts
        "date_policy": "certain",  # "certain" or "possible"
        "processed_dir": "",  # the register; empty means data/processed/
        "outputs_dir": "",  # numbers.json, figures, tables; empty means outputs/
    },
)

FOLDER_PARAMS = ("processed_dir", "outputs_dir")  # where to read and write: not part of the analysis' spec
CODED_FIELDS = ("context", "cause", "wound", "force")  # one table and one number per level each
TOP_DEPARTMENTS = 7  # departments drawn in panels of their own; the rest are pooled
UNCERTAIN_COLUMNS = ["victim_id", "context", "department", "event_id", "date_death_min", "date_death_max",
                     "date_death_min_basis", "date_death_max_basis"]


@dataclass(frozen=True)
class Spec:
    """The analytic choices: the window, the contexts (all when none given) and which persons are counted."""
    cutoff_date: str
    start_date: str
    contexts: tuple
    date_policy: str

    @property
    def scope(self) -> Scope:
        return Scope(contexts=self.contexts, start=self.start_date, end=self.cutoff_date, policy=self.date_policy)

    @property
    def scope_text(self) -> str:
        """The scope line of every figure's title (contexts in words, window)."""
        return scope_text(list(self.contexts), self.start_date, self.cutoff_date)

    def recorded(self) -> dict:
        """The spec as every number records it."""
        return {**asdict(self), "contexts": list(self.contexts)}


def spec(**params) -> Spec:
    """Validate the notebook's parameters (defaults: TASK.params); the folders are accepted and left out."""
    unknown = sorted(set(params) - set(TASK.params))
    if unknown:
        raise TypeError(f"{TASK.notebook}: unknown parameter(s) {unknown}; known: {sorted(TASK.params)}")
    p = {**TASK.params, **params}
    contexts = tuple(p["contexts"]) if p["contexts"] else tuple(D.LEVELS["context"])
    s = Spec(p["cutoff_date"], p["start_date"], contexts, p["date_policy"])
    s.scope  # raises on an unknown context or policy, or an impossible date
    return s


def inputs(spec: Spec, processed: Path, outputs: Path) -> dict:
    """The register (victims, departments, events) and the department boundaries the register publishes."""
    tables = load_register(processed)
    return {**tables, "geo": maps.read_departments_geo(boundary_file(processed))}


def boundary_file(processed: Path) -> Path:
    """The department boundaries the register publishes beside its tables (INEI 2007 limits)."""
    return Path(processed) / boundaries.PUBLISHED


def run(spec: Spec, inputs: dict) -> Result:
    """Every table, figure and number of notebook 02, in the notebook's order; writes nothing."""
    apply_style()
    result = Result(Numbers(TASK.name, spec=spec.recorded()))
    sel = select(inputs["victims"], spec.scope)
    persons(result, spec, inputs["victims"], sel)
    over_time(result, spec, sel)
    events(result, sel.count, inputs["events"])
    age_sex(result, spec, sel.count)
    cause_force(result, spec, sel.count)
    department_map(result, spec, inputs, sel)
    for fig in result.figures.values():
        plt.close(fig.figure)  # drawn once, shown where the notebook displays it
    return result


# ---------------------------------------------------------------- 1. the persons in scope
def persons(result: Result, spec: Spec, register: pd.DataFrame, sel: Selection) -> None:
    N, victims = result.numbers, sel.count
    out_dates, out_events = len(sel.outside), len(sel.excluded_event)
    N.add("persons_register", len(register), unit="person",
          definition="persons (rows) in the victims register, all contexts and dates")
    N.add("persons", len(victims), unit="person", definition=f"persons counted in the tables: {spec.scope.describe()}")
    N.add("persons_certain", len(sel.certain), unit="person",
          definition="persons in the selected contexts whose date-of-death interval lies inside the window")
    N.add("persons_possible", len(sel.possible), unit="person",
          definition="persons in the selected contexts whose date-of-death interval overlaps the window "
                     "(certain ones included): the upper bound of every count")
    N.add("identified", int(victims["identified"].sum()), unit="person",
          definition="persons counted who are identified by name in at least one source")
    N.add("excluded_context", len(register) - len(sel.possible) - out_dates - out_events, unit="person",
          definition="register persons outside the selected contexts")
    N.add("excluded_dates", out_dates, unit="person",
          definition="register persons in scope by context whose date of death is certainly outside the window")
    result.values.update(scope=spec.scope_text, uncertain=sel.uncertain[UNCERTAIN_COLUMNS])


# ---------------------------------------------------------------- 2. deaths over time
def over_time(result: Result, spec: Spec, sel: Selection) -> None:
    """Daily series of every person possibly in the window: on a day when certain to it, else as a date span."""
    N, window = result.numbers, {"start": spec.start_date, "end": spec.cutoff_date}
    daily = D.deaths_per_day(sel.possible, **window)
    by_context = D.deaths_per_day(sel.possible, by="context", **window)
    by_department = D.deaths_per_day(sel.possible, by="department", **window)
    for s in (daily, by_context, by_department):
        assert s.total() == len(sel.possible)  # every person is on a day or spans several days (none outside)
    result.tables.update({"descriptive_deaths_daily": D.iso_dates(daily.table),
                          "descriptive_deaths_daily_by_context": D.iso_dates(by_context.table),
                          "descriptive_deaths_daily_by_department": D.iso_dates(by_department.table),
                          "descriptive_deaths_date_spans": daily.spanning})
    d, peak = daily.table, D.peak_day(daily)
    peak_label = f"{peak['date']:%Y-%m-%d}"
    N.add("peak_day_deaths", peak["deaths"], unit="person",
          definition=f"deaths certain to the day on the deadliest day in the window ({peak_label})")
    N.add("peak_day_deaths_possible", peak["possible"], unit="person",
          definition=f"deaths on {peak_label} at most: those certain to the day plus the persons whose "
                     "date-of-death interval contains it (upper bound)")
    N.add("persons_on_a_day", int(d["deaths"].sum()), unit="person",
          definition="persons possibly in the window whose date of death is certain to one day of it")
    N.add("date_spans_several_days", len(daily.spanning), unit="person",
          definition="persons possibly in the window whose date-of-death interval spans several days "
                     "(counted, placed on no day)")
    N.add("date_spans_unbounded", int(daily.spanning["days"].isna().sum()), unit="person",
          definition="of those, persons whose interval is unbounded on at least one side")
    N.add("days_with_deaths", int((d["deaths"] > 0).sum()), unit="days",
          definition="days in the window with at least one death certain to that day")
    N.add("window_days", len(d), unit="days", definition="days in the window, both ends included")
    result.values["peak"] = peak
    scope = f"{spec.scope_text}; persons possibly in the window"
    result.figures["descriptive_deaths_over_time_by_context"] = Figure(*plots.deaths_over_time_by_context(
        by_context, spec.start_date, spec.cutoff_date, scope=scope))
    result.figures["descriptive_cumulative_by_department"] = Figure(*plots.cumulative_by_department(
        by_department, top=TOP_DEPARTMENTS, scope=scope))


# ---------------------------------------------------------------- 3. events
def events(result: Result, victims: pd.DataFrame, events_table: pd.DataFrame) -> None:
    N = result.numbers
    ev = D.events_table(victims, events_table)
    result.tables["descriptive_events"] = ev
    linked = ev[ev["event_id"] != D.NO_EVENT]
    N.add("events", len(linked), unit="event", definition="events with at least one person in scope")
    n_linked = N.add("persons_in_events", int(linked["persons"].sum()), unit="person",
                     definition="persons in scope linked to an event")
    N.add("largest_event_persons", int(linked["persons"].max()) if len(linked) else 0, unit="person",
          definition="persons in the event with most persons in scope")
    largest = linked.sort_values("persons", ascending=False, kind="stable").iloc[0] if len(linked) else None
    result.values.update(
        largest_event=(largest.get("label") or largest["event_id"]) if largest is not None else "none",
        persons_not_in_events=len(victims) - n_linked)


# ---------------------------------------------------------------- 4. age and sex
def age_sex(result: Result, spec: Spec, victims: pd.DataFrame) -> None:
    N = result.numbers
    ages, sexes = D.age_table(victims), D.category_table(victims, "sex")
    result.tables.update(descriptive_age_bands=ages, descriptive_sex=sexes)
    for row in ages.itertuples():
        N.add(f"age_band.{row.age_band}", int(row.persons), unit="person",
              definition=f"persons in scope aged {row.age_band} (years)")
    for row in sexes.itertuples():
        N.add(f"sex.{row.sex}", int(row.persons), unit="person", definition=f"persons in scope recorded as sex {row.sex}")
    m = D.minors(victims)
    N.add("minors", m["minors"], unit="person", definition="persons in scope under 18 years")
    N.add("age_unknown", m["unknown_age"], unit="person", definition="persons in scope with unknown age")
    result.figures["descriptive_age_sex"] = Figure(*plots.age_sex(
        victims, scope=f"{spec.scope_text}; {spec.date_policy} persons"))


# ---------------------------------------------------------------- 5. cause of death and force
def cause_force(result: Result, spec: Spec, victims: pd.DataFrame) -> None:
    for field in CODED_FIELDS:
        t = D.category_table(victims, field)
        result.tables[f"descriptive_{field}"] = t
        for row in t.itertuples():
            result.numbers.add(f"{field}.{getattr(row, field)}", int(row.persons), unit="person",
                               definition=f"persons in scope with {field} = {getattr(row, field)}")
    xt = D.crosstab(victims, "cause", "force")
    result.tables["descriptive_cause_by_force"] = xt.reset_index()
    result.values["cause_by_force"] = xt
    result.figures["descriptive_cause_by_force"] = Figure(*plots.cause_by_force(
        xt, scope=f"{spec.scope_text}; {spec.date_policy} persons"))


# ---------------------------------------------------------------- 6. map: deaths per 100,000
def department_table(register: pd.DataFrame, departments: pd.DataFrame, scope: Scope) -> tuple[pd.DataFrame, int]:
    """(deaths and deaths per 100,000 with the exact interval for every department, from
    analysis.stats.rates.department_rates under the columns the map publishes; persons of the scope whose
    department is unknown)."""
    rates = department_rates(register, departments, scope)
    table = rates.table.rename(columns={"population": "pop_census_2017_persons", "rate": "per_100k",
                                        "rate_low": "ci_low", "rate_high": "ci_high"})
    columns = ["ubigeo_dep", "department", "pop_census_2017_persons", "deaths", "per_100k", "ci_low", "ci_high"]
    return table[columns], rates.n_unknown_department


def department_map(result: Result, spec: Spec, inputs: dict, sel: Selection) -> None:
    N = result.numbers
    rates, n_unknown = department_table(inputs["victims"], inputs["departments"], spec.scope)
    result.tables["descriptive_deaths_per_100k_by_department"] = rates
    n_on_map = int(rates["deaths"].sum())
    N.add("departments_with_deaths", int((rates["deaths"] > 0).sum()), unit="department",
          definition="departments (of 25, Callao included) with at least one death counted")
    N.add("department_unknown", n_unknown, unit="person",
          definition="persons counted whose department is unknown (not on the map)")
    assert n_on_map + n_unknown == len(sel.count)  # everyone counted is on the map or in its caption
    fig = maps.choropleth(
        maps.join_geo(inputs["geo"], rates), "per_100k",
        "Deaths per 100,000 inhabitants (2017 census) by department\n"
        + wrap(f"{spec.scope_text}; {spec.date_policy} persons; n = {n_on_map} deaths with a known department", 7, 10),
        "deaths per 100,000", labels="deaths",
        caption=f"Label: department and the deaths counted in it (name only: none). Not on the map: {n_unknown} "
                f"person(s) with unknown department. A zero is a zero of this register in its window.")
    result.figures["descriptive_map_deaths_per_100k"] = Figure(fig, rates)
    N.add("department_unknown_possible", int(sel.possible["ubigeo_dep"].isna().sum()), unit="person",
          definition="persons possibly in scope whose department is unknown")
    top = rates.sort_values(["per_100k", "ubigeo_dep"], ascending=[False, True], kind="stable").iloc[0]
    N.add("max_rate_per_100k", float(top["per_100k"]), unit="persons per 100,000",
          interval=(top["ci_low"], top["ci_high"]),
          definition=f"highest departmental death rate per 100,000 (2017 census population): {top['department']}")
    with_deaths = rates[rates["deaths"] > 0].sort_values(["per_100k", "department"], ascending=[False, True])
    result.values.update(top_rate=top, poisson_examples={k: poisson_ci(k) for k in (0, 3)},
                         rates_with_deaths=rates_display(with_deaths))


def rates_display(rates: pd.DataFrame) -> pd.DataFrame:
    """The departments' rates as the notebook prints them (2 decimals, the interval as 'lo–hi')."""
    return pd.DataFrame({
        "department": rates["department"], "deaths": rates["deaths"],
        "per 100,000": [T.num(x, 2) for x in rates["per_100k"]],
        "95 % exact interval": [T.interval(a, b, 2) for a, b in zip(rates["ci_low"], rates["ci_high"])],
    }).set_index("department")
