"""Theme shares from a classifier's outputs (quantification), and from a labeled sample of the corpus.

Pure numpy, no I/O. Why each estimator:

* `emq` (Saerens-Latinne-Decaestecker EM): re-weights the calibrated probabilities for a new mix
  of themes; on the team's natural-mix real check set it erred less than the adjusted count with
  cross-validated error rates (figures in README), and it needs nothing from training but the
  class balance the probabilities were calibrated on.
* `pacc`/`acc`: adjusted (probabilistic) classify-and-count, solving `rates.T @ true = predicted`.
* `ppi_mean`: prediction-powered inference (PPI++ with power tuning) when some sentences are
  labeled: the mean of all predictions plus the labeled sample's mean correction; its interval
  comes from the labeled sample and is never wider than the labels-only interval.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

#: EM stops when no share moves more than this between iterations (QuaPy uses 1e-4 on the mean).
EM_TOL = 1e-6
EM_MAX_ITER = 1000


# ---------------------------------------------------------------- adjusted counts


def row_rates(counts: np.ndarray) -> np.ndarray:
    """Row-normalized P(predicted | true); a theme never seen keeps an identity row."""
    rows = counts.sum(axis=-1, keepdims=True)
    eye = np.broadcast_to(np.eye(counts.shape[-1]), counts.shape)
    return np.where(rows > 0, counts / np.where(rows > 0, rows, 1), eye)


def adjust(pred: np.ndarray, rates: np.ndarray) -> np.ndarray:
    """Adjusted classify-and-count: `pred` (..., K) predicted counts (or summed probabilities for
    PACC), `rates` (..., K, K) P(pred | true) rows (or mean probabilities by true theme). The
    solution is clipped at zero and renormalized; a singular matrix falls back to least squares."""
    mt = np.swapaxes(rates, -1, -2)
    try:
        true = np.linalg.solve(np.broadcast_to(mt, (*np.broadcast_shapes(mt.shape[:-2], pred.shape[:-1]),
                                                    *mt.shape[-2:])), pred[..., None])[..., 0]
    except np.linalg.LinAlgError:
        true = np.einsum("...ij,...j->...i", np.linalg.pinv(mt), pred)
    true = np.clip(true, 0, None)
    s = true.sum(axis=-1, keepdims=True)
    ps = pred.sum(axis=-1, keepdims=True)
    return np.where(s > 0, true / np.where(s > 0, s, 1), pred / np.where(ps > 0, ps, 1))


def pacc(proba: np.ndarray, mean_proba_by_true: np.ndarray) -> np.ndarray:
    """Probabilistic adjusted classify-and-count: the mean probability vector solved against the
    mean probabilities the classifier gives each true theme (from held-out data)."""
    return adjust(proba.mean(axis=0), mean_proba_by_true)


# ---------------------------------------------------------------- EM for prior shift


def emq(proba: np.ndarray, train_prior: np.ndarray, weights: np.ndarray | None = None,
        tol: float = EM_TOL, max_iter: int = EM_MAX_ITER) -> np.ndarray:
    """Shares by EM on calibrated probabilities (Saerens et al. 2002, "SLD"/EMQ).

    `proba` (n, K) are calibrated for the class balance `train_prior` (K,). `weights` (n,) or
    (B, n) count each sentence (a bootstrap replicate per row); the result is (K,) or (B, K).
    Each step re-weights every sentence's probabilities by new prior / training prior and takes
    their weighted mean as the new prior, until no share moves more than `tol`.
    """
    p = np.asarray(proba, dtype=float)
    prior = np.asarray(train_prior, dtype=float)
    prior = np.clip(prior / prior.sum(), 1e-12, None)
    w = np.ones((1, len(p))) if weights is None else np.atleast_2d(np.asarray(weights, dtype=float))
    tot = w.sum(axis=1, keepdims=True)
    tot = np.where(tot > 0, tot, 1.0)
    q = np.broadcast_to(prior, (len(w), len(prior))).copy()
    ratio_p = p / prior  # (n, K)
    for _ in range(max_iter):
        # E step for every replicate at once: posterior_i ∝ p_i * q / prior
        num = ratio_p[None, :, :] * q[:, None, :]  # (B, n, K)
        post = num / np.clip(num.sum(axis=2, keepdims=True), 1e-300, None)
        new = np.einsum("bn,bnk->bk", w, post) / tot
        done = np.abs(new - q).max() < tol
        q = new
        if done:
            break
    return q[0] if weights is None or np.ndim(weights) == 1 else q


@dataclass(frozen=True)
class EMFit:
    """EMQ's shares and what its bootstrap needs: each sentence's re-weighted probabilities at
    the solution, and the matrix that carries a change of their mean to a change of the shares."""

    shares: np.ndarray  # (K,)
    posteriors: np.ndarray  # (n, K): probabilities re-weighted to `shares` (their mean is `shares`)
    gain: np.ndarray  # (K, K): (I - J)^-1, J the Jacobian of one EM step at the solution


def emq_fit(proba: np.ndarray, train_prior: np.ndarray) -> EMFit:
    """EMQ with its linearization, so that bootstrap replicates need only sums of posteriors.

    A replicate re-weights the sentences; the EM fixed point moves, to first order, by
    `gain @ (replicate mean of the posteriors - shares)`. Resampling sums per statement is then
    as cheap as resampling predicted counts; checked against EM rerun on every replicate (the
    quantiles agree to a few tenths of a point away from zero shares).
    """
    p = np.asarray(proba, dtype=float)
    k = p.shape[1]
    prior = np.asarray(train_prior, dtype=float)
    prior = np.clip(prior / prior.sum(), 1e-12, None)
    q = emq(p, prior)
    r = p / prior
    s = np.clip(r @ q, 1e-300, None)[:, None]
    post = r * q / s
    rs = r / s
    jac = np.diag(rs.mean(axis=0)) - post.T @ rs / len(p)
    gain = np.linalg.pinv(np.eye(k) - jac)
    return EMFit(q, post, gain)


def emq_replicates(fit_shares: np.ndarray, gain: np.ndarray, post_sums: np.ndarray) -> np.ndarray:
    """(B, K) replicate shares from (B, K) resampled sums of the fitted posteriors (`emq_fit`)."""
    tot = post_sums.sum(axis=-1, keepdims=True)
    mean = post_sums / np.where(tot > 0, tot, 1)
    q = np.clip(fit_shares + (mean - fit_shares) @ gain.T, 0, None)
    s = q.sum(axis=-1, keepdims=True)
    return np.where(s > 0, q / np.where(s > 0, s, 1), fit_shares)


# ---------------------------------------------------------------- prediction-powered inference


@dataclass(frozen=True)
class PPI:
    """A mean per theme estimated from all predictions plus a labeled sample's corrections."""

    estimate: np.ndarray  # (K,)
    ci_low: np.ndarray
    ci_high: np.ndarray
    lam: np.ndarray  # (K,) power-tuning weights in [0, 1]
    se: np.ndarray
    classical: np.ndarray  # labels-only estimate
    classical_low: np.ndarray
    classical_high: np.ndarray
    n_labeled: int
    n_all: int


