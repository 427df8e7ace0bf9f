"""Static HTML report: index of numbers linked to notebook pages and figures, with no network assets."""
import base64
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest

from analysis import report

FIXTURES = Path(__file__).parent / "fixtures" / "notebooks"
# 1x1 PNG
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJ"
                       "RU5ErkJggg==")
NUMBERS = {
    "02-demo.deaths": {"value": 49, "unit": "person", "definition": "people killed by security forces"},
    "02-demo.share_young": {"value": 0.2857142857, "interval": [0.17, 0.42], "unit": "proportion",
                            "definition": "share aged under 25 <young>"},
    "rates.rate_ratio": {"value": 4.1, "interval": [2.0, 8.3], "p_value": 0.001, "unit": "ratio",
                      "definition": "south vs rest, deaths per 100,000"},
}


@pytest.fixture
def project(tmp_path):
    root = tmp_path
    (root / "notebooks").mkdir()
    nb = nbformat.read(str(FIXTURES / "typed.ipynb"), as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("Source: <a href=\"https://example.org/report\">report</a>, "
                                                  "$x^2$"))
    plot = nbformat.v4.new_code_cell('N = Numbers("02-demo")\nsave_figure(fig, "deaths-by-month", data)')
    plot.outputs = [nbformat.v4.new_output("display_data", data={"image/png": base64.b64encode(PNG).decode()})]
    nb.cells.append(plot)
    nbformat.write(nb, str(root / "notebooks" / "02-demo.ipynb"))
    other = nbformat.read(str(FIXTURES / "stage_a.ipynb"), as_version=4)
    other.cells.append(nbformat.v4.new_code_cell("numbers = Numbers('rates', spec={})"))
    nbformat.write(other, str(root / "notebooks" / "03-rates.ipynb"))
    (root / "outputs" / "figures").mkdir(parents=True)
    for stem in ("deaths-by-month", "03-map", "unrelated"):
        (root / "outputs" / "figures" / f"{stem}.png").write_bytes(PNG)
        (root / "outputs" / "figures" / f"{stem}.csv").write_text("a\n1\n")
    (root / "outputs" / "numbers.json").write_text(json.dumps(NUMBERS))
    return root


def test_report_index_lists_numbers_by_notebook_with_links(project):
    index = report.build(project)
    assert index == project / "outputs" / "report" / "index.html"
    text = index.read_text(encoding="utf-8")
    assert '<h2 id="02-demo"><a href="notebooks/02-demo.html">02-demo</a></h2>' in text
    assert '<h2 id="03-rates"><a href="notebooks/03-rates.html">03-rates</a></h2>' in text
    assert text.index("02-demo.deaths") < text.index("rates.rate_ratio")
    assert "<td>49</td>" in text and "<td>0.2857</td>" in text and "<td>0.17 – 0.42</td>" in text
    assert "<td>0.001</td>" in text and "share aged under 25 &lt;young&gt;" in text
    assert 'href="figures/deaths-by-month.png"' in text and 'href="figures/03-map.png"' in text
    assert "unrelated" not in text
    out = project / "outputs" / "report"
    for link in re.findall(r'href="([^"#]+)"', text):
        assert (out / link).is_file(), link
    assert not (out / "figures" / "unrelated.png").exists()


def test_report_pages_load_nothing_from_the_network(project):
    report.build(project)
    pages = sorted((project / "outputs" / "report").rglob("*.html"))
    assert [p.name for p in pages] == ["index.html", "02-demo.html", "03-rates.html"]
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert report.external_assets(text) == []
        assert not re.search(r"<script[^>]*src=[\"']?https?:", text)
    demo = (project / "outputs" / "report" / "notebooks" / "02-demo.html").read_text(encoding="utf-8")
    assert "data:image/png;base64," in demo                  # the figure is embedded
    assert 'href="https://example.org/report"' in demo      # a cited source stays a link


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
    owners = report.number_owners({"04-ethnic": 'N = Numbers("ethnic", spec=spec)', "02-demo": "x = 1"})
    assert owners == {"ethnic": "04-ethnic"}
    assert report.notebook_of(key, ["02-demo", "03-rates-by-region", "04-other"], owners) == expected


