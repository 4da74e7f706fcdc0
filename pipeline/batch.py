"""Batch classification: stream statements in chunks through segment + classify, in
parallel processes if asked, and write the output incrementally and atomically.

One loop (`run_chunks`) drives every engine through the futures interface: this process
(`--jobs 1`), local worker processes (`concurrent.futures.ProcessPoolExecutor`, `--jobs N`)
and Dask (`distributed.py`). At most a window of chunks is in flight, so memory stays flat
whatever the input's size, and results are written in input order whatever order they
finish in.
"""

from __future__ import annotations

import contextlib
import csv
import gc
import itertools
import json
import os
import signal
import sys
import time
import warnings
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, fields, replace
from operator import attrgetter
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, BinaryIO, Protocol

from .clean import normalize, tidy
from .config import SENTENCE_COLUMNS, STATEMENT_FIELDS
from .errors import InputError, PipelineError
from .model import ThemeModel, load_model
from .readers import ReadOptions, read_statements
from .records import NO_CONTENT, Failure, RunCounts, Sentence, Statement
from .script import lang_of
from .segment import segment_statement

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class ClassifyOptions:
    """What `classify` does to each chunk (picklable: sent to worker processes).

    With `schema` (from `classify.output_schema`) chunks come back as Arrow tables of that
    schema, ready for Parquet; without it, as pandas frames. `extra_columns` are the input
    columns kept in the output (`--sentences`), as (field of `Statement.extra`, output name).
    """

    model_path: str | None = None
    sentences_mode: bool = False
    top_k: int = 1
    min_confidence: float = 0.0
    segmenter: str = "fast"
    schema: Any = None
    extra_columns: tuple[tuple[str, str], ...] = ()


@dataclass
class ChunkResult:
    """One chunk's rows (`table`: a pyarrow Table or a pandas DataFrame) and counts."""

    table: Any
    n_statements: int
    removed: Counter[str]
    empty: list[Failure]

    @property
    def n_sentences(self) -> int:
        return len(self.table)

    @property
    def frame(self) -> pd.DataFrame:
        return self.table if not hasattr(self.table, "to_pandas") else self.table.to_pandas()


@dataclass
class ClassifyRun(RunCounts):
    """A classify run's counts (`RunCounts`), added up chunk by chunk: every statement is in the
    output or listed."""

    def add(self, res: ChunkResult) -> None:
        self.statements += res.n_statements
        self.sentences += res.n_sentences
        self.removed.update(res.removed)
        self.no_content.extend(res.empty)

    def nothing_classified(self) -> InputError:
        return self.nothing_read()

    def summary(self, sentences: str = "sentences classified") -> str:
        return super().summary(sentences)


class WorkerDied(PipelineError):
    """A worker process ended without returning its chunk (the out-of-memory killer, `kill -9`):
    the run stops at once, naming the chunk, instead of waiting for a result that never comes."""

    exit_code = 1


# ---------------------------------------------------------------- per chunk (in a worker)

_MODEL: ThemeModel | None = None


def sentences_of(stmt: Statement) -> list[Sentence]:
    """`--sentences` mode: each non-empty line is one sentence, not segmented again."""
    norm = normalize(stmt.text)
    out: list[Sentence] = []
    pos = stmt.body_start
    for line in norm[stmt.body_start :].split("\n"):
        start = pos + len(line) - len(line.lstrip())
        end = pos + len(line.rstrip())
        pos += len(line) + 1
        sent = tidy(norm[start:end])
        if sent:
            lang = stmt.lang if stmt.lang else lang_of(sent)
            out.append(Sentence(stmt.id, stmt.date or "", stmt.source, lang, stmt.speaker, len(out), start, end,
                                sent))
    return out


def _field(stmt: Statement, key: str) -> str:
    return stmt.title if key == "title" else stmt.extra.get(key, "")


