"""Issue #15, the second red team: each finding here failed before its fix (a crash reported as
`internal error`, a quadratic report, an Excel gap, a silent acceptance) and must now be plain
text, linear, complete, or refused in one line with exit 2 and nothing written."""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from ..conftest import ROOT

STATEMENTS = ROOT / "data" / "statements" / "en"
BOM = b"\xef\xbb\xbf"
SENTENCES = ["We will expand investment in infrastructure.", "Retail sales recovered strongly this year.",
             "Industrial output grew quickly.", "The western region developed.", "Pensions were raised."]


def _statements(path: Path, sources: list[str], per_source: int = 2) -> Path:
    """A statements CSV: `per_source` dated statements (different years) for each source."""
    rows = []
    for i, src in enumerate(sources):
        for j in range(per_source):
            text = " ".join(SENTENCES[(i + j + k) % len(SENTENCES)] for k in range(3))
            rows.append((f"{text} Statement {i}-{j} was issued.", f"{2018 + j}-06-01", src))
    pd.DataFrame(rows, columns=["text", "date", "source"]).to_csv(path, index=False)
    return path


def _one_line_error(r, *words: str) -> None:  # type: ignore[no-untyped-def]
    lines = r.err.strip().splitlines()
    assert r.code == 2, (r.code, r.err)
    assert len(lines) == 1 and lines[0].startswith("error: "), r.err
    for w in words:
        assert w in lines[0], (w, r.err)


# ---------------------------------------------------------------- 1. text drawn by matplotlib


def test_mathtext_in_source_and_theme_names_is_drawn_as_plain_text(cli, trained: Path, tmp_path: Path) -> None:
    """`$x^{$` made mathtext fail inside savefig (exit 1); every text artist is now plain text."""
    src = _statements(tmp_path / "s.csv", ["$x^{$", r"$\frac{$", "plain"])
    themes = tmp_path / "themes.toml"
    themes.write_text((ROOT / "data" / "themes.toml").read_text("utf-8").replace(
        'name_en = "Investment"', 'name_en = "$\\\\sqrt{$ Investment"'), "utf-8")
    out = tmp_path / "rep"
    r = cli("report", src, "--model", trained, "-o", out, "--bootstrap", "50", "--themes", themes, "-q")
    assert r.code == 0, r.err
    assert {p.name for p in (out / "figures").iterdir()} >= {"theme_shares.png", "by_source.png", "changes.png"}
    assert "$x^{$" in set(pd.read_csv(out / "theme_shares.csv", keep_default_na=False)["source"])


def test_a_one_megabyte_source_name_is_cut_where_shown_and_kept_in_the_tables(cli, trained: Path,
                                                                              tmp_path: Path) -> None:
    """A 1 MB source name took matplotlib over 200 s to lay out (and made a 41 MB page): labels
    are now cut at 80 characters on the figures, the page and the summary, and kept whole in
    the tables. Measured on this machine: 201 s before, 10 s after (README)."""
    big = "S" * 1_000_000
    src = _statements(tmp_path / "s.csv", [big, "plain"])
    out = tmp_path / "rep"
    t0 = time.perf_counter()
    r = cli("report", src, "--model", trained, "-o", out, "--bootstrap", "50", "-q")
    took = time.perf_counter() - t0
    assert r.code == 0, r.err
    assert took < 60, took  # 201 s (79 s of CPU) from the command line before
    page = (out / "index.html").read_text("utf-8")
    assert big not in page and "S" * 79 + "…" in page and len(page) < 1_000_000
    summary = (out / "summary.md").read_text("utf-8")
    assert big not in summary
    assert big in set(pd.read_csv(out / "theme_shares.csv", keep_default_na=False)["source"])
    assert big in set(pd.read_parquet(out / "sentences.parquet")["source"])


def test_the_per_source_figure_draws_the_largest_groups_and_says_so(cli, trained: Path, tmp_path: Path) -> None:
    """One row per source made by_source.png grow without end (198,000 pixels tall, 28 MB, at 4,000
    sources) and its labels were found by a scan per source: it now draws the 40 largest and the
    report says where the others are."""
    from pipeline.figures import MAX_GROUPS_DRAWN

    n = MAX_GROUPS_DRAWN + 5
    src = _statements(tmp_path / "s.csv", [f"source {i:03d}" for i in range(n)], per_source=1)
    out = tmp_path / "rep"
    r = cli("report", src, "--model", trained, "-o", out, "--bootstrap", "50", "-q")
    assert r.code == 0, r.err
    notes = json.loads((out / "report.json").read_text())["notes"]
    assert any(f"the {MAX_GROUPS_DRAWN} largest of the {n} groups" in x for x in notes), notes
    from PIL import Image

    with Image.open(out / "figures" / "by_source.png") as im:
        assert im.size[1] < 3000
    assert pd.read_csv(out / "theme_shares.csv")["source"].nunique() == n + 1  # every source, and `all`


