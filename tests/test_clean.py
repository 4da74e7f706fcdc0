"""Cleaning rules as tables: furniture with its reason, and content that must stay."""

from __future__ import annotations

import pytest

from pipeline.clean import furniture_reason, inline_speaker_tags, joins, normalize, speaker_tag, tidy
from pipeline.records import Statement
from pipeline.segment import segment_statement

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (f"Edit:Li Hua{NBSP}{NBSP}Responsible editor:Wang Fang", "page metadata"),
        ("Editor: Zhang Min", "page metadata"),
        ("Source: Western Economic Herald", "page metadata"),
        ("Source:www.example-news.cn", "page metadata"),
        ("来源：人民网", "page metadata"),
        ("责任编辑：陈立新", "page metadata"),
        ("编辑：周雨 审核：孙浩", "page metadata"),
        ("发布时间：2021-04-20 10:30 来源：发展改革动态网", "page metadata"),
        ("2015年07月21日13:32   来源：人民网－中国共产党新闻网", "page metadata"),
        ("Share to:", "page metadata"),
        ("Special statement: articles marked with another source are reprinted to pass on "
         "more information and do not represent the views of this site.", "copyright notice"),
        ("For copyright issues, please contact us at the email: news@example.com", "copyright notice"),
        ("Copyright © 2021 Example News. All rights reserved.", "copyright notice"),
        ("版权声明：凡本网注明来源的作品，转载请注明出处。", "copyright notice"),
        ("粤ICP备12345678号 Copyright © 2019 湾区经济网 版权所有", "site registration"),
        ("京公网安备 11010502000001号", "site registration"),
        ("Submission mailbox: tougao@example.com Tel: 010-12345678", "contact details"),
        ("投稿邮箱：news@example.com 联系电话：010-12345678", "contact details"),
        ("Tel: 010-6851 2345", "contact details"),
        ("Return to list", "navigation"),
        ("Recommended Reading Change it", "navigation"),
        ("Links", "navigation"),
        ("【字号 大 中 小】 打印本页 关闭窗口", "navigation"),
        ("返回列表", "navigation"),
        ("上一篇 | 下一篇", "navigation"),
        (">", "no text"),
        ("***", "no text"),
        ("2023-03-05", "date line"),
        ("2023年3月5日", "date line"),
        ("（2013年3月23日）", "date line"),
        ("March 5, 2023 10:30", "date line"),
        ("By Li Hua", "byline"),
        ("15", "page number"),
        ("- 3 -", "page number"),
        ("Page 12", "page number"),
        ("第 3 页", "page number"),
        ("本报记者 张三 王五", "byline"),
    ],
)
def test_furniture(line: str, reason: str) -> None:
    assert furniture_reason(normalize(line).strip()) == reason


@pytest.mark.parametrize(
    "line",
    [
        "We will strengthen copyright protection for software and digital content.",
        "Her email is Jane.Doe@example.com.",
        "The second is to expand effective investment.",
        "Focus on four aspects of work.",
        "Source of growth: consumption contributed 60 percent of GDP growth in 2019.",
        "二、扩大有效投资",
        "（二）扩大有效投资",
        "加强知识产权保护，严厉打击侵犯版权行为。",
        "We will link the east and the west.",
        "More than 200 scholars attended.",
        "Print media and broadcasting must observe the rules.",
        "II. Expanding effective investment",
        "Links between the eastern and western regions will be strengthened.",
        "2023年3月5日，国务院总理作政府工作报告。",
        "2023",
        "1.",
        "On March 5, 2023, the Premier delivered the report.",
    ],
)
def test_content_lines_stay(line: str) -> None:
    assert furniture_reason(normalize(line).strip()) is None


