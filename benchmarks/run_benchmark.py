"""Time the suite: a cold full run (--force), an unchanged rerun (everything skipped) and the multiverse sweep
on 1 and 2 cores; write benchmarks/results.json with the machine it ran on.

Usage: python benchmarks/run_benchmark.py [--params params/default.yaml] [--skip-sweep]
Each step runs as `python -m analysis ...` in the project root; a failing step is recorded with its exit code.
"""
import argparse
import importlib.util
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(args: list[str]) -> dict:
    """Run `python -m analysis ARGS` and return seconds and exit code."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT)] + [p for p in [os.environ.get("PYTHONPATH")] if p]))
    start = time.perf_counter()
    code = subprocess.run([sys.executable, "-m", "analysis", *args], cwd=ROOT, env=env, check=False).returncode
    return {"command": "python -m analysis " + " ".join(args), "seconds": round(time.perf_counter() - start, 2),
            "exit_code": code}


def sweep_available() -> bool:
    sys.path.insert(0, str(ROOT))
    try:
        return importlib.util.find_spec("analysis.multiverse") is not None
    finally:
        sys.path.pop(0)


def machine() -> dict:
    return {"cores": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
            "processor": platform.machine()}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--params", default="params/default.yaml")
    ap.add_argument("--skip-sweep", action="store_true")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results.json"))
    args = ap.parse_args(argv)
    results = {"machine": machine(), "params": args.params,
               "cold_full_run": timed(["run", "--force", "--params", args.params]),
               "unchanged_rerun": timed(["run", "--params", args.params])}
    for jobs in (1, 2):
        key = f"sweep_{jobs}_core{'s' if jobs > 1 else ''}"
        if args.skip_sweep or not sweep_available():
            results[key] = "not available" if not args.skip_sweep else "skipped"
        else:
            results[key] = timed(["sweep", "--jobs", str(jobs)])
    text = json.dumps(results, indent=2, sort_keys=True) + "\n"
    Path(args.out).write_text(text, encoding="utf-8")
    print(text, end="")
    failed = [v for v in results.values() if isinstance(v, dict) and v.get("exit_code")]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
