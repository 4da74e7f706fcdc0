"""Validation labels: sentences of the report's own corpus labeled by hand (`report --validation`).

Why: without them the report corrects shares with error rates measured on the team's training
text, and real text is known to be misread differently. Labels drawn at random from the corpus
itself measure the classifier where it is used. Three formats are read:

* a file written by `policy-themes sample` (CSV/JSONL with `sample_id`, `statement_id`,
  `sentence_index`, `sentence`, `weight`, `label`, `unsure`, ...; the sidecar `FILE.json` says
  how it was drawn), matched to the corpus by (statement_id, sentence_index);
* any CSV/JSONL with `text,label`, matched by the sentence text after the normalization of the
  `sentence` column;
* a Label Studio JSON export (tasks with `data` and `annotations[].result[].value.choices`).

A sample drawn for the classifier's uncertain sentences is not a random sample of the corpus
and is refused, as are labels that are not themes, repeated ids and files of which fewer than
80% of the labeled sentences are found in the corpus.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .errors import InputError

#: Refuse a labels file when fewer of its labeled sentences than this are found in the corpus:
#: it was most likely drawn from another corpus (or another segmentation of it).
MIN_MATCH = 0.80
#: Sampling strategies whose sentences are not a random draw of the corpus.
NOT_RANDOM = ("uncertain",)
#: `unsure` cells that do not mark a row unsure; anything else does (as the labeling page reads them).
_FALSE = {"", "0", "false", "no", "n", "nan", "none"}
_UNSURE_CHOICES = {"unsure", "skip", "unclear", "?"}


@dataclass(frozen=True)
class LabelFile:
    """The usable labels of a file, before matching, and what was left out."""

    path: str
    kind: str  # "sample", "text" or "label-studio"
    rows: pd.DataFrame  # line, label, weight, and statement_id + sentence_index (+ sentence) or text
    strategy: str
    n_rows: int
    n_unsure: int
    n_empty: int


@dataclass(frozen=True)
class Validation:
    """Labels matched to the corpus: `index` are positions in the sentence table given to `match`."""

    path: str
    kind: str
    strategy: str
    index: np.ndarray  # (n,) positions of the labeled sentences in the corpus table
    label: np.ndarray  # (n,) theme index
    weight: np.ndarray  # (n,) sampling weights, mean 1
    n_rows: int
    n_usable: int
    n_unsure: int
    n_empty: int
    n_text_differs: int = 0

    @property
    def n_matched(self) -> int:
        return len(self.index)

    def describe(self) -> str:
        """One line for the run's summary: what was used and what was left out."""
        left = []
        if self.n_unsure:
            left.append(f"{self.n_unsure} marked unsure")
        if self.n_empty:
            left.append(f"{self.n_empty} without a label")
        out = f"validation labels {self.path}: {self.n_rows} rows"
        if left:
            out += f" ({', '.join(left)}: left out)"
        out += (f"; {self.n_matched} of {self.n_usable} labeled sentences found in the corpus "
                f"({self.n_matched / max(self.n_usable, 1):.0%})")
        if self.n_text_differs:
            out += f", {self.n_text_differs} whose sentence differs from the corpus's"
        return out


def _flag(value: Any) -> bool:
    """A spreadsheet user may write 1, x, yes or TRUE: anything but empty, 0, false or no is unsure."""
    return str(value).strip().lower() not in _FALSE


def _theme_lookup(labels: list[str]) -> dict[str, str]:
    """Theme ids and their English and Chinese names (any case) to ids."""
    out = {t.lower(): t for t in labels}
    try:
        from .themes import load_taxonomy

        for t in load_taxonomy().themes:
            if t.id in labels:
                out.setdefault(t.name_en.strip().lower(), t.id)
                out.setdefault(t.name_zh.strip(), t.id)
    except InputError:
        pass
    return out


