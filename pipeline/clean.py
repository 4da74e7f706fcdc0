"""Cleaning: remove web-page furniture, find speaker turns, rejoin broken lines.

Cleaning never rewrites the text it keeps: it returns content *blocks* as spans of
the original text, and `normalize` is a one-to-one character map, so every offset
found later still points into the input. Small, separately testable rules decide
what a line is; each removal carries its reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from .records import Removed, Statement
from .script import CJK_CHAR, CJK_CLASS, HAN_CLASS

# ---------------------------------------------------------------- normalization

_NORMALIZE = {c: c - 0xFEE0 for c in range(0xFF10, 0xFF1A)}  # full-width digits
_NORMALIZE.update({c: c - 0xFEE0 for c in range(0xFF21, 0xFF3B)})  # A-Z
_NORMALIZE.update({c: c - 0xFEE0 for c in range(0xFF41, 0xFF5B)})  # a-z
_NORMALIZE.update({0xFF05: ord("%"), 0xFF0E: ord("."), 0x3000: ord(" "), 0x00A0: ord(" "),
                   0x2002: ord(" "), 0x2003: ord(" "), 0x2009: ord(" "), 0x200B: ord(" "),
                   0xFEFF: ord(" "), 0x0D: ord(" "), 0x09: ord(" "), 0x0B: ord(" "),
                   0x0C: ord(" "), 0x85: ord(" "), 0x2028: ord(" "), 0x2029: ord(" "),
                   0x00: ord(" ")})
# Invisible marks (zero-width, bidi controls, Hangul fillers): spaces, so a line of nothing else
# is blank and no sentence starts or ends with one. Chinese and English text never needs them.
_INVISIBLE = (0x061C, 0x115F, 0x1160, 0x180E, 0x200C, 0x200D, 0x200E, 0x200F, *range(0x202A, 0x202F),
              *range(0x2060, 0x2065), *range(0x2066, 0x2070), 0x2800, 0x3164, 0xFFA0)
_NORMALIZE.update(dict.fromkeys(_INVISIBLE, ord(" ")))
_NORMALIZE_LONE_CR = dict(_NORMALIZE)
_NORMALIZE_LONE_CR[0x0D] = ord("\n")
# Most texts have nothing to map; finding that out is ten times cheaper than `translate`.
_NORMALIZE_ASCII = "".join(chr(c) for c in sorted(_NORMALIZE) if c < 128)
_NORMALIZE_ANY = re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(_NORMALIZE)) + "]")


def normalize(text: str) -> str:
    """Full-width digits/letters to ASCII, odd spaces and invisible marks to spaces; same
    length as `text`.

    `\\r` becomes a space (CRLF ends) or, in a file with no `\\n` at all, a line break.
    """
    if "\r" in text and "\n" not in text:
        return text.translate(_NORMALIZE_LONE_CR)
    if text.isascii():
        if not any(c in text for c in _NORMALIZE_ASCII):
            return text
    elif not _NORMALIZE_ANY.search(text):
        return text
    return text.translate(_NORMALIZE)


_WS = re.compile(r"\s+")
# No space belongs beside a Han character or CJK punctuation; `_CJK_ANY` is the cheap test for
# any of them first (the same class, so `tidy` and `is_tidy` agree).
_WS_NEAR_HAN = re.compile(rf"(?<=[{CJK_CLASS}])\s+|\s+(?=[{CJK_CLASS}])")
_CJK_ANY = CJK_CHAR
_WS_RUN = re.compile(r"\s{2,}|[\t\n\r\f\v]")


# A line break between two digits of Chinese text: a wrap inside a number ("到202" | "7年"),
# as browsers and PDF writers break runs of full-width digits.
_DIGIT_BREAK = re.compile(r"(?<=\d)[ \t]*\n\s*(?=\d)")


def tidy(span: str) -> str:
    """Sentence text from a normalized span: whitespace collapsed, none beside Chinese (nor
    a line break inside a number of Chinese text)."""
    s = span.strip()
    if "\n" in s and _CJK_ANY.search(s):
        s = _DIGIT_BREAK.sub("", s)
    if _WS_RUN.search(s):
        s = _WS.sub(" ", s)
    if " " in s and _CJK_ANY.search(s):
        s = _WS_NEAR_HAN.sub("", s)
    return s


def is_tidy(text: str) -> bool:
    """True only when `tidy` leaves every stripped span of `text` as it is: one check per block,
    not one per sentence. False may be wrong (then each sentence is tidied, to the same result).

    `isprintable` is false for every whitespace character but the space, so a printable text
    without two spaces in a row has no run that `tidy` would collapse; it is one scan in C,
    several times cheaper than the regular expression.
    """
    return text.isprintable() and "  " not in text and (" " not in text or text.isascii()
                                                         or not _CJK_ANY.search(text))


# ---------------------------------------------------------------- line rules

_DATE_CORE = (
    r"(?:\d{4}[-/.年]\s*\d{1,2}[-/.月]\s*\d{1,2}日?|\d{4}年\d{1,2}月"
    r"|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2},?\s+\d{4}"
    r"|\d{1,2}\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{4})"
)
_TIME = r"(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?"
_DATE_LABEL = (
    r"(?:date|time|published|posted|updated|release(?:d| time)?|发布时间|发表时间|发布日期|时间|日期|更新时间)"
)

# "Label: value" metadata that web pages print around an article.
_META_LABELS = (
    r"edit|editor|edited by|editors?|responsible editors?|chief editor|executive editor|"
    r"editor[- ]in[- ]charge|proofread(?:er|ing)?|reviewers?|reviewed by|translated by|translator|"
    r"authors?|written by|writer|photo(?:s|grapher)?|image|picture|source|sources|from|via|"
    r"published|posted|updated|release time|views|clicks|hits|read|reads|share|share to|"
    r"tags?|keywords?|column|channel|section|"
    r"编辑|责任编辑|责编|主编|值班编辑|审核|审校|审签|校对|作者|撰稿|来源|出处|稿源|摄影|图片|"
    r"图片来源|通讯员|浏览|浏览次数|点击|点击数|阅读|阅读量|分享到|分享|关键词|标签|栏目|"
    r"发布时间|发表时间|发布日期|更新时间|文章来源|信息来源|字号"
)
_META_LINE = re.compile(rf"^\W*(?:{_META_LABELS})\s*[:：]", re.I)
_META_ANY = re.compile(
    r"(?:source|editor|responsible editor|published|来源|责任编辑|编辑|发布时间|发表时间|作者|审核)\s*[:：]", re.I
)
_CONTACT_LINE = re.compile(
    r"^\W*(?:contact(?: us| information)?|e-?mail|tel|telephone|phone|fax|hotline|address|"
    r"submission(?:s| mailbox| email)?|postcode|zip code|"
    r"投稿邮箱|电子邮箱|邮箱|联系电话|电话|传真|联系方式|联系我们|地址|邮编|热线)\s*[:：]",
    re.I,
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?:\+?\d{1,3}[-\s])?(?:\(?\d{2,4}\)?[-\s]?)\d{3,4}[-\s]?\d{4}")
_COPYRIGHT_ANYWHERE = (
    r"©|\(c\)\s*\d{4}|copyright\s*(?:©|\(c\)|\d{4}|notice|statement|reserved)|all rights reserved|"
    r"版权所有|版权声明|特别声明|免责声明|转载请注明|未经\S{0,12}(?:授权|许可)\S{0,12}(?:转载|使用|复制)|"
    r"if (?:there is )?any infringement|reprinted (?:for|from)|does not represent (?:the )?(?:views|position)"
)
_COPYRIGHT_AT_START = (
    r"^\W*(?:special statement|statement|disclaimer|copyright|声明)\s*[:：]|"
    r"^\W*for (?:copyright|reprint|infringement)"
)
_COPYRIGHT = re.compile(f"{_COPYRIGHT_ANYWHERE}|{_COPYRIGHT_AT_START}", re.I)
_COPYRIGHT_START = re.compile(_COPYRIGHT_AT_START, re.I)
_REGISTRATION = re.compile(r"ICP\s*(?:备|证|license)|公网安备|网站标识码|新闻信息服务许可证|增值电信业务", re.I)
# Words one of which every match of `_COPYRIGHT_ANYWHERE` or `_REGISTRATION` contains (lower-case):
# looking for them with `in` is several times cheaper than the case-insensitive searches, which
# then run only on the few lines that have one.
_NOTICE_WORDS = (
    "©", "(c)", "copyright", "all rights reserved", "版权所有", "版权声明", "特别声明", "免责声明", "转载请注明",
    "未经", "infringement", "reprinted ", "does not represent",
    "icp", "公网安备", "网站标识码", "新闻信息服务许可证", "增值电信业务",
)
# The only non-ASCII characters that `re.I` matches to ASCII letters (a test derives them again).
_FOLDS_TO_ASCII = {0x130: "i", 0x131: "i", 0x17F: "s", 0x212A: "k"}
_FOLDS_ANY = re.compile("[" + "".join(map(chr, _FOLDS_TO_ASCII)) + "]")


def _fold(text: str) -> str:
    """`text` with the characters `re.I` matches to ASCII letters made those letters."""
    if not text.isascii() and _FOLDS_ANY.search(text):
        return text.translate(_FOLDS_TO_ASCII)
    return text


def _may_be_notice(line: str) -> bool:
    """False only when neither `_COPYRIGHT_ANYWHERE` nor `_REGISTRATION` can match `line`."""
    return any(map(_fold(line).lower().__contains__, _NOTICE_WORDS))


_NOTICE_ASCII = tuple(w.encode() for w in _NOTICE_WORDS if w.isascii())
_NOTICE_WIDE = tuple(w for w in _NOTICE_WORDS if not w.isascii())


def may_hold_notice(text: str) -> bool:
    """False only when no line of `text` can be a notice (`_may_be_notice` is false on each):
    one look over a whole statement instead of one per line. The ASCII words are looked for
    among the text's ASCII characters, lower-cased as bytes, which costs little even for
    Chinese text; a word in a line is a word there too."""
    text = _fold(text)
    if not text.isascii() and any(map(text.__contains__, _NOTICE_WIDE)):
        return True
    return any(map(text.encode("ascii", "ignore").lower().__contains__, _NOTICE_ASCII))


_NAV_WORDS = re.compile(
    r"return to (?:the )?(?:list|top|home(?:page)?)|back to (?:the )?(?:list|top|home(?:page)?)|"
    r"print(?: this)?(?: page| article)?|close(?: this)?(?: window| page)?|"
    r"share(?: to| this| on)?|links?|related (?:news|links|articles|reading|stories)|"
    r"recommended (?:reading|articles|news)|further reading|read more|more|change it|change|"
    r"next (?:article|page|story)|previous (?:article|page|story)|prev|next|home(?:page)?|top|"
    r"font size|large|medium|small|subscribe|scan (?:the )?(?:qr )?code|wechat|weibo|"
    r"facebook|twitter|linkedin|email this|site ?map|"
    r"返回列表|返回顶部|返回首页|返回|打印本页|打印|关闭窗口|关闭|分享到|分享|相关链接|相关新闻|相关阅读|"
    r"推荐阅读|延伸阅读|换一换|财经要闻|要闻|新闻中心|当前位置|您的位置|正文|上一篇|下一篇|字号|大|中|小|默认|扫一扫|二维码|微信|微博|网站地图|"
    r"联系我们|首页|收藏|纠错|【|】|\[|\]|\||>|<|/|·|•|:|：",
    re.I,
)
_BYLINE_LINE = re.compile(
    r"^(?:by|reporters?|correspondents?|本报记者|记者|通讯员|新华社记者|本报通讯员)\s+"
    rf"[\w{HAN_CLASS}·.\- ]{{1,40}}$",
    re.I,
)
_NO_TEXT = re.compile(r"^[\W_]*$")
_PAGE_NUMBER = re.compile(r"^(?:[-–—]\s*)?(?:page\s*)?\d{1,3}(?:\s*[-–—])?$|^第\s*\d{1,4}\s*页$|^[A-Za-z]$", re.I)
_END_PUNCT_ONLY = re.compile(r"^[。！？.!?”’」』）)]+$")  # the end of a sentence broken off by a wrap
_DATE_STAMP = re.compile(rf"^\W*{_DATE_LABEL}?\s*[:：]?\s*{_DATE_CORE}{_TIME}\s*", re.I)
_DATE_ONLY = re.compile(rf"^\W*{_DATE_LABEL}?\s*[:：]?\s*{_DATE_CORE}{_TIME}\W*$", re.I)
# A date stamp run into the first sentence: "date 2023-03-05 Caijing Auto News On ...".
_MEDIA = (
    r"(?-i:(?:[A-Z][\w&'.-]*\s+){0,4}(?:News|Daily|Times|Post|Net|Network|Online|Weekly|Agency|"
    r"Herald|Journal|Wire|Observer|Review|Media|Press|TV|Radio)\b)"
)
_DATELINE_PREFIX = re.compile(
    rf"^\W*{_DATE_LABEL}?\s*[:：]?\s*\d{{4}}[-/.]\d{{1,2}}[-/.]\d{{1,2}}{_TIME}(?![,，、])"
    rf"\s*(?:[|｜/—_-]\s*)?(?:{_MEDIA})?\s*[:：|—-]*\s*",
    re.I,
)
# "Title --Interview with ..." / "标题——访……" bylines joined to a title line.
_BYLINE_SUFFIX = re.compile(
    r"\s*(?:[-—–]{1,2}|——)\s*(?:an?\s+)?(?:exclusive\s+)?(?:interview|conversation|dialogue|talk)s?\s+with\b.*$"
    r"|\s*——\s*(?:访|专访|对话|记).{0,40}$",
    re.I,
)

_TERMINAL = ".!?。！？…"
_CLOSERS = "\"'”’」』）)》】〕]"
# A digit marker is followed by no digit: "28.8%" starting a wrapped line is no list item.
_LIST_START = re.compile(
    r"^(?:[•⁃▪●◦‣∙·]|\(?\d{1,2}[.)、．](?!\d)|\(?[ivxIVX]{1,4}[.)]|\(?[a-zA-Z][.)]\s|[一二三四五六七八九十]+[、.．]"
    r"|[（(][一二三四五六七八九十\d]+[）)]|第[一二三四五六七八九十\d]+[章节条部分]"
    # capitalized only: "first half of the year" on a wrapped line continues the sentence
    r"|(?-i:(?:First|Second|Third|Fourth|Fifth|Finally|Firstly|Secondly|Thirdly|FIRST|SECOND|THIRD)\b))",
    re.I,
)
_MD_PREFIX = re.compile(r"^(?:#{1,6}\s+|[-*+]\s+|>\s+)")
_HEADING_MD = re.compile(r"^#{1,6}\s+")

# Speaker turns: "Reporter:", "Jin Zhuanglong:", "记者：", "李明：". The patterns are matched at
# a line's start and, inside a line, after a sentence end (`inline_speaker_tags`).
_EN_ROLES = (
    "reporter|journalist|host|moderator|interviewer|question|answer|q|a|spokesperson|spokesman|"
    "spokeswoman|minister|vice minister|chairman|governor|mayor|director|premier|president|"
    "official|audience|participant"
)
# Words that make a tag a role wherever they stand in it ("NDRC spokesperson Meng Wei"); "Q",
# "A", "Question" and "Answer" only alone and capitalized ("Plan A:", "The question:", "a:" are
# content).
_EN_ROLE_ALONE = frozenset(("Q", "A", "Question", "Answer", "QUESTION", "ANSWER"))
_EN_ROLE_WORDS = frozenset(_EN_ROLES.replace("vice minister|", "").split("|")) - {"q", "a", "question", "answer"}
_EN_SPEAKER = re.compile(
    r"((?:[A-Z][\w.'’-]*|of|the|and|for|at|on|deputy|vice|(?:" + _EN_ROLES + r"))"
    r"(?:\s+(?:[A-Z][\w.'’-]*|of|the|and|for|at|on|deputy|vice|general|(?:" + _EN_ROLES + r"))){0,6})"
    r"\s*[:：]\s+(?=\S)",
)
# An English turn opens with a capital, a digit or a quote, unless a role speaks ("Reporter: yes"):
# "Government: first, the ..." is a wrapped sentence, "Interpretation: what it means" a title.
_EN_TURN_START = re.compile(r"[A-Z0-9\"'“‘(\[]")
_EN_NOT_SPEAKER = frozenset(
    """
    note notes source sources example examples first second third fourth fifth finally
    background objective objectives goal goals task tasks title theme topic summary abstract
    conclusion conclusions key points update updates warning important attention result results
    target targets outcome outcomes highlights data date time location venue agenda article
    section chapter part annex appendix table figure step steps phase principle principles
    purpose scope definitions measures requirements main tasks overall requirements key tasks
    keywords tags links editor related
    """.split()
)
_ZH_ROLES = "记者|主持人|问|答|发言人|新闻发言人|嘉宾|网友|提问|回答"
_ZH_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
    "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔"
    "向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌"
    "毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦"
    "麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩"
    "明佘池查麻苑迟邝"
)
_ZH_TITLES = "发言人|负责人|司长|部长|主任|局长|副部长|副主任|代表|委员"
_ZH_SPEAKER = re.compile(
    rf"((?:{_ZH_ROLES})|[{_ZH_SURNAMES}][{HAN_CLASS}]{{1,2}}|[{HAN_CLASS}]{{2,10}}(?:{_ZH_TITLES}))\s*[：:]\s*(?=\S)"
)
_ZH_NOT_SPEAKER = frozenset(
    "一是 二是 三是 目标 任务 主要目标 重点 原则 要求 总体要求 说明 注意 背景 来源 编辑 时间 地点 附件".split()
)
# A quotation, not a turn: "孔子说：", "古人云：" (a surname and a verb of saying).
_ZH_SAYS = re.compile(r"(?:说|讲|曰|指出|强调|表示|(?<=[人子])[云道])$")
_ZH_ROLE = re.compile(rf"(?:{_ZH_ROLES})$|(?:{_ZH_TITLES})$")


# A line all of navigation words and non-word characters, read as `_NAV_WORDS.sub` reads it:
# at each position the first navigation word that matches is taken for good (atomic groups),
# else one non-word character. One anchored match fails at the first ordinary word, where the
# substitution went over the whole line; a test compares the two.
_NAV_LINE = re.compile(r"(?>(?:" + _NAV_WORDS.pattern + r")|[\s\W_])*+", re.I)


def _is_nav(line: str) -> bool:
    """Short lines made only of navigation words ("Return to list", "分享到 微信")."""
    if len(line) > 60 or any(c in line for c in ".。!！?？"):
        return False
    return _NAV_LINE.fullmatch(line) is not None


def furniture_reason(line: str, notice: bool | None = None) -> str | None:
    """Why a (normalized, stripped) line is page furniture, or None for content.

    `notice`: whether the line holds a notice word (`_may_be_notice`), if already known.
    """
    if not line:
        return None
    if _NO_TEXT.match(line) and not _END_PUNCT_ONLY.match(line):
        return "no text"
    if _PAGE_NUMBER.match(line):
        return "page number"
    if len(line) > 400:
        return None  # furniture lines are short; long lines are content
    if notice is None:
        notice = _may_be_notice(line)
    if notice and _REGISTRATION.search(line):
        return "site registration"
    if (notice and _COPYRIGHT.search(line)) or _COPYRIGHT_START.match(line):
        return "copyright notice"
    # Contact details and "Label: value" metadata need a colon: most lines have none.
    colon = ":" in line or "：" in line
    if colon and len(line) <= 200 and _CONTACT_LINE.match(line):
        return "contact details"
    if colon and len(line) <= 160 and "@" in line and _EMAIL.search(line) and re.search(
        r"(?:e-?mail|邮箱|tel|电话|contact|联系|submission|投稿)\s*[:：]", line, re.I
    ):
        return "contact details"
    if len(line) <= 160 and _DATE_ONLY.match(line):
        return "date line"
    if colon and len(line) <= 200 and (_META_LINE.match(line) or ((stamp := _DATE_STAMP.match(line))
                                                                 and _META_LINE.match(line[stamp.end() :]))):
        return "page metadata"
    if colon and len(line) <= 80 and _META_ANY.search(line) and not _ends_terminal(line) and "。" not in line:
        return "page metadata"  # "新闻频道 来源：新华社 2016年12月31日": a label mid-line
    if _is_nav(line):
        return "navigation"
    if len(line) <= 60 and _BYLINE_LINE.match(line) and not any(c in line for c in "。.!?"):
        return "byline"
    return None


def speaker_tag(line: str, lang_hint: str, pos: int = 0) -> tuple[str, int] | None:
    """A speaker tag at the start of a turn (at `pos` of `line`): (speaker, where the turn's
    words start), or None."""
    if ":" not in line and "：" not in line:
        return None  # both patterns end the tag with a colon
    return _tag_at(line, pos)


def _tag_at(line: str, pos: int) -> tuple[str, int] | None:
    """`speaker_tag` without its look for a colon over the whole line (a paragraph of many
    turns would pay it at each)."""
    m = _EN_SPEAKER.match(line, pos)
    if m:
        tag = m.group(1).strip()
        words = tag.lower().split()
        if (tag.lower() not in _EN_NOT_SPEAKER and words[0] not in _EN_NOT_SPEAKER and len(tag) <= 60
                and (_EN_TURN_START.match(line, m.end()) or _is_role(tag))):
            return tag, m.end()
    m = _ZH_SPEAKER.match(line, pos)
    if m and m.group(1) not in _ZH_NOT_SPEAKER and not _ZH_SAYS.search(m.group(1)):
        return m.group(1), m.end()
    return None


# Where a turn may start inside a line: after a sentence end (and closing quotes), or, for the
# few words that only ever name a speaker, after any word ("... the system Reporter: What ...",
# text whose paragraph breaks a web page lost).
_TURN_AFTER_END = re.compile(r"(?:[.?!][\"'”’)]*[ \t]+|[。？！][\"'”’」』）)]*[ \t]*)(?=\S)")
_TURN_AFTER_WORD = re.compile(r"(?:Reporter|Journalist|Host|Moderator|Interviewer|Spokes(?:person|man|woman))"
                              r"(?=[ \t]*:[ \t]+[A-Z0-9\"“])")


def _is_role(tag: str) -> bool:
    """Whether a tag names a role ("Reporter", "NDRC spokesperson Meng Wei", "新闻发言人")."""
    if not tag.isascii():
        return _ZH_ROLE.search(tag) is not None
    return tag in _EN_ROLE_ALONE or not _EN_ROLE_WORDS.isdisjoint(tag.lower().split())


def _colons(line: str) -> Iterator[int]:
    """Where the colons of a line are (`str.find` is many times cheaper than a pattern for it)."""
    for colon in ":：":
        i = line.find(colon)
        while i >= 0:
            yield i
            i = line.find(colon, i + 1)


_WORD_END = frozenset("abcdefghijklmnopqrstuvwxyz0123456789,;")


def _turn_starts(line: str) -> list[tuple[int, str]]:
    """Where a turn may start in `line`, in order, with the end mark before it ("" after a word).

    A tag ends at a colon and is at most 60 characters long: only the sentence ends shortly
    before a colon are looked at, not every end of a long paragraph (a test compares the two).
    """
    starts = {(m.end(), line[m.start()]) for c in _colons(line)
              for m in _TURN_AFTER_END.finditer(line, max(0, c - 64), c)}
    starts.update((m.start(), "") for m in _TURN_AFTER_WORD.finditer(line)
                  if line[m.start() - 1 : m.start()] in (" ", "\t")
                  and line[max(0, m.start() - 64) : m.start()].rstrip()[-1:] in _WORD_END)
    return sorted(starts)


def inline_speaker_tags(line: str, known: set[str]) -> list[tuple[int, int, str]]:
    """Speaker tags inside a line, as (start, end, speaker): a turn cannot be told from a
    colon by its tag alone, so where it starts says whether it is one.

    After a question ("... in 2023? Jin Zhuanglong: In 2023, ...", "……？金壮龙：……") a tag of two
    words or more, a Chinese name or a role opens the answer; after another sentence end, only
    a role ("Reporter:", "记者：", "Vice Minister Li:") or a speaker already seen in the statement
    (`known`, which grows as tags are found); after a word without end punctuation, only a
    word such as "Reporter". "Note: ...", "Beijing: ...", "Article 3: ...", "10:30", "3:1" and
    URLs are none of these.
    """
    if ":" not in line and "：" not in line:
        return []
    out: list[tuple[int, int, str]] = []
    last = 0
    for pos, end_mark in _turn_starts(line):
        if pos < last or pos >= len(line):
            continue
        tag = _tag_at(line, pos)
        if tag is None:
            continue
        name, turn = tag
        answers = end_mark in ("?", "？") and not (name.isascii() and " " not in name)
        if not (answers or name in known or _is_role(name)):
            continue
        known.add(name)
        out.append((pos, turn, name))
        last = turn
    return out


# ---------------------------------------------------------------- blocks


@dataclass(slots=True)
class Block:
    """A run of content text that no sentence crosses out of (a paragraph, a heading)."""

    start: int
    end: int
    speaker: str
    heading: bool = False


@dataclass(slots=True)
class Cleaned:
    """The content blocks of one statement and what was removed from it."""

    blocks: list[Block] = field(default_factory=list)
    removed: list[Removed] = field(default_factory=list)


_EN_CONTINUE_WORDS = frozenset(
    """
    a an the and or of to in for with by on at from as that which who whose its their our this
    these those into than including such between under over about per via nor but
    """.split()
)


def _ends_terminal(s: str) -> bool:
    s = s.rstrip(_CLOSERS)
    return bool(s) and s[-1] in _TERMINAL


#: An English statement whose usual line length is at most this may be hard-wrapped (a PDF's
#: text, e-mail, a fixed-width file); above it, each line is a paragraph and its length says nothing.
WRAP_WIDTH_MAX = 150
#: Lines of proportional type (PDF text) differ in characters at the same printed width.
WRAP_SLACK = 0.9


_ZH_END_INSIDE = re.compile(r"[。！？；]")


def joins(prev: str, nxt: str, zh: bool, width: int = 0) -> bool:
    """Whether line `nxt` continues the sentence of line `prev` (a broken line).

    `width` is the statement's usual line length: a Chinese line without end
    punctuation continues only when it is about that long (wrapped, not a heading);
    in hard-wrapped English, a line continues when the next line's first word would
    not have fitted on it ("... the United" | "Nations has ..."): the wrap broke it.
    """
    if _LIST_START.match(nxt) and not prev.rstrip().endswith((",", "，", "、")):
        return False
    p = prev.rstrip()
    if p.endswith((":", "：")):  # a list or a quotation follows, unless a wrap broke a full line
        if zh:
            return width > 0 and len(p) >= max(16, 0.9 * width)
        return nxt[:1].islower() and wrapped_here(p, nxt, width)
    if _ends_terminal(p):
        return True
    if p.endswith((",", "，", "、", ";", "；", "-", "–", "(", "（", "“", "《")):
        return True
    if zh:  # a numbered line is a heading, unless a sentence ends inside it ("（三）……。解决好农业")
        return len(p) >= max(16, 0.8 * width) and (not _LIST_START.match(p) or _ZH_END_INSIDE.search(p) is not None)
    first = nxt.lstrip()[:1]
    if first.islower():
        return True
    last_word = p.rsplit(None, 1)[-1].lower() if p.split() else ""
    return last_word in _EN_CONTINUE_WORDS or wrapped_here(p, nxt, width)


def wrapped_here(prev: str, nxt: str, width: int) -> bool:
    """Whether a wrap at `width` (an English statement's usual line length) broke `prev`:
    the first word of `nxt` would have made it longer than nearly every line."""
    if not 20 <= width <= WRAP_WIDTH_MAX:
        return False
    first = nxt.split(None, 1)
    return bool(first) and len(prev) + 1 + len(first[0]) > WRAP_SLACK * width



def continues_after_blank(prev: str, nxt: str, zh: bool) -> bool:
    """Whether English `nxt` continues `prev` across blank lines: a page break inside a
    sentence, which leaves a lower-case line after a line with no end punctuation."""
    if zh or not nxt[:1].islower() or _LIST_START.match(nxt):
        return False
    p = prev.rstrip()
    return not _ends_terminal(p) and not p.endswith((":", "："))


def _usual_width(stripped: list[str]) -> int:
    """The 90th-percentile length of the non-empty lines: a wrapped line is about this long."""
    lengths = sorted(len(s) for s in stripped if s)
    return lengths[int(0.9 * (len(lengths) - 1))] if lengths else 0


def wrap_width(stripped: list[str], width: int) -> int:
    """`width` when English text looks hard-wrapped at it (at least five lines, and a quarter
    of them, filled to about that length), else 0: in a short text the longest line says
    nothing about wrapping (a title above one sentence would be joined to it)."""
    if not 20 <= width <= WRAP_WIDTH_MAX:
        return 0
    lengths = [len(s) for s in stripped if s]
    full = sum(1 for n in lengths if n >= 0.75 * width)
    return width if full >= 5 and full >= 0.25 * len(lengths) else 0


def clean(stmt: Statement, normalized: str | None = None) -> Cleaned:
    """Split a statement into content blocks, removing furniture and speaker tags."""
    text = normalized if normalized is not None else normalize(stmt.text)
    zh = stmt.lang == "zh"
    out = Cleaned()
    speaker = stmt.speaker
    para: list[tuple[int, int, str]] = []  # (start, end, stripped text) of content lines

    def flush() -> None:
        if not para:
            return
        b_start, b_end, prev = para[0]
        if len(para) == 1:  # a one-line paragraph: nothing to join
            out.blocks.append(Block(b_start, b_end, speaker, heading=not _ends_terminal(prev)))
            para.clear()
            return
        blocks: list[Block] = []
        for start, end, s in para[1:]:
            if joins(prev, s, zh, width):
                b_end = end
            else:
                blocks.append(Block(b_start, b_end, speaker, heading=not _ends_terminal(prev)))
                b_start, b_end = start, end
            prev = s
        blocks.append(Block(b_start, b_end, speaker, heading=not _ends_terminal(prev)))
        out.blocks.extend(blocks)
        para.clear()

    def remove(number: int, start: int, end: int, reason: str) -> None:
        out.removed.append(Removed(stmt.id, number, start, end, reason, text[start:end].strip()))

    # Positions are counted as the lines go: most lines are kept as they are.
    body = text[stmt.body_start :]
    raws = body.split("\n")
    stripped = [raw.strip() for raw in raws]
    width = _usual_width(stripped)
    if not zh:
        width = wrap_width(stripped, width)
    notice = None if may_hold_notice(body) else False
    number = text.count("\n", 0, stmt.body_start)
    pos = stmt.body_start
    gap = False  # blank lines since the last content line
    known: set[str] = {stmt.speaker} if stmt.speaker else set()  # speakers named so far
    for raw, s in zip(raws, stripped, strict=True):
        number += 1
        line_start, pos = pos, pos + len(raw) + 1
        if not s:
            gap = True
            continue
        if gap:
            gap = False
            if para and not continues_after_blank(para[-1][2], s, zh):
                flush()
        start = line_start + len(raw) - len(raw.lstrip())
        end = start + len(s)
        reason = furniture_reason(s, notice)
        if reason:
            flush()
            remove(number, start, end, reason)
            continue
        md = _MD_PREFIX.match(s)
        heading = False
        if md:
            heading = bool(_HEADING_MD.match(s))
            start += md.end()
            s = s[md.end() :]
        m = _DATELINE_PREFIX.match(s)
        if m and m.end() > 0 and re.search(r"\d", m.group()) and m.end() < len(s):
            remove(number, start, start + m.end(), "dateline")
            start += m.end()
            s = s[m.end() :]
        tag = speaker_tag(s, stmt.lang)
        if tag:
            flush()
            speaker = tag[0]
            known.add(speaker)
            remove(number, start, start + tag[1], "speaker tag")
            start += tag[1]
            s = s[tag[1] :]
        suffix = _BYLINE_SUFFIX.search(s) if len(s) <= 300 and ("-" in s or "—" in s or "–" in s) else None
        if suffix and suffix.start() > 0:
            remove(number, start + suffix.start(), end, "byline")
            end = start + suffix.start()
            s = s[: suffix.start()].rstrip()
            end = start + len(s)
            heading = True
        if heading:
            flush()
            out.blocks.append(Block(start, end, speaker, heading=True))
            continue
        # A turn inside the line ends the words before it (a sentence of their own); the tag
        # goes, and the words after it start a block of the new speaker.
        cut = 0
        for t_start, t_end, name in inline_speaker_tags(s, known) if (":" in s or "：" in s) else ():
            before = s[cut:t_start].rstrip()
            if before:
                para.append((start + cut, start + cut + len(before), before))
            flush()
            remove(number, start + t_start, start + t_end, "speaker tag")
            speaker = name
            cut = t_end
        if cut:
            start += cut
            s = s[cut:]
        para.append((start, end, s))
    flush()
    return out
