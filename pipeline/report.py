"""Theme shares over time, corrected for the classifier's known errors, with bootstrap intervals.

Pure functions over the classified sentence table; no I/O (the wiring is `publish.py`).

* Raw share: the share of sentences predicted as a theme ("classify and count").
* Corrected share: the prevalence of a theme is not the share predicted as it, because the
  classifier confuses themes at known rates. With `M[t, p]` = P(predicted p | true t) from the
  cross-validated confusion matrix (per language), the predicted counts are `M.T @ true`; solving
  for `true` (adjusted classify-and-count), clipping at zero and renormalizing gives the
  corrected share.
* Intervals: a two-stage bootstrap (statements within periods, sentences within statements),
  with the confusion matrix itself redrawn in every replicate from its counts, so the interval
  also carries the uncertainty of the error rates. Changes between periods are differences of
  the same replicates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .config import SEED
from .dates import is_future
from .errors import InputError
from .periods import NAMES as PERIODS
from .periods import PeriodScheme, scheme
from .periods import choose_period as choose_period
from .periods import period_of as period_of

if TYPE_CHECKING:
    from .labels import Validation

ALL = "all"
NO_SOURCE = "(not given)"
#: Strata with more statements than this skip the within-statement stage of the bootstrap:
#: resampling whole statements already carries their inner variation, and it keeps large
#: archives fast.
TWO_STAGE_MAX_STATEMENTS = 200


@dataclass(frozen=True)
class ReportOptions:
    """What the report computes; defaults suit a corpus of a few thousand sentences."""

    #: year | quarter | month | 5y | decade | fyp, a bins file or a PeriodScheme; None chooses
    #: from the date range
    period: str | PeriodScheme | None = None
    by: str = "source"  # the column compared across groups: source | lang | none
    n_boot: int = 1000
    level: float = 0.95
    min_sentences: int = 50
    #: Sentences per block when a period (and group) has a single statement: its intervals
    #: resample runs of consecutive sentences, which keeps their dependence (see _block_counts).
    block_size: int = 8
    evidence_k: int = 5
    seed: int = SEED


@dataclass(frozen=True)
class Cell:
    """One figure of the report: a theme's share in one period and group."""

    period: str
    source: str
    theme: str
    n_sentences: int
    n_statements: int
    share_raw: float
    share_corrected: float
    ci_low: float
    ci_high: float
    too_few: bool
    warning: str


@dataclass(frozen=True)
class Change:
    """A theme's change in corrected share between two periods, in percentage points."""

    source: str
    theme: str
    period_from: str
    period_to: str
    kind: str
    share_from: float
    share_to: float
    change_pp: float
    ci_low_pp: float
    ci_high_pp: float
    significant: bool
    too_few: bool


@dataclass
class Report:
    """Everything the outputs show; each table is ready to write as it is."""

    shares: pd.DataFrame
    changes: pd.DataFrame
    statements: pd.DataFrame
    evidence: pd.DataFrame
    unplaced: pd.DataFrame
    labels: list[str]
    period: str
    by: str
    info: dict[str, Any] = field(default_factory=dict)
    scheme: PeriodScheme | None = None  # how dates became periods: their order and place in time

    @property
    def periods(self) -> list[str]:
        """The time periods in time order (`all`, the whole range, is not one)."""
        cached = self.__dict__.get("_periods")  # asked for once per group: computed once per table
        if cached is not None and cached[0] is self.shares:
            return list(cached[1])
        found = [str(p) for p in self.shares["period"].unique() if p != ALL]
        periods = self.scheme.order(found) if self.scheme else sorted(found)
        self.__dict__["_periods"] = (self.shares, periods)
        return list(periods)

    def cell(self, period: str, group: str, theme: str) -> Cell:
        """The figure for (period, group, theme); KeyError when that group has no such period."""
        cells = self.__dict__.get("_cells")
        if cells is None:
            names = [f for f in Cell.__dataclass_fields__]
            cells = {(r[0], r[1], r[2]): Cell(*r) for r in self.shares[names].itertuples(index=False, name=None)}
            self.__dict__["_cells"] = cells
        return cells[(period, group, theme)]

    def has(self, period: str, group: str) -> bool:
        try:
            self.cell(period, group, self.labels[0])
        except KeyError:
            return False
        return True

    def changes_of(self, group: str) -> list[Change]:
        cached = self.__dict__.get("_changes")  # one pass over the table, not one per group
        if cached is None or cached[0] is not self.changes:
            names = list(Change.__dataclass_fields__)
            by_group: dict[str, list[Change]] = {}
            for r in self.changes[names].itertuples(index=False, name=None):
                by_group.setdefault(str(r[0]), []).append(Change(*r))
            cached = (self.changes, by_group)
            self.__dict__["_changes"] = cached
        return list(cached[1].get(group, []))

    @property
    def groups(self) -> list[str]:
        """`all` first, then the compared groups by size."""
        g = self.shares[(self.shares["period"] == ALL) & (self.shares["source"] != ALL)]
        sizes = g.groupby("source")["n_sentences"].first().sort_values(ascending=False, kind="stable")
        return [ALL, *sizes.index.tolist()]


@dataclass(frozen=True)
class ReportView:
    """How the report is shown (not what it computes): the page's language, the charts'
    scales, and the taxonomy that names the model's themes."""

    ui: str = "en"  # en | zh
    common_scale: bool = False  # one vertical scale for every theme's chart
    themes_path: str | None = None  # default: data/themes.toml


