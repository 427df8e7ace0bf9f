"""The report's generated pages (Markdown for MyST): landing pages in English and Spanish from templates, the
appendix of every number, the data page and the provenance of the run.

Numbers are formatted for people here, through analysis.report.text: proportions as %, three significant figures,
whole counts as integers, "p < 0.001". Text that comes from data (definitions, publishers, reasons) is
backslash-escaped (`md_escape`) so it is shown as written and never read as Markdown or MyST syntax.
"""
import csv
import dataclasses
import datetime as dt
import difflib
import hashlib
import importlib.metadata
import json
import platform
import re
import string
import subprocess
from pathlib import Path

import jinja2
import yaml

from analysis.report import text


class ReportError(ValueError):
    """The report cannot be built (a declared key, figure or claim is missing, or Sphinx failed)."""


LANGS = ("en", "es")
COUNT_UNITS = {"person", "persons", "event", "events", "department", "departments", "count", "days"}
# The register's verdict classes (analysis/tasks/claims.py), as the pages say them.
VERDICT = {"en": {"reproduced exactly": "reproduced exactly",
                  "reproduced within the published rounding": "reproduced within the published rounding",
                  "not reproduced": "not reproduced"},
           "es": {"reproduced exactly": "reproducido exactamente",
                  "reproduced within the published rounding": "reproducido dentro del redondeo publicado",
                  "not reproduced": "no reproducido"}}
_PUNCT = re.compile("([" + re.escape(string.punctuation) + "])")


def md_escape(value) -> str:
    """Data text as literal Markdown: one line, every ASCII punctuation mark backslash-escaped (CommonMark shows
    an escaped mark as itself), so no link, role, directive, HTML or block syntax can form."""
    return _PUNCT.sub(r"\\\1", " ".join(str(value).split()))


# ---------------------------------------------------------------- numbers for people

def _is_whole(x) -> bool:
    return isinstance(x, (int, float)) and float(x).is_integer()


def fmt_value(value, unit: str) -> str:
    """One number as a person reads it, according to its unit."""
    if value is None or isinstance(value, bool):
        return text.MISSING if value is None else str(value)
    if isinstance(value, str):
        return md_escape(value)
    if unit == "proportion":
        return text.pct(value, digits=1)
    if unit == "percent":
        return f"{text.num(value, 0) if _is_whole(value) else text.sig(value, 3)} %"
    if unit == "p-value":
        return text.pval(value)
    if unit in COUNT_UNITS or (_is_whole(value) and abs(value) >= 1):
        return text.num(value, 0) if _is_whole(value) else text.sig(value, 3)
    return text.sig(value, 3)


def fmt_interval(interval, unit: str) -> str:
    """'lo–hi' in the number's own format ('62.0–87.7 %' for proportions); '' when there is none."""
    if not interval or any(v is None for v in interval):
        return ""
    lo, hi = (fmt_value(v, unit) for v in interval)
    if unit in ("proportion", "percent"):
        lo = lo.removesuffix(" %")
    return f"{lo}–{hi}"


def fmt_p(p) -> str:
    """'p < 0.001', 'p = 0.035'; '' when no p-value was recorded."""
    if p is None:
        return ""
    shown = text.pval(p)
    return f"p {shown}" if shown.startswith("<") else f"p = {shown}"


# ---------------------------------------------------------------- inputs

def load_numbers(path: Path) -> dict:
    if not path.exists():
        raise ReportError(f"{path}: not found; run the notebooks first (make suite)")
    return json.loads(path.read_text(encoding="utf-8"))


def load_spec(path: Path) -> dict:
    """headlines.yaml, checked: every headline has key, en, es and figure; facts map names to keys."""
    spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    for i, h in enumerate(spec.get("headlines") or [], 1):
        missing = [f for f in ("key", "en", "es", "figure") if not h.get(f)]
        if missing:
            raise ReportError(f"{path.name}: headline {i} ({h.get('key', '?')}) lacks {', '.join(missing)}")
    if not spec.get("headlines"):
        raise ReportError(f"{path.name}: no headlines declared")
    spec.setdefault("facts", {})
    spec["path"] = path.name
    return spec


