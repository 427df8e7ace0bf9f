"""Two tasks: the multiverse sweep, and notebook 08 which presents its tables.

SWEEP is a command task: the runner runs `python -m analysis sweep` (analysis.tasks.robustness.driver, on every
core) after the register, and it writes outputs/tables/robustness*.csv. TASK (notebook 08) only reads those tables
(refusing them when they were computed from another register, grid or sweep code), draws the two figures and records
the numbers; it writes no table.
"""
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt

from analysis import paths
from analysis.register import scope as S
from analysis.report.figures import apply_style
from analysis.report.plots.robustness import curve_data, influence_figure, specification_curve
from analysis.tasks.base import Figure, Result, Task
from analysis.tasks.ethnic.prose import ECOLOGICAL_CAVEAT
from analysis.tasks.robustness import views
from analysis.tasks.robustness.grid import FINDING_DIMS, HOLDS_RULE
from analysis.tasks.robustness.summary import TABLES, read_tables

SWEEP = Task(
    name="sweep",
    notebook=None,
    command=("sweep",),
    reads=("data/processed/victims.csv", "data/processed/departments.csv", "data/processed/events.csv",
           "params/sweep.yaml"),
    writes=tuple(f"outputs/tables/{file}" for file in TABLES.values()),
    after=("01-register",),
)
TASK = Task(
    name="robustness",
    notebook="08-robustness",
    reads=("outputs/tables/robustness*.csv", "params/sweep.yaml", "data/processed/**/*"),
    writes=("outputs/numbers/robustness.json", "outputs/figures/specification_curve.*",
            "outputs/figures/robustness_influence.*"),
    after=("01-register", "sweep"),
    params={
        "tables_dir": "",  # the sweep's tables, empty means outputs/tables/
        "outputs_dir": "",  # figures and numbers.json, empty means outputs/
        "processed_dir": "",  # the register, empty means data/processed/
    },
)


@dataclass(frozen=True)
class Spec:
    tables_dir: Path  # where the sweep wrote its tables


def spec(tables_dir: str = "", **folders) -> Spec:
    """The one parameter of the task itself: the sweep's tables folder (the other two are the notebook's folders)."""
    return Spec(Path(tables_dir) if tables_dir else paths.TABLES)


def inputs(spec: Spec, processed: Path, outputs: Path) -> dict:
    """The sweep's tables (checked fresh against the register in `processed`, the grid file and the sweep's code)
    and the register's events (to name the events left out)."""
    return {"tables": read_tables(spec.tables_dir, processed_dir=processed),
            "events": S.load_register(processed)["events"]}


def run(spec: Spec, inputs: dict) -> Result:
    """The notebook's display tables and quoted values, the specification curve and the influence figure, and the
    numbers. Writes nothing."""
    tables = inputs["tables"]
    words = views.words(inputs["events"])
    numbers = views.numbers_of(TASK.name, tables)
    values = {"alpha": float(tables["summary"]["alpha"].iloc[0]), "holds_rule": HOLDS_RULE,
              "ecological_caveat": ECOLOGICAL_CAVEAT}
    values.update(views.grid_view(tables, words, numbers))
    values.update(views.methods_view(tables))
    values.update(views.holds_view(tables, numbers))
    values.update(views.distinct_view(tables))
    values.update(views.influence_view(tables, words, numbers))
    values.update(views.bounds_view(tables))
    values.update(views.conclusion_view(tables))
    apply_style()
    curve = curve_data(tables["results"], tables["distinct"], FINDING_DIMS)
    fig, _ = specification_curve(curve, tables["summary"], words)
    figures = {"specification_curve": Figure(fig, curve)}
    fig, data = influence_figure(tables["influence"], tables["summary"], words)
    figures["robustness_influence"] = Figure(fig, data)
    for f in figures.values():
        plt.close(f.figure)  # shown where the notebook displays them, not wherever run() was called
    return Result(numbers, figures=figures, values=values)