@dataclass
class ReportRun:
    """What the report was made from: the accounting behind every figure. (Here beside `Report`,
    so that the page, figures and summary need not import `publish`, which imports them;
    `pipeline.publish` re-exports it.)"""

    report: Report
    out_dir: Path
    model_version: str
    model_meta: dict[str, Any]
    names: dict[str, str]
    source_kind: str  # "statements" or "classified"
    counts: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    view: ReportView = field(default_factory=ReportView)

    def summary(self) -> str:
        r = self.report
        c = self.counts
        head = (f"report: {r.info['n_statements']} statements, {r.info['n_sentences']} sentences, "
                f"{len(r.periods)} periods ({r.period}) -> {self.out_dir}")
        lines = [head]
        if "statements_read" in c:
            lines.append(f"  statements read: {c['statements_read']}; failed: {c['failed']}; "
                         f"no content after cleaning: {c['no_content']}; lines removed by cleaning: "
                         f"{c['removed_total']}")
        if r.info["n_unplaced"]:
            lines.append(f"  not placed in a {r.period}: {r.info['n_unplaced']} statements "
                         f"({r.info['n_unplaced_sentences']} sentences; see unplaced.csv)")
        few = sorted({p for p in r.shares[(r.shares['too_few']) & (r.shares['source'] == ALL)]['period']})
        if few:
            lines.append(f"  periods with too few sentences: {', '.join(few)}")
        lines += _estimator_lines(r)
        return "\n".join(lines)


def _estimator_lines(r: Report) -> list[str]:
    """How the shares were corrected, and from which labels (for the run's summary on stderr)."""
    v = r.info.get("validation")
    if isinstance(v, dict):
        rates = ", ".join(f"{k} {w}" for k, w in v["rates"].items())
        return [f"  {v['description']}", f"  error rates from the labels ({rates}); whole corpus by PPI"]
    if r.info.get("estimator") == "emq":
        return ["  corrected by EM on the calibrated probabilities; error rates from training text "
                "(measure them on yours: `policy-themes sample`, then --validation)"]
    return []


# ---------------------------------------------------------------- periods (pipeline/periods.py)


# ---------------------------------------------------------------- the classifier's errors


def confusion_counts(meta: dict[str, Any], labels: list[str]) -> dict[str, np.ndarray]:
    """Cross-validated confusion counts (rows true, columns predicted) per language and `all`,
    in `labels` order, from a model's meta.json."""
    scores = (meta.get("cv") or {}).get("scores") or {}
    out: dict[str, np.ndarray] = {}
    for lang, s in scores.items():
        cm = (s or {}).get("confusion_matrix") or {}
        order = [str(x) for x in cm.get("labels", [])]
        rows = cm.get("rows_true_cols_pred")
        if not rows or sorted(order) != sorted(labels):
            continue
        m = np.asarray(rows, dtype=float)
        idx = [order.index(lab) for lab in labels]
        out[str(lang)] = m[np.ix_(idx, idx)]
    if ALL not in out:
        raise InputError("the model's meta.json has no cross-validated confusion matrix for its themes; "
                         "retrain it with `make train` to get corrected shares")
    return out


def _rates(counts: np.ndarray) -> np.ndarray:
    """Row-normalized P(predicted | true); a theme never seen keeps an identity row."""
    rows = counts.sum(axis=-1, keepdims=True)
    eye = np.broadcast_to(np.eye(counts.shape[-1]), counts.shape)
    return np.where(rows > 0, counts / np.where(rows > 0, rows, 1), eye)


def correct(pred: np.ndarray, rates: np.ndarray) -> np.ndarray:
    """Corrected shares from predicted counts per language.

    `pred`: (..., L, K) predicted counts; `rates`: (..., L, K, K) P(pred | true) per language
    (broadcast over the leading axes). Returns (..., K) shares: clipped at zero, summing to one.
    """
    lead = np.broadcast_shapes(rates.shape[:-2], pred.shape[:-1])
    mt = np.broadcast_to(np.swapaxes(rates, -1, -2), (*lead, *rates.shape[-2:]))
    rhs = np.broadcast_to(pred[..., None], (*lead, pred.shape[-1], 1))
    try:
        true = np.linalg.solve(mt, rhs)[..., 0]
    except np.linalg.LinAlgError:  # a singular error matrix: least squares instead
        true = np.einsum("...ij,...j->...i", np.linalg.pinv(mt), rhs[..., 0])
    total = np.clip(true.sum(axis=-2), 0, None)
    s = total.sum(axis=-1, keepdims=True)
    raw = pred.sum(axis=-2)
    raw_s = raw.sum(axis=-1, keepdims=True)
    fallback = raw / np.where(raw_s > 0, raw_s, 1)
    return np.where(s > 0, total / np.where(s > 0, s, 1), fallback)


# ---------------------------------------------------------------- bootstrap


