"""The saved model: `models/<name>/` with `scorer.json`, `scorer.npz`, `model.joblib`,
`meta.json` and `MODEL_CARD.md`.

Scoring (`classify`, `evaluate`, `report`) reads only `scorer.json` (vocabularies, analyzer
settings, classes, temperature, probe sentences) and `scorer.npz` (IDF, coefficients,
intercepts; loaded with `allow_pickle=False`): plain data that cannot run code. The joblib
Pipeline is kept as the training artifact, loaded only by the explicit `load_pipeline`.
"""

from __future__ import annotations

import hashlib
import json
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .config import MODEL_DIR
from .errors import InputError
from .model_meta import check_meta

if TYPE_CHECKING:
    import pandas as pd

    from .scorer import LinearScorer

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
    """A trained theme classifier (its plain-data scorer) and what is known about it."""

    meta: dict[str, Any]
    scorer: LinearScorer = field(repr=False)
    path: Path | None = None

    @property
    def classes(self) -> list[str]:
        """The classifier's classes in its own order (the columns of its probabilities)."""
        return list(self.scorer.classes)

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
        proba = softmax(self.scorer.logits(texts) / self.scorer.temperature)
        classes = self.classes
        return proba[:, [classes.index(lab) for lab in self.labels]]

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


SCORER_JSON = "scorer.json"
SCORER_ARRAYS = "scorer.npz"
#: The plain-data scoring format; a loader refuses any other.
SCORER_FORMAT = "policy-themes-scorer/1"
#: A probe sentence's probabilities must come back within this of what training computed.
PROBE_TOLERANCE = 1e-6


def _analyzer_spec(analyzer: Any) -> dict[str, Any]:
    from .features import LatinCharAnalyzer, TextAnalyzer

    if type(analyzer) is TextAnalyzer:
        return {"kind": "words", "word_ngrams": list(analyzer.word_ngrams), "char_ngrams": list(analyzer.char_ngrams)}
    if type(analyzer) is LatinCharAnalyzer:
        return {"kind": "latin_chars", "ngrams": list(analyzer.ngrams)}
    raise ValueError(f"cannot export analyzer {analyzer!r}")


def _analyzer_from_spec(spec: dict[str, Any]) -> Any:
    from .features import LatinCharAnalyzer, TextAnalyzer

    kind = spec.get("kind")
    if kind == "words":
        return TextAnalyzer(_pair(spec["word_ngrams"]), _pair(spec["char_ngrams"]))
    if kind == "latin_chars":
        return LatinCharAnalyzer(_pair(spec["ngrams"]))
    raise ValueError(f"unknown analyzer kind {kind!r}")


def _pair(v: Any) -> tuple[int, int]:
    if not (isinstance(v, list) and len(v) == 2 and all(isinstance(x, int) and 0 < x < 10 for x in v)):
        raise ValueError(f"bad n-gram range {v!r}")
    return int(v[0]), int(v[1])


def export_scorer(pipeline: Any) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """What scoring needs from a fitted `train.build_pipeline`, as JSON and arrays.

    Reads only public, documented attributes (`vocabulary_`, `idf_`, `coef_`, `intercept_`,
    `classes_` and constructor parameters), so a scikit-learn that reorganizes its internals
    cannot make the scorer silently score without IDF."""
    union, clf = pipeline.named_steps["tfidf"], pipeline.named_steps["clf"]
    est = clf.estimator_
    coef = np.asarray(est.coef_, dtype=np.float64)
    arrays: dict[str, np.ndarray] = {"intercept": np.asarray(est.intercept_, dtype=np.float64)}
    blocks: list[dict[str, Any]] = []
    lo = 0
    for i, (name, vec) in enumerate(union.transformer_list):
        vocab = vec.vocabulary_
        terms = sorted(vocab, key=vocab.__getitem__)
        if [vocab[t] for t in terms] != list(range(len(terms))):
            raise ValueError(f"{name}: vocabulary ids are not 0..n-1")
        hi = lo + len(terms)
        if vec.norm not in ("l2", None) or vec.binary:
            raise ValueError(f"{name}: unsupported TF-IDF settings (norm {vec.norm!r}, binary {vec.binary})")
        blocks.append({"name": name, "analyzer": _analyzer_spec(vec.analyzer), "vocabulary": terms,
                       "sublinear_tf": bool(vec.sublinear_tf), "norm": vec.norm, "use_idf": bool(vec.use_idf)})
        if vec.use_idf:
            arrays[f"idf_{i}"] = np.asarray(vec.idf_, dtype=np.float64)
        arrays[f"coef_{i}"] = coef[:, lo:hi]
        lo = hi
    if lo != coef.shape[1]:
        raise ValueError(f"the feature union has {lo} features, the classifier {coef.shape[1]}")
    spec = {"format": SCORER_FORMAT, "classes": [str(c) for c in clf.classes_],
            "temperature": float(clf.temperature), "blocks": blocks}
    return spec, arrays