def _z(level: float) -> float:
    from statistics import NormalDist

    return NormalDist().inv_cdf(0.5 + level / 2)


def ppi_mean(y: np.ndarray, yhat: np.ndarray, yhat_all: np.ndarray, *, w: np.ndarray | None = None,
             level: float = 0.95, lam: np.ndarray | float | None = None) -> PPI:
    """PPI++ estimate and normal interval of the mean of `y` (n, K) (one-hot labels) per column.

    `yhat` (n, K) are the predictions for the labeled sentences, `yhat_all` (N, K) for every
    sentence of the corpus (the labeled ones included); `w` (n,) sampling weights of the labeled
    sentences (normalized to mean 1). With `lam` None, each column's lambda minimizes the
    estimated variance `lam² var(f)/N + var(y - lam f)/n` and is clipped to [0, 1]: the variance is
    convex in lambda and lambda=0 is the labels-only estimate, so the interval is never wider than
    the labels-only one. Matches `ppi_py.ppi_mean_ci` (which uses a pooled variance in lambda's
    denominator; both agree to the order of n/N) given the same lambda.
    """
    y = np.asarray(y, dtype=float)
    f = np.asarray(yhat, dtype=float)
    fa = np.asarray(yhat_all, dtype=float)
    n, big_n = len(y), len(fa)
    if n < 2:
        raise ValueError("PPI needs at least two labeled sentences")
    wt = np.ones(n) if w is None else np.asarray(w, dtype=float) / np.mean(w)
    wy, wf = wt[:, None] * y, wt[:, None] * f
    if lam is None:
        cov = ((wy - wy.mean(0)) * (wf - wf.mean(0))).mean(0)
        den = wf.var(0) + (n / big_n) * fa.var(0)
        lam_v = np.clip(np.divide(cov, den, out=np.zeros_like(cov), where=den > 0), 0.0, 1.0)
    else:
        lam_v = np.broadcast_to(np.asarray(lam, dtype=float), (y.shape[1],)).copy()
    est = lam_v * fa.mean(0) + (wy - lam_v * wf).mean(0)
    se = np.sqrt((lam_v * fa).var(0) / big_n + (wy - lam_v * wf).var(0) / n)
    z = _z(level)
    cl = wy.mean(0)
    cse = wy.std(0) / np.sqrt(n)
    return PPI(est, est - z * se, est + z * se, lam_v, se, cl, cl - z * cse, cl + z * cse, n, big_n)


