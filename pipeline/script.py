"""Writing systems in one place: the Han code-point ranges, the language detector, and
Traditional Chinese.

Every module that asks "is this Chinese?" uses these ranges and `lang_of`, so a text cannot be
Chinese to one stage and not to another (a statement `zh` to the reader and its only paragraph
`en` to the segmenter, as two detectors with different thresholds once made it). Traditional
characters are folded to Simplified (OpenCC's t2s, a maintained converter) before features are
counted, so a Traditional copy of a statement is read like its Simplified original; outputs keep
the original text.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from .config import ZH_HAN_SHARE

#: The Han ideograph blocks (CJK Extension A, Unified Ideographs, Compatibility Ideographs).
HAN_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))
#: The same ranges as the inside of a regular-expression character class.
HAN_CLASS = "".join(f"\\u{lo:04x}-\\u{hi:04x}" for lo, hi in HAN_RANGES)
HAN_RUN = re.compile(f"[{HAN_CLASS}]+")
HAN_CHAR = re.compile(f"[{HAN_CLASS}]")
#: CJK symbols and punctuation (`。`, `、`, the ideographic space) and the full-width forms (`，`,
#: `：`): written inside Chinese text, so no space belongs beside them either.
CJK_PUNCT_RANGES = ((0x3000, 0x303F), (0xFF00, 0xFFEF))
#: Han characters and that punctuation, as the inside of a character class.
CJK_CLASS = HAN_CLASS + "".join(f"\\u{lo:04x}-\\u{hi:04x}" for lo, hi in CJK_PUNCT_RANGES)
CJK_CHAR = re.compile(f"[{CJK_CLASS}]")

# Counted by removing runs (one match per run, not per character), written `[x][x]*` so that
# `re` skips to a run's first character in C.
_HAN_RUNS = re.compile(f"[{HAN_CLASS}][{HAN_CLASS}]*")
_LATIN_RUNS = re.compile(r"[A-Za-z][A-Za-z]*")


def lang_of(text: str) -> str:
    """`zh` when Han characters make up at least `config.ZH_HAN_SHARE` of the words, a Han
    character counted as a word and four Latin letters as one (a short English word), else `en`.

    The one detector: a statement (readers), each block of it and each sentence of a mixed
    block (segment), and each line of `classify --sentences` are all judged by it.
    """
    if text.isascii():
        return "en"
    han = len(text) - len(_HAN_RUNS.sub("", text))
    if han == 0:
        return "en"
    latin = len(text) - len(_LATIN_RUNS.sub("", text))
    return "zh" if han >= ZH_HAN_SHARE * (han + latin / 4) else "en"


@lru_cache(maxsize=1)
def _t2s() -> tuple[re.Pattern[str], Any]:
    """OpenCC's Traditional-to-Simplified converter and a pattern that finds any character it
    changes on its own (built once, in about 20 ms): text without one is left as it is, so
    Simplified and English text pay one regex scan."""
    import opencc

    conv = opencc.OpenCC("t2s")
    chars = [chr(i) for lo, hi in HAN_RANGES for i in range(lo, hi + 1)]
    out = conv.convert("".join(chars))
    if len(out) == len(chars):
        changed = [a for a, b in zip(chars, out, strict=True) if a != b]
    else:  # pragma: no cover - a converter that changes lengths: character by character
        changed = [c for c in chars if conv.convert(c) != c]
    return re.compile("[" + "".join(changed) + "]"), conv


def is_traditional(text: str) -> bool:
    """True when the text has a character that only Traditional Chinese writes that way."""
    return not text.isascii() and _t2s()[0].search(text) is not None


def to_simplified(text: str) -> str:
    """The text with Traditional characters folded to Simplified (phrase-aware), else as given."""
    if text.isascii():
        return text
    pattern, conv = _t2s()
    return str(conv.convert(text)) if pattern.search(text) else text


def script_of(text: str) -> str:
    """`traditional`, `simplified` (Han text without Traditional-only characters) or `` (no Han)."""
    if text.isascii() or not HAN_RUN.search(text):
        return ""
    return "traditional" if is_traditional(text) else "simplified"
