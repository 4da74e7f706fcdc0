"""`make bench`: speed and accuracy of segmentation (one core) and of batch classification.

Compares this project's English splitter with `nltk.sent_tokenize` and NLTK's standard
English Punkt model (written out as `punkt_tab` files, since nothing is downloaded),
on the same paragraphs: real English statements from ../shared/corpora when present,
and the team's own sample statements. Writes bench/results.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from pipeline.clean import normalize  # noqa: E402
from pipeline.punkt_model import write_punkt_tab  # noqa: E402
from pipeline.readers import ReadOptions, read_statements  # noqa: E402
from pipeline.records import Statement  # noqa: E402
from pipeline.segment import segment_statement, split_en, split_zh  # noqa: E402

SHARED = ROOT.parent / "shared" / "corpora"


def english_paragraphs() -> tuple[list[str], str]:
    """Paragraphs of English statements: real ones if available, and the team's own."""
    paras: list[str] = []
    names = []
    real = SHARED / "ungd_china_en"
    if real.is_dir():
        for f in sorted(real.glob("*.txt")):
            paras += [p.strip() for p in f.read_text("utf-8").splitlines() if p.strip()]
        names.append("ungd_china_en (28 real UN statements)")
    for item in read_statements([str(ROOT / "data" / "statements" / "en")], ReadOptions()):
        if isinstance(item, Statement):
            body = normalize(item.text[item.body_start :])
            paras += [p.strip() for p in body.split("\n\n") if p.strip()]
    names.append("data/statements/en (team-written)")
    return paras, " + ".join(names)


def best_of(fn: Callable[[], object], repeat: int) -> float:
    """Fastest of `repeat` runs: the least disturbed by anything else on the machine."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def boundary_scores(split: Callable[[str], list[tuple[int, int]]], path: Path) -> tuple[float, float, int]:
    tp = fp = fn = 0
    n = 0
    for line in path.read_text("utf-8").splitlines():
        rec = json.loads(line)
        text, gold, pos = rec["text"], set(), 0
        for s in rec["sentences"]:
            pos = text.index(s, pos) + len(s)
            gold.add(pos)
        n += len(gold)
        got = {e for _, e in split(text)}
        tp, fp, fn = tp + len(gold & got), fp + len(got - gold), fn + len(gold - got)
    return tp / (tp + fp), tp / (tp + fn), n


def golden_rules(split: Callable[[str], list[tuple[int, int]]]) -> str:
    path = SHARED / "segmentation" / "golden_rules_en.json"
    if not path.exists():
        return "n/a (../shared/corpora not found)"
    rules = json.loads(path.read_text("utf-8"))
    ok = sum(1 for r in rules if [r["text"][s:e] for s, e in split(r["text"])] == r["sentences"])
    return f"{ok}/{len(rules)}"


def naive_pipeline(src: str, out: str) -> None:
    """The obvious way: nltk.sent_tokenize per statement (a regex for Chinese), scikit-learn's own
    TfidfVectorizer and Pipeline.predict, one process, everything in memory."""
    import re

    import nltk
    import pandas as pd

    from pipeline.model import load_pipeline

    tab_dir = Path(tempfile.mkdtemp(prefix="punkt_tab_"))
    write_punkt_tab(tab_dir, policy=False)
    nltk.data.path.insert(0, str(tab_dir))
    pipeline = load_pipeline()  # scikit-learn's own Pipeline: the naive path
    rows = []
    with open(src, encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            if rec.get("lang") == "zh":
                sents = [x for x in re.split(r"(?<=[。！？])", rec["text"]) if x.strip()]
            else:
                sents = nltk.sent_tokenize(rec["text"])
            rows += [(rec["id"], rec["date"], i, s.strip()) for i, s in enumerate(sents)]
    df = pd.DataFrame(rows, columns=["statement_id", "date", "sentence_index", "sentence"])
    df["theme"] = pipeline.predict(df["sentence"].tolist())
    df.to_parquet(out)


#: The 1-minute load average, sampled about once a second while `measure` runs a command.
LOAD: list[float] = []


def load_line(what: str) -> str:
    """How loaded the machine was while `what` ran (the machine is shared: say so with the figures)."""
    if not LOAD:
        return ""
    return (f"Machine load during {what}: 1-minute load average {statistics.median(LOAD):.1f} (median; "
            f"{min(LOAD):.1f} to {max(LOAD):.1f}) on {os.cpu_count()} cores, this benchmark's own processes included.")


def code_version() -> str:
    """The commit measured, and whether the work tree differed from it."""
    import subprocess

    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", "pipeline"], cwd=ROOT,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "code: not a git checkout"
    return f"code: commit {head}" + (" with uncommitted changes in pipeline/" if dirty else "")


def measure(cmd: list[str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + sys of the command and of every process it waited for,
    its workers included) and peak resident memory (MB, all its processes at once) of a command."""
    import resource
    import subprocess

    import psutil

    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL)
    ps = psutil.Process(proc.pid)
    peak = 0
    sampled = 0.0
    while proc.poll() is None:
        if time.perf_counter() - sampled >= 1.0:
            LOAD.append(os.getloadavg()[0])
            sampled = time.perf_counter()
        try:
            procs = [ps, *ps.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in procs if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.05)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"benchmark command failed: {' '.join(cmd)}")
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    return wall, cpu, peak / 1e6


