"""Why a notebook runs, or is skipped: fingerprints of what it depends on, compared with its last run.

A notebook is skipped when its inputs, the package code (analysis/**/*.py), its cell sources and its parameters
hash the same as at its last successful run (.cache/runner-state.json, written only when its outputs were
published), and its declared outputs exist with the hashes they had after that run. A notebook whose parameters,
inputs, code and outputs are those of the published run is not rerun in a named run ("same as the published
run").
"""
import hashlib
import json
from pathlib import Path

import nbformat

from analysis.workflow.execute import INJECTED_TAG
from analysis.workflow.graph import Step, notebook_file


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def hash_files(root: Path, patterns: list[str]) -> str:
    """One hash over the relative path and content of every file the globs match (sorted)."""
    files = sorted({p for pat in patterns for p in root.glob(pat) if p.is_file()})
    h = hashlib.sha256()
    for p in files:
        h.update(p.relative_to(root).as_posix().encode() + b"\0" + sha256_hex(p.read_bytes()).encode() + b"\n")
    return h.hexdigest()


def source_hash(notebook_path) -> str:
    """Hash of cell types and sources only (outputs, metadata and papermill's injected cell left out)."""
    nb = nbformat.read(str(notebook_path), as_version=4)
    cells = [[c.cell_type, c.source] for c in nb.cells if INJECTED_TAG not in c.metadata.get("tags", [])]
    return sha256_hex(json.dumps(cells, ensure_ascii=False).encode())


def fingerprint(root: Path, step: Step, notebook_path: Path, parameters: dict) -> dict:
    return {"inputs": hash_files(root, step.inputs),
            "code": hash_files(root, ["analysis/**/*.py"]),
            "source": sha256_hex(" ".join(step.command).encode()) if step.command else source_hash(notebook_path),
            "parameters": sha256_hex(json.dumps(parameters, sort_keys=True).encode())}


def outputs_present(root: Path, step: Step) -> bool:
    return all(any(p.is_file() for p in root.glob(pat)) for pat in step.outputs)


def output_hashes(root: Path, step: Step) -> dict:
    """{relative path: sha256} of every file the step's output globs match."""
    files = sorted({p for pat in step.outputs for p in root.glob(pat) if p.is_file()})
    return {p.relative_to(root).as_posix(): sha256_hex(p.read_bytes()) for p in files}


def load_state(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


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
    current = fingerprint(stage, step, None if step.command else notebook_file(stage, step.name), parameters)
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
        upstream = [d for d in ancestors(steps, name) if verdicts.get(d, ("skip",))[0] != "skip"]
        if verdict == "skip" and upstream:
            verdict, why = "maybe", [f"reruns if {', '.join(upstream)} changes its outputs; itself {why[0]}"]
        verdicts[name] = (verdict, why)
    return verdicts


def ancestors(steps, name) -> list[str]:
    seen, todo = [], list(steps[name].depends_on)
    while todo:
        dep = todo.pop(0)
        if dep not in seen and dep in steps:
            seen.append(dep)
            todo += steps[dep].depends_on
    return sorted(seen)
