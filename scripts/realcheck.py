"""`make evaluate`: score the trained model (or the model folder given) on real statements from
../shared/corpora, the natural mix first.

The labels live in data/realcheck/ as (file, start, end, label) rows; the sentences are
rebuilt from the shared corpora at run time, so no real text is kept in the project.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline import config
from pipeline.evaluate import evaluate, format_report
from pipeline.model import load_model
from pipeline.train import read_realcheck


def main() -> int:
    real = read_realcheck(config.REALCHECK_DIR, config.SHARED_CORPORA)
    if real is None:
        print(f"no real-text check: need {config.REALCHECK_DIR} and {config.SHARED_CORPORA}", file=sys.stderr)
        return 2
    model = load_model(sys.argv[1] if len(sys.argv) > 1 else None)
    titles = {"random": "natural mix (sentences drawn at random): the headline",
              "cue": "cue-picked (half chosen by theme cue words, 40% themes): flatters precision, shown apart"}
    for how in ("random", "cue"):
        for lang in ("zh", "en"):
            part = real[(real["how"] == how) & (real["lang"] == lang)].reset_index(drop=True)
            if not len(part):
                continue
            print(f"== real statements, {lang}, {titles[how]} ==")
            result = evaluate(model, part, n_errors=10 if how == "random" else 0)
            print(format_report(result))
            pred = model.predict_sentences(part["text"].tolist())["theme"].to_numpy()
            other = (part["label"] == "other").to_numpy()
            if other.any():
                print(f"real `other` sentences sent to a theme: {(pred[other] != 'other').mean():.1%} "
                      f"of {int(other.sum())}")
            print()
    print_share_errors(share_errors(model, real))
    return 0


# ---------------------------------------------------------------- theme shares (pipeline/quantify.py)
# A separate section: how far each estimator's theme shares are from the truth on the natural mix,
# without labels of the corpus and with them (`report --validation`). Shares, not sentences, are what
# the report shows, and a classifier can be wrong about sentences yet right about shares, or the reverse.

SPLITS = 50  # random halves of the files: one half's labels validate the other half
GROUPS = 300  # random groups of files standing in for report periods
PPI_DRAWS = 200


def _mae(est: np.ndarray, truth: np.ndarray) -> float:
    """Mean absolute error over the themes, in percentage points."""
    return float(np.abs(est - truth).mean() * 100)


def share_errors(model: Any, real: pd.DataFrame, seed: int = 0) -> dict[str, Any]:
    """Per language, the share error of raw counts (CC), the adjusted count with the training's
    cross-validated error rates (ACC), PACC when the model records its mean probabilities by true
    theme, and EMQ; on random groups of files (periods); then with validation labels from other
    files (ACC with the labels' rates); then PPI on the whole set with half of it labeled."""
    from pipeline.quantify import (
        MIN_LABELS_PER_LANGUAGE,
        adjust,
        emq,
        labeled_counts,
        ppi_mean,
        row_rates,
        shrunk_rates,
        training_priors,
    )
    from pipeline.report import confusion_counts

    labels = model.labels
    k = len(labels)
    meta = model.meta
    nat = real[real["how"] == "random"].drop_duplicates(["file", "line"]).reset_index(drop=True)
    proba = model.predict_proba(nat["text"].tolist())
    pred = proba.argmax(axis=1)
    y = nat["label"].map({t: i for i, t in enumerate(labels)}).to_numpy()
    conf = confusion_counts(meta, labels)
    priors = training_priors(meta, labels)
    rng = np.random.default_rng(seed)
    out: dict[str, Any] = {}
    for lang in sorted(nat["lang"].unique()):
        ml = (nat["lang"] == lang).to_numpy()
        train_rates = row_rates(conf.get(lang, conf["all"]))
        soft = ((meta.get("cv") or {}).get("scores") or {}).get(lang, {}).get("mean_proba_by_true")
        prior = priors.get(lang, np.sum(list(priors.values()), axis=0))

        def estimates(m: np.ndarray, rates: np.ndarray | None = None, train_rates: np.ndarray = train_rates,
                      prior: np.ndarray = prior, soft: Any = soft) -> dict[str, np.ndarray]:
            counts = np.bincount(pred[m], minlength=k).astype(float)
            e = {"CC": counts / counts.sum(), "ACC": adjust(counts, train_rates), "EMQ": emq(proba[m], prior)}
            if soft is not None:
                e["PACC"] = adjust(proba[m].sum(axis=0), np.asarray(soft, dtype=float))
            if rates is not None:
                e["ACC, labels' rates"] = adjust(counts, rates)
            return e

        truth = np.bincount(y[ml], minlength=k) / ml.sum()
        res: dict[str, Any] = {"n": int(ml.sum()), "truth": truth.round(4).tolist(),
                               "whole": {n: round(_mae(v, truth), 2) for n, v in estimates(ml).items()}}
        files = nat.loc[ml, "file"].unique()
        sizes = nat[ml].groupby("file").size()
        for target in (100, 250):
            acc: dict[str, list[float]] = {}
            for _ in range(GROUPS):
                order = rng.permutation(files)
                cum = sizes.reindex(order).cumsum().to_numpy()
                mg = ml & nat["file"].isin(order[: int(np.searchsorted(cum, target)) + 1]).to_numpy()
                tg = np.bincount(y[mg], minlength=k) / mg.sum()
                for name, v in estimates(mg).items():
                    acc.setdefault(name, []).append(_mae(v, tg))
            res[f"periods_of_{target}"] = {n: round(float(np.mean(v)), 2) for n, v in acc.items()}
        acc = {}
        signed: dict[str, list[np.ndarray]] = {}
        n_val = []
        for _ in range(SPLITS):
            val_files = set(rng.permutation(files)[: len(files) // 2])
            mv = ml & nat["file"].isin(val_files).to_numpy()
            mt = ml & ~mv
            n_val.append(int(mv.sum()))
            counts = labeled_counts(y[mv], pred[mv], np.zeros(int(mv.sum()), dtype=int), 1, k)
            rates = shrunk_rates(counts, train_rates[None], np.array([mv.sum() >= MIN_LABELS_PER_LANGUAGE]))[0]
            tt = np.bincount(y[mt], minlength=k) / mt.sum()
            for name, v in estimates(mt, rates).items():
                acc.setdefault(name, []).append(_mae(v, tt))
                signed.setdefault(name, []).append((v - tt) * 100)
        res["validated_by_other_files"] = {"labels": int(np.mean(n_val)),
                                           **{n: round(float(np.mean(v)), 2) for n, v in acc.items()}}
        # Bias: the error that stays when averaged over the splits (largest over the themes).
        res["validated_bias"] = {n: round(float(np.abs(np.mean(v, axis=0)).max()), 2) for n, v in signed.items()}
        idx = np.flatnonzero(ml)
        cover, width, lwidth, err, lerr = [], [], [], [], []
        for _ in range(PPI_DRAWS):
            lab = rng.choice(idx, size=len(idx) // 2, replace=False)
            r = ppi_mean(np.eye(k)[y[lab]], proba[lab], proba[idx])
            cover.append(((r.ci_low <= truth) & (truth <= r.ci_high)).mean())
            width.append((r.ci_high - r.ci_low).mean() * 100)
            lwidth.append((r.classical_high - r.classical_low).mean() * 100)
            err.append(_mae(r.estimate, truth))
            lerr.append(_mae(r.classical, truth))
        res["ppi_half_labeled"] = {"labels": len(idx) // 2, "mae": round(float(np.mean(err)), 2),
                                   "labels_only_mae": round(float(np.mean(lerr)), 2),
                                   "coverage": round(float(np.mean(cover)), 3),
                                   "width_pp": round(float(np.mean(width)), 2),
                                   "labels_only_width_pp": round(float(np.mean(lwidth)), 2)}
        out[str(lang)] = res
    return out


def print_share_errors(result: dict[str, Any]) -> None:
    print("== theme shares on the natural mix: mean absolute error per theme, percentage points ==")
    for lang, r in result.items():
        print(f"-- {lang}: {r['n']} sentences; true shares {r['truth']}")
        print(f"   whole set:                          {r['whole']}")
        for key in ("periods_of_100", "periods_of_250"):
            print(f"   random groups of files (~{key.rsplit('_', 1)[1]} sentences): {r[key]}")
        v = r["validated_by_other_files"]
        print(f"   labels of half the files ({v['labels']}) validating the other half: "
              f"{ {k: x for k, x in v.items() if k != 'labels'} }; largest bias {r['validated_bias']}")
        p = r["ppi_half_labeled"]
        print(f"   PPI, {p['labels']} labeled: error {p['mae']} (labels alone {p['labels_only_mae']}), "
              f"95% coverage {p['coverage']}, width {p['width_pp']} pp (labels alone {p['labels_only_width_pp']})")
    print()


if __name__ == "__main__":
    raise SystemExit(main())