def _boot_counts(counts: np.ndarray, strata: np.ndarray, n_boot: int, rng: np.random.Generator,
                 k: int, prior: float = 1.0, blocks: Any = None) -> np.ndarray:
    """(n_boot, C) resampled total counts: statements resampled within each stratum, then
    sentences within each statement; a stratum of one statement resamples its blocks of
    sentences instead (`blocks(i)`: the block counts of row i, see `_block_boot`).

    The second stage is a Bayesian bootstrap: a statement's theme mix is drawn from
    Dirichlet(counts + a prior of one sentence spread over the themes of its language), which
    has the spread of resampling its sentences, and a theme no sentence was predicted as still
    gets a small upper bound instead of an interval of [0, 0].
    """
    out = np.zeros((n_boot, counts.shape[1]), dtype=float)
    n_sent = counts.sum(axis=1)
    slots = counts.reshape(len(counts), -1, k).sum(axis=2).argmax(axis=1)
    alpha = counts.astype(float)
    for i, sl in enumerate(slots):
        alpha[i, sl * k : (sl + 1) * k] += prior / k
    for h in np.unique(strata):
        idx = np.flatnonzero(strata == h)
        s = len(idx)
        if s == 1 and blocks is not None:
            out += _block_boot(blocks(idx[0]), int(slots[idx[0]]), n_boot, rng, k, prior)
            continue
        w = rng.multinomial(s, np.full(s, 1.0 / s), size=n_boot)  # (B, S) statement multiplicities
        if s > TWO_STAGE_MAX_STATEMENTS:
            out += w @ counts[idx]
            continue
        cols = np.flatnonzero((alpha[idx] > 0).any(axis=0))  # only the languages present draw gammas
        a = alpha[np.ix_(idx, cols)]
        step = max(1, 2_000_000 // (s * len(cols)))
        for lo in range(0, n_boot, step):
            ww = w[lo : lo + step]
            g = rng.standard_gamma(np.broadcast_to(a, (len(ww), *a.shape)))
            g = np.where(a > 0, g, 0.0)
            p = g / g.sum(axis=2, keepdims=True)
            out[lo : lo + step, cols] += np.einsum("bs,bsc->bc", ww * n_sent[idx][None, :], p)
    return out


def _block_boot(blocks: np.ndarray, slot: int, n_boot: int, rng: np.random.Generator, k: int,
                prior: float) -> np.ndarray:
    """(n_boot, C) counts of one statement resampled by blocks of consecutive sentences.

    One long statement per period (a yearly work report) is the whole population of what was
    said that year: there are no other statements to resample, but its sentences are not
    independent either (a paragraph dwells on one theme). Resampling whole blocks keeps that
    dependence, so the interval is about how steady the emphasis is across the text. A prior
    of one sentence (Dirichlet over the themes of its language) keeps an unmentioned theme's
    upper bound above zero.
    """
    nb = len(blocks)
    w = rng.multinomial(nb, np.full(nb, 1.0 / nb), size=n_boot)  # (B, nb) block multiplicities
    out = (w @ blocks).astype(float)
    out[:, slot * k : (slot + 1) * k] += prior * rng.dirichlet(np.ones(k), size=n_boot)
    return out


def _block_rows(df: pd.DataFrame, stmt_idx: np.ndarray, block_size: int) -> np.ndarray:
    """A block number per sentence, unique across statements: runs of the table's `paragraph`
    (or `block`) column where it has one and it gives a statement five blocks or more, else
    fixed runs of `block_size` consecutive sentences (fewer for short statements, so that
    every statement has about ten blocks)."""
    order = np.lexsort((df["sentence_index"].to_numpy() if "sentence_index" in df else np.arange(len(df)),
                        stmt_idx))
    st = stmt_idx[order]
    pos = pd.Series(st).groupby(st).cumcount().to_numpy()
    size = pd.Series(st).map(pd.Series(st).value_counts()).to_numpy()
    block = pos // np.clip(np.minimum(block_size, size // 10), 1, None)
    para_col = next((c for c in ("paragraph", "block") if c in df.columns), None)
    if para_col is not None:
        para = df[para_col].astype(str).to_numpy()[order]
        starts = np.r_[True, (st[1:] != st[:-1]) | (para[1:] != para[:-1])]
        runs = pd.Series(starts.astype(int)).groupby(st).cumsum().to_numpy() - 1
        n_runs = pd.Series(runs).groupby(st).transform("max").to_numpy() + 1
        block = np.where(n_runs >= 5, runs, block)
    out = np.empty(len(df), dtype=np.int64)
    out[order] = pd.factorize(st.astype(np.int64) * (int(block.max()) + 1) + block)[0]
    return out


def _interval(x: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    a = (1 - level) / 2
    return np.quantile(x, a, axis=0), np.quantile(x, 1 - a, axis=0)


# ---------------------------------------------------------------- the report


def predicted(df: pd.DataFrame, labels: list[str]) -> np.ndarray:
    """Index of the predicted theme per sentence: argmax of the `p_<theme>` columns (so an
    `uncertain` label from --min-confidence still counts as the model's best guess)."""
    cols = [f"p_{t}" for t in labels]
    if all(c in df.columns for c in cols):
        return np.asarray(df[cols].to_numpy(dtype=float).argmax(axis=1))
    lookup = {t: i for i, t in enumerate(labels)}
    bad = ~df["theme"].isin(lookup)
    if bad.any():
        raise InputError(f"theme {df['theme'][bad].iloc[0]!r} is not one of the model's themes ({', '.join(labels)})")
    return np.asarray(df["theme"].map(lookup).to_numpy(dtype=int))


def build_report(
    sentences: pd.DataFrame,
    labels: list[str],
    confusion: dict[str, np.ndarray],
    opts: ReportOptions | None = None,
    *,
    priors: dict[str, np.ndarray] | None = None,
    validation: Validation | None = None,
) -> Report:
    """Shares, changes, per-statement shares and evidence from classified sentences.

    `priors` (training class counts per language, from meta.json) switch the correction to EMQ
    on the calibrated probabilities; `validation` (labels of this corpus's own sentences, rows
    of `sentences`) to error rates measured on them, and the whole-corpus rows to PPI."""
    opts = opts or ReportOptions()
    if opts.by not in ("source", "lang", "none"):
        raise InputError(f"--by {opts.by!r}: use source, lang or none")
    sch = _period_scheme(opts.period)
    if sentences.empty:
        raise InputError("no classified sentences to report on")
    k = len(labels)
    df = sentences.reset_index(drop=True).copy()
    _attach_labels(df, validation)
    df["pred"] = predicted(df, labels)
    df["date"] = df["date"].fillna("").astype(str)
    df["source"] = df["source"].fillna("").astype(str).str.strip().replace("", NO_SOURCE)
    df["lang"] = df["lang"].fillna("").astype(str)
    # Dated after today (a classified table made elsewhere): listed as unplaced, as `classify`
    # lists such statements as failed, and left out of choosing the period.
    future = {d for d in df["date"].unique() if d and _after_today(d)}
    sch = sch or scheme(choose_period(df["date"][~df["date"].isin(future)]))
    period = sch.name

    # Periods per statement; a statement whose date is missing or too coarse is listed, not dropped.
    stmt = df.groupby("statement_id", sort=False).agg(date=("date", "first"), source=("source", "first"),
                                                        n=("pred", "size")).reset_index()
    placed, reasons = [], []
    for d in stmt["date"]:
        if d in future:
            p, why = None, f"date {d} is after today ({_today()}); a statement cannot come from the future"
        else:
            p, why = sch.label(d) if d else (None, "no date")
        placed.append(p)
        reasons.append(why)
    stmt["period"] = placed
    unplaced = stmt[stmt["period"].isna()].assign(reason=[r for r, p in zip(reasons, placed, strict=True) if p is None])
    unplaced = unplaced[["statement_id", "date", "source", "n", "reason"]].rename(columns={"n": "n_sentences"})
    stmt = stmt[stmt["period"].notna()].reset_index(drop=True)
    df = df.merge(stmt[["statement_id", "period"]], on="statement_id", how="inner")
    if df.empty:
        raise InputError(f"no statement has a date that places it in a {period}: "
                         f"{unplaced['reason'].iloc[0]} (statement {unplaced['statement_id'].iloc[0]})")

    langs = [x for x in confusion if x != ALL]
    lang_idx = {x: i for i, x in enumerate(langs)}
    n_l = len(langs) + 1  # the last slot uses the pooled matrix
    df["lslot"] = df["lang"].map(lambda x: lang_idx.get(x, len(langs)))
    point_rates = _rates(np.stack([confusion[x] for x in langs] + [confusion[ALL]]))

    # Per-statement (language, predicted theme) counts: the unit the bootstrap resamples.
    s_index = {sid: i for i, sid in enumerate(stmt["statement_id"])}
    counts = np.zeros((len(stmt), n_l * k), dtype=np.int64)
    np.add.at(counts, (df["statement_id"].map(s_index).to_numpy(), (df["lslot"] * k + df["pred"]).to_numpy()), 1)
    group_col = {"source": "source", "lang": "lang", "none": None}[opts.by]
    stmt_group = (df.groupby("statement_id")[group_col].first().reindex(stmt["statement_id"]).to_numpy()
                  if group_col else None)

    rng = np.random.default_rng(opts.seed)
    # Every replicate redraws the error rates from their counts (Jeffreys prior), the same
    # draw for all groups so that changes between periods share it.
    boot_rates = np.empty((opts.n_boot, n_l, k, k))
    for li, x in enumerate([*langs, ALL]):
        for r, row in enumerate(confusion[x]):
            boot_rates[:, li, r, :] = rng.dirichlet(row + 0.5, size=opts.n_boot)
    est = _estimator(df, stmt, s_index, labels, langs, confusion, priors, validation, opts, rng)
    if est.method == VALIDATION and est.point_rates is not None and est.boot_rates is not None:
        point_rates, boot_rates = est.point_rates, est.boot_rates

    periods = sch.order([str(p) for p in stmt["period"].unique()])
    p_of = stmt["period"].to_numpy()
    blocks = _statement_blocks(df, stmt, s_index, counts.shape[1], k, opts.block_size)
    groups: list[tuple[str, str, np.ndarray]] = [(p, ALL, p_of == p) for p in periods]
    groups.append((ALL, ALL, np.ones(len(stmt), dtype=bool)))
    if stmt_group is not None:
        for g in sorted(set(stmt_group)):
            gm = stmt_group == g
            groups += [(p, str(g), gm & (p_of == p)) for p in periods if (gm & (p_of == p)).any()]
            groups.append((ALL, str(g), gm))

    rows: list[dict[str, Any]] = []
    replicates: dict[tuple[str, str], np.ndarray] = {}
    for p, g, mask in groups:
        c = counts[mask]
        pred_counts = c.sum(axis=0).reshape(n_l, k)
        n = int(pred_counts.sum())
        raw = pred_counts.sum(axis=0) / n
        corr = correct(pred_counts.astype(float), point_rates)
        rows_of = np.flatnonzero(mask)
        bc = _boot_counts(c, p_of[mask], opts.n_boot, rng, k,
                          blocks=lambda i, rows_of=rows_of: blocks(rows_of[i])).reshape(opts.n_boot, n_l, k)
        b_raw = bc.sum(axis=1) / bc.sum(axis=(1, 2))[:, None]
        b_corr = correct(bc, boot_rates)
        if est.method == EMQ:
            corr, b_corr = _emq_group(est, mask, p_of, opts, rng)
        replicates[(p, g)] = b_corr
        lo, hi = _interval(b_corr, opts.level)
        rlo, rhi = _interval(b_raw, opts.level)
        n_st = int(mask.sum())
        warn = []
        if n < opts.min_sentences:
            warn.append(f"fewer than {opts.min_sentences} sentences")
        for i, t in enumerate(labels):
            rows.append({
                "period": p, "source": g, "theme": t, "n_sentences": n,
                "share_raw": float(raw[i]), "share_corrected": float(corr[i]),
                "ci_low": float(min(lo[i], corr[i])), "ci_high": float(max(hi[i], corr[i])),
                "n_statements": n_st, "raw_ci_low": float(rlo[i]), "raw_ci_high": float(rhi[i]),
                "too_few": bool(warn), "warning": "; ".join(warn), "estimator": est.method,
            })
    shares = pd.DataFrame(rows)
    if est.method == VALIDATION:
        shares = _ppi_overall(shares, df, est, group_col, opts, labels)
    changes = _changes(shares, replicates, labels, opts.level, sch)
    evidence = _evidence(df, labels, opts.evidence_k, group_col)
    if est.method == VALIDATION:
        evidence = _labeled_evidence(evidence, df, labels, group_col)
    per_statement = _statement_shares(df, stmt, labels)
    info = {
        "n_sentences": len(df), "n_statements": len(stmt), "n_unplaced": len(unplaced),
        "n_unplaced_sentences": int(unplaced["n_sentences"].sum()),
        "date_min": min(stmt["date"]), "date_max": max(stmt["date"]),
        "n_boot": opts.n_boot, "level": opts.level, "min_sentences": opts.min_sentences,
        "confusion_languages": langs, "seed": opts.seed,
        # Periods whose one statement is all there is: their share is that statement's emphasis.
        "single_statement_periods": [p for p in periods if int((p_of == p).sum()) == 1],
        "block_size": opts.block_size,
        "estimator": est.method, **({"validation": est.info} if est.info else {}),
    }
    return Report(shares, changes, per_statement, evidence, unplaced.reset_index(drop=True), list(labels), period,
                  opts.by, info, sch)


def _today() -> str:
    import datetime as dt

    return dt.date.today().isoformat()


def _after_today(date: str) -> bool:
    try:
        return is_future(date)
    except ValueError:  # not a date: the period scheme says why it cannot be placed
        return False


def _period_scheme(spec: str | PeriodScheme | None) -> PeriodScheme | None:
    """The scheme asked for (None: chosen from the dates later); a bad name or bins file is an
    InputError that says what --period takes."""
    if spec is None:
        return None
    if isinstance(spec, str) and spec not in PERIODS and not Path(spec).is_file():
        raise InputError(f"--period {spec!r}: use one of {', '.join(PERIODS)} or a CSV file of bins label,start,end")
    return scheme(spec)


def _statement_blocks(df: pd.DataFrame, stmt: pd.DataFrame, s_index: dict[Any, int], width: int, k: int,
                      block_size: int) -> Any:
    """A function from a statement's row to its (blocks, width) counts, computed on first use:
    only statements alone in a period need them."""
    sid = df["statement_id"].map(s_index).to_numpy()
    block = _block_rows(df, sid, block_size)
    col = (df["lslot"] * k + df["pred"]).to_numpy()
    rows_of = pd.Series(np.arange(len(df))).groupby(sid).indices
    cache: dict[int, np.ndarray] = {}

    def get(i: int) -> np.ndarray:
        if i not in cache:
            r = rows_of[i]
            ids, inv = np.unique(block[r], return_inverse=True)
            out = np.zeros((len(ids), width), dtype=np.int64)
            np.add.at(out, (inv, col[r]), 1)
            cache[i] = out
        return cache[i]

    return get


def _changes(shares: pd.DataFrame, reps: dict[tuple[str, str], np.ndarray], labels: list[str],
             level: float, sch: PeriodScheme | None = None) -> pd.DataFrame:
    """Consecutive period-to-period changes (and first to last) in percentage points."""
    rows = []
    for g, sub in shares[shares["period"] != ALL].groupby("source", sort=False):
        per = sub.drop_duplicates("period").set_index("period").sort_index()
        order = sch.order([str(x) for x in per.index]) if sch else per.index.tolist()
        pairs = [(a, b, "consecutive") for a, b in pairwise(order)]
        if len(order) > 2:
            pairs.append((order[0], order[-1], "first to last"))
        for a, b, kind in pairs:
            diff = (reps[(b, str(g))] - reps[(a, str(g))]) * 100
            lo, hi = _interval(diff, level)
            few = bool(per.loc[a, "too_few"] or per.loc[b, "too_few"])
            for i, t in enumerate(labels):
                va = float(sub[(sub["period"] == a) & (sub["theme"] == t)]["share_corrected"].iloc[0])
                vb = float(sub[(sub["period"] == b) & (sub["theme"] == t)]["share_corrected"].iloc[0])
                ch = (vb - va) * 100
                rows.append({
                    "source": g, "theme": t, "period_from": a, "period_to": b, "kind": kind,
                    "share_from": va, "share_to": vb, "change_pp": ch,
                    "ci_low_pp": float(min(lo[i], ch)), "ci_high_pp": float(max(hi[i], ch)),
                    # A change involving a thin period is shown but never called significant.
                    "significant": bool(not few and (lo[i] > 0 or hi[i] < 0)), "too_few": few,
                })
    cols = ["source", "theme", "period_from", "period_to", "kind", "share_from", "share_to", "change_pp",
            "ci_low_pp", "ci_high_pp", "significant", "too_few"]
    return pd.DataFrame(rows, columns=cols)


_EVIDENCE_COLS = ["statement_id", "date", "source", "lang", "sentence_index", "start", "end", "sentence"]


def _evidence(df: pd.DataFrame, labels: list[str], k: int, group_col: str | None) -> pd.DataFrame:
    """The most confident sentences behind each (period, group, theme) figure."""
    conf = df[[f"p_{t}" for t in labels]].to_numpy(dtype=float) if f"p_{labels[0]}" in df else None
    d = df.assign(theme=[labels[i] for i in df["pred"]],
                  confidence=conf[np.arange(len(df)), df["pred"]] if conf is not None else np.nan)
    d = d.sort_values(["confidence", "statement_id", "sentence_index"], ascending=[False, True, True],
                      kind="stable")
    cols = [c for c in _EVIDENCE_COLS if c in d.columns]
    parts = []
    for period_key in ("period", None):
        for gkey in (None, group_col) if group_col else (None,):
            if period_key is None and gkey is None:
                keys = ["theme"]
            else:
                keys = [c for c in (period_key, gkey) if c] + ["theme"]
            top = d.groupby(keys, sort=False).head(k).copy()
            top["period"] = top["period"] if period_key else ALL
            top["group"] = top[gkey] if gkey else ALL
            parts.append(top)
    ev = pd.concat(parts, ignore_index=True)
    ev["rank"] = ev.groupby(["period", "group", "theme"]).cumcount() + 1
    out = ev[["period", "group", "theme", "rank", "confidence", *cols]].rename(columns={"group": "group_value"})
    return out.sort_values(["period", "group_value", "theme", "rank"], kind="stable").reset_index(drop=True)


def _statement_shares(df: pd.DataFrame, stmt: pd.DataFrame, labels: list[str]) -> pd.DataFrame:
    """Every statement with its period, size and raw theme shares."""
    counts = pd.crosstab(df["statement_id"], df["pred"]).reindex(columns=range(len(labels)), fill_value=0)
    counts.columns = [f"share_{t}" for t in labels]
    shares = counts.div(counts.sum(axis=1), axis=0)
    first = df.groupby("statement_id", sort=False).agg(lang=("lang", "first"))
    out = stmt.rename(columns={"n": "n_sentences"}).set_index("statement_id").join(first).join(shares)
    cols = ["date", "period", "source", "lang", "n_sentences", *shares.columns]
    return out[cols].reset_index().sort_values(["period", "date", "statement_id"], kind="stable").reset_index(drop=True)


# ---------------------------------------------------------------- estimators: EMQ, validation labels, PPI
# (the statistics are in pipeline/quantify.py; here they meet the report's groups and bootstrap)

ACC = "acc"  # adjusted count with the training's cross-validated error rates (no probabilities given)
EMQ = "emq"  # EM on the calibrated probabilities (the default)
VALIDATION = "acc-labels"  # adjusted count with error rates measured on this corpus's labeled sentences
PPI = "ppi"  # prediction-powered inference: the whole-corpus rows when there are labels
#: A whole-corpus (or one group's) row is estimated by PPI only with at least this many labeled
#: sentences in it; below that its normal interval is not to be trusted.
MIN_PPI_LABELS = 30


@dataclass
class _Estimator:
    """Which correction the report uses, and what it needs per sentence of the (placed) table."""

    method: str
    k: int
    n_l: int
    proba: np.ndarray | None = None  # (n, K) calibrated probabilities
    slot: np.ndarray | None = None  # language slot per sentence
    sent_stmt: np.ndarray | None = None  # statement row per sentence
    block: np.ndarray | None = None  # block id per sentence (for periods of one statement)
    priors: np.ndarray | None = None  # (n_l, K) class balance the probabilities were calibrated on
    point_rates: np.ndarray | None = None
    boot_rates: np.ndarray | None = None
    info: dict[str, Any] = field(default_factory=dict)


def _attach_labels(df: pd.DataFrame, validation: Validation | None) -> None:
    """`val_label` (theme index, -1 unlabeled) and `val_weight` columns, so that the labels
    follow their sentences through the placement of statements in periods."""
    df["val_label"] = -1
    df["val_weight"] = 0.0
    if validation is None:
        return
    if len(validation.index) and int(validation.index.max()) >= len(df):
        raise ValueError("validation labels do not belong to this sentence table")
    df.loc[validation.index, "val_label"] = validation.label
    df.loc[validation.index, "val_weight"] = validation.weight


def _probabilities(df: pd.DataFrame, labels: list[str]) -> np.ndarray | None:
    cols = [f"p_{t}" for t in labels]
    if not all(c in df.columns for c in cols):
        return None
    p = df[cols].to_numpy(dtype=float)
    s = p.sum(axis=1, keepdims=True)
    return np.asarray(np.where(s > 0, p / np.where(s > 0, s, 1), 1.0 / len(labels)))


def _estimator(df: pd.DataFrame, stmt: pd.DataFrame, s_index: dict[Any, int], labels: list[str], langs: list[str],
               confusion: dict[str, np.ndarray], priors: dict[str, np.ndarray] | None,
               validation: Validation | None, opts: ReportOptions, rng: np.random.Generator) -> _Estimator:
    """Labels of this corpus if given; else EMQ when there are probabilities and training priors;
    else the adjusted count with the training's error rates."""
    from . import quantify as q

    k, n_l = len(labels), len(langs) + 1
    proba = _probabilities(df, labels)
    if validation is not None:
        lab = df["val_label"].to_numpy()
        m = lab >= 0
        if not m.any():
            raise InputError(f"{validation.path}: none of the labeled sentences is in a statement placed in a period")
        y, pred = lab[m], df["pred"].to_numpy()[m]
        sl, w = df["lslot"].to_numpy()[m], df["val_weight"].to_numpy()[m]
        n = int(m.sum())
        n_by_slot = np.bincount(sl, minlength=n_l)
        own = n_by_slot >= q.MIN_LABELS_PER_LANGUAGE
        train = _rates(np.stack([confusion[x] for x in langs] + [confusion[ALL]]))
        point = q.shrunk_rates(q.labeled_counts(y, pred, sl, n_l, k, w), train, own)
        reps = rng.multinomial(n, np.full(n, 1.0 / n), size=opts.n_boot)  # the labeled sample resampled
        boot = q.shrunk_rates(q.labeled_counts(y, pred, sl, n_l, k, w, reps), train, own)
        acc = q.accuracy(y, pred, k, w, reps, opts.level)
        names = [*langs, "other languages"]
        info = {
            "path": validation.path, "kind": validation.kind, "strategy": validation.strategy,
            "n_rows": validation.n_rows, "n_usable": validation.n_usable, "n_matched": validation.n_matched,
            "n_unsure": validation.n_unsure, "n_empty": validation.n_empty,
            "n_text_differs": validation.n_text_differs, "n_labeled": n,
            "n_unplaced": validation.n_matched - n, "weighted": bool(np.ptp(w) > 1e-9),
            "by_language": {names[i]: int(c) for i, c in enumerate(n_by_slot) if c},
            "rates": {names[i]: ("own labels" if own[i] else "pooled labels") for i, c in enumerate(n_by_slot) if c},
            "min_labels_per_language": q.MIN_LABELS_PER_LANGUAGE, "pseudo_labels": q.PSEUDO_LABELS,
            "ppi_predictions": "probabilities" if proba is not None else "predicted themes",
            "accuracy": _accuracy_dict(acc, labels),
            "description": validation.describe(),
        }
        return _Estimator(VALIDATION, k, n_l, proba=proba, point_rates=point, boot_rates=boot, info=info)
    if proba is not None and priors:
        pooled = np.sum([np.asarray(v, dtype=float) for v in priors.values()], axis=0)
        pri = np.stack([np.asarray(priors.get(x, pooled), dtype=float) for x in langs] + [pooled])
        sent_stmt = df["statement_id"].map(s_index).to_numpy()
        return _Estimator(EMQ, k, n_l, proba=proba, slot=df["lslot"].to_numpy(), sent_stmt=sent_stmt,
                          block=_block_rows(df, sent_stmt, opts.block_size), priors=pri)
    return _Estimator(ACC, k, n_l)


def _accuracy_dict(acc: Any, labels: list[str]) -> dict[str, Any]:
    def num(x: float) -> float | None:
        return None if not np.isfinite(x) else round(float(x), 4)

    return {
        "n": acc.n, "accuracy": num(acc.accuracy), "accuracy_ci": [num(x) for x in acc.accuracy_ci],
        "themes": {t: {"precision": num(acc.precision[i]), "precision_ci": [num(acc.precision_ci[0, i]),
                                                                            num(acc.precision_ci[1, i])],
                       "recall": num(acc.recall[i]), "recall_ci": [num(acc.recall_ci[0, i]), num(acc.recall_ci[1, i])],
                       "support": int(acc.support[i]), "predicted": int(acc.predicted[i])}
                   for i, t in enumerate(labels)},
        "confusion": {"labels": list(labels), "rows_true_cols_pred": acc.confusion.tolist()},
    }


def _emq_group(est: _Estimator, mask: np.ndarray, p_of: np.ndarray, opts: ReportOptions,
               rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """EMQ shares of one (period, group) and their bootstrap replicates: EM per language, the
    replicates from resampled sums of the re-weighted probabilities (`quantify.emq_fit`), by
    the same statement and sentence bootstrap as the counts."""
    from .quantify import emq_fit, emq_replicates

    assert est.proba is not None and est.slot is not None and est.sent_stmt is not None
    assert est.block is not None and est.priors is not None
    k, n_l = est.k, est.n_l
    sel = np.flatnonzero(mask[est.sent_stmt])
    stmt_rows = np.flatnonzero(mask)
    local = np.full(len(mask), -1)
    local[stmt_rows] = np.arange(len(stmt_rows))
    proba, sl = est.proba[sel], est.slot[sel]
    post = np.zeros_like(proba)
    shares = np.zeros((n_l, k))
    gains = np.tile(np.eye(k), (n_l, 1, 1))
    n_s = np.bincount(sl, minlength=n_l)
    for li in np.flatnonzero(n_s):
        m = sl == li
        fit = emq_fit(proba[m], est.priors[li])
        post[m], shares[li], gains[li] = fit.posteriors, fit.shares, fit.gain
    corr = n_s @ shares / n_s.sum()
    li_of = local[est.sent_stmt[sel]]
    soft = np.zeros((len(stmt_rows), n_l, k))
    np.add.at(soft, (li_of, sl), post)
    blk = est.block[sel]

    def blocks(i: int) -> np.ndarray:
        r = li_of == i
        ids, inv = np.unique(blk[r], return_inverse=True)
        out = np.zeros((len(ids), n_l, k))
        np.add.at(out, (inv, sl[r]), post[r])
        return out.reshape(len(ids), n_l * k)

    bs = _boot_counts(soft.reshape(len(stmt_rows), n_l * k), p_of[mask], opts.n_boot, rng, k,
                      blocks=blocks).reshape(opts.n_boot, n_l, k)
    reps = np.stack([emq_replicates(shares[li], gains[li], bs[:, li]) for li in range(n_l)], axis=1)
    wts = bs.sum(axis=2)
    return corr, (wts[..., None] * reps).sum(axis=1) / wts.sum(axis=1, keepdims=True)


def _ppi_overall(shares: pd.DataFrame, df: pd.DataFrame, est: _Estimator, group_col: str | None,
                 opts: ReportOptions, labels: list[str]) -> pd.DataFrame:
    """The whole-corpus rows (all sources and each group) by PPI++: every sentence's
    probabilities plus the labeled sentences' corrections; the interval is from the labeled
    sample and never wider than the labels-only one, which is kept beside it."""
    from .quantify import ppi_mean

    k = est.k
    theme_index = {t: i for i, t in enumerate(labels)}
    lab = df["val_label"].to_numpy()
    f = est.proba if est.proba is not None else np.eye(k)[df["pred"].to_numpy()]
    out = shares.copy()
    out["n_labeled"] = 0
    out["labels_only_low"] = np.nan
    out["labels_only_high"] = np.nan
    periods = df["period"].astype(str).to_numpy()
    group_of = df[group_col].astype(str).to_numpy() if group_col else None
    for key, idx in out.groupby(["period", "source"], sort=False).groups.items():
        p, g = (str(x) for x in key)  # type: ignore[attr-defined]
        sel = np.ones(len(df), dtype=bool) if p == ALL else periods == p
        if g != ALL:
            if group_of is None:
                continue
            sel &= group_of == g
        labeled = sel & (lab >= 0)
        n_lab = int(labeled.sum())
        out.loc[idx, "n_labeled"] = n_lab
        if p != ALL or n_lab < MIN_PPI_LABELS:
            continue
        r = ppi_mean(np.eye(k)[lab[labeled]], f[labeled], f[sel], w=df["val_weight"].to_numpy()[labeled],
                     level=opts.level)
        order = out.loc[idx, "theme"].map(theme_index).to_numpy()
        out.loc[idx, "share_corrected"] = np.clip(r.estimate, 0, 1)[order]
        out.loc[idx, "ci_low"] = np.clip(r.ci_low, 0, 1)[order]
        out.loc[idx, "ci_high"] = np.clip(r.ci_high, 0, 1)[order]
        out.loc[idx, "labels_only_low"] = np.clip(r.classical_low, 0, 1)[order]
        out.loc[idx, "labels_only_high"] = np.clip(r.classical_high, 0, 1)[order]
        out.loc[idx, "estimator"] = PPI
    few = (out["period"] == ALL) & (out["estimator"] != PPI)
    note = f"fewer than {MIN_PPI_LABELS} labeled sentences: corrected with the labels' error rates, not PPI"
    out.loc[few, "warning"] = [f"{w}; {note}" if w else note for w in out.loc[few, "warning"]]
    return out


#: Labeled sentences added behind each figure (beyond its most confident ones), mistakes first.
LABELED_EVIDENCE = 10


def _labeled_evidence(ev: pd.DataFrame, df: pd.DataFrame, labels: list[str], group_col: str | None) -> pd.DataFrame:
    """The evidence with a `user_label` column, and each figure's labeled sentences added after
    its most confident ones (those the user labeled otherwise first), so that the drill-down
    shows what the user's labels say about the sentences behind each figure."""
    lab = df["val_label"].to_numpy()
    d = df[lab >= 0]
    key = ["statement_id", "sentence_index"]
    user = pd.DataFrame({"statement_id": d["statement_id"].to_numpy(), "sentence_index": d["sentence_index"].to_numpy(),
                         "user_label": [labels[i] for i in d["val_label"]]})
    if d.empty:
        return ev.assign(user_label="")
    conf = d[[f"p_{t}" for t in labels]].to_numpy(dtype=float) if f"p_{labels[0]}" in d else None
    d = d.assign(theme=[labels[i] for i in d["pred"]], wrong=(d["val_label"] != d["pred"]).to_numpy(),
                 confidence=conf[np.arange(len(d)), d["pred"]] if conf is not None else np.nan)
    parts = []
    for pkey in ("period", None):
        for gkey in (None, group_col) if group_col else (None,):
            x = d.assign(period=d["period"] if pkey else ALL, group_value=d[gkey] if gkey else ALL)
            parts.append(x)
    extra = pd.concat(parts, ignore_index=True).sort_values(["wrong", "confidence"], ascending=[False, False],
                                                            kind="stable")
    extra = extra.groupby(["period", "group_value", "theme"], sort=False).head(LABELED_EVIDENCE)
    cols = [c for c in ev.columns if c in extra.columns and c != "rank"]
    both = pd.concat([ev.assign(_first=0), extra[cols].assign(_first=1)], ignore_index=True)
    both = both.drop_duplicates(["period", "group_value", "theme", *key], keep="first")
    both = both.sort_values(["period", "group_value", "theme", "_first"], kind="stable")
    both["rank"] = both.groupby(["period", "group_value", "theme"]).cumcount() + 1
    both = both.merge(user, on=key, how="left")
    both["user_label"] = both["user_label"].fillna("")
    return both[[*ev.columns, "user_label"]].reset_index(drop=True)
