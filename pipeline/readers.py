"""Reading statements from files, folders, tables and stdin.

Every way a statement can fail to be read (bad bytes, bad row, no date) becomes a
`Failure` naming the file and the line or row, so a run can account for it.
"""

from __future__ import annotations

import codecs
import datetime as dt
import io
import json
import math
import os
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from .config import STATEMENT_FIELDS, SUPPORTED_SUFFIXES, TABLE_SUFFIXES, ZH_HAN_SHARE
from .dates import date_from_name, date_from_text, is_future, parse_date
from .errors import InputError, StatementError
from .records import Failure, Statement

STDIN = "-"
_DOC_FILE = re.compile(r"^(?:README|LICENSE|LICENCE|CHANGELOG|MANIFEST)(?:\.\w+)?$", re.I)
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff][\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]*")
_LATIN_RUN = re.compile(r"[A-Za-z][A-Za-z]*")


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """Defaults and overrides users give on the command line."""

    date: str | None = None
    source: str | None = None
    lang: str | None = None
    fmt: str | None = None


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
    if text and sum(1 for c in non_ascii if _HAN.match(c) or "\u3000" <= c <= "\u303f"
                    or "\uff00" <= c <= "\uffef") >= 0.9 * len(non_ascii):
        return text
    raise InputError(
        f"{name}: cannot decode: not UTF-8 (bad byte at offset {utf8_error.start}) "
        "and not GB18030 Chinese text; convert it to UTF-8"
    )


