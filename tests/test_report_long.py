"""Issue #14: one long statement per period (a yearly work report) gives a report with meaning.

The corpus (tests/longcorpus.py) has one 420-sentence report a year with chosen shifts: the
report must find them significant, call nothing significant where the shares stay, raise no
low-text caution, explain what a single statement's share means, and show the 1995-1999 gap.
"""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.report import ALL

from .longcorpus import write_long_corpus


@pytest.fixture(scope="module")
def long_report(trained: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from .conftest import Result

    def cli(*args: object) -> Result:
        from pipeline.cli import main

        return Result(main([str(a) for a in args]), "", "")

    base = tmp_path_factory.mktemp("long")
    corpus = write_long_corpus(trained, base / "reports-by-year", cli)
    out = base / "rep"
    assert cli("report", corpus, "-o", out, "--model", trained, "-q").code == 0
    return out


def _shares(folder: Path) -> pd.DataFrame:
    return pd.read_csv(folder / "theme_shares.csv", dtype={"period": str}, keep_default_na=False)


def test_long_years_are_not_thin(long_report: Path) -> None:
    s = _shares(long_report)
    years = s[(s["source"] == ALL) & (s["period"] != ALL)]
    assert sorted(set(years["period"])) == [str(y) for y in [*range(1990, 1995), *range(2000, 2005)]]
    assert (years["n_statements"] == 1).all() and (years["n_sentences"] >= 400).all()
    assert not years["too_few"].any() and (years["warning"] == "").all()
    # Intervals are not degenerate: block resampling gives each year a real spread.
    assert ((years["ci_high"] - years["ci_low"]) > 0.01).all()


def test_shifts_are_significant_and_steady_years_are_not(long_report: Path) -> None:
    ch = pd.read_csv(long_report / "changes.csv", dtype={"period_from": str, "period_to": str})
    ch = ch[ch["source"] == ALL].set_index(["period_from", "period_to", "theme"]).sort_index()
    jump = ch.loc[("1992", "1993", "consumption")]
    assert jump["significant"] and jump["change_pp"] > 12 and jump["ci_low_pp"] > 0
    assert ch.loc[("1994", "2000", "growth")]["significant"]  # across the gap, 10% -> 25%
    for a, b in [("1990", "1991"), ("1991", "1992"), ("2001", "2002"), ("2002", "2003")]:
        steady = ch.loc[(a, b)]
        assert not steady["significant"].any(), (a, b, steady[["change_pp", "ci_low_pp", "ci_high_pp"]])
    assert not ch["too_few"].any()


def test_summary_leads_with_shifts_and_has_no_empty_section(long_report: Path) -> None:
    text = (long_report / "summary.md").read_text("utf-8")
    headings = re.findall(r"^## (.+)$", text, flags=re.M)
    assert headings[:3] == ["Biggest shifts", "Where each theme peaked", "Everything else"]
    first = text.split("## Biggest shifts")[1].split("##")[0]
    assert "Consumption rose" in first and "1993" in first
    assert "Anything else" not in first  # the catch-all never leads
    for block in re.split(r"^## .+$", text, flags=re.M)[1:]:
        assert block.strip(), "a heading with nothing under it"
    assert "Too little text" not in text and "statements)" not in text
    assert "single statement" in text and "emphasis" in text
    for m in re.finditer(r"highest in (\S+) \(([^)]*)\), lowest in (\S+) \(([^)]*)\)", text):
        assert m.group(1) != m.group(3) and m.group(2) != m.group(4)
    info = json.loads((long_report / "report.json").read_text())
    assert len(info["single_statement_periods"]) == 10


def test_page_says_what_one_statement_means_and_shows_the_gap(long_report: Path) -> None:
    page = (long_report / "index.html").read_text("utf-8")
    assert "Too little text" not in page
    assert "that statement&#x27;s emphasis" in page or "that statement's emphasis" in page
    assert page.count('class="gap"') >= 6  # the 1995-1999 gap in every panel of the whole-corpus view
    panel = re.search(r'<svg class="panel"[^>]*data-theme="consumption".*?</svg>', page, flags=re.S)
    assert panel
    xs = {m.group(2): float(m.group(1)) for m in re.finditer(r'<circle class="pt" cx="([\d.]+)".*?data-period="(\d+)"',
                                                             panel.group(0))}
    assert set(xs) == {str(y) for y in [*range(1990, 1995), *range(2000, 2005)]}  # all filled
    gap = re.search(r'<rect class="gap" x="([\d.]+)" y="\d+" width="([\d.]+)"', panel.group(0))
    assert gap
    left, right = float(gap.group(1)), float(gap.group(1)) + float(gap.group(2))
    assert xs["1994"] < left < right < xs["2000"]
    assert (xs["2000"] - xs["1994"]) > 5 * (xs["1991"] - xs["1990"])  # time, not categories
    for line in re.findall(r'<polyline class="corr" stroke="[^"]+" points="([^"]+)"', panel.group(0)):
        px = [float(p.split(",")[0]) for p in line.split()]
        assert not any(a < left and b > right for a, b in itertools.pairwise(px)), "a line across the gap"


def test_each_theme_is_scaled_to_its_data(long_report: Path, trained: Path, tmp_path: Path, cli) -> None:
    from pipeline.charts import nice_max

    s = _shares(long_report)
    page = (long_report / "index.html").read_text("utf-8")
    view = page.split('data-view="1"')[0]  # the whole-corpus view
    tops = {m.group(1): float(m.group(2)) for m in re.finditer(r'data-theme="(\w+)" data-ymax="([\d.]+)"', view)}
    years = s[(s["source"] == ALL) & (s["period"] != ALL)]
    for theme, top in tops.items():
        t = years[years["theme"] == theme]
        assert top == pytest.approx(nice_max(max(t["ci_high"].max(), t["share_raw"].max())))
    assert len(set(tops.values())) >= 2 and max(tops.values()) < 1.0
    # --common-scale: one scale for all, from the same figures.
    out = tmp_path / "common"
    r = cli("report", long_report / "sentences.parquet", "-o", out, "--model", trained, "--common-scale", "-q")
    assert r.code == 0, r.err
    common = (out / "index.html").read_text("utf-8").split('data-view="1"')[0]
    assert set(re.findall(r'data-theme="\w+" data-ymax="([\d.]+)"', common)) == {f"{max(tops.values()):g}"}


def test_five_year_plan_periods(long_report: Path, trained: Path, tmp_path: Path, cli) -> None:
    out = tmp_path / "fyp"
    r = cli("report", long_report / "sentences.parquet", "-o", out, "--model", trained, "--period", "fyp", "-q")
    assert r.code == 0, r.err
    s = _shares(out)
    per = s[(s["source"] == ALL) & (s["period"] != ALL)].drop_duplicates("period").set_index("period")
    assert per.index.tolist() == ["1986-1990", "1991-1995", "1996-2000", "2001-2005"]
    assert per["n_statements"].tolist() == [1, 4, 1, 4]
    assert json.loads((out / "report.json").read_text())["period"] == "fyp"
    assert json.loads((long_report / "report.json").read_text())["ui"] == "en"
    assert "by Five-Year-Plan period" in (out / "summary.md").read_text("utf-8")
    # Custom bins from a file: a statement outside them is counted, not dropped.
    bins = tmp_path / "bins.csv"
    bins.write_text("label,start,end\nearly nineties,1990,1992\nmid nineties,1993-01,1994-12-31\n")
    r = cli("report", long_report / "sentences.parquet", "-o", tmp_path / "bins", "--model", trained, "--period",
            bins, "-q")
    assert r.code == 0, r.err
    s = _shares(tmp_path / "bins")
    assert set(s["period"]) == {"early nineties", "mid nineties", ALL}
    assert len(pd.read_csv(tmp_path / "bins" / "unplaced.csv")) == 5


def test_chinese_page_and_summary(long_report: Path, trained: Path, tmp_path: Path, cli) -> None:
    from pipeline.themes import load_taxonomy

    out = tmp_path / "zh"
    r = cli("report", long_report / "sentences.parquet", "-o", out, "--model", trained, "--ui", "zh", "-q")
    assert r.code == 0, r.err
    text = (out / "summary.md").read_text("utf-8")
    page = (out / "index.html").read_text("utf-8")
    tax = load_taxonomy()
    assert text.startswith("# 政策主题随时间的变化：摘要") and "## 最大的变化" in text
    assert f"{tax.get('consumption').name_zh}从1992的" in text
    assert '<html lang="zh-CN">' in page and "数字背后的句子" in page
    for t in tax.themes:
        assert t.name_zh in page
    for english in ("Biggest shifts", "How to read this", "Sentences behind the figure", "sentences in"):
        assert english not in page and english not in text
    np.testing.assert_allclose(_shares(out)["share_corrected"], _shares(long_report)["share_corrected"])
    notes = json.loads((out / "report.json").read_text())["notes"]
    assert not [n for n in notes if "glyph" in n or "Chinese" in n]  # the PNGs drew every character


def test_a_custom_theme_shows_its_name(long_report: Path, trained: Path, tmp_path: Path, cli) -> None:
    """A model trained on another taxonomy (here `regional` renamed `coastal_opening`): its
    theme shows the name from that taxonomy given with --themes, and without it the page says
    which taxonomy to pass."""
    meta = json.loads((trained / "meta.json").read_text())
    rename = {"regional": "coastal_opening"}
    meta["labels"] = [rename.get(x, x) for x in meta["labels"]]
    for score in meta["cv"]["scores"].values():
        cm = score["confusion_matrix"]
        cm["labels"] = [rename.get(x, x) for x in cm["labels"]]
    model = tmp_path / "model"
    model.mkdir()
    (model / "meta.json").write_text(json.dumps(meta))
    df = pd.read_parquet(long_report / "sentences.parquet")
    df = df.rename(columns={"p_regional": "p_coastal_opening"}).assign(theme=df["theme"].replace(rename))
    table = tmp_path / "custom.parquet"
    df.to_parquet(table)
    themes = tmp_path / "themes.toml"
    base = (Path(__file__).resolve().parent.parent / "data" / "themes.toml").read_text("utf-8")
    themes.write_text(base.replace('id = "regional"', 'id = "coastal_opening"')
                      .replace('name_en = "Regional coordination"', 'name_en = "Opening of the coast"')
                      .replace('name_zh = "区域协调发展"', 'name_zh = "沿海开放"'), "utf-8")
    r = cli("report", table, "-o", tmp_path / "named", "--model", model, "--themes", themes, "-q")
    assert r.code == 0, r.err
    page = (tmp_path / "named" / "index.html").read_text("utf-8")
    assert "Opening of the coast" in page and "Regional coordination" not in page
    assert ">coastal_opening<" not in page
    assert "Opening of the coast" in (tmp_path / "named" / "summary.md").read_text("utf-8")
    r = cli("report", table, "-o", tmp_path / "zh", "--model", model, "--themes", themes, "--ui", "zh", "-q")
    assert r.code == 0 and "沿海开放" in (tmp_path / "zh" / "index.html").read_text("utf-8")
    r = cli("report", table, "-o", tmp_path / "unnamed", "--model", model, "-q")
    assert r.code == 0, r.err
    page = (tmp_path / "unnamed" / "index.html").read_text("utf-8")
    assert "Themes not named in data/themes.toml: coastal_opening" in page
    r = cli("report", table, "-o", tmp_path / "bad", "--model", model, "--themes", tmp_path / "nope.toml")
    assert r.code == 2 and "--themes" in r.err and not (tmp_path / "bad").exists()
