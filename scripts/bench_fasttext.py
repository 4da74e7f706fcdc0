"""The fastText baseline of `make bench`: the peer to beat.

fastText (the `fasttext-wheel` package, a dev dependency) is trained on the same labeled
sentences as this project's model. It splits on whitespace only, so each sentence is given
to it as this project's analyzer reads it: Traditional characters folded to Simplified,
lower case, digits folded to `0` (the same regular expressions as `pipeline.features`),
English words whole, Chinese as space-separated characters, punctuation dropped.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.features import _DIGITS, _LATIN  # noqa: E402
from pipeline.script import HAN_CLASS, to_simplified  # noqa: E402

_TOKEN = re.compile(f"{_LATIN.pattern}|[{HAN_CLASS}]")

#: The parameter sets tried, by grouped 5-fold cross-validation on the training data alone (the
#: folds of `make train`; never the real-text check), with macro-F1 en/zh: word n-grams 1, 2, 3
#: without subwords (0.874/0.884, 0.882/0.920, 0.876/0.926); 2 and 3 with subwords 3-5
#: (0.892/0.915, 0.893/0.917); 3 without subwords at 50 epochs (0.875/0.927) or learning rate
#: 1.0 (0.880/0.925). The best mean is PARAMS: word n-grams 1-3 (so Chinese gets character
#: 1-3-grams, as our model does) and subwords 3-5 (as our model's Latin character n-grams).
GRID: list[dict[str, Any]] = [
    {"wordNgrams": 1, "minn": 0, "maxn": 0}, {"wordNgrams": 2, "minn": 0, "maxn": 0},
    {"wordNgrams": 3, "minn": 0, "maxn": 0}, {"wordNgrams": 2}, {"wordNgrams": 3},
    {"wordNgrams": 3, "minn": 0, "maxn": 0, "epoch": 50}, {"wordNgrams": 3, "minn": 0, "maxn": 0, "lr": 1.0},
]
#: One thread and a seed, so that training is repeatable.
PARAMS: dict[str, Any] = {"wordNgrams": 3, "minn": 3, "maxn": 5, "epoch": 25, "lr": 0.5, "dim": 100,
                          "loss": "softmax", "bucket": 2_000_000, "thread": 1, "seed": 1}


def version() -> str:
    """The installed fastText package and version (`fasttext-wheel`, or `fasttext` built from source)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    for dist in ("fasttext-wheel", "fasttext"):
        try:
            return f"{dist} {dist_version(dist)}"
        except PackageNotFoundError:
            pass
    return "unknown"


def ft_text(sentence: str) -> str:
    """A sentence as fastText reads it (see the module's docstring)."""
    t = _DIGITS.sub("0", to_simplified(sentence).lower())
    return " ".join(_TOKEN.findall(t))


def train(texts: Sequence[str], labels: Sequence[str], params: dict[str, Any] | None = None) -> Any:
    import fasttext

    fd, path = tempfile.mkstemp(prefix="fasttext_train_", suffix=".txt")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            for t, y in zip(texts, labels, strict=True):
                f.write(f"__label__{y} {ft_text(t)}\n")
        return fasttext.train_supervised(input=path, verbose=0, **(params or PARAMS))
    finally:
        os.unlink(path)


class FastTextPredictor:
    """`.predict(sentences)` -> theme ids, as `pipeline.train.real_text_check` expects."""

    def __init__(self, model: Any) -> None:
        self.model = model

    def predict(self, sentences: Sequence[str]) -> np.ndarray:
        # The list form: fastText 0.9's single-string predict fails under numpy 2 (np.array(copy=False)).
        labels, _ = self.model.predict([ft_text(s) for s in sentences], k=1)
        return np.array([lab[0].removeprefix("__label__") for lab in labels], dtype=object)


def train_labeled() -> tuple[Any, float]:
    """fastText trained on data/labeled, and the CPU seconds it took (its input made, trained)."""
    from pipeline import config
    from pipeline.themes import load_taxonomy
    from pipeline.train import labeled_files, read_labeled

    df = read_labeled(labeled_files(config.LABELED_DIR), load_taxonomy())
    c0 = time.process_time()
    model = train(df["text"].tolist(), df["label"].tolist())
    return model, time.process_time() - c0


def cpu_per_sentence(model: Any, sentences: list[str], repeat: int = 3) -> tuple[float, float]:
    """Median CPU microseconds per sentence: (turning text into fastText's input, predicting)."""
    prep, pred = [], []
    for _ in range(repeat):
        c0 = time.process_time()
        texts = [ft_text(s) for s in sentences]
        c1 = time.process_time()
        model.predict(texts, k=1)
        c2 = time.process_time()
        prep.append(c1 - c0)
        pred.append(c2 - c1)
    n = len(sentences)
    return float(np.median(prep)) / n * 1e6, float(np.median(pred)) / n * 1e6


def cross_validate(grid: list[dict[str, Any]]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """Macro-F1 per language of each parameter set, out of fold, the folds of `make train`."""
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedGroupKFold

    from pipeline import config
    from pipeline.themes import load_taxonomy
    from pipeline.train import labeled_files, read_labeled

    df = read_labeled(labeled_files(config.LABELED_DIR), load_taxonomy())
    cv = StratifiedGroupKFold(n_splits=config.CV_FOLDS, shuffle=True, random_state=config.SEED)
    folds = list(cv.split(df["text"], df["label"], df["group"]))
    for params in grid:
        pred = np.empty(len(df), dtype=object)
        try:
            for tr, te in folds:
                m = FastTextPredictor(train(df["text"].iloc[tr].tolist(), df["label"].iloc[tr].tolist(),
                                            {**PARAMS, **params}))
                pred[te] = m.predict(df["text"].iloc[te].tolist())
        except RuntimeError as e:  # fastText's "Encountered NaN." at too high a learning rate
            yield params, {"error": str(e)}
            continue
        scores = {lang: round(float(f1_score(df["label"][df["lang"] == lang], pred[(df["lang"] == lang).to_numpy()],
                                             average="macro")), 4) for lang in ("en", "zh")}
        yield params, scores


if __name__ == "__main__":
    import json

    grid = [json.loads(x) for x in sys.argv[1:]] or GRID  # parameter sets as JSON, else GRID
    for params, scores in cross_validate(grid):
        print(json.dumps(params), scores, flush=True)