@pytest.mark.parametrize(
    ("line", "speaker"),
    [
        ("Reporter: What will the ministry do?", "Reporter"),
        ("Jin Zhuanglong: We will promote new industrialization.", "Jin Zhuanglong"),
        ("Vice Minister Li: Thank you.", "Vice Minister Li"),
        ("NDRC spokesperson Meng Wei: The plan is clear.", "NDRC spokesperson Meng Wei"),
        ("Q: Is the target realistic?", "Q"),
        ("记者：请问下一步有何打算？", "记者"),
        ("李明：谢谢你的提问。", "李明"),
        ("新闻发言人：我们将继续推进。", "新闻发言人"),
        ("国家发展改革委新闻发言人：今年投资平稳增长。", "国家发展改革委新闻发言人"),
        # not speaker tags
        ("Note: figures are preliminary.", None),
        ("First: we will stabilize growth.", None),
        ("The second is: expanding investment.", None),
        ("Main tasks: stabilize growth and expand demand.", None),
        ("一是：扩大消费。", None),
        ("目标：经济增长5%左右。", None),
        ("We said: growth will recover.", None),
        # a wrapped sentence and a title: an English turn opens with a capital, digit or quote
        ("Government: first, the major nuclear Powers should renounce deterrence;", None),
        ("Interpretation: what the trade-in programme means for households", None),
        # quotations: a surname and a verb of saying
        ("孔子说：“五十而知天命。”", None),
        ("古人云：“经师易求，人师难得。”", None),
        ("马云：我们将扩大出口。", "马云"),
    ],
)
def test_speaker_tag(line: str, speaker: str | None) -> None:
    tag = speaker_tag(line, "en")
    assert (tag[0] if tag else None) == speaker
    if tag:
        assert not line[tag[1] :].startswith((" ", ":", "："))


@pytest.mark.parametrize(
    ("prev", "nxt", "zh", "width", "expected"),
    [
        ("This is a sentence", "cut off in the middle because pdf.", False, 0, True),
        ("The government will increase investment in", "Beijing and Tianjin.", False, 0, True),
        ("II. Expanding effective investment", "We will expand investment.", False, 0, False),
        ("In the next step, we will focus on several tasks:", "First, stabilize growth.", False, 0, False),
        ("Growth was solid.", "Investment rose.", False, 0, True),
        ("一、总体要求", "今年经济社会发展的主要预期目标是：", True, 30, False),
        ("深入实施区域协调发展战略，推动西部大开发形成新格局，推动东北", "振兴取得新突破。", True, 30, True),
        ("在博鳌亚洲论坛2013年年会上的主旨演讲", "中华人民共和国主席习近平", True, 300, False),
        ("我们将扩大有效投资，", "加快重大项目建设。", True, 300, True),
    ],
)
def test_joins(prev: str, nxt: str, zh: bool, width: int, expected: bool) -> None:
    assert joins(prev, nxt, zh, width) is expected


def test_normalize_is_one_to_one() -> None:
    raw = "２０２３年ＧＤＰ增长５％\r\n　Ｂ\u00a0c"
    norm = normalize(raw)
    assert len(norm) == len(raw)
    assert norm == "2023年GDP增长5% \n B c"


@pytest.mark.parametrize(
    ("span", "expected"),
    [
        ("We  will\n expand  demand.", "We will expand demand."),
        ("扩大\n有效投资。", "扩大有效投资。"),
        ("政 府 工 作 报 告", "政府工作报告"),
        ("GDP 增长 5%", "GDP增长5%"),
        ("unchanged text.", "unchanged text."),
    ],
)
def test_tidy(span: str, expected: str) -> None:
    assert tidy(span) == expected


def _sentences(text: str, lang: str = "en") -> list[tuple[str, str]]:
    stmt = Statement(id="t", text=text, origin="t", date="2023", lang=lang)
    res = segment_statement(stmt)
    return [(s.speaker, s.sentence) for s in res.sentences]


