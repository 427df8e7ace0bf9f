"""The report: a Sphinx site (myst-nb, sphinx-book-theme) built offline into outputs/report/.

`build` stages a Sphinx source in a temporary folder and runs Sphinx on it:
- index.md and es.md, the landing page in English and Spanish, written from templates (report_site/templates)
  with the numbers of outputs/numbers.json formatted for people (analysis.report.pages); the headlines and the
  numbers quoted in the prose are declared in report_site/headlines.yaml;
- notebooks/*.ipynb, the executed notebooks, sanitised (`sanitise_notebook`) and each opened by a note linking
  back to the landing pages; myst-nb renders them without executing them;
- data.md (the processed CSVs, copied as downloads, and the codebook), codebook.md, numbers.md (every key of
  numbers.json) and provenance.md (parameter file, commit, dates, package versions).
Every page is then checked to load nothing from the network (`external_assets`).

Text in the notebooks comes from data (quotes, names, notes), so every HTML or Markdown output is sanitised with
bleach (`clean_html`): an allowlist of tags and attributes, no event handlers, links only to http(s)/mailto or
in-page, images only as embedded data:image URIs, <style> elements dropped; anything else is escaped and shown as
text. Outputs of other MIME types that would be inserted unescaped (JavaScript, widgets, LaTeX for a CDN math
renderer) are dropped. Markdown cells and outputs cannot insert raw HTML (MyST's HTML syntax is disabled) nor use
the raw or include directives (report_site/docutils.conf).
"""
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import bleach
import nbformat
from bleach.css_sanitizer import CSSSanitizer
from bleach.html5lib_shim import Filter

from analysis import paths
from analysis.report import pages as report_pages
from analysis.report.pages import ReportError

SITE = Path(__file__).resolve().parent / "report_site"


_ASSET = re.compile(r"<(?:script|link|img|iframe|source|video|audio|embed|object)\b[^>]*?"
                    r"\b(?:src|href|data)\s*=\s*[\"']?(https?://[^\"'\s>]+)", re.I)
_CSS_URL = re.compile(r"(?:url\(\s*[\"']?|@import\s+[\"']?)(https?://[^\"')\s]+)", re.I)


def external_assets(text: str) -> list[str]:
    """URLs a browser would fetch on opening the page (scripts, styles, images, CSS url()/@import).

    Ordinary hyperlinks (<a href>) are not assets: a source cited in a notebook stays clickable.
    """
    return sorted(set(_ASSET.findall(text)) | set(_CSS_URL.findall(text)))


_TAGS = {"a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup", "dd", "del", "details",
         "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img",
         "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "small", "span", "strong", "style", "sub",
         "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul"}
_ANY_TAG_ATTRS = {"class", "id", "title", "lang", "dir", "style"}
_TAG_ATTRS = {"a": {"href", "rel"}, "img": {"alt", "width", "height"}, "table": {"border"},
              "td": {"colspan", "rowspan", "align"}, "th": {"colspan", "rowspan", "align", "scope"},
              "col": {"span"}, "colgroup": {"span"}, "ol": {"start"}, "details": {"open"}}
# Layout-only CSS properties in style="..." attributes (none takes a url()).
_CSS = CSSSanitizer(allowed_css_properties={"text-align", "vertical-align", "white-space", "width", "height",
                                            "color", "background-color", "font-weight", "font-style",
                                            "text-decoration", "border-collapse"})
# MIME types myst-nb renders escaped, as an image file, or (HTML, Markdown) after clean_html.
_SAFE_MIME = {"text/plain", "text/html", "text/markdown", "image/png", "image/jpeg", "image/svg+xml"}


def _no_space(value: str) -> str:
    return re.sub(r"[\x00-\x20]", "", value).lower()


