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

from .conftest import corpora_dir

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
    (tmp_path / "2020-01-01_meta.md").write_text("---\ndate: 2019-05-06\n---\nOn March 5, 2023, text one.")
    (tmp_path / "2020-01-02_name.txt").write_text("On March 5, 2023, text two.")
    (tmp_path / "2021_year.txt").write_text("Text without a date.")
    (tmp_path / "text.txt").write_text("date 2023-03-05 Caijing Auto News The text.")
    (tmp_path / "nodate.txt").write_text("Another text without a date.")
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
    (tmp_path / "a.docx").write_bytes(b"PK\x03\x04")
    with pytest.raises(InputError, match="no input files"):
        _read([tmp_path])
    (tmp_path / "b.txt").write_text("2020-01-01\nGrowth held up.")
    (tmp_path / "README.md").write_text("# About this folder\n")
    items = _read([tmp_path])
    assert [i.id for i in items if isinstance(i, Statement)] == ["b"]
    assert any(isinstance(i, Failure) and "unsupported file type '.docx'" in i.reason for i in items)


# ---------------------------------------------------------------- CSV rows and columns (issue 15)


def test_csv_rows_with_too_many_or_too_few_fields_fail_with_their_line(tmp_path: Path) -> None:
    """pandas took an extra leading cell for the index and classified the wrong cell."""
    src = tmp_path / "ragged.csv"
    src.write_text(
        "id,text,date\n"
        "a1,We will expand investment.,2020\n"
        "EXTRA,b2,The wrong cell.,2021\n"  # one field too many
        '"c3","A cell over\ntwo lines.",2022\n'
        "d4,Too few fields.\n"  # one too few (line 6: the quoted cell took lines 4-5)
        "e5,Consumption recovered.,2023\n"
    )
    items = _read([src])
    ok = {s.id: s.text for s in items if isinstance(s, Statement)}
    bad = {f.origin: f.reason for f in items if isinstance(f, Failure)}
    assert ok == {"a1": "We will expand investment.", "c3": "A cell over\ntwo lines.", "e5": "Consumption recovered."}
    assert bad == {f"{src} line 3": bad[f"{src} line 3"], f"{src} line 6": bad[f"{src} line 6"]}
    assert bad[f"{src} line 3"].startswith("4 fields where the header has 3")
    assert bad[f"{src} line 6"].startswith("2 fields where the header has 3")


def test_every_row_one_field_too_many_is_refused_not_shifted(tmp_path: Path) -> None:
    src = tmp_path / "shifted.csv"
    src.write_text("text,date\nrow1,We will expand investment.,2020\nrow2,Growth held up.,2021\n")
    items = _read([src])
    assert all(isinstance(i, Failure) and "3 fields where the header has 2" in i.reason for i in items), items
    assert [i.origin for i in items] == [f"{src} line 2", f"{src} line 3"]


@pytest.mark.parametrize("header", ["text,date,text", "text,date,Text", "Text,date, TEXT "])
def test_a_second_text_column_is_an_error(tmp_path: Path, header: str) -> None:
    src = tmp_path / "two.csv"
    src.write_text(f"{header}\nWe will expand investment.,2020,Another text.\n")
    items = _read([src])
    assert len(items) == 1 and isinstance(items[0], Failure) and items[0].origin == str(src)
    assert "two columns named 'text'" in items[0].reason


def test_jsonl_field_given_twice_is_a_failure(tmp_path: Path) -> None:
    src = tmp_path / "twice.jsonl"
    src.write_text('{"text": "We will expand investment.", "date": "2020", "text": "Another text."}\n'
                   '{"text": "Growth held up.", "date": "2021"}\n')
    items = _read([src])
    assert isinstance(items[0], Failure) and items[0].origin == f"{src} line 1"
    assert items[0].reason == "field 'text' appears twice in one object"
    assert isinstance(items[1], Statement) and items[1].text == "Growth held up."


def test_jsonl_huge_number_and_deep_nesting_are_failures_of_their_line(tmp_path: Path) -> None:
    src = tmp_path / "odd.jsonl"
    src.write_text('{"text": "A huge number.", "date": "2020", "n": ' + "9" * 5000 + "}\n"
                   '{"text": "Deep.", "date": "2020", "x": ' + "[" * 100_000 + "]" * 100_000 + "}\n"
                   '{"text": "Growth held up.", "date": "2021"}\n')
    items = _read([src])
    assert [type(i).__name__ for i in items] == ["Failure", "Failure", "Statement"]
    assert items[0].origin == f"{src} line 1" and "out of range" in items[0].reason
    assert items[1].origin == f"{src} line 2" and "nested too deeply" in items[1].reason


# ---------------------------------------------------------------- encodings (issue 15)

JA = ("政府は本日、経済対策を閣議決定した。物価高に対応するため、家計への支援を拡充するとともに、賃上げを後押しする。"
      "日本銀行は金融緩和を継続する方針だ。地方の中小企業の設備投資を支援し、観光需要の回復を図る。"
      "消費者の購買意欲はまだ弱く、個人消費の回復には時間がかかるとみられる。")
KO = ("정부는 오늘 경제 대책을 발표했다. 물가 상승에 대응하기 위해 가계 지원을 확대하고 임금 인상을 뒷받침할 계획이다. "
      "한국은행은 기준금리를 동결하기로 결정했다. 지방 중소기업의 설비 투자를 지원하고 관광 수요의 회복을 도모한다. "
      "소비자의 구매 심리는 아직 약하며 민간 소비의 회복에는 시간이 걸릴 것으로 보인다.")
