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
from dataclasses import dataclass, field
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


def read_label_table(path: Path) -> tuple[pd.DataFrame, int]:
    """A labeled CSV or JSONL file as text columns with folded names, and the file line of its
    first row (for errors that name the line)."""
    name = str(path)
    data = path.read_bytes()
    if not data.strip():
        raise InputError(f"{name}: empty file")
    text = decode(data, name)
    try:
        if path.suffix.lower() == ".jsonl":
            df, first_row = pd.read_json(io.StringIO(text), lines=True, dtype=False), 1
        else:
            df, first_row = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False), 2
    except (ValueError, pd.errors.ParserError) as e:
        raise InputError(f"{name}: malformed ({str(e).splitlines()[0]})") from None
    df.columns = [str(c).strip().lower() for c in df.columns]
    return df, first_row


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
        df, first_row = read_label_table(path)
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
    n_groups = out["group"].nunique()
    if n_groups < config.CV_FOLDS:
        raise InputError(f"{where}: the labeled sentences are in {n_groups} group{'s' if n_groups != 1 else ''} "
                         f"(column `group`); grouped cross-validation needs at least {config.CV_FOLDS} groups, one "
                         "per fold: give more groups, or leave `group` empty for sentences that stand alone")
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


@dataclass
class Extra:
    """Sentences beyond the team's labeled data, in every training fold and the final fit, never
    scored: the user's own labels (`train --add`) or confident pseudo-labels of the user's corpus
    (`adapt`), each with a weight; `idf_texts` are unlabeled texts the TF-IDF statistics are also
    fitted on (the user's corpus, so its common words weigh less)."""

    texts: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)
    idf_texts: list[str] = field(default_factory=list)


def fit_one(template: Any, X: Sequence[str], y: Sequence[str], weights: Sequence[float] | None = None,
            idf_texts: Sequence[str] = ()) -> Any:
    """Fit a clone of `template`: TF-IDF on `X` plus `idf_texts`, the classifier on `X` (weighted)."""
    from sklearn.base import clone

    pipe = clone(template)
    if not idf_texts and weights is None:
        return pipe.fit(list(X), np.asarray(y))
    union = pipe.named_steps["tfidf"]
    union.fit([*X, *idf_texts])
    pipe.named_steps["clf"].fit(union.transform(list(X)), np.asarray(y),
                                sample_weight=None if weights is None else np.asarray(weights, dtype=float))
    return pipe


