"""Prediction-powered shares on corpora whose truth is known: coverage and width.

Pools of the team's labeled sentences (data/labeled) are scored by classifiers trained on the
other groups (held-out predictions): a logistic model, roughly calibrated, and naive Bayes with
its probabilities pushed toward one theme, deliberately miscalibrated. Each of 200 corpora of
4,000 sentences is drawn from the pools with its own mix of themes (mostly `other`, as real
text is), a random 300 of them are "labeled", and the whole corpus's shares are estimated by
PPI++ as the report does. The 95% intervals must cover the corpus's true share at least 93% of
the time and be narrower on average than the labels-only intervals. Seeded; figures go to
build/test-artifacts/ppi_simulation.json.
"""

from __future__ import annotations

import json
import time

import numpy as np
import pytest

from pipeline import config
from pipeline.quantify import ppi_mean
from pipeline.themes import load_taxonomy
from pipeline.train import labeled_files, read_labeled

from .conftest import ROOT

REPS = 200
CORPUS = 4000
LABELED = 300
#: Mix of themes per corpus: Dirichlet around 10% per theme and 60% `other`.
MIX = np.array([2.0, 2.0, 2.0, 2.0, 12.0])


@pytest.fixture(scope="module")
def pools() -> dict[str, np.ndarray]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import SGDClassifier
    from sklearn.model_selection import GroupShuffleSplit
    from sklearn.naive_bayes import MultinomialNB

    from pipeline.features import TextAnalyzer

    tax = load_taxonomy()
    df = read_labeled(labeled_files(config.LABELED_DIR), tax)
    tr, te = next(GroupShuffleSplit(1, test_size=0.3, random_state=config.SEED).split(df, groups=df["group"]))
    vec = TfidfVectorizer(analyzer=TextAnalyzer((1, 1), (1, 2)), sublinear_tf=True, min_df=2)
    x_tr = vec.fit_transform(df["text"].iloc[tr].tolist())
    x_te = vec.transform(df["text"].iloc[te].tolist())
    y_tr = df["label"].iloc[tr].to_numpy()
    order = [tax.ids.index(c) for c in sorted(tax.ids)]  # sklearn's classes_ are sorted
    back = np.argsort(order)
    logit = SGDClassifier(loss="log_loss", alpha=1e-5, max_iter=30, tol=None, random_state=0).fit(x_tr, y_tr)
    nb = MultinomialNB(alpha=0.1).fit(x_tr, y_tr)
    p_nb = nb.predict_proba(x_te)[:, back] * np.array([3.0, 1, 1, 1, 1])  # toward `growth`, and NB's overconfidence
    return {"y": df["label"].iloc[te].map({t: i for i, t in enumerate(tax.ids)}).to_numpy(),
            "calibrated": logit.predict_proba(x_te)[:, back], "miscalibrated": p_nb / p_nb.sum(axis=1, keepdims=True)}


def test_ppi_intervals_cover_and_beat_labels_alone(pools: dict[str, np.ndarray]) -> None:
    t0 = time.perf_counter()
    y = pools["y"]
    k = len(MIX)
    by_class = [np.flatnonzero(y == c) for c in range(k)]
    rng = np.random.default_rng(config.SEED)
    figures: dict[str, dict[str, float]] = {}
    results: dict[str, dict[str, list[np.ndarray]]] = {}
    for _ in range(REPS):
        mix = rng.dirichlet(MIX)
        cls = rng.choice(k, size=CORPUS, p=mix)
        idx = np.empty(CORPUS, dtype=int)
        for c in range(k):  # sentences drawn from their class's pool
            m = cls == c
            idx[m] = rng.choice(by_class[c], size=int(m.sum()))
        truth = np.bincount(cls, minlength=k) / CORPUS
        lab = rng.choice(CORPUS, size=LABELED, replace=False)
        y_lab = np.eye(k)[cls[lab]]
        for name in ("calibrated", "miscalibrated"):
            p = pools[name][idx]
            for kind, f in (("probabilities", p), ("one-hot", np.eye(k)[p.argmax(axis=1)])):
                res = ppi_mean(y_lab, f[lab], f)
                acc = results.setdefault(f"{name}/{kind}", {})
                acc.setdefault("covered", []).append((res.ci_low <= truth) & (truth <= res.ci_high))
                acc.setdefault("labels_covered", []).append((res.classical_low <= truth)
                                                            & (truth <= res.classical_high))
                acc.setdefault("width", []).append(res.ci_high - res.ci_low)
                acc.setdefault("labels_width", []).append(res.classical_high - res.classical_low)
                acc.setdefault("error", []).append(np.abs(res.estimate - truth))
                acc.setdefault("lam", []).append(res.lam)
    for key, acc in results.items():
        figures[key] = {
            "coverage": round(float(np.mean(acc["covered"])), 4),
            "labels_only_coverage": round(float(np.mean(acc["labels_covered"])), 4),
            "mean_width": round(float(np.mean(acc["width"])), 4),
            "labels_only_mean_width": round(float(np.mean(acc["labels_width"])), 4),
            "mean_abs_error": round(float(np.mean(acc["error"])), 4),
            "never_wider": bool((np.array(acc["width"]) <= np.array(acc["labels_width"]) + 1e-12).all()),
            "lambda_in_0_1": bool(((np.array(acc["lam"]) >= 0) & (np.array(acc["lam"]) <= 1)).all()),
        }
    seconds = time.perf_counter() - t0
    out = ROOT / "build" / "test-artifacts"
    out.mkdir(parents=True, exist_ok=True)
    (out / "ppi_simulation.json").write_text(json.dumps({"reps": REPS, "corpus": CORPUS, "labeled": LABELED,
                                                          "seconds": round(seconds, 1), **figures}, indent=2) + "\n")
    print(figures)
    for key, f in figures.items():
        assert f["coverage"] >= 0.93, (key, f)
        assert f["mean_width"] < f["labels_only_mean_width"], (key, f)
        assert f["never_wider"] and f["lambda_in_0_1"], (key, f)
    # The report feeds PPI the probabilities: with a calibrated model they are the better predictions.
    assert figures["calibrated/probabilities"]["mean_width"] <= figures["calibrated/one-hot"]["mean_width"]
    assert seconds < 30, seconds
