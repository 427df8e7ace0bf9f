"""Execute one notebook with papermill: its parameters injected, its kernel on IPC sockets, its output normalised.

Kernels talk to papermill over IPC sockets (in a private temp folder) rather than TCP on localhost, so ipykernel
has no reason to warn about unencrypted TCP, and no port is opened. Executed notebooks have run-dependent metadata
(times, durations, temp paths) removed so that a rerun gives no diff. A failing cell raises NotebookFailed naming
the notebook, the cell and the failing line; the failed copy is kept under .cache/failed/.
"""
import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import papermill
from papermill.exceptions import PapermillExecutionError



KERNEL = "python3"


INJECTED_TAG = "injected-parameters"


_TIMING_KEYS = ("start_time", "end_time", "duration")


class NotebookFailed(RuntimeError):
    """A notebook cell raised: names the notebook and the cell."""


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


def run_command(name: str, command, root: Path, package_root: Path | None = None) -> None:
    """Run `python -m analysis <command>` in the (staged) project, with the kernels' environment; a non-zero exit
    raises NotebookFailed with the end of its output."""
    with kernel_env(root, package_root):
        proc = subprocess.run([sys.executable, "-m", "analysis", *command], cwd=root, capture_output=True,
                              text=True, check=False)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-12:])
        raise NotebookFailed(f"{name}: `python -m analysis {' '.join(command)}` exited with code "
                             f"{proc.returncode}:\n{tail}")


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
