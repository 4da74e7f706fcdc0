"""Sentence splitting: tables of input and expected sentences, and the measured suites."""

from __future__ import annotations

import json

import pytest

from pipeline.segment import split_en, split_zh

from .conftest import ROOT, corpora_dir


def _en(text: str) -> list[str]:
    return [text[s:e] for s, e in split_en(text)]


def _zh(text: str) -> list[str]:
    return [text[s:e] for s, e in split_zh(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # texts that must come through as one sentence
        ("The No. 1 Central Document was issued in February.", None),
        ("Growth reached 5.2 percent, i.e. above the target of around 5 percent.", None),
        ("We will support key industries, e.g. steel, autos and electronics, through the downturn.", None),
        ("Mr. Li and Dr. Wang of the U.S. Chamber of Commerce attended at 9 a.m. on Monday.", None),
        ("Under Art. 5 and Sec. 3 of the measures, approx. 1,200 firms qualify.", None),
        ("The share rose from 27.3% to 31.5% vs. last year.", None),
        ("We will focus on three tasks: stabilizing growth, expanding investment and boosting consumption.", None),
        ("He said the plan is “a turning point.” for the region.", None),
        ("Prof. Li K. Wang chaired the session.", None),
        # texts that split
        (
            "Investment rose 8 percent. Consumption recovered steadily.",
            ["Investment rose 8 percent.", "Consumption recovered steadily."],
        ),
        (
            "The minister said: “We will expand domestic demand.” He added that car sales would recover.",
            ["The minister said: “We will expand domestic demand.”", "He added that car sales would recover."],
        ),
        (
            "Output rose in the U.S. It fell in the E.U. How will China respond?",
            ["Output rose in the U.S.", "It fell in the E.U.", "How will China respond?"],
        ),
        (
            "First, we will stabilize growth. Second, we will expand investment. Third, we will boost consumption.",
            ["First, we will stabilize growth.", "Second, we will expand investment.",
             "Third, we will boost consumption."],
        ),
        (
            "The first is to stabilize growth. The second is to expand investment.",
            ["The first is to stabilize growth.", "The second is to expand investment."],
        ),
        (
            "Sales of home appliances, cars, furniture etc. The policy covers all of them.",
            ["Sales of home appliances, cars, furniture etc.", "The policy covers all of them."],
        ),
        (
            "1. Expand effective investment 2. Boost consumption 3. Promote regional coordination",
            ["1. Expand effective investment", "2. Boost consumption", "3. Promote regional coordination"],
        ),
        (
            "Is the target realistic? Yes. Thank you.",
            ["Is the target realistic?", "Yes.", "Thank you."],
        ),
        (
            "The meeting ended at 5 p.m. Reporters then asked about the plan.",
            ["The meeting ended at 5 p.m.", "Reporters then asked about the plan."],
        ),
    ],
)
def test_english(text: str, expected: list[str] | None) -> None:
    assert _en(text) == (expected if expected is not None else [text])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("保持经济运行在合理区间。", None),
        ("一是扩大有效投资；二是促进消费；三是推动区域协调发展。", None),
        ("我们明天一起去看《摔跤吧！爸爸》好吗？", None),
        ("国内生产总值增长5.2%，达到126万亿元。", None),
        (
            "他说：“要稳住汽车等大宗消费。”记者追问了具体措施。",
            ["他说：“要稳住汽车等大宗消费。”", "记者追问了具体措施。"],
        ),
        (
            "推进西部大开发形成新格局。推动东北振兴取得新突破！如何促进中部崛起？",
            ["推进西部大开发形成新格局。", "推动东北振兴取得新突破！", "如何促进中部崛起？"],
        ),
        ("（一）扩大内需。（二）稳定投资。", ["（一）扩大内需。", "（二）稳定投资。"]),
        ("会议强调（见附件。）继续推进。下一步怎么办？", ["会议强调（见附件。）", "继续推进。", "下一步怎么办？"]),
    ],
)
def test_chinese(text: str, expected: list[str] | None) -> None:
    assert _zh(text) == (expected if expected is not None else [text])


