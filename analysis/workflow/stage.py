"""Whole runs or none: the staging copy a run works in, and the journalled publish that ends it.

A run works in a staging copy of the project, .cache/stage/ (the published trees data/processed/, outputs/ and
notebooks/ copied, everything else hard-linked), with ANALYSIS_ROOT pointing there and papermill's cwd in its
notebooks/. Only when every notebook has succeeded are the changed files published: a journal
(.cache/publish.json) lists the moves, deletions and the new runner state, then the files are moved into place
with os.replace. A run that fails or is killed before that leaves the published files byte-identical; a run
killed while publishing is completed from its journal at the start of the next run (`recover`).

Runs never mix: a run with a parameter file other than params/default.yaml publishes to outputs/runs/<name>/
(name = the file's stem) and never touches the published files. Its stage starts from the published trees with
that run's own earlier results laid over them; it publishes its full outputs/ tree (numbers.json, figures/,
tables/, run.json), its executed notebooks (notebooks/) and, only when they differ from the published ones, its
processed tables (processed/). Its state is .cache/runs/<name>/runner-state.json.
"""
import filecmp
import json
import os
import re
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from analysis.io import write_json_atomic
from analysis.workflow.fingerprint import sha256_hex
from analysis.workflow.graph import PipelineError


PUBLISHED = ("data/processed", "outputs", "notebooks")  # the trees a run may change, copied into the stage


STAGE = ".cache/stage"


JOURNAL = ".cache/publish.json"


STATE = ".cache/runner-state.json"


DEFAULT_PARAMS = "params/default.yaml"  # the published run; any other parameter file runs under outputs/runs/


RUNS = "outputs/runs"


NOT_STAGED = (RUNS + "/",)  # inside a published tree, but never part of a run


PAUSE_ENV = "ANALYSIS_RUNNER_PAUSE"  # tests: "before-publish" or "mid-publish" makes the runner wait to be killed


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


def tree_files(top: Path, root: Path, skip=NOT_STAGED) -> set[str]:
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
    files = {rel: root / rel for tree in PUBLISHED for rel in tree_files(root / tree, root)}
    run_dir = root / dest.folder if dest.name else None
    if run_dir is None or not run_dir.is_dir():
        return files
    own = {}
    for rel in tree_files(run_dir, run_dir):
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
    staged = set().union(*(tree_files(stage / t, stage) for t in PUBLISHED))
    if dest.name is None:
        targets, existing = {rel: rel for rel in staged}, copied
    else:
        targets = _run_targets(root, stage, staged, dest, fresh, params_file)
        kept = {dest.target(f"notebooks/{n}.ipynb") for n in new_state if n not in fresh}
        existing = tree_files(root / dest.folder, root, skip=()) - kept
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
    differs = processed != tree_files(root / "data" / "processed", root) or any(
        not filecmp.cmp(stage / r, root / r, shallow=False) for r in processed)
    about = {"parameter_file": rel_to(params_file, root),
             "parameters_sha256": sha256_hex(Path(params_file).read_bytes()),
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
            pause("mid-publish")
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


def pause(point: str) -> None:
    """Test hook: wait here (to be killed) when ANALYSIS_RUNNER_PAUSE names this point."""
    if os.environ.get(PAUSE_ENV) == point:
        print(f"runner paused at {point}", file=sys.stderr, flush=True)
        time.sleep(600)


def rel_to(path, root) -> str:
    """`path` relative to the project root when inside it (as it is named in messages), else as given."""
    path, root = Path(path).resolve(), Path(root).resolve()
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
