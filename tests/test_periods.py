"""Periods: Five-Year Plans, 5-year bins, decades and bins from a file (pipeline/periods.py)."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from pipeline.errors import InputError
from pipeline.periods import FYP, choose_period, read_bins, scheme


@pytest.mark.parametrize(
    ("date", "name", "label"),
    [
        ("1953", "fyp", "1953-1957"),
        ("1957-12-31", "fyp", "1953-1957"),
        ("1962-06", "fyp", "1958-1962"),
        ("1963-03", "fyp", "1963-1965"),  # the readjustment years: a period, not a plan
        ("1965", "fyp", "1963-1965"),
        ("1966-01-01", "fyp", "1966-1970"),
        ("2021-03-05", "fyp", "2021-2025"),
        ("2026", "fyp", "2026-2030"),
        ("1954", "5y", "1950-1954"),
        ("1955-03", "5y", "1955-1959"),
        ("1999-12-31", "decade", "1990s"),
        ("2000", "decade", "2000s"),
        ("2009-05-21", "year", "2009"),
        ("2009-05-21", "quarter", "2009-Q2"),
    ],
)
def test_labels(date: str, name: str, label: str) -> None:
    assert scheme(name).label(date) == (label, "")


def test_the_plans_tile_1953_to_2030_without_gaps() -> None:
    sch = scheme("fyp")
    labels = [b.label for b in sch.bins]
    assert labels[0] == "1953-1957" and labels[-1] == "2026-2030" and len(labels) == len(FYP) == 16
    assert all(sch.adjacent(a, b) for a, b in itertools.pairwise(labels))
    assert sch.describe("2021-2025") == "2021-2025 (14th Five-Year Plan)"
    assert sch.describe("1963-1965") == "1963-1965 (readjustment, no plan)"
    assert sch.describe("1953-1957") == "1953-1957 (1st Five-Year Plan)"


@pytest.mark.parametrize(("date", "name", "why"), [
    ("1921", "fyp", "date 1921 is in no Five-Year-Plan period"),
    ("2031-01-01", "fyp", "date 2031-01-01 is in no Five-Year-Plan period"),
    ("2009", "quarter", "date 2009 has no quarter"),
    ("2009-02-30", "year", "unparseable date '2009-02-30'"),
])
def test_dates_that_cannot_be_placed_say_why(date: str, name: str, why: str) -> None:
    assert scheme(name).label(date) == (None, why)


def test_time_axis_places_and_gaps() -> None:
    years = scheme("year")
    assert years.midpoint("2001") == pytest.approx(2001.5, abs=0.01)
    assert years.adjacent("2001", "2002") and not years.adjacent("1964", "1975")
    fyp = scheme("fyp")
    assert fyp.midpoint("2021-2025") == pytest.approx(2023.5, abs=0.01)
    assert scheme("decade").bounds("1990s") == pytest.approx((1990.0, 2000.0))
    assert scheme("quarter").bounds("2009-Q2") == pytest.approx((2009.25, 2009.5), abs=0.01)
    assert scheme("5y").order(["1955-1959", "1950-1954"]) == ["1950-1954", "1955-1959"]


def _bins(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "bins.csv"
    p.write_text(text, "utf-8")
    return p


def test_custom_bins(tmp_path: Path) -> None:
    sch = read_bins(_bins(tmp_path, "label,start,end\nreform era,1978,1991-12\nsecond wave,1992-01-01,2001\n"
                                    "late,2012-03-01,2013-02-28\n"))
    assert sch.label("1985-06-01") == ("reform era", "")
    assert sch.label("1992") == ("second wave", "")  # the whole year lies inside the bin
    assert sch.label("2005")[0] is None and "in no bin" in sch.label("2005")[1]
    # A year-only date that could fall in either side of a bin's edge is never guessed.
    assert sch.label("2012") == (None, "date 2012 is not inside one bin (late)")
    # Custom labels keep their time order, not their alphabetical one.
    assert sch.order(["second wave", "late", "reform era"]) == ["reform era", "second wave", "late"]
    assert not sch.adjacent("second wave", "late") and sch.adjacent("reform era", "second wave")


@pytest.mark.parametrize(("text", "message"), [
    ("a,2001,2005\nb,2005,2009\n", "line 2: bin 'b' overlaps bin 'a'"),
    ("a,2001,2005\nb,around 2006,2009\n", "line 2: dates must be YYYY"),
    ("a,2005,2001\n", "line 1: bin 'a' ends before it starts"),
    ("a,2001,2005\na,2006,2009\n", "line 2: bin 'a' appears twice"),
    ("a,2001\n", "line 1: expected label,start,end"),
    ("all,2001,2005\n", "reserved"),
    ("label,start,end\n", "no bins"),
])
def test_bad_bins_files(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        read_bins(_bins(tmp_path, text))


def test_choose_period_still_picks_from_the_span() -> None:
    import pandas as pd

    assert choose_period(pd.Series(["1954", "2025"])) == "year"
    assert choose_period(pd.Series(["2024-01-05", "2024-03-01"])) == "month"


@pytest.mark.parametrize(("bins", "message"), [
    ("a,2001,2005\nb,2004,2009\n", "overlaps"),
    ("a,2001,sometime\n", "dates must be YYYY"),
    (None, "--period 'weekly': use one of year, quarter, month, 5y, decade, fyp or a CSV file"),
])
def test_cli_refuses_bad_periods_with_one_line_and_writes_nothing(tmp_path: Path, cli, bins: str | None,
                                                                  message: str) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "2001-03-05_a.txt").write_text("We will expand consumption of cars.\n")
    period = "weekly" if bins is None else str(_bins(tmp_path, bins))
    r = cli("report", src, "-o", tmp_path / "rep", "--period", period, "--model", tmp_path / "no-model")
    assert r.code == 2 and message in r.err and len(r.err.strip().splitlines()) == 1
    assert "Traceback" not in r.err
    assert not (tmp_path / "rep").exists()