def _read_table(path: Path) -> tuple[pd.DataFrame, int]:
    """A CSV/JSONL file as strings, and the line number of its first row."""
    from .readers import decode

    data = path.read_bytes()
    if not data.strip():
        raise InputError(f"{path}: empty file")
    text = decode(data, str(path))
    try:
        if path.suffix.lower() == ".jsonl":
            recs = [json.loads(line) for line in text.splitlines() if line.strip()]
            if not all(isinstance(r, dict) for r in recs):
                raise ValueError("every line must be a JSON object")
            df = pd.DataFrame(recs).astype(object).where(lambda d: d.notna(), "").astype(str)
            return df, 1
        return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False), 2
    except (ValueError, pd.errors.ParserError) as e:
        raise InputError(f"{path}: malformed ({str(e).splitlines()[0] if str(e) else type(e).__name__})") from None


def _sidecar_strategy(path: Path) -> str:
    """The sampling strategy from `FILE.json` (or `FILE` with `.json` for its suffix), if any."""
    for side in (path.with_name(path.name + ".json"), path.with_suffix(".json")):
        if side.is_file() and side != path:
            try:
                info = json.loads(side.read_text("utf-8"))
            except (OSError, ValueError) as e:
                raise InputError(f"{side}: unreadable sample description ({e})") from None
            if isinstance(info, dict) and info.get("strategy"):
                return str(info["strategy"]).strip().lower()
    return ""


def _label_studio(path: Path) -> pd.DataFrame:
    """Label Studio's JSON export as rows of sample_id/statement_id/sentence_index/text, label, unsure."""
    try:
        tasks = json.loads(path.read_text("utf-8-sig"))
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise InputError(f"{path}: not a Label Studio JSON export ({e})") from None
    if not isinstance(tasks, list) or not all(isinstance(t, dict) and isinstance(t.get("data"), dict) for t in tasks):
        raise InputError(f"{path}: not a Label Studio JSON export (expected a list of tasks with `data`)")
    rows = []
    for i, task in enumerate(tasks, start=1):
        data = task["data"]
        choices: list[str] = []
        for ann in task.get("annotations") or []:  # the last annotation that was not cancelled wins
            if not isinstance(ann, dict) or ann.get("was_cancelled"):
                continue
            picked = [str(c) for r in ann.get("result") or [] if isinstance(r, dict)
                      for c in ((r.get("value") or {}).get("choices") or [])]
            choices = picked
        if len(choices) > 1:
            raise InputError(f"{path} task {i}: {len(choices)} choices ({', '.join(choices)}); one theme per sentence")
        label = choices[0].strip() if choices else ""
        unsure = label.lower() in _UNSURE_CHOICES or bool(data.get("unsure") in (True, "1", "true"))
        rows.append({"line": str(i), "sample_id": str(data.get("sample_id", "") or ""),
                     "statement_id": str(data.get("statement_id", "") or ""),
                     "sentence_index": str(data.get("sentence_index", "") or ""),
                     "text": str(data.get("text", data.get("sentence", "")) or ""),
                     "weight": str(data.get("weight", "") or ""), "strategy": str(data.get("strategy", "") or ""),
                     "label": "" if unsure else label, "unsure": "1" if unsure else ""})
    if not rows:
        raise InputError(f"{path}: no tasks")
    return pd.DataFrame(rows)


