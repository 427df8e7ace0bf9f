"""Running the sweep in parallel. Almost all the work runs in worker processes, so that two workers take little
more than half the time of one:
- each selection's counts and every design built on them are one task (only the choice's key travels);
- then each distinct design (memoised on Design.key(): many specifications share one) has its methods in one task,
  largest first;
- the parent only deduplicates, assembles and writes.

numpy's BLAS runs on one thread per worker (the products are small, and extra threads would only compete for the
cores). Results do not depend on the number of workers.
"""
import contextlib
import ctypes
import gc
import glob
import os
import time
from concurrent.futures import ProcessPoolExecutor
from functools import lru_cache

import numpy as np
import pandas as pd

from analysis.tasks.robustness.designs import Inputs, designs_for, ethnic_definitions, selection_counts
from analysis.tasks.robustness.grid import ALPHA, MODELS, NAIVE, POPULATION, SELECTION_DIMS, design_dims
from analysis.tasks.robustness.methods import method_result
from analysis.tasks.robustness.summary import assemble_results as _assemble


@lru_cache(maxsize=1)
def _openblas():
    """(get, set) of the number of threads of numpy's bundled OpenBLAS, or None when it cannot be found."""
    pattern = os.path.join(os.path.dirname(np.__file__), os.pardir, "numpy.libs", "*openblas*")
    for path in sorted(glob.glob(pattern)):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix, suffix in (("scipy_openblas", "64_"), ("openblas", "64_"), ("openblas", ""),
                               ("scipy_openblas", "")):
            get, put = f"{prefix}_get_num_threads{suffix}", f"{prefix}_set_num_threads{suffix}"
            if hasattr(lib, get) and hasattr(lib, put):
                return getattr(lib, get), getattr(lib, put)
    return None


@contextlib.contextmanager
def single_threaded_blas():
    """numpy's OpenBLAS on one thread while the sweep runs: its products are too small to gain from threads, and
    with one worker process per core extra threads only compete for the cores (restored afterwards)."""
    fns = _openblas()
    if fns is None:
        yield
        return
    get, put = fns
    before = int(get())
    put(1)
    try:
        yield
    finally:
        put(before)


_WORKER: dict = {}


def _init_worker(inputs: Inputs, alpha: float, definitions: dict) -> None:
    """Per-process state, set once (forked workers inherit it unpickled): tasks then carry only small keys."""
    if _openblas() is not None:
        _openblas()[1](1)  # worker processes: one BLAS thread each
    deps = inputs.departments
    _WORKER.update(inputs=inputs, alpha=alpha, definitions=definitions,
                   codes=deps["ubigeo_dep"].astype(str).tolist(),
                   population=pd.to_numeric(deps[POPULATION], errors="coerce").to_numpy(dtype=float))


def _selection_task(task: tuple) -> dict:
    """One selection's Counts and every design built on them: {(finding, combo): designs_for(...)}. Built in the
    worker, so that the parent does no per-specification work while the workers wait."""
    selection, combos = task
    w, n = _WORKER, len(SELECTION_DIMS)
    counts = selection_counts(w["inputs"].victims, w["codes"], dict(zip(SELECTION_DIMS, selection)))
    return {(finding, combo): designs_for(finding, counts, w["population"], w["codes"],
                                          w["definitions"][combo[n:]] if finding == "ethnic" else None)
            for finding, combo in combos}


def _design_task(item: tuple) -> dict:
    """All requested methods of one distinct design: {method: result}."""
    d, methods, interval = item
    return {m: method_result(d, m, _WORKER["alpha"], interval) for m in methods}


def resolve_jobs(jobs) -> int:
    """None or 0 = every core."""
    return int(jobs) if jobs else (os.cpu_count() or 1)


def _cost(item) -> float:
    """Rough relative cost of a design task (for scheduling the largest first)."""
    d, methods, interval = item
    return (2.0 ** min(d.G, 17) if interval else 1.0) + (5e4 if interval and "negbin_lr" in methods else 0.0)


def _combos(specs: dict):
    """(finding, combo) of each distinct combination of a finding's design dimensions, in specification order."""
    for finding, sp in specs.items():
        for combo in sp[design_dims(finding)].drop_duplicates().itertuples(index=False, name=None):
            yield finding, combo