def _oof_logits(template: Any, df: pd.DataFrame, cv: Any, extra: Extra) -> np.ndarray:
    """Out-of-fold decision values on the team's sentences, `extra` in every training fold."""
    from joblib import Parallel, delayed

    X, y, groups = df["text"].tolist(), df["label"].to_numpy(), df["group"].to_numpy()
    splits = list(cv.split(X, y, groups))

    def one(train: np.ndarray, test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        w = [1.0] * len(train) + list(extra.weights)
        pipe = fit_one(template, [X[i] for i in train] + extra.texts, [*y[train], *extra.labels], w,
                       extra.idf_texts)
        return test, np.asarray(pipe.decision_function([X[i] for i in test]))

    parts = Parallel(n_jobs=-1)(delayed(one)(tr, te) for tr, te in splits)
    out = np.zeros((len(X), len(set(y))))
    for test, logits in parts:
        out[test] = logits
    return out


def fit(df: pd.DataFrame, taxonomy: Taxonomy, progress: bool = False, extra: Extra | None = None,
        fit_params: dict[str, Any] | None = None) -> tuple[Any, dict[str, Any]]:
    """Choose hyperparameters by grouped stratified CV (or take `fit_params`), score them, refit on
    all data (plus `extra`, which is in every training fold but never scored)."""
    from sklearn.model_selection import GridSearchCV, StratifiedGroupKFold, cross_val_predict

    labels = taxonomy.ids
    X, y, groups = df["text"].tolist(), df["label"].to_numpy(), df["group"].to_numpy()
    cv = StratifiedGroupKFold(n_splits=config.CV_FOLDS, shuffle=True, random_state=config.SEED)
    t0 = time.perf_counter()
    grid_results: list[dict[str, Any]] = []
    if fit_params is None:
        grid = {**config.PARAM_GRID,
                "tfidf__words__analyzer": [TextAnalyzer((1, 2), c) for c in config.CHAR_NGRAM_GRID]}
        search = GridSearchCV(build_pipeline(), grid, scoring="f1_macro", cv=cv, n_jobs=-1, refit=False,
                              verbose=1 if progress else 0)
        search.fit(X, y, groups=groups)
        best_params = search.best_params_
        chosen = {"C": float(best_params["clf__estimator__C"]),
                  "char_ngrams": list(best_params["tfidf__words__analyzer"].char_ngrams)}
        grid_results = [
            {"params": {k: repr(v) if k.endswith("analyzer") else v for k, v in p.items()},
             "macro_f1": round(float(sc), 4)}
            for p, sc in zip(search.cv_results_["params"], search.cv_results_["mean_test_score"], strict=True)
        ]
    else:
        chosen = {"C": float(fit_params["C"]), "char_ngrams": [int(x) for x in fit_params["char_ngrams"]]}
    template = build_pipeline(tuple(chosen["char_ngrams"]), chosen["C"])  # type: ignore[arg-type]
    extra = extra or Extra()
    if extra.texts or extra.idf_texts:
        logits = _oof_logits(template, df, cv, extra)
    else:
        logits = cross_val_predict(template, X, y, groups=groups, cv=cv, method="decision_function", n_jobs=-1)
    best = fit_one(template, X + extra.texts, [*y, *extra.labels],
                   [1.0] * len(X) + list(extra.weights) if extra.texts else None, extra.idf_texts)
    classes = [str(c) for c in best.classes_]
    temperature = fit_temperature(logits, y, classes)
    best.set_params(clf__temperature=temperature)
    proba = _softmax(logits / temperature)
    oof = np.asarray(classes)[proba.argmax(axis=1)]
    base = np.asarray(keyword_predict(X, df["lang"].tolist(), taxonomy))
    cv_scores: dict[str, Any] = {}
    base_scores: dict[str, Any] = {}
    nnz = np.zeros(len(X), dtype=np.int64)
    for _, vec in best.named_steps["tfidf"].transformer_list:
        nnz += np.diff(vec.transform(X).indptr)
    for lang in sorted(df["lang"].unique()):
        m = (df["lang"] == lang).to_numpy()
        cv_scores[lang] = score(y[m], oof[m], labels)
        cv_scores[lang]["ece"] = expected_calibration_error(proba[m], y[m], classes)
        cv_scores[lang]["n"] = int(m.sum())
        # What the report compares a corpus with to show drift (pipeline/quantify.py).
        cv_scores[lang]["mean_confidence"] = round(float(proba[m].max(axis=1).mean()), 4)
        cv_scores[lang]["no_feature_share"] = round(float((nnz[m] == 0).mean()), 4)
        cv_scores[lang]["mean_proba_by_true"] = {
            "labels": classes,
            "rows_true_cols_proba": [[round(float(v), 4) for v in (proba[m & (y == c)].mean(axis=0)
                                      if (m & (y == c)).any() else np.zeros(len(classes)))] for c in classes]}
        base_scores[lang] = score(y[m], base[m], labels)
    cv_scores["all"] = score(y, oof, labels)
    cv_scores["all"]["ece"] = expected_calibration_error(proba, y, classes)
    base_scores["all"] = score(y, base, labels)
    params = {"clf__estimator__C": chosen["C"],
              "tfidf__words__analyzer": repr(TextAnalyzer((1, 2), tuple(chosen["char_ngrams"])))}  # type: ignore[arg-type]
    meta = {
        "labels": [lab for lab in labels if lab in classes],
        "temperature": round(temperature, 4),
        "languages": sorted(df["lang"].unique().tolist()),
        "n_sentences": len(df),
        "n_groups": int(df["group"].nunique()),
        "class_counts": {lang: df[df["lang"] == lang]["label"].value_counts().to_dict()
                         for lang in sorted(df["lang"].unique())},
        "params": params,
        "fit_params": chosen,
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
    """Scores per language on real statements (never trained on): the natural mix (sentences drawn
    at random, the headline) under the language's name, the cue-picked sentences as `<lang>_cue`.

    Besides macro-F1 (over all themes and over the themes present), the share of real `other`
    sentences sent to a theme: the error that inflates theme shares on real documents."""
    pred = np.asarray(pipeline.predict(real["text"].tolist()), dtype=object)
    y = real["label"].to_numpy(dtype=object)
    how = real["how"].to_numpy(dtype=object) if "how" in real else np.full(len(real), "random", dtype=object)
    out = {}
    for lang in sorted(real["lang"].unique()):
        for kind, key in (("random", str(lang)), ("cue", f"{lang}_cue")):
            m = ((real["lang"] == lang).to_numpy()) & (how == kind)
            if not m.any():
                continue
            s = score(y[m], pred[m], labels)
            present = [lab for lab in labels if s["per_class"][lab]["support"] > 0]
            other = m & (y == "other")
            out[key] = {"macro_f1": s["macro_f1"], "accuracy": s["accuracy"], "n": int(m.sum()),
                        "macro_f1_present": round(float(np.mean([s["per_class"][lab]["f1"] for lab in present])), 4),
                        "other_to_theme": round(float((pred[other] != "other").mean()), 4) if other.any() else None,
                        "per_class_f1": {k: v["f1"] for k, v in s["per_class"].items()},
                        "per_class": s["per_class"],
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
         "statements in English; district government work reports, speeches, NPC resolutions and party congress "
         "reports in Chinese); the project keeps only their offsets and labels (`data/realcheck/`). Never "
         "trained on. **The natural mix** (rows `zh`, `en`: sentences drawn at random, about 89% and 99% "
         "`other`) is what real documents look like and is the headline; the cue-picked rows (`zh_cue`, "
         "`en_cue`: half picked by theme cue words, 40% themes) flatter precision and are shown apart. "
         "The natural-mix set guided the choice of training data and features, so its figures are slightly "
         "optimistic for unseen corpora.", "",
         "Macro-F1 averages all themes; a theme with no sentence in the set scores 0 as soon as it is "
         "predicted once, so the average over the themes present is shown too. `other` → theme is the share "
         "of real `other` sentences the model sends to a theme (what inflates theme shares).", "",
         "| set | sentences | macro-F1 (themes present) | `other` → theme | accuracy | F1 per theme (support) |",
         "|---|---:|---:|---:|---:|---|"]
        + [f"| {k} | {v['n']} | {v['macro_f1_present']:.3f} | "
           + (f"{v['other_to_theme']:.1%}" if v.get("other_to_theme") is not None else "-")
           + f" | {v['accuracy']:.3f} | "
           + ", ".join(f"{t} {f:.2f} ({v['support'][t]})" for t, f in v["per_class_f1"].items() if v['support'][t])
           + " |"
           for k, v in real.items()]
        if real else ["Not measured for this version (the shared corpora were not beside the checkout)."]
    )
    adapted, added = meta.get("adapted"), meta.get("added_labels")
    provenance = []
    if adapted:
        provenance += ["## Adapted to a corpus",
                       f"{adapted['method']}: {adapted['n_sentences']} sentences of "
                       f"{adapted.get('n_statements', '?')} statements ({', '.join(adapted.get('inputs', []))}); "
                       f"{adapted['n_pseudo_labels']} pseudo-labels (confidence >= {adapted['threshold']}, weight "
                       f"{adapted['weight']}): {json.dumps(adapted['pseudo_label_counts'])}. Base model: "
                       f"{adapted.get('base_model')}. Cross-validated scores below are on the team's sentences, "
                       "with the pseudo-labels in every training fold.", ""]
    if added:
        provenance += ["## The user's own labels",
                       f"{added['n']} labeled sentences added with weight {added['weight']} "
                       f"({json.dumps(added['class_counts'])}; left out: {json.dumps(added['left_out'])}), from "
                       + ", ".join(f"`{f['file']}` (sha256 {f['sha256'][:12]})" for f in added["files"])
                       + ". They stay the user's: nothing was copied into the project's data.", ""]
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
        *provenance,
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
        "- Scoring reads only `scorer.json` and `scorer.npz` (plain data, checked against meta.json's sha256 and "
        "the probe sentences). `model.joblib` is scikit-learn's Pipeline, a pickle that runs code when loaded: "
        "open it (`pipeline.model.load_pipeline`) only from a source you trust.",
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


def read_user_labels(paths: Sequence[Path], taxonomy: Taxonomy) -> tuple[pd.DataFrame, dict[str, int]]:
    """The user's own labeled sentences for `train --add`: CSV/JSONL with `label` and `text` (or
    `sentence`, as a filled `policy-themes sample` file has). Rows with no label or marked unsure
    are left out and counted; an unknown label is an error naming the row."""
    frames = []
    left_out = {"no label": 0, "unsure": 0}
    known = set(taxonomy.ids)
    for path in paths:
        name = str(path)
        df, first_row = read_label_table(path)
        col = "text" if "text" in df.columns else "sentence" if "sentence" in df.columns else None
        if col is None or "label" not in df.columns:
            raise InputError(f"{name}: needs columns label and text (or sentence); found {', '.join(df.columns)}")
        df = df.fillna("")
        df["line"] = np.arange(len(df)) + first_row
        df["label"] = df["label"].astype(str).str.strip()
        unsure = df["unsure"].astype(str).str.strip().str.lower().isin(["1", "true", "yes", "y", "x", "u"]) \
            if "unsure" in df.columns else pd.Series(False, index=df.index)
        empty = df["label"] == ""
        left_out["no label"] += int(empty.sum())
        left_out["unsure"] += int((unsure & ~empty).sum())
        df = df[~empty & ~unsure]
        bad = df[~df["label"].isin(known)]
        if len(bad):
            r = bad.iloc[0]
            raise InputError(f"{name} line {r.line}: unknown label {r.label!r} (taxonomy: {', '.join(taxonomy.ids)})")
        df = df.assign(text=df[col].astype(str).str.strip())
        frames.append(df[df["text"] != ""][["text", "label"]])
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["text", "label"])
    if out.empty:
        raise InputError(f"{', '.join(map(str, paths))}: no labeled rows to add")
    return out.drop_duplicates("text"), left_out