def scorer_from_data(spec: dict[str, Any], arrays: Any) -> LinearScorer:
    """A `LinearScorer` from `export_scorer`'s output (read back from disk)."""
    from .scorer import LinearScorer, TfidfBlock

    if spec.get("format") != SCORER_FORMAT:
        raise ValueError(f"format {spec.get('format')!r}, expected {SCORER_FORMAT!r}")
    classes = [str(c) for c in spec["classes"]]
    blocks = []
    for i, b in enumerate(spec["blocks"]):
        terms = b["vocabulary"]
        if not isinstance(terms, list) or not all(isinstance(t, str) for t in terms):
            raise ValueError(f"block {i}: vocabulary is not a list of strings")
        vocab = {t: j for j, t in enumerate(terms)}
        if len(vocab) != len(terms):
            raise ValueError(f"block {i}: repeated vocabulary terms")
        idf = np.asarray(arrays[f"idf_{i}"], dtype=np.float64) if b.get("use_idf", True) else None
        coef = np.asarray(arrays[f"coef_{i}"], dtype=np.float64)
        if coef.shape != (len(classes), len(terms)) or (idf is not None and idf.shape != (len(terms),)):
            raise ValueError(f"block {i}: array shapes do not match its vocabulary and classes")
        if b.get("norm") not in ("l2", None):
            raise ValueError(f"block {i}: unsupported norm {b.get('norm')!r}")
        blocks.append(TfidfBlock(_analyzer_from_spec(b["analyzer"]), vocab, idf, bool(b["sublinear_tf"]),
                                 b.get("norm"), coef))
    kinds = [type(blk.analyzer) for blk in blocks]
    if len(set(kinds)) != len(kinds):
        raise ValueError("two blocks with the same analyzer kind")
    intercept = np.asarray(arrays["intercept"], dtype=np.float64)
    if intercept.shape != (len(classes),):
        raise ValueError("intercept does not match the classes")
    return LinearScorer(blocks, intercept, float(spec["temperature"]), classes)


def probe_texts(df: pd.DataFrame, per_label: int = 1) -> list[str]:
    """A few training sentences, one per language and theme, to check a loaded scorer with."""
    picked = df.sort_values(["lang", "label", "text"]).groupby(["lang", "label"], sort=True).head(per_label)
    return [*picked["text"].tolist(), "We will expand effective investment.", "扩大有效投资。", ""]


def save_model(pipeline: Any, meta: dict[str, Any], out_dir: Path, card: str,
               probes: list[str] | None = None) -> dict[str, Any]:
    """Write the model folder whole: under a temporary name, swapped in only when complete.

    `model.joblib` is the scikit-learn Pipeline (a pickle, for people who want that object);
    `scorer.json` and `scorer.npz` are what scoring reads; `meta.json` holds every file's
    sha256 and the probe sentences with the probabilities the Pipeline gives them."""
    import joblib

    from .writers import atomic_dir

    spec, arrays = export_scorer(pipeline)
    texts = probes if probes is not None else ["We will expand effective investment.", "扩大有效投资。"]
    classes = spec["classes"]
    proba = np.asarray(pipeline.predict_proba(texts))
    spec["probes"] = [{"text": t, "proba": dict(zip(classes, map(float, p), strict=True))}
                      for t, p in zip(texts, proba, strict=True)]
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    with atomic_dir(out_dir) as tmp:
        joblib.dump(pipeline, tmp / MODEL_FILE, compress=3)
        (tmp / SCORER_JSON).write_text(json.dumps(spec, ensure_ascii=False), "utf-8")
        with open(tmp / SCORER_ARRAYS, "wb") as f:
            np.savez_compressed(f, **arrays)  # type: ignore[arg-type]
        meta = {**meta, "sha256": {name: sha256_file(tmp / name) for name in (MODEL_FILE, SCORER_JSON, SCORER_ARRAYS)}}
        (tmp / META_FILE).write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", "utf-8")
        (tmp / CARD_FILE).write_text(card, "utf-8")
        check = _load_scorer(tmp, meta)  # the folder must load and reproduce its probes before it is swapped in
        del check
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
    except RecursionError:
        raise InputError(f"{meta_path}: unreadable (nested too deeply)") from None
    except OSError as e:  # a folder, no permission
        raise InputError(f"{meta_path}: cannot be read ({e.strerror or type(e).__name__})") from None
    if not isinstance(meta, dict):
        raise InputError(f"{meta_path}: not a JSON object")
    check_meta(meta, meta_path)  # the shapes every command reads, refused in one line
    return meta


