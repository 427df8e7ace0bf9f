"""Run the notebook suite: dependency order, parameter checks first, skip what is unchanged, whole runs or none.

The graph comes from the task declarations (`TASK` in analysis/tasks/<name>.py: notebook, after, reads, writes;
globs relative to the project root, outputs under data/processed/ or outputs/); `--pipeline FILE` runs another
graph written as YAML (see load_pipeline). Each task writes its numbers to outputs/numbers/<task>.json; after the
last notebook the runner merges them into outputs/numbers.json (analysis.report.numbers.merge). Before anything runs, data/raw must match its manifest
(analysis.register.manifest) and every parameter must fit its notebook.

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

Runs never mix: a run with a parameter file other than params/default.yaml publishes to outputs/runs/<name>/
(name = the file's stem) and never touches the published files. Its stage starts from the published trees with
that run's own earlier results laid over them; it publishes its full outputs/ tree (numbers.json, figures/,
tables/, run.json), its executed notebooks (notebooks/) and, only when they differ from the published ones, its
processed tables (processed/). Its state is .cache/runs/<name>/runner-state.json. A notebook whose parameters,
inputs, code and outputs are those of the published run is not rerun there ("same as the published run").

Kernels talk to papermill over IPC sockets (in a private temp folder) rather than TCP on localhost, so ipykernel
has no reason to warn about unencrypted TCP, and no port is opened.
"""
import contextlib
import filecmp
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import papermill
from papermill.exceptions import PapermillExecutionError

from analysis.register import manifest
from analysis.report import numbers
from analysis.workflow import params as params_mod
from analysis import paths
from analysis.io import write_json_atomic

KERNEL = "python3"
INJECTED_TAG = "injected-parameters"
_TIMING_KEYS = ("start_time", "end_time", "duration")
PUBLISHED = ("data/processed", "outputs", "notebooks")  # the trees a run may change, copied into the stage
STAGE = ".cache/stage"
JOURNAL = ".cache/publish.json"
STATE = ".cache/runner-state.json"
PREVIEW = ".cache/preview"  # --dry-run's throw-away view of the project
DEFAULT_PARAMS = "params/default.yaml"  # the published run; any other parameter file runs under outputs/runs/
RUNS = "outputs/runs"
NOT_STAGED = (RUNS + "/",)  # inside a published tree, but never part of a run
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


@dataclass(frozen=True)
class Destination:
    """Where a run publishes: the project's own trees (name None: the published run) or outputs/runs/<name>/."""
    name: str | None = None

    @property
    def state(self) -> str:
        return STATE if self.name is None else f".cache/runs/{self.name}/runner-state.json"

    @property
    def folder(self) -> str:
        return "" if self.name is None else f"{RUNS}/{self.name}"

    def describe(self) -> str:
        return "the published files" if self.name is None else self.folder + "/"

    def target(self, rel: str) -> str:
        """Where the staged file `rel` (data/processed/…, outputs/…, notebooks/…) is published."""
        if self.name is None:
            return rel
        for tree, sub in (("data/processed/", "processed/"), ("notebooks/", "notebooks/"), ("outputs/", "")):
            if rel.startswith(tree):
                return f"{self.folder}/{sub}{rel[len(tree):]}"
        raise ValueError(f"{rel} lies outside the published trees")


def destination(root: Path, params_file: Path) -> Destination:
    """The published run for params/default.yaml; outputs/runs/<stem>/ for any other parameter file."""
    if Path(params_file).resolve() == (root / DEFAULT_PARAMS).resolve():
        return Destination()
    name = Path(params_file).stem
    if name in ("default", "published") or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name):
        raise PipelineError(f"{params_file}: a run's results go to {RUNS}/<file name>/, and {name!r} cannot name "
                            "a run there (reserved or not a plain name): rename the parameter file")
    return Destination(name)


# ---------------------------------------------------------------- pipeline and order

def task_steps() -> dict[str, Step]:
    """The graph the task declarations draw (analysis.tasks.base.declarations)."""
    from analysis.tasks.base import declarations
    return {name: Step(name, list(t.after), list(t.reads), list(t.writes)) for name, t in declarations().items()}