def _file_record(paths: Sequence[Path]) -> list[dict[str, str]]:
    return [{"file": str(p.resolve()), "sha256": hashlib.sha256(p.read_bytes()).hexdigest()} for p in paths]


#: The modules whose code decides what a trained model computes.
TRAINING_CODE = ("train.py", "features.py", "scorer.py", "model.py", "calibration.py", "script.py", "config.py")


def model_version(fp: dict[str, Any], meta: dict[str, Any], *extra: Any) -> str:
    """`YYYY.MM.DD-xxxxxxxx`: the hash covers the labeled data, the training code, the chosen
    parameters and anything added (user labels, adaptation), so two models that could differ
    never share a version."""
    h = hashlib.sha256(fp["combined"].encode())
    here = Path(__file__).resolve().parent
    for name in TRAINING_CODE:
        h.update(hashlib.sha256((here / name).read_bytes()).digest())
    h.update(json.dumps([meta.get("fit_params"), meta.get("temperature"), *extra], sort_keys=True,
                        default=str).encode())
    return f"{dt.date.today():%Y.%m.%d}-{h.hexdigest()[:8]}"


def run_training(
    inputs: Sequence[Path] | None = None,
    out_dir: Path | None = None,
    taxonomy_path: Path | None = None,
    progress: bool = False,
    add: Sequence[Path] = (),
    add_weight: float = 1.0,
) -> dict[str, Any]:
    """Read labeled data, fit, and write the model folder; nothing is written if anything fails.

    `add`: the user's own labeled sentences, trained on with `add_weight` beside the team's data
    (never copied into data/; the files and their sha256 are recorded in the model card)."""
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
    extra = None
    added: dict[str, Any] = {}
    if add:
        if not add_weight > 0:
            raise InputError("--weight must be above 0")
        user, left_out = read_user_labels(list(add), taxonomy)
        user = user[~user["text"].isin(set(df["text"]))]
        extra = Extra(user["text"].tolist(), user["label"].tolist(), [float(add_weight)] * len(user))
        added = {"files": _file_record(list(add)), "n": len(user), "weight": float(add_weight),
                 "class_counts": user["label"].value_counts().to_dict(), "left_out": left_out}
    pipeline, meta = fit(df, taxonomy, progress, extra)
    if added:
        meta["added_labels"] = added
    real = read_realcheck(config.REALCHECK_DIR, config.SHARED_CORPORA)
    if real is not None and len(real):
        meta["real_text_check"] = real_text_check(pipeline, meta["labels"], real)
    fp = data_fingerprint(paths, tax_path)
    meta = {
        "name": out.name,
        "version": model_version(fp, meta, added),
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "versions": library_versions(),
        "data_sha256": fp,
        **meta,
    }
    return save_model(pipeline, meta, out, model_card(meta), probe_texts(df))


