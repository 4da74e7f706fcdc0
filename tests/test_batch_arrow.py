"""`classify -o x.parquet` builds Arrow tables in the workers; they equal the pandas path's."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import classify
from pipeline.batch import ClassifyOptions, process_chunk
from pipeline.classify import (
    add_theme_columns,
    classify_sentences,
    classify_table,
    output_schema,
    string_array,
    utf8_lengths,
)
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
    expected = pa.Table.from_pandas(frame, preserve_index=False)
    got = classify_table(model, sentences, schema, top_k, min_confidence)
    assert got.schema.equals(expected.schema, check_metadata=True)
    # Arrow's equals calls NaN unequal to itself (confidence_K beyond the number of themes is NaN)
    pd.testing.assert_frame_equal(got.to_pandas(), expected.to_pandas())
    if min_confidence >= 0.9:
        assert "uncertain" in set(got.column("theme").to_pylist())


def test_empty_chunk_has_the_schema(model) -> None:  # type: ignore[no-untyped-def]
    schema = output_schema(model.labels, model.version, 3)
    got = classify_table(model, [], schema, 3)
    assert got.num_rows == 0 and got.schema.equals(schema, check_metadata=True)


def test_schema_is_what_from_pandas_gives_a_real_chunk(model, sentences) -> None:  # type: ignore[no-untyped-def]
    frame = classify_sentences(model, sentences_frame(sentences[:5]), 2)
    assert output_schema(model.labels, model.version, 2).equals(pa.Schema.from_pandas(frame, preserve_index=False),
                                                                check_metadata=True)


def test_add_theme_columns_is_the_old_classify(model, sentences) -> None:  # type: ignore[no-untyped-def]
    """The columns and dtypes `classify_sentences` had before it was split in two."""
    import numpy as np

    df = sentences_frame(sentences[:40])
    proba = model.predict_proba(df["sentence"].tolist())
    out = add_theme_columns(df, proba, model.labels, model.version, 7, 0.6)
    assert list(out.columns[len(df.columns):]) == ["theme", "confidence", *[f"p_{c}" for c in model.labels],
                                                  *[f"{n}_{k}" for k in range(2, 8) for n in ("theme", "confidence")],
                                                  "model_version"]
    assert out["theme"].dtype == object and out["theme_7"].isna().all() and out["confidence_7"].isna().all()
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
    assert arrow.table.equals(pa.Table.from_pandas(frame.table, preserve_index=False))


@pytest.mark.parametrize("type_", [pa.large_string(), pa.string()])
@pytest.mark.parametrize("values", [[], [""], ["", "a", ""], ["We grow.", "扩大投资。", "é𝄞", "x"], ["lone \ud800"]])
def test_string_array_equals_arrow_own(values: list[str], type_: pa.DataType) -> None:
    try:
        want = pa.array(values, type=type_)
    except Exception as e:  # the same failure is expected of both
        with pytest.raises(type(e)):
            string_array(values, type_)
        return
    got = string_array(values, type_)
    got.validate(full=True)
    assert got.equals(want)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=8), max_size=20))
def test_string_array_property(values: list[str]) -> None:
    assert string_array(values, pa.large_string()).equals(pa.array(values, type=pa.large_string()))


def test_utf8_lengths_across_slices() -> None:
    values = [("é" * (i % 3) + "x" * (i % 5) + "中" * (i % 2) + "𝄞" * (i % 7 == 0)) for i in range(120_003)]
    values[60_000:70_000] = ["plain ascii"] * 10_000  # a whole ASCII slice among mixed ones
    assert utf8_lengths(values).tolist() == [len(v.encode("utf-8")) for v in values]


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