def test_web_page_statement_keeps_content_only() -> None:
    text = (
        "Speeding up the recovery of consumption --Interview with the Vice Minister of Commerce\n"
        "2023-03-05\n"
        f"Source: Example Economic Daily   Editor:{NBSP}Li Hua{NBSP}{NBSP}Responsible editor:{NBSP}Wang Fang\n"
        "date 2023-03-05 Caijing Auto News The ministry will extend the car trade-in subsidy.\n"
        "Reporter: How will the ministry support car sales?\n"
        "Vice Minister: We will keep the purchase tax exemption for new-energy vehicles.\n"
        "We will also improve charging networks in rural areas.\n"
        "\n"
        ">\n"
        "Special statement: this article is reprinted for information only and does not "
        "represent the views of this site.\n"
        "For copyright issues, please contact us, email: rights@example.com\n"
        "Return to list\n"
        "Recommended Reading Change it\n"
        "Links\n"
        "Submission mailbox: tougao@example.com Tel: 010-12345678\n"
        "粤ICP备12345678号 Copyright © 2023 Example 版权所有\n"
    )
    got = _sentences(text)
    assert got == [
        ("", "Speeding up the recovery of consumption"),
        ("", "The ministry will extend the car trade-in subsidy."),
        ("Reporter", "How will the ministry support car sales?"),
        ("Vice Minister", "We will keep the purchase tax exemption for new-energy vehicles."),
        ("Vice Minister", "We will also improve charging networks in rural areas."),
    ]


def test_heading_is_its_own_sentence_and_broken_lines_rejoin() -> None:
    text = (
        "II. Expanding effective investment\n"
        "We will speed up the construction of major projects in energy, water and\n"
        "transport, and make good use of special bonds.\n"
        "Third, boosting consumption\n"
        "Household spending will be supported.\n"
    )
    assert [s for _, s in _sentences(text)] == [
        "II. Expanding effective investment",
        "We will speed up the construction of major projects in energy, water and transport, "
        "and make good use of special bonds.",
        "Third, boosting consumption",
        "Household spending will be supported.",
    ]


def test_chinese_statement_with_headings_and_wrapped_lines() -> None:
    text = (
        "一、总体要求\n"
        "今年经济社会发展的主要预期目标是：国内生产总值增长５％左右；城镇新增就业一千二百万人以上\n"
        "。\n"
        "（二）扩大有效投资\n"
        "发挥政府投资撬动作用，加快推进“十四五”规划重大工程项目建设，推动西部地区和东北地区\n"
        "承接产业转移。\n"
    )
    assert [s for _, s in _sentences(text, "zh")] == [
        "一、总体要求",
        "今年经济社会发展的主要预期目标是：国内生产总值增长5%左右；城镇新增就业一千二百万人以上。",
        "（二）扩大有效投资",
        "发挥政府投资撬动作用，加快推进“十四五”规划重大工程项目建设，推动西部地区和东北地区承接产业转移。",
    ]


# ---------------------------------------------------------------- hard-wrapped lines (issue 14)


@pytest.mark.parametrize(
    ("prev", "nxt", "zh", "width", "expected"),
    [
        # English wrapped at about 60 characters: the next word would not have fitted
        ("regional conflicts and interwoven contradictions, the United", "Nations alone cannot hope to", False, 60,
         True),
        ("disputes. It has the duty to undertake this task and The", "Chinese Government", False, 60, True),
        # ... but a short line (a heading), or a file of one paragraph per line, is left alone
        ("III. Substantially increasing investment", "We will carry out the plan.", False, 60, False),
        ("regional conflicts and interwoven contradictions, the United", "Nations alone", False, 1500, False),
        # lower-case ordinals continue ("the first half"), capitalized ones start an item
        ("In the", "first half of this year contracted foreign investment", False, 60, True),
        ("We will do three things.", "First, stabilize growth.", False, 60, False),
        # a colon at a wrapped line's end, with the sentence going on
        ("revitalization of ten key industries:", "automobiles, steel, textiles and shipbuilding", False, 40, True),
        ("The main tasks are:", "1. Stabilize growth", False, 40, False),
        # Chinese: a number at a line's start is no list item; a numbered line with a sentence
        # end inside is a paragraph's first line, not a heading
        ("地方财政总收入完成20.67亿元，同比增长", "28.8%。商贸中心辐射带动能力显著增强", True, 24, True),
        ("（三）统筹城乡发展，推进社会主义新农村建设。解决好农业、农村", "、农民问题，事关全面建设小康社会大局",
         True, 30, True),
        ("（三）统筹城乡发展，推进社会主义新农村建设", "解决好农业、农村、农民问题", True, 24, False),
        ("他说：", "“一要吃饭，二要建设。”", True, 30, False),
        ("陈云同志强调经济建设和人民生活必须兼顾，他说：", "“一要吃饭，二要建设。”", True, 25, True),
    ],
)
def test_joins_hard_wrapped_lines(prev: str, nxt: str, zh: bool, width: int, expected: bool) -> None:
    assert joins(prev, nxt, zh, width) is expected


