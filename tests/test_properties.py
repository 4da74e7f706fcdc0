"""Properties over arbitrary text: cleaning and segmentation never crash, and every
sentence's offsets point at its text in the source."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.clean import normalize, tidy
from pipeline.records import Statement
from pipeline.segment import segment_statement, split_en, split_zh

# Text built from the pieces that matter to the rules, mixed with arbitrary unicode.
_PIECES = st.sampled_from(
    [" ", "\n", "\n\n", "\r\n", ". ", "? ", "! ", "...", ". . . ", "。", "！", "？", "；", "：", ":",
     "“", "”", '"', "'", "(", ")", "《", "》", "U.S.", "No. 1", "e.g.", "Mr.", "1. ", "2. ", "a. ",
     "• ", "Reporter: ", "记者：", "Return to list", "Editor: Li", "2023-03-05", "2023年3月5日",
     "We will expand investment", "消费稳步恢复", "Growth", "the", "５％", "\u00a0", "\u3000", "©",
     "---\n", "#", "- ", "ICP备", "http://x.cn/a.b", "a@b.cn", "I", "E.U", "etc", "p.m"]
)
TEXT = st.lists(st.one_of(_PIECES, st.text(max_size=12)), max_size=60).map("".join)


def _check(text: str, lang: str) -> None:
    stmt = Statement(id="p", text=text, origin="p", date="2020", lang=lang)
    res = segment_statement(stmt)
    norm = normalize(text)
    last_end = 0
    for i, s in enumerate(res.sentences):
        assert s.sentence_index == i
        assert 0 <= s.start < s.end <= len(text)
        assert s.start >= last_end  # in order, never overlapping
        last_end = s.end
        assert s.sentence and s.sentence == tidy(norm[s.start : s.end])
    for r in res.removed:
        assert 0 <= r.start <= r.end <= len(text)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXT, st.sampled_from(["en", "zh"]))
def test_segment_statement_offsets(text: str, lang: str) -> None:
    _check(text, lang)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300), st.sampled_from(["en", "zh"]))
def test_arbitrary_unicode(text: str, lang: str) -> None:
    _check(text, lang)


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_splitters_cover_the_text(text: str) -> None:
    """Spans are ordered, non-overlapping, and lose no non-space character."""
    for split in (split_en, split_zh):
        spans = split(text)
        covered = "".join(text[s:e] for s, e in spans)
        assert "".join(covered.split()) == "".join(text.split())
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))