# ---------------------------------------------------------------- error rates from validation labels

#: A language's own error rates are used when it has at least this many labeled sentences;
#: below it, its rates are the pooled ones (all languages' labels).
MIN_LABELS_PER_LANGUAGE = 150
#: Each row of P(pred | true) gets this many pseudo-sentences at the training's cross-validated
#: rates of its language, so that a theme with few labels (rare themes, in a natural mix) borrows
#: strength instead of being guessed, and a row with many labels (`other`, whose errors inflate
#: the themes) is mostly its own. Measured on the real check set (README): fewer made the
#: adjusted count noisier, more left it closer to the training's rates.
PSEUDO_LABELS = 10.0


def labeled_counts(y: np.ndarray, pred: np.ndarray, slot: np.ndarray, n_slots: int, k: int,
                   w: np.ndarray | None = None, reps: np.ndarray | None = None) -> np.ndarray:
    """Weighted confusion counts per language slot, (n_slots, K, K) rows true; with `reps`
    (B, n) row multiplicities, (B, n_slots, K, K)."""
    wt = np.ones(len(y)) if w is None else np.asarray(w, dtype=float)
    col = (slot * k + y) * k + pred
    onehot = np.zeros((len(y), n_slots * k * k))
    onehot[np.arange(len(y)), col] = wt
    if reps is None:
        return onehot.sum(axis=0).reshape(n_slots, k, k)
    return (reps @ onehot).reshape(len(reps), n_slots, k, k)


def shrunk_rates(counts: np.ndarray, train_rates: np.ndarray, own: np.ndarray,
                 m: float = PSEUDO_LABELS) -> np.ndarray:
    """P(pred | true) per slot from labeled counts (..., n_slots, K, K): a slot with `own[slot]`
    uses its own labels, the others all slots' labels pooled; every row is shrunk toward the
    slot's training rates `train_rates` (n_slots, K, K) by `m` pseudo-sentences."""
    pooled = np.broadcast_to(counts.sum(axis=-3, keepdims=True), counts.shape)
    use = np.where(own[:, None, None], counts, pooled)
    return (use + m * train_rates) / (use.sum(axis=-1, keepdims=True) + m)


@dataclass(frozen=True)
class Accuracy:
    """The classifier measured on the labeled sample: per theme precision and recall with
    intervals, accuracy, and the confusion counts (rows true, columns predicted)."""

    n: int
    accuracy: float
    accuracy_ci: tuple[float, float]
    precision: np.ndarray
    precision_ci: np.ndarray  # (2, K); NaN where nothing was predicted as the theme
    recall: np.ndarray
    recall_ci: np.ndarray
    support: np.ndarray  # labeled sentences per true theme
    predicted: np.ndarray  # labeled sentences per predicted theme
    confusion: np.ndarray  # (K, K) counts


