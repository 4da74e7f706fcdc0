"""Turning a sentence into the tokens TF-IDF counts, for English and Chinese alike.

scikit-learn's default token pattern drops single-character words, which silently
loses most Chinese; instead English gets word n-grams and runs of Han characters get
character n-grams. Digits are folded to `0` so that figures and years (which differ
between eras and corpora) are not learned as theme words.
"""

from __future__ import annotations

import re
from typing import Any

from .script import HAN_RUN, to_simplified

_LATIN = re.compile(r"[a-z0-9]+(?:['’-][a-z0-9]+)*")
# Patterns used on whole chunks start with a character class, so `re` skips to their first
# character in C (`\d+...` and `x+...|\n` forms get no such skip); tests compare them with the
# plain forms.
_DIGITS = re.compile(r"\d\d*(?:[.,]\d+)*")


class TextAnalyzer:
    """A picklable analyzer: English word n-grams plus Chinese character n-grams."""

    def __init__(self, word_ngrams: tuple[int, int] = (1, 2), char_ngrams: tuple[int, int] = (1, 2)) -> None:
        self.word_ngrams = tuple(word_ngrams)
        self.char_ngrams = tuple(char_ngrams)

    def __repr__(self) -> str:
        return f"TextAnalyzer(word_ngrams={self.word_ngrams}, char_ngrams={self.char_ngrams})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TextAnalyzer) and repr(self) == repr(other)

    def __hash__(self) -> int:
        return hash(repr(self))

    def __getstate__(self) -> dict[str, Any]:
        return {"word_ngrams": self.word_ngrams, "char_ngrams": self.char_ngrams}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["word_ngrams"], state["char_ngrams"])  # type: ignore[misc]

    def __call__(self, text: str) -> list[str]:
        t = _DIGITS.sub("0", to_simplified(text).lower())
        feats: list[str] = []
        words = _LATIN.findall(t)
        lo, hi = self.word_ngrams
        if words:
            if lo <= 1:
                feats.extend(words)
            for n in range(max(2, lo), hi + 1):
                feats.extend(" ".join(words[i : i + n]) for i in range(len(words) - n + 1))
        clo, chi = self.char_ngrams
        for run in HAN_RUN.findall(t):
            for n in range(clo, chi + 1):
                feats.extend(run[i : i + n] for i in range(len(run) - n + 1))
        return feats


_LATIN_WORD = re.compile(r"[a-z]+")


class LatinCharAnalyzer:
    """Character n-grams inside English words (like `char_wb`), none for Chinese.

    They let the model see that "investing", "investors" and "investment" are related
    without a stemmer; Chinese is already counted by characters in `TextAnalyzer`.
    """

    def __init__(self, ngrams: tuple[int, int] = (3, 5)) -> None:
        self.ngrams = tuple(ngrams)

    def __repr__(self) -> str:
        return f"LatinCharAnalyzer(ngrams={self.ngrams})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LatinCharAnalyzer) and repr(self) == repr(other)

    def __hash__(self) -> int:
        return hash(repr(self))

    def __getstate__(self) -> dict[str, Any]:
        return {"ngrams": self.ngrams}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["ngrams"])  # type: ignore[misc]

    def __call__(self, text: str) -> list[str]:
        lo, hi = self.ngrams
        feats: list[str] = []
        for w in _LATIN_WORD.findall(text.lower()):
            w = f" {w} "
            n_chars = len(w)
            for n in range(lo, min(hi, n_chars) + 1):
                feats.extend(w[i : i + n] for i in range(n_chars - n + 1))
        return feats