def _selection_tasks(combos: list) -> list:
    """[(selection, [(finding, combo), ...])]: the designs to build on each selection's counts, the selections
    with the most designs first (so that no worker is left with a long task while the other waits at the end)."""
    tasks = {}
    for finding, combo in combos:
        tasks.setdefault(combo[:len(SELECTION_DIMS)], []).append((finding, combo))
    return sorted(tasks.items(), key=lambda task: -len(task[1]))


def _distinct(specs: dict, combos: list, built: dict) -> tuple:
    """Deduplicate the built designs on Design.key() (the first one kept, in specification order). Returns unique
    {key: Design}, needs {key: (methods, interval?)} and refs {(finding, combo): {name: key or error text}}."""
    unique, needs, refs = {}, {}, {}
    models = {finding: set(pd.unique(sp["model"])) for finding, sp in specs.items()}
    for finding, combo in combos:
        refs[(finding, combo)] = r = {}
        for name, d in built[(finding, combo)].items():
            if isinstance(d, str):
                r[name] = d
                continue
            k = r[name] = d.key()
            unique.setdefault(k, d)
            methods, interval = needs.get(k, (set(), False))
            extra = models[finding] | ({NAIVE} if name == "grid" else set())
            needs[k] = (methods | extra, interval or name == "grid")
    return unique, needs, refs


@contextlib.contextmanager
def _mapper(jobs: int, inputs: Inputs, alpha: float, definitions: dict):
    """map(fn, items) in this process for one job, else over a pool of `jobs` workers (shut down on exit)."""
    if jobs == 1:
        _init_worker(inputs, alpha, definitions)
        yield map
        return
    with ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker,
                             initargs=(inputs, alpha, definitions)) as pool:
        # a few tasks per message (each costs the parent pickling and a wake-up while the workers hold both
        # cores), still ~50 messages per worker: the last, smallest ones keep the workers balanced
        yield lambda fn, items: pool.map(fn, items, chunksize=max(1, len(items) // (50 * jobs)))


def run_sweep(specs: dict, inputs: Inputs, jobs=None, alpha: float = ALPHA, timings: dict | None = None) -> dict:
    """Every specification of every finding, its bounds and the naive reference.

    Returns {"results": one row per specification, "bounds": one row per specification and edge}. `jobs` worker
    processes (1 = in this process); the output does not depend on it.
    """
    with single_threaded_blas(), frozen_heap():
        return _run_sweep(specs, inputs, jobs, alpha, timings)


@contextlib.contextmanager
def frozen_heap():
    """Every object that exists before the sweep (modules, the register) moved out of the garbage collector's
    view while it runs (gc.freeze). Each full collection, in this process or in a forked worker, would otherwise
    walk them all; in a worker, touching them also copies their memory pages (copy-on-write). Measured on 2
    workers, three runs each: page faults 26,000 against 48,000, worker CPU 12.3 s against 13.7 s."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _run_sweep(specs, inputs, jobs, alpha, timings) -> dict:
    t0 = time.perf_counter()
    pairs = specs["ethnic"][["measure", "threshold"]].drop_duplicates() if "ethnic" in specs else pd.DataFrame()
    definitions = ethnic_definitions(inputs.departments, pairs.itertuples(index=False, name=None))
    combos = list(_combos(specs))
    tasks = _selection_tasks(combos)
    with _mapper(resolve_jobs(jobs), inputs, alpha, definitions) as mapper:
        built = {}
        for part in mapper(_selection_task, tasks):  # counts and designs, per selection
            built.update(part)
        t1 = time.perf_counter()
        unique, needs, refs = _distinct(specs, combos, built)
        keys = list(needs)
        items = [(unique[k], tuple(m for m in (*MODELS, NAIVE) if m in needs[k][0]), needs[k][1]) for k in keys]
        order = sorted(range(len(items)), key=lambda i: -_cost(items[i]))  # largest first: balanced workers
        computed = {keys[i]: r for i, r in zip(order, mapper(_design_task, [items[i] for i in order]))}
    t2 = time.perf_counter()
    out = _assemble(specs, refs, unique, computed, alpha)
    if timings is not None:
        timings.update({"selections": t1 - t0, "designs": t2 - t1, "assemble": time.perf_counter() - t2,
                        "n_selections": len(tasks), "n_designs": len(unique),
                        "n_design_methods": sum(len(m) for _, m, _ in items)})
    return out
