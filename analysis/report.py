"""Static HTML report, readable offline: one page per executed notebook plus an index of every recorded number.

Notebook pages come from nbconvert's HTMLExporter ("lab" template: CSS inlined, images embedded). Its <script>
elements (require.js, MathJax, mermaid from a CDN) are removed, so the pages load nothing from the network;
`external_assets` checks that. index.html lists each key of outputs/numbers.json grouped by notebook (value,
interval, p-value, unit, definition) with links to the notebook page and to that notebook's figures, which are
copied into outputs/report/figures/.

Text in the notebooks comes from data (quotes, names, notes), so every piece of HTML the exporter passes through
(markdown cells, text/html and text/markdown outputs) is sanitised with bleach (`clean_html`): an allowlist of
tags and attributes, no event handlers, links only to http(s)/mailto or in-page, images only as embedded
data:image URIs, <style> elements dropped; anything else is escaped and shown as text. Outputs of other MIME
types that the template would insert unescaped (JavaScript, widgets, mermaid) are dropped before export.
"""
import html
import json
import re
import shutil
from pathlib import Path

import bleach
from bleach.css_sanitizer import CSSSanitizer
from bleach.html5lib_shim import Filter
from nbconvert import HTMLExporter

from . import paths
from .io import write_text_atomic

_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script\s*>", re.S | re.I)
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
# MIME types the lab template renders escaped, or through clean_html, or as an <img> (SVG is base64-encoded).
_SAFE_MIME = {"text/plain", "text/html", "text/markdown", "text/latex", "image/png", "image/jpeg", "image/svg+xml"}


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


def _drop_unsafe_outputs(nb, resources):
    """nbconvert preprocessor: remove output MIME types the template would insert unescaped (scripts, widgets)."""
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data") or {}
            for key in [k for k in data if k not in _SAFE_MIME]:
                del data[key]
    return nb, resources


def notebook_html(notebook_path: Path) -> str:
    """One executed notebook as a self-contained HTML page, all HTML from its cells sanitised (clean_html)."""
    exporter = HTMLExporter(template_name="lab", embed_images=True, sanitize_html=True,
                            filters={"clean_html": clean_html})
    exporter.register_preprocessor(_drop_unsafe_outputs, enabled=True)
    body, _ = exporter.from_filename(str(notebook_path))
    body = _SCRIPT.sub("", body)
    left = external_assets(body)
    if left:
        raise ValueError(f"{paths.rel(notebook_path)}: HTML still references network assets: {left}")
    return body


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


_NUMBERS_CALL = re.compile(r"Numbers\(\s*[\"']([^\"']+)[\"']")


def number_owners(sources: dict[str, str]) -> dict[str, str]:
    """{prefix: notebook} for every `Numbers("prefix", ...)` in a notebook's code."""
    return {prefix: name for name, src in sources.items() for prefix in _NUMBERS_CALL.findall(src)}


def figures_of(name: str, figure_stems: list[str], sources: str) -> list[str]:
    """Figures a notebook made: named with its number prefix ("03-…", "03_…") or as a string literal in its code."""
    number = name.split("-", 1)[0]

    def quoted(stem):
        return f'"{stem}"' in sources or f"'{stem}'" in sources
    return [s for s in figure_stems if s.startswith((f"{number}-", f"{number}_")) or quoted(s)]


def _code_sources(notebook_path: Path) -> str:
    nb = json.loads(notebook_path.read_text(encoding="utf-8"))
    return "\n".join("".join(c.get("source", "")) for c in nb.get("cells", []) if c.get("cell_type") == "code")


def _fmt(x) -> str:
    if x is None:
        return "—"
    if isinstance(x, float):
        return f"{x:.4g}"
    return html.escape(str(x))


def _row(key: str, entry: dict, page: str) -> str:
    interval = entry.get("interval")
    cells = [f'<a href="{page}"><code>{html.escape(key)}</code></a>', _fmt(entry.get("value")),
             f"{_fmt(interval[0])} – {_fmt(interval[1])}" if interval else "",
             _fmt(entry.get("p_value")) if "p_value" in entry else "",
             html.escape(str(entry.get("unit", ""))), html.escape(str(entry.get("definition", "")))]
    return "<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"


_STYLE = """body{font-family:sans-serif;max-width:70em;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;width:100%;margin-bottom:1em}td,th{border-bottom:1px solid #ccc;padding:.3em;
text-align:left;vertical-align:top}th{background:#f3f3f3}code{font-size:90%}.figs a{margin-right:1em}"""