def _change(group: str) -> dict[str, object]:
    return {"source": group, "theme": "a", "period_from": "2019", "period_to": "2020", "kind": "consecutive",
            "share_from": 0.1, "share_to": 0.2, "change_pp": 10.0, "ci_low_pp": 1.0, "ci_high_pp": 20.0,
            "significant": True, "too_few": False}


def test_report_table_lookups_are_linear_in_groups() -> None:
    """The page asks each group for its changes and periods: `changes_of` and `periods` scanned the
    whole table at every call (quadratic in sources). They are computed once per table now, and
    follow a table that is replaced."""
    from pipeline.report import Report

    groups = [f"source {i}" for i in range(5000)]
    changes = pd.DataFrame([_change(g) for g in groups])
    shares = pd.DataFrame({"period": ["2019", "2020"] * len(groups), "source": [g for g in groups for _ in "ab"]})
    rep = Report(shares, changes, pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), ["a"], "year", "source")
    t0 = time.perf_counter()
    for g in groups:
        assert [c.source for c in rep.changes_of(g)] == [g]
        assert rep.periods == ["2019", "2020"]
    assert time.perf_counter() - t0 < 2.0  # 5.8 s before
    assert rep.changes_of("no such group") == []
    rep.changes = pd.DataFrame([_change("y"), _change("y")])
    rep.shares = pd.DataFrame({"period": ["2021", "all"], "source": "all"})
    assert len(rep.changes_of("y")) == 2 and rep.changes_of(groups[0]) == [] and rep.periods == ["2021"]


# ---------------------------------------------------------------- 2. --excel-safe on every segment CSV


