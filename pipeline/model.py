"""The saved model: `models/<name>/` with `model.joblib`, `meta.json` and `MODEL_CARD.md`.

A joblib file is a pickle and runs code when loaded, so loading checks its sha256
against `meta.json` first and refuses a file that does not match.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .config import MODEL_DIR
from .errors import InputError

if TYPE_CHECKING:
    import pandas as pd

    from .features import LinearScorer

MODEL_FILE = "model.joblib"
META_FILE = "meta.json"
CARD_FILE = "MODEL_CARD.md"


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _version(module: str, distribution: str) -> str:
    """A library's version without importing it (scikit-learn takes a second to import)."""
    loaded = sys.modules.get(module)
    if loaded is not None and hasattr(loaded, "__version__"):
        return str(loaded.__version__)
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:
        return "not installed"


def library_versions() -> dict[str, str]:
    import platform

    from . import __version__

    return {
        "python": platform.python_version(),
        "policy-themes": __version__,
        "scikit-learn": _version("sklearn", "scikit-learn"),
        "numpy": np.__version__,
        "scipy": _version("scipy", "scipy"),
        "joblib": _version("joblib", "joblib"),
        "pandas": _version("pandas", "pandas"),
    }


def softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise softmax, the same operations as `calibration._softmax` (which imports scikit-learn)."""
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return np.asarray(e / e.sum(axis=1, keepdims=True))


@dataclass
class ThemeModel:
    """A trained theme classifier and what is known about it.

    `pipeline` is the scikit-learn `Pipeline`; it is None for a model loaded only to score
    (`load_scoring_model`), which carries just the `scorer`.
    """

    pipeline: Any
    meta: dict[str, Any]
    path: Path | None = None
    scorer: LinearScorer | None = field(default=None, repr=False)

    @property
    def classes(self) -> list[str]:
        """The classifier's classes in its own order (the columns of its probabilities)."""
        if self.pipeline is None:
            assert self.scorer is not None
            return list(self.scorer.classes)
        return [str(c) for c in self.pipeline.classes_]

    @property
    def labels(self) -> list[str]:
        """Theme ids in the taxonomy's order (the columns of `predict_proba`)."""
        classes = self.classes
        wanted = [str(x) for x in self.meta.get("labels", [])]
        return wanted if sorted(wanted) == sorted(classes) else classes

    @property
    def version(self) -> str:
        return str(self.meta.get("version", "unknown"))

    def predict_proba(self, sentences: list[str] | pd.Series) -> np.ndarray:
        texts = list(sentences)
        if not texts:
            return np.zeros((0, len(self.labels)))
        scorer = self.linear_scorer()
        if scorer is None:
            proba = np.asarray(self.pipeline.predict_proba(texts))
        else:
            proba = softmax(scorer.logits(texts) / scorer.temperature)
        classes = self.classes
        return proba[:, [classes.index(lab) for lab in self.labels]]

    def linear_scorer(self) -> LinearScorer | None:
        """The chunk scorer when the pipeline is the usual union-of-TF-IDF + temperature-scaled
        multinomial linear model (built once), else None; `tests/test_model.py` checks it
        equals `pipeline.predict_proba`."""
        if self.scorer is None and self.pipeline is not None and "_no_scorer" not in self.__dict__:
            self.scorer = linear_scorer(self.pipeline)
            if self.scorer is None:
                self.__dict__["_no_scorer"] = True
        return self.scorer

    def predict_sentences(self, sentences: list[str] | pd.Series) -> pd.DataFrame:
        """Theme, confidence and one `p_<theme>` column per theme, a row per sentence."""
        import pandas as pd

        proba = self.predict_proba(sentences)
        labels = self.labels
        df = pd.DataFrame(proba, columns=[f"p_{c}" for c in labels])
        best = proba.argmax(axis=1) if len(proba) else np.zeros(0, dtype=int)
        df.insert(0, "theme", [labels[i] for i in best])
        df.insert(1, "confidence", proba.max(axis=1) if len(proba) else np.zeros(0))
        return df


def _kind(obj: Any) -> str:
    cls = type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"


_VECTORIZERS = ("pipeline.features.FastTfidfVectorizer", "sklearn.feature_extraction.text.TfidfVectorizer")


