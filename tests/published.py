"""The published files (processed data, outputs, notebooks, the report) and the text a reader sees in each."""
import html
import json
import re
from pathlib import Path

from analysis.register import privacy


TEXT_OUTPUTS = ("text/plain", "text/html", "text/markdown", "text/latex")


def published_files(root: Path) -> list:
    files = [p for p in sorted((root / "data/processed").glob("*")) if p.is_file()]
    files += [p for ext in ("csv", "json", "md") for p in sorted((root / "outputs").rglob(f"*.{ext}"))
              if "report" not in p.relative_to(root / "outputs").parts]
    files += sorted((root / "notebooks").glob("*.ipynb"))
    report = root / "outputs/report"
    if report.exists():
        files += [p for p in sorted(report.rglob("*")) if p.is_file() and p.suffix in (".html", ".md", ".json",
                                                                                       ".csv", ".txt", ".js")]
    return [p for p in files if not p.name.startswith(".")]


def _strings(obj):
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield k
            yield from _strings(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _strings(v)


def _notebook_text(nb: dict):
    """Cell sources and every text output (images are skipped: base64 is not text)."""
    for cell in nb.get("cells", []):
        yield "".join(cell.get("source", ""))
        for out in cell.get("outputs", []):
            yield "".join(out.get("text", ""))
            yield "\n".join(out.get("traceback", []))
            for mime, data in out.get("data", {}).items():
                if mime in TEXT_OUTPUTS or mime.startswith("application/"):
                    yield from _strings(data)


def published_text(path: Path) -> str:
    raw = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix == ".ipynb":
        return "\n".join(_notebook_text(json.loads(raw)))
    if path.suffix == ".json":
        return "\n".join(_strings(json.loads(raw)))
    if path.suffix in (".html", ".htm", ".svg"):
        return html.unescape(re.sub(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=]+", " ", raw))
    return raw


def hits_in(path: Path, protected) -> list:
    """'file:line: matched text (shown as ...)' for every protected name form in the file."""
    found = []
    for n, line in enumerate(published_text(path).splitlines(), start=1):
        for start, end, person, _ in privacy.find_protected(line, protected, surnames=False):
            found.append(f"{path}:{n}: '{line[start:end]}' names a protected person (show '{person.initials}')")
    return found
