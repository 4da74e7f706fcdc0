"""The report page in a real browser: headless Chromium, offline, from disk.

Chromium is Debian's package (`.ci/run` and `make test` install it); a missing browser is
a failure, not a skip. The screenshot is kept in build/test-artifacts/ for a person to look at.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from .conftest import ROOT

ARTIFACTS = ROOT / "build" / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--proxy-server=http://127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND"]


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    assert path, "headless Chromium is needed: `apt-get install chromium` (make test and .ci/run do it)"
    return path


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        yield b
        b.close()


def _open(browser, page_path: Path, width: int = 1440):
    """A page opened offline; returns it with the console messages and every request it tried."""
    context = browser.new_context(viewport={"width": width, "height": 1000}, offline=True)
    page = context.new_page()
    messages: list[tuple[str, str]] = []
    requests: list[str] = []
    page.on("console", lambda m: messages.append((m.type, m.text)))
    page.on("pageerror", lambda e: messages.append(("pageerror", str(e))))
    page.on("dialog", lambda d: (messages.append(("dialog", d.message)), d.dismiss()))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(page_path.as_uri())
    page.wait_for_load_state("load")
    return page, messages, requests


def test_sample_report_renders_offline(browser, trained: Path, tmp_path: Path, cli) -> None:
    out = tmp_path / "reports"
    assert cli("report", ROOT / "data" / "statements", "-o", out, "--model", trained, "-q").code == 0
    page, messages, requests = _open(browser, out / "index.html")
    assert messages == []  # no console errors, no script failures, no CSP violations
    assert requests == [(out / "index.html").as_uri()]  # nothing but the page itself: no CDN, no network
    assert page.locator("svg.panel").count() >= 6  # one panel per theme plus the composition
    assert page.locator("svg.panel polyline.corr").count() >= 5 and page.locator("svg.panel polygon.band").count() >= 5
    assert page.locator("svg.groups circle.pt").count() > 0
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "report.png"))
    # Clicking a point shows the sentences behind it.
    point = page.locator(".view:not([hidden]) svg.panel circle.pt:not(.few)").nth(8)
    point.click()
    assert page.locator("#ev-list ol li").count() > 0
    assert "·" in page.locator("#ev-title").inner_text()
    # A year row shows every theme of that year; the source selector switches the view.
    page.locator(".view:not([hidden]) table.shares tbody th.click").first.click()
    assert page.locator("#ev-list .evhead").count() == 5
    page.select_option("#view", "1")
    assert page.locator(".view:not([hidden])").get_attribute("data-view") == "1"
    page.screenshot(path=str(ARTIFACTS / "report_full.png"), full_page=True)
    assert messages == []


def test_hostile_text_shows_as_text_and_never_runs(browser, trained: Path, tmp_path: Path, cli) -> None:
    src = tmp_path / "in"
    src.mkdir()
    payloads = ['<script>window.__xss=1</script>', '<img src=x onerror="window.__xss=2">',
                '<a href="javascript:window.__xss=3">link</a>', '"><svg onload="window.__xss=4">']
    for i, p in enumerate(payloads):
        (src / f"s{i}.md").write_text(
            f"---\ndate: 202{i}-03-05\nsource: {p.replace(chr(10), ' ')}\nid: {p}\n---\n"
            f"We will expand consumption of cars and home appliances {p}.\n"
            f"We will support the western region in building {p} railways.\n"
            f"Investment in equipment renewal will grow {p}.\n")
    out = tmp_path / "reports"
    r = cli("report", src, "-o", out, "--model", trained, "-q")
    assert r.code == 0, r.err
    page, messages, requests = _open(browser, out / "index.html")
    n_views = page.locator("#view option").count()
    assert n_views == len(payloads) + 1  # every hostile source is a view of its own, plus all sources
    for k in range(n_views):
        page.select_option("#view", str(k))
        page.locator(".view:not([hidden]) svg.panel circle.pt").first.click()
        page.locator(".view:not([hidden]) svg.groups circle.pt, svg.groups circle.pt").first.click()
    page.select_option("#view", "0")
    page.locator(".view:not([hidden]) table.shares tbody tr.total th.click").first.click()
    assert page.evaluate("window.__xss") is None
    assert [m for m in messages if m[0] in ("dialog", "pageerror")] == []
    shown = page.locator("#ev-list").inner_text()
    assert "<script>window.__xss=1</script>" in shown and '<img src=x onerror="window.__xss=2">' in shown
    options = page.locator("#view option").all_inner_texts()
    assert '"><svg onload="window.__xss=4">' in options  # a hostile source name is shown as text too
    assert page.locator("#ev-list img, #ev-list script, #ev-list svg, #ev-list a").count() == 0
    assert requests == [(out / "index.html").as_uri()]  # the <img src=x> was never fetched
    assert page.locator("body img").count() == 0


_CONTRAST_JS = """() => {
function parts(s){return (s.match(/[\\d.]+/g)||[]).map(Number);}
function lum(c){var a=c.slice(0,3).map(function(v){v/=255;return v<=0.03928?v/12.92:Math.pow((v+0.055)/1.055,2.4);});
return 0.2126*a[0]+0.7152*a[1]+0.0722*a[2];}
function bg(el){while(el){var c=parts(getComputedStyle(el).backgroundColor);if(c.length===3||(c.length===4&&c[3]>0)){
return c;}el=el.parentElement;}return [255,255,255];}
var worst=[99,''];
document.querySelectorAll('.view:not([hidden]) table td, .view:not([hidden]) table th, .view:not([hidden]) td small')
.forEach(function(el){if(!el.textContent.trim()){return;}var a=lum(parts(getComputedStyle(el).color)),b=lum(bg(el));
var r=(Math.max(a,b)+0.05)/(Math.min(a,b)+0.05);if(r<worst[0]){worst=[r,el.textContent.trim()];}});
return worst;}"""


def test_long_statements_page(browser, trained: Path, tmp_path: Path, cli) -> None:
    """One long report a year: axes follow the data, a click on a point still shows its
    sentences, and every table cell reads well (WCAG contrast of 4.5 or more)."""
    from .longcorpus import write_long_corpus

    corpus = write_long_corpus(trained, tmp_path / "corpus", cli)
    out = tmp_path / "reports"
    assert cli("report", corpus, "-o", out, "--model", trained, "-q").code == 0
    page, messages, requests = _open(browser, out / "index.html")
    assert messages == [] and requests == [(out / "index.html").as_uri()]
    panels = page.locator(".view:not([hidden]) svg.panel[data-theme]")
    assert panels.count() == 5
    tops = []
    for i in range(panels.count()):
        panel = panels.nth(i)
        top = float(panel.get_attribute("data-ymax") or "0")
        tops.append(top)
        cys = [float(c.get_attribute("cy") or "0") for c in panel.locator("circle.pt").all()]
        assert len(cys) == 10 and panel.locator("circle.pt.few").count() == 0  # filled: long years are not thin
        # The highest point sits in the upper 60% of the plot (y from 26 to 172): the scale follows the data.
        assert (min(cys) - 26) / (172 - 26) < 0.6, (panel.get_attribute("data-theme"), top, min(cys))
        assert panel.locator("polyline.corr").count() == 2  # one line per side of the 1995-1999 gap
    assert max(tops) < 1 and len(set(tops)) >= 2
    point = page.locator('.view:not([hidden]) svg.panel[data-theme="consumption"] circle.pt[data-period="1993"]')
    point.click()
    assert page.locator("#ev-list ol li").count() > 0
    assert "1993" in page.locator("#ev-title").inner_text()
    worst, text = page.evaluate(_CONTRAST_JS)
    assert worst >= 4.5, (worst, text)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "report_long.png"), full_page=True)
    assert messages == []
