"""`report --validation`: error rates measured on labeled sentences of the corpus itself, the
whole corpus by PPI, the measured accuracy on the page, labeled sentences marked in the
drill-down, and the refusals (one line, exit 2, nothing written). Without labels, the page says
where its error rates come from and how to measure them."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.cli import main
from pipeline.quantify import ppi_mean

from .conftest import ROOT

STATEMENTS = ROOT / "data" / "statements"
LABELS = ["growth", "investment", "consumption", "regional", "other"]


@pytest.fixture(scope="module")
def corpus(trained: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The sample corpus classified, and a 300-sentence random sample of it labeled: the
    classifier's theme, except that a fifth of the sentences it gives a theme are labeled
    `other` (so the labels see errors the training did not), 3 rows unsure and 2 left empty."""
    tmp = tmp_path_factory.mktemp("val")
    cls = tmp / "labeled.parquet"
    assert main(["classify", str(STATEMENTS), "-o", str(cls), "--model", str(trained), "-q"]) == 0
    sample = tmp / "sample.csv"
    assert main(["sample", str(STATEMENTS), "-o", str(sample), "-n", "300", "-q"]) == 0
    s = pd.read_csv(sample, dtype=str, keep_default_na=False)
    c = pd.read_parquet(cls).astype({"sentence_index": str})
    m = s.merge(c[["statement_id", "sentence_index", "theme"]], on=["statement_id", "sentence_index"], how="left")
    assert m["theme"].notna().all()
    label = m["theme"].to_numpy().copy()
    themed = np.flatnonzero(label != "other")
    label[themed[::5]] = "other"
    s["label"] = label
    s.loc[[0, 1, 2], "unsure"] = "1"
    s.loc[[3, 4], "label"] = ""
    s.to_csv(sample, index=False)
    return {"classified": cls, "sample": sample, "dir": tmp, "model": trained}


@pytest.fixture(scope="module")
def validated(corpus: dict[str, Path]) -> tuple[Path, str]:
    import contextlib
    import io

    out = corpus["dir"] / "rep"
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(["report", str(corpus["classified"]), "-o", str(out), "--model", str(corpus["model"]),
                     "--validation", str(corpus["sample"]), "--bootstrap", "300"])
    assert code == 0, err.getvalue()
    return out, err.getvalue()


def test_whole_corpus_rows_are_ppi_with_labels(validated: tuple[Path, str], corpus: dict[str, Path]) -> None:
    out, _ = validated
    shares = pd.read_csv(out / "theme_shares.csv", dtype={"period": str})
    whole = shares[(shares["period"] == "all") & (shares["source"] == "all")].set_index("theme")
    assert (whole["estimator"] == "ppi").all() and (whole["n_labeled"] == 295).all()
    # The interval is from the labeled sample: never wider than the labels alone give.
    assert ((whole["ci_high"] - whole["ci_low"]) <= (whole["labels_only_high"] - whole["labels_only_low"]) + 1e-9).all()
    # The figure is PPI++ on every sentence's probabilities and the labeled sentences' corrections.
    sent = pd.read_parquet(corpus["classified"])
    s = pd.read_csv(corpus["sample"], dtype=str, keep_default_na=False)
    s = s[(s["label"] != "") & (s["unsure"] == "")].astype({"sentence_index": int})
    lab = s.merge(sent, on=["statement_id", "sentence_index"], how="left")
    cols = [f"p_{t}" for t in LABELS]
    want = ppi_mean(np.eye(5)[lab["label"].map(LABELS.index)], lab[cols].to_numpy(), sent[cols].to_numpy())
    np.testing.assert_allclose(whole.loc[LABELS, "share_corrected"], np.clip(want.estimate, 0, 1), atol=1e-9)
    np.testing.assert_allclose(whole.loc[LABELS, "ci_low"], np.clip(want.ci_low, 0, 1), atol=1e-9)
    # The labels say `other` where the classifier said a theme: the whole corpus's `other` rises above its raw share.
    assert whole.loc["other", "share_corrected"] > whole.loc["other", "share_raw"] + 0.02
    # Periods are corrected with the labels' error rates, their intervals resampling the labels too.
    periods = shares[(shares["period"] != "all")]
    assert set(periods["estimator"]) == {"acc-labels"}
    per_source_all = shares[(shares["period"] == "all") & (shares["source"] != "all")]
    assert set(per_source_all["estimator"]) <= {"ppi", "acc-labels"}
    assert (per_source_all[per_source_all["n_labeled"] < 30]["estimator"] == "acc-labels").all()


def test_page_and_summary_show_measured_accuracy(validated: tuple[Path, str]) -> None:
    out, err = validated
    page = (out / "index.html").read_text()
    assert 'id="accuracy"' in page and "The classifier measured on your labeled sentences" in page
    assert "295 labeled sentences" in page and 'class="confusion"' in page
    acc = re.search(r'<section class="accuracy".*?</section>', page, re.S)
    assert acc and acc.group(0).count("<tr>") == 1 + 5 + 1 + 5  # precision/recall table and confusion matrix
    assert "Error rates measured on 295 labeled sentences of this corpus" in page
    assert "policy-themes sample INPUT" not in page  # the advice is for reports without labels
    summary = (out / "summary.md").read_text()
    assert "## The classifier measured on your labeled sentences" in summary and "| precision |" in summary.replace(
        "theme | precision", "| precision")
    info = json.loads((out / "report.json").read_text())
    v = info["validation"]
    assert v["n_labeled"] == 295 and v["n_unsure"] == 3 and v["n_empty"] == 2 and v["strategy"] == "random"
    assert sum(sum(r) for r in v["accuracy"]["confusion"]["rows_true_cols_pred"]) == 295
    assert "3 marked unsure, 2 without a label: left out" in err and "295 of 295 labeled sentences" in err