def read_labels(path: str | Path, labels: list[str]) -> LabelFile:
    """Read and check a labels file; every problem is one line naming the file (and line)."""
    from .clean import normalize, tidy

    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such labels file")
    suffix = p.suffix.lower()
    if suffix == ".json":
        df, first = _label_studio(p), 1
        kind = "label-studio"
        df["line"] = df["line"].astype(int)
    elif suffix in (".csv", ".jsonl"):
        df, first = _read_table(p)
        df.columns = [str(c).strip().lower() for c in df.columns]
        df["line"] = np.arange(len(df)) + first
        kind = "sample" if "sample_id" in df.columns else "text"
    else:
        raise InputError(f"{p}: validation labels must be .csv, .jsonl (from `policy-themes sample` or with "
                         "text,label) or a Label Studio .json export")
    if "label" not in df.columns:
        raise InputError(f"{p}: missing column 'label' (found: {', '.join(map(str, df.columns))})")
    if df.empty:
        raise InputError(f"{p}: no rows")
    if kind == "label-studio":
        has_key = (df["statement_id"] != "") & (df["sentence_index"] != "")
        kind_rows = "sample" if bool(has_key.all()) else "text"
    else:
        kind_rows = kind
    if kind_rows == "sample":
        missing = [c for c in ("statement_id", "sentence_index") if c not in df.columns]
        if missing:
            raise InputError(f"{p}: a sample file needs column {missing[0]!r} (found: {', '.join(df.columns)})")
    elif "text" not in df.columns:
        raise InputError(f"{p}: missing column 'text' (or 'sample_id' for a file from `policy-themes sample`)")

    strategy = _sidecar_strategy(p) if kind != "label-studio" else ""
    if not strategy and "strategy" in df.columns:
        found = sorted({s.strip().lower() for s in df["strategy"] if str(s).strip()})
        strategy = ",".join(found)
    bad = [s for s in strategy.split(",") if s in NOT_RANDOM]
    if bad:
        raise InputError(f"{p}: drawn with strategy {bad[0]!r}, the classifier's least certain sentences, not a random "
                         "sample of the corpus; draw one with `policy-themes sample` (random) to validate the report")

    # Repeated ids would count one sentence twice.
    id_cols = (["sample_id"] if "sample_id" in df.columns and (df["sample_id"] != "").any() else [])
    key_cols = ["statement_id", "sentence_index"] if kind_rows == "sample" else []
    for cols in ([id_cols] if id_cols else []) + ([key_cols] if key_cols else []):
        dup = df[df.duplicated(cols, keep=False) & (df[cols] != "").all(axis=1)]
        if len(dup):
            lines = dup["line"].tolist()
            what = " ".join(f"{c}={dup.iloc[0][c]}" for c in cols)
            raise InputError(f"{p} line {lines[1]}: {what} repeats line {lines[0]}; each sentence may be labeled once")

    lookup = _theme_lookup(labels)
    unsure = np.zeros(len(df), dtype=bool)
    if "unsure" in df.columns:
        unsure = np.array([_flag(v) for v in df["unsure"]], dtype=bool)
    raw_label = df["label"].astype(str).str.strip()
    empty = (raw_label == "") & ~unsure
    ok = ~unsure & ~empty
    mapped = []
    for lab, ln, use in zip(raw_label, df["line"], ok, strict=True):
        if not use:
            mapped.append("")
            continue
        tid = lookup.get(lab.lower(), lookup.get(lab))
        if tid is None:
            raise InputError(f"{p} line {ln}: label {lab!r} is not a theme ({', '.join(labels)})")
        mapped.append(tid)
    df["label"] = mapped
    if "weight" in df.columns:
        w = pd.to_numeric(df["weight"].replace("", "1"), errors="coerce")
        bad_w = ~(w > 0) | ~np.isfinite(w)
        if bad_w.any():
            i = int(np.flatnonzero(bad_w.to_numpy())[0])
            raise InputError(f"{p} line {df['line'].iloc[i]}: weight {df['weight'].iloc[i]!r} is not a positive number")
        df["weight"] = w.astype(float)
    else:
        df["weight"] = 1.0
    if kind_rows == "sample":
        idx = pd.to_numeric(df["sentence_index"], errors="coerce")
        if idx.isna().any() or (idx % 1 != 0).any():
            i = int(np.flatnonzero((idx.isna() | (idx % 1 != 0)).to_numpy())[0])
            raise InputError(f"{p} line {df['line'].iloc[i]}: sentence_index {df['sentence_index'].iloc[i]!r} is not "
                             "a whole number")
        df["sentence_index"] = idx.astype(int)
        df["statement_id"] = df["statement_id"].astype(str)
    text_col = "text" if kind_rows == "text" else ("sentence" if "sentence" in df.columns else None)
    if text_col is None and kind_rows == "sample" and "text" in df.columns:
        text_col = "text"
    if text_col:
        df["text"] = [tidy(normalize(str(t))) for t in df[text_col]]
    if kind_rows == "text":
        used = df[ok & (df["text"] != "")]
        dup = used[used.duplicated("text", keep=False)]
        if len(dup):
            lines = dup.sort_values("line")["line"].tolist()
            raise InputError(f"{p} line {lines[1]}: the sentence of line {lines[0]} is labeled again; each sentence "
                             "may be labeled once")
    keep = ["line", "label", "weight"] + (["statement_id", "sentence_index"] if kind_rows == "sample" else [])
    keep += ["text"] if "text" in df.columns else []
    return LabelFile(str(p), kind if kind == "label-studio" else kind_rows, df.loc[ok, keep].reset_index(drop=True),
                     strategy or ("" if kind_rows == "text" else "unknown"), len(df), int(unsure.sum()),
                     int(empty.sum()))