def _folder(path: Path | str | None) -> Path:
    folder = Path(path or MODEL_DIR)
    if folder.is_file() and folder.name in (MODEL_FILE, META_FILE, SCORER_JSON, SCORER_ARRAYS):
        folder = folder.parent
    return folder


def _checked_file(folder: Path, meta: dict[str, Any], name: str) -> Path:
    """`folder/name` after checking its sha256 against meta.json."""
    path = folder / name
    if not path.is_file():
        hint = " (a model from before policy-themes 0.2: retrain with `make train`)" if name != MODEL_FILE else ""
        raise InputError(f"{path}: missing{hint}")
    sums = meta.get("sha256")
    expected = sums.get(name) if isinstance(sums, dict) else None
    if not expected:
        raise InputError(f"{folder / META_FILE}: has no sha256 for {name}; refusing to load an unverified model")
    actual = sha256_file(path)
    if actual != expected:
        raise InputError(
            f"{path}: sha256 does not match meta.json (got {actual[:12]}..., expected {str(expected)[:12]}...); "
            "refusing to load a model whose files changed after training"
        )
    return path


def _load_scorer(folder: Path, meta: dict[str, Any]) -> LinearScorer:
    """The scorer from `scorer.json` and `scorer.npz` (no pickle), checked on its probe sentences."""
    spec_path = _checked_file(folder, meta, SCORER_JSON)
    arrays_path = _checked_file(folder, meta, SCORER_ARRAYS)
    try:
        spec = json.loads(spec_path.read_text("utf-8"))
        with np.load(arrays_path, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
        scorer = scorer_from_data(spec, arrays)
    except (ValueError, KeyError, TypeError, OSError, json.JSONDecodeError, RecursionError) as e:
        raise InputError(f"{folder}: the scorer files are not a valid model ({type(e).__name__}: {e})") from None
    probes = spec.get("probes") or []
    if not probes:
        raise InputError(f"{spec_path}: has no probe sentences; refusing a model that cannot be checked")
    got = softmax(scorer.logits([str(p["text"]) for p in probes]) / scorer.temperature)
    want = np.array([[float(p["proba"][c]) for c in scorer.classes] for p in probes])
    diff = float(np.abs(got - want).max())
    if not diff <= PROBE_TOLERANCE:
        raise InputError(f"{folder}: the scorer does not reproduce its probe sentences (off by {diff:.3g}); "
                         "the files or this version of policy-themes differ from what trained it: retrain")
    return scorer


def load_model(path: Path | str | None = None) -> ThemeModel:
    """The model to score with: plain JSON and arrays, checksummed and probe-checked.

    Nothing is unpickled and scikit-learn is not imported, so a doctored model folder can
    at worst give wrong numbers (which the probes catch), never run code."""
    folder = _folder(path)
    meta = read_meta(folder)
    return ThemeModel(meta=meta, scorer=_load_scorer(folder, meta), path=folder)


def load_pipeline(path: Path | str | None = None) -> Any:
    """The scikit-learn `Pipeline` saved at training, for people who want that object.

    It is a pickle, and unpickling runs code: call this only on model folders you made or
    trust. Its sha256 is checked against meta.json first. Nothing in policy-themes calls it."""
    import joblib

    folder = _folder(path)
    meta = read_meta(folder)
    model_path = _checked_file(folder, meta, MODEL_FILE)
    trained = meta.get("versions", {})
    now = library_versions()
    diffs = [f"{k} {trained[k]} -> {now[k]}" for k in ("scikit-learn", "numpy", "scipy", "joblib")
             if isinstance(trained, dict) and k in trained and trained[k] != now[k]]
    if diffs:
        warnings.warn(f"{folder}: trained with other library versions ({', '.join(diffs)})", stacklevel=2)
    try:
        return joblib.load(model_path)
    except Exception as e:  # a verified file that still fails: versions too far apart
        raise InputError(
            f"{model_path}: cannot be loaded ({type(e).__name__}: {e}); retrain with `make train`"
        ) from None
