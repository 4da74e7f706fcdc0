"""The saved model: `models/<name>/` with `model.joblib`, `meta.json` and `MODEL_CARD.md`.

A joblib file is a pickle and runs code when loaded, so loading checks its sha256
against `meta.json` first and refuses a file that does not match.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .config import MODEL_DIR
from .errors import InputError

MODEL_FILE = "model.joblib"
META_FILE = "meta.json"
CARD_FILE = "MODEL_CARD.md"


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def library_versions() -> dict[str, str]:
    import platform

    import joblib
    import scipy
    import sklearn

    from . import __version__

    return {
        "python": platform.python_version(),
        "policy-themes": __version__,
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "joblib": joblib.__version__,
        "pandas": pd.__version__,
    }


@dataclass
class ThemeModel:
    """A trained theme classifier and what is known about it."""

    pipeline: Any
    meta: dict[str, Any]
    path: Path | None = None

    @property
    def labels(self) -> list[str]:
        """Theme ids in the taxonomy's order (the columns of `predict_proba`)."""
        classes = [str(c) for c in self.pipeline.classes_]
        wanted = [str(x) for x in self.meta.get("labels", [])]
        return wanted if sorted(wanted) == sorted(classes) else classes

    @property
    def version(self) -> str:
        return str(self.meta.get("version", "unknown"))

    def predict_proba(self, sentences: list[str] | pd.Series) -> np.ndarray:
        texts = list(sentences)
        if not texts:
            return np.zeros((0, len(self.labels)))
        fast = self._linear_parts()
        if fast is None:
            proba = np.asarray(self.pipeline.predict_proba(texts))
        else:
            from .calibration import _softmax

            vectorizers, coef, intercept, temperature = fast
            logits = np.tile(intercept, (len(texts), 1))
            for vec, (lo, hi) in vectorizers:
                logits += np.asarray(vec.transform(texts) @ coef[:, lo:hi].T)
            proba = _softmax(logits / temperature)
        classes = [str(c) for c in self.pipeline.classes_]
        return proba[:, [classes.index(lab) for lab in self.labels]]

    def _linear_parts(self) -> Any:
        """(vectorizers with their column ranges, coef, intercept, T) when the pipeline is the
        usual union-of-TF-IDF + temperature-scaled multinomial linear model, else None.

        Scoring each feature block against its slice of the weights skips building the
        stacked matrix; `tests/test_model.py` checks it equals `pipeline.predict_proba`.
        """
        cached = self.__dict__.get("_parts", False)
        if cached is not False:
            return cached
        parts = None
        try:
            union, clf = self.pipeline.named_steps["tfidf"], self.pipeline.named_steps["clf"]
            est = clf.estimator_
            coef = np.asarray(est.coef_)
            if hasattr(union, "transformer_list") and coef.shape[0] == len(clf.classes_) and not getattr(
                union, "transformer_weights", None
            ):
                ranges, lo = [], 0
                for _, vec in union.transformer_list:
                    hi = lo + len(vec.vocabulary_)
                    ranges.append((vec, (lo, hi)))
                    lo = hi
                if lo == coef.shape[1]:
                    parts = (ranges, coef, np.asarray(est.intercept_), float(clf.temperature))
        except (AttributeError, KeyError, TypeError):
            parts = None
        self.__dict__["_parts"] = parts
        return parts

    def predict_sentences(self, sentences: list[str] | pd.Series) -> pd.DataFrame:
        """Theme, confidence and one `p_<theme>` column per theme, a row per sentence."""
        proba = self.predict_proba(sentences)
        labels = self.labels
        df = pd.DataFrame(proba, columns=[f"p_{c}" for c in labels])
        best = proba.argmax(axis=1) if len(proba) else np.zeros(0, dtype=int)
        df.insert(0, "theme", [labels[i] for i in best])
        df.insert(1, "confidence", proba.max(axis=1) if len(proba) else np.zeros(0))
        return df


def save_model(pipeline: Any, meta: dict[str, Any], out_dir: Path, card: str) -> dict[str, Any]:
    """Write the model, then its checksum into meta.json, then the card (atomically each)."""
    import joblib

    from .writers import atomic_path

    out_dir.mkdir(parents=True, exist_ok=True)
    with atomic_path(out_dir / MODEL_FILE) as tmp:
        joblib.dump(pipeline, tmp, compress=3)
        digest = sha256_file(tmp)
    meta = {**meta, "sha256": {**meta.get("sha256", {}), MODEL_FILE: digest}}
    with atomic_path(out_dir / META_FILE) as tmp:
        tmp.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", "utf-8")
    with atomic_path(out_dir / CARD_FILE) as tmp:
        tmp.write_text(card, "utf-8")
    return meta


def read_meta(path: Path | str | None = None) -> dict[str, Any]:
    folder = Path(path or MODEL_DIR)
    meta_path = folder / META_FILE
    if not folder.is_dir():
        raise InputError(f"{folder}: no model there; run `make train` (or `policy-themes train`) first")
    try:
        meta = json.loads(meta_path.read_text("utf-8"))
    except FileNotFoundError:
        raise InputError(f"{meta_path}: missing; a model folder needs its meta.json") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise InputError(f"{meta_path}: unreadable ({e})") from None
    if not isinstance(meta, dict):
        raise InputError(f"{meta_path}: not a JSON object")
    return meta


def load_model(path: Path | str | None = None) -> ThemeModel:
    """Load a model folder, refusing a `model.joblib` whose sha256 is not the one in meta.json."""
    import joblib

    folder = Path(path or MODEL_DIR)
    if folder.is_file() and folder.name == MODEL_FILE:
        folder = folder.parent
    meta = read_meta(folder)
    model_path = folder / MODEL_FILE
    if not model_path.is_file():
        raise InputError(f"{model_path}: missing")
    expected = (meta.get("sha256") or {}).get(MODEL_FILE)
    if not expected:
        raise InputError(f"{folder / META_FILE}: has no sha256 for {MODEL_FILE}; refusing to load an unverified model")
    actual = sha256_file(model_path)
    if actual != expected:
        raise InputError(
            f"{model_path}: sha256 does not match meta.json (got {actual[:12]}..., expected {expected[:12]}...); "
            "refusing to load: a joblib file runs code when loaded, only load models you trained or trust"
        )
    trained = meta.get("versions", {})
    now = library_versions()
    diffs = [f"{k} {trained[k]} -> {now[k]}" for k in ("scikit-learn", "numpy", "scipy", "joblib")
             if k in trained and trained[k] != now[k]]
    if diffs:
        warnings.warn(
            f"{folder}: trained with other library versions ({', '.join(diffs)}); retrain if results look off",
            stacklevel=2,
        )
    try:
        pipeline = joblib.load(model_path)
    except Exception as e:  # a verified file that still fails: versions too far apart
        raise InputError(
            f"{model_path}: cannot be loaded ({type(e).__name__}: {e}); retrain with `make train`"
        ) from None
    return ThemeModel(pipeline=pipeline, meta=meta, path=folder)
