"""Sentence segmentation for English (Punkt) and Chinese, with offsets into the source.

English uses Punkt's decision rules (Kiss & Strunk 2006, as in NLTK's second pass:
abbreviations, initials, numbers, the orthographic heuristic, sentence starters and
collocations) with NLTK's English parameters, but applies them only at candidate
ends found by one regular expression instead of annotating every token, several times
faster. Rules Punkt lacks are added for numbered paragraphs, headings and lists, spaced
ellipses, closing quotes before a lower-case word and sentence-final `etc.`/`p.m.`.
`segmenter="nltk"` runs NLTK's own PunktSentenceTokenizer with the same parameters instead.

The two make the same decisions except where those rules apply (`boundary_kind` names the
kinds, `DIFFERENCE_KINDS`; `scripts/compare_splitters.py` counts them; a test holds every
difference to them). Measured on the same cleaned text: China's 28 UN statements
(`../shared/corpora/ungd_china_en`) have 5,044 boundaries, 230 of which (4.6%, in 11
statements) differ: 220 at paragraph numbers ("98. The ...": Punkt makes "98." a sentence),
4 at `?`/`!` or a closing quote before a lower-case word (Punkt breaks), 4 at spaced
ellipses, 2 at stray punctuation. The team's 94 sample statements: 28 of 649 differ, all
at list and heading numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from .clean import Block, clean, is_tidy, normalize, tidy
from .punkt_model import PunktModel, load
from .records import Sentence, Statement, StatementResult
from .script import HAN_CLASS, lang_of

Span = tuple[int, int]

# Punkt's orthographic context flags (nltk.tokenize.punkt).
_BEG_UC, _MID_UC, _UNK_UC = 1 << 1, 1 << 2, 1 << 3
_BEG_LC, _MID_LC, _UNK_LC = 1 << 4, 1 << 5, 1 << 6
_UC = _BEG_UC | _MID_UC | _UNK_UC
_LC = _BEG_LC | _MID_LC | _UNK_LC

_CLOSERS = "\"'”’)]»」』》】"
_OPENERS = "\"'“‘([«「『《【"
# A candidate sentence end: terminal punctuation (or a spaced ellipsis), closers, then space.
# A candidate sentence end: the word before it, terminal punctuation (or a spaced
# ellipsis), closing quotes/brackets, and the next token, all in one match.
# (Written to start with a character class, which lets `re` skip to the next [.!?…] in C:
# `\.(?: \.){2,}|[.!?…]+` matches the same, three times slower; a test compares the two.)
_CANDIDATE = re.compile(
    r"(?P<p>[.!?…](?:(?<=\.)(?: \.){2,}|[.!?…]*))(?P<c>[\"'”’)\]»]*)(?=\s+(?P<next>\S+)|\s*$)"
)
_NUMBER = re.compile(r"^-?[.,]?\d[\d,.\-]*$")
_MULTI_DOT = re.compile(r"^(?:[A-Za-z]\.)+[A-Za-z]$")
_ENUMERATOR = re.compile(r"^\(?(?:\d{1,2}|[ivxlcIVXLC]{1,5}|[A-Za-z])$")
_BULLETS = "•⁃▪●◦‣∙"
# Abbreviations that end sentences more often than they precede a name: followed by a
# capitalized word (or, for `etc.`, any number) they end the sentence.
_FINAL_ABBREV = frozenset(["etc", "a.m", "p.m", "am", "pm"])
_MONTH_ABBREV = frozenset(["jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"])
_MARKER_BEFORE = " \n•⁃▪●◦‣∙"  # what may stand before a list marker's first character


def _may_end_marker(text: str, end: int) -> bool:
    """False when the token ending at `end` is surely no list marker ("3", "b", "•12").

    A marker is one letter or one or two digits at a token's start: most candidate ends
    close a longer word, and the two characters before them tell.
    """
    c1 = text[end - 1] if end else ""
    if not ("0" <= c1 <= "9" or "a" <= c1 <= "z"):
        return False
    c2 = text[end - 2] if end >= 2 else " "
    return c2 in _MARKER_BEFORE or ("0" <= c1 <= "9" and "0" <= c2 <= "9")


# A period where `_may_end_marker` can hold: most blocks have none, and then no candidate
# needs a look (a test compares the two).
_MAY_MARK = re.compile(r"\.(?:(?<=[ \n•⁃▪●◦‣∙][0-9a-z]\.)|(?<=[0-9][0-9]\.)|(?<=^[0-9a-z]\.))")
_BULLET_MID = re.compile(r"(?<=\s)[•⁃▪●◦‣∙]")
_BULLET_ANY = re.compile(r"[•⁃▪●◦‣∙]")
_NEXT_TOKEN = re.compile(r"\s+(\S+)")
_WORD_EDGE = re.compile(r"^[\"'“‘(\[«「『《【]+|[\"'”’)\]»」』》】.,;:!?]+$")


def _marker_value(token: str) -> int:
    """The number of a list marker ("3", "•3", "c" -> 3), or 0 when it is not one."""
    word = token.lstrip(_BULLETS)
    if not word.isascii() or not 0 < len(word) <= 2:
        return 0
    if word.isdigit():
        return int(word)
    return ord(word) - 96 if len(word) == 1 and "a" <= word <= "z" else 0


class EnglishSegmenter:
    """Punkt's boundary decisions at candidate positions only."""

    def __init__(self, model: PunktModel | None = None) -> None:
        self.model = model or load()
        self._abbrev = self.model.abbrev_types
        self._starters = self.model.sent_starters
        self._colloc = self.model.collocations
        self._ortho = self.model.ortho_context

    def _ortho_heuristic(self, word: str) -> bool | None:
        """True: surely starts a sentence; False: surely not; None: unknown (Punkt)."""
        if not word or word in ";:,.!?":
            return False
        ctx = self._ortho.get(word.lower(), 0)
        first = word[0]
        if first.isupper() and ctx & _LC and not ctx & _MID_UC:
            return True
        if first.islower() and (ctx & _UC or not ctx & _BEG_LC):
            return False
        return None

    @staticmethod
    def _list_breaks(text: str, cands: list[re.Match[str]], bullets: bool) -> list[int]:
        """Forced breaks before inline list items: `1. x 2. y`, `a) x b) y`, bullets.

        Markers come from the candidate ends already found ("1.", "b.", "2.)"), plus a
        scan for "1)" only when the text has a ") ", so plain prose costs nothing extra.
        """
        breaks = [m.start() for m in _BULLET_MID.finditer(text)] if bullets else []
        marks: list[tuple[int, int]] = []  # (position of the item's first character, value)
        for m in cands if _MAY_MARK.search(text) else ():
            start = m.start()
            if not _may_end_marker(text, start) or m.group("p") != "." or m.group("c") not in ("", ")"):
                continue
            tok = _token_start(text, start)
            value = _marker_value(text[tok:start])
            if value:
                marks.append((tok, value))
        i = text.find(") ")
        while i > 0:
            tok = _token_start(text, i)
            value = _marker_value(text[tok:i])
            if value:
                marks.append((tok, value))
            i = text.find(") ", i + 2)
        marks.sort()
        if len(marks) >= 2:
            run: list[tuple[int, int]] = []

            def flush() -> None:
                if len(run) >= 2 and (run[0][0] == 0 or run[0][1] == 1):
                    for pos, _ in run[1:]:
                        before = text[:pos].rstrip(" ")
                        breaks.append(len(before) - 1 if before and before[-1] in _BULLETS else pos)

            for mark in marks:
                if run and mark[1] == run[-1][1] + 1:
                    run.append(mark)
                    continue
                flush()
                run = [mark]
            flush()
        return sorted(set(breaks))

    def _decide(self, text: str, m: re.Match[str], sent_start: int) -> int | None:
        """The break position for candidate `m`, or None to keep the sentence going."""
        next_tok = m.group("next")
        if next_tok is None:
            return None
        end = m.end()
        core = m.group("p")
        first = next_tok[0]
        if first in _OPENERS and len(next_tok) > 1:
            first = next_tok.lstrip(_OPENERS)[:1] or first
        start = m.start()
        tok_start = _token_start(text, start)
        word = text[tok_start:start]
        if core == ".":
            if (first.isupper() and len(word) > 2 and word.isalpha() and word.islower() and not m.group("c")
                    and word not in self._abbrev and word not in _FINAL_ABBREV):
                return end  # the common case: "... investment. The ..."
        elif " " in core:  # spaced ellipsis ". . ." / ". . . ."
            if not first.isupper():
                return None
            if core.count(".") >= 4:
                return start + 1 if word else end
            return None
        else:
            if word.endswith("["):
                return None  # "[...]": an omission mark
            return None if first.islower() else end
        if m.group("c") and first.islower():
            return None
        # A single period: look at the word it ends.
        word = word.lstrip(_OPENERS)
        if not word:
            return end
        if len(word) <= 6 and _ENUMERATOR.match(word.lstrip(_BULLETS)) and not text[
            sent_start:tok_start
        ].strip(_BULLETS + " \n"):
            return None  # "1. The first item", "• 9. Item", "II. Investment"
        next_word = _WORD_EDGE.sub("", next_tok) or next_tok
        first = next_word[0]
        wl = word.lower()
        is_number = bool(_NUMBER.match(word))
        is_initial = len(word) == 1 and word.isalpha()
        nl = "##number##" if _NUMBER.match(next_word) else next_word.lower()
        if (is_number or is_initial) and ("##number##" if is_number else wl, nl) in self._colloc:
            return None
        is_abbrev = not is_initial and (
            wl in self._abbrev or wl.rsplit("-", 1)[-1] in self._abbrev or bool(_MULTI_DOT.match(word))
        )
        if is_abbrev:
            if wl in _FINAL_ABBREV and (first.isupper() or nl == "##number##"):
                return end
            if wl in _MONTH_ABBREV and first.isupper():
                return end  # a month abbreviation mid-sentence is followed by a day
            if self._ortho_heuristic(next_word) is True:
                return end
            if first.isupper() and nl in self._starters:
                return end
            return None
        if is_initial or is_number:
            ortho = self._ortho_heuristic(next_word)
            if ortho is False:
                return None
            if ortho is None and is_initial and first.isupper() and not self._ortho.get(nl, 0) & _LC:
                return None
            if is_initial and wl in self._abbrev and not (first.isupper() and nl in self._starters):
                return None
            return end
        return end

    def spans(self, text: str) -> list[Span]:
        """Sentence spans of one block of text (stripped of surrounding space)."""
        cands = list(_CANDIDATE.finditer(text))
        bullets = not text.isascii() and _BULLET_ANY.search(text) is not None
        if (not bullets and (not cands or (len(cands) == 1 and cands[0].group("next") is None))
                and ") " not in text):
            return _spans_from_breaks(text, [])  # one sentence: nothing to decide
        forced = self._list_breaks(text, cands, bullets)
        breaks: list[int] = []
        sent_start = 0
        fi = 0
        nf = len(forced)
        decide = self._decide
        for m in cands:
            if fi < nf:
                while fi < nf and forced[fi] <= m.start():
                    breaks.append(forced[fi])
                    sent_start = forced[fi]
                    fi += 1
            pos = decide(text, m, sent_start)
            if pos is not None:
                breaks.append(pos)
                sent_start = m.start("next") if pos == m.end() and m.group("next") else pos
        if fi < nf:
            breaks.extend(forced[fi:])
        if nf:
            breaks = sorted(set(breaks))
        return _spans_from_breaks(text, breaks)


