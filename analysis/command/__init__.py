"""Chain of command: who held office, what they declared and said, set against the deaths over time.

Modules: `dates` (timeline date cells), `timeline` (tenures, statements), `emergency` (states of emergency and
curfews), `deaths` (the persons of an analysis.scope.Scope, dated as intervals), `tally` (counts under tenures /
emergencies / periods), `repetition` (what followed mass-casualty events and statements), `tables` (the notebook's
display tables), `labels` (dates and counts as printed).
"""
from . import dates, deaths, emergency, labels, repetition, tables, tally, timeline  # noqa: F401
