"""`classify -o x.parquet` builds Arrow tables in the workers; they equal the pandas path's.
And the one loop every engine runs: a window of chunks in flight, results in input order."""

from __future__ import annotations

import random
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from pipeline import classify
from pipeline.batch import ChunkInfo, ChunkResult, ClassifyOptions, process_chunk, run_chunks
from pipeline.classify import (
    add_theme_columns,
    classify_sentences,
    classify_table,
    output_columns,
    output_schema,
)
from pipeline.config import SENTENCE_COLUMNS
from pipeline.model import load_model
from pipeline.readers import ReadOptions, read_statements
from pipeline.records import Statement
from pipeline.workflow import segment_inputs, sentences_frame

from .conftest import ROOT

STATEMENTS = ROOT / "data" / "statements"


@pytest.fixture(scope="module")
def model(trained: Path):  # type: ignore[no-untyped-def]
    return load_model(trained)


@pytest.fixture(scope="module")
def sentences() -> list:  # type: ignore[type-arg]
    return segment_inputs([str(STATEMENTS)]).sentences


@pytest.mark.parametrize(("top_k", "min_confidence"), [(1, 0.0), (2, 0.0), (3, 0.9), (5, 0.5), (7, 0.99)])
def test_arrow_table_equals_pandas_path(model, sentences, top_k: int, min_confidence: float) -> None:  # type: ignore[no-untyped-def]
    schema = output_schema(model.labels, model.version, top_k, min_confidence)
    frame = classify_sentences(model, sentences_frame(sentences), top_k, min_confidence)
    got = classify_table(model, sentences, schema, top_k, min_confidence)
    assert got.schema.equals(schema) and got.column_names == list(frame.columns)
    # The same values; the types are the schema's (pandas' own inference varies with its version).
    pd.testing.assert_frame_equal(got.to_pandas().astype(object).where(got.to_pandas().notna(), None),
                                  frame.astype(object).where(frame.notna(), None))
    if min_confidence >= 0.9:
        assert "uncertain" in set(got.column("theme").to_pylist())


def test_empty_chunk_has_the_schema(model) -> None:  # type: ignore[no-untyped-def]
    schema = output_schema(model.labels, model.version, 3)
    got = classify_table(model, [], schema, 3)
    assert got.num_rows == 0 and got.schema.equals(schema, check_metadata=True)


def test_schema_is_plain_arrow(model) -> None:  # type: ignore[no-untyped-def]
    """Built without pandas: no pandas metadata, so the file reads back alike under any pandas."""
    schema = output_schema(model.labels, model.version, 2, extra=["doc"])
    assert schema.metadata is None
    assert schema.names == [*SENTENCE_COLUMNS, "doc", *output_columns(model.labels, 2)]
    types = {f.name: f.type for f in schema}
    assert {types[c] for c in ("start", "end", "sentence_index")} == {pa.int64()}
    assert {types[c] for c in ("statement_id", "sentence", "doc", "theme", "theme_2", "model_version")} == {pa.string()}
    assert {types[c] for c in ("confidence", "confidence_2", *[f"p_{t}" for t in model.labels])} == {pa.float64()}


def test_add_theme_columns_is_the_old_classify(model, sentences) -> None:  # type: ignore[no-untyped-def]
    """The columns and dtypes `classify_sentences` had before it was split in two."""
    import numpy as np

    df = sentences_frame(sentences[:40])
    proba = model.predict_proba(df["sentence"].tolist())
    out = add_theme_columns(df, proba, model.labels, model.version, 7, 0.6)
    top = min(7, len(model.labels))  # --top-k is capped at the number of themes: no empty columns
    assert list(out.columns[len(df.columns):]) == ["theme", "confidence", *[f"p_{c}" for c in model.labels],
                                                  *[f"{n}_{k}" for k in range(2, top + 1)
                                                    for n in ("theme", "confidence")],
                                                  "script", "model_version"]
    assert out["theme"].dtype == object and out[f"theme_{top}"].notna().all() and f"theme_{top + 1}" not in out
    best = proba.argmax(axis=1)
    want = np.where(proba.max(axis=1) < 0.6, "uncertain", np.asarray(model.labels, dtype=object)[best])
    assert out["theme"].tolist() == want.tolist()
    assert out["theme_2"].tolist() == [model.labels[i] for i in np.argsort(-proba, axis=1, kind="stable")[:, 1]]


def test_process_chunk_both_ways(model) -> None:  # type: ignore[no-untyped-def]
    stmts = [s for s in read_statements([str(STATEMENTS)], ReadOptions()) if isinstance(s, Statement)]
    schema = output_schema(model.labels, model.version)
    arrow = process_chunk(stmts, ClassifyOptions(schema=schema), model)
    frame = process_chunk(stmts, ClassifyOptions(), model)
    assert arrow.n_sentences == frame.n_sentences == len(frame.table)
    assert arrow.removed == frame.removed and arrow.empty == frame.empty
    assert arrow.table.equals(pa.Table.from_pandas(frame.table, schema=schema, preserve_index=False))


