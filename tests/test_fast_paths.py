"""Each speed-up in cleaning, segmentation and tokenization gives what the plain form gives.

The regular expressions used on whole texts are written to start with a character class
(so `re` skips ahead in C); their plain forms are kept here as the reference, and both are
run over the same text: tables of cases that matter, then generated text.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import clean, features, scorer, segment
from pipeline.clean import is_tidy, tidy
from pipeline.script import HAN_CLASS

PLAIN = {
    "candidate": (segment._CANDIDATE,
                  re.compile(r"(?P<p>\.(?: \.){2,}|[.!?…]+)(?P<c>[\"'”’)\]»]*)(?=\s+(?P<next>\S+)|\s*$)")),
    "zh candidate": (segment._ZH_CANDIDATE, re.compile(r"[。！？!?]+[”’」』）)》】〕\"']*|…{2,}(?=[”’」』）)]*$)")),
    "en end in zh": (segment._EN_END_IN_ZH,
                     re.compile(f"[a-z]{{2}}[.!?][\"'”’)]*[ \t]+[A-Z{HAN_CLASS}“\"]")),
    "digits": (features._DIGITS, re.compile(r"\d+(?:[.,]\d+)*")),
    "tokens": (scorer._TOKENS, re.compile(features._LATIN.pattern + "|\n")),
}

CASES = [
    "", ".", "..", "...", ". . .", ". . . .", ". . ..", "a. . . B", "Growth. The", "end.” Next", "U.S. The",
    "x?! y", "x?!y", "wait… and…… then……", "……。", "…。", "好。”他说", "《规划。》其他。", "问？！答",
    "……”", "……）", "……x", "no. 5", "1.5 and 2,000.25 and ٣.٥", "don't ’tis x-19 a--b -a- 'q'", "a\nb\n\nc",
    "demand. 我们", "demand.\t“Next", "wow! . . . Then", "so? . . x", "ab! Z", "a. Z", "\n\n", "x.\n", "end.)",
    "(a) b) c) 1. 2.",
]

_ALPHABET = st.sampled_from([*". . …!?。！？”’」』）)》】〕\"'»]([“ \t\nabzAZ09٣-’,，《",
                             "我们", "Growth", "...", " .", "! . ."])
TEXT = st.lists(_ALPHABET, max_size=40).map("".join)


def _matches(pattern: re.Pattern[str], text: str) -> list[tuple[tuple[int, int], dict[str, str | None]]]:
    return [(m.span(), m.groupdict()) for m in pattern.finditer(text)]


@pytest.mark.parametrize("name", sorted(PLAIN))
@pytest.mark.parametrize("text", CASES)
def test_fast_pattern_matches_the_plain_one(name: str, text: str) -> None:
    fast, plain = PLAIN[name]
    assert _matches(fast, text) == _matches(plain, text)


@settings(max_examples=1500, deadline=None)
@given(TEXT)
def test_fast_patterns_on_generated_text(text: str) -> None:
    for fast, plain in PLAIN.values():
        assert _matches(fast, text) == _matches(plain, text)


def _plain_is_tidy(text: str) -> bool:
    """Every stripped span of `text` is left as it is by `tidy` (what `is_tidy` promises)."""
    return all(tidy(text[a:b]) == text[a:b].strip() for a in range(len(text)) for b in range(a + 1, len(text) + 1))


@pytest.mark.parametrize(("text", "tidy_"), [
    ("We will expand investment. Then growth.", True),
    ("扩大有效投资。促进消费。", True),
    ("two  spaces", False),
    ("a line\nbreak", False),
    ("中文 and space", False),
    ("no\u2005break", False),  # a space `isprintable` rejects: False is allowed, `tidy` is then run
    ("", True),
])
def test_is_tidy_table(text: str, tidy_: bool) -> None:
    assert is_tidy(text) is tidy_


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab 中。\n\t\u2005\u00a0\x1c.")), max_size=12))
def test_is_tidy_is_never_wrong_when_true(text: str) -> None:
    if is_tidy(text):
        assert _plain_is_tidy(text)


@pytest.mark.parametrize("text", [
    "1. Invest. 2. Consume. 3. Grow.", "a. one b. two c. three", "•1. x •2. y", "see no. 5 and 12. 13. x",
    "He said 2. Then 3. Fine", "ab. cd. e. f.", "A1. b2. 10. 11.", "•" * 70 + "1. a 2. b", "1.", "x 9.",
    "a.", ".", "end. The", "x\nb. c", "Z. Y", "5.5",
])
def test_marker_filter_keeps_every_marker_table(text: str) -> None:
    _check_markers(text)


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from([*"19az. \n•()", "Ab", "12", "x1"]), max_size=30).map("".join))
def test_marker_filter_keeps_every_marker(text: str) -> None:
    _check_markers(text)


def _check_markers(text: str) -> None:
    """Wherever the token before a candidate end is a list marker, the filter lets it through,
    and wherever the filter lets a period through, the block's gate (`_MAY_MARK`) opens."""
    for m in segment._CANDIDATE.finditer(text):
        start = m.start()
        if segment._marker_value(text[segment._token_start(text, start) : start]):
            assert segment._may_end_marker(text, start), (text, start)
    for i, c in enumerate(text):
        if c == "." and segment._may_end_marker(text, i):
            assert segment._MAY_MARK.search(text), (text, i)


