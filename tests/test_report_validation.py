"""Validation of the report's statistics on corpora whose true theme shares are known.

A classifier is trained on part of the team's labeled sentences (grouped split) and its
error rates are measured by cross-validation on that part only, as `make train` does.
Corpora are then built from the held-out sentences with chosen true shares per period,
statements whose own mix varies around them. The corrected shares must come closer to the
truth than the raw ones, and the 95% intervals must cover the true share in at least 90% of
(period, theme) cells over repeated draws. The measured figures are written to
build/test-artifacts/report_validation.json.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from pipeline import config
from pipeline.report import ALL, ReportOptions, build_report
from pipeline.themes import load_taxonomy
from pipeline.train import build_pipeline, labeled_files, read_labeled

from .conftest import ROOT

#: True shares per period (growth, investment, consumption, regional, other): shifts a report must see,
#: far from the training data's own balance, where classify-and-count is most biased.
TRUTH = {
    "2001": [0.10, 0.10, 0.05, 0.45, 0.30],
    "2002": [0.15, 0.40, 0.05, 0.10, 0.30],
    "2003": [0.10, 0.10, 0.50, 0.05, 0.25],
    "2004": [0.30, 0.15, 0.15, 0.10, 0.30],
    "2005": [0.05, 0.05, 0.25, 0.05, 0.60],
}
STATEMENTS_PER_PERIOD = 8
SENTENCES_PER_STATEMENT = 25
DRAWS = 20


@pytest.fixture(scope="module")
def held_out() -> tuple[pd.DataFrame, dict[str, np.ndarray], list[str]]:
    from sklearn.metrics import confusion_matrix
    from sklearn.model_selection import GroupShuffleSplit, StratifiedGroupKFold, cross_val_predict

    tax = load_taxonomy()
    labels = tax.ids
    df = read_labeled(labeled_files(config.LABELED_DIR), tax)
    tr, te = next(GroupShuffleSplit(1, test_size=0.3, random_state=config.SEED).split(df, groups=df["group"]))
    train, test = df.iloc[tr], df.iloc[te]
    pipe = build_pipeline((1, 3), 8.0)
    cv = StratifiedGroupKFold(n_splits=5, shuffle=True, random_state=config.SEED)
    oof = cross_val_predict(pipe, train["text"].tolist(), train["label"].to_numpy(), groups=train["group"].to_numpy(),
                            cv=cv, n_jobs=2)
    conf = {}
    for lang in ("en", "zh"):
        m = (train["lang"] == lang).to_numpy()
        conf[lang] = confusion_matrix(train["label"].to_numpy()[m], oof[m], labels=labels).astype(float)
    conf[ALL] = conf["en"] + conf["zh"]
    pipe.fit(train["text"].tolist(), train["label"].to_numpy())
    test = test.assign(pred=pipe.predict(test["text"].tolist()))
    return test, conf, labels


def _draw(test: pd.DataFrame, labels: list[str], rng: np.random.Generator) -> pd.DataFrame:
    pools = {(lang, t): test[(test["lang"] == lang) & (test["label"] == t)] for lang in ("en", "zh") for t in labels}
    rows = []
    for period, shares in TRUTH.items():
        for s in range(STATEMENTS_PER_PERIOD):
            lang = "en" if rng.random() < 0.6 else "zh"
            mix = rng.dirichlet(np.asarray(shares) * 10)  # statements differ from their period's average
            for i, y in enumerate(rng.choice(len(labels), size=SENTENCES_PER_STATEMENT, p=mix)):
                pool = pools[(lang, labels[y])]
                row = pool.iloc[int(rng.integers(len(pool)))]
                rows.append({"statement_id": f"{period}-{s}", "date": period, "source": "x", "lang": lang,
                             "sentence_index": i, "sentence": row["text"], "theme": row["pred"], "true": labels[y]})
    return pd.DataFrame(rows)


def test_corrected_shares_beat_raw_and_intervals_cover(held_out) -> None:
    test, conf, labels = held_out
    rng = np.random.default_rng(config.SEED)
    covered, covered_real, err_raw, err_corr, width = [], [], [], [], []
    for r in range(DRAWS):
        corpus = _draw(test, labels, rng)
        rep = build_report(corpus, labels, conf, ReportOptions(period="year", by="none", n_boot=400, seed=r))
        for period, shares in TRUTH.items():
            real = corpus[corpus["date"] == period]["true"].value_counts(normalize=True)
            for i, theme in enumerate(labels):
                c = rep.cell(period, ALL, theme)
                covered.append(c.ci_low <= shares[i] <= c.ci_high)
                covered_real.append(c.ci_low <= real.get(theme, 0.0) <= c.ci_high)
                err_raw.append(abs(c.share_raw - real.get(theme, 0.0)))
                err_corr.append(abs(c.share_corrected - real.get(theme, 0.0)))
                width.append(c.ci_high - c.ci_low)
    figures = {
        "cells": len(covered), "draws": DRAWS, "statements_per_period": STATEMENTS_PER_PERIOD,
        "sentences_per_statement": SENTENCES_PER_STATEMENT,
        "coverage_of_true_share": round(float(np.mean(covered)), 4),
        "coverage_of_drawn_share": round(float(np.mean(covered_real)), 4),
        "mean_abs_error_raw": round(float(np.mean(err_raw)), 4),
        "mean_abs_error_corrected": round(float(np.mean(err_corr)), 4),
        "mean_interval_width": round(float(np.mean(width)), 4),
    }
    out = ROOT / "build" / "test-artifacts"
    out.mkdir(parents=True, exist_ok=True)
    (out / "report_validation.json").write_text(json.dumps(figures, indent=2) + "\n")
    print(figures)
    assert figures["coverage_of_true_share"] >= 0.90, figures
    assert figures["mean_abs_error_corrected"] < figures["mean_abs_error_raw"], figures
