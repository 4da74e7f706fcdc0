"""Command line: a thin layer over the stage functions; errors are one line, never a traceback."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import InputError, PipelineError

if TYPE_CHECKING:
    from .periods import PeriodScheme
    from .publish import ReportView
    from .readers import ReadOptions

_INPUT_HELP = (
    "statement files (.txt/.md with optional front matter, .csv/.jsonl/.parquet with a "
    "'text' column), folders (read recursively) or - for stdin"
)
_EPILOG = """\
Input formats:
  .txt/.md   one statement per file; optional front matter between '---' lines with
             date, source, title, speaker, lang, id.
  .csv/.jsonl/.parquet
             one statement per row; column 'text' required, 'date', 'id', 'source',
             'title', 'speaker', 'lang' optional.
Dates come from metadata, else a date at the start of the file name (2023-03-05_x.txt,
2023_x.txt), else a full date in the first lines of the text, else --date.

Exit codes: 0 done, 2 bad input (nothing written), 1 internal error, 130 interrupted.
"""


def _add_read_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("inputs", nargs="+", metavar="INPUT", help=_INPUT_HELP)
    p.add_argument("--date", help="date for statements that state none (YYYY, YYYY-MM, YYYY-MM-DD)")
    p.add_argument("--source", help="source for statements whose metadata names none")
    p.add_argument("--lang", choices=["en", "zh"],
                   help="language of every statement (default: metadata, else detected)")
    p.add_argument("--format", dest="fmt", choices=["txt", "md", "csv", "jsonl", "parquet"],
                   help="read every input (and stdin) as this format, whatever its suffix")
    p.add_argument("--strict", action="store_true",
                   help="stop at the first statement that cannot be read (default: list it and go on)")
    p.add_argument("--errors", metavar="FILE", help="write failed statements and why (.csv/.jsonl/.parquet)")
    p.add_argument("--removed", metavar="FILE",
                   help="write the lines cleaning removed, with the reason (.csv/.jsonl/.parquet)")
    p.add_argument("--statements", metavar="FILE",
                   help="write one row per statement: date and where it came from, sentences, lines removed")
    p.add_argument("--segmenter", choices=["fast", "nltk"], default="fast",
                   help="English splitter: fast Punkt rules (default) or NLTK's PunktSentenceTokenizer")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar or summary")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="policy-themes",
        description=(
            "Read dated economic-policy statements (English and Chinese), clean web-page "
            "furniture, split them into sentences, label each with a theme, and report how "
            "the themes' shares move over time."
        ),
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    from . import __version__

    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    seg = sub.add_parser(
        "segment",
        help="clean statements and split them into sentences",
        description=(
            "Clean statements and split them into sentences: one row per sentence with "
            "statement_id, date, source, lang, speaker, sentence_index, start, end (character "
            "offsets into the decoded input) and sentence."
        ),
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_read_options(seg)
    seg.add_argument("-o", "--output", metavar="OUT",
                     help="sentence table: .csv, .jsonl or .parquet (default: JSON lines on stdout)")
    seg.add_argument("--excel-safe", action="store_true",
                     help="in CSV output, prefix cells starting with = + - @ with ' so spreadsheets show them as text")
    seg.set_defaults(func=cmd_segment)

    cl = sub.add_parser(
        "classify",
        help="label every sentence of new statements with a theme",
        description=(
            "Clean and segment statements, then label every sentence with a theme: the sentence "
            "table plus theme, confidence, one p_<theme> column per theme and model_version. "
            "Streams the input in chunks, so memory does not grow with its size."
        ),
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_read_options(cl)
    cl.add_argument("-o", "--output", metavar="OUT",
                    help="output table: .csv, .jsonl or .parquet (default: JSON lines on stdout)")
    cl.add_argument("--model", metavar="DIR", help="model folder (default: models/theme-classifier)")
    cl.add_argument("--sentences", action="store_true",
                    help="each row (or line) is already one sentence: do not clean or segment again")
    cl.add_argument("--top-k", type=int, default=1, metavar="K",
                    help="also give the 2nd..Kth most likely themes (columns theme_2, confidence_2, ...)")
    cl.add_argument("--min-confidence", type=float, default=0.0, metavar="P",
                    help="below this confidence the theme is 'uncertain' (probabilities are still given)")
    cl.add_argument("--jobs", type=int, default=1, metavar="N", help="parallel worker processes (default 1)")
    cl.add_argument("--chunk-size", type=int, default=200, metavar="N", help="statements per chunk (default 200)")
    cl.add_argument("--engine", choices=["local", "dask"], default="local",
                    help="local processes (default), or a Dask cluster writing partitioned Parquet to -o OUT_DIR")
    cl.add_argument("--scheduler", metavar="ADDRESS",
                    help="with --engine dask: the scheduler, e.g. tcp://10.0.0.5:8786 (default: a LocalCluster "
                         "with --jobs workers)")
    cl.add_argument("--excel-safe", action="store_true",
                    help="in CSV output, prefix cells starting with = + - @ with ' so spreadsheets show them as text")
    cl.set_defaults(func=cmd_classify)

    tr = sub.add_parser(
        "train",
        help="train the theme classifier from labeled sentences",
        description=(
            "Train the theme classifier (TF-IDF + logistic regression) from labeled sentences "
            "(CSV/JSONL with text,label and optional group,lang; default: data/labeled/). "
            "Hyperparameters are chosen by grouped, stratified cross-validation on macro-F1 and "
            "scored against a keyword baseline; writes model.joblib, meta.json and MODEL_CARD.md."
        ),
    )
    tr.add_argument("inputs", nargs="*", metavar="INPUT", help="labeled files or folders (default: data/labeled)")
    tr.add_argument("--out", metavar="DIR", help="model folder (default: models/theme-classifier)")
    tr.add_argument("--themes", metavar="FILE", help="theme taxonomy (default: data/themes.toml)")
    tr.add_argument("-q", "--quiet", action="store_true", help="no progress or summary")
    tr.set_defaults(func=cmd_train)

    rp = sub.add_parser(
        "report",
        help="write the report: how each theme's share moves over time, with intervals",
        description=(
            "Classify statements (or take an existing `classify` output) and write a report folder: "
            "index.html (self-contained, works offline), figures/*.png, theme_shares.csv/.parquet (one row per "
            "period, source and theme: n_sentences, share_raw, share_corrected, ci_low, ci_high), changes.csv, "
            "statement_shares.csv, evidence.csv (the sentences behind each figure), unplaced.csv, "
            "sentences.parquet and summary.md. Corrected shares adjust for the classifier's errors: by EM on "
            "its calibrated probabilities (a shift in the mix of themes), or, with --validation, by error rates "
            "measured on labeled sentences of this corpus, which also give the whole corpus (period `all`) a "
            "prediction-powered estimate; intervals come from a bootstrap of statements within periods and "
            "sentences within statements."
        ),
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_read_options(rp)
    rp.add_argument("-o", "--output", metavar="DIR", help="report folder (default: reports/)")
    rp.add_argument("--model", metavar="DIR", help="model folder (default: models/theme-classifier)")
    rp.add_argument("--validation", metavar="LABELS",
                    help="labels of sentences of this corpus: a file from `policy-themes sample` once labeled "
                         "(CSV/JSONL), a CSV/JSONL with text,label, or a Label Studio JSON export. The classifier's "
                         "error rates are then measured on them (per language with 150 labels or more) instead of "
                         "taken from its training, and the whole corpus gets prediction-powered shares; refused "
                         "when under 80%% of them are found in the corpus, a label is not a theme, ids repeat, or "
                         "the sample was drawn with --strategy uncertain")
    rp.add_argument("--period", metavar="year|quarter|month|5y|decade|fyp|FILE",
                    help="the periods compared: year, quarter or month; 5y (1950-1954, 1955-1959, ...); decade "
                         "(1990s); fyp (the Five-Year-Plan periods, 1953-1957 ... 2026-2030, with the "
                         "1963-1965 readjustment years as a period of their own); or FILE, a CSV of your own "
                         "bins `label,start,end` (dates YYYY[-MM[-DD]], inclusive; bins may not overlap; "
                         "statements outside every bin are listed in unplaced.csv). Default: years for three "
                         "years or more, else quarters or months")
    rp.add_argument("--by", choices=["source", "lang", "none"], default="source",
                    help="compare groups of statements by this field (default: source)")
    rp.add_argument("--ui", choices=["en", "zh"], default="en",
                    help="language of index.html and summary.md (default en; zh: Chinese, with the themes' "
                         "Chinese names from the taxonomy)")
    rp.add_argument("--common-scale", action="store_true",
                    help="draw every theme's chart on one vertical scale (default: each theme scaled to its own "
                         "data, so that a theme at 1-10%% shows its movement)")
    rp.add_argument("--themes", metavar="FILE",
                    help="the taxonomy the model was trained with, for the themes' names (default: "
                         "data/themes.toml)")
    rp.add_argument("--bootstrap", type=int, default=1000, metavar="N", help="bootstrap replicates (default 1000)")
    rp.add_argument("--min-sentences", type=int, default=50, metavar="N",
                    help="periods with fewer sentences are flagged and never called significant (default 50)")
    rp.add_argument("--evidence", type=int, default=5, metavar="K",
                    help="most confident sentences kept behind each figure (default 5)")
    rp.add_argument("--seed", type=int, metavar="N", help="bootstrap seed (default: fixed, so reruns agree)")
    rp.add_argument("--jobs", type=int, default=1, metavar="N", help="parallel processes for classifying")
    rp.add_argument("--excel-safe", action="store_true",
                    help="in the CSV tables, prefix cells starting with = + - @ with ' so spreadsheets show them as "
                         "text")
    rp.set_defaults(func=cmd_report)

    ev = sub.add_parser(
        "evaluate",
        help="score the model on gold sentences (text,label)",
        description=(
            "Score a trained model on a gold file: CSV or JSONL with one sentence per row in "
            "columns text,label (not segmented again). Prints per-theme precision, recall and F1, "
            "macro-F1, the confusion matrix and the most confident errors."
        ),
    )
    ev.add_argument("gold", nargs="+", metavar="GOLD", help="gold CSV/JSONL files with text,label")
    ev.add_argument("--model", metavar="DIR", help="model folder (default: models/theme-classifier)")
    ev.add_argument("--json", metavar="FILE", help="also write the results as JSON ('-' for stdout only)")
    ev.add_argument("--errors-shown", type=int, default=10, metavar="N", help="most confident errors to list")
    ev.add_argument("-q", "--quiet", action="store_true", help="print nothing (use with --json FILE)")
    ev.set_defaults(func=cmd_evaluate)
    return parser


def _progress_wanted(args: argparse.Namespace) -> bool:
    return not args.quiet and sys.stderr.isatty()


def _say(args: argparse.Namespace, text: str) -> None:
    if not args.quiet:
        print(text, file=sys.stderr)


def _check_outputs(paths: Sequence[str | None]) -> None:
    from .writers import check_output_path

    for p in paths:
        if p:
            check_output_path(p)


def _check_separate(inputs: Sequence[str | Path | None], outputs: Sequence[tuple[str, str | Path | None]]) -> None:
    """No output may be, hold or lie inside an input (the model folder included) or another output."""
    from .writers import check_separate

    check_separate(inputs, outputs)


def _model_input(args: argparse.Namespace) -> Path:
    from . import config

    return Path(args.model) if args.model else config.MODEL_DIR


def cmd_segment(args: argparse.Namespace) -> int:
    from .workflow import segment_inputs
    from .writers import write_jsonl_stream, write_table

    _check_outputs([args.output, args.errors, args.removed, args.statements])
    _check_separate(args.inputs, [("-o", args.output), ("--errors", args.errors), ("--removed", args.removed),
                                  ("--statements", args.statements)])
    run = segment_inputs(args.inputs, _read_options(args), segmenter=args.segmenter, strict=args.strict,
                         progress=_progress_wanted(args))
    if run.n_ok == 0:
        if len(run.failures) == 1:
            f = run.failures[0]
            raise InputError(f"{f.origin}: {f.reason}")
        if run.failures:
            f = run.failures[0]
            raise InputError(
                f"no statement could be read: {len(run.failures)} failed (first: {f.origin}: {f.reason})"
            )
        raise InputError("no content sentences in the input (everything was removed as furniture)")
    df = run.sentence_frame()
    if args.output:
        write_table(df, args.output, excel=args.excel_safe)
    else:
        write_jsonl_stream([{str(k): v for k, v in row.items()} for row in df.to_dict("records")])
    if args.errors:
        write_table(run.failures_frame(), args.errors)
    if args.removed:
        write_table(run.removed_frame(), args.removed, excel=args.excel_safe)
    if args.statements:
        write_table(run.statements_frame(), args.statements)
    _say(args, run.summary())
    return 0


def _read_options(args: argparse.Namespace) -> ReadOptions:
    from .dates import parse_date
    from .readers import ReadOptions

    date = None
    if args.date:
        date = parse_date(args.date)
        if date is None:
            raise InputError(f"--date {args.date!r}: unparseable (use YYYY, YYYY-MM or YYYY-MM-DD)")
        from .dates import is_future

        if is_future(date):
            raise InputError(f"--date {args.date}: is after today; a statement cannot come from the future")
    return ReadOptions(date=date, source=args.source, lang=args.lang, fmt=args.fmt)


def cmd_classify(args: argparse.Namespace) -> int:
    from .batch import ClassifyOptions, run_classify
    from .writers import write_table

    if args.top_k < 1:
        raise InputError("--top-k must be at least 1")
    if not 0.0 <= args.min_confidence <= 1.0:
        raise InputError("--min-confidence must be between 0 and 1")
    if args.jobs < 1 or args.chunk_size < 1:
        raise InputError("--jobs and --chunk-size must be at least 1")
    _check_outputs([args.output if args.engine == "local" else None, args.errors])
    _check_separate([*args.inputs, _model_input(args)], [("-o", args.output), ("--errors", args.errors)])
    if args.removed or args.statements:
        raise InputError("--removed and --statements belong to `segment`; use it for the cleaning details")
    opts = ClassifyOptions(model_path=args.model, sentences_mode=args.sentences, top_k=args.top_k,
                           min_confidence=args.min_confidence, segmenter=args.segmenter)
    if args.engine == "dask":
        from .distributed import run_classify_dask

        run = run_classify_dask(args.inputs, _read_options(args), opts, args.output, scheduler=args.scheduler,
                                n_workers=max(args.jobs, 2), chunk_size=args.chunk_size, strict=args.strict,
                                progress=_progress_wanted(args))
    else:
        if args.scheduler:
            raise InputError("--scheduler goes with --engine dask")
        run = run_classify(args.inputs, _read_options(args), opts, args.output, jobs=args.jobs,
                           chunk_size=args.chunk_size, strict=args.strict, progress=_progress_wanted(args),
                           excel_safe=args.excel_safe)
    if args.errors:
        import pandas as pd

        rows = [(f.origin, f.reason, "failed") for f in run.failures]
        rows += [(f.origin, f.reason, "no content") for f in run.no_content]
        write_table(pd.DataFrame(rows, columns=["origin", "reason", "status"]), args.errors)
    _say(args, run.summary())
    return 0


def _report_period(value: str | None) -> PeriodScheme | None:
    """--period as a scheme, read (and a bins file checked) before anything is written."""
    from .report import _period_scheme

    return _period_scheme(value)


def _report_view(args: argparse.Namespace) -> ReportView:
    """How the report is shown: its language, scales and theme names."""
    from .publish import ReportView

    if args.themes and not Path(args.themes).is_file():
        raise InputError(f"--themes {args.themes}: no such file")
    return ReportView(ui=args.ui, common_scale=args.common_scale, themes_path=args.themes)


def cmd_report(args: argparse.Namespace) -> int:
    from . import config
    from .publish import run_report
    from .report import ReportOptions

    if args.bootstrap < 50:
        raise InputError("--bootstrap must be at least 50 replicates")
    if args.min_sentences < 1 or args.evidence < 0 or args.jobs < 1:
        raise InputError("--min-sentences and --jobs must be at least 1, --evidence at least 0")
    if args.removed or args.statements:
        raise InputError("--removed and --statements belong to `segment`; use it for the cleaning details")
    _check_outputs([args.errors])
    period = _report_period(args.period)
    _check_separate([*args.inputs, _model_input(args), *([args.period] if period is not None and
                                                       period.name == "custom" else []),
                     *([args.validation] if args.validation else [])],
                    [("-o", args.output or config.REPORTS_DIR), ("--errors", args.errors)])
    opts = ReportOptions(period=period, by=args.by, n_boot=args.bootstrap, min_sentences=args.min_sentences,
                         evidence_k=args.evidence, **({"seed": args.seed} if args.seed is not None else {}))
    run = run_report(args.inputs, Path(args.output) if args.output else config.REPORTS_DIR, report_opts=opts,
                     read_opts=_read_options(args), model_path=args.model, jobs=args.jobs, strict=args.strict,
                     progress=_progress_wanted(args), excel_safe=args.excel_safe,
                     view=_report_view(args), validation=args.validation)
    if args.errors:
        import pandas as pd

        from .writers import write_table

        rows = [(f["origin"], f["reason"], "failed") for f in run.counts.get("failures", [])]
        rows += [(f["origin"], f["reason"], "no content") for f in run.counts.get("no_content_list", [])]
        write_table(pd.DataFrame(rows, columns=["origin", "reason", "status"]), args.errors)
    _say(args, run.summary())
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from . import config
    from .train import run_training

    _check_separate([*(args.inputs or [config.LABELED_DIR]), args.themes or config.THEMES_FILE],
                    [("--out", args.out or config.MODEL_DIR)])
    meta = run_training([Path(p) for p in args.inputs] or None,
                        Path(args.out) if args.out else None,
                        Path(args.themes) if args.themes else None,
                        progress=_progress_wanted(args))
    cv, base = meta["cv"]["scores"], meta["baseline"]["scores"]
    lines = [f"trained {meta['name']} {meta['version']} on {meta['n_sentences']} sentences "
             f"in {meta['train_seconds']} s; parameters {meta['params']}"]
    for lang in [*meta["languages"], "all"]:
        lines.append(f"  {lang}: cross-validated macro-F1 {cv[lang]['macro_f1']:.3f} "
                     f"(keyword baseline {base[lang]['macro_f1']:.3f})")
    real = meta.get("real_text_check")
    if real:
        lines.append("  real statements: " + ", ".join(
            f"{k} macro-F1 {v['macro_f1']:.3f}, over themes present {v['macro_f1_present']:.3f} (n={v['n']})"
            for k, v in real.items()))
    _say(args, "\n".join(lines))
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    import json

    from .evaluate import evaluate, format_report, read_gold
    from .model import load_model
    from .writers import atomic_path

    if args.json and args.json != "-":
        from .writers import check_output_path

        check_output_path(args.json, (".json",))
        _check_separate([*args.gold, _model_input(args)], [("--json", args.json)])
    model = load_model(args.model)
    gold = read_gold([Path(g) for g in args.gold], model)
    result = evaluate(model, gold, args.errors_shown)
    text = json.dumps(result, indent=2, ensure_ascii=False, default=str)
    if args.json == "-":
        print(text)
        return 0
    if not args.quiet:
        print(format_report(result))
    if args.json:
        with atomic_path(Path(args.json)) as tmp:
            tmp.write_text(text + "\n", "utf-8")
    return 0


def _run(func: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    try:
        return func(args)
    except PipelineError as e:
        print(f"error: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader of our stdout went away (e.g. `| head`): not an error of ours.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except MemoryError:
        print("error: out of memory; split the input or use --jobs/streaming options", file=sys.stderr)
        return 1
    except Exception as e:  # the last line of defence: one line, and how to see more
        if os.environ.get("POLICY_THEMES_DEBUG"):
            raise
        first = str(e).splitlines()[0] if str(e) else ""
        print(f"internal error: {type(e).__name__}: {first} (set POLICY_THEMES_DEBUG=1 for details)",
              file=sys.stderr)
        return 1


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except KeyboardInterrupt:  # before or after a command runs (it catches its own)
        print("interrupted", file=sys.stderr)
        return 130


def _main(argv: Sequence[str] | None) -> int:
    import warnings

    parser = build_parser()
    args = parser.parse_args(argv)
    # Warnings (e.g. library versions differ from the model's) are one line, not a stack.
    shown = warnings.showwarning
    warnings.showwarning = lambda msg, cat, *a, **k: print(f"warning: {msg}", file=sys.stderr)
    try:
        return _run(args.func, args)
    finally:
        warnings.showwarning = shown


def entry() -> None:
    """The process entry point (`policy-themes`, `python -m pipeline`).

    After an interrupt the process leaves with `os._exit(130)`: Python would otherwise re-raise
    SIGINT at exit when a KeyboardInterrupt passed through a C extension's start-up code, even
    though it was handled, and the exit status would say "killed" instead of 130.

    Once the command has returned, its outputs are complete (or were never started), so an
    interrupt during the interpreter's own shutdown is ignored: it would otherwise end a
    finished run as "killed by SIGINT" with no message.
    """
    import signal

    try:
        code = main()
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    except KeyboardInterrupt:  # between the command's return and the line above
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        print("interrupted", file=sys.stderr)
        code = 130
    if code == 130:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(130)
    raise SystemExit(code)


if __name__ == "__main__":  # pragma: no cover
    entry()
