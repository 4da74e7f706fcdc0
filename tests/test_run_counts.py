"""One counting type for every run (issue 15): `segment`, `classify` and `report` count
statements, sentences, removals and failures alike, and the closing line is written in one place."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from pipeline.batch import ClassifyRun
from pipeline.errors import InputError
from pipeline.records import NO_CONTENT, Failure, RunCounts
from pipeline.workflow import segment_inputs


def _folder(tmp_path: Path) -> Path:
    d = tmp_path / "in"
    d.mkdir()
    (d / "2020_a.txt").write_text("Reporter: Will growth hold up?\nSpokesperson: It will.\nReturn to list\n")
    (d / "2020_b.txt").write_text("Reporter: Will growth hold up?\nSpokesperson: It will.\nReturn to list\n")
    (d / "2020_c.txt").write_text("Return to list\n")
    (d / "d.md").write_text("---\nid: 2020_a\ndate: 2020\n---\nInvestment rose.\n")
    return d


def test_segment_run_counts_like_the_others(tmp_path: Path) -> None:
    run = segment_inputs([str(_folder(tmp_path))])
    c = run.counts
    assert (c.statements, c.sentences) == (2, 2)
    assert c.removed == Counter({"speaker tag": 2, "navigation": 2})
    assert [f.reason.split(" (")[0] for f in c.failures] == ["duplicate of " + str(tmp_path / "in" / "2020_a.txt"),
                                                            "duplicate statement id '2020_a'"]
    assert c.no_content == [Failure(str(tmp_path / "in" / "2020_c.txt"), NO_CONTENT)]
    assert run.summary() == c.summary()
    assert run.summary().splitlines()[0] == (
        "statements read: 2 (1 with no content after cleaning); sentences: 2; lines removed by cleaning: 4 "
        "(speaker tag 2, navigation 2); failed: 2")
    # classify prints the same line, its sentences called what they are
    crun = ClassifyRun(c.statements, c.sentences, c.removed, c.failures, c.no_content)
    assert crun.summary() == c.summary().replace("; sentences: ", "; sentences classified: ")
    # and report keeps the same counts
    rc = crun.report_counts()
    assert (rc["statements_read"], rc["failed"], rc["no_content"], rc["removed_total"]) == (4, 2, 1, 4)


@pytest.mark.parametrize(("failures", "message"), [
    ([], "no content sentences in the input"),
    ([Failure("a.txt", "empty file")], "a.txt: empty file"),
    ([Failure("a.txt", "empty file"), Failure("b.txt", "binary")], "no statement could be read: 2 failed"),
])
def test_nothing_read_says_why(failures: list[Failure], message: str) -> None:
    err = RunCounts(failures=failures).nothing_read()
    assert isinstance(err, InputError) and str(err).startswith(message)
