"""Reading statements: encodings, front matter, tables, and where the date comes from."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest

from pipeline.errors import InputError
from pipeline.readers import ReadOptions, decode, detect_lang, parse_front_matter, read_statements
from pipeline.records import Failure, Statement

ZH = "国务院印发了推动大规模设备更新和消费品以旧换新行动方案。"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (ZH.encode("utf-8"), ZH),
        (b"\xef\xbb\xbf" + ZH.encode("utf-8"), ZH),
        (ZH.encode("utf-16"), ZH),
        (ZH.encode("gb18030"), ZH),
        (ZH.encode("gbk"), ZH),
        (b"line one\r\nline two", "line one\r\nline two"),
    ],
)
def test_decode(data: bytes, expected: str) -> None:
    assert decode(data, "f.txt") == expected


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file"),
        (bytes(range(128, 256)) * 4, "cannot decode"),
        ("café résumé naïve".encode("latin-1"), "cannot decode"),
    ],
)
def test_decode_refuses(data: bytes, message: str) -> None:
    with pytest.raises(InputError, match=message):
        decode(data, "f.txt")


def test_front_matter() -> None:
    text = "---\nid: s1\ndate: 2009-03-05\nsource: 'State Council'\ntitle: A: B\n---\nBody text.\n"
    meta, start = parse_front_matter(text, "f.md")
    assert meta == {"id": "s1", "date": "2009-03-05", "source": "State Council", "title": "A: B"}
    assert text[start:] == "Body text.\n"


def test_front_matter_errors() -> None:
    with pytest.raises(InputError, match="never closed"):
        parse_front_matter("---\ndate: 2009\nBody.", "f.md")
    with pytest.raises(InputError, match="line 3"):
        parse_front_matter("---\ndate: 2009\nnot a pair\n---\nBody.", "f.md")


@pytest.mark.parametrize(
    ("text", "lang"),
    [(ZH, "zh"), ("We will expand domestic demand.", "en"), ("GDP增长5%，CPI上涨2%。", "zh"),
     ("The 稳增长 policy supports growth in many industries this year.", "en")],
)
def test_detect_lang(text: str, lang: str) -> None:
    assert detect_lang(text) == lang


def _read(paths: list[Path | str], **kw: str) -> list[Statement | Failure]:
    return list(read_statements([str(p) for p in paths], ReadOptions(**kw)))


def test_date_precedence(tmp_path: Path) -> None:
    (tmp_path / "2020-01-01_meta.md").write_text("---\ndate: 2019-05-06\n---\nOn March 5, 2023, text.")
    (tmp_path / "2020-01-02_name.txt").write_text("On March 5, 2023, text.")
    (tmp_path / "2021_year.txt").write_text("Text without a date.")
    (tmp_path / "text.txt").write_text("date 2023-03-05 Caijing Auto News The text.")
    (tmp_path / "nodate.txt").write_text("Text without a date.")
    got = {s.id: s for s in _read([tmp_path]) if isinstance(s, Statement)}
    assert (got["2020-01-01_meta"].date, got["2020-01-01_meta"].date_source) == ("2019-05-06", "metadata")
    assert (got["2020-01-02_name"].date, got["2020-01-02_name"].date_source) == ("2020-01-02", "filename")
    assert (got["2021_year"].date, got["2021_year"].date_source) == ("2021", "filename")
    assert (got["text"].date, got["text"].date_source) == ("2023-03-05", "text")
    fails = [f for f in _read([tmp_path]) if isinstance(f, Failure)]
    assert len(fails) == 1 and "nodate.txt" in fails[0].origin and "--date" in fails[0].reason
    with_default = {s.id: s for s in _read([tmp_path], date="2001") if isinstance(s, Statement)}
    assert with_default["nodate"].date == "2001" and with_default["nodate"].date_source == "option"


def test_tables(tmp_path: Path) -> None:
    rows = [
        {"id": "a", "date": "2009", "source": "NDRC", "text": "Investment rose."},
        {"date": "2010-05-01", "text": "消费持续恢复。"},
        {"date": "someday", "text": "Bad date."},
        {"date": "2011", "text": ""},
    ]
    pd.DataFrame(rows).to_csv(tmp_path / "t.csv", index=False)
    pd.DataFrame(rows).to_parquet(tmp_path / "t.parquet")
    (tmp_path / "t.jsonl").write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n{broken\n[1]\n{\"date\": \"2001\"}\n"
    )
    for name in ("t.csv", "t.parquet", "t.jsonl"):
        items = _read([tmp_path / name])
        ok = [s for s in items if isinstance(s, Statement)]
        bad = [f for f in items if isinstance(f, Failure)]
        assert next(s.id for s in ok) == "a"
        assert ok[1].id.startswith("t#") and ok[1].lang == "zh" and ok[1].date == "2010-05-01"
        assert any("unparseable date 'someday'" in f.reason for f in bad)
        assert any("empty 'text'" in f.reason for f in bad)
    jsonl_fail = [f for f in _read([tmp_path / "t.jsonl"]) if isinstance(f, Failure)]
    assert {f.reason for f in jsonl_fail} >= {"not a JSON object", "missing required field 'text'"}
    assert any(f.reason.startswith("invalid JSON") and "line 5" in f.origin for f in jsonl_fail)


def test_stdin_and_unsupported(tmp_path: Path) -> None:
    items = list(read_statements(["-"], ReadOptions(date="2020"), stdin=io.BytesIO(b"Growth held up.")))
    assert isinstance(items[0], Statement) and items[0].id == "stdin" and items[0].date == "2020"
    (tmp_path / "a.pdf").write_bytes(b"%PDF")
    with pytest.raises(InputError, match="no input files"):
        _read([tmp_path])
    (tmp_path / "b.txt").write_text("2020-01-01\nGrowth held up.")
    (tmp_path / "README.md").write_text("# About this folder\n")
    items = _read([tmp_path])
    assert [i.id for i in items if isinstance(i, Statement)] == ["b"]
    assert any(isinstance(i, Failure) and "unsupported file type '.pdf'" in i.reason for i in items)
