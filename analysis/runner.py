"""Run the notebook suite: dependency order, parameter checks first, skip what is unchanged, whole runs or none.

params/pipeline.yaml declares each notebook's depends_on, inputs and outputs (globs relative to the project
root; outputs lie under data/processed/ or outputs/). Before anything runs, data/raw must match its manifest
(analysis.manifest) and every parameter must fit its notebook.

Whole runs or none: a run works in a staging copy of the project, .cache/stage/ (the published trees
data/processed/, outputs/ and notebooks/ copied, everything else hard-linked), with ANALYSIS_ROOT pointing there
and papermill's cwd in its notebooks/. Only when every notebook has succeeded are the changed files published:
a journal (.cache/publish.json) lists the moves, deletions and the new runner state, then the files are moved
into place with os.replace. A run that fails or is killed before that leaves the published files byte-identical;
a run killed while publishing is completed from its journal at the start of the next run.

A notebook is skipped when its inputs, the package code (analysis/**/*.py), its cell sources and its parameters
hash the same as at its last successful run (.cache/runner-state.json, written only when its outputs were
published), and its declared outputs exist with the hashes they had after that run. Executed notebooks have
run-dependent metadata (times, durations, temp paths) removed so that a rerun gives no diff.
"""
import contextlib
import filecmp
import hashlib
import json
import os
import re
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import papermill
from papermill.exceptions import PapermillExecutionError

from . import manifest
from . import params as params_mod
from . import paths
from .io import write_json_atomic

KERNEL = "python3"
INJECTED_TAG = "injected-parameters"
_TIMING_KEYS = ("start_time", "end_time", "duration")
PUBLISHED = ("data/processed", "outputs", "notebooks")  # the trees a run may change, copied into the stage
STAGE = ".cache/stage"
JOURNAL = ".cache/publish.json"
STATE = ".cache/runner-state.json"
PAUSE_ENV = "ANALYSIS_RUNNER_PAUSE"  # tests: "before-publish" or "mid-publish" makes the runner wait to be killed


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
    data = params_mod.read_yaml(path, "pipeline file").get("notebooks") or {}
    steps = {}
    for name, spec in data.items():
        spec = spec or {}
        unknown = set(spec) - {"depends_on", "inputs", "outputs"}
        if unknown:
            raise PipelineError(f"{path}: notebook {name}: unknown keys {sorted(unknown)}")
        steps[name] = Step(name, list(spec.get("depends_on") or []), list(spec.get("inputs") or []),
                           list(spec.get("outputs") or []))
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


def output_hashes(root: Path, step: Step) -> dict:
    """{relative path: sha256} of every file the step's output globs match."""
    files = sorted({p for pat in step.outputs for p in root.glob(pat) if p.is_file()})
    return {p.relative_to(root).as_posix(): _sha(p.read_bytes()) for p in files}


