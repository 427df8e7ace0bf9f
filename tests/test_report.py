"""The report (Sphinx + myst-nb): landing pages generated from numbers.json, numbers formatted for people,
notebook pages linked both ways, data and provenance pages, HTML from data sanitised, nothing loaded from the
network. One fixture project is built once (Sphinx takes a few seconds); the browser checks are in
test_report_browser.py."""
import base64
import json
import re
import shutil
import textwrap
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
import yaml

from analysis.report import site as report, pages as report_pages
from analysis.report.pages import ReportError, fmt_interval, fmt_p, fmt_value, md_escape

ROOT = Path(__file__).resolve().parent.parent
# 1x1 PNG
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJ"
                       "RU5ErkJggg==")
NUMBERS = {
    "demo.deaths": {"value": 49, "unit": "person", "definition": "people killed by security forces"},
    "demo.share_young": {"value": 0.2857142857, "interval": [0.17, 0.42], "unit": "proportion",
                         "definition": "share aged under 25 <young> [x](javascript:alert(1))"},
    "rates.rate_ratio": {"value": 163.6386, "interval": [21.02, 7375.04], "p_value": 1.5e-09, "unit": "ratio",
                         "definition": "Puno vs Lima, deaths per 100,000"},
}
CLAIMS = textwrap.dedent("""\
    claim_id,publisher,published_date,status,quantity,kind,unit,published_raw,published,qualifier,reproduced,ci_low,ci_high,range_low,range_high,difference,verdict,difference_reasons,definition,reason
    AI-9,Amnesty <b>International</b>,2023-02-16,addressed,young_share,share,percent,30,30,exact,28.57,17,42,28.57,28.57,1.4,reproduced within the published rounding,,d,"within rounding: published value rounds the register's; more"
    DP-9,Defensoría del Pueblo,2023-03,addressed,deaths,count,persons,66,66,exact,44,,,44,62,22,not reproduced,"18 unidentified, 4 outside the window",d,"published above the register's range: unplaced deaths"
    """)
# every fact the templates quote, all read from one number here
FACTS = yaml.safe_load((report.SITE / "headlines.yaml").read_text(encoding="utf-8"))["facts"]
HEADLINES = {
    "facts": {name: "demo.deaths" for name in FACTS},
    "headlines": [
        {"key": "demo.share_young", "en": "Share aged under 25", "es": "Proporción menor de 25 años",
         "figure": "deaths-by-month", "claim": "AI-9"},
        {"key": "rates.rate_ratio", "en": "Puno against Lima", "es": "Puno frente a Lima", "figure": "03-map",
         "claim": "DP-9", "quantity": "deaths"},
    ]}
ATTACK = ('<script>alert("s")</script><img src=x onerror=alert("e")>'
          '<a href="javascript:alert(\'j\')">j</a><a href=" JaVaScRiPt:alert(2)">k</a>'
          '<a href="data:text/html,<script>alert(3)</script>">d</a><svg onload=alert(4)></svg>'
          '<style>body{display:none}</style><div style="background:url(javascript:alert(5))">q</div>')


_PYTHON = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
           "language_info": {"name": "python"}}


