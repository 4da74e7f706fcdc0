"""Text out of documents: the main text of an HTML page, the text layer of a PDF.

A page's main text is found by trafilatura (maintained, and it keeps the article and drops
menus, sidebars and footers better than rules of our own would); a PDF's text comes from
pypdf. Both are imported only when such a file is read (about 0.19 s and 0.12 s here). What they return
is the statement's text: offsets of sentences index into it, and the usual furniture rules
and line joining of `clean` still run on it.

Bytes are decoded by the same exact rules as text files (a declared `<meta charset>`, else
UTF-8 or GB18030 Chinese), never by the libraries' own guessing.
"""

from __future__ import annotations

import codecs
import io
import logging
import re
from typing import Any

from .errors import InputError

# The libraries log warnings ("discarding data") that would reach stderr as stray lines.
for _name in ("trafilatura", "htmldate", "courlan", "justext", "pypdf"):
    logging.getLogger(_name).addHandler(logging.NullHandler())

_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.I)
#: Pages that declare GB2312 or GBK nearly always hold GBK characters too: GB18030 reads all three.
_CHARSET_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030",
                    "csgb2312": "gb18030"}
#: Ligatures PDF text layers keep ("diﬃcult"): written out, so words match their text version.
_LIGATURES = str.maketrans({"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl",
                            "\ufb05": "st", "\ufb06": "st"})


def declared_charset(data: bytes) -> str | None:
    """The charset a page declares in its first 4 KB (`<meta charset>` or http-equiv), if any."""
    m = _META_CHARSET.search(data[:4096])
    if not m:
        return None
    name = m.group(1).decode("ascii").lower()
    return _CHARSET_ALIASES.get(name, name)


def decode_html(data: bytes, name: str) -> str:
    """A page's text: by its BOM, else its declared charset, else as a text file is decoded."""
    from .readers import decode

    if data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return decode(data, name)
    charset = declared_charset(data)
    if charset is None:
        return decode(data, name)
    try:
        codecs.lookup(charset)
    except LookupError:
        raise InputError(f"{name}: the page declares an unknown charset {charset!r}") from None
    try:
        return data.decode(charset)
    except UnicodeDecodeError as e:
        raise InputError(
            f"{name}: not valid {charset} at byte {e.start}, though the page declares it; fix its <meta charset>"
        ) from None


def html_text(data: bytes, name: str) -> tuple[str, dict[str, str]]:
    """The main text of a page (one block per line) and its metadata: `date`, `title` when given.

    The date is the page's own, from its meta tags or JSON-LD (`article:published_time`,
    `PubDate`, `datePublished`, ...), never one guessed from what the page shows (trafilatura's
    date finder also reads headings and text): a date in the text's first lines is left to
    the usual rules, which say where each date came from.
    """
    import lxml.html  # type: ignore[import-untyped]
    import trafilatura

    page = decode_html(data, name)
    if "\x00" in page:
        raise InputError(f"{name}: binary file (contains NUL bytes), not text")
    try:
        tree = lxml.html.document_fromstring(_XML_DECLARATION.sub("", page, count=1))
        meta = page_metadata(tree)
        text = trafilatura.extract(tree, include_comments=False, include_tables=True, deduplicate=False)
    except (ValueError, TypeError, RecursionError, lxml.etree.LxmlError) as e:  # a broken or absurd page
        raise InputError(f"{name}: not a readable HTML page ({_first_line(e)})") from None
    if not text or not text.strip():
        raise InputError(f"{name}: no main text found in the HTML page (empty, or only menus and links)")
    return text, meta


_XML_DECLARATION = re.compile(r"\A\s*<\?xml[^>]*\?>")
#: Meta tags that carry a page's publication date, most specific first (lower case).
DATE_META = ("article:published_time", "datepublished", "pubdate", "publishdate", "firstpublishedtime",
             "dcterms.issued", "dc.date.issued", "citation_publication_date", "citation_date", "dcterms.date",
             "dc.date", "date", "og:published_time", "parsely-pub-date", "sailthru.date")
_META_DAY = re.compile(r"\s*(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})")


def page_metadata(tree: Any) -> dict[str, str]:
    """`date` and `title` from a page's head (meta tags, JSON-LD, <title>), when present."""
    from .dates import parse_date

    found: dict[str, str] = {}
    for el in tree.iter("meta"):
        key = (el.get("property") or el.get("name") or el.get("itemprop") or "").strip().lower()
        value = (el.get("content") or "").strip()
        if key and value:
            found.setdefault(key, value)
    for script in tree.iter("script"):
        if (script.get("type") or "").lower() == "application/ld+json" and script.text:
            published = _json_ld_date(script.text)
            if published:
                found.setdefault("datepublished", published)
    meta: dict[str, str] = {}
    for key in DATE_META:
        if key in found:
            m = _META_DAY.match(found[key])
            date = parse_date("-".join(m.groups())) if m else parse_date(found[key])
            if date:
                meta["date"] = date
                break
    title = found.get("og:title") or next((t.text_content().strip() for t in tree.iter("title")), "")
    if title:
        meta["title"] = " ".join(title.split())
    return meta


def _json_ld_date(text: str) -> str | None:
    """`datePublished` anywhere in a JSON-LD block (an object, a list, an @graph)."""
    import json

    try:
        stack: list[Any] = [json.loads(text)]
    except (ValueError, RecursionError):
        return None
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            value = item.get("datePublished")
            if isinstance(value, str):
                return value
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


def pdf_text(data: bytes, name: str) -> tuple[str, dict[str, str]]:
    """The text layer of a PDF, pages in order, one printed line per line (`clean` rejoins
    lines a wrap broke); ligatures written out. Refuses a PDF with no text (scanned pages)."""
    import pypdf

    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise InputError(f"{name}: the PDF is encrypted with a password; save an unencrypted copy")
        pages = [page.extract_text() or "" for page in reader.pages]
        info = reader.metadata
        title = info.get("/Title") if info is not None else None
    except InputError:
        raise
    except MemoryError:
        raise
    except Exception as e:  # pypdf raises many kinds on a damaged file
        raise InputError(f"{name}: not a readable PDF ({_first_line(e)})") from None
    if not pages:
        raise InputError(f"{name}: the PDF has no pages")
    text = "\n".join(p.rstrip("\n") for p in pages).translate(_LIGATURES)
    if not text.strip():
        raise InputError(
            f"{name}: the PDF has no text layer ({len(pages)} pages of images: scanned?); "
            "run OCR on it first (e.g. ocrmypdf) and read the result"
        )
    meta: dict[str, str] = {}
    if isinstance(title, str) and title.strip():
        meta["title"] = title.strip()
    return text, meta


def _first_line(e: Any) -> str:
    msg = str(e).strip()
    return (msg.splitlines()[0] if msg else type(e).__name__)[:120]
