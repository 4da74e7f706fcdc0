"""`report`: the wiring from inputs to the report folder (HTML, figures, tables, summary).

Inputs are statements (classified on the way) or an existing classification output; the
folder is built under a temporary name and swapped in at the end, so an interrupted run
leaves the previous report whole, or none.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import InputError
from .i18n import short
from .report import Report, ReportOptions, build_report, confusion_counts
from .report import ReportRun as ReportRun  # it lives beside Report; imported from here too
from .report import ReportView as ReportView
from .writers import atomic_dir, check_output_dir

#: Columns that mark a table as the output of `classify` rather than statements.
CLASSIFIED_COLUMNS = ("statement_id", "sentence", "theme", "date")


# ---------------------------------------------------------------- inputs


def _table_columns(path: Path) -> list[str] | None:
    """Column names of a CSV/JSONL/Parquet file (read cheaply), or None for other files."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            import pyarrow.parquet as pq

            return list(pq.read_schema(path).names)
        if suffix == ".csv":
            return list(pd.read_csv(path, nrows=0, encoding="utf-8-sig").columns)
        if suffix == ".jsonl":
            with open(path, encoding="utf-8-sig") as f:
                first = next((line for line in f if line.strip()), "")
            rec = json.loads(first) if first else {}
            return list(rec) if isinstance(rec, dict) else []
    except Exception:  # not readable as a table here: the statement readers report why
        return None
    return None


def _classified_files(inputs: Sequence[str]) -> list[Path] | None:
    """The files when every input is a classification output (a table or a folder of Parquet
    parts from `classify --engine dask`), None when the inputs are statements."""
    files: list[Path] = []
    for item in inputs:
        p = Path(item)
        if item == "-" or not p.exists():
            return None
        found = sorted(p.glob("*.parquet")) if p.is_dir() else [p]
        if not found:
            return None
        for f in found:
            cols = _table_columns(f)
            if cols is None or not set(CLASSIFIED_COLUMNS) <= set(cols):
                return None
        files += found
    return files


def read_classified(files: Sequence[Path], model: str | Path | None = None) -> pd.DataFrame:
    """Classification outputs as one table; errors name the file. Every row must say which
    model classified it (`model_version`): the correction needs that model's error rates
    (`model`, the folder the report uses, is named in the error)."""
    frames = []
    for f in files:
        try:
            if f.suffix.lower() == ".parquet":
                df = pd.read_parquet(f)
            elif f.suffix.lower() == ".csv":
                df = pd.read_csv(f, dtype={"date": str, "source": str, "statement_id": str}, keep_default_na=False,
                                 encoding="utf-8-sig")
            else:
                df = pd.read_json(f, lines=True, dtype={"date": str, "source": str, "statement_id": str})
        except Exception as e:
            raise InputError(f"{f}: cannot be read as a classification output ({type(e).__name__}: "
                             f"{str(e).splitlines()[0] if str(e) else ''})") from None
        _check_model_version(df, f, model)
        frames.append(df)
    df = pd.concat(frames, ignore_index=True)
    for col in ("date", "source", "lang", "statement_id"):
        if col not in df:
            df[col] = ""
        df[col] = df[col].fillna("").astype(str)
    if "sentence_index" not in df:
        df["sentence_index"] = df.groupby("statement_id").cumcount()
    return df


def _check_model_version(df: pd.DataFrame, path: Path, model: str | Path | None) -> None:
    """A classified table without `model_version` (or a row without one) is refused: which
    model's error rates would correct it is unknown."""
    from . import config

    how = (f"classify the statements with `policy-themes classify --model {model or config.MODEL_DIR}` (the model "
           "the report uses), or give `report` the statements themselves")
    if "model_version" not in df.columns:
        raise InputError(f"{path}: has no model_version column, so the model that classified it is unknown; {how}")
    empty = df["model_version"].isna().to_numpy() | (df["model_version"].astype(str).str.strip() == "").to_numpy()
    if empty.any():
        raise InputError(f"{path} row {int(empty.argmax()) + 1}: no model_version, so the model that classified it "
                         f"is unknown; {how}")


# ---------------------------------------------------------------- output folder


# ---------------------------------------------------------------- the run


def _read_validation(path: str | Path | None, model_path: str | None) -> Any:
    """The labels file read and checked against the model's themes (None without one)."""
    if path is None:
        return None
    import hashlib

    from .labels import read_labels
    from .model import read_meta

    meta = read_meta(model_path)
    p = Path(path)
    if p.is_file():
        digest = hashlib.sha256(p.read_bytes()).hexdigest()
        added = meta.get("added_labels")
        files = added.get("files") if isinstance(added, dict) else None
        files = files if isinstance(files, list) else []
        trained = [f for f in files if isinstance(f, dict) and f.get("sha256") == digest]
        if trained:
            raise InputError(f"{path}: the model was trained on these labels (train --add); error rates measured "
                             "on them would flatter it: validate with another sample (sample --seed N)")
    return read_labels(path, [str(x) for x in meta.get("labels", [])])


def _build(df: pd.DataFrame, labels: list[str], meta: dict[str, Any], opts: ReportOptions, label_file: Any,
           model_path: str | None) -> Report:
    """The report with the labels matched to the corpus (or EMQ on the training's class balance),
    and the drift figures that tell how far this corpus is from the training text."""
    from .quantify import training_priors

    validation = None
    if label_file is not None:
        from .labels import match_labels

        validation = match_labels(label_file, df, labels)
    rep = build_report(df, labels, confusion_counts(meta, labels), opts, priors=training_priors(meta, labels),
                       validation=validation)
    rep.info["drift"] = _drift(df, labels, meta, model_path)
    return rep


