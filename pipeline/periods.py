"""Periods: which span of time a statement's date belongs to, and where that span lies.

Analysts compare years, quarters and months, but also Five-Year-Plan periods, 5-year bins,
decades and bins of their own (`--period FILE`). Every scheme maps a date to a label and
every label to its dates, so charts can put periods on a time axis (x = the period's midpoint)
and show gaps where no period has statements.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .errors import InputError

#: The schemes that need no file; anything else given to --period is read as a CSV of bins.
NAMES = ("year", "quarter", "month", "5y", "decade", "fyp")

#: The Five-Year Plans (1st 1953-1957 ... 15th 2026-2030) and the 1963-1965 readjustment
#: years between the 2nd and 3rd, which were not a plan but still need a place on the axis.
FYP = (
    (1953, 1957), (1958, 1962), (1963, 1965), (1966, 1970), (1971, 1975), (1976, 1980), (1981, 1985),
    (1986, 1990), (1991, 1995), (1996, 2000), (2001, 2005), (2006, 2010), (2011, 2015), (2016, 2020),
    (2021, 2025), (2026, 2030),
)
#: Plan numbers by start year (the readjustment years have none).
FYP_NUMBER = {start: n for n, (start, _) in enumerate((p for p in FYP if p != (1963, 1965)), start=1)}

Day = tuple[int, int, int]


def date_parts(date: str) -> tuple[int, int | None, int | None]:
    """(year, month, day) of a YYYY, YYYY-MM or YYYY-MM-DD date, None for what it does not give;
    ValueError for anything else."""
    parts = str(date).strip().split("-")
    if len(parts) > 3 or not all(p.isdigit() for p in parts) or len(parts[0]) != 4:
        raise ValueError(date)
    year = int(parts[0])
    month = int(parts[1]) if len(parts) > 1 else None
    day = int(parts[2]) if len(parts) > 2 else None
    if month is not None and not 1 <= month <= 12:
        raise ValueError(date)
    if day is not None:
        dt.date(year, month or 1, day)  # ValueError for 2009-02-30
    return year, month, day


def date_range(date: str) -> tuple[dt.date, dt.date]:
    """The first and last day a date of year, month or day precision can mean."""
    y, m, d = date_parts(date)
    if m is None:
        return dt.date(y, 1, 1), dt.date(y, 12, 31)
    if d is None:
        return dt.date(y, m, 1), dt.date(y, m, calendar.monthrange(y, m)[1])
    return dt.date(y, m, d), dt.date(y, m, d)


def decimal_year(day: dt.date) -> float:
    """A day as a year with a fraction (2001-07-02 -> about 2001.5), for time axes."""
    start = dt.date(day.year, 1, 1)
    days = 366 if calendar.isleap(day.year) else 365
    return day.year + (day - start).days / days


@dataclass(frozen=True)
class Bin:
    """One named span of days (inclusive), from a scheme or a bins file."""

    label: str
    start: dt.date
    end: dt.date


@dataclass(frozen=True)
class PeriodScheme:
    """How dates are grouped: a named scheme, or explicit bins from a file."""

    name: str  # one of NAMES, or "custom"
    bins: tuple[Bin, ...] = ()
    source: str = ""  # the bins file, for messages

    def label(self, date: str) -> tuple[str | None, str]:
        """(label, "") for a date, or (None, why not): a date coarser than the period (a
        year-only date has no quarter) or outside every bin is never placed by guessing."""
        try:
            y, m, _ = date_parts(date)
        except ValueError:
            return None, f"unparseable date {date!r}"
        if self.name == "year":
            return f"{y:04d}", ""
        if self.name == "5y":
            lo = y - y % 5
            return f"{lo:04d}-{lo + 4:04d}", ""
        if self.name == "decade":
            return f"{y - y % 10:04d}s", ""
        if self.name in ("quarter", "month"):
            if m is None:
                return None, f"date {date} has no {self.name}"
            return (f"{y:04d}-Q{(m - 1) // 3 + 1}" if self.name == "quarter" else f"{y:04d}-{m:02d}"), ""
        first, last = date_range(date)
        hits = [b for b in self.bins if b.start <= last and first <= b.end]
        if len(hits) == 1 and hits[0].start <= first and last <= hits[0].end:
            return hits[0].label, ""
        if not hits:
            what = "Five-Year-Plan period" if self.name == "fyp" else f"bin of {self.source}"
            return None, f"date {date} is in no {what}"
        return None, f"date {date} is not inside one bin ({', '.join(b.label for b in hits)})"

    def span(self, label: str) -> tuple[dt.date, dt.date]:
        """The first and last day of a period label this scheme made."""
        for b in self.bins:
            if b.label == label:
                return b.start, b.end
        if self.name == "year":
            return date_range(label)
        if self.name == "month":
            return date_range(label)
        if self.name == "quarter":
            y, q = int(label[:4]), int(label[-1])
            return dt.date(y, 3 * q - 2, 1), date_range(f"{y:04d}-{3 * q:02d}")[1]
        if self.name == "5y":
            return dt.date(int(label[:4]), 1, 1), dt.date(int(label[5:9]), 12, 31)
        if self.name == "decade":
            return dt.date(int(label[:4]), 1, 1), dt.date(int(label[:4]) + 9, 12, 31)
        raise KeyError(label)

    def midpoint(self, label: str) -> float:
        """The period's middle as a decimal year: its place on a time axis."""
        a, b = self.span(label)
        return (decimal_year(a) + decimal_year(b + dt.timedelta(days=1))) / 2

    def bounds(self, label: str) -> tuple[float, float]:
        """The period's start and end (exclusive) as decimal years."""
        a, b = self.span(label)
        return decimal_year(a), decimal_year(b + dt.timedelta(days=1))

    def order(self, labels: list[str]) -> list[str]:
        """Labels in time order (custom labels need not sort as text)."""
        return sorted(labels, key=lambda p: (self.span(p)[0], p))

    def adjacent(self, a: str, b: str) -> bool:
        """Whether period `b` starts the day after `a` ends: no period lies between them, so a
        line may join them."""
        return self.span(a)[1] + dt.timedelta(days=1) >= self.span(b)[0]

    def describe(self, label: str) -> str:
        """A label with its plan number where it has one (`2021-2025 (14th Five-Year Plan)`)."""
        if self.name == "fyp":
            n = FYP_NUMBER.get(self.span(label)[0].year)
            if n:
                return f"{label} ({_ordinal(n)} Five-Year Plan)"
            return f"{label} (readjustment, no plan)"
        return label


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def _fyp_scheme() -> PeriodScheme:
    bins = tuple(Bin(f"{a}-{b}", dt.date(a, 1, 1), dt.date(b, 12, 31)) for a, b in FYP)
    return PeriodScheme("fyp", bins)