def bare_predict(src: str, out: str) -> None:
    """scikit-learn's `Pipeline.predict` alone on the pre-split sentences of `src` (a Parquet file
    with a `sentence` column): loading is not timed. Writes wall and CPU seconds as JSON."""
    import pyarrow.parquet as pq

    from pipeline.model import load_pipeline

    sentences = pq.read_table(src, columns=["sentence"]).column("sentence").to_pylist()
    pipeline = load_pipeline()
    w0, c0 = time.perf_counter(), time.process_time()
    pipeline.predict(sentences)
    w1, c1 = time.perf_counter(), time.process_time()
    Path(out).write_text(json.dumps({"n": len(sentences), "wall": w1 - w0, "cpu": c1 - c0}), "utf-8")


def _median(values: list[float]) -> float:
    return float(statistics.median(values))


def classify_bench(sizes: list[int], jobs: int, naive_max: int, repeat: int,
                   predict_repeat: int) -> tuple[list[str], dict[int, dict[str, Any]]]:
    """The classify table, the target against bare `Pipeline.predict`, and per size what the
    fastText section compares with (the output file and `Pipeline.predict`'s CPU per sentence)."""
    import pandas as pd
    from bench_corpus import generate

    out_dir = ROOT / "bench" / "out"
    lines = [
        "## Batch classification: read, clean, segment, classify, write Parquet",
        "",
        "Corpus generated from the team's own labeled sentences and sample statements "
        "(`scripts/bench_corpus.py`, fixed seed; 60% English, 40% Chinese statements of 12-28 sentences, "
        "as JSON lines). Wall time includes start-up and loading the model; CPU is user + sys of all "
        "processes of the run; memory is the peak resident set of all processes of the run. This project: "
        f"the median of {repeat} runs (the machine is shared and its speed drifts by 10% or more); "
        f"`Pipeline.predict` alone: the median of {predict_repeat} runs, interleaved with this project's, on "
        "the sentences this project's run wrote (pre-split; reading them and loading the Pipeline not timed, "
        "but in its peak memory); the naive pipeline: one run (it takes minutes).",
        "",
        "| sentences | MB | pipeline | seconds | CPU seconds | sentences/s | CPU µs/sentence | MB/s | "
        "peak memory (MB) |",
        "|---:|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    ratios = []
    rates = []
    target = []
    stats: dict[int, dict[str, Any]] = {}
    for n in sizes:
        src = out_dir / f"corpus_{n}.jsonl"
        if not src.exists():
            generate(src, n)
        mb = src.stat().st_size / 1e6
        out = out_dir / f"out_{n}.parquet"
        pred_json = out_dir / f"predict_{n}.json"
        runs: list[tuple[float, float, float]] = []
        preds: list[tuple[float, float, float]] = []
        for i in range(max(repeat, predict_repeat)):  # interleaved, so that a slow hour slows both
            if i < repeat or not out.exists():
                runs.append(measure([sys.executable, "-m", "pipeline", "classify", str(src), "-o", str(out),
                                     "--jobs", str(jobs), "-q"]))
            if i < predict_repeat:
                _, _, mem = measure([sys.executable, str(Path(__file__)), "--predict", str(out), str(pred_json)])
                rec = json.loads(pred_json.read_text("utf-8"))
                preds.append((rec["wall"], rec["cpu"], mem))
        t_ours, cpu_ours, mem_ours = _median([r[0] for r in runs]), _median([r[1] for r in runs]), max(
            r[2] for r in runs)
        t_pred, cpu_pred, mem_pred = _median([p[0] for p in preds]), _median([p[1] for p in preds]), max(
            p[2] for p in preds)
        rows = len(pd.read_parquet(out, columns=["sentence_index"]))
        stats[n] = {"rows": rows, "parquet": out, "predict_cpu_us": cpu_pred / rows * 1e6, "peak_mb": mem_ours}
        rates.append((n, rows / t_ours, [rows / r[0] for r in runs]))
        lines.append(f"| {rows:,} | {mb:.0f} | this project, --jobs {jobs} | {t_ours:.1f} | {cpu_ours:.1f} | "
                     f"{rows / t_ours:,.0f} | {cpu_ours / rows * 1e6:.1f} | {mb / t_ours:.2f} | {mem_ours:,.0f} |")
        lines.append(f"| {rows:,} | {mb:.0f} | `Pipeline.predict` alone (pre-split sentences, 1 process) | "
                     f"{t_pred:.1f} | {cpu_pred:.1f} | {rows / t_pred:,.0f} | {cpu_pred / rows * 1e6:.1f} | "
                     f"{mb / t_pred:.2f} | {mem_pred:,.0f} |")
        target.append((rows, runs, preds))
        if n <= naive_max:
            naive_out = out_dir / f"naive_{n}.parquet"
            t_naive, cpu_naive, mem_naive = measure([sys.executable, str(Path(__file__)), "--naive", str(src),
                                                     str(naive_out)])
            naive_rows = len(pd.read_parquet(naive_out, columns=["sentence_index"]))
            lines.append(f"| {naive_rows:,} | {mb:.0f} | naive (nltk + Pipeline.predict, 1 process) | {t_naive:.1f} | "
                         f"{cpu_naive:.1f} | {naive_rows / t_naive:,.0f} | {cpu_naive / naive_rows * 1e6:.1f} | "
                         f"{mb / t_naive:.2f} | {mem_naive:,.0f} |")
            ratios.append((n, (rows / t_ours) / (naive_rows / t_naive)))
    lines.append("")
    for n, r in ratios:
        lines.append(f"Speed-up over the naive pipeline at {n:,} sentences: **{r:.1f}x** (target: 6x).")
    for n, rate, each in rates:
        verdict = "met" if rate >= 100_000 else "**not met**"
        lines.append(f"Target of 100,000 sentences/s end to end with {jobs} jobs, at {n:,} sentences: {verdict} "
                     f"({rate:,.0f}/s; runs: {', '.join(f'{x:,.0f}' for x in sorted(each))}).")
    lines += [
        "",
        "## Target: `classify` end to end in at most half the time of bare `Pipeline.predict`",
        "",
        f"`classify` (read JSON lines, clean, segment, score, write Parquet; start-up included, --jobs {jobs}) "
        "against scikit-learn's `Pipeline.predict` alone on the same sentences, pre-split, in one process "
        "(it uses one core; `classify` uses both, so the CPU ratio is shown beside the time ratio). "
        "Medians; every run in brackets.",
        "",
        "| sentences | classify: seconds | CPU s | Pipeline.predict: seconds | CPU s | time ratio | CPU ratio | "
        "target (time ratio <= 0.5) |",
        "|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for rows, runs, preds in target:
        t_o, c_o = _median([r[0] for r in runs]), _median([r[1] for r in runs])
        t_p, c_p = _median([p[0] for p in preds]), _median([p[1] for p in preds])
        each_o = ", ".join(f"{r[0]:.1f}" for r in sorted(runs))
        each_p = ", ".join(f"{p[0]:.1f}" for p in sorted(preds))
        verdict = "met" if t_o <= 0.5 * t_p else "**not met**"
        lines.append(f"| {rows:,} | {t_o:.1f} ({each_o}) | {c_o:.1f} | {t_p:.1f} ({each_p}) | {c_p:.1f} | "
                     f"**{t_o / t_p:.2f}** | {c_o / c_p:.2f} | {verdict} |")
    lines += ["", load_line("these runs")]
    if len(stats) > 1:
        small, big = min(stats), max(stats)
        a, b = stats[small]["peak_mb"], stats[big]["peak_mb"]
        lines += ["", f"Memory: `classify`'s peak resident set (all processes, largest of its runs) is {a:,.0f} MB "
                  f"at {stats[small]['rows']:,} sentences and {b:,.0f} MB at {stats[big]['rows']:,} "
                  f"({(b / a - 1) * 100:+.0f}% for {stats[big]['rows'] / stats[small]['rows']:.0f}x the input)."]
    return lines, stats


def fasttext_bench(sentences_parquet: Path, predict_cpu_us: float) -> list[str]:
    """fastText, trained on the same labeled data, against this project's model: CPU per sentence
    on the bench corpus's pre-split sentences, cross-validated and real-text accuracy."""
    import numpy as np
    import pyarrow.parquet as pq

    try:
        import bench_fasttext as ftb
    except ImportError as e:
        return ["", f"(fastText baseline skipped: {e}; it is in the `dev` extra: `make install`.)"]
    from pipeline import config
    from pipeline.model import load_model
    from pipeline.train import read_realcheck
    from pipeline.train import real_text_check as score_real

    sentences = pq.read_table(sentences_parquet, columns=["sentence"]).column("sentence").to_pylist()
    n = len(sentences)
    model = load_model()
    ours = []
    for _ in range(3):
        c0 = time.process_time()
        model.predict_proba(sentences)
        ours.append(time.process_time() - c0)
    ours_us = _median(ours) / n * 1e6
    ours_first_us = ours[0] / n * 1e6
    ft, train_s = ftb.train_labeled()
    prep_us, pred_us = ftb.cpu_per_sentence(ft, sentences)
    cv = next(ftb.cross_validate([{}]))[1]
    cv_ours = {lang: (model.meta.get("cv", {}).get("scores", {}).get(lang) or {}).get("macro_f1")
               for lang in ("en", "zh")}

    class Ours:
        def predict(self, texts: list[str]) -> np.ndarray:
            return np.asarray(model.predict_sentences(texts)["theme"], dtype=object)

    lines = [
        "",
        "## fastText baseline (the peer to beat)",
        "",
        f"fastText ({ftb.version()}, a dev dependency), trained on the same labeled sentences "
        f"(data/labeled) in {train_s:.1f} CPU seconds, with {', '.join(f'{k}={v}' for k, v in ftb.PARAMS.items())} "
        "(the best of seven sets by grouped 5-fold cross-validation on the training data: word n-grams 1-3, "
        "subwords none or 3-5, 25 or 50 epochs, learning rate 0.5 or 1.0; `scripts/bench_fasttext.py`). "
        "Its input is each sentence as our analyzer reads it: Traditional folded to Simplified, lower case, "
        "digits folded to `0`, English words whole, "
        "Chinese as space-separated characters, punctuation dropped.",
        "",
        f"Speed: CPU per sentence (medians of 3 passes) on the {n:,} pre-split sentences of the bench corpus, "
        "one process, loading not counted:",
        "",
        "| classifier | CPU µs/sentence |",
        "|---|---:|",
        f"| fastText: text to its input (Python) + predict (C++) | {prep_us + pred_us:.1f} "
        f"({prep_us:.1f} + {pred_us:.1f}) |",
        f"| this project's scorer (`load_model().predict_proba`; first pass {ours_first_us:.1f}) | {ours_us:.1f} |",
        f"| scikit-learn `Pipeline.predict` (the same model; from the table above) | {predict_cpu_us:.1f} |",
        "",
        "Accuracy: cross-validated macro-F1 on the training data (grouped 5-fold, the folds of `make train`), "
        "and on the real-text check's natural mix (`data/realcheck`, rows drawn at random from real statements "
        "in ../shared/corpora, never trained on): macro-F1 over the themes present, and the share of real "
        "`other` sentences predicted as a theme (lower is better).",
        "",
        "| language | classifier | CV macro-F1 | real: sentences | real: macro-F1 (themes present) | "
        "real: `other` sent to a theme |",
        "|---|---|---:|---:|---:|---:|",
    ]
    real = read_realcheck(config.REALCHECK_DIR, config.SHARED_CORPORA)
    if real is not None:
        real = real[real["how"] == "random"].reset_index(drop=True)
    checks = {}
    if real is not None and len(real):
        checks = {"this project": score_real(Ours(), model.labels, real),
                  "fastText": score_real(ftb.FastTextPredictor(ft), model.labels, real)}
    for lang in ("en", "zh"):
        for name, cv_f1 in (("this project", cv_ours[lang]), ("fastText", cv[lang])):
            r = checks.get(name, {}).get(lang)
            cv_txt = f"{cv_f1:.3f}" if isinstance(cv_f1, float) else "n/a"
            if r is None:
                lines.append(f"| {lang} | {name} | {cv_txt} | n/a | n/a | n/a |")
                continue
            other = "n/a" if r["other_to_theme"] is None else f"{r['other_to_theme']:.1%}"
            lines.append(f"| {lang} | {name} | {cv_txt} | {r['n']} | {r['macro_f1_present']:.3f} | {other} |")
    if not checks:
        lines += ["", "(Real-text check skipped: data/realcheck or ../shared/corpora not found.)"]
    return lines


def real_text_check(generated: Path) -> list[str]:
    """Does the generated corpus flatter the pipeline? The real statements in ../shared/corpora
    against as much generated text, one process each; the second pass is timed, so that
    neither pays for imports or for filling the token tables on its own."""
    if not SHARED.is_dir():
        return ["", "(Real-text check skipped: ../shared/corpora not found.)"]
    from pipeline.batch import ClassifyOptions, process_chunk
    from pipeline.classify import output_schema
    from pipeline.model import load_model

    def run(statements: list[Statement]) -> tuple[int, float]:
        """The second of two passes with one model: its tables have seen the text's words once."""
        model = load_model()
        opts = ClassifyOptions(schema=output_schema(model.labels, model.version))
        times = []
        for _ in range(2):
            t0 = time.perf_counter()
            n = sum(process_chunk(statements[i : i + 200], opts, model).n_sentences
                    for i in range(0, len(statements), 200))
            times.append(time.perf_counter() - t0)
        return n, times[-1]

    lines = ["", "## Real statements against generated ones (segment and classify, one process, second pass)", "",
             "| language | text | statements | sentences | sentences/s | million characters/s |",
             "|---|---|---:|---:|---:|---:|"]
    dirs = {"en": ["ungd_china_en"], "zh": ["xi_speeches_zh", "cpc_congress_zh", "local_gwr_zh"]}
    gen = [s for s in read_statements([str(generated)], ReadOptions())
           if isinstance(s, Statement)]
    for lang, names in dirs.items():
        real = [s for s in read_statements([str(SHARED / d) for d in names], ReadOptions()) if isinstance(s, Statement)]
        n_real, t_real = run(real)
        chars = sum(len(s.text) for s in real)
        take, count = [], 0
        for s in (s for s in gen if s.lang == lang):  # as much generated text as the real texts have
            if count >= chars:
                break
            take.append(s)
            count += len(s.text)
        n_gen, t_gen = run(take)
        lines.append(f"| {lang} | real (../shared/corpora: {', '.join(names)}) | {len(real)} | {n_real:,} | "
                     f"{n_real / t_real:,.0f} | {chars / 1e6 / t_real:.2f} |")
        lines.append(f"| {lang} | generated | {len(take)} | {n_gen:,} | {n_gen / t_gen:,.0f} | "
                     f"{count / 1e6 / t_gen:.2f} |")
    return lines


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scale", type=int, default=20, help="repeat the English paragraphs this many times")
    ap.add_argument("--repeat", type=int, default=3, help="timing runs; the best is reported")
    ap.add_argument("-o", "--output", default=str(ROOT / "bench" / "results.md"))
    ap.add_argument("--sizes", default="100000,1000000", help="classification corpus sizes (sentences)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--classify-repeat", type=int, default=3, help="runs of this project's classify per size")
    ap.add_argument("--naive-max", type=int, default=1_000_000, help="largest size the naive pipeline runs on")
    ap.add_argument("--predict-repeat", type=int, default=3, help="runs of bare Pipeline.predict per size")
    ap.add_argument("--naive", nargs=2, metavar=("SRC", "OUT"), help=argparse.SUPPRESS)
    ap.add_argument("--predict", nargs=2, metavar=("SENTENCES", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.naive:
        naive_pipeline(*args.naive)
        return 0
    if args.predict:
        bare_predict(*args.predict)
        return 0
    sizes = [int(x) for x in args.sizes.split(",") if x]
    classify_lines, stats = classify_bench(sizes, args.jobs, args.naive_max, args.classify_repeat,
                                           args.predict_repeat)
    first = stats[sizes[0]]
    classify_lines += fasttext_bench(first["parquet"], first["predict_cpu_us"])
    if hasattr(os, "sched_setaffinity"):  # segmentation speed is measured on one core, as the target says
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    import nltk

    tab_dir = Path(tempfile.mkdtemp(prefix="punkt_tab_"))
    write_punkt_tab(tab_dir, policy=False)
    nltk.data.path.insert(0, str(tab_dir))

    paras, source = english_paragraphs()
    corpus = paras * args.scale
    mb = sum(len(p.encode("utf-8")) for p in corpus) / 1e6

    def ours() -> int:
        return sum(len(split_en(p)) for p in corpus)

    def naive() -> int:
        return sum(len(nltk.sent_tokenize(p)) for p in corpus)

    def ours_nltk_engine() -> int:
        return sum(len(split_en(p, "nltk")) for p in corpus)

    n_ours, n_naive = ours(), naive()
    t_ours = best_of(ours, args.repeat)
    t_naive = best_of(naive, args.repeat)
    t_engine = best_of(ours_nltk_engine, 1)

    # Whole statements through cleaning + segmentation (what `segment` does per statement).
    stmts = [s for s in read_statements([str(ROOT / "data" / "statements")], ReadOptions())
             if isinstance(s, Statement)]
    reps = max(1, args.scale)
    stmt_mb = sum(len(s.text.encode("utf-8")) for s in stmts) * reps / 1e6

    def full() -> int:
        return sum(len(segment_statement(s).sentences) for _ in range(reps) for s in stmts)

    n_full = full()
    t_full = best_of(full, args.repeat)

    check_en = ROOT / "data" / "segmentation" / "check_en.jsonl"
    check_zh = ROOT / "data" / "segmentation" / "check_zh.jsonl"
    p_o, r_o, n_b = boundary_scores(split_en, check_en)
    standard = nltk.tokenize.punkt.PunktTokenizer("english")

    def nltk_spans(t: str) -> list[tuple[int, int]]:
        return list(standard.span_tokenize(t))

    p_n, r_n, _ = boundary_scores(nltk_spans, check_en)
    p_z, r_z, n_z = boundary_scores(split_zh, check_zh)

    rows = [
        ("this project (fast Punkt rules)", t_ours, n_ours),
        ("nltk.sent_tokenize, standard English model", t_naive, n_naive),
        ("this project, --segmenter nltk", t_engine, n_ours),
    ]
    lines = [
        "# Benchmark results",
        "",
        f"Machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}, "
        f"{code_version()}. Segmentation: one core (pinned), best of {args.repeat} runs.",
        "",
        "## English segmentation speed",
        "",
        f"Text: {len(paras)} paragraphs from {source}, repeated {args.scale} times: "
        f"{len(corpus):,} paragraphs, {mb:.1f} MB.",
        "",
        "| splitter | seconds | MB/s | sentences/s | sentences |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, t, n in rows:
        lines.append(f"| {name} | {t:.2f} | {mb / t:.2f} | {n / t:,.0f} | {n:,} |")
    lines += [
        "",
        f"Speed-up over `nltk.sent_tokenize`: **{t_naive / t_ours:.1f}x** (target: at least 5x).",
        "",
        "## Whole statements: read text -> clean -> segment (English and Chinese)",
        "",
        f"{len(stmts)} sample statements x {reps}: {stmt_mb:.1f} MB, {n_full:,} sentences in {t_full:.2f} s: "
        f"**{stmt_mb / t_full:.2f} MB/s, {n_full / t_full:,.0f} sentences/s** on one core.",
        "",
        "## Boundary accuracy on the team's annotated check set",
        "",
        "| set | splitter | precision | recall |",
        "|---|---|---:|---:|",
        f"| check_en ({n_b} boundaries) | this project | {p_o:.3f} | {r_o:.3f} |",
        f"| check_en | nltk standard Punkt | {p_n:.3f} | {r_n:.3f} |",
        f"| check_zh ({n_z} boundaries) | this project | {p_z:.3f} | {r_z:.3f} |",
        "",
        f"English Golden Rules (pySBD suite): this project {golden_rules(split_en)}, "
        f"nltk standard Punkt {golden_rules(nltk_spans)}.",
        "",
        f"Sentence counts on the speed text differ by {abs(n_ours - n_naive) / n_naive:.1%} "
        f"(median paragraph {statistics.median(len(p) for p in paras):.0f} characters).",
    ]
    lines += ["", *classify_lines, *real_text_check(ROOT / "bench" / "out" / f"corpus_{sizes[0]}.jsonl")]
    text = "\n".join(lines) + "\n"
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, "utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
