"""Run the notebook suite: dependency order, parameter checks first, skip what is unchanged, atomic writes.

params/pipeline.yaml declares each notebook's depends_on, inputs and outputs (globs relative to the project
root). A notebook is skipped when its inputs, the package code (analysis/**/*.py), its cell sources and its
parameters hash the same as at its last successful run (recorded in .cache/runner-state.json) and its declared
outputs exist. Each notebook runs through papermill (kernel python3, cwd notebooks/) into a temporary file that
replaces the committed notebook only on success, with run-dependent metadata (times, durations, temp paths)
removed so that a rerun gives no diff.
"""
import contextlib
import hashlib
import json
import os
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import papermill
from papermill.exceptions import PapermillExecutionError

from . import params as params_mod
from . import paths
from .io import write_json_atomic

KERNEL = "python3"
INJECTED_TAG = "injected-parameters"
_TIMING_KEYS = ("start_time", "end_time", "duration")


class PipelineError(RuntimeError):
    """A pipeline file that cannot be run (unknown dependency, cycle, missing notebook)."""


class NotebookFailed(RuntimeError):
    """A notebook cell raised: names the notebook and the cell."""


@dataclass
class Step:
    name: str
    depends_on: list = field(default_factory=list)
    inputs: list = field(default_factory=list)
    outputs: list = field(default_factory=list)


# ---------------------------------------------------------------- pipeline and order

def load_pipeline(path) -> dict[str, Step]:
    """Read params/pipeline.yaml: {notebooks: {name: {depends_on, inputs, outputs}}}."""
    data = params_mod.read_yaml(path).get("notebooks") or {}
    steps = {}
    for name, spec in data.items():
        spec = spec or {}
        unknown = set(spec) - {"depends_on", "inputs", "outputs"}
        if unknown:
            raise PipelineError(f"{path}: notebook {name}: unknown keys {sorted(unknown)}")
        steps[name] = Step(name, list(spec.get("depends_on") or []), list(spec.get("inputs") or []),
                           list(spec.get("outputs") or []))
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


# ---------------------------------------------------------------- fingerprints

def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def hash_files(root: Path, patterns: list[str]) -> str:
    """One hash over the relative path and content of every file the globs match (sorted)."""
    files = sorted({p for pat in patterns for p in root.glob(pat) if p.is_file()})
    h = hashlib.sha256()
    for p in files:
        h.update(p.relative_to(root).as_posix().encode() + b"\0" + _sha(p.read_bytes()).encode() + b"\n")
    return h.hexdigest()


def source_hash(notebook_path) -> str:
    """Hash of cell types and sources only (outputs, metadata and papermill's injected cell left out)."""
    nb = nbformat.read(str(notebook_path), as_version=4)
    cells = [[c.cell_type, c.source] for c in nb.cells if INJECTED_TAG not in c.metadata.get("tags", [])]
    return _sha(json.dumps(cells, ensure_ascii=False).encode())


def fingerprint(root: Path, step: Step, notebook_path: Path, parameters: dict) -> dict:
    return {"inputs": hash_files(root, step.inputs),
            "code": hash_files(root, ["analysis/**/*.py"]),
            "source": source_hash(notebook_path),
            "parameters": _sha(json.dumps(parameters, sort_keys=True).encode())}


def outputs_present(root: Path, step: Step) -> bool:
    return all(any(p.is_file() for p in root.glob(pat)) for pat in step.outputs)


