"""The report in a real browser: headless Chromium (Debian package `chromium`) renders the English and Spanish
landing pages and one notebook page of a report built from the committed outputs.

Checks: each page renders to a non-blank PNG; every link (href) of every page resolves to a file or an anchor of
the build; every image exists and is a valid PNG or SVG; no page requests anything from the network, both as
written (script src, stylesheet and icon links, img src, CSS url()) and as Chromium loads it (its NetLog,
with name resolution disabled so nothing can leave the machine). Skipped where chromium is not installed.

The committed screenshot docs/report-landing.png is made the same way:
  chromium --headless --disable-gpu --no-sandbox --screenshot=docs/report-landing.png --window-size=1280,2400 \
      file://$PWD/outputs/report/index.html
"""
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import yaml

from analysis.report import site as report

CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
ROOT = Path(__file__).resolve().parent.parent
PAGES = ["index.html", "es.html", "notebooks/03-regional-disparity.html"]
# Chromium's own background services (updates, sign-in, time): not requests of the page.
QUIET = ["--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--disable-client-side-phishing-detection", "--disable-domain-reliability",
         "--no-pings", "--disable-features=Translate,OptimizationHints,MediaRouter,SpellCheck"]


class _Refs(HTMLParser):
    """hrefs, resource URLs (with the tag that loads them), ids and inline style text of one page."""

    def __init__(self):
        super().__init__()
        self.links, self.resources, self.ids, self.styles = [], [], set(), []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for key in ("id", "name"):
            if a.get(key):
                self.ids.add(a[key])
        if tag == "a" and a.get("href") is not None:
            self.links.append(a["href"])
        if tag == "link" and a.get("href"):
            self.resources.append(("link", a["href"]))  # stylesheets, icons, preloads: all fetched
            self.links.append(a["href"])
        if tag in ("script", "img", "source", "iframe", "embed", "video", "audio") and a.get("src"):
            self.resources.append((tag, a["src"]))
        if a.get("style"):
            self.styles.append(a["style"])
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.styles.append(data)


def _parse(page: Path) -> _Refs:
    refs = _Refs()
    refs.feed(page.read_text(encoding="utf-8"))
    return refs


def _is_remote(url: str) -> bool:
    return urlsplit(url.strip()).scheme in ("http", "https") or url.strip().startswith("//")


def _target(site: Path, page: Path, url: str) -> tuple[Path, str]:
    parts = urlsplit(url)
    path = (page.parent / unquote(parts.path)).resolve() if parts.path else page
    return path, unquote(parts.fragment)


def _pages(site: Path) -> list[Path]:
    """The site's pages (the theme also copies a template macro file, not a page, into _static/)."""
    return sorted(p for p in site.rglob("*.html") if "_static" not in p.relative_to(site).parts)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "report"
    return report.build(ROOT, out_dir=out).parent


def _render(page: Path, png: Path, netlog: Path, user_dir: Path, size="1280,2400") -> list[str]:
    """Screenshot of the page; returns the http(s) URLs the page itself asked for (Chromium's NetLog)."""
    cmd = [CHROMIUM, "--headless", "--disable-gpu", "--no-sandbox", f"--user-data-dir={user_dir}", *QUIET,
           "--host-resolver-rules=MAP * ~NOTFOUND", f"--log-net-log={netlog}", f"--screenshot={png}",
           f"--window-size={size}", page.as_uri()]
    subprocess.run(cmd, capture_output=True, timeout=180, check=False)
    assert png.is_file(), f"chromium wrote no screenshot of {page}"
    events = json.loads(netlog.read_text(encoding="utf-8"))["events"]
    return sorted({e["params"]["url"] for e in events
                   if _is_remote(e.get("params", {}).get("url", ""))
                   and "file://" in str(e["params"].get("network_isolation_key", ""))})


