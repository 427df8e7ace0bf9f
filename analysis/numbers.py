"""Every number quoted in notebook prose is computed and recorded here, then saved to outputs/numbers.json.

Each entry: key (stable, `<notebook>.<name>`), value, interval, p_value, unit (person, event, department, ...),
definition (one line), and the specification (analytic choices) it was computed under.
"""
import json
import math
from pathlib import Path

from . import paths
from .io import write_json_atomic

UNITS = {"person", "event", "department", "persons per 100,000", "ratio", "proportion", "percent", "days",
         "events per day", "count", "p-value", "index", "persons", "departments", "events"}


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

    def save(self, path: Path | None = None) -> Path:
        path = Path(path or paths.OUTPUTS / "numbers.json")
        existing = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        prefix = f"{self.notebook}."
        merged = {k: v for k, v in existing.items() if not k.startswith(prefix)}
        merged.update(self.entries)
        write_json_atomic(merged, path)
        return path
