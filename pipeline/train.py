"""Training: labeled sentences -> a TF-IDF + logistic-regression `Pipeline`, chosen by
grouped, stratified cross-validation, scored against a keyword baseline."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import re
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from . import config
from .calibration import _softmax, fit_temperature
from .errors import InputError
from .features import LatinCharAnalyzer, TextAnalyzer
from .readers import decode, detect_lang
from .themes import Taxonomy

REQUIRED = ("text", "label")


# ---------------------------------------------------------------- data


def read_labeled(paths: Sequence[Path], taxonomy: Taxonomy, for_training: bool = True) -> pd.DataFrame:
    """Read and check labeled files (CSV/JSONL with `text,label`, optional `group`, `lang`).

    Every problem names the file and row; nothing is trained on data that fails. A gold
    file for evaluation (`for_training=False`) skips the duplicate and class-size checks.
    """
    if not paths:
        raise InputError("no labeled files found (expected data/labeled/*.csv or *.jsonl)")
    frames = []
    known = set(taxonomy.ids)
    for path in paths:
        name = str(path)
        data = path.read_bytes()
        if not data.strip():
            raise InputError(f"{name}: empty file")
        text = decode(data, name)
        try:
            if path.suffix.lower() == ".jsonl":
                df = pd.read_json(io.StringIO(text), lines=True, dtype=False)
                first_row = 1
            else:
                df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
                first_row = 2
        except (ValueError, pd.errors.ParserError) as e:
            raise InputError(f"{name}: malformed ({str(e).splitlines()[0]})") from None
        df.columns = [str(c).strip().lower() for c in df.columns]
        missing = [c for c in REQUIRED if c not in df.columns]
        if missing:
            raise InputError(f"{name}: missing required column {missing[0]!r} (found: {', '.join(df.columns)})")
        if df.empty:
            raise InputError(f"{name}: no rows")
        df["text"] = df["text"].astype(str).str.strip()
        df["label"] = df["label"].astype(str).str.strip()
        df["line"] = np.arange(len(df)) + first_row
        for row in df.itertuples():
            if not row.text:
                raise InputError(f"{name} line {row.line}: empty text")
            if len(str(row.text)) > config.MAX_LABELED_CHARS:
                raise InputError(f"{name} line {row.line}: text is {len(str(row.text)):,} characters long; a labeled "
                                 f"sentence has at most {config.MAX_LABELED_CHARS:,} (a missing quote?)")
            if row.label not in known:
                raise InputError(
                    f"{name} line {row.line}: unknown label {row.label!r} (taxonomy: {', '.join(taxonomy.ids)})"
                )
        stem_lang = path.stem.split("_")[0].lower()
        if "lang" not in df.columns:
            df["lang"] = stem_lang if stem_lang in ("en", "zh") else [detect_lang(t) for t in df["text"]]
        if "group" not in df.columns:
            df["group"] = ""
        # Rows without a group are their own group.
        df["group"] = [g if g else f"{path.stem}#{ln}" for g, ln in zip(df["group"].astype(str), df["line"],
                                                                        strict=True)]
        df["file"] = name
        frames.append(df[["text", "label", "group", "lang", "file", "line"]])
    out = pd.concat(frames, ignore_index=True)
    if not for_training:
        return out
    dup = out[out.duplicated("text", keep="first")]
    if len(dup):
        r = dup.iloc[0]
        raise InputError(f"{r.file} line {r.line}: duplicate sentence {r.text[:50]!r}")
    counts = out["label"].value_counts()
    where = ", ".join(map(str, paths))
    if len(counts) < 2:
        raise InputError(f"{where}: only one theme ({counts.index[0]}) in the labeled data")
    for tid in taxonomy.ids:
        n = int(counts.get(tid, 0))
        if n < config.MIN_EXAMPLES_PER_THEME:
            raise InputError(
                f"{where}: theme {tid!r} has {n} labeled sentences; at least {config.MIN_EXAMPLES_PER_THEME} are needed"
            )
    return out


def data_fingerprint(paths: Sequence[Path], taxonomy_path: Path) -> dict[str, Any]:
    files = {str(p.name): hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}
    files[taxonomy_path.name] = hashlib.sha256(taxonomy_path.read_bytes()).hexdigest()
    combined = hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()
    return {"files": files, "combined": combined}


# ---------------------------------------------------------------- baseline and scores


def keyword_predict(texts: Sequence[str], langs: Sequence[str], taxonomy: Taxonomy) -> list[str]:
    """The taxonomy's seed keywords: the theme with most hits, else the fallback theme."""
    pats: dict[str, dict[str, re.Pattern[str] | None]] = {"en": {}, "zh": {}}
    for t in taxonomy.themes:
        en = [re.escape(k) for k in t.keywords_en]
        zh = [re.escape(k) for k in t.keywords_zh]
        pats["en"][t.id] = re.compile(r"\b(?:" + "|".join(en) + r")\b") if en else None
        pats["zh"][t.id] = re.compile("|".join(zh)) if zh else None
    out = []
    for text, lang in zip(texts, langs, strict=True):
        low = text.lower()
        best, best_n = taxonomy.fallback, 0
        for tid, rx in pats["zh" if lang == "zh" else "en"].items():
            n = len(rx.findall(low)) if rx else 0
            if n > best_n:
                best, best_n = tid, n
        out.append(best)
    return out


