"""Adapting to a user's corpus (`adapt`) and training with the user's own labels (`train --add`)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest

from pipeline import config
from pipeline.model import load_model
from pipeline.themes import load_taxonomy
from pipeline.train import adapt_to, labeled_files, read_labeled

from .conftest import ROOT


def _small_labeled(tmp: Path, every: int = 3) -> Path:
    """A third of the team's sentences, as labeled files (training in seconds, not a minute)."""
    out = tmp / "labeled"
    out.mkdir()
    for f in labeled_files(config.LABELED_DIR):
        df = pd.read_csv(f, dtype=str, keep_default_na=False)
        df.iloc[::every].to_csv(out / f.name, index=False)
    return out


def _digest(folder: Path) -> str:
    return hashlib.sha256(b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())).hexdigest()


def test_adapt_refits_idf_and_self_trains() -> None:
    tax = load_taxonomy()
    df = read_labeled(labeled_files(config.LABELED_DIR), tax).iloc[::3].reset_index(drop=True)
    corpus = [f"海拉尔区第{i}届旅游节期间接待游客{i}万人次，冰雪旅游成为新的消费热点。" for i in range(40)]
    corpus += [f"全区完成固定资产投资{i}亿元，重点项目{i}个开工建设。" for i in range(40)]
    corpus += [f"我区认真落实第{i}号文件精神，加强基层党组织建设。" for i in range(40)]
    pipe, meta = adapt_to(df, tax, corpus, {"C": 32.0, "char_ngrams": [1, 2]})
    vocab = pipe.named_steps["tfidf"].transformer_list[0][1].vocabulary_
    assert "海拉" in vocab and "冰雪" in vocab  # statistics refitted on the corpus, not only on the team's text
    ad = meta["adapted"]
    assert ad["n_sentences"] == 120 and 0 < ad["n_pseudo_labels"] <= 120
    assert set(ad["pseudo_label_counts"]) <= set(tax.ids)
    assert meta["fit_params"] == {"C": 32.0, "char_ngrams": [1, 2]} and meta["cv"]["grid"] == []
    assert meta["cv"]["scores"]["zh"]["n"] == int((df["lang"] == "zh").sum())  # scored on team sentences only


def test_train_add_uses_the_users_labels_and_records_them(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    labeled = _small_labeled(tmp_path)
    data_before = _digest(config.DATA_DIR)
    user = tmp_path / "mine.csv"
    rows = [{"sample_id": f"s{i}", "sentence": f"The Zorblat corridor will receive {i} new logistics hubs.",
             "label": "regional", "unsure": ""} for i in range(30)]
    rows += [{"sample_id": "x1", "sentence": "An unsure one.", "label": "growth", "unsure": "1"},
             {"sample_id": "x2", "sentence": "Not labeled yet.", "label": "", "unsure": ""}]
    pd.DataFrame(rows).to_csv(user, index=False)
    out = tmp_path / "m"
    r = cli("train", labeled, "--add", user, "--weight", "2", "--out", out, "-q")
    assert r.code == 0, r.err
    meta = json.loads((out / "meta.json").read_text())
    added = meta["added_labels"]
    assert added["n"] == 30 and added["weight"] == 2.0 and added["left_out"] == {"no label": 1, "unsure": 1}
    assert added["files"][0]["sha256"] == hashlib.sha256(user.read_bytes()).hexdigest()
    card = (out / "MODEL_CARD.md").read_text()
    assert "The user's own labels" in card and "mine.csv" in card
    model = load_model(out)
    assert model.predict_sentences(["The Zorblat corridor is getting more hubs."])["theme"].iloc[0] == "regional"
    plain = tmp_path / "plain"
    assert cli("train", labeled, "--out", plain, "-q").code == 0
    assert json.loads((plain / "meta.json").read_text())["version"] != meta["version"]
    assert _digest(config.DATA_DIR) == data_before  # the user's labels are never copied into data/


@pytest.mark.parametrize(
    ("content", "extra", "message"),
    [
        ("sentence,label\nGrowth held up.,prices\n", [], "line 2: unknown label 'prices'"),
        ("sentence,label\nGrowth held up.,\n", [], "no labeled rows to add"),
        ("words,label\nGrowth held up.,growth\n", [], "needs columns label and text"),
        ("sentence,label\nGrowth held up.,growth\n", ["--weight", "0"], "--weight must be above 0"),
    ],
)
def test_train_add_bad_input(cli, tmp_path: Path, content: str, extra: list[str], message: str) -> None:  # type: ignore[no-untyped-def]
    user = tmp_path / "mine.csv"
    user.write_text(content)
    out = tmp_path / "m"
    r = cli("train", _small_labeled(tmp_path, 8), "--add", user, "--out", out, *extra)
    assert r.code == 2 and message in r.err and len(r.err.strip().splitlines()) == 1, r.err
    assert not out.exists()


def test_train_add_needs_its_own_folder(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    user = tmp_path / "mine.csv"
    user.write_text("sentence,label\nGrowth held up.,growth\n")
    r = cli("train", "--add", user)
    assert r.code == 2 and "--add needs --out" in r.err


def test_adapt_command_writes_a_model_report_can_use(cli, trained: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """End to end on the sample corpus: a normal model folder whose card says what it was adapted
    to, which `report --model` uses."""
    corpus = ROOT / "data" / "statements"
    out = tmp_path / "adapted"
    r = cli("adapt", corpus, "--model", trained, "--out", out, "-q")
    assert r.code == 0, r.err
    meta = json.loads((out / "meta.json").read_text())
    assert meta["adapted"]["n_statements"] > 50 and meta["adapted"]["inputs"] == [str(corpus.resolve())]
    assert "Adapted to a corpus" in (out / "MODEL_CARD.md").read_text()
    assert meta["fit_params"] == json.loads((trained / "meta.json").read_text())["fit_params"]
    r = cli("report", corpus / "en", "--model", out, "-o", tmp_path / "rep", "-q")
    assert r.code == 0, r.err
    assert json.loads((tmp_path / "rep" / "report.json").read_text())["model_version"] == meta["version"]


def test_adapt_bad_input(cli, trained: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    tiny = tmp_path / "2020_tiny.txt"
    tiny.write_text("We will expand investment. We will boost consumption.")
    r = cli("adapt", tiny, "--model", trained, "--out", tmp_path / "m")
    assert r.code == 2 and "adapting needs at least 200" in r.err and not (tmp_path / "m").exists()
    r = cli("adapt", tiny, "--model", tmp_path / "nothing", "--out", tmp_path / "m")
    assert r.code == 2 and "no model there" in r.err
    r = cli("adapt", tmp_path, "--model", trained, "--out", tmp_path / "m")
    assert r.code == 2 and "inside the input" in r.err


def test_validation_with_the_labels_trained_on_is_refused(cli, trained: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Error rates measured on sentences the model was trained on (train --add) would flatter it."""
    import shutil

    from pipeline.model import sha256_file

    labels = tmp_path / "labels.csv"
    labels.write_text("text,label\nWe will expand effective investment.,investment\n")
    model = tmp_path / "m"
    shutil.copytree(trained, model)
    meta = json.loads((model / "meta.json").read_text())
    meta["added_labels"] = {"files": [{"file": str(labels), "sha256": sha256_file(labels)}], "n": 1, "weight": 1.0}
    (model / "meta.json").write_text(json.dumps(meta))
    r = cli("report", ROOT / "data" / "statements" / "en", "--model", model, "-o", tmp_path / "rep",
            "--validation", labels)
    assert r.code == 2 and "trained on these labels" in r.err and not (tmp_path / "rep").exists()
