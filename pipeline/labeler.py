"""The offline labeling page (`policy-themes label`): a sample file, one sentence at a time.

A standard-library HTTP server on 127.0.0.1 serves one self-contained page (inline CSS and
script, no external assets) and a two-call JSON API. Every answer rewrites the sample file
atomically before it is acknowledged, so stopping the server, or the machine, loses at most
the answer in flight; reopening the file resumes at its first unlabeled row.

The server refuses requests whose Host is not its own address (a web page elsewhere cannot
reach it through DNS rebinding) and API calls without the page's random token in a header (a
page elsewhere cannot send that header without a preflight the server never grants). The page
writes sentence text with `textContent` only and forbids any script but its own (CSP nonce),
so hostile text in a corpus is shown, never run.
"""

from __future__ import annotations

import json
import secrets
import sys
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from .errors import InputError
from .themes import Taxonomy, load_taxonomy

#: Columns the page needs; `label` and `unsure` are added when a spreadsheet dropped them.
REQUIRED = ("sample_id", "sentence")
ANSWER_COLUMNS = ("label", "unsure")
SHOWN = ("sample_id", "statement_id", "date", "source", "lang", "sentence_index", "sentence", "context_before",
         "context_after")
TOKEN_HEADER = "X-Labeler-Token"
MAX_BODY = 64 * 1024
_FALSE = {"", "0", "false", "no", "n"}


def is_unsure(value: str) -> bool:
    """A spreadsheet user may write 1, x, yes or TRUE: anything but empty, 0, false or no counts."""
    return value.strip().lower() not in _FALSE


@dataclass
class SampleTable:
    """A sample file as text cells, columns and order kept, so saving changes only the answers."""

    columns: list[str]
    rows: list[dict[str, str]]

    @property
    def n_labeled(self) -> int:
        return sum(1 for r in self.rows if r["label"].strip())

    def first_unlabeled(self) -> int:
        return next((i for i, r in enumerate(self.rows) if not r["label"].strip()), len(self.rows))


def read_sample_table(path: Path) -> SampleTable:
    """Read a sample file; one-line errors for anything that is not one."""
    import pandas as pd

    if not path.exists():
        raise InputError(f"{path}: not found")
    if path.is_dir():
        raise InputError(f"{path}: is a folder; give the sample file (from `policy-themes sample`)")
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except pd.errors.EmptyDataError:
        raise InputError(f"{path}: is empty; not a sample file") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: is not UTF-8 text; not a sample file") from None
    except (pd.errors.ParserError, ValueError) as e:
        raise InputError(f"{path}: cannot be read as CSV ({str(e).splitlines()[0] if str(e) else e})") from None
    except OSError as e:
        raise InputError(f"{path}: cannot be read ({e.strerror})") from None
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise InputError(f"{path}: not a sample file: no column {', '.join(missing)} "
                         "(make one with `policy-themes sample`)")
    if df.empty:
        raise InputError(f"{path}: has no rows to label")
    ids = df["sample_id"].str.strip()
    if (ids == "").any():
        raise InputError(f"{path}: row {int((ids == '').to_numpy().argmax()) + 2}: empty sample_id")
    dup = ids[ids.duplicated()]
    if not dup.empty:
        raise InputError(f"{path}: sample_id {dup.iloc[0]!r} appears twice")
    columns = [str(c) for c in df.columns]
    columns += [c for c in ANSWER_COLUMNS if c not in columns]
    rows = [{c: str(r.get(c, "")) for c in columns} for r in df.to_dict("records")]
    return SampleTable(columns, rows)


def write_sample_table(table: SampleTable, path: Path) -> None:
    """Rewrite the whole file under a temporary name and rename it over the old one."""
    import pandas as pd

    from .writers import atomic_path

    with atomic_path(path) as tmp:
        pd.DataFrame(table.rows, columns=table.columns).to_csv(tmp, index=False, encoding="utf-8")