def _png_ok(path: Path, width: int, height: int) -> None:
    from PIL import Image
    with Image.open(path) as img:
        assert img.format == "PNG" and img.size == (width, height), path
        low, high = img.convert("L").getextrema()
        assert high - low > 100, f"{path} is blank"


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_and_requests_nothing_from_the_network(site, page, tmp_path):
    png = tmp_path / "page.png"
    assert _render(site / page, png, tmp_path / "net.json", tmp_path / "profile") == []
    _png_ok(png, 1280, 2400)


def test_network_check_sees_a_page_that_loads_from_the_network(tmp_path):
    """The NetLog check above can fail: a page with a remote image and stylesheet is caught."""
    page = tmp_path / "remote.html"
    page.write_text('<html><body><p>x</p><img src="https://example.org/x.png">'
                    '<link rel="stylesheet" href="http://cdn.example/s.css"></body></html>')
    urls = _render(page, tmp_path / "p.png", tmp_path / "net.json", tmp_path / "profile", size="400,300")
    assert urls == ["http://cdn.example/s.css", "https://example.org/x.png"]


def test_every_link_resolves_to_a_file_or_anchor(site):
    pages = _pages(site)
    refs = {p.resolve(): _parse(p) for p in pages}
    broken = []
    for page in pages:
        for url in refs[page.resolve()].links:
            if _is_remote(url) or url.startswith(("mailto:", "javascript:void")) or url in ("", "#"):
                continue
            path, fragment = _target(site, page, url)
            if not path.exists():
                broken.append((page.relative_to(site).as_posix(), url))
            elif fragment and path.suffix == ".html" and fragment not in (refs[path] if path in refs else _parse(path)).ids:
                broken.append((page.relative_to(site).as_posix(), url))
    assert broken == []
    # the landing pages and the notebooks link each other
    index, es = refs[(site / "index.html").resolve()].links, refs[(site / "es.html").resolve()].links
    assert "es.html" in index and "index.html" in es and "data.html" in index and "numbers.html" in index
    notebooks = sorted(p.name for p in (site / "notebooks").glob("*.html"))
    assert len(notebooks) == len(list((ROOT / "notebooks").glob("*.ipynb")))
    for name in notebooks:
        assert f"notebooks/{name}" in index and f"notebooks/{name}" in es
        assert "../index.html" in refs[(site / "notebooks" / name).resolve()].links


def test_every_image_loads(site):
    seen = 0
    for page in _pages(site):
        for tag, url in _parse(page).resources:
            if tag != "img":
                continue
            assert not _is_remote(url), (page, url)
            if url.startswith("data:image/"):
                continue
            path, _ = _target(site, page, url)
            data = path.read_bytes()
            assert data.startswith(b"\x89PNG\r\n\x1a\n") or re.search(rb"<svg[\s>]", data[:2000]), (page, url)
            seen += 1
    headlines = yaml.safe_load((report.SITE / "headlines.yaml").read_text(encoding="utf-8"))["headlines"]
    landing = [u for t, u in _parse(site / "index.html").resources if t == "img" and "_images/" in u]
    assert len(landing) >= len(headlines) and seen > len(landing)


def test_no_resource_is_requested_from_outside(site):
    remote = []
    for page in _pages(site):
        refs = _parse(page)
        remote += [(page.name, tag, url) for tag, url in refs.resources if _is_remote(url)]
        remote += [(page.name, "style", u) for s in refs.styles for u in re.findall(r"url\(\s*['\"]?([^'\")]+)", s)
                   if _is_remote(u)]
    for css in sorted(site.rglob("*.css")):
        text = css.read_text(encoding="utf-8", errors="replace")
        remote += [(css.name, "css", u) for u in re.findall(r"url\(\s*['\"]?([^'\")]+)", text) if _is_remote(u)]
        remote += [(css.name, "@import", u) for u in re.findall(r"@import\s+['\"]([^'\"]+)", text) if _is_remote(u)]
    assert remote == []
