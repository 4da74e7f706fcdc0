"""The report's statistics (periods, correction, bootstrap) and the `report` command."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.errors import InputError
from pipeline.report import (
    ALL,
    NO_SOURCE,
    ReportOptions,
    build_report,
    choose_period,
    correct,
    period_of,
)

from .conftest import ROOT

LABELS = ["growth", "investment", "consumption", "regional", "other"]
STATEMENTS = ROOT / "data" / "statements"
#: Confusion counts of a classifier that is never wrong: corrected equals raw.
PERFECT = {k: np.eye(5) * 1000 for k in ("en", "zh", ALL)}


@pytest.mark.parametrize(
    ("date", "period", "expected"),
    [
        ("2009", "year", "2009"),
        ("2009-05", "year", "2009"),
        ("2009-05-21", "year", "2009"),
        ("2009-05-21", "quarter", "2009-Q2"),
        ("2009-01-01", "quarter", "2009-Q1"),
        ("2009-12-31", "quarter", "2009-Q4"),
        ("2009-10", "month", "2009-10"),
        ("2009", "quarter", None),  # a year-only date has no quarter: never invented
        ("2009", "month", None),
    ],
)
def test_period_of(date: str, period: str, expected: str | None) -> None:
    assert period_of(date, period) == expected


@pytest.mark.parametrize("bad", ["", "09-05-2009", "2009-13", "20090", "2009-05-21-1", "May 2009"])
def test_period_of_rejects_malformed(bad: str) -> None:
    with pytest.raises(ValueError):
        period_of(bad, "year")


@pytest.mark.parametrize(
    ("dates", "expected"),
    [
        (["2000-03-05", "2010-01-01", "2025-07-18"], "year"),
        (["2023-01-05", "2023-06-01", "2024-03-01"], "quarter"),
        (["2024-01-05", "2024-03-01"], "month"),
        (["2024-01-05", "2024", "2024-03-01"], "year"),  # many year-only dates: years
    ],
)
def test_choose_period(dates: list[str], expected: str) -> None:
    assert choose_period(pd.Series(dates)) == expected


def _confusion(error: float = 0.1) -> dict[str, np.ndarray]:
    """Counts where each theme is right 1-error of the time and otherwise spread evenly."""
    k = len(LABELS)
    m = np.full((k, k), error / (k - 1)) * 1000
    np.fill_diagonal(m, (1 - error) * 1000)
    return {"en": m.copy(), "zh": m.copy(), ALL: 2 * m}


def test_correct_inverts_known_errors() -> None:
    """When predicted counts are exactly what the error rates make of the truth, the truth comes back."""
    conf = _confusion(0.2)
    rates = conf["en"] / conf["en"].sum(axis=1, keepdims=True)
    truth = np.array([0.5, 0.1, 0.3, 0.05, 0.05])
    pred = truth @ rates * 400  # expected predicted counts of 400 sentences
    raw = pred / pred.sum()
    got = correct(np.stack([pred, np.zeros(5), np.zeros(5)]), np.stack([rates, rates, rates]))
    np.testing.assert_allclose(got, truth, atol=1e-9)
    assert np.abs(raw - truth).sum() > 0.1  # and the raw share was far off


def test_correct_clips_and_renormalizes() -> None:
    rates = np.eye(5) * 0.6 + 0.1
    pred = np.array([[0.0, 0, 0, 0, 10], [0, 0, 0, 0, 0], [0, 0, 0, 0, 0]])
    got = correct(pred, np.stack([rates] * 3))
    assert (got >= 0).all() and got.sum() == pytest.approx(1.0)
    assert got[4] == pytest.approx(1.0)


def _corpus(shares_by_period: dict[str, list[float]], n_statements: int, per_statement: int,
            seed: int = 0) -> pd.DataFrame:
    """Sentences with predicted themes drawn in the given shares (the classifier is perfect here)."""
    rng = np.random.default_rng(seed)
    rows = []
    for period, shares in shares_by_period.items():
        for s in range(n_statements):
            themes = rng.choice(len(LABELS), size=per_statement, p=shares)
            for i, t in enumerate(themes):
                rows.append({"statement_id": f"{period}-{s}", "date": f"{period}-06-01", "source": f"src{s % 2}",
                             "lang": "en", "sentence_index": i, "sentence": f"sentence {period} {s} {i}",
                             "theme": LABELS[t], **{f"p_{x}": float(x == LABELS[t]) for x in LABELS}})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def small_report():
    df = _corpus({"2001": [0.1, 0.1, 0.1, 0.6, 0.1], "2002": [0.1, 0.1, 0.6, 0.1, 0.1],
                  "2003": [0.1, 0.1, 0.6, 0.1, 0.1]}, n_statements=8, per_statement=30)
    return df, build_report(df, LABELS, PERFECT, ReportOptions(period="year", n_boot=300))


def test_shares_table_schema_and_sums(small_report) -> None:
    df, rep = small_report
    cols = ["period", "source", "theme", "n_sentences", "share_raw", "share_corrected", "ci_low", "ci_high"]
    assert set(cols) <= set(rep.shares.columns)
    assert set(rep.shares["source"]) == {ALL, "src0", "src1"}
    for _, g in rep.shares.groupby(["period", "source"]):
        assert g["share_raw"].sum() == pytest.approx(1.0)
        assert g["share_corrected"].sum() == pytest.approx(1.0)
        assert (g["ci_low"] <= g["share_corrected"]).all() and (g["share_corrected"] <= g["ci_high"]).all()
    # every sentence counted once per period (all sources), and once overall
    per = rep.shares[(rep.shares["source"] == ALL) & (rep.shares["theme"] == "growth")]
    assert per[per["period"] != ALL]["n_sentences"].sum() == len(df)
    assert int(per[per["period"] == ALL]["n_sentences"].iloc[0]) == len(df)


def test_big_shift_is_significant_and_no_shift_is_not(small_report) -> None:
    _, rep = small_report
    ch = {(c.period_from, c.theme): c for c in rep.changes_of(ALL) if c.kind == "consecutive"}
    up, down = ch[("2001", "consumption")], ch[("2001", "regional")]
    assert up.significant and up.ci_low_pp > 0 and up.change_pp > 30
    assert down.significant and down.ci_high_pp < 0
    # 2002 -> 2003 has the same true shares: nothing there should be called significant
    assert not any(ch[("2002", t)].significant for t in LABELS)


def test_zero_counts_still_get_an_upper_bound() -> None:
    df = _corpus({"2001": [0.0, 0.0, 0.5, 0.5, 0.0]}, n_statements=4, per_statement=30)
    rep = build_report(df, LABELS, PERFECT, ReportOptions(period="year", n_boot=300))
    c = rep.cell("2001", ALL, "growth")
    assert c.share_raw == 0 and c.ci_high > 0  # never a [0, 0] interval from 120 sentences


def test_thin_periods_are_flagged_and_never_significant() -> None:
    """The caution counts sentences: 40 sentences are too few, whether in one statement or more."""
    df = _corpus({"2001": [0.1, 0.1, 0.1, 0.6, 0.1], "2002": [0.1, 0.1, 0.6, 0.1, 0.1]}, n_statements=1,
                 per_statement=40)
    rep = build_report(df, LABELS, PERFECT, ReportOptions(period="year", n_boot=200))
    cell = rep.cell("2001", ALL, "growth")
    assert cell.too_few and cell.warning == "fewer than 50 sentences"
    assert not rep.changes["significant"].any()
    assert rep.changes["too_few"].all()


def test_same_seed_same_report_and_seed_changes_intervals(small_report) -> None:
    df, rep = small_report
    again = build_report(df, LABELS, PERFECT, ReportOptions(period="year", n_boot=300))
    pd.testing.assert_frame_equal(rep.shares, again.shares)
    other = build_report(df, LABELS, PERFECT, ReportOptions(period="year", n_boot=300, seed=7))
    assert not np.allclose(rep.shares["ci_high"], other.shares["ci_high"])
    pd.testing.assert_series_equal(rep.shares["share_corrected"], other.shares["share_corrected"])


def test_statements_without_a_period_are_listed_not_dropped() -> None:
    df = _corpus({"2001": [0.2] * 5}, n_statements=3, per_statement=20)
    df.loc[df["statement_id"] == "2001-0", "date"] = "2001"
    df.loc[df["statement_id"] == "2001-1", "date"] = ""
    rep = build_report(df, LABELS, _confusion(), ReportOptions(period="quarter", n_boot=100))
    un = rep.unplaced.set_index("statement_id")
    assert un.loc["2001-0", "reason"] == "date 2001 has no quarter"
    assert un.loc["2001-1", "reason"] == "no date"
    assert int(un["n_sentences"].sum()) == 40
    assert rep.info["n_sentences"] + rep.info["n_unplaced_sentences"] == len(df)
    assert rep.periods == ["2001-Q2"]


def test_empty_source_is_named_and_evidence_is_most_confident_first() -> None:
    df = _corpus({"2001": [0.2] * 5, "2002": [0.2] * 5}, n_statements=3, per_statement=20)
    df["source"] = ""
    rng = np.random.default_rng(1)
    df["p_growth"] = np.where(df["theme"] == "growth", rng.uniform(0.5, 1, len(df)), 0.0)
    rep = build_report(df, LABELS, _confusion(), ReportOptions(period="year", n_boot=100, evidence_k=3))
    assert set(rep.shares["source"]) == {ALL, NO_SOURCE}
    ev = rep.evidence[(rep.evidence["period"] == "2001") & (rep.evidence["group_value"] == ALL)
                      & (rep.evidence["theme"] == "growth")]
    assert list(ev["rank"]) == [1, 2, 3]
    assert ev["confidence"].is_monotonic_decreasing
    top = df[(df["date"].str[:4] == "2001") & (df["theme"] == "growth")]["p_growth"].nlargest(3).tolist()
    assert ev["confidence"].tolist() == pytest.approx(top)


def test_statement_shares_cover_every_statement(small_report) -> None:
    df, rep = small_report
    st = rep.statements
    assert set(st["statement_id"]) == set(df["statement_id"])
    assert st["n_sentences"].sum() == len(df)
    share_cols = [f"share_{t}" for t in LABELS]
    assert np.allclose(st[share_cols].sum(axis=1), 1.0)


def test_uncertain_labels_count_as_the_best_guess(small_report) -> None:
    df, rep = small_report
    marked = df.copy()
    marked.loc[::3, "theme"] = "uncertain"  # as `classify --min-confidence` writes them
    again = build_report(marked, LABELS, {k: np.eye(5) * 1000 for k in ("en", "zh", ALL)},
                         ReportOptions(period="year", n_boot=300))
    pd.testing.assert_frame_equal(rep.shares, again.shares)


@pytest.mark.parametrize(("opts", "message"), [
    (ReportOptions(period="week"), "--period"),
    (ReportOptions(by="speaker"), "--by"),
])
def test_bad_options(opts: ReportOptions, message: str, small_report) -> None:
    df, _ = small_report
    with pytest.raises(InputError, match=message):
        build_report(df, LABELS, _confusion(), opts)


# ---------------------------------------------------------------- the command


@pytest.fixture(scope="module")
def sample_report(trained: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from pipeline.cli import main

    out = tmp_path_factory.mktemp("rep") / "reports"
    assert main(["report", str(STATEMENTS), "-o", str(out), "--model", str(trained), "-q"]) == 0
    return out


def test_report_writes_every_output(sample_report: Path) -> None:
    for name in ("index.html", "summary.md", "theme_shares.csv", "theme_shares.parquet", "changes.csv",
                 "statement_shares.csv", "evidence.csv", "unplaced.csv", "sentences.parquet", "report.json",
                 "figures/theme_shares.png", "figures/composition.png", "figures/changes.png",
                 "figures/by_source.png"):
        assert (sample_report / name).is_file(), name
        assert (sample_report / name).stat().st_size > 0, name
    for png in (sample_report / "figures").glob("*.png"):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not [p for p in sample_report.parent.iterdir() if p.name.startswith(".")]  # no temporary left


def test_report_tables_account_for_every_sentence(sample_report: Path) -> None:
    from pipeline.workflow import segment_inputs

    shares = pd.read_csv(sample_report / "theme_shares.csv", dtype={"period": str})
    sent = pd.read_parquet(sample_report / "sentences.parquet")
    n = len(segment_inputs([str(STATEMENTS)]).sentences)
    assert len(sent) == n
    total = shares[(shares["period"] == ALL) & (shares["source"] == ALL)]
    assert set(total["n_sentences"]) == {n}
    assert list(shares.columns[:8]) == ["period", "source", "theme", "n_sentences", "share_raw", "share_corrected",
                                        "ci_low", "ci_high"]
    pq = pd.read_parquet(sample_report / "theme_shares.parquet")
    assert len(pq) == len(shares)
    info = json.loads((sample_report / "report.json").read_text())
    assert info["period"] == "year" and info["n_sentences"] == n
    assert info["counts"]["statements_read"] == 94 and info["counts"]["failed"] == 0


def test_report_summary_tells_the_known_history(sample_report: Path) -> None:
    """The sample corpus is built on policy history: the report must show its big shifts."""
    shares = pd.read_csv(sample_report / "theme_shares.csv", dtype={"period": str})
    a = shares[shares["source"] == ALL].set_index(["period", "theme"])["share_corrected"]
    assert a[("2009", "consumption")] > a[("2008", "consumption")] + 0.15  # appliances to the countryside
    assert a[("2008", "investment")] > 0.2  # the stimulus
    early = np.mean([a[(str(y), "regional")] for y in range(2000, 2007)])
    late = np.mean([a[(str(y), "regional")] for y in range(2021, 2026)])
    assert early > late + 0.1  # western development, the northeast, the central region
    text = (sample_report / "summary.md").read_text()
    assert text.index("## Biggest shifts") < text.index("## Where each theme peaked") < text.index("## Everything else")
    assert "Consumption rose" in text and "95% interval" in text


def test_report_from_a_classification_output(trained: Path, sample_report: Path, tmp_path: Path, cli) -> None:
    cls = tmp_path / "labeled.csv"
    assert cli("classify", STATEMENTS, "-o", cls, "--model", trained, "-q").code == 0
    r = cli("report", cls, "-o", tmp_path / "rep", "--model", trained, "-q")
    assert r.code == 0, r.err
    a = pd.read_csv(tmp_path / "rep" / "theme_shares.csv", dtype={"period": str})
    b = pd.read_csv(sample_report / "theme_shares.csv", dtype={"period": str})
    pd.testing.assert_frame_equal(a, b)  # same figures from the statements or from their classification


def test_report_refuses_another_models_output(trained: Path, tmp_path: Path, cli) -> None:
    cls = tmp_path / "labeled.csv"
    assert cli("classify", STATEMENTS / "en", "-o", cls, "--model", trained, "-q").code == 0
    df = pd.read_csv(cls)
    df["model_version"] = "1999.01.01-deadbeef"
    df.to_csv(cls, index=False)
    r = cli("report", cls, "-o", tmp_path / "rep", "--model", trained)
    assert r.code == 2 and "classified by model 1999.01.01-deadbeef" in r.err and "\n" not in r.err.strip()
    assert not (tmp_path / "rep").exists()


def test_report_escapes_statement_text(trained: Path, tmp_path: Path, cli) -> None:
    src = tmp_path / "in"
    src.mkdir()
    evil = '<script>alert(1)</script> We will expand consumption of cars <img src=x onerror="alert(2)">.'
    (src / "2020-01-01_a.txt").write_text(f"{evil}\nWe will also support the western region.\n")
    (src / "2021-01-01_b.md").write_text('---\nsource: <b onmouseover="alert(3)">x</b>\n---\nWe will boost '
                                         "investment in new infrastructure.\n")
    r = cli("report", src, "-o", tmp_path / "rep", "--model", trained, "-q")
    assert r.code == 0, r.err
    page = (tmp_path / "rep" / "index.html").read_text()
    assert "<script>alert" not in page and "<img src=x" not in page and "<b onmouseover" not in page
    assert page.count("<script") == 2  # the JSON data block and our own script, nothing else
    assert "\\u003cscript\\u003ealert(1)" in page  # the sentence is there, as data


def test_report_bad_input_leaves_the_old_report(trained: Path, sample_report: Path, tmp_path: Path, cli) -> None:
    import shutil

    out = tmp_path / "rep"
    shutil.copytree(sample_report, out)
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    empty = tmp_path / "empty"
    empty.mkdir()
    r = cli("report", empty, "-o", out, "--model", trained)
    assert r.code == 2 and r.err.startswith("error: ") and len(r.err.strip().splitlines()) == 1
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize("case", ["file", "missing_parent"])
def test_report_output_folder_problems(trained: Path, tmp_path: Path, cli, case: str) -> None:
    out = tmp_path / "rep"
    if case == "file":
        out.write_text("x")
    else:
        out = tmp_path / "nope" / "rep"
    r = cli("report", STATEMENTS / "zh", "-o", out, "--model", trained)
    assert r.code == 2 and len(r.err.strip().splitlines()) == 1
    assert ("is not a folder" if case == "file" else "does not exist") in r.err


def test_report_help_explains(capsys: pytest.CaptureFixture[str]) -> None:
    from pipeline.cli import main

    with pytest.raises(SystemExit) as e:
        main(["report", "--help"])
    assert e.value.code == 0
    text = capsys.readouterr().out
    for word in ("--period", "--by", "--bootstrap", "theme_shares.csv", "index.html", "corrected", "fyp", "decade",
                 "label,start,end", "--ui", "--common-scale", "--themes"):
        assert word in text