def file_stamp(path: Path) -> tuple[int, int, int] | None:
    """Identity, modification time and size: what changes when anyone rewrites the file."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return st.st_ino, st.st_mtime_ns, st.st_size


@dataclass
class Session:
    """The labeling state the server shares between requests: one lock around every change."""

    table: SampleTable
    out: Path
    taxonomy: Taxonomy
    ui_lang: str
    sidecar: tuple[Path, Path] | None = None  # (from, to): the sample's record, copied at the first save
    lock: threading.Lock = field(default_factory=threading.Lock)
    token: str = field(default_factory=lambda: secrets.token_hex(16))
    #: The file as last read or written; a file changed by someone else is not overwritten.
    stamp: tuple[int, int, int] | None = None

    def __post_init__(self) -> None:
        self.stamp = file_stamp(self.out)

    def state(self) -> dict[str, Any]:
        with self.lock:
            rows = [{**{c: r.get(c, "") for c in SHOWN}, "label": r["label"].strip(), "unsure": is_unsure(r["unsure"])}
                    for r in self.table.rows]
        themes = [{"id": t.id, "name_en": t.name_en, "name_zh": t.name_zh, "description": t.description}
                  for t in self.taxonomy.themes]
        return {"file": str(self.out), "file_name": self.out.name, "ui_lang": self.ui_lang, "themes": themes,
                "rows": rows}

    def answer(self, body: dict[str, Any]) -> dict[str, Any]:
        """Apply one answer ({row, sample_id, label, unsure}) and save the file before replying."""
        row, sid, label, unsure = body.get("row"), body.get("sample_id"), body.get("label"), body.get("unsure")
        if not isinstance(row, int) or isinstance(row, bool) or not 0 <= row < len(self.table.rows):
            raise ValueError("row out of range")
        if not isinstance(label, str) or not isinstance(unsure, bool):
            raise ValueError("label must be text and unsure true or false")
        with self.lock:
            r = self.table.rows[row]
            if r["sample_id"] != sid:
                raise LookupError(f"row {row} is {r['sample_id']}, not {sid!r}: the file changed; reload the page")
            if label and label not in self.taxonomy.ids and label != r["label"].strip():
                raise ValueError(f"label {label!r} is not a theme")
            if file_stamp(self.out) != self.stamp:
                raise LookupError(f"{self.out.name} was changed by another program since `label` read it; nothing "
                                  "saved: stop `label` and start it again")
            old = r["label"], r["unsure"]
            r["label"], r["unsure"] = label, "1" if unsure else ""
            try:
                write_sample_table(self.table, self.out)
                self.stamp = file_stamp(self.out)
                self._copy_sidecar()
            except OSError:
                r["label"], r["unsure"] = old
                raise
            return {"ok": True, "n_labeled": self.table.n_labeled, "n": len(self.table.rows)}

    def _copy_sidecar(self) -> None:
        if self.sidecar is None:
            return
        src, dst = self.sidecar
        from .writers import atomic_path

        with atomic_path(dst) as tmp:
            tmp.write_bytes(src.read_bytes())
        self.sidecar = None


class LabelServer(ThreadingHTTPServer):
    """The page's server; `url` is where to point a browser."""

    daemon_threads = True

    def __init__(self, session: Session, port: int = 0) -> None:
        self.session = session
        super().__init__(("127.0.0.1", port), _Handler)
        self.port = int(self.server_address[1])
        self.url = f"http://127.0.0.1:{self.port}/"
        self.hosts = {f"127.0.0.1:{self.port}", f"localhost:{self.port}"}