def load_state(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


# ---------------------------------------------------------------- execution

def normalise(nb, name: str) -> None:
    """Drop what changes from run to run: times, durations, temp paths, the injected cell's random id."""
    pm = nb.metadata.get("papermill", {})
    for key in _TIMING_KEYS:
        pm.pop(key, None)
    pm.update(input_path=name, output_path=name)  # papermill saw the staged path, which differs per project
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
def kernel_env(root: Path, package_root: Path | None = None):
    """Environment the kernel inherits: ANALYSIS_ROOT = the (staged) project, its package first on the path,
    fixed hash seed. `package_root` is where the package is imported from (default: `root`)."""
    saved = dict(os.environ)
    os.environ["ANALYSIS_ROOT"] = str(root)
    os.environ["PYTHONPATH"] = os.pathsep.join([str(package_root or root)]
                                               + [p for p in [saved.get("PYTHONPATH")] if p])
    os.environ["PYTHONHASHSEED"] = "0"
    os.environ.pop("MPLBACKEND", None)  # the kernel's inline backend shows figures as images
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def execute(notebook_path: Path, parameters: dict, root: Path, failed_dir: Path | None = None,
            package_root: Path | None = None) -> None:
    """Execute a notebook in place (in the stage: nothing is published here).

    On a failing cell the partial notebook is moved to `failed_dir` and NotebookFailed names the cell; the path
    in the message is relative to `package_root` (the project), else to `root`.
    """
    notebook_path = Path(notebook_path)
    try:
        with kernel_env(root, package_root):
            nb = papermill.execute_notebook(_without_injected(notebook_path), str(notebook_path),
                                            parameters=parameters, kernel_name=KERNEL,
                                            cwd=str(notebook_path.parent), progress_bar=False,
                                            request_save_on_cell_execute=False)
        normalise(nb, notebook_path.name)
        nbformat.write(nb, str(notebook_path))
    except PapermillExecutionError as err:
        kept = _keep_failed(notebook_path, failed_dir, notebook_path.name)
        kept = kept and os.path.relpath(kept, package_root or root)
        raise NotebookFailed(failure_message(notebook_path.stem, err, kept)) from None


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


LOCK = ".cache/run.lock"


@contextlib.contextmanager
def _exclusive(root: Path):
    """One run at a time per project: a second run waits for the first (both would use the one stage)."""
    import fcntl
    path = root / LOCK
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def run(root=None, params_file=None, pipeline_file=None, force=False, only=None, out=sys.stdout) -> list:
    """Run the suite; returns [(name, "ran"|"skipped", seconds)]. Raises on invalid input or a failing cell.

    Order: finish any interrupted publish, check data/raw against the manifest, check the pipeline and the
    parameters, run the notebooks in the stage, publish everything they changed in one step. Runs of one project
    are serialised by a lock file.
    """
    root = Path(root or paths.ROOT)
    with _exclusive(root):
        return _run(root, params_file, pipeline_file, force, only, out)


def _run(root, params_file, pipeline_file, force, only, out) -> list:
    params_file = Path(params_file or root / "params" / "default.yaml")
    pipeline_file = Path(pipeline_file or root / "params" / "pipeline.yaml")
    recover(root)
    manifest.verify(root / "data" / "raw")
    selected, steps, resolved = plan(root, params_file, pipeline_file, only)
    state = load_state(root / STATE)
    intact = {n: state.get(n, {}).get("outputs") == output_hashes(root, steps[n]) for n in steps}
    stage, copied = make_stage(root)
    results, fingerprints = [], {}
    try:
        for i, name in enumerate(selected, 1):
            label = f"[{i}/{len(selected)}] {name} ..."  # printed whole when done: kernels write to stderr meanwhile
            try:
                results.append(_run_one(root, stage, steps[name], resolved[name], state, force,
                                        intact[name], label, out, fingerprints))
            except NotebookFailed:
                state.pop(name, None)  # no longer counts as done (its published outputs are unchanged)
                write_json_atomic(state, root / STATE)
                raise
        _pause("before-publish")
        publish(root, stage, copied, _new_state(state, steps, stage, fingerprints, intact))
    finally:
        if not (root / JOURNAL).exists():
            shutil.rmtree(stage, ignore_errors=True)
    return results


def _run_one(root, stage, step, parameters, state, force, intact, label, out, fingerprints):
    nb_path = notebook_file(stage, step.name)
    current = fingerprint(stage, step, nb_path, parameters)
    done = state.get(step.name, {}).get("fingerprint") == current
    if not force and done and intact and outputs_present(stage, step):
        print(label, "skipped (unchanged)", file=out, flush=True)
        return step.name, "skipped", 0.0
    start = time.perf_counter()
    try:
        execute(nb_path, parameters, stage, failed_dir=root / ".cache" / "failed", package_root=root)
    except NotebookFailed:
        print(label, "FAILED", file=out, flush=True)
        raise
    seconds = time.perf_counter() - start
    # fingerprint after the run: inputs that the notebook itself rewrites (numbers.json) are then current
    fingerprints[step.name] = fingerprint(stage, step, nb_path, parameters)
    print(label, f"done in {seconds:.1f} s", file=out, flush=True)
    return step.name, "ran", seconds


def _new_state(state, steps, stage, fingerprints, intact) -> dict:
    """The state once the stage is published: notebooks that ran get their fingerprint, and every notebook whose
    published outputs were intact keeps counting as done, with the hashes its outputs have after this publish
    (notebooks share outputs/numbers.json, each replacing only its own keys)."""
    new = {}
    for name, entry in state.items():
        if name in steps and intact[name] and name not in fingerprints:
            new[name] = {**entry, "outputs": output_hashes(stage, steps[name])}
        elif name not in fingerprints:
            new[name] = entry
    for name, fp in fingerprints.items():
        new[name] = {"fingerprint": fp, "outputs": output_hashes(stage, steps[name])}
    return dict(sorted(new.items()))


# ---------------------------------------------------------------- stage and publish

def _tree_files(top: Path, root: Path) -> set[str]:
    """Files under `top` (paths relative to `root`), hidden files and folders left out."""
    if not top.is_dir():
        return set()
    return {p.relative_to(root).as_posix() for p in top.rglob("*")
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(top).parts)}


