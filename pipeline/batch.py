"""Batch classification: stream statements in chunks through segment + classify, in
parallel processes if asked, and write the output incrementally and atomically.

Memory stays flat: only a few chunks are in flight at once, and each is written out
before more input is read.
"""

from __future__ import annotations

import contextlib
import gc
import json
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, fields, replace
from operator import attrgetter
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, BinaryIO

from .clean import normalize, tidy
from .errors import InputError
from .model import ThemeModel, load_model
from .readers import ReadOptions, detect_lang, read_statements
from .records import Failure, Sentence, Statement
from .segment import segment_statement

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class ClassifyOptions:
    """What `classify` does to each chunk (picklable: sent to worker processes).

    With `schema` (from `classify.output_schema`) chunks come back as Arrow tables of that
    schema, ready for Parquet; without it, as pandas frames.
    """

    model_path: str | None = None
    sentences_mode: bool = False
    top_k: int = 1
    min_confidence: float = 0.0
    segmenter: str = "fast"
    schema: Any = None


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
class ClassifyRun:
    """Counts for the closing summary: every statement is in the output or listed."""

    statements: int = 0
    sentences: int = 0
    removed: Counter[str] = field(default_factory=Counter)
    failures: list[Failure] = field(default_factory=list)
    no_content: list[Failure] = field(default_factory=list)

    def summary(self) -> str:
        removed = ", ".join(f"{k} {v}" for k, v in self.removed.most_common()) or "none"
        lines = [
            f"statements read: {self.statements} ({len(self.no_content)} with no content after cleaning); "
            f"sentences classified: {self.sentences}; lines removed by cleaning: {sum(self.removed.values())} "
            f"({removed}); failed: {len(self.failures)}"
        ]
        from .workflow import failure_lines

        return "\n".join(lines + failure_lines(self.failures))


# ---------------------------------------------------------------- per chunk (in a worker)

_MODEL: ThemeModel | None = None


def _init_worker(model_path: str | None) -> None:
    global _MODEL
    import warnings

    warnings.simplefilter("ignore")  # the parent already warned once
    if _MODEL is None:  # forked workers inherit the parent's verified model
        _MODEL = load_model(model_path)


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
            lang = stmt.lang if stmt.lang else detect_lang(sent)
            out.append(Sentence(stmt.id, stmt.date or "", stmt.source, lang, stmt.speaker, len(out), start, end,
                                sent))
    return out


def process_chunk(statements: list[Statement], opts: ClassifyOptions, model: ThemeModel | None = None) -> ChunkResult:
    """Segment (or split by line) and classify one chunk of statements."""
    model = model or _MODEL
    if model is None:
        raise RuntimeError("no model loaded in this process")
    sentences: list[Sentence] = []
    removed: Counter[str] = Counter()
    empty: list[Failure] = []
    for st in statements:
        if opts.sentences_mode:
            got = sentences_of(st)
        else:
            res = segment_statement(st, opts.segmenter)
            got = res.sentences
            removed.update(r.reason for r in res.removed)
        if not got:
            empty.append(Failure(st.origin, "no content sentences after cleaning"))
        sentences.extend(got)
    if opts.schema is not None:
        from .classify import classify_table

        table = classify_table(model, sentences, opts.schema, opts.top_k, opts.min_confidence)
    else:
        from .classify import classify_sentences
        from .workflow import sentences_frame

        table = classify_sentences(model, sentences_frame(sentences), opts.top_k, opts.min_confidence)
    return ChunkResult(table, len(statements), removed, empty)


#: A statement as the plain tuple of its fields: a chunk of these pickles in C, where a
#: slotted dataclass pickles through a Python call per object (a tenth of the parent's time).
_FIELDS = attrgetter(*(f.name for f in fields(Statement)))


