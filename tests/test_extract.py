"""Web pages and PDFs as input (issue 14): the same sentences as the text they were made from.

The pages are built here from statements the team wrote (data/statements), wrapped in a site's
header, menus, breadcrumbs, sidebar and footer; the PDFs are printed from those pages by
headless Chromium (Debian's package: a missing browser is a failure, not a skip), so their
text layer has lines broken at the page width, as real PDFs do.
"""

from __future__ import annotations

import html
import re
import subprocess
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from pipeline.readers import ReadOptions, read_statements
from pipeline.records import Failure, Statement
from pipeline.segment import segment_statement

from .conftest import ROOT
from .robustness.cases import image_only_pdf
from .test_report_browser import chromium

STATEMENTS = ROOT / "data" / "statements"
#: English and Chinese, plain text and front matter, Q&A and reports, hard-wrapped lines.
SAMPLES = ["en/en-2009-03-gwr-stimulus.md", "en/2020-04-20_ndrc-new-infrastructure-briefing.txt",
           "en/en-2014-09-state-council-yangtze-belt.md", "zh/zh-2009-02-shangwubu-jiadian.md",
           "zh/2015-04-30_jingjinji.txt", "zh/zh-2024-03-guowuyuan-gengxin.md"]


def statement(rel: str) -> Statement:
    (st,) = [s for s in read_statements([str(STATEMENTS / rel)], ReadOptions()) if isinstance(s, Statement)]
    return st


def web_page(st: Statement, date_meta: bool = True) -> str:
    """The statement as a news site would show it: paragraphs as <p> (lines kept with <br>),
    one-line paragraphs without end punctuation as headings, and the site's furniture."""
    parts = []
    for para in re.split(r"\n\s*\n", st.text[st.body_start :]):
        para = para.strip()
        if not para:
            continue
        if "\n" not in para and not re.search(r"[.!?。！？”\"]$", para):
            parts.append(f"<h2>{html.escape(para)}</h2>")
        else:
            parts.append("<p>" + "<br>\n".join(html.escape(line) for line in para.splitlines()) + "</p>")
    title = html.escape(st.title or st.id)
    meta = f'<meta property="article:published_time" content="{st.date}">' if date_meta else ""
    return f"""<!DOCTYPE html>
<html lang="{st.lang}"><head><meta charset="utf-8"><title>{title} - Example Policy News</title>{meta}
<style>body {{ font-family: sans-serif; max-width: 46em; margin: auto; }} nav li {{ display: inline; }}</style>
</head><body>
<header><div class="logo">Example Policy News</div>
<nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li><li><a href="/policy">Policies</a></li>
<li><a href="/data">Data</a></li><li><a href="/contact">Contact us</a></li></ul></nav>
<div class="breadcrumb"><a href="/">Home</a> &gt; <a href="/news">News</a> &gt; Economy</div></header>
<main><article><h1>{title}</h1>
{chr(10).join(parts)}
</article>
<aside><h3>Related news</h3><ul><li><a href="/a">Markets rally on stimulus hopes</a></li>
<li><a href="/b">Exports rise in March</a></li><li><a href="/c">新能源汽车销量创新高</a></li></ul></aside></main>
<footer><p>Copyright © 2024 Example Policy News. All rights reserved.</p><p>京ICP备12345678号</p>
<p><a href="#">Return to top</a> | <a href="/sitemap">Site map</a></p></footer>
</body></html>"""


def print_pdf(page: Path, pdf: Path) -> None:
    """Headless Chromium's print of a page (no header and footer lines)."""
    p = subprocess.run([chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                        f"--print-to-pdf={pdf}", page.as_uri()], capture_output=True, text=True, timeout=120)
    assert pdf.is_file() and pdf.stat().st_size > 1000, p.stderr[-2000:]


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Statement]]:
    """A folder with an HTML page (in html/) and a PDF (in pdf/) of every sample statement."""
    folder = tmp_path_factory.mktemp("documents")
    (folder / "html").mkdir()
    (folder / "pdf").mkdir()
    made = {}
    for rel in SAMPLES:
        st = statement(rel)
        stem = f"{st.date}_{Path(rel).stem}"  # the PDF's date comes from its name
        page = folder / "html" / f"{stem}.html"
        page.write_text(web_page(st), encoding="utf-8")
        print_pdf(page, folder / "pdf" / f"{stem}.pdf")
        made[stem] = st
    return folder, made


def _share_found(want: Counter[str], got: Counter[str]) -> float:
    return sum((want & got).values()) / sum(want.values())