# ---------------------------------------------------------------- adaptation

#: Pseudo-labels kept for self-training: the adapted-IDF model's confidence at least this...
ADAPT_THRESHOLD = 0.8
#: ...each weighing this much against a team sentence.
ADAPT_WEIGHT = 0.3
#: At most this many of the corpus's sentences are used (a seeded random subset beyond it).
ADAPT_MAX_SENTENCES = 60_000


def adapt_to(df: pd.DataFrame, taxonomy: Taxonomy, corpus: Sequence[str], fit_params: dict[str, Any] | None,
             progress: bool = False) -> tuple[Any, dict[str, Any]]:
    """A model adapted to an unlabeled corpus: TF-IDF statistics refitted on the corpus, then one
    round of self-training on its sentences the refitted model is sure of.

    Measured on the natural-mix real check (README): IDF refit halves the Chinese `other`
    sentences sent to a theme; self-training on top adds a little; a prior shift on the
    pseudo-labels over-corrects (recall collapses), so there is none."""
    texts = list(dict.fromkeys(t for t in corpus if t.strip()))
    if len(texts) > ADAPT_MAX_SENTENCES:
        rng = np.random.default_rng(config.SEED)
        texts = [texts[i] for i in sorted(rng.choice(len(texts), ADAPT_MAX_SENTENCES, replace=False))]
    if fit_params is None:
        _, probe_meta = fit(df, taxonomy, progress)
        fit_params = probe_meta["fit_params"]
    template = build_pipeline(tuple(fit_params["char_ngrams"]), float(fit_params["C"]))
    step1 = fit_one(template, df["text"].tolist(), df["label"].tolist(), None, texts)
    proba = np.asarray(step1.predict_proba(texts))
    keep = proba.max(axis=1) >= ADAPT_THRESHOLD
    known = set(df["text"])
    pseudo = [(t, str(step1.classes_[i])) for t, i, k in zip(texts, proba.argmax(axis=1), keep, strict=True)
              if k and t not in known]
    extra = Extra([t for t, _ in pseudo], [lab for _, lab in pseudo], [ADAPT_WEIGHT] * len(pseudo), texts)
    pipeline, meta = fit(df, taxonomy, progress, extra, fit_params)
    meta["adapted"] = {"n_sentences": len(texts), "n_pseudo_labels": len(pseudo),
                       "pseudo_label_counts": pd.Series([lab for _, lab in pseudo], dtype=object)
                       .value_counts().to_dict(),
                       "threshold": ADAPT_THRESHOLD, "weight": ADAPT_WEIGHT,
                       "method": "TF-IDF refit on the corpus + one round of self-training"}
    return pipeline, meta


