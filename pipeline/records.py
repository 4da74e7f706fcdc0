"""The record types that flow through the stages."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from .errors import InputError


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


#: Why a statement with nothing left after cleaning is listed (`--errors`, the report's failed.csv).
NO_CONTENT = "no content sentences after cleaning"


@dataclass
class RunCounts:
    """What a run did with every statement it was given: processed (`statements`, those with
    nothing left after cleaning among them, listed in `no_content`) or failed (`failures`, with
    why), never both. `segment`, `classify` (every engine) and `report` count with this one type,
    and the closing summary is written here only, so their lines cannot drift apart."""

    statements: int = 0
    sentences: int = 0
    removed: Counter[str] = field(default_factory=Counter)  # removals by reason
    failures: list[Failure] = field(default_factory=list)
    no_content: list[Failure] = field(default_factory=list)

    def summary(self, sentences: str = "sentences") -> str:
        """The closing line a user reads on stderr, then the first failures. `sentences`: what
        the sentences are called ("sentences classified")."""
        removed = ", ".join(f"{k} {v}" for k, v in self.removed.most_common()) or "none"
        line = (f"statements read: {self.statements} ({len(self.no_content)} with no content after cleaning); "
                f"{sentences}: {self.sentences}; lines removed by cleaning: {sum(self.removed.values())} "
                f"({removed}); failed: {len(self.failures)}")
        return "\n".join([line, *failure_lines(self.failures)])

    def nothing_read(self) -> InputError:
        """The error for a run that produced no sentence: why, from the first failure."""
        if not self.failures:
            return InputError("no content sentences in the input (everything was removed as furniture)")
        f = self.failures[0]
        if len(self.failures) == 1:
            return InputError(f"{f.origin}: {f.reason}")
        return InputError(f"no statement could be read: {len(self.failures)} failed (first: {f.origin}: {f.reason})")

    def report_counts(self) -> dict[str, Any]:
        """The counts `report` keeps in report.json and shows (its `statements_read` counts the
        failed statements too)."""
        return {"statements_read": self.statements + len(self.failures), "failed": len(self.failures),
                "no_content": len(self.no_content), "removed_total": sum(self.removed.values()),
                "removed": dict(self.removed.most_common()),
                "failures": [f._asdict() for f in self.failures],
                "no_content_list": [f._asdict() for f in self.no_content]}


def failure_lines(failures: Sequence[Failure], shown: int = 10) -> list[str]:
    """The closing summary's list of failed inputs (the rest go to --errors FILE)."""
    lines = [f"  failed: {f.origin}: {f.reason}" for f in failures[:shown]]
    if len(failures) > shown:
        lines.append(f"  ... and {len(failures) - shown} more (see --errors FILE)")
    return lines
