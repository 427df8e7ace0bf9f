"""Chain of command: who held office, what they declared and said, set against the deaths over time.

Reads the register only: the persons (data/processed/victims.csv, events.csv) and the command timeline's tables
(data/processed/command_*.csv, written by analysis.register.command_timeline; its decisions are in
cleaning_log.csv under the step `command.timeline`).

Modules: `deaths` (the persons of an analysis.register.scope.Scope, dated as intervals), `emergency` (was a
place under a state of emergency or a curfew on a day), `tally` (counts under tenures / emergencies / periods),
`repetition` (what followed mass-casualty events and statements), `tables` (the display tables), `sections`
(each section's computation and numbers) and `prose` (each section's paragraph).
"""
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from analysis.register import command_timeline, scope as S
from analysis.report.numbers import Numbers
from analysis.tasks.base import Result, Task
from analysis.tasks.command import deaths, emergency, prose, repetition, sections, tables, tally  # noqa: F401

TABLES = ("tenures", "deaths_by_tenure", "observed_holders", "emergency_measures", "emergency_excluded",
          "deaths_by_emergency_department", "deaths_emergency_status", "periods_force", "mass_casualty_followup",
          "statements_followup", "log")

TASK = Task(
    name="command",
    notebook="06-chain-of-command",
    reads=("data/processed/victims.csv", "data/processed/departments.csv", "data/processed/events.csv",
           *(f"data/processed/{t}.csv" for t in command_timeline.TABLES), "data/processed/cleaning_log.csv"),
    writes=("outputs/numbers/command.json", *(f"outputs/tables/command_{t}.csv" for t in TABLES),
            "outputs/figures/command_timeline.png", "outputs/figures/command_timeline.svg",
            "outputs/figures/command_timeline.csv"),
    after=("01-register",),
    params={
        "roles": [
            "President",
            "President of the Council of Ministers",
            "Minister of the Interior",
            "Minister of Defense",
            "PNP Commander General",
            "Head of the Joint Command (CCFFAA)",
        ],  # offices whose holders are shown
        "start_date": "2022-12-07",  # first day of the window
        "cutoff_date": "2023-03-31",  # last day of the window
        "contexts": ["clash"],  # contexts counted (vocab.CONTEXT codes)
        "date_field": "injury",  # "injury" (who commanded when the person was shot) or "death"
        "date_policy": "certain",  # "certain" or "possible"
        "mass_casualty_min": 5,  # an event with at least this many deaths is a mass-casualty event
        "horizon_days": 30,  # days after a statement in which further deaths are counted
        "processed_dir": "",  # the register; empty means data/processed/
        "outputs_dir": "",  # numbers.json, figures, tables; empty means outputs/
    },
)

@dataclass(frozen=True)
class Spec:
    """The parameters, checked: the window as dates, the scope of persons counted, the offices shown."""
    roles: tuple
    start: dt.date
    end: dt.date
    scope: S.Scope
    mass_casualty_min: int
    horizon_days: int

    @property
    def numbers(self) -> dict:
        """The spec every number of this task carries."""
        return {"window": [self.scope.start, self.scope.end], "contexts": sorted(self.scope.contexts),
                "mass_casualty_min": self.mass_casualty_min, "horizon_days": self.horizon_days,
                "date_field": self.scope.date_field, "policy": self.scope.policy}

    @property
    def when(self) -> str:
        """The verb of the date persons are placed by: 'injured' or 'died'."""
        return "injured" if self.scope.date_field == "injury" else "died"


def spec(roles, start_date, cutoff_date, contexts, date_field, date_policy, mass_casualty_min, horizon_days,
         processed_dir="", outputs_dir="") -> Spec:
    """The notebook's parameters checked (folders are the runner's business: analysis.tasks.base.folders)."""
    unknown = sorted(set(roles) - set(command_timeline.TENURE_ROLES.values()))
    if unknown:
        raise ValueError(f"roles not in the timeline's single-holder offices: {unknown}")
    scope = S.Scope(contexts=tuple(contexts), start=start_date, end=cutoff_date, date_field=date_field,
                    policy=date_policy)
    return Spec(tuple(roles), dt.date.fromisoformat(start_date), dt.date.fromisoformat(cutoff_date), scope,
                int(mass_casualty_min), int(horizon_days))


def inputs(spec: Spec, processed: Path, outputs: Path) -> dict:
    """The register's persons and events, the command timeline's tables (a measure's `area_level` read as
    `level`, the name the emergency status and the tables use) and its cleaning decisions."""
    timeline = command_timeline.read(processed)
    timeline["command_measures"] = timeline["command_measures"].rename(columns={"area_level": "level"})
    return {"register": S.load_register(processed), "timeline": timeline,
            "timeline_log": command_timeline.read_log(processed)}


def run(spec: Spec, inputs: dict) -> Result:
    """Every section of notebook 06 in its order; writes nothing."""
    num = Numbers(TASK.name, spec.numbers)
    v, t = {}, {}
    for section in (sections.persons, sections.tenures, sections.observed, sections.emergencies,
                    sections.periods, sections.mass_events, sections.statements):
        t.update(section(spec, inputs, num, v))
    figure = sections.figure(spec, v)
    t.update(sections.decisions(inputs, num, v))
    return Result(numbers=num, tables={f"command_{k}": t[k] for k in TABLES}, values=v,
                  figures={"command_timeline": figure})
