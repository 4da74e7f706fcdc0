"""Checks on the real public texts in ../shared/corpora (never copied into the project)."""

from __future__ import annotations

import re

import pytest

from pipeline.clean import normalize
from pipeline.workflow import segment_inputs

from .conftest import corpora_dir

FOLDERS = ["local_gwr_zh", "raw_encoding_samples", "xi_speeches_zh", "npc_resolutions_zh",
           "cpc_congress_zh", "ungd_china_en"]
# Furniture seen in these texts or typical of them: none may survive as (part of) a sentence.
FURNITURE = re.compile(r"ICP备|责任编辑|来源：|发布时间|发表时间|Copyright|版权所有|Return to list|分享到：")
# Line starts that open a heading or list item: a sentence never runs across one.
HEADING_START = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[）)]|第[一二三四五六七八九十\d]+[章节部分])"
)


@pytest.fixture(scope="module")
def runs():  # type: ignore[no-untyped-def]
    base = corpora_dir()
    return {name: segment_inputs([str(base / name)]) for name in FOLDERS}


def test_every_document_read(runs) -> None:  # type: ignore[no-untyped-def]
    for name, run in runs.items():
        assert run.failures == [], name
        assert run.n_ok == len(list((corpora_dir() / name).glob("*.txt"))), name


def test_gb18030_crlf_copies_read_the_same(runs) -> None:  # type: ignore[no-untyped-def]
    utf8 = runs["local_gwr_zh"].sentence_frame()
    raw = runs["raw_encoding_samples"].sentence_frame()
    assert utf8["sentence"].tolist() == raw["sentence"].tolist()


def test_no_furniture_left_and_no_sentence_across_a_heading(runs) -> None:  # type: ignore[no-untyped-def]
    base = corpora_dir()
    for name, run in runs.items():
        texts = {}
        for path in (base / name).glob("*.txt"):
            texts[path.stem] = path
        for s in run.sentences:
            assert not FURNITURE.search(s.sentence), (name, s.sentence[:80])
        for st in run.statements:
            sid = str(st["statement_id"])
            raw = texts[sid].read_bytes()
            from pipeline.readers import decode

            src = normalize(decode(raw, sid))
            for s in (x for x in run.sentences if x.statement_id == sid):
                inner_lines = src[s.start : s.end].split("\n")[1:]
                assert not any(HEADING_START.match(line) for line in inner_lines), (sid, s.sentence[:80])
