"""Chain of command: who held office, what they declared and said, set against the deaths over time.

Modules: `dates` (timeline date cells), `timeline` (tenures, statements), `emergency` (states of emergency and
curfews), `deaths` (the persons of an analysis.register.scope.Scope, dated as intervals), `tally` (counts under tenures /
emergencies / periods), `repetition` (what followed mass-casualty events and statements), `tables` (the notebook's
display tables), `labels` (dates and counts as printed).
"""
from analysis.tasks.command import dates, deaths, emergency, labels, repetition, tables, tally, timeline  # noqa: F401

from analysis.tasks.base import Task

TASK = Task(
    name="command",
    notebook="06-chain-of-command",
    reads=("data/processed/**/*", "data/raw/**/*"),
    writes=("outputs/numbers/command.json",),
    after=("01-register",),
    params={
        "roles": ["President", "President of the Council of Ministers", "Minister of the Interior","Minister of Defense", "PNP Commander General", "Head of the Joint Command (CCFFAA)"],  # 
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