def require_key(numbers: dict, key: str, where: str) -> dict:
    """The numbers.json entry of `key`, or an error naming it and the closest keys that exist."""
    if key in numbers:
        return numbers[key]
    close = difflib.get_close_matches(key, list(numbers), n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise ReportError(f"{where}: key {key!r} is not in outputs/numbers.json{hint} (update the file's keys "
                      "to the ones the notebooks now record)")


def require_figures(fig_dir: Path, stems: list[str]) -> None:
    missing = [s for s in stems if not (fig_dir / f"{s}.png").is_file()]
    if missing:
        raise ReportError(f"headlines.yaml: figure(s) not in outputs/figures/: {', '.join(missing)}")


def read_claims(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def notebook_title(nb, name: str) -> str:
    """The notebook's first Markdown heading, else its file name."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return name


# ---------------------------------------------------------------- page content

@dataclasses.dataclass
class Context:
    root: Path
    numbers: dict
    spec: dict
    names: list
    titles: dict
    owners: dict
    params_file: Path
    claims_file: Path


def _float(cell: str):
    try:
        return float(cell)
    except (TypeError, ValueError):
        return None


def _claim_value(cell: str, unit: str) -> str:
    return fmt_value(_float(cell), "percent" if unit == "percent" else "count")


def claim(rows: list[dict], claim_id: str, quantity: str | None, lang: str, where: str) -> dict:
    """The published claim a headline tests, with the register's value and the verdict, formatted."""
    found = [r for r in rows if r["claim_id"] == claim_id and r.get("status") == "addressed"
             and (quantity is None or r["quantity"] == quantity)]
    if not found:
        raise ReportError(f"{where}: claim {claim_id}{f' ({quantity})' if quantity else ''} is not an addressed "
                          "row of outputs/tables/published_vs_reproduced.csv")
    r = found[0]
    lo, hi = _float(r.get("range_low")), _float(r.get("range_high"))
    if lo is None or lo == hi:
        lo, hi = _float(r.get("ci_low")), _float(r.get("ci_high"))
    spread = "" if lo is None or hi is None or lo == hi else \
        f"{_claim_value(str(lo), r['unit']).removesuffix(' %')}–{_claim_value(str(hi), r['unit'])}"
    verdict = r["verdict"].strip()
    if verdict not in VERDICT[lang]:
        raise ReportError(f"{where}: claim {claim_id} has verdict {verdict!r}, not one of {sorted(VERDICT[lang])}")
    reason = r.get("difference_reasons") if verdict == "not reproduced" and r.get("difference_reasons") else \
        r.get("reason", "").split(";")[0].split(":", 1)[-1].strip()
    return {"id": md_escape(claim_id), "publisher": md_escape(r["publisher"]), "date": md_escape(r["published_date"]),
            "published": _claim_value(r["published"], r["unit"]), "reproduced": _claim_value(r["reproduced"], r["unit"]),
            "range": spread, "reproduced_ok": verdict != "not reproduced", "verdict": VERDICT[lang][verdict],
            "reason": md_escape(reason)}


def _doc(name: str) -> str:
    return f"notebooks/{name}.ipynb"


def headline(ctx: Context, h: dict, lang: str, claims: list[dict]) -> dict:
    where = f"{ctx.spec['path']}: headline {h['key']}"
    entry = require_key(ctx.numbers, h["key"], where)
    unit = entry.get("unit", "")
    owner = _resolve_owner(ctx, h["key"])
    return {"label": md_escape(h[lang]), "value": fmt_value(entry.get("value"), unit),
            "interval": fmt_interval(entry.get("interval"), unit), "p": fmt_p(entry.get("p_value")),
            "definition": md_escape(str(entry.get("definition", "")).rstrip(". ")),
            "notebook_title": md_escape(ctx.titles.get(owner, owner)), "notebook_doc": _doc(owner),
            "figure": f"figures/{h['figure']}.png", "figure_alt": " ".join(str(h[lang]).split()),
            "figure_caption": md_escape(h[lang]),
            "claim": claim(claims, h["claim"], h.get("quantity"), lang, where) if h.get("claim") else None}


def _resolve_owner(ctx: Context, key: str) -> str:
    from analysis.report.site import notebook_of
    return notebook_of(key, ctx.names, ctx.owners)


def facts(ctx: Context) -> dict:
    return {name: fmt_value(require_key(ctx.numbers, key, f"{ctx.spec['path']}: fact {name}").get("value"),
                            ctx.numbers[key].get("unit", ""))
            for name, key in ctx.spec["facts"].items()}


def _git(root: Path, *args) -> str:
    try:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return ""
    return done.stdout.strip()


def provenance(ctx: Context) -> dict:
    commit = _git(ctx.root, "rev-parse", "HEAD")
    dirty = bool(_git(ctx.root, "status", "--porcelain", "--untracked-files=no")) if commit else False
    numbers_file = ctx.root / "outputs" / "numbers.json"
    stamp = dt.datetime.fromtimestamp(numbers_file.stat().st_mtime, dt.timezone.utc)
    try:
        params = ctx.params_file.resolve().relative_to(ctx.root.resolve()).as_posix()
    except ValueError:
        params = str(ctx.params_file)
    return {"params": params, "commit": commit or "unknown (not a git checkout)", "commit_short": commit[:10] or "unknown",
            "dirty": dirty, "results_date": stamp.strftime("%Y-%m-%d %H:%M UTC"),
            "built": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}


def package_versions(root: Path) -> list[tuple[str, str, str]]:
    """(package, pinned, installed) for every pin of requirements.txt, Python first."""
    rows = [("python", "3.11", platform.python_version())]
    req = root / "requirements.txt"
    for line in (req.read_text(encoding="utf-8").splitlines() if req.exists() else []):
        m = re.fullmatch(r"([A-Za-z0-9_.\-]+)==(\S+)", line.split("#")[0].strip())
        if m:
            try:
                installed = importlib.metadata.version(m.group(1))
            except importlib.metadata.PackageNotFoundError:
                installed = "not installed"
            rows.append((m.group(1), m.group(2), installed))
    return rows


# ---------------------------------------------------------------- pages

def landing(ctx: Context, lang: str, templates: Path, prov: dict) -> str:
    claims = read_claims(ctx.claims_file)
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(templates), undefined=jinja2.StrictUndefined,
                             autoescape=False, keep_trailing_newline=True)
    notebooks = [{"title": md_escape(ctx.titles.get(n, n)), "doc": _doc(n)} for n in ctx.names]
    owners = {name: _resolve_owner(ctx, key) for name, key in ctx.spec["facts"].items()}
    fact_notebooks = {name: {"doc": _doc(n), "title": md_escape(ctx.titles.get(n, n))} for name, n in owners.items()}
    values = dict(headlines=[headline(ctx, h, lang, claims) for h in ctx.spec["headlines"]], facts=facts(ctx),
                  fact_notebooks=fact_notebooks,
                  notebooks=notebooks, provenance=prov, n_numbers=text.num(len(ctx.numbers), 0))
    try:
        return env.get_template(f"index.{lang}.md").render(**values)
    except jinja2.UndefinedError as err:  # e.g. a fact the template quotes but headlines.yaml does not declare
        raise ReportError(f"templates/index.{lang}.md: {err} (declare it in {ctx.spec['path']})") from err


def numbers_page(ctx: Context) -> str:
    """Appendix: every key of numbers.json, grouped by the notebook that records it."""
    from analysis.report.site import notebook_of
    groups: dict[str, list[str]] = {}
    for key in sorted(ctx.numbers):
        groups.setdefault(notebook_of(key, ctx.names, ctx.owners), []).append(key)
    order = [n for n in ctx.names if n in groups] + sorted(set(groups) - set(ctx.names))
    out = ["# Every number", "",
           f"All {len(ctx.numbers)} numbers recorded in `outputs/numbers.json`, with the machine key each notebook "
           "uses, grouped by the notebook that computes it. [Back to the findings](index.md).", ""]
    for name in order:
        title = ctx.titles.get(name, name)
        link = f"[{md_escape(title)}]({_doc(name)})" if name in ctx.names else md_escape(title)
        out += [f"## {md_escape(name)}", "", f"Computed in {link}.", "",
                "| key | value | interval | p | unit | definition |", "|---|---:|---|---|---|---|"]
        for key in groups[name]:
            e = ctx.numbers[key]
            unit = e.get("unit", "")
            cells = [md_escape(key), fmt_value(e.get("value"), unit), fmt_interval(e.get("interval"), unit),
                     fmt_p(e.get("p_value")), md_escape(unit), md_escape(e.get("definition", ""))]
            out.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
        out.append("")
    return "\n".join(out)


def _rows(path: Path) -> int:
    with path.open(encoding="utf-8", newline="") as f:
        return max(0, sum(1 for _ in csv.reader(f)) - 1)


def data_page(csvs: list[Path]) -> str:
    out = ["# Data and codebook", "",
           "The processed register and its tables, as the notebooks wrote them. Every field is documented in the "
           "[codebook](codebook.md). [Back to the findings](index.md) · [Volver a los hallazgos](es.md).", "",
           "| file | rows |", "|---|---:|"]
    out += [f"| {{download}}`{p.name} <data/{p.name}>` | {text.num(_rows(p), 0)} |" for p in csvs]
    return "\n".join(out) + "\n"


def provenance_page(ctx: Context, prov: dict) -> str:
    params = ctx.params_file.read_text(encoding="utf-8") if ctx.params_file.exists() else "(file not found)\n"
    digest = hashlib.sha256(params.encode("utf-8")).hexdigest()[:12]
    fence = "`" * max(3, 1 + max((len(m) for m in re.findall(r"`+", params)), default=0))
    dirty = " (the working tree had uncommitted changes)" if prov["dirty"] else ""
    out = ["# Provenance of this run", "", "[Back to the findings](index.md) · [Volver a los hallazgos](es.md)", "",
           f"- Parameter file: `{prov['params']}` (sha256 {digest}…)",
           f"- Git commit: `{prov['commit']}`{dirty}",
           f"- Results written (outputs/numbers.json): {prov['results_date']}",
           f"- Report built: {prov['built']}", "", "## Parameters", "", f"{fence}yaml", params.rstrip("\n"), fence,
           "", "## Package versions", "", "| package | pinned | installed |", "|---|---|---|"]
    out += [f"| {md_escape(n)} | {md_escape(p)} | {md_escape(i)} |" for n, p, i in package_versions(ctx.root)]
    return "\n".join(out) + "\n"


def write_pages(ctx: Context, src: Path, templates: Path, csvs: list[Path]) -> None:
    prov = provenance(ctx)
    pages = {"index.md": landing(ctx, "en", templates, prov), "es.md": landing(ctx, "es", templates, prov),
             "numbers.md": numbers_page(ctx), "data.md": data_page(csvs), "provenance.md": provenance_page(ctx, prov)}
    for name, body in pages.items():
        (src / name).write_text(body, encoding="utf-8")