class _Handler(BaseHTTPRequestHandler):
    server: LabelServer

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the terminal shows the address and the closing line, not every request

    def _send(self, status: int, body: bytes, ctype: str, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("X-Frame-Options", "DENY")
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, obj: dict[str, Any]) -> None:
        self._send(status, json.dumps(obj, ensure_ascii=False).encode(), "application/json; charset=utf-8")

    def _error(self, status: int, message: str) -> None:
        self._json(status, {"ok": False, "error": message})

    def _allowed(self, api: bool) -> bool:
        if self.headers.get("Host", "") not in self.server.hosts:
            self._error(HTTPStatus.FORBIDDEN, "wrong host")
            return False
        if api and not secrets.compare_digest(self.headers.get(TOKEN_HEADER, ""), self.server.session.token):
            self._error(HTTPStatus.FORBIDDEN, "missing or wrong token")
            return False
        return True

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path in ("/", "/index.html"):
            if self._allowed(api=False):
                nonce = secrets.token_hex(16)
                csp = (f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; "
                       "connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; "
                       "frame-ancestors 'none'")
                page = render_page(self.server.session, nonce)
                self._send(HTTPStatus.OK, page.encode(), "text/html; charset=utf-8", {"Content-Security-Policy": csp})
        elif path == "/api/state":
            if self._allowed(api=True):
                self._json(HTTPStatus.OK, self.server.session.state())
        else:
            self._error(HTTPStatus.NOT_FOUND, "not found")

    def do_POST(self) -> None:
        if self.path != "/api/answer":
            self._error(HTTPStatus.NOT_FOUND, "not found")
            return
        if not self._allowed(api=True):
            return
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            length = -1
        if not 0 < length <= MAX_BODY:
            self._error(HTTPStatus.BAD_REQUEST, "bad body length")
            return
        try:
            body = json.loads(self.rfile.read(length))
            if not isinstance(body, dict):
                raise ValueError("not an object")
            reply = self.server.session.answer(body)
        except LookupError as e:
            self._error(HTTPStatus.CONFLICT, str(e))
        except ValueError as e:
            self._error(HTTPStatus.BAD_REQUEST, str(e))
        except OSError as e:
            self._error(HTTPStatus.INTERNAL_SERVER_ERROR, f"cannot write {self.server.session.out}: {e.strerror}")
        else:
            self._json(HTTPStatus.OK, reply)


def majority_lang(table: SampleTable) -> str:
    """The page speaks Chinese when most sentences are Chinese."""
    langs = Counter(r.get("lang", "") for r in table.rows)
    return "zh" if langs.get("zh", 0) > len(table.rows) / 2 else "en"


def open_session(sample: Path, out: Path | None = None, themes: Path | None = None,
                 ui_lang: str | None = None) -> Session:
    """Everything checked before the server starts: the file, the output, the taxonomy."""
    from .sample import sidecar_path
    from .writers import check_output_path

    taxonomy = load_taxonomy(themes)
    table = read_sample_table(sample)
    target = sample
    sidecar = None
    if out is not None and out.resolve() != sample.resolve():
        check_output_path(out, (".csv",))
        if out.exists():  # an earlier session's copy: resume from its answers
            done = read_sample_table(out)
            if [r["sample_id"] for r in done.rows] != [r["sample_id"] for r in table.rows]:
                raise InputError(f"{out}: holds other rows than {sample} (its sample_ids differ); "
                                 "give another --out")
            table = done
        if sidecar_path(sample).is_file() and not sidecar_path(out).exists():
            sidecar = (sidecar_path(sample), sidecar_path(out))
        target = out
    if len(taxonomy.ids) > 9:
        raise InputError(f"{themes or 'the taxonomy'}: has {len(taxonomy.ids)} themes; the page's keys 1-9 "
                         "cover at most nine")
    return Session(table, target, taxonomy, ui_lang or majority_lang(table), sidecar)


def make_server(session: Session, port: int = 0) -> LabelServer:
    """Bind 127.0.0.1 (a free port when `port` is 0); one-line error when that is impossible."""
    if not 0 <= port <= 65535:
        raise InputError(f"--port {port}: use 1-65535 (or leave it out for a free one)")
    try:
        return LabelServer(session, port)
    except OSError as e:
        raise InputError(f"--port {port}: cannot listen on 127.0.0.1 ({e.strerror})") from None