def _demo_notebook():
    nb = nbformat.v4.new_notebook()
    code = nbformat.v4.new_code_cell('N = Numbers("demo")\ndisplay(x)')
    table = '<table border="1" class="dataframe"><tr><td>Ana &lt;b&gt;</td><td>1</td></tr></table>'
    code.outputs = [
        nbformat.v4.new_output("display_data", data={"text/html": ATTACK, "text/plain": "x"}),
        nbformat.v4.new_output("display_data", data={"text/markdown": f"Quote: {ATTACK}", "text/plain": "x"}),
        nbformat.v4.new_output("display_data", data={"application/javascript": "alert('js')", "text/plain": "x"}),
        nbformat.v4.new_output("display_data", data={"text/latex": "$x^2$", "text/plain": "x squared"}),
        nbformat.v4.new_output("execute_result", data={"text/html": table, "text/plain": "t"}, execution_count=1),
        nbformat.v4.new_output("display_data", data={"image/png": base64.b64encode(PNG).decode()}),
    ]
    nb.cells = [nbformat.v4.new_markdown_cell("# 02 — Demo: who died\n\nA [source](https://example.org/r) and "
                                              f"**bold**.\n\n{ATTACK}"), code]
    nb.metadata.update(_PYTHON)
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    return nb


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("project")
    (root / "notebooks").mkdir()
    nbformat.write(_demo_notebook(), str(root / "notebooks" / "02-demo.ipynb"))
    other = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 03 — Rates"),
                                            nbformat.v4.new_code_cell("numbers = Numbers('rates', spec={})")],
                                     metadata=_PYTHON)
    nbformat.write(other, str(root / "notebooks" / "03-rates.ipynb"))
    for d in ("outputs/figures", "outputs/tables", "data/processed", "params"):
        (root / d).mkdir(parents=True)
    for stem in ("deaths-by-month", "03-map", "unrelated"):
        (root / "outputs" / "figures" / f"{stem}.png").write_bytes(PNG)
    (root / "outputs" / "numbers.json").write_text(json.dumps(NUMBERS))
    (root / "outputs" / "tables" / "published_vs_reproduced.csv").write_text(CLAIMS)
    (root / "data" / "processed" / "victims.csv").write_text("victim_id,age\nV0001,20\nV0002,\n")
    (root / "data" / "processed" / "codebook.md").write_text("# Codebook\n\n## victims.csv\n\n| field | meaning |\n"
                                                              "|---|---|\n| age | age in years |\n")
    (root / "params" / "default.yaml").write_text("shared:\n  cutoff_date: '2023-03-31'\n")
    (root / "headlines.yaml").write_text(yaml.safe_dump(HEADLINES, allow_unicode=True))
    return root


@pytest.fixture(scope="module")
def site(project):
    index = report.build(project, headlines_file=project / "headlines.yaml")
    assert index == project / "outputs" / "report" / "index.html"
    return index.parent


def _read(site, page):
    return (site / page).read_text(encoding="utf-8")


def _article(page_html: str) -> str:
    """The page's content (what the notebook or template produced), without the theme's own chrome."""
    start = page_html.index("<article")
    return page_html[start:page_html.index("</article>", start)]


def test_landing_page_shows_headlines_in_prose_with_formatted_numbers_figures_and_verdicts(site):
    page = _read(site, "index.html")
    art = _article(page)
    assert "Casualties of Peru" in page and "<title>" in page
    assert "Share aged under 25" in art and "<strong>28.6 %</strong> (interval 17.0–42.0 %)" in art
    assert "<strong>164</strong> (interval 21.0–7,375); p &lt; 0.001" in art
    # claims and verdicts from published_vs_reproduced.csv, data text escaped
    assert "Amnesty &lt;b&gt;International&lt;/b&gt;" in art and "<strong>30 %</strong>" in art
    assert "Verdict: <strong>reproduced within the published rounding</strong>" in art
    assert "Verdict: <strong>not reproduced</strong> — 18 unidentified, 4 outside the window" in art
    assert "(range 44–62)" in art
    # facts in the prose
    assert "of whom 49\ncivilians" in art or "of whom 49 civilians" in art.replace("\n", " ")
    # machine keys only in the appendix
    for key in NUMBERS:
        assert key not in art
    numbers = _article(_read(site, "numbers.html"))
    for key in NUMBERS:
        assert key in numbers
    assert "share aged under 25 &lt;young&gt; [x](javascript:alert(1))" in numbers  # text, not a link
    assert 'href="javascript' not in numbers


def test_every_headline_figure_is_in_the_build(site):
    art = _article(_read(site, "index.html"))
    images = re.findall(r'<img[^>]+src="([^"]+)"', art)
    assert len(images) == 2
    for src in images:
        assert (site / src).read_bytes() == PNG
    assert "unrelated" not in art


