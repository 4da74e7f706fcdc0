"""The bad (and odd) inputs every command is run against, and what each must give.

A case builds its input in a folder and says what the command must do with it:
`error` (exit 2, one line naming the input and the problem, nothing written), `partial`
(exit 0, the bad statement listed in --errors), or `ok` (exit 0, the output written).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

Builder = Callable[[Path], list[Path]]


@dataclass(frozen=True)
class Case:
    build: Builder
    expect: str  # error | partial | ok
    message: str = ""  # a piece of the error (or of the --errors reason)
    names: str = ""  # the part of the input the error must name (default: the first input's name)


GOOD_MD = "---\ndate: 2021-03-05\nsource: State Council\n---\nWe will expand investment in new infrastructure.\n"
HUGE_LINE_MB = 50


def _write(path: Path, data: str | bytes) -> list[Path]:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8")
    return [path]


def _folder(d: Path, files: dict[str, str | bytes]) -> list[Path]:
    d.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        _write(d / name, data)
    return [d]


def _huge_line(d: Path) -> list[Path]:
    unit = "We will expand effective investment and stabilize growth in the central region this year. 我们要扩大内需。 "
    n = HUGE_LINE_MB * 1_000_000 // len(unit.encode())
    return _write(d / "2020-01-01_huge.txt", unit * n)


def _long_sentence(d: Path) -> list[Path]:
    body = "We will expand investment " + "and consumption " * 640 + "in the west."
    assert len(body) >= 10_000
    return _write(d / "2020-01-01_long.txt", body + "\n")


def _symlink_loop(d: Path) -> list[Path]:
    root = d / "loop"
    _folder(root, {"2020_a.txt": "Growth held up.\n"})
    os.symlink("..", root / "up")  # a folder link back up: not followed
    os.symlink("self", root / "self")  # a link to itself
    return [root]


def _parquet_without_text(d: Path) -> list[Path]:
    d.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({"date": ["2020"], "body": ["x"]}).to_parquet(d / "notext.parquet")
    return [d / "notext.parquet"]


STATEMENTS: dict[str, Case] = {
    "zero-byte file": Case(lambda d: _write(d / "empty.txt", b""), "error", "empty file"),
    "empty folder": Case(lambda d: _folder(d / "emptydir", {}), "error", "no input files"),
    "only unsupported files": Case(lambda d: _folder(d / "unsup", {"a.pdf": b"%PDF-1.4", "b.docx": b"PK"}),
                                   "error", "2 unsupported files"),
    "binary file named .txt": Case(lambda d: _write(d / "binary.txt", bytes(range(256)) * 4), "error",
                                   "binary file"),
    "undecodable bytes": Case(lambda d: _write(d / "latin1.txt", "2020-01-01 Caf\xe9 r\xe9sum\xe9.".encode("latin-1")),
                              "error", "cannot decode"),
    "NUL bytes in text": Case(lambda d: _write(d / "nul.txt", "2020-01-01\nGrowth held\x00 up.\n"), "error",
                              "NUL bytes"),
    f"{HUGE_LINE_MB} MB single line": Case(_huge_line, "ok"),
    "10,000-character sentence": Case(_long_sentence, "ok"),
    "unbalanced quotes in CSV": Case(
        lambda d: _write(d / "quotes.csv", 'text,date\n"We will invest.,2020\nMore.,2021\n'), "error", "malformed CSV"),
    "CSV without text": Case(lambda d: _write(d / "notext.csv", "date,body\n2020,x\n"), "error",
                             "missing required column 'text'"),
    "JSONL without text": Case(lambda d: _write(d / "notext.jsonl", '{"date": "2020", "body": "x"}\n'), "error",
                               "missing required field 'text'"),
    "Parquet without text": Case(_parquet_without_text, "error", "missing required column 'text'"),
    "Parquet that is not Parquet": Case(lambda d: _write(d / "fake.parquet", "not parquet"), "error",
                                        "not a readable Parquet file"),
    "row with empty text": Case(lambda d: _write(d / "rows.csv", "text,date\nGrowth held up.,2020\n,2021\n"),
                                "partial", "empty 'text'", "rows.csv row 2"),
    "duplicate statement ids": Case(lambda d: _folder(d / "dups", {
        "a.md": "---\nid: x\ndate: 2020\n---\nGrowth held up.\n",
        "b.md": "---\nid: x\ndate: 2021\n---\nInvestment rose.\n"}), "partial", "duplicate statement id 'x'", "b.md"),
    "date that does not parse": Case(lambda d: _write(d / "baddate.md", "---\ndate: 2020-02-30\n---\nGrowth.\n"),
                                     "error", "unparseable date '2020-02-30'"),
    "date in the future": Case(lambda d: _write(d / "future.md", "---\ndate: 2091-05-01\n---\nGrowth held up.\n"),
                               "error", "is after today"),
    "future date among good ones": Case(lambda d: _folder(d / "some", {
        "good.md": GOOD_MD, "future.md": "---\ndate: 2091-05-01\n---\nGrowth held up.\n"}), "partial",
        "is after today", "future.md"),
    "year-only dates mixed with full dates": Case(lambda d: _folder(d / "mixdates", {
        "2019_a.txt": "Growth held up. Consumption rose.\n", "2020-05-01_b.txt": "Investment rose.\n"}), "ok"),
    "mixed English and Chinese": Case(lambda d: _write(d / "mixed.md", "---\ndate: 2020-01-01\n---\nWe will expand "
                                                       "domestic demand. 我们要扩大内需。Consumption recovered. "
                                                       "消费持续恢复。\n"), "ok"),
    "right-to-left and emoji text": Case(lambda d: _write(d / "rtl.md", "---\ndate: 2020-01-01\n---\nالنمو الاقتصادي"
                                                          " 📈 We will boost consumption 🚗. שלום עולם. 🎉\n"), "ok"),
    "symlink loop in a folder": Case(_symlink_loop, "partial", "unsupported file type", "self"),
}

LABELED_ROWS = {
    "growth": "industrial output and GDP growth held steady",
    "investment": "fixed-asset investment in major projects rose",
    "consumption": "household consumption and retail spending recovered",
    "regional": "the western region and the northeast coordinated development",
    "other": "employment, pensions and farming were stable",
}


def _odd_but_valid(d: Path) -> list[Path]:
    """A small training set of strange but valid rows: RTL, emoji, mixed languages, a 10k-character sentence."""
    extras = ["📈", "שלום", "العربية", "🚗🚗", "我们要扩大内需。", "", "Ünïcödé"]
    rows = []
    for theme, words in LABELED_ROWS.items():
        for i in range(14):
            rows.append({"text": f"{words} {extras[i % len(extras)]} case {i} {'x' * (i * 3)}.", "label": theme})
    rows.append({"text": "We will expand investment " + "and projects " * 800 + "in the west.", "label": "investment"})
    rows.append({"text": "We will expand domestic demand. 我们要扩大内需，促进消费。", "label": "consumption"})
    d.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(d / "odd.csv", index=False)
    return [d / "odd.csv"]


def _huge_labeled(d: Path) -> list[Path]:
    text = "We will expand effective investment. " * (HUGE_LINE_MB * 1_000_000 // 37)
    return _write(d / "huge.csv", f'text,label\n"{text}",investment\nGrowth held up.,growth\n')


LABELED: dict[str, Case] = {
    "zero-byte file": Case(lambda d: _write(d / "empty.csv", b""), "error", "empty file"),
    "empty folder": Case(lambda d: _folder(d / "emptydir", {}), "error", "no labeled files"),
    "only unsupported files": Case(lambda d: _folder(d / "unsup", {"a.txt": "x", "b.pdf": b"%PDF"}), "error",
                                   "no labeled files"),
    "binary file named .csv": Case(lambda d: _write(d / "binary.csv", bytes(range(256)) * 4), "error",
                                   "binary file"),
    "undecodable bytes": Case(lambda d: _write(d / "latin1.csv", "text,label\nCaf\xe9,growth\n".encode("latin-1")),
                              "error", "cannot decode"),
    "NUL bytes in text": Case(lambda d: _write(d / "nul.csv", "text,label\nGrowth\x00 up.,growth\n"), "error",
                              "NUL bytes"),
    f"{HUGE_LINE_MB} MB single line": Case(_huge_labeled, "error", "characters long"),
    "odd but valid rows (RTL, emoji, mixed, 10,000 characters)": Case(_odd_but_valid, "ok"),
    "unbalanced quotes in CSV": Case(lambda d: _write(d / "quotes.csv", 'text,label\n"We will invest.,investment\n'),
                                     "error", "malformed"),
    "CSV without text": Case(lambda d: _write(d / "notext.csv", "body,label\nx,growth\n"), "error",
                             "missing required column 'text'"),
    "JSONL without text": Case(lambda d: _write(d / "notext.jsonl", '{"body": "x", "label": "growth"}\n'), "error",
                               "missing required column 'text'"),
    "row with empty text": Case(lambda d: _write(d / "rows.csv", "text,label\nGrowth held up.,growth\n,other\n"),
                                "error", "line 3: empty text"),
    "one class only": Case(lambda d: _write(d / "one.csv", "text,label\n" + "".join(
        f"Growth sentence {i}.,growth\n" for i in range(30))), "error", "only one theme"),
    "unknown label": Case(lambda d: _write(d / "unknown.csv", "text,label\nGrowth held up.,growth\nSunny.,weather\n"),
                          "error", "unknown label 'weather'"),
}

#: Cases where a labeled file for evaluation is fine though training would refuse it.
EVALUATE_OK = {"one class only"}