def run_adaptation(corpus: Sequence[str], out_dir: Path, base: Path | None, described: dict[str, Any],
                   taxonomy_path: Path | None = None, progress: bool = False) -> dict[str, Any]:
    """Adapt the team's model to a user's corpus and write a normal model folder at `out_dir`."""
    from .model import library_versions, probe_texts, read_meta, save_model
    from .themes import load_taxonomy
    from .writers import check_output_dir

    tax_path = Path(taxonomy_path or config.THEMES_FILE)
    taxonomy = load_taxonomy(tax_path)
    check_output_dir(out_dir, "a model folder")
    base_meta = read_meta(base)
    paths = labeled_paths([config.LABELED_DIR])
    df = read_labeled(paths, taxonomy)
    pipeline, meta = adapt_to(df, taxonomy, corpus, base_meta.get("fit_params"), progress)
    meta["adapted"].update({**described, "base_model": f"{base_meta.get('name')} {base_meta.get('version')}"})
    real = read_realcheck(config.REALCHECK_DIR, config.SHARED_CORPORA)
    if real is not None and len(real):
        meta["real_text_check"] = real_text_check(pipeline, meta["labels"], real)
    fp = data_fingerprint(paths, tax_path)
    meta = {"name": out_dir.name, "version": model_version(fp, meta, meta["adapted"]),
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "versions": library_versions(),
            "data_sha256": fp, **meta}
    return save_model(pipeline, meta, out_dir, model_card(meta), probe_texts(df))