def _plain_is_nav(line: str) -> bool:
    if len(line) > 60 or any(c in line for c in ".。!！?？"):
        return False
    return not re.sub(r"[\s\W_]+", "", clean._NAV_WORDS.sub(" ", line))


_NAV_PIECES = ["Return to list", "返回", "Share to", "ſhare", "ıink", "İ", "\u212a", "top", "stop", "9", "x", "Q",
               "二维码", "【", "】", " ", "|", "_", "é", "Prev", "WeChat", "打印本页", "中", "a", "[", "]", "/", ">",
               "·", ":", "change it", "previous page", "read more", "ious", "home", "page", "s"]


@pytest.mark.parametrize("line", ["Return to list", "Share to: WeChat Weibo", "分享到 微信", "Top 10", "stop",
                                  "【字号 大 中 小】 打印本页 关闭窗口", "ſhare", "LINKS", "Links 2", "", "_",
                                  "next | prev"])
def test_nav_gate_table(line: str) -> None:
    assert clean._is_nav(line) == _plain_is_nav(line)


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(_NAV_PIECES), max_size=12).map("".join))
def test_nav_gate_property(line: str) -> None:
    assert clean._is_nav(line) == _plain_is_nav(line)


@pytest.mark.parametrize(("text", "gate"), [
    ("Copyright 2024 Xinhua\nAll Rights Reserved.", True), ("plain line\n© 2023 gov.cn\n  ICP备05070218号  ", True),
    ("版权所有 未经授权不得转载\n正文", True), ("KOPYRIGHT", False), ("Doeſ not repreſent", True),
    ("ıcp and İCP", True), ("ſ©", True),
    ("Does Not Represent the views\nx", True), ("增长 ICP 备案", True), ("nothing here\n\n", False), ("", False),
    ("copy right\nrights reserved", False), ("增长。\n消费", False),
    # No line holds "reprinted " (lines are stripped), the statement does: the gate may say yes more often.
    ("reprinted \nreprinted", True),
])
def test_notice_gate_table(text: str, gate: bool) -> None:
    assert clean.may_hold_notice(text) == gate
    if any(clean._may_be_notice(line.strip()) for line in text.split("\n")):
        assert gate


_NOTICE_PIECES = [*clean._NOTICE_WORDS, "COPY", "right", "Icp", "İ", "K", "ı", "ſ", " ", "\n", "x", "版权", "未",
                  "增长"]


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from(_NOTICE_PIECES), max_size=16).map("".join))
def test_notice_gate_never_misses(text: str) -> None:
    if any(clean._may_be_notice(line.strip()) for line in text.split("\n")):
        assert clean.may_hold_notice(text)


@pytest.mark.parametrize("line", ["Reporter: yes", "记者：好", "Li Qiang said growth", "Note: x", "王明：你好", ""])
def test_speaker_tag_needs_a_colon(line: str) -> None:
    tag = clean.speaker_tag(line, "en")
    assert (tag is None) or (":" in line or "：" in line)
    if ":" in line or "：" in line:
        assert (tag is not None) == (line.split(":")[0].split("：")[0] not in ("Note",))


# ---------------------------------------------------------------- speaker turns inside a line


def _plain_turn_starts(line: str) -> list[tuple[int, str]]:
    """Every sentence end of the line, and every role word after a word: what `_turn_starts`
    narrows to the ends shortly before a colon."""
    starts = [(m.end(), line[m.start()]) for m in clean._TURN_AFTER_END.finditer(line)]
    for m in clean._TURN_AFTER_WORD.finditer(line):
        before = line[: m.start()]
        if before.endswith((" ", "\t")) and before.rstrip()[-1:] in clean._WORD_END:
            starts.append((m.start(), ""))
    return sorted(starts)


def _tag_starts(starts: list[tuple[int, str]], line: str) -> list[tuple[int, str]]:
    return [(p, e) for p, e in starts if clean.speaker_tag(line, "", p) is not None]


@pytest.mark.parametrize("line", [
    "What next? Jin Zhuanglong: In 2023, we will act.", "system Reporter: What next?", "a. b? c! 记者：好。",
    "x" * 70 + ". Reporter: Why?", "Reporter: Why? " + "y" * 80 + ": Z", "10:30. 3:1. http://a.b/c: D",
    "好。”王明：是。", "What? " + "Li " * 30 + "Wang: Yes.", "",
])
def test_turn_starts_table(line: str) -> None:
    assert _tag_starts(clean._turn_starts(line), line) == _tag_starts(_plain_turn_starts(line), line)


_TURN_PIECES = [". ", "? ", "。", "？", "”", "\"", ":", "：", " ", "Reporter", "Jin Zhuanglong", "Li", "Note",
                "记者", "王明", "孔子说", "the", "x", "10", "Vice Minister", "\t", ",", "a" * 20]


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(_TURN_PIECES), max_size=24).map("".join))
def test_turn_starts_property(line: str) -> None:
    assert _tag_starts(clean._turn_starts(line), line) == _tag_starts(_plain_turn_starts(line), line)


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(["我们", "。", "！", "？", "”", " ", "\t", "We will", "Growth", " rose. ", "the",
                                 "GDP", "x"]), max_size=20).map("".join))
def test_mixed_gate_on_generated_text(text: str) -> None:
    """`is_mixed` looks for English in a Chinese block only where there is a space or a tab."""
    plain = bool(segment._EN_END_IN_ZH.search(text) or segment._EN_AFTER_ZH_END.search(text))
    assert segment.is_mixed(text, "zh") == plain