def load_steps(path=None) -> dict[str, Step]:
    """The task graph, or the one a pipeline file declares."""
    return task_steps() if path is None else load_pipeline(path)


def load_pipeline(path) -> dict[str, Step]:
    """Read a pipeline file: {notebooks: {name: {depends_on, inputs, outputs}}}."""
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
        with kernel_env(root, package_root), ipc_kernel() as manager:
            nb = papermill.execute_notebook(_without_injected(notebook_path), str(notebook_path),
                                            parameters=parameters, kernel_name=KERNEL,
                                            cwd=str(notebook_path.parent), progress_bar=False,
                                            request_save_on_cell_execute=False, **manager)
        normalise(nb, notebook_path.name)
        nbformat.write(nb, str(notebook_path))
    except PapermillExecutionError as err:
        kept = _keep_failed(notebook_path, failed_dir, notebook_path.name)
        kept = kept and os.path.relpath(kept, package_root or root)
        raise NotebookFailed(failure_message(notebook_path.stem, err, kept)) from None


@contextlib.contextmanager
def ipc_kernel():
    """papermill's keyword for a kernel manager on IPC sockets in a private temp folder (removed afterwards),
    where the platform has them; {} (papermill's default, TCP on localhost) elsewhere."""
    if os.name != "posix":
        yield {}
        return
    from jupyter_client.manager import KernelManager
    folder = tempfile.mkdtemp(prefix="analysis-kernel-")  # short: socket paths are limited to ~100 bytes
    manager = KernelManager(kernel_name=KERNEL, transport="ipc", ip=os.path.join(folder, "kernel"))
    try:
        yield {"km": manager}
    finally:
        if manager.has_kernel:  # nbclient shuts down only the kernels of managers it made itself
            manager.shutdown_kernel()
        shutil.rmtree(folder, ignore_errors=True)


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
    config = params_mod.load_params(params_file)  # a missing parameter file is the first thing to say
    steps = load_steps(pipeline_file)
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
    resolved = params_mod.resolve(config, declared)
    selected = [n for n in order if not only or n in only]
    return selected, steps, resolved


def notebook_file(root: Path, name: str) -> Path:
    return root / "notebooks" / f"{name}.ipynb"


