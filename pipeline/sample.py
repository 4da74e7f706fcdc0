"""Drawing sentences of a user's own corpus for people to label (`policy-themes sample`).

The report corrects theme shares with the classifier's error rates; measured on the team's
labeled data, those rates may not hold for another corpus. A random sample of the corpus's own
sentences, labeled by a person, measures them on the user's text. For that the sample must be
a probability sample with known inclusion probabilities, and the labeler must not see the
model's guesses: so the file holds no predictions, every row carries its weight (1/inclusion
probability), and a sidecar JSON records how it was drawn.

Each sentence gets a permanent random number: a hash of the seed, its statement id and its
sentence index. A simple random sample is the n sentences with the smallest numbers, so the
draw does not depend on the order files are read in, on the platform or on library versions,
and the file's rows, in that order, are such that any first k of them are themselves a simple
random sample (labeling can stop early). Stratified samples do the same within each stratum,
with equal allocation: every period gets the same number of rows (as far as it has sentences),
because the point of stratifying is an error rate for each period, not only overall.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import InputError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from .records import Sentence
    from .workflow import SegmentRun

#: The sample file's columns, in order; `pipeline/labels.py` reads them back by these names.
SAMPLE_COLUMNS = ("sample_id", "statement_id", "date", "source", "lang", "sentence_index", "sentence",
                  "context_before", "context_after", "weight", "label", "unsure")
#: Added (on every row) only to samples that are not random, so the report can refuse them.
STRATEGY_COLUMN = "strategy"
STRATEGIES = ("random", "uncertain")
#: What `--stratify-by` accepts, and the sentence fields each stratifies on.
STRATIFY = {"period": ("period",), "lang": ("lang",), "period,lang": ("period", "lang")}
PERIODS = ("year", "quarter", "month")
SIDECAR_FORMAT = "policy-themes-sample/1"
#: The period of sentences whose date does not place them (no date, or a year with --period quarter).
UNPLACED = "unplaced"


@dataclass(frozen=True)
class SampleOptions:
    """How to draw: checked before any input is read, so a bad option costs nothing."""

    n: int = 300
    seed: int | None = None
    strategy: str = "random"
    stratify_by: str | None = None
    period: str | None = None
    context: int = 1

    def check(self) -> None:
        if self.n < 1:
            raise InputError(f"-n {self.n}: the sample needs at least one sentence")
        if self.strategy not in STRATEGIES:
            raise InputError(f"--strategy {self.strategy!r}: use one of {', '.join(STRATEGIES)}")
        if self.stratify_by is not None and self.stratify_by not in STRATIFY:
            raise InputError(f"--stratify-by {self.stratify_by!r}: use one of {', '.join(STRATIFY)}")
        if self.stratify_by and self.strategy != "random":
            raise InputError("--stratify-by goes with --strategy random (an uncertain sample has no weights)")
        if self.period is not None and self.period not in PERIODS:
            raise InputError(f"--period {self.period!r}: use one of {', '.join(PERIODS)}")
        if self.context < 0:
            raise InputError(f"--context {self.context}: must be 0 or more")
        if self.seed is not None and self.seed < 0:
            raise InputError(f"--seed {self.seed}: must be 0 or more")

    @property
    def effective_seed(self) -> int:
        from .config import SEED

        return SEED if self.seed is None else self.seed


@dataclass
class Population:
    """Every sentence that could be drawn, with its period and context, in reading order."""

    frame: pd.DataFrame
    period: str

    @property
    def size(self) -> int:
        return len(self.frame)


@dataclass
class Sample:
    """The drawn rows (the file's columns) and the record of how they were drawn."""

    rows: pd.DataFrame
    meta: dict[str, Any]
    notes: list[str] = field(default_factory=list)


def sidecar_path(sample_csv: str | Path) -> Path:
    """`sample.csv` -> `sample.csv.json`: the record that travels with a sample file."""
    return Path(f"{sample_csv}.json")


def label_studio_config_path(tasks_json: str | Path) -> Path:
    """The labeling config written beside a Label Studio import file (`tasks.json` -> `tasks.xml`)."""
    return Path(tasks_json).with_suffix(".xml")


def output_paths(output: str | Path, label_studio: str | Path | None) -> list[tuple[str, Path]]:
    """Every file `sample` writes, by the option that names it, for the overlap checks."""
    outs = [("-o", Path(output)), ("-o (its record)", sidecar_path(output))]
    if label_studio:
        outs += [("--label-studio", Path(label_studio)),
                 ("--label-studio (its config)", label_studio_config_path(label_studio))]
    return outs


def check_outputs(output: str | Path, label_studio: str | Path | None) -> None:
    """Fail before reading anything when an output could not be written, or would destroy labels."""
    from .writers import check_output_path

    check_output_path(output, (".csv",))
    if label_studio:
        check_output_path(label_studio, (".json",))
    for _, p in output_paths(output, label_studio)[1:]:
        if p.is_dir():
            raise InputError(f"{p}: is a folder; it is where `sample` writes")
    n = labels_in(Path(output))
    if n:
        raise InputError(f"{output}: already holds {n} labels; a new sample would overwrite them "
                         "(choose another name, or move it away first)")


def labels_in(path: Path) -> int:
    """How many rows of an existing sample file have a label (0 when there is no such file)."""
    import pandas as pd

    if not path.is_file():
        return 0
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (ValueError, OSError, UnicodeDecodeError):
        return 0  # not a sample file we can read: nothing of ours to protect
    if "label" not in df.columns:
        return 0
    return int((df["label"].str.strip() != "").sum())


# ---------------------------------------------------------------- the population


def _period_of(date: str, period: str) -> str:
    from .report import period_of

    if not date:
        return UNPLACED
    try:
        return period_of(date, period) or UNPLACED
    except ValueError:
        return UNPLACED


def population_of(run: SegmentRun, opts: SampleOptions) -> Population:
    """The sentences of a segmentation run with period and context; fails when there are none."""
    if run.n_ok == 0:
        raise run.counts.nothing_read()
    return population(run.sentences, opts.period, opts.context)


def population(sentences: Sequence[Sentence], period: str | None = None, context: int = 1) -> Population:
    """One row per sentence: the sample's fields, its period and its neighbours in its statement."""
    import pandas as pd

    from .report import choose_period

    df = pd.DataFrame(
        {
            "statement_id": [s.statement_id for s in sentences],
            "date": [s.date or "" for s in sentences],
            "source": [s.source or "" for s in sentences],
            "lang": [s.lang or "" for s in sentences],
            "sentence_index": [int(s.sentence_index) for s in sentences],
            "sentence": [s.sentence for s in sentences],
        }
    )
    unit = period or choose_period(pd.Series([d for d in df["date"].unique() if d], dtype=object))
    df["period"] = [_period_of(d, unit) for d in df["date"]]
    before, after = _context(sentences, context)
    df["context_before"] = before
    df["context_after"] = after
    return Population(df, unit)


def _context(sentences: Sequence[Sentence], k: int) -> tuple[list[str], list[str]]:
    """The k sentences before and after each one within its own statement."""
    before: list[str] = []
    after: list[str] = []
    n = len(sentences)
    for i, s in enumerate(sentences):
        sep = "" if s.lang == "zh" else " "
        lo = i
        while lo > 0 and i - lo < k and sentences[lo - 1].statement_id == s.statement_id:
            lo -= 1
        hi = i
        while hi < n - 1 and hi - i < k and sentences[hi + 1].statement_id == s.statement_id:
            hi += 1
        before.append(sep.join(t.sentence for t in sentences[lo:i]))
        after.append(sep.join(t.sentence for t in sentences[i + 1 : hi + 1]))
    return before, after


def random_keys(statement_ids: Sequence[str], sentence_indexes: Sequence[int], seed: int) -> list[float]:
    """Each sentence's permanent random number in [0, 1): the same sentence and seed, the same number."""
    out = []
    for sid, idx in zip(statement_ids, sentence_indexes, strict=True):
        digest = hashlib.sha256(f"{seed}\x1f{sid}\x1f{int(idx)}".encode()).digest()
        out.append(int.from_bytes(digest[:8], "big") / 2.0**64)
    return out


# ---------------------------------------------------------------- drawing


def equal_allocation(sizes: dict[tuple[str, ...], int], n: int) -> dict[tuple[str, ...], int]:
    """n rows shared as evenly as the strata allow: a stratum smaller than its share gives all it
    has and the rest is shared among the others; leftover single rows go to the largest strata."""
    alloc = {k: 0 for k in sizes}
    order = sorted(sizes, key=lambda k: (sizes[k], k))
    remaining = min(n, sum(sizes.values()))
    for i, k in enumerate(order):
        alloc[k] = min(sizes[k], remaining // (len(order) - i))
        remaining -= alloc[k]
    while remaining > 0:
        for k in sorted(sizes, key=lambda k: (-sizes[k], k)):
            if remaining and alloc[k] < sizes[k]:
                alloc[k] += 1
                remaining -= 1
    return alloc


def _stratum_name(key: tuple[str, ...], fields: tuple[str, ...]) -> dict[str, str]:
    return dict(zip(fields, key, strict=True))


def draw_sample(pop: Population, opts: SampleOptions, *, inputs: Sequence[str] = (),
                proba: np.ndarray | None = None, model_info: dict[str, Any] | None = None) -> Sample:
    """The sample rows and their record. `proba` (sentences x themes, in population order) is
    needed for the `uncertain` strategy only; it never reaches the file."""
    import numpy as np
    import pandas as pd

    opts.check()
    seed = opts.effective_seed
    df = pop.frame.reset_index(drop=True)
    df["_key"] = random_keys(df["statement_id"].tolist(), df["sentence_index"].tolist(), seed)
    notes: list[str] = []
    strata_meta: list[dict[str, Any]] = []
    fields = STRATIFY.get(opts.stratify_by or "", ())
    eligible = df
    if "period" in fields:
        eligible = df[df["period"] != UNPLACED]
        left_out = len(df) - len(eligible)
        if left_out:
            notes.append(f"{left_out} sentences have no date that places them in a {pop.period} and are not "
                         "in the population of a sample stratified by period")
        if eligible.empty:
            raise InputError(f"no sentence has a date that places it in a {pop.period}; "
                             "stratify by period needs dated statements (or try --period year)")
    N = len(eligible)
    if opts.strategy == "uncertain":
        if proba is None or len(proba) != len(df):
            raise ValueError("the uncertain strategy needs the model's probabilities for every sentence")
        top2 = -np.sort(-proba, axis=1)[:, :2]  # a taxonomy has at least two themes
        df["_margin"] = top2[:, 0] - top2[:, 1]
        n = min(opts.n, N)
        chosen = df.sort_values(["_margin", "_key"], kind="stable").head(n)
        weight: Any = np.full(n, np.nan)
        chosen = chosen.assign(weight=weight)
    elif fields:
        keyed = {tuple(str(x) for x in (k if isinstance(k, tuple) else (k,))): g
                 for k, g in eligible.groupby(list(fields), sort=True)}
        sizes = {k: len(g) for k, g in keyed.items()}
        alloc = equal_allocation(sizes, opts.n)
        parts = []
        for k in sorted(keyed):
            g, n_h = keyed[k], alloc[k]
            w = sizes[k] / n_h if n_h else None
            strata_meta.append({"stratum": _stratum_name(k, fields), "N": sizes[k], "n": n_h, "weight": w})
            if n_h:
                parts.append(g.nsmallest(n_h, "_key").assign(weight=w))
        empty = [s for s in strata_meta if s["n"] == 0]
        if empty:
            notes.append(f"-n {opts.n} is fewer than the {len(strata_meta)} strata: {len(empty)} strata get no "
                         "row, so the sample does not cover them")
        chosen = pd.concat(parts).sort_values("_key", kind="stable")
        n = len(chosen)
    else:
        n = min(opts.n, N)
        chosen = eligible.nsmallest(n, "_key").assign(weight=N / n)
    if opts.n >= N:
        notes.insert(0, f"-n {opts.n} is not smaller than the population ({N} sentences): the sample takes "
                        "all of them")
    rows = _sample_rows(chosen, opts.strategy)
    meta = _meta(pop, df, eligible, rows, opts, seed, inputs, strata_meta, model_info, notes)
    return Sample(rows, meta, notes)


def _sample_rows(chosen: pd.DataFrame, strategy: str) -> pd.DataFrame:
    width = max(4, len(str(len(chosen))))
    out = chosen.reset_index(drop=True)
    out.insert(0, "sample_id", [f"s{i:0{width}d}" for i in range(1, len(out) + 1)])
    out["label"] = ""
    out["unsure"] = ""
    cols = list(SAMPLE_COLUMNS)
    if strategy != "random":
        out[STRATEGY_COLUMN] = strategy
        cols.append(STRATEGY_COLUMN)
    return out[cols]


def _counts(df: pd.DataFrame) -> dict[str, Any]:
    by_lang_period: dict[str, dict[str, int]] = {}
    for (lang, period), c in Counter(zip(df["lang"], df["period"], strict=True)).items():
        by_lang_period.setdefault(lang, {})[period] = c
    return {
        "N": len(df),
        "by_lang": dict(sorted(Counter(df["lang"]).items())),
        "by_period": dict(sorted(Counter(df["period"]).items())),
        "by_lang_period": {k: dict(sorted(v.items())) for k, v in sorted(by_lang_period.items())},
    }


def _meta(pop: Population, df: pd.DataFrame, eligible: pd.DataFrame, rows: pd.DataFrame, opts: SampleOptions,
          seed: int, inputs: Sequence[str], strata: list[dict[str, Any]], model_info: dict[str, Any] | None,
          notes: list[str]) -> dict[str, Any]:
    from . import __version__

    design = "simple random sample" if opts.strategy == "random" and not strata else (
        "stratified random sample, equal allocation" if strata else
        "the sentences the model is least sure of (smallest margin between its two most likely themes): "
        "for training, not for measuring error rates")
    return {
        "format": SIDECAR_FORMAT,
        "strategy": opts.strategy,
        "design": design,
        "seed": seed,
        "n_requested": opts.n,
        "n": len(rows),
        "took_all": opts.n >= len(eligible),
        "stratify_by": opts.stratify_by,
        "allocation": "equal" if strata else None,
        "strata": strata,
        "period": pop.period,
        "context": opts.context,
        "population": _counts(df),
        "sampled_population": _counts(eligible),
        "sample": _counts(rows.assign(period=[_period_of(d, pop.period) for d in rows["date"]])),
        "model": model_info,
        "inputs": [s if s == "-" else os.path.abspath(s) for s in map(str, inputs)],
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "policy_themes_version": __version__,
        "columns": list(rows.columns),
        "notes": notes,
    }


def margins_proba(sentences: list[str], predict_proba: Callable[[list[str]], np.ndarray],
                  slice_size: int = 20_000) -> np.ndarray:
    """The model's probabilities for every sentence, scored in slices so memory stays bounded."""
    import numpy as np

    parts = [predict_proba(sentences[i : i + slice_size]) for i in range(0, len(sentences), slice_size)]
    return np.vstack(parts) if parts else np.zeros((0, 0))


# ---------------------------------------------------------------- Label Studio


def label_studio_tasks(rows: pd.DataFrame) -> list[dict[str, Any]]:
    """Label Studio import tasks, one per row; `sample_id` links an export back to the sample.
    A sample that is not random says so in every task (`strategy`), as its CSV does, because
    Label Studio's export carries the tasks' data but not the sample's record."""
    tasks = []
    for r in rows.to_dict("records"):
        data = {"sample_id": r["sample_id"], "text": r["sentence"], "context_before": r["context_before"],
                "context_after": r["context_after"], "lang": r["lang"], "date": r["date"]}
        if r.get(STRATEGY_COLUMN):
            data[STRATEGY_COLUMN] = r[STRATEGY_COLUMN]
        tasks.append({"data": data})
    return tasks


def label_studio_config(theme_ids: Sequence[str]) -> str:
    """The labeling config matching the tasks: one single choice among the theme ids."""
    from xml.sax.saxutils import quoteattr

    choices = "\n".join(f"    <Choice value={quoteattr(t)}/>" for t in theme_ids)
    return ('<View>\n  <Text name="text" value="$text"/>\n'
            f'  <Choices name="theme" toName="text" choice="single">\n{choices}\n  </Choices>\n</View>\n')


# ---------------------------------------------------------------- writing


def write_sample(sample: Sample, output: str | Path, label_studio: str | Path | None = None,
                 theme_ids: Sequence[str] = (), excel: bool = False) -> list[Path]:
    """Write the sample, its record and the Label Studio files, each under a temporary name,
    renamed into place only when all of them are ready (a failure leaves none)."""
    from .writers import atomic_path, excel_safe

    out = Path(output)
    files: list[tuple[Path, Callable[[Path], object]]] = []
    frame = excel_safe(sample.rows) if excel else sample.rows
    files.append((out, lambda p: frame.to_csv(p, index=False, encoding="utf-8")))
    record = json.dumps(sample.meta, indent=2, ensure_ascii=False, default=str) + "\n"
    files.append((sidecar_path(out), lambda p: p.write_text(record, "utf-8")))
    if label_studio:
        tasks = json.dumps(label_studio_tasks(sample.rows), indent=1, ensure_ascii=False) + "\n"
        config = label_studio_config(theme_ids)
        files.append((Path(label_studio), lambda p: p.write_text(tasks, "utf-8")))
        files.append((label_studio_config_path(label_studio), lambda p: p.write_text(config, "utf-8")))
    # The sample file is renamed last (ExitStack unwinds in reverse): it never exists without its record.
    with ExitStack() as stack:
        for target, write in files:
            write(stack.enter_context(atomic_path(target)))
    return [p for p, _ in files]


def summary(sample: Sample, output: str | Path) -> str:
    """The closing lines a user reads on stderr."""
    m = sample.meta
    pop = m["sampled_population"]
    langs = ", ".join(f"{k} {v}" for k, v in m["sample"]["by_lang"].items())
    head = (f"sampled {m['n']} of {pop['N']} sentences ({m['design']}; seed {m['seed']}; {langs}) "
            f"into {output}; how it was drawn: {sidecar_path(output)}")
    return "\n".join([head, *(f"  note: {x}" for x in sample.notes)])