def test_spanish_landing_page_shares_numbers_and_figures_and_links_back(site):
    es = _article(_read(site, "es.html"))
    en = _article(_read(site, "index.html"))
    assert "Víctimas de las protestas en el Perú" in es and "Proporción menor de 25 años" in es
    assert "<strong>28.6 %</strong> (intervalo 17.0–42.0 %)" in es
    assert "Veredicto: <strong>reproducido dentro del redondeo publicado</strong>" in es
    assert "Veredicto: <strong>no reproducido</strong>" in es
    assert 'href="index.html"' in es and 'href="es.html"' in en
    assert re.findall(r'<img[^>]+src="([^"]+)"', es) == re.findall(r'<img[^>]+src="([^"]+)"', en)


def test_notebook_pages_are_linked_both_ways(site):
    en = _article(_read(site, "index.html"))
    for name in ("02-demo", "03-rates"):
        assert f'href="notebooks/{name}.html"' in en
        page = _article(_read(site, f"notebooks/{name}.html"))
        assert 'href="../index.html"' in page and 'href="../es.html"' in page
    assert "02 — Demo: who died" in en  # the notebook's own title


def test_data_codebook_and_provenance_pages(site, project):
    data = _article(_read(site, "data.html"))
    links = re.findall(r'href="(_downloads/[^"]+)"', data)
    assert [Path(link).name for link in links] == ["victims.csv", "published_vs_reproduced.csv"]
    assert (site / links[0]).read_text() == "victim_id,age\nV0001,20\nV0002,\n"
    assert re.search(r"victims\.csv.*?<td[^>]*><p>2</p></td>", data, re.S)  # its row count
    assert 'href="codebook.html"' in data and "age in years" in _read(site, "codebook.html")
    prov = re.sub(r"<[^>]+>", "", _article(_read(site, "provenance.html")))
    assert "params/default.yaml" in prov and "cutoff_date" in prov
    assert "unknown (not a git checkout)" in prov and "Report built:" in prov and "python" in prov


def test_html_from_data_is_sanitised_but_normal_content_survives(site):
    page = _read(site, "notebooks/02-demo.html")
    art = _article(page)
    live = _Live()
    live.feed(art)
    assert (live.scripts, live.handlers, live.bad_urls) == (0, [], [])
    assert "alert('js')" not in page and "<style" not in art and "x^2" not in page
    assert '&lt;script&gt;alert("s")&lt;/script&gt;' in art   # shown as text, never run
    tags = [t for t, _ in live.tags]
    assert tags.count("svg") == 0 and "&lt;svg" in art
    assert ("a", {"class": "reference external", "href": "https://example.org/r"}) in live.tags
    assert "<strong>bold</strong>" in art
    assert "<td>Ana &lt;b&gt;</td>" in art and "widget" not in page.lower().replace("widgets.css", "")
    assert any(t == "img" and a.get("src", "").startswith("../_images/") for t, a in live.tags)


def test_pages_load_nothing_from_the_network(site):
    pages = sorted(site.rglob("*.html"))
    assert {p.relative_to(site).as_posix() for p in pages} >= {
        "index.html", "es.html", "numbers.html", "data.html", "provenance.html", "codebook.html",
        "notebooks/02-demo.html", "notebooks/03-rates.html"}
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert report.external_assets(text) == [], page
        assert not re.search(r"<script[^>]*src=[\"']?https?:", text)


def _spec(project, tmp_path, change):
    spec = json.loads(json.dumps(HEADLINES))
    change(spec)
    path = tmp_path / "headlines.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path


def test_missing_key_fails_naming_it(project, tmp_path):
    path = _spec(project, tmp_path, lambda s: s["headlines"][0].update(key="demo.share_yung"))
    with pytest.raises(ReportError, match=r"headline demo\.share_yung: key 'demo\.share_yung' is not in "
                                          r"outputs/numbers\.json; did you mean demo\.share_young\?"):
        report.build(project, out_dir=tmp_path / "out", headlines_file=path)
    assert not (tmp_path / "out").exists()
    path = _spec(project, tmp_path, lambda s: s["facts"].update(clash_deaths="demo.gone"))
    with pytest.raises(ReportError, match=r"fact clash_deaths: key 'demo\.gone'"):
        report.build(project, out_dir=tmp_path / "out", headlines_file=path)
    path = _spec(project, tmp_path, lambda s: s["facts"].pop("clash_deaths"))
    with pytest.raises(ReportError, match=r"index\.en\.md: 'dict object' has no attribute 'clash_deaths' "
                                          r"\(declare it in headlines\.yaml\)"):
        report.build(project, out_dir=tmp_path / "out", headlines_file=path)


