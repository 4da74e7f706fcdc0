"""Command line: a thin layer over the stage functions; errors are one line, never a traceback."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

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

Exit codes: 0 done, 2 bad input (nothing written), 1 internal error, 130 interrupted (Ctrl-C),
143 and 129 stopped by SIGTERM and SIGHUP.
"""


def _add_read_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("inputs", nargs="+", metavar="INPUT", help=_INPUT_HELP)
    p.add_argument("--date", help="date for statements that state none (YYYY, YYYY-MM, YYYY-MM-DD)")
    p.add_argument("--source", help="source for statements whose metadata names none")
    p.add_argument("--lang", choices=["en", "zh"],
                   help="language of every statement (default: metadata, else detected)")
    p.add_argument("--format", dest="fmt", choices=["txt", "md", "csv", "jsonl", "parquet", "html", "pdf"],
                   help="read every input (and stdin) as this format, whatever its suffix")
    p.add_argument("--follow-links", action="store_true",
                   help="in folders, also read symlinked files that point outside the folder (default: list them "
                        "as failed)")
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


class _Parser(argparse.ArgumentParser):
    """argparse with bad options said in one line, as every other bad input (exit 2)."""

    def error(self, message: str) -> NoReturn:
        first = " ".join(message.split())
        self.exit(2, f"error: {first} (see `{self.prog} --help`)\n")


#: `report --bootstrap` at most: with 10,000 replicates the 2.5% and 97.5% ends of an interval
#: are within about 0.3 percentile points of where infinitely many would put them (two standard
#: errors); more only multiplies the run's time and memory (1e8 would need terabytes).
MAX_BOOTSTRAP = 10_000