def process_chunk(statements: list[Statement], opts: ClassifyOptions, model: ThemeModel | None = None) -> ChunkResult:
    """Segment (or split by line) and classify one chunk of statements."""
    model = model or _MODEL
    if model is None:
        raise RuntimeError("no model loaded in this process")
    sentences: list[Sentence] = []
    removed: Counter[str] = Counter()
    empty: list[Failure] = []
    extra: dict[str, list[str]] = {name: [] for _, name in opts.extra_columns}
    for st in statements:
        if opts.sentences_mode:
            got = sentences_of(st)
        else:
            res = segment_statement(st, opts.segmenter)
            got = res.sentences
            removed.update(r.reason for r in res.removed)
        if not got:
            empty.append(Failure(st.origin, NO_CONTENT))
        sentences.extend(got)
        for key, name in opts.extra_columns:
            extra[name] += [_field(st, key)] * len(got)
    if opts.schema is not None:
        from .classify import classify_table

        table = classify_table(model, sentences, opts.schema, opts.top_k, opts.min_confidence, extra)
    else:
        from .classify import classify_sentences
        from .workflow import sentences_frame

        frame = sentences_frame(sentences)
        at = list(frame.columns).index("sentence") + 1
        for i, (name, values) in enumerate(extra.items()):
            frame.insert(at + i, name, values)
        table = classify_sentences(model, frame, opts.top_k, opts.min_confidence)
    return ChunkResult(table, len(statements), removed, empty)


#: A statement as the plain tuple of its fields: a chunk of these pickles in C, where a
#: slotted dataclass pickles through a Python call per object (a tenth of the parent's time).
_FIELDS = attrgetter(*(f.name for f in fields(Statement)))

#: Signals that stop a run. Workers ignore them: the parent, which gets them too (Ctrl-C and a
#: closing terminal signal the whole process group), cleans up and then ends its workers.
_STOP_SIGNALS = {getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)}

_SLOTS: Any = None  # in a worker: the pid working on each in-flight chunk slot, shared with the parent
_OPTS: ClassifyOptions | None = None


def _init_worker(parent: int, slots: Any, opts: ClassifyOptions) -> None:
    """A worker ignores the stop signals (its parent ends it after cleaning up, so it prints
    no traceback), dies with its parent, and keeps the options every chunk uses."""
    global _MODEL, _SLOTS, _OPTS
    for sig in _STOP_SIGNALS:
        signal.signal(sig, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)  # blocked by the parent around the fork
    _die_with_parent(parent)
    warnings.simplefilter("ignore")  # the parent already warned once
    _SLOTS, _OPTS = slots, opts
    if _MODEL is None:  # forked workers inherit the parent's verified model
        _MODEL = load_model(opts.model_path)


def _die_with_parent(parent: int) -> None:
    """Workers ignore the stop signals, so one whose parent is killed outright (`kill -9`) must
    not live on, idle and holding memory: Linux kills it then; elsewhere a thread watches."""
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    else:
        import threading

        def watch() -> None:
            while os.getppid() == parent:
                time.sleep(1.0)
            os._exit(1)

        threading.Thread(target=watch, daemon=True).start()
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)


def _work(slot: int, packed: list[tuple[Any, ...]]) -> ChunkResult:
    """One chunk in a worker; its slot says which process has it, should that process die
    (the parent clears the slot when it takes the result)."""
    assert _OPTS is not None
    _SLOTS[slot] = os.getpid()
    return process_chunk([Statement(*values) for values in packed], _OPTS)


# ---------------------------------------------------------------- chunking


def chunked(
    items: Iterable[Statement | Failure], run: ClassifyRun, strict: bool, size: int
) -> Iterator[list[Statement]]:
    """Group statements into chunks; failures (duplicates among them: `read_statements` drops
    them) go to `run.failures`."""
    chunk: list[Statement] = []
    n_chars = 0
    for item in items:
        if isinstance(item, Failure):
            if strict:
                raise InputError(f"{item.origin}: {item.reason}")
            run.failures.append(item)
            continue
        chunk.append(item)
        n_chars += len(item.text)
        # Chunks are bounded by statements and by text size, so one huge file is not one chunk.
        if len(chunk) >= size or n_chars >= 2_000_000:
            yield chunk
            chunk, n_chars = [], 0
    if chunk:
        yield chunk


