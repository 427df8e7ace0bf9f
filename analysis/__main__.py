"""Command line: python -m analysis {run, diff, params, verify, report, sweep, bench} (see --help of each).

Every command that reads or publishes results first checks data/raw against its manifest (analysis.register.manifest) and
refuses to start, naming the file, on any mismatch: run (also with --only and --dry-run), verify, report and
sweep. `diff` and `params` only read numbers.json files and notebooks.
"""
import argparse
import subprocess
import sys

from analysis import paths


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m analysis", description=__doc__)
    sub = ap.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="execute the notebooks in dependency order, skipping unchanged ones")
    run.add_argument("--params", default=None, help="parameter file (default params/default.yaml)")
    run.add_argument("--pipeline", default=None,
                     help="run the graph of this YAML file instead of the task declarations (tests)")
    run.add_argument("--force", action="store_true", help="run every notebook even if unchanged")
    run.add_argument("--only", action="append", metavar="NAME", help="run only this notebook (repeatable)")
    run.add_argument("--dry-run", action="store_true",
                     help="say what would run and why (inputs, outputs, parameters, code changed; forced) "
                          "without executing or writing anything")
    diff = sub.add_parser("diff", help="which numbers moved between two runs' numbers.json, and by how much",
                          description="A run is 'published' (outputs/numbers.json), a name under outputs/runs/ "
                                      "(the parameter file's stem), or a path to a numbers.json or its folder. "
                                      "With one run, it is compared with the published one.")
    diff.add_argument("runs", nargs="+", metavar="RUN", help="one or two runs")
    par = sub.add_parser("params", help="list every parameter of every notebook: type, default, meaning")
    par.add_argument("--params", default=None, help="also show the values this parameter file sets")
    par.add_argument("--notebook", action="append", metavar="NAME", help="only this notebook (repeatable)")
    ver = sub.add_parser("verify", help="re-run everything from data/raw/ in a scratch copy and compare")
    ver.add_argument("--params", default="params/default.yaml", help="parameter file, relative to the root")
    ver.add_argument("--keep", action="store_true", help="keep the scratch copy")
    sub.add_parser("report", help="build the report (Sphinx, offline) in outputs/report/: index.html, es.html")
    sub.add_parser("sweep", help="multiverse sweep (analysis.tasks.robustness.driver)", add_help=False)
    sub.add_parser("bench", help="time cold run, unchanged rerun and sweep (benchmarks/run_benchmark.py)",
                   add_help=False)
    return ap


def _run(args) -> int:
    from analysis.errors import RawDataError
    from analysis.workflow.params import ParameterError
    from analysis.workflow.runner import NotebookFailed, PipelineError, run
    try:
        run(params_file=args.params, pipeline_file=args.pipeline, force=args.force, only=args.only,
            dry_run=args.dry_run)
    except (ParameterError, PipelineError, NotebookFailed, RawDataError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


def _diff(args) -> int:
    from analysis.workflow.rundiff import RunNotFound, main
    try:
        print(main(args.runs), end="")
    except RunNotFound as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


def _params(args) -> int:
    from analysis.workflow.params import ParameterError, listing, load_params
    notebooks = sorted((paths.ROOT / "notebooks").glob("*.ipynb"))
    if args.notebook:
        known = {p.stem: p for p in notebooks}
        unknown = [n for n in args.notebook if n not in known]
        if unknown:
            print(f"error: no notebook {', '.join(unknown)}; known: {', '.join(known)}", file=sys.stderr)
            return 2
        notebooks = [known[n] for n in args.notebook]
    try:
        config = load_params(args.params) if args.params else None
    except ParameterError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(listing(notebooks, config, args.params or ""), end="")
    return 0


def _gate() -> int:
    """0 when data/raw matches its manifest; else the error, naming the file, and 1."""
    from analysis.register import manifest
    from analysis.errors import RawDataError
    try:
        manifest.verify(paths.RAW)
    except RawDataError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


def _sweep(rest) -> int:
    from analysis.tasks import robustness  # the package exports the sweep driver's main
    from analysis.workflow.params import ParameterError
    try:
        return robustness.main(rest) or 0
    except ParameterError as err:  # a grid file that is missing or not YAML: one line naming it
        print(f"error: {err}", file=sys.stderr)
        return 2


def _bench(rest) -> int:
    script = paths.ROOT / "benchmarks" / "run_benchmark.py"
    return subprocess.run([sys.executable, str(script), *rest], check=False).returncode


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "bench":  # its own options pass through untouched; its runs pass the gate
        return _bench(argv[1:])
    if argv and argv[0] == "sweep":
        return _gate() or _sweep(argv[1:])
    args = _parser().parse_args(argv)
    if args.command == "run":
        return _run(args)  # the runner checks the manifest itself (also for programmatic runs)
    if args.command in ("diff", "params"):
        return _diff(args) if args.command == "diff" else _params(args)
    if _gate():
        return 1
    if args.command == "verify":
        from analysis.workflow.verify import verify
        return verify(params=args.params, keep=args.keep)
    from analysis.report.site import main as report
    return report()


if __name__ == "__main__":
    sys.exit(main())
