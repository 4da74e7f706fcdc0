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