#: How far back a candidate's word is looked for: longer "words" are no abbreviation or list
#: marker, and an unbounded search made one huge paragraph without line breaks quadratic.
_WORD_LOOKBACK = 64


def _token_start(text: str, end: int) -> int:
    """Start of the whitespace-delimited token ending at `end` (at most `_WORD_LOOKBACK` back)."""
    lo = max(0, end - _WORD_LOOKBACK)
    return max(text.rfind(" ", lo, end), text.rfind("\n", lo, end), lo - 1) + 1


def _spans_from_breaks(text: str, breaks: list[int]) -> list[Span]:
    """Spans between sorted break positions, with surrounding whitespace left out."""
    out: list[Span] = []
    prev = 0
    for b in [*breaks, len(text)]:
        piece = text[prev:b]
        s = prev + len(piece) - len(piece.lstrip())
        e = prev + len(piece.rstrip())
        if e > s:
            out.append((s, e))
        prev = b
    return out


# `[。！？!?]+[”’」』）)》】〕"']*|…{2,}(?=[”’」』）)]*$)`, written to start with a class (see _CANDIDATE).
_ZH_CANDIDATE = re.compile(r"[。！？!?…](?:(?<=…)…+(?=[”’」』）)]*$)|(?<!…)[。！？!?]*[”’」』）)》】〕\"']*)")


