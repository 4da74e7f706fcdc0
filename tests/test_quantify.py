"""The estimators of pipeline/quantify.py: against ppi-python and QuaPy's answers (stored by
scripts/reference_libraries.py from a throwaway environment), against brute force, and the
guarantees the report relies on."""

from __future__ import annotations

import importlib.util
import json

import numpy as np
import pytest

from pipeline.quantify import adjust, emq, emq_fit, emq_replicates, pacc, ppi_mean, row_rates, shrunk_rates

from .conftest import ROOT

REF = json.loads((ROOT / "tests" / "data" / "reference_libraries.json").read_text())
_spec = importlib.util.spec_from_file_location("reference_libraries", ROOT / "scripts" / "reference_libraries.py")
assert _spec and _spec.loader
reflib = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(reflib)
K = reflib.K


@pytest.mark.parametrize("case", REF["ppi"], ids=lambda c: f"seed{c['case'][0]}")
def test_ppi_matches_ppi_python(case: dict) -> None:
    seed, n, big_n, weighted = case["case"]
    d = reflib.make_inputs(seed, n, big_n, weighted)
    y = np.eye(K)[d["y"]]
    f, fa = d["proba"][:n], d["proba"]
    w = d["w"] if weighted else None
    fixed = ppi_mean(y, f, fa, w=w, lam=REF["fixed_lambda"])
    np.testing.assert_allclose(fixed.estimate, case["fixed_estimate"], atol=1e-12)
    np.testing.assert_allclose(fixed.ci_low, case["fixed_ci"][0], atol=1e-9)
    np.testing.assert_allclose(fixed.ci_high, case["fixed_ci"][1], atol=1e-9)
    np.testing.assert_allclose(fixed.classical_low, case["classical_ci"][0], atol=1e-9)
    np.testing.assert_allclose(fixed.classical_high, case["classical_ci"][1], atol=1e-9)
    # Power tuning: ppi-python's lambda (element mode) is cov(y, f) / ((1 + n/N) * the pooled
    # variance of the labeled and all predictions); ours is the exact minimizer of the estimated
    # variance. Given ppi-python's lambda we reproduce its interval, and ours is never less precise.
    wn = d["w"] / d["w"].mean()
    wy, wf = wn[:, None] * y, wn[:, None] * f
    centre = fa.mean(0) + (wy - wf).mean(0)
    g, gh = wy - wn[:, None] * centre, wf - wn[:, None] * centre
    cov = ((g - g.mean(0)) * (gh - gh.mean(0))).mean(0)
    lam_ppi = np.clip(cov / ((1 + n / big_n) * np.var(np.vstack([gh, fa - centre]), axis=0, ddof=1)), 0, 1)
    theirs = ppi_mean(y, f, fa, w=w, lam=lam_ppi)
    np.testing.assert_allclose(theirs.ci_low, case["tuned_ci"][0], atol=1e-9)
    np.testing.assert_allclose(theirs.ci_high, case["tuned_ci"][1], atol=1e-9)
    tuned = ppi_mean(y, f, fa, w=w)
    assert (tuned.se <= theirs.se + 1e-15).all()
    assert (tuned.ci_high - tuned.ci_low <= fixed.classical_high - fixed.classical_low + 1e-12).all()
    assert ((tuned.lam >= 0) & (tuned.lam <= 1)).all()


def test_ppi_lambda_zero_is_the_labels_only_estimate() -> None:
    d = reflib.make_inputs(5, 200, 1000, False)
    y = np.eye(K)[d["y"]]
    r = ppi_mean(y, d["proba"][:200], d["proba"], lam=0.0)
    np.testing.assert_allclose(r.estimate, y.mean(axis=0))
    np.testing.assert_allclose(r.ci_low, r.classical_low)
    np.testing.assert_allclose(r.ci_high, r.classical_high)


def test_ppi_never_wider_than_labels_only_even_with_useless_predictions() -> None:
    """Predictions unrelated to the labels get lambda near 0 (the labels-only interval); perfect
    ones shrink the interval to the imputed term's."""
    rng = np.random.default_rng(0)
    for _ in range(50):
        n, big_n = int(rng.integers(20, 400)), int(rng.integers(500, 5000))
        y = np.eye(K)[rng.integers(0, K, size=n)]
        noise = rng.dirichlet(np.ones(K), size=big_n)
        r = ppi_mean(y, noise[:n], noise)
        assert (r.ci_high - r.ci_low <= r.classical_high - r.classical_low + 1e-12).all()
    labels = rng.integers(0, K, size=300)
    perfect = np.eye(K)[labels]
    r = ppi_mean(perfect, perfect, np.vstack([perfect, np.eye(K)[rng.integers(0, K, size=3000)]]))
    assert (r.ci_high - r.ci_low < 0.5 * (r.classical_high - r.classical_low)).all()


@pytest.mark.parametrize("case", REF["emq"], ids=lambda c: f"seed{c['seed']}")
def test_emq_matches_quapy(case: dict) -> None:
    d = reflib.emq_inputs(case["seed"])
    got = emq(d["proba"], d["prior"], tol=1e-12)
    np.testing.assert_allclose(got, case["shares"], atol=1e-6)


