"""Compare two runs' numbers.json: `python -m analysis diff <run> [<run>]`.

A run is `published` (outputs/numbers.json), the name of a run under outputs/runs/ (a parameter file's stem), or
a path to a numbers.json or to a folder holding one. With one run, it is compared against the published one.
A number moved when its value, interval or p-value differs; each is shown old -> new with the absolute and
relative change of its value, its unit and its definition. Keys in only one run are listed after.
"""
import json
import math
from pathlib import Path

from analysis import paths

PUBLISHED = "published"


class RunNotFound(ValueError):
    """A run name or path that names no numbers.json."""


def locate(run: str, root: Path | None = None) -> Path:
    """The numbers.json of `run` (see the module doc); RunNotFound lists the runs there are."""
    root = Path(root or paths.ROOT)
    runs = root / "outputs" / "runs"
    if run == PUBLISHED:
        candidate = root / "outputs" / "numbers.json"
    elif (runs / run / "numbers.json").is_file():
        candidate = runs / run / "numbers.json"
    else:
        path = Path(run)
        candidate = path / "numbers.json" if path.is_dir() else path
    if candidate.is_file():
        return candidate
    known = sorted(p.parent.name for p in runs.glob("*/numbers.json")) if runs.is_dir() else []
    raise RunNotFound(f"{run}: no numbers.json there; runs: {', '.join([PUBLISHED] + known)} "
                      "(or a path to a numbers.json or its folder)")


def load(path: Path) -> dict:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise RunNotFound(f"{path}: not valid JSON (line {err.lineno}): {err.msg}") from None
    if not isinstance(data, dict):
        raise RunNotFound(f"{path}: expected an object of numbers, got {type(data).__name__}")
    return data


def _num(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def change(old, new) -> str:
    """'+1.5 (+3.2 %)'; relative change left out when the old value is 0; '' for non-numbers."""
    if not (_num(old) and _num(new)):
        return ""
    delta = new - old
    text = f"{delta:+.6g}"
    if old != 0 and math.isfinite(old):
        text += f" ({delta / abs(old):+.1%})"
    return text


def _show(x) -> str:
    if isinstance(x, list):
        return "[" + ", ".join(_show(v) for v in x) + "]"
    return "null" if x is None else f"{x:.6g}" if isinstance(x, float) else str(x)


def moved(a: dict, b: dict) -> list[dict]:
    """Keys in both runs whose value, interval or p-value differs: key, fields, old/new entries, change."""
    rows = []
    for key in sorted(set(a) & set(b)):
        fields = [f for f in ("value", "interval", "p_value") if a[key].get(f) != b[key].get(f)]
        if fields:
            rows.append({"key": key, "fields": fields, "old": a[key], "new": b[key],
                         "change": change(a[key].get("value"), b[key].get("value")) if "value" in fields else ""})
    return rows


def _spec_changes(a: dict, b: dict) -> list[str]:
    """The specification entries that differ between the runs, over all keys in both (what was varied)."""
    seen = {}
    for key in set(a) & set(b):
        sa, sb = a[key].get("spec") or {}, b[key].get("spec") or {}
        for name in set(sa) | set(sb):
            if sa.get(name) != sb.get(name):
                seen[(key.split(".", 1)[0], name)] = (sa.get(name), sb.get(name))
    return [f"{nb}: {name} {_show(old)} -> {_show(new)}" for (nb, name), (old, new) in sorted(seen.items(),
                                                                                          key=str)]


def report(a: dict, b: dict, name_a: str, name_b: str) -> str:
    rows = moved(a, b)
    only_a, only_b = sorted(set(a) - set(b)), sorted(set(b) - set(a))
    lines = [f"{name_a} -> {name_b}: {len(rows)} of {len(set(a) & set(b))} shared numbers moved; "
             f"{len(only_a)} only in {name_a}, {len(only_b)} only in {name_b}"]
    specs = _spec_changes(a, b)
    if specs:
        lines += ["", "specification changes:"] + [f"  {s}" for s in specs]
    if rows:
        lines += ["", "moved:"]
    for row in rows:
        old, new = row["old"], row["new"]
        value = f"{_show(old.get('value'))} -> {_show(new.get('value'))}"
        lines.append(f"  {row['key']}: {value}" + (f"  {row['change']}" if row["change"] else "")
                     + f"  [{new.get('unit', old.get('unit', '?'))}]")
        for field in ("interval", "p_value"):
            if field in row["fields"]:
                lines.append(f"      {field.replace('_', '-')}: {_show(old.get(field))} -> {_show(new.get(field))}")
        lines.append(f"      {new.get('definition') or old.get('definition') or '(no definition)'}")
    for label, keys, source in ((name_a, only_a, a), (name_b, only_b, b)):
        if keys:
            lines += ["", f"only in {label}:"]
            lines += [f"  {k}: {_show(source[k].get('value'))} [{source[k].get('unit', '?')}]  "
                      f"{source[k].get('definition', '')}".rstrip() for k in keys]
    return "\n".join(lines) + "\n"


def main(runs: list[str], root=None) -> str:
    """The report comparing runs[0] with runs[1] (or the published run with runs[0])."""
    if not 1 <= len(runs) <= 2:
        raise RunNotFound("diff takes one run (compared with the published one) or two")
    first, second = ([PUBLISHED] + runs)[-2:]
    return report(load(locate(first, root)), load(locate(second, root)), first, second)
