"""The sweep driver: `python -m analysis sweep` loads the grid and the register, runs every specification
(analysis.tasks.robustness.parallel) and writes the tables (outputs/tables/robustness*.csv) that notebook 08 reads.
"""
import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from analysis import paths
from analysis.io import write_csv_atomic
from analysis.tasks.robustness.designs import load_inputs
from analysis.tasks.robustness.grid import SweepParamError, default_params_file, event_choices, expand, load_grid
from analysis.tasks.robustness.parallel import resolve_jobs, run_sweep
from analysis.tasks.robustness.summary import TABLES, build_tables, provenance

DESCRIPTION = "Multiverse analysis: do the two headline findings survive every defensible analytic choice?"


@dataclass(frozen=True)
class SweepResult:
    """What one sweep computed and wrote: the specifications, the tables and their files, seconds per phase."""
    specs: dict
    tables: dict
    grid: dict
    alpha: float
    files: dict
    timings: dict


def sweep(params=None, outputs=None, processed=None, jobs=None) -> SweepResult:
    """Load the grid and data, run every specification, write the tables (outputs/tables/robustness*.csv).
    timings: seconds of each phase; "sweep" = from loading the grid to the last table written."""
    start = time.perf_counter()
    grid_file = params if params else default_params_file()
    grid, settings = load_grid(grid_file)
    inputs = load_inputs(processed)
    specs = expand(grid, inputs.victims)
    timings = {}
    out = run_sweep(specs, inputs, jobs=jobs, alpha=settings["alpha"], timings=timings)
    choices = {**grid, "exclude_event": event_choices(inputs.victims, grid["exclude_event"])}
    t = time.perf_counter()
    tables = build_tables(out["results"], out["bounds"], choices, settings["alpha"])
    tables["provenance"] = provenance(processed, grid_file, settings["alpha"])
    tables_dir = (Path(outputs) if outputs else paths.OUTPUTS) / "tables"
    files = {}
    for name, file in TABLES.items():
        files[name] = tables_dir / file
        write_csv_atomic(tables[name], files[name])
    timings["tables"] = time.perf_counter() - t
    timings["sweep"] = time.perf_counter() - start
    return SweepResult(specs, tables, grid, settings["alpha"], files, timings)


def main(argv=None) -> int:
    """`python -m analysis sweep [--jobs N] [--params FILE] [--outputs DIR] [--processed DIR]`; 2 on a bad grid."""
    ap = argparse.ArgumentParser(prog="python -m analysis sweep", description=DESCRIPTION)
    ap.add_argument("--jobs", type=int, default=None, help="worker processes (default: every core)")
    ap.add_argument("--params", default=None, help="grid file (default params/sweep.yaml if present)")
    ap.add_argument("--outputs", default=None, help="output directory (default outputs/)")
    ap.add_argument("--processed", default=None, help="processed data directory (default data/processed/)")
    args = ap.parse_args(argv)
    if args.jobs is not None and args.jobs < 0:
        ap.error("--jobs must be >= 0 (0 = every core)")
    try:
        res = sweep(args.params, args.outputs, args.processed, args.jobs)
    except SweepParamError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    for r in res.tables["summary"].itertuples(index=False):
        print(f"{r.finding}: holds in {r.n_holds} of {r.n_specs} specifications ({100 * r.share_holds:.1f} %; "
              f"sign-flip test alone {100 * r.share_holds_sign_flip:.1f} %), {r.n_distinct_results} distinct results; "
              f"naive person-level test: {100 * r.share_naive_holds:.1f} %; missing data outside / inside the group: "
              f"{100 * r.outside_share_holds:.1f} % / {100 * r.inside_share_holds:.1f} %")
    t = res.timings
    print(f"{t['n_selections']} selections, {t['n_designs']} distinct designs, {t['n_design_methods']} method fits "
          f"on {resolve_jobs(args.jobs)} worker(s)")
    print(f"sweep seconds: {t['sweep']:.2f} (designs {t['designs']:.2f}, tables {t['tables']:.2f})")
    print(f"wrote {len(res.files)} tables to {paths.rel(res.files['results'].parent)}")
    return 0
