"""Turning a sentence into the tokens TF-IDF counts, for English and Chinese alike.

scikit-learn's default token pattern drops single-character words, which silently
loses most Chinese; instead English gets word n-grams and runs of Han characters get
character n-grams. Digits are folded to `0` so that figures and years (which differ
between eras and corpora) are not learned as theme words.
"""

from __future__ import annotations

import re

_LATIN = re.compile(r"[a-z0-9]+(?:['’-][a-z0-9]+)*")
_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_DIGITS = re.compile(r"\d+(?:[.,]\d+)*")


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

    def __call__(self, text: str) -> list[str]:
        t = _DIGITS.sub("0", text.lower())
        feats: list[str] = []
        words = _LATIN.findall(t)
        lo, hi = self.word_ngrams
        if words:
            if lo <= 1:
                feats.extend(words)
            for n in range(max(2, lo), hi + 1):
                feats.extend(" ".join(words[i : i + n]) for i in range(len(words) - n + 1))
        clo, chi = self.char_ngrams
        for run in _HAN_RUN.findall(t):
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

    def __call__(self, text: str) -> list[str]:
        lo, hi = self.ngrams
        feats: list[str] = []
        for w in _LATIN_WORD.findall(text.lower()):
            w = f" {w} "
            n_chars = len(w)
            for n in range(lo, min(hi, n_chars) + 1):
                feats.extend(w[i : i + n] for i in range(n_chars - n + 1))
        return feats
