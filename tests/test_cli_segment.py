"""The `segment` command end to end: outputs, and one-line errors with nothing written."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from pipeline.config import SENTENCE_COLUMNS

from .conftest import ROOT

GOOD = "---\nid: s1\ndate: 2009-03-05\nsource: State Council\n---\nInvestment rose. Consumption recovered.\n"


def test_segment_outputs_every_format(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "s1.md"
    src.write_text(GOOD)
    for ext in ("csv", "jsonl", "parquet"):
        out = tmp_path / f"out.{ext}"
        r = cli("segment", src, "-o", out)
        assert r.code == 0, r.err
        df = {"csv": pd.read_csv, "jsonl": lambda p: pd.read_json(p, lines=True, dtype=False),
              "parquet": pd.read_parquet}[ext](out)
        assert tuple(df.columns) == SENTENCE_COLUMNS
        assert df["sentence"].tolist() == ["Investment rose.", "Consumption recovered."]
        assert df["statement_id"].tolist() == ["s1", "s1"]
        assert str(df["date"].iloc[0]) == "2009-03-05"
    r = cli("segment", src)
    rows = [json.loads(line) for line in r.out.splitlines()]
    assert [row["sentence_index"] for row in rows] == [0, 1]
    assert "sentences: 2" in r.err


def test_segment_side_files(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "2020-01-01_a.txt").write_text("Return to list\nEditor: Li\nGrowth held up.\n")
    (tmp_path / "in" / "b.txt").write_text("No date here.\n")
    r = cli("segment", tmp_path / "in", "-o", tmp_path / "s.csv", "--removed", tmp_path / "r.csv",
            "--errors", tmp_path / "e.csv", "--statements", tmp_path / "st.csv")
    assert r.code == 0
    removed = pd.read_csv(tmp_path / "r.csv")
    assert removed["reason"].tolist() == ["navigation", "page metadata"]
    assert removed["line"].tolist() == [1, 2]
    errors = pd.read_csv(tmp_path / "e.csv")
    assert len(errors) == 1 and errors["origin"].iloc[0].endswith("b.txt")
    st = pd.read_csv(tmp_path / "st.csv")
    assert st[["statement_id", "n_sentences", "n_removed"]].values.tolist() == [["2020-01-01_a", 1, 2]]
    assert "failed: 1" in r.err and "b.txt" in r.err
    r = cli("segment", tmp_path / "in", "-o", tmp_path / "strict.csv", "--strict")
    assert r.code == 2 and not (tmp_path / "strict.csv").exists()


def _bad_inputs(tmp: Path) -> dict[str, tuple[list[str], str]]:
    (tmp / "empty.txt").write_bytes(b"")
    (tmp / "emptydir").mkdir()
    (tmp / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x01")
    (tmp / "latin1.txt").write_bytes("2020-01-01 Caf\xe9 na\xefve r\xe9sum\xe9".encode("latin-1"))
    (tmp / "notext.csv").write_text("date,body\n2020,Hello.\n")
    (tmp / "baddate.md").write_text("---\ndate: the spring of 2020\n---\nGrowth held up.\n")
    (tmp / "nodate.txt").write_text("Growth held up.\n")
    (tmp / "fake.parquet").write_text("this is not parquet")
    (tmp / "onlyfurniture.txt").write_text("2020-01-01\nReturn to list\n")
    return {
        "empty file": ([str(tmp / "empty.txt")], "empty file"),
        "empty folder": ([str(tmp / "emptydir")], "no input files"),
        "binary file": ([str(tmp / "binary.txt")], "binary file"),
        "undecodable": ([str(tmp / "latin1.txt")], "cannot decode"),
        "missing text column": ([str(tmp / "notext.csv")], "missing required column 'text'"),
        "unparseable date": ([str(tmp / "baddate.md")], "unparseable date 'the spring of 2020'"),
        "no date": ([str(tmp / "nodate.txt")], "--date"),
        "not parquet": ([str(tmp / "fake.parquet")], "not a readable Parquet file"),
        "missing file": ([str(tmp / "nope.txt")], "no such file or folder"),
        "only furniture": ([str(tmp / "onlyfurniture.txt")], "no content sentences"),
    }


CASES = ["empty file", "empty folder", "binary file", "undecodable", "missing text column",
         "unparseable date", "no date", "not parquet", "missing file", "only furniture"]


@pytest.mark.parametrize("case", CASES)
def test_bad_input_one_line_error(cli, tmp_path: Path, case: str) -> None:  # type: ignore[no-untyped-def]
    inputs, message = _bad_inputs(tmp_path)[case]
    out = tmp_path / "out" / "sentences.csv"
    out.parent.mkdir()
    r = cli("segment", *inputs, "-o", out)
    assert r.code == 2
    lines = r.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], r.err
    assert "Traceback" not in r.err
    assert list(out.parent.iterdir()) == []  # nothing written, no temp file left


@pytest.mark.parametrize(
    ("out", "message"),
    [("missing/dir/s.csv", "does not exist"), ("s.xlsx", "unknown output type"), (".", "is a folder")],
)
def test_bad_output_path(cli, tmp_path: Path, out: str, message: str) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "s.md"
    src.write_text(GOOD)
    target = tmp_path / out if out != "." else tmp_path
    r = cli("segment", src, "-o", target)
    assert r.code == 2 and message in r.err and len(r.err.strip().splitlines()) == 1


def test_real_process_no_traceback(tmp_path: Path) -> None:
    """As a user runs it: a separate process, exit code 2, one line on stderr."""
    (tmp_path / "bad.csv").write_text('text,date\n"unclosed quote,2020\n')
    out = tmp_path / "o.csv"
    p = subprocess.run([sys.executable, "-m", "pipeline", "segment", str(tmp_path / "bad.csv"), "-o", str(out)],
                       capture_output=True, text=True, cwd=ROOT)
    assert p.returncode == 2
    assert p.stderr.count("\n") == 1 and "bad.csv" in p.stderr and "Traceback" not in p.stderr
    assert not out.exists()


def test_stdin(tmp_path: Path) -> None:
    p = subprocess.run([sys.executable, "-m", "pipeline", "segment", "-", "--date", "2020-05-01", "-q"],
                       input="国内生产总值增长5%。消费稳步恢复。".encode(), capture_output=True, cwd=ROOT)
    assert p.returncode == 0, p.stderr
    rows = [json.loads(x) for x in p.stdout.decode().splitlines()]
    assert [r["sentence"] for r in rows] == ["国内生产总值增长5%。", "消费稳步恢复。"]
    assert {r["lang"] for r in rows} == {"zh"} and {r["date"] for r in rows} == {"2020-05-01"}


def test_help_lists_commands(cli) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SystemExit) as e:
        cli("--help")
    assert e.value.code == 0