def run_labeler(sample: Path, *, out: Path | None = None, themes: Path | None = None, port: int = 0,
                ui_lang: str | None = None, open_browser: bool = True,
                say: Callable[[str], None] = lambda text: None) -> int:
    """Serve until Ctrl-C (or SIGTERM); answers are already on disk, so stopping is exit 0."""
    session = open_session(sample, out, themes, ui_lang)
    server = make_server(session, port)
    n = len(session.table.rows)
    print(server.url, flush=True)
    say(f"labeling {sample}: {session.table.n_labeled} of {n} labeled; every answer is saved to {session.out} "
        "at once; Ctrl-C stops")
    if open_browser:
        import webbrowser

        # A console browser would block: the server must already be answering.
        threading.Thread(target=webbrowser.open, args=(server.url,), daemon=True).start()
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        with session.lock:  # an answer being written finishes first
            done = session.table.n_labeled
    sys.stdout.flush()
    say(f"stopped: {done} of {n} labeled, saved in {session.out}")
    return 0


# ---------------------------------------------------------------- the page


def render_page(session: Session, nonce: str) -> str:
    """The page: inline style and script carrying `nonce`; the data comes from /api/state."""
    return (_PAGE.replace("__NONCE__", nonce).replace("__TOKEN__", session.token)
            .replace("__LANG__", "zh-CN" if session.ui_lang == "zh" else "en"))


