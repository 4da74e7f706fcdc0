"""`policy-themes label`: the offline labeling page, driven in headless Chromium.

What is checked is what a labeler relies on: keys label and advance, back and change works,
every answer is in the file on disk right after the key press (so killing the server loses
nothing), reloading resumes at the first unlabeled sentence, hostile sentence text is shown as
text and never runs, the server answers only its own page on 127.0.0.1, and Ctrl-C ends it
with exit 0. Chromium is Debian's package, as for tests/test_report_browser.py: a missing
browser is a failure, not a skip.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest

from pipeline.labeler import LabelServer, make_server, open_session
from pipeline.themes import load_taxonomy

from .conftest import ROOT
from .test_report_browser import ARTIFACTS, CHROMIUM_ARGS, chromium

HOSTILE = "<script>alert(1)</script><b>x</b>"
#: The report test's no-network flags, but the loopback address is reachable (every name still is not).
ARGS = [("--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1" if a.startswith("--host-resolver-rules") else a)
        for a in CHROMIUM_ARGS]
TIMEOUT_MS = 10_000


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


@pytest.fixture
def sample(cli, tmp_path: Path) -> Path:
    """An 8-row sample of the project's corpus, drawn by `policy-themes sample`."""
    out = tmp_path / "sample.csv"
    r = cli("sample", ROOT / "data" / "statements", "-o", out, "-n", "8", "--seed", "5", "-q")
    assert r.code == 0, r.err
    return out


@contextmanager
def serving(path: Path, out: Path | None = None) -> Iterator[LabelServer]:
    """The label server in a thread on a free port, always shut down."""
    server = make_server(open_session(path, out=out))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        assert not thread.is_alive()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium(), args=ARGS, timeout=60_000)
        yield b
        b.close()


def _open(browser, url: str):
    """The page, ready; with its console messages, dialogs and every request it made."""
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    messages: list[tuple[str, str]] = []
    requests: list[str] = []
    page.on("console", lambda m: messages.append((m.type, m.text)))
    page.on("pageerror", lambda e: messages.append(("pageerror", str(e))))
    page.on("dialog", lambda d: (messages.append(("dialog", d.message)), d.dismiss()))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(url)
    page.wait_for_selector("body[data-ready='1']")
    return page, messages, requests


def _wait_for(check: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if check():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def _on_disk(path: Path, row: int, label: str, unsure: str = "") -> None:
    """Wait until the file on disk holds this answer for `row` (the save is asynchronous to the key)."""
    def ok() -> bool:
        df = _read(path)
        return bool(df.loc[row, "label"] == label and df.loc[row, "unsure"] == unsure)

    _wait_for(ok, f"row {row} = {label!r}/{unsure!r} in {path.name}")


def _at(page, sample_id: str) -> None:
    page.wait_for_selector(f"body[data-sample-id='{sample_id}']")


def test_label_with_keys_go_back_change_and_resume(browser, sample: Path) -> None:
    original = _read(sample)
    ids = load_taxonomy().ids
    with serving(sample) as server:
        page, messages, requests = _open(browser, server.url)
        _at(page, "s0001")
        assert page.locator("#sentence").inner_text() == original.loc[0, "sentence"]
        assert page.locator("#after").inner_text() == original.loc[0, "context_after"]
        assert page.locator("#themes button").count() == len(ids)
        assert "0 labeled of 8" in page.locator("#progress").inner_text()
        # Keys 1-5 are the themes in taxonomy order; each answer is on disk at once.
        page.keyboard.press("1")
        _on_disk(sample, 0, ids[0])
        _at(page, "s0002")
        page.keyboard.press("2")
        _on_disk(sample, 1, ids[1])
        _at(page, "s0003")
        page.keyboard.press("u")  # unsure stays on the sentence until a theme is chosen
        _on_disk(sample, 2, "", "1")
        _at(page, "s0003")
        assert page.locator("#current .unsure").count() == 1
        page.keyboard.press("5")
        _on_disk(sample, 2, ids[4], "1")
        _at(page, "s0004")
        # Back, and change the answer.
        page.keyboard.press("ArrowLeft")
        _at(page, "s0003")
        assert page.locator("#themes button.chosen").get_attribute("data-theme") == ids[4]
        page.keyboard.press("4")
        _on_disk(sample, 2, ids[3], "1")
        _at(page, "s0004")  # on to the next unlabeled sentence
        # Skip one, label the next.
        page.keyboard.press("s")
        _at(page, "s0005")
        page.keyboard.press("3")
        _on_disk(sample, 4, ids[2])
        _at(page, "s0006")
        assert "4 labeled of 8" in page.locator("#progress").inner_text()
        # A reload resumes at the first unlabeled sentence: the skipped one.
        page.reload()
        page.wait_for_selector("body[data-ready='1']")
        _at(page, "s0004")
        assert "4 labeled of 8" in page.locator("#progress").inner_text()
        # The page can switch to Chinese.
        page.locator("#lang").click()
        assert "已标注 4 / 8" in page.locator("#progress").inner_text()
        assert page.evaluate("document.documentElement.lang") == "zh-CN"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "labeler.png"), full_page=True)
        assert [m for m in messages if m[0] in ("error", "pageerror", "dialog")] == []
        assert {u.split("?")[0] for u in requests} <= {server.url, server.url + "api/state",
                                                      server.url + "api/answer"}
        page.context.close()
    # Only the answers changed; every other cell is as `sample` wrote it.
    after = _read(sample)
    assert list(after.columns) == list(original.columns)
    rest = [c for c in original.columns if c not in ("label", "unsure")]
    assert after[rest].equals(original[rest])
    assert after["label"].tolist() == [ids[0], ids[1], ids[3], "", ids[2], "", "", ""]
    # A new server on the same file (a restart) resumes there too.
    with serving(sample) as server:
        page, _, _ = _open(browser, server.url)
        _at(page, "s0004")
        page.context.close()


