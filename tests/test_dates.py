"""Dates: metadata forms, file names, and dates stated in the first lines."""

from __future__ import annotations

import pytest

from pipeline.dates import date_from_name, date_from_text, parse_date


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2023-03-05", "2023-03-05"),
        ("2023-3-5", "2023-03-05"),
        ("2023/03/05", "2023-03-05"),
        ("2023.03.05", "2023-03-05"),
        ("20230305", "2023-03-05"),
        ("2023", "2023"),
        ("2023-03", "2023-03"),
        ("2023-03-05T10:30:00", "2023-03-05"),
        ("2023-03-05 10:30", "2023-03-05"),
        ("March 5, 2023", "2023-03-05"),
        ("Mar. 5, 2023", "2023-03-05"),
        ("5 March 2023", "2023-03-05"),
        ("March 2023", "2023-03"),
        ("2023年3月5日", "2023-03-05"),
        ("2023年3月", "2023-03"),
        ("2023年", "2023"),
        ("'2009-11-01'", "2009-11-01"),
        # not dates
        ("2023-02-30", None),
        ("2023-13-01", None),
        ("sometime in spring", None),
        ("", None),
        ("0099", None),
        ("yesterday", None),
    ],
)
def test_parse_date(value: str, expected: str | None) -> None:
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("2023-03-05_minister-interview.txt", "2023-03-05"),
        ("2023_work-report.md", "2023"),
        ("2023-03_notice.txt", "2023-03"),
        ("20230305_notice.txt", "2023-03-05"),
        ("2014-02-19_hailar-district-gwr.txt", "2014-02-19"),
        ("notice-2023-03-05.txt", None),
        ("12345_notes.txt", None),
        ("report.txt", None),
    ],
)
def test_date_from_name(name: str, expected: str | None) -> None:
    assert date_from_name(name) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023-01-03\nThe ministry said ...", "2023-01-03"),
        ("date 2023-03-05 Caijing Auto News The ministry said.", "2023-03-05"),
        ("On March 5, 2023, the Premier delivered the report.", "2023-03-05"),
        ("Title\n\n2023年3月5日\n正文。", "2023-03-05"),
        ("发布时间：2021-03-05 10:30 来源：某网\n正文。", "2021-03-05"),
        ("2019年2月18日，中共中央、国务院印发规划纲要。", "2019-02-18"),
        # a year in passing is not the statement's date
        ("In 2009, the stimulus package expanded investment.", None),
        ("Line one\nline two\nline three\nline four\nline five\nline six\nline seven 2020-01-01", None),
    ],
)
def test_date_from_text(text: str, expected: str | None) -> None:
    assert date_from_text(text) == expected