def match_labels(lf: LabelFile, sentences: pd.DataFrame, labels: list[str]) -> Validation:
    """Find the labeled sentences in the corpus table; refuse a file that mostly does not match."""
    rows = lf.rows
    n_usable = len(rows)
    if n_usable == 0:
        raise InputError(f"{lf.path}: no labeled sentence (every row is unsure or has no label)")
    pos = pd.Series(np.arange(len(sentences)))
    differs = 0
    if "statement_id" in rows.columns:
        key = pd.MultiIndex.from_arrays([sentences["statement_id"].astype(str).to_numpy(),
                                         pd.to_numeric(sentences["sentence_index"]).astype(int).to_numpy()])
        where = pd.Series(pos.to_numpy(), index=key)
        where = where[~where.index.duplicated(keep="first")]
        found = where.reindex(pd.MultiIndex.from_arrays([rows["statement_id"].to_numpy(),
                                                         rows["sentence_index"].to_numpy()]))
        at = np.array(found.to_numpy(dtype=float))
        if "text" in rows.columns:  # the same (statement, index) must still be the same sentence
            have = ~np.isnan(at)
            corpus_text = sentences["sentence"].astype(str).to_numpy()
            same = np.array([corpus_text[int(a)] == t if h else True
                             for a, t, h in zip(at, rows["text"], have, strict=True)])
            differs = int((~same).sum())
            at[~same] = np.nan
    else:
        first = pd.Series(pos.to_numpy(), index=sentences["sentence"].astype(str).to_numpy())
        first = first[~first.index.duplicated(keep="first")]
        at = first.reindex(rows["text"].to_numpy()).to_numpy(dtype=float)
    hit = ~np.isnan(at)
    share = float(hit.mean())
    if share < MIN_MATCH:
        how = "(statement_id, sentence_index)" if "statement_id" in rows.columns else "sentence text"
        raise InputError(f"{lf.path}: only {int(hit.sum())} of {n_usable} labeled sentences ({share:.0%}) are in this "
                         f"corpus by {how}; at least {MIN_MATCH:.0%} must be: were they drawn from another corpus?")
    lab_idx = {t: i for i, t in enumerate(labels)}
    w = rows["weight"].to_numpy(dtype=float)[hit]
    return Validation(lf.path, lf.kind, lf.strategy, at[hit].astype(int),
                      np.array([lab_idx[t] for t in rows["label"][hit]], dtype=int), w / w.mean(),
                      lf.n_rows, n_usable, lf.n_unsure, lf.n_empty, differs)


def load_validation(path: str | Path, sentences: pd.DataFrame, labels: list[str]) -> Validation:
    """`read_labels` then `match_labels`."""
    return match_labels(read_labels(path, labels), sentences, labels)
