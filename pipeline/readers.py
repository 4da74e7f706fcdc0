"""Reading statements from files, folders, tables, web pages, PDFs and stdin.

Every way a statement can fail to be read (bad bytes, bad row, no date, a file that is
not a regular file, a folder that cannot be listed, a second copy of a text) becomes a
`Failure` naming the file and the line or row, so a run can account for it. Names are
shown with escapes (`\\n`, `\\xe9`), so an odd file name never splits or breaks a message.
"""

from __future__ import annotations

import codecs
import datetime as dt
import io
import json
import math
import os
import re
import stat
import sys
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from .config import DOCUMENT_SUFFIXES, STATEMENT_FIELDS, SUPPORTED_SUFFIXES, TABLE_SUFFIXES
from .dates import date_error, date_from_name, date_from_text, is_future, parse_date
from .errors import InputError, StatementError
from .records import Failure, Statement
from .script import CJK_CHAR, HAN_CHAR, HAN_CLASS, lang_of

STDIN = "-"
_DOC_FILE = re.compile(r"^(?:README|LICENSE|LICENCE|CHANGELOG|MANIFEST)(?:\.\w+)?$", re.I)


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """Defaults and overrides users give on the command line."""

    date: str | None = None
    source: str | None = None
    lang: str | None = None
    fmt: str | None = None
    #: Read symlinked files that point outside the folder given (by default listed as failed).
    follow_links: bool = False
    #: List a statement whose text was already read as "duplicate of ..." instead of reading it
    #: again (off for `classify --sentences`, where a repeated sentence is a row like any other;
    #: a second statement with an id already read is listed either way).
    dedupe: bool = True
    #: Refuse a statement with no date (`classify` takes it, with an empty date).
    need_date: bool = True


#: Folders nested deeper than this below an input folder are listed as failed, not read.
MAX_DEPTH = 64

