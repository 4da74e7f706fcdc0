"""Property tests over arbitrary front matter, CSV shapes and unicode: no crash, no lost
sentence, offsets always pointing at the sentence text.

`HYPOTHESIS_PROFILE=long` runs the longer campaign (thousands of examples each).
"""

from __future__ import annotations

import csv
import io
import json
import os
import string
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.clean import normalize, tidy
from pipeline.errors import PipelineError
from pipeline.readers import ReadOptions, read_statements
from pipeline.records import Failure, Statement
from pipeline.segment import segment_statement

settings.register_profile("default", max_examples=150, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.register_profile("long", max_examples=5000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

KEYS = st.sampled_from(["date", "source", "title", "speaker", "lang", "id", "Date", "SOURCE", "x", "", "date "])
VALUES = st.one_of(
    st.sampled_from(["2020-03-05", "2020", "2020-13-01", "2091-01-01", "en", "zh", "fr", "State Council", "国务院",
                     '"quoted"', "'single'", "a: b", "", " ", "---", "2020年3月5日", "March 5, 2020", "[1, 2]"]),
    st.text(max_size=20),
)
BODY_PIECES = st.sampled_from(["We will expand investment. ", "消费持续恢复。", "Return to list\n", "Editor: Li\n",
                               "\n\n", "Reporter: ", "记者：", "“Quote.” ", "1. First. 2. Second. ", "U.S. ", "\u202e",
                               "📈", "\x0c", "\r\n", "---\n", "2020-01-01\n"])
BODY = st.lists(st.one_of(BODY_PIECES, st.text(max_size=15)), max_size=25).map("".join)


def _check_statement(stmt: Statement) -> int:
    res = segment_statement(stmt)
    norm = normalize(stmt.text)
    last = 0
    for i, s in enumerate(res.sentences):
        assert s.sentence_index == i and s.statement_id == stmt.id
        assert last <= s.start < s.end <= len(stmt.text)
        assert s.sentence == tidy(norm[s.start : s.end]) and s.sentence
        last = s.end
    return len(res.sentences)


def _read(path: Path) -> list[Statement | Failure]:
    try:
        return list(read_statements([str(path)], ReadOptions(date="2021-06-01")))
    except PipelineError as e:  # a whole-file problem: one clear message naming the file
        assert str(path.name) in str(e) and "\n" not in str(e)
        return []


@given(st.lists(st.tuples(KEYS, VALUES), max_size=8), BODY, st.booleans())
def test_random_front_matter(tmp_path: Path, fields: list[tuple[str, str]], body: str, closed: bool) -> None:
    head = "---\n" + "".join(f"{k}: {v}\n" for k, v in fields) + ("---\n" if closed else "")
    path = tmp_path / "s.md"
    path.write_text(head + body, encoding="utf-8")
    for item in _read(path):
        if isinstance(item, Statement):
            assert item.date and item.lang in ("en", "zh")
            _check_statement(item)
        else:
            assert item.origin.endswith("s.md") and item.reason and "\n" not in item.reason


CELL = st.one_of(st.text(max_size=40), BODY, st.sampled_from(["", " ", "2020", "2020-01-01", "nan", "NULL", '"',
                                                                "a,b", "line\nbreak", "=1+1"]))
COLUMNS = st.lists(st.sampled_from(["text", "date", "id", "source", "lang", "title", "speaker", "extra", "TEXT"]),
                   min_size=1, max_size=6, unique=True)


@given(COLUMNS, st.lists(st.lists(CELL, min_size=6, max_size=6), max_size=12), st.sampled_from(["csv", "jsonl"]))
def test_random_table_shapes(tmp_path: Path, cols: list[str], rows: list[list[str]], fmt: str) -> None:
    df = pd.DataFrame([r[: len(cols)] for r in rows], columns=cols)
    path = tmp_path / f"t.{fmt}"
    if fmt == "csv":  # quote every cell: pandas leaves a bare \r unquoted, which any reader takes for a line end
        df.to_csv(path, index=False, quoting=csv.QUOTE_ALL)
    else:
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in df.to_dict("records")),
                        encoding="utf-8")
    items = _read(path)
    if not items:  # refused as a whole with one message (a malformed file, clashing columns)
        return
    if len(items) == 1 and isinstance(items[0], Failure) and items[0].origin == str(path):
        assert items[0].reason and "\n" not in items[0].reason  # the whole file refused, with its reason
        return
    assert len(items) == len(df)  # every row is a statement or a listed failure: none vanishes
    for item in items:
        if isinstance(item, Statement):
            _check_statement(item)


@given(st.lists(st.one_of(BODY, st.text(max_size=60)), min_size=1, max_size=6))
def test_classify_rows_equal_segmented_sentences(tmp_path: Path, trained: Path, texts: list[str]) -> None:
    """Through the whole `classify` command: output rows are exactly the segmented sentences."""
    from pipeline.batch import ClassifyOptions, run_classify

    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps({"id": f"s{i}", "date": "2020-01-01", "text": t}) + "\n"
                           for i, t in enumerate(texts)), encoding="utf-8")
    expected = 0
    for item in read_statements([str(src)], ReadOptions()):
        if isinstance(item, Statement):
            expected += _check_statement(item)
    out = tmp_path / "out.jsonl"
    out.unlink(missing_ok=True)
    try:
        run = run_classify([str(src)], ReadOptions(), ClassifyOptions(model_path=str(trained)), str(out))
    except PipelineError as e:
        assert expected == 0 and "\n" not in str(e)
        assert not out.exists()
        return
    got = pd.read_json(io.StringIO(out.read_text(encoding="utf-8")), lines=True, dtype=False) if expected else []
    assert run.sentences == expected == len(got)
    assert run.statements + len(run.failures) == len(texts)


@given(st.text(alphabet=string.printable + "。！？“”《》中国消费投资", max_size=400))
def test_stdin_like_text_never_crashes(tmp_path: Path, text: str) -> None:
    path = tmp_path / "2020-01-01_x.txt"
    path.write_text(text, encoding="utf-8")
    for item in _read(path):
        if isinstance(item, Statement):
            _check_statement(item)