def split_zh(text: str) -> list[Span]:
    """Chinese: break after 。！？ and their closing quotes/brackets, never inside 《》.

    Semicolons do not break: an enumeration 一是……；二是……。 stays one sentence, as
    the labeling guide reads it as one statement of intent.
    """
    breaks: list[int] = []
    depth = 0
    pos = 0
    for m in _ZH_CANDIDATE.finditer(text):
        seg = text[pos : m.start()]
        depth = max(0, depth + seg.count("《") - seg.count("》"))
        pos = m.start()
        if depth > 0:
            continue
        breaks.append(m.end())
    return _spans_from_breaks(text, breaks)


@lru_cache(maxsize=2)
def _english(policy: bool = True) -> EnglishSegmenter:
    return EnglishSegmenter(load(policy))


@lru_cache(maxsize=2)
def _nltk_tokenizer(policy: bool = True) -> Any:
    from nltk.tokenize.punkt import PunktSentenceTokenizer

    from .punkt_model import nltk_parameters

    return PunktSentenceTokenizer(nltk_parameters(policy))


def split_en(text: str, segmenter: str = "fast") -> list[Span]:
    """English sentence spans of one block (`fast`, or `nltk` for NLTK's own Punkt)."""
    if segmenter == "nltk":
        return [(s, e) for s, e in _nltk_tokenizer().span_tokenize(text)]
    return _english().spans(text)