# Characters that would split or disguise a name in a one-line message: controls, line and
# paragraph separators, and bidi overrides.
_NAME_ESCAPES = {c: f"\\x{c:02x}" for c in [*range(32), *range(0x7F, 0xA0)]}
_NAME_ESCAPES.update({0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t"})
_NAME_ESCAPES.update({c: f"\\u{c:04x}" for c in [0x2028, 0x2029, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]})


def shown(path: str | os.PathLike[str]) -> str:
    """A file name as messages and ids show it: bytes that are not UTF-8 as `\\xNN`, line
    breaks and other controls escaped, so the name stays on its line and can be written out."""
    s = os.fspath(path)
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes of a file name arrive as lone surrogates
        s = os.fsencode(s).decode("utf-8", "backslashreplace")
    return s.translate(_NAME_ESCAPES)


# ---------------------------------------------------------------- decoding


def decode(data: bytes, name: str) -> str:
    """Decode input bytes; refuse rather than guess when they are not text.

    UTF-8 (with or without BOM) and UTF-16 with BOM are exact; GB18030 (a superset of
    GBK and GB2312) is tried last and accepted only when it yields mostly Chinese.
    """
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as e:
            raise InputError(f"{name}: invalid UTF-16 at byte {e.start}") from None
    if b"\x00" in data:
        raise InputError(f"{name}: binary file (contains NUL bytes), not text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        utf8_error = e
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        text = ""
    non_ascii = [c for c in text if ord(c) > 127]
    if text and sum(1 for c in non_ascii if CJK_CHAR.match(c)) >= 0.9 * len(non_ascii):
        problem = unlikely_chinese(text)
        if problem is None:
            return text
        raise InputError(
            f"{name}: cannot decode: not UTF-8 (bad byte at offset {utf8_error.start}), and read as GB18030 "
            f"it is unlikely Chinese ({problem}): Shift-JIS, EUC-KR or Big5? convert it to UTF-8"
        )
    raise InputError(
        f"{name}: cannot decode: not UTF-8 (bad byte at offset {utf8_error.start}) "
        "and not GB18030 Chinese text; convert it to UTF-8"
    )


#: Below this share of common Han characters, GB18030 text is another encoding misread.
COMMON_HAN_SHARE = 0.9
#: Above this many spaces between two-character Han words per Han character, it is Korean.
HAN_WORD_SPACES = 0.05
_HAN_WORD_GAP = re.compile(f"[{HAN_CLASS}]{{2}} (?=[{HAN_CLASS}]{{2}})")


def _common_han(c: str) -> bool:
    """In GB2312 (the 6,763 characters of everyday simplified Chinese) or Big5 (traditional)."""
    for enc in ("gb2312", "big5"):
        try:
            c.encode(enc)
            return True
        except UnicodeEncodeError:
            pass
    return False


def unlikely_chinese(text: str) -> str | None:
    """Why text decoded as GB18030 is not Chinese, or None when it reads as Chinese.

    Japanese in Shift-JIS decodes to rare Han characters outside GB2312 and Big5 (every real
    Chinese text in ../shared/corpora: 99% inside or more; Shift-JIS Japanese: 51%); Korean in
    EUC-KR decodes to common ones, but keeps the spaces between its words (Chinese puts none
    between Han characters: 0.01% at most in the real GB18030 files of raw_encoding_samples;
    EUC-KR Korean: 28%). tests/test_readers.py checks both sides.
    """
    sample = text[:50_000]
    counts = Counter(c for c in sample if HAN_CHAR.match(c))
    n = sum(counts.values())
    if n < 20:
        return None
    common = sum(k for c, k in counts.items() if _common_han(c))
    if common < COMMON_HAN_SHARE * n:
        return f"{1 - common / n:.0%} of its Han characters are rare ones"
    gaps = len(_HAN_WORD_GAP.findall(sample))
    if gaps >= 3 and gaps > HAN_WORD_SPACES * n:
        return f"{gaps} spaces between words of Han characters, as Korean has"
    return None


def _check_text(text: str, name: str) -> None:
    """Reject decoded text that is mostly control characters (binary with a text name)."""
    sample = text[:4096]
    if not sample:
        return
    ctrl = sum(1 for c in sample if (ord(c) < 32 and c not in "\t\n\r\f\v") or c == "\ufffd")
    if ctrl > max(8, len(sample) // 20):
        raise InputError(f"{name}: binary file (control bytes), not text")


#: A statement's language is judged on its first this many characters: enough, and a long
#: text is not scanned whole.
LANG_SAMPLE = 20_000


def detect_lang(text: str) -> str:
    """A statement's language: `script.lang_of` (the detector blocks are judged by) on its
    first `LANG_SAMPLE` characters."""
    return lang_of(text[:LANG_SAMPLE])


# ---------------------------------------------------------------- front matter

_FM_OPEN = re.compile(r"\A[ \t]*---[ \t]*\r?\n")
_FM_CLOSE = re.compile(r"^[ \t]*(?:---|\.\.\.)[ \t]*\r?$", re.M)
_FM_LINE = re.compile(r"^([A-Za-z_][\w-]*)[ \t]*:[ \t]*(.*?)[ \t]*\r?$")


def parse_front_matter(text: str, name: str) -> tuple[dict[str, str], int]:
    """Flat `key: value` metadata between `---` lines; returns it and where the body starts.

    Lines may end in LF, CRLF or (old Mac files) CR alone.
    """
    if "\r" in text[:4096] and "\n" not in text:
        text = text.replace("\r", "\n")  # same length: the body starts at the same offset
    m = _FM_OPEN.match(text)
    if not m:
        return {}, 0
    close = _FM_CLOSE.search(text, m.end())
    if not close:
        raise InputError(f"{name}: front matter opened with '---' on line 1 is never closed")
    meta: dict[str, str] = {}
    first_line = 2
    for i, line in enumerate(text[m.end() : close.start()].splitlines(), start=first_line):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fm = _FM_LINE.match(line)
        if not fm:
            raise InputError(f"{name} line {i}: front matter line is not 'key: value': {line[:60]!r}")
        value = fm.group(2)
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        meta[fm.group(1).lower()] = value
    end = close.end()
    if end < len(text) and text[end] == "\n":
        end += 1
    return meta, end


# ---------------------------------------------------------------- building statements


def _clean_field(value: Any) -> str:
    """Table cells come as str, numbers, NaN/None or timestamps; make them text."""
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    if hasattr(value, "isoformat") and not isinstance(value, str):
        return str(value.isoformat())[:10]
    return str(value).strip()


def build_statement(
    *,
    text: str,
    meta: dict[str, Any],
    origin: str,
    default_id: str,
    name_for_date: str,
    opts: ReadOptions,
    body_start: int = 0,
) -> Statement:
    """Resolve id, date, source and language for one statement, or raise StatementError."""
    fields = {k: _clean_field(meta.get(k)) for k in STATEMENT_FIELDS}
    date: str | None = None
    date_source = ""
    if fields["date"]:
        date = parse_date(fields["date"])
        if date is None:
            raise StatementError(f"{origin}: {date_error(fields['date'])}")
        date_source = "metadata"
    if date is None and name_for_date:
        date = date_from_name(name_for_date)
        date_source = "filename" if date else ""
    if date is None:
        date = date_from_text(text, body_start)
        date_source = "text" if date else ""
    if date is None and opts.date:
        date, date_source = opts.date, "option"
    if date is None and opts.need_date:
        year = re.match(r"\d{4}", name_for_date)
        hint = (f" (the file name's year {year.group()} is outside 1900-2100)"
                if year and date_error(year.group()).startswith("date ") else "")
        raise StatementError(
            f"{origin}: no date found in metadata, file name or first lines{hint}; "
            "add 'date: YYYY-MM-DD' front matter, a date column, or pass --date"
        )
    if date is not None and is_future(date):
        raise StatementError(
            f"{origin}: date {date} ({date_source}) is after today ({dt.date.today().isoformat()}); "
            "a statement cannot come from the future: fix its date"
        )
    lang = (opts.lang or fields["lang"]).lower()
    if lang and lang not in ("en", "zh"):
        if lang.startswith("zh") or lang in ("chinese", "cn"):
            lang = "zh"
        elif lang.startswith("en") or lang == "english":
            lang = "en"
        else:
            raise StatementError(f"{origin}: unsupported language {lang!r} (use en or zh)")
    if not lang:
        lang = detect_lang(text[body_start:])
    extra = {k: _clean_field(v) for k, v in meta.items() if k not in STATEMENT_FIELDS and k != "text"}
    return Statement(
        id=fields["id"] or default_id,
        text=text,
        origin=origin,
        date=date,
        date_source=date_source,
        source=fields["source"] or (opts.source or ""),
        title=fields["title"],
        speaker=fields["speaker"],
        lang=lang,
        body_start=body_start,
        extra={k: v for k, v in extra.items() if v},
    )


# ---------------------------------------------------------------- inputs


@dataclass(frozen=True, slots=True)
class Source:
    """One input to read: a file path, or stdin (`path` is None)."""

    path: Path | None
    display: str
    rel_id: str
    fmt: str


def _fmt_of(path: Path, override: str | None) -> str:
    if override:
        return override
    return path.suffix.lower().lstrip(".")


def _kind(mode: int) -> str:
    """What a file that is not a regular file or folder is, in words."""
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    return "not a regular file"


def _not_regular(mode: int) -> str:
    return f"{_kind(mode)}, not a regular file: not read (reading it could wait forever)"


@dataclass(slots=True)
class _Walk:
    """What one input folder holds: the sources found and what was not read, and why."""

    root: Path
    fmt: str | None
    follow_links: bool
    sources: list[Source]
    skipped: list[Failure]
    unsupported: int = 0

    def run(self) -> None:
        """Depth first, names sorted, files before sub-folders (as `os.walk` goes, without its
        recursion: a tree 1,500 folders deep is listed as failed, not a crash)."""
        real_root = os.path.realpath(self.root)
        try:
            entries = self._list(self.root)
        except OSError as e:
            raise InputError(f"{shown(self.root)}: cannot read this folder ({e.strerror or e})") from None
        stack: list[tuple[Path, int, list[os.DirEntry[str]] | None]] = [(self.root, 0, entries)]
        while stack:
            folder, depth, listed = stack.pop()
            if listed is None:
                try:
                    listed = self._list(folder)
                except OSError as e:
                    self.skipped.append(Failure(shown(folder), f"cannot read this folder ({e.strerror or e}): "
                                                               "nothing in it was read"))
                    continue
            subfolders: list[Path] = []
            for entry in listed:
                if entry.name.startswith("."):
                    continue  # hidden files and folders
                path = Path(entry.path)
                try:
                    if entry.is_symlink():
                        self._link(path, entry.name, real_root)
                    elif entry.is_dir(follow_symlinks=False):
                        subfolders.append(path)
                    elif entry.is_file(follow_symlinks=False):
                        self._file(path, entry.name)
                    else:
                        mode = entry.stat(follow_symlinks=False).st_mode
                        self.skipped.append(Failure(shown(path), _not_regular(mode)))
                except OSError as e:
                    self.skipped.append(Failure(shown(path), f"cannot read ({e.strerror or e})"))
            for sub in reversed(subfolders):
                if depth + 1 > MAX_DEPTH:
                    self.skipped.append(Failure(shown(sub), f"folders nested more than {MAX_DEPTH} deep: not read"))
                else:
                    stack.append((sub, depth + 1, None))

    @staticmethod
    def _list(folder: Path) -> list[os.DirEntry[str]]:
        with os.scandir(folder) as it:
            return sorted(it, key=lambda e: e.name)

    def _file(self, path: Path, name: str) -> None:
        if _DOC_FILE.match(name):
            return  # a folder's own README/LICENSE is not a statement
        if path.suffix.lower() not in SUPPORTED_SUFFIXES and not self.fmt:
            self.unsupported += 1
            self.skipped.append(Failure(shown(path), f"unsupported file type {shown(path.suffix) or '(none)'!r}"))
            return
        rel = shown(path.relative_to(self.root).with_suffix("").as_posix())
        self.sources.append(Source(path, shown(path), rel, _fmt_of(path, self.fmt)))

    def _link(self, path: Path, name: str, real_root: str) -> None:
        """A symlink: a file inside the folder is read, one outside only with --follow-links;
        folders are not followed (no loops, no reading the whole disk)."""
        try:
            mode = os.stat(path).st_mode
        except OSError as e:
            self.skipped.append(Failure(shown(path), f"symbolic link to nothing readable ({e.strerror or e})"))
            return
        if stat.S_ISDIR(mode):
            self.skipped.append(Failure(shown(path), "symbolic link to a folder: not followed"))
            return
        if not stat.S_ISREG(mode):
            self.skipped.append(Failure(shown(path), "symbolic link to " + _not_regular(mode)))
            return
        target = os.path.realpath(path)
        if not self.follow_links and os.path.commonpath([real_root, target]) != real_root:
            self.skipped.append(Failure(shown(path), f"symbolic link to a file outside the folder ({shown(target)}): "
                                                     "not followed; pass --follow-links to read it"))
            return
        self._file(path, name)


def discover(
    inputs: Sequence[str], fmt: str | None = None, follow_links: bool = False
) -> tuple[list[Source], list[Failure]]:
    """Expand files and folders (recursively, no symlink loops) into sources.

    Only regular files are read. Unsupported files, special files (pipes, sockets, devices),
    symlinks not followed and folders that cannot be listed are reported, not silently
    passed over.
    """
    sources: list[Source] = []
    skipped: list[Failure] = []
    if not inputs:
        raise InputError("no input given: name files, folders, or - for stdin")
    for raw in inputs:
        if raw == STDIN:
            sources.append(Source(None, "<stdin>", "stdin", fmt or "txt"))
            continue
        path = Path(raw)
        try:
            mode = os.stat(path).st_mode  # a path named on the command line is followed
        except FileNotFoundError:
            dangling = os.path.islink(path)
            raise InputError(f"{shown(path)}: {'symbolic link to nothing' if dangling else 'no such file or folder'}"
                             ) from None
        except OSError as e:
            raise InputError(f"{shown(path)}: cannot read ({e.strerror or e})") from None
        if stat.S_ISDIR(mode):
            walk = _Walk(path, fmt, follow_links, [], [])
            walk.run()
            sources.extend(walk.sources)
            skipped.extend(walk.skipped)
            if not walk.sources:
                kinds = " ".join(SUPPORTED_SUFFIXES)
                notes = []
                if walk.unsupported:
                    notes.append(f"{walk.unsupported} unsupported files")
                other = [f for f in walk.skipped if not f.reason.startswith("unsupported file type")]
                if other:
                    notes.append(f"{len(other)} not read, first {other[0].origin}: {other[0].reason}")
                extra = f" ({'; '.join(notes)})" if notes else ""
                raise InputError(f"{shown(path)}: no input files ({kinds}) in this folder{extra}")
        elif not stat.S_ISREG(mode):
            skipped.append(Failure(shown(path), _not_regular(mode)))
        else:
            f_fmt = _fmt_of(path, fmt)
            if "." + f_fmt not in SUPPORTED_SUFFIXES:
                raise InputError(
                    f"{shown(path)}: unsupported file type {shown(path.suffix) or '(none)'!r} "
                    f"(use {', '.join(SUPPORTED_SUFFIXES)} or --format)"
                )
            sources.append(Source(path, shown(path), shown(path.stem), f_fmt))
    return sources, skipped


def _open_regular(src: Source) -> BinaryIO:
    """Open a source's file, refusing anything that is not a regular file *when opened*
    (checked on the open file: a FIFO put in its place after the folder was listed cannot
    make the run wait). Opened without blocking, so opening a FIFO returns at once."""
    assert src.path is not None
    try:
        fd = os.open(src.path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except IsADirectoryError:
        raise InputError(f"{src.display}: is a folder, not a file") from None
    except OSError as e:
        raise InputError(f"{src.display}: cannot read ({e.strerror or e})") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        if stat.S_ISDIR(mode):
            raise InputError(f"{src.display}: is a folder, not a file")
        raise InputError(f"{src.display}: {_not_regular(mode)}")
    os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


def _read_bytes(src: Source, stdin: BinaryIO | None) -> bytes:
    if src.path is None:
        stream = stdin if stdin is not None else sys.stdin.buffer
        return stream.read()
    with _open_regular(src) as f:
        try:
            return f.read()
        except OSError as e:
            raise InputError(f"{src.display}: cannot read ({e.strerror or e})") from None


def read_text_source(src: Source, data: bytes, opts: ReadOptions) -> Statement:
    """A .txt/.md statement: optional front matter, then the text; or an HTML page or PDF,
    whose extracted text is the statement's text (`pipeline.extract`)."""
    if not data.strip():
        raise StatementError(f"{src.display}: empty file")
    name = src.path.name if src.path else ""
    if "." + src.fmt in DOCUMENT_SUFFIXES:
        from .extract import html_text, pdf_text

        text, meta = pdf_text(data, src.display) if src.fmt == "pdf" else html_text(data, src.display)
        return build_statement(text=text, meta=meta, origin=src.display, default_id=src.rel_id,
                               name_for_date=name, opts=opts)
    text = decode(data, src.display)
    _check_text(text, src.display)
    meta, body = parse_front_matter(text, src.display)
    if not text[body:].strip():
        raise StatementError(f"{src.display}: no text after the front matter")
    return build_statement(
        text=text,
        meta=meta,
        origin=src.display,
        default_id=src.rel_id,
        name_for_date=name,
        opts=opts,
        body_start=body,
    )


_HEAD = 1 << 16


def sniff_encoding(head: bytes, name: str) -> str:
    """The encoding of a stream from its first bytes (same rules as `decode`)."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in head:
        raise InputError(f"{name}: binary file (contains NUL bytes), not text")
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    decode(head[: len(head) - 4] if len(head) == _HEAD else head, name)  # raises unless GB18030 Chinese
    return "gb18030"


def _open_text(src: Source, stdin: BinaryIO | None) -> io.TextIOWrapper:
    """A text stream over a table file, decoded incrementally (memory does not grow with size)."""
    raw: BinaryIO
    if src.path is None:
        raw = io.BytesIO((stdin if stdin is not None else sys.stdin.buffer).read())
    else:
        raw = _open_regular(src)  # closed by the caller via the wrapper
    head = raw.read(_HEAD)
    if not head.strip():
        raw.close()
        raise InputError(f"{src.display}: empty file")
    try:
        enc = sniff_encoding(head, src.display)
        _check_text(head.decode(enc, errors="ignore"), src.display)
    except InputError:
        raw.close()
        raise
    raw.seek(0)
    return io.TextIOWrapper(raw, encoding=enc, newline="")


def _folded(columns: Any, name: str) -> list[str]:
    """Column names compared without case or surrounding space; two that fold to one name
    (`text` twice, `Text` and `text`) are an error: one would silently hide the other."""
    out = [str(c).strip().lower() for c in columns]
    seen: dict[str, str] = {}
    for raw, folded in zip(columns, out, strict=True):
        if folded in seen:
            raise InputError(f"{name}: two columns named {shown(folded)!r} (as {shown(seen[folded])!r} and "
                             f"{shown(str(raw))!r}; case and spaces are ignored); rename or drop one")
        seen[folded] = str(raw)
    return out


def _missing_text(name: str, columns: Sequence[str]) -> InputError:
    cols = ", ".join(shown(c) for c in columns[:8])
    return InputError(f"{name}: missing required column 'text' (found: {cols})")


def _rows_csv(stream: io.TextIOWrapper, name: str) -> Iterator[tuple[int, dict[str, Any] | Failure]]:
    """Rows of a CSV file, each checked against the header: a row with more or fewer fields
    is a failure naming its line (pandas would take extra leading cells for an index and
    classify the wrong cell). Streamed row by row; blank lines are skipped."""
    import csv

    csv.field_size_limit(2**31 - 1)  # a statement may be megabytes long (the default stops at 128 KB)
    reader = csv.reader(stream, strict=True)
    row = 0
    line = 0  # the last physical line read
    try:
        header: list[str] = []
        while not header:
            header = next(reader)
            line = reader.line_num
        columns = _folded(header, name)
        if "text" not in columns:
            raise _missing_text(name, columns)
        width = len(columns)
        for fields in reader:
            first, line = line + 1, reader.line_num
            if not fields or (len(fields) == 1 and width > 1 and not fields[0].strip()):
                continue  # a blank line
            row += 1
            if len(fields) != width:
                yield row, Failure(f"{name} line {first}",
                                   f"{len(fields)} fields where the header has {width}; a comma in an unquoted "
                                   "cell? quote cells that hold commas")
                continue
            yield row, dict(zip(columns, fields, strict=True))
    except StopIteration:
        raise InputError(f"{name}: empty CSV (no header row)") from None
    except csv.Error as e:
        if row:
            yield row + 1, Failure(f"{name} line {line + 1}", f"malformed CSV from here on: {e}")
            return
        raise InputError(f"{name}: malformed CSV: {e}") from None
    except UnicodeDecodeError as e:
        if row:
            yield row + 1, Failure(f"{name} line {line + 1}", f"cannot decode the rest of the file ({e.reason})")
            return
        raise InputError(f"{name}: cannot decode ({e.reason})") from None


class _DuplicateKey(ValueError):
    """A JSON object with one field name twice (json keeps the last silently)."""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) < len(pairs):
        name = next(k for k, n in Counter(k for k, _ in pairs).items() if n > 1)
        raise _DuplicateKey(f"field {shown(name)!r} appears twice in one object")
    return out


def _rows_jsonl(stream: io.TextIOWrapper, name: str) -> Iterator[tuple[int, dict[str, Any] | Failure]]:
    lineno = 0
    try:
        for lineno, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line, object_pairs_hook=_unique_keys)
            except json.JSONDecodeError as e:
                yield lineno, Failure(f"{name} line {lineno}", f"invalid JSON: {e.msg}")
                continue
            except _DuplicateKey as e:
                yield lineno, Failure(f"{name} line {lineno}", str(e))
                continue
            except ValueError as e:  # a number of more than 4,300 digits
                yield lineno, Failure(f"{name} line {lineno}", f"JSON value out of range ({_first_line(e)})")
                continue
            except RecursionError:
                yield lineno, Failure(f"{name} line {lineno}", "JSON nested too deeply (over about 1,000 levels)")
                continue
            if not isinstance(rec, dict):
                yield lineno, Failure(f"{name} line {lineno}", "not a JSON object")
                continue
            folded = {str(k).strip().lower(): v for k, v in rec.items()}
            if len(folded) < len(rec):
                yield lineno, Failure(f"{name} line {lineno}", "two fields with the same name when case is ignored")
                continue
            rec = folded
            if "text" not in rec:
                yield lineno, Failure(f"{name} line {lineno}", "missing required field 'text'")
                continue
            yield lineno, rec
    except UnicodeDecodeError as e:
        yield lineno + 1, Failure(f"{name} line {lineno + 1}", f"cannot decode the rest of the file ({e.reason})")


def _rows_parquet(src: Source, stdin: BinaryIO | None) -> Iterator[tuple[int, dict[str, Any]]]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    source: BinaryIO = _open_regular(src) if src.path is not None else io.BytesIO(
        (stdin if stdin is not None else sys.stdin.buffer).read())
    with source:
        try:
            pf = pq.ParquetFile(source)
        except (pa.ArrowInvalid, pa.ArrowException, OSError) as e:
            raise InputError(f"{src.display}: not a readable Parquet file ({str(e).splitlines()[0]})") from None
        names = _folded(pf.schema_arrow.names, src.display)
        if "text" not in names:
            raise _missing_text(src.display, names)
        row = 0
        for batch in pf.iter_batches(batch_size=10000):
            for rec in batch.rename_columns(names).to_pylist():
                row += 1
                yield row, rec


def read_table_source(src: Source, opts: ReadOptions, stdin: BinaryIO | None = None) -> Iterator[Statement | Failure]:
    """Rows of a CSV/JSONL/Parquet table, one statement each, streamed in chunks."""
    rows: Iterable[tuple[int, dict[str, Any] | Failure]]
    stream: io.TextIOWrapper | None = None
    if src.fmt == "parquet":
        rows, where = _rows_parquet(src, stdin), "row"
    else:
        stream = _open_text(src, stdin)
        rows, where = (_rows_csv(stream, src.display), "row") if src.fmt == "csv" else (
            _rows_jsonl(stream, src.display), "line")
    name = src.path.name if src.path else ""
    try:
        for n, rec in rows:
            if isinstance(rec, Failure):
                yield rec
                continue
            origin = f"{src.display} {where} {n}"
            raw_text = rec.get("text")
            if raw_text is None or (isinstance(raw_text, float) and math.isnan(raw_text)):
                raw_text = ""
            if not isinstance(raw_text, str):
                yield Failure(origin, f"'text' is not a string ({type(raw_text).__name__})")
                continue
            if not raw_text.strip():
                yield Failure(origin, "empty 'text'")
                continue
            if "\x00" in raw_text:
                yield Failure(origin, "'text' contains NUL characters")
                continue
            try:
                yield build_statement(
                    text=raw_text,
                    meta=rec,
                    origin=origin,
                    default_id=f"{src.rel_id}#{n}",
                    name_for_date=name,
                    opts=opts,
                )
            except StatementError as e:
                yield Failure(origin, _reason(e, origin))
    finally:
        if stream is not None:
            stream.close()


def _reason(err: Exception, origin: str) -> str:
    """The message of an error without the origin it starts with."""
    msg = str(err)
    return msg[len(origin) + 2 :] if msg.startswith(origin + ": ") else msg


def _first_line(e: Exception) -> str:
    msg = str(e).strip()
    return (msg.splitlines()[0] if msg else type(e).__name__)[:120]


def read_statements(
    inputs: Sequence[str],
    opts: ReadOptions | None = None,
    stdin: BinaryIO | None = None,
) -> Iterator[Statement | Failure]:
    """Yield every statement of the inputs, or a Failure in its place.

    Structural problems of the whole call (no such path, an empty folder) raise
    InputError instead: there is nothing to go on with. A statement whose text (after its
    front matter, surrounding space aside) was already read is a Failure "duplicate of ...":
    the same statement saved twice, or as .txt and as .html, is counted once; one whose id was
    already read is a Failure too (two statements are never merged). This is the one place
    duplicates are dropped: `segment`, `classify` (every engine) and `report` read through it.
    """
    opts = opts or ReadOptions()
    if opts.fmt and "." + opts.fmt not in SUPPORTED_SUFFIXES:
        raise InputError(f"--format {opts.fmt!r}: use one of {', '.join(s[1:] for s in SUPPORTED_SUFFIXES)}")
    sources, skipped = discover(inputs, opts.fmt, opts.follow_links)
    yield from skipped
    items = _read_sources(sources, opts, stdin)
    yield from _without_duplicates(items, opts.dedupe)


def _read_sources(sources: list[Source], opts: ReadOptions, stdin: BinaryIO | None) -> Iterator[Statement | Failure]:
    for src in sources:
        try:
            if "." + src.fmt in TABLE_SUFFIXES:
                yield from read_table_source(src, opts, stdin)
            else:
                yield read_text_source(src, _read_bytes(src, stdin), opts)
        except InputError as e:
            yield Failure(src.display, _reason(e, src.display))


def _without_duplicates(items: Iterable[Statement | Failure], texts: bool = True) -> Iterator[Statement | Failure]:
    """Statements with a text (if `texts`) or an id already seen become failures naming the
    first. Per text only a 64-bit hash (Python's own string hash, in C: below one chance in 10^7
    of any clash among a million statements) and the first origin are kept (about 150 bytes)."""
    first: dict[int, str] = {}
    ids: dict[str, str] = {}
    for item in items:
        if isinstance(item, Statement):
            key = hash(item.text[item.body_start :].strip()) if texts else None
            if key is not None and key in first:
                yield Failure(item.origin, f"duplicate of {first[key]} (the same text): counted once")
                continue
            if item.id in ids:
                yield Failure(item.origin, f"duplicate statement id {item.id!r} (first in {ids[item.id]})")
                continue
            if key is not None:
                first[key] = item.origin
            ids[item.id] = item.origin
        yield item