def read_bins(path: str | Path) -> PeriodScheme:
    """Custom bins from a CSV of `label,start,end` (a header row is optional); dates are
    YYYY[-MM[-DD]] and inclusive (an end of `2012` means 2012-12-31). Overlapping,
    unparseable, duplicate or reversed bins are refused with the line that has them."""
    p = Path(path)
    try:
        text = p.read_text("utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"--period {path}: not one of {', '.join(NAMES)}, and no such bins file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"--period {path}: cannot read the bins file ({type(e).__name__})") from None
    bins: list[Bin] = []
    for n, row in enumerate(csv.reader(text.splitlines()), start=1):
        cells = [c.strip() for c in row]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if n == 1 and [c.lower() for c in cells] == ["label", "start", "end"]:
            continue
        if len(cells) != 3 or not cells[0]:
            raise InputError(f"{path} line {n}: expected label,start,end")
        label, start, end = cells
        if label == "all":
            raise InputError(f"{path} line {n}: the label `all` is reserved for the whole date range")
        try:
            first, last = date_range(start)[0], date_range(end)[1]
        except ValueError:
            raise InputError(f"{path} line {n}: dates must be YYYY, YYYY-MM or YYYY-MM-DD, got {start!r} to "
                             f"{end!r}") from None
        if last < first:
            raise InputError(f"{path} line {n}: bin {label!r} ends before it starts")
        if any(b.label == label for b in bins):
            raise InputError(f"{path} line {n}: bin {label!r} appears twice")
        clash = next((b for b in bins if b.start <= last and first <= b.end), None)
        if clash:
            raise InputError(f"{path} line {n}: bin {label!r} overlaps bin {clash.label!r}")
        bins.append(Bin(label, first, last))
    if not bins:
        raise InputError(f"{path}: no bins (expected rows of label,start,end)")
    return PeriodScheme("custom", tuple(sorted(bins, key=lambda b: b.start)), str(path))


def scheme(spec: str | PeriodScheme) -> PeriodScheme:
    """The scheme for a --period value: a name from NAMES, or the path of a bins file."""
    if isinstance(spec, PeriodScheme):
        return spec
    if spec == "fyp":
        return _fyp_scheme()
    if spec in NAMES:
        return PeriodScheme(spec)
    return read_bins(spec)


def choose_period(dates: pd.Series) -> str:
    """Years for corpora spanning three years or more (or with many year-only dates),
    quarters for a year or more, else months."""
    parsed = []
    for d in dates.dropna().unique():
        try:
            y, m, _ = date_parts(str(d))
        except ValueError:
            continue
        parsed.append((y, m))
    if not parsed:
        return "year"
    years = [y for y, _ in parsed]
    coarse = sum(m is None for _, m in parsed) / len(parsed)
    months = [y * 12 + (m or 1) for y, m in parsed]
    if max(years) - min(years) >= 3 or coarse > 0.05:
        return "year"
    return "quarter" if max(months) - min(months) >= 9 else "month"


def period_of(date: str, period: str | PeriodScheme) -> str | None:
    """The period label of a date (`2009`, `2009-Q2`, `2009-05`, `2006-2010`, `1990s`), or None
    when the date cannot be placed in one; ValueError for a malformed date."""
    date_parts(date)
    return scheme(period).label(date)[0]
