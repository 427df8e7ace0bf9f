"""The graph the runner executes: one step per notebook (or per command), with what it runs after, reads, writes.

By default the graph comes from the task declarations (`TASK` in analysis/tasks/<name>.py: notebook, after, reads,
writes; globs relative to the project root, outputs under data/processed/ or outputs/). `--pipeline FILE` runs
another graph written as YAML (`load_pipeline`), as the runner's own test projects do. Steps run dependencies
first, ties broken by name; an unknown dependency or a cycle is an error. A step with a `command` runs
`python -m analysis <command>` instead of a notebook (the multiverse sweep, whose tables notebook 08 reads).
"""
from dataclasses import dataclass, field
from pathlib import Path

from analysis.workflow import params as params_mod


class PipelineError(RuntimeError):
    """A pipeline file that cannot be run (unknown dependency, cycle, missing notebook)."""


@dataclass
class Step:
    name: str
    depends_on: list = field(default_factory=list)
    inputs: list = field(default_factory=list)
    outputs: list = field(default_factory=list)
    command: tuple = ()  # run `python -m analysis <command>` instead of notebooks/<name>.ipynb


def task_steps() -> dict[str, Step]:
    """The graph the task declarations draw (analysis.tasks.base.declarations)."""
    from analysis.tasks.base import declarations
    return {name: Step(name, list(t.after), list(t.reads), list(t.writes), tuple(t.command))
            for name, t in declarations().items()}


def load_steps(path=None) -> dict[str, Step]:
    """The task graph, or the one a pipeline file declares."""
    return task_steps() if path is None else load_pipeline(path)


def load_pipeline(path) -> dict[str, Step]:
    """Read a pipeline file: {notebooks: {name: {depends_on, inputs, outputs, command}}}."""
    data = params_mod.read_yaml(path, "pipeline file").get("notebooks") or {}
    steps = {}
    for name, spec in data.items():
        spec = spec or {}
        unknown = set(spec) - {"depends_on", "inputs", "outputs", "command"}
        if unknown:
            raise PipelineError(f"{path}: notebook {name}: unknown keys {sorted(unknown)}")
        steps[name] = Step(name, list(spec.get("depends_on") or []), list(spec.get("inputs") or []),
                           list(spec.get("outputs") or []), tuple(spec.get("command") or ()))
        outside = [o for o in steps[name].outputs if not o.startswith(("data/processed/", "outputs/"))]
        if outside:
            raise PipelineError(f"{path}: notebook {name}: outputs {outside} lie outside data/processed/ and "
                                "outputs/, which are the only trees a run publishes")
    return steps


def topological_order(steps: dict[str, Step]) -> list[str]:
    """Dependencies first; ties broken by name so the order is stable. Unknown dependency or cycle → error."""
    for s in steps.values():
        missing = [d for d in s.depends_on if d not in steps]
        if missing:
            raise PipelineError(f"{s.name} depends on unknown notebook(s) {missing}")
    order, done, visiting = [], set(), []

    def visit(name):
        if name in done:
            return
        if name in visiting:
            cycle = visiting[visiting.index(name):] + [name]
            raise PipelineError("dependency cycle: " + " -> ".join(cycle))
        visiting.append(name)
        for dep in sorted(steps[name].depends_on):
            visit(dep)
        visiting.pop()
        done.add(name)
        order.append(name)

    for name in sorted(steps):
        visit(name)
    return order


def notebook_file(root: Path, name: str) -> Path:
    return root / "notebooks" / f"{name}.ipynb"
