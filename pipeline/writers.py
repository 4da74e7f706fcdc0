"""Writing tables atomically: a reader sees the complete old file, or the complete new one."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from .config import OUTPUT_SUFFIXES
from .errors import InputError

if TYPE_CHECKING:  # pandas takes a third of a second to import; `classify -o x.parquet` never needs it
    import pandas as pd

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def check_output_path(path: str | Path, suffixes: Sequence[str] = OUTPUT_SUFFIXES) -> Path:
    """Fail before any work when the output could not be written."""
    p = Path(path)
    if p.is_dir():
        raise InputError(f"{p}: is a folder; give a file name")
    if p.suffix.lower() not in suffixes:
        raise InputError(f"{p}: unknown output type {p.suffix or '(none)'!r} (use {', '.join(suffixes)})")
    return _check_parent(p)


def _check_parent(p: Path) -> Path:
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"{p}: output folder {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise InputError(f"{p}: output folder {parent} is not writable")
    return p


def _real(p: str | Path) -> Path:
    return Path(os.path.realpath(p))


def _same(a: Path, b: Path) -> bool:
    if a == b:
        return True
    try:
        return os.path.samefile(a, b)  # hard links, bind mounts
    except OSError:
        return False


def check_separate(inputs: Sequence[str | Path | None], outputs: Sequence[tuple[str, str | Path | None]]) -> None:
    """Refuse any output that is, contains or lies inside an input or another output.

    An output folder is swapped in whole, so one that holds an input would delete it; an
    output inside an input folder would be read back as input by the next run. Paths are
    compared after resolving links, so a link to an input is the input."""
    ins = [(str(p), _real(p)) for p in inputs if p is not None and str(p) not in ("", "-")]
    outs = [(name, str(p), _real(p)) for name, p in outputs if p is not None and str(p) not in ("", "-")]
    for i, (name, shown, out) in enumerate(outs):
        for src, real in ins:
            if _same(out, real):
                raise InputError(f"{shown}: {name} is the input {src}; it would be overwritten (write elsewhere)")
            if out in real.parents:
                raise InputError(f"{shown}: {name} holds the input {src}; writing it would delete the input "
                                 "(choose a folder outside the inputs)")
            if real in out.parents:
                raise InputError(f"{shown}: {name} lies inside the input folder {src}; the next run would read it "
                                 "as input (write it outside)")
        for other, other_shown, prev in outs[:i]:
            if _same(out, prev) or out in prev.parents or prev in out.parents:
                raise InputError(f"{shown}: {name} and {other} ({other_shown}) overlap; give each output its own path")


def check_output_dir(path: str | Path, what: str = "a folder") -> Path:
    """Fail before any work when an output folder could not be written."""
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise InputError(f"{p}: exists and is not a folder (the output is {what})")
    return _check_parent(p)


def _temp_prefix(path: Path) -> str:
    """Temporary names beside `path` carry their writer's pid (`.NAME.PID.XXXXXXXX.tmp`), so a
    later run can tell one left by a run killed outright (its pid is gone) from one being written."""
    return f".{path.name}.{os.getpid()}."


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):  # someone else's process, or no pid at all: leave it
        return True
    return True


def remove_stale_temps(path: Path) -> None:
    """Remove the temporary files and folders beside `path` left by runs killed outright
    (`kill -9`, power loss), whose writing process no longer exists; others' are left alone."""
    import re

    parent = path.parent if str(path.parent) else Path(".")
    pattern = re.compile(re.escape(f".{path.name}.") + r"(\d+)\.[a-z0-9_]{8}\.tmp")
    try:
        names = os.listdir(parent)
    except OSError:
        return
    for name in names:
        m = pattern.fullmatch(name)
        if m is None or _alive(int(m.group(1))):
            continue
        stale = parent / name
        if stale.is_dir() and not stale.is_symlink():
            shutil.rmtree(stale, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                stale.unlink()


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary path beside `path`, renamed over it only when the block succeeds."""
    remove_stale_temps(path)
    fd, tmp = tempfile.mkstemp(prefix=_temp_prefix(path), suffix=".tmp", dir=path.parent or ".")
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp's 0600 would make outputs private to their writer
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        with open(tmp_path, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp_path, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp_path.unlink()
        raise


def excel_safe(df: pd.DataFrame) -> pd.DataFrame:
    """Prefix text cells that a spreadsheet would run as a formula with an apostrophe."""
    import pandas as pd

    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(
                lambda v: "'" + v if isinstance(v, str) and v.startswith(_FORMULA_START) else v
            )
    return out


def _write_frame(df: pd.DataFrame, path: Path, fmt: str, excel: bool) -> None:
    if fmt == ".csv":
        # Excel reads a CSV without a byte-order mark in a legacy code page (garbling Chinese).
        (excel_safe(df) if excel else df).to_csv(path, index=False, encoding="utf-8-sig" if excel else "utf-8")
    elif fmt == ".jsonl":
        df.to_json(path, orient="records", lines=True, force_ascii=False)
    elif fmt == ".parquet":
        df.to_parquet(path, index=False)
    else:  # pragma: no cover - check_output_path filters this
        raise InputError(f"{path}: unknown output type {fmt!r}")


def write_table(df: pd.DataFrame, path: str | Path, *, excel: bool = False) -> Path:
    """Write `df` as CSV, JSONL or Parquet (by suffix), atomically."""
    p = check_output_path(path)
    with atomic_path(p) as tmp:
        _write_frame(df, tmp, p.suffix.lower(), excel)
    return p


def write_jsonl_stream(rows: Sequence[dict[str, Any]], stream: IO[str] | None = None) -> None:
    """JSON lines to stdout (or `stream`), for piping."""
    out = stream or sys.stdout
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
    out.flush()


@contextlib.contextmanager
def atomic_dir(target: Path) -> Iterator[Path]:
    """A temporary folder beside `target`, swapped in for it only when the block succeeds."""
    import fcntl

    remove_stale_temps(target)
    tmp = Path(tempfile.mkdtemp(prefix=_temp_prefix(target), suffix=".tmp", dir=target.parent))
    try:
        yield tmp
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o777 & ~umask)
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        # Two runs swapping the same folder take turns, so each swap is whole: the folder is
        # always one run's complete output (the last to finish).
        # The lock is on the parent folder itself, so no lock file is left behind.
        fd = os.open(target.parent, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            if target.exists():
                os.replace(target, old)
            os.replace(tmp, target)
        finally:
            os.close(fd)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