_PAGE = """<!doctype html>
<html lang="__LANG__">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>policy-themes · label</title>
<style nonce="__NONCE__">
:root { --ink:#1d2430; --mute:#6a7383; --line:#d9dee7; --accent:#1f5fbf; --soft:#eef3fb; --warn:#a33; }
* { box-sizing: border-box; }
body { margin:0; font:16px/1.5 system-ui, -apple-system, "Segoe UI", "Noto Sans CJK SC", "PingFang SC",
       "Microsoft YaHei", sans-serif; color:var(--ink); background:#f7f8fa; }
header { display:flex; gap:1rem; align-items:center; padding:.6rem 1.2rem; background:#fff;
         border-bottom:1px solid var(--line); }
header h1 { font-size:1.05rem; margin:0; flex:1; }
#bar { width:12rem; height:.5rem; background:var(--line); border-radius:.25rem; overflow:hidden; }
#bar span { display:block; height:100%; background:var(--accent); width:0; }
main { max-width:60rem; margin:1rem auto; padding:0 1.2rem; }
#meta { color:var(--mute); font-size:.85rem; margin-bottom:.4rem; }
#card { background:#fff; border:1px solid var(--line); border-radius:.5rem; padding:1rem 1.2rem; }
.ctx { color:var(--mute); margin:.3rem 0; white-space:pre-wrap; overflow-wrap:anywhere; }
.ctx:empty { display:none; }
#sentence { font-size:1.2rem; margin:.5rem 0; padding:.5rem .7rem; background:var(--soft);
            border-left:4px solid var(--accent); white-space:pre-wrap; overflow-wrap:anywhere; }
#current { margin:.6rem 0; min-height:1.5rem; }
#current .unsure { color:var(--warn); margin-left:.6rem; }
#themes { list-style:none; padding:0; margin:.6rem 0; display:grid; gap:.4rem; }
#themes button { width:100%; text-align:left; display:grid; grid-template-columns:2rem 1fr; gap:.1rem .6rem;
                 padding:.5rem .7rem; background:#fff; border:1px solid var(--line); border-radius:.4rem;
                 font:inherit; color:inherit; cursor:pointer; }
#themes button:hover { border-color:var(--accent); }
#themes button.chosen { border:2px solid var(--accent); background:var(--soft); }
#themes .key { grid-row:span 3; font-weight:700; font-size:1.1rem; color:var(--accent); align-self:center;
               text-align:center; border:1px solid var(--line); border-radius:.3rem; }
#themes .name { font-weight:600; }
#themes .alt { color:var(--mute); font-size:.9rem; }
#themes .desc { color:var(--mute); font-size:.8rem; }
#nav { display:flex; flex-wrap:wrap; gap:.5rem; margin:.8rem 0; }
#nav button, #lang { font:inherit; padding:.35rem .8rem; border:1px solid var(--line); border-radius:.4rem;
                     background:#fff; cursor:pointer; }
#nav button.on { border-color:var(--warn); color:var(--warn); }
#status { min-height:1.4rem; color:var(--mute); font-size:.9rem; }
#status.error { color:var(--warn); font-weight:600; }
#help { color:var(--mute); font-size:.85rem; }
#done { background:#fff; border:1px solid var(--line); border-radius:.5rem; padding:1rem 1.2rem; }
[hidden] { display:none !important; }
</style>
</head>
<body>
<header>
  <h1 id="title"></h1>
  <div id="progress" aria-live="polite"></div>
  <div id="bar"><span></span></div>
  <button id="lang" type="button"></button>
</header>
<main>
  <section id="item">
    <div id="meta"></div>
    <div id="card">
      <p id="before" class="ctx"></p>
      <p id="sentence"></p>
      <p id="after" class="ctx"></p>
    </div>
    <div id="current"></div>
    <ol id="themes"></ol>
  </section>
  <section id="done" hidden><p id="done-text"></p></section>
  <div id="nav">
    <button id="back" type="button"></button>
    <button id="unsure" type="button"></button>
    <button id="skip" type="button"></button>
    <button id="next" type="button"></button>
  </div>
  <p id="status" role="status"></p>
  <p id="help"></p>
</main>
<script nonce="__NONCE__">
'use strict';
(function () {
  const TOKEN = '__TOKEN__';
  const T = {
    en: {
      title: 'Label the sample', progress: '{n} labeled of {N}', item: 'Sentence {i} of {N}',
      back: '← Back', skip: 'Skip →', unsure: 'Unsure (u)', next: 'Next unlabeled (n)',
      other: '中文', current: 'Your label: {x}', none: 'Not labeled yet', notTheme: ' (not a theme)',
      marked: 'marked unsure', saving: 'Saving…', saved: 'Saved to {f}', failed: 'NOT saved: {e}',
      loadFailed: 'Cannot load the sample: {e}',
      allDone: 'All {N} sentences are labeled and saved in {f}. Close this tab and stop the server with Ctrl-C.',
      end: 'End of the sample: {k} of {N} sentences are still unlabeled.',
      help: 'Keys: 1–{k} choose the theme and go on · u marks the sentence unsure (then still choose ' +
            'the most likely theme) · ← or Backspace goes back · → or s skips · ' +
            'n jumps to the next unlabeled sentence. Every answer is saved at once.'
    },
    zh: {
      title: '标注样本', progress: '已标注 {n} / {N}',
      item: '第 {i} 句，共 {N} 句',
      back: '← 上一句', skip: '跳过 →', unsure: '不确定 (u)',
      next: '下一个未标注 (n)', other: 'English',
      current: '当前标注：{x}', none: '尚未标注',
      notTheme: '（不是主题）', marked: '已标记为不确定',
      saving: '正在保存…', saved: '已保存到 {f}',
      failed: '未保存：{e}', loadFailed: '无法读取样本：{e}',
      allDone: '全部 {N} 句已标注并保存到 {f}。' +
               '可以关闭此页，在终端按 Ctrl-C ' +
               '停止服务。',
      end: '已到样本末尾：{N} 句中还有 {k} ' +
           '句未标注。',
      help: '按键：1–{k} 选择主题并进入下一句' +
            ' · u 标记不确定（仍请选择最可能' +
            '的主题） · ← 或 Backspace 返回 · → 或 s ' +
            '跳过 · n 跳到下一个未标注的句子。' +
            '每次作答都会立即保存。'
    }
  };
  const $ = (id) => document.getElementById(id);
  const S = { rows: [], themes: [], pos: 0, lang: 'en', file: '', pending: 0, saved: false, error: '' };
  let queue = Promise.resolve();

  function t(key, vars) {
    let s = T[S.lang][key];
    for (const [k, v] of Object.entries(vars || {})) { s = s.split('{' + k + '}').join(String(v)); }
    return s;
  }
  function text(el, s) { el.textContent = s; }
  function nLabeled() { return S.rows.filter((r) => r.label !== '').length; }
  function firstUnlabeled(from) {
    const n = S.rows.length;
    for (let k = 0; k < n; k++) {
      const i = (from + k) % n;
      if (S.rows[i].label === '') { return i; }
    }
    return n;
  }
  function themeName(id) {
    const th = S.themes.find((x) => x.id === id);
    if (!th) { return id + t('notTheme'); }
    return S.lang === 'zh' ? th.name_zh : th.name_en;
  }

  function renderThemes() {
    const ol = $('themes');
    ol.replaceChildren();
    S.themes.forEach((th, i) => {
      const li = document.createElement('li');
      const b = document.createElement('button');
      b.type = 'button';
      b.dataset.theme = th.id;
      const key = document.createElement('span'); key.className = 'key'; text(key, String(i + 1));
      const name = document.createElement('span'); name.className = 'name';
      const alt = document.createElement('span'); alt.className = 'alt';
      text(name, S.lang === 'zh' ? th.name_zh : th.name_en);
      text(alt, (S.lang === 'zh' ? th.name_en : th.name_zh) + ' · ' + th.id);
      const desc = document.createElement('span'); desc.className = 'desc'; text(desc, th.description);
      b.append(key, name, alt, desc);
      b.addEventListener('click', () => { b.blur(); choose(th.id); });  // Enter must not answer the next one
      li.append(b);
      ol.append(li);
    });
  }

  function render() {
    const N = S.rows.length;
    const n = nLabeled();
    document.documentElement.lang = S.lang === 'zh' ? 'zh-CN' : 'en';
    text($('title'), t('title') + ' · ' + S.file);
    text($('progress'), t('progress', { n: n, N: N }));
    $('bar').firstElementChild.style.width = (N ? (100 * n / N) : 0) + '%';
    text($('lang'), t('other'));
    text($('back'), t('back')); text($('skip'), t('skip'));
    text($('unsure'), t('unsure')); text($('next'), t('next'));
    text($('help'), t('help', { k: S.themes.length }));
    const atEnd = S.pos >= N;
    $('item').hidden = atEnd;
    $('done').hidden = !atEnd;
    $('unsure').disabled = atEnd;
    $('skip').disabled = atEnd;
    $('back').disabled = S.pos === 0;
    document.body.dataset.pos = String(S.pos);
    document.body.dataset.pending = String(S.pending);
    if (atEnd) {
      text($('done-text'), n === N ? t('allDone', { N: N, f: S.file }) : t('end', { k: N - n, N: N }));
    } else {
      const r = S.rows[S.pos];
      document.body.dataset.sampleId = r.sample_id;
      const meta = [t('item', { i: S.pos + 1, N: N }), r.date, r.source, r.sample_id].filter((x) => x !== '');
      text($('meta'), meta.join(' · '));
      text($('before'), r.context_before);
      text($('sentence'), r.sentence);
      text($('after'), r.context_after);
      $('sentence').lang = r.lang === 'zh' ? 'zh-CN' : (r.lang || '');
      const cur = $('current');
      cur.replaceChildren();
      const main = document.createElement('span');
      text(main, r.label === '' ? t('none') : t('current', { x: themeName(r.label) }));
      cur.append(main);
      if (r.unsure) {
        const u = document.createElement('span'); u.className = 'unsure'; text(u, t('marked')); cur.append(u);
      }
      $('unsure').classList.toggle('on', r.unsure);
      for (const b of $('themes').querySelectorAll('button')) {
        b.classList.toggle('chosen', b.dataset.theme === r.label);
      }
    }
    const st = $('status');
    st.classList.toggle('error', S.error !== '');
    const saved = S.saved ? t('saved', { f: S.file }) : '';
    text(st, S.error !== '' ? t('failed', { e: S.error }) : (S.pending ? t('saving') : saved));
  }

  function post(body) {
    return fetch('/api/answer', {
      method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Labeler-Token': TOKEN },
      body: JSON.stringify(body), cache: 'no-store'
    }).then((resp) => resp.json().catch(() => ({})).then((j) => {
      if (!resp.ok || !j.ok) { throw new Error(j.error || ('HTTP ' + resp.status)); }
      return j;
    }));
  }

  function save(i, label, unsure) {
    const r = S.rows[i];
    const before = { label: r.label, unsure: r.unsure };
    r.label = label; r.unsure = unsure;
    S.pending += 1;
    const body = { row: i, sample_id: r.sample_id, label: label, unsure: unsure };
    queue = queue.then(() => post(body)).then(() => {
      S.pending -= 1; S.saved = true; S.error = ''; render();
    }, (err) => {
      S.pending -= 1;
      if (r.label === label && r.unsure === unsure) { r.label = before.label; r.unsure = before.unsure; }
      S.error = String(err && err.message ? err.message : err);
      render();
    });
  }

  function choose(id) {
    if (S.pos >= S.rows.length) { return; }
    const r = S.rows[S.pos];
    save(S.pos, id, r.unsure);
    const next = firstUnlabeled((S.pos + 1) % S.rows.length);
    S.pos = next;
    render();
  }
  function toggleUnsure() {
    if (S.pos >= S.rows.length) { return; }
    const r = S.rows[S.pos];
    save(S.pos, r.label, !r.unsure);
    render();
  }
  function back() { if (S.pos > 0) { S.pos -= 1; render(); } }
  function skip() { if (S.pos < S.rows.length) { S.pos += 1; render(); } }
  function nextUnlabeled() {
    const from = S.pos >= S.rows.length ? 0 : (S.pos + 1) % S.rows.length;
    S.pos = firstUnlabeled(from);
    render();
  }

  document.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey || !S.rows.length) { return; }
    const k = e.key;
    if (/^[1-9]$/.test(k)) {
      const i = Number(k) - 1;
      if (i < S.themes.length) { e.preventDefault(); choose(S.themes[i].id); }
    } else if (k === 'u' || k === 'U') { e.preventDefault(); toggleUnsure(); }
    else if (k === 'ArrowLeft' || k === 'Backspace') { e.preventDefault(); back(); }
    else if (k === 'ArrowRight' || k === 's' || k === 'S') { e.preventDefault(); skip(); }
    else if (k === 'n' || k === 'N') { e.preventDefault(); nextUnlabeled(); }
  });
  $('back').addEventListener('click', back);
  $('skip').addEventListener('click', skip);
  $('unsure').addEventListener('click', toggleUnsure);
  $('next').addEventListener('click', nextUnlabeled);
  $('lang').addEventListener('click', () => { S.lang = S.lang === 'zh' ? 'en' : 'zh'; renderThemes(); render(); });

  fetch('/api/state', { headers: { 'X-Labeler-Token': TOKEN }, cache: 'no-store' })
    .then((resp) => { if (!resp.ok) { throw new Error('HTTP ' + resp.status); } return resp.json(); })
    .then((st) => {
      S.rows = st.rows; S.themes = st.themes; S.lang = st.ui_lang === 'zh' ? 'zh' : 'en'; S.file = st.file_name;
      S.pos = firstUnlabeled(0);
      renderThemes();
      render();
      document.body.dataset.ready = '1';
    })
    .catch((err) => {
      const st = $('status'); st.classList.add('error');
      text(st, t('loadFailed', { e: String(err && err.message ? err.message : err) }));
    });
}());
</script>
</body>
</html>
"""