def test_golden_rules_english() -> None:
    """The pySBD "Golden Rules": at least 46 of 48 (pySBD itself passes 47)."""
    rules = json.loads((corpora_dir() / "segmentation" / "golden_rules_en.json").read_text("utf-8"))
    assert len(rules) == 48
    failing = [r["id"] for r in rules if _en(r["text"]) != r["sentences"]]
    assert len(failing) <= 2, f"failing rules {failing}"  # the target: 46 of 48
    # What we reached: only rule 18 ("a.m. Mr. Smith" vs "P.M. Mr. Smith"), which pySBD fails too.
    assert failing == [18]


def test_golden_rules_chinese() -> None:
    rules = json.loads((corpora_dir() / "segmentation" / "golden_rules_zh.json").read_text("utf-8"))
    for r in rules:
        assert _zh(r["text"]) == r["sentences"], r["name"]


def _boundary_scores(fn, path) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    tp = fp = fn_ = 0
    for line in path.read_text("utf-8").splitlines():
        rec = json.loads(line)
        text, gold, pos = rec["text"], set(), 0
        for s in rec["sentences"]:
            pos = text.index(s, pos) + len(s)
            gold.add(pos)
        got = {e for _, e in fn(text)}
        tp, fp, fn_ = tp + len(gold & got), fp + len(got - gold), fn_ + len(gold - got)
    return tp / (tp + fp), tp / (tp + fn_)


def test_check_set_english_at_least_as_good_as_nltk_punkt() -> None:
    """On the team's annotated policy prose, no worse than NLTK's standard Punkt model."""
    from nltk.tokenize.punkt import PunktSentenceTokenizer

    from pipeline.punkt_model import nltk_parameters

    path = ROOT / "data" / "segmentation" / "check_en.jsonl"
    standard = PunktSentenceTokenizer(nltk_parameters(policy=False))
    p_ours, r_ours = _boundary_scores(split_en, path)
    p_std, r_std = _boundary_scores(lambda t: list(standard.span_tokenize(t)), path)
    assert p_ours >= p_std and r_ours >= r_std
    assert p_ours >= 0.97 and r_ours >= 0.97


def test_check_set_chinese() -> None:
    p, r = _boundary_scores(split_zh, ROOT / "data" / "segmentation" / "check_zh.jsonl")
    assert p >= 0.98 and r >= 0.98


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("We will expand domestic demand. 我们要扩大内需。Consumption recovered. 消费持续恢复。",
         [("We will expand domestic demand.", "en"), ("我们要扩大内需。", "zh"), ("Consumption recovered.", "en"),
          ("消费持续恢复。", "zh")]),
        ("我们要扩大内需。We will expand domestic demand. 消费持续恢复。",
         [("我们要扩大内需。", "zh"), ("We will expand domestic demand.", "en"), ("消费持续恢复。", "zh")]),
        # must not change: English words inside Chinese, and Chinese names inside English
        ("中国GDP增长5.2%，CPI上涨0.2%。", [("中国GDP增长5.2%，CPI上涨0.2%。", "zh")]),
        ("The Greater Bay Area (粤港澳大湾区) plan was issued in 2019.",
         [("The Greater Bay Area (粤港澳大湾区) plan was issued in 2019.", "en")]),
        ("美国U.S. 经济增长放缓。", [("美国U.S.经济增长放缓。", "zh")]),  # tidy drops a space beside Chinese
    ],
)
def test_mixed_language_blocks(text: str, expected: list[tuple[str, str]]) -> None:
    from pipeline.clean import tidy
    from pipeline.records import Statement
    from pipeline.segment import segment_statement

    res = segment_statement(Statement(id="m", text=text, origin="m", date="2020"))
    assert [(s.sentence, s.lang) for s in res.sentences] == expected
    assert all(tidy(text[s.start : s.end]) == s.sentence for s in res.sentences)
