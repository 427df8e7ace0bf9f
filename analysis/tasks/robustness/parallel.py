"""Running the sweep in parallel: every specification's design built once, each distinct design's methods in one
task over worker processes, largest first.

Each distinct design is computed once (memoised on Design.key(): many specifications share one); numpy's BLAS runs
on one thread per worker (the products are small, and extra threads would only compete for the cores). Results do
not depend on the number of workers.

The functions below are kept in the order and form of the former analysis/tasks/robustness.py (lines 709-841), so
that patches to the sweep's parallel execution apply here unchanged.
"""
import contextlib
import ctypes
import glob
import os
import time
from concurrent.futures import ProcessPoolExecutor
from functools import lru_cache

import numpy as np
import pandas as pd

from analysis.tasks.robustness.designs import Counts, Inputs, designs_for, ethnic_definition, selection_counts
from analysis.tasks.robustness.grid import ALPHA, MODELS, NAIVE, POPULATION, SELECTION_DIMS
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


def _init_worker(inputs: Inputs, alpha: float) -> None:
    if _openblas() is not None:
        _openblas()[1](1)  # worker processes: one BLAS thread each
    _WORKER["inputs"], _WORKER["alpha"] = inputs, alpha
    _WORKER["codes"] = inputs.departments["ubigeo_dep"].astype(str).tolist()


def _count_task(choice: dict) -> Counts:
    return selection_counts(_WORKER["inputs"].victims, _WORKER["codes"], choice)


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


def run_sweep(specs: dict, inputs: Inputs, jobs=None, alpha: float = ALPHA, timings: dict | None = None) -> dict:
    """Every specification of every finding, its bounds and the naive reference.

    Returns {"results": one row per specification, "bounds": one row per specification and edge}. `jobs` worker
    processes (1 = in this process); the output does not depend on it.
    """
    with single_threaded_blas():
        return _run_sweep(specs, inputs, jobs, alpha, timings)


def _run_sweep(specs, inputs, jobs, alpha, timings) -> dict:
    t0 = time.perf_counter()
    codes = inputs.departments["ubigeo_dep"].astype(str).tolist()
    population = pd.to_numeric(inputs.departments[POPULATION], errors="coerce").to_numpy(dtype=float)
    selections = pd.concat([s[list(SELECTION_DIMS)] for s in specs.values()]).drop_duplicates()
    choices = [dict(zip(SELECTION_DIMS, r)) for r in selections.itertuples(index=False, name=None)]
    jobs = resolve_jobs(jobs)
    pool = None
    if jobs == 1:
        _init_worker(inputs, alpha)
        mapper = map
    else:
        pool = ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker, initargs=(inputs, alpha))
        mapper = pool.map
    try:
        counts = dict(zip((tuple(c.values()) for c in choices), mapper(_count_task, choices)))
        t1 = time.perf_counter()
        # every design of every specification, built once per (selection, definition) and deduplicated on its key
        definitions = {}
        if "ethnic" in specs:
            for m, t in specs["ethnic"][["measure", "threshold"]].drop_duplicates().itertuples(index=False, name=None):
                definitions[(m, t)] = ethnic_definition(inputs.departments, m, t)
        unique, needs, spec_designs = {}, {}, {}
        for finding, sp in specs.items():
            keys = list(SELECTION_DIMS) + (["measure", "threshold"] if finding == "ethnic" else [])
            models = list(pd.unique(sp["model"]))
            for combo in sp[keys].drop_duplicates().itertuples(index=False, name=None):
                sel = combo[:len(SELECTION_DIMS)]
                definition = definitions[combo[len(SELECTION_DIMS):]] if finding == "ethnic" else None
                built = designs_for(finding, counts[sel], population, codes, definition)
                refs = {}
                for name, d in built.items():
                    if isinstance(d, str):
                        refs[name] = d
                        continue
                    k = d.key()
                    unique.setdefault(k, d)
                    methods, interval = needs.get(k, (set(), False))
                    extra = set(models) | ({NAIVE} if name == "grid" else set())
                    needs[k] = (methods | extra, interval or name == "grid")
                    refs[name] = k
                spec_designs[(finding, combo)] = refs
        items = [(unique[k], tuple(m for m in (*MODELS, NAIVE) if m in methods), interval)
                 for k, (methods, interval) in needs.items()]
        order = sorted(range(len(items)), key=lambda i: -_cost(items[i]))  # largest first: balanced workers
        done = list(mapper(_design_task, [items[i] for i in order]))
        keys = list(needs)
        computed = {keys[i]: r for i, r in zip(order, done)}
    finally:
        if pool is not None:
            pool.shutdown()
    t2 = time.perf_counter()
    out = _assemble(specs, spec_designs, unique, computed, alpha)
    if timings is not None:
        timings.update({"selections": t1 - t0, "designs": t2 - t1, "assemble": time.perf_counter() - t2,
                        "n_selections": len(choices), "n_designs": len(unique),
                        "n_design_methods": sum(len(m) for _, m, _ in items)})
    return out
