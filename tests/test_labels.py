"""Reading validation labels (pipeline/labels.py): the three formats, matching, and refusals."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.errors import InputError
from pipeline.labels import load_validation, read_labels

LABELS = ["growth", "investment", "consumption", "regional", "other"]


def _corpus(n: int = 40) -> pd.DataFrame:
    """A sentence table as `classify` writes it (the columns matching needs)."""
    return pd.DataFrame({
        "statement_id": [f"st{i // 10}" for i in range(n)],
        "sentence_index": [i % 10 for i in range(n)],
        "sentence": [f"Sentence number {i} about policy." for i in range(n)],
        "lang": ["en"] * n,
    })


def _sample(corpus: pd.DataFrame, rows: list[int], labels: list[str], **extra: list[str]) -> pd.DataFrame:
    sub = corpus.iloc[rows]
    return pd.DataFrame({
        "sample_id": [f"s{i:04d}" for i in range(1, len(rows) + 1)],
        "statement_id": sub["statement_id"].to_numpy(), "date": "2020", "source": "x", "lang": "en",
        "sentence_index": sub["sentence_index"].to_numpy(), "sentence": sub["sentence"].to_numpy(),
        "context_before": "", "context_after": "", "weight": "4.0", "label": labels,
        "unsure": extra.get("unsure", [""] * len(rows)),
    })


def _write_sample(df: pd.DataFrame, path: Path, strategy: str = "random") -> Path:
    df.to_csv(path, index=False)
    Path(f"{path}.json").write_text(json.dumps({"format": "policy-themes-sample/1", "strategy": strategy}))
    return path


def test_sample_file_matches_by_statement_and_index(tmp_path: Path) -> None:
    corpus = _corpus()
    rows = [3, 7, 12, 25, 31, 38]
    labels = ["growth", "other", "", "consumption", "regional", "other"]
    unsure = ["", "", "", "1", "", ""]
    path = _write_sample(_sample(corpus, rows, labels, unsure=unsure), tmp_path / "s.csv")
    v = load_validation(path, corpus, LABELS)
    assert v.kind == "sample" and v.strategy == "random"
    assert list(v.index) == [3, 7, 31, 38]  # the empty and the unsure row are left out
    assert [LABELS[i] for i in v.label] == ["growth", "other", "regional", "other"]
    assert (v.n_rows, v.n_usable, v.n_unsure, v.n_empty) == (6, 4, 1, 1)
    np.testing.assert_allclose(v.weight, 1.0)  # weights are relative: equal weights are all 1
    text = v.describe()
    assert "1 marked unsure" in text and "1 without a label" in text and "4 of 4" in text and "100%" in text


def test_sample_rows_whose_sentence_changed_do_not_match(tmp_path: Path) -> None:
    corpus = _corpus()
    df = _sample(corpus, list(range(10)), ["other"] * 10)
    df.loc[0, "sentence"] = "Another sentence entirely."
    v = load_validation(_write_sample(df, tmp_path / "s.csv"), corpus, LABELS)
    assert v.n_matched == 9 and v.n_text_differs == 1 and "1 whose sentence differs" in v.describe()


def test_text_labels_match_after_normalization(tmp_path: Path) -> None:
    corpus = _corpus()
    corpus.loc[5, "sentence"] = "GDP grew 5.2% in 2023."
    path = tmp_path / "gold.csv"
    # Full-width digits and letters and stray spaces are normalized as the `sentence` column is.
    pd.DataFrame({"text": ["  ＧＤＰ grew ５.２% in ２０２３.  ", corpus.loc[6, "sentence"]],
                  "label": ["Growth", "other"]}).to_csv(path, index=False)
    v = load_validation(path, corpus, LABELS)
    assert v.kind == "text" and list(v.index) == [5, 6] and [LABELS[i] for i in v.label] == ["growth", "other"]


def test_jsonl_text_labels(tmp_path: Path) -> None:
    corpus = _corpus()
    path = tmp_path / "gold.jsonl"
    path.write_text("\n".join(json.dumps({"text": corpus.loc[i, "sentence"], "label": "investment"})
                              for i in (1, 2, 3)) + "\n")
    v = load_validation(path, corpus, LABELS)
    assert list(v.index) == [1, 2, 3] and set(v.label) == {1}


def test_label_studio_export(tmp_path: Path) -> None:
    corpus = _corpus()

    def task(i: int, choices: list[str] | None, cancelled: bool = False) -> dict:
        anns = [] if choices is None else [{"was_cancelled": cancelled,
                                            "result": [{"value": {"choices": choices}}]}]
        return {"data": {"sample_id": f"s{i}", "text": corpus.loc[i, "sentence"]}, "annotations": anns}

    tasks = [task(0, ["growth"]), task(1, ["other"]), task(2, None), task(3, ["regional"], cancelled=True),
             task(4, ["unsure"]), task(5, ["Consumption"])]
    path = tmp_path / "export.json"
    path.write_text(json.dumps(tasks))
    v = load_validation(path, corpus, LABELS)
    assert v.kind == "label-studio"
    assert list(v.index) == [0, 1, 5] and [LABELS[i] for i in v.label] == ["growth", "other", "consumption"]
    assert v.n_empty == 2 and v.n_unsure == 1  # no annotation, a cancelled one; one unsure


def test_weights_are_kept_relative(tmp_path: Path) -> None:
    corpus = _corpus()
    df = _sample(corpus, [0, 1, 2, 3], ["other"] * 4)
    df["weight"] = ["2", "2", "6", "6"]
    v = load_validation(_write_sample(df, tmp_path / "s.csv"), corpus, LABELS)
    np.testing.assert_allclose(v.weight, [0.5, 0.5, 1.5, 1.5])


@pytest.mark.parametrize(("case", "message"), [
    ("unknown label", "line 3: label 'inflation' is not a theme"),
    ("repeated sample_id", "sample_id=s0001 repeats line 2"),
    ("repeated sentence", "line 6: statement_id=st0 sentence_index=1 repeats line 3"),
    ("uncertain sidecar", "drawn with strategy 'uncertain'"),
    ("uncertain column", "drawn with strategy 'uncertain'"),
    ("too few match", "only 7 of 10 labeled sentences (70%) are in this corpus"),
    ("bad weight", "weight 'x' is not a positive number"),
    ("no labels", "no labeled sentence"),
    ("missing label column", "missing column 'label'"),
])
def test_refusals(tmp_path: Path, case: str, message: str) -> None:
    corpus = _corpus()
    df = _sample(corpus, list(range(10)), ["other"] * 10)
    strategy = "random"
    if case == "unknown label":
        df.loc[1, "label"] = "inflation"
    elif case == "repeated sample_id":
        df.loc[3, "sample_id"] = "s0001"
    elif case == "repeated sentence":
        df.loc[4, ["statement_id", "sentence_index"]] = ["st0", 1]
        df.loc[4, "sentence"] = df.loc[1, "sentence"]
    elif case == "uncertain sidecar":
        strategy = "uncertain"
    elif case == "uncertain column":
        df["strategy"] = "uncertain"
    elif case == "too few match":
        df.loc[:2, "statement_id"] = "elsewhere"
    elif case == "bad weight":
        df.loc[2, "weight"] = "x"
    elif case == "no labels":
        df["label"] = ""
    elif case == "missing label column":
        df = df.drop(columns=["label"])
    path = _write_sample(df, tmp_path / "s.csv", strategy)
    if case == "uncertain column":
        Path(f"{path}.json").unlink()
    with pytest.raises(InputError) as e:
        load_validation(path, corpus, LABELS)
    assert message in str(e.value) and "\n" not in str(e.value)


def test_text_labels_refuse_a_sentence_labeled_twice(tmp_path: Path) -> None:
    corpus = _corpus()
    path = tmp_path / "gold.csv"
    pd.DataFrame({"text": [corpus.loc[1, "sentence"], corpus.loc[2, "sentence"], corpus.loc[1, "sentence"] + " "],
                  "label": ["other", "other", "growth"]}).to_csv(path, index=False)
    with pytest.raises(InputError, match="line 4: the sentence of line 2 is labeled again"):
        read_labels(path, LABELS)


@pytest.mark.parametrize(("name", "content", "message"), [
    ("labels.txt", "x", "must be .csv, .jsonl"),
    ("empty.csv", "", "empty file"),
    ("ls.json", '{"not": "a list"}', "not a Label Studio JSON export"),
    ("two.json", json.dumps([{"data": {"text": "a"}, "annotations": [{"result": [{"value": {"choices": ["growth",
                                                                                                    "other"]}}]}]}]),
     "2 choices"),
    ("notext.csv", "label\nother\n", "missing column 'text'"),
])
def test_unreadable_files(tmp_path: Path, name: str, content: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(InputError, match=message):
        read_labels(path, LABELS)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such labels file"):
        read_labels(tmp_path / "nope.csv", LABELS)