def test_wrapped_statement_gives_whole_sentences() -> None:
    """As China's 1993 UN statement reads in ../shared/corpora (a PDF's text, 60 columns)."""
    text = (
        "It must be noted that in a world troubled by recurrent\n"
        "regional conflicts and interwoven contradictions, the United\n"
        "Nations alone cannot hope to resolve all international\n"
        "disputes. The Chinese Government is of the view that, in\n"
        "keeping with developments, the United Nations should be\n"
        "restructured. In the\n"
        "first half of this year contracted foreign investment grew.\n"
        "17. Moreover, some countries pointed out that the security of\n"
        "\n"
        "the Mediterranean was at stake.\n"
    )
    assert [s for _, s in _sentences(text)] == [
        "It must be noted that in a world troubled by recurrent regional conflicts and interwoven contradictions, "
        "the United Nations alone cannot hope to resolve all international disputes.",
        "The Chinese Government is of the view that, in keeping with developments, the United Nations should be "
        "restructured.",
        "In the first half of this year contracted foreign investment grew.",
        # across a page break (a blank line, then the sentence goes on in lower case)
        "17. Moreover, some countries pointed out that the security of the Mediterranean was at stake.",
    ]


def test_number_broken_over_two_lines_of_chinese() -> None:
    text = "我国设备存量规模庞大，更新换代的需求十分可观。到２０２\n７年，设备投资规模要比２０２３年增长２５％\n以上。"
    assert [s for _, s in _sentences(text, "zh")] == [
        "我国设备存量规模庞大，更新换代的需求十分可观。", "到2027年，设备投资规模要比2023年增长25%以上。"]
    assert tidy("in 2019\n2020 was a hard year.") == "in 2019 2020 was a hard year."  # English: two numbers


# ---------------------------------------------------------------- invisible marks (issue 15)

INVISIBLE = "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2066\u2067\u2068\u2069\ufeff\u3164"


@pytest.mark.parametrize("mark", list(INVISIBLE))
def test_a_line_of_invisible_marks_is_no_sentence(mark: str) -> None:
    text = f"Growth held up.\n{mark * 3}\n{mark} Investment rose.{mark}\n"
    got = segment_statement(Statement(id="t", text=text, origin="t", date="2023", lang="en"))
    assert [s.sentence for s in got.sentences] == ["Growth held up.", "Investment rose."]
    zh = segment_statement(Statement(id="t", text=f"增长。\n{mark * 2}\n投资。", origin="t", date="2023", lang="zh"))
    assert [s.sentence for s in zh.sentences] == ["增长。", "投资。"]


def test_short_text_is_not_taken_for_a_wrapped_one() -> None:
    """In two lines the longest says nothing about a wrap width: a title stays a title."""
    assert [s for _, s in _sentences("Title line without period\nWe will expand investment.\n")] == [
        "Title line without period", "We will expand investment."]