def make_stage(root: Path) -> tuple[Path, set[str]]:
    """A fresh .cache/stage: published trees copied, the rest of the project hard-linked (copied where links
    fail). Hidden entries (.git, .venv, .cache) and __pycache__ are left out. Returns (stage, the copied files)."""
    stage = root / STAGE
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir(parents=True)
    copied = set()
    for tree in PUBLISHED:
        for rel in _tree_files(root / tree, root):
            (stage / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(root / rel, stage / rel)
            copied.add(rel)
    _link_tree(root, stage, root)
    return stage, copied


def _link_tree(src: Path, dst: Path, root: Path) -> None:
    for child in sorted(src.iterdir()):
        rel = child.relative_to(root).as_posix()
        if child.name.startswith(".") or child.name == "__pycache__" or rel in PUBLISHED:
            continue
        if child.is_dir():
            (dst / child.name).mkdir(exist_ok=True)
            _link_tree(child, dst / child.name, root)
        elif child.is_file():
            try:
                os.link(child, dst / child.name)
            except OSError:  # another file system, or links not allowed
                shutil.copy2(child, dst / child.name)


def publish(root: Path, stage: Path, copied: set[str], new_state: dict) -> None:
    """Move every new or changed staged file into place and delete what the run deleted, in one journalled step."""
    staged = set().union(*(_tree_files(stage / t, stage) for t in PUBLISHED))
    moves = sorted(rel for rel in staged
                   if rel not in copied or not filecmp.cmp(stage / rel, root / rel, shallow=False))
    journal = {"moves": moves, "deletes": sorted(copied - staged), "state": new_state}
    write_json_atomic(journal, root / JOURNAL)
    _apply(root, journal)


def _apply(root: Path, journal: dict, replay: bool = False) -> None:
    """Carry out a journal (again, after a kill: moves already done are skipped), then drop it and the stage."""
    stage = root / STAGE
    for i, rel in enumerate(journal["moves"]):
        if (stage / rel).exists():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            os.replace(stage / rel, root / rel)
        if i == 0 and not replay:
            _pause("mid-publish")
    for rel in journal["deletes"]:
        (root / rel).unlink(missing_ok=True)
    write_json_atomic(journal["state"], root / STATE)
    (root / JOURNAL).unlink()
    shutil.rmtree(stage, ignore_errors=True)


def recover(root: Path) -> None:
    """Start of a run: finish a publish that was killed halfway; drop a stage left by a killed run."""
    if (root / JOURNAL).exists():
        _apply(root, json.loads((root / JOURNAL).read_text(encoding="utf-8")), replay=True)
    shutil.rmtree(root / STAGE, ignore_errors=True)


def _pause(point: str) -> None:
    """Test hook: wait here (to be killed) when ANALYSIS_RUNNER_PAUSE names this point."""
    if os.environ.get(PAUSE_ENV) == point:
        print(f"runner paused at {point}", file=sys.stderr, flush=True)
        time.sleep(600)