def _allowed_attribute(tag: str, name: str, value: str) -> bool:
    """bleach attribute rule; URL schemes are checked afterwards by bleach against its `protocols`."""
    if tag == "img" and name == "src":
        return _no_space(value).startswith("data:image/")
    if tag == "a" and name == "href":
        return not _no_space(value).startswith("data:")  # data: only for embedded images
    return name in _ANY_TAG_ATTRS or name in _TAG_ATTRS.get(tag, ())


class _DropStyleElements(Filter):
    """Remove <style> elements with their CSS text (a page-wide style from data could hide or restyle the page)."""

    def __iter__(self):
        depth = 0
        for token in super().__iter__():
            if token.get("name") == "style" and token["type"] in ("StartTag", "EndTag", "EmptyTag"):
                depth += {"StartTag": 1, "EndTag": -1}.get(token["type"], 0)
                continue
            if depth == 0:
                yield token


_CLEANER = bleach.Cleaner(tags=_TAGS, attributes=_allowed_attribute, protocols={"http", "https", "mailto", "data"},
                          strip=False, strip_comments=True, filters=[_DropStyleElements], css_sanitizer=_CSS)


def clean_html(text) -> str:
    """HTML from a notebook, sanitised: safe tags kept, everything else escaped (shown as text, never run)."""
    text = text.decode("utf-8") if isinstance(text, bytes) else str(text)
    return _CLEANER.clean(text)


def _as_text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def sanitise_notebook(nb):
    """The notebook as the report may show it: unsafe output types dropped, HTML and Markdown outputs cleaned,
    widget state (which would load scripts from a CDN) removed."""
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data") or {}
            for key in [k for k in data if k not in _SAFE_MIME]:
                del data[key]
            for key in ("text/html", "text/markdown"):
                if key in data:
                    data[key] = clean_html(_as_text(data[key]))
    return nb


def notebook_of(key: str, notebooks: list[str], owners: dict | None = None) -> str:
    """The notebook a numbers.json key belongs to.

    Its prefix (before the first ".") is looked up in `owners` (prefix → notebook, from `Numbers("prefix")`
    in the notebooks' code), else matched to a notebook name: the name itself, its number ("03"), or one of
    the words after the number ("regional" → 03-regional-disparity).
    """
    prefix = key.split(".", 1)[0]
    if owners and prefix in owners:
        return owners[prefix]
    for name in notebooks:
        number, _, words = name.partition("-")
        if prefix in (name, number) or prefix in words.split("-"):
            return name
    return prefix


def number_owners() -> dict[str, str]:
    """{prefix: notebook}: each task's numbers carry its name as prefix (analysis.tasks.base.Task)."""
    from analysis.tasks.base import declarations
    return {t.name: t.notebook for t in declarations().values() if t.notebook}


def notebook_names(root: Path) -> list[str]:
    """Notebooks in task order (the task declarations), then any others by name."""
    from analysis.workflow.runner import task_steps, topological_order
    ordered = topological_order(task_steps())
    present = sorted(p.stem for p in (root / "notebooks").glob("*.ipynb"))
    return [n for n in ordered if n in present] + [n for n in present if n not in ordered]


def _back_link_cell():
    return nbformat.v4.new_markdown_cell(
        "```{note}\nPart of the report [Casualties of Peru's protests: findings](../index.md) · "
        "[Hallazgos en español](../es.md) · [Data and codebook](../data.md) · [Every number](../numbers.md)\n```")


def _stage_notebooks(root: Path, names: list[str], src: Path) -> tuple[dict, dict]:
    """Sanitised copies with a back-link note; returns ({name: title}, {name: code source})."""
    titles, sources = {}, {}
    for name in names:
        nb = nbformat.read(str(root / "notebooks" / f"{name}.ipynb"), as_version=4)
        titles[name] = report_pages.notebook_title(nb, name)
        sources[name] = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
        nb = sanitise_notebook(nb)
        nb.cells.insert(0, _back_link_cell())
        (src / "notebooks").mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, str(src / "notebooks" / f"{name}.ipynb"))
    return titles, sources