#: The language of one block (a statement may mix English and Chinese paragraphs): the same
#: detector as the statement's, so a one-paragraph statement and its paragraph agree.
block_lang = lang_of


#: An English sentence end inside a Chinese block ("... demand. 我们"), an English sentence
#: after a Chinese end ("内需。We will", a bilingual paragraph Han enough to be `zh`), and a
#: Chinese end inside an English block: such blocks are split by both languages' rules.
_EN_END_IN_ZH = re.compile(f"[a-z][a-z][.!?][\"'”’)]*[ \t]+[A-Z{HAN_CLASS}“\"]")
_EN_AFTER_ZH_END = re.compile(r"[。！？][”’」』）)]*[ \t]*[A-Z][a-z]* [a-z]")
_ZH_END = re.compile(r"[。！？]")


def is_mixed(text: str, lang: str) -> bool:
    """Whether a block of `lang` also holds sentences of the other language."""
    if lang == "zh":
        # Both English patterns need a space or a tab, which most Chinese blocks lack.
        return (" " in text or "\t" in text) and (_EN_END_IN_ZH.search(text) is not None
                                                  or _EN_AFTER_ZH_END.search(text) is not None)
    return not text.isascii() and _ZH_END.search(text) is not None


def split_block(text: str, lang: str, segmenter: str = "fast", mixed: bool | None = None) -> list[Span]:
    """Sentence spans of one block in its language; a mixed block is split by the rules of
    its language, then each piece by the other's (`mixed`: `is_mixed`, if already known)."""
    if not (is_mixed(text, lang) if mixed is None else mixed):
        return split_zh(text) if lang == "zh" else split_en(text, segmenter)
    pieces = split_zh(text) if lang == "zh" else split_en(text, segmenter)
    spans: list[Span] = []
    for a, b in pieces:
        inner = split_en(text[a:b], segmenter) if lang == "zh" else split_zh(text[a:b])
        spans.extend((a + c, a + d) for c, d in inner)
    return spans


def segment_statement(stmt: Statement, segmenter: str = "fast") -> StatementResult:
    """Clean one statement and split its content into traceable sentences."""
    norm = normalize(stmt.text)
    cleaned = clean(stmt, norm)
    sentences: list[Sentence] = []
    date = stmt.date or ""
    for block in cleaned.blocks:
        sentences.extend(_block_sentences(stmt, norm, block, date, len(sentences), segmenter))
    return StatementResult(stmt, sentences, cleaned.removed)


