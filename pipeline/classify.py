"""Classification of segmented sentences: theme, confidence and per-theme probabilities.

Two builders share the ranking: `classify_sentences` adds the columns to a pandas table,
`classify_table` builds the same rows as an Arrow table straight from the sentences (what
`classify -o OUT.parquet` writes, without a pandas frame per chunk); a test checks that the
two give the same table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .config import SENTENCE_COLUMNS
from .script import script_of

if TYPE_CHECKING:
    import pandas as pd

    from .model import ThemeModel
    from .records import Sentence

UNCERTAIN = "uncertain"


def output_columns(labels: list[str], top_k: int = 1) -> list[str]:
    """Columns added to the sentence table, in order. `script` says whether a Chinese sentence is
    written in Traditional or Simplified characters (empty without Han): the model reads
    Traditional folded to Simplified, and the sentence itself is kept as written. `top_k` is
    capped at the number of themes (`--top-k 99` gives every theme, no empty columns)."""
    extra = [f"{name}_{k}" for k in range(2, min(top_k, len(labels)) + 1) for name in ("theme", "confidence")]
    return ["theme", "confidence", *[f"p_{c}" for c in labels], *extra, "script", "model_version"]


def theme_columns(proba: np.ndarray, labels: list[str], top_k: int = 1,
                  min_confidence: float = 0.0) -> dict[str, np.ndarray | None]:
    """The model's columns (all but `model_version`) as arrays, in `output_columns` order
    (`top_k` capped at the number of themes)."""
    n = len(proba)
    top_k = min(top_k, len(labels))
    order = np.argsort(-proba, axis=1, kind="stable")
    lab = np.asarray(labels, dtype=object)
    best = order[:, 0] if n else np.zeros(0, dtype=int)
    conf = proba[np.arange(n), best] if n else np.zeros(0)
    theme = lab[best] if n else np.zeros(0, dtype=object)
    if min_confidence > 0:
        theme = np.where(conf < min_confidence, UNCERTAIN, theme)
    cols: dict[str, np.ndarray | None] = {"theme": theme, "confidence": conf.astype("float64")}
    for i, c in enumerate(labels):
        cols[f"p_{c}"] = proba[:, i].astype("float64")
    for k in range(2, top_k + 1):
        idx = order[:, k - 1] if n and k - 1 < proba.shape[1] else None
        cols[f"theme_{k}"] = lab[idx] if idx is not None else None
        cols[f"confidence_{k}"] = proba[np.arange(n), idx] if idx is not None else np.full(n, np.nan)
    return cols


#: Sentences scored at once: the scorer's sparse matrices take about 5 kB a sentence, so one
#: huge statement (the unit of streaming) is scored in slices, not in one piece.
SCORE_SLICE = 20_000


def _proba(model: ThemeModel, texts: list[str]) -> np.ndarray:
    if not texts:
        return np.zeros((0, len(model.labels)))
    if len(texts) <= SCORE_SLICE:
        return model.predict_proba(texts)
    return np.vstack([model.predict_proba(texts[i : i + SCORE_SLICE]) for i in range(0, len(texts), SCORE_SLICE)])


def classify_sentences(
    model: ThemeModel, sentences: pd.DataFrame, top_k: int = 1, min_confidence: float = 0.0
) -> pd.DataFrame:
    """The sentence table with the model's columns added; row count unchanged.

    Below `min_confidence` the theme is `uncertain`; the probabilities are still given.
    """
    proba = _proba(model, sentences["sentence"].tolist())
    return add_theme_columns(sentences, proba, model.labels, model.version, top_k, min_confidence)


def add_theme_columns(sentences: pd.DataFrame, proba: np.ndarray, labels: list[str], version: str,
                      top_k: int = 1, min_confidence: float = 0.0) -> pd.DataFrame:
    """`sentences` with the columns of `theme_columns` and `model_version` added."""
    import pandas as pd

    out = sentences.reset_index(drop=True)
    cols: dict[str, Any] = {}
    for name, values in theme_columns(proba, labels, top_k, min_confidence).items():
        if name == "theme":
            cols[name] = pd.Series(values, dtype=object)
        elif values is None:
            cols[name] = pd.array([None] * len(out), dtype=object)
        else:
            cols[name] = values
    cols["script"] = [script_of(t) for t in out["sentence"]] if "sentence" in out else ""
    cols["model_version"] = version
    # Added at once (not column by column: a frame built by many inserts warns that it is fragmented).
    new = pd.DataFrame(cols, index=out.index)
    return pd.concat([out.drop(columns=[c for c in new.columns if c in out.columns]), new], axis=1)


def classify_table(model: ThemeModel, sentences: Sequence[Sentence], schema: Any, top_k: int = 1,
                   min_confidence: float = 0.0, extra: Mapping[str, Sequence[str]] | None = None) -> Any:
    """The rows `classify_sentences` gives for these sentences, as an Arrow table of `schema`
    (from `output_schema`); `extra` holds the values of its input columns, one per sentence."""
    import pyarrow as pa

    n = len(sentences)
    columns: list[Sequence[Any]] = list(zip(*sentences, strict=True)) if n else [()] * len(SENTENCE_COLUMNS)
    proba = _proba(model, list(columns[SENTENCE_COLUMNS.index("sentence")]))
    themes = theme_columns(proba, model.labels, top_k, min_confidence)
    extra = extra or {}
    arrays = []
    for f in schema:
        if f.name in SENTENCE_COLUMNS:
            values: Any = columns[SENTENCE_COLUMNS.index(f.name)]
        elif f.name in extra:
            values = extra[f.name]
        elif f.name == "model_version":
            values = [model.version] * n
        elif f.name == "script":
            values = [script_of(t) for t in columns[SENTENCE_COLUMNS.index("sentence")]]
        else:
            values = themes[f.name]
            if values is None:
                values = [None] * n
        # Arrow's own conversion: 20x faster for strings than assembling the buffers by hand.
        arrays.append(pa.array(values, type=f.type))
    return pa.Table.from_arrays(arrays, schema=schema)


#: Integer columns of the sentence table; the others are text.
_INT_COLUMNS = ("sentence_index", "start", "end")


def output_schema(labels: list[str], version: str = "", top_k: int = 1, min_confidence: float = 0.0,
                  extra: Sequence[str] = ()) -> Any:
    """The Arrow schema of `classify -o OUT.parquet`: the sentence columns, the input columns
    kept (`extra`, text), then the model's columns of `output_columns`.

    Written out rather than taken from a pandas frame, so a Parquet run never imports pandas
    and the file's types do not depend on the pandas version. `version` and `min_confidence`
    do not change the types."""
    import pyarrow as pa

    fields = [(c, pa.int64() if c in _INT_COLUMNS else pa.string()) for c in SENTENCE_COLUMNS]
    fields += [(c, pa.string()) for c in extra]
    fields += [(c, pa.string() if c.startswith("theme") or c in ("model_version", "script") else pa.float64())
               for c in output_columns(labels, top_k)]
    return pa.schema(fields)