def _check_text(text: str, name: str) -> None:
    """Reject decoded text that is mostly control characters (binary with a text name)."""
    sample = text[:4096]
    if not sample:
        return
    ctrl = sum(1 for c in sample if (ord(c) < 32 and c not in "\t\n\r\f\v") or c == "\ufffd")
    if ctrl > max(8, len(sample) // 20):
        raise InputError(f"{name}: binary file (control bytes), not text")


def detect_lang(text: str) -> str:
    """`zh` when Han characters make up a fair share of the letters, else `en`."""
    sample = text[:20000]
    if sample.isascii():
        return "en"
    han = len(sample) - len(_HAN_RUN.sub("", sample))
    latin = len(sample) - len(_LATIN_RUN.sub("", sample))
    if han == 0:
        return "en"
    # A Han character carries about as much as a short English word.
    return "zh" if han >= ZH_HAN_SHARE * (han + latin / 4) else "en"


# ---------------------------------------------------------------- front matter

_FM_OPEN = re.compile(r"\A[ \t]*---[ \t]*\r?\n")
_FM_CLOSE = re.compile(r"^[ \t]*(?:---|\.\.\.)[ \t]*\r?$", re.M)
_FM_LINE = re.compile(r"^([A-Za-z_][\w-]*)[ \t]*:[ \t]*(.*?)[ \t]*\r?$")


def parse_front_matter(text: str, name: str) -> tuple[dict[str, str], int]:
    """Flat `key: value` metadata between `---` lines; returns it and where the body starts."""
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
            raise StatementError(
                f"{origin}: unparseable date {fields['date'][:40]!r} "
                "(use YYYY, YYYY-MM or YYYY-MM-DD)"
            )
        date_source = "metadata"
    if date is None and name_for_date:
        date = date_from_name(name_for_date)
        date_source = "filename" if date else ""
    if date is None:
        date = date_from_text(text, body_start)
        date_source = "text" if date else ""
    if date is None and opts.date:
        date, date_source = opts.date, "option"
    if date is None:
        raise StatementError(
            f"{origin}: no date found in metadata, file name or first lines; "
            "add 'date: YYYY-MM-DD' front matter, a date column, or pass --date"
        )
    if is_future(date):
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


def discover(inputs: Sequence[str], fmt: str | None = None) -> tuple[list[Source], list[Failure]]:
    """Expand files and folders (recursively, no symlink loops) into sources.

    Unsupported files inside folders are reported, not silently passed over.
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
        if path.is_dir():
            found = 0
            for dirpath, dirnames, filenames in os.walk(path, followlinks=False):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                for fname in sorted(filenames):
                    if fname.startswith(".") or _DOC_FILE.match(fname):
                        continue  # hidden files, and a folder's own README/LICENSE, are not statements
                    f = Path(dirpath) / fname
                    if f.suffix.lower() not in SUPPORTED_SUFFIXES and not fmt:
                        skipped.append(Failure(str(f), f"unsupported file type {f.suffix or '(none)'!r}"))
                        continue
                    rel = f.relative_to(path).with_suffix("").as_posix()
                    sources.append(Source(f, str(f), rel, _fmt_of(f, fmt)))
                    found += 1
            if not found:
                kinds = " ".join(SUPPORTED_SUFFIXES)
                extra = f" ({len(skipped)} unsupported files)" if skipped else ""
                raise InputError(f"{path}: no input files ({kinds}) in this folder{extra}")
        elif path.exists():
            f_fmt = _fmt_of(path, fmt)
            if "." + f_fmt not in SUPPORTED_SUFFIXES:
                raise InputError(
                    f"{path}: unsupported file type {path.suffix or '(none)'!r} "
                    f"(use {', '.join(SUPPORTED_SUFFIXES)} or --format)"
                )
            sources.append(Source(path, str(path), path.stem, f_fmt))
        else:
            raise InputError(f"{path}: no such file or folder")
    return sources, skipped


def _read_bytes(src: Source, stdin: BinaryIO | None) -> bytes:
    if src.path is None:
        stream = stdin if stdin is not None else sys.stdin.buffer
        return stream.read()
    try:
        return src.path.read_bytes()
    except IsADirectoryError:
        raise InputError(f"{src.display}: is a folder, not a file") from None
    except OSError as e:
        raise InputError(f"{src.display}: cannot read ({e.strerror or e})") from None


def read_text_source(src: Source, data: bytes, opts: ReadOptions) -> Statement:
    """A .txt/.md statement: optional front matter, then the text."""
    if not data.strip():
        raise StatementError(f"{src.display}: empty file")
    text = decode(data, src.display)
    _check_text(text, src.display)
    meta, body = parse_front_matter(text, src.display)
    if not text[body:].strip():
        raise StatementError(f"{src.display}: no text after the front matter")
    name = src.path.name if src.path else ""
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
        try:
            raw = open(src.path, "rb")  # noqa: SIM115 - closed by the caller via the wrapper
        except OSError as e:
            raise InputError(f"{src.display}: cannot read ({e.strerror or e})") from None
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
    are an error (one would silently hide the other)."""
    out = [str(c).strip().lower() for c in columns]
    seen: dict[str, str] = {}
    for raw, folded in zip(columns, out, strict=True):
        if folded in seen:
            raise InputError(f"{name}: columns {seen[folded]!r} and {str(raw)!r} are the same name; rename one")
        seen[folded] = str(raw)
    return out


def _rows_csv(stream: io.TextIOWrapper, name: str) -> Iterator[tuple[int, dict[str, Any] | Failure]]:
    import csv

    import pandas as pd

    row = 0
    try:
        reader = pd.read_csv(stream, dtype=str, keep_default_na=False, na_filter=False, chunksize=5000)
        for chunk in reader:
            chunk.columns = _folded(chunk.columns, name)
            if "text" not in chunk.columns:
                cols = ", ".join(map(str, chunk.columns[:8]))
                raise InputError(f"{name}: missing required column 'text' (found: {cols})")
            for rec in chunk.to_dict("records"):
                row += 1
                yield row, {str(k): v for k, v in rec.items()}
    except (pd.errors.ParserError, csv.Error) as e:
        msg = str(e).strip().splitlines()[-1] if str(e).strip() else type(e).__name__
        if row:
            yield row + 1, Failure(f"{name} row {row + 1}", f"malformed CSV from here on: {msg}")
            return
        raise InputError(f"{name}: malformed CSV: {msg}") from None
    except pd.errors.EmptyDataError:
        raise InputError(f"{name}: empty CSV (no header row)") from None
    except UnicodeDecodeError as e:
        if row:
            yield row + 1, Failure(f"{name} row {row + 1}", f"cannot decode the rest of the file ({e.reason})")
            return
        raise InputError(f"{name}: cannot decode ({e.reason})") from None


def _rows_jsonl(stream: io.TextIOWrapper, name: str) -> Iterator[tuple[int, dict[str, Any] | Failure]]:
    lineno = 0
    try:
        for lineno, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as e:
                yield lineno, Failure(f"{name} line {lineno}", f"invalid JSON: {e.msg}")
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

    source: Any = src.path if src.path is not None else io.BytesIO(
        (stdin if stdin is not None else sys.stdin.buffer).read())
    try:
        pf = pq.ParquetFile(source)
    except (pa.ArrowInvalid, pa.ArrowException, OSError) as e:
        raise InputError(f"{src.display}: not a readable Parquet file ({str(e).splitlines()[0]})") from None
    names = _folded(pf.schema_arrow.names, src.display)
    if "text" not in names:
        raise InputError(f"{src.display}: missing required column 'text' (found: {', '.join(names[:8])})")
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


def read_statements(
    inputs: Sequence[str],
    opts: ReadOptions | None = None,
    stdin: BinaryIO | None = None,
) -> Iterator[Statement | Failure]:
    """Yield every statement of the inputs, or a Failure in its place.

    Structural problems of the whole call (no such path, an empty folder) raise
    InputError instead: there is nothing to go on with.
    """
    opts = opts or ReadOptions()
    if opts.fmt and "." + opts.fmt not in SUPPORTED_SUFFIXES:
        raise InputError(f"--format {opts.fmt!r}: use one of {', '.join(s[1:] for s in SUPPORTED_SUFFIXES)}")
    sources, skipped = discover(inputs, opts.fmt)
    yield from skipped
    for src in sources:
        try:
            if "." + src.fmt in TABLE_SUFFIXES:
                yield from read_table_source(src, opts, stdin)
            else:
                yield read_text_source(src, _read_bytes(src, stdin), opts)
        except InputError as e:
            yield Failure(src.display, _reason(e, src.display))
