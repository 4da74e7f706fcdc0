"""`make bench`: speed and accuracy of segmentation, measured on one core.

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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

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


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scale", type=int, default=20, help="repeat the English paragraphs this many times")
    ap.add_argument("--repeat", type=int, default=3, help="timing runs; the best is reported")
    ap.add_argument("-o", "--output", default=str(ROOT / "bench" / "results.md"))
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, as the target says

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
        f"one core (pinned). Best of {args.repeat} runs.",
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
    text = "\n".join(lines) + "\n"
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, "utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