def test_excel_safe_covers_segment_errors_and_statements(cli, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "=in"
    folder.mkdir()
    (folder / "2020_good.txt").write_text(
        '---\ndate: 2020-01-01\nsource: =HYPERLINK("http://x.example")\n---\n'
        "We will expand investment in infrastructure. Retail sales recovered strongly.\n")
    (folder / "2021_bad.txt").write_bytes(b"\x00\x01\x02 binary")
    r = cli("segment", "=in", "-o", "s.csv", "--errors", "e.csv", "--statements", "st.csv", "--removed", "rm.csv",
            "--excel-safe", "-q")
    assert r.code == 0, r.err
    for name in ("s.csv", "e.csv", "st.csv", "rm.csv"):
        assert (tmp_path / name).read_bytes().startswith(BOM), name
    errors = pd.read_csv(tmp_path / "e.csv", encoding="utf-8-sig", keep_default_na=False)
    stmts = pd.read_csv(tmp_path / "st.csv", encoding="utf-8-sig", keep_default_na=False)
    assert list(errors["origin"]) == ["'=in/2021_bad.txt"]
    assert list(stmts["source"]) == ["'=HYPERLINK(\"http://x.example\")"]
    assert all(v.startswith("'=in/") for v in stmts["origin"])


def test_report_errors_file_is_excel_safe_too(cli, trained: Path, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    shutil.copytree(STATEMENTS, folder)
    (folder / "2021_bad.txt").write_bytes(b"\x00\x01\x02 binary")
    r = cli("report", folder, "--model", trained, "-o", tmp_path / "rep", "--errors", tmp_path / "e.csv",
            "--bootstrap", "50", "--excel-safe", "-q")
    assert r.code == 0, r.err
    assert (tmp_path / "e.csv").read_bytes().startswith(BOM)


# ---------------------------------------------------------------- 3. exit 2 with a reason, not "internal error"


@pytest.mark.parametrize("command", ["train", "report", "adapt", "label"])
def test_themes_naming_a_folder_is_refused(cli, trained: Path, tmp_path: Path, command: str) -> None:
    folder = tmp_path / "themes"
    folder.mkdir()
    sample = tmp_path / "sample.csv"
    sample.write_text("sample_id,sentence,label\n1,We will expand investment.,\n")
    args = {"train": ["--out", tmp_path / "m"],
            "report": [STATEMENTS, "--model", trained, "-o", tmp_path / "rep"],
            "adapt": [STATEMENTS, "--model", trained, "--out", tmp_path / "m"],
            "label": [sample, "--no-browser"]}[command]
    r = cli(command, *args, "--themes", folder)
    _one_line_error(r, str(folder), "is a folder")
    assert not (tmp_path / "m").exists() and not (tmp_path / "rep").exists()


@pytest.mark.parametrize("groups", [1, 3])
def test_training_rows_in_fewer_groups_than_folds_are_refused(cli, tmp_path: Path, groups: int) -> None:
    rows = [(f"{w} number {i}.", t, f"g{i % groups}") for t, w in
            [("growth", "Industrial output grew"), ("investment", "Fixed-asset investment rose"),
             ("consumption", "Retail sales recovered"), ("regional", "The western region developed"),
             ("other", "Pensions were raised")] for i in range(12)]
    labeled = tmp_path / "labeled.csv"
    pd.DataFrame(rows, columns=["text", "label", "group"]).to_csv(labeled, index=False)
    r = cli("train", labeled, "--out", tmp_path / "m", "-q")
    _one_line_error(r, str(labeled), f"in {groups} group", "at least 5 groups")
    assert not (tmp_path / "m").exists()


META_DAMAGE = {
    "sha256 a string": (lambda m: m.__setitem__("sha256", "abc"), "sha256 is a string"),
    "labels a number": (lambda m: m.__setitem__("labels", 5), "labels is a number"),
    "labels a string": (lambda m: m.__setitem__("labels", "growth"), "labels is a string"),
    "cv scores missing": (lambda m: m["cv"].pop("scores"), "cv.scores is missing"),
    "cv scores a list": (lambda m: m["cv"].__setitem__("scores", []), "cv.scores is a list"),
    "cv a string": (lambda m: m.__setitem__("cv", "x"), "cv is a string"),
    "versions a string": (lambda m: m.__setitem__("versions", "x"), "versions is a string"),
    "class counts a list": (lambda m: m.__setitem__("class_counts", [1, 2]), "class_counts is a list"),
    "real-text check a string": (lambda m: m.__setitem__("real_text_check", "x"), "real_text_check is a string"),
    "confusion matrix ragged": (lambda m: m["cv"]["scores"]["all"]["confusion_matrix"].__setitem__(
        "rows_true_cols_pred", [[1, 2], [3]]), "rows_true_cols_pred is a list"),
    "fit params a list": (lambda m: m.__setitem__("fit_params", [32, 1]), "fit_params is a list"),
}


@pytest.fixture(scope="module")
def damaged_models(trained: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = json.loads((trained / "meta.json").read_text())
    out = {}
    for name, (damage, _) in META_DAMAGE.items():
        folder = tmp_path_factory.mktemp("model") / "m"
        shutil.copytree(trained, folder)
        meta = json.loads(json.dumps(base))
        damage(meta)
        (folder / "meta.json").write_text(json.dumps(meta))
        out[name] = folder
    return out


@pytest.mark.parametrize("command", ["classify", "report", "evaluate", "sample", "adapt"])
@pytest.mark.parametrize("damage", list(META_DAMAGE))
def test_a_malformed_meta_json_is_refused_by_every_command(cli, damaged_models: dict[str, Path], tmp_path: Path,
                                                          command: str, damage: str) -> None:
    model = damaged_models[damage]
    gold = tmp_path / "gold.csv"
    gold.write_text("text,label\nWe will expand investment.,investment\n")
    args = {"classify": [STATEMENTS, "-o", tmp_path / "o.csv"],
            "report": [STATEMENTS, "-o", tmp_path / "o"],
            "evaluate": [gold, "--json", tmp_path / "o.json"],
            "sample": [STATEMENTS, "-o", tmp_path / "o.csv", "--strategy", "uncertain"],
            "adapt": [STATEMENTS, "--out", tmp_path / "o"]}[command]
    r = cli(command, *args, "--model", model)
    _one_line_error(r, str(model / "meta.json"), META_DAMAGE[damage][1])
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("o")]


@pytest.mark.parametrize(("value", "words"), [("1e8", "from 50 to 10,000"), ("100000000", "from 50 to 10,000"),
                                              ("10", "from 50 to 10,000"), ("many", "not a number"),
                                              ("nan", "from 50 to 10,000"), ("99.5", "whole number")])
def test_absurd_bootstrap_sizes_are_refused_in_one_line(trained: Path, tmp_path: Path, value: str, words: str,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    from pipeline.cli import main

    with pytest.raises(SystemExit) as e:
        main(["report", str(STATEMENTS), "--model", str(trained), "-o", str(tmp_path / "rep"), "--bootstrap", value])
    assert e.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: argument --bootstrap: ") and value in lines[0], lines
    assert words in lines[0] and "policy-themes report --help" in lines[0]
    assert not (tmp_path / "rep").exists()


def test_bootstrap_accepts_its_range(cli, trained: Path, tmp_path: Path) -> None:
    from pipeline.cli import build_parser

    args = build_parser().parse_args(["report", "x", "--bootstrap", "1e4"])
    assert args.bootstrap == 10_000
    r = cli("report", STATEMENTS, "--model", trained, "-o", tmp_path / "rep", "--bootstrap", "50", "-q")
    assert r.code == 0, r.err


# ---------------------------------------------------------------- 4. classify --top-k above the themes


def test_top_k_above_the_number_of_themes_gives_every_theme_without_warnings(trained: Path, tmp_path: Path) -> None:
    n = len(json.loads((trained / "meta.json").read_text())["labels"])
    outs = {}
    for k in ("99", str(n)):
        out = tmp_path / f"c{k}.csv"
        p = subprocess.run([sys.executable, "-m", "pipeline", "classify", str(STATEMENTS), "--model", str(trained),
                            "--top-k", k, "-o", str(out), "-q"], capture_output=True, text=True, cwd=ROOT,
                           timeout=300)
        assert p.returncode == 0 and p.stderr == "", p.stderr
        outs[k] = pd.read_csv(out, keep_default_na=False)
    cols = list(outs["99"].columns)
    assert f"theme_{n}" in cols and f"theme_{n + 1}" not in cols and f"confidence_{n + 1}" not in cols
    pd.testing.assert_frame_equal(outs["99"], outs[str(n)])
    assert (outs["99"][f"theme_{n}"] != "").all()


def test_top_k_help_says_what_a_large_k_does(capsys: pytest.CaptureFixture[str]) -> None:
    from pipeline.cli import main

    with pytest.raises(SystemExit):
        main(["classify", "--help"])
    assert "above the model's number of themes gives them all" in " ".join(capsys.readouterr().out.split())


# ---------------------------------------------------------------- 5. report on a classified table


@pytest.fixture(scope="module")
def classified(trained: Path, tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    from pipeline.cli import main

    out = tmp_path_factory.mktemp("classified") / "c.csv"
    assert main(["classify", str(STATEMENTS), "--model", str(trained), "-o", str(out), "-q"]) == 0
    return pd.read_csv(out, keep_default_na=False, dtype=str)


def test_a_classified_table_without_model_version_is_refused(cli, trained: Path, classified: pd.DataFrame,
                                                             tmp_path: Path) -> None:
    table = tmp_path / "c.csv"
    classified.drop(columns=["model_version"]).to_csv(table, index=False)
    r = cli("report", table, "--model", trained, "-o", tmp_path / "rep")
    _one_line_error(r, str(table), "no model_version column", f"classify --model {trained}")
    assert not (tmp_path / "rep").exists()
    blank = classified.copy()
    blank.loc[3, "model_version"] = ""
    blank.to_csv(table, index=False)
    r = cli("report", table, "--model", trained, "-o", tmp_path / "rep")
    _one_line_error(r, f"{table} row 4", "no model_version")


def test_future_dated_rows_of_a_classified_table_are_listed_as_unplaced(cli, trained: Path,
                                                                        classified: pd.DataFrame,
                                                                        tmp_path: Path) -> None:
    df = classified.copy()
    first = df["statement_id"].iloc[0]
    n_future = int((df["statement_id"] == first).sum())
    df.loc[df["statement_id"] == first, "date"] = "2999-05-01"
    table = tmp_path / "c.csv"
    df.to_csv(table, index=False)
    out = tmp_path / "rep"
    r = cli("report", table, "--model", trained, "-o", out, "--bootstrap", "50")
    assert r.code == 0, r.err
    unplaced = pd.read_csv(out / "unplaced.csv", keep_default_na=False)
    assert list(unplaced["statement_id"]) == [first]
    assert "after today" in unplaced["reason"].iloc[0] and unplaced["n_sentences"].iloc[0] == n_future
    info = json.loads((out / "report.json").read_text())
    assert info["n_unplaced"] == 1 and info["n_unplaced_sentences"] == n_future
    assert info["date_max"] < "2999" and "2999" not in set(pd.read_csv(out / "theme_shares.csv")["period"].astype(str))
    assert "not placed in a" in r.err


# ---------------------------------------------------------------- 6. the import circle


REPORT_MODULES = ("charts", "figures", "summary", "quality", "report_html")


def test_the_page_figures_and_summary_do_not_import_publish() -> None:
    """publish imports them; they took ReportRun from publish (a circle). It lives in report.py
    now, re-exported by publish."""
    for name in REPORT_MODULES:
        tree = ast.parse((ROOT / "pipeline" / f"{name}.py").read_text("utf-8"))
        imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        assert "publish" not in imported, name
    from pipeline.publish import ReportRun, ReportView
    from pipeline.report import ReportRun as R
    from pipeline.report import ReportView as V

    assert ReportRun is R and ReportView is V


@pytest.mark.parametrize("module", [*REPORT_MODULES, "publish", "report", "model", "model_meta", "cli"])
def test_each_module_imports_on_its_own(module: str) -> None:
    p = subprocess.run([sys.executable, "-c", f"import pipeline.{module}"], capture_output=True, text=True, cwd=ROOT,
                       timeout=120)
    assert p.returncode == 0, p.stderr
