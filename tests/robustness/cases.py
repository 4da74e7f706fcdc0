"""The bad (and odd) inputs every command is run against, and what each must give.

A case builds its input in a folder and says what the command must do with it:
`error` (exit 2, one line naming the input and the problem, nothing written), `partial`
(exit 0, the bad statement listed in --errors), or `ok` (exit 0, the output written).
"""

from __future__ import annotations

import os
import zlib
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


def _link_out(d: Path) -> list[Path]:
    _write(d / "elsewhere" / "2021_out.txt", "Consumption recovered.\n")
    _folder(d / "links", {"good.md": GOOD_MD})
    os.symlink(d / "elsewhere" / "2021_out.txt", d / "links" / "link.txt")
    return [d / "links"]


def _latin1_name(d: Path) -> list[Path]:
    _folder(d / "names", {"good.md": GOOD_MD})
    with open(os.path.join(os.fsencode(d / "names"), b"2020_caf\xe9.txt"), "wb") as f:
        f.write(b"Consumption recovered.\n")
    return [d / "names"]


JAPANESE = ("政府は本日、経済対策を閣議決定した。物価高に対応するため、家計への支援を拡充するとともに、"
            "賃上げを後押しする。日本銀行は金融緩和を継続する方針だ。")
KOREAN = ("정부는 오늘 경제 대책을 발표했다. 물가 상승에 대응하기 위해 가계 지원을 확대하고 임금 인상을 "
          "뒷받침할 계획이다. 한국은행은 기준금리를 동결하기로 결정했다.")
PAGE = ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>Plan - Example News</title>"
        "<meta property='article:published_time' content='2021-03-05'></head><body>"
        "<nav><a href='/'>Home</a> | <a href='/news'>News</a> | <a href='/contact'>Contact us</a></nav>"
        "<article><h1>Investment plan</h1><p>We will expand investment in new infrastructure this year. "
        "Consumption of cars and home appliances will be supported.</p></article>"
        "<footer>Copyright © 2021 Example News. All rights reserved.</footer></body></html>")


def image_only_pdf() -> bytes:
    """A one-page PDF whose page is an image and nothing else, as a scanner makes it."""
    pixels = zlib.compress(bytes(range(256)) * 64)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /XObject /Subtype /Image /Width 128 /Height 128 /ColorSpace /DeviceGray /BitsPerComponent 8 "
        b"/Filter /FlateDecode /Length %d >>\nstream\n" % len(pixels) + pixels + b"\nendstream",
        b"<< /Length 35 >>\nstream\nq 500 0 0 700 40 60 cm /Im1 Do Q\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _parquet_without_text(d: Path) -> list[Path]:
    d.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({"date": ["2020"], "body": ["x"]}).to_parquet(d / "notext.parquet")
    return [d / "notext.parquet"]


STATEMENTS: dict[str, Case] = {
    "zero-byte file": Case(lambda d: _write(d / "empty.txt", b""), "error", "empty file"),
    "empty folder": Case(lambda d: _folder(d / "emptydir", {}), "error", "no input files"),
    "only unsupported files": Case(lambda d: _folder(d / "unsup", {"a.odt": b"PK", "b.docx": b"PK"}),
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
    "symlink loop in a folder": Case(_symlink_loop, "partial", "symbolic link to nothing readable", "self"),
    # issue 15
    "symlinked file outside the folder": Case(_link_out, "partial", "pass --follow-links to read it", "link.txt"),
    "non-UTF-8 file name": Case(_latin1_name, "ok"),
    "CSV row with a field too many": Case(lambda d: _write(d / "ragged.csv", "text,date\nGrowth held up.,2020\n"
                                                           "EXTRA,Investment rose.,2021\n"),
                                          "partial", "3 fields where the header has 2", "ragged.csv line 3"),
    "CSV with two text columns": Case(lambda d: _write(d / "twotext.csv", "text,date,TEXT\nGrowth.,2020,Other.\n"),
                                      "error", "two columns named 'text'"),
    "Shift-JIS text": Case(lambda d: _write(d / "2020_sjis.txt", JAPANESE.encode("shift_jis")), "error",
                           "unlikely Chinese"),
    "EUC-KR text": Case(lambda d: _write(d / "2020_euckr.txt", KOREAN.encode("euc_kr")), "error", "unlikely Chinese"),
    "date before 1900": Case(lambda d: _write(d / "old.md", "---\ndate: 1899-05-01\n---\nGrowth held up.\n"),
                             "error", "date '1899-05-01' is outside 1900-2100"),
    "front matter with CR line ends": Case(lambda d: _write(d / "cr.md", b"---\rdate: 2020-05-01\r---\rGrowth held "
                                                            b"up.\rInvestment rose.\r"), "ok"),
    "5,000-digit number in JSONL": Case(lambda d: _write(d / "big.jsonl", '{"text": "Growth.", "date": "2020", "n": '
                                                         + "9" * 5000 + "}\n"), "error", "JSON value out of range"),
    "100,000-deep JSON value": Case(lambda d: _write(d / "deep.jsonl", '{"text": "Growth.", "date": "2020", "n": '
                                                     + "[" * 100_000 + "]" * 100_000 + "}\n"), "error",
                                    "JSON nested too deeply"),
    # issue 14
    "the same statement twice": Case(lambda d: _folder(d / "twice", {"a.md": GOOD_MD, "b.md": GOOD_MD}), "partial",
                                     "duplicate of", "b.md"),
    "web page with site furniture": Case(lambda d: _write(d / "page.html", PAGE), "ok"),
    "PDF without a text layer": Case(lambda d: _write(d / "2020_scan.pdf", image_only_pdf()), "error",
                                     "no text layer"),
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
