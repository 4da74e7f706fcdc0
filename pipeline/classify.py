"""Classification of segmented sentences: theme, confidence and per-theme probabilities.

Two builders share the ranking: `classify_sentences` adds the columns to a pandas table,
`classify_table` builds the same rows as an Arrow table straight from the sentences (what
`classify -o OUT.parquet` writes, without a pandas frame per chunk); a test checks that the
two give the same table.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .config import SENTENCE_COLUMNS
from .scorer import code_points

if TYPE_CHECKING:
    import pandas as pd

    from .model import ThemeModel
    from .records import Sentence

UNCERTAIN = "uncertain"


def output_columns(labels: list[str], top_k: int = 1) -> list[str]:
    """Columns added to the sentence table, in order."""
    extra = [f"{name}_{k}" for k in range(2, top_k + 1) for name in ("theme", "confidence")]
    return ["theme", "confidence", *[f"p_{c}" for c in labels], *extra, "model_version"]


def theme_columns(proba: np.ndarray, labels: list[str], top_k: int = 1,
                  min_confidence: float = 0.0) -> dict[str, np.ndarray | None]:
    """The model's columns (all but `model_version`) as arrays, in `output_columns` order.

    A `theme_K` beyond the number of themes is None (no values); its `confidence_K` is NaN.
    """
    n = len(proba)
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

    out = sentences.reset_index(drop=True).copy()
    for name, values in theme_columns(proba, labels, top_k, min_confidence).items():
        if name == "theme":
            out[name] = pd.Series(values, dtype=object)
        elif values is None:
            out[name] = pd.array([None] * len(out), dtype=object)
        else:
            out[name] = values
    out["model_version"] = version
    return out


def classify_table(model: ThemeModel, sentences: Sequence[Sentence], schema: Any, top_k: int = 1,
                   min_confidence: float = 0.0) -> Any:
    """The rows `classify_sentences` gives for these sentences, as an Arrow table of `schema`
    (from `output_schema`)."""
    import pyarrow as pa

    n = len(sentences)
    columns: list[Sequence[Any]] = list(zip(*sentences, strict=True)) if n else [()] * len(SENTENCE_COLUMNS)
    proba = _proba(model, list(columns[SENTENCE_COLUMNS.index("sentence")]))
    themes = theme_columns(proba, model.labels, top_k, min_confidence)
    arrays = []
    for f in schema:
        if f.name == "sentence":
            arrays.append(string_array(columns[SENTENCE_COLUMNS.index(f.name)], f.type))
            continue
        if f.name in SENTENCE_COLUMNS:
            values: Any = columns[SENTENCE_COLUMNS.index(f.name)]
        elif f.name == "model_version":
            values = [model.version] * n
        else:
            values = themes[f.name]
            if values is None:
                values = [None] * n
        arrays.append(pa.array(values, type=f.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def utf8_lengths(values: Sequence[str]) -> np.ndarray:
    """The UTF-8 byte length of each string (all encodable), counted with numpy on code points
    in slices, so the arrays (about 20 bytes a character) stay small for any input."""
    out = np.empty(len(values), dtype=np.int64)
    step = 50_000
    for i in range(0, len(values), step):
        part = values[i : i + step]
        lens = np.fromiter(map(len, part), dtype=np.int64, count=len(part))
        joined = "".join(part)
        if joined.isascii():
            out[i : i + len(part)] = lens
            continue
        cps = code_points(joined)
        width = 1 + (cps >= 0x80).astype(np.int64) + (cps >= 0x800) + (cps >= 0x10000)
        cum = np.zeros(len(cps) + 1, dtype=np.int64)
        np.cumsum(width, out=cum[1:])
        ends = cum[np.cumsum(lens)]
        out[i : i + len(part)] = np.diff(ends, prepend=0)
    return out


def string_array(values: Sequence[str], type_: Any) -> Any:
    """`pyarrow.array(values, type_)` for a (large) string type, built from one encoded buffer:
    Arrow otherwise encodes each string on its own, the costliest column of a chunk."""
    import pyarrow as pa

    try:
        data = "".join(values).encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: let Arrow say what it says of it
        return pa.array(values, type=type_)
    large = pa.types.is_large_string(type_)
    offsets = np.zeros(len(values) + 1, dtype=np.int64 if large else np.int32)
    np.cumsum(utf8_lengths(values), out=offsets[1:])
    cls = pa.LargeStringArray if large else pa.StringArray
    return cls.from_buffers(len(values), pa.py_buffer(offsets), pa.py_buffer(data))


def output_schema(labels: list[str], version: str, top_k: int = 1, min_confidence: float = 0.0) -> Any:
    """The Arrow schema (with its pandas metadata) of `classify_sentences` output, as
    `pyarrow.Schema.from_pandas` makes it: a one-row table built by the pandas path."""
    import pyarrow as pa

    from .records import Sentence
    from .workflow import sentences_frame

    frame = sentences_frame([Sentence("id", "2020", "source", "en", "", 0, 0, 1, "text")])
    proba = np.full((1, len(labels)), 1.0 / max(1, len(labels)))
    df = add_theme_columns(frame, proba, labels, version, top_k, min_confidence)
    return pa.Schema.from_pandas(df, preserve_index=False)