def linear_scorer(pipeline: Any) -> LinearScorer | None:
    """A `LinearScorer` for a fitted pipeline (or its stand-in from `_load_stubbed`) of the shape
    `train.build_pipeline` makes, else None (other shapes are scored by the pipeline itself)."""
    from .features import LatinCharAnalyzer, LinearScorer, TextAnalyzer, TfidfBlock

    try:
        steps = list(pipeline.steps)
        if _kind(pipeline) != "sklearn.pipeline.Pipeline" or [n for n, _ in steps] != ["tfidf", "clf"]:
            return None
        union, clf = steps[0][1], steps[1][1]
        est = clf.estimator_
        if (_kind(union) != "sklearn.pipeline.FeatureUnion" or getattr(union, "transformer_weights", None)
                or _kind(clf) != "pipeline.calibration.TemperatureScaled"
                or _kind(est) != "sklearn.linear_model._logistic.LogisticRegression"):
            return None
        coef = np.asarray(est.coef_, dtype=np.float64)
        classes = [str(c) for c in clf.classes_]
        if coef.ndim != 2 or coef.shape[0] != len(classes) or len(classes) < 3:
            return None
        blocks: list[TfidfBlock] = []
        lo = 0
        for _, vec in union.transformer_list:
            analyzer, tfidf = vec.analyzer, vec._tfidf
            if (_kind(vec) not in _VECTORIZERS or type(analyzer) not in (TextAnalyzer, LatinCharAnalyzer)
                    or vec.binary or vec.input != "content" or np.dtype(vec.dtype) != np.float64
                    or tfidf.norm not in ("l2", None) or not isinstance(vec.vocabulary_, dict)):
                return None
            hi = lo + len(vec.vocabulary_)
            idf = getattr(tfidf, "idf_", None)
            if idf is not None and len(idf) != hi - lo:
                return None
            blocks.append(TfidfBlock(analyzer, vec.vocabulary_, idf, bool(tfidf.sublinear_tf), tfidf.norm,
                                     coef[:, lo:hi]))
            lo = hi
        kinds = [type(b.analyzer) for b in blocks]
        if lo != coef.shape[1] or len(set(kinds)) != len(kinds):
            return None
        return LinearScorer(blocks, np.asarray(est.intercept_, dtype=np.float64), float(clf.temperature), classes)
    except (AttributeError, KeyError, TypeError, ValueError, IndexError):
        return None


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


def _verified(path: Path | str | None) -> tuple[Path, dict[str, Any], Path]:
    """The model folder, its meta.json and model file, after checking the file's sha256
    (and warning once when the libraries differ from those it was trained with)."""
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
            stacklevel=3,
        )
    return folder, meta, model_path


def _load_pipeline(model_path: Path) -> Any:
    import joblib

    try:
        return joblib.load(model_path)
    except Exception as e:  # a verified file that still fails: versions too far apart
        raise InputError(
            f"{model_path}: cannot be loaded ({type(e).__name__}: {e}); retrain with `make train`"
        ) from None


def load_model(path: Path | str | None = None) -> ThemeModel:
    """Load a model folder, refusing a `model.joblib` whose sha256 is not the one in meta.json."""
    folder, meta, model_path = _verified(path)
    return ThemeModel(pipeline=_load_pipeline(model_path), meta=meta, path=folder)


def load_scoring_model(path: Path | str | None = None) -> ThemeModel:
    """A model to score with only (`pipeline` is None), loaded without importing scikit-learn.

    Same checks and errors as `load_model`. The verified pickle is read with stand-ins for the
    scikit-learn classes, since only their fitted attributes are needed; that saves about two
    seconds of start-up, which is most of a small `classify` run. A model of another shape is
    loaded in full instead.
    """
    folder, meta, model_path = _verified(path)
    try:
        stub = _load_stubbed(model_path)
    except Exception:  # anything unexpected in the pickle: the full loader decides
        stub = None
    scorer = linear_scorer(stub) if stub is not None else None
    if scorer is not None:
        return ThemeModel(pipeline=None, meta=meta, path=folder, scorer=scorer)
    return ThemeModel(pipeline=_load_pipeline(model_path), meta=meta, path=folder)


class _Stub:
    """Stands in for a scikit-learn estimator while unpickling: keeps its attributes, runs nothing."""

    def __setstate__(self, state: dict[str, Any]) -> None:
        from .features import unpack_vocabulary

        self.__dict__.update(unpack_vocabulary(state))


_STUB_CLASSES: dict[tuple[str, str], type] = {}
_STUBBED = {("pipeline.features", "FastTfidfVectorizer"), ("pipeline.calibration", "TemperatureScaled")}
_SAFE_BUILTINS = {("builtins", "slice"), ("builtins", "set"), ("builtins", "frozenset"), ("builtins", "complex"),
                  ("builtins", "bytearray"), ("copyreg", "_reconstructor"), ("builtins", "object")}


def _stub_class(module: str, name: str) -> type:
    """A stand-in class that reports the original's module and name (what `linear_scorer` checks)."""
    cls = _STUB_CLASSES.get((module, name))
    if cls is None:
        cls = _STUB_CLASSES[(module, name)] = type(name, (_Stub,), {"__module__": module, "__qualname__": name})
    return cls


def _load_stubbed(model_path: Path) -> Any:
    """The joblib pickle with stand-ins for scikit-learn classes; numpy arrays and our analyzers
    are real. Any other class is refused, and the caller loads the model in full."""
    from joblib.numpy_pickle import NumpyUnpickler, _validate_fileobject_and_memmap

    from . import features

    class Unpickler(NumpyUnpickler):
        def find_class(self, module: str, name: str) -> Any:
            root = module.split(".", 1)[0]
            if root == "numpy" or (module, name) == ("joblib.numpy_pickle", "NumpyArrayWrapper") or (
                    (module, name) in _SAFE_BUILTINS):
                return super().find_class(module, name)
            if module == "pipeline.features" and name in ("TextAnalyzer", "LatinCharAnalyzer"):
                return getattr(features, name)
            if root == "sklearn" or (module, name) in _STUBBED:
                return _stub_class(module, name)
            raise pickle.UnpicklingError(f"{module}.{name} is not expected in a theme model")

    with open(model_path, "rb") as f, _validate_fileobject_and_memmap(f, str(model_path), None) as (fobj, _):
        if isinstance(fobj, str):  # a pickle from an old joblib: let joblib handle it
            raise pickle.UnpicklingError("old joblib format")
        return Unpickler(str(model_path), fobj, ensure_native_byte_order=True).load()
