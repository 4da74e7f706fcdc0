"""The wiring of stages: read -> clean -> segment, with every statement accounted for."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import BinaryIO

import pandas as pd

from .config import SENTENCE_COLUMNS
from .errors import InputError
from .readers import ReadOptions, read_statements
from .records import NO_CONTENT, Failure, Removed, RunCounts, Sentence, Statement, StatementResult
from .segment import segment_statement


@dataclass
class SegmentRun:
    """Everything a segmentation run produced, including what it did not keep."""

    sentences: list[Sentence] = field(default_factory=list)
    removed: list[Removed] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    statements: list[dict[str, object]] = field(default_factory=list)

    @property
    def n_ok(self) -> int:
        return sum(1 for s in self.statements if s["status"] == "ok")

    def sentence_frame(self) -> pd.DataFrame:
        return sentences_frame(self.sentences)

    def removed_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.removed, columns=list(Removed._fields))

    def failures_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.failures, columns=list(Failure._fields))

    def statements_frame(self) -> pd.DataFrame:
        cols = ["statement_id", "origin", "date", "date_source", "source", "title", "lang",
                "n_sentences", "n_removed", "status"]
        return pd.DataFrame(self.statements, columns=cols)

    @property
    def counts(self) -> RunCounts:
        """The run counted as `classify` and `report` count theirs."""
        return RunCounts(len(self.statements), len(self.sentences), Counter(r.reason for r in self.removed),
                         self.failures, [Failure(str(s["origin"]), NO_CONTENT) for s in self.statements
                                         if s["status"] == "no content"])

    def summary(self) -> str:
        """The closing line(s) a user reads on stderr."""
        return self.counts.summary()


def sentences_frame(sentences: Sequence[Sentence]) -> pd.DataFrame:
    df = pd.DataFrame(sentences, columns=list(SENTENCE_COLUMNS))
    return df.astype({"sentence_index": "int64", "start": "int64", "end": "int64"})


def _progress(items: Iterable[Statement | Failure], enabled: bool) -> Iterable[Statement | Failure]:
    if not enabled:
        return items
    from tqdm import tqdm

    return tqdm(items, desc="statements", unit=" st", file=sys.stderr, leave=False)


def iter_results(
    items: Iterable[Statement | Failure], segmenter: str = "fast", strict: bool = False
) -> Iterator[StatementResult | Failure]:
    """Segment each statement (a second copy of a text or an id comes as a failure already:
    `readers.read_statements` is the one place that drops them)."""
    for item in items:
        if isinstance(item, Failure):
            if strict:
                raise InputError(f"{item.origin}: {item.reason}")
            yield item
            continue
        yield segment_statement(item, segmenter)


def segment_inputs(
    inputs: Sequence[str],
    opts: ReadOptions | None = None,
    *,
    segmenter: str = "fast",
    strict: bool = False,
    progress: bool = False,
    stdin: BinaryIO | None = None,
) -> SegmentRun:
    """Read, clean and segment every input; failures are collected, or raised if `strict`."""
    run = SegmentRun()
    items = _progress(read_statements(inputs, opts, stdin=stdin), progress)
    for res in iter_results(items, segmenter, strict):
        if isinstance(res, Failure):
            run.failures.append(res)
            continue
        st = res.statement
        run.sentences.extend(res.sentences)
        run.removed.extend(res.removed)
        run.statements.append(
            {
                "statement_id": st.id,
                "origin": st.origin,
                "date": st.date,
                "date_source": st.date_source,
                "source": st.source,
                "title": st.title,
                "lang": st.lang,
                "n_sentences": len(res.sentences),
                "n_removed": len(res.removed),
                "status": "ok" if res.sentences else "no content",
            }
        )
    return run
