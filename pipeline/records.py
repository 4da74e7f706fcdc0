"""The record types that flow through the stages."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple


@dataclass(slots=True)
class Statement:
    """One dated statement as read, before cleaning.

    `text` is the decoded input (a whole file, or one table cell) and every offset
    downstream indexes into it; `body_start` skips a front-matter block.
    """

    id: str
    text: str
    origin: str
    date: str | None = None
    date_source: str = ""
    source: str = ""
    title: str = ""
    speaker: str = ""
    lang: str = ""
    body_start: int = 0
    extra: dict[str, str] = field(default_factory=dict)


class Sentence(NamedTuple):
    """One content sentence, traceable to its span in `Statement.text`."""

    statement_id: str
    date: str
    source: str
    lang: str
    speaker: str
    sentence_index: int
    start: int
    end: int
    sentence: str


class Removed(NamedTuple):
    """A line (or part of one) that cleaning removed, and why."""

    statement_id: str
    line: int
    start: int
    end: int
    reason: str
    text: str


class Failure(NamedTuple):
    """An input statement (or whole file) that could not be processed."""

    origin: str
    reason: str


@dataclass(slots=True)
class StatementResult:
    """What segmentation made of one statement: its sentences and what it removed."""

    statement: Statement
    sentences: list[Sentence]
    removed: list[Removed]