def _replicates(value: str) -> int:
    """--bootstrap N: a whole number from 50 to MAX_BOOTSTRAP (1e4 is read as 10000)."""
    try:
        n = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of replicates") from None
    if not n.is_integer() or not 50 <= n <= MAX_BOOTSTRAP:
        raise argparse.ArgumentTypeError(f"{value}: use a whole number of replicates from 50 to {MAX_BOOTSTRAP:,}")
    return int(n)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
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
                     help="in every CSV written (-o, --errors, --removed, --statements): prefix cells starting with "
                          "= + - @ with ' so spreadsheets show them as text, and start the file with a UTF-8 "
                          "byte-order mark so Excel shows Chinese correctly")
    seg.set_defaults(func=cmd_segment)

    cl = sub.add_parser(
        "classify",
        help="label every sentence of new statements with a theme",
        description=(
            "Clean and segment statements, then label every sentence with a theme: the sentence "
            "table plus theme, confidence, one p_<theme> column per theme and model_version. "
            "Statements with no date are classified too, with an empty date (`report` needs dates). "
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
                    help="each row (or line) is already one sentence: do not clean or segment again; the "
                         "input's other columns (your own doc, paragraph, ... columns, as text) are kept in the "
                         "output so the labels can be joined back (id is statement_id; a name the output uses, "
                         "such as theme, becomes input_theme)")
    cl.add_argument("--top-k", type=int, default=1, metavar="K",
                    help="also give the 2nd..Kth most likely themes (columns theme_2, confidence_2, ...); a K above "
                         "the model's number of themes gives them all (no empty columns)")
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
                    help="in CSV output and the --errors file: prefix cells starting with = + - @ with ' so "
                         "spreadsheets show them as text, and start the file with a UTF-8 byte-order mark so "
                         "Excel shows Chinese correctly")
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
    tr.add_argument("--add", nargs="+", metavar="LABELS", default=[],
                    help="also train on your own labeled sentences (CSV/JSONL with label and text or sentence, e.g. a "
                         "filled `policy-themes sample` file); they stay yours: recorded in the model card, never "
                         "copied into data/. Needs --out")
    tr.add_argument("--weight", type=float, default=1.0, metavar="W",
                    help="with --add: how much each of your sentences counts against a team sentence (default 1)")
    tr.add_argument("-q", "--quiet", action="store_true", help="no progress or summary")
    tr.set_defaults(func=cmd_train)

    ad = sub.add_parser(
        "adapt",
        help="adapt the model to your corpus (unlabeled): a new model folder for report/classify --model",
        description=(
            "Adapt the theme classifier to your own statements without labeling anything: TF-IDF statistics are "
            "refitted on your corpus's sentences, then the model is retrained once with the sentences it is sure "
            "of as extra examples (self-training). On real government work reports this halved the `other` "
            "sentences sent to a theme (README, 'Adapting to your corpus'). Takes a few minutes on two cores. "
            "Writes a normal model folder (its card says what it was adapted to); use it with --model."
        ),
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_read_options(ad)
    ad.add_argument("--out", metavar="DIR", required=True, help="new model folder, e.g. models/my-corpus")
    ad.add_argument("--model", metavar="DIR", help="the model to start from (default: models/theme-classifier)")
    ad.add_argument("--themes", metavar="FILE", help="theme taxonomy (default: data/themes.toml)")
    ad.set_defaults(func=cmd_adapt)

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
    rp.add_argument("--bootstrap", type=_replicates, default=1000, metavar="N",
                    help=f"bootstrap replicates, 50 to {MAX_BOOTSTRAP:,} (default 1000)")
    rp.add_argument("--min-sentences", type=int, default=50, metavar="N",
                    help="periods with fewer sentences are flagged and never called significant (default 50)")
    rp.add_argument("--evidence", type=int, default=5, metavar="K",
                    help="most confident sentences kept behind each figure (default 5)")
    rp.add_argument("--seed", type=int, metavar="N", help="bootstrap seed (default: fixed, so reruns agree)")
    rp.add_argument("--jobs", type=int, default=1, metavar="N", help="parallel processes for classifying")
    rp.add_argument("--excel-safe", action="store_true",
                    help="in the CSV tables and the --errors file: prefix cells starting with = + - @ with ' so "
                         "spreadsheets show them as text, and start each file with a UTF-8 byte-order mark so Excel "
                         "shows Chinese correctly")
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

    sa = sub.add_parser(
        "sample",
        help="draw a random sample of your corpus's sentences for people to label",
        description=(
            "Clean and segment statements as `report` does, then draw a random sample of their sentences "
            "for a person to label (`policy-themes label`), so the report can use error rates measured on "
            "your own text. Writes a CSV (sample_id, statement_id, date, source, lang, sentence_index, "
            "sentence, context_before, context_after, weight, label, unsure) without the model's predictions, "
            "and beside it SAMPLE.json recording how it was drawn. The same inputs and seed give the same "
            "sample; its rows are in random order, so any first rows of it are a random sample too."
        ),
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_read_options(sa)
    sa.add_argument("-o", "--output", metavar="SAMPLE.csv", required=True,
                    help="the sample file (.csv); refused if it already holds labels")
    sa.add_argument("-n", type=int, default=300, metavar="N",
                    help="sentences to draw (default 300); all of them when the corpus has fewer")
    sa.add_argument("--seed", type=int, metavar="S", help="random seed (default: fixed, so reruns agree)")
    sa.add_argument("--strategy", choices=["random", "uncertain"], default="random",
                    help="random (default): a probability sample, for measuring error rates; uncertain: the "
                         "sentences the model is least sure of, for training only (marked so the report refuses it)")
    sa.add_argument("--stratify-by", choices=["period", "lang", "period,lang"], metavar="FIELD",
                    help="draw the same number of sentences from each period (or language, or both; equal "
                         "allocation); each row's weight is its stratum's sentences / rows drawn from it")
    sa.add_argument("--period", choices=["year", "quarter", "month"],
                    help="time unit of the periods (default: chosen from the dates as `report` does)")
    sa.add_argument("--context", type=int, default=1, metavar="K",
                    help="sentences before and after each one shown to the labeler (default 1)")
    sa.add_argument("--model", metavar="DIR",
                    help="with --strategy uncertain: the model folder (default: models/theme-classifier)")
    sa.add_argument("--label-studio", metavar="FILE.json",
                    help="also write a Label Studio import file, and its labeling config as FILE.xml")
    sa.add_argument("--excel-safe", action="store_true",
                    help="prefix cells starting with = + - @ with ' so spreadsheets show them as text")
    sa.set_defaults(func=cmd_sample)

    lb = sub.add_parser(
        "label",
        help="label a sample in your browser: an offline page on 127.0.0.1",
        description=(
            "Serve a labeling page for a sample file on 127.0.0.1 only (nothing leaves the machine): one "
            "sentence at a time with its neighbours, keys 1-9 for the themes in taxonomy order, u for unsure, "
            "left arrow or Backspace to go back, right arrow or s to skip. Every answer is written to the file "
            "at once (atomically), so stopping the server (Ctrl-C) loses nothing; running it again resumes at "
            "the first unlabeled sentence."
        ),
    )
    lb.add_argument("sample", metavar="SAMPLE.csv", help="a sample file from `policy-themes sample`")
    lb.add_argument("--out", metavar="FILE.csv",
                    help="write the labeled sample here (default: into SAMPLE.csv itself); resumes from it "
                         "when it exists")
    lb.add_argument("--themes", metavar="FILE", help="theme taxonomy (default: data/themes.toml)")
    lb.add_argument("--port", type=int, default=0, metavar="P", help="port on 127.0.0.1 (default: a free one)")
    lb.add_argument("--lang", dest="ui_lang", choices=["en", "zh"],
                    help="language of the page (default: the sample's majority language; the page can switch)")
    lb.add_argument("--no-browser", action="store_true", help="only print the address; do not open a browser")
    lb.add_argument("-q", "--quiet", action="store_true", help="print only the address")
    lb.set_defaults(func=cmd_label)
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
        write_table(run.failures_frame(), args.errors, excel=args.excel_safe)
    if args.removed:
        write_table(run.removed_frame(), args.removed, excel=args.excel_safe)
    if args.statements:
        write_table(run.statements_frame(), args.statements, excel=args.excel_safe)
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
    return ReadOptions(date=date, source=args.source, lang=args.lang, fmt=args.fmt, follow_links=args.follow_links,
                       dedupe=not getattr(args, "sentences", False))


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
    from dataclasses import replace

    read_opts = replace(_read_options(args), need_date=False)  # labels need no date; an undated row has ""
    if args.engine == "dask":
        from .distributed import run_classify_dask

        run = run_classify_dask(args.inputs, read_opts, opts, args.output, scheduler=args.scheduler,
                                n_workers=max(args.jobs, 2), chunk_size=args.chunk_size, strict=args.strict,
                                progress=_progress_wanted(args))
    else:
        if args.scheduler:
            raise InputError("--scheduler goes with --engine dask")
        run = run_classify(args.inputs, read_opts, opts, args.output, jobs=args.jobs,
                           chunk_size=args.chunk_size, strict=args.strict, progress=_progress_wanted(args),
                           excel_safe=args.excel_safe)
    if args.errors:
        import pandas as pd

        rows = [(f.origin, f.reason, "failed") for f in run.failures]
        rows += [(f.origin, f.reason, "no content") for f in run.no_content]
        write_table(pd.DataFrame(rows, columns=["origin", "reason", "status"]), args.errors, excel=args.excel_safe)
    _say(args, run.summary())
    return 0


def _report_period(value: str | None) -> PeriodScheme | None:
    """--period as a scheme, read (and a bins file checked) before anything is written."""
    from .report import _period_scheme

    return _period_scheme(value)


def _report_view(args: argparse.Namespace) -> ReportView:
    """How the report is shown: its language, scales and theme names."""
    from .publish import ReportView

    if args.themes and Path(args.themes).is_dir():
        raise InputError(f"--themes {args.themes}: is a folder; give the taxonomy file (a .toml such as "
                         "data/themes.toml)")
    if args.themes and not Path(args.themes).is_file():
        raise InputError(f"--themes {args.themes}: no such file")
    return ReportView(ui=args.ui, common_scale=args.common_scale, themes_path=args.themes)


def cmd_report(args: argparse.Namespace) -> int:
    from . import config
    from .publish import run_report
    from .report import ReportOptions

    if not 50 <= args.bootstrap <= MAX_BOOTSTRAP:
        raise InputError(f"--bootstrap: use 50 to {MAX_BOOTSTRAP:,} replicates")
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
        write_table(pd.DataFrame(rows, columns=["origin", "reason", "status"]), args.errors, excel=args.excel_safe)
    _say(args, run.summary())
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from . import config
    from .train import run_training

    if args.add and not args.out:
        raise InputError("--add needs --out DIR: a model with your labels goes in your own folder, "
                         "not over the shipped one")
    _check_separate([*(args.inputs or [config.LABELED_DIR]), args.themes or config.THEMES_FILE, *args.add],
                    [("--out", args.out or config.MODEL_DIR)])
    meta = run_training([Path(p) for p in args.inputs] or None,
                        Path(args.out) if args.out else None,
                        Path(args.themes) if args.themes else None,
                        progress=_progress_wanted(args), add=[Path(p) for p in args.add], add_weight=args.weight)
    cv, base = meta["cv"]["scores"], meta["baseline"]["scores"]
    lines = [f"trained {meta['name']} {meta['version']} on {meta['n_sentences']} sentences "
             f"in {meta['train_seconds']} s; parameters {meta['params']}"]
    for lang in [*meta["languages"], "all"]:
        lines.append(f"  {lang}: cross-validated macro-F1 {cv[lang]['macro_f1']:.3f} "
                     f"(keyword baseline {base[lang]['macro_f1']:.3f})")
    _say(args, "\n".join(lines + _real_lines(meta)))
    return 0


def _real_lines(meta: dict[str, Any]) -> list[str]:
    real = meta.get("real_text_check") or {}
    return [f"  real statements, {'cue-picked' if k.endswith('_cue') else 'natural mix'} {k.split('_')[0]} "
            f"(n={v['n']}): macro-F1 over themes present {v['macro_f1_present']:.3f}"
            + (f", other sent to a theme {v['other_to_theme']:.1%}" if v.get("other_to_theme") is not None else "")
            for k, v in real.items()]


def cmd_adapt(args: argparse.Namespace) -> int:
    from . import config
    from .train import run_adaptation
    from .workflow import segment_inputs

    base = Path(args.model) if args.model else config.MODEL_DIR
    _check_separate([*args.inputs, base, args.themes or config.THEMES_FILE, config.LABELED_DIR],
                    [("--out", args.out)])
    from .model import read_meta
    from .writers import check_output_dir

    read_meta(base)  # fail before reading the corpus
    from .themes import load_taxonomy

    load_taxonomy(args.themes)  # likewise
    check_output_dir(Path(args.out), "a model folder")
    run = segment_inputs(args.inputs, _read_options(args), segmenter=args.segmenter, strict=args.strict,
                         progress=_progress_wanted(args))
    texts = [s.sentence for s in run.sentences]
    if len(texts) < 200:
        raise InputError(f"{', '.join(args.inputs)}: {len(texts)} sentences; adapting needs at least 200 "
                         "(the corpus's own statistics)")
    described = {"inputs": [str(Path(p).resolve()) if p != "-" else "stdin" for p in args.inputs],
                 "n_statements": run.n_ok, "failed": len(run.failures)}
    meta = run_adaptation(texts, Path(args.out), base, described, Path(args.themes) if args.themes else None,
                          progress=_progress_wanted(args))
    ad = meta["adapted"]
    _say(args, "\n".join([f"adapted {meta['name']} {meta['version']} to {ad['n_sentences']} sentences of "
                          f"{ad['n_statements']} statements ({ad['n_pseudo_labels']} pseudo-labels) in "
                          f"{meta['train_seconds']} s; use it with --model {args.out}", *_real_lines(meta)]))
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


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised where Ctrl-C raises KeyboardInterrupt, so a run stopped by
    `kill`, a job scheduler or a closing terminal cleans up exactly as an interrupted one."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _stopped(e: KeyboardInterrupt) -> int:
    """Say in one line how the run was stopped; the exit status is 128 + the signal's number."""
    import contextlib
    import signal

    if isinstance(e, Terminated):
        text, code = f"terminated ({signal.Signals(e.signum).name})", 128 + e.signum
    else:
        text, code = "interrupted", 130
    with contextlib.suppress(OSError):  # stderr may be the terminal that just closed (SIGHUP)
        print(text, file=sys.stderr)
    return code


def cmd_sample(args: argparse.Namespace) -> int:
    from .sample import SampleOptions, check_outputs, draw_sample, output_paths, population_of, summary, write_sample
    from .workflow import segment_inputs

    opts = SampleOptions(n=args.n, seed=args.seed, strategy=args.strategy, stratify_by=args.stratify_by,
                         period=args.period, context=args.context)
    opts.check()
    if args.removed or args.statements:
        raise InputError("--removed and --statements belong to `segment`; use it for the cleaning details")
    if args.model and opts.strategy != "uncertain":
        raise InputError("--model goes with --strategy uncertain (a random sample needs no model)")
    uncertain = opts.strategy == "uncertain"
    _check_outputs([args.errors])
    check_outputs(args.output, args.label_studio)
    _check_separate([*args.inputs, _model_input(args) if uncertain else None],
                    [*output_paths(args.output, args.label_studio), ("--errors", args.errors)])
    model = None
    if uncertain:
        from .model import load_model

        model = load_model(args.model)
    run = segment_inputs(args.inputs, _read_options(args), segmenter=args.segmenter, strict=args.strict,
                         progress=_progress_wanted(args))
    pop = population_of(run, opts)
    proba, info = None, None
    if model is not None:
        from .sample import margins_proba

        proba = margins_proba(pop.frame["sentence"].tolist(), model.predict_proba)
        info = {"path": os.path.abspath(model.path or _model_input(args)), "version": model.version}
    sample = draw_sample(pop, opts, inputs=args.inputs, proba=proba, model_info=info)
    from .themes import load_taxonomy

    write_sample(sample, args.output, args.label_studio, load_taxonomy().ids, excel=args.excel_safe)
    if args.errors:
        from .writers import write_table

        write_table(run.failures_frame(), args.errors, excel=args.excel_safe)
    _say(args, run.summary())
    _say(args, summary(sample, args.output))
    if args.label_studio and not args.quiet:
        from .sample import label_studio_config, label_studio_config_path

        print(f"Label Studio: import {args.label_studio}; labeling config (also in "
              f"{label_studio_config_path(args.label_studio)}):", file=sys.stderr)
        print(label_studio_config(load_taxonomy().ids), end="")
    return 0


def cmd_label(args: argparse.Namespace) -> int:
    from .labeler import run_labeler

    return run_labeler(Path(args.sample), out=Path(args.out) if args.out else None,
                       themes=Path(args.themes) if args.themes else None, port=args.port, ui_lang=args.ui_lang,
                       open_browser=not args.no_browser, say=lambda text: _say(args, text))


def _run(func: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    try:
        return func(args)
    except PipelineError as e:
        print(f"error: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt as e:  # Ctrl-C, or SIGTERM/SIGHUP (`Terminated`)
        return _stopped(e)
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
    except KeyboardInterrupt as e:  # before or after a command runs (it catches its own)
        return _stopped(e)


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

    SIGTERM and SIGHUP are handled as Ctrl-C is (`Terminated`): one line, temporary files
    removed, exit 143 or 129; unless they were ignored when the process started (`nohup`).

    After an interrupt the process leaves with `os._exit(128 + signal)`: Python would otherwise
    re-raise SIGINT at exit when a KeyboardInterrupt passed through a C extension's start-up
    code, even though it was handled, and the exit status would say "killed" instead of 130.

    Once the command has returned, its outputs are complete (or were never started), so a stop
    signal during the interpreter's own shutdown is ignored: it would otherwise end a finished
    run as "killed by SIGINT" with no message.
    """
    import contextlib
    import signal

    def terminate(signum: int, frame: object) -> None:
        raise Terminated(signum)

    stops = [signal.SIGINT, signal.SIGTERM, *([signal.SIGHUP] if hasattr(signal, "SIGHUP") else [])]
    for sig in stops[1:]:
        if signal.getsignal(sig) == signal.SIG_DFL:
            signal.signal(sig, terminate)

    def ignore_stops() -> None:
        for sig in stops:
            signal.signal(sig, signal.SIG_IGN)

    try:
        code = main()
        ignore_stops()
    except KeyboardInterrupt as e:  # between the command's return and the line above
        ignore_stops()
        code = _stopped(e)
    if code in {128 + s for s in stops}:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError):
                stream.flush()
        os._exit(code)
    raise SystemExit(code)


if __name__ == "__main__":  # pragma: no cover
    entry()