# Headline findings shown first on the landing page (keys in outputs/numbers.json; a missing key is skipped).
HEADLINES = [
    ("register.persons_identified", "persons identified in the register"),
    ("register.persons_unidentified", "unidentified records (deaths known only from official counts)"),
    ("regional.rate_03", "Apurímac: clash deaths per 100,000"),
    ("regional.rate_05", "Ayacucho: clash deaths per 100,000"),
    ("regional.rate_21", "Puno: clash deaths per 100,000"),
    ("regional.rate_15", "Lima: clash deaths per 100,000"),
    ("ethnic.selfid.t50.clash.c20230216.population_share_min",
     "majority-Indigenous departments' population share (unknown units counted as not majority)"),
    ("ethnic.selfid.t50.clash.c20230216.death_share_min",
     "their share of clash deaths to 16 Feb 2023 (same reading)"),
    ("ethnic.selfid.t50.clash.c20230216.death_share", "their share of deaths, departments of known status only"),
    ("force.cause.firearm_projectile.share", "deaths by firearm projectile, among known causes"),
    ("force.force.army.share", "deaths attributed to the army, among known forces"),
    ("force.civilians_per_police_killed", "civilians killed per police officer killed"),
    ("robustness.ethnic.share_holds", "share of specifications in which the ethnic finding holds"),
    ("robustness.regional.share_holds", "share of specifications in which the regional finding holds"),
]


def headlines_html(numbers: dict, notebooks: list[str], owners=None) -> str:
    rows = [_row(key, {**numbers[key], "definition": f"{label}. {numbers[key].get('definition', '')}"},
                 f"notebooks/{notebook_of(key, notebooks, owners)}.html")
            for key, label in HEADLINES if key in numbers]
    if not rows:
        return ""
    return ("<h2>Headline findings</h2><table><tr><th>key</th><th>value</th><th>interval</th><th>p</th>"
            "<th>unit</th><th>definition</th></tr>" + "".join(rows) + "</table>")


def index_html(numbers: dict, notebooks: list[str], figures: dict[str, list[str]], owners=None) -> str:
    """The landing page: findings grouped by notebook, each linked to its notebook page and figures."""
    groups: dict[str, list[str]] = {}
    for key in sorted(numbers):
        groups.setdefault(notebook_of(key, notebooks, owners), []).append(key)
    order = [n for n in notebooks if n in groups or figures.get(n)] + sorted(set(groups) - set(notebooks))
    parts = [f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Findings</title><style>{_STYLE}</style>"
             "</head><body><h1>Findings</h1><p>Every number quoted in the notebooks, as recorded in "
             "<code>outputs/numbers.json</code>, grouped by the notebook that computed it.</p>",
             headlines_html(numbers, notebooks, owners)]
    for name in order:
        page = f"notebooks/{name}.html" if name in notebooks else "#"
        parts.append(f'<h2 id="{html.escape(name)}"><a href="{page}">{html.escape(name)}</a></h2>')
        figs = figures.get(name, [])
        if figs:
            links = "; ".join(f'<a href="figures/{html.escape(s)}.png">{html.escape(s)}</a>'
                            f' (<a href="figures/{html.escape(s)}.csv">data</a>)' for s in figs)
            parts.append(f'<p class="figs">Figures: {links}</p>')
        if groups.get(name):
            parts.append("<table><tr><th>key</th><th>value</th><th>interval</th><th>p</th><th>unit</th>"
                         "<th>definition</th></tr>")
            parts += [_row(k, numbers[k], page) for k in groups[name]]
            parts.append("</table>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


def notebook_names(root: Path) -> list[str]:
    """Notebooks in pipeline order (params/pipeline.yaml), then any others by name."""
    from .runner import load_pipeline, topological_order
    pipeline = root / "params" / "pipeline.yaml"
    ordered = topological_order(load_pipeline(pipeline)) if pipeline.exists() else []
    present = sorted(p.stem for p in (root / "notebooks").glob("*.ipynb"))
    return [n for n in ordered if n in present] + [n for n in present if n not in ordered]


def build(root=None, out_dir=None) -> Path:
    """Write outputs/report/index.html, notebooks/*.html and figures/; returns the index path."""
    root = Path(root or paths.ROOT)
    out_dir = Path(out_dir or root / "outputs" / "report")
    names = notebook_names(root)
    numbers_file = root / "outputs" / "numbers.json"
    numbers = json.loads(numbers_file.read_text(encoding="utf-8")) if numbers_file.exists() else {}
    fig_dir = root / "outputs" / "figures"
    stems = sorted(p.stem for p in fig_dir.glob("*.png"))
    figures, sources = {}, {}
    for name in names:
        nb_path = root / "notebooks" / f"{name}.ipynb"
        write_text_atomic(notebook_html(nb_path), out_dir / "notebooks" / f"{name}.html")
        sources[name] = _code_sources(nb_path)
        figures[name] = figures_of(name, stems, sources[name])
    for stem in sorted({s for fs in figures.values() for s in fs}):
        for ext in ("png", "csv"):
            if (fig_dir / f"{stem}.{ext}").exists():
                (out_dir / "figures").mkdir(parents=True, exist_ok=True)
                shutil.copyfile(fig_dir / f"{stem}.{ext}", out_dir / "figures" / f"{stem}.{ext}")
    index = out_dir / "index.html"
    write_text_atomic(index_html(numbers, names, figures, number_owners(sources)), index)
    return index