def test_hostile_text_is_shown_as_text(browser, sample: Path) -> None:
    df = _read(sample)
    df.loc[0, "sentence"] = HOSTILE
    df.loc[0, "context_before"] = '<img src=x onerror="window.__xss=1">'
    df.loc[0, "source"] = '"><svg onload="window.__xss=2">'
    df.to_csv(sample, index=False)
    with serving(sample) as server:
        page, messages, requests = _open(browser, server.url)
        _at(page, "s0001")
        assert page.locator("#sentence").inner_text() == HOSTILE
        assert page.locator("#before").inner_text() == '<img src=x onerror="window.__xss=1">'
        assert '"><svg onload="window.__xss=2">' in page.locator("#meta").inner_text()
        assert page.locator("#card b, #card script, #card img, #meta svg").count() == 0
        page.keyboard.press("1")
        _on_disk(sample, 0, load_taxonomy().ids[0])
        assert page.evaluate("window.__xss") is None
        assert [m for m in messages if m[0] in ("dialog", "pageerror")] == []
        assert all(u.startswith(server.url) for u in requests)  # the <img src=x> was never fetched
        page.context.close()
    assert _read(sample).loc[0, "sentence"] == HOSTILE  # saved back exactly


def _request(url: str, *, data: dict | None = None, headers: dict[str, str] | None = None) -> tuple[int, str]:
    req = urllib.request.Request(url, data=json.dumps(data).encode() if data is not None else None,
                                 headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def test_server_answers_only_its_own_page(sample: Path) -> None:
    before = sample.read_bytes()
    with serving(sample) as server:
        assert server.url.startswith("http://127.0.0.1:")
        assert server.socket.getsockname()[0] == "127.0.0.1"
        token = server.session.token
        status, page = _request(server.url)
        assert status == 200 and token in page and "http" not in page.split("<body>")[1].replace(server.url, "")
        # Another site cannot use the API: no token, or a Host that is not ours (DNS rebinding).
        body = {"row": 0, "sample_id": "s0001", "label": "growth", "unsure": False}
        assert _request(server.url + "api/answer", data=body)[0] == 403
        assert _request(server.url + "api/state")[0] == 403
        assert _request(server.url, headers={"Host": "attacker.example:80"})[0] == 403
        auth = {"X-Labeler-Token": token}
        assert _request(server.url + "api/answer", data={**body, "label": "bogus"}, headers=auth)[0] == 400
        assert _request(server.url + "api/answer", data={**body, "row": 99}, headers=auth)[0] == 400
        assert _request(server.url + "api/answer", data={**body, "sample_id": "s0002"}, headers=auth)[0] == 409
        assert _request(server.url + "nothing", headers=auth)[0] == 404
        assert sample.read_bytes() == before  # nothing refused was written
        status, text = _request(server.url + "api/answer", data=body, headers=auth)
        assert status == 200 and json.loads(text)["n_labeled"] == 1
        assert _read(sample).loc[0, "label"] == "growth"


def test_file_changed_by_another_program_is_not_overwritten(sample: Path) -> None:
    with serving(sample) as server:
        auth = {"X-Labeler-Token": server.session.token}
        body = {"row": 0, "sample_id": "s0001", "label": "growth", "unsure": False}
        assert _request(server.url + "api/answer", data=body, headers=auth)[0] == 200
        df = _read(sample)  # a spreadsheet saves the file meanwhile
        df.loc[1, "label"] = "consumption"
        df.to_csv(sample, index=False)
        edited = sample.read_bytes()
        status, text = _request(server.url + "api/answer", data={**body, "label": "other"}, headers=auth)
        assert status == 409 and "changed by another program" in json.loads(text)["error"]
        assert sample.read_bytes() == edited


def test_out_file_and_resume_from_it(sample: Path, tmp_path: Path) -> None:
    before = sample.read_bytes()
    out = tmp_path / "labeled.csv"
    body = {"row": 0, "sample_id": "s0001", "label": "other", "unsure": True}
    with serving(sample, out=out) as server:
        status, _ = _request(server.url + "api/answer", data=body, headers={"X-Labeler-Token": server.session.token})
        assert status == 200
    assert sample.read_bytes() == before
    assert _read(out).loc[0, ["label", "unsure"]].tolist() == ["other", "1"]
    # The record of how the sample was drawn travels with the labeled copy.
    assert json.loads(Path(f"{out}.json").read_text()) == json.loads(Path(f"{sample}.json").read_text())
    session = open_session(sample, out=out)
    assert session.table.first_unlabeled() == 1 and session.table.n_labeled == 1


def _one_line_error(r) -> None:
    assert r.code == 2
    lines = r.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in r.err, r.err


def test_bad_inputs_one_line(cli, sample: Path, tmp_path: Path) -> None:
    _one_line_error(cli("label", tmp_path / "missing.csv", "--no-browser"))
    other = tmp_path / "other.csv"
    other.write_text("text,label\nWe will invest.,investment\n", "utf-8")
    r = cli("label", other, "--no-browser")
    _one_line_error(r)
    assert "not a sample file" in r.err
    _one_line_error(cli("label", sample, "--out", tmp_path / "x.txt", "--no-browser"))
    _one_line_error(cli("label", sample, "--port", "70000", "--no-browser"))
    _one_line_error(cli("label", sample, "--themes", tmp_path / "none.toml", "--no-browser"))
    dup = _read(sample)
    dup.loc[1, "sample_id"] = dup.loc[0, "sample_id"]
    dup.to_csv(tmp_path / "dup.csv", index=False)
    r = cli("label", tmp_path / "dup.csv", "--no-browser")
    _one_line_error(r)
    assert "appears twice" in r.err
    foreign = _read(sample).iloc[:3]
    foreign.to_csv(tmp_path / "foreign.csv", index=False)
    r = cli("label", sample, "--out", tmp_path / "foreign.csv", "--no-browser")
    _one_line_error(r)
    assert "other rows" in r.err
    assert not (tmp_path / "x.txt").exists()


def test_ctrl_c_stops_with_exit_0_and_answers_kept(sample: Path) -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "label", str(sample), "--no-browser"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()  # the address is the first line, at once
        assert url.startswith("http://127.0.0.1:") and url.endswith("/")
        status, page = _request(url)
        assert status == 200
        token = page.split("const TOKEN = '")[1].split("'")[0]
        body = {"row": 0, "sample_id": "s0001", "label": "regional", "unsure": False}
        assert _request(url + "api/answer", data=body, headers={"X-Labeler-Token": token})[0] == 200
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert "stopped: 1 of 8 labeled" in err and "Traceback" not in err
    assert _read(sample).loc[0, "label"] == "regional"


def test_help_explains(capsys: pytest.CaptureFixture[str]) -> None:
    from pipeline.cli import main

    with pytest.raises(SystemExit) as e:
        main(["label", "--help"])
    assert e.value.code == 0
    text = capsys.readouterr().out
    for word in ("127.0.0.1", "--out", "--port", "--no-browser", "resumes", "Ctrl-C", "unsure"):
        assert word in text
