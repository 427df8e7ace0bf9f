"""Independent re-run check: rebuild every output from data/raw/ in a scratch copy and compare with the committed.

The scratch copy holds the project's files (git ls-files: committed plus untracked-but-not-ignored; without git,
the tree minus .git/.venv/.cache) except the outputs being checked, so every compared file must be regenerated.
The suite runs there as a subprocess (`python -m analysis run --force`: the register, the sweep, every notebook)
with ANALYSIS_ROOT and PYTHONPATH pointing at the copy. Compared: every file
under data/processed/, outputs/numbers.json, outputs/figures/*.csv and outputs/tables/*.
"""
import difflib
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from analysis.register import manifest
from analysis import paths

COMPARED = ["data/processed/**/*", "outputs/numbers.json", "outputs/figures/*.csv", "outputs/tables/*"]
REGENERATED = ("data/processed/", "outputs/", ".cache/")  # never copied: the scratch run must make them
EXCLUDED_DIRS = {".git", ".venv", ".cache", "__pycache__", ".pytest_cache", ".ipynb_checkpoints"}
TEXT_SUFFIXES = {".csv", ".json", ".md", ".txt", ".tsv"}
DIFF_LINES = 12


@dataclass
class Comparison:
    identical: list
    different: dict  # relative path -> short description / diff

    @property
    def ok(self) -> bool:
        return bool(self.identical) and not self.different

    def summary(self) -> str:
        total = len(self.identical) + len(self.different)
        if not self.different:
            return f"reproduced: {len(self.identical)} of {total} files identical"
        lines = [f"NOT reproduced: {len(self.identical)} of {total} files identical; differing:"]
        for rel, detail in sorted(self.different.items()):
            lines.append(f"  {rel}: {detail}")
        return "\n".join(lines)


def matched(root: Path, patterns=COMPARED) -> set[str]:
    return {p.relative_to(root).as_posix() for pat in patterns for p in Path(root).glob(pat) if p.is_file()}


def compare_trees(expected: Path, actual: Path, patterns=COMPARED) -> Comparison:
    """Byte comparison of the files the patterns match in either tree; a file in only one tree differs."""
    expected, actual = Path(expected), Path(actual)
    exp, act = matched(expected, patterns), matched(actual, patterns)
    identical, different = [], {}
    for rel in sorted(exp | act):
        if rel not in act:
            different[rel] = "committed but not produced by the re-run"
        elif rel not in exp:
            different[rel] = "produced by the re-run but not committed"
        elif (expected / rel).read_bytes() == (actual / rel).read_bytes():
            identical.append(rel)
        else:
            different[rel] = short_diff(expected / rel, actual / rel)
    return Comparison(identical, different)


def short_diff(committed: Path, rerun: Path) -> str:
    """A few lines of unified diff for text files; sizes for binary ones."""
    if committed.suffix.lower() not in TEXT_SUFFIXES:
        return f"content differs ({committed.stat().st_size} vs {rerun.stat().st_size} bytes)"
    a = committed.read_text(encoding="utf-8", errors="replace").splitlines()
    b = rerun.read_text(encoding="utf-8", errors="replace").splitlines()
    diff = list(difflib.unified_diff(a, b, "committed", "re-run", n=0, lineterm=""))
    shown = diff[:DIFF_LINES] + ([f"... ({len(diff) - DIFF_LINES} more diff lines)"] if len(diff) > DIFF_LINES else [])
    return "content differs\n" + "\n".join("      " + line for line in shown)


def project_files(root: Path) -> list[str]:
    """Files of the project as git knows them (committed + untracked not ignored), else the filtered tree."""
    root = Path(root)
    if (root / ".git").exists():
        proc = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                              cwd=root, capture_output=True, check=False)
        if proc.returncode == 0:
            names = [n for n in proc.stdout.decode("utf-8").split("\0") if n]
            return sorted(n for n in names if (root / n).is_file())
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*")
                  if p.is_file() and not EXCLUDED_DIRS & set(p.relative_to(root).parts))


def copy_project(root: Path, scratch: Path) -> int:
    """Copy the project's files, minus everything the run regenerates, into `scratch`; returns the count."""
    names = [n for n in project_files(root) if not n.startswith(REGENERATED)]
    for name in names:
        target = scratch / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / name, target)
    return len(names)


def rerun(scratch: Path, params: str = "params/default.yaml", pipeline: str | None = None) -> int:
    """Every task (the register, the sweep, every notebook), forced, inside the scratch copy; their output streams
    to ours. With `pipeline` (a graph file relative to the root, as test projects have), that graph's notebooks.
    Returns the first non-zero exit code."""
    env = dict(os.environ, ANALYSIS_ROOT=str(scratch),
               PYTHONPATH=os.pathsep.join([str(scratch)] + [p for p in [os.environ.get("PYTHONPATH")] if p]))
    run = ["run", "--force", "--params", str(scratch / params)]
    commands = [[*run, "--pipeline", str(scratch / pipeline)]] if pipeline else [run]
    for args in commands:
        code = subprocess.run([sys.executable, "-m", "analysis", *args], cwd=scratch, env=env, check=False).returncode
        if code != 0:
            return code
    return 0


def verify(root=None, params: str = "params/default.yaml", keep: bool = False, pipeline: str | None = None) -> int:
    """Re-run everything in a scratch copy and compare; 0 only when every compared file is identical.

    Raises RawDataError, before copying anything, when data/raw does not match its manifest."""
    root = Path(root or paths.ROOT)
    manifest.verify(root / "data" / "raw")
    scratch = Path(tempfile.mkdtemp(prefix="analysis-verify-"))
    try:
        print(f"copied {copy_project(root, scratch)} project files to {scratch}", flush=True)
        code = rerun(scratch, params, pipeline)
        if code != 0:
            print(f"NOT reproduced: the re-run failed (exit code {code})")
            return code
        result = compare_trees(root, scratch)
        print(result.summary() if matched(root) else "NOT reproduced: no committed outputs to compare")
        return 0 if result.ok else 1
    finally:
        if keep:
            print(f"scratch copy kept at {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
