"""The report's default correction (EMQ on calibrated probabilities) on corpora whose true shares
are known: closer to the truth than the raw shares, and bootstrap intervals that cover it.

As in tests/test_report_validation.py (which checks the adjusted count), corpora are built from
held-out labeled sentences with chosen shares per period, far from the training data's balance;
here every sentence carries the probabilities of a classifier trained on the other groups, and
the report gets that classifier's training class balance, as `report` gets the model's.
Figures go to build/test-artifacts/emq_validation.json.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from pipeline import config
from pipeline.report import ALL, ReportOptions, build_report
from pipeline.themes import load_taxonomy
from pipeline.train import labeled_files, read_labeled

from .conftest import ROOT

TRUTH = {
    "2001": [0.10, 0.10, 0.05, 0.45, 0.30],
    "2002": [0.15, 0.40, 0.05, 0.10, 0.30],
    "2003": [0.10, 0.10, 0.50, 0.05, 0.25],
    "2004": [0.05, 0.05, 0.05, 0.05, 0.80],  # a natural mix: mostly `other`
    "2005": [0.05, 0.05, 0.25, 0.05, 0.60],
}
STATEMENTS_PER_PERIOD = 8
SENTENCES_PER_STATEMENT = 25
DRAWS = 12


@pytest.fixture(scope="module")
def held_out() -> tuple[pd.DataFrame, np.ndarray, list[str], np.ndarray]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import SGDClassifier
    from sklearn.model_selection import GroupShuffleSplit

    from pipeline.features import TextAnalyzer

    tax = load_taxonomy()
    labels = tax.ids
    df = read_labeled(labeled_files(config.LABELED_DIR), tax)
    tr, te = next(GroupShuffleSplit(1, test_size=0.3, random_state=config.SEED).split(df, groups=df["group"]))
    vec = TfidfVectorizer(analyzer=TextAnalyzer((1, 1), (1, 2)), sublinear_tf=True, min_df=2)
    x_tr = vec.fit_transform(df["text"].iloc[tr].tolist())
    y_tr = df["label"].iloc[tr].to_numpy()
    clf = SGDClassifier(loss="log_loss", alpha=1e-5, max_iter=30, tol=None, random_state=0).fit(x_tr, y_tr)
    back = np.argsort([labels.index(c) for c in clf.classes_])
    proba = clf.predict_proba(vec.transform(df["text"].iloc[te].tolist()))[:, back]
    prior = np.array([float((y_tr == t).sum()) for t in labels])
    return df.iloc[te].reset_index(drop=True), proba, labels, prior


def _draw(test: pd.DataFrame, proba: np.ndarray, labels: list[str], rng: np.random.Generator) -> pd.DataFrame:
    pools = {(lang, t): np.flatnonzero(((test["lang"] == lang) & (test["label"] == t)).to_numpy())
             for lang in ("en", "zh") for t in labels}
    rows = []
    for period, shares in TRUTH.items():
        for s in range(STATEMENTS_PER_PERIOD):
            lang = "en" if rng.random() < 0.6 else "zh"
            mix = rng.dirichlet(np.asarray(shares) * 10)
            for i, y in enumerate(rng.choice(len(labels), size=SENTENCES_PER_STATEMENT, p=mix)):
                pool = pools[(lang, labels[y])]
                j = int(pool[rng.integers(len(pool))])
                p = proba[j]
                rows.append({"statement_id": f"{period}-{s}", "date": period, "source": "x", "lang": lang,
                             "sentence_index": i, "sentence": test["text"].iloc[j], "theme": labels[int(p.argmax())],
                             "true": labels[y], **{f"p_{t}": float(p[k]) for k, t in enumerate(labels)}})
    return pd.DataFrame(rows)


def test_emq_beats_raw_and_intervals_cover(held_out) -> None:
    test, proba, labels, prior = held_out
    rng = np.random.default_rng(config.SEED)
    zero = {k: np.eye(len(labels)) for k in ("en", "zh", ALL)}  # unused by EMQ, required by the signature
    covered, err_raw, err_emq, width = [], [], [], []
    for r in range(DRAWS):
        corpus = _draw(test, proba, labels, rng)
        rep = build_report(corpus, labels, zero, ReportOptions(period="year", by="none", n_boot=300, seed=r),
                           priors={"en": prior, "zh": prior})
        assert rep.info["estimator"] == "emq"
        for period in TRUTH:
            real = corpus[corpus["date"] == period]["true"].value_counts(normalize=True)
            for theme in labels:
                c = rep.cell(period, ALL, theme)
                truth = float(real.get(theme, 0.0))
                covered.append(c.ci_low <= truth <= c.ci_high)
                err_raw.append(abs(c.share_raw - truth))
                err_emq.append(abs(c.share_corrected - truth))
                width.append(c.ci_high - c.ci_low)
    figures = {"cells": len(covered), "draws": DRAWS,
               "coverage_of_drawn_share": round(float(np.mean(covered)), 4),
               "mean_abs_error_raw": round(float(np.mean(err_raw)), 4),
               "mean_abs_error_emq": round(float(np.mean(err_emq)), 4),
               "mean_interval_width": round(float(np.mean(width)), 4)}
    out = ROOT / "build" / "test-artifacts"
    out.mkdir(parents=True, exist_ok=True)
    (out / "emq_validation.json").write_text(json.dumps(figures, indent=2) + "\n")
    print(figures)
    assert figures["coverage_of_drawn_share"] >= 0.90, figures
    assert figures["mean_abs_error_emq"] < figures["mean_abs_error_raw"], figures