def accuracy(y: np.ndarray, pred: np.ndarray, k: int, w: np.ndarray | None = None,
             reps: np.ndarray | None = None, level: float = 0.95) -> Accuracy:
    """Weighted precision/recall per theme; percentile intervals from `reps` (B, n) row multiplicities."""
    wt = np.ones(len(y)) if w is None else np.asarray(w, dtype=float)
    cm = np.zeros((k, k))
    np.add.at(cm, (y, pred), 1)

    def stats(mult: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        ww = mult * wt  # (B, n)
        hit = (y == pred).astype(float)
        tp = np.stack([ww @ ((y == t) & (pred == t)).astype(float) for t in range(k)], axis=-1)
        pp = np.stack([ww @ (pred == t).astype(float) for t in range(k)], axis=-1)
        tt = np.stack([ww @ (y == t).astype(float) for t in range(k)], axis=-1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return tp / pp, tp / tt, (ww @ hit) / ww.sum(axis=-1)

    prec, rec, acc = stats(np.ones((1, len(y))))
    a = (1 - level) / 2
    if reps is not None and len(reps):
        bp, br, ba = stats(reps.astype(float))
        pci = np.nanquantile(np.where(np.isnan(bp), np.nan, bp), [a, 1 - a], axis=0)
        rci = np.nanquantile(np.where(np.isnan(br), np.nan, br), [a, 1 - a], axis=0)
        aci = (float(np.quantile(ba, a)), float(np.quantile(ba, 1 - a)))
    else:
        pci = rci = np.full((2, k), np.nan)
        aci = (float("nan"), float("nan"))
    pci[:, np.isnan(prec[0])] = np.nan
    rci[:, np.isnan(rec[0])] = np.nan
    return Accuracy(len(y), float(acc[0]), aci, prec[0], pci, rec[0], rci, cm.sum(axis=1).astype(int),
                    cm.sum(axis=0).astype(int), cm.astype(int))


# ---------------------------------------------------------------- what training tells, and drift from it


def training_priors(meta: dict[str, Any], labels: list[str]) -> dict[str, np.ndarray]:
    """Class counts per language the probabilities were calibrated on (meta.json `class_counts`)."""
    out = {}
    for lang, counts in (meta.get("class_counts") or {}).items():
        if isinstance(counts, dict) and all(t in counts for t in labels):
            out[str(lang)] = np.array([float(counts[t]) for t in labels])
    return out


#: Sentences checked for drift (a seeded sample of larger corpora; the figures are shares).
DRIFT_SAMPLE = 20_000


def drift_figures(df: Any, labels: list[str], meta: dict[str, Any],
                  counts: Callable[[list[str]], list[Any]], seed: int = 0) -> dict[str, Any]:
    """Per language: the share of sentences with no feature the model knows, and the mean
    confidence against training's cross-validated mean confidence (meta `mean_confidence`, else
    its accuracy, which a calibrated model's mean confidence matches up to the calibration
    error). Far from training, both move: unknown words and lower confidence."""
    cols = [f"p_{t}" for t in labels]
    take = np.arange(len(df))
    if len(take) > DRIFT_SAMPLE:
        take = np.sort(np.random.default_rng(seed).choice(len(take), DRIFT_SAMPLE, replace=False))
    sub = df.iloc[take]
    texts = sub["sentence"].astype(str).tolist()
    nnz = np.zeros(len(texts), dtype=np.int64)
    for block in counts(texts) if texts else []:
        nnz += np.diff(block.tocsr().indptr)
    conf = sub[cols].to_numpy(dtype=float).max(axis=1) if all(c in sub.columns for c in cols) else None
    cv = (meta.get("cv") or {}).get("scores") or {}
    out: dict[str, Any] = {"n_checked": len(texts), "n_sentences": len(df), "by_language": {}}
    langs = sub["lang"].fillna("").astype(str).to_numpy() if "lang" in sub.columns else np.full(len(sub), "")
    for lang in sorted(set(langs)):
        m = langs == lang
        s = cv.get(lang) or cv.get("all") or {}
        train_conf = s.get("mean_confidence", s.get("accuracy"))
        out["by_language"][lang or "(none)"] = {
            "n": int(m.sum()),
            "no_feature": round(float((nnz[m] == 0).mean()), 4),
            "mean_confidence": None if conf is None else round(float(conf[m].mean()), 4),
            "train_mean_confidence": None if train_conf is None else round(float(train_conf), 4),
            "train_figure": "mean_confidence" if "mean_confidence" in s else "accuracy",
            "train_no_feature": s.get("no_feature_share"),
            "train_ece": s.get("ece"),
        }
    return out
