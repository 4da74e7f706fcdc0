"""Classification of segmented sentences: theme, confidence and per-theme probabilities."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .model import ThemeModel

UNCERTAIN = "uncertain"


def output_columns(labels: list[str], top_k: int = 1) -> list[str]:
    """Columns added to the sentence table, in order."""
    extra = [f"{name}_{k}" for k in range(2, top_k + 1) for name in ("theme", "confidence")]
    return ["theme", "confidence", *[f"p_{c}" for c in labels], *extra, "model_version"]


def classify_sentences(
    model: ThemeModel, sentences: pd.DataFrame, top_k: int = 1, min_confidence: float = 0.0
) -> pd.DataFrame:
    """The sentence table with the model's columns added; row count unchanged.

    Below `min_confidence` the theme is `uncertain`; the probabilities are still given.
    """
    labels = model.labels
    proba = model.predict_proba(sentences["sentence"].tolist()) if len(sentences) else np.zeros((0, len(labels)))
    order = np.argsort(-proba, axis=1, kind="stable")
    out = sentences.reset_index(drop=True).copy()
    lab = np.asarray(labels, dtype=object)
    best = order[:, 0] if len(out) else np.zeros(0, dtype=int)
    conf = proba[np.arange(len(out)), best] if len(out) else np.zeros(0)
    theme = lab[best] if len(out) else np.zeros(0, dtype=object)
    if min_confidence > 0:
        theme = np.where(conf < min_confidence, UNCERTAIN, theme)
    out["theme"] = pd.Series(theme, dtype=object)
    out["confidence"] = conf.astype("float64")
    for i, c in enumerate(labels):
        out[f"p_{c}"] = proba[:, i].astype("float64")
    for k in range(2, top_k + 1):
        idx = order[:, k - 1] if len(out) and k - 1 < proba.shape[1] else None
        out[f"theme_{k}"] = lab[idx] if idx is not None else pd.array([None] * len(out), dtype=object)
        out[f"confidence_{k}"] = proba[np.arange(len(out)), idx] if idx is not None else np.nan
    out["model_version"] = model.version
    return out