ZH_TRADITIONAL = ("政府今天公布經濟對策，擴大內需，支持消費與投資。"
                  "國務院總理表示，將繼續推動區域協調發展，穩定經濟增長，促進就業。")


def test_real_gb18030_files_still_decode() -> None:
    """The original GB18030 bytes of eight real work reports pass the plausibility checks."""
    from pipeline.readers import unlikely_chinese

    files = sorted((corpora_dir() / "raw_encoding_samples").glob("*.txt"))
    assert len(files) == 8
    for f in files:
        text = decode(f.read_bytes(), f.name)
        assert detect_lang(text) == "zh" and unlikely_chinese(text) is None
    assert unlikely_chinese(ZH_TRADITIONAL * 3) is None  # traditional characters are common ones too


@pytest.mark.parametrize(("text", "encoding", "why"), [
    (JA, "shift_jis", "rare ones"), (JA, "cp932", "rare ones"), (JA, "euc_jp", "not GB18030 Chinese"),
    (KO, "euc_kr", "as Korean has"), (KO, "cp949", "as Korean has"),
])
def test_japanese_and_korean_are_not_read_as_chinese(tmp_path: Path, text: str, encoding: str, why: str) -> None:
    """Shift-JIS and EUC-KR bytes are valid GB18030 and used to be classified as Chinese garbage."""
    data = text.encode(encoding)
    data.decode("gb18030")  # the trap: they do decode
    src = tmp_path / f"2020_{encoding}.txt"
    src.write_bytes(data)
    items = _read([src])
    assert len(items) == 1 and isinstance(items[0], Failure), items
    assert items[0].origin == str(src) and why in items[0].reason and "\n" not in items[0].reason
    assert "convert it to UTF-8" in items[0].reason


# ---------------------------------------------------------------- front matter, dates (issue 15)


def test_front_matter_with_cr_only_line_ends(tmp_path: Path) -> None:
    src = tmp_path / "mac.md"
    src.write_bytes(b"---\rdate: 2020-05-01\rsource: State Council\r---\rGrowth held up.\rInvestment rose.\r")
    (st,) = _read([src])
    assert isinstance(st, Statement)
    assert (st.date, st.date_source, st.source) == ("2020-05-01", "metadata", "State Council")
    assert st.text[st.body_start :] == "Growth held up.\rInvestment rose.\r"


@pytest.mark.parametrize("value", ["1899", "1899-12-31", "2101-01"])
def test_date_outside_the_years_says_so(tmp_path: Path, value: str) -> None:
    src = tmp_path / "old.md"
    src.write_text(f"---\ndate: {value}\n---\nGrowth held up.\n")
    (f,) = _read([src])
    assert isinstance(f, Failure) and f.reason == f"date '{value}' is outside 1900-2100"
    (tmp_path / "old.md").unlink()
    (tmp_path / "1899_old.txt").write_text("Growth held up.\n")
    (f,) = _read([tmp_path])
    assert isinstance(f, Failure) and "the file name's year 1899 is outside 1900-2100" in f.reason


# ---------------------------------------------------------------- duplicates (issue 14)


def test_duplicate_statements_are_listed_and_counted_once(tmp_path: Path) -> None:
    body = "We will expand investment in new infrastructure.\nConsumption recovered.\n"
    (tmp_path / "2020-01-01_a.txt").write_text(body)
    (tmp_path / "2020-01-02_b.md").write_text("---\nsource: NDRC\n---\n" + body + "\n")  # same text, other metadata
    (tmp_path / "2020-01-03_c.txt").write_text("Growth held up.\n")
    pd.DataFrame({"text": [body, "Another text."], "date": ["2021", "2021"]}).to_csv(tmp_path / "t.csv", index=False)
    items = _read([tmp_path])
    ok = [s.id for s in items if isinstance(s, Statement)]
    dups = [f for f in items if isinstance(f, Failure)]
    assert ok == ["2020-01-01_a", "2020-01-03_c", "t#2"]
    first = str(tmp_path / "2020-01-01_a.txt")
    assert [(f.origin, f.reason) for f in dups] == [
        (str(tmp_path / "2020-01-02_b.md"), f"duplicate of {first} (the same text): counted once"),
        (f"{tmp_path / 't.csv'} row 1", f"duplicate of {first} (the same text): counted once"),
    ]
    kept = list(read_statements([str(tmp_path)], ReadOptions(dedupe=False)))  # classify --sentences
    assert all(isinstance(i, Statement) for i in kept) and len(kept) == 5


def test_duplicate_ids_are_listed_by_the_reader_whatever_dedupe_says(tmp_path: Path) -> None:
    """The one gate: `segment`, `classify` and `report` all get a second id as a listed failure."""
    (tmp_path / "a.md").write_text("---\nid: x\ndate: 2021\n---\nGrowth held up.\n")
    (tmp_path / "b.md").write_text("---\nid: x\ndate: 2021\n---\nInvestment rose.\n")
    for dedupe in (True, False):
        items = list(read_statements([str(tmp_path)], ReadOptions(dedupe=dedupe)))
        assert [s.origin for s in items if isinstance(s, Statement)] == [str(tmp_path / "a.md")]
        assert [(f.origin, f.reason) for f in items if isinstance(f, Failure)] == [
            (str(tmp_path / "b.md"), f"duplicate statement id 'x' (first in {tmp_path / 'a.md'})")]
