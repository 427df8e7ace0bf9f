"""Every number quoted in notebook prose is computed and recorded here, then saved per task to
outputs/numbers/<task>.json; the runner merges those files into outputs/numbers.json (`merge`).

Each entry: key (stable, `<notebook>.<name>`), value, interval, p_value, unit (person, event, department, ...),
definition (one line), and the specification (analytic choices) it was computed under.
"""
import json
import math
from pathlib import Path

from analysis import paths
from analysis.io import write_json_atomic

# One vocabulary, singular: the unit a number counts or measures.
UNITS = {"person", "event", "department", "persons per 100,000", "ratio", "proportion", "percent", "days",
         "events per day", "count", "p-value", "index"}
FOLDER = "numbers"  # outputs/numbers/<task>.json, one file per task
MERGED = "numbers.json"


def _plain(x):
    """JSON-safe python scalar; NaN/inf become None (null) rather than invalid JSON."""
    if x is None:
        return None
    if hasattr(x, "item"):
        x = x.item()
    if isinstance(x, float):
        # 10 significant digits (not decimals): a p-value of 1e-12 must not become 0
        return None if not math.isfinite(x) else float(f"{x:.10g}")
    return x


class Numbers:
    """Collects the numbers of one notebook; `save` replaces that notebook's keys in numbers.json."""

    def __init__(self, notebook: str, spec: dict | None = None):
        self.notebook = notebook
        self.spec = dict(spec or {})
        self.entries: dict[str, dict] = {}

    def add(self, name, value, *, unit, definition, interval=None, p_value=None, spec=None):
        key = f"{self.notebook}.{name}"
        if key in self.entries:
            raise KeyError(f"number {key!r} recorded twice")
        if unit not in UNITS:
            raise ValueError(f"number {key!r}: unit {unit!r} not one of {sorted(UNITS)}")
        entry = {"value": _plain(value), "unit": unit, "definition": definition,
                 "spec": {**self.spec, **(spec or {})}}
        if interval is not None:
            entry["interval"] = [_plain(interval[0]), _plain(interval[1])]
        if p_value is not None:
            entry["p_value"] = _plain(p_value)
        self.entries[key] = entry
        return value

    def get(self, name):
        return self.entries[f"{self.notebook}.{name}"]["value"]

    def save(self, outputs: Path | None = None) -> Path:
        """Write this task's numbers, and only them, to <outputs>/numbers/<task>.json."""
        path = Path(outputs or paths.OUTPUTS) / FOLDER / f"{self.notebook}.json"
        write_json_atomic(self.entries, path)
        return path


def merge(outputs: Path | None = None) -> Path | None:
    """Merge <outputs>/numbers/*.json into <outputs>/numbers.json (keys sorted, so the result does not depend on
    the order tasks ran). Each file may hold only keys under its own task's prefix. None when there is nothing."""
    outputs = Path(outputs or paths.OUTPUTS)
    files = sorted((outputs / FOLDER).glob("*.json"))
    if not files:
        return None
    merged = {}
    for f in files:
        entries = json.loads(f.read_text(encoding="utf-8"))
        stray = [k for k in entries if not k.startswith(f"{f.stem}.")]
        if stray:
            raise ValueError(f"{f}: keys outside the task's prefix {f.stem!r}: {stray[:3]}")
        merged.update(entries)
    write_json_atomic(merged, outputs / MERGED)
    return outputs / MERGED