def _drift(df: pd.DataFrame, labels: list[str], meta: dict[str, Any], model_path: str | None) -> dict[str, Any]:
    """Signs the corpus differs from the training text: sentences with no feature the model
    knows, and mean confidence against the training's (cross-validated) one."""
    from .model import load_model
    from .quantify import drift_figures

    try:
        model = load_model(model_path)
    except InputError:  # a model whose scorer cannot load: the report still stands on its table
        return {}
    return drift_figures(df, labels, meta, model.scorer.counts)


def theme_names(labels: Sequence[str], ui: str = "en", themes_path: str | None = None) -> dict[str, str]:
    """Display names (English or Chinese) from the taxonomy; a theme it does not list keeps its id."""
    from .i18n import theme_names as names

    return names(labels, ui, themes_path)[0]


def _theme_names(labels: Sequence[str], view: ReportView) -> tuple[dict[str, str], str]:
    """The themes' names in the page's language, and a note when the taxonomy lacks some."""
    from .i18n import theme_names as names

    return names(labels, view.ui, view.themes_path)


def run_report(
    inputs: Sequence[str],
    out_dir: str | Path,
    *,
    report_opts: ReportOptions | None = None,
    read_opts: Any = None,
    model_path: str | None = None,
    jobs: int = 1,
    strict: bool = False,
    progress: bool = False,
    excel_safe: bool = False,
    view: ReportView | None = None,
    validation: str | Path | None = None,
) -> ReportRun:
    """Classify (unless the inputs are already classified), compute, and write the report.
    `validation`: labels of some of the corpus's sentences (see `pipeline/labels.py`)."""
    from . import config
    from .model import read_meta
    from .writers import check_separate

    out = check_output_dir(Path(out_dir), "a report folder")
    check_separate([*inputs, model_path or config.MODEL_DIR, *([str(validation)] if validation else [])],
                   [("the report folder", out)])
    opts = report_opts or ReportOptions()
    label_file = _read_validation(validation, model_path)  # a bad labels file fails before any work
    classified = _classified_files(inputs)
    with atomic_dir(out) as tmp:
        counts: dict[str, Any] = {}
        if classified is None:
            from .batch import ClassifyOptions, run_classify
            from .readers import ReadOptions

            crun = run_classify(list(inputs), read_opts or ReadOptions(), ClassifyOptions(model_path=model_path),
                                str(tmp / "sentences.parquet"), jobs=jobs, strict=strict, progress=progress)
            df = pd.read_parquet(tmp / "sentences.parquet")
            counts = crun.report_counts()
            kind = "statements"
        else:
            df = read_classified(classified, model_path)
            kind = "classified"
        meta = read_meta(model_path)
        labels = [str(x) for x in meta.get("labels", [])]
        version = str(meta.get("version", "unknown"))
        used = sorted(set(df["model_version"].astype(str))) if "model_version" in df else []
        if used and used != [version]:
            raise InputError(
                f"{', '.join(map(str, classified or inputs))}: classified by model {', '.join(used)}, but "
                f"{meta.get('name', 'the model')} is {version}; the correction needs the error rates of the "
                "model that classified: pass its folder with --model"
            )
        rep = _build(df, labels, meta, opts, label_file, model_path)
        view = view or ReportView()
        names, missing = _theme_names(labels, view)
        names = {t: short(n) for t, n in names.items()}  # drawn and shown: a taxonomy's name is cut at 80
        run = ReportRun(rep, out, version, meta, names, kind, counts, view=view)
        if missing:
            run.notes.append(missing)
        if kind == "classified":
            df.to_parquet(tmp / "sentences.parquet", index=False)
        write_outputs(run, tmp, excel_safe=excel_safe)
    return run


def write_outputs(run: ReportRun, folder: Path, *, excel_safe: bool = False) -> None:
    """Tables, summary, figures and the page, all into `folder`."""
    from .figures import write_figures
    from .report_html import render_html
    from .summary import render_summary
    from .writers import excel_safe as make_safe

    rep = run.report

    def table(df: pd.DataFrame, name: str) -> None:
        (make_safe(df) if excel_safe else df).to_csv(folder / f"{name}.csv", index=False,
                                                     encoding="utf-8-sig" if excel_safe else "utf-8")  # BOM: Excel

    table(rep.shares, "theme_shares")
    rep.shares.to_parquet(folder / "theme_shares.parquet", index=False)
    table(rep.changes, "changes")
    table(rep.statements, "statement_shares")
    table(rep.evidence, "evidence")
    table(rep.unplaced, "unplaced")
    if run.counts.get("failures") or run.counts.get("no_content_list"):
        rows = [(f["origin"], f["reason"], "failed") for f in run.counts.get("failures", [])]
        rows += [(f["origin"], f["reason"], "no content") for f in run.counts.get("no_content_list", [])]
        table(pd.DataFrame(rows, columns=["origin", "reason", "status"]), "failed")
    run.notes.extend(write_figures(run, folder / "figures"))
    (folder / "summary.md").write_text(render_summary(run), "utf-8")
    (folder / "index.html").write_text(render_html(run), "utf-8")
    info = {**rep.info, "period": rep.period, "by": rep.by, "labels": rep.labels, "model_version": run.model_version,
            "input": run.source_kind, "counts": {k: v for k, v in run.counts.items() if not k.endswith("list")},
            "notes": run.notes, "ui": run.view.ui, "common_scale": run.view.common_scale,
            **({"period_bins": run.report.scheme.source} if run.report.scheme and run.report.scheme.source else {})}
    (folder / "report.json").write_text(json.dumps(info, indent=2, ensure_ascii=False, default=str) + "\n", "utf-8")
