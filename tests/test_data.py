"""Data tests: the team's labeled sentences, taxonomy and sample corpus are what they claim."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline import config
from pipeline.readers import ReadOptions, read_statements
from pipeline.records import Statement
from pipeline.themes import load_taxonomy
from pipeline.train import labeled_files, read_labeled


@pytest.fixture(scope="module")
def labeled() -> pd.DataFrame:
    return read_labeled(labeled_files(config.LABELED_DIR), load_taxonomy())


def test_schema_and_labels() -> None:
    ids = set(load_taxonomy().ids)
    for path in labeled_files(config.LABELED_DIR):
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
        assert list(df.columns) == ["group", "label", "text"], path
        assert set(df["label"]) <= ids, path
        assert (df["text"].str.strip() != "").all() and (df["group"] != "").all(), path
        assert path.stem.split("_")[0] in ("en", "zh"), path


def test_sizes_and_balance(labeled: pd.DataFrame) -> None:
    sizes = labeled["lang"].value_counts()
    assert sizes["en"] >= 1500 and sizes["zh"] >= 1000
    for lang in ("en", "zh"):
        share = labeled[labeled["lang"] == lang]["label"].value_counts(normalize=True)
        for theme in ("growth", "investment", "consumption", "regional"):
            assert share[theme] >= 0.15, (lang, theme, share[theme])
        assert share["other"] >= 0.30, (lang, share["other"])


def test_no_duplicates_or_near_duplicates_across_groups(labeled: pd.DataFrame) -> None:
    """Folds are grouped, so a near-copy in another group would leak between train and test."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    assert not labeled["text"].duplicated().any()
    X = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5)).fit_transform(labeled["text"])
    sim = (X @ X.T).tocoo()
    groups = labeled["group"].to_numpy(dtype=object)
    leaks = [(labeled["text"].iloc[i], labeled["text"].iloc[j]) for i, j, v in zip(sim.row, sim.col, sim.data,
                                                                                     strict=True)
             if i < j and v > 0.8 and groups[i] != groups[j]]
    assert leaks == []


def test_groups_do_not_cross_languages(labeled: pd.DataFrame) -> None:
    assert (labeled.groupby("group")["lang"].nunique() == 1).all()


def test_taxonomy_file() -> None:
    tax = load_taxonomy()
    assert tax.ids == ["growth", "investment", "consumption", "regional", "other"]
    assert tax.fallback == "other"
    for t in tax.themes:
        assert t.name_en and t.name_zh and t.description
        assert t.fallback or (t.keywords_en and t.keywords_zh)


def test_sample_corpus() -> None:
    items = list(read_statements([str(config.STATEMENTS_DIR)], ReadOptions()))
    stmts = [s for s in items if isinstance(s, Statement)]
    assert len(stmts) == len(items), [i for i in items if not isinstance(i, Statement)]
    langs = pd.Series([s.lang for s in stmts]).value_counts()
    assert langs["en"] >= 60 and langs["zh"] >= 30
    years = {int((s.date or "0")[:4]) for s in stmts}
    assert min(years) == 2000 and max(years) == 2025
