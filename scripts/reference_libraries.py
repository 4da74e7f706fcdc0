"""Reference figures from ppi-python and QuaPy for `tests/test_quantify.py`.

policy-themes implements PPI++ (mean estimation with power tuning), EMQ and PACC in a few
lines of numpy (`pipeline/quantify.py`) rather than depending on ppi-python (which pulls
numba, llvmlite and statsmodels: about 280 MB) or QuaPy (small, but unrelated dataset
downloaders and 0.7 s of imports). This script computes the libraries' answers on seeded
inputs, once, in a throwaway environment:

    python3 -m venv /tmp/venv-ref && /tmp/venv-ref/bin/pip install ppi-python quapy
    /tmp/venv-ref/bin/python scripts/reference_libraries.py     # writes tests/data/reference_libraries.json

and the test compares the project's estimators with them, without either library installed.
The inputs come from `make_inputs`, which the test imports from this file.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "reference_libraries.json"
K = 5
#: (seed, labeled n, all N, weighted): the PPI cases.
PPI_CASES = [(1, 120, 900, False), (2, 300, 3000, False), (3, 150, 1200, True)]
FIXED_LAMBDA = 0.37


def make_inputs(seed: int, n: int, big_n: int, weighted: bool) -> dict[str, np.ndarray]:
    """Calibrated-looking probabilities for N sentences, labels drawn from a skewed version of
    them for the first n (the labeled sample), and sampling weights when asked."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(0, 2.0, size=(big_n, K))
    logits[:, -1] += 1.5  # a large catch-all theme
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    skew = np.array([0.6, 1.0, 1.3, 1.0, 1.1])  # the truth differs from the probabilities
    q = p * skew
    q /= q.sum(axis=1, keepdims=True)
    y = np.array([rng.choice(K, p=row) for row in q[:n]])
    w = rng.uniform(0.5, 2.0, size=n) if weighted else np.ones(n)
    return {"proba": p, "y": y, "w": w}


def emq_inputs(seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(100 + seed)
    logits = rng.normal(0, 1.5, size=(400, K))
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    prior = rng.dirichlet(np.ones(K) * 5)
    return {"proba": p, "prior": prior}


def pacc_inputs(seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(200 + seed)
    m = rng.dirichlet(np.ones(K), size=K) * 0.3 + np.eye(K) * 0.7  # rows: mean probabilities by true theme
    truth = rng.dirichlet(np.ones(K) * 3)
    return {"rates": m, "observed": truth @ m}


def main() -> int:
    import ppi_py
    import quapy
    from quapy.method.aggregative import ACC, EMQ

    out: dict[str, Any] = {"ppi_python": getattr(ppi_py, "__version__", "0.2.3"), "quapy": quapy.__version__,
                           "fixed_lambda": FIXED_LAMBDA, "ppi": [], "emq": [], "pacc": []}
    for seed, n, big_n, weighted in PPI_CASES:
        d = make_inputs(seed, n, big_n, weighted)
        y = np.eye(K)[d["y"]]
        f, fa = d["proba"][:n], d["proba"]
        w = d["w"] if weighted else None
        lo, hi = ppi_py.ppi_mean_ci(y, f, fa, alpha=0.05, lam=FIXED_LAMBDA, w=w)
        est = ppi_py.ppi_mean_pointestimate(y, f, fa, lam=FIXED_LAMBDA, w=w)
        tuned_lo, tuned_hi = ppi_py.ppi_mean_ci(y, f, fa, alpha=0.05, w=w, lam_optim_mode="element")
        classical = [ppi_py.classical_mean_ci(y[:, j], w=w, alpha=0.05) for j in range(K)]  # 1-d only
        c_lo, c_hi = [c[0] for c in classical], [c[1] for c in classical]
        out["ppi"].append({"case": [seed, n, big_n, weighted], "fixed_estimate": np.ravel(est).tolist(),
                           "fixed_ci": [np.ravel(lo).tolist(), np.ravel(hi).tolist()],
                           "tuned_ci": [np.ravel(tuned_lo).tolist(), np.ravel(tuned_hi).tolist()],
                           "classical_ci": [np.ravel(c_lo).tolist(), np.ravel(c_hi).tolist()]})
    for seed in (1, 2, 3):
        d = emq_inputs(seed)
        prev, _ = EMQ.EM(d["prior"], d["proba"], epsilon=1e-12)
        out["emq"].append({"seed": seed, "shares": np.asarray(prev).tolist()})
        e = pacc_inputs(seed)
        # QuaPy's matrix is P(pred i | true j): the transpose of the rows-by-true-theme convention.
        sol = ACC.solve_adjustment(class_conditional_rates=e["rates"].T, unadjusted_counts=e["observed"],
                                   method="inversion", solver="exact-raise")
        out["pacc"].append({"seed": seed, "shares": np.asarray(sol).tolist()})
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {OUT}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