def score(y_true: ArrayLike, y_pred: ArrayLike, labels: Sequence[str]) -> dict[str, Any]:
    """Per-class precision/recall/F1/support, macro-F1, accuracy and the confusion matrix."""
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=list(labels), zero_division=0)
    return {
        "per_class": {
            lab: {"precision": round(float(p[i]), 4), "recall": round(float(r[i]), 4),
                  "f1": round(float(f[i]), 4), "support": int(s[i])}
            for i, lab in enumerate(labels)
        },
        "macro_f1": round(float(f1_score(y_true, y_pred, labels=list(labels), average="macro", zero_division=0)), 4),
        "accuracy": round(float(accuracy_score(y_true, y_pred)), 4),
        "confusion_matrix": {"labels": list(labels),
                             "rows_true_cols_pred": confusion_matrix(y_true, y_pred, labels=list(labels)).tolist()},
    }


def expected_calibration_error(proba: np.ndarray, y_true: ArrayLike, labels: Sequence[str], bins: int = 10) -> float:
    """How far confidence is from accuracy, averaged over confidence bins (0 is perfect)."""
    conf = proba.max(axis=1)
    pred = np.asarray(labels)[proba.argmax(axis=1)]
    correct = pred == np.asarray(y_true)
    ece = 0.0
    for lo in np.linspace(0, 1, bins, endpoint=False):
        m = (conf > lo) & (conf <= lo + 1 / bins)
        if m.any():
            ece += m.mean() * abs(correct[m].mean() - conf[m].mean())
    return round(float(ece), 4)


# ---------------------------------------------------------------- model


