"""Scoring a model on gold sentences (`text,label`), one sentence per row, no segmentation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .model import ThemeModel
from .themes import Taxonomy, Theme
from .train import expected_calibration_error, labeled_paths, read_labeled, score


def _model_taxonomy(model: ThemeModel) -> Taxonomy:
    """The labels the model knows, as a taxonomy (the model is the authority here)."""
    labels = model.labels
    fallback = labels[-1] if "other" not in labels else "other"
    return Taxonomy(tuple(Theme(lab, lab, lab, "", (), (), lab == fallback) for lab in labels))


def evaluate(model: ThemeModel, gold: pd.DataFrame, n_errors: int = 10) -> dict[str, Any]:
    """Per-class scores, macro-F1, confusion matrix, and the most confident errors."""
    pred = model.predict_sentences(gold["text"].tolist())
    y = gold["label"].to_numpy(dtype=object)
    labels = model.labels
    proba = pred[[f"p_{c}" for c in labels]].to_numpy()
    result: dict[str, Any] = {
        "model": model.meta.get("name"),
        "model_version": model.version,
        "n": len(gold),
        "all": {**score(y, pred["theme"].to_numpy(dtype=object), labels),
                "ece": expected_calibration_error(proba, y, labels)},
    }
    for lang in sorted(gold["lang"].unique()):
        m = (gold["lang"] == lang).to_numpy()
        result[str(lang)] = {**score(y[m], pred["theme"].to_numpy(dtype=object)[m], labels), "n": int(m.sum())}
    wrong = np.flatnonzero(pred["theme"].to_numpy(dtype=object) != y)
    wrong = wrong[np.argsort(-pred["confidence"].to_numpy()[wrong], kind="stable")][:n_errors]
    result["most_confident_errors"] = [
        {"text": gold["text"].iloc[i], "label": y[i], "predicted": pred["theme"].iloc[i],
         "confidence": round(float(pred["confidence"].iloc[i]), 3), "where": f"{gold['file'].iloc[i]} line "
         f"{gold['line'].iloc[i]}"}
        for i in wrong
    ]
    return result


def read_gold(paths: list[Path], model: ThemeModel) -> pd.DataFrame:
    return read_labeled(labeled_paths(paths), _model_taxonomy(model), for_training=False)


def format_report(result: dict[str, Any]) -> str:
    """The evaluation as a human reads it."""
    allres = result["all"]
    labels = allres["confusion_matrix"]["labels"]
    lines = [f"model {result['model']} {result['model_version']} on {result['n']} gold sentences", ""]
    lines.append(f"{'theme':<14}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>10}")
    for lab, s in allres["per_class"].items():
        lines.append(f"{lab:<14}{s['precision']:>10.3f}{s['recall']:>10.3f}{s['f1']:>10.3f}{s['support']:>10}")
    lines.append("")
    lines.append(f"macro-F1 {allres['macro_f1']:.3f}   accuracy {allres['accuracy']:.3f}   ECE {allres['ece']:.3f}")
    for lang in sorted(k for k in result if k in ("en", "zh")):
        lines.append(f"  {lang}: macro-F1 {result[lang]['macro_f1']:.3f} on {result[lang]['n']} sentences")
    lines += ["", "confusion matrix (rows: true, columns: predicted)",
              " " * 14 + "".join(f"{lab[:11]:>12}" for lab in labels)]
    for lab, row in zip(labels, allres["confusion_matrix"]["rows_true_cols_pred"], strict=True):
        lines.append(f"{lab:<14}" + "".join(f"{v:>12}" for v in row))
    if result["most_confident_errors"]:
        lines += ["", "most confident errors:"]
        for e in result["most_confident_errors"]:
            head = f"  [{e['label']} -> {e['predicted']} {e['confidence']:.2f}]"
            lines.append(f"{head} {e['text'][:110]}  ({e['where']})")
    return "\n".join(lines)
