"""The one shape of an analysis: a `Task` declaration and `run(spec, inputs) -> Result`.

A task module (analysis/tasks/<name>.py, or a package) holds, in this order:
- `TASK = Task(...)`: its name (the prefix of its numbers), the notebook that narrates it, the tasks it runs after,
  the files it reads and writes (globs relative to the project root) and its parameters with their defaults;
- `spec(**params)`: the parameters, checked;
- `inputs(spec, processed, outputs)`: loads what it reads (the register through `register.scope`, never
  data/raw);
- `run(spec, inputs) -> Result`: computes everything, writes nothing.

The runner reads the graph from the declarations (`declarations()` below, through analysis.workflow.graph). A
notebook holds the narrative, the parameters cell, one call of `run_in_notebook` and displays of the result.
"""
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from analysis import paths
from analysis.io import write_csv_atomic
from analysis.report.figures import save_figure
from analysis.report.numbers import Numbers

# The tasks in the order a reader meets them; the runner sorts them by `after` (ties by notebook name).
MODULES = ("register", "descriptive", "regional", "ethnic", "force", "command", "claims", "robustness")


@dataclass(frozen=True)
class Task:
    name: str  # prefix of its numbers: outputs/numbers/<name>.json
    notebook: str | None  # notebooks/<notebook>.ipynb; None for a command task
    reads: tuple = ()  # globs the task reads; any change reruns it
    writes: tuple = ()  # globs it writes, under data/processed/ or outputs/
    after: tuple = ()  # steps (notebooks, or a command task's name) that must run first
    params: dict = field(default_factory=dict)  # name -> default (the notebook's parameters cell must agree)
    command: tuple = ()  # a task without a notebook: `python -m analysis <command>` (the sweep)

    @property
    def step(self) -> str:
        """The task's name in the runner's graph: its notebook, or its own name when it has none."""
        return self.notebook or self.name


@dataclass
class Figure:
    figure: object  # a matplotlib Figure
    data: pd.DataFrame  # the data behind it, written beside it as <name>.csv


@dataclass
class Result:
    """What a task computed: tables, figures with their data, and the numbers with their definitions.
    `values` holds anything else the notebook displays (a frame, a verdict) and is never written."""
    numbers: Numbers
    tables: dict = field(default_factory=dict)  # file name under outputs/tables/ (no suffix) -> DataFrame
    figures: dict = field(default_factory=dict)  # file name under outputs/figures/ (no suffix) -> Figure
    values: dict = field(default_factory=dict)

    def number(self, name):
        return self.numbers.get(name)

    def write(self, outputs: Path | None = None) -> list[Path]:
        """Write every table, figure (png, svg and csv) and the numbers file; returns the paths written."""
        outputs = Path(outputs or paths.OUTPUTS)
        written = []
        for name, table in self.tables.items():
            written.append(outputs / "tables" / f"{name}.csv")
            write_csv_atomic(table, written[-1])
        for name, fig in self.figures.items():
            written += save_figure(fig.figure, name, fig.data, outputs / "figures").values()
        written.append(self.numbers.save(outputs))
        return written


def folders(processed_dir: str = "", outputs_dir: str = "") -> tuple[Path, Path]:
    """The register folder and the outputs folder a notebook's parameters name (empty: the project's own)."""
    return (Path(processed_dir) if processed_dir else paths.PROCESSED,
            Path(outputs_dir) if outputs_dir else paths.OUTPUTS)


@dataclass
class NotebookRun:
    result: Result
    spec: object  # the task's spec (its parameters, checked)
    processed: Path  # the register's folder
    outputs: Path  # where the results were written
    written: list  # what was written


def run_in_notebook(task, namespace: dict) -> NotebookRun:
    """What every notebook's first code cell does, written once: check the injected parameters (as the runner would)
    and data/raw against its manifest, build the task's spec from the parameters cell's names in `namespace`, run the
    task on its inputs and write what it produced."""
    from analysis.register.manifest import require_intact
    from analysis.workflow.params import check_injected
    check_injected(task.TASK.notebook)
    require_intact()
    params = {name: namespace[name] for name in task.TASK.params}
    processed, outputs = folders(params.get("processed_dir", ""), params.get("outputs_dir", ""))
    spec = task.spec(**params)
    result = task.run(spec, task.inputs(spec, processed, outputs))
    # the register publishes data/processed/ too (task.write); the others write outputs only
    written = task.write(result, processed, outputs) if hasattr(task, "write") else result.write(outputs)
    return NotebookRun(result, spec, processed, outputs, written)


def declarations() -> dict:
    """{step name: Task} for every task module in MODULES (a module may declare several: TASKS)."""
    import importlib
    modules = [importlib.import_module(f"analysis.tasks.{m}") for m in MODULES]
    tasks = [t for mod in modules for t in getattr(mod, "TASKS", (mod.TASK,))]
    return {t.step: t for t in tasks}