def test_missing_figure_or_claim_fails_naming_it(project, tmp_path):
    path = _spec(project, tmp_path, lambda s: s["headlines"][1].update(figure="no-such-figure"))
    with pytest.raises(ReportError, match="not in outputs/figures/: no-such-figure"):
        report.build(project, out_dir=tmp_path / "out", headlines_file=path)
    path = _spec(project, tmp_path, lambda s: s["headlines"][1].update(quantity="minors"))
    with pytest.raises(ReportError, match=r"claim DP-9 \(minors\) is not an addressed row"):
        report.build(project, out_dir=tmp_path / "out", headlines_file=path)
    path = _spec(project, tmp_path, lambda s: s["headlines"][0].pop("es"))
    with pytest.raises(ReportError, match=r"headline 1 \(demo\.share_young\) lacks es"):
        report.build(project, out_dir=tmp_path / "out", headlines_file=path)


def test_declared_headlines_exist_in_the_committed_outputs():
    """headlines.yaml names keys, figures and claims the committed run has (else update the file)."""
    spec = report_pages.load_spec(report.SITE / "headlines.yaml")
    numbers = json.loads((ROOT / "outputs" / "numbers.json").read_text(encoding="utf-8"))
    claims = report_pages.read_claims(ROOT / "outputs" / "tables" / "published_vs_reproduced.csv")
    for name, key in spec["facts"].items():
        report_pages.require_key(numbers, key, f"fact {name}")
    report_pages.require_figures(ROOT / "outputs" / "figures", [h["figure"] for h in spec["headlines"]])
    for h in spec["headlines"]:
        report_pages.require_key(numbers, h["key"], h["key"])
        if h.get("claim"):
            report_pages.claim(claims, h["claim"], h.get("quantity"), "en", h["key"])


@pytest.mark.parametrize("value,unit,expected", [
    (0.7659574468, "proportion", "76.6 %"), (87.87878788, "percent", "87.9 %"), (80.0, "percent", "80 %"), (57, "person", "57"),
    (163.6386007, "ratio", "164"), (48.0, "ratio", "48"), (0.01054251242, "persons per 100,000", "0.0105"),
    (1.72516198, "persons per 100,000", "1.73"), (7375.037106, "ratio", "7,375"), (None, "ratio", "n/a"),
    ("Apurímac", "department", "Apurímac"), (5.8e-19, "p-value", "< 0.001"),
])
def test_numbers_are_formatted_for_people(value, unit, expected):
    assert fmt_value(value, unit) == expected


def test_intervals_and_p_values_read_as_text():
    assert fmt_interval([0.6197, 0.8769], "proportion") == "62.0–87.7 %"
    assert fmt_interval([21.02289289, 7375.037106], "ratio") == "21.0–7,375"
    assert fmt_interval(None, "ratio") == "" and fmt_interval([None, 2.0], "ratio") == ""
    assert fmt_p(2.59e-23) == "p < 0.001" and fmt_p(0.0353) == "p = 0.035" and fmt_p(None) == ""


def test_md_escape_leaves_no_markdown_or_myst_syntax():
    assert md_escape("[x](javascript:alert(1))") == r"\[x\]\(javascript\:alert\(1\)\)"
    assert md_escape("{raw}`<b>` and\n# heading") == r"\{raw\}\`\<b\>\` and \# heading"