def build_pipeline(char_ngrams: tuple[int, int] = (1, 3), C: float = 32.0) -> Any:
    """One `Pipeline` with named steps: `tfidf` (a union of `words`: English word 1-2-grams and
    Chinese character n-grams, and `chars`: character 3-5-grams inside English words), then `clf`."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, Pipeline

    from .calibration import TemperatureScaled

    return Pipeline(
        [
            ("tfidf", FeatureUnion([
                ("words", TfidfVectorizer(analyzer=TextAnalyzer((1, 2), char_ngrams), **config.TFIDF_PARAMS)),
                ("chars", TfidfVectorizer(analyzer=LatinCharAnalyzer(config.LATIN_CHAR_NGRAMS),
                                          min_df=config.LATIN_CHAR_MIN_DF, **config.TFIDF_PARAMS)),
            ])),
            ("clf", TemperatureScaled(LogisticRegression(C=C, random_state=config.SEED,
                                                         **config.CLASSIFIER_PARAMS))),
        ]
    )


def fit(df: pd.DataFrame, taxonomy: Taxonomy, progress: bool = False) -> tuple[Any, dict[str, Any]]:
    """Choose hyperparameters by grouped stratified CV, score them, refit on all data."""
    from sklearn.model_selection import GridSearchCV, StratifiedGroupKFold, cross_val_predict

    labels = taxonomy.ids
    X, y, groups = df["text"].tolist(), df["label"].to_numpy(), df["group"].to_numpy()
    cv = StratifiedGroupKFold(n_splits=config.CV_FOLDS, shuffle=True, random_state=config.SEED)
    grid = {**config.PARAM_GRID,
            "tfidf__words__analyzer": [TextAnalyzer((1, 2), c) for c in config.CHAR_NGRAM_GRID]}
    t0 = time.perf_counter()
    search = GridSearchCV(build_pipeline(), grid, scoring="f1_macro", cv=cv, n_jobs=-1, refit=True,
                          verbose=1 if progress else 0)
    search.fit(X, y, groups=groups)
    best = search.best_estimator_
    from sklearn.base import clone

    logits = cross_val_predict(clone(best), X, y, groups=groups, cv=cv, method="decision_function", n_jobs=-1)
    classes = list(search.best_estimator_.classes_)
    temperature = fit_temperature(logits, y, classes)
    best.set_params(clf__temperature=temperature)
    proba = _softmax(logits / temperature)
    oof = np.asarray(classes)[proba.argmax(axis=1)]
    base = np.asarray(keyword_predict(X, df["lang"].tolist(), taxonomy))
    cv_scores: dict[str, Any] = {}
    base_scores: dict[str, Any] = {}
    for lang in sorted(df["lang"].unique()):
        m = (df["lang"] == lang).to_numpy()
        cv_scores[lang] = score(y[m], oof[m], labels)
        cv_scores[lang]["ece"] = expected_calibration_error(proba[m], y[m], classes)
        cv_scores[lang]["n"] = int(m.sum())
        base_scores[lang] = score(y[m], base[m], labels)
    cv_scores["all"] = score(y, oof, labels)
    cv_scores["all"]["ece"] = expected_calibration_error(proba, y, classes)
    base_scores["all"] = score(y, base, labels)
    params = {k: (repr(v) if k.endswith("analyzer") else v) for k, v in search.best_params_.items()}
    grid_results = [
        {"params": {k: repr(v) if k.endswith("analyzer") else v for k, v in p.items()},
         "macro_f1": round(float(s), 4)}
        for p, s in zip(search.cv_results_["params"], search.cv_results_["mean_test_score"], strict=True)
    ]
    meta = {
        "labels": [lab for lab in labels if lab in classes],
        "temperature": round(temperature, 4),
        "languages": sorted(df["lang"].unique().tolist()),
        "n_sentences": len(df),
        "n_groups": int(df["group"].nunique()),
        "class_counts": {lang: df[df["lang"] == lang]["label"].value_counts().to_dict()
                         for lang in sorted(df["lang"].unique())},
        "params": params,
        "cv": {"folds": config.CV_FOLDS, "kind": "StratifiedGroupKFold (groups = mini-statements)",
               "seed": config.SEED, "selection": "macro-F1", "grid": grid_results, "scores": cv_scores},
        "baseline": {"kind": "seed keywords from the taxonomy, most hits wins, else the fallback theme",
                     "scores": base_scores},
        "train_seconds": round(time.perf_counter() - t0, 1),
    }
    return best, meta


# ---------------------------------------------------------------- real statements


def read_realcheck(label_dir: Path, corpora: Path) -> pd.DataFrame | None:
    """Real sentences for evaluation, rebuilt from offsets into the shared corpora.

    The project keeps only labels and offsets, never the texts; without the corpora
    beside the checkout there is nothing to check, and None is returned.
    """
    from .clean import normalize, tidy

    files = sorted(label_dir.glob("*.csv")) if label_dir.is_dir() else []
    if not files or not corpora.is_dir():
        return None
    rows = []
    cache: dict[str, str] = {}
    for f in files:
        for rec in pd.read_csv(f, dtype=str, keep_default_na=False).to_dict("records"):
            name, start, end = str(rec["file"]), int(str(rec["start"])), int(str(rec["end"]))
            if name not in cache:
                path = corpora / name
                cache[name] = normalize(decode(path.read_bytes(), str(path)))
            lang = "zh" if f.stem.endswith("zh") else "en"
            rows.append({"text": tidy(cache[name][start:end]), "label": str(rec["label"]), "lang": lang,
                         "file": name, "line": start, "how": str(rec.get("how", ""))})
    return pd.DataFrame(rows)


def real_text_check(pipeline: Any, labels: Sequence[str], real: pd.DataFrame) -> dict[str, Any]:
    """Macro-F1 per language on real statements (never trained on)."""
    pred = np.asarray(pipeline.predict(real["text"].tolist()), dtype=object)
    y = real["label"].to_numpy(dtype=object)
    out = {}
    for lang in sorted(real["lang"].unique()):
        m = (real["lang"] == lang).to_numpy()
        s = score(y[m], pred[m], labels)
        present = [lab for lab in labels if s["per_class"][lab]["support"] > 0]
        out[str(lang)] = {"macro_f1": s["macro_f1"], "accuracy": s["accuracy"], "n": int(m.sum()),
                          "macro_f1_present": round(float(np.mean([s["per_class"][lab]["f1"] for lab in present])), 4),
                          "per_class_f1": {k: v["f1"] for k, v in s["per_class"].items()},
                          "support": {k: v["support"] for k, v in s["per_class"].items()}}
    return out


# ---------------------------------------------------------------- the card


def model_card(meta: dict[str, Any]) -> str:
    cv, base = meta["cv"]["scores"], meta["baseline"]["scores"]
    rows = []
    for lang in [*meta["languages"], "all"]:
        rows.append(f"| {lang} | {cv[lang]['macro_f1']:.3f} | {base[lang]['macro_f1']:.3f} | "
                    f"{cv[lang]['macro_f1'] - base[lang]['macro_f1']:+.3f} | {cv[lang]['accuracy']:.3f} | "
                    f"{cv[lang].get('ece', float('nan')):.3f} |")
    per_class = []
    for lang in meta["languages"]:
        for lab, s in cv[lang]["per_class"].items():
            per_class.append(f"| {lang} | {lab} | {s['precision']:.3f} | {s['recall']:.3f} | {s['f1']:.3f} | "
                             f"{s['support']} |")
    real = meta.get("real_text_check")
    real_lines = (
        ["Labeled sentences from real public statements in `../shared/corpora` (UN General Assembly "
         "statements in English; district government work reports, speeches and party congress reports in "
         "Chinese), picked partly at random and partly by theme cue words; the project keeps only their "
         "offsets and labels (`data/realcheck/`). Never used for training or model selection.", "",
         "Macro-F1 averages all themes; a theme with no sentence in the set scores 0 as soon as it is "
         "predicted once, so the average over the themes present is shown too.", "",
         "| language | sentences | macro-F1 | macro-F1 (themes present) | accuracy | F1 per theme (support) |",
         "|---|---:|---:|---:|---:|---|"]
        + [f"| {k} | {v['n']} | {v['macro_f1']:.3f} | {v['macro_f1_present']:.3f} | {v['accuracy']:.3f} | "
           + ", ".join(f"{t} {f:.2f} ({v['support'][t]})" for t, f in v["per_class_f1"].items()) + " |"
           for k, v in real.items()]
        if real else ["Not measured for this version (the shared corpora were not beside the checkout)."]
    )
    return "\n".join([
        f"# Model card: {meta['name']} {meta['version']}",
        "",
        "## Intended use",
        "Label each sentence of a Chinese economic-policy statement (English translation or Chinese original) "
        "with its primary theme: " + ", ".join(f"`{x}`" for x in meta["labels"]) + ". Meant for aggregate "
        "shares over many sentences (with the error correction the report applies), not for judging a single "
        "sentence on its own.",
        "",
        "## Data",
        f"{meta['n_sentences']} sentences written by the team ({meta['n_groups']} mini-statements), "
        "in the register of ministry press conferences, State Council notices, government work reports and "
        "news write-ups from the 1990s to the 2020s; see data/labeled/README.md. Class counts: "
        + "; ".join(f"{lang}: " + ", ".join(f"{k} {v}" for k, v in c.items())
                    for lang, c in meta["class_counts"].items()) + ".",
        f"Data sha256: `{meta['data_sha256']['combined']}`.",
        "",
        "## Model",
        "scikit-learn `Pipeline`: `tfidf` (English word 1-2-grams and Chinese character n-grams, digits folded, "
        "sublinear tf) and `chars` (character 3-5-grams inside English words), then `clf` (multinomial logistic "
        "regression, balanced class weights, probabilities temperature-scaled on out-of-fold predictions, "
        f"T = {meta.get('temperature', 1.0)}). "
        f"Chosen parameters: `{json.dumps(meta['params'])}`.",
        "",
        "## Metrics (cross-validated)",
        f"{meta['cv']['folds']}-fold stratified cross-validation grouped by mini-statement, seed {meta['cv']['seed']}. "
        "ECE is the expected calibration error of the predicted probabilities.",
        "",
        "| language | macro-F1 | keyword baseline | gain | accuracy | ECE |",
        "|---|---:|---:|---:|---:|---:|",
        *rows,
        "",
        "| language | theme | precision | recall | F1 | support |",
        "|---|---|---:|---:|---:|---:|",
        *per_class,
        "",
        "## On real statements",
        *real_lines,
        "",
        "## Limits",
        "- Trained only on sentences the team wrote: real statements use wider vocabulary; expect lower scores "
        "on them than the cross-validated figures (see above).",
        "- One label per sentence: sentences that serve two themes get the one the labeling guide calls primary.",
        "- Figures and years are folded away, so a sentence whose theme is only in a number is `other`.",
        "- A joblib file runs code when loaded: load only models whose sha256 matches their meta.json and that "
        "come from a source you trust (this repository's `make train`).",
        "",
    ])


# ---------------------------------------------------------------- wiring


def labeled_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in (".csv", ".jsonl") and p.is_file())


def labeled_paths(inputs: Sequence[Path | str]) -> list[Path]:
    """Labeled files from files and folders; a folder without any is an error naming it."""
    paths: list[Path] = []
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            found = labeled_files(p)
            if not found:
                others = sum(1 for x in p.iterdir() if x.is_file() and not x.name.startswith("."))
                raise InputError(f"{p}: no labeled files (.csv, .jsonl) in this folder"
                                 + (f" ({others} other file{'s' if others != 1 else ''})" if others else ""))
            paths += found
        elif p.is_file():
            paths.append(p)
        else:
            raise InputError(f"{p}: no such file or folder")
    return paths


def run_training(
    inputs: Sequence[Path] | None = None,
    out_dir: Path | None = None,
    taxonomy_path: Path | None = None,
    progress: bool = False,
) -> dict[str, Any]:
    """Read labeled data, fit, and write the model folder; nothing is written if anything fails."""
    from .model import library_versions, probe_texts, save_model
    from .themes import load_taxonomy
    from .writers import check_output_dir

    tax_path = Path(taxonomy_path or config.THEMES_FILE)
    taxonomy = load_taxonomy(tax_path)
    out = Path(out_dir or config.MODEL_DIR)
    if out.is_dir() and not os.access(out, os.W_OK):
        raise InputError(f"{out}: model folder is not writable")
    if not out.is_dir():
        check_output_dir(out)  # fail before a minute of training, not after
    paths = labeled_paths(inputs or [config.LABELED_DIR])
    df = read_labeled(paths, taxonomy)
    pipeline, meta = fit(df, taxonomy, progress)
    real = read_realcheck(config.REALCHECK_DIR, config.SHARED_CORPORA)
    if real is not None and len(real):
        meta["real_text_check"] = real_text_check(pipeline, meta["labels"], real)
    fp = data_fingerprint(paths, tax_path)
    meta = {
        "name": out.name,
        "version": f"{dt.date.today():%Y.%m.%d}-{fp['combined'][:8]}",
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "versions": library_versions(),
        "data_sha256": fp,
        **meta,
    }
    return save_model(pipeline, meta, out, model_card(meta), probe_texts(df))