def test_process_chunk_keeps_input_columns_both_ways(model) -> None:  # type: ignore[no-untyped-def]
    """`--sentences`: each line is a sentence, and carries its row's own columns, in both builders."""
    stmts = [Statement("r1", "We will expand investment.\nConsumption recovered.", "in.csv row 1", title="T",
                       extra={"doc": "d1"}),
             Statement("r2", "促进汽车消费。", "in.csv row 2", extra={"doc": "d2", "theme": "consumption"})]
    kept = (("doc", "doc"), ("title", "title"), ("theme", "input_theme"))
    schema = output_schema(model.labels, model.version, extra=[name for _, name in kept])
    arrow = process_chunk(stmts, ClassifyOptions(sentences_mode=True, extra_columns=kept, schema=schema), model)
    frame = process_chunk(stmts, ClassifyOptions(sentences_mode=True, extra_columns=kept), model).table
    assert arrow.table.equals(pa.Table.from_pandas(frame, schema=schema, preserve_index=False))
    assert list(frame.columns[len(SENTENCE_COLUMNS):][:3]) == ["doc", "title", "input_theme"]
    assert frame["doc"].tolist() == ["d1", "d1", "d2"] and frame["title"].tolist() == ["T", "T", ""]
    assert frame["input_theme"].tolist() == ["", "", "consumption"]
    assert frame["theme"].tolist()[2] == "consumption"  # the model's column is still the model's


def test_scoring_in_slices_gives_the_same_rows(model, sentences, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    schema = output_schema(model.labels, model.version, 2, 0.0)
    whole = classify_table(model, sentences, schema, 2)
    monkeypatch.setattr(classify, "SCORE_SLICE", 37)
    assert len(sentences) > 37 * 3
    assert classify_table(model, sentences, schema, 2).equals(whole)


@pytest.mark.parametrize("caller_froze", [False, True])
def test_run_classify_leaves_the_collector_as_it_found_it(trained: Path, tmp_path: Path, caller_froze: bool) -> None:
    """`run_classify` freezes what is loaded while it runs and unfreezes only what it froze."""
    import gc

    import pyarrow.parquet as pq

    from pipeline.batch import run_classify

    if caller_froze:
        gc.freeze()
    before = gc.get_freeze_count()
    try:
        out = tmp_path / "out.parquet"
        run = run_classify([str(STATEMENTS / "en")], ReadOptions(), ClassifyOptions(model_path=str(trained)), str(out))
        assert run.sentences == pq.read_metadata(out).num_rows > 0
        assert gc.get_freeze_count() == before
        assert (before > 0) == caller_froze
    finally:
        gc.unfreeze()


class _Threads:
    """An engine whose chunks finish in random order (threads that sleep a random while); it
    records how many were in flight and which were handed back."""

    def __init__(self, window: int, fail_at: int | None = None) -> None:
        self.window, self.fail_at = window, fail_at
        self.pool = ThreadPoolExecutor(4)
        self.rng = random.Random(window)
        self.inflight = self.most = 0
        self.closed: list[bool] = []

    def submit(self, info: ChunkInfo, chunk: list[Statement]) -> object:
        self.inflight += 1
        self.most = max(self.most, self.inflight)
        delay = self.rng.uniform(0, 0.01)

        def work() -> ChunkResult:
            time.sleep(delay)
            if info.number == self.fail_at:
                raise RuntimeError(f"chunk {info.number} failed")
            return ChunkResult([c.id for c in chunk], len(chunk), Counter(), [])

        return self.pool.submit(work)

    def result(self, info: ChunkInfo, handle: object) -> ChunkResult:
        self.inflight -= 1
        return handle.result()  # type: ignore[attr-defined, no-any-return]

    def close(self, ok: bool) -> None:
        self.closed.append(ok)
        self.pool.shutdown(cancel_futures=True)


def _chunks(n: int, size: int = 3) -> list[list[Statement]]:
    return [[Statement(f"s{i * size + j}", "text", f"in.jsonl line {i * size + j + 1}") for j in range(size)]
            for i in range(n)]


@pytest.mark.parametrize("window", [1, 2, 5])
def test_run_chunks_keeps_input_order_with_a_window_in_flight(window: int) -> None:
    engine = _Threads(window)
    got: list[str] = []
    run_chunks(engine, _chunks(40), lambda res: got.extend(res.table))
    assert got == [f"s{i}" for i in range(120)]
    assert engine.most == window and engine.closed == [True]


def test_run_chunks_stops_at_a_failed_chunk() -> None:
    engine = _Threads(4, fail_at=7)
    got: list[str] = []
    with pytest.raises(RuntimeError, match="chunk 7 failed"):
        run_chunks(engine, _chunks(40), lambda res: got.extend(res.table))
    assert got == [f"s{i}" for i in range(18)]  # chunks 1-6, in order, and nothing after the failed one
    assert engine.closed == [False]


def test_chunk_info_names_the_statements() -> None:
    assert ChunkInfo(12, 2201, 200, "in.csv row 2201", "in.csv row 2400").describe() == \
        "chunk 12 (statements 2201-2400: in.csv row 2201 to in.csv row 2400)"
    assert ChunkInfo(1, 1, 1, "a.txt", "a.txt").describe() == "chunk 1 (statement 1: a.txt)"
