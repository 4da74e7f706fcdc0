"""The fast scoring path of `classify` equals the reference (scikit-learn) path.

`LinearScorer` tokenizes whole chunks at once and counts features with a sparse product;
`load_model` reads the model's plain-data scorer files without scikit-learn or a pickle. Each is checked against
scikit-learn's own transform and `Pipeline.predict_proba`, on the team's sentences and on
text chosen to break the shortcuts (line breaks, case folds that change length, digits,
Chinese beside Latin, a final sigma).
"""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import config
from pipeline import scorer as F
from pipeline.model import load_model, load_pipeline, save_model
from pipeline.themes import load_taxonomy
from pipeline.train import labeled_files, read_labeled

from .conftest import ROOT

TRICKY = [
    "",
    " ",
    "We will expand effective investment.",
    "Line one\nline two has a break\r\nand a CRLF.",
    "ΣΟΦΙΑΣ ΚΑΙ ΛΟΓΟΣ. Σ",  # final sigma: lower() looks at the neighbours
    "İstanbul İNVESTMENT and KELVIN K and ſtrange ı",  # lower() makes İ two characters
    "GDP grew 5.2% in 2023, 1,234.5 yuan; 3.4.5 and 1..5 and a1.5 and x-19 and don't ’tis",
    "国内生产总值增长５％，社会消费品零售总额增长７．２％。",
    "促进汽车消费。扩大有效投资，加快重大项目建设。",
    "Mixed 漢字 and English words, 投资 investment 消费consumption.",
    "Ünïcödé wörds — and 漢字 mixed.",
    "١٢٣ Arabic-Indic digits and ٣.٥ too",
    "a b c d e f g h i j k l m n o p",
    "investment investment investment investment",
    "发展发展发展经济经济",
    "\n\n\n",
    "tabs\tand\x0bvertical\x0cfeeds",
]


def _labeled_texts() -> list[str]:
    return read_labeled(labeled_files(config.LABELED_DIR), load_taxonomy())["text"].tolist()


def _sklearn_counts(vec: object, texts: list[str]) -> object:
    """Counts from scikit-learn's own CountVectorizer code."""
    from sklearn.feature_extraction.text import CountVectorizer

    return CountVectorizer.transform(vec, texts)


def _reference_proba(pipe: object, labels: list[str], texts: list[str]) -> np.ndarray:
    classes = [str(c) for c in pipe.classes_]  # type: ignore[attr-defined]
    return np.asarray(pipe.predict_proba(texts))[:, [classes.index(x) for x in labels]]  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def full(trained: Path):  # type: ignore[no-untyped-def]
    """scikit-learn's Pipeline, the reference."""
    return load_pipeline(trained)


@pytest.fixture(scope="module")
def scoring(trained: Path):  # type: ignore[no-untyped-def]
    return load_model(trained)


def _assert_counts_equal(scorer: F.LinearScorer, full: object, texts: list[str]) -> None:
    got = scorer.counts(texts)
    union = full.named_steps["tfidf"]  # type: ignore[attr-defined]
    for (name, vec), counts in zip(union.transformer_list, got, strict=True):
        ref = _sklearn_counts(vec, texts)
        assert counts.shape == ref.shape, name
        assert (counts != ref).nnz == 0, name


def test_scoring_model_has_the_pipelines_classes(scoring, full) -> None:  # type: ignore[no-untyped-def]
    assert scoring.classes == [str(c) for c in full.classes_]
    assert scoring.labels == load_taxonomy().ids


@pytest.mark.parametrize("texts", [TRICKY, TRICKY[::-1], [TRICKY[3]], ["", ""], TRICKY * 3])
def test_chunk_counts_equal_scikit_learn(trained: Path, full, texts: list[str]) -> None:  # type: ignore[no-untyped-def]
    scorer = load_model(trained).scorer  # fresh tables: every token is new
    _assert_counts_equal(scorer, full, texts)
    _assert_counts_equal(scorer, full, texts)  # again, now from the tables


def test_counts_and_probabilities_on_the_team_sentences(scoring, full) -> None:  # type: ignore[no-untyped-def]
    texts = _labeled_texts()[::3] + TRICKY
    for i in range(0, len(texts), 700):  # several chunks through the same tables
        _assert_counts_equal(scoring.scorer, full, texts[i : i + 700])
    got = scoring.predict_proba(texts)
    assert np.allclose(got, _reference_proba(full, scoring.labels, texts), rtol=0, atol=1e-12)


def test_logits_equal_decision_function(scoring, full) -> None:  # type: ignore[no-untyped-def]
    texts = _labeled_texts()[1::5] + TRICKY
    ref = full.named_steps["clf"].estimator_.decision_function(full.named_steps["tfidf"].transform(texts))
    assert np.allclose(scoring.scorer.logits(texts), ref, rtol=0, atol=1e-12)


