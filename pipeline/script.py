"""Writing systems in one place: the Han code-point ranges, and Traditional Chinese.

Every module that asks "is this Chinese?" uses these ranges, so a sentence cannot be Chinese
to one stage and not to another. Traditional characters are folded to Simplified (OpenCC's
t2s, a maintained converter) before features are counted, so a Traditional copy of a
statement is read like its Simplified original; outputs keep the original text.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

#: The Han ideograph blocks (CJK Extension A, Unified Ideographs, Compatibility Ideographs).
HAN_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))
#: The same ranges as the inside of a regular-expression character class.
HAN_CLASS = "".join(f"\\u{lo:04x}-\\u{hi:04x}" for lo, hi in HAN_RANGES)
HAN_RUN = re.compile(f"[{HAN_CLASS}]+")


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