def _quiet_pool_class() -> type:
    from multiprocessing.pool import Pool

    class QuietPool(Pool):
        """A `Pool` whose worker-maintenance thread wakes when a worker exits or the pool's state
        changes (what it acts on). The stock one also wakes whenever a result waits in the
        pipe, and spins until the result thread has read it: 15% of the parent's CPU here,
        taken from the threads that read the input and write the output."""

        def _get_sentinels(self) -> list[Any]:
            notifier = self.__dict__.get("_change_notifier")
            return [notifier._reader] if notifier is not None else super()._get_sentinels()  # type: ignore[misc]

    return QuietPool


def _process_in_worker(args: tuple[list[tuple[Any, ...]], ClassifyOptions]) -> ChunkResult:
    packed, opts = args
    return process_chunk([Statement(*values) for values in packed], opts)


# ---------------------------------------------------------------- chunking


def chunked(
    items: Iterable[Statement | Failure], run: ClassifyRun, strict: bool, size: int
) -> Iterator[list[Statement]]:
    """Group statements into chunks; failures and duplicate ids go to `run.failures`."""
    seen: dict[str, str] = {}
    chunk: list[Statement] = []
    n_chars = 0
    for item in items:
        if isinstance(item, Failure):
            if strict:
                raise InputError(f"{item.origin}: {item.reason}")
            run.failures.append(item)
            continue
        if item.id in seen:
            fail = Failure(item.origin, f"duplicate statement id {item.id!r} (first in {seen[item.id]})")
            if strict:
                raise InputError(f"{fail.origin}: {fail.reason}")
            run.failures.append(fail)
            continue
        seen[item.id] = item.origin
        chunk.append(item)
        n_chars += len(item.text)
        # Chunks are bounded by statements and by text size, so one huge file is not one chunk.
        if len(chunk) >= size or n_chars >= 2_000_000:
            yield chunk
            chunk, n_chars = [], 0
    if chunk:
        yield chunk


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

    The file is written under a temporary name and renamed when `commit` is called;
    until then, whatever was at the path before is left as it was.
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
    items = read_statements(inputs, read_opts, stdin=stdin)
    chunks = chunked(items, run, strict, chunk_size)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(desc="classify", unit=" sentences", file=sys.stderr, leave=False)
    with TableSink(output, excel_safe) as sink:
        if sink.parquet:  # workers build the Parquet rows directly, no pandas frame per chunk
            from .classify import output_schema

            opts = replace(opts, schema=output_schema(model.labels, model.version, opts.top_k, opts.min_confidence))
        results: Iterable[ChunkResult]
        pool = None
        # What is loaded now (modules, the model) lives to the end: the collector need not walk
        # it again at each full collection, a few percent of a long run (workers inherit this).
        # A caller that froze objects itself is left as it was.
        froze = gc.get_freeze_count() == 0
        if froze:
            gc.freeze()
        try:
            if jobs > 1:
                import multiprocessing as mp

                global _MODEL
                _MODEL = model

                pool = _quiet_pool_class()(jobs, initializer=_init_worker, initargs=(opts.model_path,),
                                           context=mp.get_context("fork" if sys.platform != "win32" else "spawn"))
                results = pool.imap(_process_in_worker, ((list(map(_FIELDS, c)), opts) for c in chunks),
                                     chunksize=1)
            else:
                results = (process_chunk(c, opts, model) for c in chunks)
            for res in results:
                sink.write(res.table)
                run.statements += res.n_statements
                run.sentences += res.n_sentences
                run.removed.update(res.removed)
                run.no_content.extend(res.empty)
                if bar is not None:
                    bar.update(res.n_sentences)
        finally:
            if froze:
                gc.unfreeze()
            if pool is not None:
                pool.terminate()
                pool.join()
            if bar is not None:
                bar.close()
        if run.sentences == 0:
            if run.failures:
                f = run.failures[0]
                raise InputError(f"{f.origin}: {f.reason}" if len(run.failures) == 1 else
                                 f"no statement could be read: {len(run.failures)} failed (first: {f.origin}: "
                                 f"{f.reason})")
            raise InputError("no content sentences in the input (everything was removed as furniture)")
    return run