def test_headlines_show_known_keys_and_skip_missing_ones():
    from analysis import report
    key, label = report.HEADLINES[0]
    numbers = {key: {"value": 57, "unit": "person", "definition": "persons named"}}
    html_text = report.headlines_html(numbers, ["01-register"], {"register": "01-register"})
    assert "Headline findings" in html_text and label in html_text and ">57<" in html_text
    assert html_text.count("<tr>") == 2  # header + the one known key; absent keys are skipped
    assert report.headlines_html({}, ["01-register"]) == ""


ATTACK = ('<script>alert("s")</script><img src=x onerror=alert("e")>'
          '<a href="javascript:alert(\'j\')">j</a><a href=" JaVaScRiPt:alert(2)">k</a>'
          '<a href="data:text/html,<script>alert(3)</script>">d</a><svg onload=alert(4)></svg>'
          '<style>body{display:none}</style><div style="background:url(javascript:alert(5))">q</div>')


class _Live(HTMLParser):
    """What a browser would run or load: script elements, on* handlers, javascript:/data: links, style blocks."""

    def __init__(self):
        super().__init__()
        self.scripts, self.handlers, self.bad_urls, self.styles, self.tags = 0, [], [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self.scripts += tag == "script"
        for name, value in attrs:
            value = re.sub(r"[\x00-\x20]", "", value or "").lower()
            if name.startswith("on"):
                self.handlers.append((tag, name))
            if "javascript:" in value or (name == "href" and value.startswith("data:")):
                self.bad_urls.append((tag, name, value))


def _page(tmp_path, cells):
    nb = nbformat.v4.new_notebook(cells=cells)
    path = tmp_path / "06-evil.ipynb"
    nbformat.write(nb, str(path))
    return report.notebook_html(path)


def test_html_from_data_is_sanitised_but_normal_content_survives(tmp_path):
    import pandas as pd
    table = pd.DataFrame({"name": ["Ana <b>", "Luis"], "deaths": [1, 2]})._repr_html_()
    code = nbformat.v4.new_code_cell("display(x)")
    code.outputs = [
        nbformat.v4.new_output("display_data", data={"text/html": ATTACK, "text/plain": "x"}),
        nbformat.v4.new_output("display_data", data={"text/markdown": f"Quote: {ATTACK}", "text/plain": "x"}),
        nbformat.v4.new_output("display_data", data={"application/javascript": "alert('js')", "text/plain": "x"}),
        nbformat.v4.new_output("execute_result", data={"text/html": table, "text/plain": "t"}, execution_count=1),
        nbformat.v4.new_output("display_data", data={"image/png": base64.b64encode(PNG).decode()}),
    ]
    page = _page(tmp_path, [nbformat.v4.new_markdown_cell(f"# Chain of command\n\nA [source](https://example.org/r) "
                                                          f"and **bold**.\n\n{ATTACK}"), code])
    live = _Live()
    live.feed(page)
    assert (live.scripts, live.handlers, live.bad_urls) == (0, [], [])
    body = page[page.index("<body"):]
    assert "alert('js')" not in page and "<style" not in body  # no style element from data in the page body
    assert '&lt;script&gt;alert("s")&lt;/script&gt;' in page          # shown as text, never run
    tags = [t for t, _ in live.tags]
    assert tags.count("svg") == 0 and "&lt;svg" in page
    # normal content survives: heading, link, bold, the data table (its own cell text escaped), the figure
    assert any(t == "h1" and a.get("id") == "Chain-of-command" for t, a in live.tags)
    assert ("a", {"href": "https://example.org/r"}) in live.tags and "<strong>bold</strong>" in page
    assert '<table border="1" class="dataframe">' in page and "<td>Ana &lt;b&gt;</td>" in page
    assert tags.count("th") == 5 and "data:image/png;base64," in page


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