def test_tables_that_start_afresh_give_the_same_counts(trained: Path, full, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(F, "MAX_TABLE", 25)
    scorer = load_model(trained).scorer
    texts = _labeled_texts()[:400] + TRICKY
    for i in range(0, len(texts), 60):
        _assert_counts_equal(scorer, full, texts[i : i + 60])
    assert scorer._n_tokens <= 25 + 60 * 40


_PIECES = [*"abcXYZ019 .,'’-\n\tΣσİıſK漢字投资消费发展。，٣５", "the ", "investment ", "consumption"]
_TEXT = st.lists(st.sampled_from(_PIECES), max_size=30).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(_TEXT, min_size=1, max_size=8))
def test_counts_property(scoring, full, texts: list[str]) -> None:  # type: ignore[no-untyped-def]
    _assert_counts_equal(scoring.scorer, full, texts)


def test_pair_table_is_a_dictionary() -> None:
    table = F._PairTable(bits=3)  # tiny: grows many times
    rng = np.random.default_rng(5)
    ref: dict[tuple[int, int], int] = {}
    for _ in range(500):
        a, b, v = (int(x) for x in rng.integers(0, 300, 3))
        table.insert(a, b, v)
        ref[(a, b)] = v
    qa = rng.integers(-2, 300, 5000)
    qb = rng.integers(-2, 300, 5000)
    want = [ref.get((int(a), int(b)), -1) if a >= 0 and b >= 0 else -1 for a, b in zip(qa, qb, strict=True)]
    assert table.lookup(qa, qb).tolist() == want


def test_scorer_pickles_without_its_tables(scoring) -> None:  # type: ignore[no-untyped-def]
    scoring.predict_proba(TRICKY)
    data = pickle.dumps(scoring)
    again = pickle.loads(data)
    assert again.scorer._n_tokens == 0
    assert np.array_equal(again.predict_proba(TRICKY), scoring.predict_proba(TRICKY))


def test_scoring_model_loads_without_scikit_learn(trained: Path) -> None:
    code = (
        "import sys, pickle; pickle.loads = pickle.load = None; from pipeline.model import load_model; "
        f"m = load_model({str(trained)!r}); p = m.predict_proba(['We will expand investment.']); "
        "print('joblib' in sys.modules, 'sklearn' in sys.modules, round(float(p.sum()), 6))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True).stdout
    assert out.split() == ["False", "False", "1.0"]


def test_other_pipeline_shapes_are_refused_at_export(tmp_path: Path) -> None:
    """A vectorizer the scorer does not reproduce (binary counts) is refused when saving,
    not scored wrongly later; nothing is written."""
    from pipeline.train import build_pipeline

    df = read_labeled(labeled_files(config.LABELED_DIR), load_taxonomy()).iloc[::6]
    pipe = build_pipeline(C=1.0)
    pipe.set_params(tfidf__chars__binary=True)
    pipe.fit(df["text"], df["label"])
    meta = {"labels": load_taxonomy().ids, "version": "test", "versions": {}}
    with pytest.raises(ValueError, match="binary True"):
        save_model(pipe, meta, tmp_path / "m", "card")
    assert not (tmp_path / "m").exists()


def test_saved_scorer_equals_its_pipeline(trained: Path, tmp_path: Path) -> None:
    """A small model through save and load: the plain-data scorer gives the Pipeline's numbers."""
    import json

    from pipeline.train import build_pipeline

    df = read_labeled(labeled_files(config.LABELED_DIR), load_taxonomy()).iloc[::5]
    pipe = build_pipeline(C=4.0).fit(df["text"], df["label"])
    meta = {**json.loads((trained / "meta.json").read_text()), "version": "t"}  # a meta.json of the real shape
    save_model(pipe, meta, tmp_path / "m", "card", TRICKY[:4])
    model = load_model(tmp_path / "m")
    texts = df["text"].tolist()[:60] + TRICKY
    assert np.allclose(model.predict_proba(texts), _reference_proba(pipe, model.labels, texts), rtol=0, atol=1e-12)


def test_pair_table_bulk_insert_is_a_dictionary() -> None:
    """Batches of keys placed at once (colliding slots, growth, keys given again) read back
    as a dictionary does."""
    table = F._PairTable(bits=2)
    rng = np.random.default_rng(11)
    ref: dict[int, int] = {}
    for size in (1, 3, 50, 700, 5, 2000):
        keys = rng.choice(np.arange(0, 1 << 40, 7919), size=size, replace=False)
        keys[: size // 3] = rng.choice(list(ref) or [5], size=size // 3)  # some already stored
        keys = np.unique(keys)
        values = rng.integers(0, 1 << 30, size=len(keys))
        table.insert_keys(keys, values)
        ref.update(zip(keys.tolist(), values.tolist(), strict=True))
    assert table.size == len(ref)
    query = np.concatenate([np.array(list(ref), dtype=np.int64), rng.integers(0, 1 << 40, 3000)])
    assert table.lookup_keys(query).tolist() == [ref.get(int(k), -1) for k in query]
