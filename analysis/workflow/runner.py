"""Run the notebook suite: dependency order, parameter checks first, skip what is unchanged, whole runs or none.

The stages of a run, each in its own module of analysis/workflow/:
- graph: the steps (from the task declarations, or a `--pipeline` file) and their order;
- fingerprint: why each notebook runs or is skipped;
- stage: the staging copy the run works in, and the journalled publish that ends it (whole runs or none);
- execute: one notebook through papermill.
Before anything runs, data/raw must match its manifest (analysis.register.manifest) and every parameter must fit
its notebook. Each task writes its numbers to outputs/numbers/<task>.json; after the last notebook the runner merges
them into outputs/numbers.json (analysis.report.numbers.merge). Runs are serialised by a lock on the project folder.
"""
import contextlib
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from analysis import paths
from analysis.io import write_json_atomic
from analysis.register import manifest
from analysis.report import numbers
from analysis.workflow import params as params_mod
from analysis.workflow.execute import NotebookFailed, execute, run_command  # noqa: F401  (re-exported)
from analysis.workflow.fingerprint import (decide, decide_all, fingerprint, load_state, output_hashes,  # noqa: F401
                                           ancestors)
from analysis.workflow.graph import (PipelineError, Step, load_pipeline, load_steps, notebook_file,  # noqa: F401
                                     task_steps, topological_order)
from analysis.workflow.stage import (DEFAULT_PARAMS, JOURNAL, PAUSE_ENV, PUBLISHED, STAGE, STATE,  # noqa: F401
                                     Destination, destination, make_stage, pause, publish, recover, rel_to)


PREVIEW = ".cache/preview"  # --dry-run's throw-away view of the project


def plan(root: Path, params_file: Path, pipeline_file: Path, only=None):
    """(order, steps, resolved parameters) after every check; raises before anything runs."""
    config = params_mod.load_params(params_file)  # a missing parameter file is the first thing to say
    steps = load_steps(pipeline_file)
    order = topological_order(steps)
    if only:
        unknown = sorted(set(only) - set(steps))
        if unknown:
            raise PipelineError(f"--only: unknown notebook(s) {unknown}; known: {', '.join(order)}")
    missing = [n for n in order if not steps[n].command and not notebook_file(root, n).exists()]
    if missing:
        raise PipelineError("notebook(s) declared in the pipeline but not found: "
                            + ", ".join(paths.rel(notebook_file(root, n)) for n in missing))
    declared = {n: {} if steps[n].command else params_mod.declared_parameters(notebook_file(root, n)) for n in order}
    resolved = params_mod.resolve(config, declared)
    selected = [n for n in order if not only or n in only]
    return selected, steps, resolved



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
        kept = {n: bool(steps[n].command) or _run_notebook_kept(root, dest, n) for n in steps}
        first = decide_all(stage, selected, steps, resolved, state, published, before, force, kept)
        clock.expect(first, state, published)
        print(_header(rel_to(params_file, root), dest, first), file=out, flush=True)
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
        pause("before-publish")
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
    print(f"dry run (nothing is executed or written): {rel_to(params_file, root)} -> {dest.describe()}", file=out)
    words = {"run": "would run", "maybe": "may run", "skip": "would skip"}
    for i, name in enumerate(selected, 1):
        verdict, why = verdicts[name]
        print(f"[{i}/{len(selected)}] {name}: {words[verdict]} ({'; '.join(why)})", file=out)
    return [(name, *verdicts[name]) for name in selected]


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
            return f"{elapsed}, {len(guesses)} task(s) may follow"
        return f"{elapsed}, about {fmt_seconds(sum(guesses))} left"


def _header(params_name, dest, verdicts) -> str:
    counts = {v: sum(1 for x, _ in verdicts.values() if x == v) for v in ("run", "maybe", "skip")}
    maybe = f", {counts['maybe']} more if their inputs change" if counts["maybe"] else ""
    return (f"{params_name} -> {dest.describe()}: {counts['run']} of {len(verdicts)} tasks to run{maybe}, "
            f"{counts['skip']} to skip")


def _footer(dest: Destination, results: list) -> str:
    ran = sum(1 for _, status, _ in results if status == "ran")
    if dest.name is None:
        return (f"{ran} of {len(results)} tasks ran; results are in data/processed/, outputs/ (numbers.json, "
                "figures/, tables/) and notebooks/. Report: python -m analysis report, "
                "then open outputs/report/index.html")
    return (f"{ran} of {len(results)} tasks ran; results are in {dest.folder}/ (numbers.json, figures/, "
            "tables/, notebooks/, and processed/ where the register differs); the published outputs are "
            f"untouched. Compare with them: python -m analysis diff {dest.name}")


def _run_one(root, stage, step, parameters, state, published, force, before, kept, label, out, fingerprints,
             clock):
    verdict, why = decide(stage, step, parameters, state, published, before, force, kept)
    if verdict == "skip":
        if why == ["same as the published run"]:
            fingerprints[step.name] = fingerprint(stage, step, _notebook(stage, step), parameters)
        print(label, f"skipped ({why[0]})", file=out, flush=True)
        clock.done(step.name, None)
        return step.name, "skipped", 0.0
    print(label, f"running: {'; '.join(why)}", file=out, flush=True)
    nb_path = _notebook(stage, step)
    start = time.perf_counter()
    try:
        if step.command:
            run_command(step.name, step.command, stage, package_root=root)
        else:
            execute(nb_path, parameters, stage, failed_dir=root / ".cache" / "failed", package_root=root)
    except NotebookFailed:
        print(label, "FAILED", file=out, flush=True)
        raise
    seconds = time.perf_counter() - start
    # fingerprint after the run: inputs that the notebook itself rewrites (numbers.json) are then current
    fingerprints[step.name] = {**fingerprint(stage, step, nb_path, parameters), "seconds": round(seconds, 1)}
    print(label, f"done in {seconds:.1f} s ({clock.done(step.name, seconds)})", file=out, flush=True)
    return step.name, "ran", seconds


def _notebook(stage: Path, step: Step) -> Path | None:
    return None if step.command else notebook_file(stage, step.name)


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