def _stage_files(root: Path, src: Path, figures: list[str]) -> list[Path]:
    """Site configuration, the headline figures, the codebook and the processed CSVs; returns the CSVs."""
    for item in ("conf.py", "docutils.conf", "_static"):
        copy = shutil.copytree if (SITE / item).is_dir() else shutil.copyfile
        copy(SITE / item, src / item)
    (src / "figures").mkdir()
    for stem in figures:
        shutil.copyfile(root / "outputs" / "figures" / f"{stem}.png", src / "figures" / f"{stem}.png")
    processed = root / "data" / "processed"
    codebook = processed / "codebook.md"
    (src / "codebook.md").write_text(codebook.read_text(encoding="utf-8") if codebook.exists()
                                     else "# Codebook\n\nNo codebook was written by this run.\n", encoding="utf-8")
    csvs = sorted(processed.glob("*.csv")) + sorted((root / "outputs" / "tables").glob("published_vs_reproduced.csv"))
    (src / "data").mkdir()
    for csv in csvs:
        shutil.copyfile(csv, src / "data" / csv.name)
    return [src / "data" / c.name for c in csvs]


def _sphinx(src: Path, work: Path) -> Path:
    """Run Sphinx (warnings are errors: a broken link or reference fails the build); returns the HTML folder."""
    html = work / "html"
    cmd = [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-E", "-W", "--keep-going",
           "-d", str(work / "doctrees"), str(src), str(html)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode:
        raise ReportError(f"Sphinx failed ({done.returncode}):\n{done.stderr.strip() or done.stdout.strip()}")
    return html


def _check_offline(html: Path) -> None:
    for page in sorted(html.rglob("*.html")):
        left = external_assets(page.read_text(encoding="utf-8"))
        if left:
            raise ReportError(f"{page.relative_to(html)}: the page would load from the network: {left}")


def _replace_dir(new: Path, target: Path) -> None:
    """Publish the built site: the old report is removed only once the new one is complete."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = target.with_name(target.name + ".new")
    shutil.rmtree(staged, ignore_errors=True)
    shutil.copytree(new, staged)
    shutil.rmtree(target, ignore_errors=True)
    staged.rename(target)


def build(root=None, out_dir=None, params_file=None, headlines_file=None) -> Path:
    """Build the report into outputs/report/ (or `out_dir`); returns the path of its index.html."""
    root = Path(root or paths.ROOT)
    out_dir = Path(out_dir or root / "outputs" / "report")
    params_file = Path(params_file or root / "params" / "default.yaml")
    spec = report_pages.load_spec(Path(headlines_file or SITE / "headlines.yaml"))
    numbers = report_pages.load_numbers(root / "outputs" / "numbers.json")
    names = notebook_names(root)
    with tempfile.TemporaryDirectory(prefix="report-") as tmp:
        src = Path(tmp) / "src"
        src.mkdir()
        titles, sources = _stage_notebooks(root, names, src)
        figures = [h["figure"] for h in spec["headlines"]]
        report_pages.require_figures(root / "outputs" / "figures", figures)
        csvs = _stage_files(root, src, figures)
        context = report_pages.Context(root=root, numbers=numbers, spec=spec, names=names, titles=titles,
                                       owners=number_owners(), params_file=params_file,
                                       claims_file=root / "outputs" / "tables" / "published_vs_reproduced.csv")
        report_pages.write_pages(context, src, SITE / "templates", csvs)
        html = _sphinx(src, Path(tmp))
        _check_offline(html)
        _replace_dir(html, out_dir)
    return out_dir / "index.html"


def main() -> int:
    """`python -m analysis report`: build, or one line naming what is missing."""
    try:
        index = build()
    except ReportError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"report written to {paths.rel(index)} (open it in a browser; Spanish: {paths.rel(index.with_name('es.html'))})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