def load_state(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


# ---------------------------------------------------------------- execution

def normalise(nb, name: str) -> None:
    """Drop what changes from run to run: times, durations, temp paths, the injected cell's random id."""
    pm = nb.metadata.get("papermill", {})
    for key in _TIMING_KEYS:
        pm.pop(key, None)
    pm.update(input_path=name, output_path=name)  # the file is run in place; temp names would differ
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        for key in _TIMING_KEYS:
            cell.metadata.get("papermill", {}).pop(key, None)
        if INJECTED_TAG in cell.metadata.get("tags", []):
            cell["id"] = INJECTED_TAG


def _without_injected(notebook_path: Path):
    """The notebook with any earlier run's injected-parameters cell removed (papermill keeps it otherwise)."""
    nb = nbformat.read(str(notebook_path), as_version=4)
    nb.cells = [c for c in nb.cells if INJECTED_TAG not in c.metadata.get("tags", [])]
    return nb


@contextlib.contextmanager
def kernel_env(root: Path):
    """Environment the kernel inherits: this project's root and package first on the path, fixed hash seed."""
    saved = dict(os.environ)
    os.environ["ANALYSIS_ROOT"] = str(root)
    os.environ["PYTHONPATH"] = os.pathsep.join([str(root)] + [p for p in [saved.get("PYTHONPATH")] if p])
    os.environ["PYTHONHASHSEED"] = "0"
    os.environ.pop("MPLBACKEND", None)  # the kernel's inline backend shows figures as images
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def execute(notebook_path: Path, parameters: dict, root: Path, failed_dir: Path | None = None) -> None:
    """Execute in place, atomically: the committed notebook changes only if every cell succeeds.

    On a failing cell the partial notebook is kept in `failed_dir` and NotebookFailed names the cell.
    """
    notebook_path = Path(notebook_path)
    fd, tmp = tempfile.mkstemp(prefix=f".{notebook_path.stem}.", suffix=".ipynb", dir=notebook_path.parent)
    os.close(fd)
    try:
        with kernel_env(root):
            nb = papermill.execute_notebook(_without_injected(notebook_path), tmp, parameters=parameters,
                                            kernel_name=KERNEL, cwd=str(notebook_path.parent),
                                            progress_bar=False, request_save_on_cell_execute=False)
        normalise(nb, notebook_path.name)
        nbformat.write(nb, tmp)
        os.chmod(tmp, notebook_path.stat().st_mode & 0o777)  # mkstemp makes 0600; keep the notebook's mode
        os.replace(tmp, notebook_path)
    except PapermillExecutionError as err:
        kept = _keep_failed(tmp, failed_dir, notebook_path.name)
        kept = kept and os.path.relpath(kept, root)
        raise NotebookFailed(failure_message(notebook_path.stem, err, kept)) from None
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _keep_failed(tmp, failed_dir, name):
    if failed_dir is None or not os.path.exists(tmp):
        return None
    Path(failed_dir).mkdir(parents=True, exist_ok=True)
    target = Path(failed_dir) / name
    os.replace(tmp, target)
    return target


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def failing_line(traceback: list[str]) -> str | None:
    """The cell's own line marked "--->" in IPython's traceback (the cell frame, not library frames)."""
    for entry in traceback:
        text = _ANSI.sub("", entry)
        if "Cell In[" in text:
            marked = [ln for ln in text.splitlines() if re.match(r"^-+>", ln)]
            found = marked and re.match(r"^-+>\s*(\d+)\s(.*)$", marked[0])
            if found:
                return f"line {found[1]}: {found[2].strip()}"
    return None


def failure_message(name: str, err: PapermillExecutionError, kept: str | None) -> str:
    """"03-x failed in cell [7] (cell 9 of the notebook): KeyError: 'Lima'" plus the cell's first lines."""
    source = "\n".join("      " + line for line in (err.source or "").splitlines()[:6])
    msg = (f"{name} failed in cell [{err.exec_count}] (cell {err.cell_index + 1} of the notebook): "
           f"{err.ename}: {err.evalue}\n    cell source:\n{source}")
    line = failing_line(err.traceback or [])
    if line:
        msg += f"\n    failing {line}"
    if kept:
        msg += f"\n    partial notebook kept at {kept}"
    return msg


# ---------------------------------------------------------------- the run

def plan(root: Path, params_file: Path, pipeline_file: Path, only=None):
    """(order, steps, resolved parameters) after every check; raises before anything runs."""
    steps = load_pipeline(pipeline_file)
    order = topological_order(steps)
    if only:
        unknown = sorted(set(only) - set(steps))
        if unknown:
            raise PipelineError(f"--only: unknown notebook(s) {unknown}; known: {', '.join(order)}")
    missing = [n for n in order if not notebook_file(root, n).exists()]
    if missing:
        raise PipelineError("notebook(s) declared in the pipeline but not found: "
                            + ", ".join(paths.rel(notebook_file(root, n)) for n in missing))
    declared = {n: params_mod.declared_parameters(notebook_file(root, n)) for n in order}
    resolved = params_mod.resolve(params_mod.load_params(params_file), declared)
    selected = [n for n in order if not only or n in only]
    return selected, steps, resolved


def notebook_file(root: Path, name: str) -> Path:
    return root / "notebooks" / f"{name}.ipynb"


def run(root=None, params_file=None, pipeline_file=None, force=False, only=None, out=sys.stdout) -> list:
    """Run the suite; returns [(name, "ran"|"skipped", seconds)]. Raises on invalid input or a failing cell."""
    root = Path(root or paths.ROOT)
    params_file = Path(params_file or root / "params" / "default.yaml")
    pipeline_file = Path(pipeline_file or root / "params" / "pipeline.yaml")
    selected, steps, resolved = plan(root, params_file, pipeline_file, only)
    state_file = root / ".cache" / "runner-state.json"
    state, results = load_state(state_file), []
    for i, name in enumerate(selected, 1):
        label = f"[{i}/{len(selected)}] {name} ..."  # printed whole when done: kernels write to stderr meanwhile
        try:
            results.append(_run_one(root, steps[name], resolved[name], state, force, label, out))
        finally:  # also on failure: the notebook's old "success" is gone, so the next run retries it
            write_json_atomic(state, state_file)
    return results


def _run_one(root, step, parameters, state, force, label, out):
    nb_path = notebook_file(root, step.name)
    current = fingerprint(root, step, nb_path, parameters)
    if not force and state.get(step.name) == current and outputs_present(root, step):
        print(label, "skipped (unchanged)", file=out, flush=True)
        return step.name, "skipped", 0.0
    state.pop(step.name, None)  # a failure below must not leave an old "success" behind
    start = time.perf_counter()
    try:
        execute(nb_path, parameters, root, failed_dir=root / ".cache" / "failed")
    except NotebookFailed:
        print(label, "FAILED", file=out, flush=True)
        raise
    seconds = time.perf_counter() - start
    # fingerprint after the run: inputs that the notebook itself rewrites (numbers.json) are then current
    state[step.name] = fingerprint(root, step, nb_path, parameters)
    print(label, f"done in {seconds:.1f} s", file=out, flush=True)
    return step.name, "ran", seconds