def test_drill_down_marks_the_labeled_sentences(validated: tuple[Path, str], corpus: dict[str, Path]) -> None:
    out, _ = validated
    ev = pd.read_csv(out / "evidence.csv", dtype={"period": str}, keep_default_na=False)
    s = pd.read_csv(corpus["sample"], dtype=str, keep_default_na=False)
    s = s[(s["label"] != "") & (s["unsure"] == "")]
    marked = ev[ev["user_label"] != ""]
    assert len(marked) and set(marked["user_label"]) <= set(LABELS)
    got = marked.astype({"sentence_index": str}).merge(s, on=["statement_id", "sentence_index"])
    assert len(got) == len(marked) and (got["user_label"] == got["label"]).all()
    # Behind each whole-corpus figure: the labeled sentences the classifier got wrong first (up to 10).
    c = pd.read_parquet(corpus["classified"]).astype({"sentence_index": str})
    lab = s.merge(c[["statement_id", "sentence_index", "theme"]], on=["statement_id", "sentence_index"])
    wrong_all = lab[lab["label"] != lab["theme"]].groupby("theme").size()
    shown = marked[(marked["user_label"] != marked["theme"]) & (marked["period"] == "all")
                   & (marked["group_value"] == "all")].groupby("theme").size()
    assert len(wrong_all) and all(shown.get(t, 0) >= min(10, n) for t, n in wrong_all.items())
    page = (out / "index.html").read_text()
    payload = json.loads(re.search(r'<script type="application/json" id="evidence-data">(.*?)</script>', page,
                                   re.S).group(1))  # type: ignore[union-attr]
    items = [it for d in payload for it in d["items"]]
    assert any(it[5] and it[5].startswith("your label: ") for it in items)


def test_without_labels_the_page_says_where_error_rates_come_from(corpus: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "rep"
    assert main(["report", str(corpus["classified"]), "-o", str(out), "--model", str(corpus["model"]), "-q",
                 "--bootstrap", "100"]) == 0
    page = (out / "index.html").read_text()
    top = page[page.index('<section class="errorrates">'):]
    top = top[: top.index("</section>")]
    assert "error rates measured on the team&#x27;s own training sentences" in top
    assert "policy-themes sample INPUT... -o sample.csv" in top and "--validation sample.csv" in top
    assert "macro-F1 was" in top and "in cross-validation" in top  # how far real text is known to differ
    assert "have no word or character pattern the model knows" in top and "mean confidence" in top
    assert page.index('class="errorrates"') < page.index('class="headlines"')  # at the top
    shares = pd.read_csv(out / "theme_shares.csv")
    assert set(shares["estimator"]) == {"emq"}
    info = json.loads((out / "report.json").read_text())
    assert info["estimator"] == "emq" and set(info["drift"]["by_language"]) == {"en", "zh"}


def _refusal(corpus: dict[str, Path], tmp_path: Path, labels: Path) -> tuple[int, str, Path]:
    import contextlib
    import io

    out = tmp_path / "rep"
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(["report", str(corpus["classified"]), "-o", str(out), "--model", str(corpus["model"]),
                     "--validation", str(labels), "-q"])
    return code, err.getvalue(), out


@pytest.mark.parametrize(("case", "message"), [
    ("under 80% match", "are in this corpus by (statement_id, sentence_index); at least 80% must be"),
    ("unknown label", "is not a theme"),
    ("repeated ids", "repeats line"),
    ("uncertain sample", "drawn with strategy 'uncertain'"),
])
def test_refusals_exit_2_with_one_line_and_nothing_written(corpus: dict[str, Path], tmp_path: Path, case: str,
                                                           message: str) -> None:
    path = tmp_path / "sample.csv"
    shutil.copy(corpus["sample"], path)
    shutil.copy(f"{corpus['sample']}.json", f"{path}.json")
    s = pd.read_csv(path, dtype=str, keep_default_na=False)
    if case == "under 80% match":
        moved = s.index[: int(len(s) * 0.3)]
        s.loc[moved, "statement_id"] = [f"from-another-corpus-{i}" for i in moved]
    elif case == "unknown label":
        s.loc[10, "label"] = "inflation"
    elif case == "repeated ids":
        s.loc[20, "sample_id"] = s.loc[19, "sample_id"]
    else:
        side = json.loads(Path(f"{path}.json").read_text())
        side["strategy"] = "uncertain"
        Path(f"{path}.json").write_text(json.dumps(side))
    s.to_csv(path, index=False)
    code, err, out = _refusal(corpus, tmp_path, path)
    assert code == 2 and err.startswith("error: ") and message in err, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not out.exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_quality_strings_exist_in_both_languages() -> None:
    from pipeline.quality import EN, ZH

    assert EN.keys() == ZH.keys()


def test_chinese_page_with_labels(corpus: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "rep"
    assert main(["report", str(corpus["classified"]), "-o", str(out), "--model", str(corpus["model"]), "-q",
                 "--validation", str(corpus["sample"]), "--bootstrap", "100", "--ui", "zh"]) == 0
    page = (out / "index.html").read_text()
    assert "分类器在你标注的句子上的表现" in page and "误差率由本语料的 295 句标注测得" in page
    assert "你的标注: " in page
    summary = (out / "summary.md").read_text()
    assert "## 分类器在你标注的句子上的表现" in summary and "| 精确率 |" in summary.replace("主题 | 精确率", "| 精确率")