@pytest.mark.parametrize("case", REF["pacc"], ids=lambda c: f"seed{c['seed']}")
def test_pacc_adjustment_matches_quapy(case: dict) -> None:
    e = reflib.pacc_inputs(case["seed"])
    got = adjust(e["observed"], e["rates"])
    np.testing.assert_allclose(got, case["shares"], atol=1e-9)


def test_pacc_recovers_the_truth_from_expected_probabilities() -> None:
    rng = np.random.default_rng(3)
    rates = rng.dirichlet(np.ones(K), size=K) * 0.4 + np.eye(K) * 0.6
    truth = np.array([0.05, 0.1, 0.02, 0.03, 0.8])
    proba = np.repeat(rates, (truth * 1000).astype(int), axis=0)  # sentences with their class's mean probabilities
    np.testing.assert_allclose(pacc(proba, rates), truth, atol=1e-9)


def test_emq_on_one_hot_probabilities_is_classify_and_count() -> None:
    rng = np.random.default_rng(1)
    pred = rng.integers(0, K, size=500)
    got = emq(np.eye(K)[pred], np.full(K, 1 / K))
    np.testing.assert_allclose(got, np.bincount(pred, minlength=K) / 500)


def test_emq_recovers_a_prior_shift() -> None:
    """Sentences drawn with a new mix from a calibrated model's classes: EM finds the new mix."""
    rng = np.random.default_rng(2)
    train = np.full(K, 1 / K)
    means = np.eye(K) * 2.5
    new = np.array([0.05, 0.1, 0.05, 0.1, 0.7])
    y = rng.choice(K, size=20000, p=new)
    x = means[y] + rng.normal(size=(len(y), K))
    logit = x @ means.T - 0.5 * (means**2).sum(axis=1)  # exact posteriors under a uniform prior
    p = np.exp(logit - logit.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    cc = np.bincount(p.argmax(axis=1), minlength=K) / len(y)
    got = emq(p, train)
    assert np.abs(got - new).max() < 0.01 < np.abs(cc - new).max()


def test_emq_batch_equals_one_at_a_time() -> None:
    d = reflib.emq_inputs(1)
    w = np.random.default_rng(0).multinomial(400, np.full(400, 1 / 400), size=5).astype(float)
    batch = emq(d["proba"], d["prior"], weights=w, tol=1e-12)
    for b in range(5):
        np.testing.assert_allclose(batch[b], emq(d["proba"], d["prior"], weights=w[b], tol=1e-12), atol=1e-9)


def test_emq_linearized_replicates_follow_em_rerun() -> None:
    """The report's bootstrap moves EMQ's shares by its linearization; rerunning EM on each
    replicate gives nearly the same interval where the shares are away from zero."""
    rng = np.random.default_rng(4)
    logits = rng.normal(0, 1.5, size=(600, K)) + np.array([0, 0, 0, 0, 1.0])
    p = np.exp(logits)
    p /= p.sum(axis=1, keepdims=True)
    prior = np.array([0.18, 0.18, 0.18, 0.18, 0.28])
    fit = emq_fit(p, prior)
    np.testing.assert_allclose(fit.posteriors.mean(axis=0), fit.shares, atol=1e-5)
    w = rng.multinomial(600, np.full(600, 1 / 600), size=400).astype(float)
    exact = emq(p, prior, weights=w)
    lin = emq_replicates(fit.shares, fit.gain, w @ fit.posteriors)
    inside = fit.shares > 0.05
    for q in (0.025, 0.5, 0.975):
        np.testing.assert_allclose(np.quantile(lin, q, axis=0)[inside], np.quantile(exact, q, axis=0)[inside],
                                   atol=0.006)


def test_adjust_inverts_and_clips() -> None:
    rates = row_rates(np.eye(K) * 80 + 5)
    truth = np.array([0.4, 0.3, 0.1, 0.1, 0.1])
    np.testing.assert_allclose(adjust(truth @ rates * 1000, rates), truth, atol=1e-12)
    got = adjust(np.array([0, 0, 0, 0, 10.0]), rates)
    assert got.min() >= 0 and got.sum() == pytest.approx(1) and got[-1] == pytest.approx(1)


def test_shrunk_rates_borrow_for_rare_themes() -> None:
    """A row with no labels is the training's; a row with many labels is nearly its own; a
    language with too few labels uses all languages' labels."""
    train = np.stack([row_rates(np.eye(K) * 90 + 2.5), row_rates(np.eye(K) * 60 + 10)])
    counts = np.zeros((2, K, K))
    counts[0, 4, 4], counts[0, 4, 0] = 800, 200  # language 0: `other` often read as theme 0
    counts[1, 4, 4] = 50
    got = shrunk_rates(counts, train, own=np.array([True, False]), m=10)
    np.testing.assert_allclose(got[0, 0], train[0, 0])  # theme 0 never labeled: the training's row
    assert got[0, 4, 0] == pytest.approx((200 + 10 * train[0, 4, 0]) / 1010)
    pooled = counts.sum(axis=0)
    np.testing.assert_allclose(got[1], (pooled + 10 * train[1]) / (pooled.sum(axis=1, keepdims=True) + 10))
    np.testing.assert_allclose(got.sum(axis=-1), 1)
