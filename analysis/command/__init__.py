"""Chain of command: who held office, what they declared and said, set against the deaths over time.

Modules: `dates` (timeline date cells), `timeline` (tenures, statements), `emergency` (states of emergency and
curfews), `deaths` (victims table), `tally` (counts under tenures / emergencies / periods), `repetition`
(what followed mass-casualty events and statements).
"""
from . import dates, deaths, emergency, repetition, tally, timeline  # noqa: F401