def test_html_and_pdf_give_the_sentences_of_the_text(cli, documents, tmp_path: Path) -> None:
    folder, made = documents
    out = tmp_path / "sentences.csv"
    r = cli("segment", folder, "-o", out, "--statements", tmp_path / "st.csv")
    assert r.code == 0 and "failed: 0" in r.err, r.err
    got = pd.read_csv(out, keep_default_na=False)
    st = pd.read_csv(tmp_path / "st.csv", keep_default_na=False).set_index("statement_id")
    found: dict[str, int] = {"html": 0, "pdf": 0}
    n = 0
    for stem, original in made.items():
        want = Counter(s.sentence for s in segment_statement(original).sentences)
        n += sum(want.values())
        for kind in ("html", "pdf"):
            sid = f"{kind}/{stem}"
            assert st.loc[sid, "date"] == original.date
            assert st.loc[sid, "date_source"] == ("metadata" if kind == "html" else "filename")
            share = _share_found(want, Counter(got.loc[got["statement_id"] == sid, "sentence"]))
            assert share >= 0.85, (sid, share)
            found[kind] += round(share * sum(want.values()))
    for kind, hits in found.items():
        print(f"{kind}: {hits} of the {n} sentences of the text versions found ({hits / n:.1%})")
        assert hits / n >= 0.95, (kind, hits, n)


def test_pdf_reads_chinese_back(documents) -> None:
    folder, _ = documents
    pdf = folder / "pdf" / "2024-03-13_zh-2024-03-guowuyuan-gengxin.pdf"
    (st,) = [s for s in read_statements([str(pdf)], ReadOptions()) if isinstance(s, Statement)]
    assert st.lang == "zh" and st.date == "2024-03-13" and st.date_source == "filename"
    sentences = [s.sentence for s in segment_statement(st).sentences]
    # broken over two printed lines, and inside a number of full-width digits
    assert "到2027年，工业、农业、建筑、交通、教育、文旅、医疗等领域的设备投资规模要比2023年增长25%以上。" in sentences


def test_format_option_reads_pages_and_pdfs_whatever_their_suffix(cli, documents, tmp_path: Path) -> None:
    folder, made = documents
    stem = next(iter(made))
    page = tmp_path / "saved_page.txt"
    page.write_bytes((folder / "html" / f"{stem}.html").read_bytes())
    pdf = tmp_path / "2009-03-05_download.bin"
    pdf.write_bytes((folder / "pdf" / f"{stem}.pdf").read_bytes())
    want = Counter(s.sentence for s in segment_statement(made[stem]).sentences)
    for path, fmt in ((page, "html"), (pdf, "pdf")):
        out = tmp_path / f"{fmt}.csv"
        r = cli("segment", path, "--format", fmt, "-o", out)
        assert r.code == 0, r.err
        assert _share_found(want, Counter(pd.read_csv(out, keep_default_na=False)["sentence"])) >= 0.95


def test_html_date_from_the_page_else_from_its_text(tmp_path: Path) -> None:
    st = statement("en/2020-04-20_ndrc-new-infrastructure-briefing.txt")  # its text says "Date: 2020-04-20"
    page = web_page(st).replace('content="2020-04-20"', 'content="2020-04-21"')
    (tmp_path / "with.html").write_text(page, encoding="utf-8")
    other = web_page(st, date_meta=False).replace("</article>", "<p>One more sentence.</p></article>")
    (tmp_path / "without.html").write_text(other, encoding="utf-8")  # not the same text: not a duplicate
    got = {s.id: (s.date, s.date_source, s.title) for s in read_statements([str(tmp_path)], ReadOptions())
           if isinstance(s, Statement)}
    assert got["with"][:2] == ("2020-04-21", "metadata")
    assert got["without"][:2] == ("2020-04-20", "text")
    assert got["with"][2] == "2020-04-20_ndrc-new-infrastructure-briefing - Example Policy News"  # its <title>


def test_html_declared_charset_is_used(tmp_path: Path) -> None:
    page = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"><title>通知</title>'
            '<meta name="date" content="2021-06-01"></head><body><article><p>国务院办公厅关于进一步释放消费潜力'
            '促进消费持续恢复的意见。各地要加快推进县域商业体系建设，扩大农村消费。</p></article></body></html>')
    (tmp_path / "gbk.html").write_bytes(page.encode("gb18030"))
    (st,) = list(read_statements([str(tmp_path / "gbk.html")], ReadOptions()))
    assert isinstance(st, Statement) and "扩大农村消费" in st.text and st.date == "2021-06-01"


@pytest.mark.parametrize(("name", "data", "message"), [
    ("2020_scan.pdf", image_only_pdf(), "the PDF has no text layer (1 pages of images: scanned?); run OCR"),
    ("2020_broken.pdf", b"%PDF-1.4\nthis is not a PDF at all\n", "not a readable PDF"),
    ("2020_empty.html", b"<html><head><script>var x = 1;</script></head><body><img src='a.png'></body></html>",
     "no main text found"),
])
def test_unreadable_documents_are_one_line_errors(cli, tmp_path: Path, name: str, data: bytes, message: str) -> None:
    src = tmp_path / name
    src.write_bytes(data)
    r = cli("segment", src, "-o", tmp_path / "out.csv")
    lines = r.err.strip().splitlines()
    assert r.code == 2 and len(lines) == 1 and lines[0].startswith(f"error: {src}: "), r.err
    assert message in lines[0], r.err
    assert not (tmp_path / "out.csv").exists()
    assert isinstance(next(iter(read_statements([str(src)], ReadOptions()))), Failure)
