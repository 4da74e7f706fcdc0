"""Dates of statements, kept at the precision the input gives (year, month or day)."""

from __future__ import annotations

import datetime as dt
import re

from .config import DATE_SEARCH_LINES

_MONTHS = {
    name: i
    for i, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))

# Whole-string forms accepted in metadata (front matter, a `date` column, --date).
_ISO = re.compile(r"(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?Z?)?")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_ZH = re.compile(r"(\d{4})\s*年(?:\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*[日号])?)?")
_MDY = re.compile(rf"(?:on\s+)?({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})", re.I)
_DMY = re.compile(rf"(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTH_RE})\.?,?\s+(\d{{4}})", re.I)
_MY = re.compile(rf"({_MONTH_RE})\.?,?\s+(\d{{4}})", re.I)

# Forms searched for inside the first lines of a text: full dates only, so a year
# mentioned in passing ("In 2009, ...") is never taken for the statement's date.
_TEXT_PATTERNS = (
    re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)"),
    re.compile(r"(?<!\d)(\d{4})/(\d{1,2})/(\d{1,2})(?!\d)"),
    re.compile(r"(?<!\d)(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]"),
)
_TEXT_MDY = re.compile(rf"\b({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,\s*(\d{{4}})\b", re.I)
_TEXT_DMY = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTH_RE})\.?,?\s+(\d{{4}})\b", re.I)

# File names: 2023-03-05_x, 2023-03_x, 2023_x, 20230305_x.
_NAME = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?=[_\-. ]|$)")
_NAME_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})(?=[_\-. ]|$)")

MIN_YEAR, MAX_YEAR = 1900, 2100


def _format(year: str | int, month: str | int | None, day: str | int | None) -> str | None:
    """ISO text at the given precision, or None when the parts are not a real date."""
    y = int(year)
    if not MIN_YEAR <= y <= MAX_YEAR:
        return None
    if month in (None, ""):
        return f"{y:04d}"
    m = int(month)
    if not 1 <= m <= 12:
        return None
    if day in (None, ""):
        return f"{y:04d}-{m:02d}"
    try:
        return dt.date(y, m, int(day)).isoformat()
    except ValueError:
        return None


def parse_date(value: str) -> str | None:
    """Parse a metadata date; returns `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, or None."""
    s = value.strip().strip("\"'")
    if not s:
        return None
    for rx in (_ISO, _COMPACT, _ZH):
        m = rx.fullmatch(s)
        if m:
            return _format(*m.groups())
    m = _MDY.fullmatch(s)
    if m:
        return _format(m.group(3), _MONTHS[m.group(1).lower()], m.group(2))
    m = _DMY.fullmatch(s)
    if m:
        return _format(m.group(3), _MONTHS[m.group(2).lower()], m.group(1))
    m = _MY.fullmatch(s)
    if m:
        return _format(m.group(2), _MONTHS[m.group(1).lower()], None)
    return None


def date_from_name(name: str) -> str | None:
    """A date at the start of a file name (`2023-03-05_...`, `2023_...`)."""
    m = _NAME_COMPACT.match(name) or _NAME.match(name)
    return _format(*m.groups()) if m else None


def date_from_text(text: str, start: int = 0) -> str | None:
    """The first full date stated in the first few non-empty lines of a text."""
    lines: list[str] = []
    for line in text[start : start + 4000].splitlines():
        if line.strip():
            lines.append(line)
            if len(lines) >= DATE_SEARCH_LINES:
                break
    for line in lines:
        best: tuple[int, str] | None = None
        for rx in _TEXT_PATTERNS:
            for m in rx.finditer(line):
                iso = _format(*m.groups())
                if iso and (best is None or m.start() < best[0]):
                    best = (m.start(), iso)
                break
        for m in _TEXT_MDY.finditer(line):
            iso = _format(m.group(3), _MONTHS[m.group(1).lower()], m.group(2))
            if iso and (best is None or m.start() < best[0]):
                best = (m.start(), iso)
            break
        for m in _TEXT_DMY.finditer(line):
            iso = _format(m.group(3), _MONTHS[m.group(2).lower()], m.group(1))
            if iso and (best is None or m.start() < best[0]):
                best = (m.start(), iso)
            break
        if best:
            return best[1]
    return None


def is_future(date: str, today: dt.date | None = None) -> bool:
    """Whether a date (at its own precision) lies after today: 2031 is, this year is not."""
    today = today or dt.date.today()
    parts = [int(x) for x in date.split("-")]
    now = [today.year, today.month, today.day][: len(parts)]
    return parts > now


_YEAR = re.compile(r"(?<!\d)\d{4}(?=\d{4}(?!\d)|(?!\d))")  # also the year of 18990305


def date_error(value: str) -> str:
    """Why `parse_date` refused `value`, for a message: a real date outside the years a
    statement can have (a typo like 1899 or 2201), or no date at all."""
    shown = repr(value.strip()[:40])
    m = _YEAR.search(value)
    if m and not MIN_YEAR <= int(m.group()) <= MAX_YEAR:
        fixed = value[: m.start()] + "2000" + value[m.end() :]
        if parse_date(fixed) is not None:
            return f"date {shown} is outside {MIN_YEAR}-{MAX_YEAR}"
    return f"unparseable date {shown} (use YYYY, YYYY-MM or YYYY-MM-DD)"