def _block_sentences(
    stmt: Statement, norm: str, block: Block, date: str, index: int, segmenter: str
) -> list[Sentence]:
    text = norm[block.start : block.end]
    lang = block_lang(text)
    mixed = is_mixed(text, lang)
    spans = split_block(text, lang, segmenter, mixed)
    out: list[Sentence] = []
    sid, source, speaker, base = stmt.id, stmt.source, block.speaker, block.start
    if mixed:  # each sentence of a mixed block in its own language
        for s, e in spans:
            sent = tidy(text[s:e])
            if sent:
                out.append(Sentence(sid, date, source, block_lang(sent), speaker, index + len(out), base + s,
                                    base + e, sent))
        return out
    if is_tidy(text):  # then every span of it is already tidy: spans come stripped
        for s, e in spans:
            out.append(Sentence(sid, date, source, lang, speaker, index + len(out), base + s, base + e, text[s:e]))
        return out
    for s, e in spans:
        sent = tidy(text[s:e])
        if not sent:
            continue
        out.append(Sentence(sid, date, source, lang, speaker, index + len(out), base + s, base + e, sent))
    return out


# --- The fast splitter against NLTK's own Punkt (scripts/compare_splitters.py, tests) ---


@dataclass(slots=True)
class SplitterDifferences:
    """Sentence boundaries of one statement's English blocks by both splitters (a boundary:
    where a sentence starts inside a block); the differing ones as (block text, position)."""

    n_blocks: int = 0
    n_fast: int = 0
    n_nltk: int = 0
    n_common: int = 0
    only_fast: list[tuple[str, int]] = field(default_factory=list)
    only_nltk: list[tuple[str, int]] = field(default_factory=list)


def splitter_differences(stmt: Statement) -> SplitterDifferences:
    """Both splitters on the same cleaned blocks of `stmt`, as `segment` cleans them."""
    norm = normalize(stmt.text)
    out = SplitterDifferences()
    for block in clean(stmt, norm).blocks:
        text = norm[block.start : block.end]
        lang = block_lang(text)
        if lang != "en" and not is_mixed(text, lang):
            continue
        fast = {s for s, _ in split_block(text, lang, "fast")[1:]}
        ref = {s for s, _ in split_block(text, lang, "nltk")[1:]}
        out.n_blocks += 1
        out.n_fast += len(fast)
        out.n_nltk += len(ref)
        out.n_common += len(fast & ref)
        out.only_fast.extend((text, p) for p in sorted(fast - ref))
        out.only_nltk.extend((text, p) for p in sorted(ref - fast))
    return out


#: The kinds of boundary where the two splitters are known to differ (`boundary_kind`).
DIFFERENCE_KINDS = (
    "list, paragraph or heading number",  # "12. The ...", "III. Tasks", "a. x b. y": Punkt makes "12." a sentence
    "spaced ellipsis",  # ". . ." inside a sentence: Punkt breaks at each period
    "end mark, quote or bracket before a lower-case word",  # '"Stop thief!" and ...': Punkt breaks there
    "abbreviation ending a sentence",  # "etc. 124. We ...": our rule for etc., a.m., p.m., months
    "stray punctuation or no space",  # `.."` or `."“The`: Punkt's tokens differ from our candidates
)


def _is_marker(token: str, block_start: bool) -> bool:
    """A list, paragraph or heading number: "12.", "•3.", "2.)", "b.", or "IV." opening a block."""
    if not token.endswith((".", ")")):
        return False
    core = token.lstrip(_BULLETS).rstrip(".)")
    return core.isdigit() or _marker_value(core) > 0 or (block_start and bool(_ENUMERATOR.match(core)))


def boundary_kind(text: str, pos: int) -> str:
    """Which of `DIFFERENCE_KINDS` a boundary at `pos` (a sentence start in `text`) is, or `other`."""
    before = text[:pos].rstrip()
    tok_start = _token_start(before, len(before))
    prev_tok = before[tok_start:]
    next_tok = text[pos:].split(maxsplit=1)[0] if text[pos:].strip() else ""
    if _is_marker(prev_tok, not before[:tok_start].strip()) or _is_marker(next_tok, False):
        return DIFFERENCE_KINDS[0]
    if before.endswith(". .") or next_tok == ".":
        return DIFFERENCE_KINDS[1]
    if before[-1:] in _CLOSERS + "?!" and next_tok.lstrip(_OPENERS)[:1].islower():
        return DIFFERENCE_KINDS[2]
    if prev_tok.endswith(".") and prev_tok.rstrip(".").lower() in _FINAL_ABBREV | _MONTH_ABBREV:
        return DIFFERENCE_KINDS[3]
    if pos == len(before) or not next_tok.lstrip(_OPENERS)[:1].isalnum():
        return DIFFERENCE_KINDS[4]
    return "other"
