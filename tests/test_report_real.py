"""The report on real yearly and five-yearly series in ../shared/corpora (read there, never
copied): one work report a year (local_gwr_zh, 2012-2019) and the party congress reports
(cpc_congress_zh, about every five years). Each must give headlines and no empty section."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from pipeline.report import ALL

from .conftest import corpora_dir


def _check_summary(text: str) -> None:
    headings = re.findall(r"^## (.+)$", text, flags=re.M)
    assert headings[0] == "Biggest shifts", headings
    for block in re.split(r"^## .+$", text, flags=re.M)[1:]:
        assert block.strip(), "a heading with nothing under it"
    shifts = text.split("## Biggest shifts")[1].split("\n## ")[0]
    assert len(re.findall(r"^- ", shifts, flags=re.M)) >= 2
    assert not re.search(r"highest in (\S+) \([^)]*\), lowest in \1 ", text)


@pytest.mark.parametrize(("folder", "period", "periods", "unplaced"), [
    ("local_gwr_zh", "year", [str(y) for y in range(2012, 2020)], 0),
    ("cpc_congress_zh", "year", None, 0),
    ("cpc_congress_zh", "fyp", None, 3),  # 1921 (two texts) and 1923 come before the first plan
])
def test_real_series(trained: Path, tmp_path: Path, cli, folder: str, period: str, periods: list[str] | None,
                     unplaced: int) -> None:
    out = tmp_path / "rep"
    r = cli("report", corpora_dir() / folder, "-o", out, "--model", trained, "--period", period, "-q")
    assert r.code == 0, r.err
    _check_summary((out / "summary.md").read_text("utf-8"))
    s = pd.read_csv(out / "theme_shares.csv", dtype={"period": str}, keep_default_na=False)
    years = s[(s["source"] == ALL) & (s["period"] != ALL)]
    if periods:
        assert sorted(set(years["period"])) == periods
    if folder == "local_gwr_zh":
        # One long report a year: never flagged as too little text.
        assert (years["n_statements"] == 1).all() and not years["too_few"].any()
    assert len(pd.read_csv(out / "unplaced.csv")) == unplaced
    page = (out / "index.html").read_text("utf-8")
    assert "<h2>Biggest shifts</h2>" in page and "<ul class=\"shifts\"><li>" in page
    assert re.search(r"<h[23]>[^<]*</h[23]>\s*<(?:h[23]|/section)", page) is None  # no empty heading
