"""One home for the Han ranges and the language detector (issue 15): a statement, its blocks
and their sentences are judged by the same rule, so they cannot disagree on plain text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline.config import ZH_HAN_SHARE
from pipeline.readers import detect_lang
from pipeline.records import Statement
from pipeline.script import HAN_CLASS, HAN_RANGES, lang_of
from pipeline.segment import block_lang, segment_statement

# An English sentence naming a Chinese plan: 6 Han characters, 32 Latin letters. The statement
# detector of before (Han >= 0.3 of the words) called it `zh`, the block detector `en`.
EN_WITH_NAME = "The Greater Bay Area (粤港澳大湾区) plan was issued in 2019."


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("We will expand investment.", "en"),
        ("扩大有效投资。", "zh"),
        ("GDP增长5%", "zh"),
        ("The 十四五 plan will expand domestic demand and support consumption this year.", "en"),
        (EN_WITH_NAME, "en"),
        ("豈 兀 嗀", "zh"),  # compatibility ideographs are Han too
        ("䷀䷁ hexagrams are no Han characters", "en"),
        ("", "en"),
    ],
)
def test_lang_of(text: str, lang: str) -> None:
    assert lang_of(text) == lang == detect_lang(text) == block_lang(text)


def test_statement_block_and_sentence_agree_where_the_two_detectors_did_not() -> None:
    han = len(re.findall(f"[{HAN_CLASS}]", EN_WITH_NAME))
    latin = len(re.findall("[A-Za-z]", EN_WITH_NAME))
    assert 0.3 * (han + latin / 4) <= han < ZH_HAN_SHARE * (han + latin / 4)  # the case that disagreed
    stmt = Statement(id="t", text=EN_WITH_NAME, origin="t", date="2023", lang=detect_lang(EN_WITH_NAME))
    assert stmt.lang == "en"
    assert [(s.lang, s.sentence) for s in segment_statement(stmt).sentences] == [("en", EN_WITH_NAME)]


def test_bilingual_paragraph_gives_each_sentence_its_language() -> None:
    """An English sentence after a Chinese one in a `zh` paragraph is found and split off (it was
    taken for Chinese: only an English end followed by more text made a Chinese block mixed)."""
    text = "我们将扩大内需，促进消费，稳定投资。We will expand demand."
    assert lang_of(text) == "zh"
    got = segment_statement(Statement(id="t", text=text, origin="t", date="2023", lang="zh")).sentences
    assert [(s.lang, s.sentence) for s in got] == [("zh", "我们将扩大内需，促进消费，稳定投资。"),
                                                   ("en", "We will expand demand.")]


def test_no_other_module_writes_han_ranges() -> None:
    """Every stage takes the ranges from `pipeline.script`: a range written anywhere else is a
    second definition that can drift."""
    lo, hi = (f"{HAN_RANGES[1][0]:04x}", f"{HAN_RANGES[1][1]:04x}")
    written = re.compile(rf"\\u{lo}|\\u{hi}|\\u3400", re.I)
    pipeline = Path(__file__).resolve().parent.parent / "pipeline"
    offenders = [p.name for p in sorted(pipeline.glob("*.py"))
                 if p.name != "script.py" and written.search(p.read_text("utf-8"))]
    assert offenders == []