# ---------------------------------------------------------------- speaker tags inside a line (issue 13)


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        # a turn after a question, a role after any sentence end, a role run onto a word
        ("What will you do in 2023? Jin Zhuanglong: In 2023, we will focus on manufacturing.", "en",
         [("", "What will you do in 2023?"), ("Jin Zhuanglong", "In 2023, we will focus on manufacturing.")]),
        ("We will improve the system Reporter: What comes next? Vice Minister Li: Thank you.", "en",
         [("", "We will improve the system"), ("Reporter", "What comes next?"), ("Vice Minister Li", "Thank you.")]),
        ("Growth held up. Q: Is the target realistic? A: Yes.", "en",
         [("", "Growth held up."), ("Q", "Is the target realistic?"), ("A", "Yes.")]),
        ("请问2023年有何打算？金壮龙：2023年，我们将推进新型工业化。", "zh",
         [("", "请问2023年有何打算？"), ("金壮龙", "2023年，我们将推进新型工业化。")]),
        ("我们将扩大内需。记者：下一步有何打算？“十四五”怎么看？”国家发展改革委新闻发言人：今年投资平稳增长。", "zh",
         [("", "我们将扩大内需。"), ("记者", "下一步有何打算？"), ("记者", "“十四五”怎么看？”"),
          ("国家发展改革委新闻发言人", "今年投资平稳增长。")]),
        # a speaker named before is known after any sentence end
        ("Jin Zhuanglong: Thank you. Reporter: And exports? Thank you. Jin Zhuanglong: They grew.", "en",
         [("Jin Zhuanglong", "Thank you."), ("Reporter", "And exports?"), ("Reporter", "Thank you."),
          ("Jin Zhuanglong", "They grew.")]),
    ],
)
def test_speaker_tag_inside_a_line(text: str, lang: str, expected: list[tuple[str, str]]) -> None:
    assert _sentences(text, lang) == expected


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("The figures are preliminary. Note: They will be revised.", "en"),
        ("Delegates came from two cities. Beijing: 40 delegates attended.", "en"),
        ("Who came? Beijing: 40 delegates attended.", "en"),  # one word after a question: a place as often
        ("The law is clear. Article 3: The state shall act.", "en"),
        ("The meeting opens at 10:30. It ends at 12:00.", "en"),
        ("Exports and imports grew 3:1. Investment rose.", "en"),
        ("See http://www.gov.cn/zhengce/a.html. Details: The plan has ten parts.", "en"),
        ("The plan covers the following: investment, consumption and trade.", "en"),
        ("Growth was strong. The question: How long will it last?", "en"),
        ("We chose between two plans. Plan A: Build more roads.", "en"),
        ("Two kinds were funded. a: roads, b: rail.", "en"),
        ("Lenin pointed out on one occasion: \"We judge a person by deeds.\"", "en"),
        ("As the report put it. Chairman Mao pointed out: \"Who are our enemies?\"", "en"),
        ("知行合一，贵在行动。古人说：“非知之难，行之惟难。”孔子说：“学而时习之。”", "zh"),
        ("各地都在行动。江苏：新增就业120万人。目标：增长5%。一是：扩大消费。", "zh"),
        ("会议于上午召开。10：30，代表们开始讨论。三次产业结构为3.6 : 48 : 48.4。", "zh"),
    ],
)
def test_colons_inside_a_line_that_are_no_speaker_tag(text: str, lang: str) -> None:
    stmt = Statement(id="t", text=text, origin="t", date="2023", lang=lang)
    res = segment_statement(stmt)
    assert res.removed == []
    assert {s.speaker for s in res.sentences} == {""}
    assert inline_speaker_tags(normalize(text), set()) == []


def test_every_speaker_tag_cut_is_recorded() -> None:
    """A tag is not content (THEMES.md rule 5): it goes, and the removal says where and why."""
    text = "Reporter: How will the plan help? Spokesperson: It adds demand.\n记者：还有吗？孟凡：没有了。"
    res = segment_statement(Statement(id="t", text=text, origin="t", date="2023", lang="en"))
    assert [(r.line, r.reason, r.text, text[r.start : r.end].strip()) for r in res.removed] == [
        (1, "speaker tag", "Reporter:", "Reporter:"), (1, "speaker tag", "Spokesperson:", "Spokesperson:"),
        (2, "speaker tag", "记者：", "记者："), (2, "speaker tag", "孟凡：", "孟凡：")]
    assert [s.speaker for s in res.sentences] == ["Reporter", "Spokesperson", "记者", "孟凡"]
    assert not any(":" in s.sentence or "：" in s.sentence for s in res.sentences)