def test_external_assets_finds_scripts_styles_and_css_urls():
    page = ('<script src="https://cdn.example/x.js"></script><link rel="stylesheet" href="http://cdn.example/s.css">'
            '<style>@import "https://fonts.example/f.css"; a{background:url(https://img.example/b.png)}</style>'
            '<a href="https://example.org">a link</a><img src="data:image/png;base64,AAA">')
    assert report.external_assets(page) == ["http://cdn.example/s.css", "https://cdn.example/x.js",
                                            "https://fonts.example/f.css", "https://img.example/b.png"]


@pytest.mark.parametrize("key,expected", [("02-demo.deaths", "02-demo"), ("03.rate_ratio", "03-rates-by-region"),
                                          ("region.x", "03-rates-by-region"), ("ethnic.x", "04-ethnic"),
                                          ("rates_x.y", "rates_x")])
def test_notebook_of_key(key, expected):
    owners = {"ethnic": "04-ethnic"}
    assert report.notebook_of(key, ["02-demo", "03-rates-by-region", "04-other"], owners) == expected


def test_number_owners_are_the_task_declarations():
    owners = report.number_owners()
    assert owners["ethnic"] == "04-ethnic-disparity" and owners["robustness"] == "08-robustness"
    assert len(owners) == 8


class _Live(HTMLParser):
    """What a browser would run or load: script elements, on* handlers, javascript:/data: links."""

    def __init__(self):
        super().__init__()
        self.scripts, self.handlers, self.bad_urls, self.tags = 0, [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self.scripts += tag == "script"
        for name, value in attrs:
            value = re.sub(r"[\x00-\x20]", "", value or "").lower()
            if name.startswith("on"):
                self.handlers.append((tag, name))
            if "javascript:" in value or (name == "href" and value.startswith("data:")):
                self.bad_urls.append((tag, name, value))


def test_sanitise_notebook_drops_unsafe_outputs_and_widget_state():
    nb = report.sanitise_notebook(_demo_notebook())
    assert "widgets" not in nb.metadata
    kinds = [sorted(o["data"]) for o in nb.cells[1].outputs]
    assert kinds == [["text/html", "text/plain"], ["text/markdown", "text/plain"], ["text/plain"], ["text/plain"],
                     ["text/html", "text/plain"], ["image/png"]]
    assert "<script>" not in nb.cells[1].outputs[1]["data"]["text/markdown"]


def test_clean_html_rules():
    assert report.clean_html('<img src="data:image/png;base64,AAA" onerror="x()">') == \
        '<img src="data:image/png;base64,AAA">'
    assert report.clean_html('<img src="https://tracker.example/p.gif">') == "<img>"
    assert report.clean_html('<a href="#sec" onclick="x()">s</a>') == '<a href="#sec">s</a>'
    assert report.clean_html('<table><tr><td style="text-align: right; background: url(https://t.example/x)">1'
                             '</td></tr></table>') == '<table><tbody><tr><td style="text-align: right;">1</td></tr></tbody></table>'
    assert report.clean_html("<p>a<style>body{display:none}</style>b</p>") == "<p>ab</p>"
    assert report.clean_html("<iframe src=https://x.example></iframe>") == \
        "&lt;iframe src=https://x.example&gt;&lt;/iframe&gt;"


def test_raw_and_include_directives_are_disabled(project, tmp_path):
    """A notebook cannot pass raw HTML or a local file into the page through MyST directives (docutils.conf)."""
    root = tmp_path / "evil"
    shutil.copytree(project, root, ignore=shutil.ignore_patterns("report"))
    nb = nbformat.v4.new_notebook(metadata=_PYTHON, cells=[nbformat.v4.new_markdown_cell(
        "# 04 — Evil\n\n```{raw} html\n<script>alert(1)</script>\n```\n\n```{include} /etc/hostname\n```")])
    nbformat.write(nb, str(root / "notebooks" / "04-evil.ipynb"))
    with pytest.raises(ReportError, match=r'(?s)04-evil\.ipynb.*"raw" directive disabled.*'
                                          r'Directive "include" disabled'):
        report.build(root, out_dir=tmp_path / "out", headlines_file=root / "headlines.yaml")