@contextlib.contextmanager
def _exclusive(root: Path):
    """One run at a time per project: a second run waits for the first (both would use the one stage). The lock
    is taken on the project directory itself, so a run refused by its checks has written nothing."""
    import fcntl
    fd = os.open(root, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def run(root=None, params_file=None, pipeline_file=None, force=False, only=None, out=sys.stdout,
        dry_run=False) -> list:
    """Run the suite; returns [(name, "ran"|"skipped", seconds)]. Raises on invalid input or a failing cell.

    Order: finish any interrupted publish, check data/raw against the manifest, check the pipeline and the
    parameters, run the notebooks in the stage, publish everything they changed in one step (to the published
    trees, or to outputs/runs/<name>/ for a parameter file other than params/default.yaml). `dry_run` does the
    checks and says what would run and why, executing and writing nothing (see preview). Runs of one project are
    serialised by a lock file.
    """
    root = Path(root or paths.ROOT)
    with _exclusive(root):
        return _run(root, params_file, pipeline_file, force, only, out, dry_run)


def _run(root, params_file, pipeline_file, force, only, out, dry_run) -> list:
    params_file = Path(params_file or root / DEFAULT_PARAMS)
    pipeline_file = Path(pipeline_file) if pipeline_file else None
    dest = destination(root, params_file)
    if dry_run:
        return preview(root, params_file, pipeline_file, force, only, out)
    recover(root)
    manifest.verify(root / "data" / "raw")
    selected, steps, resolved = plan(root, params_file, pipeline_file, only)
    state = load_state(root / dest.state)
    published = load_state(root / STATE) if dest.name else {}
    stage, copied = make_stage(root, dest)
    results, fingerprints, clock = [], {}, Clock(time.perf_counter())
    try:
        before = {n: output_hashes(stage, steps[n]) for n in steps}
        intact = {n: state.get(n, {}).get("outputs") == before[n] for n in steps}
        kept = {n: _run_notebook_kept(root, dest, n) for n in steps}
        first = decide_all(stage, selected, steps, resolved, state, published, before, force, kept)
        clock.expect(first, state, published)
        print(_header(_rel(params_file, root), dest, first), file=out, flush=True)
        for i, name in enumerate(selected, 1):
            label = f"[{i}/{len(selected)}] {name} ..."
            try:
                results.append(_run_one(root, stage, steps[name], resolved[name], state, published, force,
                                        before[name], kept[name], label, out, fingerprints, clock))
            except NotebookFailed:
                state.pop(name, None)  # no longer counts as done (its published outputs are unchanged)
                write_json_atomic(state, root / dest.state)
                raise
        numbers.merge(stage / "outputs")  # outputs/numbers/<task>.json → outputs/numbers.json
        _pause("before-publish")
        new_state = _new_state(state, steps, stage, fingerprints, intact)
        publish(root, stage, copied, new_state, dest, fresh=set(fingerprints), params_file=params_file)
    finally:
        if not (root / JOURNAL).exists():
            shutil.rmtree(stage, ignore_errors=True)
    print(_footer(dest, results), file=out, flush=True)
    return results


def _run_notebook_kept(root: Path, dest: Destination, name: str) -> bool:
    """A run under outputs/runs/ also needs its executed notebook (the published run keeps its own in place)."""
    return dest.name is None or (root / dest.target(f"notebooks/{name}.ipynb")).is_file()


# ---------------------------------------------------------------- why a notebook runs

CHANGED = {"inputs": "inputs changed", "code": "package code changed", "source": "cell sources changed",
           "parameters": "parameters changed"}


def reasons(stage: Path, step: Step, current: dict, entry: dict | None, before: dict) -> list[str]:
    """Why the notebook must run against a state entry ([] = it need not): the parts of its fingerprint that
    changed, outputs missing, outputs changed since that run (`before`: their hashes when this run started)."""
    if not entry:
        return ["no successful run recorded"]
    recorded = entry.get("fingerprint") or {}
    why = [text for part, text in CHANGED.items() if recorded.get(part) != current[part]]
    missing = [pat for pat in step.outputs if not any(p.is_file() for p in stage.glob(pat))]
    if missing:
        why.append("outputs missing: " + ", ".join(missing))
    saved = entry.get("outputs") or {}
    changed = sorted(f for f in set(saved) | set(before) if saved.get(f) != before.get(f) and f in before)
    if changed:
        shown = ", ".join(changed[:3]) + (f" and {len(changed) - 3} more" if len(changed) > 3 else "")
        why.append(f"outputs changed since its last run: {shown}")
    elif set(saved) - set(before) and not missing:
        why.append("outputs removed since its last run: " + ", ".join(sorted(set(saved) - set(before))[:3]))
    return why


def decide(stage, step, parameters, state, published, before, force, kept=True) -> tuple[str, list[str]]:
    """("run", reasons) or ("skip", [why not]) for one notebook as the stage is now; `kept`: its executed
    notebook is where the run keeps it (see _run_notebook_kept)."""
    if force:
        return "run", ["forced (--force)"]
    current = fingerprint(stage, step, notebook_file(stage, step.name), parameters)
    why = reasons(stage, step, current, state.get(step.name), before)
    if not why and kept:
        return "skip", ["unchanged"]
    why = why or ["its executed notebook is missing from the run's notebooks/"]
    if published and not reasons(stage, step, current, published.get(step.name), before):
        return "skip", ["same as the published run"]
    return "run", why


def decide_all(stage, selected, steps, resolved, state, published, before, force, kept) -> dict:
    """{name: (verdict, reasons)} before anything runs; a notebook that is itself unchanged but depends on one
    that runs gets "maybe": it runs if that one rewrites its inputs."""
    verdicts = {}
    for name in selected:
        verdict, why = decide(stage, steps[name], resolved[name], state, published, before[name], force,
                              kept[name])
        upstream = [d for d in _ancestors(steps, name) if verdicts.get(d, ("skip",))[0] != "skip"]
        if verdict == "skip" and upstream:
            verdict, why = "maybe", [f"reruns if {', '.join(upstream)} changes its outputs; itself {why[0]}"]
        verdicts[name] = (verdict, why)
    return verdicts


def _ancestors(steps, name) -> list[str]:
    seen, todo = [], list(steps[name].depends_on)
    while todo:
        dep = todo.pop(0)
        if dep not in seen and dep in steps:
            seen.append(dep)
            todo += steps[dep].depends_on
    return sorted(seen)


def preview(root: Path, params_file: Path, pipeline_file: Path, force=False, only=None, out=sys.stdout) -> list:
    """--dry-run: the checks of a run, then what would run and why; nothing executed, nothing published.
    Returns [(name, "run"|"maybe"|"skip", reasons)]."""
    dest = destination(root, params_file)
    manifest.verify(root / "data" / "raw")
    selected, steps, resolved = plan(root, params_file, pipeline_file, only)
    if (root / JOURNAL).exists():
        print("an interrupted publish (.cache/publish.json) will be completed first", file=out)
    view, _ = make_stage(root, dest, at=root / PREVIEW)
    try:
        before = {n: output_hashes(view, steps[n]) for n in steps}
        kept = {n: _run_notebook_kept(root, dest, n) for n in steps}
        verdicts = decide_all(view, selected, steps, resolved, load_state(root / dest.state),
                              load_state(root / STATE) if dest.name else {}, before, force, kept)
    finally:
        shutil.rmtree(view, ignore_errors=True)
    print(f"dry run (nothing is executed or written): {_rel(params_file, root)} -> {dest.describe()}", file=out)
    words = {"run": "would run", "maybe": "may run", "skip": "would skip"}
    for i, name in enumerate(selected, 1):
        verdict, why = verdicts[name]
        print(f"[{i}/{len(selected)}] {name}: {words[verdict]} ({'; '.join(why)})", file=out)
    return [(name, *verdicts[name]) for name in selected]


# ---------------------------------------------------------------- progress

def fmt_seconds(seconds: float) -> str:
    """'42 s', '3 min 05 s', '1 h 02 min'."""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


@dataclass
class Clock:
    """Elapsed time and an estimate of what is left: each notebook still expected to run counts its duration at
    its last recorded run, else the mean of this run's durations."""
    start: float
    pending: dict = field(default_factory=dict)  # name -> last recorded seconds or None
    took: list = field(default_factory=list)

    def expect(self, verdicts: dict, *states) -> None:
        for name, (verdict, _) in verdicts.items():
            if verdict != "skip":
                known = [s[name]["seconds"] for s in states if "seconds" in s.get(name, {})]
                self.pending[name] = known[0] if known else None

    def done(self, name: str, seconds: float | None) -> str:
        self.pending.pop(name, None)
        if seconds is not None:
            self.took.append(seconds)
        elapsed = f"elapsed {fmt_seconds(time.perf_counter() - self.start)}"
        if not self.pending:
            return f"{elapsed}, nothing left to run"
        mean = sum(self.took) / len(self.took) if self.took else None
        guesses = [s if s is not None else mean for s in self.pending.values()]
        if any(g is None for g in guesses):
            return f"{elapsed}, {len(guesses)} notebook(s) may follow"
        return f"{elapsed}, about {fmt_seconds(sum(guesses))} left"


def _header(params_name, dest, verdicts) -> str:
    counts = {v: sum(1 for x, _ in verdicts.values() if x == v) for v in ("run", "maybe", "skip")}
    maybe = f", {counts['maybe']} more if their inputs change" if counts["maybe"] else ""
    return (f"{params_name} -> {dest.describe()}: {counts['run']} of {len(verdicts)} notebooks to run{maybe}, "
            f"{counts['skip']} to skip")


def _rel(path, root) -> str:
    """`path` relative to the project root when inside it (as it is named in messages), else as given."""
    path, root = Path(path).resolve(), Path(root).resolve()
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


def _footer(dest: Destination, results: list) -> str:
    ran = sum(1 for _, status, _ in results if status == "ran")
    if dest.name is None:
        return (f"{ran} of {len(results)} notebooks ran; results are in data/processed/, outputs/ (numbers.json, "
                "figures/, tables/) and notebooks/. Report: python -m analysis report, "
                "then open outputs/report/index.html")
    return (f"{ran} of {len(results)} notebooks ran; results are in {dest.folder}/ (numbers.json, figures/, "
            "tables/, notebooks/, and processed/ where the register differs); the published outputs are "
            f"untouched. Compare with them: python -m analysis diff {dest.name}")


def _run_one(root, stage, step, parameters, state, published, force, before, kept, label, out, fingerprints,
             clock):
    verdict, why = decide(stage, step, parameters, state, published, before, force, kept)
    if verdict == "skip":
        if why == ["same as the published run"]:
            fingerprints[step.name] = fingerprint(stage, step, notebook_file(stage, step.name), parameters)
        print(label, f"skipped ({why[0]})", file=out, flush=True)
        clock.done(step.name, None)
        return step.name, "skipped", 0.0
    print(label, f"running: {'; '.join(why)}", file=out, flush=True)
    nb_path = notebook_file(stage, step.name)
    start = time.perf_counter()
    try:
        execute(nb_path, parameters, stage, failed_dir=root / ".cache" / "failed", package_root=root)
    except NotebookFailed:
        print(label, "FAILED", file=out, flush=True)
        raise
    seconds = time.perf_counter() - start
    # fingerprint after the run: inputs that the notebook itself rewrites (numbers.json) are then current
    fingerprints[step.name] = {**fingerprint(stage, step, nb_path, parameters), "seconds": round(seconds, 1)}
    print(label, f"done in {seconds:.1f} s ({clock.done(step.name, seconds)})", file=out, flush=True)
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
        fp = dict(fp)
        seconds = fp.pop("seconds", state.get(name, {}).get("seconds"))
        new[name] = {"fingerprint": fp, "outputs": output_hashes(stage, steps[name])}
        if seconds is not None:
            new[name]["seconds"] = seconds
    return dict(sorted(new.items()))


# ---------------------------------------------------------------- stage and publish

def _tree_files(top: Path, root: Path, skip=NOT_STAGED) -> set[str]:
    """Files under `top` (paths relative to `root`), hidden files and folders and `skip` (outputs/runs/) left
    out."""
    if not top.is_dir():
        return set()
    return {rel for p in top.rglob("*") if p.is_file()
            and not any(part.startswith(".") for part in p.relative_to(top).parts)
            and not (rel := p.relative_to(root).as_posix()).startswith(skip)}


def _sources(root: Path, dest: Destination) -> dict[str, Path]:
    """{staged path: file to copy there}: the published trees, or for a named run the published trees with the
    run's own earlier outputs/ (and processed/, if it has one) in place of the published ones."""
    files = {rel: root / rel for tree in PUBLISHED for rel in _tree_files(root / tree, root)}
    run_dir = root / dest.folder if dest.name else None
    if run_dir is None or not run_dir.is_dir():
        return files
    own = {}
    for rel in _tree_files(run_dir, run_dir):
        if rel.startswith("processed/"):
            own["data/" + rel] = run_dir / rel
        elif not rel.startswith("notebooks/"):  # sources come from the project's notebooks, never a run's copy
            own["outputs/" + rel] = run_dir / rel
    replaced = ("outputs/",) + (("data/processed/",) if any(r.startswith("data/") for r in own) else ())
    return {**{r: p for r, p in files.items() if not r.startswith(replaced)}, **own}


def make_stage(root: Path, dest: Destination = Destination(), at: Path | None = None) -> tuple[Path, set[str]]:
    """A fresh .cache/stage (or `at`): published trees copied (see _sources), the rest of the project
    hard-linked (copied where links fail). Hidden entries (.git, .venv, .cache) and __pycache__ are left out.
    Returns (stage, the copied files)."""
    stage = at or root / STAGE
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir(parents=True)
    copied = set()
    for rel, src in sorted(_sources(root, dest).items()):
        (stage / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, stage / rel)
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


def publish(root: Path, stage: Path, copied: set[str], new_state: dict, dest: Destination = Destination(),
            fresh: set[str] = frozenset(), params_file: Path | None = None) -> None:
    """Move every new or changed staged file into place and delete what the run deleted, in one journalled step.
    For a named run: into outputs/runs/<name>/ (see _run_targets); `fresh` = notebooks run (or taken from the
    published run) this time, whose executed copies are published."""
    staged = set().union(*(_tree_files(stage / t, stage) for t in PUBLISHED))
    if dest.name is None:
        targets, existing = {rel: rel for rel in staged}, copied
    else:
        targets = _run_targets(root, stage, staged, dest, fresh, params_file)
        kept = {dest.target(f"notebooks/{n}.ipynb") for n in new_state if n not in fresh}
        existing = _tree_files(root / dest.folder, root, skip=()) - kept
    moves = sorted([src, dst] for dst, src in targets.items()
                   if not (root / dst).exists() or not filecmp.cmp(stage / src, root / dst, shallow=False))
    journal = {"moves": moves, "deletes": sorted(existing - set(targets)), "state": new_state,
               "state_file": dest.state}
    write_json_atomic(journal, root / JOURNAL)
    _apply(root, journal)


def _run_targets(root, stage, staged, dest, fresh, params_file) -> dict[str, str]:
    """{published path: staged path} of a named run: its outputs/ tree with run.json, the executed notebooks
    in `fresh`, and data/processed/ only when it differs from the published one."""
    processed = {r for r in staged if r.startswith("data/processed/")}
    differs = processed != _tree_files(root / "data" / "processed", root) or any(
        not filecmp.cmp(stage / r, root / r, shallow=False) for r in processed)
    about = {"parameter_file": _rel(params_file, root),
             "parameters_sha256": _sha(Path(params_file).read_bytes()),
             "processed": f"{dest.folder}/processed/" if differs else "data/processed/ (the published tables)"}
    write_json_atomic(about, stage / "outputs" / "run.json")
    wanted = [r for r in sorted(staged | {"outputs/run.json"})
              if (r.startswith("outputs/") and not r.startswith("outputs/report/"))
              or (r.startswith("data/processed/") and differs)
              or (r.startswith("notebooks/") and r[len("notebooks/"):-len(".ipynb")] in fresh)]
    return {dest.target(r): r for r in wanted}


def _apply(root: Path, journal: dict, replay: bool = False) -> None:
    """Carry out a journal (again, after a kill: moves already done are skipped), then drop it and the stage."""
    stage = root / STAGE
    for i, move in enumerate(journal["moves"]):
        src, dst = (move, move) if isinstance(move, str) else move
        if (stage / src).exists():
            (root / dst).parent.mkdir(parents=True, exist_ok=True)
            os.replace(stage / src, root / dst)
        if i == 0 and not replay:
            _pause("mid-publish")
    for rel in journal["deletes"]:
        (root / rel).unlink(missing_ok=True)
        _drop_empty_parents(root, rel)
    write_json_atomic(journal["state"], root / journal.get("state_file", STATE))
    (root / JOURNAL).unlink()
    shutil.rmtree(stage, ignore_errors=True)


def _drop_empty_parents(root: Path, rel: str) -> None:
    """Remove the folders a deletion left empty (a run's processed/, say), never a published tree itself."""
    parent = Path(rel).parent
    while parent.as_posix() not in PUBLISHED + (RUNS, ".") and (root / parent).is_dir():
        if any((root / parent).iterdir()):
            return
        (root / parent).rmdir()
        parent = parent.parent


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