# ---------------------------------------------------------------- input columns kept (--sentences)


def _table_headers(inputs: Sequence[str], fmt: str | None) -> list[list[str]]:
    """The column names of every CSV and Parquet input file, as the readers fold them; files
    that cannot be read are left to the readers to report."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from .readers import discover, sniff_encoding

    try:
        sources, _ = discover(inputs, fmt)
    except InputError:
        return []
    out = []
    for src in sources:
        if src.path is None or src.fmt not in ("csv", "parquet"):
            continue
        try:
            if src.fmt == "parquet":
                names = list(pq.read_schema(src.path).names)
            else:
                with open(src.path, "rb") as f:
                    enc = sniff_encoding(f.read(1 << 16), src.display)
                with open(src.path, encoding=enc, newline="") as t:
                    names = next(csv.reader(t), [])
        except (OSError, ValueError, InputError, csv.Error, pa.ArrowException):
            continue
        out.append([n for n in (str(c).strip().lower() for c in names) if n])
    return out


def kept_columns(inputs: Sequence[str], read_opts: ReadOptions, first: Sequence[Statement],
                 taken: Iterable[str]) -> tuple[tuple[str, str], ...]:
    """`--sentences`: the input's own columns the output does not already have (`id` is its
    `statement_id`, `text` its `sentence`), so labels can be joined back to the rows: the
    headers of the CSV and Parquet inputs, then the fields of the first chunk's rows. One whose
    name the output uses (`theme`, ...) is renamed `input_NAME`."""
    names: dict[str, None] = {}
    for header in _table_headers(inputs, read_opts.fmt):
        names.update(dict.fromkeys(header))
    for st in first:
        if st.title:
            names["title"] = None
        names.update(dict.fromkeys(st.extra))
    used = set(taken)
    out = []
    for key in names:
        if key == "text" or (key in STATEMENT_FIELDS and key != "title"):
            continue
        name = key
        while name in used:
            name = f"input_{name}"
        used.add(name)
        out.append((key, name))
    return tuple(out)


def _warn_new_columns(chunks: Iterable[list[Statement]], known: set[str]) -> Iterator[list[Statement]]:
    """Say (once per column) when a row has a field the output's columns, fixed from the first
    rows, do not have: it cannot be added to a table already being written."""
    for chunk in chunks:
        for st in chunk:
            new = st.extra.keys() - known
            if st.title and "title" not in known:
                new.add("title")
            for key in sorted(new):
                warnings.warn(f"{st.origin}: column {key!r} first has a value here, after the output's columns "
                              "were fixed from the first rows; it is left out of the output", stacklevel=1)
                known.add(key)
        yield chunk


def prepare(opts: ClassifyOptions, model: ThemeModel, chunks: Iterator[list[Statement]], inputs: Sequence[str],
            read_opts: ReadOptions, *, arrow: bool) -> tuple[ClassifyOptions, Iterator[list[Statement]]]:
    """Fix what every chunk is classified with before the first is sent (workers get it once):
    the input columns kept (`--sentences`, from the headers and the first chunk) and, for
    Arrow output, the schema."""
    if opts.sentences_mode:
        from .classify import output_columns

        first = next(chunks, [])
        kept = kept_columns(inputs, read_opts, first, [*SENTENCE_COLUMNS, *output_columns(model.labels, opts.top_k)])
        opts = replace(opts, extra_columns=kept)
        chunks = _warn_new_columns(itertools.chain([first] if first else [], chunks), {k for k, _ in kept})
    if arrow:
        from .classify import output_schema

        opts = replace(opts, schema=output_schema(model.labels, model.version, opts.top_k, opts.min_confidence,
                                                  extra=[name for _, name in opts.extra_columns]))
    return opts, chunks


# ---------------------------------------------------------------- the engines and their one loop


@dataclass(frozen=True)
class ChunkInfo:
    """Which chunk, and which statements of the input it holds: for messages."""

    number: int
    first: int
    size: int
    first_origin: str
    last_origin: str

    def describe(self) -> str:
        span = f"statement {self.first}" if self.size == 1 else f"statements {self.first}-{self.first + self.size - 1}"
        where = self.first_origin if self.first_origin == self.last_origin else \
            f"{self.first_origin} to {self.last_origin}"
        return f"chunk {self.number} ({span}: {where})"


class Engine(Protocol):
    """Runs chunks somewhere: `submit` returns a future-like handle, `result` waits for it."""

    window: int

    def submit(self, info: ChunkInfo, chunk: list[Statement]) -> Any: ...

    def result(self, info: ChunkInfo, handle: Any) -> ChunkResult: ...

    def close(self, ok: bool) -> None: ...


def run_chunks(engine: Engine, chunks: Iterable[list[Statement]], consume: Callable[[ChunkResult], None]) -> None:
    """Send chunks to `engine`, at most `engine.window` in flight, and pass each result to
    `consume` in input order. The engine is closed at the end, and ended at once on any error
    or interrupt."""
    pending: deque[tuple[ChunkInfo, Any]] = deque()
    first = 1
    ok = False
    try:
        for number, chunk in enumerate(chunks, start=1):
            info = ChunkInfo(number, first, len(chunk), chunk[0].origin, chunk[-1].origin)
            first += len(chunk)
            pending.append((info, engine.submit(info, chunk)))
            if len(pending) >= engine.window:
                consume(engine.result(*pending.popleft()))
        while pending:
            consume(engine.result(*pending.popleft()))
        ok = True
    finally:
        engine.close(ok)


class InProcess:
    """`--jobs 1`: each chunk classified here, when submitted."""

    window = 1

    def __init__(self, model: ThemeModel, opts: ClassifyOptions) -> None:
        self.model, self.opts = model, opts

    def submit(self, info: ChunkInfo, chunk: list[Statement]) -> ChunkResult:
        return process_chunk(chunk, self.opts, self.model)

    def result(self, info: ChunkInfo, handle: ChunkResult) -> ChunkResult:
        return handle

    def close(self, ok: bool) -> None:
        pass


def _exit_reason(proc: Any) -> str:
    code = None
    for _ in range(100):  # the pool's own thread may be reaping it at this moment
        code = proc.exitcode
        if code is not None:
            break
        time.sleep(0.01)
    if code is None:
        return "ended"
    if code < 0:
        with contextlib.suppress(ValueError):
            return f"killed by signal {-code}, {signal.Signals(-code).name}"
        return f"killed by signal {-code}"
    return f"exited with code {code}"


class WorkerProcesses:
    """`--jobs N`: chunks classified in N forked worker processes (a `ProcessPoolExecutor`).

    Forked workers inherit the verified model and the frozen garbage collector. A worker that
    dies (the out-of-memory killer, `kill -9`) breaks the pool: every pending chunk fails at
    once, and the run ends with the chunk that worker had (each worker writes its pid into the
    slot of the chunk it is working on). Workers ignore the stop signals; the parent ends them.
    """

    def __init__(self, jobs: int, model: ThemeModel, opts: ClassifyOptions) -> None:
        import multiprocessing as mp

        self.window = 2 * jobs  # one chunk running and one waiting per worker
        self.jobs, self.model, self.opts = jobs, model, opts
        methods = mp.get_all_start_methods()
        self.ctx = mp.get_context("fork" if "fork" in methods else "spawn")
        self.slots = self.ctx.RawArray("q", self.window)
        self.inflight: dict[int, tuple[ChunkInfo, Any]] = {}  # by slot: the chunk and its future
        self.executor: Any = None
        self.procs: list[Any] = []

    def _start(self, *task: Any) -> Any:
        """Start the workers (with the first task) with the stop signals blocked, so none
        reaches a worker before it ignores them."""
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        global _MODEL
        _MODEL = self.model
        before = set(mp.active_children())
        masked = hasattr(signal, "pthread_sigmask")
        old = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS) if masked else set()
        try:
            self.executor = ProcessPoolExecutor(self.jobs, mp_context=self.ctx, initializer=_init_worker,
                                                initargs=(os.getpid(), self.slots, self.opts))
            future = self.executor.submit(*task)  # forks all the workers (fork start method)
            self.procs = [p for p in mp.active_children() if p not in before]
        finally:
            if masked:  # a stop signal that came meanwhile is raised here, with the workers known
                signal.pthread_sigmask(signal.SIG_SETMASK, old)
            _MODEL = None
        return future

    def submit(self, info: ChunkInfo, chunk: list[Statement]) -> Any:
        from concurrent.futures.process import BrokenProcessPool

        slot = info.number % self.window  # free: the chunk `window` before this one is done
        task = (_work, slot, list(map(_FIELDS, chunk)))
        try:
            future = self._start(*task) if self.executor is None else self.executor.submit(*task)
        except BrokenProcessPool:
            raise self._death() from None
        self.inflight[slot] = (info, future)
        return future

    def result(self, info: ChunkInfo, handle: Any) -> ChunkResult:
        from concurrent.futures.process import BrokenProcessPool

        try:
            res: ChunkResult = handle.result()
        except BrokenProcessPool:
            raise self._death() from None
        slot = info.number % self.window
        del self.inflight[slot]
        self.slots[slot] = 0
        return res

    def _death(self) -> WorkerDied:
        from multiprocessing.connection import wait

        ended = set(wait([p.sentinel for p in self.procs], timeout=2.0)) if self.procs else set()
        dead = [p for p in self.procs if p.sentinel in ended]
        if not dead:
            return WorkerDied("the worker processes stopped working (a result could not be read back); "
                              "nothing written")
        proc = dead[0]
        how = _exit_reason(proc)
        # Its chunk: one it took (its pid in the slot) and did not hand back.
        hit = [info for slot, (info, fut) in sorted(self.inflight.items(), key=lambda kv: kv[1][0].number)
               if self.slots[slot] == proc.pid and (not fut.done() or fut.exception() is not None)]
        where = f"while classifying {hit[0].describe()}" if hit else "between chunks"
        hint = ("; if nobody killed it, the system ran out of memory: try fewer --jobs or a smaller --chunk-size"
                if how.endswith("SIGKILL") else "")
        return WorkerDied(f"worker died ({how}) {where}; nothing written{hint}")

    def close(self, ok: bool) -> None:
        if self.executor is None:
            return
        if ok:
            self.executor.shutdown(wait=True)
            return
        for p in self.procs:  # they ignore SIGTERM: a pool breaking or stopping cannot end them
            with contextlib.suppress(OSError):
                p.kill()
        self.executor.shutdown(wait=False, cancel_futures=True)
        for p in self.procs:
            p.join(5.0)


# ---------------------------------------------------------------- output


def dictionary_columns(schema: Any) -> list[str]:
    """Columns worth Parquet's dictionary encoding: the repeated labels (ids, dates, sources,
    themes), not sentences or probabilities, whose dictionaries only cost time (a quarter of
    the writing) before Parquet gives up on them."""
    import pyarrow as pa

    return [f.name for f in schema if (pa.types.is_string(f.type) or pa.types.is_large_string(f.type))
            and f.name != "sentence"]


class TableSink:
    """Appends chunks to a CSV/JSONL/Parquet file (or JSON lines on stdout).

    The file is written under a temporary name and renamed over the path when the `with`
    block ends without an error; until then, whatever was at the path is left as it was.
    With `excel_safe`, a CSV starts with a UTF-8 byte-order mark: Excel reads a CSV without
    one in the machine's legacy code page, which garbles Chinese.
    """

    def __init__(self, path: str | None, excel_safe: bool = False) -> None:
        from .writers import check_output_path

        self.path = check_output_path(path) if path else None
        self.excel_safe = excel_safe
        self._ctx: contextlib.AbstractContextManager[Path] | None = None
        self._tmp: Path | None = None
        self._fh: IO[str] | None = None
        self._pq: Any = None
        self._schema: Any = None
        self.rows = 0

    def __enter__(self) -> TableSink:
        if self.path is not None:
            from .writers import atomic_path

            self._ctx = atomic_path(self.path)
            self._tmp = self._ctx.__enter__()
        return self

    @property
    def parquet(self) -> bool:
        return self.path is not None and self.path.suffix.lower() == ".parquet"

    def write(self, df: Any) -> None:
        """Append a chunk: a pandas DataFrame, or (Parquet only) an Arrow table of the output schema."""
        if hasattr(df, "to_pandas") and not self.parquet:
            df = df.to_pandas()
        if self.path is None:
            out = sys.stdout
            for rec in df.to_dict("records"):
                out.write(json.dumps({str(k): v for k, v in rec.items()}, ensure_ascii=False, default=str) + "\n")
            self.rows += len(df)
            return
        assert self._tmp is not None
        suffix = self.path.suffix.lower()
        if suffix == ".parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = df if isinstance(df, pa.Table) else None
            if self._pq is None:
                self._schema = table.schema if table is not None else pa.Schema.from_pandas(df, preserve_index=False)
                self._pq = pq.ParquetWriter(self._tmp, self._schema, use_dictionary=dictionary_columns(self._schema))
            self._pq.write_table(table if table is not None else
                                 pa.Table.from_pandas(df, schema=self._schema, preserve_index=False))
        else:
            if self._fh is None:
                self._fh = open(self._tmp, "w", encoding="utf-8", newline="")  # noqa: SIM115
                if suffix == ".csv" and self.excel_safe:
                    self._fh.write("\ufeff")
            if suffix == ".csv":
                from .writers import excel_safe

                (excel_safe(df) if self.excel_safe else df).to_csv(self._fh, index=False, header=self.rows == 0)
            else:
                for rec in df.to_dict("records"):
                    self._fh.write(json.dumps({str(k): v for k, v in rec.items()}, ensure_ascii=False,
                                              default=str) + "\n")
        self.rows += len(df)

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if self._pq is not None:
            self._pq.close()
        if self._fh is not None:
            self._fh.close()
        if self._ctx is not None:
            self._ctx.__exit__(exc_type, exc, tb)


def run_classify(
    inputs: list[str],
    read_opts: ReadOptions,
    opts: ClassifyOptions,
    output: str | None,
    *,
    jobs: int = 1,
    chunk_size: int = 200,
    strict: bool = False,
    progress: bool = False,
    excel_safe: bool = False,
    stdin: BinaryIO | None = None,
) -> ClassifyRun:
    """Read, segment, classify and write, streaming; returns the counts for the summary."""
    model = load_model(opts.model_path)  # verify (and warn) once, in the parent, before any work
    run = ClassifyRun()
    chunks = chunked(read_statements(inputs, read_opts, stdin=stdin), run, strict, chunk_size)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(desc="classify", unit=" sentences", file=sys.stderr, leave=False)
    with TableSink(output, excel_safe) as sink:
        # Workers build the Parquet rows directly, no pandas frame per chunk.
        opts, chunks = prepare(opts, model, chunks, inputs, read_opts, arrow=sink.parquet)

        def consume(res: ChunkResult) -> None:
            sink.write(res.table)
            run.add(res)
            if bar is not None:
                bar.update(res.n_sentences)

        # What is loaded now (modules, the model) lives to the end: the collector need not walk
        # it again at each full collection, a few percent of a long run (workers inherit this).
        # A caller that froze objects itself is left as it was.
        froze = gc.get_freeze_count() == 0
        if froze:
            gc.freeze()
        try:
            engine = InProcess(model, opts) if jobs == 1 else WorkerProcesses(jobs, model, opts)
            run_chunks(engine, chunks, consume)
        finally:
            if froze:
                gc.unfreeze()
            if bar is not None:
                bar.close()
        if run.sentences == 0:
            raise run.nothing_classified()
    return run
